// parquet_shred.h — the parallel half of the Parquet writer: schema inference
// and column encoding of one batch.
//
// InferFields looks at a batch's rows and proposes top-level fields. Rows are
// unified in order (int64 + double = double, structs gain members, lists unify
// their elements); a row whose types cannot be unified with the rows before it
// is left out of the inference (EncodeBatch then rejects it).
//
// EncodeBatch shreds every row into its leaf columns (Dremel definition and
// repetition levels), marks rows that do not fit the schema with batch.Fail
// (reasons "parquet:type_conflict", "parquet:out_of_range",
// "parquet:unknown_field", "parquet:invalid_utf8", "parquet:duplicate_key",
// "parquet:malformed") and serialises, per leaf column, one data page's worth
// of material: the encoded levels, the PLAIN values, a batch-local dictionary
// (distinct values, their hashes and one index per value), min/max/null
// statistics for non-repeated columns and, when the page will most likely be
// written PLAIN, the already compressed page body. The file writer
// (parquet_writer.h) turns that into pages in order; all costly per-value work
// (parsing, hashing, compression) happens here, on pool threads.
//
// Records are read straight from their JSON bytes with simdjson (no Value is
// built) unless they were edited or built from a Value. Output depends only on
// the batch and the options, never on the thread. Thread-safe (each call uses
// its own state plus a thread-local parser).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "parquet_meta.h"
#include "parquet_schema.h"
#include "winnow/batch.h"
#include "winnow/status.h"

namespace winnow::pqw {

struct EncodeOptions {
  parquet::Codec codec = parquet::Codec::kSnappy;
  int level = 0;
  bool dictionary = true;
  // Members a row has but the schema lacks: rejected ("parquet:unknown_field")
  // when false, left out when true (a schema given in the config selects columns).
  bool ignore_unknown = false;
  // A page whose distinct values exceed this many PLAIN bytes gets no local
  // dictionary (it could never join the chunk's dictionary).
  uint64_t dictionary_max_bytes = uint64_t{1} << 20;
};

// Proposes fields from the rows of `batch` (empty when it has no usable row).
std::vector<Field> InferFields(const Batch& batch);

// Shreds and encodes the rows of `batch` that fit `schema`, failing the others,
// and appends the serialised result to `out`. *rejected receives the number of
// rows failed. Non-OK only for internal problems (a codec failure).
Status EncodeBatch(const WriterSchema& schema, const EncodeOptions& options, Batch& batch,
                   std::string* out, int64_t* rejected);

// One leaf column of an encoded batch (views into the serialised bytes).
struct PageView {
  uint32_t num_levels = 0;   // levels (= value slots, including nulls and empty lists)
  uint32_t num_values = 0;   // non-null values
  std::string_view levels;   // data page v1 level section (length-prefixed RLE runs)
  uint64_t values_size = 0;  // bytes of the PLAIN values
  // Unless has_compressed: levels then values, the uncompressed PLAIN page body
  // (`page`), and the values alone (`values`). Empty when has_compressed.
  std::string_view page;
  std::string_view values;
  bool has_dict = false;
  uint32_t dict_count = 0;
  std::string_view dict_plain;    // PLAIN bytes of the distinct values
  std::string_view dict_offsets;  // uint32 x (dict_count + 1) into dict_plain
  std::string_view dict_hashes;   // uint64 x dict_count (Hash64 of each PLAIN entry)
  std::string_view indices;       // uint32 x num_values (local dictionary index per value)
  bool has_compressed = false;
  std::string_view compressed;  // codec(levels + values), when has_compressed
  bool has_stats = false;
  int64_t null_count = 0;
  bool has_minmax = false;
  std::string_view min, max;  // statistics encoding (PLAIN without length prefix)

  std::string_view DictEntry(uint32_t i) const;
  uint64_t DictHash(uint32_t i) const;
  uint32_t Index(uint32_t i) const;
};

struct BatchView {
  uint64_t num_rows = 0;
  std::vector<PageView> columns;
};

// Parses what EncodeBatch wrote; Internal when the bytes do not match `num_columns`.
Status ParseEncoded(std::string_view bytes, size_t num_columns, BatchView* out);

// Orders two statistics values of a column of kind `kind` (true when a < b).
bool StatLess(Kind kind, std::string_view a, std::string_view b);

}  // namespace winnow::pqw
