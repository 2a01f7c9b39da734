// Tests for cleaner/exact_dedup: black-box through the PluginHarness, plus
// the key/index code compiled into this test (see cleaner_exact_dedup.cmake).
#include <catch2/catch.hpp>

#include <fstream>
#include <string>
#include <vector>

#include "exact_dedup_index.h"
#include "harness/plugin_harness.h"
#include "text_norm.h"

using winnow::RejectKind;
using winnow::testing::HarnessOutput;
using winnow::testing::PluginHarness;
using winnow::testing::TempDir;

namespace {

std::string Row(const std::string& text) {
  std::string json = "{\"text\":";
  winnow::AppendJsonString(json, text);
  return json + "}";
}

HarnessOutput Run(const std::string& config, const std::vector<std::string>& rows,
                  size_t batch_size = 1000) {
  auto h = PluginHarness::Create("cleaner/exact_dedup", config);
  REQUIRE(h.ok());
  auto out = (*h)->RunStage(rows, batch_size);
  if (!out.ok()) FAIL(out.status().ToString());
  return std::move(out).value();
}

std::string RunError(const std::string& config, const std::vector<std::string>& rows) {
  auto h = PluginHarness::Create("cleaner/exact_dedup", config);
  if (!h.ok()) return h.status().ToString();
  auto out = (*h)->RunStage(rows);
  REQUIRE_FALSE(out.ok());
  return out.status().ToString();
}

}  // namespace

TEST_CASE("exact_dedup keeps the first occurrence in input order", "[exact_dedup]") {
  std::vector<std::string> rows = {Row("a"), Row("b"), Row("a"), Row("c"), Row("b"), Row("a")};
  for (size_t batch : {1, 2, 1000}) {
    auto out = Run("{}", rows, batch);
    REQUIRE(out.rows.size() == 3);
    CHECK(out.row_ids[0].ordinal == 0);
    CHECK(out.row_ids[1].ordinal == 1);
    CHECK(out.row_ids[2].ordinal == 3);
    REQUIRE(out.rejects.size() == 3);
    for (const auto& r : out.rejects) {
      CHECK(r.kind == RejectKind::kDrop);
      CHECK(r.reason == "exact_duplicate");
    }
    CHECK(out.rejects[0].detail.find("row 0:0") != std::string::npos);
    CHECK(out.rejects[1].detail.find("row 0:1") != std::string::npos);
    CHECK(out.counters["duplicates"] == 3);
    CHECK(out.counters["unique"] == 3);
  }
}

TEST_CASE("exact_dedup annotate mode adds duplicate_of", "[exact_dedup]") {
  auto out = Run(R"({"mode": "annotate"})", {Row("x"), Row("y"), Row("x")});
  REQUIRE(out.rows.size() == 3);
  CHECK(out.rejects.empty());
  CHECK(out.rows[0].find("duplicate_of") == std::string::npos);
  CHECK(out.rows[2].find(R"("duplicate_of":"0:0")") != std::string::npos);
}

TEST_CASE("exact_dedup normalisation steps", "[exact_dedup]") {
  std::vector<std::string> rows = {Row("Hello   World"), Row("hello world"), Row(" hello\tworld\n"),
                                   Row("Héllo, World! 42"), Row("hello world 7")};
  // Default (nfc): all distinct.
  CHECK(Run("{}", rows).rows.size() == 5);
  CHECK(Run(R"({"normalize": []})", rows).rows.size() == 5);
  // lowercase + whitespace: the first three match.
  CHECK(Run(R"({"normalize": ["lowercase", "whitespace"]})", rows).rows.size() == 3);
  // simplify: punctuation, diacritics and digits go too: 0,1,2 and 3,4 match.
  CHECK(Run(R"({"normalize": ["simplify"]})", rows).rows.size() == 2);
}

TEST_CASE("exact_dedup NFC and NFKC", "[exact_dedup]") {
  const std::string composed = "caf\xC3\xA9";     // é precomposed
  const std::string decomposed = "cafe\xCC\x81";  // e + combining acute
  const std::string fullwidth = "\xEF\xBC\xA1";   // FULLWIDTH A
  CHECK(Run(R"({"normalize": []})", {Row(composed), Row(decomposed)}).rows.size() == 2);
  CHECK(Run("{}", {Row(composed), Row(decomposed)}).rows.size() == 1);
  CHECK(Run("{}", {Row(fullwidth), Row("A")}).rows.size() == 2);
  CHECK(Run(R"({"normalize": ["nfkc"]})", {Row(fullwidth), Row("A")}).rows.size() == 1);
}

