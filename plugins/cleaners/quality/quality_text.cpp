// quality_text.cpp — character classes and the spaCy-like English word tokeniser.
#include "quality_text.h"

#include <unicode/uchar.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

#include <array>
#include <cstring>
#ifdef __AVX2__
#include <immintrin.h>
#endif
#include <memory>
#include <string>
#include <unordered_map>

namespace winnow::quality {

uint64_t g_special_filter[1024];
uint64_t g_special_last_ascii[2];
uint64_t g_ascii_char_hash[128];

uint64_t HashLong(const char* p, size_t n) {
  return XXH3_64bits(p, n);
}

namespace {

// --- Character lists (UTF-8). Sources: datatrove.utils.text.PUNCTUATION and
// spaCy's lang/char_classes.py, lang/punctuation.py, pipeline/sentencizer.py.

// datatrove PUNCTUATION (control characters are added in code).
constexpr std::string_view kDatatrovePunct =
    "!/—”:％１〈&(、━\\【#%「」，】；+^]~“《„';’{|∶´[=-`*．（–？！：$～«〉,><》)?）。…@_.\"}►»";
// spaCy LIST_PUNCT (single characters).
constexpr std::string_view kSpacyPunct = "…,:;!?¿؟¡()[]{}<>_#*&。？！，、；：～·।،۔؛٪";
// spaCy LIST_QUOTES.
constexpr std::string_view kSpacyQuotes = "'\"”“`‘´’‚,„»«「」『』（）〔〕【】《》〈〉〈〉⟦⟧";
// spaCy LIST_CURRENCY (single characters).
constexpr std::string_view kSpacyCurrency =
    "$£€¥฿₽﷼₴₠₡₢₣₤₥₦₧₨₩₪₫₭₮₯₰₱₲₳₵₶₷₸₹"
    "₺"
    "₻"
    "₼"
    "₾"
    "₿";
// spaCy Sentencizer.default_punct_chars (BMP part; the rest is listed below).
constexpr std::string_view kSentencizerPunct =
    "!.?"
    "։؟۔܀܁܂߹।॥၊။።፧፨᙮᜵᜶᠃᠉᥄᥅᪨᪩᪪᪫᭚᭛᭞᭟᰻᰼᱾᱿‼‽⁇⁈⁉⸮⸼꓿꘎꘏꛳꛷꡶꡷꣎꣏꤯꧈꧉꩝꩞꩟꫰꫱꯫"
    "﹒"
    "﹖"
    "﹗"
    "！"
    "．"
    "？"
    "｡"
    "。";
constexpr uint32_t kSentencizerAstral[] = {
    0x10A56, 0x10A57, 0x11047, 0x11048, 0x110BE, 0x110BF, 0x110C0, 0x110C1, 0x11141, 0x11142,
    0x11143, 0x111C5, 0x111C6, 0x111CD, 0x111DE, 0x111DF, 0x11238, 0x11239, 0x1123B, 0x1123C,
    0x112A9, 0x1144B, 0x1144C, 0x115C2, 0x115C3, 0x115C9, 0x115CA, 0x115CB, 0x115CC, 0x115CD,
    0x115CE, 0x115CF, 0x115D0, 0x115D1, 0x115D2, 0x115D3, 0x115D4, 0x115D5, 0x115D6, 0x115D7,
    0x11641, 0x11642, 0x1173C, 0x1173D, 0x1173E, 0x11A42, 0x11A43, 0x11A9B, 0x11A9C, 0x11C41,
    0x11C42, 0x16A6E, 0x16A6F, 0x16AF5, 0x16B37, 0x16B38, 0x16B44, 0x1BC9F, 0x1DA88};

template <class F>
constexpr void ForEachCp(std::string_view s, F&& f) {
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    uint32_t cp;
    int len;
    if (c < 0x80) {
      cp = c;
      len = 1;
    } else if (c < 0xE0) {
      cp = ((c & 0x1Fu) << 6) | (static_cast<unsigned char>(s[i + 1]) & 0x3Fu);
      len = 2;
    } else if (c < 0xF0) {
      cp = ((c & 0x0Fu) << 12) | ((static_cast<unsigned char>(s[i + 1]) & 0x3Fu) << 6) |
           (static_cast<unsigned char>(s[i + 2]) & 0x3Fu);
      len = 3;
    } else {
      cp = ((c & 0x07u) << 18) | ((static_cast<unsigned char>(s[i + 1]) & 0x3Fu) << 12) |
           ((static_cast<unsigned char>(s[i + 2]) & 0x3Fu) << 6) |
           (static_cast<unsigned char>(s[i + 3]) & 0x3Fu);
      len = 4;
    }
    f(cp);
    i += len;
  }
}

constexpr bool InList(std::string_view list, uint32_t cp) {
  bool found = false;
  ForEachCp(list, [&](uint32_t c) { found = found || c == cp; });
  return found;
}

constexpr bool IsPySpace(uint32_t cp) {
  return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20) || cp == 0x85 || cp == 0xA0 ||
         cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 ||
         cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

constexpr bool IsPyLineBreak(uint32_t cp) {
  return cp == '\n' || cp == '\r' || cp == 0x0B || cp == 0x0C || (cp >= 0x1C && cp <= 0x1E) ||
         cp == 0x85 || cp == 0x2028 || cp == 0x2029;
}

// Classes that come from the lists (not from Unicode categories).
constexpr uint32_t ListClasses(uint32_t cp) {
  uint32_t cls = 0;
  if (IsPySpace(cp)) cls |= kSpace;
  if (IsPyLineBreak(cp)) cls |= kLineBreak;
  if (InList(kDatatrovePunct, cp) || cp <= 8 || (cp >= 11 && cp < 32) || (cp >= 127 && cp < 160)) {
    cls |= kDtPunct;
  }
  bool punct = InList(kSpacyPunct, cp);
  bool quote = InList(kSpacyQuotes, cp);
  bool currency = InList(kSpacyCurrency, cp);
  if (quote) cls |= kQuote;
  if (currency) cls |= kCurrency;
  if (punct || quote || currency || cp == U'§' || cp == '%' || cp == '=' || cp == U'—' ||
      cp == U'–') {
    cls |= kPrefix;
  }
  if (punct || quote || cp == U'—' || cp == U'–') cls |= kSuffix;
  if (InList(kSentencizerPunct, cp)) cls |= kSentEnd;
  if (cp == '-' || cp == U'–' || cp == U'—' || cp == '~') cls |= kHyphen;
  if (cp == ':' || cp == '<' || cp == '>' || cp == '=' || cp == '/') cls |= kInfixSym;
  // '.' is split off after: [0-9], lower-case letters, %²-+, PUNCT, '|', quotes, "(?:)".
  if ((cp >= '0' && cp <= '9') || cp == '%' || cp == U'²' || cp == '-' || cp == '+' || punct ||
      quote || cp == '|' || cp == '(' || cp == '?' || cp == ':' || cp == ')') {
    cls |= kPeriodBefore;
  }
  return cls;
}

constexpr uint32_t AsciiClassOf(uint32_t c) {
  uint32_t cls = ListClasses(c);
  if (c >= 'a' && c <= 'z') cls |= kAlpha | kLower | kPeriodBefore;
  if (c >= 'A' && c <= 'Z') cls |= kAlpha | kUpper;
  if (c >= '0' && c <= '9') cls |= kDigit | kUniDigit;
  // ASCII characters of general category P*.
  if (InList("!\"#%&'()*,-./:;?@[\\]_{}", c)) cls |= kPunctCat;
  return cls;
}

constexpr std::array<uint32_t, 128> MakeAsciiTable() {
  std::array<uint32_t, 128> t{};
  for (uint32_t c = 0; c < 128; ++c) t[c] = AsciiClassOf(c);
  return t;
}

constexpr std::array<uint32_t, 128> kAsciiTable = MakeAsciiTable();

// Classes from Unicode categories and from ranges (no list lookups).
uint32_t CategoryClass(uint32_t cp) {
  uint32_t cls = 0;
  if (IsPySpace(cp)) cls |= kSpace;
  if (IsPyLineBreak(cp)) cls |= kLineBreak;
  if (cp <= 8 || (cp >= 11 && cp < 32) || (cp >= 127 && cp < 160)) cls |= kDtPunct;
  if (cp == 0xB2) cls |= kPeriodBefore;  // ²
  if (cp == 0x2013 || cp == 0x2014) cls |= kHyphen | kPrefix | kSuffix;
  if (cp == 0xA7) cls |= kPrefix;  // §
  switch (u_charType(static_cast<UChar32>(cp))) {
    case U_LOWERCASE_LETTER:
      cls |= kAlpha | kLower | kPeriodBefore;
      break;
    case U_UPPERCASE_LETTER:
      cls |= kAlpha | kUpper;
      break;
    case U_TITLECASE_LETTER:
    case U_MODIFIER_LETTER:
    case U_OTHER_LETTER:
      cls |= kAlpha;
      break;
    case U_DECIMAL_DIGIT_NUMBER:
      cls |= kUniDigit;
      break;
    case U_DASH_PUNCTUATION:
    case U_START_PUNCTUATION:
    case U_END_PUNCTUATION:
    case U_CONNECTOR_PUNCTUATION:
    case U_OTHER_PUNCTUATION:
    case U_INITIAL_PUNCTUATION:
    case U_FINAL_PUNCTUATION:
      cls |= kPunctCat;
      break;
    case U_OTHER_SYMBOL:
      if (cp != 0xB0) cls |= kIcon | kPrefix | kSuffix;
      break;
    default:
      break;
  }
  return cls;
}

uint32_t ComputeAstral(uint32_t cp) {
  uint32_t cls = CategoryClass(cp);
  for (uint32_t a : kSentencizerAstral) {
    if (a == cp) cls |= kSentEnd;
  }
  return cls;
}

// Classes of the Basic Multilingual Plane, computed once on first use.
const uint32_t* BmpTable() {
  static const std::unique_ptr<uint32_t[]> table = [] {
    auto t = std::make_unique<uint32_t[]>(0x10000);
    for (uint32_t cp = 0; cp < 0x10000; ++cp) t[cp] = CategoryClass(cp);
    auto mark = [&](std::string_view list, uint32_t bits) {
      ForEachCp(list, [&](uint32_t c) {
        if (c < 0x10000) t[c] |= bits;
      });
    };
    mark(kDatatrovePunct, kDtPunct);
    mark(kSpacyPunct, kPrefix | kSuffix | kPeriodBefore);
    mark(kSpacyQuotes, kQuote | kPrefix | kSuffix | kPeriodBefore);
    mark(kSpacyCurrency, kCurrency | kPrefix);
    mark(kSentencizerPunct, kSentEnd);
    for (uint32_t cp = 0; cp < 128; ++cp) t[cp] = kAsciiTable[cp];
    return t;
  }();
  return table.get();
}

// --- Tokenizer exceptions (spaCy's English tokenizer_exceptions, generated the same way).

struct Special {
  uint8_t count = 0;
  uint8_t lens[4] = {0, 0, 0, 0};  // byte length of each piece
};

struct SvHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
struct SvEq {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const { return a == b; }
};

struct SpecialTable {
  std::unordered_map<std::string, Special, SvHash, SvEq> map;
  // Open-addressing copy of `map` for lookups (XXH3 of the bytes).
  struct Slot {
    uint64_t hash = 0;
    std::string key;
    Special sp;
    bool used = false;
  };
  std::vector<Slot> slots;
  uint64_t mask = 0;

