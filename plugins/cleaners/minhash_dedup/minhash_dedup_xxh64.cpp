#include "minhash_dedup_xxh64.h"

#include <immintrin.h>

#include <algorithm>
#include <array>
#include <utility>

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace winnow::cleaners {

namespace {

constexpr uint64_t kP1 = 0x9E3779B185EBCA87ULL;
constexpr uint64_t kP2 = 0xC2B2AE3D27D4EB4FULL;
constexpr uint64_t kP3 = 0x165667B19E3779F9ULL;
constexpr uint64_t kP4 = 0x85EBCA77C2B2AE63ULL;
constexpr uint64_t kP5 = 0x27D4EB2F165667C5ULL;

inline uint64_t Rotl(uint64_t x, int r) {
  return (x << r) | (x >> (64 - r));
}
inline uint64_t Read64(const unsigned char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;  // little-endian host (x86-64)
}
inline uint64_t Read32(const unsigned char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
inline uint64_t Round(uint64_t acc, uint64_t input) {
  return Rotl(acc + input * kP2, 31) * kP1;
}
inline uint64_t Merge(uint64_t acc, uint64_t val) {
  return (acc ^ Round(0, val)) * kP1 + kP4;
}
inline uint64_t Avalanche(uint64_t h) {
  h ^= h >> 33;
  h *= kP2;
  h ^= h >> 29;
  h *= kP3;
  h ^= h >> 32;
  return h;
}

// XXH64(p, L, 0) with every loop count known at compile time.
template <size_t L>
inline uint64_t Fixed(const unsigned char* p) {
  uint64_t h;
  if constexpr (L >= 32) {
    uint64_t v1 = kP1 + kP2, v2 = kP2, v3 = 0, v4 = 0 - kP1;
#pragma GCC unroll 64
    for (size_t s = 0; s < L / 32; ++s, p += 32) {
      v1 = Round(v1, Read64(p));
      v2 = Round(v2, Read64(p + 8));
      v3 = Round(v3, Read64(p + 16));
      v4 = Round(v4, Read64(p + 24));
    }
    h = Rotl(v1, 1) + Rotl(v2, 7) + Rotl(v3, 12) + Rotl(v4, 18);
    h = Merge(h, v1);
    h = Merge(h, v2);
    h = Merge(h, v3);
    h = Merge(h, v4);
  } else {
    h = kP5;
  }
  h += L;
  constexpr size_t kRem = L & 31;
#pragma GCC unroll 64
  for (size_t k = 0; k < kRem / 8; ++k, p += 8) {
    h ^= Round(0, Read64(p));
    h = Rotl(h, 27) * kP1 + kP4;
  }
  if constexpr ((kRem & 4) != 0) {
    h ^= Read32(p) * kP1;
    p += 4;
    h = Rotl(h, 23) * kP2 + kP3;
  }
#pragma GCC unroll 64
  for (size_t k = 0; k < (kRem & 3); ++k) {
    h ^= p[k] * kP5;
    h = Rotl(h, 11) * kP1;
  }
  return Avalanche(h);
}

using ClassFn = void (*)(const unsigned char* base, const uint32_t* starts, const uint32_t* idx,
                         size_t n, uint64_t* out);

// Fixed<L> on W strings at once, their steps interleaved in program order so
// that the W dependency chains run side by side.
template <size_t L, size_t W>
inline void FixedW(const unsigned char* const* q, uint64_t* res) {
  const unsigned char* p[W];
  uint64_t h[W];
#pragma GCC unroll 64
  for (size_t w = 0; w < W; ++w) p[w] = q[w];
  if constexpr (L >= 32) {
    uint64_t v1[W], v2[W], v3[W], v4[W];
#pragma GCC unroll 64
    for (size_t w = 0; w < W; ++w) {
      v1[w] = kP1 + kP2;
      v2[w] = kP2;
      v3[w] = 0;
      v4[w] = 0 - kP1;
    }
#pragma GCC unroll 64
    for (size_t s = 0; s < L / 32; ++s) {
#pragma GCC unroll 64
      for (size_t w = 0; w < W; ++w) {
        v1[w] = Round(v1[w], Read64(p[w]));
        v2[w] = Round(v2[w], Read64(p[w] + 8));
        v3[w] = Round(v3[w], Read64(p[w] + 16));
        v4[w] = Round(v4[w], Read64(p[w] + 24));
        p[w] += 32;
      }
    }
#pragma GCC unroll 64
    for (size_t w = 0; w < W; ++w) {
      uint64_t x = Rotl(v1[w], 1) + Rotl(v2[w], 7) + Rotl(v3[w], 12) + Rotl(v4[w], 18);
      x = Merge(x, v1[w]);
      x = Merge(x, v2[w]);
      x = Merge(x, v3[w]);
      h[w] = Merge(x, v4[w]);
    }
  } else {
#pragma GCC unroll 64
    for (size_t w = 0; w < W; ++w) h[w] = kP5;
  }
  constexpr size_t kRem = L & 31;
#pragma GCC unroll 64
  for (size_t w = 0; w < W; ++w) h[w] += L;
#pragma GCC unroll 64
  for (size_t k = 0; k < kRem / 8; ++k) {
#pragma GCC unroll 64
    for (size_t w = 0; w < W; ++w) {
      h[w] ^= Round(0, Read64(p[w] + 8 * k));
      h[w] = Rotl(h[w], 27) * kP1 + kP4;
    }
  }
  constexpr size_t kAt4 = kRem / 8 * 8;
  if constexpr ((kRem & 4) != 0) {
#pragma GCC unroll 64
    for (size_t w = 0; w < W; ++w) {
      h[w] ^= Read32(p[w] + kAt4) * kP1;
      h[w] = Rotl(h[w], 23) * kP2 + kP3;
    }
  }
  constexpr size_t kAt1 = kAt4 + (kRem & 4);
#pragma GCC unroll 64
  for (size_t k = 0; k < (kRem & 3); ++k) {
#pragma GCC unroll 64
    for (size_t w = 0; w < W; ++w) {
      h[w] ^= p[w][kAt1 + k] * kP5;
      h[w] = Rotl(h[w], 11) * kP1;
    }
  }
#pragma GCC unroll 64
  for (size_t w = 0; w < W; ++w) res[w] = Avalanche(h[w]);
}

// ---- 4 strings of one length in the lanes of AVX2 registers ----------------
//
// 64-bit multiply by a constant c per lane (no vpmullq in AVX2): the low
// product xlo*clo with vpmuludq, the cross terms with vpmulld already in the
// high dword: x * (clo << 32) gives (xhi*clo) << 32 and swap32(x) *
// (chi << 32) gives (xlo*chi) << 32 (mod 2^64). 6 operations, 3 multiplies
// on two ports: ~2x the scalar imul throughput for 4 strings at once.
struct VecConst {
  __m256i lo, lo_hi, hi_hi;
  explicit VecConst(uint64_t c)
      : lo(_mm256_set1_epi64x(static_cast<int64_t>(c & 0xFFFFFFFFu))),
        lo_hi(_mm256_set1_epi64x(static_cast<int64_t>(c << 32))),
        hi_hi(_mm256_set1_epi64x(static_cast<int64_t>(c & 0xFFFFFFFF00000000ULL))) {}
};
inline __m256i VMul(__m256i x, const VecConst& c) {
  const __m256i lo = _mm256_mul_epu32(x, c.lo);
  const __m256i c1 = _mm256_mullo_epi32(x, c.lo_hi);
  const __m256i c2 = _mm256_mullo_epi32(_mm256_shuffle_epi32(x, 0xB1), c.hi_hi);
  return _mm256_add_epi64(lo, _mm256_add_epi64(c1, c2));
}
template <int R>
inline __m256i VRotl(__m256i x) {
  return _mm256_or_si256(_mm256_slli_epi64(x, R), _mm256_srli_epi64(x, 64 - R));
}
inline __m256i Gather64(const unsigned char* const* q, size_t off) {
  return _mm256_set_epi64x(
      static_cast<int64_t>(Read64(q[3] + off)), static_cast<int64_t>(Read64(q[2] + off)),
      static_cast<int64_t>(Read64(q[1] + off)), static_cast<int64_t>(Read64(q[0] + off)));
}
inline __m256i Gather32(const unsigned char* const* q, size_t off) {
  return _mm256_set_epi64x(
      static_cast<int64_t>(Read32(q[3] + off)), static_cast<int64_t>(Read32(q[2] + off)),
      static_cast<int64_t>(Read32(q[1] + off)), static_cast<int64_t>(Read32(q[0] + off)));
}

// XXH64(q[w], L, 0) for w < 4 * kNv, 4 <= L < 32 (reads only the strings'
// bytes: the last 1-3 bytes come from the 4-byte word ending at the string's
// end). kNv vectors side by side, so that their dependency chains overlap.
template <size_t L, size_t kNv>
inline void FixedVec(const unsigned char* const* q, uint64_t* res) {
  static_assert(L >= 4 && L < 32);
  const VecConst p1(kP1), p2(kP2), p3(kP3), p5(kP5);
  __m256i h[kNv];
#pragma GCC unroll 4
  for (size_t v = 0; v < kNv; ++v) h[v] = _mm256_set1_epi64x(static_cast<int64_t>(kP5 + L));
#pragma GCC unroll 4
  for (size_t k = 0; k < L / 8; ++k) {
#pragma GCC unroll 4
    for (size_t v = 0; v < kNv; ++v) {
      const __m256i k1 = VMul(VRotl<31>(VMul(Gather64(q + 4 * v, 8 * k), p2)), p1);
      h[v] = _mm256_xor_si256(h[v], k1);
      h[v] = _mm256_add_epi64(VMul(VRotl<27>(h[v]), p1),
                              _mm256_set1_epi64x(static_cast<int64_t>(kP4)));
    }
  }
  constexpr size_t kAt4 = L / 8 * 8;
  if constexpr ((L & 4) != 0) {
#pragma GCC unroll 4
    for (size_t v = 0; v < kNv; ++v) {
      h[v] = _mm256_xor_si256(h[v], VMul(Gather32(q + 4 * v, kAt4), p1));
      h[v] = _mm256_add_epi64(VMul(VRotl<23>(h[v]), p2),
                              _mm256_set1_epi64x(static_cast<int64_t>(kP3)));
    }
  }
  constexpr size_t kBytes = L & 3;
  if constexpr (kBytes != 0) {
    const __m256i ff = _mm256_set1_epi64x(0xFF);
    __m256i w[kNv];
#pragma GCC unroll 4
    for (size_t v = 0; v < kNv; ++v) w[v] = Gather32(q + 4 * v, L - 4);
#pragma GCC unroll 4
    for (size_t k = 0; k < kBytes; ++k) {
#pragma GCC unroll 4
      for (size_t v = 0; v < kNv; ++v) {
        const __m256i byte =
            _mm256_and_si256(_mm256_srli_epi64(w[v], static_cast<int>(8 * (4 - kBytes + k))), ff);
        h[v] = _mm256_xor_si256(h[v], VMul(byte, p5));
        h[v] = VMul(VRotl<11>(h[v]), p1);
      }
    }
  }
#pragma GCC unroll 4
  for (size_t v = 0; v < kNv; ++v) {
    __m256i x = h[v];
    x = _mm256_xor_si256(x, _mm256_srli_epi64(x, 33));
    x = VMul(x, p2);
    x = _mm256_xor_si256(x, _mm256_srli_epi64(x, 29));
    x = VMul(x, p3);
    x = _mm256_xor_si256(x, _mm256_srli_epi64(x, 32));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(res + 4 * v), x);
  }
}

template <size_t L>
void HashClass(const unsigned char* base, const uint32_t* starts, const uint32_t* idx, size_t n,
               uint64_t* out) {
  size_t k = 0;
  if constexpr (L >= 4 && L < 32) {
    // 8 strings (two vectors) at a time: measured ~0.9x of the scalar
    // routine; one vector, or one vector next to 4 scalar strings, is not
    // faster than the scalar routine alone.
    constexpr size_t kNv = 2, kW = 4 * kNv;
    for (; k + kW <= n; k += kW) {
      const unsigned char* p[kW];
      alignas(32) uint64_t r[kW];
#pragma GCC unroll 8
      for (size_t w = 0; w < kW; ++w) p[w] = base + starts[idx[k + w]];
      FixedVec<L, kNv>(p, r);
#pragma GCC unroll 8
      for (size_t w = 0; w < kW; ++w) out[idx[k + w]] = r[w];
    }
  }
  constexpr size_t kW = 4;  // 2-6 measured alike; 1 (no interleaving) is slower
  for (; k + kW <= n; k += kW) {
    const unsigned char* p[kW];
    uint64_t r[kW];
#pragma GCC unroll 8
    for (size_t w = 0; w < kW; ++w) p[w] = base + starts[idx[k + w]];
    FixedW<L, kW>(p, r);
#pragma GCC unroll 8
    for (size_t w = 0; w < kW; ++w) out[idx[k + w]] = r[w];
  }
  for (; k < n; ++k) {
    const uint32_t i = idx[k];
    out[i] = Fixed<L>(base + starts[i]);
  }
}

template <size_t... L>
constexpr std::array<ClassFn, sizeof...(L)> MakeTable(std::index_sequence<L...>) {
  return {&HashClass<L>...};
}
constexpr auto kClassFns = MakeTable(std::make_index_sequence<kMaxFixedLength + 1>());

using OneFn = uint64_t (*)(const unsigned char*);
template <size_t... L>
constexpr std::array<OneFn, sizeof...(L)> MakeOneTable(std::index_sequence<L...>) {
  return {&Fixed<L>...};
}
constexpr auto kOneFns = MakeOneTable(std::make_index_sequence<kMaxFixedLength + 1>());

constexpr size_t kGeneric = kMaxFixedLength + 1;  // class of longer strings

}  // namespace

uint64_t Xxh64Dispatch(const char* p, size_t len) {
  if (len > kMaxFixedLength) return XXH64(p, len, 0);
  return kOneFns[len](reinterpret_cast<const unsigned char*>(p));
}

void HashNgrams(const char* base, const uint32_t* starts, size_t words, size_t ngram,
                size_t text_end, uint64_t* out, uint32_t* scratch) {
  if (words < ngram) return;
  const size_t count = words - ngram + 1;
  uint32_t* const cls = scratch;            // length class of n-gram i
  uint32_t* const order = scratch + count;  // indices grouped by class
  // Pass 1 (AVX2, 8 n-grams per step): the class of every n-gram and the
  // range [lo, hi] of classes used. All but the last n-gram end one byte
  // before the start of the word after.
  const size_t inner = count - 1;
  auto class_of = [](size_t len) { return static_cast<uint32_t>(len < kGeneric ? len : kGeneric); };
  const __m256i one = _mm256_set1_epi32(1);
  const __m256i cap = _mm256_set1_epi32(static_cast<int>(kGeneric));
  __m256i vmin = cap, vmax = _mm256_setzero_si256();
  size_t i = 0;
  for (; i + 8 <= inner; i += 8) {
    const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(starts + i));
    const __m256i e = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(starts + i + ngram));
    const __m256i c = _mm256_min_epu32(_mm256_sub_epi32(_mm256_sub_epi32(e, b), one), cap);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(cls + i), c);
    vmin = _mm256_min_epu32(vmin, c);
    vmax = _mm256_max_epu32(vmax, c);
  }
  alignas(32) uint32_t lane_min[8], lane_max[8];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lane_min), vmin);
  _mm256_store_si256(reinterpret_cast<__m256i*>(lane_max), vmax);
  uint32_t lo = static_cast<uint32_t>(kGeneric), hi = 0;
  for (int k = 0; k < 8; ++k) {
    lo = std::min(lo, lane_min[k]);
    hi = std::max(hi, lane_max[k]);
  }
  for (; i < inner; ++i) {
    cls[i] = class_of(starts[i + ngram] - 1 - starts[i]);
    lo = std::min(lo, cls[i]);
    hi = std::max(hi, cls[i]);
  }
  cls[inner] = class_of(text_end - starts[inner]);
  lo = std::min(lo, cls[inner]);
  hi = std::max(hi, cls[inner]);
  // Counting sort with kSets interleaved histograms (n-gram i uses set
  // i % kSets), so that runs of one class do not serialise on one counter.
  constexpr size_t kSets = 4, kClasses = kGeneric + 1;
  uint32_t pos[kSets][kClasses];
  for (size_t s = 0; s < kSets; ++s) {
    for (uint32_t c = lo; c <= hi; ++c) pos[s][c] = 0;
  }
  i = 0;
  for (; i + kSets <= count; i += kSets) {
#pragma GCC unroll 4
    for (size_t s = 0; s < kSets; ++s) ++pos[s][cls[i + s]];
  }
  for (; i < count; ++i) ++pos[i % kSets][cls[i]];
  uint32_t begin[kClasses + 1];
  uint32_t sum = 0;
  for (uint32_t c = lo; c <= hi; ++c) {
    begin[c] = sum;
    for (size_t s = 0; s < kSets; ++s) {
      const uint32_t n = pos[s][c];
      pos[s][c] = sum;
      sum += n;
    }
  }
  begin[hi + 1] = sum;
  i = 0;
  for (; i + kSets <= count; i += kSets) {
#pragma GCC unroll 4
    for (size_t s = 0; s < kSets; ++s) order[pos[s][cls[i + s]]++] = static_cast<uint32_t>(i + s);
  }
  for (; i < count; ++i) order[pos[i % kSets][cls[i]]++] = static_cast<uint32_t>(i);
  const auto* ubase = reinterpret_cast<const unsigned char*>(base);
  const uint32_t fixed_hi = std::min<uint32_t>(hi, kMaxFixedLength);
  for (uint32_t c = lo; c <= fixed_hi; ++c) {
    const size_t n = begin[c + 1] - begin[c];
    if (n) kClassFns[c](ubase, starts, order + begin[c], n, out);
  }
  if (hi == kGeneric) {
    for (uint32_t k = begin[kGeneric]; k < begin[kGeneric + 1]; ++k) {
      const uint32_t j = order[k];
      const size_t end = j + ngram < words ? starts[j + ngram] - 1 : text_end;
      out[j] = XXH64(base + starts[j], end - starts[j], 0);
    }
  }
}

}  // namespace winnow::cleaners
