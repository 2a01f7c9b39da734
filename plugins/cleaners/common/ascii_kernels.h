// ascii_kernels.h — AVX2 transforms of pure-ASCII text, shared by
// TextNormalizer (exact_dedup) and minhash_dedup's shingler.
//
// The functions read `n` bytes that are all below 0x80 and write their result
// to `out`, which must have room for n + 64 bytes (the kernels store whole
// 32-byte blocks and may write past the result); they return the result's
// length. The results equal the byte loops they replace (tests compare them
// on random and real text):
//
//  * LowerAsciiBytes: 'A'-'Z' -> 'a'-'z', every other byte unchanged.
//  * CollapseAsciiWhitespace: every run of Python white space (\s on ASCII:
//    9-13 and 28-32) becomes one ' '; leading and trailing runs are removed.
//  * SimplifyAscii: datatrove's simplify_text on ASCII, words re-joined with
//    single spaces: letters lower-cased, white space as above, digits -> '0'
//    with each run of digits (across deleted characters) kept as one '0',
//    punctuation, C0 controls and DEL deleted.
//
// The building blocks (byte-class tests, block compaction, simplify's
// per-block mapping) are inline so that the callers' loops keep them in
// registers.
#pragma once

#include <immintrin.h>

#include <cstddef>
#include <cstdint>

namespace winnow::cleaners {

size_t LowerAsciiBytes(const char* in, size_t n, char* out);
size_t CollapseAsciiWhitespace(const char* in, size_t n, char* out);
size_t SimplifyAscii(const char* in, size_t n, char* out);

namespace ascii {

// kCompressLo.shuf[m]: pshufb indices gathering the bytes whose bit is set in
// m to the front of an 8-byte group; kCompressHi the same for the upper 8
// bytes of a 16-byte lane.
struct CompressTable {
  uint64_t shuf[256];
  constexpr explicit CompressTable(uint64_t base) : shuf() {
    for (int m = 0; m < 256; ++m) {
      uint64_t v = 0;
      int k = 0;
      for (int bit = 0; bit < 8; ++bit) {
        if ((m >> bit) & 1) v |= static_cast<uint64_t>(bit) << (8 * k++);
      }
      shuf[m] = v + base;
    }
  }
};
inline constexpr CompressTable kCompressLo(0);
inline constexpr CompressTable kCompressHi(0x0808080808080808ULL);

// Bytes are ASCII, so signed compares order them.
inline __m256i InRange(__m256i c, char lo, char hi) {
  return _mm256_and_si256(_mm256_cmpgt_epi8(c, _mm256_set1_epi8(static_cast<char>(lo - 1))),
                          _mm256_cmpgt_epi8(_mm256_set1_epi8(static_cast<char>(hi + 1)), c));
}

// Python's \s on ASCII.
inline __m256i IsSpace(__m256i c) {
  return _mm256_or_si256(InRange(c, 9, 13), InRange(c, 28, 32));
}

inline uint32_t ValidMask(size_t remaining) {
  return remaining >= 32 ? 0xFFFFFFFFu : ((1u << remaining) - 1u);
}

// Writes the bytes of `v` whose bit is set in `keep` to `out`, in order, and
// returns the new end; it may write up to 32 bytes beyond the kept ones.
// kFullFast adds a branch for blocks that keep every byte: worth it only
// where that is the predictable common case.
template <bool kFullFast>
inline char* CompactBlock(__m256i v, uint32_t keep, char* out) {
  if constexpr (kFullFast) {
    if (keep == 0xFFFFFFFFu) {
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), v);
      return out + 32;
    }
  }
  const __m128i lo = _mm256_castsi256_si128(v), hi = _mm256_extracti128_si256(v, 1);
  const uint32_t k0 = keep & 0xFFu, k1 = (keep >> 8) & 0xFFu, k2 = (keep >> 16) & 0xFFu,
                 k3 = keep >> 24;
  auto put = [](char* at, __m128i src, uint64_t idx) {
    _mm_storel_epi64(reinterpret_cast<__m128i*>(at),
                     _mm_shuffle_epi8(src, _mm_cvtsi64_si128(static_cast<int64_t>(idx))));
  };
  char* const o1 = out + __builtin_popcount(k0);
  char* const o2 = o1 + __builtin_popcount(k1);
  char* const o3 = o2 + __builtin_popcount(k2);
  put(out, lo, kCompressLo.shuf[k0]);
  put(o1, lo, kCompressHi.shuf[k1]);
  put(o2, hi, kCompressLo.shuf[k2]);
  put(o3, hi, kCompressHi.shuf[k3]);
  return o3 + __builtin_popcount(k3);
}

// simplify_text's mapping of one block, before the collapsing: letters
// lower-cased, white space to ' ', digits to '0', everything else
// (punctuation, controls) deleted. Whether a block of prose has punctuation
// is not predictable, so no keep-everything branch (measured: it costs ~15%).
inline char* SimplifyMapBlock(__m256i c, uint32_t valid, char* out) {
  const __m256i folded = _mm256_or_si256(c, _mm256_set1_epi8(0x20));
  const __m256i letter = InRange(folded, 'a', 'z');
  const __m256i digit = InRange(c, '0', '9');
  const __m256i space = IsSpace(c);
  __m256i mapped = _mm256_blendv_epi8(c, folded, letter);
  mapped = _mm256_blendv_epi8(mapped, _mm256_set1_epi8(' '), space);
  mapped = _mm256_blendv_epi8(mapped, _mm256_set1_epi8('0'), digit);
  const __m256i keep = _mm256_or_si256(_mm256_or_si256(letter, digit), space);
  return CompactBlock<false>(mapped, static_cast<uint32_t>(_mm256_movemask_epi8(keep)) & valid,
                             out);
}

}  // namespace ascii
}  // namespace winnow::cleaners
