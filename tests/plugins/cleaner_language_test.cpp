// Tests for cleaner/language: black-box through the PluginHarness, plus the
// detector kernels compiled into this test (see cleaner_language.cmake).
#include <catch2/catch.hpp>

// CLD2's header needs <cstdio> first.
#include <cstdio>

#include <cld2/public/compact_lang_det.h>
#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/utf8.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "harness/plugin_harness.h"
#include "language_codes.h"
#include "language_detect.h"
#include "winnow/text.h"
#include "winnow/value.h"

#ifdef WINNOW_LANGUAGE_HAVE_FASTTEXT
#include <fasttext/fasttext.h>
#endif

using winnow::RejectKind;
using winnow::testing::HarnessOutput;
using winnow::testing::PluginHarness;
using winnow::testing::TempDir;
namespace langid = winnow::langid;

namespace {

std::string Row(const std::string& text) {
  std::string json = "{\"text\":";
  winnow::AppendJsonString(json, text);
  return json + "}";
}

HarnessOutput Run(const std::string& config, const std::vector<std::string>& rows,
                  size_t batch_size = 1000) {
  auto h = PluginHarness::Create("cleaner/language", config);
  if (!h.ok()) FAIL(h.status().ToString());
  auto out = (*h)->RunStage(rows, batch_size);
  if (!out.ok()) FAIL(out.status().ToString());
  return std::move(out).value();
}

std::string RunError(const std::string& config, const std::vector<std::string>& rows) {
  auto h = PluginHarness::Create("cleaner/language", config);
  if (!h.ok()) return h.status().ToString();
  auto out = (*h)->RunStage(rows);
  REQUIRE_FALSE(out.ok());
  return out.status().ToString();
}

winnow::Value Parse(const std::string& json) {
  auto v = winnow::Value::Parse(json);
  REQUIRE(v.ok());
  return *v;
}

std::string Lang(const std::string& row_json) {
  auto v = Parse(row_json);
  const auto* l = v.find("language");
  return l && l->is_string() ? l->as_string() : "<none>";
}

const char* kEnglish =
    "The committee published its annual report on Tuesday, and most of the members agreed "
    "that the new rules had made the process simpler for everyone involved.";
const char* kGerman =
    "Der Ausschuss hat am Dienstag seinen Jahresbericht veröffentlicht, und die meisten "
    "Mitglieder waren sich einig, dass die neuen Regeln das Verfahren vereinfacht haben.";
const char* kPolish =
    "Komisja opublikowała we wtorek swoje roczne sprawozdanie, a większość członków zgodziła "
    "się, że nowe przepisy uprościły cały proces dla wszystkich zainteresowanych.";
const char* kDanish =
    "Udvalget offentliggjorde tirsdag sin årsrapport, og de fleste af medlemmerne var enige "
    "om, at de nye regler havde gjort processen enklere for alle de involverede.";

std::unique_ptr<langid::Detector> MakeDetector(langid::Engine e) {
  langid::DetectorOptions o;
  o.engine = e;
  auto d = langid::Detector::Create(o);
  REQUIRE(d.ok());
  return std::move(d).value();
}

}  // namespace

// ---------------------------------------------------------------- codes

TEST_CASE("labels normalise to ISO 639-1 where one exists", "[language][codes]") {
  CHECK(langid::NormalizeLabel("en") == "en");
  CHECK(langid::NormalizeLabel("__label__en") == "en");
  CHECK(langid::NormalizeLabel("__label__eng_Latn") == "en");
  CHECK(langid::NormalizeLabel("__label__deu_Latn") == "de");
  CHECK(langid::NormalizeLabel("__label__cmn_Hani") == "zh");
  CHECK(langid::NormalizeLabel("zh-Hant") == "zh");
  CHECK(langid::NormalizeLabel("iw") == "he");
  CHECK(langid::NormalizeLabel("jw") == "jv");
  CHECK(langid::NormalizeLabel("sr-ME") == "sr");
  CHECK(langid::NormalizeLabel("ceb") == "ceb");  // no 639-1 code
  CHECK(langid::NormalizeLabel("__label__sat_Olck") == "sat");
  CHECK(langid::NormalizeLabel("xx-Olck") == "sat");
  CHECK(langid::NormalizeLabel("xx-Tfng") == "zgh");
  CHECK(langid::NormalizeLabel("xx-Ogam") == "und");
  CHECK(langid::NormalizeLabel("un") == "und");
  CHECK(langid::NormalizeLabel("") == "und");
  CHECK(langid::NormalizeLabel("12") == "und");
}

