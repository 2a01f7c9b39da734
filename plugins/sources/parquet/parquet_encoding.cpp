#include "parquet_encoding.h"

#include <algorithm>
#include <cstring>

namespace winnow::parquet {

namespace {

// Loads up to 8 bytes at `p` (little-endian), never reading at or past `end`.
inline uint64_t LoadLE64(const uint8_t* p, const uint8_t* end) {
  uint64_t v = 0;
  if (end - p >= 8) {
    std::memcpy(&v, p, 8);
    return v;
  }
  for (int i = 0; p + i < end; ++i) v |= static_cast<uint64_t>(p[i]) << (8 * i);
  return v;
}

// Reads `width` (<= 64) bits starting at bit `bit` of [data, data+size).
// The caller guarantees the bits lie inside the range.
inline uint64_t ReadBits(const uint8_t* data, size_t size, uint64_t bit, int width) {
  if (width == 0) return 0;
  const uint8_t* p = data + (bit >> 3);
  const uint8_t* end = data + size;
  int shift = static_cast<int>(bit & 7);
  uint64_t v = LoadLE64(p, end) >> shift;
  if (shift + width > 64 && p + 8 < end) v |= static_cast<uint64_t>(p[8]) << (64 - shift);
  return width == 64 ? v : v & ((uint64_t{1} << width) - 1);
}

bool ReadUleb(const uint8_t* data, size_t size, size_t* pos, uint64_t* out) {
  uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (*pos >= size) return false;
    uint8_t b = data[(*pos)++];
    v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) {
      *out = v;
      return true;
    }
  }
  return false;
}

bool ReadZigZagLeb(const uint8_t* data, size_t size, size_t* pos, int64_t* out) {
  uint64_t u;
  if (!ReadUleb(data, size, pos, &u)) return false;
  *out = static_cast<int64_t>(u >> 1) ^ -static_cast<int64_t>(u & 1);
  return true;
}

}  // namespace

size_t FixedWidth(Type type, int32_t type_length) {
  switch (type) {
    case Type::kBoolean:
      return 1;
    case Type::kInt32:
    case Type::kFloat:
      return 4;
    case Type::kInt64:
    case Type::kDouble:
      return 8;
    case Type::kInt96:
      return 12;
    case Type::kFixedLenByteArray:
      return static_cast<size_t>(type_length);
    case Type::kByteArray:
      return 0;
  }
  return 0;
}

// ---------------------------------------------------------------------------
// RLE / bit-packed hybrid

void RleBitPackedDecoder::Init(const uint8_t* data, size_t size, int bit_width) {
  data_ = data;
  size_ = size;
  pos_ = 0;
  bit_width_ = bit_width;
  error_ = bit_width < 0 || bit_width > 32;
  rle_left_ = packed_left_ = 0;
}

bool RleBitPackedDecoder::NextRun() {
  if (error_ || pos_ >= size_) return false;
  uint64_t header;
  if (!ReadUleb(data_, size_, &pos_, &header)) {
    error_ = true;
    return false;
  }
  if (header & 1) {
    uint64_t groups = header >> 1;
    uint64_t values = groups * 8;
    uint64_t bytes = groups * static_cast<uint64_t>(bit_width_);
    size_t avail = static_cast<size_t>(std::min<uint64_t>(bytes, size_ - pos_));
    packed_ = data_ + pos_;
    packed_bytes_ = avail;
    packed_index_ = 0;
    packed_left_ = bit_width_ == 0
                       ? values
                       : std::min<uint64_t>(values, avail * 8 / static_cast<uint64_t>(bit_width_));
    pos_ += avail;
  } else {
    size_t nbytes = static_cast<size_t>((bit_width_ + 7) / 8);
    if (nbytes > size_ - pos_) {
      error_ = true;
      return false;
    }
    uint32_t v = 0;
    for (size_t i = 0; i < nbytes; ++i) v |= static_cast<uint32_t>(data_[pos_ + i]) << (8 * i);
    pos_ += nbytes;
    rle_value_ = v;
    rle_left_ = header >> 1;
  }
  return true;
}

