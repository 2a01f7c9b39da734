#include "text_norm.h"

#include <immintrin.h>
#include <unicode/brkiter.h>
#include <unicode/bytestream.h>
#include <unicode/casemap.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/utext.h>
#include <unicode/utf8.h>

#include <array>
#include <cstring>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "ascii_kernels.h"
#include "winnow/text.h"

namespace winnow::cleaners {

// ---- step names -------------------------------------------------------------

namespace {
struct StepName {
  NormStep step;
  const char* name;
};
constexpr StepName kStepNames[] = {{NormStep::kNfc, "nfc"},
                                   {NormStep::kNfkc, "nfkc"},
                                   {NormStep::kLowercase, "lowercase"},
                                   {NormStep::kWhitespace, "whitespace"},
                                   {NormStep::kSimplify, "simplify"}};
}  // namespace

std::string_view NormStepName(NormStep step) {
  for (const auto& s : kStepNames) {
    if (s.step == step) return s.name;
  }
  return "?";
}

bool ParseNormStep(std::string_view name, NormStep* step) {
  for (const auto& s : kStepNames) {
    if (name == s.name) {
      *step = s.step;
      return true;
    }
  }
  return false;
}

std::vector<std::string> NormStepNames() {
  std::vector<std::string> out;
  for (const auto& s : kStepNames) out.emplace_back(s.name);
  return out;
}

bool IsAscii(std::string_view s) {
  const char* p = s.data();
  size_t n = s.size(), i = 0;
  __m256i acc = _mm256_setzero_si256();
  for (; i + 128 <= n; i += 128) {
    __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i));
    __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i + 32));
    __m256i c = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i + 64));
    __m256i d = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i + 96));
    acc = _mm256_or_si256(acc, _mm256_or_si256(_mm256_or_si256(a, b), _mm256_or_si256(c, d)));
    if (_mm256_movemask_epi8(acc) != 0) return false;
  }
  for (; i + 32 <= n; i += 32) {
    acc = _mm256_or_si256(acc, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i)));
  }
  if (_mm256_movemask_epi8(acc) != 0) return false;
  unsigned char tail = 0;
  for (; i < n; ++i) tail |= static_cast<unsigned char>(p[i]);
  return tail < 0x80;
}

// ---- character classes (datatrove simplify_text) ----------------------------

namespace {

enum : uint8_t { kKeep = 0, kSpace = 1, kDrop = 2, kDigit = 3 };

// ASCII classes: Python's \s, datatrove's PUNCTUATION (every ASCII punctuation
// character) and the control characters it deletes.
constexpr std::array<uint8_t, 128> MakeAsciiClass() {
  std::array<uint8_t, 128> t{};
  for (int c = 0; c < 128; ++c) {
    uint8_t k = kKeep;
    if (c == 9 || c == 10 || c == 11 || c == 12 || c == 13 || (c >= 28 && c <= 32)) {
      k = kSpace;
    } else if (c < 32 || c == 127) {
      k = kDrop;
    } else if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) ||
               (c >= 123 && c <= 126)) {
      k = kDrop;
    } else if (c >= '0' && c <= '9') {
      k = kDigit;
    }
    t[static_cast<size_t>(c)] = k;
  }
  return t;
}
constexpr auto kAsciiClass = MakeAsciiClass();

inline char AsciiLower(unsigned char c) {
  return static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
}

