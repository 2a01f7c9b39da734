#include "language_detect.h"

// CLD2's header needs <cstdio> first (it uses FILE without including it).
#include <cld2/public/compact_lang_det.h>
#include <cstdio>

#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/utf8.h>

#ifdef __AVX2__
#include <immintrin.h>
#endif

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "language_codes.h"
#include "language_lexicon.h"
#include "winnow/io.h"

#ifdef WINNOW_LANGUAGE_HAVE_FASTTEXT
#include <fasttext/fasttext.h>
#endif

namespace winnow::langid {

namespace {

bool IsInterchangeValid(UChar32 c);

constexpr double kCld2ShortWeight = 0.6;  // weight of CLD2's best-effort vote on short texts
constexpr size_t kMaxVoteTokens = 256;    // tokens looked at by the lexicon vote

bool IsWordChar(UChar32 c) {
  if (c < 0x80) return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
  return u_isUAlphabetic(c) || (U_GET_GC_MASK(c) & U_GC_M_MASK) != 0;
}

bool IsApostrophe(UChar32 c) {
  return c == '\'' || c == 0x2019;
}

bool IsCjkScript(UScriptCode s) {
  return s == USCRIPT_HAN || s == USCRIPT_HIRAGANA || s == USCRIPT_KATAKANA;
}

// Calls `fn(word)` for each lower-cased word (runs of letters and marks, with
// inner apostrophes normalised to '), at most `max_words`.
template <class Fn>
void ForEachWord(std::string_view s, size_t max_words, Fn&& fn) {
  std::string word;
  size_t count = 0;
  int32_t i = 0;
  const int32_t n = static_cast<int32_t>(std::min<size_t>(s.size(), INT32_MAX));
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  bool pending_apostrophe = false;
  auto flush = [&] {
    if (!word.empty()) {
      fn(std::string_view(word));
      ++count;
    }
    word.clear();
    pending_apostrophe = false;
  };
  while (i < n && count < max_words) {
    UChar32 c;
    U8_NEXT(p, i, n, c);
    if (c < 0) {
      flush();
      continue;
    }
    if (IsWordChar(c)) {
      if (pending_apostrophe) word.push_back('\'');
      pending_apostrophe = false;
      c = u_tolower(c);
      char buf[4];
      int32_t len = 0;
      U8_APPEND_UNSAFE(buf, len, c);
      word.append(buf, static_cast<size_t>(len));
    } else if (IsApostrophe(c) && !word.empty() && !pending_apostrophe) {
      pending_apostrophe = true;
    } else {
      flush();
    }
  }
  flush();
}

// ScriptStats details: per-script letter counts in a small array keyed by UScriptCode.
struct ScriptCounter {
  std::array<int64_t, USCRIPT_CODE_LIMIT> counts{};
};

// CLD2's summary call. ExtDetectLanguageSummaryCheckUTF8 first scans the text
// for interchange-valid UTF-8 and answers UNKNOWN_LANGUAGE when it is not;
// when AnalyzeScripts has already established validity (`known_valid`) the
// scan is skipped and the same detection runs directly.
CLD2::Language Cld2Summary(std::string_view text, bool known_valid, int flags,
                           CLD2::Language* lang3, int* percent3, bool* reliable) {
  // CLD2 leaves its outputs untouched when it refuses the text: start defined.
  for (int k = 0; k < 3; ++k) {
    lang3[k] = CLD2::UNKNOWN_LANGUAGE;
    percent3[k] = 0;
  }
  *reliable = false;
  double score3[3];
  int text_bytes = 0;
  const int len = static_cast<int>(std::min<size_t>(text.size(), INT32_MAX));
  if (known_valid) {
    return CLD2::ExtDetectLanguageSummary(text.data(), len, true, nullptr, flags, lang3, percent3,
                                          score3, nullptr, &text_bytes, reliable);
  }
  int valid_prefix = 0;
  return CLD2::ExtDetectLanguageSummaryCheckUTF8(text.data(), len, true, nullptr, flags, lang3,
                                                 percent3, score3, nullptr, &text_bytes, reliable,
                                                 &valid_prefix);
}

// `text` with every code point CLD2 does not accept (C0/C1 controls other
// than \t \n \f \r, DEL, non-characters, invalid sequences) replaced by a
// space, in `out`. CLD2's checking entry point would refuse the whole text
// (UNKNOWN_LANGUAGE); these characters are word separators for the script
// analysis and the word vote, so their ScriptStats are unchanged.
std::string_view InterchangeValidCopy(std::string_view text, std::string& out) {
  out.clear();
  out.reserve(text.size());
  const auto* p = reinterpret_cast<const uint8_t*>(text.data());
  const int32_t n = static_cast<int32_t>(std::min<size_t>(text.size(), INT32_MAX));
  int32_t i = 0;
  while (i < n) {
    const int32_t start = i;
    UChar32 c;
    U8_NEXT(p, i, n, c);
    if (c < 0 || !IsInterchangeValid(c)) {
      out.push_back(' ');
    } else {
      out.append(text.data() + start, static_cast<size_t>(i - start));
    }
  }
  return out;
}

double Cld2Score(int percent, bool reliable) {
  double p = std::clamp(percent, 0, 100) / 100.0;
  return reliable ? p : p * 0.5;
}

}  // namespace

// ---------------------------------------------------------------------------
// Script analysis and sampling

namespace {

// CLD2's "interchange valid" (UniLib::IsInterchangeValid) for a decoded code point.
bool IsInterchangeValid(UChar32 c) {
  return !((c >= 0x00 && c <= 0x08) || c == 0x0B || (c >= 0x0E && c <= 0x1F) ||
           (c >= 0x7F && c <= 0x9F) || (c >= 0xD800 && c <= 0xDFFF) ||
           (c >= 0xFDD0 && c <= 0xFDEF) || (c & 0xFFFE) == 0xFFFE);
}

// Byte-class bitmaps of up to 64 bytes at p (n of them readable).
struct AsciiBlock {
  uint64_t nonascii;  // bytes >= 0x80
  uint64_t letter;    // [A-Za-z]
  uint64_t apos;      // '
  uint64_t bad;       // C0 controls except \t \n \f \r, and DEL (not interchange valid)
};

inline AsciiBlock ClassifyBlock(const uint8_t* p, size_t n) {
  alignas(32) uint8_t tail[64];
  if (n < 64) {
    std::memset(tail, ' ', sizeof(tail));
    std::memcpy(tail, p, n);
    p = tail;
  }
  AsciiBlock b{};
#ifdef __AVX2__
  for (int half = 0; half < 2; ++half) {
    __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32 * half));
    const int sh = 32 * half;
    __m256i low = _mm256_or_si256(v, _mm256_set1_epi8(0x20));
    // Signed compares: bytes >= 0x80 are negative and never in range.
    __m256i letter = _mm256_and_si256(_mm256_cmpgt_epi8(low, _mm256_set1_epi8('a' - 1)),
                                      _mm256_cmpgt_epi8(_mm256_set1_epi8('z' + 1), low));
    __m256i apos = _mm256_cmpeq_epi8(v, _mm256_set1_epi8('\''));
    // Controls: 0x00-0x1F except 09 0A 0C 0D, and 0x7F.
    __m256i ctl = _mm256_and_si256(_mm256_cmpgt_epi8(v, _mm256_set1_epi8(-1)),
                                   _mm256_cmpgt_epi8(_mm256_set1_epi8(0x20), v));
    __m256i ok_ctl = _mm256_or_si256(_mm256_or_si256(_mm256_cmpeq_epi8(v, _mm256_set1_epi8(0x09)),
                                                     _mm256_cmpeq_epi8(v, _mm256_set1_epi8(0x0A))),
                                     _mm256_or_si256(_mm256_cmpeq_epi8(v, _mm256_set1_epi8(0x0C)),
                                                     _mm256_cmpeq_epi8(v, _mm256_set1_epi8(0x0D))));
    __m256i bad = _mm256_or_si256(_mm256_andnot_si256(ok_ctl, ctl),
                                  _mm256_cmpeq_epi8(v, _mm256_set1_epi8(0x7F)));
    b.nonascii |= uint64_t{static_cast<uint32_t>(_mm256_movemask_epi8(v))} << sh;
    b.letter |= uint64_t{static_cast<uint32_t>(_mm256_movemask_epi8(letter))} << sh;
    b.apos |= uint64_t{static_cast<uint32_t>(_mm256_movemask_epi8(apos))} << sh;
    b.bad |= uint64_t{static_cast<uint32_t>(_mm256_movemask_epi8(bad))} << sh;
  }
#else
  for (int k = 0; k < 64; ++k) {
    const uint8_t c = p[k];
    const uint64_t bit = uint64_t{1} << k;
    if (c >= 0x80) {
      b.nonascii |= bit;
    } else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') {
      b.letter |= bit;
    } else if (c == '\'') {
      b.apos |= bit;
    } else if ((c < 0x20 && c != 0x09 && c != 0x0A && c != 0x0C && c != 0x0D) || c == 0x7F) {
      b.bad |= bit;
    }
  }