// ---------------------------------------------------------------- kernels

TEST_CASE("script analysis counts letters per script and words", "[language][script]") {
  auto st = langid::AnalyzeScripts("Hello, world! 123");
  CHECK(st.dominant == "Latn");
  CHECK(st.letters == 10);
  CHECK(st.words == 2);
  st = langid::AnalyzeScripts("ᱥᱟᱱᱛᱟᱲᱤ ᱯᱟᱹᱨᱥᱤ");
  CHECK(st.dominant == "Olck");
  CHECK(st.words == 2);
  st = langid::AnalyzeScripts("!!! ... ??? 42 ---");
  CHECK(st.letters == 0);
  CHECK(st.dominant.empty());
  st = langid::AnalyzeScripts("東京に行きます");
  CHECK(st.dominant == "Hira");  // Han + kana count together as Japanese
  CHECK(st.has_kana);
}

namespace {

// The byte loop AnalyzeScripts used before its bitmap fast path: the oracle.
langid::ScriptStats RefAnalyzeScripts(std::string_view s) {
  auto is_word_char = [](UChar32 c) {
    if (c < 0x80) return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
    return u_isUAlphabetic(c) || (U_GET_GC_MASK(c) & U_GC_M_MASK) != 0;
  };
  auto is_cjk = [](UScriptCode sc) {
    return sc == USCRIPT_HAN || sc == USCRIPT_HIRAGANA || sc == USCRIPT_KATAKANA;
  };
  langid::ScriptStats st;
  std::vector<int64_t> counts(USCRIPT_CODE_LIMIT, 0);
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const int32_t n = static_cast<int32_t>(s.size());
  int32_t i = 0;
  bool in_word = false;
  int64_t cjk_chars = 0;
  while (i < n) {
    uint8_t b = p[i];
    if (b < 0x80) {
      ++i;
      bool letter = ((b | 0x20) >= 'a' && (b | 0x20) <= 'z');
      if (letter) {
        ++counts[USCRIPT_LATIN];
        if (!in_word) ++st.words;
        in_word = true;
      } else if (!(b == '\'' && in_word)) {
        in_word = false;
      }
      continue;
    }
    UChar32 c;
    U8_NEXT(p, i, n, c);
    if (c < 0 || !is_word_char(c)) {
      in_word = in_word && c == 0x2019;
      continue;
    }
    UErrorCode err = U_ZERO_ERROR;
    UScriptCode sc = uscript_getScript(c, &err);
    if (U_FAILURE(err) || sc < 0 || sc >= USCRIPT_CODE_LIMIT) sc = USCRIPT_UNKNOWN;
    if (sc == USCRIPT_COMMON || sc == USCRIPT_INHERITED || sc == USCRIPT_UNKNOWN) {
      if (!(U_GET_GC_MASK(c) & U_GC_M_MASK)) in_word = false;
      continue;
    }
    ++counts[sc];
    if (is_cjk(sc)) {
      ++cjk_chars;
      in_word = false;
      continue;
    }
    if (!in_word) ++st.words;
    in_word = true;
  }
  st.words += (cjk_chars + 1) / 2;
  st.has_kana = counts[USCRIPT_HIRAGANA] + counts[USCRIPT_KATAKANA] > 0;
  st.has_hangul = counts[USCRIPT_HANGUL] > 0;
  int best = -1;
  for (int sc = 0; sc < USCRIPT_CODE_LIMIT; ++sc) {
    st.letters += counts[sc];
    if (counts[sc] > 0 && (best < 0 || counts[sc] > counts[best])) best = sc;
  }
  if (best >= 0) {
    int64_t dom = counts[best];
    auto bsc = static_cast<UScriptCode>(best);
    if (is_cjk(bsc) && st.has_kana) {
      dom = counts[USCRIPT_HAN] + counts[USCRIPT_HIRAGANA] + counts[USCRIPT_KATAKANA];
      bsc = USCRIPT_HIRAGANA;
    }
    const char* name = uscript_getShortName(bsc);
    st.dominant = name ? name : "";
    st.dominant_letters = dom;
  }
  return st;
}

void CheckSameStats(const std::string& text) {
  langid::ScriptStats a = langid::AnalyzeScripts(text);
  langid::ScriptStats b = RefAnalyzeScripts(text);
  INFO("text: " << text.substr(0, 200) << " (" << text.size() << " bytes)");
  REQUIRE(a.dominant == b.dominant);
  REQUIRE(a.dominant_letters == b.dominant_letters);
  REQUIRE(a.letters == b.letters);
  REQUIRE(a.words == b.words);
  REQUIRE(a.has_kana == b.has_kana);
  REQUIRE(a.has_hangul == b.has_hangul);
}

// What CLD2's CheckUTF8 entry point says: the whole text is interchange valid.
bool Cld2SaysValid(const std::string& text) {
  CLD2::Language lang3[3];
  int percent3[3];
  double score3[3];
  int text_bytes = 0, valid_prefix = -1;
  bool reliable = false;
  CLD2::ExtDetectLanguageSummaryCheckUTF8(text.data(), static_cast<int>(text.size()), true, nullptr,
                                          0, lang3, percent3, score3, nullptr, &text_bytes,
                                          &reliable, &valid_prefix);
  return valid_prefix == static_cast<int>(text.size());
}

}  // namespace

