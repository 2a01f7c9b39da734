// quality_rules.cpp — the four presets over one tokenization of the text.
//
// The text is tokenized once into per-token arrays (hash, prefix character
// count, byte offset, flags) shared by every preset: gopher_quality reads the
// counts, gopher_repetition hashes n-grams from a prefix-hash array, c4 counts
// sentences and kept words from the tokens of each line (so fineweb need not
// re-tokenize c4's output). gopher_repetition's larger n-gram passes only look
// at positions whose shorter n-gram repeats: an n-gram whose 2-gram (top
// passes) or smallest dup n-gram (dup passes) occurs once cannot repeat.
#include "quality_rules.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>

#ifdef __AVX2__
#include <immintrin.h>
#endif

namespace winnow::quality {

namespace {

constexpr uint64_t kPolyBase = 0x9E3779B97F4A7C15ULL;  // odd multiplier of the n-gram hash
constexpr int kBucketBits = 12;                        // n-gram bucket counters (first top pass)
constexpr uint64_t kMaxBucketed = 65535;               // positions a uint16_t counter can count

// Open-addressing table of 64-bit keys with a count and the index of the first
// occurrence. Cleared by resetting only the slots a pass used.
class CountTable {
 public:
  struct Slot {
    uint64_t key;
    uint32_t count;
    uint32_t first;
  };

  void Reset(size_t expected) {
    size_t cap = 64;
    while (cap < expected * 2) cap <<= 1;
    if (slots_.size() < cap) {
      slots_.assign(cap, Slot{0, 0, 0});
      used_.clear();
    } else {
      for (uint32_t i : used_) slots_[i] = Slot{0, 0, 0};
      used_.clear();
    }
    mask_ = cap - 1;
    shift_ = 64 - static_cast<int>(std::countr_zero(cap));
  }

  // Adds one occurrence of key; returns its slot's index.
  uint32_t Add(uint64_t key, uint32_t index) {
    size_t i = Index(key);
    while (true) {
      Slot& s = slots_[i];
      if (s.count == 0) {
        s.key = key;
        s.count = 1;
        s.first = index;
        used_.push_back(static_cast<uint32_t>(i));
        return static_cast<uint32_t>(i);
      }
      if (s.key == key) {
        ++s.count;
        return static_cast<uint32_t>(i);
      }
      i = (i + 1) & mask_;
    }
  }
  const Slot& At(uint32_t i) const { return slots_[i]; }

  size_t Bytes() const { return slots_.capacity() * sizeof(Slot) + used_.capacity() * 4; }

  // Inserts key; returns true when it was already present.
  bool Seen(uint64_t key) {
    size_t i = Index(key);
    while (true) {
      Slot& s = slots_[i];
      if (s.count == 0) {
        s.key = key;
        s.count = 1;
        used_.push_back(static_cast<uint32_t>(i));
        return false;
      }
      if (s.key == key) return true;
      i = (i + 1) & mask_;
    }
  }

 private:
  size_t Index(uint64_t key) const { return (key * 0xD6E8FEB86659FD93ULL) >> shift_; }
  std::vector<Slot> slots_;
  std::vector<uint32_t> used_;
  size_t mask_ = 0;
  int shift_ = 58;
};

// find_duplicates() over strings: exact comparison behind a 64-bit hash.
class StringDupCounter {
 public:
  void Reset(size_t expected) {
    size_t cap = 16;
    while (cap < expected * 2) cap <<= 1;
    if (slots_.size() < cap) {
      slots_.assign(cap, Slot{});
    } else {
      for (uint32_t i : used_) slots_[i] = Slot{};
    }
    used_.clear();
    mask_ = cap - 1;
    dup_elements = 0;
    dup_chars = 0;
    elements = 0;
  }

  void Add(std::string_view s) {
    ++elements;
    if ((used_.size() + 1) * 2 > mask_ + 1) Grow();
    uint64_t h = XXH3_64bits(s.data(), s.size());
    size_t i = (h * 0x9E3779B97F4A7C15ULL) >> 7 & mask_;
    while (true) {
      Slot& slot = slots_[i];
      if (!slot.used) {
        slot = Slot{h, s.data(), s.size(), true};
        used_.push_back(static_cast<uint32_t>(i));
        return;
      }
      if (slot.hash == h && slot.len == s.size() &&
          std::memcmp(slot.ptr, s.data(), s.size()) == 0) {
        ++dup_elements;
        dup_chars += CountChars(s);
        return;
      }
      i = (i + 1) & mask_;
    }
  }

  size_t Bytes() const { return slots_.capacity() * sizeof(Slot) + used_.capacity() * 4; }

  // Doubles the table (keeps the entries).
  void Grow() {
    std::vector<Slot> old;
    old.reserve(used_.size());
    for (uint32_t i : used_) old.push_back(slots_[i]);
    size_t cap = (mask_ + 1) * 2;
    if (slots_.size() < cap) {
      slots_.assign(cap, Slot{});
    } else {
      for (uint32_t i : used_) slots_[i] = Slot{};
    }
    used_.clear();
    mask_ = cap - 1;
    for (const Slot& s : old) {
      size_t i = (s.hash * 0x9E3779B97F4A7C15ULL) >> 7 & mask_;
      while (slots_[i].used) i = (i + 1) & mask_;
      slots_[i] = s;
      used_.push_back(static_cast<uint32_t>(i));
    }
  }

  uint64_t dup_elements = 0;
  uint64_t dup_chars = 0;
  uint64_t elements = 0;

 private:
  struct Slot {
    uint64_t hash = 0;
    const char* ptr = nullptr;
    size_t len = 0;
    bool used = false;
  };
  std::vector<Slot> slots_;
  std::vector<uint32_t> used_;
  size_t mask_ = 0;
};

double Ratio(double num, double den) {
  if (den == 0) return num == 0 ? 0.0 : std::numeric_limits<double>::infinity();
  return num / den;
}

std::string Num(double v) {
  if (std::isinf(v)) return "inf";
  char buf[64];
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof(buf), "%.0f", v);
  } else {
    std::snprintf(buf, sizeof(buf), "%.4g", v);
  }
  return buf;
}