template <class T>
size_t RleBitPackedDecoder::GetBatchT(T* out, size_t n) {
  size_t done = 0;
  while (done < n) {
    if (rle_left_ > 0) {
      size_t k = static_cast<size_t>(std::min<uint64_t>(rle_left_, n - done));
      std::fill(out + done, out + done + k, static_cast<T>(rle_value_));
      rle_left_ -= k;
      done += k;
    } else if (packed_left_ > 0) {
      size_t k = static_cast<size_t>(std::min<uint64_t>(packed_left_, n - done));
      if (bit_width_ == 0) {
        std::fill(out + done, out + done + k, T{0});
      } else {
        const uint64_t bw = static_cast<uint64_t>(bit_width_);
        const uint64_t mask = (uint64_t{1} << bw) - 1;
        const uint8_t* end = packed_ + packed_bytes_;
        uint64_t bit = packed_index_ * bw;
        for (size_t i = 0; i < k; ++i, bit += bw) {
          const uint8_t* p = packed_ + (bit >> 3);
          uint64_t w;
          if (end - p >= 8) {
            std::memcpy(&w, p, 8);
          } else {
            w = LoadLE64(p, end);
          }
          out[done + i] = static_cast<T>((w >> (bit & 7)) & mask);
        }
      }
      packed_index_ += k;
      packed_left_ -= k;
      done += k;
    } else if (!NextRun()) {
      break;
    }
  }
  return done;
}

template size_t RleBitPackedDecoder::GetBatchT<uint16_t>(uint16_t*, size_t);
template size_t RleBitPackedDecoder::GetBatchT<uint32_t>(uint32_t*, size_t);

void BitPackedLevelDecoder::Init(const uint8_t* data, size_t size, int bit_width) {
  data_ = data;
  size_ = size;
  bit_pos_ = 0;
  bit_width_ = bit_width;
}

size_t BitPackedLevelDecoder::GetBatch(uint16_t* out, size_t n) {
  size_t done = 0;
  uint64_t total_bits = static_cast<uint64_t>(size_) * 8;
  for (; done < n; ++done) {
    if (bit_pos_ + static_cast<uint64_t>(bit_width_) > total_bits) break;
    uint32_t v = 0;
    for (int b = 0; b < bit_width_; ++b, ++bit_pos_) {
      uint8_t byte = data_[bit_pos_ >> 3];
      v = (v << 1) | ((byte >> (7 - (bit_pos_ & 7))) & 1);
    }
    out[done] = static_cast<uint16_t>(v);
  }
  return done;
}

// ---------------------------------------------------------------------------
// DELTA_BINARY_PACKED

Status DeltaBinaryPackedDecoder::Init(const uint8_t* data, size_t size, int bits) {
  data_ = data;
  size_ = size;
  pos_ = 0;
  bits_ = bits;
  uint64_t block, minis, total;
  int64_t first;
  if (!ReadUleb(data, size, &pos_, &block) || !ReadUleb(data, size, &pos_, &minis) ||
      !ReadUleb(data, size, &pos_, &total) || !ReadZigZagLeb(data, size, &pos_, &first)) {
    return Status::Corruption("DELTA_BINARY_PACKED header is truncated");
  }
  if (block == 0 || block % 128 != 0 || block > (uint64_t{1} << 20) || minis == 0 ||
      block % minis != 0 || (block / minis) % 32 != 0) {
    return Status::Corruption("DELTA_BINARY_PACKED header is invalid (block size " +
                              std::to_string(block) + ", " + std::to_string(minis) +
                              " miniblocks)");
  }
  if (total > (uint64_t{1} << 40)) {
    return Status::Corruption("DELTA_BINARY_PACKED header claims " + std::to_string(total) +
                              " values");
  }
  block_size_ = block;
  miniblocks_ = minis;
  per_mini_ = block / minis;
  total_ = left_ = static_cast<size_t>(total);
  first_pending_ = total > 0;
  last_ = static_cast<uint64_t>(first);
  widths_.assign(static_cast<size_t>(minis), 0);
  mini_index_ = static_cast<size_t>(minis);
  mini_left_ = 0;
  return Status::Ok();
}

Status DeltaBinaryPackedDecoder::NextBlock() {
  int64_t min_delta;
  if (!ReadZigZagLeb(data_, size_, &pos_, &min_delta)) {
    return Status::Corruption("DELTA_BINARY_PACKED block header is truncated");
  }
  if (miniblocks_ > size_ - pos_) {
    return Status::Corruption("DELTA_BINARY_PACKED bit widths run past the end of the page");
  }
  min_delta_ = static_cast<uint64_t>(min_delta);
  std::memcpy(widths_.data(), data_ + pos_, static_cast<size_t>(miniblocks_));
  pos_ += static_cast<size_t>(miniblocks_);
  mini_index_ = 0;
  return Status::Ok();
}

