// quality_text.h — character classes and the word tokeniser used by cleaner/quality.
//
// datatrove's quality filters split English text into words with spaCy's blank
// English tokenizer (datatrove.utils.word_tokenizers.SpaCyTokenizer("en")) and
// then drop whitespace tokens. This file re-implements the parts of that
// tokenizer that change the measured values: whitespace splitting (Python's
// str.isspace), prefix/suffix punctuation, the period rules, infixes (hyphens
// between letters, ellipses, "a,b", "lower.Upper", "a/b"), English contractions
// and abbreviations (tokenizer exceptions) and URLs kept whole. See README.md
// ("Comparison with datatrove") for what is approximated.
//
// All functions take valid UTF-8 (the plugin validates first). Nothing here
// allocates per word: the tokenizer reuses the caller's Scratch buffers.
// Thread-safety: free functions are thread-safe; a Scratch is per thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

namespace winnow::quality {

// Character class bits (see Classify).
enum CharClass : uint32_t {
  kSpace = 1u << 0,          // Python str.isspace()
  kAlpha = 1u << 1,          // Python str.isalpha() (general category L*)
  kLower = 1u << 2,          // Ll
  kUpper = 1u << 3,          // Lu
  kDigit = 1u << 4,          // ASCII 0-9 (spaCy's [0-9])
  kUniDigit = 1u << 5,       // Nd (Python regex \d)
  kDtPunct = 1u << 6,        // datatrove's PUNCTUATION_SET
  kPunctCat = 1u << 7,       // general category P* (spaCy Token.is_punct)
  kSentEnd = 1u << 8,        // spaCy Sentencizer default punct_chars
  kPrefix = 1u << 9,         // a one-character spaCy prefix
  kSuffix = 1u << 10,        // a one-character spaCy suffix
  kQuote = 1u << 11,         // spaCy's quote characters
  kIcon = 1u << 12,          // So except the degree sign
  kHyphen = 1u << 13,        // - – — ~
  kCurrency = 1u << 14,      // currency symbols
  kPeriodBefore = 1u << 15,  // a '.' after this character is split off
  kInfixSym = 1u << 16,      // : < > = /
  kLineBreak = 1u << 17,     // Python str.splitlines() boundary (\r\n handled by callers)
};

extern const uint32_t kAsciiClasses[128];
extern uint64_t g_ascii_char_hash[128];  // HashToken of each one-byte token
uint32_t ClassifySlow(uint32_t cp);

// Classes of one code point.
inline uint32_t Classify(uint32_t cp) {
  return cp < 128 ? kAsciiClasses[cp] : ClassifySlow(cp);
}

// Decodes the code point at p (valid UTF-8), sets *len to its byte length.
inline uint32_t DecodeUtf8(const unsigned char* p, int* len) {
  uint32_t c = p[0];
  if (c < 0x80) {
    *len = 1;
    return c;
  }
  if (c < 0xE0) {
    *len = 2;
    return ((c & 0x1F) << 6) | (p[1] & 0x3F);
  }
  if (c < 0xF0) {
    *len = 3;
    return ((c & 0x0F) << 12) | ((p[1] & 0x3F) << 6) | (p[2] & 0x3F);
  }
  *len = 4;
  return ((c & 0x07) << 18) | ((p[1] & 0x3F) << 12) | ((p[2] & 0x3F) << 6) | (p[3] & 0x3F);
}

// Number of code points (Python len()) of valid UTF-8 (8 bytes at a time).
size_t CountChars(std::string_view s);

uint64_t HashLong(const char* p, size_t n);  // XXH3 of more than 16 bytes

// 64-bit hash of a token's bytes (inline for the short tokens that make up
// text; equal bytes give equal hashes, which is all the rules compare).
inline uint64_t HashToken(const char* p, size_t n) {
  constexpr uint64_t k1 = 0x9E3779B97F4A7C15ULL, k2 = 0xC2B2AE3D27D4EB4FULL,
                     k3 = 0x165667B19E3779F9ULL;
  uint64_t a, b;
  if (n >= 8) {
    if (n > 16) return HashLong(p, n);
    std::memcpy(&a, p, 8);
    std::memcpy(&b, p + n - 8, 8);
  } else if (n >= 4) {
    uint32_t x, y;
    std::memcpy(&x, p, 4);
    std::memcpy(&y, p + n - 4, 4);
    a = x;
    b = (uint64_t{y} << 32) | x;
  } else if (n > 0) {
    a = static_cast<unsigned char>(p[0]) | (uint64_t{static_cast<unsigned char>(p[n >> 1])} << 8) |
        (uint64_t{static_cast<unsigned char>(p[n - 1])} << 16);
    b = a << 24;
  } else {
    a = b = 0;
  }
  __uint128_t m = static_cast<__uint128_t>(a ^ k1) * (b ^ k2 ^ (n * k3));
  uint64_t h = static_cast<uint64_t>(m) ^ static_cast<uint64_t>(m >> 64);
  h ^= h >> 29;
  h *= k3;
  return h ^ (h >> 32);
}

// Python str.strip()/lstrip()/rstrip() with no argument.
std::string_view PyStrip(std::string_view s);
std::string_view PyLStrip(std::string_view s);
std::string_view PyRStrip(std::string_view s);

// Calls f(line) for every line of Python's str.splitlines() (no trailing empty
// line after a final break; "" gives no lines). Returns the number of lines.
template <class F>
size_t ForEachSplitLine(std::string_view s, F&& f);

// Token flags reported by the tokenizer.
enum TokenFlag : uint32_t {
  kTokNonSymbol = 1u << 0,  // some character is not in datatrove's PUNCTUATION_SET
  kTokHasAlpha = 1u << 1,   // some character is a letter
  kTokAllPunct = 1u << 2,   // every character is P* (spaCy is_punct)
  kTokSentEnd = 1u << 3,    // the token is one sentencizer punctuation character
};

struct CharInfo {
  uint32_t cp;
  uint32_t cls;
  uint32_t off;  // byte offset in the chunk
};

// Reusable buffers of one tokenizing thread.
// Byte-class bitmaps of a text, one bit per byte (64 bytes per word), built
// with AVX2 where available: the tokenizer finds word boundaries and the
// classes of a whole ASCII word with bit operations instead of a byte loop.
struct ByteMasks {
  std::vector<uint64_t> space;        // ASCII whitespace (Python isspace)
  std::vector<uint64_t> stop;         // ASCII whitespace or a byte >= 0x80 (bits past the end set)
  std::vector<uint64_t> alnum;        // [0-9A-Za-z]
  std::vector<uint64_t> alpha;        // [A-Za-z]
  std::vector<uint64_t> digit_alpha;  // a letter right after a digit
  void Build(std::string_view text);
};

// First position >= i (and < n) whose bit is set in m, else n.
inline size_t NextSetBit(const uint64_t* m, size_t words, size_t i, size_t n) {
  size_t w = i >> 6;
  if (w >= words) return n;
  uint64_t bits = m[w] & (~uint64_t{0} << (i & 63));
  while (!bits) {
    if (++w >= words) return n;
    bits = m[w];
  }
  size_t pos = (w << 6) + static_cast<size_t>(__builtin_ctzll(bits));
  return pos < n ? pos : n;
}
// First position >= i whose bit is clear, else n (bits past the end are clear).
inline size_t NextClearBit(const uint64_t* m, size_t words, size_t i, size_t n) {
  size_t w = i >> 6;
  if (w >= words) return n;
  uint64_t bits = ~m[w] & (~uint64_t{0} << (i & 63));
  while (!bits) {
    if (++w >= words) return n;
    bits = ~m[w];
  }
  size_t pos = (w << 6) + static_cast<size_t>(__builtin_ctzll(bits));
  return pos < n ? pos : n;
}
// Number of set bits in [a, b).
inline size_t CountBits(const uint64_t* m, size_t a, size_t b) {
  if (a >= b) return 0;
  size_t wa = a >> 6, wb = (b - 1) >> 6;
  uint64_t first = ~uint64_t{0} << (a & 63);
  uint64_t last = ~uint64_t{0} >> (63 - ((b - 1) & 63));
  if (wa == wb) return static_cast<size_t>(__builtin_popcountll(m[wa] & first & last));
  size_t c = static_cast<size_t>(__builtin_popcountll(m[wa] & first));
  for (size_t w = wa + 1; w < wb; ++w) c += static_cast<size_t>(__builtin_popcountll(m[w]));
  return c + static_cast<size_t>(__builtin_popcountll(m[wb] & last));
}
inline bool AnyBits(const uint64_t* m, size_t a, size_t b) {
  return CountBits(m, a, b) != 0;
}

struct TokenizerScratch {
  std::vector<CharInfo> chars;
  std::vector<uint32_t> pieces;  // (begin, end, flags) triples in char indexes
  std::vector<uint32_t> suffixes;
  ByteMasks masks;
};

// A token handed to a sink: bytes, code point count, TokenFlag bits and HashToken(text).
struct TokenView {
  std::string_view text;
  uint32_t chars;
  uint32_t flags;
  uint64_t hash;
};

// Tokenizer exceptions: a 65,536-bit filter over HashToken values (filled when
// the library loads), then the exact table.
extern uint64_t g_special_filter[1024];
extern uint64_t g_special_last_ascii[2];  // ASCII bytes that end some exception
bool FindSpecialHashed(std::string_view chunk, uint64_t hash);
inline bool IsSpecialHashed(std::string_view chunk, uint64_t hash) {
  return ((g_special_filter[(hash >> 6) & 1023] >> (hash & 63)) & 1) &&
         FindSpecialHashed(chunk, hash);
}

// Splits `text` into words like datatrove's English word_tokenize and calls
// sink(const TokenView&) for each, in order.
class WordTokenizer {
 public:
  // No-op chunk callback.
  struct NoChunks {
    void operator()(size_t, size_t, size_t) const {}
  };

