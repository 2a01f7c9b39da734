// parquet_file.h — one Parquet file: footer, schema, and reading the
// projected columns of a row group as JSON rows.
//
// ParquetFile::Open checks the magic bytes at both ends, the footer length
// against the file size (and a 256 MiB ceiling), refuses encrypted files
// (PARE magic, or a plaintext footer with encrypted columns) with a sentence
// saying so, and parses the footer and schema. Every column chunk's byte
// range is checked against the file's data area before a single byte is
// allocated for it. Errors are Status values whose message starts with the
// file's path.
//
// RowReader reads one row group at a time: it reads the requested column
// chunks (one pread each), then hands out rows in batches. Memory is the
// compressed bytes of the requested columns of one row group, plus one
// decompressed page and one decoded batch per column.
//
// Not thread-safe; use one RowReader per thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "parquet_codec.h"
#include "parquet_column.h"
#include "parquet_meta.h"
#include "winnow/status.h"

namespace winnow::parquet {

// Largest footer accepted.
constexpr uint64_t kMaxFooterBytes = uint64_t{256} << 20;

class ParquetFile {
 public:
  static Result<std::unique_ptr<ParquetFile>> Open(const std::string& path);
  ~ParquetFile();

  const std::string& path() const { return path_; }
  uint64_t size() const { return size_; }
  const FileMetaData& metadata() const { return meta_; }
  const Schema& schema() const { return schema_; }

  // The validated byte range [offset, offset+length) of a column chunk.
  Status ChunkRange(size_t row_group, size_t column, uint64_t* offset, uint64_t* length) const;
  // Reads `length` bytes at `offset` (already validated) into `out`.
  Status ReadAt(uint64_t offset, uint64_t length, ByteBuffer* out) const;

  // Prefixes `st`'s message with the path.
  Status Annotate(const Status& st) const;

 private:
  ParquetFile() = default;
  std::string path_;
  int fd_ = -1;
  uint64_t size_ = 0;
  uint64_t data_end_ = 0;  // first byte of the footer
  FileMetaData meta_;
  Schema schema_;
};

struct RowReaderOptions {
  std::vector<std::string> columns;  // top-level field names; empty = all
  JsonOptions json;
  bool verify_checksums = true;
};

class RowReader {
 public:
  // Opens `path` and prepares to read the requested columns. Unknown column
  // names are InvalidArgument listing the file's columns.
  static Result<std::unique_ptr<RowReader>> Open(const std::string& path,
                                                 const RowReaderOptions& options);
  ~RowReader();

  const ParquetFile& file() const { return *file_; }
  size_t num_row_groups() const { return file_->metadata().row_groups.size(); }

  // Loads row group `g` (reads its requested column chunks).
  Status StartRowGroup(size_t g);
  // Rows left in the current row group.
  int64_t rows_left() const { return assembler_ ? assembler_->rows_left() : 0; }
  // Appends up to max_rows rows (JSON objects) to `out`; row_ends gets the end
  // offset of each. Errors name the file, row group and column.
  Result<size_t> ReadRows(size_t max_rows, std::string* out, std::vector<size_t>* row_ends,
                          std::vector<RowIssue>* issues);

  // Compressed bytes read from disk so far (for progress and stats).
  uint64_t bytes_read() const { return bytes_read_; }
  uint64_t pages_read() const;

 private:
  RowReader() = default;
  std::unique_ptr<ParquetFile> file_;
  RowReaderOptions options_;
  std::unique_ptr<RowAssembler> assembler_;
  std::vector<ByteBuffer> chunks_;
  std::vector<std::unique_ptr<ColumnChunkReader>> readers_;
  size_t row_group_ = 0;
  uint64_t bytes_read_ = 0;
  uint64_t pages_done_ = 0;
};

}  // namespace winnow::parquet