TEST_CASE("exact_dedup over several fields and non-string fields", "[exact_dedup]") {
  std::vector<std::string> rows = {R"({"q": "a", "a": "b"})",
                                   R"({"q": "a", "a": "c"})",
                                   R"({"q": "a", "a": "b"})",
                                   R"({"q": "ab", "a": ""})",  // must not collide with q=a,a=b
                                   R"({"q": [1, {"x": 2}], "a": "b"})",
                                   R"({"q": [1, {"x": 2}], "a": "b"})",
                                   R"({"q": 3, "a": "b"})"};
  auto out = Run(R"({"fields": ["q", "a"]})", rows);
  REQUIRE(out.rows.size() == 5);
  REQUIRE(out.rejects.size() == 2);
  CHECK(out.rejects[0].id.ordinal == 2);
  CHECK(out.rejects[1].id.ordinal == 5);
}

TEST_CASE("exact_dedup bad input", "[exact_dedup]") {
  SECTION("empty text is content like any other") {
    auto out = Run("{}", {Row(""), Row(""), Row("x")});
    CHECK(out.rows.size() == 2);
  }
  SECTION("missing or null field, on_missing reject") {
    auto out = Run("{}", {R"({"other": 1})", R"({"text": null})", Row("x")});
    REQUIRE(out.rows.size() == 1);
    REQUIRE(out.rejects.size() == 2);
    for (const auto& r : out.rejects) {
      CHECK(r.kind == RejectKind::kError);
      CHECK(r.reason == "exact_dedup:missing_field");
    }
  }
  SECTION("missing field, on_missing pass") {
    auto out = Run(R"({"on_missing": "pass"})",
                   {R"({"other": 1})", R"({"other": 1})", Row("x"), Row("x")});
    CHECK(out.rows.size() == 3);
    CHECK(out.counters["missing_field"] == 2);
  }
  SECTION("non-string text field is hashed as JSON") {
    auto out = Run("{}", {R"({"text": 5})", R"({"text": 5})", R"({"text": "5"})"});
    CHECK(out.rows.size() == 2);
  }
  SECTION("a 100 MB document") {
    std::string big(100u << 20, 'a');
    for (size_t i = 0; i < big.size(); i += 7) big[i] = ' ';
    auto out = Run(R"({"mode": "annotate"})", {Row(big), Row(big)});
    REQUIRE(out.rows.size() == 2);
    CHECK(out.counters["duplicates"] == 1);
  }
  SECTION("text without spaces and all-punctuation text") {
    auto out = Run(R"({"normalize": ["simplify"]})",
                   {Row("東京都に住む"), Row("東京都に住む。"), Row("!!!???"), Row("...")});
    CHECK(out.rows.size() == 2);  // punctuation-only rows simplify to ""
  }
}

TEST_CASE("exact_dedup rejects unknown normalisation steps", "[exact_dedup]") {
  auto h = PluginHarness::Create("cleaner/exact_dedup", R"({"normalize": ["nfkd"]})");
  REQUIRE_FALSE(h.ok());
  CHECK(h.status().message().find("normalize.0") != std::string::npos);
  CHECK(h.status().message().find("nfkc") != std::string::npos);
}