#endif
  return b;
}

}  // namespace

// One pass over the text: ASCII runs (up to 64 bytes, ended by the first
// non-ASCII byte) are counted from byte-class bitmaps; other characters are
// decoded one at a time. The word state machine is the byte loop's: a letter
// starts or continues a word, an apostrophe (' or U+2019) inside a word keeps
// it going, anything else ends it.
ScriptStats AnalyzeScripts(std::string_view s) {
  ScriptStats st;
  static thread_local ScriptCounter counter;
  static thread_local std::vector<int> touched;  // scripts with a non-zero count
  auto& counts = counter.counts;
  touched.clear();
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const int32_t n = static_cast<int32_t>(std::min<size_t>(s.size(), INT32_MAX));
  int32_t i = 0;
  uint64_t in_word = 0;  // 0 or 1
  int64_t cjk_chars = 0;
  int64_t latin = 0;
  bool valid = true;  // interchange-valid UTF-8 so far (what CLD2's CheckUTF8 entry checks)
  while (i < n) {
    const size_t avail = static_cast<size_t>(n - i);
    const AsciiBlock b = ClassifyBlock(p + i, std::min<size_t>(avail, 64));
    size_t k = b.nonascii ? static_cast<size_t>(__builtin_ctzll(b.nonascii)) : 64;
    if (k > avail) k = avail;
    if (k > 0) {
      const uint64_t keep = k == 64 ? ~uint64_t{0} : (uint64_t{1} << k) - 1;
      const uint64_t L = b.letter & keep;
      const uint64_t A = b.apos & keep;
      // Apostrophe runs right after a letter (or after a word carried in) stay in the word:
      // adding the run's first bit clears the whole run in A + S.
      const uint64_t S = ((L << 1) | in_word) & A;
      const uint64_t W = L | (A & ~(A + S));
      st.words += __builtin_popcountll(L & ~((W << 1) | in_word));
      latin += __builtin_popcountll(L);
      if (b.bad & keep) valid = false;
      in_word = (W >> (k - 1)) & 1;
      i += static_cast<int32_t>(k);
      continue;
    }
    UChar32 c;
    U8_NEXT(p, i, n, c);
    if (c < 0 || !IsInterchangeValid(c)) valid = false;
    if (c < 0 || !IsWordChar(c)) {
      in_word = in_word && c == 0x2019;
      continue;
    }
    UErrorCode err = U_ZERO_ERROR;
    UScriptCode sc = uscript_getScript(c, &err);
    if (U_FAILURE(err) || sc < 0 || sc >= USCRIPT_CODE_LIMIT) sc = USCRIPT_UNKNOWN;
    if (sc == USCRIPT_COMMON || sc == USCRIPT_INHERITED || sc == USCRIPT_UNKNOWN) {
      // Combining marks continue the current word; other symbols end it.
      if (!(U_GET_GC_MASK(c) & U_GC_M_MASK)) in_word = 0;
      continue;
    }
    if (sc == USCRIPT_LATIN) {
      ++latin;
    } else {
      if (counts[sc] == 0) touched.push_back(sc);
      ++counts[sc];
    }
    if (IsCjkScript(sc)) {
      ++cjk_chars;  // no spaces between words: two characters count as one word
      in_word = 0;
      continue;
    }
    if (!in_word) ++st.words;
    in_word = 1;
  }
  if (latin > 0) {
    touched.push_back(USCRIPT_LATIN);
    counts[USCRIPT_LATIN] = latin;
  }
  st.interchange_valid = valid && static_cast<size_t>(n) == s.size();
  st.words += (cjk_chars + 1) / 2;
  st.has_kana = counts[USCRIPT_HIRAGANA] + counts[USCRIPT_KATAKANA] > 0;
  st.has_hangul = counts[USCRIPT_HANGUL] > 0;
  int best = -1;  // the most letters; ties: the lowest script code (as a scan in code order)
  for (int sc : touched) {
    st.letters += counts[sc];
    if (best < 0 || counts[sc] > counts[best] || (counts[sc] == counts[best] && sc < best)) {
      best = sc;
    }
  }
  if (best >= 0) {
    // Japanese mixes Han and kana: count them as one script when kana is present.
    int64_t dom = counts[best];
    auto bsc = static_cast<UScriptCode>(best);
    if (IsCjkScript(bsc) && st.has_kana) {
      dom = counts[USCRIPT_HAN] + counts[USCRIPT_HIRAGANA] + counts[USCRIPT_KATAKANA];
      bsc = USCRIPT_HIRAGANA;
    }
    const char* name = uscript_getShortName(bsc);
    st.dominant = name ? name : "";
    st.dominant_letters = dom;
  }
  for (int sc : touched) counts[sc] = 0;
  return st;
}