Status DeltaBinaryPackedDecoder::NextMiniblock() {
  if (mini_index_ >= miniblocks_) WINNOW_RETURN_IF_ERROR(NextBlock());
  width_ = widths_[mini_index_++];
  if (width_ > bits_) {
    return Status::Corruption("DELTA_BINARY_PACKED miniblock bit width " + std::to_string(width_) +
                              " exceeds " + std::to_string(bits_));
  }
  uint64_t bytes = per_mini_ * static_cast<uint64_t>(width_) / 8;
  size_t avail = static_cast<size_t>(std::min<uint64_t>(bytes, size_ - pos_));
  mini_data_ = data_ + pos_;
  mini_bytes_ = avail;
  pos_ += avail;
  mini_left_ = per_mini_;
  mini_pos_ = 0;
  return Status::Ok();
}

Status DeltaBinaryPackedDecoder::Get(int64_t* out, size_t n) {
  if (n > left_) {
    return Status::Corruption("DELTA_BINARY_PACKED data holds " + std::to_string(left_) +
                              " more values, " + std::to_string(n) + " needed");
  }
  for (size_t i = 0; i < n; ++i) {
    if (first_pending_) {
      first_pending_ = false;
    } else {
      if (mini_left_ == 0) WINNOW_RETURN_IF_ERROR(NextMiniblock());
      uint64_t bit = mini_pos_ * static_cast<uint64_t>(width_);
      if (bit + static_cast<uint64_t>(width_) > static_cast<uint64_t>(mini_bytes_) * 8) {
        return Status::Corruption("DELTA_BINARY_PACKED miniblock runs past the end of the page");
      }
      last_ += min_delta_ + ReadBits(mini_data_, mini_bytes_, bit, width_);
      ++mini_pos_;
      --mini_left_;
    }
    out[i] = static_cast<int64_t>(last_);
    --left_;
  }
  return Status::Ok();
}

Status DeltaBinaryPackedDecoder::Get(int32_t* out, size_t n) {
  int64_t tmp[256];
  while (n > 0) {
    size_t k = std::min<size_t>(n, 256);
    WINNOW_RETURN_IF_ERROR(Get(tmp, k));
    for (size_t i = 0; i < k; ++i) out[i] = static_cast<int32_t>(static_cast<uint32_t>(tmp[i]));
    out += k;
    n -= k;
  }
  return Status::Ok();
}

Result<size_t> DeltaBinaryPackedDecoder::SkipToEnd() {
  while (left_ > 0) {
    if (first_pending_) {
      first_pending_ = false;
      --left_;
      continue;
    }
    if (mini_left_ == 0) WINNOW_RETURN_IF_ERROR(NextMiniblock());
    uint64_t k = std::min<uint64_t>(mini_left_, left_);
    mini_left_ -= k;
    mini_pos_ += k;
    left_ -= static_cast<size_t>(k);
  }
  return pos_;
}

// ---------------------------------------------------------------------------
// Value decoders

namespace {

class PlainFixedDecoder final : public ValueDecoder {
 public:
  PlainFixedDecoder(const uint8_t* data, size_t size, size_t width)
      : data_(data), size_(size), width_(width) {}
  Status Decode(size_t n, ValueBatch* out) override {
    if (n == 0) return Status::Ok();
    size_t bytes = n * width_;
    if (bytes > size_ - pos_) {
      return Status::Corruption("PLAIN values run past the end of the page (" + std::to_string(n) +
                                " values of " + std::to_string(width_) + " bytes needed, " +
                                std::to_string(size_ - pos_) + " bytes left)");
    }
    size_t base = out->fixed.size();
    out->fixed.Resize(base + bytes);
    std::memcpy(out->fixed.data() + base, data_ + pos_, bytes);
    pos_ += bytes;
    out->count += n;
    return Status::Ok();
  }

