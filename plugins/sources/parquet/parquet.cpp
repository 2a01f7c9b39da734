// source/parquet — Apache Parquet files as records, with winnow's own reader.
//
// Contract:
//  - `paths` are files, directories (recursive; .parquet, .pq) and globs; the
//    file list is sorted, so row order is stable.
//  - Each row becomes one JSON object {column: value} with the top-level
//    columns in schema order (or in `columns` order when given). Nested
//    groups become objects, LIST and repeated fields arrays, MAP objects
//    (string keys) or [{"key","value"}] arrays, VARIANT groups the JSON value
//    they encode; logical types map as the README's "Type mapping" table says.
//  - Streaming: one row group at a time, and only the requested columns of it
//    are read from disk (one pread per column chunk). Memory is the compressed
//    column chunks of that row group plus one decompressed page and one batch
//    of decoded values per column.
//  - Row ids: ordinal = (file index << 40) | row number in the file (1-based);
//    location "path:row". Neither depends on sharding or thread count.
//  - Sharding: with world > 1, rank r reads the row groups whose global index
//    (counting row groups across the sorted files) satisfies index % world == r.
//  - `limit` keeps the first `limit` rows of the whole dataset (in file/row
//    order), whatever the sharding.
//  - Bad input stops the run with a Status naming the file and what is wrong:
//    not Parquet, truncated, malformed footer or page header, byte ranges
//    outside the file, page checksum mismatch, corrupt compressed data,
//    inconsistent levels, encrypted files, unsupported codecs (LZO).
//    A string value that is not valid UTF-8 fails only its row
//    (parquet:invalid_utf8).
//  - Counters: parquet.files, parquet.row_groups, parquet.pages, bytes_read.
//  - Thread-safety: Read runs on one thread; Decode does nothing.
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "parquet_file.h"
#include "winnow/arena_pool.h"
#include "winnow/files.h"
#include "winnow/source.h"

namespace winnow {
namespace {

struct ParquetConfig {
  std::vector<std::string> paths;
  std::vector<std::string> columns;
  int64_t limit = 0;
  std::string binary_as = "auto";
  std::string decimal_as = "number";
  std::string timestamps_as = "iso";
  std::string geometry_as = "geojson";
  bool verify_checksums = true;
  std::vector<std::string> extensions = {".parquet", ".pq"};
};

const ConfigSchema& ParquetSchema() {
  static const ConfigSchema schema =
      SchemaBuilder<ParquetConfig>()
          .StringList("paths", &ParquetConfig::paths,
                      "Files, directories or globs (*, ?, **) to read. Relative paths are "
                      "relative to the working directory.")
          .Required()
          .StringList("columns", &ParquetConfig::columns,
                      "Top-level columns to read, in output order; only these column chunks are "
                      "read from disk. Empty reads every column.")
          .Int("limit", &ParquetConfig::limit,
               "Keep only the first this many rows of the dataset, in file and row order (0 = "
               "read everything).")
          .Min(0)
          .Enum("binary_as", &ParquetConfig::binary_as, {"auto", "base64"},
                "How BYTE_ARRAY and FIXED_LEN_BYTE_ARRAY values without a string annotation are "
                "written: auto writes valid UTF-8 without control characters (other than tab, "
                "CR and LF) as text and anything else as base64; base64 always writes base64.")
          .Enum("decimal_as", &ParquetConfig::decimal_as, {"number", "string"},
                "DECIMAL values as a JSON number with the exact decimal digits (number), or as "
                "a string holding those digits (string) for consumers that parse numbers as "
                "doubles.")
          .Enum("timestamps_as", &ParquetConfig::timestamps_as, {"iso", "int"},
                "DATE, TIME, TIMESTAMP and INT96 values as ISO-8601 strings (iso), or as the "
                "stored integer (int: days, or time units since the epoch/midnight; INT96 as "
                "nanoseconds).")
          .Enum("geometry_as", &ParquetConfig::geometry_as, {"geojson", "wkb"},
                "GEOMETRY and GEOGRAPHY values (WKB) as GeoJSON objects (geojson), or as base64 "
                "WKB strings (wkb). WKB that does not parse is written as base64 either way.")
          .Bool("verify_checksums", &ParquetConfig::verify_checksums,
                "Check the CRC-32 of every page that carries one and refuse the file on a "
                "mismatch.")
          .StringList("extensions", &ParquetConfig::extensions,
                      "File name endings picked up when a path is a directory.")
          .Build();
  return schema;
}

class ParquetSource final : public Source {
 public:
  explicit ParquetSource(ParquetConfig config) : config_(std::move(config)) {}

