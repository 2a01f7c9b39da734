// source/csv — reads CSV/TSV files (RFC 4180), plain or .gz/.zst, into one record per row.
//
// Contract
// - Input: `paths` expanded by winnow::ExpandPaths (files, directories filtered by
//   `extensions`, globs with *, ?, **); the sorted list's index is the file
//   index. An entry that matches nothing is an error at Open. Gzip/zstd is
//   detected by magic bytes (winnow::InputStream); a UTF-8 BOM is skipped.
// - Output: one JSON object per data row, keys from the header row (or
//   `columns`), values strings (or inferred scalars with `infer_types`). The
//   record keeps its file and line (Record::Location() = "path:line"), so any
//   later step's rejects name where a row came from.
// - Row ids: ordinal = (file_index << 40) | record_index, where record_index
//   counts the file's data records from 0 (the header and blank lines are not
//   counted, rejected rows are). Independent of sharding and batch size.
// - Sharding (ctx.rank()/world()): a file is cut into parts of `split_bytes`
//   (by the byte offset where a record starts, clamped to the number of parts
//   the on-disk size gives; compressed files are one part); part k of file f
//   belongs to rank (f + k) % world. Every rank reads a file from its start (to
//   know the header, quote state and record numbers) but only builds the
//   records of its own parts, and stops after its last part. Files smaller than
//   split_bytes are thus dealt round-robin by index.
// - Per-row problems are rejects (the run continues): field_count,
//   invalid_utf8, bad_quote (strict_quotes only), unterminated_quote
//   (the rest of that file is one reject; reading goes on with the next file).
// - Errors that stop the run: a missing/unreadable file, broken compressed data,
//   a record larger than max_record_bytes (usually a runaway quote), a header
//   that is not valid in the configured encoding, or a header whose field count
//   differs from `columns`. Messages name file:line.
// - Memory: one read buffer (4 MB plus the largest record) and one batch of
//   JSON (at most max_rows rows or ~32 MB, whichever comes first).
// - Thread-safety: Read is called from one thread; Decode does nothing.
#include <algorithm>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "csv_parser.h"
#include "winnow/files.h"
#include "winnow/io.h"
#include "winnow/plugin.h"
#include "winnow/source.h"
#include "winnow/text.h"
#include "winnow/value.h"