// Non-overlapping count of "..." (Python str.count) plus "…".
size_t CountEllipses(std::string_view t) {
  size_t n = 0;
  const char* p = t.data();
  const size_t size = t.size();
  for (size_t i = 0; i < size;) {
    const void* dot = std::memchr(p + i, '.', size - i);
    if (!dot) break;
    i = static_cast<size_t>(static_cast<const char*>(dot) - p);
    size_t j = i;
    while (j < size && p[j] == '.') ++j;
    n += (j - i) / 3;
    i = j;
  }
  for (size_t pos = t.find("\xE2\x80\xA6"); pos != std::string_view::npos;
       pos = t.find("\xE2\x80\xA6", pos + 3)) {
    ++n;
  }
  return n;
}

// Occurrences of byte c.
size_t CountByte(std::string_view t, char c) {
  size_t n = 0;
  const char* p = t.data();
  const char* end = p + t.size();
  while (p < end) {
    const void* hit = std::memchr(p, c, static_cast<size_t>(end - p));
    if (!hit) break;
    ++n;
    p = static_cast<const char*>(hit) + 1;
  }
  return n;
}

// s.find(pat) != npos: candidate positions where the first and the last byte
// of `pat` match are found 32 at a time (AVX2), then compared in full.
bool Contains(std::string_view s, std::string_view pat) {
  const size_t m = pat.size();
  if (m == 0) return true;
  if (s.size() < m) return false;
  const char* p = s.data();
  if (m == 1) return std::memchr(p, pat[0], s.size()) != nullptr;
  const size_t last = s.size() - m;  // the last start position
  size_t i = 0;
#ifdef __AVX2__
  const __m256i first = _mm256_set1_epi8(pat[0]);
  const __m256i final = _mm256_set1_epi8(pat[m - 1]);
  for (; i + 31 <= last; i += 32) {
    const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i));
    const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i + m - 1));
    uint32_t mask = static_cast<uint32_t>(_mm256_movemask_epi8(
        _mm256_and_si256(_mm256_cmpeq_epi8(a, first), _mm256_cmpeq_epi8(b, final))));
    while (mask) {
      const size_t k = i + static_cast<size_t>(__builtin_ctz(mask));
      if (std::memcmp(p + k + 1, pat.data() + 1, m - 2) == 0) return true;
      mask &= mask - 1;
    }
  }
#endif
  for (; i <= last; ++i) {
    if (p[i] == pat[0] && p[i + m - 1] == pat[m - 1] && std::memcmp(p + i, pat.data(), m) == 0) {
      return true;
    }
  }
  return false;
}

bool StartsWith(std::string_view s, std::string_view p) {
  return s.substr(0, p.size()) == p;
}
bool EndsWith(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}

}  // namespace

struct WordStats {
  uint64_t words = 0;       // all tokens
  uint64_t non_symbol = 0;  // tokens with a character outside PUNCTUATION_SET
  uint64_t non_symbol_chars = 0;
  uint64_t alpha = 0;  // tokens with a letter
  uint64_t stop = 0;   // stop word occurrences
};

struct Scratch {
  TokenizerScratch tok;
  // Per-token arrays of the analyzed text (when arrays were requested).
  std::vector<uint64_t> tok_hash;      // HashToken of each token
  std::vector<uint64_t> prefix_chars;  // C[i] = code points of tokens [0, i)
  std::vector<uint32_t> tok_off;       // byte offset of each token
  std::vector<uint8_t> tok_flags;      // TokenFlag bits
  std::vector<uint32_t> chunk_off;     // byte offset of each whitespace-separated chunk
  std::vector<uint32_t> chunk_chars;   // its code points
  std::vector<uint64_t> prefix_hash;   // P[i] = polynomial hash of tokens [0, i) (lazy)
  std::vector<uint64_t> multi[2];      // n-gram position bitsets (see GopherRepetition)
  std::vector<uint64_t> earlier;
  std::vector<uint64_t> dup_any;
  std::vector<uint16_t> bucket;     // per-bucket n-gram counts (all zero between uses)
  std::vector<uint64_t> gram_keys;  // n-gram hashes of the first top pass
  std::vector<uint32_t> dup_pos;    // positions in dup_any, ascending
  CountTable table;
  StringDupCounter dups;
  std::string lower;
  std::string line_buf;
  std::string c4_out;
  // Cache: analysis of (ptr, size).
  const char* analyzed_ptr = nullptr;
  size_t analyzed_size = 0;
  bool analyzed_arrays = false;
  bool analyzed = false;
  bool prefix_ready = false;
  WordStats words;
  // Code points of (ptr, size).
  const char* chars_ptr = nullptr;
  size_t chars_size = 0;
  size_t chars_value = 0;
  // Token count of c4's output text (known_ptr, known_size), from the tokens of its lines.
  const char* known_ptr = nullptr;
  size_t known_size = 0;
  uint64_t known_words = 0;
};

std::string_view PresetName(Preset p) {
  switch (p) {
    case Preset::kGopherQuality:
      return "gopher_quality";
    case Preset::kGopherRepetition:
      return "gopher_repetition";
    case Preset::kC4:
      return "c4";
    case Preset::kFineWeb:
      return "fineweb";
  }
  return "?";
}

bool ParsePreset(std::string_view name, Preset* p) {
  for (Preset q :
       {Preset::kGopherQuality, Preset::kGopherRepetition, Preset::kC4, Preset::kFineWeb}) {
    if (PresetName(q) == name) {
      *p = q;
      return true;
    }
  }
  return false;
}

Engine::Engine(RuleSet rules) : rules_(std::move(rules)) {
  for (const auto& w : rules_.gopher_quality.stop_words) {
    uint64_t h = HashToken(w.data(), w.size());
    stop_word_hashes_.push_back(h);
    stop_mask_ |= uint64_t{1} << (h & 63);
  }
  for (Preset p : rules_.presets) {
    if (p == Preset::kGopherRepetition || p == Preset::kC4) need_arrays_ = true;
  }
}

Engine::~Engine() = default;

