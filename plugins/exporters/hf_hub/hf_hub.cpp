// exporter/hf_hub — publishes the records as a dataset repository on the Hugging Face Hub.
//
// Contract:
//  - Rows are buffered as JSON Lines shards under the step's temp directory
//    (a new shard after `shard_bytes` / `shard_rows`); nothing is sent before
//    Commit, so a failed run never touches the remote repository.
//  - Commit: creates the repo when missing (POST /api/repos/create, private by
//    default; 409 = it exists), asks the Hub how each file must travel
//    (POST /api/datasets/{repo}/preupload/{revision}), uploads "lfs" files with
//    the Git LFS batch API (POST {endpoint}/datasets/{repo}.git/info/lfs/objects/batch,
//    then PUT to each upload href — or the multipart protocol when the Hub asks
//    for it — then POST to the verify href), and makes ONE commit with the
//    NDJSON commit API (POST /api/datasets/{repo}/commit/{revision}): a header line,
//    then `file` (base64) or `lfsFile` (sha256 oid + size) lines, plus `deletedFile`
//    lines for shards of the same split left by an earlier, longer export. The
//    commit is all or nothing; re-running replaces the same paths (no duplicates).
//  - Files are named data/{split}-{i:05d}-of-{n:05d}.{jsonl|parquet}, which the
//    datasets library maps to the split by itself. `format: parquet` writes the
//    shards with exporter/parquet's writer (embedded: parquet_exporter.h; its
//    options under `parquet:`), one shard per `shard_bytes` at row-group
//    boundaries; rows it cannot represent become rejects as in exporter/parquet. README.md (the
//    dataset card) gets YAML front matter with `configs:` listing every split present in the repo,
//    the license, task_categories, size_categories and language, then a body with this export's
//    statistics and, with `pipeline_file`, the pipeline that produced it (values of keys that look
//    like secrets replaced by ***).
//  - Token: `token_env` (default HF_TOKEN), else the huggingface_hub token file;
//    HF_ENDPOINT honoured. Requests are retried on network errors, 429 and 5xx.
//  - Single process only (under MPI, Open refuses world > 1).
//  - Counters: rows_written, bytes_written, shards, lfs_files, files_deleted.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <regex>
#include <set>

#include "hf_hub_common.h"
#include "parquet_exporter.h"
#include "winnow/exporter.h"
#include "winnow/http.h"
#include "winnow/io.h"
#include "winnow/text.h"
#include "winnow/value.h"

