#include "minhash_dedup_fast.h"

#include <immintrin.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <utility>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "ascii_kernels.h"
#include "minhash_dedup_xxh64.h"

namespace winnow::cleaners {

namespace {

constexpr size_t kHashChunk = size_t{1} << 16;

using ascii::CompactBlock;
using ascii::ValidMask;

}  // namespace

// ---- Shingler -------------------------------------------------------------------

bool Shingler::TokenizeAscii(std::string_view text) {
  const size_t n = text.size();
  // Pass 1: text -> mapped_ (after a leading ' ' sentinel for pass 2); the
  // OR of all bytes tells whether the text is ASCII.
  if (mapped_.size() < n + 72) mapped_.resize(n + 72);
  char* const m0 = mapped_.data();
  m0[0] = ' ';
  char* out = m0 + 1;
  const char* in = text.data();
  __m256i any = _mm256_setzero_si256();
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m256i c = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(in + i));
    any = _mm256_or_si256(any, c);
    out = ascii::SimplifyMapBlock(c, 0xFFFFFFFFu, out);
  }
  if (i < n) {
    alignas(32) char tail[32] = {};
    std::memcpy(tail, in + i, n - i);
    const __m256i c = _mm256_load_si256(reinterpret_cast<const __m256i*>(tail));
    any = _mm256_or_si256(any, c);
    out = ascii::SimplifyMapBlock(c, ValidMask(n - i), out);
  }
  if (_mm256_movemask_epi8(any) != 0) return false;  // a byte >= 0x80
  const size_t mlen = static_cast<size_t>(out - (m0 + 1));

  // Pass 2: drop a ' ' after ' ' (and after the sentinel: leading spaces) and
  // a '0' after '0' (digit runs; letters are never '0'); count the spaces
  // kept (an upper bound of the words, to size `starts`).
  std::string& t = tokens_.text;
  if (t.size() < mlen + 40) t.resize(mlen + 40);
  char* const t0 = t.data();
  char* o = t0;
  const char* src = m0 + 1;
  const __m256i space = _mm256_set1_epi8(' ');
  size_t spaces = 0;
  for (size_t j = 0; j < mlen; j += 32) {
    const __m256i cur = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + j));
    const __m256i prev = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + j - 1));
    const __m256i is_space = _mm256_cmpeq_epi8(cur, space);
    const __m256i collapsible =
        _mm256_or_si256(is_space, _mm256_cmpeq_epi8(cur, _mm256_set1_epi8('0')));
    const __m256i drop = _mm256_and_si256(_mm256_cmpeq_epi8(cur, prev), collapsible);
    const uint32_t keep = ~static_cast<uint32_t>(_mm256_movemask_epi8(drop)) & ValidMask(mlen - j);
    spaces += static_cast<size_t>(
        __builtin_popcount(static_cast<uint32_t>(_mm256_movemask_epi8(is_space)) & keep));
    o = CompactBlock<true>(cur, keep, o);
  }
  size_t tlen = static_cast<size_t>(o - t0);
  if (tlen > 0 && t0[tlen - 1] == ' ') --tlen;  // trailing space

  // Pass 3: a word starts at 0 and after every ' ' (written 4 at a time
  // without a data-dependent branch for up to 4 per block; `starts` has 8
  // values of slack). NLTK contractions (cannot, gimme, gonna, gotta, lemme,
  // wanna) all have a doubled n, m or t at offsets 2-3: those pairs are found
  // in the same pass and the few words around them checked exactly.
  std::vector<uint32_t>& starts = tokens_.starts;
  starts.resize(spaces + 1 + 8);
  uint32_t* st = starts.data();
  size_t words = 0;
  if (tlen > 0) st[words++] = 0;
  bool contraction = false;
  const __m256i nn = _mm256_set1_epi8('n'), mm = _mm256_set1_epi8('m'), tt = _mm256_set1_epi8('t');
  for (size_t j = 0; j < tlen; j += 32) {
    const __m256i cur = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(t0 + j));
    const uint32_t valid = ValidMask(tlen - j);
    uint32_t sp =
        static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(cur, space))) & valid;
    const size_t cnt = static_cast<size_t>(__builtin_popcount(sp));
    uint32_t* w = st + words;
    const uint32_t base = static_cast<uint32_t>(j + 1);
