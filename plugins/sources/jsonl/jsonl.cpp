// source/jsonl — JSON Lines (and JSON array) files as records.
//
// Contract:
//  - `paths` are files, directories (recursive; .jsonl .ndjson .json and their
//    .gz/.zst forms) and globs; the file list is sorted, so row order is stable.
//  - Each non-empty line is one record whose bytes are kept as they are (lazy
//    parsing; untouched fields are written back byte for byte). A `.json` file
//    holds one top-level array of objects instead.
//  - Row ids: ordinal = (file index << 40) | line number (1-based), which does
//    not depend on sharding or thread count. Location: "path:line".
//  - Per-record problems become rejects with file:line: malformed_json,
//    invalid_utf8, not_an_object, line_too_long. Empty lines are skipped
//    (counted as `empty_lines`).
//  - A file that cannot be read, or a compressed file that is empty or
//    truncated, stops the run with a message naming the file
//    (`on_corrupt_file: skip` turns that into one reject row and goes on).
//  - Sharding: with world > 1, file i is read by rank i % world.
//  - Memory: one 4 MB chunk per file being read, recycled through a pool.
//  - Thread-safety: Read is called from one thread; Decode concurrently.
#include <simdjson.h>

#include <cstring>

#include "winnow/arena_pool.h"
#include "winnow/files.h"
#include "winnow/io.h"
#include "winnow/source.h"
#include "winnow/text.h"

namespace winnow {
namespace {

struct JsonlConfig {
  std::vector<std::string> paths;
  int64_t max_line_bytes = 256LL << 20;
  int64_t limit = 0;
  std::string on_corrupt_file = "fail";
  std::vector<std::string> extensions = {".jsonl",      ".ndjson",    ".json",
                                         ".jsonl.gz",   ".jsonl.zst", ".ndjson.gz",
                                         ".ndjson.zst", ".json.gz",   ".json.zst"};
};

const ConfigSchema& JsonlSchema() {
  static const ConfigSchema schema =
      SchemaBuilder<JsonlConfig>()
          .StringList("paths", &JsonlConfig::paths,
                      "Files, directories or globs (*, ?, **) to read. Relative paths are "
                      "relative to the working directory.")
          .Required()
          .Int("max_line_bytes", &JsonlConfig::max_line_bytes,
               "Lines longer than this many bytes are rejected (line_too_long) without being "
               "held in memory.")
          .Range(1024, 1LL << 34)
          .Int("limit", &JsonlConfig::limit, "Stop after this many rows (0 = read everything).")
          .Min(0)
          .Enum("on_corrupt_file", &JsonlConfig::on_corrupt_file, {"fail", "skip"},
                "What to do with an unreadable or truncated (compressed) file: stop the run, or "
                "write one reject row for it and go on with the next file.")
          .StringList("extensions", &JsonlConfig::extensions,
                      "File name endings picked up when a path is a directory.")
          .Build();
  return schema;
}

constexpr size_t kChunkBytes = 4 << 20;

class JsonlSource final : public Source {
 public:
  explicit JsonlSource(JsonlConfig config) : config_(std::move(config)) {}

  Status Open(Context& ctx) override {
    auto files = ExpandPaths(config_.paths, config_.extensions);
    if (!files.ok()) return files.status();
    all_files_ = std::move(files).value();
    for (size_t i = 0; i < all_files_.size(); ++i) {
      if (static_cast<int>(i % static_cast<size_t>(ctx.world())) != ctx.rank()) continue;
      my_files_.push_back(i);
      std::error_code ec;
      total_bytes_ += std::filesystem::file_size(all_files_[i], ec);
    }
    pool_ = ArenaPool::Create(2 * kChunkBytes + Arena::kPadding);
    ctx.Info("reading " + std::to_string(my_files_.size()) + " of " +
             std::to_string(all_files_.size()) + " files");
    return Status::Ok();
  }

  Result<bool> Read(Batch& batch, size_t max_rows, Context& ctx) override {
    while (batch.rows.size() < max_rows) {
      if (config_.limit > 0 && emitted_ >= config_.limit) return false;
      if (array_pos_ < array_items_.size()) {
        TakeArrayItems(batch, max_rows);
        continue;
      }
      if (!stream_ && !pending_lines_) {
        if (next_file_ >= my_files_.size()) return false;
        Status st = OpenFile(my_files_[next_file_++], batch);
        if (!st.ok()) return st;
        continue;
      }
      if (!TakeLines(batch, max_rows)) {
        Status st = FillChunk(batch, ctx);
        if (!st.ok()) return st;
      }
      if (ctx.cancelled()) return Status::Cancelled("interrupted");
    }
    return true;
  }

  Status Decode(Batch& batch, Context& ctx) override {
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
    (void)ctx;
    return Status::Ok();
  }

  Status Close(Context& ctx) override {
    if (empty_lines_ > 0) ctx.Count("empty_lines", empty_lines_);
    ctx.Count("bytes_read", static_cast<int64_t>(bytes_done_));
    ctx.Count("files_read", static_cast<int64_t>(my_files_.size()));
    return Status::Ok();
  }