namespace winnow::csv {
namespace {

namespace fs = std::filesystem;

struct CsvConfig {
  std::vector<std::string> paths;
  bool header = true;
  std::vector<std::string> columns;
  std::string delimiter = ",";
  std::string quote = "\"";
  std::string encoding = "utf-8";
  bool infer_types = false;
  bool strict_quotes = false;
  std::string path_field;
  int64_t max_record_bytes = int64_t{64} << 20;
  int64_t split_bytes = int64_t{256} << 20;
  int64_t limit = 0;
  std::vector<std::string> extensions = {".csv",    ".tsv",     ".csv.gz",
                                         ".tsv.gz", ".csv.zst", ".tsv.zst"};
};

const ConfigSchema& CsvSchema() {
  static const auto schema =
      SchemaBuilder<CsvConfig>()
          .StringList("paths", &CsvConfig::paths,
                      "Files, directories (recursive, files ending in one of extensions) or "
                      "globs (*, ?, **) such as data/**/*.csv.gz. The file list is sorted. "
                      "Relative paths are relative to the working directory.")
          .Required()
          .Bool("header", &CsvConfig::header,
                "Whether the first row of each file holds the column names.")
          .StringList("columns", &CsvConfig::columns,
                      "Column names. Without a header row they name the fields; with one they "
                      "replace the header's names (the counts must agree). Without either, "
                      "fields are named column_1, column_2, ...")
          .String("delimiter", &CsvConfig::delimiter,
                  "The field delimiter: one byte, such as \",\", \";\", \"|\" or \"\\t\" (also "
                  "written \"tab\").")
          .String("quote", &CsvConfig::quote,
                  "The quote character (one byte). An empty string turns quoting off, so quotes "
                  "are ordinary characters.")
          .Enum("encoding", &CsvConfig::encoding, {"utf-8", "latin1"},
                "The files' text encoding. With utf-8 a row holding invalid UTF-8 is rejected "
                "(invalid_utf8, naming file:line); latin1 converts every byte to UTF-8.")
          .Bool("infer_types", &CsvConfig::infer_types,
                "Turn values that look like integers, decimals or true/false into JSON "
                "numbers and booleans, and empty values into null. Each value is inferred on "
                "its own; when false every value is a string.")
          .Bool("strict_quotes", &CsvConfig::strict_quotes,
                "Reject rows (bad_quote) with a quote inside an unquoted field or text "
                "after a closing quote. When false such quotes are kept as text, like Python's "
                "csv module does.")
          .String("path_field", &CsvConfig::path_field,
                  "If set, a field of this name receives the file path of each row.")
          .Int("max_record_bytes", &CsvConfig::max_record_bytes,
               "The largest record (row) accepted, in bytes. A larger one stops the run with an "
               "error naming file:line, since it usually means a quote is never closed.")
          .Min(1)
          .Int("split_bytes", &CsvConfig::split_bytes,
               "In a distributed run, plain files are shared among ranks in parts of this many "
               "bytes (cut at record boundaries); compressed files are never split.")
          .Min(1 << 16)
          .Int("limit", &CsvConfig::limit,
               "Stop after this many rows (per rank; 0 = read everything).")
          .Min(0)
          .StringList("extensions", &CsvConfig::extensions,
                      "File name endings picked up when a path is a directory.")
          .Build();
  return schema;
}

constexpr size_t kReadChunk = size_t{4} << 20;
constexpr size_t kMaxBatchBytes = size_t{32} << 20;
constexpr int kOrdinalShift = 40;

// Latin-1 bytes -> UTF-8.
void AppendLatin1AsUtf8(std::string& out, std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back(static_cast<char>(0xC0 | (c >> 6)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }
}

}  // namespace

namespace {

class CsvSource final : public Source {
 public:
  explicit CsvSource(CsvConfig config) : config_(std::move(config)) {}

  Status Init() override {
    std::string delim = config_.delimiter;
    if (delim == "tab" || delim == "\\t") delim = "\t";
    if (delim.size() != 1) {
      return ConfigError("delimiter", "the delimiter must be exactly one byte (got \"" +
                                          config_.delimiter + "\")");
    }
    if (delim[0] == '\n' || delim[0] == '\r') {
      return ConfigError("delimiter", "the delimiter cannot be a line break");
    }
    dialect_.delimiter = delim[0];
    if (config_.quote.empty()) {
      dialect_.quoting = false;
    } else if (config_.quote.size() != 1) {
      return ConfigError("quote", "the quote character must be one byte, or \"\" for none (got \"" +
                                      config_.quote + "\")");
    } else {
      dialect_.quote = config_.quote[0];
      if (dialect_.quote == dialect_.delimiter || dialect_.quote == '\n' ||
          dialect_.quote == '\r') {
        return ConfigError("quote",
                           "the quote character must differ from the delimiter and "
                           "from line breaks");
      }
    }
    dialect_.max_record_bytes = static_cast<size_t>(config_.max_record_bytes);
    latin1_ = config_.encoding == "latin1";
    std::set<std::string> names;
    for (const auto& c : config_.columns) {
      if (!names.insert(c).second) {
        return ConfigError("columns", "the column name '" + c + "' appears twice");
      }
    }
    return Status::Ok();
  }