  void Freeze() {
    size_t cap = 64;
    while (cap < map.size() * 4) cap <<= 1;
    slots.assign(cap, Slot{});
    mask = cap - 1;
    for (const auto& [key, sp] : map) {
      uint64_t h = HashToken(key.data(), key.size());
      size_t i = (h >> 20) & mask;
      while (slots[i].used) i = (i + 1) & mask;
      slots[i] = Slot{h, key, sp, true};
    }
  }

  const Special* Find(std::string_view s) const { return Find(s, HashToken(s.data(), s.size())); }
  const Special* Find(std::string_view s, uint64_t h) const {
    for (size_t i = (h >> 20) & mask;; i = (i + 1) & mask) {
      const Slot& slot = slots[i];
      if (!slot.used) return nullptr;
      if (slot.hash == h && slot.key == s) return &slot.sp;
    }
  }
  // bit (last byte) set in filter[len] when some key has that length and last
  // byte; first[len] the same for the first byte.
  std::array<std::array<uint64_t, 4>, 16> filter{};
  std::array<std::array<uint64_t, 4>, 16> first{};

  void Add(const std::vector<std::string>& pieces) {
    std::string key;
    Special sp;
    for (const auto& p : pieces) {
      key += p;
      sp.lens[sp.count++] = static_cast<uint8_t>(p.size());
    }
    map.emplace(key, sp);
  }
};

std::string Title(const std::string& s) {
  std::string t = s;
  if (!t.empty() && t[0] >= 'a' && t[0] <= 'z') t[0] = static_cast<char>(t[0] - 'a' + 'A');
  return t;
}

const SpecialTable& Specials() {
  static const SpecialTable table = [] {
    SpecialTable t;
    using P = std::vector<std::string>;
    auto both = [&](const std::string& base, const P& rest) {
      for (const std::string& b : {base, Title(base)}) {
        P pieces{b};
        pieces.insert(pieces.end(), rest.begin(), rest.end());
        t.Add(pieces);
      }
    };
    both("i", {"'m"});
    both("i", {"m"});
    both("i", {"'m", "a"});
    both("i", {"m", "a"});
    const P will_would[] = {{"'ll"}, {"ll"}, {"'ll", "'ve"}, {"ll", "ve"},
                            {"'d"},  {"d"},  {"'d", "'ve"},  {"d", "ve"}};
    for (const char* pron : {"i", "you", "he", "she", "it", "we", "they"}) {
      for (const auto& r : will_would) both(pron, r);
    }
    for (const char* pron : {"i", "you", "we", "they"}) {
      both(pron, {"'ve"});
      both(pron, {"ve"});
    }
    for (const char* pron : {"you", "we", "they"}) {
      both(pron, {"'re"});
      both(pron, {"re"});
    }
    for (const char* pron : {"he", "she", "it"}) {
      both(pron, {"'s"});
      both(pron, {"s"});
    }
    for (const char* w : {"who", "what", "when", "where", "why", "how", "there", "that"}) {
      for (const auto& r : will_would) both(w, r);
      for (const P& r : {P{"'s"}, P{"s"}, P{"'re"}, P{"re"}, P{"'ve"}, P{"ve"}}) both(w, r);
    }
    for (const char* v : {"ca", "could", "do", "does", "did", "had", "may", "might", "must", "need",
                          "ought", "sha", "should", "wo", "would"}) {
      for (const P& r : {P{"n't"}, P{"nt"}, P{"n't", "'ve"}, P{"nt", "ve"}}) both(v, r);
    }
    for (const char* v : {"could", "might", "must", "should", "would"}) {
      both(v, {"'ve"});
      both(v, {"ve"});
    }
    for (const char* v : {"ai", "are", "is", "was", "were", "have", "has", "dare"}) {
      both(v, {"n't"});
      both(v, {"nt"});
    }
    for (int h = 1; h <= 12; ++h) {
      for (const char* period : {"a.m.", "am", "p.m.", "pm"}) t.Add({std::to_string(h), period});
    }
    for (const P& p : {P{"y'", "all"}, P{"y", "all"}, P{"how", "'d", "'y"}, P{"How", "'d", "'y"},
                       P{"not", "'ve"}, P{"not", "ve"}, P{"Not", "'ve"}, P{"Not", "ve"},
                       P{"can", "not"}, P{"Can", "not"}, P{"gon", "na"}, P{"Gon", "na"},
                       P{"got", "ta"}, P{"Got", "ta"}, P{"let", "'s"}, P{"Let", "'s"}}) {
      t.Add(p);
    }
    // Single-token exceptions: contractions with a leading/trailing apostrophe and abbreviations.
    const char* singles[] = {
        "'S",        "'s",        "and/or",  "w/o",     "'re",     "'Cause",  "'cause", "'cos",
        "'Cos",      "'coz",      "'Coz",    "'cuz",    "'Cuz",    "'bout",   "ma'am",  "Ma'am",
        "o'clock",   "O'clock",   "lovin'",  "Lovin'",  "havin'",  "Havin'",  "doin'",  "Doin'",
        "goin'",     "Goin'",     "nothin'", "Nothin'", "nuthin'", "Nuthin'", "ol'",    "Ol'",
        "somethin'", "Somethin'", "'em",     "'ll",     "'nuff",   "Mt.",     "Ak.",    "Ala.",
        "Apr.",      "Ariz.",     "Ark.",    "Aug.",    "Calif.",  "Colo.",   "Conn.",  "Dec.",
        "Del.",      "Feb.",      "Fla.",    "Ga.",     "Ia.",     "Id.",     "Ill.",   "Ind.",
        "Jan.",      "Jul.",      "Jun.",    "Kan.",    "Kans.",   "Ky.",     "La.",    "Mar.",
        "Mass.",     "May.",      "Mich.",   "Minn.",   "Miss.",   "N.C.",    "N.D.",   "N.H.",
        "N.J.",      "N.M.",      "N.Y.",    "Neb.",    "Nebr.",   "Nev.",    "Nov.",   "Oct.",
        "Okla.",     "Ore.",      "Pa.",     "S.C.",    "Sep.",    "Sept.",   "Tenn.",  "Va.",
        "Wash.",     "Wis.",      "'d",      "a.m.",    "Adm.",    "Bros.",   "co.",    "Co.",
        "Corp.",     "D.C.",      "Dr.",     "e.g.",    "E.g.",    "E.G.",    "Gen.",   "Gov.",
        "i.e.",      "I.e.",      "I.E.",    "Inc.",    "Jr.",     "Ltd.",    "Md.",    "Messrs.",
        "Mo.",       "Mont.",     "Mr.",     "Mrs.",    "Ms.",     "p.m.",    "Ph.D.",  "Rep.",
        "Rev.",      "Sen.",      "St.",     "vs.",     "v.s."};
    for (const char* s : singles) t.Add({s});
    for (char c = 'a'; c <= 'z'; ++c) t.Add({std::string(1, c) + "."});
    for (const char* ex : {"Ill", "ill", "Its", "its", "Hell", "hell", "Shell", "shell", "Shed",
                           "shed", "were", "Were", "Well", "well", "Whore", "whore"}) {
      t.map.erase(std::string(ex));
    }
    // Variants with the typographic apostrophe U+2019.
    std::vector<std::pair<std::string, Special>> curly;
    for (const auto& [key, sp] : t.map) {
      if (key.find('\'') == std::string::npos) continue;
      std::string k2;
      Special s2 = sp;
      size_t pos = 0;
      for (uint8_t i = 0; i < sp.count; ++i) {
        std::string piece = key.substr(pos, sp.lens[i]);
        pos += sp.lens[i];
        std::string p2;
        for (char c : piece) p2 += (c == '\'') ? std::string("\xE2\x80\x99") : std::string(1, c);
        s2.lens[i] = static_cast<uint8_t>(p2.size());
        k2 += p2;
      }
      curly.emplace_back(k2, s2);
    }
    for (auto& [k, s] : curly) t.map.emplace(k, s);
    for (const auto& [key, sp] : t.map) {
      if (key.size() < 16) {
        auto last = static_cast<unsigned char>(key.back());
        t.filter[key.size()][last >> 6] |= uint64_t{1} << (last & 63);
        auto head = static_cast<unsigned char>(key.front());
        t.first[key.size()][head >> 6] |= uint64_t{1} << (head & 63);
      }
    }
    t.Freeze();
    return t;
  }();
  return table;
}

// The filter bits over the exceptions' hashes and the ASCII last bytes, set
// when the library loads (before any tokenizer runs).
const SpecialTable* g_specials = nullptr;

[[maybe_unused]] const bool kFiltersReady = [] {
  g_specials = &Specials();
  for (const auto& [key, sp] : g_specials->map) {
    uint64_t h = HashToken(key.data(), key.size());
    g_special_filter[(h >> 6) & 1023] |= uint64_t{1} << (h & 63);
    auto last = static_cast<unsigned char>(key.back());
    if (last < 128) g_special_last_ascii[last >> 6] |= uint64_t{1} << (last & 63);
  }
  for (uint32_t c = 0; c < 128; ++c) {
    char b = static_cast<char>(c);
    g_ascii_char_hash[c] = HashToken(&b, 1);
  }
  return true;
}();

const Special* FindSpecial(std::string_view s) {
  const SpecialTable& t = *g_specials;
  if (s.size() - 1 < 15) {
    // No exception has this length with this first and last byte: no hash needed.
    auto last = static_cast<unsigned char>(s.back());
    auto head = static_cast<unsigned char>(s.front());
    if (!((t.filter[s.size()][last >> 6] >> (last & 63)) & 1) ||
        !((t.first[s.size()][head >> 6] >> (head & 63)) & 1)) {
      return nullptr;
    }
  }
  uint64_t h = HashToken(s.data(), s.size());
  if (!((g_special_filter[(h >> 6) & 1023] >> (h & 63)) & 1)) return nullptr;
  return t.Find(s, h);
}

// Units after a number that spaCy splits off ("5km" -> "5" "km").
constexpr std::string_view kUnits[] = {
    "km²", "km³", "km/h", "km",  "m²", "m³", "m/s", "m",   "dm²", "dm³", "dm",   "cm²",
    "cm³", "cm",  "mm²",  "mm³", "mm", "ha", "µm",  "nm",  "yd",  "in",  "ft",   "kg",
    "g",   "mg",  "µg",   "t",   "lb", "oz", "kmh", "mph", "hPa", "Pa",  "mbar", "mb",
    "MB",  "kb",  "KB",   "gb",  "GB", "tb", "TB",  "T",   "G",   "M",   "K",    "%"};

bool IsUrlLike(std::string_view s) {
  if (s.size() < 4) return false;
  if (s.find("://") != std::string_view::npos) return true;
  if (s.size() > 4 && (s.substr(0, 4) == "www." || s.substr(0, 4) == "WWW.")) return true;
  // host.tld[/path] : labels of [A-Za-z0-9-] separated by dots, TLD of >= 2 letters,
  // followed by '/' or ':' (bare "a.bc" words are left to the infix rules).
  size_t i = 0, dots = 0, last_label = 0;
  while (i < s.size()) {
    char c = s[i];
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-') {
      ++i;
    } else if (c == '.' && i > 0 && s[i - 1] != '.') {
      ++dots;
      last_label = i + 1;
      ++i;
    } else {
      break;
    }
  }
  if (dots == 0 || i >= s.size() || (s[i] != '/' && s[i] != ':')) return false;
  if (i - last_label < 2) return false;
  for (size_t k = last_label; k < i; ++k) {
    char c = s[k];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) return false;
  }
  return true;
}

}  // namespace