#pragma GCC unroll 4
    for (int k = 0; k < 4; ++k) {
      w[k] = base + static_cast<uint32_t>(_tzcnt_u32(sp));
      sp = _blsr_u32(sp);
    }
    if (cnt > 4) {
      for (size_t k = 4; sp; ++k) {
        w[k] = base + static_cast<uint32_t>(_tzcnt_u32(sp));
        sp = _blsr_u32(sp);
      }
    }
    words += cnt;
    if (contraction) continue;
    const __m256i next = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(t0 + j + 1));
    const __m256i letter =
        _mm256_or_si256(_mm256_or_si256(_mm256_cmpeq_epi8(cur, nn), _mm256_cmpeq_epi8(cur, mm)),
                        _mm256_cmpeq_epi8(cur, tt));
    uint32_t cand = static_cast<uint32_t>(_mm256_movemask_epi8(
                        _mm256_and_si256(letter, _mm256_cmpeq_epi8(cur, next)))) &
                    ValidMask(tlen - 1 - j);
    while (cand) {
      const size_t k = j + static_cast<size_t>(__builtin_ctz(cand));
      cand &= cand - 1;
      if (k < 2) continue;
      const size_t start = k - 2;
      if (start > 0 && t0[start - 1] != ' ') continue;
      size_t len = 5;
      if (start + 5 < tlen && t0[start + 5] != ' ') len = 6;
      if (start + len < tlen && t0[start + len] != ' ') continue;
      if (start + len <= tlen && IsNltkContraction(t0 + start, len)) {
        contraction = true;
        break;
      }
    }
  }
  starts.resize(words);  // shrinking keeps the capacity
  tlen_ = tlen;
  if (contraction) SplitContractions();
  return true;
}

void Shingler::SplitContractions() {
  // Rare: rebuild with the contractions split ("cannot" -> "can not").
  std::string& t = tokens_.text;
  std::vector<uint32_t>& starts = tokens_.starts;
  t.resize(tlen_);
  std::string rebuilt;
  rebuilt.reserve(tlen_ + tlen_ / 4 + 40);
  std::vector<uint32_t> rstarts;
  rstarts.reserve(starts.size() + 8);
  for (size_t w = 0; w < starts.size(); ++w) {
    const std::string_view word = tokens_.Word(w);
    if (!rebuilt.empty()) rebuilt.push_back(' ');
    rstarts.push_back(static_cast<uint32_t>(rebuilt.size()));
    if (IsNltkContraction(word.data(), word.size())) {
      rebuilt.append(word.substr(0, 3));
      rebuilt.push_back(' ');
      rstarts.push_back(static_cast<uint32_t>(rebuilt.size()));
      rebuilt.append(word.substr(3));
    } else {
      rebuilt.append(word);
    }
  }
  tlen_ = rebuilt.size();
  rebuilt.resize(tlen_ + 40);
  t.swap(rebuilt);
  starts.swap(rstarts);
}

void Shingler::Shingles(std::string_view text, int n, bool whole_if_short,
                        std::vector<uint64_t>* out) {
  // ASCII text, or text that is ASCII apart from white space and deleted
  // punctuation (curly quotes, dashes), takes the fast tokeniser.
  last_reference_ =
      !TokenizeAscii(text) && !(FoldSimpleUnicode(text, &folded_) && TokenizeAscii(folded_));
  if (last_reference_) {
    reference_.Tokenize(text, &tokens_);
    ShingleHashes(tokens_, n, whole_if_short, out);
    return;
  }
  tokens_.text.resize(tlen_);  // shrinking keeps the capacity
  out->clear();
  const size_t count = tokens_.size();
  const size_t ng = static_cast<size_t>(n);
  if (count < ng) {
    if (whole_if_short && count > 0) {
      out->push_back(XXH64(tokens_.text.data(), tokens_.text.size(), 0));
    }
    return;
  }
  const size_t total = count - ng + 1;
  out->resize(total);
  // In chunks of kHashChunk n-grams, so that the sort's scratch stays small
  // for huge documents.
  const size_t chunk = std::min(total, kHashChunk);
  if (hash_scratch_.size() < 2 * chunk) hash_scratch_.resize(2 * chunk);
  const uint32_t* st = tokens_.starts.data();
  for (size_t i0 = 0; i0 < total; i0 += kHashChunk) {
    const size_t i1 = std::min(total, i0 + kHashChunk);
    // The chunk's last n-gram ends before the word after it, or at the end.
    const size_t end = i1 < total ? st[i1 - 1 + ng] - 1 : tokens_.text.size();
    HashNgrams(tokens_.text.data(), st + i0, i1 - i0 + ng - 1, ng, end, out->data() + i0,
               hash_scratch_.data());
  }
}