TEST_CASE("script analysis fast path matches the byte loop", "[language][script]") {
  // Pieces that hit every branch: ASCII letters and apostrophes at block
  // edges, U+2019, accented Latin, combining marks, CJK, kana, Hangul,
  // Cyrillic, symbols, controls, invalid bytes, C1 controls, non-characters.
  const std::vector<std::string> pieces = {"a",
                                           "Z",
                                           "'",
                                           "''",
                                           " ",
                                           "\n",
                                           "don't",
                                           "rock'n'roll",
                                           "x'",
                                           "1",
                                           ".",
                                           ",",
                                           "\t",
                                           "\x01",
                                           "\x7f",
                                           "\x0b",
                                           "\xe2\x80\x99",
                                           "é",
                                           "ß",
                                           "e\xcc\x81",
                                           "\xcc\x81",
                                           "東",
                                           "京",
                                           "に",
                                           "カ",
                                           "한",
                                           "ж",
                                           "ᱥ",
                                           "€",
                                           "😀",
                                           "\xc2\x85",
                                           "\xef\xb7\x90",
                                           "\xef\xbf\xbe",
                                           "\xff",
                                           "\xc3",
                                           "\xe2\x80",
                                           "\xed\xa0\x80",
                                           "\xf4\x90\x80\x80",
                                           "\xc0\xaf",
                                           "\xef\xbf\xbd"};
  std::mt19937_64 rng(12345);
  for (int round = 0; round < 3000; ++round) {
    std::string text;
    const size_t len = rng() % 300;
    // Mostly ASCII words (long fast-path runs), sometimes dense special pieces.
    const bool dense = round % 3 == 0;
    while (text.size() < len) {
      if (!dense && rng() % 4 != 0) {
        text += "abcdefghijklmnopqrstuvwxyz"[rng() % 26];
        if (rng() % 6 == 0) text += ' ';
      } else {
        text += pieces[rng() % pieces.size()];
      }
    }
    CheckSameStats(text);
  }
  // Real text: the README of every plugin and the shared data's instructions.
  size_t real = 0;
  for (const char* rel :
       {"plugins/cleaners/language/README.md", "plugins/cleaners/quality/README.md", "README.md",
        "docs/performance.md"}) {
    std::ifstream in((winnow::testing::SourceDir() / rel).string(), std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (text.empty()) continue;
    ++real;
    CheckSameStats(text);
    for (size_t cut = 1; cut < text.size(); cut += 97) CheckSameStats(text.substr(0, cut));
  }
  CHECK(real > 0);
}

TEST_CASE("script analysis knows when CLD2 may skip its UTF-8 check", "[language][script]") {
  for (const std::string& text : {std::string("Plain English text, with\ttabs\nand lines.\r\n"),
                                  std::string("déjà vu — “quoted” 東京"), std::string(""),
                                  std::string("\xef\xbf\xbd replacement character")}) {
    INFO(text);
    CHECK(langid::AnalyzeScripts(text).interchange_valid);
    CHECK(Cld2SaysValid(text));
  }
  // Not interchange valid for CLD2: the plugin then calls CLD2's checking entry point.
  for (const std::string& bad :
       {std::string("bell\x07"), std::string("vertical\x0btab"), std::string("del\x7f"),
        std::string("nul", 4), std::string("c1 \xc2\x85 control"),
        std::string("nonchar \xef\xb7\x90"), std::string("nonchar \xef\xbf\xbf"),
        std::string("astral nonchar \xf0\x9f\xbf\xbe"), std::string("bad \xff byte"),
        std::string("truncated \xe2\x80")}) {
    INFO(bad);
    CHECK_FALSE(langid::AnalyzeScripts(bad).interchange_valid);
    CHECK_FALSE(Cld2SaysValid(bad));
  }
  // Random mixes: whenever the analysis says valid, CLD2's own check agrees.
  std::mt19937_64 rng(7);
  const std::vector<std::string> pieces = {"a",    " ",        "\n",          "é",
                                           "\x01", "\xc2\x85", "東",          "\xef\xbf\xbe",
                                           "\xff", "\xc2\xa0", "\xe2\x80\x9c"};
  int valid = 0;
  for (int round = 0; round < 2000; ++round) {
    std::string text;
    for (size_t k = rng() % 80; k > 0; --k) text += pieces[rng() % (round % 2 ? 4 : pieces.size())];
    const bool ours = langid::AnalyzeScripts(text).interchange_valid;
    INFO(text);
    REQUIRE(ours == Cld2SaysValid(text));
    valid += ours;
  }
  CHECK(valid > 500);
}

TEST_CASE("control characters do not make CLD2 refuse a text", "[language][cld2]") {
  // CLD2's checking entry point refuses text with C0/C1 controls or
  // non-characters (and leaves its outputs unset); the detector hands CLD2 the
  // text with those characters replaced by spaces.
  auto det = langid::Detector::Create(langid::DetectorOptions{});
  REQUIRE(det.ok());
  const std::string spaced =
      "Horisontale posisie van kind in beskikbare ruimte. 0.0 is linksgerig, 1.0 is regsgerig";
  for (const char* ctl : {"\v", "\x01", "\x7f", "\xc2\x85", "\xef\xbf\xbe"}) {
    std::string text = spaced;
    text.replace(text.rfind(' '), 1, ctl);
    INFO(text);
    for (int rep = 0; rep < 2; ++rep) {
      langid::Detection a = (*det)->Detect(text), b = (*det)->Detect(spaced);
      CHECK(a.language == "af");
      CHECK(a.language == b.language);
      CHECK(a.label == b.label);
      CHECK(a.score == b.score);
      CHECK(std::string(a.method) == b.method);
    }
  }
  // detector: cld2 is CLD2 as most tools call it: such a text is unknown to it.
  langid::DetectorOptions cld2_only;
  cld2_only.engine = langid::Engine::kCld2;
  auto plain = langid::Detector::Create(cld2_only);
  REQUIRE(plain.ok());
  const std::string english =
      "The quick brown fox jumps over the lazy dog and keeps running. It does not stop until "
      "it reaches the river bank.";
  CHECK((*plain)->Detect(english).language == "en");
  CHECK((*plain)->Detect(english + "\x01").language == "und");
  CHECK((*det)->Detect(english + "\x01").language == "en");
}

TEST_CASE("SampleText bounds long texts at code point boundaries", "[language][sample]") {
  std::string text;
  while (text.size() < 100000) text += "żółć ";
  std::string scratch;
  auto s = langid::SampleText(text, 3000, scratch);
  CHECK(s.size() <= 3002);
  CHECK(s.size() > 2900);
  CHECK(winnow::IsValidUtf8(s));
  CHECK(langid::SampleText("short", 3000, scratch) == "short");
  CHECK(langid::SampleText(text, 0, scratch).size() == text.size());
}

TEST_CASE("CLD2 links its full tables (Danish is not Norwegian)", "[language][cld2]") {
  auto cld2 = MakeDetector(langid::Engine::kCld2);
  CHECK(cld2->Detect(kDanish).language == "da");
  CHECK(cld2->Detect(kGerman).language == "de");
  CHECK(cld2->Detect(kPolish).language == "pl");
}

TEST_CASE("combined detector does better than CLD2 on short texts", "[language][short]") {
  auto cld2 = MakeDetector(langid::Engine::kCld2);
  auto comb = MakeDetector(langid::Engine::kCombined);
  struct Case {
    const char* text;
    const char* lang;
  };
  // Short texts where plain CLD2 answers "und" or the wrong language.
  const std::vector<Case> cases = {
      {"Ich bin nicht sicher", "de"},
      {"Guten Morgen", "de"},
      {"Thank you very much", "en"},
      {"Où est la gare ?", "fr"},
      {"Dziękuję bardzo", "pl"},
      {"Muchas gracias", "es"},
      {"Ενημέρωση", "el"},
      {"안녕하세요", "ko"},
      {"ありがとう", "ja"},
      {"გამარჯობა", "ka"},
      {"ᱥᱟᱱᱛᱟᱲᱤ ᱯᱟᱹᱨᱥᱤ", "sat"},
      {"ⵜⴰⵎⴰⵣⵉⵖⵜ", "zgh"},
      {"Спасибо большое", "ru"},
      {"Dank je wel", "nl"},
  };
  int ok_cld2 = 0, ok_comb = 0;
  for (const auto& c : cases) {
    auto d = comb->Detect(c.text);
    INFO(c.text << " -> " << d.language << " (" << d.label << ", " << d.method << ")");
    CHECK(d.language == c.lang);
    ok_comb += d.language == c.lang;
    ok_cld2 += cld2->Detect(c.text).language == c.lang;
  }
  CHECK(ok_comb > ok_cld2);
  // Long texts are CLD2's own answer.
  CHECK(comb->Detect(kDanish).language == "da");
  CHECK(comb->Detect(std::string(kEnglish) + " " + kEnglish).method == std::string("cld2"));
}

TEST_CASE("scripts CLD2 has no model for still get a language", "[language][script]") {
  for (auto engine : {langid::Engine::kCld2, langid::Engine::kCombined}) {
    auto d = MakeDetector(engine);
    CHECK(d->Detect("ᱚᱞ ᱪᱤᱠᱤ ᱟᱠᱷᱚᱨ ᱛᱮ ᱥᱟᱱᱛᱟᱲᱤ ᱯᱟᱹᱨᱥᱤ ᱚᱞ ᱦᱩᱭ ᱠᱟᱱᱟ").language == "sat");
    CHECK(d->Detect("ⴰⵣⵓⵍ ⴼⵍⵍⴰⵡⵏ ⵎⴰⵏⵣⴰⴽⵉⵏ").language == "zgh");
  }
  // Scripts no language table knows: unknown, never a guess.
  auto comb = MakeDetector(langid::Engine::kCombined);
  CHECK(comb->Detect("᚛ᚈᚑᚋ ᚄᚐᚂ᚜").language == "und");  // Ogham
}

// ---------------------------------------------------------------- plugin

TEST_CASE("language annotates kept rows and drops others with reasons", "[language]") {
  auto out = Run(R"({"languages": ["en", "de"]})",
                 {Row(kEnglish), Row(kGerman), Row(kPolish), Row(kDanish)});
  REQUIRE(out.rows.size() == 2);
  CHECK(Lang(out.rows[0]) == "en");
  CHECK(Lang(out.rows[1]) == "de");
  auto v = Parse(out.rows[0]);
  REQUIRE(v.find("language_score"));
  CHECK(v.find("language_score")->as_number() > 0.6);
  CHECK(v.find("language_label")->as_string() == "en");
  REQUIRE(out.rejects.size() == 2);
  CHECK(out.rejects[0].kind == RejectKind::kDrop);
  CHECK(out.rejects[0].reason == "language:not_kept");
  CHECK(out.rejects[0].detail.rfind("detected pl (0.", 0) == 0);
  CHECK(out.rejects[0].detail.find("keep list en,de") != std::string::npos);
  CHECK(out.rejects[1].detail.rfind("detected da", 0) == 0);
  CHECK(out.counters["lang.en"] == 1);
  CHECK(out.counters["lang.pl"] == 1);
}

TEST_CASE("language keep list accepts 639-3 codes", "[language]") {
  auto out = Run(R"({"languages": ["deu"]})", {Row(kEnglish), Row(kGerman)});
  REQUIRE(out.rows.size() == 1);
  CHECK(Lang(out.rows[0]) == "de");
}

TEST_CASE("language min_score drops low-confidence rows", "[language]") {
  auto out = Run(R"({"min_score": 0.9})", {Row(std::string(kEnglish) + " " + kEnglish), Row("ok")});
  REQUIRE(out.rows.size() == 1);
  REQUIRE(out.rejects.size() == 1);
  CHECK(out.rejects[0].reason == "language:low_score");
  CHECK(out.rejects[0].detail.find("< min_score 0.90") != std::string::npos);
}

TEST_CASE("language annotate mode keeps every row", "[language]") {
  auto out = Run(R"({"mode": "annotate", "languages": ["en"], "label_field": ""})",
                 {Row(kEnglish), Row(kPolish), Row("")});
  REQUIRE(out.rows.size() == 3);
  CHECK(out.rejects.empty());
  CHECK(Lang(out.rows[1]) == "pl");
  CHECK(Lang(out.rows[2]) == "und");
  CHECK(out.rows[0].find("language_label") == std::string::npos);
  CHECK(out.counters["would_drop.not_kept"] == 1);
  CHECK(out.counters["would_drop.unknown"] == 1);
}

TEST_CASE("language bad input has defined outcomes", "[language][bad]") {
  SECTION("empty text and punctuation only are unknown") {
    auto out = Run(R"({"languages": ["en"]})", {Row(""), Row("!!! ... ??? --- 42 :-)")});
    CHECK(out.rows.empty());
    REQUIRE(out.rejects.size() == 2);
    CHECK(out.rejects[0].reason == "language:unknown");
    CHECK(out.rejects[0].detail.find("empty") != std::string::npos);
    CHECK(out.rejects[1].reason == "language:unknown");
    // Without a keep list or threshold they pass, annotated und.
    auto kept = Run("{}", {Row("")});
    REQUIRE(kept.rows.size() == 1);
    CHECK(Lang(kept.rows[0]) == "und");
  }
  SECTION("missing and null fields: reject or pass") {
    std::vector<std::string> rows = {R"({"other": 1})", R"({"text": null})"};
    auto out = Run("{}", rows);
    CHECK(out.rows.empty());
    REQUIRE(out.rejects.size() == 2);
    CHECK(out.rejects[0].kind == RejectKind::kError);
    CHECK(out.rejects[0].reason == "language:missing_field");
    CHECK(out.rejects[1].detail.find("null") != std::string::npos);
    auto passed = Run(R"({"on_missing": "pass"})", rows);
    REQUIRE(passed.rows.size() == 2);
    CHECK(passed.rows[0] == R"({"other": 1})");  // untouched bytes
    CHECK(passed.counters["missing_passed"] == 2);
  }
  SECTION("non-string field is an error") {
    auto out = Run("{}", {R"({"text": 42})", R"({"text": ["a"]})", R"({"text": {"a": 1}})"});
    CHECK(out.rows.empty());
    REQUIRE(out.rejects.size() == 3);
    for (const auto& r : out.rejects) {
      CHECK(r.kind == RejectKind::kError);
      CHECK(r.reason == "language:wrong_type");
    }
    CHECK(out.rejects[1].detail.find("array") != std::string::npos);
  }
  SECTION("invalid UTF-8 never crashes") {
    // Raw invalid bytes in a JSONL row are rejected by the source as
    // malformed_json before any stage runs; the stage sees only the valid row.
    std::string bad = std::string(
        "{\"text\":\"Das ist ein Test \xff\xfe mit kaputten Bytes und "
        "noch mehr deutschem Text hier.\"}");
    auto out = Run("{}", {bad, Row(kEnglish)});
    REQUIRE(out.rows.size() == 1);
    CHECK(Lang(out.rows[0]) == "en");
    CHECK(out.rejects.empty());  // not this step's reject
    // Text that does reach the stage with invalid bytes (a record built by an
    // earlier step) is sanitised to U+FFFD first: the kernel then works normally.
    // Kernel: sanitised text is detected normally.
    auto comb = MakeDetector(langid::Engine::kCombined);
    std::string text = winnow::SanitizeUtf8(std::string(kGerman) + "\xc3\x28\xff");
    CHECK(comb->Detect(text).language == "de");
  }
  SECTION("a 100 MB document is detected on a bounded sample") {
    std::string big;
    big.reserve(100u << 20);
    const std::string para = std::string(kPolish) + " ";
    while (big.size() < (100u << 20)) big += para;
    auto out = Run("{}", {Row(big), Row(kEnglish)});
    REQUIRE(out.rows.size() == 2);
    CHECK(Lang(out.rows[1]) == "en");
    CHECK(out.counters["sampled_long"] == 1);
    CHECK(out.rows[0].size() > (100u << 20));
    CHECK(out.rows[0].find("\"language\":\"pl\"") != std::string::npos);
  }
  SECTION("Ol Chiki and Tifinagh get their languages, unknown scripts und") {
    auto out = Run(R"({"languages": ["en"], "mode": "annotate"})",
                   {Row("ᱥᱟᱱᱛᱟᱲᱤ ᱯᱟᱹᱨᱥᱤ"), Row("ⵜⴰⵎⴰⵣⵉⵖⵜ"), Row("᚛ᚈᚑᚋ ᚄᚐᚂ᚜")});
    REQUIRE(out.rows.size() == 3);
    CHECK(Lang(out.rows[0]) == "sat");
    CHECK(Parse(out.rows[0]).find("language_label")->as_string() == "script:Olck");
    CHECK(Lang(out.rows[1]) == "zgh");
    CHECK(Lang(out.rows[2]) == "und");
  }
}

TEST_CASE("language config errors", "[language][config]") {
  CHECK(RunError(R"({"languages": ["english!"]})", {}).find("languages") != std::string::npos);
  CHECK(RunError(R"({"detector": "fasttext"})", {}).find("model_path") != std::string::npos);
  CHECK(RunError(R"({"detector": "cld2", "model_path": "/x.bin"})", {}).find("model_path") !=
        std::string::npos);
  CHECK(RunError(R"({"wordlists": ["nocolon"]})", {}).find("LANG:PATH") != std::string::npos);
  CHECK(RunError(R"({"min_score": 1.5})", {}).find("min_score") != std::string::npos);
  CHECK(RunError(R"({"mode": "filter"})", {}).find("mode") != std::string::npos);
}

TEST_CASE("language word lists extend the short-text vote", "[language][wordlists]") {
  TempDir dir;
  // Made-up words: only the word list can know them.
  winnow::testing::WriteText(dir / "fr.txt", "zorglub\nblorptastique\n");
  winnow::testing::WriteText(dir / "fr.dic", "2\nquuxonnerie/S\nfrobnique/X\n");
  std::string cfg = R"({"mode": "annotate", "wordlists": ["fr:)" + (dir / "fr.txt").string() +
                    R"(", "fra:)" + (dir / "fr.dic").string() + R"("]})";
  auto out = Run(cfg, {Row("zorglub blorptastique"), Row("quuxonnerie frobnique")});
  REQUIRE(out.rows.size() == 2);
  CHECK(Lang(out.rows[0]) == "fr");
  CHECK(Lang(out.rows[1]) == "fr");
  // A missing word list fails at Open(), naming the file.
  auto err = RunError(R"({"wordlists": ["de:/nonexistent/ngerman"]})", {Row("x")});
  CHECK(err.find("/nonexistent/ngerman") != std::string::npos);
}