// Python str.isspace() beyond ASCII.
inline bool IsPyWhitespace(UChar32 c) {
  if (c < 128) return kAsciiClass[static_cast<size_t>(c)] == kSpace;
  return c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 ||
         c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

// datatrove's PUNCTUATION beyond ASCII, plus the C1 controls it deletes.
inline bool IsDatatrovePunct(UChar32 c) {
  if (c < 128) return kAsciiClass[static_cast<size_t>(c)] == kDrop;
  if (c < 0xA0) return c != 0x85;
  switch (c) {
    case 0xAB:
    case 0xB4:
    case 0xBB:
    case 0x2013:
    case 0x2014:
    case 0x2019:
    case 0x201C:
    case 0x201D:
    case 0x201E:
    case 0x2026:
    case 0x2236:
    case 0x2501:
    case 0x25BA:
    case 0x3001:
    case 0x3002:
    case 0x3008:
    case 0x3009:
    case 0x300A:
    case 0x300B:
    case 0x300C:
    case 0x300D:
    case 0x3010:
    case 0x3011:
    case 0xFF01:
    case 0xFF05:
    case 0xFF08:
    case 0xFF09:
    case 0xFF0C:
    case 0xFF0E:
    case 0xFF11:
    case 0xFF1A:
    case 0xFF1B:
    case 0xFF1F:
    case 0xFF5E:
      return true;
    default:
      return false;
  }
}

// Scripts written without spaces between words.
inline bool IsSpaceless(UChar32 c) {
  return (c >= 0x0E00 && c <= 0x0EFF) ||  // Thai, Lao
         (c >= 0x1000 && c <= 0x109F) ||  // Myanmar
         (c >= 0x1780 && c <= 0x17FF) ||  // Khmer
         (c >= 0x19E0 && c <= 0x19FF) ||  // Khmer symbols
         (c >= 0x2E80 && c <= 0x2FDF) ||  // CJK radicals
         (c >= 0x3005 && c <= 0x3007) ||  // 々 〆 〇
         (c >= 0x3040 && c <= 0x30FF) ||  // Hiragana, Katakana
         (c >= 0x31F0 && c <= 0x31FF) ||  // Katakana extension
         (c >= 0x3400 && c <= 0x4DBF) ||  // CJK extension A
         (c >= 0x4E00 && c <= 0x9FFF) ||  // CJK unified
         (c >= 0xA9E0 && c <= 0xA9FF) ||  // Myanmar extension B
         (c >= 0xAA60 && c <= 0xAA7F) ||  // Myanmar extension A
         (c >= 0xF900 && c <= 0xFAFF) ||  // CJK compatibility
         (c >= 0xFF66 && c <= 0xFF9F) ||  // half-width Katakana
         (c >= 0x20000 && c <= 0x3FFFF);  // CJK supplementary planes
}

const icu::Normalizer2* Nfd() {
  UErrorCode ec = U_ZERO_ERROR;
  return icu::Normalizer2::getNFDInstance(ec);
}

}  // namespace

namespace {
// U+00C0..U+00FF: the ASCII letter NFD + dropping non-spacing marks leaves
// (after lower-casing), 0 where none does (Æ Ð × Ø Þ ß æ ð ÷ ø þ).
constexpr char kLatin1Base[65] =
    "aaaaaa\0ceeeeiiii\0nooooo\0\0uuuuy\0\0aaaaaa\0ceeeeiiii\0nooooo\0\0uuuuy\0y";
}  // namespace

bool FoldSimpleUnicode(std::string_view text, std::string* out) {
  out->assign(text);
  char* o = out->data();
  const char* s = text.data();
  const int32_t n = static_cast<int32_t>(std::min<size_t>(text.size(), INT32_MAX));
  if (static_cast<size_t>(n) != text.size()) return false;
  for (int32_t i = 0; i < n;) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    const int32_t start = i;
    UChar32 c;
    U8_NEXT(s, i, n, c);
    if (c < 0) return false;
    char first;
    if (IsPyWhitespace(c)) {
      first = ' ';
    } else if (IsDatatrovePunct(c)) {
      first = '\x01';
    } else if (c >= 0xC0 && c <= 0xFF && kLatin1Base[c - 0xC0] != 0) {
      first = kLatin1Base[c - 0xC0];
    } else if (c >= 0x300 && c <= 0x36F) {
      first = '\x01';  // combining diacritical marks (Mn): dropped after NFD
    } else {
      return false;
    }
    o[start] = first;
    std::memset(o + start + 1, 0x01, static_cast<size_t>(i - start - 1));
  }
  return true;
}

// ---- Tokenizer ----------------------------------------------------------------

struct Tokenizer::Icu {
  std::unique_ptr<icu::BreakIterator> words;
  UText text = UTEXT_INITIALIZER;
  bool failed = false;
  ~Icu() { utext_close(&text); }
};

Tokenizer::Tokenizer(TokenizerOptions options) : options_(options) {}
Tokenizer::~Tokenizer() = default;

void Tokenizer::Tokenize(std::string_view text, Tokens* out) {
  out->clear();
  if (IsAscii(text)) {
    TokenizeAscii(text, out);
    return;
  }
  if (!IsValidUtf8(text)) {
    sanitized_ = SanitizeUtf8(text);
    text = sanitized_;
  }
  TokenizeUnicode(text, out);
}