  Status Open(Context& ctx) override {
    WINNOW_ASSIGN_OR_RETURN(auto files, ExpandPaths(config_.paths, config_.extensions));
    const int rank = ctx.rank(), world = std::max(1, ctx.world());
    const uint64_t split = static_cast<uint64_t>(config_.split_bytes);
    if (files.size() >= (uint64_t{1} << (64 - kOrdinalShift))) {
      return Status::InvalidArgument("too many input files (at most 2^24)");
    }
    tasks_.clear();
    total_bytes_ = 0;
    for (size_t f = 0; f < files.size(); ++f) {
      std::error_code ec;
      uint64_t size = fs::file_size(files[f], ec);
      if (ec)
        return Status::IOError("cannot read the size of " + files[f].string() + ": " +
                               ec.message());
      FileTask t;
      t.index = f;
      t.path = files[f];
      t.size = size;
      bool compressed = CompressionFromPath(files[f]) != Compression::kNone;
      t.parts = compressed ? 1 : std::max<uint64_t>(1, (size + split - 1) / split);
      // Parts k with (f + k) % world == rank; the last one bounds how far we read.
      bool any = false;
      for (uint64_t k = 0; k < t.parts; ++k) {
        if ((f + k) % static_cast<uint64_t>(world) == static_cast<uint64_t>(rank)) {
          any = true;
          t.last_part = k;
        }
      }
      if (!any) continue;
      total_bytes_ += size;
      tasks_.push_back(std::move(t));
    }
    world_ = world;
    rank_ = rank;
    next_task_ = 0;
    done_bytes_ = 0;
    consumed_done_ = 0;
    ctx.ReportProgress(0, total_bytes_);
    return Status::Ok();
  }

  Result<bool> Read(Batch& batch, size_t max_rows, Context& ctx) override {
    if (ctx.cancelled()) return Status::Cancelled("the run was cancelled");
    size_t rows_before = batch.rows.size();
    int64_t files_opened = 0;
    const uint64_t consumed_before = consumed_done_ + CurrentConsumed();
    bool more = true;
    while (batch.rows.size() - rows_before + pending_.size() < max_rows &&
           json_.size() < kMaxBatchBytes) {
      if (config_.limit > 0 && emitted_ >= config_.limit) {
        more = false;
        break;
      }
      if (!stream_) {
        Flush(batch);
        if (next_task_ == tasks_.size()) {
          more = false;
          break;
        }
        WINNOW_RETURN_IF_ERROR(OpenFile(tasks_[next_task_++]));
        ++files_opened;
      }
      WINNOW_ASSIGN_OR_RETURN(bool file_more, Step(batch));
      if (!file_more) {
        Flush(batch);
        done_bytes_ += task_->size;  // progress: the file is done for this rank
        consumed_done_ += stream_->bytes_consumed();
        stream_.reset();
      }
    }
    Flush(batch);
    for (const auto& w : header_warnings_) ctx.Warn(w);
    header_warnings_.clear();
    if (files_opened) ctx.Count("files_opened", files_opened);
    uint64_t consumed = consumed_done_ + CurrentConsumed() - consumed_before;
    ctx.Count("bytes_read", static_cast<int64_t>(consumed));
    ctx.ReportProgress(done_bytes_ + CurrentConsumed(), total_bytes_);
    return more;
  }

  Status Close(Context& ctx) override {
    stream_.reset();
    return Status::Ok();
  }

 private:
  struct FileTask {
    size_t index = 0;
    fs::path path;
    uint64_t size = 0;
    uint64_t parts = 1;
    uint64_t last_part = 0;
  };
  struct Pending {
    size_t offset, length;
    uint64_t line, ordinal;
  };

  uint64_t CurrentConsumed() const { return stream_ ? stream_->bytes_consumed() : 0; }

  Status OpenFile(const FileTask& task) {
    task_ = &task;
    WINNOW_ASSIGN_OR_RETURN(stream_, InputStream::Open(task.path));
    splitter_ = std::make_unique<CsvSplitter>(dialect_);
    buf_.clear();
    pos_ = 0;
    buf_offset_ = 0;
    eof_ = false;
    at_start_ = true;
    record_index_ = 0;
    keys_.clear();
    have_columns_ = false;
    path_string_ = task.path.string();
    path_json_.clear();
    AppendJsonString(path_json_, path_string_);
    if (!config_.header && !config_.columns.empty()) SetColumns(config_.columns);
    return Status::Ok();
  }

