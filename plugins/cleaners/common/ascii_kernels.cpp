#include "ascii_kernels.h"

#include <cstring>

namespace winnow::cleaners {

namespace {

// kCompress.shuf[m]: pshufb indices gathering the bytes whose bit is set in
// m to the front of an 8-byte group.
struct CompressTable {
  uint64_t shuf[256];
  constexpr CompressTable() : shuf() {
    for (int m = 0; m < 256; ++m) {
      uint64_t v = 0;
      int k = 0;
      for (int bit = 0; bit < 8; ++bit) {
        if ((m >> bit) & 1) v |= static_cast<uint64_t>(bit) << (8 * k++);
      }
      shuf[m] = v;
    }
  }
};
constexpr CompressTable kCompress;

// Bytes are ASCII, so signed compares order them.
inline __m256i InRange(__m256i c, char lo, char hi) {
  return _mm256_and_si256(_mm256_cmpgt_epi8(c, _mm256_set1_epi8(static_cast<char>(lo - 1))),
                          _mm256_cmpgt_epi8(_mm256_set1_epi8(static_cast<char>(hi + 1)), c));
}

// Python's \s on ASCII.
inline __m256i IsSpace(__m256i c) {
  return _mm256_or_si256(InRange(c, 9, 13), InRange(c, 28, 32));
}

inline uint32_t Mask(__m256i v) {
  return static_cast<uint32_t>(_mm256_movemask_epi8(v));
}

inline uint32_t ValidMask(size_t remaining) {
  return remaining >= 32 ? 0xFFFFFFFFu : ((1u << remaining) - 1u);
}

// Calls block(v, valid) for every 32-byte block of in[0, n); the last, short
// block is read from a zero-padded copy.
template <typename Block>
inline void ForEachBlock(const char* in, size_t n, Block&& block) {
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    block(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(in + i)), 0xFFFFFFFFu);
  }
  if (i < n) {
    alignas(32) char tail[32] = {};
    std::memcpy(tail, in + i, n - i);
    block(_mm256_load_si256(reinterpret_cast<const __m256i*>(tail)), ValidMask(n - i));
  }
}

}  // namespace

char* CompactBlock(__m256i v, uint32_t keep, char* out) {
  if (keep == 0xFFFFFFFFu) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), v);
    return out + 32;
  }
  const __m128i halves[2] = {_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1)};
  for (int g = 0; g < 4; ++g) {
    const uint32_t m = (keep >> (8 * g)) & 0xFFu;
    const uint64_t idx = kCompress.shuf[m] + ((g & 1) ? 0x0808080808080808ULL : 0);
    const __m128i packed =
        _mm_shuffle_epi8(halves[g >> 1], _mm_cvtsi64_si128(static_cast<int64_t>(idx)));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(out), packed);
    out += __builtin_popcount(m);
  }
  return out;
}

size_t LowerAsciiBytes(const char* in, size_t n, char* out) {
  char* o = out;
  ForEachBlock(in, n, [&](__m256i c, uint32_t) {
    const __m256i upper = InRange(c, 'A', 'Z');
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(o),
                        _mm256_or_si256(c, _mm256_and_si256(upper, _mm256_set1_epi8(0x20))));
    o += 32;
  });
  return n;
}

size_t CollapseAsciiWhitespace(const char* in, size_t n, char* out) {
  char* o = out;
  uint32_t carry = 1;  // a space before the text: leading runs are dropped
  ForEachBlock(in, n, [&](__m256i c, uint32_t valid) {
    const __m256i space = IsSpace(c);
    const uint32_t s = Mask(space) & valid;
    const uint32_t drop = s & ((s << 1) | carry);
    carry = s >> 31;
    o = CompactBlock(_mm256_blendv_epi8(c, _mm256_set1_epi8(' '), space), ~drop & valid, o);
  });
  size_t len = static_cast<size_t>(o - out);
  if (len > 0 && out[len - 1] == ' ') --len;
  return len;
}

size_t SimplifyAscii(const char* in, size_t n, char* out) {
  // Pass 1: lower-case, white space -> ' ', digits -> '0', delete the rest.
  char* o = out;
  ForEachBlock(in, n, [&](__m256i c, uint32_t valid) {
    const __m256i folded = _mm256_or_si256(c, _mm256_set1_epi8(0x20));
    const __m256i letter = InRange(folded, 'a', 'z');
    const __m256i digit = InRange(c, '0', '9');
    const __m256i space = IsSpace(c);
    __m256i mapped = _mm256_blendv_epi8(c, folded, letter);
    mapped = _mm256_blendv_epi8(mapped, _mm256_set1_epi8(' '), space);
    mapped = _mm256_blendv_epi8(mapped, _mm256_set1_epi8('0'), digit);
    const uint32_t keep = Mask(_mm256_or_si256(_mm256_or_si256(letter, digit), space)) & valid;
    o = CompactBlock(mapped, keep, o);
  });
  const size_t mapped_len = static_cast<size_t>(o - out);

  // Pass 2, in place: drop a ' ' after ' ' (or at the start) and a '0' after
  // '0' (a digit run, also across deleted characters: letters are never '0').
  // Stores stay at or behind the block being read.
  o = out;
  uint32_t carry_space = 1, carry_zero = 0;
  for (size_t j = 0; j < mapped_len; j += 32) {
    const __m256i c = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(out + j));
    const uint32_t valid = ValidMask(mapped_len - j);
    const uint32_t s = Mask(_mm256_cmpeq_epi8(c, _mm256_set1_epi8(' '))) & valid;
    const uint32_t z = Mask(_mm256_cmpeq_epi8(c, _mm256_set1_epi8('0'))) & valid;
    const uint32_t drop = (s & ((s << 1) | carry_space)) | (z & ((z << 1) | carry_zero));
    carry_space = s >> 31;
    carry_zero = z >> 31;
    o = CompactBlock(c, ~drop & valid, o);
  }
  size_t len = static_cast<size_t>(o - out);
  if (len > 0 && out[len - 1] == ' ') --len;
  return len;
}

}  // namespace winnow::cleaners