void Tokenizer::TokenizeAscii(std::string_view text, Tokens* out) {
  // Output is at most the input plus one byte per contraction split.
  std::string& o = out->text;
  o.resize(text.size() + text.size() / 4 + 8);
  char* base = o.data();
  char* p = base;
  bool in_word = false, last_digit = false;
  char* word_start = p;
  auto finish_word = [&]() {
    size_t n = static_cast<size_t>(p - word_start);
    if (options_.nltk_contractions && IsNltkContraction(word_start, n)) {
      std::memmove(word_start + 4, word_start + 3, n - 3);
      word_start[3] = ' ';
      out->starts.push_back(static_cast<uint32_t>(word_start + 4 - base));
      ++p;
    }
  };
  for (unsigned char c : text) {
    uint8_t k = kAsciiClass[c];
    if (k == kSpace) {
      if (in_word) {
        finish_word();
        in_word = false;
      }
      continue;
    }
    if (k == kDrop) continue;
    if (!in_word) {
      if (p != base) *p++ = ' ';
      word_start = p;
      out->starts.push_back(static_cast<uint32_t>(p - base));
      in_word = true;
      last_digit = false;
    }
    if (k == kDigit) {
      if (!last_digit) *p++ = '0';
      last_digit = true;
    } else {
      *p++ = AsciiLower(c);
      last_digit = false;
    }
  }
  if (in_word) finish_word();
  o.resize(static_cast<size_t>(p - base));
}

void Tokenizer::EmitWord(std::string_view word, Tokens* out) {
  if (word.empty()) return;
  std::string& o = out->text;
  if (!o.empty()) o.push_back(' ');
  out->starts.push_back(static_cast<uint32_t>(o.size()));
  if (options_.nltk_contractions && IsNltkContraction(word.data(), word.size())) {
    o.append(word.substr(0, 3));
    o.push_back(' ');
    out->starts.push_back(static_cast<uint32_t>(o.size()));
    o.append(word.substr(3));
    return;
  }
  o.append(word);
}

void Tokenizer::TokenizeUnicode(std::string_view text, Tokens* out) {
  // 1. lower-case (full mapping, root locale: Python's str.lower()).
  lowered_.clear();
  {
    UErrorCode ec = U_ZERO_ERROR;
    icu::StringByteSink<std::string> sink(&lowered_, static_cast<int32_t>(text.size()));
    icu::CaseMap::utf8ToLower(
        "", 0, icu::StringPiece(text.data(), static_cast<int32_t>(text.size())), sink, nullptr, ec);
    if (U_FAILURE(ec)) lowered_.assign(text);
  }
  // 2. split on white space, deleting datatrove's punctuation.
  const char* s = lowered_.data();
  const int32_t n = static_cast<int32_t>(lowered_.size());
  word_.clear();
  bool ascii = true, spaceless = false;
  for (int32_t i = 0; i < n;) {
    int32_t start = i;
    UChar32 c;
    U8_NEXT(s, i, n, c);
    if (c < 0) c = 0xFFFD;
    if (IsPyWhitespace(c)) {
      if (!word_.empty()) EndUnicodeWord(word_, ascii, spaceless, out);
      word_.clear();
      ascii = true;
      spaceless = false;
      continue;
    }
    if (IsDatatrovePunct(c)) continue;
    if (c >= 0x80) {
      ascii = false;
      if (!spaceless && IsSpaceless(c)) spaceless = true;
    }
    word_.append(s + start, static_cast<size_t>(i - start));
  }
  if (!word_.empty()) EndUnicodeWord(word_, ascii, spaceless, out);
}