  Status Fill() {
    if (pos_ > 0) {
      buf_.erase(0, pos_);
      buf_offset_ += pos_;
      pos_ = 0;
    }
    // Plain files: ask for what is left (InputStream::Read sizes the buffer by the
    // request, so a 4 MB request for a 2 KB file would clear 4 MB).
    size_t want = kReadChunk;
    if (stream_->compression() == Compression::kNone) {
      uint64_t left =
          stream_->file_size() - std::min(stream_->file_size(), stream_->bytes_consumed());
      want = static_cast<size_t>(std::clamp<uint64_t>(left + 1, 4096, kReadChunk));
    }
    WINNOW_ASSIGN_OR_RETURN(size_t got, stream_->Read(buf_, want));
    if (got == 0) eof_ = true;
    return Status::Ok();
  }

  void SetColumns(const std::vector<std::string>& names) {
    keys_.clear();
    for (size_t j = 0; j < names.size(); ++j) {
      std::string k = j == 0 ? "{" : ",";
      AppendJsonString(k, names[j]);
      k += ':';
      keys_.push_back(std::move(k));
    }
    column_names_ = names;
    have_columns_ = true;
  }

  std::string Where(uint64_t line) const { return path_string_ + ":" + std::to_string(line); }

  // Decodes one field to UTF-8 into `out` (latin1 converts; utf-8 copies).
  void Decoded(std::string_view field, std::string& out) const {
    out.clear();
    if (latin1_) {
      AppendLatin1AsUtf8(out, field);
    } else {
      out.assign(field);
    }
  }

  Status TakeHeader(const CsvRecord& rec) {
    std::vector<std::string> names;
    std::string tmp;
    for (size_t j = 0; j < rec.size(); ++j) {
      Decoded(rec.field(j), tmp);
      if (!latin1_ && !IsValidUtf8(tmp)) {
        return Status::Corruption(Where(rec.line) + ": the header row is not valid UTF-8 (column " +
                                  std::to_string(j + 1) +
                                  "); if the file is Latin-1, set encoding: latin1");
      }
      names.push_back(tmp);
    }
    if (!config_.columns.empty()) {
      if (names.size() != config_.columns.size()) {
        return Status::Corruption(Where(rec.line) + ": the header row has " +
                                  std::to_string(names.size()) + " fields but `columns` names " +
                                  std::to_string(config_.columns.size()));
      }
      SetColumns(config_.columns);
      return Status::Ok();
    }
    // Empty names -> column_N; duplicates -> name_2, name_3, ...
    std::set<std::string> used;
    std::string renamed;
    for (size_t j = 0; j < names.size(); ++j) {
      if (names[j].empty()) names[j] = "column_" + std::to_string(j + 1);
    }
    for (size_t j = 0; j < names.size(); ++j) {
      std::string n = names[j];
      for (int k = 2; used.count(n); ++k) n = names[j] + "_" + std::to_string(k);
      if (n != names[j]) renamed += (renamed.empty() ? "" : ", ") + names[j] + " -> " + n;
      names[j] = n;
      used.insert(n);
    }
    if (!renamed.empty()) {
      header_warnings_.push_back(Where(rec.line) +
                                 ": duplicate column names in the header were renamed (" + renamed +
                                 ")");
    }
    SetColumns(names);
    return Status::Ok();
  }

  void AddReject(Batch& batch, std::string reason, std::string detail, uint64_t line,
                 uint64_t ordinal, std::string_view raw) {
    Reject r;
    r.kind = RejectKind::kError;
    r.reason = std::move(reason);
    r.detail = std::move(detail);
    r.location = Where(line);
    r.id = RowId{0, ordinal};
    while (!raw.empty() && (raw.back() == '\n' || raw.back() == '\r')) raw.remove_suffix(1);
    r.record_json = SanitizeUtf8(raw.size() > (64u << 10) ? Abbreviate(raw, 64u << 10) : raw);
    r.record_is_json = false;
    batch.AddReject(std::move(r));
  }