ScratchPtr Engine::NewScratch() {
  return ScratchPtr(new Scratch());
}
void ScratchDeleter::operator()(Scratch* s) const {
  delete s;
}
size_t ScratchBytes(const Scratch& s) {
  return (s.prefix_hash.capacity() + s.prefix_chars.capacity() + s.tok_hash.capacity()) *
             sizeof(uint64_t) +
         (s.tok_off.capacity() + s.dup_pos.capacity() + s.chunk_off.capacity() +
          s.chunk_chars.capacity()) *
             sizeof(uint32_t) +
         s.tok_flags.capacity() +
         (s.multi[0].capacity() + s.multi[1].capacity() + s.earlier.capacity() +
          s.dup_any.capacity()) *
             sizeof(uint64_t) +
         (s.tok.masks.space.capacity() + s.tok.masks.stop.capacity() +
          s.tok.masks.alnum.capacity() + s.tok.masks.alpha.capacity() +
          s.tok.masks.digit_alpha.capacity()) *
             sizeof(uint64_t) +
         s.table.Bytes() + s.dups.Bytes() + s.tok.chars.capacity() * sizeof(CharInfo) +
         s.bucket.capacity() * sizeof(uint16_t) + s.gram_keys.capacity() * sizeof(uint64_t) +
         s.c4_out.capacity() + s.lower.capacity() + s.line_buf.capacity();
}

namespace {

struct Ctx {
  const RuleSet& rules;
  const std::vector<uint64_t>& stop_hashes;
  uint64_t stop_mask;
  bool need_arrays;
  bool stop_at_first;
  bool collect;
  Scratch& s;
  Evaluation* out;
  PresetReport* report = nullptr;