// ---- Signer -------------------------------------------------------------------

namespace {

uint64_t ExactMin(uint64_t a, uint64_t b, const uint64_t* x, size_t n) {
  uint64_t m = UINT64_MAX;
  for (size_t i = 0; i < n; ++i) {
    const uint64_t p = ModMersenne61(x[i] * a + b);
    m = p < m ? p : m;
  }
  return m;
}

// The permuted value of x is ModMersenne61(v) with v = x*a + b (mod 2^64).
// Both kernels below minimise instead
//   u = (w + (w >> 61)) & p,  w = v + 1 = x*a + (b + 1)  (mod 2^64)
// (3 operations after the product). Writing v = h*2^61 + l (h < 8, l <= p):
//  * when l < p and r = l + h < p (the common case), w = h*2^61 + l + 1 and
//    u = r + 1 <= p, so u orders the values like r = ModMersenne61(v);
//  * otherwise (l == p, or r in [p, p+7]: the reduced value is r - p <= 7)
//    u lands in [0, 7].
// So when the minimum of u is >= 8 the signature value is min - 1; a minimum
// <= 7 (probability ~2^-58 per value) is recomputed with ExactMin.
inline uint64_t Resolve(uint64_t min_u, uint64_t a, uint64_t b, const uint64_t* x, size_t n) {
  return min_u >= 8 ? min_u - 1 : ExactMin(a, b, x, n);
}

// m = min(m, u) for values below 2^62: the sign of u - m says u < m, and
// vblendvpd reads only the sign bit of each lane.
inline void MinInPlace(__m256i& m, __m256i u) {
  m = _mm256_castpd_si256(_mm256_blendv_pd(_mm256_castsi256_pd(m), _mm256_castsi256_pd(u),
                                           _mm256_castsi256_pd(_mm256_sub_epi64(u, m))));
}

// kVg groups of 4 permutations with AVX2 and kK permutations with scalar
// 64-bit multiplies, in one pass over the shingles: the vector units are the
// bottleneck and the scalar ones otherwise idle. Permutations j0 ..
// j0 + 4*kVg - 1 are vector ones, the next kK scalar ones.
//
// Vector product x*a mod 2^64 per 4 lanes with one vpmuludq and two vpmulld:
// lo = xlo*alo (64-bit), then the cross terms already shifted into the high
// dword: vpmulld(x, a << 32) = (xhi*alo mod 2^32) << 32 and
// vpmulld(swap32(x), a & ~0xFFFFFFFF) = (xlo*ahi mod 2^32) << 32.
// Minimum: u and m are below 2^62, so the sign of u - m says u < m
// (vblendvpd reads only the sign bit of each lane).
template <int kVg, int kK>
inline void SignBlock(const Signer::Params& q, size_t j0, const uint64_t* x, size_t n,
                      uint64_t* sig) {
  const __m256i p = _mm256_set1_epi64x(static_cast<int64_t>(kMersenne61));
  __m256i m[kVg > 0 ? kVg : 1];
  uint64_t ms[kK > 0 ? kK : 1], sa[kK > 0 ? kK : 1], sb[kK > 0 ? kK : 1];
#pragma GCC unroll 8
  for (int g = 0; g < kVg; ++g) m[g] = _mm256_set1_epi64x(int64_t{1} << 62);
  const size_t js = j0 + 4 * kVg;
#pragma GCC unroll 8
  for (int k = 0; k < kK; ++k) {
    ms[k] = UINT64_MAX;
    sa[k] = q.a[js + k];
    sb[k] = q.b1[js + k];
  }
  auto load = [](const uint64_t* ptr) {
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ptr));
  };
  for (size_t i = 0; i < n; ++i) {
    const uint64_t xi = x[i];
    const __m256i xv = _mm256_set1_epi64x(static_cast<int64_t>(xi));
    const __m256i xs = _mm256_shuffle_epi32(xv, 0xB1);
#pragma GCC unroll 8
    for (int g = 0; g < kVg; ++g) {
      const size_t o = j0 + 4 * static_cast<size_t>(g);
      const __m256i lo = _mm256_mul_epu32(xv, load(q.a + o));
      const __m256i c1 = _mm256_mullo_epi32(xv, load(q.a_lo_hi + o));
      const __m256i c2 = _mm256_mullo_epi32(xs, load(q.a_hi_hi + o));
      const __m256i w =
          _mm256_add_epi64(_mm256_add_epi64(lo, load(q.b1 + o)), _mm256_add_epi64(c1, c2));
      const __m256i u = _mm256_and_si256(_mm256_add_epi64(w, _mm256_srli_epi64(w, 61)), p);
      MinInPlace(m[g], u);
    }
#pragma GCC unroll 8
    for (int k = 0; k < kK; ++k) {
      const uint64_t w = xi * sa[k] + sb[k];
      const uint64_t u = (w + (w >> 61)) & kMersenne61;
      ms[k] = u < ms[k] ? u : ms[k];
    }
  }