void Tokenizer::EndUnicodeWord(std::string_view word, bool ascii, bool spaceless, Tokens* out) {
  if (ascii) {
    // Digit runs -> "0" (the word is lower-case already and has no punctuation).
    token_.clear();
    bool last_digit = false;
    for (char ch : word) {
      if (ch >= '0' && ch <= '9') {
        if (!last_digit) token_.push_back('0');
        last_digit = true;
      } else {
        token_.push_back(ch);
        last_digit = false;
      }
    }
    EmitWord(token_, out);
    return;
  }
  if (spaceless && options_.segment_spaceless) {
    if (!icu_) icu_ = std::make_unique<Icu>();
    if (!icu_->words && !icu_->failed) {
      UErrorCode ec = U_ZERO_ERROR;
      icu_->words.reset(icu::BreakIterator::createWordInstance(icu::Locale::getRoot(), ec));
      if (U_FAILURE(ec)) {
        icu_->words.reset();
        icu_->failed = true;
      }
    }
    if (icu_->words) {
      UErrorCode ec = U_ZERO_ERROR;
      utext_openUTF8(&icu_->text, word.data(), static_cast<int64_t>(word.size()), &ec);
      if (U_SUCCESS(ec)) {
        icu_->words->setText(&icu_->text, ec);
        if (U_SUCCESS(ec)) {
          ++segmented_words_;
          int32_t start = icu_->words->first();
          for (int32_t end = icu_->words->next(); end != icu::BreakIterator::DONE;
               start = end, end = icu_->words->next()) {
            if (icu_->words->getRuleStatus() < UBRK_WORD_NONE_LIMIT) continue;
            FinishUnicodeToken(
                word.substr(static_cast<size_t>(start), static_cast<size_t>(end - start)), out);
          }
          return;
        }
      }
    }
  }
  FinishUnicodeToken(word, out);
}

void Tokenizer::FinishUnicodeToken(std::string_view token, Tokens* out) {
  // 3. NFD, drop non-spacing marks, digit runs -> "0".
  nfd_.clear();
  {
    UErrorCode ec = U_ZERO_ERROR;
    icu::StringByteSink<std::string> sink(&nfd_, static_cast<int32_t>(token.size() + 8));
    Nfd()->normalizeUTF8(0, icu::StringPiece(token.data(), static_cast<int32_t>(token.size())),
                         sink, nullptr, ec);
    if (U_FAILURE(ec)) nfd_.assign(token);
  }
  token_.clear();
  const char* s = nfd_.data();
  const int32_t n = static_cast<int32_t>(nfd_.size());
  bool last_digit = false;
  for (int32_t i = 0; i < n;) {
    int32_t start = i;
    UChar32 c;
    U8_NEXT(s, i, n, c);
    if (c < 0) c = 0xFFFD;
    int8_t type = u_charType(c);
    if (type == U_NON_SPACING_MARK) continue;
    if (type == U_DECIMAL_DIGIT_NUMBER) {
      if (!last_digit) token_.push_back('0');
      last_digit = true;
      continue;
    }
    last_digit = false;
    token_.append(s + start, static_cast<size_t>(i - start));
  }
  EmitWord(token_, out);
}

void ShingleHashes(const Tokens& tokens, int n, bool whole_if_short, std::vector<uint64_t>* out) {
  out->clear();
  const size_t count = tokens.size();
  const size_t ng = static_cast<size_t>(n);
  if (count < ng) {
    if (whole_if_short && count > 0)
      out->push_back(XXH64(tokens.text.data(), tokens.text.size(), 0));
    return;
  }
  out->resize(count - ng + 1);
  uint64_t* o = out->data();
  const char* base = tokens.text.data();
  const uint32_t* st = tokens.starts.data();
  const size_t last = count - ng;
  for (size_t i = 0; i <= last; ++i) {
    size_t end = i + ng < count ? st[i + ng] - 1 : tokens.text.size();
    o[i] = XXH64(base + st[i], end - st[i], 0);
  }
}

// ---- TextNormalizer -----------------------------------------------------------

TextNormalizer::TextNormalizer(std::vector<NormStep> steps) : steps_(std::move(steps)) {
  for (NormStep s : steps_) {
    if (s == NormStep::kSimplify && !tokenizer_) {
      TokenizerOptions o;
      o.segment_spaceless = false;
      o.nltk_contractions = false;
      tokenizer_ = std::make_unique<Tokenizer>(o);
    }
  }
}
TextNormalizer::~TextNormalizer() = default;

