// minhash_dedup_xxh64.h — XXH64 (seed 0) of many short strings, bit-identical
// to xxHash's XXH64(ptr, len, 0).
//
// XXH64 of a ~25-byte n-gram is a chain of ~15 multiplies whose shape depends
// on the length (8-byte rounds, a 4-byte step, single bytes): called on
// strings of varying lengths, its branches mispredict and each string waits
// for the previous one. Here the strings are first bucketed by length
// (counting sort of their indices) and every length class up to
// kMaxFixedLength is hashed by a routine specialised for that length, whose
// body has no data-dependent branch: classes of 4-31 bytes 8 strings at a
// time in the lanes of AVX2 registers (64-bit multiplies from vpmuludq +
// 2 vpmulld), the other lengths up to 63 bytes 4 strings at a time
// interleaved on the scalar units. Longer strings take the library's XXH64.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace winnow::cleaners {

inline constexpr size_t kMaxFixedLength = 63;

// out[i] = XXH64(base + begin[i], end[i] - begin[i], 0) for i < count, where
// end[i] is begin[i + ngram] - 1 or, for the last, `text_end` (the n-gram
// layout of Tokens). `scratch` must hold 2 * count uint32_t values.
void HashNgrams(const char* base, const uint32_t* starts, size_t words, size_t ngram,
                size_t text_end, uint64_t* out, uint32_t* scratch);

// The same for one string (tests).
uint64_t Xxh64Dispatch(const char* p, size_t len);

}  // namespace winnow::cleaners