#ifdef WINNOW_LANGUAGE_HAVE_FASTTEXT
TEST_CASE("fastText models: a real tiny model, missing and corrupt files", "[language][fasttext]") {
  TempDir dir;
  // Training data with GlotLID-style labels.
  {
    std::ofstream train(dir / "train.txt");
    const char* en[] = {
        "the cat sat on the mat", "where is the train station", "thank you very much for the help",
        "this is a small house",  "we are going home now",      "the weather is nice today"};
    const char* de[] = {"die katze sitzt auf der matte", "wo ist der bahnhof",
                        "vielen dank für die hilfe",     "das ist ein kleines haus",
                        "wir gehen jetzt nach hause",    "das wetter ist heute schön"};
    for (int rep = 0; rep < 20; ++rep) {
      for (const char* s : en) train << "__label__eng_Latn " << s << "\n";
      for (const char* s : de) train << "__label__deu_Latn " << s << "\n";
    }
  }
  fasttext::Args args;
  args.input = (dir / "train.txt").string();
  args.model = fasttext::model_name::sup;
  args.loss = fasttext::loss_name::softmax;
  args.minCount = 1;
  args.minn = 2;
  args.maxn = 4;
  args.bucket = 20000;
  args.dim = 16;
  args.epoch = 25;
  args.lr = 0.5;
  args.thread = 1;
  args.verbose = 0;
  args.wordNgrams = 1;
  fasttext::FastText ft;
  ft.train(args);
  const std::string model = (dir / "lid.bin").string();
  ft.saveModel(model);

  auto out = Run(R"({"model_path": ")" + model + R"(", "languages": ["de"]})",
                 {Row("vielen dank, das haus ist schön"), Row("thank you for the nice house")});
  REQUIRE(out.rows.size() == 1);
  auto v = Parse(out.rows[0]);
  CHECK(v.find("language")->as_string() == "de");
  CHECK(v.find("language_label")->as_string() == "__label__deu_Latn");
  REQUIRE(out.rejects.size() == 1);
  CHECK(out.rejects[0].reason == "language:not_kept");
  CHECK(out.rejects[0].detail.rfind("detected en", 0) == 0);
  CHECK(out.counters["method.fasttext"] == 2);

  // Missing file: a clear error at Open().
  auto err = RunError(R"({"model_path": "/nonexistent/lid.176.bin"})", {Row("x")});
  CHECK(err.find("/nonexistent/lid.176.bin") != std::string::npos);
  CHECK(err.find("does not exist") != std::string::npos);
  // Not a model at all.
  winnow::testing::WriteText(dir / "junk.bin", "this is not a fastText model at all");
  err = RunError(R"({"model_path": ")" + (dir / "junk.bin").string() + R"("})", {Row("x")});
  CHECK(err.find("not a fastText model") != std::string::npos);
  // A truncated real model.
  std::string bytes = winnow::testing::ReadText(model);
  winnow::testing::WriteText(dir / "cut.bin", bytes.substr(0, bytes.size() / 3));
  err = RunError(R"({"model_path": ")" + (dir / "cut.bin").string() + R"("})", {Row("x")});
  CHECK(err.find("cut.bin") != std::string::npos);
}
#endif