  // chunk(begin, end, chars) is called for every whitespace-separated chunk
  // (Python's str.split() words) before its tokens.
  template <class Sink, class ChunkSink = NoChunks>
  static void Tokenize(std::string_view text, TokenizerScratch& scratch, Sink&& sink,
                       ChunkSink&& chunk_sink = ChunkSink()) {
    const auto* p = reinterpret_cast<const unsigned char*>(text.data());
    const size_t n = text.size();
    ByteMasks& mk = scratch.masks;
    mk.Build(text);
    const size_t words = mk.space.size();
    const uint64_t* space = mk.space.data();
    const uint64_t* stop = mk.stop.data();
    size_t i = 0;
    while (true) {
      // Skip whitespace (ASCII by bitmap, the rest decoded).
      i = NextClearBit(space, words, i, n);
      while (i < n && p[i] >= 0x80) {
        int len;
        uint32_t cp = DecodeUtf8(p + i, &len);
        if (!(Classify(cp) & kSpace)) break;
        i = NextClearBit(space, words, i + len, n);
      }
      if (i >= n) break;
      const size_t start = i;
      size_t e = NextSetBit(stop, words, start, n);
      if (e == n || p[e] < 0x80) {
        // A chunk of ASCII bytes ended by ASCII whitespace: classes from the bitmaps.
        i = e;
        const size_t len = e - start;
        const size_t others = len - CountBits(mk.alnum.data(), start, e);
        const bool has_alpha = AnyBits(mk.alpha.data(), start, e);
        const bool digit_then_alpha = AnyBits(mk.digit_alpha.data(), start + 1, e);
        chunk_sink(start, e, len);
        EmitChunk(text.substr(start, len), others == 0, others, has_alpha, digit_then_alpha,
                  scratch, sink);
        continue;
      }
      // Non-ASCII bytes: decode every character.
      bool ascii_word = true;
      size_t others = 0;  // ASCII characters that are not letters or digits
      while (i < n) {
        unsigned char c = p[i];
        if (c < 0x80) {
          uint32_t cls = AsciiClass(c);
          if (cls & kSpace) break;
          if (!(cls & (kAlpha | kDigit))) {
            ascii_word = false;
            ++others;
          }
          ++i;
        } else {
          others += 100;
          int len;
          uint32_t cp = DecodeUtf8(p + i, &len);
          if (Classify(cp) & kSpace) break;
          ascii_word = false;
          i += len;
        }
      }
      std::string_view chunk = text.substr(start, i - start);
      bool has_alpha = false, digit_then_alpha = false;
      if (ascii_word) {
        uint32_t prev = 0;
        for (char c : chunk) {
          uint32_t cls = AsciiClass(static_cast<unsigned char>(c));
          if (cls & kAlpha) {
            has_alpha = true;
            if (prev & kDigit) digit_then_alpha = true;
          }
          prev = cls;
        }
      }
      chunk_sink(start, i, CountChars(chunk));
      EmitChunk(chunk, ascii_word, others, has_alpha, digit_then_alpha, scratch, sink);
    }
  }