 private:
  Status OpenFile(size_t file_index, Batch& batch) {
    const auto& path = all_files_[file_index];
    file_index_ = file_index;
    line_ = 0;
    carry_.clear();
    skipping_long_line_ = false;
    std::string name = path.filename().string();
    bool json_array = name.size() >= 5 && (name.ends_with(".json") || name.ends_with(".json.gz") ||
                                           name.ends_with(".json.zst"));
    auto stream = InputStream::Open(path);
    if (!stream.ok()) return FileProblem(path, stream.status(), batch);
    if (json_array) return ReadJsonArray(path, std::move(stream).value(), batch);
    stream_ = std::move(stream).value();
    return Status::Ok();
  }

  Status FileProblem(const std::filesystem::path& path, const Status& st, Batch& batch) {
    stream_.reset();
    pending_lines_ = false;
    if (config_.on_corrupt_file == "fail" || st.code() == StatusCode::kNotFound) {
      return st.WithContext("source/jsonl cannot read " + path.string());
    }
    Reject r;
    r.kind = RejectKind::kError;
    r.reason = "corrupt_file";
    r.detail = st.message();
    r.location = path.string();
    r.id = RowId{0, static_cast<uint64_t>(file_index_) << 40};
    r.record_is_json = false;
    batch.AddReject(std::move(r));
    return Status::Ok();
  }

  // Reads the next chunk of the current file into a fresh arena.
  Status FillChunk(Batch& batch, Context& ctx) {
    if (!stream_) return Status::Ok();
    // A recycled arena keeps its size, so growing it to the chunk size zero-fills
    // nothing; the stream reads straight into it after the carried-over line.
    auto arena = pool_->GetForOverwrite(all_files_[file_index_].string());
    std::string& b = arena->bytes;
    size_t carried = carry_.size();
    if (b.size() < carried + kChunkBytes + Arena::kPadding) {
      b.resize(carried + kChunkBytes + Arena::kPadding);
    }
    std::memcpy(b.data(), carry_.data(), carried);
    carry_.clear();
    uint64_t before = stream_->bytes_consumed();
    auto got = stream_->ReadTo(b.data() + carried, kChunkBytes);
    if (!got.ok()) return FileProblem(all_files_[file_index_], got.status(), batch);
    b.resize(carried + *got);
    bytes_done_ += stream_->bytes_consumed() - before;
    ctx.ReportProgress(bytes_done_, total_bytes_);
    bool eof = *got == 0;
    size_t data_end = b.size();
    if (eof) {
      stream_.reset();
      if (data_end > 0 && b.back() != '\n') b.push_back('\n');  // last line without newline
      data_end = b.size();
      if (data_end == 0) return Status::Ok();
    } else {
      size_t last_nl = b.rfind('\n');
      if (last_nl == std::string::npos) {
        if (skipping_long_line_) return Status::Ok();  // still inside a rejected line
        // No newline in the whole chunk: a very long line.
        if (b.size() > static_cast<size_t>(config_.max_line_bytes)) {
          RejectLongLine(b, batch);
          skipping_long_line_ = true;
          return Status::Ok();
        }
        carry_.assign(b);
        return Status::Ok();
      }
      carry_.assign(b, last_nl + 1, std::string::npos);
      b.resize(last_nl + 1);
      data_end = b.size();
    }
    b.append(Arena::kPadding, ' ');
    chunk_ = std::move(arena);
    chunk_pos_ = 0;
    chunk_end_ = data_end;
    pending_lines_ = true;
    return Status::Ok();
  }

  void RejectLongLine(const std::string& head, Batch& batch) {
    Reject r;
    r.kind = RejectKind::kError;
    r.reason = "line_too_long";
    r.detail =
        "line is longer than max_line_bytes (" + std::to_string(config_.max_line_bytes) + " bytes)";
    r.location = all_files_[file_index_].string() + ":" + std::to_string(line_ + 1);
    r.id = RowId{0, (static_cast<uint64_t>(file_index_) << 40) | (line_ + 1)};
    r.record_json = Abbreviate(head, 1024);
    r.record_is_json = false;
    batch.AddReject(std::move(r));
  }

  // Turns lines of the current chunk into records. False when the chunk is used up.
  bool TakeLines(Batch& batch, size_t max_rows) {
    if (!pending_lines_) return false;
    const std::string& b = chunk_->bytes;
    while (chunk_pos_ < chunk_end_ && batch.rows.size() < max_rows) {
      if (config_.limit > 0 && emitted_ >= config_.limit) break;
      const char* start = b.data() + chunk_pos_;
      const char* nl = static_cast<const char*>(std::memchr(start, '\n', chunk_end_ - chunk_pos_));
      size_t len = static_cast<size_t>(nl - start);
      chunk_pos_ += len + 1;
      if (skipping_long_line_) {  // the tail of a line already rejected
        skipping_long_line_ = false;
        ++line_;
        continue;
      }
      ++line_;
      std::string_view line(start, len);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      size_t first = line.find_first_not_of(" \t");
      if (first == std::string_view::npos) {
        ++empty_lines_;
        continue;
      }
      if (line.size() > static_cast<size_t>(config_.max_line_bytes)) {
        --line_;
        RejectLongLine(std::string(line.substr(0, 1024)), batch);
        ++line_;
        continue;
      }
      RowId id{0, (static_cast<uint64_t>(file_index_) << 40) | line_};
      batch.rows.emplace_back(id, chunk_, line, line_);
      ++emitted_;
    }
    if (chunk_pos_ >= chunk_end_ || (config_.limit > 0 && emitted_ >= config_.limit)) {
      pending_lines_ = false;
      chunk_.reset();
      return batch.rows.size() >= max_rows;
    }
    return true;
  }