const uint32_t kAsciiClasses[128] = {
#define W_ROW(i)                                                                                  \
  kAsciiTable[i], kAsciiTable[i + 1], kAsciiTable[i + 2], kAsciiTable[i + 3], kAsciiTable[i + 4], \
      kAsciiTable[i + 5], kAsciiTable[i + 6], kAsciiTable[i + 7]
    W_ROW(0),  W_ROW(8),  W_ROW(16), W_ROW(24), W_ROW(32), W_ROW(40),  W_ROW(48),  W_ROW(56),
    W_ROW(64), W_ROW(72), W_ROW(80), W_ROW(88), W_ROW(96), W_ROW(104), W_ROW(112), W_ROW(120),
#undef W_ROW
};

uint32_t ClassifySlow(uint32_t cp) {
  if (cp < 0x10000) return BmpTable()[cp];
  return ComputeAstral(cp);
}

size_t CountChars(std::string_view s) {
  // Continuation bytes are 10xxxxxx: count them 8 at a time, subtract.
  const char* p = s.data();
  size_t n = s.size(), i = 0, cont = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    cont += static_cast<size_t>(__builtin_popcountll((w >> 7) & ~(w >> 6) & 0x0101010101010101ULL));
  }
  for (; i < n; ++i) cont += (static_cast<unsigned char>(p[i]) & 0xC0) == 0x80;
  return n - cont;
}

