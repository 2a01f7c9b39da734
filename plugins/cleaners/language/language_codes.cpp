#include "language_codes.h"

#include <unicode/uloc.h>

#include <algorithm>
#include <cctype>
#include <string>
#include <unordered_map>

namespace winnow::langid {
namespace {

// ISO 639-3 (and 639-2/B) codes -> 639-1, built from ICU's list of two-letter
// language codes plus the bibliographic codes ICU does not map.
const std::unordered_map<std::string, std::string>& ThreeToTwo() {
  static const auto* table = [] {
    auto* t = new std::unordered_map<std::string, std::string>();
    for (const char* const* p = uloc_getISOLanguages(); p && *p; ++p) {
      std::string two = *p;
      if (two.size() != 2) continue;
      const char* three = uloc_getISO3Language(two.c_str());
      if (three && *three) t->emplace(three, two);
    }
    // Macrolanguage members and 639-2/B codes detectors use.
    static const char* const kExtra[][2] = {
        {"cmn", "zh"}, {"yue", "zh"}, {"wuu", "zh"}, {"zho", "zh"}, {"chi", "zh"}, {"arb", "ar"},
        {"ary", "ar"}, {"arz", "ar"}, {"apc", "ar"}, {"ajp", "ar"}, {"acm", "ar"}, {"aeb", "ar"},
        {"ars", "ar"}, {"acq", "ar"}, {"pes", "fa"}, {"prs", "fa"}, {"zsm", "ms"}, {"nob", "nb"},
        {"nno", "nn"}, {"lvs", "lv"}, {"ekk", "et"}, {"khk", "mn"}, {"uzn", "uz"}, {"uzs", "uz"},
        {"azj", "az"}, {"azb", "az"}, {"plt", "mg"}, {"swh", "sw"}, {"npi", "ne"}, {"ory", "or"},
        {"pbt", "ps"}, {"gaz", "om"}, {"als", "sq"}, {"ydd", "yi"}, {"quy", "qu"}, {"kmr", "ku"},
        {"ckb", "ku"}, {"ger", "de"}, {"fre", "fr"}, {"dut", "nl"}, {"gre", "el"}, {"per", "fa"},
        {"cze", "cs"}, {"slo", "sk"}, {"rum", "ro"}, {"alb", "sq"}, {"arm", "hy"}, {"baq", "eu"},
        {"bur", "my"}, {"geo", "ka"}, {"ice", "is"}, {"mac", "mk"}, {"mao", "mi"}, {"may", "ms"},
        {"tib", "bo"}, {"wel", "cy"}, {"heb", "he"}, {"ind", "id"}, {"yid", "yi"}, {"jav", "jv"},
    };
    for (const auto& e : kExtra) t->emplace(e[0], e[1]);
    return t;
  }();
  return *table;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::string_view Iso639_1FromIso639_3(std::string_view three) {
  const auto& t = ThreeToTwo();
  auto it = t.find(std::string(three));
  return it == t.end() ? std::string_view() : std::string_view(it->second);
}

std::string_view LanguageOfScript(std::string_view script) {
  // Scripts whose text is, in practice, one language. Tibetan (Dzongkha), Hebrew (Yiddish),
  // Bengali (Assamese), Ethiopic (Tigrinya) and Han (Chinese/Japanese) are
  // left to the detectors, which tell those languages apart.
  static const std::unordered_map<std::string_view, std::string_view> kMap = {
      {"Hang", "ko"},  {"Hira", "ja"},  {"Kana", "ja"},  {"Grek", "el"},  {"Thai", "th"},
      {"Geor", "ka"},  {"Armn", "hy"},  {"Taml", "ta"},  {"Telu", "te"},  {"Knda", "kn"},
      {"Mlym", "ml"},  {"Sinh", "si"},  {"Khmr", "km"},  {"Laoo", "lo"},  {"Mymr", "my"},
      {"Gujr", "gu"},  {"Guru", "pa"},  {"Orya", "or"},  {"Thaa", "dv"},  {"Olck", "sat"},
      {"Tfng", "zgh"}, {"Cher", "chr"}, {"Cans", "iu"},  {"Vaii", "vai"}, {"Nkoo", "nqo"},
      {"Yiii", "ii"},  {"Syrc", "syr"}, {"Java", "jv"},  {"Bali", "ban"}, {"Sund", "su"},
      {"Mtei", "mni"}, {"Copt", "cop"}, {"Mong", "mn"},  {"Bopo", "zh"},  {"Lana", "nod"},
      {"Tavt", "blt"}, {"Cham", "cjm"}, {"Bugi", "bug"}, {"Limb", "lif"}, {"Sylo", "syl"},
      {"Saur", "saz"}, {"Lisu", "lis"}, {"Bamu", "bax"}, {"Adlm", "ff"},  {"Rohg", "rhg"},
      {"Wcho", "nnp"}, {"Hmnp", "hnj"}, {"Osge", "osa"}, {"Tale", "tdd"},
  };
  auto it = kMap.find(script);
  return it == kMap.end() ? std::string_view() : it->second;
}

std::string NormalizeLabel(std::string_view label) {
  constexpr std::string_view kPrefix = "__label__";
  if (label.substr(0, kPrefix.size()) == kPrefix) label.remove_prefix(kPrefix.size());
  if (label.empty() || label == "un" || label == "xxx" || label == "und" || label == "unknown") {
    return "und";
  }
  // CLD2's script-only results: "xx-Olck".
  if (label.size() == 7 && label.substr(0, 3) == "xx-") {
    std::string_view lang = LanguageOfScript(label.substr(3));
    return lang.empty() ? "und" : std::string(lang);
  }
  // Split "eng_Latn", "zh-Hant", "sr-ME", "pt_BR" at the first separator.
  size_t sep = label.find_first_of("_-");
  std::string base = Lower(label.substr(0, sep));
  if (base.empty() || base.size() > 3 ||
      !std::all_of(base.begin(), base.end(), [](char c) { return c >= 'a' && c <= 'z'; })) {
    return "und";
  }
  // Deprecated two-letter codes CLD2 still uses.
  if (base == "iw") return "he";
  if (base == "jw") return "jv";
  if (base == "in") return "id";
  if (base == "ji") return "yi";
  if (base == "mo") return "ro";
  if (base.size() == 3) {
    std::string_view two = Iso639_1FromIso639_3(base);
    if (!two.empty()) return std::string(two);
  }
  return base;
}

}  // namespace winnow::langid
