// parquet_codec.h — page compression codecs and the page checksum.
//
// Decompressor turns one compressed page into exactly the number of bytes its
// header announces. It never trusts that number for allocation: streaming
// codecs (gzip, zstd, brotli) grow the output only as real data comes out,
// block codecs (snappy, LZ4) are checked against the size stated inside the
// compressed stream or the codec's maximum expansion ratio first. Any
// mismatch (too few or too many bytes, a broken stream) is Corruption with a
// sentence naming the codec. LZO is not available on Debian and is refused
// with Unimplemented.
//
// Compress() is the inverse for the writer, tests and benchmarks.
//
// A Decompressor keeps codec contexts between calls; it is not thread-safe
// (use one per reading thread).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "parquet_meta.h"
#include "winnow/status.h"

namespace winnow::parquet {

// A growable byte buffer that does not zero-initialise (decompression
// targets and decoded pages are overwritten anyway). Reused across pages.
class ByteBuffer {
 public:
  uint8_t* data() { return data_.get(); }
  const uint8_t* data() const { return data_.get(); }
  size_t size() const { return size_; }
  std::string_view view() const { return {reinterpret_cast<const char*>(data_.get()), size_}; }
  // Sets the size, keeping the first min(old, new) bytes.
  void Resize(size_t n);
  void Clear() { size_ = 0; }
  // Frees memory above `keep` bytes of capacity.
  void Shrink(size_t keep);

 private:
  std::unique_ptr<uint8_t[]> data_;
  size_t size_ = 0, capacity_ = 0;
};

// Largest decompressed page accepted (the format's own limit is 2 GiB).
constexpr size_t kMaxPageBytes = size_t{1} << 30;
// Pages above kLargePageBytes must not expand more than kMaxLargePageRatio
// times: a few KB that claim hundreds of MB are a decompression bomb.
constexpr size_t kLargePageBytes = size_t{256} << 20;
constexpr size_t kMaxLargePageRatio = 64;

class Decompressor {
 public:
  Decompressor();
  ~Decompressor();
  Decompressor(const Decompressor&) = delete;
  Decompressor& operator=(const Decompressor&) = delete;

  // Decompresses `in` into `out` (resized to exactly `uncompressed_size`).
  Status Decompress(Codec codec, std::string_view in, size_t uncompressed_size, ByteBuffer* out);

 private:
  struct Contexts;
  std::unique_ptr<Contexts> ctx_;
};

// True when this build can read/write pages with `codec`.
bool CodecSupported(Codec codec);

// Compresses `in`, appending to `out`. `level` 0 = the codec's default.
// LZ4 (codec 5) is written with Hadoop framing, as parquet-mr and Arrow do.
Status Compress(Codec codec, std::string_view in, std::string* out, int level = 0);

// CRC-32 (the zlib/IEEE polynomial), as used by PageHeader.crc.
uint32_t Crc32(std::string_view data);

}  // namespace winnow::parquet