namespace {

struct MaskWord {
  uint64_t space, nonascii, alnum, alpha, digit;
};

#ifdef __AVX2__
inline uint32_t InRange32(__m256i v, char lo, char hi) {
  __m256i ge = _mm256_cmpgt_epi8(v, _mm256_set1_epi8(static_cast<char>(lo - 1)));
  __m256i le = _mm256_cmpgt_epi8(_mm256_set1_epi8(static_cast<char>(hi + 1)), v);
  return static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_and_si256(ge, le)));
}

inline MaskWord Classify64(const unsigned char* p) {
  MaskWord m{};
  for (int half = 0; half < 2; ++half) {
    __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32 * half));
    const int sh = 32 * half;
    m.space |= uint64_t{InRange32(v, 0x09, 0x0D) | InRange32(v, 0x1C, 0x20)} << sh;
    m.nonascii |= uint64_t{static_cast<uint32_t>(_mm256_movemask_epi8(v))} << sh;
    uint32_t digit = InRange32(v, '0', '9');
    uint32_t alpha = InRange32(v, 'A', 'Z') | InRange32(v, 'a', 'z');
    m.digit |= uint64_t{digit} << sh;
    m.alpha |= uint64_t{alpha} << sh;
    m.alnum |= uint64_t{digit | alpha} << sh;
  }
  return m;
}
#else
inline MaskWord Classify64(const unsigned char* p) {
  MaskWord m{};
  for (int k = 0; k < 64; ++k) {
    unsigned char c = p[k];
    uint64_t bit = uint64_t{1} << k;
    if (c >= 0x80) {
      m.nonascii |= bit;
      continue;
    }
    uint32_t cls = kAsciiClasses[c];
    if (cls & kSpace) m.space |= bit;
    if (cls & kDigit) m.digit |= bit;
    if (cls & kAlpha) m.alpha |= bit;
    if (cls & (kDigit | kAlpha)) m.alnum |= bit;
  }
  return m;
}
#endif

}  // namespace

