#include "ascii_kernels.h"

#include <cstring>

namespace winnow::cleaners {

using ascii::CompactBlock;
using ascii::InRange;
using ascii::IsSpace;
using ascii::ValidMask;

namespace {

inline uint32_t Mask(__m256i v) {
  return static_cast<uint32_t>(_mm256_movemask_epi8(v));
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
    o = CompactBlock<true>(_mm256_blendv_epi8(c, _mm256_set1_epi8(' '), space), ~drop & valid, o);
  });
  size_t len = static_cast<size_t>(o - out);
  if (len > 0 && out[len - 1] == ' ') --len;
  return len;
}

size_t SimplifyAscii(const char* in, size_t n, char* out) {
  // Pass 1: lower-case, white space -> ' ', digits -> '0', delete the rest.
  char* o = out;
  ForEachBlock(in, n, [&](__m256i c, uint32_t valid) { o = ascii::SimplifyMapBlock(c, valid, o); });
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
    o = CompactBlock<true>(c, ~drop & valid, o);
  }
  size_t len = static_cast<size_t>(o - out);
  if (len > 0 && out[len - 1] == ' ') --len;
  return len;
}

}  // namespace winnow::cleaners