  // Index of the first field that is not valid UTF-8, or rec.size(). Validates the
  // whole record at once, then the fields whose last byte is not ASCII (a
  // sequence cut by a delimiter looks valid when the fields are joined).
  static size_t FirstInvalidField(const CsvRecord& rec) {
    bool whole = IsValidUtf8(rec.scratch);
    for (size_t j = 0; j < rec.size(); ++j) {
      std::string_view f = rec.field(j);
      bool suspect = !whole || (!f.empty() && static_cast<unsigned char>(f.back()) >= 0x80);
      if (suspect && !IsValidUtf8(f)) return j;
    }
    return rec.size();
  }

  // Converts a data record to JSON in json_, or rejects it.
  void Emit(Batch& batch, const CsvRecord& rec, uint64_t ordinal) {
    std::string_view raw(buf_.data() + rec.raw_begin, rec.raw_end - rec.raw_begin);
    if (!have_columns_) {
      std::vector<std::string> names;
      for (size_t j = 0; j < rec.size(); ++j) names.push_back("column_" + std::to_string(j + 1));
      SetColumns(names);
    }
    if (rec.size() != keys_.size()) {
      AddReject(batch, "field_count",
                "expected " + std::to_string(keys_.size()) + " fields" +
                    (config_.header ? " (as in the header row)" : "") + ", found " +
                    std::to_string(rec.size()),
                rec.line, ordinal, raw);
      return;
    }
    if (config_.strict_quotes && rec.bad_quote) {
      AddReject(batch, "bad_quote",
                "a quote appears inside an unquoted field or after a closing quote "
                "(strict_quotes is on)",
                rec.line, ordinal, raw);
      return;
    }
    size_t bad = latin1_ ? rec.size() : FirstInvalidField(rec);
    if (bad < rec.size()) {
      AddReject(batch, "invalid_utf8",
                "the field '" + column_names_[bad] +
                    "' is not valid UTF-8; if the file is Latin-1, set encoding: latin1",
                rec.line, ordinal, raw);
      return;
    }
    size_t offset = json_.size();
    for (size_t j = 0; j < rec.size(); ++j) {
      json_ += keys_[j];
      std::string_view v = rec.field(j);
      if (latin1_) {
        Decoded(v, tmp_);
        v = tmp_;
      }
      if (config_.infer_types) {
        AppendInferred(json_, v);
      } else {
        AppendJsonString(json_, v);
      }
    }
    if (!config_.path_field.empty()) {
      json_ += ',';
      AppendJsonString(json_, config_.path_field);
      json_ += ':';
      json_ += path_json_;
    }
    json_ += '}';
    pending_.push_back(Pending{offset, json_.size() - offset, rec.line, ordinal});
    ++emitted_;
  }

  // Moves pending JSON rows into the batch (one arena per file segment).
  void Flush(Batch& batch) {
    if (pending_.empty()) {
      json_.clear();
      return;
    }
    auto arena = std::make_shared<Arena>();
    arena->origin = path_string_;
    json_.append(Arena::kPadding, ' ');
    arena->bytes = std::move(json_);
    json_ = std::string();
    const char* base = arena->bytes.data();
    std::shared_ptr<const Arena> shared = arena;
    for (const auto& p : pending_) {
      batch.rows.emplace_back(RowId{0, p.ordinal}, shared,
                              std::string_view(base + p.offset, p.length), p.line);
    }
    pending_.clear();
  }