void ByteMasks::Build(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  const size_t words = (n + 63) / 64;
  space.resize(words);
  stop.resize(words);
  alnum.resize(words);
  alpha.resize(words);
  digit_alpha.resize(words);
  uint64_t prev_digit = 0;
  for (size_t w = 0; w < words; ++w) {
    MaskWord m;
    const size_t off = w * 64;
    if (off + 64 <= n) {
      m = Classify64(p + off);
    } else {
      unsigned char tail[64] = {};
      std::memcpy(tail, p + off, n - off);
      m = Classify64(tail);
      m.nonascii |= ~uint64_t{0} << (n - off);  // bytes past the end stop a chunk
    }
    space[w] = m.space;
    stop[w] = m.space | m.nonascii;
    alnum[w] = m.alnum;
    alpha[w] = m.alpha;
    digit_alpha[w] = m.alpha & ((m.digit << 1) | (prev_digit >> 63));
    prev_digit = m.digit;
  }
}

size_t NextBreakCandidate(const unsigned char* p, size_t i, size_t n) {
#ifdef __AVX2__
  const __m256i lo = _mm256_set1_epi8(0x09), hi = _mm256_set1_epi8(0x0E);
  const __m256i lo2 = _mm256_set1_epi8(0x1B), hi2 = _mm256_set1_epi8(0x1F);
  const __m256i c2 = _mm256_set1_epi8(static_cast<char>(0xC2));
  const __m256i e2 = _mm256_set1_epi8(static_cast<char>(0xE2));
  for (; i + 32 <= n; i += 32) {
    __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i));
    __m256i m = _mm256_or_si256(
        _mm256_or_si256(_mm256_and_si256(_mm256_cmpgt_epi8(v, lo), _mm256_cmpgt_epi8(hi, v)),
                        _mm256_and_si256(_mm256_cmpgt_epi8(v, lo2), _mm256_cmpgt_epi8(hi2, v))),
        _mm256_or_si256(_mm256_cmpeq_epi8(v, c2), _mm256_cmpeq_epi8(v, e2)));
    uint32_t bits = static_cast<uint32_t>(_mm256_movemask_epi8(m));
    if (bits) return i + static_cast<size_t>(__builtin_ctz(bits));
  }