TEST_CASE("exact_dedup saves and loads indexes", "[exact_dedup]") {
  TempDir dir;
  const std::string idx = (dir / "old.wxd").string();
  auto first = Run(R"({"save_index": ")" + idx + R"("})", {Row("a"), Row("b"), Row("a")});
  CHECK(first.rows.size() == 2);
  REQUIRE(std::filesystem::exists(idx));

  auto second = Run(R"({"load_indexes": [")" + idx + R"("], "mode": "annotate"})",
                    {Row("c"), Row("b"), Row("c")});
  REQUIRE(second.rows.size() == 3);
  CHECK(second.rows[1].find(R"("duplicate_of":"old/0:1")") != std::string::npos);
  CHECK(second.rows[2].find(R"("duplicate_of":"0:0")") != std::string::npos);
  CHECK(second.counters["duplicates_of_index"] == 1);

  SECTION("a mismatching configuration is refused") {
    auto msg =
        RunError(R"({"load_indexes": [")" + idx + R"("], "normalize": ["lowercase"]})", {Row("a")});
    CHECK(msg.find("normalize=nfc") != std::string::npos);
    CHECK(msg.find("normalize=lowercase") != std::string::npos);
  }
  SECTION("a corrupt index is refused with a clear message") {
    std::string bytes = winnow::testing::ReadText(idx);
    SECTION("flipped byte") {
      bytes[bytes.size() - 20] ^= 0x40;
      winnow::testing::WriteText(idx, bytes);
      auto msg = RunError(R"({"load_indexes": [")" + idx + R"("]})", {Row("a")});
      CHECK(msg.find("is corrupt") != std::string::npos);
      CHECK(msg.find("checksum") != std::string::npos);
    }
    SECTION("truncated") {
      winnow::testing::WriteText(idx, bytes.substr(0, bytes.size() - 5));
      auto msg = RunError(R"({"load_indexes": [")" + idx + R"("]})", {Row("a")});
      CHECK(msg.find("is corrupt") != std::string::npos);
    }
    SECTION("not an index") {
      winnow::testing::WriteText(idx, "{\"text\": \"hello\"}\n");
      auto msg = RunError(R"({"load_indexes": [")" + idx + R"("]})", {Row("a")});
      CHECK(msg.find("magic") != std::string::npos);
    }
    SECTION("missing file") {
      auto msg =
          RunError(R"({"load_indexes": [")" + (dir / "nope.wxd").string() + R"("]})", {Row("a")});
      CHECK(msg.find("nope.wxd") != std::string::npos);
    }
  }
}

TEST_CASE("exact_dedup keyer: invalid UTF-8 is sanitised, not fatal", "[exact_dedup]") {
  winnow::cleaners::ExactKeyer keyer({"text"}, {winnow::cleaners::NormStep::kNfc});
  auto rec = winnow::Record(winnow::RowId{0, 0},
                            winnow::Value(winnow::Object{{"text", winnow::Value("ab\xFF")}}));
  auto key = keyer.Key(rec);
  CHECK(key.state == winnow::cleaners::ExactKey::State::kOk);
  CHECK(key.invalid_utf8);
  CHECK(key.hash == keyer.KeyOfText("ab\xEF\xBF\xBD"));
}

TEST_CASE("exact_dedup index round trip keeps first occurrences", "[exact_dedup]") {
  using namespace winnow::cleaners;
  TempDir dir;
  ExactIndex a;
  for (uint64_t i = 0; i < 5000; ++i) {
    CHECK(a.FindOrInsert(winnow::Hash128Of(std::to_string(i)), RowRef{0, 1, i}) == nullptr);
  }
  CHECK(a.FindOrInsert(winnow::Hash128Of("7"), RowRef{0, 1, 99999})->ordinal == 7);
  REQUIRE(a.Save(dir / "i.wxd", "d", "lbl").ok());
  ExactIndex b;
  std::string label;
  REQUIRE(b.Load(dir / "i.wxd", "d", 1, &label).ok());
  CHECK(label == "lbl");
  CHECK(b.size() == 5000);
  const RowRef* r = b.FindOrInsert(winnow::Hash128Of("4321"), RowRef{0, 0, 0});
  REQUIRE(r != nullptr);
  CHECK(r->origin == 1);
  CHECK(r->ordinal == 4321);
}

namespace {

// Byte-loop definitions the ASCII kernels must reproduce.
std::string RefLower(const std::string& s) {
  std::string o = s;
  for (char& c : o) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
  return o;
}

bool RefIsSpace(char c) {
  return (c >= 9 && c <= 13) || (c >= 28 && c <= 32);
}

// simplify's definition: the shared tokenizer without NLTK splits or ICU
// word breaking, words joined by single spaces (what TextNormalizer uses).
winnow::cleaners::TokenizerOptions SimplifyTokenizerOptions() {
  winnow::cleaners::TokenizerOptions opts;
  opts.segment_spaceless = false;
  opts.nltk_contractions = false;
  return opts;
}

std::string RefCollapse(const std::string& s) {
  std::string o;
  bool pending = false;
  for (char c : s) {
    if (RefIsSpace(c)) {
      pending = !o.empty();
      continue;
    }
    if (pending) o.push_back(' ');
    pending = false;
    o.push_back(c);
  }
  return o;
}

}  // namespace