  // A .json file: one top-level array of objects.
  Status ReadJsonArray(const std::filesystem::path& path, std::unique_ptr<InputStream> stream,
                       Batch& batch) {
    auto arena = std::make_shared<Arena>();
    arena->origin = path.string();
    while (true) {
      auto got = stream->Read(arena->bytes, kChunkBytes);
      if (!got.ok()) return FileProblem(path, got.status(), batch);
      if (*got == 0) break;
    }
    bytes_done_ += stream->bytes_consumed();
    size_t len = arena->bytes.size();
    arena->bytes.append(Arena::kPadding, ' ');
    simdjson::ondemand::parser parser;
    simdjson::ondemand::document doc;
    simdjson::ondemand::array arr;
    auto fail = [&](simdjson::error_code e) {
      return FileProblem(path,
                         Status::Corruption(path.string() + " is not a JSON array of objects: " +
                                            simdjson::error_message(e)),
                         batch);
    };
    size_t first = arena->bytes.find_first_not_of(" \t\r\n");
    if (first == std::string::npos || first >= len) return Status::Ok();  // empty file
    if (arena->bytes[first] != '[') {
      // Many datasets name JSON Lines files .json: read it as lines.
      arena->bytes.resize(len);
      if (arena->bytes.back() != '\n') arena->bytes.push_back('\n');
      chunk_end_ = arena->bytes.size();
      arena->bytes.append(Arena::kPadding, ' ');
      chunk_ = std::move(arena);
      chunk_pos_ = 0;
      pending_lines_ = true;
      return Status::Ok();
    }
    if (auto e = parser.iterate(arena->bytes.data(), len, arena->bytes.size()).get(doc))
      return fail(e);
    if (auto e = doc.get_array().get(arr)) return fail(e);
    std::vector<std::string_view> items;
    for (auto element : arr) {
      simdjson::ondemand::value v;
      if (auto e = element.get(v)) return fail(e);
      simdjson::ondemand::object o;
      if (auto e = v.get_object().get(o)) return fail(e);
      std::string_view raw;
      if (auto e = o.raw_json().get(raw)) return fail(e);
      items.push_back(raw);
    }
    // Element k gets "line" k+1 (its position in the array).
    array_arena_ = std::move(arena);
    array_items_ = std::move(items);
    array_pos_ = 0;
    return Status::Ok();
  }

  void TakeArrayItems(Batch& batch, size_t max_rows) {
    for (; array_pos_ < array_items_.size() && batch.rows.size() < max_rows; ++array_pos_) {
      if (config_.limit > 0 && emitted_ >= config_.limit) {
        array_pos_ = array_items_.size();
        break;
      }
      uint64_t n = array_pos_ + 1;
      batch.rows.emplace_back(RowId{0, (static_cast<uint64_t>(file_index_) << 40) | n},
                              array_arena_, array_items_[array_pos_], n);
      ++emitted_;
    }
    if (array_pos_ >= array_items_.size()) {
      array_items_.clear();
      array_pos_ = 0;
      array_arena_.reset();
    }
  }

  JsonlConfig config_;
  std::vector<std::filesystem::path> all_files_;
  std::vector<size_t> my_files_;
  size_t next_file_ = 0;
  size_t file_index_ = 0;
  uint64_t total_bytes_ = 0, bytes_done_ = 0;
  std::unique_ptr<InputStream> stream_;
  std::shared_ptr<ArenaPool> pool_;
  std::shared_ptr<Arena> chunk_;
  size_t chunk_pos_ = 0, chunk_end_ = 0;
  bool pending_lines_ = false;
  bool skipping_long_line_ = false;
  std::string carry_;
  uint64_t line_ = 0;
  int64_t emitted_ = 0;
  int64_t empty_lines_ = 0;
  std::shared_ptr<Arena> array_arena_;
  std::vector<std::string_view> array_items_;
  size_t array_pos_ = 0;
};

}  // namespace
}  // namespace winnow

WINNOW_PLUGIN(winnow::PluginKind::kSource, "jsonl", "1.0.0",
              "Reads JSON Lines and JSON array files (plain, .gz, .zst) from files, directories "
              "and globs.",
              winnow::JsonlConfig, winnow::JsonlSource, winnow::JsonlSchema)