  // Emits the tokens of one whitespace-free chunk.
  template <class Sink>
  static void EmitChunk(std::string_view chunk, bool ascii_word, size_t others, bool has_alpha,
                        bool digit_then_alpha, TokenizerScratch& scratch, Sink& sink) {
    if (chunk.size() == 1) {
      // One ASCII character ("-", "*", "|", "a"): one token whatever the
      // rules; flags as the general path computes them.
      const auto c = static_cast<unsigned char>(chunk[0]);
      const uint32_t cls = AsciiClass(c);
      uint32_t flags = (cls & kPunctCat) ? kTokAllPunct : 0u;
      if (!(cls & kDtPunct)) flags |= kTokNonSymbol;
      if (cls & kAlpha) flags |= kTokHasAlpha;
      if (cls & kSentEnd) flags |= kTokSentEnd;
      sink(TokenView{chunk, 1, flags, g_ascii_char_hash[c]});
      return;
    }
    if (others == 1 && chunk.size() >= 2 && TrySimpleSuffix(chunk, sink)) return;
    // Plain ASCII letters/digits: one token (the common case), unless a unit
    // follows a number ("5km") or the chunk is a tokenizer exception.
    if (ascii_word && !digit_then_alpha) {
      uint64_t h = HashToken(chunk.data(), chunk.size());
      if (!IsSpecialHashed(chunk, h)) {
        uint32_t flags = kTokNonSymbol | (has_alpha ? kTokHasAlpha : 0u);
        sink(TokenView{chunk, static_cast<uint32_t>(chunk.size()), flags, h});
        return;
      }
    }
    size_t count = SplitChunk(chunk, scratch);
    const auto& pc = scratch.pieces;
    for (size_t k = 0; k < count; ++k) {
      uint32_t b = pc[3 * k], e = pc[3 * k + 1], fl = pc[3 * k + 2];
      uint32_t boff = scratch.chars[b].off, eoff = scratch.chars[e].off;
      std::string_view piece = chunk.substr(boff, eoff - boff);
      sink(TokenView{piece, e - b, fl, HashToken(piece.data(), piece.size())});
    }
  }

