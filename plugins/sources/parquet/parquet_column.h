// parquet_column.h — reading one column chunk page by page, and assembling
// the projected columns of a row group into one JSON object per row.
//
// ColumnChunkReader walks the pages of a column chunk (dictionary page, data
// pages v1 and v2; index pages and unknown page types are skipped),
// verifies page CRCs when present, decompresses, and decodes repetition and
// definition levels and values in batches of at most kBatch entries. Memory
// is one decompressed page plus one batch, whatever a page header claims.
//
// RowAssembler turns the level/value streams of the projected leaf columns
// back into nested values (Dremel record assembly, top-down) and writes each
// row as compact JSON straight from the decoded bytes (no intermediate
// Value tree). The JSON shape follows the schema:
//   primitive            -> scalar (see ScalarKind for the logical-type mapping)
//   group                -> object
//   LIST (3- or 2-level) -> array; a bare `repeated` field -> array
//   MAP                  -> object when the key is a string, else an array of
//                           {"key": k, "value": v}; without a value field, the keys
//   VARIANT              -> the JSON value its binary encoding / shredded
//                           typed_value columns hold
// Inconsistent levels (a row that does not start at repetition level 0, a
// required value that is missing, columns that end early or hold extra values)
// are Corruption naming the column; the assembler never reads outside the
// decoded batches and every loop consumes at least one entry, so malformed
// input cannot hang it.
//
// Neither class is thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "parquet_codec.h"
#include "parquet_encoding.h"
#include "parquet_meta.h"
#include "winnow/status.h"

namespace winnow::parquet {

class ColumnChunkReader {
 public:
  static constexpr size_t kBatch = 1024;

  // `chunk` holds the column chunk's bytes (from its first page on) and must
  // outlive the reader. `leaf` is the column's schema node.
  ColumnChunkReader(const SchemaNode& leaf, const ColumnMetaData& meta, std::string_view chunk,
                    bool verify_crc);
  // Checks the chunk's metadata against the schema (type, codec).
  Status Init();

  // Decodes the next batch of entries; size() is 0 at the end of the chunk.
  Status NextBatch();
  size_t size() const { return n_; }
  const uint16_t* def_levels() const { return def_; }
  const uint16_t* rep_levels() const { return rep_; }
  const ValueBatch& values() const { return batch_; }

  const SchemaNode& leaf() const { return leaf_; }
  // Counters for stats.
  uint64_t pages_read() const { return pages_; }
  uint64_t bytes_decompressed() const { return bytes_decompressed_; }

 private:
  Status NextPage(bool* done);
  Status SetupLevels(const uint8_t* data, size_t size, Encoding rep_enc, Encoding def_enc,
                     size_t num_values, bool v2, size_t rep_bytes, size_t def_bytes,
                     size_t* consumed);
  Status Fail(std::string message) const;

  const SchemaNode& leaf_;
  const ColumnMetaData& meta_;
  std::string_view chunk_;
  bool verify_crc_;
  size_t pos_ = 0;
  int64_t entries_read_ = 0;   // level entries handed out so far
  int64_t entries_paged_ = 0;  // level entries of all pages opened so far
  uint64_t pages_ = 0, bytes_decompressed_ = 0;
  int rep_width_ = 0, def_width_ = 0;

  Decompressor decompressor_;
  ByteBuffer page_;
  std::unique_ptr<Dictionary> dict_;

  // Current data page.
  size_t page_left_ = 0;
  bool rep_bit_packed_ = false, def_bit_packed_ = false;
  RleBitPackedDecoder rep_rle_, def_rle_;
  BitPackedLevelDecoder rep_bp_, def_bp_;
  std::unique_ptr<ValueDecoder> values_;

