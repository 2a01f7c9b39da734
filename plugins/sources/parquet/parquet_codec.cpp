#include "parquet_codec.h"

#include <brotli/decode.h>
#include <brotli/encode.h>
#include <lz4.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>

namespace winnow::parquet {

void ByteBuffer::Resize(size_t n) {
  if (n > capacity_) {
    size_t cap = std::max(n, capacity_ + capacity_ / 2);
    std::unique_ptr<uint8_t[]> fresh(new uint8_t[cap]);
    if (size_ > 0) std::memcpy(fresh.get(), data_.get(), size_);
    data_ = std::move(fresh);
    capacity_ = cap;
  }
  size_ = n;
}

void ByteBuffer::Shrink(size_t keep) {
  if (capacity_ <= keep) return;
  size_t n = std::min(size_, keep);
  std::unique_ptr<uint8_t[]> fresh(n > 0 || keep > 0 ? new uint8_t[keep] : nullptr);
  if (n > 0) std::memcpy(fresh.get(), data_.get(), n);
  data_ = std::move(fresh);
  capacity_ = keep;
  size_ = n;
}

struct Decompressor::Contexts {
  ZSTD_DCtx* zstd = nullptr;
  ~Contexts() {
    if (zstd) ZSTD_freeDCtx(zstd);
  }
};

Decompressor::Decompressor() : ctx_(std::make_unique<Contexts>()) {}
Decompressor::~Decompressor() = default;

namespace {

Status SizeMismatch(Codec codec, size_t got, size_t want) {
  return Status::Corruption(
      std::string(CodecName(codec)) + " page decompressed to " +
      (got > want ? "more than " + std::to_string(want) : std::to_string(got)) +
      " bytes but its header says " + std::to_string(want));
}

// First allocation for streaming codecs: the claimed size, but no more than a
// generous multiple of the input until the data proves larger.
size_t InitialGuess(size_t in_size, size_t want) {
  size_t guess = std::max<size_t>(in_size * 8, size_t{1} << 16);
  return std::min(want, guess);
}

Status Gunzip(std::string_view in, size_t want, ByteBuffer* out) {
  z_stream s{};
  if (inflateInit2(&s, 15 + 32) != Z_OK) return Status::Internal("zlib inflateInit2 failed");
  out->Resize(InitialGuess(in.size(), want));
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  s.avail_in = static_cast<uInt>(in.size());
  size_t produced = 0;
  Status st;
  for (;;) {
    if (produced == out->size()) {
      if (out->size() >= want) {
        // Output is full: anything more is too much (a trailing empty member is fine).
        if (s.avail_in == 0) break;
        uint8_t probe;
        s.next_out = &probe;
        s.avail_out = 1;
        int rc = inflate(&s, Z_NO_FLUSH);
        if (s.avail_out == 0) {
          st = SizeMismatch(Codec::kGzip, want + 1, want);
          break;
        }
        if (rc == Z_STREAM_END) {
          if (s.avail_in == 0) break;
          inflateReset(&s);
          continue;
        }
        if (rc != Z_OK && rc != Z_BUF_ERROR) {
          st = Status::Corruption(std::string("GZIP data is corrupt: ") +
                                  (s.msg ? s.msg : "inflate failed"));
        }
        if (rc == Z_BUF_ERROR && s.avail_in == 0) break;
        if (!st.ok()) break;
        continue;
      }
      out->Resize(std::min(want, out->size() * 2));
    }
    s.next_out = out->data() + produced;
    s.avail_out = static_cast<uInt>(std::min<size_t>(out->size() - produced, 1u << 30));
    size_t before = s.avail_out;
    int rc = inflate(&s, Z_NO_FLUSH);
    produced += before - s.avail_out;
    if (rc == Z_STREAM_END) {
      if (s.avail_in == 0) break;
      // Concatenated gzip members.
      inflateReset(&s);
      continue;
    }
    if (rc == Z_BUF_ERROR && s.avail_in == 0) {
      st = Status::Corruption("GZIP data is truncated");
      break;
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      st = Status::Corruption(std::string("GZIP data is corrupt: ") +
                              (s.msg ? s.msg : "inflate failed"));
      break;
    }
  }
  inflateEnd(&s);
  WINNOW_RETURN_IF_ERROR(st);
  if (produced != want) return SizeMismatch(Codec::kGzip, produced, want);
  out->Resize(produced);
  return Status::Ok();
}

Status Unzstd(ZSTD_DCtx* dctx, std::string_view in, size_t want, ByteBuffer* out) {
  ZSTD_DCtx_reset(dctx, ZSTD_reset_session_only);
  out->Resize(InitialGuess(in.size(), want));
  ZSTD_inBuffer ib{in.data(), in.size(), 0};
  size_t produced = 0;
  size_t last = 0;
  while (ib.pos < ib.size) {
    if (produced == out->size()) {
      if (out->size() >= want) {
        // Full: probe whether the stream has more data.
        uint8_t probe;
        ZSTD_outBuffer ob{&probe, 1, 0};
        last = ZSTD_decompressStream(dctx, &ob, &ib);
        if (ZSTD_isError(last)) {
          return Status::Corruption(std::string("ZSTD data is corrupt: ") +
                                    ZSTD_getErrorName(last));
        }
        if (ob.pos > 0) return SizeMismatch(Codec::kZstd, want + 1, want);
        if (ib.pos == ib.size) break;
        continue;
      }
      out->Resize(std::min(want, out->size() * 2));
    }
    ZSTD_outBuffer ob{out->data() + produced, out->size() - produced, 0};
    last = ZSTD_decompressStream(dctx, &ob, &ib);
    if (ZSTD_isError(last)) {
      return Status::Corruption(std::string("ZSTD data is corrupt: ") + ZSTD_getErrorName(last));
    }
    produced += ob.pos;
    if (ob.pos == 0 && ib.pos == ib.size) break;
  }
  // Flush whatever is buffered inside the context.
  while (last != 0) {
    if (produced == out->size()) {
      if (out->size() >= want) {
        uint8_t probe;
        ZSTD_outBuffer ob{&probe, 1, 0};
        ZSTD_inBuffer empty{nullptr, 0, 0};
        last = ZSTD_decompressStream(dctx, &ob, &empty);
        if (ZSTD_isError(last)) {
          return Status::Corruption(std::string("ZSTD data is corrupt: ") +
                                    ZSTD_getErrorName(last));
        }
        if (ob.pos > 0) return SizeMismatch(Codec::kZstd, want + 1, want);
        if (last != 0) return Status::Corruption("ZSTD data is truncated");
        break;
      }
      out->Resize(std::min(want, out->size() * 2));
    }
    ZSTD_outBuffer ob{out->data() + produced, out->size() - produced, 0};
    ZSTD_inBuffer empty{nullptr, 0, 0};
    last = ZSTD_decompressStream(dctx, &ob, &empty);
    if (ZSTD_isError(last)) {
      return Status::Corruption(std::string("ZSTD data is corrupt: ") + ZSTD_getErrorName(last));
    }
    produced += ob.pos;
    if (ob.pos == 0 && last != 0) return Status::Corruption("ZSTD data is truncated");
  }
  if (produced != want) return SizeMismatch(Codec::kZstd, produced, want);
  out->Resize(produced);
  return Status::Ok();
}

Status Unbrotli(std::string_view in, size_t want, ByteBuffer* out) {
  BrotliDecoderState* s = BrotliDecoderCreateInstance(nullptr, nullptr, nullptr);
  if (!s) return Status::Internal("cannot create a Brotli decoder");
  out->Resize(InitialGuess(in.size(), want));
  size_t avail_in = in.size();
  const uint8_t* next_in = reinterpret_cast<const uint8_t*>(in.data());
  size_t produced = 0;
  Status st;
  for (;;) {
    if (produced == out->size()) {
      if (out->size() >= want) {
        uint8_t probe;
        size_t avail_out = 1;
        uint8_t* next_out = &probe;
        auto rc =
            BrotliDecoderDecompressStream(s, &avail_in, &next_in, &avail_out, &next_out, nullptr);
        if (avail_out == 0) {
          st = SizeMismatch(Codec::kBrotli, want + 1, want);
        } else if (rc == BROTLI_DECODER_RESULT_ERROR) {
          st = Status::Corruption(std::string("BROTLI data is corrupt: ") +
                                  BrotliDecoderErrorString(BrotliDecoderGetErrorCode(s)));
        } else if (rc != BROTLI_DECODER_RESULT_SUCCESS) {
          st = Status::Corruption("BROTLI data is truncated");
        }
        break;
      }
      out->Resize(std::min(want, out->size() * 2));
    }
    size_t avail_out = out->size() - produced;
    uint8_t* next_out = out->data() + produced;
    auto rc = BrotliDecoderDecompressStream(s, &avail_in, &next_in, &avail_out, &next_out, nullptr);
    produced = static_cast<size_t>(next_out - out->data());
    if (rc == BROTLI_DECODER_RESULT_SUCCESS) break;
    if (rc == BROTLI_DECODER_RESULT_ERROR) {
      st = Status::Corruption(std::string("BROTLI data is corrupt: ") +
                              BrotliDecoderErrorString(BrotliDecoderGetErrorCode(s)));
      break;
    }
    if (rc == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT) {
      st = Status::Corruption("BROTLI data is truncated");
      break;
    }
  }
  BrotliDecoderDestroyInstance(s);
  WINNOW_RETURN_IF_ERROR(st);
  if (produced != want) return SizeMismatch(Codec::kBrotli, produced, want);
  out->Resize(produced);
  return Status::Ok();
}

uint32_t ReadBE32(const char* p) {
  auto u = reinterpret_cast<const uint8_t*>(p);
  return (uint32_t{u[0]} << 24) | (uint32_t{u[1]} << 16) | (uint32_t{u[2]} << 8) | u[3];
}

// Hadoop framing: repeated [BE32 uncompressed][BE32 compressed][LZ4 block].
bool TryHadoopLz4(std::string_view in, size_t want, ByteBuffer* out) {
  size_t pos = 0, produced = 0;
  out->Resize(want);
  while (pos < in.size()) {
    if (in.size() - pos < 8) return false;
    uint32_t raw_len = ReadBE32(in.data() + pos);
    uint32_t comp_len = ReadBE32(in.data() + pos + 4);
    pos += 8;
    if (comp_len > in.size() - pos || raw_len > want - produced) return false;
    int n = LZ4_decompress_safe(in.data() + pos, reinterpret_cast<char*>(out->data() + produced),
                                static_cast<int>(comp_len), static_cast<int>(raw_len));
    if (n < 0 || static_cast<uint32_t>(n) != raw_len) return false;
    pos += comp_len;
    produced += raw_len;
  }
  return produced == want;
}

bool TryRawLz4(std::string_view in, size_t want, ByteBuffer* out) {
  out->Resize(want);
  if (in.size() > static_cast<size_t>(LZ4_MAX_INPUT_SIZE) ||
      want > static_cast<size_t>(INT32_MAX)) {
    return false;
  }
  int n = LZ4_decompress_safe(in.data(), reinterpret_cast<char*>(out->data()),
                              static_cast<int>(in.size()), static_cast<int>(want));
  return n >= 0 && static_cast<size_t>(n) == want;
}

// LZ4 can expand at most ~255x; anything claiming more is a lie.
bool Lz4SizePlausible(size_t in_size, size_t want) {
  return want <= in_size * 255 + 64;
}

}  // namespace

Status Decompressor::Decompress(Codec codec, std::string_view in, size_t want, ByteBuffer* out) {
  if (want > kMaxPageBytes) {
    return Status::Corruption("page claims " + std::to_string(want) +
                              " uncompressed bytes, above the limit of " +
                              std::to_string(kMaxPageBytes));
  }
  if (want > kLargePageBytes && want / std::max<size_t>(in.size(), 1) > kMaxLargePageRatio) {
    return Status::Corruption("page claims " + std::to_string(want) + " uncompressed bytes from " +
                              std::to_string(in.size()) + " compressed bytes; pages above " +
                              std::to_string(kLargePageBytes >> 20) + " MiB may expand at most " +
                              std::to_string(kMaxLargePageRatio) +
                              "x (refusing a possible decompression bomb)");
  }
  if (want == 0) {
    // Nothing to produce; some writers store an empty (even invalid) stream here.
    out->Resize(0);
    return Status::Ok();
  }
  switch (codec) {
    case Codec::kUncompressed:
      if (in.size() != want) return SizeMismatch(codec, in.size(), want);
      out->Resize(want);
      std::memcpy(out->data(), in.data(), want);
      return Status::Ok();
    case Codec::kSnappy: {
      size_t stated = 0;
      if (!snappy::GetUncompressedLength(in.data(), in.size(), &stated)) {
        return Status::Corruption("SNAPPY data is corrupt: no valid length header");
      }
      if (stated != want) return SizeMismatch(codec, stated, want);
      // Snappy expands at most ~21x; a bigger claim is a broken stream.
      if (want > in.size() * 22 + 32) {
        return Status::Corruption("SNAPPY data is corrupt: " + std::to_string(in.size()) +
                                  " bytes cannot expand to " + std::to_string(want));
      }
      out->Resize(want);
      if (!snappy::RawUncompress(in.data(), in.size(), reinterpret_cast<char*>(out->data()))) {
        return Status::Corruption("SNAPPY data is corrupt");
      }
      return Status::Ok();
    }
    case Codec::kGzip:
      return Gunzip(in, want, out);
    case Codec::kZstd:
      if (!ctx_->zstd) ctx_->zstd = ZSTD_createDCtx();
      if (!ctx_->zstd) return Status::Internal("cannot create a ZSTD decoder");
      return Unzstd(ctx_->zstd, in, want, out);
    case Codec::kBrotli:
      return Unbrotli(in, want, out);
    case Codec::kLz4:
      if (!Lz4SizePlausible(in.size(), want)) {
        return Status::Corruption("LZ4 data is corrupt: " + std::to_string(in.size()) +
                                  " bytes cannot expand to " + std::to_string(want));
      }
      if (TryHadoopLz4(in, want, out)) return Status::Ok();
      if (TryRawLz4(in, want, out)) return Status::Ok();
      return Status::Corruption(
          "LZ4 data is corrupt (neither Hadoop-framed nor a raw LZ4 block of the stated size)");
    case Codec::kLz4Raw:
      if (!Lz4SizePlausible(in.size(), want)) {
        return Status::Corruption("LZ4_RAW data is corrupt: " + std::to_string(in.size()) +
                                  " bytes cannot expand to " + std::to_string(want));
      }
      if (TryRawLz4(in, want, out)) return Status::Ok();
      return Status::Corruption("LZ4_RAW data is corrupt or does not decompress to " +
                                std::to_string(want) + " bytes");
    case Codec::kLzo:
      return Status::Unimplemented(
          "the LZO codec is not supported (no LZO library is available on Debian); "
          "rewrite the file with SNAPPY, ZSTD or GZIP");
  }
  return Status::Unimplemented("unknown compression codec " +
                               std::to_string(static_cast<int>(codec)));
}

bool CodecSupported(Codec codec) {
  switch (codec) {
    case Codec::kUncompressed:
    case Codec::kSnappy:
    case Codec::kGzip:
    case Codec::kBrotli:
    case Codec::kLz4:
    case Codec::kZstd:
    case Codec::kLz4Raw:
      return true;
    default:
      return false;
  }
}

Status Compress(Codec codec, std::string_view in, std::string* out, int level) {
  switch (codec) {
    case Codec::kUncompressed:
      out->append(in);
      return Status::Ok();
    case Codec::kSnappy: {
      size_t base = out->size();
      out->resize(base + snappy::MaxCompressedLength(in.size()));
      size_t n = 0;
      snappy::RawCompress(in.data(), in.size(), out->data() + base, &n);
      out->resize(base + n);
      return Status::Ok();
    }
    case Codec::kGzip: {
      z_stream s{};
      if (deflateInit2(&s, level > 0 ? level : Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
                       Z_DEFAULT_STRATEGY) != Z_OK) {
        return Status::Internal("zlib deflateInit2 failed");
      }
      size_t base = out->size();
      out->resize(base + deflateBound(&s, static_cast<uLong>(in.size())) + 32);
      s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
      s.avail_in = static_cast<uInt>(in.size());
      s.next_out = reinterpret_cast<Bytef*>(out->data() + base);
      s.avail_out = static_cast<uInt>(out->size() - base);
      int rc = deflate(&s, Z_FINISH);
      out->resize(base + s.total_out);
      deflateEnd(&s);
      if (rc != Z_STREAM_END) return Status::Internal("zlib deflate failed");
      return Status::Ok();
    }
    case Codec::kZstd: {
      size_t base = out->size();
      out->resize(base + ZSTD_compressBound(in.size()));
      size_t n = ZSTD_compress(out->data() + base, out->size() - base, in.data(), in.size(),
                               level > 0 ? level : 1);
      if (ZSTD_isError(n)) return Status::Internal(ZSTD_getErrorName(n));
      out->resize(base + n);
      return Status::Ok();
    }
    case Codec::kBrotli: {
      size_t base = out->size();
      size_t n = BrotliEncoderMaxCompressedSize(in.size());
      if (n == 0) n = in.size() + 1024;
      out->resize(base + n);
      if (!BrotliEncoderCompress(level > 0 ? level : 5, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_GENERIC,
                                 in.size(), reinterpret_cast<const uint8_t*>(in.data()), &n,
                                 reinterpret_cast<uint8_t*>(out->data() + base))) {
        return Status::Internal("Brotli compression failed");
      }
      out->resize(base + n);
      return Status::Ok();
    }
    case Codec::kLz4:
    case Codec::kLz4Raw: {
      if (in.size() > static_cast<size_t>(LZ4_MAX_INPUT_SIZE)) {
        return Status::InvalidArgument("page too large for LZ4");
      }
      size_t base = out->size();
      size_t header = codec == Codec::kLz4 ? 8 : 0;
      int bound = LZ4_compressBound(static_cast<int>(in.size()));
      out->resize(base + header + static_cast<size_t>(bound));
      int n = LZ4_compress_default(in.data(), out->data() + base + header,
                                   static_cast<int>(in.size()), bound);
      if (n <= 0) return Status::Internal("LZ4 compression failed");
      if (header) {
        auto put = [&](size_t at, uint32_t v) {
          (*out)[at] = static_cast<char>(v >> 24);
          (*out)[at + 1] = static_cast<char>(v >> 16);
          (*out)[at + 2] = static_cast<char>(v >> 8);
          (*out)[at + 3] = static_cast<char>(v);
        };
        put(base, static_cast<uint32_t>(in.size()));
        put(base + 4, static_cast<uint32_t>(n));
      }
      out->resize(base + header + static_cast<size_t>(n));
      return Status::Ok();
    }
    case Codec::kLzo:
      break;
  }
  return Status::Unimplemented("cannot compress with codec " + std::string(CodecName(codec)));
}

uint32_t Crc32(std::string_view data) {
  uLong crc = crc32(0L, Z_NULL, 0);
  // zlib takes uInt lengths; feed in 1 GiB pieces.
  while (!data.empty()) {
    size_t n = std::min<size_t>(data.size(), size_t{1} << 30);
    crc = crc32(crc, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(n));
    data.remove_prefix(n);
  }
  return static_cast<uint32_t>(crc);
}

}  // namespace winnow::parquet
