// source/documents — a folder of text files (.md, .txt, ...) -> one record per file.
//
// Contract
// - Input: every regular file below `root` whose path relative to root matches
//   one of `include` and none of `exclude` (globs, see documents_glob.h).
//   Hidden files and directories (name starting with '.') are skipped unless
//   include_hidden. The list is sorted by relative path (byte order) and is the
//   same on every rank; its index is the row ordinal (RowId ordinal = index in
//   the full sorted list), so ids do not depend on sharding.
// - Output per file: {"path": relative path with '/', "text": the body,
//   "size": file size in bytes, "modified": mtime as ISO-8601 UTC
//   ("2024-05-01T12:00:00Z"), "<metadata_field>": front matter object ({} when
//   none)}. With front matter, `text` is the body after the closing line, byte
//   for byte. With metadata_field "" the front matter keys go to the top level
//   after the built-in fields (keys that collide with them are skipped and
//   counted in documents.metadata_key_conflicts).
// - Record::Location() is the file's path (root joined with the relative path),
//   so rejects of later steps name the file.
// - Sharding: file i belongs to rank i % world.
// - Rejects (the run continues): too_large (size > max_bytes; the file
//   is not read), invalid_utf8 (with the byte offset),
//   front_matter (the YAML error with file:line, an unclosed block,
//   or front matter that is not a mapping). A reject's record holds path, size
//   and modified (and the raw front matter for front matter errors).
// - Errors that stop the run: root missing or not a directory, a file that
//   cannot be opened or read (I/O error), no file matching include.
// - Memory: a batch holds at most max_rows files or ~64 MB of file content.
// - Read (one thread) lists and reads files; Decode (pool threads) validates
//   UTF-8, parses front matter (yaml-cpp) and builds each row's JSON.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "documents_front_matter.h"
#include "documents_glob.h"
#include "winnow/plugin.h"
#include "winnow/source.h"
#include "winnow/text.h"
#include "winnow/value.h"