  static uint32_t AsciiClass(unsigned char c) { return kAsciiClasses[c & 0x7F]; }

  // Fast path for an ASCII word followed by one punctuation character ("word,",
  // "end.", "3)"): emits the two tokens and returns true when spaCy would split
  // it that way; false sends the chunk to the general path.
  template <class Sink>
  static bool TrySimpleSuffix(std::string_view chunk, Sink& sink) {
    const size_t n = chunk.size();
    auto last = static_cast<unsigned char>(chunk[n - 1]);
    uint32_t lc = AsciiClass(last);
    if (lc & (kAlpha | kDigit)) return false;  // the punctuation is not at the end
    auto prev = static_cast<unsigned char>(chunk[n - 2]);
    if (last == '.') {
      // '.' splits after a lower-case letter or a digit (two capitals: general path).
      if (!(AsciiClass(prev) & (kLower | kDigit))) return false;
    } else if (!(lc & kSuffix) || last == '\'') {
      return false;  // ' may start a clitic ('s); other symbols need the general rules
    }
    if (((g_special_last_ascii[last >> 6] >> (last & 63)) & 1) && IsSpecial(chunk)) return false;
    std::string_view word = chunk.substr(0, n - 1);
    const uint64_t word_hash = HashToken(word.data(), word.size());
    if (IsSpecialHashed(word, word_hash)) return false;
    // Units after digits ("5m.", "5%,") and other digit suffixes: general path.
    if (last != '.' && (AsciiClass(prev) & kDigit) && (lc & kCurrency)) return false;
    uint32_t flags = kTokNonSymbol;
    bool digit_then_unit = false;
    for (size_t k = 0; k < word.size(); ++k) {
      uint32_t c = AsciiClass(static_cast<unsigned char>(word[k]));
      if (c & kAlpha) {
        flags |= kTokHasAlpha;
        if (k > 0 && (AsciiClass(static_cast<unsigned char>(word[k - 1])) & kDigit)) {
          digit_then_unit = true;
        }
      }
    }
    if (digit_then_unit) return false;  // "5km," splits the unit too
    sink(TokenView{word, static_cast<uint32_t>(word.size()), flags, word_hash});
    uint32_t pflags = 0;
    if (!(lc & kDtPunct)) pflags |= kTokNonSymbol;
    if (lc & kPunctCat) pflags |= kTokAllPunct;
    if (lc & kSentEnd) pflags |= kTokSentEnd;
    sink(TokenView{chunk.substr(n - 1), 1, pflags, g_ascii_char_hash[last]});
    return true;
  }
  // True when `chunk` could be a tokenizer exception (cheap pre-filter).
  static bool MaybeSpecial(std::string_view chunk);
  // True when `chunk` is a tokenizer exception.
  static bool IsSpecial(std::string_view chunk);

