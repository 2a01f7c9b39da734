// parquet_simple_writer.h — a small writer for flat Parquet files.
//
// Writes rows (JSON objects as winnow::Value) into a Parquet file with flat
// REQUIRED/OPTIONAL columns of BOOLEAN, INT32, INT64, FLOAT, DOUBLE,
// BYTE_ARRAY (optionally annotated STRING) and FIXED_LEN_BYTE_ARRAY, in the
// encodings PLAIN, RLE_DICTIONARY, DELTA_BINARY_PACKED,
// DELTA_LENGTH_BYTE_ARRAY and BYTE_STREAM_SPLIT, data pages v1 or v2, any
// codec, with optional page CRCs. It exists for tests and the read
// benchmark (files with known content) and as the seed of the full writer;
// it is not compiled into the source plugin.
//
// Values are taken from each row's member named like the column: null or a
// missing member is a null (an error for REQUIRED columns), numbers for the
// numeric types, strings for the byte-array types. Not thread-safe.
#pragma once

#include <string>
#include <vector>

#include "parquet_meta.h"
#include "winnow/status.h"
#include "winnow/value.h"

namespace winnow::parquet {

struct SimpleColumn {
  std::string name;
  Type type = Type::kInt64;
  bool optional = true;
  LogicalType logical;  // e.g. kind = kString for text
  int32_t type_length = 0;
  Encoding encoding = Encoding::kPlain;
};

struct SimpleWriterOptions {
  Codec codec = Codec::kUncompressed;
  size_t rows_per_row_group = 10000;
  size_t rows_per_page = 1000;
  bool page_v2 = false;
  bool write_crc = false;
  std::string created_by = "winnow simple writer";
};

// Serialises a whole file into `out`.
Status WriteSimpleParquet(const std::vector<SimpleColumn>& columns, const std::vector<Value>& rows,
                          const SimpleWriterOptions& options, std::string* out);

}  // namespace winnow::parquet