std::string_view SampleText(std::string_view text, size_t max_bytes, std::string& scratch) {
  if (max_bytes == 0 || text.size() <= max_bytes) return text;
  auto is_cont = [&](size_t k) {
    return k < text.size() && (static_cast<unsigned char>(text[k]) & 0xC0) == 0x80;
  };
  const size_t third = std::max<size_t>(max_bytes / 3, 4);
  auto piece = [&](size_t start, size_t len) {
    while (start < text.size() && is_cont(start)) ++start;  // start on a boundary
    size_t end = std::min(text.size(), start + len);
    while (end > start && is_cont(end)) --end;  // end on a boundary
    return text.substr(start, end - start);
  };
  scratch.clear();
  scratch.append(piece(0, third));
  scratch.push_back('\n');
  scratch.append(piece(text.size() / 2 - third / 2, third));
  scratch.push_back('\n');
  scratch.append(piece(text.size() - third, third));
  return scratch;
}

// ---------------------------------------------------------------------------
// fastText

struct Detector::FastTextModel {
#ifdef WINNOW_LANGUAGE_HAVE_FASTTEXT
  fasttext::FastText model;
#endif
};

namespace {

#ifdef WINNOW_LANGUAGE_HAVE_FASTTEXT
Status LoadFastText(const std::string& path, fasttext::FastText& ft) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return Status::NotFound("fastText model '" + path + "' does not exist or is not a file.");
  }
  {
    std::ifstream in(path, std::ios::binary);
    int32_t magic = 0, version = 0;
    in.read(reinterpret_cast<char*>(&magic), sizeof(magic));
    in.read(reinterpret_cast<char*>(&version), sizeof(version));
    if (!in || magic != 793712314) {
      return Status::InvalidArgument("'" + path +
                                     "' is not a fastText model (it does not start with "
                                     "fastText's magic number); give a .bin model, not .vec "
                                     "or .ftz text.");
    }
    if (version > 12) {
      return Status::InvalidArgument("fastText model '" + path + "' has format version " +
                                     std::to_string(version) +
                                     ", newer than this fastText library reads (12).");
    }
  }
  try {
    // The stream overload lets us see a short read: fastText itself does not
    // check, and a truncated model would later trip an assertion in predict().
    std::ifstream in(path, std::ios::binary);
    in.seekg(8);  // magic and version, checked above
    ft.loadModel(in);
    if (!in) {
      return Status::InvalidArgument("fastText model '" + path +
                                     "' is truncated or corrupt (it ends before its matrices do).");
    }
  } catch (const std::exception& e) {
    return Status::InvalidArgument("cannot load fastText model '" + path + "': " + e.what() +
                                   " (the file is truncated or corrupt).");
  }
  try {
    auto dict = ft.getDictionary();
    auto input = ft.getInputMatrix();  // throws for quantized models: nothing to check then
    const auto args = ft.getArgs();
    if (input->size(0) != dict->nwords() + args.bucket || input->size(1) != args.dim ||
        ft.getOutputMatrix()->size(0) != dict->nlabels() ||
        ft.getOutputMatrix()->size(1) != args.dim) {
      return Status::InvalidArgument("fastText model '" + path +
                                     "' is corrupt (its matrix sizes do not match its header).");
    }
  } catch (const std::exception&) {
  }
  if (ft.getArgs().model != fasttext::model_name::sup) {
    return Status::InvalidArgument("fastText model '" + path +
                                   "' is a word-vector model, not a supervised classifier with "
                                   "__label__ outputs.");
  }
  if (ft.getDictionary()->nlabels() <= 0) {
    return Status::InvalidArgument("fastText model '" + path + "' has no labels.");
  }
  return Status::Ok();
}
#endif

}  // namespace