namespace winnow::documents {
namespace {

namespace fs = std::filesystem;

struct DocumentsConfig {
  std::string root;
  std::vector<std::string> include = {"**/*.md", "**/*.markdown", "**/*.txt"};
  std::vector<std::string> exclude;
  bool include_hidden = false;
  int64_t max_bytes = int64_t{16} << 20;
  std::string front_matter = "markdown";
  std::string metadata_field = "metadata";
};

const ConfigSchema& DocumentsSchema() {
  static const auto schema =
      SchemaBuilder<DocumentsConfig>()
          .String("root", &DocumentsConfig::root,
                  "The folder to read. Paths in the output are relative to it.")
          .Required()
          .StringList("include", &DocumentsConfig::include,
                      "Glob patterns (relative to root) of the files to read: * and ? within "
                      "one path component, ** for any number of directories, {a,b} for "
                      "alternatives, [abc] for a character class.")
          .StringList("exclude", &DocumentsConfig::exclude,
                      "Glob patterns of files to leave out, even when include matches them "
                      "(\"drafts/**\" leaves out a whole folder).")
          .Bool("include_hidden", &DocumentsConfig::include_hidden,
                "Also read files and folders whose name starts with a dot.")
          .Int("max_bytes", &DocumentsConfig::max_bytes,
               "Files larger than this many bytes are not read; each becomes a reject "
               "(too_large) naming its size.")
          .Min(0)
          .Enum("front_matter", &DocumentsConfig::front_matter, {"markdown", "all", "none"},
                "Which files may start with YAML front matter (a block between --- lines): "
                "Markdown files (.md, .markdown, .mdx), every file, or none. Front matter is "
                "parsed into the metadata field and removed from text.")
          .String("metadata_field", &DocumentsConfig::metadata_field,
                  "The field receiving the front matter as an object. An empty string puts its "
                  "keys at the top level of the record instead.")
          .Build();
  return schema;
}

constexpr size_t kMaxBatchBytes = size_t{64} << 20;

// Side data riding along a row between Read and Decode (see Decode).
struct DocArena : Arena {
  std::string rel_path;
  uint64_t size = 0;
  int64_t mtime_sec = 0;
};

bool IsMarkdown(std::string_view rel) {
  size_t dot = rel.rfind('.');
  if (dot == std::string_view::npos || rel.find('/', dot) != std::string_view::npos) return false;
  std::string ext(rel.substr(dot + 1));
  for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext == "md" || ext == "markdown" || ext == "mdx";
}

std::string IsoUtc(int64_t sec) {
  time_t t = static_cast<time_t>(sec);
  struct tm tm;
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

struct FileEntry {
  std::string rel;
  uint64_t size = 0;
};

class DocumentsSource final : public Source {
 public:
  explicit DocumentsSource(DocumentsConfig config) : config_(std::move(config)) {}

  Status Init() override {
    if (config_.root.empty()) return ConfigError("root", "root must name a folder");
    if (config_.include.empty()) {
      return ConfigError("include",
                         "include must hold at least one pattern (for example "
                         "\"**/*.md\")");
    }
    include_ = GlobSet(config_.include);
    exclude_ = GlobSet(config_.exclude);
    return Status::Ok();
  }

  Status Open(Context& ctx) override {
    root_ = fs::path(config_.root);
    std::error_code ec;
    if (!fs::exists(root_, ec)) {
      return Status::NotFound("the documents root " + config_.root + " does not exist");
    }
    if (!fs::is_directory(root_, ec)) {
      return Status::InvalidArgument("the documents root " + config_.root + " is not a folder");
    }
    files_.clear();
    auto it = fs::recursive_directory_iterator(root_, fs::directory_options::none, ec);
    for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      std::string name = it->path().filename().string();
      bool hidden = !name.empty() && name[0] == '.';
      std::error_code sec;
      if (it->is_directory(sec)) {
        if (hidden && !config_.include_hidden) it.disable_recursion_pending();
        continue;
      }
      if (hidden && !config_.include_hidden) continue;
      if (!it->is_regular_file(sec)) continue;
      std::string rel = it->path().lexically_relative(root_).generic_string();
      if (!include_.Matches(rel) || exclude_.Matches(rel)) continue;
      FileEntry e;
      e.rel = std::move(rel);
      e.size = it->file_size(sec);
      files_.push_back(std::move(e));
    }
    if (ec) return Status::IOError("cannot list " + config_.root + ": " + ec.message());
    std::sort(files_.begin(), files_.end(),
              [](const FileEntry& a, const FileEntry& b) { return a.rel < b.rel; });
    if (files_.empty()) {
      ctx.Warn("no file under " + config_.root + " matches include (and not exclude)");
    }
    rank_ = ctx.rank();
    world_ = std::max(1, ctx.world());
    next_ = static_cast<size_t>(rank_);
    total_bytes_ = done_bytes_ = 0;
    for (size_t i = next_; i < files_.size(); i += static_cast<size_t>(world_)) {
      total_bytes_ += files_[i].size;
    }
    ctx.ReportProgress(0, total_bytes_);
    return Status::Ok();
  }

  Result<bool> Read(Batch& batch, size_t max_rows, Context& ctx) override {
    if (ctx.cancelled()) return Status::Cancelled("the run was cancelled");
    size_t rows = 0, bytes = 0;
    int64_t files_read = 0, bytes_read = 0;
    while (next_ < files_.size() && rows < max_rows && bytes < kMaxBatchBytes) {
      const size_t index = next_;
      next_ += static_cast<size_t>(world_);
      const FileEntry& e = files_[index];
      fs::path full = root_ / e.rel;
      WINNOW_ASSIGN_OR_RETURN(auto arena, ReadOne(full, e, batch, index));
      done_bytes_ += e.size;
      if (!arena) continue;  // rejected
      ++files_read;
      bytes_read += static_cast<int64_t>(arena->size);
      bytes += arena->size;
      std::string_view raw(arena->bytes.data(), arena->size);
      std::shared_ptr<const Arena> shared = std::move(arena);
      batch.rows.emplace_back(RowId{0, index}, std::move(shared), raw, 0);
      ++rows;
    }
    ctx.Count("files_read", files_read);
    ctx.Count("bytes_read", bytes_read);
    ctx.ReportProgress(done_bytes_, total_bytes_);
    return next_ < files_.size();
  }

  Status Decode(Batch& batch, Context& ctx) override {
    int64_t with_front_matter = 0, conflicts = 0;
    std::string json;
    for (size_t i = 0; i < batch.rows.size(); ++i) {
      Record& rec = batch.rows[i];
      auto doc = std::static_pointer_cast<const DocArena>(rec.arena());
      std::string_view content(doc->bytes.data(), doc->size);
      bool has_fm = false;
      DecodeOne(*doc, content, rec.id(), batch, i, &has_fm, &conflicts);
      with_front_matter += has_fm;
    }
    if (with_front_matter) ctx.Count("documents.front_matter", with_front_matter);
    if (conflicts) ctx.Count("documents.metadata_key_conflicts", conflicts);
    return Status::Ok();
  }

 private:
  // Reads one file into a DocArena; nullptr (and a reject) when too large.
  Result<std::shared_ptr<DocArena>> ReadOne(const fs::path& full, const FileEntry& e, Batch& batch,
                                            size_t index) {
    int fd = ::open(full.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      return Status::IOError("cannot open " + full.string() + ": " + std::strerror(errno));
    }
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      int err = errno;
      ::close(fd);
      return Status::IOError("cannot stat " + full.string() + ": " + std::strerror(err));
    }
    auto size = static_cast<uint64_t>(st.st_size);
    int64_t mtime = static_cast<int64_t>(st.st_mtim.tv_sec);
    if (size > static_cast<uint64_t>(config_.max_bytes)) {
      ::close(fd);
      Reject r;
      r.kind = RejectKind::kError;
      r.reason = "too_large";
      r.detail = "the file is " + std::to_string(size) + " bytes, more than max_bytes (" +
                 std::to_string(config_.max_bytes) + ")";
      r.location = full.string();
      r.id = RowId{0, index};
      r.record_json = SmallRecord(e.rel, size, mtime, nullptr);
      r.record_is_json = true;
      batch.AddReject(std::move(r));
      return std::shared_ptr<DocArena>();
    }
    auto arena = std::make_shared<DocArena>();
    arena->origin = full.string();
    arena->rel_path = e.rel;
    arena->mtime_sec = mtime;
    arena->bytes.resize(size + Arena::kPadding, ' ');
    size_t got = 0;
    while (got < size) {
      ssize_t n = ::read(fd, arena->bytes.data() + got, size - got);
      if (n < 0) {
        if (errno == EINTR) continue;
        int err = errno;
        ::close(fd);
        return Status::IOError("cannot read " + full.string() + ": " + std::strerror(err));
      }
      if (n == 0) break;  // the file shrank while we read it
      got += static_cast<size_t>(n);
    }
    ::close(fd);
    arena->size = got;
    std::memset(arena->bytes.data() + got, ' ', size - got);
    return arena;
  }

