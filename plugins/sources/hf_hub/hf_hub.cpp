// source/hf_hub — reads a dataset repository from the Hugging Face Hub.
//
// Contract:
//  - Open() resolves `revision` to a commit (GET /api/datasets/{repo}/revision/{rev}),
//    lists the repository at that commit with the tree API (paginated by Link
//    headers), picks the files of `config`/`split` by the datasets library's
//    rules (data_files, the card's `configs:`, default split patterns; see
//    hf_hub_select.h) and falls back to the refs/convert/parquet branch when
//    the main branch has no readable data files (`parquet_conversion: auto`).
//  - Read() downloads each file only when it is reached (so `limit` stops
//    early) into the huggingface_hub cache layout (blobs/, snapshots/ with
//    relative symlinks, refs/), resuming .incomplete files with Range, then
//    parses it: JSON Lines / JSON arrays (records keep the file's bytes), CSV
//    and TSV (typed values), text (one {"text": line} per line) and Parquet
//    (when built with plugins/sources/parquet's reader).
//  - HF_ENDPOINT, HF_TOKEN (`token_env`) or the token file, HF_HOME,
//    HF_HUB_CACHE and HF_HUB_OFFLINE are honoured; config keys override them.
//    Offline, or when the Hub cannot be reached and the revision is cached,
//    the cached snapshot is read as it is.
//  - Requests are retried on network failures, 408, 429 and 5xx with the
//    server's Retry-After / RateLimit hints; 401/403/404 are final and become
//    sentences naming the repo, the Hub's error code and what to do.
//  - Repo paths that are absolute or contain ".." are refused (never touch
//    the disk) and counted as `unsafe_paths_refused`.
//  - Row ids: ordinal = (file index << 40) | row number within the file, the
//    file index counting every selected file of every split in order, so ids
//    do not depend on sharding. Under MPI, file i is read by rank i % world.
//  - Per-row problems become rejects: malformed_json, invalid_utf8,
//    not_an_object (JSON), csv_field_count (CSV), parquet:* (Parquet).
//  - Counters: files_downloaded, bytes_downloaded, cache_hits, resumed_downloads,
//    files_read, bytes_read, http_retries, unsafe_paths_refused, rows.<split>.
//  - Thread-safety: Read is called from one thread; Decode concurrently.
#include <algorithm>
#include <atomic>
#include <map>

#include "hf_hub_client.h"
#include "hf_hub_common.h"
#include "hf_hub_read.h"
#include "hf_hub_select.h"
#include "winnow/io.h"
#include "winnow/source.h"
#include "winnow/text.h"