  // Records a failure; returns true when evaluation must stop.
  bool Fail(Preset p, std::string_view rule, std::string detail) {
    std::string code(PresetName(p));
    code += ':';
    code += rule;
    out->failures.push_back(Failure{std::move(code), std::move(detail)});
    return stop_at_first;
  }
  void Metric(const char* name, double v, bool integral = false) {
    if (report) report->metrics.push_back(quality::Metric{name, v, integral});
  }
};

// Tokenizes `text` once (cached) and fills word statistics; with c.need_arrays
// also the per-token arrays (hash, prefix chars, offset, flags).
const WordStats& Analyze(std::string_view text, const Ctx& c) {
  Scratch& s = c.s;
  if (s.analyzed && s.analyzed_ptr == text.data() && s.analyzed_size == text.size()) {
    return s.words;
  }
  WordStats ws;
  const auto& stops = c.rules.gopher_quality.stop_words;
  const uint64_t* stop_hashes = c.stop_hashes.data();
  const size_t n_stops = c.stop_hashes.size();
  const uint64_t stop_mask = c.stop_mask;
  auto count = [&](const TokenView& t) {
    ++ws.words;
    if (t.flags & kTokNonSymbol) {
      ++ws.non_symbol;
      ws.non_symbol_chars += t.chars;
    }
    if (t.flags & kTokHasAlpha) ++ws.alpha;
    if ((stop_mask >> (t.hash & 63)) & 1) {
      for (size_t k = 0; k < n_stops; ++k) {
        if (stop_hashes[k] == t.hash && stops[k] == t.text) {
          ++ws.stop;
          break;
        }
      }
    }
  };
  s.prefix_ready = false;
  if (c.need_arrays) {
    s.tok_hash.clear();
    s.tok_off.clear();
    s.tok_flags.clear();
    s.chunk_off.clear();
    s.chunk_chars.clear();
    s.prefix_chars.clear();
    s.prefix_chars.push_back(0);
    uint64_t chars = 0;
    const char* base = text.data();
    WordTokenizer::Tokenize(
        text, s.tok,
        [&](const TokenView& t) {
          count(t);
          s.tok_hash.push_back(t.hash);
          chars += t.chars;
          s.prefix_chars.push_back(chars);
          s.tok_off.push_back(static_cast<uint32_t>(t.text.data() - base));
          s.tok_flags.push_back(static_cast<uint8_t>(t.flags));
        },
        [&](size_t b, size_t, size_t chars) {
          s.chunk_off.push_back(static_cast<uint32_t>(b));
          s.chunk_chars.push_back(static_cast<uint32_t>(std::min<size_t>(chars, UINT32_MAX)));
        });
  } else {
    WordTokenizer::Tokenize(text, s.tok, count);
  }
  s.words = ws;
  s.analyzed = true;
  s.analyzed_ptr = text.data();
  s.analyzed_size = text.size();
  s.analyzed_arrays = c.need_arrays;
  return s.words;
}

// True when the per-token arrays describe `text` (offsets fit 32 bits).
bool HaveArrays(std::string_view text, const Scratch& s) {
  return s.analyzed && s.analyzed_arrays && s.analyzed_ptr == text.data() &&
         s.analyzed_size == text.size() && text.size() <= UINT32_MAX;
}

// Code points of `text` (cached for the current text).
size_t TextChars(std::string_view text, Scratch& s) {
  if (s.chars_ptr != text.data() || s.chars_size != text.size()) {
    s.chars_value = CountChars(text);
    s.chars_ptr = text.data();
    s.chars_size = text.size();
  }
  return s.chars_value;
}

// ---------------------------------------------------------------- Gopher quality
bool GopherQuality(std::string_view text, Ctx& c) {
  const auto& p = c.rules.gopher_quality;
  const Preset P = Preset::kGopherQuality;
  const WordStats& ws = Analyze(text, c);
  const double n_ns = static_cast<double>(ws.non_symbol);
  const double n_words = static_cast<double>(ws.words);
  c.Metric("words", n_ns, true);
  if (p.min_doc_words && n_ns < *p.min_doc_words) {
    if (c.Fail(P, "word_count", Num(n_ns) + " words < " + Num(*p.min_doc_words))) return true;
  }
  if (p.max_doc_words && n_ns > *p.max_doc_words) {
    if (c.Fail(P, "word_count", Num(n_ns) + " words > " + Num(*p.max_doc_words))) return true;
  }
  // numpy.mean of an empty list is NaN, which fails no comparison: rule skipped.
  if (ws.non_symbol > 0) {
    double mean = static_cast<double>(ws.non_symbol_chars) / n_ns;
    c.Metric("mean_word_length", mean);
    if (p.min_avg_word_length && mean < *p.min_avg_word_length) {
      if (c.Fail(P, "mean_word_length",
                 "mean word length " + Num(mean) + " < " + Num(*p.min_avg_word_length))) {
        return true;
      }
    }
    if (p.max_avg_word_length && mean > *p.max_avg_word_length) {
      if (c.Fail(P, "mean_word_length",
                 "mean word length " + Num(mean) + " > " + Num(*p.max_avg_word_length))) {
        return true;
      }
    }
  }
  double hashes = static_cast<double>(CountByte(text, '#'));
  double hash_ratio = Ratio(hashes, n_words);
  double ellipsis_ratio = Ratio(static_cast<double>(CountEllipses(text)), n_words);
  c.Metric("hash_ratio", hash_ratio);
  c.Metric("ellipsis_ratio", ellipsis_ratio);
  if (p.max_symbol_word_ratio && hash_ratio > *p.max_symbol_word_ratio) {
    if (c.Fail(P, "hash_ratio",
               "'#' per word " + Num(hash_ratio) + " > " + Num(*p.max_symbol_word_ratio))) {
      return true;
    }
  }
  if (p.max_symbol_word_ratio && ellipsis_ratio > *p.max_symbol_word_ratio) {
    if (c.Fail(
            P, "ellipsis_ratio",
            "ellipses per word " + Num(ellipsis_ratio) + " > " + Num(*p.max_symbol_word_ratio))) {
      return true;
    }
  }
  size_t bullets = 0, ellipsis_lines = 0;
  size_t n_lines = ForEachSplitLine(text, [&](std::string_view line) {
    std::string_view l = PyLStrip(line);
    if (StartsWith(l, "\xE2\x80\xA2") || StartsWith(l, "-")) ++bullets;  // • or -
    std::string_view r = PyRStrip(line);
    if (EndsWith(r, "...") || EndsWith(r, "\xE2\x80\xA6")) ++ellipsis_lines;
  });
  if (n_lines > 0) {  // "" has no lines (ZeroDivisionError in datatrove): rules skipped
    double bullet_ratio = static_cast<double>(bullets) / static_cast<double>(n_lines);
    double ell_ratio = static_cast<double>(ellipsis_lines) / static_cast<double>(n_lines);
    c.Metric("bullet_lines_ratio", bullet_ratio);
    c.Metric("ellipsis_lines_ratio", ell_ratio);
    if (p.max_bullet_lines_ratio && bullet_ratio > *p.max_bullet_lines_ratio) {
      if (c.Fail(P, "bullet_lines",
                 "bullet line fraction " + Num(bullet_ratio) + " > " +
                     Num(*p.max_bullet_lines_ratio))) {
        return true;
      }
    }
    if (p.max_ellipsis_lines_ratio && ell_ratio > *p.max_ellipsis_lines_ratio) {
      if (c.Fail(P, "ellipsis_lines",
                 "fraction of lines ending with an ellipsis " + Num(ell_ratio) + " > " +
                     Num(*p.max_ellipsis_lines_ratio))) {
        return true;
      }
    }
  }
  double alpha_ratio = Ratio(static_cast<double>(ws.alpha), n_words);
  c.Metric("alpha_words_ratio", alpha_ratio);
  if (p.max_non_alpha_words_ratio && alpha_ratio < *p.max_non_alpha_words_ratio) {
    if (c.Fail(P, "alpha_words",
               "fraction of words with a letter " + Num(alpha_ratio) + " < " +
                   Num(*p.max_non_alpha_words_ratio))) {
      return true;
    }
  }
  c.Metric("stop_words", static_cast<double>(ws.stop), true);
  if (p.min_stop_words && static_cast<double>(ws.stop) < *p.min_stop_words) {
    if (c.Fail(P, "stop_words",
               Num(static_cast<double>(ws.stop)) + " stop words < " + Num(*p.min_stop_words))) {
      return true;
    }
  }
  return false;
}

// ------------------------------------------------------------- Gopher repetition
bool GopherRepetition(std::string_view text, Ctx& c) {
  const auto& p = c.rules.gopher_repetition;
  const Preset P = Preset::kGopherRepetition;
  Scratch& s = c.s;
  const double text_chars = static_cast<double>(TextChars(text, s));

  // Paragraphs: re.split(r"\n{2,}", text.strip()).
  {
    std::string_view t = PyStrip(text);
    s.dups.Reset(16);
    size_t start = 0, i = 0;
    while (i < t.size()) {
      const void* nl = std::memchr(t.data() + i, '\n', t.size() - i);
      if (!nl) break;
      i = static_cast<size_t>(static_cast<const char*>(nl) - t.data());
      if (i + 1 < t.size() && t[i + 1] == '\n') {
        size_t j = i;
        while (j < t.size() && t[j] == '\n') ++j;
        s.dups.Add(t.substr(start, i - start));
        start = i = j;
      } else {
        ++i;
      }
    }
    s.dups.Add(t.substr(start));
    double para_frac =
        Ratio(static_cast<double>(s.dups.dup_elements), static_cast<double>(s.dups.elements));
    double para_char_frac = Ratio(static_cast<double>(s.dups.dup_chars), text_chars);
    c.Metric("dup_para_frac", para_frac);
    c.Metric("dup_para_char_frac", para_char_frac);
    if (p.dup_para_frac && para_frac > *p.dup_para_frac) {
      if (c.Fail(
              P, "dup_para_frac",
              "duplicate paragraph fraction " + Num(para_frac) + " > " + Num(*p.dup_para_frac))) {
        return true;
      }
    }
    if (p.dup_para_char_frac && para_char_frac > *p.dup_para_char_frac) {
      if (c.Fail(P, "dup_para_char_frac",
                 "duplicate paragraph character fraction " + Num(para_char_frac) + " > " +
                     Num(*p.dup_para_char_frac))) {
        return true;
      }
    }
  }
  // Lines: re.split("\n+", text).
  {
    s.dups.Reset(16);
    size_t start = 0, i = 0;
    while (i < text.size()) {
      const void* nl = std::memchr(text.data() + i, '\n', text.size() - i);
      if (!nl) break;
      i = static_cast<size_t>(static_cast<const char*>(nl) - text.data());
      size_t j = i;
      while (j < text.size() && text[j] == '\n') ++j;
      s.dups.Add(text.substr(start, i - start));
      start = i = j;
    }
    s.dups.Add(text.substr(start));
    double line_frac =
        Ratio(static_cast<double>(s.dups.dup_elements), static_cast<double>(s.dups.elements));
    double line_char_frac = Ratio(static_cast<double>(s.dups.dup_chars), text_chars);
    c.Metric("dup_line_frac", line_frac);
    c.Metric("dup_line_char_frac", line_char_frac);
    if (p.dup_line_frac && line_frac > *p.dup_line_frac) {
      if (c.Fail(P, "dup_line_frac",
                 "duplicate line fraction " + Num(line_frac) + " > " + Num(*p.dup_line_frac))) {
        return true;
      }
    }
    if (p.dup_line_char_frac && line_char_frac > *p.dup_line_char_frac) {
      if (c.Fail(P, "dup_line_char_frac",
                 "duplicate line character fraction " + Num(line_char_frac) + " > " +
                     Num(*p.dup_line_char_frac))) {
        return true;
      }
    }
  }
  if (p.top_n_grams.empty() && p.dup_n_grams.empty()) return false;

  const WordStats& ws = Analyze(text, c);
  const uint64_t T = ws.words;
  if (!s.prefix_ready) {
    s.prefix_hash.resize(T + 1);
    uint64_t* ph = s.prefix_hash.data();
    const uint64_t* th = s.tok_hash.data();
    ph[0] = 0;
    for (uint64_t i = 0; i < T; ++i) ph[i + 1] = ph[i] * kPolyBase + th[i];
    s.prefix_ready = true;
  }
  const uint64_t* P_ = s.prefix_hash.data();
  const uint64_t* C_ = s.prefix_chars.data();
  uint64_t pow_n = 1;
  auto set_n = [&](int n) {
    pow_n = 1;
    for (int k = 0; k < n; ++k) pow_n *= kPolyBase;
  };
  auto gram = [&](uint64_t i, int n) { return P_[i + n] - P_[i] * pow_n; };
  static const char* const kTopNames[] = {"top_0_gram", "top_1_gram", "top_2_gram", "top_3_gram",
                                          "top_4_gram", "top_5_gram", "top_6_gram", "top_7_gram",
                                          "top_8_gram", "top_9_gram", "top_10_gram"};
  static const char* const kDupNames[] = {"dup_0_gram", "dup_1_gram", "dup_2_gram", "dup_3_gram",
                                          "dup_4_gram", "dup_5_gram", "dup_6_gram", "dup_7_gram",
                                          "dup_8_gram", "dup_9_gram", "dup_10_gram"};
  auto name_of = [](const char* const* table, int n, std::string* storage) -> const char* {
    if (n >= 0 && n <= 10) return table[n];
    *storage = std::string(table == kTopNames ? "top_" : "dup_") + std::to_string(n) + "_gram";
    return storage->c_str();
  };
  // Position bitsets (bit i of word i / 64): multi[0] / multi[1], alternating
  // between top passes: the m-gram at i occurs twice or more, for the last top
  // pass m; earlier: the n0-gram at i occurred before i; dup_any: the n0-gram
  // at i occurs twice or more. One spare zero word past the end.
  const size_t n_words = static_cast<size_t>(T / 64 + 2);
  for (auto* v : {&s.multi[0], &s.multi[1], &s.earlier, &s.dup_any}) {
    if (v->size() < n_words) v->resize(n_words);
  }
  auto set_bit = [](uint64_t* bits, uint64_t i) { bits[i >> 6] |= uint64_t{1} << (i & 63); };
  // Positions i < count whose m-grams at i .. i+k are all marked in R (an
  // n-gram with n = m + k can only occur twice when all of them do): calls f(i).
  auto for_each_window = [&](const uint64_t* R, int k, uint64_t count, auto&& f) {
    const size_t words = static_cast<size_t>((count + 63) / 64);
    for (size_t w = 0; w < words; ++w) {
      uint64_t cand = R[w];
      for (int j = 1; j <= k && cand; ++j) cand &= (R[w] >> j) | (R[w + 1] << (64 - j));
      if (w == words - 1 && (count & 63)) cand &= (uint64_t{1} << (count & 63)) - 1;
      while (cand) {
        f(static_cast<uint64_t>(w) * 64 + static_cast<uint64_t>(__builtin_ctzll(cand)));
        cand &= cand - 1;
      }
    }
  };

  // Top n-grams. A pass for n after a pass for m < n counts only the positions
  // whose m-grams at i .. i+n-m all repeat (the others start an n-gram that
  // occurs once).
  if (s.bucket.size() < (size_t{1} << kBucketBits)) s.bucket.assign(size_t{1} << kBucketBits, 0);
  if (s.gram_keys.size() < std::min<uint64_t>(T + 1, kMaxBucketed)) {
    s.gram_keys.resize(std::min<uint64_t>(T + 1, kMaxBucketed));
  }
  int filter_n = 0;             // m of the last top pass (0: none)
  const uint64_t* R = nullptr;  // its bitset
  uint64_t filtered = 0;        // positions marked in it
  int parity = 0;
  for (const auto& [n, frac] : p.top_n_grams) {
    if (T < static_cast<uint64_t>(n)) continue;  // no n-grams: datatrove skips the rule
    set_n(n);
    const uint64_t count = T - n + 1;
    const bool use_filter = filter_n > 0 && filter_n < n;
    uint64_t* Wb = s.multi[parity].data();
    std::fill(Wb, Wb + n_words, uint64_t{0});
    s.table.Reset(use_filter ? filtered : count);
    uint32_t best_count = 0, best_first = 0;
    uint64_t marked = 0;
    auto visit_key = [&](uint64_t i, uint64_t key) {
      const auto& slot = s.table.At(s.table.Add(key, static_cast<uint32_t>(i)));
      if (slot.count >= 2) {
        set_bit(Wb, i);
        ++marked;
        if (slot.count == 2) {
          set_bit(Wb, slot.first);
          ++marked;
        }
      }
      if (slot.count > best_count || (slot.count == best_count && slot.first < best_first)) {
        best_count = slot.count;
        best_first = slot.first;
      }
    };
    auto visit = [&](uint64_t i) { visit_key(i, gram(i, n)); };
    if (use_filter) {
      for_each_window(R, n - filter_n, count, visit);
    } else if (count <= kMaxBucketed) {
      // First pass: n-gram hashes counted per bucket (a direct-mapped array of
      // 4,096 counters). An n-gram alone in its bucket occurs once, so only
      // positions in shared buckets go to the exact table (in position order:
      // every occurrence of a repeated n-gram is among them).
      uint16_t* bucket = s.bucket.data();
      uint64_t* keys = s.gram_keys.data();
      for (uint64_t i = 0; i < count; ++i) {
        const uint64_t key = gram(i, n);
        keys[i] = key;
        ++bucket[key >> (64 - kBucketBits)];
      }
      for (uint64_t i = 0; i < count; ++i) {
        if (bucket[keys[i] >> (64 - kBucketBits)] >= 2) visit_key(i, keys[i]);
      }
      for (uint64_t i = 0; i < count; ++i) bucket[keys[i] >> (64 - kBucketBits)] = 0;
    } else {
      for (uint64_t i = 0; i < count; ++i) visit(i);
    }
    if (best_count < 2) {
      // Every n-gram occurs once: the first one is the most common (Counter order).
      best_count = 1;
      best_first = 0;
    }
    filter_n = n;
    R = Wb;
    parity ^= 1;
    filtered = marked;
    // len(" ".join(ngram)) * count of the most common n-gram (first seen wins ties).
    double top_chars = static_cast<double>(C_[best_first + n] - C_[best_first] + (n - 1)) *
                       static_cast<double>(best_count);
    double ratio = Ratio(top_chars, text_chars);
    std::string storage;
    const char* name = name_of(kTopNames, n, &storage);
    if (c.report) {
      // Metric names must outlive the report: only the static ones are recorded.
      if (n <= 10) c.Metric(name, ratio);
    }
    if (ratio > frac) {
      if (c.Fail(P, name,
                 "most common " + std::to_string(n) + "-gram covers " + Num(ratio) +
                     " of the characters > " + Num(frac))) {
        return true;
      }
    }
  }

  // Duplicated n-grams. With n0 the smallest size: a position can only hit an
  // earlier n-gram (n >= n0) when its n0-gram occurred before (earlier), and
  // only positions whose n0-gram occurs twice (dup_any) can ever be hit. The
  // n0 pass itself skips positions whose top-pass m-grams do not all repeat.
  int n0 = 0;
  for (const auto& [n, frac] : p.dup_n_grams) {
    if (T >= static_cast<uint64_t>(n) && (n0 == 0 || n < n0)) n0 = n;
  }
  bool any_earlier = false;
  uint64_t dup_any = 0;
  s.dup_pos.clear();
  uint64_t* earlier = s.earlier.data();
  uint64_t* dup_bits = s.dup_any.data();
  if (n0 > 0) {
    set_n(n0);
    const uint64_t count = T - n0 + 1;
    const bool use_filter = filter_n > 0 && filter_n <= n0;
    std::fill(earlier, earlier + n_words, uint64_t{0});
    std::fill(dup_bits, dup_bits + n_words, uint64_t{0});
    s.table.Reset(use_filter ? filtered : count);
    auto visit = [&](uint64_t i) {
      const auto& slot = s.table.At(s.table.Add(gram(i, n0), static_cast<uint32_t>(i)));
      if (slot.count >= 2) {
        set_bit(earlier, i);
        set_bit(dup_bits, i);
        any_earlier = true;
        ++dup_any;
        if (slot.count == 2) {
          set_bit(dup_bits, slot.first);
          ++dup_any;
        }
      }
    };
    if (use_filter) {
      for_each_window(R, n0 - filter_n, count, visit);
    } else {
      for (uint64_t i = 0; i < count; ++i) visit(i);
    }
    if (any_earlier) {
      for_each_window(dup_bits, 0, count,
                      [&](uint64_t i) { s.dup_pos.push_back(static_cast<uint32_t>(i)); });
    }
  }
  for (const auto& [n, frac] : p.dup_n_grams) {
    uint64_t repeated = 0;
    if (any_earlier && T >= static_cast<uint64_t>(n)) {
      set_n(n);
      const uint64_t count = T - n + 1;
      s.table.Reset(dup_any);
      // datatrove's scan (a hit skips the n-gram, anything else moves one
      // position), visiting only the dup_any positions: the others neither hit
      // nor get hit.
      uint64_t next = 0;  // first position the scan has not skipped
      for (uint32_t q : s.dup_pos) {
        if (q >= count) break;
        if (q < next) continue;
        if ((earlier[q >> 6] >> (q & 63)) & 1) {
          if (s.table.Seen(gram(q, n))) {
            repeated += C_[q + n] - C_[q];
            next = q + static_cast<uint64_t>(n);
            continue;
          }
        } else {
          s.table.Seen(gram(q, n));  // inserts: a later position may repeat it
        }
        next = q + 1;
      }
    }
    double ratio = Ratio(static_cast<double>(repeated), text_chars);
    std::string storage;
    const char* name = name_of(kDupNames, n, &storage);
    if (n <= 10) c.Metric(name, ratio);
    if (ratio > frac) {
      if (c.Fail(P, name,
                 "duplicated " + std::to_string(n) + "-grams cover " + Num(ratio) +
                     " of the characters > " + Num(frac))) {
        return true;
      }
    }
  }
  return false;
}

// ---------------------------------------------------------------------------- C4
// spaCy's sentencizer over token flags: a sentence starts at the first token
// and at the first token after sentence-final punctuation that is not
// punctuation itself.
struct SentenceCounter {
  size_t count = 0;
  bool seen_period = false;
  void Add(uint32_t flags) {
    if (count == 0) {
      count = 1;
    } else if (seen_period && !(flags & kTokAllPunct) && !(flags & kTokSentEnd)) {
      ++count;
      seen_period = false;
      return;
    }
    if (flags & kTokSentEnd) seen_period = true;
  }
};

// Sentences of `line`, tokenized on its own; *tokens receives its token count.
size_t SentenceCount(std::string_view line, Scratch& s, uint64_t* tokens) {
  SentenceCounter sc;
  uint64_t n = 0;
  WordTokenizer::Tokenize(line, s.tok, [&](const TokenView& t) {
    ++n;
    sc.Add(t.flags);
  });
  *tokens = n;
  return sc.count;
}

// Removes \[\d*]|\[edit]|\[citation needed] into `out`; returns false when nothing matched.
bool RemoveCitations(std::string_view line, std::string& out) {
  if (line.find('[') == std::string_view::npos) return false;
  out.clear();
  bool any = false;
  size_t i = 0;
  const auto* p = reinterpret_cast<const unsigned char*>(line.data());
  while (i < line.size()) {
    if (line[i] != '[') {
      out += line[i++];
      continue;
    }
    size_t j = i + 1;
    while (j < line.size()) {
      int len = 1;
      uint32_t cp = p[j];
      if (cp >= 0x80) cp = DecodeUtf8(p + j, &len);
      if (!(Classify(cp) & kUniDigit)) break;
      j += len;
    }
    size_t end = 0;
    if (j < line.size() && line[j] == ']') {
      end = j + 1;
    } else if (line.substr(i, 6) == "[edit]") {
      end = i + 6;
    } else if (line.substr(i, 17) == "[citation needed]") {
      end = i + 17;
    }
    if (end) {
      any = true;
      i = end;
    } else {
      out += line[i++];
    }
  }
  return any;
}

bool C4(std::string_view text, Ctx& c) {
  const auto& p = c.rules.c4;
  const Preset P = Preset::kC4;
  Scratch& s = c.s;
  static constexpr std::string_view kPolicy[] = {"terms of use", "privacy policy", "cookie policy",
                                                 "uses cookies", "use of cookies", "use cookies"};
  std::string& kept = s.c4_out;
  kept.clear();
  size_t sentences = 0, lines_total = 0, lines_kept = 0;
  bool doc_failed = false;
  std::string doc_fail_rule, doc_fail_detail;
  // The tokens of each line come from the document's tokenization (a line
  // break is whitespace, so no token spans two lines).
  Analyze(text, c);
  const bool arrays = HaveArrays(text, s);
  const uint32_t* tok_off = s.tok_off.data();
  const uint8_t* tok_flags = s.tok_flags.data();
  const size_t n_tokens = arrays ? s.tok_off.size() : 0;
  const uint32_t* chunk_off = s.chunk_off.data();
  const uint32_t* chunk_chars = s.chunk_chars.data();
  const size_t n_chunks = arrays ? s.chunk_off.size() : 0;
  size_t cursor = 0, chunk_cursor = 0;
  uint64_t kept_tokens = 0;
  ForEachSplitLine(text, [&](std::string_view raw) {
    if (doc_failed) return;
    ++lines_total;
    std::string_view line = PyStrip(raw);
    size_t tok_begin = 0, tok_end = 0;
    if (arrays) {
      const size_t line_begin = static_cast<size_t>(line.data() - text.data());
      const size_t line_end = line_begin + line.size();
      while (cursor < n_tokens && tok_off[cursor] < line_begin) ++cursor;
      tok_begin = cursor;
      while (cursor < n_tokens && tok_off[cursor] < line_end) ++cursor;
      tok_end = cursor;
    }
    bool edited = false;
    // words = line.split(): the chunks of the line.
    size_t n_words = 0, longest = 0;
    if (arrays) {
      const size_t line_begin = static_cast<size_t>(line.data() - text.data());
      const size_t line_end = line_begin + line.size();
      while (chunk_cursor < n_chunks && chunk_off[chunk_cursor] < line_begin) ++chunk_cursor;
      for (; chunk_cursor < n_chunks && chunk_off[chunk_cursor] < line_end; ++chunk_cursor) {
        ++n_words;
        longest = std::max<size_t>(longest, chunk_chars[chunk_cursor]);
      }
    } else {
      const auto* q = reinterpret_cast<const unsigned char*>(line.data());
      size_t i = 0;
      while (i < line.size()) {
        size_t chars = 0;
        bool in_word = false;
        while (i < line.size()) {
          int len = 1;
          uint32_t cp = q[i];
          if (cp >= 0x80) cp = DecodeUtf8(q + i, &len);
          if (Classify(cp) & kSpace) {
            i += len;
            if (in_word) break;
            continue;
          }
          in_word = true;
          ++chars;
          i += len;
        }
        if (in_word) {
          ++n_words;
          longest = std::max(longest, chars);
        }
      }
    }
    if (p.max_word_length && static_cast<double>(longest) > *p.max_word_length) return;
    if (p.remove_citations && RemoveCitations(line, s.line_buf)) {
      line = s.line_buf;
      edited = true;
    }
    if (p.filter_no_terminal_punct) {
      bool term =
          !line.empty() && (line.back() == '.' || line.back() == '?' || line.back() == '!' ||
                            line.back() == '"' || line.back() == '\'');
      if (!term || EndsWith(line, "...")) return;
    }
    if (p.min_words_per_line && static_cast<double>(n_words) < *p.min_words_per_line) return;
    s.lower.assign(line);
    for (char& ch : s.lower) {
      if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
    }
    std::string_view low = s.lower;
    if (p.filter_lorem_ipsum && Contains(low, "lorem ipsum")) {
      doc_failed = true;
      doc_fail_rule = "lorem_ipsum";
      doc_fail_detail = "a line contains \"lorem ipsum\"";
      return;
    }
    if (p.filter_javascript && Contains(low, "javascript")) return;
    if (p.filter_curly_bracket && line.find('{') != std::string_view::npos) {
      doc_failed = true;
      doc_fail_rule = "curly_bracket";
      doc_fail_detail = "a line contains a curly bracket";
      return;
    }
    if (p.filter_policy) {
      for (std::string_view pol : kPolicy) {
        if (Contains(low, pol)) return;
      }
    }
    if (arrays && !edited) {
      SentenceCounter sc;
      for (size_t k = tok_begin; k < tok_end; ++k) sc.Add(tok_flags[k]);
      sentences += sc.count;
      kept_tokens += tok_end - tok_begin;
    } else {
      uint64_t line_tokens = 0;
      sentences += SentenceCount(line, s, &line_tokens);
      kept_tokens += line_tokens;
    }
    if (lines_kept) kept += '\n';
    kept.append(line);
    ++lines_kept;
  });
  if (doc_failed) {
    c.Metric("lines", static_cast<double>(lines_total), true);
    c.Fail(P, doc_fail_rule, doc_fail_detail);
    return true;
  }
  c.Metric("lines", static_cast<double>(lines_total), true);
  c.Metric("lines_removed", static_cast<double>(lines_total - lines_kept), true);
  c.Metric("sentences", static_cast<double>(sentences), true);
  if (p.min_num_sentences && static_cast<double>(sentences) < *p.min_num_sentences) {
    c.Fail(P, "too_few_sentences",
           Num(static_cast<double>(sentences)) + " sentences < " + Num(*p.min_num_sentences));
    return true;  // datatrove returns here: the text is not rewritten
  }
  std::string_view result = PyStrip(kept);
  c.out->c4_lines_removed = static_cast<int64_t>(lines_total - lines_kept);
  if (result != text) {
    // The new text lives in out->new_text; later presets read it.
    c.out->new_text.assign(result);
    c.out->text_changed = true;
    s.known_ptr = c.out->new_text.data();
    s.known_size = c.out->new_text.size();
    s.known_words = kept_tokens;
  }
  return false;
}

// ------------------------------------------------------------------------ FineWeb
bool FineWeb(std::string_view text, Ctx& c) {
  const auto& p = c.rules.fineweb;
  const Preset P = Preset::kFineWeb;
  Scratch& s = c.s;
  size_t n_lines = 0, punct_lines = 0, short_lines = 0;
  const double short_len = p.short_line_length;
  s.dups.Reset(16);
  const char* base = text.data();
  const size_t size = text.size();
  size_t start = 0;
  while (start <= size) {
    const void* nl = size > start ? std::memchr(base + start, '\n', size - start) : nullptr;
    size_t i = nl ? static_cast<size_t>(static_cast<const char*>(nl) - base) : size;
    std::string_view line = text.substr(start, i - start);
    start = i + 1;
    ++n_lines;
    if (!line.empty()) {
      char last = line.back();
      if (last == '.' || last == '\'' || last == '"' || last == '!' || last == '?') ++punct_lines;
    }
    if (static_cast<double>(CountChars(line)) <= short_len) ++short_lines;
    if (!PyStrip(line).empty()) s.dups.Add(line);
  }
  const double lines = static_cast<double>(n_lines);
  double punct_ratio = static_cast<double>(punct_lines) / lines;
  c.Metric("line_punct_ratio", punct_ratio);
  if (p.line_punct_thr && punct_ratio <= *p.line_punct_thr &&
      !(punct_ratio == 0 && p.line_punct_exclude_zero)) {
    if (c.Fail(P, "line_punct_ratio",
               "fraction of lines ending with punctuation " + Num(punct_ratio) +
                   " <= " + Num(*p.line_punct_thr))) {
      return true;
    }
  }
  double short_ratio = static_cast<double>(short_lines) / lines;
  c.Metric("short_line_ratio", short_ratio);
  if (p.short_line_thr && short_ratio >= *p.short_line_thr) {
    if (c.Fail(P, "short_line_ratio",
               "fraction of lines with at most " + Num(short_len) + " characters " +
                   Num(short_ratio) + " >= " + Num(*p.short_line_thr))) {
      return true;
    }
  }
  const double newlines = static_cast<double>(n_lines - 1);
  double dup_ratio = Ratio(static_cast<double>(s.dups.dup_chars),
                           static_cast<double>(TextChars(text, s)) - newlines);
  c.Metric("char_dup_ratio", dup_ratio);
  if (p.char_duplicates_ratio && dup_ratio >= *p.char_duplicates_ratio) {
    if (c.Fail(P, "char_dup_ratio",
               "characters in duplicated lines " + Num(dup_ratio) +
                   " >= " + Num(*p.char_duplicates_ratio))) {
      return true;
    }
  }
  if (p.new_line_ratio) {
    // After c4 rewrote the text, its word count is known from c4's lines.
    uint64_t words = (s.known_ptr == text.data() && s.known_size == text.size())
                         ? s.known_words
                         : Analyze(text, c).words;
    double list_ratio = Ratio(newlines, static_cast<double>(words));
    c.Metric("list_ratio", list_ratio);
    if (list_ratio > *p.new_line_ratio) {
      if (c.Fail(P, "list_ratio",
                 "newlines per word " + Num(list_ratio) + " > " + Num(*p.new_line_ratio))) {
        return true;
      }
    }
  }
  return false;
}

}  // namespace