// ---------------------------------------------------------------------------
// Detector

Detector::Detector(DetectorOptions options) : options_(std::move(options)) {}
Detector::~Detector() = default;

Result<std::unique_ptr<Detector>> Detector::Create(const DetectorOptions& options) {
  std::unique_ptr<Detector> d(new Detector(options));
  if (options.engine == Engine::kFastText) {
#ifdef WINNOW_LANGUAGE_HAVE_FASTTEXT
    d->fasttext_ = std::make_unique<FastTextModel>();
    WINNOW_RETURN_IF_ERROR(LoadFastText(options.model_path, d->fasttext_->model));
#else
    return Status::Unimplemented(
        "this build of cleaner/language has no fastText support (libfasttext-dev was missing "
        "at build time).");
#endif
  }
  for (const auto& list : BuiltinLexicon()) {
    WINNOW_RETURN_IF_ERROR(d->AddWords(list.language, list.words, false));
  }
  for (const auto& [lang, path] : options.wordlists) {
    auto text = ReadFile(path, uint64_t{1} << 30);
    if (!text.ok()) return text.status().WithContext("word list for '" + lang + "'");
    bool dic = path.size() > 4 && path.compare(path.size() - 4, 4, ".dic") == 0;
    WINNOW_RETURN_IF_ERROR(d->AddWords(NormalizeLabel(lang), *text, dic));
  }
  return d;
}