  // {"path":...,"size":N,"modified":"..."} (+ "front_matter" when given).
  static std::string SmallRecord(const std::string& rel, uint64_t size, int64_t mtime,
                                 const std::string_view* front_matter) {
    std::string j = "{\"path\":";
    AppendJsonString(j, SanitizeUtf8(rel));
    j += ",\"size\":" + std::to_string(size) + ",\"modified\":\"" + IsoUtc(mtime) + "\"";
    if (front_matter) {
      j += ",\"front_matter\":";
      AppendJsonString(j, SanitizeUtf8(*front_matter));
    }
    j += '}';
    return j;
  }

  // Replaces row i with a JSON record over `json` (origin kept).
  static void ReplaceRow(Batch& batch, size_t i, const DocArena& doc, std::string json) {
    auto arena = std::make_shared<Arena>();
    size_t n = json.size();
    arena->bytes = std::move(json);
    arena->bytes.append(Arena::kPadding, ' ');
    arena->origin = doc.origin;
    std::string_view raw(arena->bytes.data(), n);
    RowId id = batch.rows[i].id();
    batch.rows[i] = Record(id, std::shared_ptr<const Arena>(std::move(arena)), raw, 0);
  }

  void Fail(Batch& batch, size_t i, const DocArena& doc, std::string reason, std::string detail,
            const std::string_view* front_matter) {
    ReplaceRow(batch, i, doc, SmallRecord(doc.rel_path, doc.size, doc.mtime_sec, front_matter));
    batch.Fail(i, std::move(reason), std::move(detail));
  }