namespace winnow {
namespace {

struct HfHubConfig {
  std::string repo_id;
  std::string revision = "main";
  std::string config;
  std::string split = "train";
  std::vector<std::string> data_files;
  std::string data_dir;
  int64_t limit = 0;
  std::string endpoint;
  std::string token_env = "HF_TOKEN";
  std::string cache_dir;
  bool offline = false;
  std::string parquet_conversion = "auto";
  bool verify_checksums = true;
  int64_t max_retries = 5;
  int64_t retry_backoff_ms = 500;
  int64_t timeout_ms = 0;
  int64_t idle_timeout_ms = 60'000;
};

const ConfigSchema& HfHubSchema() {
  static const ConfigSchema schema =
      SchemaBuilder<HfHubConfig>()
          .String("repo_id", &HfHubConfig::repo_id,
                  "The dataset repository, \"name\" or \"organization/name\".")
          .Required()
          .String("revision", &HfHubConfig::revision,
                  "Branch, tag or commit hash to read. A branch or tag is resolved to its commit "
                  "once, at the start of the run, so every file comes from the same commit.")
          .String("config", &HfHubConfig::config,
                  "The dataset config (subset) as named in the dataset card's `configs:`; empty "
                  "picks the card's default config, or the only one.")
          .String("split", &HfHubConfig::split,
                  "The split to read (train, validation, test, or any split the card defines); "
                  "\"all\" reads every split, in the datasets library's order.")
          .StringList(
              "data_files", &HfHubConfig::data_files,
              "Glob patterns of repo paths (relative to data_dir) that form the split, "
              "overriding the card and the default patterns; e.g. \"data/train-*.parquet\".")
          .String("data_dir", &HfHubConfig::data_dir,
                  "Look for data files under this directory of the repository only.")
          .Int("limit", &HfHubConfig::limit,
               "Stop after this many rows (0 = read everything). Files after the limit are not "
               "downloaded.")
          .Min(0)
          .String("endpoint", &HfHubConfig::endpoint,
                  "The Hub's URL; empty uses HF_ENDPOINT, else https://huggingface.co.")
          .String("token_env", &HfHubConfig::token_env,
                  "Environment variable holding the access token; when it is unset the token "
                  "file ($HF_TOKEN_PATH or $HF_HOME/token) is used, else no token is sent.")
          .String("cache_dir", &HfHubConfig::cache_dir,
                  "The huggingface_hub cache directory; empty uses HF_HUB_CACHE, else "
                  "$HF_HOME/hub (~/.cache/huggingface/hub).")
          .Bool("offline", &HfHubConfig::offline,
                "Never contact the Hub; read the cached snapshot of the revision (also enabled by "
                "HF_HUB_OFFLINE=1).")
          .Enum("parquet_conversion", &HfHubConfig::parquet_conversion, {"auto", "always", "never"},
                "Use the Hub's Parquet conversion (the refs/convert/parquet branch): when the "
                "main revision has no readable data files (auto), always, or never.")
          .Bool("verify_checksums", &HfHubConfig::verify_checksums,
                "Check each downloaded file against its sha256 (LFS files) or git blob id "
                "before it enters the cache.")
          .Int("max_retries", &HfHubConfig::max_retries,
               "Retries of a request after network errors, 408, 429 and 5xx answers.")
          .Range(0, 100)
          .Int("retry_backoff_ms", &HfHubConfig::retry_backoff_ms,
               "Delay before the first retry, doubled for each further one (the server's "
               "Retry-After or RateLimit reset wins when it sends one).")
          .Range(1, 600'000)
          .Int("timeout_ms", &HfHubConfig::timeout_ms,
               "Limit of one HTTP exchange in milliseconds (0 = none; large downloads take long).")
          .Min(0)
          .Int("idle_timeout_ms", &HfHubConfig::idle_timeout_ms,
               "Abort (and retry, resuming) a transfer when no byte arrives for this long.")
          .Min(0)
          .Build();
  return schema;
}

struct PlannedFile {
  std::string split;
  hf::RepoFile file;
  std::string commit;
  std::string revision;  // for locations
  uint64_t index = 0;    // global file index (row id high bits)
};

class HfHubSource final : public Source {
 public:
  explicit HfHubSource(HfHubConfig config) : config_(std::move(config)) {}

  Status Init() override {
    if (std::string why = hf::CheckRepoId(config_.repo_id); !why.empty()) {
      return ConfigError("repo_id", "'" + config_.repo_id + "' " + why);
    }
    if (std::string why = hf::CheckRevision(config_.revision); !why.empty()) {
      return ConfigError("revision", "'" + config_.revision + "' " + why);
    }
    if (config_.split.empty()) return ConfigError("split", "must not be empty");
    if (!config_.data_dir.empty()) {
      if (std::string why = hf::CheckRepoPath(config_.data_dir); !why.empty()) {
        return ConfigError("data_dir", "'" + config_.data_dir + "' " + why);
      }
    }
    return Status::Ok();
  }

  Status Open(Context& ctx) override {
    ctx_ = &ctx;
    hf::HubClientOptions o;
    o.endpoint = hf::ResolveEndpoint(config_.endpoint);
    o.cache_dir = hf::HubCacheDir(config_.cache_dir);
    o.offline = config_.offline || hf::OfflineFromEnv();
    if (!o.offline) o.token = hf::ResolveToken(ctx, config_.token_env, &o.token_source);
    o.verify = config_.verify_checksums;
    o.retry.max_retries = static_cast<int>(config_.max_retries);
    o.retry.initial_backoff_ms = config_.retry_backoff_ms;
    o.timeout_ms = config_.timeout_ms;
    o.idle_timeout_ms = config_.idle_timeout_ms;
    o.cancel = [c = &ctx] { return c->cancelled(); };
    o.on_retry = [this](const RetryEvent&) { retries_.fetch_add(1, std::memory_order_relaxed); };
    client_ = std::make_unique<hf::HubClient>(std::move(o));
    const auto& opt = client_->options();
    std::string repo = config_.repo_id;

    bool from_cache = false;
    WINNOW_ASSIGN_OR_RETURN(std::string commit,
                            client_->ResolveCommit(repo, config_.revision, true, &from_cache));
    if (from_cache && !opt.offline) {
      ctx.Warn("the Hub cannot be reached; reading the cached snapshot " + commit + " of " + repo);
    }
    offline_ = from_cache;

    hf::DataSelection sel;
    std::string sel_commit = commit, sel_revision = config_.revision;
    bool use_parquet = config_.parquet_conversion == "always";
    std::vector<hf::RepoFile> listing;
    if (!use_parquet) {
      WINNOW_ASSIGN_OR_RETURN(listing, List(repo, commit, ""));
      std::vector<std::string> paths;
      std::string readme;
      bool have_readme = false;
      for (const auto& f : listing) {
        paths.push_back(f.path);
        if (f.path == "README.md") {
          auto local = client_->Fetch(repo, commit, f, &stats_);
          if (!local.ok()) return local.status();
          auto text = ReadFile(*local, 16 << 20);
          if (!text.ok()) return text.status();
          readme = std::move(text).value();
          have_readme = true;
        }
      }
      hf::SelectRequest req;
      req.config = config_.config;
      req.data_dir = config_.data_dir;
      req.data_files = config_.data_files;
      req.split_for_data_files = config_.split == "all" ? "train" : config_.split;
      auto s = hf::SelectDataFiles(paths, have_readme ? &readme : nullptr, req);
      if (s.ok()) {
        sel = std::move(s).value();
      } else if (s.status().code() == StatusCode::kNotFound &&
                 config_.parquet_conversion == "auto" && config_.data_files.empty()) {
        ctx.Info("no readable data files in " + repo + " at " + config_.revision + " (" +
                 s.status().message() + "); trying the Hub's parquet conversion");
        use_parquet = true;
      } else {
        return s.status().WithContext("dataset " + repo + " at " + config_.revision);
      }
    }
    if (use_parquet) {
      sel_revision = "refs/convert/parquet";
      WINNOW_ASSIGN_OR_RETURN(sel_commit, client_->ResolveCommit(repo, sel_revision, true));
      std::string dir = config_.config;  // "" lists the whole branch
      WINNOW_ASSIGN_OR_RETURN(listing, List(repo, sel_commit, dir));
      std::vector<std::string> paths;
      for (const auto& f : listing) paths.push_back(f.path);
      auto s = hf::SelectParquetConversion(paths, config_.config);
      if (!s.ok()) return s.status().WithContext("dataset " + repo);
      sel = std::move(s).value();
    }
    if (sel.format == "parquet" && !hf::ParquetSupported()) {
      return Status::Unimplemented("dataset " + repo +
                                   " is stored as Parquet, which this build "
                                   "of source/hf_hub cannot read (it is built without "
                                   "plugins/sources/parquet)");
    }
    format_ = sel.format;

    // The splits to read.
    std::vector<const hf::SplitFiles*> chosen;
    std::string available;
    for (const auto& s : sel.splits) available += (available.empty() ? "" : ", ") + s.split;
    for (const auto& s : sel.splits) {
      if (config_.split == "all" || s.split == config_.split) chosen.push_back(&s);
    }
    if (chosen.empty()) {
      return Status::NotFound("dataset " + repo + " (config '" + sel.config + "') has no split '" +
                              config_.split + "'; available splits: " + available);
    }
    std::map<std::string, const hf::RepoFile*> by_path;
    for (const auto& f : listing) by_path[f.path] = &f;
    uint64_t index = 0;
    uint64_t total_bytes = 0;
    for (const auto* s : chosen) {
      for (const auto& p : s->files) {
        PlannedFile pf;
        pf.split = s->split;
        pf.file = *by_path.at(p);
        pf.commit = sel_commit;
        pf.revision = sel_revision;
        pf.index = index++;
        total_bytes += pf.file.size;
        if (static_cast<int>(pf.index % static_cast<uint64_t>(ctx.world())) == ctx.rank()) {
          my_bytes_ += pf.file.size;
          files_.push_back(std::move(pf));
        }
      }
    }
    ctx.Info("dataset " + repo + " at " + sel_revision + " (" + sel_commit.substr(0, 12) +
             "), config '" + sel.config + "', split " + config_.split + ": " +
             std::to_string(index) + " " + format_ + " files, " +
             std::to_string(total_bytes >> 20) + " MiB, chosen by " + sel.origin +
             (ctx.world() > 1 ? "; this rank reads " + std::to_string(files_.size()) : ""));
    return Status::Ok();
  }

  Result<bool> Read(Batch& batch, size_t max_rows, Context& ctx) override {
    while (batch.rows.size() < max_rows) {
      if (config_.limit > 0 && emitted_ >= static_cast<uint64_t>(config_.limit)) return false;
      if (ctx.cancelled()) return Status::Cancelled("interrupted");
      if (!reader_) {
        if (next_ >= files_.size()) return false;
        WINNOW_RETURN_IF_ERROR(OpenNext());
        continue;
      }
      size_t want = max_rows - batch.rows.size();
      if (config_.limit > 0) {
        want = static_cast<size_t>(
            std::min<uint64_t>(want, static_cast<uint64_t>(config_.limit) - emitted_));
      }
      size_t before = batch.rows.size();
      WINNOW_ASSIGN_OR_RETURN(bool more, reader_->Next(batch, want));
      size_t got = batch.rows.size() - before;
      emitted_ += got;
      split_rows_[current_split_] += static_cast<int64_t>(got);
      if (!more) {
        bytes_read_ += reader_->bytes_read();
        done_bytes_ += files_[next_ - 1].file.size;
        reader_.reset();
        ++files_read_;
      }
      ctx.ReportProgress(done_bytes_, my_bytes_);
    }
    return true;
  }

  Status Decode(Batch& batch, Context&) override {
    if (format_ != "json") return Status::Ok();
    for (size_t i = 0; i < batch.rows.size(); ++i) {
      Status st = batch.rows[i].ValidateShallow();
      if (st.ok()) continue;
      const std::string& m = st.message();
      if (m.find("UTF-8") != std::string::npos || m.find("UTF8") != std::string::npos) {
        batch.Fail(i, "invalid_utf8", "the line is not valid UTF-8");
      } else if (m.find("not a JSON object") != std::string::npos) {
        batch.Fail(i, "not_an_object", m);
      } else {
        batch.Fail(i, "malformed_json", m);
      }
    }
    return Status::Ok();
  }

  Status Close(Context& ctx) override {
    if (reader_) bytes_read_ += reader_->bytes_read();
    ctx.Count("files_downloaded", static_cast<int64_t>(stats_.files_downloaded));
    ctx.Count("bytes_downloaded", static_cast<int64_t>(stats_.bytes_downloaded));
    ctx.Count("cache_hits", static_cast<int64_t>(stats_.cache_hits));
    if (stats_.resumed > 0) ctx.Count("resumed_downloads", static_cast<int64_t>(stats_.resumed));
    ctx.Count("files_read", static_cast<int64_t>(files_read_));
    ctx.Count("bytes_read", static_cast<int64_t>(bytes_read_));
    if (int64_t r = retries_.load(); r > 0) ctx.Count("http_retries", r);
    if (refused_ > 0) ctx.Count("unsafe_paths_refused", static_cast<int64_t>(refused_));
    for (const auto& [split, n] : split_rows_) ctx.Count("rows." + split, n);
    return Status::Ok();
  }

 private:
  Result<std::vector<hf::RepoFile>> List(const std::string& repo, const std::string& commit,
                                         const std::string& dir) {
    if (offline_) {
      WINNOW_ASSIGN_OR_RETURN(auto files, client_->ListSnapshot(repo, commit));
      if (!dir.empty()) {
        std::erase_if(files,
                      [&](const hf::RepoFile& f) { return f.path.rfind(dir + "/", 0) != 0; });
      }
      return files;
    }
    std::vector<std::string> refused;
    WINNOW_ASSIGN_OR_RETURN(auto files, client_->ListTree(repo, commit, dir, &refused));
    for (const auto& r : refused) {
      ctx_->Warn("refusing repo path '" + Abbreviate(r, 200) + "' of " + repo +
                 ": it is absolute or has '..' components and could escape the cache");
    }
    refused_ += refused.size();
    return files;
  }

  Status OpenNext() {
    const PlannedFile& pf = files_[next_++];
    WINNOW_ASSIGN_OR_RETURN(std::filesystem::path local,
                            client_->Fetch(config_.repo_id, pf.commit, pf.file, &stats_));
    hf::RowFileSpec spec;
    spec.path = local;
    spec.origin =
        "hf://datasets/" + config_.repo_id + "@" + UrlEncode(pf.revision) + "/" + pf.file.path;
    spec.format = format_;
    spec.file_index = pf.index;
    WINNOW_ASSIGN_OR_RETURN(reader_, hf::OpenRowFile(spec));
    current_split_ = pf.split;
    return Status::Ok();
  }

  HfHubConfig config_;
  Context* ctx_ = nullptr;
  std::unique_ptr<hf::HubClient> client_;
  bool offline_ = false;
  std::string format_;
  std::vector<PlannedFile> files_;
  size_t next_ = 0;
  std::unique_ptr<hf::RowFileReader> reader_;
  std::string current_split_;
  uint64_t emitted_ = 0, my_bytes_ = 0, done_bytes_ = 0, bytes_read_ = 0, files_read_ = 0;
  size_t refused_ = 0;
  hf::DownloadStats stats_;
  std::atomic<int64_t> retries_{0};
  std::map<std::string, int64_t> split_rows_;
};

}  // namespace
}  // namespace winnow

WINNOW_PLUGIN(winnow::PluginKind::kSource, "hf_hub", "1.0.0",
              "Reads a dataset from the Hugging Face Hub (jsonl, json, csv, text, parquet) through "
              "the huggingface_hub cache, with the datasets library's split conventions.",
              winnow::HfHubConfig, winnow::HfHubSource, winnow::HfHubSchema)