  uint16_t def_[kBatch];
  uint16_t rep_[kBatch];
  ValueBatch batch_;
  size_t n_ = 0;
};

// How values map to JSON (see README "Type mapping").
struct JsonOptions {
  bool binary_as_base64 = false;  // un-annotated binary: always base64 (else text when valid UTF-8)
  bool decimal_as_string = false;  // DECIMAL as a JSON string instead of a number literal
  bool timestamps_as_int = false;  // TIMESTAMP/TIME/DATE/INT96 as the stored integer
  bool geometry_as_wkb = false;    // GEOMETRY/GEOGRAPHY as base64 WKB instead of GeoJSON
  // Top-level BYTE_ARRAY columns holding WKB per the file's GeoParquet "geo"
  // metadata (filled by RowReader); treated like the GEOMETRY logical type.
  std::vector<std::string> wkb_columns;
};

// What a leaf column turns into.
enum class ScalarKind : uint8_t {
  kNull,  // UNKNOWN logical type: always null
  kBool,
  kInt32,
  kUInt32,
  kInt64,
  kUInt64,  // above INT64_MAX: a string of decimal digits
  kFloat,
  kDouble,
  kFloat16,
  kString,  // UTF-8 text (STRING, UTF8, ENUM, JSON)
  kBinary,  // other bytes: text when valid UTF-8, else base64
  kDecimal,
  kDate,
  kTime,
  kTimestamp,
  kInt96,  // legacy timestamp (nanoseconds)
  kUuid,
  kInterval,
  kGeometry,  // GEOMETRY/GEOGRAPHY: WKB -> GeoJSON object
};

// The scalar conversion chosen for a leaf (exposed for tests and docs).
struct ScalarConv {
  ScalarKind kind = ScalarKind::kNull;
  Type type = Type::kBoolean;
  size_t width = 0;  // fixed-width bytes per value, 0 for views
  int32_t scale = 0;
  TimeUnit unit = TimeUnit::kMillis;
  bool utc = false;
};
ScalarConv ChooseScalar(const SchemaNode& leaf);

// Per-row problems that do not stop reading (the row is still written).
struct RowIssue {
  size_t row = 0;      // index within the ReadRows call
  std::string reason;  // stable code: "parquet:invalid_utf8"
  std::string detail;
};

class RowAssembler {
 public:
  // `fields` are the root's children to output (node indexes), in output order.
  static Result<std::unique_ptr<RowAssembler>> Build(const Schema& schema,
                                                     const std::vector<int>& fields,
                                                     const JsonOptions& options);
  ~RowAssembler();

  // Leaf columns the fields need, in column order (read these chunks).
  const std::vector<size_t>& columns() const { return columns_; }

  // Binds one reader per column() for a row group of `num_rows` rows.
  void Reset(std::vector<ColumnChunkReader*> readers, int64_t num_rows);
  int64_t rows_left() const { return rows_left_; }

  // Appends up to max_rows JSON objects to `out`; `row_ends` receives each
  // row's end offset in `out`. Per-row issues go to `issues`. After the last
  // row of the row group, checks that every column is exhausted.
  Result<size_t> ReadRows(size_t max_rows, std::string* out, std::vector<size_t>* row_ends,
                          std::vector<RowIssue>* issues);

  struct Shape;

 private:
  RowAssembler();
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::vector<size_t> columns_;
  int64_t rows_left_ = 0;
};

// Formatting helpers (exposed for tests).
// Days since 1970-01-01 -> "YYYY-MM-DD" (years outside 0..9999 as "+YYYYYY"/"-YYYYYY",
// the ECMAScript expanded form).
void AppendDate(std::string& out, int64_t days);
// A timestamp in `unit` since the epoch -> ISO-8601, fraction digits per unit, "Z" when utc.
void AppendTimestamp(std::string& out, int64_t value, TimeUnit unit, bool utc);
// Two's-complement big-endian bytes with `scale` -> decimal text ("-12.50").
void AppendDecimal(std::string& out, std::string_view big_endian, int32_t scale);
double HalfToDouble(uint16_t h);
void AppendBase64(std::string& out, std::string_view bytes);

}  // namespace winnow::parquet