  // Advances the current file by one record (filling the buffer as needed).
  // Returns false when the file is finished (for this rank).
  Result<bool> Step(Batch& batch) {
    const FileTask& t = *task_;
    while (true) {
      if (at_start_ && pos_ == 0 && buf_offset_ == 0) {
        if (buf_.size() < 3 && !eof_) {
          WINNOW_RETURN_IF_ERROR(Fill());
          continue;
        }
        if (buf_.compare(0, 3, "\xEF\xBB\xBF") == 0) pos_ = 3;  // UTF-8 BOM
      }
      uint64_t offset = buf_offset_ + pos_;
      uint64_t part = std::min(offset / static_cast<uint64_t>(config_.split_bytes), t.parts - 1);
      bool header_row = at_start_ && config_.header;
      if (!header_row && part > t.last_part) return false;  // the rest belongs to other ranks
      bool mine = header_row ||
                  (t.index + part) % static_cast<uint64_t>(world_) == static_cast<uint64_t>(rank_);
      CsvStep s = splitter_->Next(buf_, pos_, eof_, mine, rec_);
      switch (s) {
        case CsvStep::kNeedMore:
          WINNOW_RETURN_IF_ERROR(Fill());
          continue;
        case CsvStep::kBlank:
          continue;
        case CsvStep::kEnd:
          return false;
        case CsvStep::kTooLarge:
          return Status::Corruption(
              Where(splitter_->error_line()) + ": a record is larger than max_record_bytes (" +
              std::to_string(config_.max_record_bytes) +
              " bytes); a quote that is never closed usually causes this (or raise "
              "max_record_bytes)");
        case CsvStep::kUnterminated: {
          if (at_start_ && config_.header) {
            return Status::Corruption(Where(splitter_->error_line()) +
                                      ": the header row opens a quoted field that is never closed");
          }
          if (mine) {
            uint64_t start_line = splitter_->line();
            std::string_view raw(buf_.data() + pos_, buf_.size() - pos_);
            AddReject(batch, "unterminated_quote",
                      "a quoted field opened at line " + std::to_string(splitter_->error_line()) +
                          " is not closed before the end of the file; the rest of the file "
                          "(from line " +
                          std::to_string(start_line) + ") could not be read as CSV",
                      start_line, (uint64_t{t.index} << kOrdinalShift) | record_index_, raw);
          }
          return false;
        }
        case CsvStep::kRecord:
          break;
      }
      if (header_row) {
        at_start_ = false;
        WINNOW_RETURN_IF_ERROR(TakeHeader(rec_));
        continue;
      }
      at_start_ = false;
      uint64_t ordinal = (uint64_t{t.index} << kOrdinalShift) | record_index_++;
      if (mine) {
        Emit(batch, rec_, ordinal);
        return true;
      }
    }
  }

  CsvConfig config_;
  CsvDialect dialect_;
  bool latin1_ = false;
  int rank_ = 0, world_ = 1;

  std::vector<FileTask> tasks_;
  size_t next_task_ = 0;
  uint64_t total_bytes_ = 0, done_bytes_ = 0;
  uint64_t consumed_done_ = 0;  // bytes read from files already closed

  // Current file.
  const FileTask* task_ = nullptr;
  std::unique_ptr<InputStream> stream_;
  std::unique_ptr<CsvSplitter> splitter_;
  std::string buf_;
  size_t pos_ = 0;
  uint64_t buf_offset_ = 0;
  bool eof_ = false;
  bool at_start_ = true;
  uint64_t record_index_ = 0;
  std::vector<std::string> keys_;
  std::vector<std::string> column_names_;
  bool have_columns_ = false;
  std::string path_string_, path_json_;
  std::vector<std::string> header_warnings_;  // logged by Read
  int64_t emitted_ = 0;

  CsvRecord rec_;
  std::string tmp_;
  std::string json_;
  std::vector<Pending> pending_;
};

}  // namespace
}  // namespace winnow::csv

WINNOW_PLUGIN(winnow::PluginKind::kSource, "csv", "1.0.0",
              "Reads CSV/TSV files (RFC 4180, plain, .gz or .zst) into one record per row.",
              winnow::csv::CsvConfig, winnow::csv::CsvSource, winnow::csv::CsvSchema)