#endif
  for (; i < n; ++i) {
    unsigned char c = p[i];
    if ((c >= 0x0A && c <= 0x0D) || (c >= 0x1C && c <= 0x1E) || c == 0xC2 || c == 0xE2) return i;
  }
  return n;
}

bool FindSpecialHashed(std::string_view chunk, uint64_t hash) {
  return g_specials->Find(chunk, hash) != nullptr;
}

std::string_view PyLStrip(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t i = 0;
  while (i < s.size()) {
    int len = 1;
    uint32_t cp = p[i];
    if (cp >= 0x80) cp = DecodeUtf8(p + i, &len);
    if (!(Classify(cp) & kSpace)) break;
    i += len;
  }
  return s.substr(i);
}

std::string_view PyRStrip(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t e = s.size();
  while (e > 0) {
    size_t b = e - 1;
    while (b > 0 && (p[b] & 0xC0) == 0x80) --b;
    int len;
    uint32_t cp = DecodeUtf8(p + b, &len);
    if (!(Classify(cp) & kSpace)) break;
    e = b;
  }
  return s.substr(0, e);
}

std::string_view PyStrip(std::string_view s) {
  return PyRStrip(PyLStrip(s));
}

bool WordTokenizer::MaybeSpecial(std::string_view chunk) {
  if (chunk.size() < 2 || chunk.size() >= 16) return false;
  auto last = static_cast<unsigned char>(chunk.back());
  auto head = static_cast<unsigned char>(chunk.front());
  const SpecialTable& t = Specials();
  return ((t.filter[chunk.size()][last >> 6] >> (last & 63)) & 1) &&
         ((t.first[chunk.size()][head >> 6] >> (head & 63)) & 1);
}