namespace {

constexpr size_t kWholeBuffer = SIZE_MAX;

// Room for an ASCII kernel's output (n + 64 bytes); the buffer only grows,
// so steady state costs no allocation or zero-fill.
char* Scratch(std::string& buf, size_t n) {
  if (buf.size() < n + 64) buf.resize(n + 64);
  return buf.data();
}

// Collapses runs of Unicode white space to one ' ' and trims (texts with
// non-ASCII bytes; ASCII takes CollapseAsciiWhitespace). Returns false when
// unchanged.
bool CollapseWhitespace(std::string_view in, std::string& out) {
  out.resize(in.size());
  char* base = out.data();
  char* p = base;
  bool pending_space = false;
  const char* s = in.data();
  const int32_t n = static_cast<int32_t>(in.size());
  for (int32_t i = 0; i < n;) {
    int32_t start = i;
    UChar32 c;
    U8_NEXT(s, i, n, c);
    if (c >= 0 && IsPyWhitespace(c)) {
      pending_space = p != base;
      continue;
    }
    if (pending_space) {
      *p++ = ' ';
      pending_space = false;
    }
    std::memcpy(p, s + start, static_cast<size_t>(i - start));
    p += i - start;
  }
  out.resize(static_cast<size_t>(p - base));
  return std::string_view(out) != in;
}

}  // namespace

std::string_view TextNormalizer::Normalize(std::string_view in) {
  std::string_view cur = in;
  int which = 0;
  bool checked_utf8 = false;
  for (NormStep step : steps_) {
    std::string& out = buf_[which];
    const bool ascii = IsAscii(cur);
    if (!ascii && !checked_utf8) {
      checked_utf8 = true;
      if (!IsValidUtf8(cur)) {
        out = SanitizeUtf8(cur);
        cur = out;
        which ^= 1;
      }
    }
    std::string& dst = buf_[which];
    bool changed = false;
    // ASCII kernels leave their result in the first result_len bytes of dst;
    // the other paths size dst to the result.
    size_t result_len = kWholeBuffer;
    switch (step) {
      case NormStep::kNfc:
      case NormStep::kNfkc: {
        if (ascii) break;
        UErrorCode ec = U_ZERO_ERROR;
        const icu::Normalizer2* norm = step == NormStep::kNfc
                                           ? icu::Normalizer2::getNFCInstance(ec)
                                           : icu::Normalizer2::getNFKCInstance(ec);
        if (U_FAILURE(ec)) break;
        icu::StringPiece sp(cur.data(), static_cast<int32_t>(cur.size()));
        if (norm->isNormalizedUTF8(sp, ec) && U_SUCCESS(ec)) break;
        ec = U_ZERO_ERROR;
        dst.clear();
        icu::StringByteSink<std::string> sink(&dst, static_cast<int32_t>(cur.size()));
        norm->normalizeUTF8(0, sp, sink, nullptr, ec);
        changed = U_SUCCESS(ec);
        break;
      }
      case NormStep::kLowercase: {
        if (ascii) {
          const size_t len = LowerAsciiBytes(cur.data(), cur.size(), Scratch(dst, cur.size()));
          changed = std::memcmp(dst.data(), cur.data(), len) != 0;
          result_len = len;
        } else {
          UErrorCode ec = U_ZERO_ERROR;
          dst.clear();
          icu::StringByteSink<std::string> sink(&dst, static_cast<int32_t>(cur.size()));
          icu::CaseMap::utf8ToLower("", 0,
                                    icu::StringPiece(cur.data(), static_cast<int32_t>(cur.size())),
                                    sink, nullptr, ec);
          changed = U_SUCCESS(ec) && std::string_view(dst) != cur;
        }
        break;
      }
      case NormStep::kWhitespace:
        if (ascii) {
          result_len = CollapseAsciiWhitespace(cur.data(), cur.size(), Scratch(dst, cur.size()));
          changed = std::string_view(dst.data(), result_len) != cur;
        } else {
          changed = CollapseWhitespace(cur, dst);
        }
        break;
      case NormStep::kSimplify:
        if (ascii) {
          result_len = SimplifyAscii(cur.data(), cur.size(), Scratch(dst, cur.size()));
        } else if (FoldSimpleUnicode(cur, &folded_)) {
          result_len = SimplifyAscii(folded_.data(), folded_.size(), Scratch(dst, folded_.size()));
        } else {
          tokenizer_->Tokenize(cur, &tokens_);
          dst.assign(tokens_.text);
        }
        changed = true;
        break;
    }
    if (changed) {
      cur = std::string_view(dst.data(), result_len == kWholeBuffer ? dst.size() : result_len);
      which ^= 1;
    }
  }
  return cur;
}

}  // namespace winnow::cleaners