 private:
  // Splits one whitespace-free chunk into scratch.pieces; returns the number of tokens.
  static size_t SplitChunk(std::string_view chunk, TokenizerScratch& scratch);
};

// Position of the next byte >= i that may start a line break (\n \v \f \r
// \x1c-\x1e, or the lead bytes 0xC2 / 0xE2 of U+0085 / U+2028 / U+2029), else n.
size_t NextBreakCandidate(const unsigned char* p, size_t i, size_t n);

template <class F>
size_t ForEachSplitLine(std::string_view s, F&& f) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t count = 0, start = 0, i = 0;
  while ((i = NextBreakCandidate(p, i, n)) < n) {
    unsigned char c = p[i];
    size_t brk_len = 0;
    if (c == '\n' || c == '\v' || c == '\f' || (c >= 0x1C && c <= 0x1E)) {
      brk_len = 1;
    } else if (c == '\r') {
      brk_len = (i + 1 < n && p[i + 1] == '\n') ? 2 : 1;
    } else if (c == 0xC2 && i + 1 < n && p[i + 1] == 0x85) {
      brk_len = 2;  // U+0085
    } else if (c == 0xE2 && i + 2 < n && p[i + 1] == 0x80 &&
               (p[i + 2] == 0xA8 || p[i + 2] == 0xA9)) {
      brk_len = 3;  // U+2028, U+2029
    }
    if (brk_len) {
      f(s.substr(start, i - start));
      ++count;
      i += brk_len;
      start = i;
    } else {
      ++i;
    }
  }
  if (start < n) {
    f(s.substr(start));
    ++count;
  }
  return count;
}

}  // namespace winnow::quality
