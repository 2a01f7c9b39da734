#include "minhash.h"

#include <cstring>

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace winnow::cleaners {

namespace detail {
void SignKernelV4(const uint64_t* a, const uint64_t* b, size_t num_perm, const uint64_t* x,
                  size_t n, uint64_t* sig);
void SignKernelAvx2(const uint64_t* a, const uint64_t* a_hi, const uint64_t* b, size_t num_perm,
                    const uint64_t* x, size_t n, uint64_t* sig);
bool CpuHasV4();
}  // namespace detail

// ---- numpy legacy MT19937 -------------------------------------------------

NumpyLegacyRandom::NumpyLegacyRandom(uint32_t seed) {
  // init_genrand, as numpy's mt19937_seed.
  for (int i = 0; i < 624; ++i) {
    mt_[i] = seed;
    seed = 1812433253U * (seed ^ (seed >> 30)) + static_cast<uint32_t>(i + 1);
  }
  pos_ = 624;
}

void NumpyLegacyRandom::Reload() {
  constexpr uint32_t kUpper = 0x80000000U, kLower = 0x7fffffffU, kMatrix = 0x9908b0dfU;
  for (int i = 0; i < 624; ++i) {
    uint32_t y = (mt_[i] & kUpper) | (mt_[(i + 1) % 624] & kLower);
    mt_[i] = mt_[(i + 397) % 624] ^ (y >> 1) ^ ((y & 1U) ? kMatrix : 0U);
  }
  pos_ = 0;
}

uint32_t NumpyLegacyRandom::Next32() {
  if (pos_ == 624) Reload();
  uint32_t y = mt_[pos_++];
  y ^= (y >> 11);
  y ^= (y << 7) & 0x9d2c5680U;
  y ^= (y << 15) & 0xefc60000U;
  y ^= (y >> 18);
  return y;
}

uint64_t NumpyLegacyRandom::Next64() {
  uint64_t hi = Next32();
  uint64_t lo = Next32();
  return (hi << 32) | lo;
}

uint64_t NumpyLegacyRandom::RandInt(uint64_t low, uint64_t high) {
  // numpy _rand_uint64 with use_masked=True: rng = high - 1 - low, mask = next
  // power of two minus one, draw until (next64 & mask) <= rng.
  uint64_t rng = high - 1 - low;
  if (rng == 0) return low;
  uint64_t mask = rng;
  mask |= mask >> 1;
  mask |= mask >> 2;
  mask |= mask >> 4;
  mask |= mask >> 8;
  mask |= mask >> 16;
  mask |= mask >> 32;
  if (rng <= 0xFFFFFFFFULL) {
    // numpy draws 32-bit values for 32-bit ranges.
    uint32_t m32 = static_cast<uint32_t>(mask), val;
    while ((val = (Next32() & m32)) > rng) {
    }
    return low + val;
  }
  uint64_t val;
  while ((val = (Next64() & mask)) > rng) {
  }
  return low + val;
}

// ---- MinHasher -------------------------------------------------------------

MinHasher::MinHasher(int num_perm, uint32_t seed) {
  NumpyLegacyRandom gen(seed);
  a_.resize(static_cast<size_t>(num_perm));
  b_.resize(static_cast<size_t>(num_perm));
  a_hi_.resize(static_cast<size_t>(num_perm));
  for (auto& v : a_) v = gen.RandInt(1, kMersenne61);
  for (auto& v : b_) v = gen.RandInt(0, kMersenne61);
  for (size_t j = 0; j < a_.size(); ++j) a_hi_[j] = a_[j] >> 32;
  use_v4_ = detail::CpuHasV4();
}

uint64_t MinHasher::Permute(uint64_t x, int j) const {
  return ModMersenne61(x * a_[static_cast<size_t>(j)] + b_[static_cast<size_t>(j)]);
}

void MinHasher::SignScalar(const uint64_t* shingles, size_t n, uint64_t* sig) const {
  for (size_t j = 0; j < a_.size(); ++j) {
    uint64_t m = UINT64_MAX;
    for (size_t i = 0; i < n; ++i) {
      uint64_t p = ModMersenne61(shingles[i] * a_[j] + b_[j]);
      m = p < m ? p : m;
    }
    sig[j] = m;
  }
}

void MinHasher::Sign(const uint64_t* shingles, size_t n, uint64_t* sig) const {
  if (use_v4_) {
    detail::SignKernelV4(a_.data(), b_.data(), a_.size(), shingles, n, sig);
  } else {
    detail::SignKernelAvx2(a_.data(), a_hi_.data(), b_.data(), a_.size(), shingles, n, sig);
  }
}

const char* MinHasher::kernel_name() const {
  return use_v4_ ? "avx512 (x86-64-v4)" : "avx2 (x86-64-v3)";
}

void MinHasher::ForceKernelForTesting(bool v4) {
  use_v4_ = v4 && detail::CpuHasV4();
}

// ---- helpers ---------------------------------------------------------------

void BandKeys(const uint64_t* sig, int bands, int rows, uint64_t* keys) {
  for (int band = 0; band < bands; ++band) {
    keys[band] = XXH3_64bits_withSeed(sig + static_cast<size_t>(band) * static_cast<size_t>(rows),
                                      sizeof(uint64_t) * static_cast<size_t>(rows),
                                      static_cast<uint64_t>(band));
  }
}

double JaccardSorted(const uint64_t* a, size_t na, const uint64_t* b, size_t nb) {
  if (na == 0 && nb == 0) return 1.0;
  size_t i = 0, j = 0, inter = 0;
  while (i < na && j < nb) {
    if (a[i] < b[j]) {
      ++i;
    } else if (b[j] < a[i]) {
      ++j;
    } else {
      ++inter;
      ++i;
      ++j;
    }
  }
  return static_cast<double>(inter) / static_cast<double>(na + nb - inter);
}

}  // namespace winnow::cleaners