#pragma GCC unroll 8
  for (int g = 0; g < kVg; ++g) {
    alignas(32) uint64_t lanes[4];
    _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), m[g]);
    for (size_t k = 0; k < 4; ++k) {
      const size_t j = j0 + 4 * static_cast<size_t>(g) + k;
      sig[j] = Resolve(lanes[k], q.a[j], q.b[j], x, n);
    }
  }
#pragma GCC unroll 8
  for (int k = 0; k < kK; ++k) sig[js + k] = Resolve(ms[k], sa[k], q.b[js + k], x, n);
}

// Blocks of 3 vector groups + 2 scalar permutations (the fastest split
// measured on Zen 3: 12 vector + 2 scalar per pass), then the rest.
constexpr size_t kBlockVg = 3, kBlockScalar = 2, kBlock = 4 * kBlockVg + kBlockScalar;

template <size_t kRest>
void SignRest(const Signer::Params& q, size_t j0, const uint64_t* x, size_t n, uint64_t* sig) {
  SignBlock<static_cast<int>(kRest / 4), static_cast<int>(kRest % 4)>(q, j0, x, n, sig);
}

using RestFn = void (*)(const Signer::Params&, size_t, const uint64_t*, size_t, uint64_t*);
template <size_t... R>
constexpr std::array<RestFn, sizeof...(R)> MakeRestTable(std::index_sequence<R...>) {
  return {&SignRest<R>...};
}
constexpr auto kRestFns = MakeRestTable(std::make_index_sequence<kBlock>());

void SignAvx2(const Signer::Params& q, size_t num_perm, const uint64_t* x, size_t n,
              uint64_t* sig) {
  if (n == 0) {
    for (size_t j = 0; j < num_perm; ++j) sig[j] = UINT64_MAX;
    return;
  }
  size_t j = 0;
  for (; j + kBlock <= num_perm; j += kBlock) {
    SignBlock<kBlockVg, kBlockScalar>(q, j, x, n, sig);
  }
  if (j < num_perm) kRestFns[num_perm - j](q, j, x, n, sig);
}

}  // namespace

Signer::Signer(const MinHasher& hasher) : hasher_(hasher) {
  const size_t n = hasher.a().size();
  a_ = hasher.a();
  b_ = hasher.b();
  a_lo_hi_.resize(n);
  a_hi_hi_.resize(n);
  b1_.resize(n);
  for (size_t j = 0; j < n; ++j) {
    a_lo_hi_[j] = a_[j] << 32;
    a_hi_hi_[j] = a_[j] & 0xFFFFFFFF00000000ULL;
    b1_[j] = b_[j] + 1;
  }
  params_ = Params{a_.data(), a_lo_hi_.data(), a_hi_hi_.data(), b_.data(), b1_.data()};
  use_reference_ = std::strncmp(hasher.kernel_name(), "avx512", 6) == 0;
}

void Signer::Sign(const uint64_t* shingles, size_t n, uint64_t* sig) const {
  if (use_reference_) {
    hasher_.Sign(shingles, n, sig);
    return;
  }
  SignAvx2(params_, a_.size(), shingles, n, sig);
}

const char* Signer::kernel_name() const {
  return use_reference_ ? hasher_.kernel_name() : "avx2+scalar (x86-64-v3, 3-op reduction)";
}

}  // namespace winnow::cleaners