  Status Init() override {
    for (size_t i = 0; i < config_.columns.size(); ++i) {
      if (config_.columns[i].empty()) return ConfigError("columns", "a column name is empty");
      for (size_t j = 0; j < i; ++j) {
        if (config_.columns[i] == config_.columns[j]) {
          return ConfigError("columns", "column '" + config_.columns[i] + "' is listed twice");
        }
      }
    }
    options_.columns = config_.columns;
    options_.json.binary_as_base64 = config_.binary_as == "base64";
    options_.json.decimal_as_string = config_.decimal_as == "string";
    options_.json.timestamps_as_int = config_.timestamps_as == "int";
    options_.json.geometry_as_wkb = config_.geometry_as == "wkb";
    options_.verify_checksums = config_.verify_checksums;
    return Status::Ok();
  }

  Status Open(Context& ctx) override {
    auto files = ExpandPaths(config_.paths, config_.extensions);
    if (!files.ok()) return files.status();
    for (const auto& f : *files) files_.push_back(f.string());
    for (const auto& f : files_) {
      std::error_code ec;
      total_bytes_ += std::filesystem::file_size(f, ec);
    }
    rank_ = static_cast<uint64_t>(ctx.rank());
    world_ = static_cast<uint64_t>(std::max(1, ctx.world()));
    pool_ = ArenaPool::Create(size_t{64} << 20);
    ctx.Info(
        "reading " + std::to_string(files_.size()) + " Parquet files (" +
        std::to_string(total_bytes_ >> 20) + " MiB)" +
        (world_ > 1 ? ", row groups sharded across " + std::to_string(world_) + " ranks" : ""));
    return Status::Ok();
  }

  Result<bool> Read(Batch& batch, size_t max_rows, Context& ctx) override {
    size_t taken = 0;
    while (taken < max_rows) {
      if (ctx.cancelled()) return Status::Cancelled("interrupted");
      if (group_allowance_ == 0) {
        Flush(batch);
        WINNOW_ASSIGN_OR_RETURN(bool got, Advance());
        if (!got) {
          ReportProgress(ctx);
          return false;
        }
        continue;
      }
      if (!arena_) arena_ = pool_->Get(files_[cur_file_]);
      size_t want = static_cast<size_t>(std::min<uint64_t>(max_rows - taken, group_allowance_));
      size_t before = row_ends_.size();
      size_t issues_before = issues_.size();
      WINNOW_ASSIGN_OR_RETURN(size_t got,
                              reader_->ReadRows(want, &arena_->bytes, &row_ends_, &issues_));
      for (size_t k = issues_before; k < issues_.size(); ++k) issues_[k].row += before;
      for (size_t i = 0; i < got; ++i) row_numbers_.push_back(++row_in_file_);
      group_allowance_ -= got;
      taken += got;
      if (got == 0) group_allowance_ = 0;  // defensive: the reader had no more rows
    }
    Flush(batch);
    ReportProgress(ctx);
    return true;
  }

  Status Close(Context& ctx) override {
    FinishFile();
    ctx.Count("parquet.files", static_cast<int64_t>(files_opened_));
    ctx.Count("parquet.row_groups", static_cast<int64_t>(row_groups_read_));
    ctx.Count("parquet.pages", static_cast<int64_t>(pages_));
    ctx.Count("bytes_read", static_cast<int64_t>(bytes_read_));
    return Status::Ok();
  }

 private:
  // Turns the rows gathered in the current arena into records.
  void Flush(Batch& batch) {
    if (!arena_) return;
    if (row_ends_.empty()) {
      arena_.reset();
      return;
    }
    arena_->bytes.append(Arena::kPadding, ' ');
    std::shared_ptr<const Arena> shared = std::move(arena_);
    size_t first = batch.rows.size();
    batch.rows.reserve(first + row_ends_.size());
    const uint64_t file_bits = static_cast<uint64_t>(cur_file_) << 40;
    size_t begin = 0;
    for (size_t i = 0; i < row_ends_.size(); ++i) {
      std::string_view raw(shared->bytes.data() + begin, row_ends_[i] - begin);
      batch.rows.emplace_back(RowId{0, file_bits | row_numbers_[i]}, shared, raw, row_numbers_[i]);
      begin = row_ends_[i];
    }
    for (const auto& issue : issues_) batch.Fail(first + issue.row, issue.reason, issue.detail);
    rows_emitted_ += row_ends_.size();
    row_ends_.clear();
    row_numbers_.clear();
    issues_.clear();
  }

