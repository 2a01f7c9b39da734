// parquet_writer.h — the sequential half of the Parquet writer: one file,
// assembled from encoded batches (parquet_shred.h) in order.
//
// Each batch becomes one data page (v1) per leaf column. Pages are buffered per
// column chunk until the row group's uncompressed size reaches
// `row_group_bytes`; then the row group is written (per column: dictionary
// page, then data pages) and its buffers are freed, so memory stays near one
// row group. Row groups end at batch boundaries.
//
// Dictionary encoding: each column chunk keeps a dictionary (the batches'
// local dictionaries merged in order) while its PLAIN size stays within
// `dictionary_max_bytes`; pages are then RLE_DICTIONARY. The first batch that
// would push it past the limit, and every later batch of that chunk, is
// written PLAIN (the chunk holds the dictionary page, dictionary pages and
// plain pages — what Arrow and parquet-mr do too). BOOLEAN is always PLAIN.
//
// Statistics: null_count, min_value and max_value for every non-repeated
// column (strings only when both bounds are at most 64 bytes; NaN ignored).
//
// Atomic: bytes go to winnow::AtomicFile's temporary; Finish() writes the footer
// and renames, Abort() (or destruction without Finish) removes the temporary.
// Not thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "parquet_meta.h"
#include "parquet_schema.h"
#include "parquet_shred.h"
#include "winnow/io.h"
#include "winnow/status.h"

namespace winnow::pqw {

struct WriterOptions {
  parquet::Codec codec = parquet::Codec::kSnappy;
  int level = 0;
  uint64_t row_group_bytes = uint64_t{128} << 20;
  bool dictionary = true;
  uint64_t dictionary_max_bytes = uint64_t{1} << 20;
  std::string created_by = "winnow exporter/parquet";
};

class FileWriter {
 public:
  FileWriter(const WriterSchema& schema, WriterOptions options);
  ~FileWriter();
  FileWriter(const FileWriter&) = delete;
  FileWriter& operator=(const FileWriter&) = delete;

  // Creates the temporary file (parent directories too) and writes the magic.
  Status Open(const std::filesystem::path& path);
  // Adds one encoded batch (its columns must follow the schema's leaves).
  Status Add(const BatchView& batch);
  // Writes the buffered row group now (no-op when empty).
  Status FlushRowGroup();
  // Flushes, writes the footer and renames the file into place.
  Status Finish();
  // Removes the temporary file.
  void Abort();

  uint64_t rows() const { return rows_; }
  int row_groups() const { return static_cast<int>(meta_row_groups_.size()); }
  // Bytes in the file so far (row groups written; the footer once finished).
  uint64_t file_bytes() const { return offset_; }
  uint64_t buffered_bytes() const { return buffered_; }
  const std::filesystem::path& path() const { return path_; }

  struct Chunk;  // one column's buffered pages (internal)

 private:
  Status WriteBytes(std::string_view bytes);

  const WriterSchema& schema_;
  WriterOptions options_;
  std::filesystem::path path_;
  std::unique_ptr<AtomicFile> file_;
  std::vector<std::unique_ptr<Chunk>> chunks_;
  std::vector<parquet::RowGroup> meta_row_groups_;
  uint64_t offset_ = 0, rows_ = 0, group_rows_ = 0, buffered_ = 0;
};

}  // namespace winnow::pqw
