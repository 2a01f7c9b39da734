// text_norm.h — text normalisation and word shingling shared by the dedup cleaners.
//
// Two services, both pure functions of their input (plus per-object scratch
// buffers that are reused between calls, so one object per thread):
//
//  * TextNormalizer applies a list of steps in order: "nfc", "nfkc" (ICU),
//    "lowercase" (full Unicode case mapping, root locale), "whitespace"
//    (collapse runs of Unicode white space to one ' ' and trim) and "simplify"
//    (datatrove's simplify_text, see Tokenizer, re-joined with single spaces).
//    Every step has an ASCII fast path that never calls ICU.
//
//  * Tokenizer turns a document into datatrove-compatible words: it applies
//    datatrove's simplify_text (TextNormConfig defaults: lowercase, collapse
//    white space, delete the characters of datatrove's PUNCTUATION string and
//    C0/C1 controls, NFD and drop combining marks (Mn), digit runs -> "0"),
//    then splits on white space. Words in scripts written without spaces (Han,
//    Hiragana, Katakana, Thai, Lao, Khmer, Myanmar) are split further with the
//    ICU word break iterator; everything else takes the fast path. Like NLTK's
//    English word_tokenize (datatrove's default tokenizer), "cannot", "gimme",
//    "gonna", "gotta", "lemme" and "wanna" become two words.
//
// Invalid UTF-8 is never an error here: invalid sequences are replaced by
// U+FFFD first (callers that want to count them check IsValidUtf8 themselves).
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace winnow::cleaners {

enum class NormStep { kNfc, kNfkc, kLowercase, kWhitespace, kSimplify };

// "nfc", "nfkc", "lowercase", "whitespace", "simplify".
std::string_view NormStepName(NormStep step);
bool ParseNormStep(std::string_view name, NormStep* step);
// The accepted names, for error messages.
std::vector<std::string> NormStepNames();

// True when every byte is below 0x80 (vectorised; ~20 GB/s).
bool IsAscii(std::string_view s);

// "cannot", "gimme", "gonna", "gotta", "lemme", "wanna": the words NLTK's
// English tokenizer splits after three letters.
inline bool IsNltkContraction(const char* w, size_t n) {
  if (n == 6) return std::memcmp(w, "cannot", 6) == 0;
  if (n != 5) return false;
  return std::memcmp(w, "gimme", 5) == 0 || std::memcmp(w, "gonna", 5) == 0 ||
         std::memcmp(w, "gotta", 5) == 0 || std::memcmp(w, "lemme", 5) == 0 ||
         std::memcmp(w, "wanna", 5) == 0;
}

// The ASCII fast paths' way into text that is ASCII apart from white space,
// punctuation (curly quotes, dashes, no-break spaces: common in English web
// text) and Latin-1 letters with diacritics (French, German, Spanish...).
// When every code point >= 0x80 in `text` is Python white space, in
// datatrove's PUNCTUATION (which simplify_text deletes), a Latin-1 letter
// that NFD + dropping marks turns into an ASCII letter (é -> e), or a
// combining diacritical mark (U+0300-U+036F, dropped), writes to `out` the
// same text with each such code point's first byte replaced by ' ', 0x01 (a
// control the ASCII paths delete too) or the base letter, and its other bytes
// by 0x01, and returns true: simplify_text and Tokenizer then give the same
// words for `out` as for `text`. Returns false (out unspecified) for any
// other code point (ß, æ, ©, Cyrillic...) or invalid UTF-8.
bool FoldSimpleUnicode(std::string_view text, std::string* out);

// Words produced by Tokenizer: `text` holds them separated by single spaces,
// starts[i] is the byte offset of word i. An n-gram of consecutive words is
// therefore one contiguous substring (Ngram()).
struct Tokens {
  std::string text;
  std::vector<uint32_t> starts;

  size_t size() const { return starts.size(); }
  bool empty() const { return starts.empty(); }
  void clear() {
    text.clear();
    starts.clear();
  }
  size_t End(size_t i) const { return i + 1 < starts.size() ? starts[i + 1] - 1 : text.size(); }
  std::string_view Word(size_t i) const {
    return std::string_view(text).substr(starts[i], End(i) - starts[i]);
  }
  // Words [i, i + n) joined by ' '. Precondition: i + n <= size(), n >= 1.
  std::string_view Ngram(size_t i, size_t n) const {
    return std::string_view(text).substr(starts[i], End(i + n - 1) - starts[i]);
  }
};

struct TokenizerOptions {
  // Split words of space-less scripts with ICU word breaking.
  bool segment_spaceless = true;
  // Split "cannot" etc. like NLTK's English tokenizer.
  bool nltk_contractions = true;
};

class Tokenizer {
 public:
  explicit Tokenizer(TokenizerOptions options = {});
  ~Tokenizer();
  Tokenizer(const Tokenizer&) = delete;
  Tokenizer& operator=(const Tokenizer&) = delete;

  // Replaces `out` with the words of simplify_text(text).
  void Tokenize(std::string_view text, Tokens* out);

  // Number of documents that needed the ICU word break iterator (diagnostics).
  uint64_t segmented_words() const { return segmented_words_; }

 private:
  void TokenizeAscii(std::string_view text, Tokens* out);
  void TokenizeUnicode(std::string_view text, Tokens* out);
  void EndUnicodeWord(std::string_view word, bool ascii, bool spaceless, Tokens* out);
  void FinishUnicodeToken(std::string_view token, Tokens* out);
  void EmitWord(std::string_view word, Tokens* out);

  TokenizerOptions options_;
  std::string sanitized_, lowered_, word_, nfd_, token_;
  struct Icu;
  std::unique_ptr<Icu> icu_;
  uint64_t segmented_words_ = 0;
};

// XXH64 (seed 0, datatrove's default shingle hash) of every n-gram of `tokens`
// joined by ' ', appended to `out` (cleared first). With fewer than n words:
// nothing (datatrove), or, when whole_if_short and there is at least one word,
// one hash of all words.
void ShingleHashes(const Tokens& tokens, int n, bool whole_if_short, std::vector<uint64_t>* out);

class TextNormalizer {
 public:
  explicit TextNormalizer(std::vector<NormStep> steps);
  ~TextNormalizer();
  TextNormalizer(const TextNormalizer&) = delete;
  TextNormalizer& operator=(const TextNormalizer&) = delete;

  // Applies the steps. The result is `in` itself when no step changed it,
  // otherwise a view into this object's buffers, valid until the next call.
  std::string_view Normalize(std::string_view in);

  const std::vector<NormStep>& steps() const { return steps_; }

 private:
  std::vector<NormStep> steps_;
  std::string buf_[2];
  std::string folded_;  // FoldSimpleUnicode's output
  Tokens tokens_;
  std::unique_ptr<Tokenizer> tokenizer_;
};

}  // namespace winnow::cleaners
