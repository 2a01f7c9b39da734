// minhash.h — MinHash signatures and LSH band keys, compatible with datatrove.
//
// Shared by cleaner/minhash_dedup (and meant for reuse, e.g. by a diversity
// sampler). Everything here is a pure function of its inputs: no I/O, no global
// state, thread-safe for concurrent const use.
//
// Compatibility with datatrove (src/datatrove/pipeline/dedup/minhash.py):
//   * permutation parameters come from numpy's legacy RandomState(seed):
//     a = randint(1, p, size=P), then b = randint(0, p, size=P), p = 2^61-1,
//     reproduced exactly by NumpyLegacyRandom below;
//   * the permuted value of a 64-bit shingle hash x is datatrove's numpy
//     expression (x * a + b) % p evaluated in uint64, i.e. the product and sum
//     wrap modulo 2^64 before the reduction modulo p (so "permutation" is a
//     slight misnomer, but the values are bit-identical to datatrove's);
//   * a signature is the element-wise minimum over the shingles; 64-bit
//     precision (datatrove's HashConfig default).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace winnow::cleaners {

inline constexpr uint64_t kMersenne61 = (uint64_t{1} << 61) - 1;

// numpy.random.RandomState(seed) (legacy MT19937 seeding) restricted to what
// datatrove uses: randint(low, high, dtype=uint64) with masked rejection.
class NumpyLegacyRandom {
 public:
  explicit NumpyLegacyRandom(uint32_t seed);
  uint32_t Next32();
  uint64_t Next64();  // numpy: (next32 << 32) | next32
  // Uniform in [low, high) like RandomState.randint(low, high, dtype=np.uint64).
  uint64_t RandInt(uint64_t low, uint64_t high);

 private:
  void Reload();
  uint32_t mt_[624];
  int pos_ = 624;
};

// Permutation parameters and signing. num_perm = bands * rows.
class MinHasher {
 public:
  MinHasher(int num_perm, uint32_t seed);

  int num_perm() const { return static_cast<int>(a_.size()); }
  const std::vector<uint64_t>& a() const { return a_; }
  const std::vector<uint64_t>& b() const { return b_; }

  // sig[j] = min over i of Permute(shingles[i], j). With n == 0 every entry
  // is UINT64_MAX (callers treat such documents as having no signature).
  // `sig` must hold num_perm() values. Uses the fastest kernel the CPU runs.
  void Sign(const uint64_t* shingles, size_t n, uint64_t* sig) const;

  // The same with the portable scalar loop (reference for tests).
  void SignScalar(const uint64_t* shingles, size_t n, uint64_t* sig) const;

  uint64_t Permute(uint64_t x, int j) const;

  // The kernel Sign() uses on this CPU: "avx512 (x86-64-v4)" or "avx2 (x86-64-v3)".
  const char* kernel_name() const;
  // Tests: use the AVX2 kernel even on an AVX-512 CPU (v4 = false), or the
  // AVX-512 one when the CPU has it (v4 = true).
  void ForceKernelForTesting(bool v4);

 private:
  std::vector<uint64_t> a_, b_, a_hi_;
  bool use_v4_ = false;
};

// (x mod 2^64) mod (2^61 - 1), branch-free.
inline uint64_t ModMersenne61(uint64_t v) {
  uint64_t r = (v & kMersenne61) + (v >> 61);
  uint64_t s = r - kMersenne61;
  return s < r ? s : r;
}

// One 64-bit key per band: XXH3-64 of the band's `rows` values (little-endian
// bytes), seeded with the band index, so equal keys mean equal band tuples
// (up to a 2^-64 collision chance) and keys of different bands differ.
void BandKeys(const uint64_t* sig, int bands, int rows, uint64_t* keys);

// Jaccard similarity of two sorted, de-duplicated hash sets (|A∩B| / |A∪B|;
// 1 when both are empty).
double JaccardSorted(const uint64_t* a, size_t na, const uint64_t* b, size_t nb);

}  // namespace winnow::cleaners
