// parquet_encoding.h — Parquet value and level encodings (decoders, plus the
// encoders the writer, tests and benchmark need).
//
// Decoders read from a byte range they do not own and produce values in
// batches, so a page is never expanded in memory beyond one batch no matter
// how many values its header claims. Every read is bounds-checked: malformed
// data (a run past the end, a bit width above the type's, a dictionary index
// out of range, lengths that do not add up) yields Corruption, never a read
// outside the input.
//
// Supported: PLAIN (all types), PLAIN_DICTIONARY / RLE_DICTIONARY indices,
// RLE/bit-packed hybrid (levels, booleans), legacy BIT_PACKED levels,
// DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY and
// BYTE_STREAM_SPLIT. Not thread-safe; one decoder per column reader.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "parquet_codec.h"
#include "parquet_meta.h"
#include "winnow/status.h"

namespace winnow::parquet {

// Bytes per value for fixed-width physical types (BOOLEAN is one byte per
// value once decoded); 0 for BYTE_ARRAY.
size_t FixedWidth(Type type, int32_t type_length);

// Decoded values of one batch. Fixed-width types (BOOLEAN, INT32, INT64,
// INT96, FLOAT, DOUBLE) are packed little-endian in `fixed`, `width` bytes
// each; BYTE_ARRAY and FIXED_LEN_BYTE_ARRAY are views in `views`, pointing
// into the page, the dictionary, or `owned` (decoders that must build the
// bytes). Views stay valid until the next page is loaded.
struct ValueBatch {
  ByteBuffer fixed;
  std::vector<std::string_view> views;
  std::string owned;
  size_t count = 0;
  void Clear() {
    fixed.Clear();
    views.clear();
    owned.clear();
    count = 0;
  }
};

// RLE / bit-packed hybrid (without the 4-byte length prefix some uses carry).
class RleBitPackedDecoder {
 public:
  RleBitPackedDecoder() = default;
  RleBitPackedDecoder(const uint8_t* data, size_t size, int bit_width) {
    Init(data, size, bit_width);
  }
  void Init(const uint8_t* data, size_t size, int bit_width);
  // Decodes up to n values; fewer only when the data ends (or is malformed,
  // see error()).
  size_t GetBatch(uint16_t* out, size_t n) { return GetBatchT(out, n); }
  size_t GetBatch(uint32_t* out, size_t n) { return GetBatchT(out, n); }
  bool error() const { return error_; }
  size_t position() const { return pos_; }

 private:
  template <class T>
  size_t GetBatchT(T* out, size_t n);
  bool NextRun();

  const uint8_t* data_ = nullptr;
  size_t size_ = 0, pos_ = 0;
  int bit_width_ = 0;
  bool error_ = false;
  uint64_t rle_left_ = 0;
  uint32_t rle_value_ = 0;
  uint64_t packed_left_ = 0;         // values left in the current bit-packed run
  const uint8_t* packed_ = nullptr;  // start of the current bit-packed run
  size_t packed_bytes_ = 0;          // bytes available for that run
  uint64_t packed_index_ = 0;        // next value index in that run
};

// Legacy BIT_PACKED levels (most significant bit first).
class BitPackedLevelDecoder {
 public:
  void Init(const uint8_t* data, size_t size, int bit_width);
  size_t GetBatch(uint16_t* out, size_t n);

 private:
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  uint64_t bit_pos_ = 0;
  int bit_width_ = 0;
};

// DELTA_BINARY_PACKED for INT32/INT64 (and the lengths of the delta byte-array encodings).
class DeltaBinaryPackedDecoder {
 public:
  // Parses the header. `bits` is 32 or 64 (the value type).
  Status Init(const uint8_t* data, size_t size, int bits);
  // Decodes exactly n values or fails.
  Status Get(int64_t* out, size_t n);
  Status Get(int32_t* out, size_t n);
  size_t total_values() const { return total_; }
  size_t values_left() const { return left_; }
  // Walks over every remaining value and returns the offset just past the
  // encoded data (where the next stream starts).
  Result<size_t> SkipToEnd();

 private:
  Status NextBlock();
  Status NextMiniblock();
  uint64_t Unpack(uint64_t index);

  const uint8_t* data_ = nullptr;
  size_t size_ = 0, pos_ = 0;
  int bits_ = 64;
  uint64_t block_size_ = 0, miniblocks_ = 0, per_mini_ = 0;
  size_t total_ = 0, left_ = 0;
  bool first_pending_ = false;
  uint64_t last_ = 0;
  uint64_t min_delta_ = 0;
  std::vector<uint8_t> widths_;
  size_t mini_index_ = 0;   // next miniblock in the block
  uint64_t mini_left_ = 0;  // values left in the current miniblock
  int width_ = 0;
  const uint8_t* mini_data_ = nullptr;
  size_t mini_bytes_ = 0;
  uint64_t mini_pos_ = 0;
};

// A dictionary: all values of the dictionary page, decoded once per column chunk.
struct Dictionary {
  ValueBatch values;
  ByteBuffer page;  // keeps the decompressed dictionary page (views point into it)
};

class ValueDecoder {
 public:
  virtual ~ValueDecoder() = default;
  // Appends exactly n values to `out` (count, fixed/views) or fails.
  virtual Status Decode(size_t n, ValueBatch* out) = 0;
};

// A decoder for one data page's values. `data` must outlive the decoder.
// `dict` is required for the dictionary encodings. Unsupported encoding/type
// pairs are Unimplemented or Corruption with a sentence.
Result<std::unique_ptr<ValueDecoder>> MakeValueDecoder(Encoding encoding, Type type,
                                                       int32_t type_length, const uint8_t* data,
                                                       size_t size, const Dictionary* dict);

// Decodes a PLAIN dictionary page of `num_values` values into dict->values
// (the bytes must already be in dict->page).
Status DecodeDictionary(Type type, int32_t type_length, size_t num_values, Dictionary* dict);

// ---------------------------------------------------------------------------
// Encoders (for the writer, tests and benchmark).

// RLE/bit-packed hybrid encoding of `values` (no length prefix).
void EncodeRleBitPacked(const uint32_t* values, size_t n, int bit_width, std::string* out);
void EncodeDeltaBinaryPacked(const int64_t* values, size_t n, std::string* out);
// Number of bits needed for `max_value` (0 for 0).
int BitWidth(uint64_t max_value);

}  // namespace winnow::parquet
