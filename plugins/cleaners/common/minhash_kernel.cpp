// minhash_kernel.cpp — the signing loop, built for several instruction sets.
//
// One portable binary (baseline x86-64-v3, no -march=native) carries two
// kernels and picks one at run time (MinHasher's constructor):
//   * SignKernelV4: plain C++ that GCC vectorises for AVX-512 (x86-64-v4:
//     vpmullq, vpminuq); this file is compiled with -O3 (see CMakeLists.txt).
//   * SignKernelAvx2: AVX2 intrinsics; the 64-bit multiply is built from three
//     32-bit vpmuludq, and because every reduced value is below 2^61 the
//     minimum and the final conditional subtraction use signed compares.
// Both compute exactly MinHasher::SignScalar (tests compare them).
//
// Layout: permutations in blocks of 16; for each block the running minima stay
// in registers while all shingles stream through.
#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "minhash.h"

namespace winnow::cleaners::detail {

namespace {
constexpr size_t kLanes = 8;

inline uint64_t Perm(uint64_t x, uint64_t a, uint64_t b) {
  uint64_t v = x * a + b;  // wraps modulo 2^64, as datatrove's numpy uint64 does
  uint64_t r = (v & kMersenne61) + (v >> 61);
  uint64_t s = r - kMersenne61;
  return s < r ? s : r;
}

void ScalarTail(const uint64_t* a, const uint64_t* b, size_t j, size_t num_perm, const uint64_t* x,
                size_t n, uint64_t* sig) {
  for (; j < num_perm; ++j) {
    uint64_t m = UINT64_MAX;
    for (size_t i = 0; i < n; ++i) {
      uint64_t p = Perm(x[i], a[j], b[j]);
      m = p < m ? p : m;
    }
    sig[j] = m;
  }
}

// a_hi holds a >> 32. Returns ((x*a + b) mod 2^64) mod (2^61-1) per lane.
inline __m256i PermAvx2(__m256i xlo, __m256i xhi, __m256i a, __m256i ahi, __m256i b, __m256i p,
                        __m256i pm1) {
  __m256i lo = _mm256_mul_epu32(xlo, a);
  __m256i c1 = _mm256_mul_epu32(xhi, a);
  __m256i c2 = _mm256_mul_epu32(xlo, ahi);
  __m256i cross = _mm256_slli_epi64(_mm256_add_epi64(c1, c2), 32);
  __m256i v = _mm256_add_epi64(_mm256_add_epi64(lo, cross), b);
  __m256i r = _mm256_add_epi64(_mm256_and_si256(v, p), _mm256_srli_epi64(v, 61));
  __m256i ge = _mm256_cmpgt_epi64(r, pm1);  // r < 2^62: signed compare is safe
  return _mm256_sub_epi64(r, _mm256_and_si256(ge, p));
}

inline __m256i Min64(__m256i m, __m256i v) {  // both below 2^61
  return _mm256_blendv_epi8(m, v, _mm256_cmpgt_epi64(m, v));
}
}  // namespace

__attribute__((target("arch=x86-64-v4"))) void SignKernelV4(const uint64_t* __restrict a,
                                                            const uint64_t* __restrict b,
                                                            size_t num_perm,
                                                            const uint64_t* __restrict x, size_t n,
                                                            uint64_t* __restrict sig) {
  size_t j = 0;
  for (; j + 2 * kLanes <= num_perm; j += 2 * kLanes) {
    uint64_t a0[kLanes], b0[kLanes], m0[kLanes], a1[kLanes], b1[kLanes], m1[kLanes];
    for (size_t k = 0; k < kLanes; ++k) {
      a0[k] = a[j + k];
      b0[k] = b[j + k];
      m0[k] = UINT64_MAX;
      a1[k] = a[j + kLanes + k];
      b1[k] = b[j + kLanes + k];
      m1[k] = UINT64_MAX;
    }
    for (size_t i = 0; i < n; ++i) {
      const uint64_t xi = x[i];
      for (size_t k = 0; k < kLanes; ++k) {
        uint64_t p0 = Perm(xi, a0[k], b0[k]);
        m0[k] = p0 < m0[k] ? p0 : m0[k];
        uint64_t p1 = Perm(xi, a1[k], b1[k]);
        m1[k] = p1 < m1[k] ? p1 : m1[k];
      }
    }
    for (size_t k = 0; k < kLanes; ++k) {
      sig[j + k] = m0[k];
      sig[j + kLanes + k] = m1[k];
    }
  }
  for (; j + kLanes <= num_perm; j += kLanes) {
    uint64_t a0[kLanes], b0[kLanes], m0[kLanes];
    for (size_t k = 0; k < kLanes; ++k) {
      a0[k] = a[j + k];
      b0[k] = b[j + k];
      m0[k] = UINT64_MAX;
    }
    for (size_t i = 0; i < n; ++i) {
      const uint64_t xi = x[i];
      for (size_t k = 0; k < kLanes; ++k) {
        uint64_t p0 = Perm(xi, a0[k], b0[k]);
        m0[k] = p0 < m0[k] ? p0 : m0[k];
      }
    }
    for (size_t k = 0; k < kLanes; ++k) sig[j + k] = m0[k];
  }
  ScalarTail(a, b, j, num_perm, x, n, sig);
}

void SignKernelAvx2(const uint64_t* a, const uint64_t* a_hi, const uint64_t* b, size_t num_perm,
                    const uint64_t* x, size_t n, uint64_t* sig) {
  if (n == 0) {
    for (size_t j = 0; j < num_perm; ++j) sig[j] = UINT64_MAX;
    return;
  }
  const __m256i p = _mm256_set1_epi64x(static_cast<int64_t>(kMersenne61));
  const __m256i pm1 = _mm256_set1_epi64x(static_cast<int64_t>(kMersenne61 - 1));
  const __m256i init = _mm256_set1_epi64x(INT64_MAX);
  auto load = [](const uint64_t* q) {
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q));
  };
  auto store = [](uint64_t* q, __m256i v) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(q), v);
  };
  size_t j = 0;
  for (; j + 16 <= num_perm; j += 16) {
    __m256i m0 = init, m1 = init, m2 = init, m3 = init;
    for (size_t i = 0; i < n; ++i) {
      __m256i xlo = _mm256_set1_epi64x(static_cast<int64_t>(x[i]));
      __m256i xhi = _mm256_srli_epi64(xlo, 32);
      m0 = Min64(m0, PermAvx2(xlo, xhi, load(a + j), load(a_hi + j), load(b + j), p, pm1));
      m1 = Min64(m1,
                 PermAvx2(xlo, xhi, load(a + j + 4), load(a_hi + j + 4), load(b + j + 4), p, pm1));
      m2 = Min64(m2,
                 PermAvx2(xlo, xhi, load(a + j + 8), load(a_hi + j + 8), load(b + j + 8), p, pm1));
      m3 = Min64(
          m3, PermAvx2(xlo, xhi, load(a + j + 12), load(a_hi + j + 12), load(b + j + 12), p, pm1));
    }
    store(sig + j, m0);
    store(sig + j + 4, m1);
    store(sig + j + 8, m2);
    store(sig + j + 12, m3);
  }
  for (; j + 4 <= num_perm; j += 4) {
    __m256i m0 = init;
    for (size_t i = 0; i < n; ++i) {
      __m256i xlo = _mm256_set1_epi64x(static_cast<int64_t>(x[i]));
      __m256i xhi = _mm256_srli_epi64(xlo, 32);
      m0 = Min64(m0, PermAvx2(xlo, xhi, load(a + j), load(a_hi + j), load(b + j), p, pm1));
    }
    store(sig + j, m0);
  }
  ScalarTail(a, b, j, num_perm, x, n, sig);
}

bool CpuHasV4() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("x86-64-v4");
}

}  // namespace winnow::cleaners::detail