 private:
  const uint8_t* data_;
  size_t size_, pos_ = 0, width_;
};

class PlainBooleanDecoder final : public ValueDecoder {
 public:
  PlainBooleanDecoder(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  Status Decode(size_t n, ValueBatch* out) override {
    if (bit_ + n > static_cast<uint64_t>(size_) * 8) {
      return Status::Corruption("PLAIN booleans run past the end of the page");
    }
    size_t base = out->fixed.size();
    out->fixed.Resize(base + n);
    uint8_t* o = out->fixed.data() + base;
    for (size_t i = 0; i < n; ++i, ++bit_) o[i] = (data_[bit_ >> 3] >> (bit_ & 7)) & 1;
    out->count += n;
    return Status::Ok();
  }

 private:
  const uint8_t* data_;
  size_t size_;
  uint64_t bit_ = 0;
};

class PlainByteArrayDecoder final : public ValueDecoder {
 public:
  PlainByteArrayDecoder(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  Status Decode(size_t n, ValueBatch* out) override {
    for (size_t i = 0; i < n; ++i) {
      if (size_ - pos_ < 4) return Status::Corruption("PLAIN BYTE_ARRAY length runs past the page");
      uint32_t len;
      std::memcpy(&len, data_ + pos_, 4);
      pos_ += 4;
      if (len > size_ - pos_) {
        return Status::Corruption("PLAIN BYTE_ARRAY value of " + std::to_string(len) +
                                  " bytes runs past the end of the page (" +
                                  std::to_string(size_ - pos_) + " bytes left)");
      }
      out->views.emplace_back(reinterpret_cast<const char*>(data_ + pos_), len);
      pos_ += len;
    }
    out->count += n;
    return Status::Ok();
  }

 private:
  const uint8_t* data_;
  size_t size_, pos_ = 0;
};

class PlainFlbaDecoder final : public ValueDecoder {
 public:
  PlainFlbaDecoder(const uint8_t* data, size_t size, size_t width)
      : data_(data), size_(size), width_(width) {}
  Status Decode(size_t n, ValueBatch* out) override {
    if (n * width_ > size_ - pos_) {
      return Status::Corruption("PLAIN FIXED_LEN_BYTE_ARRAY values run past the end of the page");
    }
    for (size_t i = 0; i < n; ++i, pos_ += width_) {
      out->views.emplace_back(reinterpret_cast<const char*>(data_ + pos_), width_);
    }
    out->count += n;
    return Status::Ok();
  }

 private:
  const uint8_t* data_;
  size_t size_, pos_ = 0, width_;
};

class DictionaryDecoder final : public ValueDecoder {
 public:
  DictionaryDecoder(const uint8_t* data, size_t size, const Dictionary* dict, size_t width)
      : data_(data), size_(size), dict_(dict), width_(width) {}
  Status Decode(size_t n, ValueBatch* out) override {
    if (n == 0) return Status::Ok();
    if (!started_) {
      if (size_ < 1) return Status::Corruption("dictionary-encoded page has no data");
      int bw = data_[0];
      if (bw > 32) {
        return Status::Corruption("dictionary index bit width " + std::to_string(bw) +
                                  " is above 32");
      }
      rle_.Init(data_ + 1, size_ - 1, bw);
      started_ = true;
    }
    const size_t dict_size = dict_->values.count;
    uint32_t idx[512];
    while (n > 0) {
      size_t k = std::min<size_t>(n, 512);
      size_t got = rle_.GetBatch(idx, k);
      if (got < k) {
        return Status::Corruption("dictionary indices end before the page's values do");
      }
      for (size_t i = 0; i < k; ++i) {
        if (idx[i] >= dict_size) {
          return Status::Corruption("dictionary index " + std::to_string(idx[i]) +
                                    " is out of range (the dictionary has " +
                                    std::to_string(dict_size) + " entries)");
        }
      }
      if (width_ > 0) {
        size_t base = out->fixed.size();
        out->fixed.Resize(base + k * width_);
        uint8_t* o = out->fixed.data() + base;
        const uint8_t* src = dict_->values.fixed.data();
        switch (width_) {
          case 4:
            for (size_t i = 0; i < k; ++i) std::memcpy(o + i * 4, src + size_t{idx[i]} * 4, 4);
            break;
          case 8:
            for (size_t i = 0; i < k; ++i) std::memcpy(o + i * 8, src + size_t{idx[i]} * 8, 8);
            break;
          default:
            for (size_t i = 0; i < k; ++i) {
              std::memcpy(o + i * width_, src + size_t{idx[i]} * width_, width_);
            }
        }
      } else {
        for (size_t i = 0; i < k; ++i) out->views.push_back(dict_->values.views[idx[i]]);
      }
      out->count += k;
      n -= k;
    }
    return Status::Ok();
  }

