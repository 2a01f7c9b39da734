// minhash_dedup_fast.h — the hot path of cleaner/minhash_dedup (issue 3).
//
// Bit-identical fast versions of the shared reference code in
// plugins/cleaners/common (Tokenizer + ShingleHashes, MinHasher::Sign), which
// stays the definition of datatrove compatibility; tests compare the two.
//
//  * Shingler: pure-ASCII documents (the common case) are tokenised with AVX2
//    in three branch-light passes over 32-byte blocks: (1) classify, lower-case,
//    map white space to ' ' and digits to '0', and compact away datatrove's
//    punctuation and control characters with 8-byte shuffle tables, OR-ing
//    all bytes to detect non-ASCII text; (2) drop repeated spaces and repeated
//    '0's (digit runs), counting the spaces kept; (3) word starts from the
//    space bitmask and, in the same pass, NLTK's contraction candidates
//    ("cannot" -> "can not"): their doubled n/m/t (AVX2 compare of the text
//    with itself shifted by one byte, exact check of the few candidates),
//    applied by rebuilding the words (rare). Documents whose only non-ASCII
//    characters are white space, deleted punctuation (curly quotes, dashes,
//    no-break spaces) or Latin-1 letters with diacritics are first folded to
//    ASCII (FoldSimpleUnicode);
//    other documents with a byte >= 0x80 take the reference Tokenizer (ICU). The n-grams are hashed
//    like ShingleHashes (XXH64), grouped by byte length, with routines
//    specialised per length (minhash_dedup_xxh64.h).
//  * Signer: on CPUs without AVX-512, a kernel that keeps the datatrove
//    permutation ((x*a+b) mod 2^64 mod 2^61-1) but (1) builds the 64-bit
//    product from one vpmuludq and two vpmulld, (2) minimises a value that
//    needs 3 operations after the product and orders like the reduced one
//    except in a range of probability ~2^-58, which is recomputed exactly,
//    (3) takes the minimum with a subtraction's sign and vblendvpd, and (4)
//    runs 2 of every 14 permutations on the scalar integer units in the same
//    pass (11 vector operations per 4 lanes instead of the reference's 15).
//    On AVX-512 CPUs the reference x86-64-v4 kernel is used.
//
// One Shingler per thread (it owns reusable buffers); Signer is immutable and
// thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "minhash.h"
#include "text_norm.h"

namespace winnow::cleaners {

class Shingler {
 public:
  Shingler() = default;
  Shingler(const Shingler&) = delete;
  Shingler& operator=(const Shingler&) = delete;

  // out = ShingleHashes(Tokenizer().Tokenize(text), n, whole_if_short).
  void Shingles(std::string_view text, int n, bool whole_if_short, std::vector<uint64_t>* out);

  // The words of the last ASCII document (for tests): Tokens as the reference
  // Tokenizer would produce them. Valid until the next call.
  const Tokens& last_tokens() const { return tokens_; }
  // True when the last document took the reference tokenizer.
  bool last_was_reference() const { return last_reference_; }
  // Capacity held by the reusable buffers (callers drop huge ones).
  size_t buffer_bytes() const {
    return mapped_.capacity() + folded_.capacity() + tokens_.text.capacity() +
           (tokens_.starts.capacity() + hash_scratch_.capacity()) * sizeof(uint32_t);
  }

 private:
  // Words of an ASCII document (NLTK's contraction splits included); leaves
  // tokens_.text padded (its first tlen_ bytes are the words). Returns false,
  // with tokens_ unspecified, when the text has a byte >= 0x80.
  bool TokenizeAscii(std::string_view text);
  // Splits "cannot" etc. in tokens_ (keeps the padding).
  void SplitContractions();

  Tokenizer reference_;
  Tokens tokens_;
  size_t tlen_ = 0;
  std::string mapped_;
  std::string folded_;  // FoldSimpleUnicode's output
  std::vector<uint32_t> hash_scratch_;
  bool last_reference_ = false;
};

class Signer {
 public:
  explicit Signer(const MinHasher& hasher);
  Signer(const Signer&) = delete;
  Signer& operator=(const Signer&) = delete;
  int num_perm() const { return static_cast<int>(a_.size()); }
  // sig = MinHasher::Sign(shingles, n); `sig` holds num_perm() values.
  void Sign(const uint64_t* shingles, size_t n, uint64_t* sig) const;
  const char* kernel_name() const;
  // Tests: force the AVX2 kernel on an AVX-512 CPU.
  void ForceAvx2ForTesting() { use_reference_ = false; }

  // Per-permutation constants of the AVX2 kernel (views of the vectors below).
  struct Params {
    const uint64_t* a;        // a
    const uint64_t* a_lo_hi;  // a << 32
    const uint64_t* a_hi_hi;  // a & 0xFFFFFFFF00000000
    const uint64_t* b;        // b
    const uint64_t* b1;       // b + 1 (mod 2^64)
  };

 private:
  const MinHasher& hasher_;
  std::vector<uint64_t> a_, a_lo_hi_, a_hi_hi_, b_, b1_;
  Params params_{};
  bool use_reference_ = false;
};

}  // namespace winnow::cleaners
