// ascii_kernels.h — AVX2 transforms of pure-ASCII text for TextNormalizer.
//
// Each function reads `n` bytes that are all below 0x80 and writes its result
// to `out`, which must have room for n + 64 bytes (the kernels store whole
// 32-byte blocks and may write past the result); it returns the result's
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
// The block compaction (CompactBlock) is exposed for other ASCII fast paths.
#pragma once

#include <immintrin.h>

#include <cstddef>
#include <cstdint>

namespace winnow::cleaners {

size_t LowerAsciiBytes(const char* in, size_t n, char* out);
size_t CollapseAsciiWhitespace(const char* in, size_t n, char* out);
size_t SimplifyAscii(const char* in, size_t n, char* out);

// Writes the bytes of `v` whose bit is set in `keep` to `out`, in order, and
// returns the new end. It may write up to 32 bytes beyond the kept ones.
char* CompactBlock(__m256i v, uint32_t keep, char* out);

}  // namespace winnow::cleaners