 private:
  const uint8_t* data_;
  size_t size_;
  const Dictionary* dict_;
  size_t width_;  // 0: views
  bool started_ = false;
  RleBitPackedDecoder rle_;
};

class RleBooleanDecoder final : public ValueDecoder {
 public:
  RleBooleanDecoder(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  Status Decode(size_t n, ValueBatch* out) override {
    if (n == 0) return Status::Ok();
    if (!started_) {
      if (size_ < 4) return Status::Corruption("RLE boolean page lacks its length prefix");
      uint32_t len;
      std::memcpy(&len, data_, 4);
      if (len > size_ - 4) {
        return Status::Corruption("RLE boolean data length " + std::to_string(len) +
                                  " runs past the end of the page");
      }
      rle_.Init(data_ + 4, len, 1);
      started_ = true;
    }
    uint16_t tmp[512];
    while (n > 0) {
      size_t k = std::min<size_t>(n, 512);
      if (rle_.GetBatch(tmp, k) < k) {
        return Status::Corruption("RLE booleans end before the page's values do");
      }
      size_t base = out->fixed.size();
      out->fixed.Resize(base + k);
      for (size_t i = 0; i < k; ++i) out->fixed.data()[base + i] = tmp[i] ? 1 : 0;
      out->count += k;
      n -= k;
    }
    return Status::Ok();
  }

 private:
  const uint8_t* data_;
  size_t size_;
  bool started_ = false;
  RleBitPackedDecoder rle_;
};

class DeltaIntDecoder final : public ValueDecoder {
 public:
  DeltaIntDecoder(const uint8_t* data, size_t size, int bits)
      : data_(data), size_(size), bits_(bits) {}
  Status Decode(size_t n, ValueBatch* out) override {
    if (n == 0) return Status::Ok();
    if (!started_) {
      WINNOW_RETURN_IF_ERROR(d_.Init(data_, size_, bits_));
      started_ = true;
    }
    size_t width = bits_ / 8;
    size_t base = out->fixed.size();
    out->fixed.Resize(base + n * width);
    if (bits_ == 32) {
      WINNOW_RETURN_IF_ERROR(d_.Get(reinterpret_cast<int32_t*>(out->fixed.data() + base), n));
    } else {
      WINNOW_RETURN_IF_ERROR(d_.Get(reinterpret_cast<int64_t*>(out->fixed.data() + base), n));
    }
    out->count += n;
    return Status::Ok();
  }

 private:
  const uint8_t* data_;
  size_t size_;
  int bits_;
  bool started_ = false;
  DeltaBinaryPackedDecoder d_;
};

// DELTA_LENGTH_BYTE_ARRAY: all lengths (delta-packed), then all bytes.
class DeltaLengthDecoder {
 public:
  // Parses the lengths stream at `data`; the bytes follow it.
  Status Init(const uint8_t* data, size_t size) {
    DeltaBinaryPackedDecoder probe;
    WINNOW_RETURN_IF_ERROR(probe.Init(data, size, 32));
    WINNOW_ASSIGN_OR_RETURN(size_t end, probe.SkipToEnd());
    WINNOW_RETURN_IF_ERROR(lengths_.Init(data, size, 32));
    data_ = data;
    size_ = size;
    pos_ = end;
    return Status::Ok();
  }
  Status Next(size_t n, std::string_view* out) {
    int32_t lens[256];
    while (n > 0) {
      size_t k = std::min<size_t>(n, 256);
      WINNOW_RETURN_IF_ERROR(lengths_.Get(lens, k));
      for (size_t i = 0; i < k; ++i) {
        if (lens[i] < 0 || static_cast<size_t>(lens[i]) > size_ - pos_) {
          return Status::Corruption("DELTA_LENGTH_BYTE_ARRAY length " + std::to_string(lens[i]) +
                                    " runs past the end of the page");
        }
        *out++ = std::string_view(reinterpret_cast<const char*>(data_ + pos_),
                                  static_cast<size_t>(lens[i]));
        pos_ += static_cast<size_t>(lens[i]);
      }
      n -= k;
    }
    return Status::Ok();
  }
  size_t end() const { return pos_; }