  void FinishFile() {
    if (reader_) {
      bytes_read_ += reader_->bytes_read();
      pages_ += reader_->pages_read();
      done_bytes_ += reader_->file().size();
      reader_.reset();
    }
  }

  // Loads the next row group this rank reads. False at the end of the input
  // (or once `limit` rows of the dataset lie behind).
  Result<bool> Advance() {
    for (;;) {
      if (config_.limit > 0 && dataset_rows_ >= static_cast<uint64_t>(config_.limit)) {
        return false;
      }
      if (!reader_) {
        if (cur_file_ >= files_.size()) return false;
        auto r = parquet::RowReader::Open(files_[cur_file_], options_);
        if (!r.ok()) return r.status().WithContext("source/parquet");
        reader_ = std::move(r).value();
        ++files_opened_;
        next_group_ = 0;
        file_rows_ = 0;
      }
      const auto& groups = reader_->file().metadata().row_groups;
      if (next_group_ >= groups.size()) {
        FinishFile();
        ++cur_file_;
        continue;
      }
      size_t g = next_group_++;
      uint64_t rows = static_cast<uint64_t>(groups[g].num_rows);
      uint64_t global = global_group_++;
      uint64_t first_row = file_rows_;
      uint64_t dataset_before = dataset_rows_;
      file_rows_ += rows;
      dataset_rows_ += rows;
      if (global % world_ != rank_ || rows == 0) continue;
      Status st = reader_->StartRowGroup(g);
      if (!st.ok()) return st.WithContext("source/parquet");
      ++row_groups_read_;
      row_in_file_ = first_row;
      group_allowance_ = rows;
      if (config_.limit > 0) {
        group_allowance_ =
            std::min<uint64_t>(rows, static_cast<uint64_t>(config_.limit) - dataset_before);
      }
      return true;
    }
  }

  void ReportProgress(Context& ctx) {
    uint64_t done = done_bytes_;
    if (reader_) {
      const auto& groups = reader_->file().metadata().row_groups;
      if (!groups.empty()) done += reader_->file().size() * next_group_ / groups.size();
    }
    ctx.ReportProgress(std::min(done, total_bytes_), total_bytes_);
  }

  ParquetConfig config_;
  parquet::RowReaderOptions options_;
  std::vector<std::string> files_;
  uint64_t total_bytes_ = 0, done_bytes_ = 0;
  uint64_t rank_ = 0, world_ = 1;
  std::shared_ptr<ArenaPool> pool_;

  std::unique_ptr<parquet::RowReader> reader_;
  size_t cur_file_ = 0;           // index of the open (or next) file
  size_t next_group_ = 0;         // next row group of that file to consider
  uint64_t file_rows_ = 0;        // rows of the file before next_group_
  uint64_t global_group_ = 0;     // global index of the next row group considered
  uint64_t dataset_rows_ = 0;     // dataset rows before the next row group considered
  uint64_t row_in_file_ = 0;      // rows of the file before the next row handed out
  uint64_t group_allowance_ = 0;  // rows still to take from the loaded row group
  uint64_t rows_emitted_ = 0;

  // Rows gathered for the current batch from the current file.
  std::shared_ptr<Arena> arena_;
  std::vector<size_t> row_ends_;
  std::vector<uint64_t> row_numbers_;
  std::vector<parquet::RowIssue> issues_;

  uint64_t files_opened_ = 0, row_groups_read_ = 0, pages_ = 0, bytes_read_ = 0;
};

}  // namespace
}  // namespace winnow

WINNOW_PLUGIN(winnow::PluginKind::kSource, "parquet", "1.0.0",
              "Reads Apache Parquet files (all physical and common logical types, nested data, "
              "every standard encoding and codec) row group by row group.",
              winnow::ParquetConfig, winnow::ParquetSource, winnow::ParquetSchema)