Status Detector::AddWords(std::string_view language, std::string_view text, bool dic_format) {
  auto it = std::find(lexicon_langs_.begin(), lexicon_langs_.end(), language);
  size_t bit = static_cast<size_t>(it - lexicon_langs_.begin());
  if (it == lexicon_langs_.end()) {
    if (lexicon_langs_.size() >= 64) {
      return Status::InvalidArgument("at most 64 languages can have word lists.");
    }
    lexicon_langs_.emplace_back(language);
  }
  const uint64_t mask = uint64_t{1} << bit;
  size_t pos = 0;
  bool first_line = true;
  while (pos < text.size()) {
    size_t end = text.find_first_of(dic_format ? "\n" : " \n", pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view entry = text.substr(pos, end - pos);
    pos = end + 1;
    if (dic_format) {
      if (first_line) {  // hunspell .dic: the first line is the entry count
        first_line = false;
        if (!entry.empty() && std::isdigit(static_cast<unsigned char>(entry[0]))) continue;
      }
      entry = entry.substr(0, entry.find_first_of("/\t \r"));
    }
    if (!entry.empty() && entry.back() == '\r') entry.remove_suffix(1);
    if (entry.empty()) continue;
    // Lower-case and normalise through the same tokenizer the vote uses;
    // entries that are not a single word ("e-mail", "3D") are skipped.
    int words = 0;
    std::string w;
    ForEachWord(entry, 2, [&](std::string_view tok) {
      ++words;
      w.assign(tok);
    });
    if (words == 1 && w.size() == entry.size()) {
      lexicon_[w] |= mask;
    } else if (words == 1) {
      lexicon_[w] |= mask;  // same word, different case or apostrophe form
    }
  }
  return Status::Ok();
}

Detection Detector::DetectCld2(std::string_view text, bool best_effort, bool known_valid) const {
  Detection d;
  d.method = "cld2";
  CLD2::Language lang3[3];
  int percent3[3];
  bool reliable = false;
  CLD2::Language lang = Cld2Summary(text, known_valid, best_effort ? CLD2::kCLDFlagBestEffort : 0,
                                    lang3, percent3, &reliable);
  d.label = CLD2::LanguageCode(lang);
  d.language = NormalizeLabel(d.label);
  if (d.language == "und") {
    d.method = "none";
    return d;
  }
  int percent = lang3[0] == lang ? percent3[0] : 0;
  for (int k = 0; k < 3; ++k) {
    if (lang3[k] == lang) percent = percent3[k];
  }
  d.score = Cld2Score(percent, reliable);
  return d;
}

Detection Detector::DetectCombined(std::string_view text, const ScriptStats& st) const {
  Detection d;
  if (st.letters == 0) return d;  // digits, punctuation, symbols, emoji only
  const double script_share =
      static_cast<double>(st.dominant_letters) / static_cast<double>(st.letters);

  // 1. Scripts written by one language.
  std::string_view script_lang = LanguageOfScript(st.dominant);
  if (!script_lang.empty() && st.dominant != "Hira") {
    d.language = std::string(script_lang);
    d.label = "script:" + st.dominant;
    d.score = script_share;
    d.method = "script";
    return d;
  }
  // Japanese: Han with kana.
  if (st.dominant == "Hira") {
    d.language = "ja";
    d.label = "script:Jpan";
    d.score = script_share;
    d.method = "script";
    return d;
  }

  // 2. CLD2 with its best-effort guess (top 3 languages with byte percentages).
  CLD2::Language lang3[3];
  int percent3[3];
  bool reliable = false;
  CLD2::Language lang =
      Cld2Summary(text, st.interchange_valid, CLD2::kCLDFlagBestEffort, lang3, percent3, &reliable);
  std::string cld_label = CLD2::LanguageCode(lang);
  std::string cld_lang = NormalizeLabel(cld_label);
  if (st.words > options_.short_words && cld_lang != "und") {
    d.language = cld_lang;
    d.label = cld_label;
    int percent = 0;
    for (int k = 0; k < 3; ++k) {
      if (lang3[k] == lang) percent = percent3[k];
    }
    d.score = Cld2Score(percent, reliable);
    d.method = "cld2";
    return d;
  }

  // 3. Short text: frequent-word vote + CLD2's guess.
  struct Cand {
    std::string lang;
    std::string label;
    double lex = 0, cld = 0;
    int order = 99;  // CLD2 rank, for ties
  };
  std::vector<Cand> cands;
  auto cand = [&](const std::string& lang) -> Cand& {
    for (auto& c : cands) {
      if (c.lang == lang) return c;
    }
    cands.push_back(Cand{lang, lang});
    return cands.back();
  };
  for (int k = 0; k < 3; ++k) {
    if (lang3[k] == CLD2::UNKNOWN_LANGUAGE) continue;
    std::string label = CLD2::LanguageCode(lang3[k]);
    std::string code = NormalizeLabel(label);
    if (code == "und") continue;
    Cand& c = cand(code);
    if (c.order == 99) {
      c.label = label;
      c.order = k;
    }
    c.cld += percent3[k] / 100.0;
  }
  size_t tokens = 0;
  std::vector<double> lex_votes(lexicon_langs_.size(), 0.0);
  // In text of another script, Latin words (names, code, acronyms) do not vote.
  const bool skip_ascii = st.dominant != "Latn";
  ForEachWord(text, kMaxVoteTokens, [&](std::string_view w) {
    ++tokens;
    if (skip_ascii && static_cast<unsigned char>(w[0]) < 0x80) return;
    auto it = lexicon_.find(std::string(w));
    if (it == lexicon_.end()) return;
    uint64_t mask = it->second;
    double share = 1.0 / std::popcount(mask);
    while (mask) {
      int bit = std::countr_zero(mask);
      mask &= mask - 1;
      lex_votes[static_cast<size_t>(bit)] += share;
    }
  });
  for (size_t b = 0; b < lex_votes.size(); ++b) {
    if (lex_votes[b] > 0) cand(lexicon_langs_[b]).lex = lex_votes[b] / static_cast<double>(tokens);
  }
  if (cands.empty()) return d;  // nothing known: und
  const Cand* best = nullptr;
  double best_total = -1;
  for (const auto& c : cands) {
    double total = c.lex + kCld2ShortWeight * c.cld;
    if (total > best_total + 1e-12 ||
        (std::abs(total - best_total) <= 1e-12 && best && c.order < best->order)) {
      best = &c;
      best_total = total;
    }
  }
  d.language = best->lang;
  d.label = best->label;
  // Confidence = how unambiguous the evidence is (the winner's share of all
  // evidence) x how strong it is (CLD2's byte share, halved when plain CLD2
  // would not have called it; or the share of frequent words, which is about
  // 40% in ordinary prose) x a length factor n/(n+1) (one word is never sure).
  double sum = 0;
  for (const auto& c : cands) sum += c.lex + kCld2ShortWeight * c.cld;
  const double share = sum > 0 ? best_total / sum : 0.0;
  const bool plain_agrees = reliable && NormalizeLabel(CLD2::LanguageCode(lang)) == best->lang &&
                            DetectCld2(text, false, st.interchange_valid).language == best->lang;
  const double strength =
      std::max(best->cld * (plain_agrees ? 1.0 : 0.5), std::min(1.0, 2.5 * best->lex));
  const double words = static_cast<double>(std::max<int64_t>(st.words, 1));
  d.score = std::clamp(share * strength * words / (words + 1.0), 0.0, 1.0);
  d.method = best->lex > 0 ? "lexicon" : "cld2";
  return d;
}

Detection Detector::DetectFastText(std::string_view text) const {
  Detection d;
#ifdef WINNOW_LANGUAGE_HAVE_FASTTEXT
  // fastText reads one line: newlines would end it.
  std::string line(text);
  std::replace(line.begin(), line.end(), '\n', ' ');
  std::replace(line.begin(), line.end(), '\r', ' ');
  std::istringstream in(line);
  std::vector<std::pair<fasttext::real, std::string>> preds;
  try {
    fasttext_->model.predictLine(in, preds, 1, 0.0);
  } catch (const std::exception&) {
    preds.clear();
  }
  if (!preds.empty()) {
    d.label = preds[0].second;
    d.language = NormalizeLabel(d.label);
    d.score = std::clamp(static_cast<double>(preds[0].first), 0.0, 1.0);
    d.method = "fasttext";
  }
#else
  (void)text;
#endif
  return d;
}

Detection Detector::Detect(std::string_view text) const {
  std::string scratch;
  text = SampleText(text, options_.max_detect_bytes, scratch);
  switch (options_.engine) {
    case Engine::kCld2: {
      ScriptStats st = AnalyzeScripts(text);
      if (st.letters == 0) return Detection{};
      // CLD2 as most tools call it: it refuses text that is not interchange valid.
      return DetectCld2(text, false, st.interchange_valid);
    }
    case Engine::kFastText: {
      ScriptStats st = AnalyzeScripts(text);
      if (st.letters == 0) return Detection{};
      Detection d = DetectFastText(text);
      std::string_view script_lang = LanguageOfScript(st.dominant);
      if ((d.language == "und" || d.score < 0.5) && !script_lang.empty()) {
        Detection s;
        s.language = std::string(script_lang);
        s.label = "script:" + st.dominant;
        s.score = static_cast<double>(st.dominant_letters) / static_cast<double>(st.letters);
        s.method = "script";
        return s;
      }
      return d;
    }
    case Engine::kCombined:
    default: {
      ScriptStats st = AnalyzeScripts(text);
      std::string clean;
      if (!st.interchange_valid) {
        text = InterchangeValidCopy(text, clean);
        st.interchange_valid = true;
      }
      return DetectCombined(text, st);
    }
  }
}

}  // namespace winnow::langid