namespace winnow {
namespace {
namespace fs = std::filesystem;

struct HubOutConfig {
  std::string repo_id;
  std::string revision = "main";
  std::string split = "train";
  bool is_private = true;
  std::string format = "jsonl";
  Value parquet = Value::MakeObject();
  int64_t shard_bytes = 500LL << 20;
  int64_t shard_rows = 0;
  std::string token_env = "HF_TOKEN";
  std::string endpoint;
  std::string commit_message;
  std::string commit_description;
  bool card = true;
  std::string license;
  std::vector<std::string> task_categories;
  std::vector<std::string> language;
  std::string pretty_name;
  std::string pipeline_file;
  bool delete_stale = true;
  int64_t max_retries = 5;
  int64_t retry_backoff_ms = 500;
};

const ConfigSchema& HubOutSchema() {
  static const ConfigSchema schema =
      SchemaBuilder<HubOutConfig>()
          .String("repo_id", &HubOutConfig::repo_id,
                  "The dataset repository to publish to, \"organization/name\" or \"name\" (your "
                  "own namespace). It is created when missing.")
          .Required()
          .String("revision", &HubOutConfig::revision, "The branch to commit to.")
          .String("split", &HubOutConfig::split,
                  "The split these rows form; files are named "
                  "data/{split}-NNNNN-of-NNNNN.{jsonl|parquet}.")
          .Bool("private", &HubOutConfig::is_private,
                "Create the repository as private (only when it does not exist yet).")
          .Enum("format", &HubOutConfig::format, {"jsonl", "parquet"},
                "File format of the data files: JSON Lines, or Parquet (what push_to_hub writes; "
                "smaller, typed, and previewed by the Hub's dataset viewer).")
          .Any("parquet", &HubOutConfig::parquet,
               "Options of the Parquet writer when format is parquet, as for exporter/parquet: "
               "compression, compression_level, row_group_bytes, dictionary, "
               "dictionary_max_bytes, schema, unknown_fields (path and shard_bytes are set by "
               "this exporter).")
          .Int("shard_bytes", &HubOutConfig::shard_bytes,
               "Start a new data file once one holds this many bytes (the datasets library's "
               "push_to_hub uses 500 MB).")
          .Min(1024)
          .Int("shard_rows", &HubOutConfig::shard_rows,
               "Start a new data file after this many rows (0 = no row limit).")
          .Min(0)
          .String("token_env", &HubOutConfig::token_env,
                  "Environment variable holding a token with write access; when unset the "
                  "huggingface_hub token file is used.")
          .String("endpoint", &HubOutConfig::endpoint,
                  "The Hub's URL; empty uses HF_ENDPOINT, else https://huggingface.co.")
          .String("commit_message", &HubOutConfig::commit_message,
                  "Summary of the commit; empty writes \"Upload <split> split with winnow (N "
                  "rows)\".")
          .String("commit_description", &HubOutConfig::commit_description,
                  "Longer description of the commit.")
          .Bool("card", &HubOutConfig::card,
                "Write README.md (the dataset card) with the configs/splits, metadata and stats.")
          .String("license", &HubOutConfig::license,
                  "License id for the card's metadata (e.g. apache-2.0, cc-by-4.0).")
          .StringList("task_categories", &HubOutConfig::task_categories,
                      "Task categories for the card (e.g. text-generation).")
          .StringList("language", &HubOutConfig::language, "Language codes for the card.")
          .String("pretty_name", &HubOutConfig::pretty_name, "Title of the dataset card.")
          .String("pipeline_file", &HubOutConfig::pipeline_file,
                  "The pipeline YAML to show in the card (values of keys that look like secrets "
                  "are replaced by ***).")
          .Bool("delete_stale", &HubOutConfig::delete_stale,
                "Delete data files of the same split that this export does not rewrite (left by "
                "an earlier export with more shards), in the same commit.")
          .Int("max_retries", &HubOutConfig::max_retries,
               "Retries of a request after network errors, 429 and 5xx answers.")
          .Range(0, 100)
          .Int("retry_backoff_ms", &HubOutConfig::retry_backoff_ms,
               "Delay before the first retry, doubled for each further one.")
          .Range(1, 600'000)
          .Build();
  return schema;
}

struct Shard {
  fs::path local;
  std::string path;  // repo path, set at commit
  uint64_t size = 0, rows = 0;
  std::string sha256;
  std::string sample;  // first 512 bytes
  bool lfs = false;
};

std::string SizeCategory(uint64_t n) {
  if (n < 1000) return "n<1K";
  if (n < 10'000) return "1K<n<10K";
  if (n < 100'000) return "10K<n<100K";
  if (n < 1'000'000) return "100K<n<1M";
  if (n < 10'000'000) return "1M<n<10M";
  if (n < 100'000'000) return "10M<n<100M";
  if (n < 1'000'000'000) return "100M<n<1B";
  return "n>1B";
}

// Replaces the values of YAML keys that look like secrets (but not *_env keys,
// which name environment variables).
std::string RedactPipeline(const std::string& yaml) {
  static const std::regex secret_line(
      R"(^(\s*-?\s*)([A-Za-z0-9_.-]*(token|secret|password|passwd|api_key|apikey|authorization|credential)[A-Za-z0-9_.-]*)(\s*:\s*)(\S.*)$)",
      std::regex::icase);
  std::string out;
  size_t pos = 0;
  while (pos < yaml.size()) {
    size_t nl = yaml.find('\n', pos);
    std::string line = yaml.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    pos = nl == std::string::npos ? yaml.size() : nl + 1;
    std::smatch m;
    if (std::regex_match(line, m, secret_line) && !m[2].str().ends_with("_env")) {
      line = m[1].str() + m[2].str() + m[4].str() + "\"***\"";
    }
    // user:password@ in URLs
    static const std::regex url_cred(R"(([a-z][a-z0-9+.-]*://)[^/@\s:]+:[^/@\s]+@)",
                                     std::regex::icase);
    line = std::regex_replace(line, url_cred, "$1***@");
    out += line;
    if (nl != std::string::npos) out += '\n';
  }
  return out;
}

std::string YamlQuote(const std::string& s) {
  std::string out;
  AppendJsonString(out, s);  // a JSON string is a valid YAML double-quoted scalar
  return out;
}

class HubExporter final : public Exporter {
 public:
  explicit HubExporter(HubOutConfig config) : config_(std::move(config)) {}

  Status Init() override {
    if (std::string why = hf::CheckRepoId(config_.repo_id); !why.empty()) {
      return ConfigError("repo_id", "'" + config_.repo_id + "' " + why);
    }
    if (std::string why = hf::CheckRevision(config_.revision); !why.empty()) {
      return ConfigError("revision", "'" + config_.revision + "' " + why);
    }
    if (config_.format == "parquet") {
      WINNOW_RETURN_IF_ERROR(MakeParquet());
    } else if (config_.parquet.is_object() && config_.parquet.size() > 0) {
      return ConfigError("parquet", "Parquet options need format: parquet");
    }
    static const std::regex split_re(R"(^\w+(\.\w+)*$)");
    if (!std::regex_match(config_.split, split_re)) {
      return ConfigError(
          "split", "'" + config_.split + "' is not a valid split name (letters, digits, '_', '.')");
    }
    return Status::Ok();
  }

  Status Open(Context& ctx) override {
    if (ctx.world() > 1) {
      return Status::Unimplemented(
          "exporter/hf_hub runs in one process only; write shards with exporter/jsonl under MPI "
          "and publish them in a separate single-process run");
    }
    ctx_ = &ctx;
    endpoint_ = hf::ResolveEndpoint(config_.endpoint);
    token_ = hf::ResolveToken(ctx, config_.token_env, &token_source_);
    if (token_.empty()) {
      return Status::PermissionDenied(
          "exporter/hf_hub needs a Hub token with write access: set " + config_.token_env +
          " (or log in with huggingface-cli so that the token file exists)");
    }
    dir_ = ctx.temp_dir() / "hf_hub_export";
    std::error_code ec;
    fs::create_directories(dir_, ec);
    if (ec) return Status::IOError("cannot create " + dir_.string() + ": " + ec.message());
    if (config_.format == "parquet") return OpenParquet(ctx);
    return Status::Ok();
  }

  Status Encode(Batch& batch, std::string& out, Context& ctx) override {
    if (parquet_) return parquet_->Encode(batch, out, ctx);
    return Exporter::Encode(batch, out, ctx);
  }

  Status Write(const Batch& batch, std::string_view encoded, Context& ctx) override {
    if (parquet_) {
      rows_ += batch.rows.size();
      return parquet_->Write(batch, encoded, ctx);
    }
    const auto max_bytes = static_cast<uint64_t>(config_.shard_bytes);
    const auto max_rows = static_cast<uint64_t>(config_.shard_rows);
    auto full = [&](uint64_t bytes, uint64_t rows) {
      return bytes >= max_bytes || (max_rows > 0 && rows >= max_rows);
    };
    size_t pos = 0;
    while (pos < encoded.size()) {
      if (fd_ < 0) WINNOW_RETURN_IF_ERROR(OpenShard());
      const Shard& s = shards_.back();
      uint64_t bytes = s.size, rows = s.rows;
      size_t end = pos, lines = 0;
      while (end < encoded.size() && !full(bytes, rows)) {  // whole lines only
        size_t nl = encoded.find('\n', end);
        size_t next = nl == std::string_view::npos ? encoded.size() : nl + 1;
        bytes += next - end;
        ++rows;
        ++lines;
        end = next;
      }
      WINNOW_RETURN_IF_ERROR(Append(encoded.substr(pos, end - pos), lines));
      pos = end;
      if (full(bytes, rows)) WINNOW_RETURN_IF_ERROR(CloseShard());
    }
    (void)batch;
    (void)ctx;
    return Status::Ok();
  }

  Status Commit(Context& ctx) override {
    if (parquet_) {
      WINNOW_RETURN_IF_ERROR(CommitParquet(ctx));
    } else {
      if (fd_ >= 0) WINNOW_RETURN_IF_ERROR(CloseShard());
      if (shards_.empty()) {  // no rows: still replace the split with one empty file
        WINNOW_RETURN_IF_ERROR(OpenShard());
        WINNOW_RETURN_IF_ERROR(CloseShard());
      }
    }
    size_t n = shards_.size();
    for (size_t i = 0; i < n; ++i) {
      char name[64];
      std::snprintf(name, sizeof(name), "-%05zu-of-%05zu.%s", i, n, config_.format.c_str());
      shards_[i].path = "data/" + config_.split + name;
    }
    WINNOW_RETURN_IF_ERROR(CreateRepo());
    WINNOW_ASSIGN_OR_RETURN(std::vector<std::string> existing, ListExisting());

    // Stale shards of this split and the splits the card lists.
    std::set<std::string> ours;
    for (const auto& s : shards_) ours.insert(s.path);
    std::vector<std::string> deletions;
    std::set<std::string> splits = {config_.split};
    static const std::regex shard_re(R"(^data/(\w+(?:\.\w+)*)-[0-9]{5}-of-[0-9]{5}[^/]*\.[^/]+$)");
    for (const auto& p : existing) {
      std::smatch m;
      if (!std::regex_match(p, m, shard_re)) continue;
      if (m[1].str() == config_.split) {
        if (!ours.count(p) && config_.delete_stale) deletions.push_back(p);
      } else {
        splits.insert(m[1].str());
      }
    }
    std::vector<Shard> uploads = shards_;
    if (config_.card) {
      Shard card;
      card.local = dir_ / "README.md";
      card.path = "README.md";
      std::string text = CardText(splits);
      WINNOW_RETURN_IF_ERROR(WriteFileAtomic(card.local, text));
      card.size = text.size();
      card.sha256 = hf::Sha256Hex(text);
      card.sample = text.substr(0, 512);
      uploads.push_back(std::move(card));
    }
    WINNOW_RETURN_IF_ERROR(Preupload(&uploads));
    int64_t lfs_files = 0;
    for (const auto& u : uploads) lfs_files += u.lfs ? 1 : 0;
    if (lfs_files > 0) WINNOW_RETURN_IF_ERROR(UploadLfs(uploads));
    WINNOW_RETURN_IF_ERROR(CreateCommit(uploads, deletions));

    if (!parquet_) {  // the embedded Parquet writer counts these itself
      ctx.Count("rows_written", static_cast<int64_t>(rows_));
      ctx.Count("bytes_written", static_cast<int64_t>(bytes_));
    }
    ctx.Count("shards", static_cast<int64_t>(n));
    ctx.Count("lfs_files", lfs_files);
    if (!deletions.empty()) ctx.Count("files_deleted", static_cast<int64_t>(deletions.size()));
    Cleanup();
    return Status::Ok();
  }

  void Abort(Context& ctx) override {
    if (parquet_) parquet_->Abort(ctx);
    Cleanup();
  }

  std::vector<std::string> Outputs() const override { return outputs_; }

 private:
  // ---- Parquet shards (exporter/parquet's class, writing into dir_)
  Status MakeParquet() {
    if (config_.shard_rows > 0) {
      return ConfigError("shard_rows",
                         "does not apply to format: parquet (files end at row groups); use "
                         "shard_bytes");
    }
    Value with = config_.parquet.is_object() ? config_.parquet : Value::MakeObject();
    for (const char* own : {"path", "shard_bytes"}) {
      if (with.find(own)) {
        return ConfigError(std::string("parquet.") + own, "is set by exporter/hf_hub");
      }
    }
    with.set("path", "placeholder.parquet");  // the real path is known at Open
    with.set("shard_bytes", config_.shard_bytes);
    if (!with.find("row_group_bytes")) {
      with.set("row_group_bytes", std::min<int64_t>(config_.shard_bytes, int64_t{128} << 20));
    }
    parquet_with_ = with;
    auto made =
        CreatePlugin<pqw::ParquetExporter, pqw::ParquetOutConfig>(with, pqw::ParquetOutSchema());
    if (!made.ok()) {
      std::string key, message;
      if (ParseConfigError(made.status(), &key, &message)) {
        return ConfigError("parquet." + key, message);
      }
      return made.status();
    }
    return Status::Ok();
  }

  // Opens the embedded writer on dir_/shard.parquet (shards: shard-00000.parquet, ...).
  Status OpenParquet(Context& ctx) {
    Value with = parquet_with_;
    with.set("path", (dir_ / "shard.parquet").string());
    auto made =
        CreatePlugin<pqw::ParquetExporter, pqw::ParquetOutConfig>(with, pqw::ParquetOutSchema());
    if (!made.ok()) return made.status();
    parquet_.reset(dynamic_cast<Exporter*>(made->release()));
    return parquet_->Open(ctx);
  }

  Status CommitParquet(Context& ctx) {
    WINNOW_RETURN_IF_ERROR(parquet_->Commit(ctx));
    for (const std::string& file : parquet_->Outputs()) {
      Shard s;
      s.local = file;
      auto bytes = ReadFile(file);
      if (!bytes.ok()) return bytes.status();
      s.size = bytes->size();
      s.sha256 = hf::Sha256Hex(*bytes);
      s.sample = bytes->substr(0, 512);
      bytes_ += s.size;
      shards_.push_back(std::move(s));
    }
    if (shards_.empty()) {
      return Status::InvalidArgument(
          "exporter/hf_hub: no row reached the exporter, so no Parquet schema could be "
          "inferred; give parquet.schema to publish an empty split");
    }
    return Status::Ok();
  }

  // ---- local shards
  Status OpenShard() {
    Shard s;
    char name[32];
    std::snprintf(name, sizeof(name), "shard-%05zu.jsonl", shards_.size());
    s.local = dir_ / name;
    fd_ = ::open(s.local.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) {
      return Status::IOError("cannot create " + s.local.string() + ": " + std::strerror(errno));
    }
    shards_.push_back(std::move(s));
    sha_ = hf::Sha256();
    return Status::Ok();
  }

  Status Append(std::string_view bytes, size_t lines) {
    Shard& s = shards_.back();
    const char* p = bytes.data();
    size_t left = bytes.size();
    while (left > 0) {
      ssize_t w = ::write(fd_, p, left);
      if (w < 0) {
        if (errno == EINTR) continue;
        return Status::IOError("cannot write " + s.local.string() + ": " + std::strerror(errno));
      }
      p += w;
      left -= static_cast<size_t>(w);
    }
    sha_.Update(bytes);
    if (s.sample.size() < 512) s.sample.append(bytes.substr(0, 512 - s.sample.size()));
    s.size += bytes.size();
    s.rows += lines;
    rows_ += lines;
    bytes_ += bytes.size();
    return Status::Ok();
  }

  Status CloseShard() {
    Shard& s = shards_.back();
    s.sha256 = sha_.FinalHex();
    int rc = ::close(fd_);
    fd_ = -1;
    if (rc != 0) return Status::IOError("cannot close " + s.local.string());
    return Status::Ok();
  }

  void Cleanup() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }

  // ---- HTTP
  HttpRequest Req(std::string method, std::string url, bool auth = true) const {
    HttpRequest q;
    q.method = std::move(method);
    q.url = std::move(url);
    if (auth) q.headers.Set("Authorization", "Bearer " + token_);
    q.timeout_ms = 0;
    q.idle_timeout_ms = 120'000;
    q.cancel = [c = ctx_] { return c->cancelled(); };
    return q;
  }
  Result<HttpResponse> Send(const HttpRequest& q) const {
    RetryPolicy p;
    p.max_retries = static_cast<int>(config_.max_retries);
    p.initial_backoff_ms = config_.retry_backoff_ms;
    return SendWithRetry(q, p, hf::HubRetryable);
  }
  Status Fail(const HttpResponse& r, const HttpRequest& q, const std::string& what) const {
    return hf::HubError(r, q, what, token_source_, endpoint_);
  }
  std::string RepoApi() const { return endpoint_ + "/api/datasets/" + config_.repo_id; }

  Status CreateRepo() {
    Value body = Value::MakeObject();
    body.set("type", "dataset");
    size_t slash = config_.repo_id.find('/');
    if (slash == std::string::npos) {
      body.set("name", config_.repo_id);
    } else {
      body.set("name", config_.repo_id.substr(slash + 1));
      body.set("organization", config_.repo_id.substr(0, slash));
    }
    body.set("private", config_.is_private);
    HttpRequest q = Req("POST", endpoint_ + "/api/repos/create");
    q.headers.Set("Content-Type", "application/json");
    q.body = body.ToJson();
    WINNOW_ASSIGN_OR_RETURN(HttpResponse r, Send(q));
    if (r.status == 409) return Status::Ok();  // it exists
    if (!r.ok()) return Fail(r, q, "creating dataset " + config_.repo_id);
    ctx_->Info("created dataset repository " + config_.repo_id +
               (config_.is_private ? " (private)" : " (public)"));
    return Status::Ok();
  }

  // Paths under data/ at the branch (empty when the branch has none yet).
  Result<std::vector<std::string>> ListExisting() {
    std::vector<std::string> out;
    std::string url = RepoApi() + "/tree/" + UrlEncode(config_.revision) + "/data?recursive=true";
    std::string origin = hf::UrlOrigin(endpoint_);
    for (int page = 0; !url.empty() && page < 100000; ++page) {
      HttpRequest q = Req("GET", url);
      WINNOW_ASSIGN_OR_RETURN(HttpResponse r, Send(q));
      if (r.status == 404) return out;  // no data/ directory (or an empty new branch)
      if (!r.ok()) return Fail(r, q, "listing dataset " + config_.repo_id);
      auto v = Value::Parse(r.body);
      if (!v.ok() || !v->is_array()) {
        return Status::Corruption("the Hub's tree listing of " + config_.repo_id +
                                  " is not a JSON array");
      }
      for (const Value& e : v->as_array()) {
        const Value* type = e.find("type");
        const Value* path = e.find("path");
        if (type && path && type->is_string() && path->is_string() && type->as_string() == "file") {
          out.push_back(path->as_string());
        }
      }
      url = hf::NextLink(r.headers.Get("Link"));
      if (!url.empty() && url.front() == '/') url = origin + url;
    }
    return out;
  }

  Status Preupload(std::vector<Shard>* uploads) {
    for (size_t start = 0; start < uploads->size(); start += 250) {
      size_t end = std::min(uploads->size(), start + 250);
      Array files;
      for (size_t i = start; i < end; ++i) {
        Value f = Value::MakeObject();
        f.set("path", (*uploads)[i].path);
        f.set("sample", hf::Base64Encode((*uploads)[i].sample));
        f.set("size", static_cast<int64_t>((*uploads)[i].size));
        files.push_back(std::move(f));
      }
      Value body = Value::MakeObject();
      body.set("files", Value(std::move(files)));
      HttpRequest q = Req("POST", RepoApi() + "/preupload/" + UrlEncode(config_.revision));
      q.headers.Set("Content-Type", "application/json");
      q.body = body.ToJson();
      WINNOW_ASSIGN_OR_RETURN(HttpResponse r, Send(q));
      if (!r.ok()) return Fail(r, q, "preparing the upload to " + config_.repo_id);
      auto v = Value::Parse(r.body);
      const Value* out = v.ok() ? v->find("files") : nullptr;
      if (!out || !out->is_array()) {
        return Status::Corruption("the Hub's preupload answer has no \"files\" list");
      }
      for (const Value& f : out->as_array()) {
        const Value* path = f.find("path");
        const Value* mode = f.find("uploadMode");
        if (!path || !mode || !path->is_string() || !mode->is_string()) continue;
        for (size_t i = start; i < end; ++i) {
          if ((*uploads)[i].path == path->as_string()) {
            (*uploads)[i].lfs = mode->as_string() == "lfs";
          }
        }
      }
    }
    return Status::Ok();
  }

  Status UploadLfs(const std::vector<Shard>& uploads) {
    Array objects;
    for (const auto& u : uploads) {
      if (!u.lfs) continue;
      Value o = Value::MakeObject();
      o.set("oid", u.sha256);
      o.set("size", static_cast<int64_t>(u.size));
      objects.push_back(std::move(o));
    }
    Value body = Value::MakeObject();
    body.set("operation", "upload");
    body.set("transfers", Value(Array{Value("basic"), Value("multipart")}));
    body.set("objects", Value(std::move(objects)));
    body.set("hash_algo", "sha256");
    Value ref = Value::MakeObject();
    ref.set("name", "refs/heads/" + config_.revision);
    body.set("ref", std::move(ref));
    HttpRequest q =
        Req("POST", endpoint_ + "/datasets/" + config_.repo_id + ".git/info/lfs/objects/batch");
    q.headers.Set("Accept", "application/vnd.git-lfs+json");
    q.headers.Set("Content-Type", "application/vnd.git-lfs+json");
    q.body = body.ToJson();
    WINNOW_ASSIGN_OR_RETURN(HttpResponse r, Send(q));
    if (!r.ok()) return Fail(r, q, "the LFS batch request for " + config_.repo_id);
    auto v = Value::Parse(r.body);
    const Value* objs = v.ok() ? v->find("objects") : nullptr;
    if (!objs || !objs->is_array()) {
      return Status::Corruption("the LFS batch answer has no \"objects\" list");
    }
    for (const Value& o : objs->as_array()) {
      const Value* oid = o.find("oid");
      if (!oid || !oid->is_string()) return Status::Corruption("an LFS batch object without oid");
      if (const Value* err = o.find("error"); err && err->is_object()) {
        const Value* msg = err->find("message");
        return Status::IOError("the Hub refused LFS object " + oid->as_string() + ": " +
                               (msg && msg->is_string() ? msg->as_string() : err->ToJson()));
      }
      const Shard* shard = nullptr;
      for (const auto& u : uploads) {
        if (u.lfs && u.sha256 == oid->as_string()) shard = &u;
      }
      if (!shard) continue;
      const Value* actions = o.find("actions");
      if (!actions || !actions->is_object()) continue;  // already on the Hub
      if (const Value* up = actions->find("upload"); up && up->is_object()) {
        WINNOW_RETURN_IF_ERROR(UploadObject(*shard, *up));
      }
      if (const Value* ver = actions->find("verify"); ver && ver->is_object()) {
        const Value* href = ver->find("href");
        if (!href || !href->is_string()) return Status::Corruption("an LFS verify without href");
        HttpRequest vq = Req("POST", href->as_string());
        AddActionHeaders(*ver, &vq, {});
        vq.headers.Set("Content-Type", "application/vnd.git-lfs+json");
        vq.headers.Set("Accept", "application/vnd.git-lfs+json");
        Value vb = Value::MakeObject();
        vb.set("oid", shard->sha256);
        vb.set("size", static_cast<int64_t>(shard->size));
        vq.body = vb.ToJson();
        WINNOW_ASSIGN_OR_RETURN(HttpResponse vr, Send(vq));
        if (!vr.ok()) return Fail(vr, vq, "verifying the upload of " + shard->path);
      }
    }
    return Status::Ok();
  }

  static void AddActionHeaders(const Value& action, HttpRequest* q,
                               const std::set<std::string>& skip) {
    const Value* h = action.find("header");
    if (!h || !h->is_object()) return;
    for (const auto& [k, v] : h->as_object()) {
      if (skip.count(k) || !v.is_string()) continue;
      q->headers.Set(k, v.as_string());
    }
  }

  Status UploadObject(const Shard& shard, const Value& up) {
    const Value* href = up.find("href");
    if (!href || !href->is_string()) return Status::Corruption("an LFS upload without href");
    const Value* header = up.find("header");
    const Value* chunk = header && header->is_object() ? header->find("chunk_size") : nullptr;
    if (!chunk) {  // basic transfer: one PUT of the whole file
      WINNOW_ASSIGN_OR_RETURN(std::string bytes, ReadFile(shard.local));
      HttpRequest q = Req("PUT", href->as_string(), false);
      AddActionHeaders(up, &q, {});
      q.body = std::move(bytes);
      WINNOW_ASSIGN_OR_RETURN(HttpResponse r, Send(q));
      if (!r.ok()) return Fail(r, q, "uploading " + shard.path);
      return Status::Ok();
    }
    // Multipart: PUT each part to header["1"], header["2"], ... then POST the etags to href.
    uint64_t chunk_size = 0;
    if (chunk->is_string()) chunk_size = std::strtoull(chunk->as_string().c_str(), nullptr, 10);
    if (chunk->is_int()) chunk_size = static_cast<uint64_t>(chunk->as_int());
    if (chunk_size == 0) return Status::Corruption("an LFS multipart upload with chunk_size 0");
    std::vector<std::pair<uint64_t, std::string>> parts;
    for (const auto& [k, v] : header->as_object()) {
      if (!k.empty() && std::all_of(k.begin(), k.end(), ::isdigit) && v.is_string()) {
        parts.emplace_back(std::stoull(k), v.as_string());
      }
    }
    std::sort(parts.begin(), parts.end());
    if (parts.size() != (shard.size + chunk_size - 1) / chunk_size) {
      return Status::Corruption("the Hub asked for " + std::to_string(parts.size()) + " parts of " +
                                std::to_string(chunk_size) + " bytes for " + shard.path + " (" +
                                std::to_string(shard.size) + " bytes)");
    }
    int fd = ::open(shard.local.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Status::IOError("cannot open " + shard.local.string());
    Array done;
    Status st;
    for (size_t i = 0; i < parts.size() && st.ok(); ++i) {
      uint64_t off = i * chunk_size;
      size_t len = static_cast<size_t>(std::min<uint64_t>(chunk_size, shard.size - off));
      std::string buf(len, '\0');
      ssize_t got = ::pread(fd, buf.data(), len, static_cast<off_t>(off));
      if (got != static_cast<ssize_t>(len)) {
        st = Status::IOError("cannot read " + shard.local.string());
        break;
      }
      HttpRequest q = Req("PUT", parts[i].second, false);
      q.body = std::move(buf);
      auto r = Send(q);
      if (!r.ok()) {
        st = r.status();
      } else if (!r->ok()) {
        st = Fail(*r, q, "uploading part " + std::to_string(i + 1) + " of " + shard.path);
      } else {
        std::string etag = r->headers.Get("ETag");
        if (etag.empty()) {
          st = Status::Corruption("part " + std::to_string(i + 1) + " of " + shard.path +
                                  " was stored without an ETag");
        }
        Value p = Value::MakeObject();
        p.set("partNumber", static_cast<int64_t>(i + 1));
        p.set("etag", etag);
        done.push_back(std::move(p));
      }
    }
    ::close(fd);
    WINNOW_RETURN_IF_ERROR(st);
    Value body = Value::MakeObject();
    body.set("oid", shard.sha256);
    body.set("parts", Value(std::move(done)));
    HttpRequest q = Req("POST", href->as_string(), false);
    q.headers.Set("Accept", "application/vnd.git-lfs+json");
    q.headers.Set("Content-Type", "application/vnd.git-lfs+json");
    q.body = body.ToJson();
    WINNOW_ASSIGN_OR_RETURN(HttpResponse r, Send(q));
    if (!r.ok()) return Fail(r, q, "completing the multipart upload of " + shard.path);
    return Status::Ok();
  }

  Status CreateCommit(const std::vector<Shard>& uploads,
                      const std::vector<std::string>& deletions) {
    std::string summary = config_.commit_message;
    if (summary.empty()) {
      summary =
          "Upload " + config_.split + " split with winnow (" + std::to_string(rows_) + " rows)";
    }
    std::string body;
    {
      Value header = Value::MakeObject();
      Value v = Value::MakeObject();
      v.set("summary", summary);
      v.set("description", config_.commit_description);
      header.set("key", "header");
      header.set("value", std::move(v));
      body += header.ToJson() + "\n";
    }
    for (const auto& u : uploads) {
      Value line = Value::MakeObject();
      Value v = Value::MakeObject();
      if (u.lfs) {
        line.set("key", "lfsFile");
        v.set("path", u.path);
        v.set("algo", "sha256");
        v.set("oid", u.sha256);
        v.set("size", static_cast<int64_t>(u.size));
      } else {
        WINNOW_ASSIGN_OR_RETURN(std::string bytes, ReadFile(u.local));
        line.set("key", "file");
        v.set("content", hf::Base64Encode(bytes));
        v.set("path", u.path);
        v.set("encoding", "base64");
      }
      line.set("value", std::move(v));
      body += line.ToJson() + "\n";
    }
    for (const auto& d : deletions) {
      Value line = Value::MakeObject();
      Value v = Value::MakeObject();
      v.set("path", d);
      line.set("key", "deletedFile");
      line.set("value", std::move(v));
      body += line.ToJson() + "\n";
    }
    HttpRequest q = Req("POST", RepoApi() + "/commit/" + UrlEncode(config_.revision));
    q.headers.Set("Content-Type", "application/x-ndjson");
    q.body = std::move(body);
    WINNOW_ASSIGN_OR_RETURN(HttpResponse r, Send(q));
    if (!r.ok()) return Fail(r, q, "committing to " + config_.repo_id);
    auto v = Value::Parse(r.body);
    std::string url = endpoint_ + "/datasets/" + config_.repo_id;
    if (v.ok()) {
      if (const Value* c = v->find("commitUrl"); c && c->is_string()) url = c->as_string();
    }
    outputs_.push_back(url);
    ctx_->Info("committed " + std::to_string(uploads.size()) + " files (" + std::to_string(rows_) +
               " rows) to " + url);
    return Status::Ok();
  }

  std::string CardText(const std::set<std::string>& split_set) const {
    std::vector<std::string> splits(split_set.begin(), split_set.end());
    auto rank = [](const std::string& s) {
      return s == "train" ? 0 : s == "validation" ? 1 : s == "test" ? 2 : 3;
    };
    std::stable_sort(splits.begin(), splits.end(),
                     [&](const std::string& a, const std::string& b) { return rank(a) < rank(b); });
    std::string y = "---\nconfigs:\n- config_name: default\n  data_files:\n";
    for (const auto& s : splits) {
      y += "  - split: " + s + "\n    path: " + YamlQuote("data/" + s + "-*") + "\n";
    }
    if (!config_.license.empty()) y += "license: " + YamlQuote(config_.license) + "\n";
    if (!config_.task_categories.empty()) {
      y += "task_categories:\n";
      for (const auto& t : config_.task_categories) y += "- " + YamlQuote(t) + "\n";
    }
    if (!config_.language.empty()) {
      y += "language:\n";
      for (const auto& t : config_.language) y += "- " + YamlQuote(t) + "\n";
    }
    y += "size_categories:\n- " + SizeCategory(rows_) + "\n";
    if (!config_.pretty_name.empty()) y += "pretty_name: " + YamlQuote(config_.pretty_name) + "\n";
    y += "tags:\n- winnow\n---\n\n";
    std::string title = config_.pretty_name.empty() ? config_.repo_id : config_.pretty_name;
    y += "# " + title + "\n\n";
    y += "This dataset was curated and published with winnow. Load it with:\n\n";
    y += "```python\nfrom datasets import load_dataset\nds = load_dataset(\"" + config_.repo_id +
         "\")\n```\n\n";
    y += "## This export\n\n| split | rows | files | bytes |\n|---|---|---|---|\n";
    y += "| " + config_.split + " | " + std::to_string(rows_) + " | " +
         std::to_string(shards_.size()) + " | " + std::to_string(bytes_) + " |\n\n";
    if (splits.size() > 1) {
      y += "Other splits in the repository (";
      bool first = true;
      for (const auto& s : splits) {
        if (s == config_.split) continue;
        y += (first ? "" : ", ") + s;
        first = false;
      }
      y += ") were left as they were.\n\n";
    }
    if (!config_.pipeline_file.empty()) {
      auto text = ReadFile(config_.pipeline_file, 1 << 20);
      y += "## Pipeline\n\n";
      if (text.ok()) {
        y += "The pipeline that produced this split (secrets removed):\n\n```yaml\n" +
             RedactPipeline(*text);
        if (!text->empty() && text->back() != '\n') y += "\n";
        y += "```\n";
      } else {
        y += "(the pipeline file could not be read)\n";
      }
    }
    return y;
  }

  HubOutConfig config_;
  Context* ctx_ = nullptr;
  std::string endpoint_, token_, token_source_;
  fs::path dir_;
  std::vector<Shard> shards_;
  Value parquet_with_;                 // exporter/parquet config (format: parquet)
  std::unique_ptr<Exporter> parquet_;  // the embedded Parquet writer, from Open
  int fd_ = -1;
  hf::Sha256 sha_;
  uint64_t rows_ = 0, bytes_ = 0;
  std::vector<std::string> outputs_;
};

}  // namespace
}  // namespace winnow

WINNOW_PLUGIN(winnow::PluginKind::kExporter, "hf_hub", "1.0.0",
              "Publishes the records as a dataset on the Hugging Face Hub in one commit (JSON "
              "Lines shards named for the split, LFS for large files, a dataset card).",
              winnow::HubOutConfig, winnow::HubExporter, winnow::HubOutSchema)