bool WordTokenizer::IsSpecial(std::string_view chunk) {
  return FindSpecial(chunk) != nullptr;
}

size_t WordTokenizer::SplitChunk(std::string_view chunk, TokenizerScratch& s) {
  auto& ch = s.chars;
  ch.clear();
  const auto* p = reinterpret_cast<const unsigned char*>(chunk.data());
  for (size_t i = 0; i < chunk.size();) {
    int len = 1;
    uint32_t cp = p[i];
    if (cp >= 0x80) cp = DecodeUtf8(p + i, &len);
    ch.push_back(CharInfo{cp, Classify(cp), static_cast<uint32_t>(i)});
    i += len;
  }
  const uint32_t m = static_cast<uint32_t>(ch.size());
  ch.push_back(CharInfo{0, 0, static_cast<uint32_t>(chunk.size())});  // sentinel

  auto& out = s.pieces;
  out.clear();
  auto& sufs = s.suffixes;
  sufs.clear();

  auto bytes = [&](uint32_t b, uint32_t e) {
    return chunk.substr(ch[b].off, ch[e].off - ch[b].off);
  };
  auto emit = [&](uint32_t b, uint32_t e) {
    uint32_t flags = kTokAllPunct;
    for (uint32_t k = b; k < e; ++k) {
      uint32_t c = ch[k].cls;
      if (!(c & kDtPunct)) flags |= kTokNonSymbol;
      if (c & kAlpha) flags |= kTokHasAlpha;
      if (!(c & kPunctCat)) flags &= ~kTokAllPunct;
    }
    if (e == b + 1 && (ch[b].cls & kSentEnd)) flags |= kTokSentEnd;
    out.push_back(b);
    out.push_back(e);
    out.push_back(flags);
  };
  auto special = [&](uint32_t b, uint32_t e) { return FindSpecial(bytes(b, e)); };
  auto cp_at = [&](uint32_t k) { return ch[k].cp; };

  // Length (in chars) of the prefix at the start of [b, e), 0 when none.
  auto find_prefix = [&](uint32_t b, uint32_t e) -> uint32_t {
    if (b >= e) return 0;
    uint32_t c = cp_at(b);
    if (c == '.') {
      uint32_t k = b;
      while (k < e && cp_at(k) == '.') ++k;
      return k - b >= 2 ? k - b : 0;
    }
    if (c == '+') return (b + 1 < e && (ch[b + 1].cls & kDigit)) ? 0 : 1;
    if ((c == 'U' || c == 'C' || c == 'A') && b + 1 < e && cp_at(b + 1) == '$') {
      if (c != 'U') return 2;
    }
    if (c == 'U' && b + 2 < e && cp_at(b + 1) == 'S' && cp_at(b + 2) == '$') return 3;
    return (ch[b].cls & kPrefix) ? 1 : 0;
  };

  // Length of the suffix at the end of [b, e): the leftmost start among the
  // alternatives that match up to the end (like re.search on "(?:...)$").
  auto find_suffix = [&](uint32_t b, uint32_t e) -> uint32_t {
    if (b >= e) return 0;
    uint32_t start = e;
    auto take = [&](uint32_t st) {
      if (st >= b && st < start) start = st;
    };
    uint32_t last = e - 1;
    uint32_t c = cp_at(last);
    if (c == '.') {
      uint32_t k = last;
      while (k > b && cp_at(k - 1) == '.') --k;
      if (last - k >= 1) take(k);  // \.\.+$
      if (last > b) {
        uint32_t pc = ch[last - 1].cls;
        if (pc & kPeriodBefore) take(last);
        if (last >= b + 2 && (pc & kUpper) && (ch[last - 2].cls & kUpper)) take(last);
        // (?<=°[FfCcKk])\.
        if (last >= b + 2 && cp_at(last - 2) == 0xB0) {
          uint32_t u = cp_at(last - 1);
          if (u == 'F' || u == 'f' || u == 'C' || u == 'c' || u == 'K' || u == 'k') take(last);
        }
      }
    }
    if (ch[last].cls & kSuffix) take(last);
    // 's 'S ’s ’S
    if ((c == 's' || c == 'S') && last > b &&
        (cp_at(last - 1) == '\'' || cp_at(last - 1) == 0x2019)) {
      take(last - 1);
    }
    if (c == '+' && last > b && (ch[last - 1].cls & kDigit)) take(last);
    if ((ch[last].cls & kCurrency) && last > b && (ch[last - 1].cls & kDigit)) take(last);
    // (?<=[0-9])(units): a unit has no digit, so it starts right after the last digit.
    {
      uint32_t k = e;
      while (k > b && !(ch[k - 1].cls & kDigit)) --k;
      if (k > b && k < e && e - k <= 4) {
        std::string_view unit = bytes(k, e);
        for (std::string_view u : kUnits) {
          if (u == unit) {
            take(k);
            break;
          }
        }
      }
    }
    return start < e ? e - start : 0;
  };

  uint32_t b = 0, e = m;
  const Special* sp = nullptr;
  uint32_t last_size = UINT32_MAX;
  while (b < e && e - b != last_size) {
    if ((sp = special(b, e))) break;
    last_size = e - b;
    uint32_t pre = find_prefix(b, e);
    if (pre && b + pre < e && (sp = special(b + pre, e))) {
      emit(b, b + pre);
      b += pre;
      break;
    }
    uint32_t suf = find_suffix(b + pre, e);
    if (suf && e - suf > b && (sp = special(b, e - suf))) {
      sufs.push_back(e - suf);
      sufs.push_back(e);
      e -= suf;
      break;
    }
    if (pre && suf && pre + suf <= e - b) {
      emit(b, b + pre);
      sufs.push_back(e - suf);
      sufs.push_back(e);
      b += pre;
      e -= suf;
    } else if (pre) {
      emit(b, b + pre);
      b += pre;
    } else if (suf) {
      sufs.push_back(e - suf);
      sufs.push_back(e);
      e -= suf;
    }
    if (b < e && (sp = special(b, e))) break;
  }

  if (b < e) {
    if (!sp) sp = special(b, e);
    if (sp) {
      uint32_t k = b;
      for (uint8_t i = 0; i < sp->count; ++i) {
        uint32_t target = ch[k].off + sp->lens[i];
        uint32_t j = k;
        while (j < e && ch[j].off < target) ++j;
        emit(k, j);
        k = j;
      }
    } else if (IsUrlLike(bytes(b, e))) {
      emit(b, e);
    } else {
      // Infixes.
      uint32_t start = b;
      uint32_t i = b;
      while (i < e) {
        uint32_t c = cp_at(i);
        uint32_t len = 0;
        uint32_t prev = i > b ? ch[i - 1].cls : 0;
        uint32_t next = i + 1 < e ? ch[i + 1].cls : 0;
        if (c == '.' && i + 1 < e && cp_at(i + 1) == '.') {
          uint32_t k = i;
          while (k < e && cp_at(k) == '.') ++k;
          len = k - i;
        } else if (c == 0x2026 || (ch[i].cls & kIcon)) {
          len = 1;
        } else if ((prev & kDigit) && (c == '+' || c == '-' || c == '*' || c == '^') &&
                   ((next & kDigit) || (i + 1 < e && cp_at(i + 1) == '-'))) {
          len = 1;
        } else if (c == '.' && (prev & (kLower | kQuote)) && (next & (kUpper | kQuote))) {
          len = 1;
        } else if (c == ',' && (prev & kAlpha) && (next & kAlpha)) {
          len = 1;
        } else if ((prev & (kAlpha | kDigit)) && (ch[i].cls & kHyphen)) {
          // -|–|—|--|---|——|~ followed by a letter.
          auto alpha_at = [&](uint32_t k) { return k < e && (ch[k].cls & kAlpha); };
          if (c == '-') {
            if (alpha_at(i + 1)) {
              len = 1;
            } else if (i + 1 < e && cp_at(i + 1) == '-') {
              if (alpha_at(i + 2)) {
                len = 2;
              } else if (i + 2 < e && cp_at(i + 2) == '-' && alpha_at(i + 3)) {
                len = 3;
              }
            }
          } else if (c == 0x2014 && i + 1 < e && cp_at(i + 1) == 0x2014 && !alpha_at(i + 1)) {
            if (alpha_at(i + 2)) len = 2;
          } else if (alpha_at(i + 1)) {
            len = 1;
          }
        } else if ((prev & (kAlpha | kDigit)) && (ch[i].cls & kInfixSym) && (next & kAlpha)) {
          len = 1;
        }
        if (len) {
          if (i != b) {
            if (i != start) emit(start, i);
            emit(i, i + len);
            start = i + len;
          }
          i += len;
        } else {
          ++i;
        }
      }
      if (start < e) emit(start, e);
    }
  }
  for (size_t k = sufs.size(); k >= 2; k -= 2) emit(sufs[k - 2], sufs[k - 1]);
  return out.size() / 3;
}

}  // namespace winnow::quality