  void DecodeOne(const DocArena& doc, std::string_view content, RowId id, Batch& batch, size_t i,
                 bool* has_fm, int64_t* conflicts) {
    if (!IsValidUtf8(content)) {
      size_t off = 0;
      // Find the first invalid byte (SanitizeUtf8 keeps valid prefixes unchanged).
      std::string clean = SanitizeUtf8(content);
      while (off < content.size() && off < clean.size() && content[off] == clean[off]) ++off;
      Fail(
          batch, i, doc, "invalid_utf8",
          doc.origin + " is not valid UTF-8 (first bad byte at offset " + std::to_string(off) + ")",
          nullptr);
      return;
    }
    std::string_view text = content;
    if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
    Value metadata = Value::MakeObject();
    bool try_fm = config_.front_matter == "all" ||
                  (config_.front_matter == "markdown" && IsMarkdown(doc.rel_path));
    if (try_fm) {
      FrontMatter fm = SplitFrontMatter(text);
      if (fm.present) {
        if (!fm.closed) {
          Fail(batch, i, doc, "front_matter",
               doc.origin +
                   ":1: the front matter opened on line 1 is never closed (no line "
                   "\"---\" or \"...\" after it)",
               &fm.yaml);
          return;
        }
        YamlError err;
        if (!ParseYamlObject(fm.yaml, &metadata, &err)) {
          std::string where = doc.origin;
          if (err.line >= 0) {
            where += ":" + std::to_string(fm.yaml_line + static_cast<uint64_t>(err.line));
          }
          std::string detail = where + ": invalid YAML front matter: " + err.message;
          if (err.line >= 0 && err.column >= 0) {
            detail += " (line " + std::to_string(fm.yaml_line + static_cast<uint64_t>(err.line)) +
                      ", column " + std::to_string(err.column + 1) + ")";
          }
          Fail(batch, i, doc, "front_matter", std::move(detail), &fm.yaml);
          return;
        }
        *has_fm = true;
        text = fm.body;
      }
    }
    std::string json;
    json.reserve(text.size() + text.size() / 16 + 256);
    json += "{\"path\":";
    AppendJsonString(json, SanitizeUtf8(doc.rel_path));
    json += ",\"text\":";
    AppendJsonString(json, text);
    json += ",\"size\":" + std::to_string(doc.size);
    json += ",\"modified\":\"" + IsoUtc(doc.mtime_sec) + "\"";
    if (!config_.metadata_field.empty()) {
      json += ',';
      AppendJsonString(json, config_.metadata_field);
      json += ':';
      metadata.AppendJson(json);
    } else {
      for (const auto& [k, v] : metadata.as_object()) {
        if (k == "path" || k == "text" || k == "size" || k == "modified") {
          ++*conflicts;
          continue;
        }
        json += ',';
        AppendJsonString(json, k);
        json += ':';
        v.AppendJson(json);
      }
    }
    json += '}';
    (void)id;
    ReplaceRow(batch, i, doc, std::move(json));
  }

  DocumentsConfig config_;
  GlobSet include_, exclude_;
  fs::path root_;
  std::vector<FileEntry> files_;
  int rank_ = 0, world_ = 1;
  size_t next_ = 0;
  uint64_t total_bytes_ = 0, done_bytes_ = 0;
};

}  // namespace
}  // namespace winnow::documents

WINNOW_PLUGIN(winnow::PluginKind::kSource, "documents", "1.0.0",
              "Reads a folder of text and Markdown files into one record per file, with YAML "
              "front matter as metadata.",
              winnow::documents::DocumentsConfig, winnow::documents::DocumentsSource,
              winnow::documents::DocumentsSchema)