 private:
  DeltaBinaryPackedDecoder lengths_;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0, pos_ = 0;
};

class DeltaLengthByteArrayDecoder final : public ValueDecoder {
 public:
  DeltaLengthByteArrayDecoder(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  Status Decode(size_t n, ValueBatch* out) override {
    if (n == 0) return Status::Ok();
    if (!started_) {
      WINNOW_RETURN_IF_ERROR(d_.Init(data_, size_));
      started_ = true;
    }
    size_t base = out->views.size();
    out->views.resize(base + n);
    WINNOW_RETURN_IF_ERROR(d_.Next(n, out->views.data() + base));
    out->count += n;
    return Status::Ok();
  }

 private:
  const uint8_t* data_;
  size_t size_;
  bool started_ = false;
  DeltaLengthDecoder d_;
};

class DeltaByteArrayDecoder final : public ValueDecoder {
 public:
  DeltaByteArrayDecoder(const uint8_t* data, size_t size, size_t fixed_width)
      : data_(data), size_(size), fixed_width_(fixed_width) {}
  Status Decode(size_t n, ValueBatch* out) override {
    if (n == 0) return Status::Ok();
    if (!started_) {
      DeltaBinaryPackedDecoder probe;
      WINNOW_RETURN_IF_ERROR(probe.Init(data_, size_, 32));
      WINNOW_ASSIGN_OR_RETURN(size_t end, probe.SkipToEnd());
      WINNOW_RETURN_IF_ERROR(prefixes_.Init(data_, size_, 32));
      WINNOW_RETURN_IF_ERROR(suffixes_.Init(data_ + end, size_ - end));
      started_ = true;
    }
    prefix_.resize(n);
    suffix_.resize(n);
    WINNOW_RETURN_IF_ERROR(prefixes_.Get(prefix_.data(), n));
    WINNOW_RETURN_IF_ERROR(suffixes_.Next(n, suffix_.data()));
    // Sizes first, so the views into `owned` stay valid.
    size_t total = 0, prev_len = prev_.size();
    for (size_t i = 0; i < n; ++i) {
      if (prefix_[i] < 0 || static_cast<size_t>(prefix_[i]) > prev_len) {
        return Status::Corruption("DELTA_BYTE_ARRAY prefix length " + std::to_string(prefix_[i]) +
                                  " is longer than the previous value (" +
                                  std::to_string(prev_len) + " bytes)");
      }
      prev_len = static_cast<size_t>(prefix_[i]) + suffix_[i].size();
      if (fixed_width_ > 0 && prev_len != fixed_width_) {
        return Status::Corruption("DELTA_BYTE_ARRAY value of " + std::to_string(prev_len) +
                                  " bytes in a FIXED_LEN_BYTE_ARRAY(" +
                                  std::to_string(fixed_width_) + ") column");
      }
      total += prev_len;
    }
    if (!out->owned.empty()) return Status::Internal("DELTA_BYTE_ARRAY batch storage reused");
    out->owned.reserve(total);
    const char* prev = prev_.data();
    size_t plen = prev_.size();
    for (size_t i = 0; i < n; ++i) {
      size_t start = out->owned.size();
      out->owned.append(prev, static_cast<size_t>(prefix_[i]));
      out->owned.append(suffix_[i]);
      prev = out->owned.data() + start;
      plen = out->owned.size() - start;
      out->views.emplace_back(prev, plen);
    }
    prev_.assign(prev, plen);
    out->count += n;
    return Status::Ok();
  }

 private:
  const uint8_t* data_;
  size_t size_, fixed_width_;
  bool started_ = false;
  DeltaBinaryPackedDecoder prefixes_;
  DeltaLengthDecoder suffixes_;
  std::vector<int32_t> prefix_;
  std::vector<std::string_view> suffix_;
  std::string prev_;
};

class ByteStreamSplitDecoder final : public ValueDecoder {
 public:
  ByteStreamSplitDecoder(const uint8_t* data, size_t size, size_t width, bool as_views)
      : data_(data), size_(size), width_(width), as_views_(as_views), total_(size / width) {}
  Status Decode(size_t n, ValueBatch* out) override {
    if (size_ % width_ != 0) {
      return Status::Corruption("BYTE_STREAM_SPLIT data of " + std::to_string(size_) +
                                " bytes is not a multiple of the value width " +
                                std::to_string(width_));
    }
    if (n > total_ - index_) {
      return Status::Corruption("BYTE_STREAM_SPLIT page holds " + std::to_string(total_ - index_) +
                                " more values, " + std::to_string(n) + " needed");
    }
    uint8_t* o;
    if (as_views_) {
      if (!out->owned.empty()) return Status::Internal("BYTE_STREAM_SPLIT batch storage reused");
      out->owned.resize(n * width_);
      o = reinterpret_cast<uint8_t*>(out->owned.data());
    } else {
      size_t base = out->fixed.size();
      out->fixed.Resize(base + n * width_);
      o = out->fixed.data() + base;
    }
    for (size_t j = 0; j < width_; ++j) {
      const uint8_t* stream = data_ + j * total_ + index_;
      for (size_t i = 0; i < n; ++i) o[i * width_ + j] = stream[i];
    }
    if (as_views_) {
      for (size_t i = 0; i < n; ++i)
        out->views.emplace_back(out->owned.data() + i * width_, width_);
    }
    index_ += n;
    out->count += n;
    return Status::Ok();
  }