void Engine::Evaluate(std::string_view text, bool stop_at_first, bool collect_metrics,
                      Scratch& scratch, Evaluation* out) const {
  out->failures.clear();
  out->reports.clear();
  out->text_changed = false;
  out->new_text.clear();
  out->c4_lines_removed = 0;
  scratch.analyzed = false;
  scratch.chars_ptr = nullptr;
  scratch.known_ptr = nullptr;
  Ctx c{rules_,        stop_word_hashes_, stop_mask_, need_arrays_,
        stop_at_first, collect_metrics,   scratch,    out};
  std::string_view current = text;
  for (Preset preset : rules_.presets) {
    if (collect_metrics) {
      out->reports.push_back(PresetReport{preset, {}});
      c.report = &out->reports.back();
    }
    bool stop = false;
    switch (preset) {
      case Preset::kGopherQuality:
        stop = GopherQuality(current, c);
        break;
      case Preset::kGopherRepetition:
        stop = GopherRepetition(current, c);
        break;
      case Preset::kC4: {
        size_t before = out->failures.size();
        stop = C4(current, c);
        if (out->failures.size() > before) {
          // A document-level C4 failure: the document is gone in drop mode; in
          // annotate mode later presets see the unmodified text.
          stop = stop_at_first;
        } else if (out->text_changed) {
          current = out->new_text;
          scratch.analyzed = false;
        }
        break;
      }
      case Preset::kFineWeb:
        stop = FineWeb(current, c);
        break;
    }
    if (stop && stop_at_first) return;
  }
}

}  // namespace winnow::quality