TEST_CASE("exact_dedup ASCII normalisation kernels equal the byte loops", "[exact_dedup]") {
  using winnow::cleaners::NormStep;
  using winnow::cleaners::TextNormalizer;
  winnow::cleaners::Tokenizer tokenizer(SimplifyTokenizerOptions());
  winnow::cleaners::Tokens tokens;
  TextNormalizer lower({NormStep::kLowercase}), collapse({NormStep::kWhitespace}),
      simplify({NormStep::kSimplify}), both({NormStep::kLowercase, NormStep::kWhitespace});
  // Random ASCII over an alphabet rich in the classes the kernels tell apart,
  // at every length around the 32-byte blocks, plus long texts.
  const std::string alphabet = "aZq 0 9\t\n\r\x1c\x1f.,;!'\"-(){}$#\x01\x7f  00AB";
  uint64_t state = 12345;
  auto next = [&]() {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<size_t>(state >> 33);
  };
  for (int iter = 0; iter < 6000; ++iter) {
    const size_t len = iter < 200 ? static_cast<size_t>(iter) : next() % 3000;
    std::string s;
    for (size_t i = 0; i < len; ++i) {
      s.push_back(next() % 4 == 0 ? static_cast<char>(next() % 128)
                                  : alphabet[next() % alphabet.size()]);
    }
    tokenizer.Tokenize(s, &tokens);
    REQUIRE(std::string(lower.Normalize(s)) == RefLower(s));
    REQUIRE(std::string(collapse.Normalize(s)) == RefCollapse(s));
    REQUIRE(std::string(simplify.Normalize(s)) == tokens.text);
    REQUIRE(std::string(both.Normalize(s)) == RefCollapse(RefLower(s)));
  }
  CHECK(std::string(simplify.Normalize("  Hello,  World!! 12,345 and 6 7  ")) ==
        "hello world 0 and 0 0");
  CHECK(std::string(collapse.Normalize("\t a \n\n b \r")) == "a b");
}

TEST_CASE("exact_dedup simplify folds curly quotes, dashes and no-break spaces like the tokenizer",
          "[exact_dedup]") {
  using winnow::cleaners::NormStep;
  winnow::cleaners::Tokenizer tokenizer(SimplifyTokenizerOptions());
  winnow::cleaners::Tokens tokens;
  winnow::cleaners::TextNormalizer simplify({NormStep::kSimplify});
  for (const std::string s : {"It\xE2\x80\x99s \xE2\x80\x9C"
                              "fine\xE2\x80\x9D\xC2\xA0\xE2\x80\x94 12\xE2\x80\x93"
                              "34\xE2\x80\xA6",
                              "\xC2\xA0\xC2\xA0lead\xE3\x80\x80trail\xC2\x85",
                              "caf\xC3\xA9 \xE2\x80\x99", "\xE2\x80\x98q"}) {
    tokenizer.Tokenize(s, &tokens);
    CHECK(std::string(simplify.Normalize(s)) == tokens.text);
  }
  std::string folded;
  CHECK(
      winnow::cleaners::FoldSimpleUnicode("a\xE2\x80\x99"
                                          "b\xC2\xA0"
                                          "c",
                                          &folded));
  CHECK(folded == std::string("a\x01\x01\x01") + "b \x01" + "c");
  CHECK(winnow::cleaners::FoldSimpleUnicode("caf\xC3\xA9", &folded));
  CHECK(folded == "cafe\x01");
  CHECK_FALSE(
      winnow::cleaners::FoldSimpleUnicode("stra\xC3\x9F"
                                          "e",
                                          &folded));
  CHECK_FALSE(winnow::cleaners::FoldSimpleUnicode("bad\xE2\x80", &folded));
}