 private:
  const uint8_t* data_;
  size_t size_, width_;
  bool as_views_;
  size_t total_, index_ = 0;
};

std::unique_ptr<ValueDecoder> MakePlain(Type type, int32_t type_length, const uint8_t* data,
                                        size_t size) {
  switch (type) {
    case Type::kBoolean:
      return std::make_unique<PlainBooleanDecoder>(data, size);
    case Type::kByteArray:
      return std::make_unique<PlainByteArrayDecoder>(data, size);
    case Type::kFixedLenByteArray:
      return std::make_unique<PlainFlbaDecoder>(data, size, static_cast<size_t>(type_length));
    default:
      return std::make_unique<PlainFixedDecoder>(data, size, FixedWidth(type, type_length));
  }
}

Status Unsupported(Encoding e, Type t) {
  return Status::Unimplemented("encoding " + std::string(EncodingName(e)) + " (" +
                               std::to_string(static_cast<int>(e)) + ") is not supported for " +
                               std::string(TypeName(t)) + " columns");
}

}  // namespace

Result<std::unique_ptr<ValueDecoder>> MakeValueDecoder(Encoding encoding, Type type,
                                                       int32_t type_length, const uint8_t* data,
                                                       size_t size, const Dictionary* dict) {
  switch (encoding) {
    case Encoding::kPlain:
      return MakePlain(type, type_length, data, size);
    case Encoding::kPlainDictionary:
    case Encoding::kRleDictionary: {
      if (!dict) {
        return Status::Corruption("a " + std::string(EncodingName(encoding)) +
                                  " page but the column chunk has no dictionary page");
      }
      bool views = type == Type::kByteArray || type == Type::kFixedLenByteArray;
      return std::unique_ptr<ValueDecoder>(std::make_unique<DictionaryDecoder>(
          data, size, dict, views ? 0 : FixedWidth(type, type_length)));
    }
    case Encoding::kRle:
      if (type != Type::kBoolean) return Unsupported(encoding, type);
      return std::unique_ptr<ValueDecoder>(std::make_unique<RleBooleanDecoder>(data, size));
    case Encoding::kDeltaBinaryPacked:
      if (type != Type::kInt32 && type != Type::kInt64) return Unsupported(encoding, type);
      return std::unique_ptr<ValueDecoder>(
          std::make_unique<DeltaIntDecoder>(data, size, type == Type::kInt32 ? 32 : 64));
    case Encoding::kDeltaLengthByteArray:
      if (type != Type::kByteArray) return Unsupported(encoding, type);
      return std::unique_ptr<ValueDecoder>(
          std::make_unique<DeltaLengthByteArrayDecoder>(data, size));
    case Encoding::kDeltaByteArray:
      if (type != Type::kByteArray && type != Type::kFixedLenByteArray) {
        return Unsupported(encoding, type);
      }
      return std::unique_ptr<ValueDecoder>(std::make_unique<DeltaByteArrayDecoder>(
          data, size, type == Type::kFixedLenByteArray ? static_cast<size_t>(type_length) : 0));
    case Encoding::kByteStreamSplit:
      if (type == Type::kBoolean || type == Type::kByteArray || type == Type::kInt96) {
        return Unsupported(encoding, type);
      }
      return std::unique_ptr<ValueDecoder>(std::make_unique<ByteStreamSplitDecoder>(
          data, size, FixedWidth(type, type_length), type == Type::kFixedLenByteArray));
    default:
      return Unsupported(encoding, type);
  }
}

Status DecodeDictionary(Type type, int32_t type_length, size_t num_values, Dictionary* dict) {
  dict->values.Clear();
  size_t size = dict->page.size();
  // Every value takes at least this many bytes, so the count is bounded by the page.
  size_t min_bytes = type == Type::kBoolean     ? 0
                     : type == Type::kByteArray ? 4
                                                : FixedWidth(type, type_length);
  bool plausible = type == Type::kBoolean ? num_values <= size * 8 : num_values * min_bytes <= size;
  if (!plausible) {
    return Status::Corruption("dictionary page claims " + std::to_string(num_values) +
                              " values but holds only " + std::to_string(size) + " bytes");
  }
  // Decoded in slices so memory follows the values actually present.
  auto dec = MakePlain(type, type_length, dict->page.data(), size);
  for (size_t done = 0; done < num_values;) {
    size_t k = std::min<size_t>(num_values - done, 65536);
    WINNOW_RETURN_IF_ERROR(dec->Decode(k, &dict->values));
    done += k;
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------
// Encoders

int BitWidth(uint64_t max_value) {
  int w = 0;
  while (max_value) {
    ++w;
    max_value >>= 1;
  }
  return w;
}

namespace {

void PutUleb(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void PutBits(const uint64_t* values, size_t n, int width, std::string* out) {
  // Packs n values (n a multiple of 8) LSB-first.
  size_t base = out->size();
  out->resize(base + n * static_cast<size_t>(width) / 8, '\0');
  auto* o = reinterpret_cast<uint8_t*>(out->data() + base);
  uint64_t bit = 0;
  for (size_t i = 0; i < n; ++i) {
    for (int b = 0; b < width; ++b, ++bit) {
      if ((values[i] >> b) & 1) o[bit >> 3] |= static_cast<uint8_t>(1u << (bit & 7));
    }
  }
}

}  // namespace

void EncodeRleBitPacked(const uint32_t* values, size_t n, int bit_width, std::string* out) {
  size_t i = 0;
  std::vector<uint64_t> pending;  // values of consecutive bit-packed groups
  auto flush_packed = [&]() {
    if (pending.empty()) return;
    PutUleb(((pending.size() / 8) << 1) | 1, out);
    PutBits(pending.data(), pending.size(), bit_width, out);
    pending.clear();
  };
  const size_t value_bytes = static_cast<size_t>((bit_width + 7) / 8);
  auto put_rle = [&](uint32_t v, uint64_t count) {
    PutUleb(count << 1, out);
    for (size_t b = 0; b < value_bytes; ++b) out->push_back(static_cast<char>(v >> (8 * b)));
  };
  while (i < n) {
    // Length of the run of equal values starting at i.
    size_t j = i + 1;
    while (j < n && values[j] == values[i]) ++j;
    size_t run = j - i;
    if (run >= 8 && pending.size() % 8 == 0) {
      flush_packed();
      put_rle(values[i], run);
      i = j;
      continue;
    }
    // Take one value into the bit-packed buffer; keep groups of 8.
    pending.push_back(values[i]);
    ++i;
    if (pending.size() == 8 * 63) flush_packed();
  }
  if (!pending.empty()) {
    while (pending.size() % 8 != 0) pending.push_back(0);
    flush_packed();
  }
}

void EncodeDeltaBinaryPacked(const int64_t* values, size_t n, std::string* out) {
  constexpr size_t kBlock = 128, kMinis = 4, kPerMini = kBlock / kMinis;
  PutUleb(kBlock, out);
  PutUleb(kMinis, out);
  PutUleb(n, out);
  int64_t first = n > 0 ? values[0] : 0;
  PutUleb((static_cast<uint64_t>(first) << 1) ^ static_cast<uint64_t>(first >> 63), out);
  size_t i = 1;
  while (i < n) {
    size_t count = std::min(kBlock, n - i);
    uint64_t deltas[kBlock] = {};
    int64_t min_delta = INT64_MAX;
    for (size_t k = 0; k < count; ++k) {
      int64_t d = static_cast<int64_t>(static_cast<uint64_t>(values[i + k]) -
                                       static_cast<uint64_t>(values[i + k - 1]));
      deltas[k] = static_cast<uint64_t>(d);
      min_delta = std::min(min_delta, d);
    }
    PutUleb((static_cast<uint64_t>(min_delta) << 1) ^ static_cast<uint64_t>(min_delta >> 63), out);
    uint64_t rel[kBlock] = {};
    for (size_t k = 0; k < count; ++k) rel[k] = deltas[k] - static_cast<uint64_t>(min_delta);
    uint8_t widths[kMinis] = {};
    size_t minis_used = (count + kPerMini - 1) / kPerMini;
    for (size_t m = 0; m < minis_used; ++m) {
      uint64_t mx = 0;
      for (size_t k = m * kPerMini; k < std::min(count, (m + 1) * kPerMini); ++k) {
        mx = std::max(mx, rel[k]);
      }
      widths[m] = static_cast<uint8_t>(BitWidth(mx));
    }
    out->append(reinterpret_cast<const char*>(widths), kMinis);
    for (size_t m = 0; m < minis_used; ++m) PutBits(rel + m * kPerMini, kPerMini, widths[m], out);
    i += count;
  }
}

}  // namespace winnow::parquet
