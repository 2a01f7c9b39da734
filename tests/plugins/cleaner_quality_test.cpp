// Tests of cleaner/quality: the tokenizer and every rule through the kernels,
// then the plugin through the harness (modes, bad input, config errors).
#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

#include "harness/plugin_harness.h"
#include "quality_rules.h"
#include "quality_text.h"
#include "winnow/value.h"

using winnow::Value;
using winnow::quality::Engine;
using winnow::quality::Evaluation;
using winnow::quality::Preset;
using winnow::quality::RuleSet;
using winnow::testing::PluginHarness;

namespace {

std::vector<std::string> Tokens(std::string_view text) {
  winnow::quality::TokenizerScratch s;
  std::vector<std::string> out;
  winnow::quality::WordTokenizer::Tokenize(
      text, s, [&](const winnow::quality::TokenView& t) { out.emplace_back(t.text); });
  return out;
}

RuleSet Only(Preset p) {
  RuleSet rs;
  rs.presets = {p};
  return rs;
}

Evaluation Eval(std::string_view text, const RuleSet& rs, bool stop_at_first = true) {
  Engine engine(rs);
  auto scratch = Engine::NewScratch();
  Evaluation ev;
  engine.Evaluate(text, stop_at_first, /*collect_metrics=*/true, *scratch, &ev);
  return ev;
}

std::string FirstCode(const Evaluation& ev) {
  return ev.failures.empty() ? std::string("pass") : ev.failures.front().code;
}

double MetricOf(const Evaluation& ev, Preset p, std::string_view name) {
  for (const auto& r : ev.reports) {
    if (r.preset != p) continue;
    for (const auto& m : r.metrics) {
      if (name == m.name) return m.value;
    }
  }
  FAIL("metric " << name << " missing");
  return 0;
}

// A clean English document: 8 distinct lines, every one a full sentence.
const char* kGood =
    "The history of the city goes back to the Roman period, when a small fort was built near "
    "the river crossing.\n"
    "During the Middle Ages the town grew into an important market for wool and cloth, and its "
    "merchants traded with partners across the sea.\n"
    "Many of the old houses that line the main square date from that time and have been "
    "carefully restored.\n"
    "In the nineteenth century the arrival of the railway brought new industries and a rapid "
    "increase in population.\n"
    "Today the city is known for its university, which attracts students from many countries.\n"
    "Visitors can explore the museum, walk along the ancient walls, and enjoy the local food "
    "in the busy cafes.\n"
    "The annual summer festival fills the streets with music, theatre and dancing for a whole "
    "week.\n"
    "Local guides offer tours that explain how the town has changed over the centuries.";

std::string Repeat(std::string_view s, int n, std::string_view sep = " ") {
  std::string out;
  for (int i = 0; i < n; ++i) {
    if (i) out += sep;
    out += s;
  }
  return out;
}

// n distinct pseudo-words (letters only), deterministic.
std::string RandomWords(size_t n, uint32_t seed, size_t per_line = 0) {
  std::mt19937 rng(seed);
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    if (i) out += (per_line && i % per_line == 0) ? '\n' : ' ';
    int len = 3 + static_cast<int>(rng() % 6);
    for (int k = 0; k < len; ++k) out += static_cast<char>('a' + rng() % 26);
  }
  return out;
}

std::unique_ptr<PluginHarness> Make(const std::string& config) {
  auto h = PluginHarness::Create("cleaner/quality", config);
  REQUIRE(h.ok());
  return std::move(h).value();
}

std::string Row(std::string_view text) {
  std::string out = "{\"id\":1,\"text\":";
  winnow::AppendJsonString(out, text);
  return out + "}";
}

Value Parse(const std::string& json) {
  auto v = Value::Parse(json);
  REQUIRE(v.ok());
  return std::move(v).value();
}

}  // namespace

TEST_CASE("tokenizer splits like spaCy's English tokenizer", "[quality][tokenizer]") {
  using V = std::vector<std::string>;
  CHECK(Tokens("Hello, world! It's a well-known fact (really).") ==
        V{"Hello", ",", "world", "!", "It", "'s", "a", "well", "-", "known", "fact", "(", "really",
          ")", "."});
  CHECK(Tokens("I don't know. Can't you?") ==
        V{"I", "do", "n't", "know", ".", "Ca", "n't", "you", "?"});
  CHECK(Tokens("U.S. Mr. Smith e.g. etc. A. USA.") ==
        V{"U.S.", "Mr.", "Smith", "e.g.", "etc", ".", "A.", "USA", "."});
  CHECK(Tokens("wait... what\xE2\x80\xA6now") == V{"wait", "...", "what", "\xE2\x80\xA6", "now"});
  CHECK(Tokens("See http://example.com/a/b. ok") == V{"See", "http://example.com/a/b", ".", "ok"});
  CHECK(Tokens("5km 50% $100 1-2 end.Start a,b a/b") == V{"5", "km", "50", "%", "$", "100", "1",
                                                          "-", "2", "end", ".", "Start", "a", ",",
                                                          "b", "a", "/", "b"});
  CHECK(Tokens("\"Quoted,\" he said.") == V{"\"", "Quoted", ",", "\"", "he", "said", "."});
  CHECK(Tokens("cannot gonna John's") == V{"can", "not", "gon", "na", "John", "'s"});
  CHECK(Tokens("  \t\n ").empty());
  CHECK(Tokens("").empty());
  // No spaces: one token per run (Chinese, Thai).
  CHECK(Tokens("\xE8\xBF\x99\xE6\x98\xAF\xE4\xB8\xAD\xE6\x96\x87\xE3\x80\x82").size() == 2);
}

TEST_CASE("python line and whitespace helpers", "[quality][tokenizer]") {
  std::vector<std::string> lines;
  size_t n = winnow::quality::ForEachSplitLine(
      "a\r\nb\rc\n\nd\xE2\x80\xA8"
      "e\n",
      [&](std::string_view l) { lines.emplace_back(l); });
  CHECK(n == 6);
  CHECK(lines == std::vector<std::string>{"a", "b", "c", "", "d", "e"});
  CHECK(winnow::quality::ForEachSplitLine("", [](std::string_view) {}) == 0);
  CHECK(winnow::quality::PyStrip("\xC2\xA0 x y\t\xE3\x80\x80") == "x y");
  CHECK(winnow::quality::CountChars("\xC3\xA9t\xC3\xA9") == 3);
}

TEST_CASE("a clean document passes every preset unchanged", "[quality][rules]") {
  RuleSet rs;
  rs.presets = {Preset::kGopherRepetition, Preset::kGopherQuality, Preset::kC4, Preset::kFineWeb};
  Evaluation ev = Eval(kGood, rs, false);
  INFO((ev.failures.empty() ? "" : ev.failures[0].code + ": " + ev.failures[0].detail));
  CHECK(ev.failures.empty());
  CHECK_FALSE(ev.text_changed);
  CHECK(MetricOf(ev, Preset::kGopherQuality, "stop_words") >= 2);
  CHECK(MetricOf(ev, Preset::kC4, "sentences") == 8);
}

TEST_CASE("gopher_quality rules in datatrove's order", "[quality][gopher]") {
  RuleSet rs = Only(Preset::kGopherQuality);
  SECTION("word count") {
    Evaluation ev = Eval("Hello there, the world and the sky.", rs);
    CHECK(FirstCode(ev) == "gopher_quality:word_count");
    CHECK(ev.failures[0].detail == "7 words < 50");
    rs.gopher_quality.max_doc_words = 5;
    rs.gopher_quality.min_doc_words.reset();
    ev = Eval("Hello there, the world and the sky.", rs);
    CHECK(ev.failures[0].detail == "7 words > 5");
  }
  SECTION("mean word length") {
    Evaluation ev = Eval(Repeat("a an of to is it the be", 10), rs);
    CHECK(FirstCode(ev) == "gopher_quality:mean_word_length");
    CHECK(ev.failures[0].detail == "mean word length 2 < 3");
    ev = Eval(Repeat("internationalisation responsibilities the of", 20), rs);
    CHECK(FirstCode(ev) == "gopher_quality:mean_word_length");
    CHECK_THAT(ev.failures[0].detail, Catch::Contains("> 10"));
  }
  SECTION("hash and ellipsis per word") {
    CHECK(FirstCode(Eval(Repeat("#tag the word of story", 20), rs)) == "gopher_quality:hash_ratio");
    CHECK(FirstCode(Eval(Repeat("the word of story...", 20), rs)) ==
          "gopher_quality:ellipsis_ratio");
  }
  SECTION("bullet and ellipsis lines") {
    std::string bullets = Repeat("- the long list item of words that goes on and on", 10, "\n");
    CHECK(FirstCode(Eval(bullets, rs)) == "gopher_quality:bullet_lines");
    std::string dots = Repeat("the long line of words that goes on and on and then...", 10, "\n");
    CHECK(FirstCode(Eval(dots, rs)) == "gopher_quality:ellipsis_lines");
  }
  SECTION("words with a letter") {
    std::string nums = Repeat("the 1234 5678 9012 3456 and 7890 1122 3344 5566 with", 10);
    Evaluation ev = Eval(nums, rs);
    CHECK(FirstCode(ev) == "gopher_quality:alpha_words");
    CHECK(ev.failures[0].detail == "fraction of words with a letter 0.2727 < 0.8");
  }
  SECTION("stop words are case-sensitive and counted per occurrence") {
    std::string text = RandomWords(60, 1) + " The That";
    CHECK(FirstCode(Eval(text, rs)) == "gopher_quality:stop_words");
    CHECK(FirstCode(Eval(text + " the", rs)) == "gopher_quality:stop_words");
    CHECK(FirstCode(Eval(text + " the the", rs)) == "pass");
    rs.gopher_quality.stop_words = {"The"};
    rs.gopher_quality.min_stop_words = 1;
    CHECK(FirstCode(Eval(text, rs)) == "pass");
  }
  SECTION("a disabled rule is skipped") {
    rs.gopher_quality.min_doc_words.reset();
    rs.gopher_quality.min_stop_words.reset();
    // Punctuation tokens count in the letter ratio's denominator (4 of 6 here).
    CHECK(FirstCode(Eval("Hello there, the world.", rs)) == "gopher_quality:alpha_words");
    rs.gopher_quality.max_non_alpha_words_ratio.reset();
    CHECK(FirstCode(Eval("Hello there, the world.", rs)) == "pass");
  }
  SECTION("annotate mode reports every failing rule") {
    Evaluation ev = Eval("#a #b", rs, /*stop_at_first=*/false);
    std::vector<std::string> codes;
    for (const auto& f : ev.failures) codes.push_back(f.code);
    CHECK(codes ==
          std::vector<std::string>{"gopher_quality:word_count", "gopher_quality:mean_word_length",
                                   "gopher_quality:hash_ratio", "gopher_quality:alpha_words",
                                   "gopher_quality:stop_words"});
  }
}

TEST_CASE("gopher_repetition rules", "[quality][repetition]") {
  RuleSet rs = Only(Preset::kGopherRepetition);
  CHECK(FirstCode(Eval(kGood, rs)) == "pass");
  SECTION("duplicate paragraphs and lines") {
    std::string para = "One paragraph of text here.\n\nAnother one.\n\nOne paragraph of text here.";
    Evaluation ev = Eval(para, rs);
    CHECK(FirstCode(ev) == "gopher_repetition:dup_para_frac");
    CHECK(ev.failures[0].detail == "duplicate paragraph fraction 0.3333 > 0.3");
    std::string lines =
        RandomWords(40, 2) + "\nsame line\nsame line\nsame line\n" + RandomWords(40, 3);
    rs.gopher_repetition.dup_para_frac.reset();
    rs.gopher_repetition.dup_para_char_frac.reset();
    CHECK(FirstCode(Eval(lines, rs)) == "gopher_repetition:dup_line_frac");
  }
  SECTION("top n-grams") {
    // "of the" 30 times in a text of random words: the top 2-gram covers > 20%.
    std::string text = RandomWords(100, 4) + " " + Repeat("of the", 30);
    Evaluation ev = Eval(text, rs);
    CHECK(FirstCode(ev) == "gopher_repetition:top_2_gram");
    CHECK_THAT(ev.failures[0].detail, Catch::StartsWith("most common 2-gram covers"));
  }
  SECTION("duplicated n-grams") {
    std::string chunk = RandomWords(40, 5);
    std::string text = RandomWords(60, 6) + " " + chunk + " " + RandomWords(30, 7) + " " + chunk +
                       " " + RandomWords(10, 8) + " " + chunk;
    rs.gopher_repetition.top_n_grams.clear();
    Evaluation ev = Eval(text, rs, false);
    REQUIRE_FALSE(ev.failures.empty());
    CHECK(ev.failures[0].code == "gopher_repetition:dup_5_gram");
    // Two repeats of 40 words: the 5-gram duplicates cover every character of the
    // repeated words ("".join, no spaces).
    double expected = 2.0 * static_cast<double>(chunk.size() - 39) /
                      static_cast<double>(winnow::quality::CountChars(text));
    CHECK(MetricOf(ev, Preset::kGopherRepetition, "dup_5_gram") == Approx(expected).epsilon(1e-3));
  }
}

TEST_CASE("c4 removes lines and drops documents", "[quality][c4]") {
  RuleSet rs = Only(Preset::kC4);
  SECTION("line filters rewrite the text") {
    std::string text = std::string(kGood) +
                       "\nMenu\nThis site uses cookies to improve your experience.\n"
                       "Please enable JavaScript in your browser to see this.\n"
                       "A line with a citation at its end.[12]\n   Too short.\n";
    Evaluation ev = Eval(text, rs);
    CHECK(ev.failures.empty());
    REQUIRE(ev.text_changed);
    CHECK(ev.c4_lines_removed == 4);
    CHECK(ev.new_text == std::string(kGood) + "\nA line with a citation at its end.");
  }
  SECTION("document-level failures") {
    CHECK(FirstCode(Eval(std::string(kGood) + "\nLorem ipsum dolor sit amet, consectetur.", rs)) ==
          "c4:lorem_ipsum");
    CHECK(FirstCode(Eval(std::string(kGood) + "\nvar x = {a: 1} is code here.", rs)) ==
          "c4:curly_bracket");
    // A brace on a line already removed (no terminal punctuation) does not count.
    CHECK(FirstCode(Eval(std::string(kGood) + "\nfunction() { return 1 }", rs)) == "pass");
    Evaluation ev = Eval("One sentence here. Two sentences here.\nThree is here too!", rs);
    CHECK(FirstCode(ev) == "c4:too_few_sentences");
    CHECK(ev.failures[0].detail == "3 sentences < 5");
    CHECK_FALSE(ev.text_changed);
  }
  SECTION("overrides") {
    rs.c4.filter_no_terminal_punct = false;
    rs.c4.min_num_sentences.reset();
    Evaluation ev = Eval("A heading without a stop\nShort\nThe final sentence is here.", rs);
    CHECK(ev.failures.empty());
    CHECK(ev.new_text == "A heading without a stop\nThe final sentence is here.");
  }
}

TEST_CASE("later presets see the text c4 left", "[quality][c4]") {
  RuleSet rs;
  rs.presets = {Preset::kC4, Preset::kFineWeb};
  // Without c4, the many short lines fail fineweb; after c4 removed them it passes.
  std::string text = std::string(kGood) + Repeat("\nNav link", 40);
  CHECK(FirstCode(Eval(text, Only(Preset::kFineWeb))) == "fineweb:short_line_ratio");
  Evaluation ev = Eval(text, rs);
  CHECK(FirstCode(ev) == "pass");
  CHECK(ev.text_changed);
}

TEST_CASE("fineweb rules", "[quality][fineweb]") {
  RuleSet rs = Only(Preset::kFineWeb);
  CHECK(FirstCode(Eval(kGood, rs)) == "pass");
  std::string no_punct = Repeat("a line of text without any final stop at all here", 10, "\n");
  Evaluation ev = Eval(no_punct, rs);
  CHECK(FirstCode(ev) == "fineweb:line_punct_ratio");
  CHECK(ev.failures[0].detail == "fraction of lines ending with punctuation 0 <= 0.12");
  rs.fineweb.line_punct_exclude_zero = true;
  CHECK(FirstCode(Eval(no_punct, rs)) != "fineweb:line_punct_ratio");
  rs.fineweb.line_punct_exclude_zero = false;
  CHECK(FirstCode(Eval(std::string(kGood) + Repeat("\nShort line.", 30), rs)) ==
        "fineweb:short_line_ratio");
  std::string dup = std::string(kGood) + "\n" +
                    "Local guides offer tours that explain how the town "
                    "has changed over the centuries.";
  CHECK(FirstCode(Eval(dup, rs)) == "fineweb:char_dup_ratio");
  rs.fineweb.short_line_thr.reset();
  std::string list = "Items:\n" + Repeat("Apples.", 20, "\n");
  rs.fineweb.char_duplicates_ratio.reset();
  ev = Eval(list, rs);
  CHECK(FirstCode(ev) == "fineweb:list_ratio");
}

TEST_CASE("bad text has a defined outcome", "[quality][edge]") {
  RuleSet all;
  all.presets = {Preset::kGopherQuality, Preset::kGopherRepetition, Preset::kC4, Preset::kFineWeb};
  SECTION("empty text") {
    Evaluation ev = Eval("", all, false);
    std::vector<std::string> codes;
    for (const auto& f : ev.failures) codes.push_back(f.code);
    CHECK(codes ==
          std::vector<std::string>{"gopher_quality:word_count", "gopher_quality:alpha_words",
                                   "gopher_quality:stop_words", "c4:too_few_sentences",
                                   "fineweb:line_punct_ratio", "fineweb:short_line_ratio"});
    CHECK(FirstCode(Eval("", Only(Preset::kGopherRepetition))) == "pass");
  }
  SECTION("all punctuation") {
    Evaluation ev = Eval(Repeat("!!! ??? ... ,,, ;;; ---", 50), all);
    CHECK(FirstCode(ev) == "gopher_quality:word_count");
    CHECK(ev.failures[0].detail == "0 words < 50");
  }
  SECTION("scripts without spaces") {
    // 300 Chinese characters without spaces are a handful of "words".
    std::string zh;
    for (int i = 0; i < 100; ++i) zh += "\xE4\xB8\xAD\xE6\x96\x87\xE3\x80\x82";  // 中文。
    Evaluation ev = Eval(zh, all);
    CHECK(FirstCode(ev) == "gopher_quality:word_count");
    std::string th;
    for (int i = 0; i < 50; ++i)
      th += "\xE0\xB8\xAA\xE0\xB8\xA7\xE0\xB8\xB1\xE0\xB8\xAA\xE0\xB8\x94\xE0\xB8\xB5";
    CHECK(FirstCode(Eval(th, all)) == "gopher_quality:word_count");
  }
  SECTION("a 100 MB document is linear") {
    // 100,001 distinct 999-character words: every byte is scanned (tokenizer,
    // line and character counts) but the n-gram tables stay small, so this
    // stays cheap; the per-token passes are covered by the 8 MB case below.
    std::string big;
    big.reserve(100'001'000);
    std::string word(999, 'x');
    for (int i = 0; i < 100'001; ++i) {
      std::string id = std::to_string(i);
      std::copy(id.begin(), id.end(), word.begin());
      big += word;
      big += (i % 12 == 11) ? '\n' : ' ';
    }
    REQUIRE(big.size() > 100'000'000);
    Evaluation ev = Eval(big, Only(Preset::kGopherRepetition), false);
    REQUIRE(ev.reports.size() == 1);
    CHECK(ev.failures.empty());
    Evaluation ev2 = Eval(big, all);
    CHECK(FirstCode(ev2) == "gopher_quality:word_count");
    CHECK(ev2.failures[0].detail == "100001 words > 100000");
  }
  SECTION("an 8 MB document of 1.1 M words is linear") {
    std::string text = RandomWords(1'100'000, 9, 12);
    Evaluation ev = Eval(text, Only(Preset::kGopherRepetition), false);
    CHECK(ev.reports.size() == 1);
    Evaluation ev2 = Eval(text, all);
    CHECK(FirstCode(ev2) == "gopher_quality:word_count");
    CHECK_THAT(ev2.failures[0].detail, Catch::EndsWith(" words > 100000"));
  }
}

// ------------------------------------------------------------------ through the host

TEST_CASE("plugin drop mode: reason, detail, c4 rewrite", "[quality][plugin]") {
  auto h = Make(R"({"presets": ["gopher_quality", "c4"]})");
  std::string with_menu = std::string(kGood) + "\nMenu";
  auto out = h->RunStage({Row(kGood), Row("Too short."), Row(with_menu)});
  REQUIRE(out.ok());
  REQUIRE(out->rows.size() == 2);
  CHECK(Parse(out->rows[0]).find("text")->as_string() == kGood);
  CHECK(Parse(out->rows[1]).find("text")->as_string() == kGood);  // "Menu" removed
  REQUIRE(out->rejects.size() == 1);
  CHECK(out->rejects[0].kind == winnow::RejectKind::kDrop);
  CHECK(out->rejects[0].reason == "gopher_quality:word_count");
  CHECK(out->rejects[0].detail == "2 words < 50");
  CHECK(out->counters["kept"] == 2);
  CHECK(out->counters["dropped"] == 1);
  CHECK(out->counters["c4.lines_removed"] == 1);
}

TEST_CASE("plugin annotate mode keeps rows and text", "[quality][plugin]") {
  auto h = Make(R"({"presets": ["c4", "gopher_quality"], "mode": "annotate",
                   "gopher_quality": {"min_stop_words": 3}})");
  std::string with_menu = std::string(kGood) + "\nMenu";
  auto out = h->RunStage({Row(with_menu), Row("Too short.")});
  REQUIRE(out.ok());
  REQUIRE(out->rows.size() == 2);
  CHECK(out->rejects.empty());
  Value first = Parse(out->rows[0]);
  CHECK(first.find("text")->as_string() == with_menu);  // not rewritten
  const Value* q = first.find("quality");
  REQUIRE(q);
  CHECK(q->find("failed")->size() == 0);
  CHECK(q->find("c4")->find("lines_removed")->as_int() == 1);
  CHECK(q->find("gopher_quality")->find("words")->as_int() > 50);
  Value second = Parse(out->rows[1]);
  const Value* q2 = second.find("quality");
  REQUIRE(q2);
  CHECK(q2->find("failed")->as_array().at(0).as_string() == "c4:too_few_sentences");
  CHECK(q2->find("detail")->as_string() == "0 sentences < 5");  // "Too short." has < 3 words
  CHECK(out->counters["would_drop.c4:too_few_sentences"] == 1);
  CHECK(out->counters["would_drop.gopher_quality:word_count"] == 1);
}

TEST_CASE("plugin bad input", "[quality][plugin]") {
  auto h = Make(R"({"presets": ["fineweb"]})");
  // Invalid UTF-8 never reaches the plugin through the engine: the source rejects the
  // line as malformed_json (the plugin's own invalid_utf8 check guards records that
  // other stages built).
  auto out = h->RunStage({R"({"id": 1})", R"({"text": null})", R"({"text": 5})",
                          "{\"text\": \"bad \xFF\xFE utf8\"}", R"({"text": ""})"});
  REQUIRE(out.ok());
  CHECK(out->rows.empty());
  REQUIRE(out->rejects.size() == 4);
  CHECK(out->rejects[0].reason == "missing_field");
  CHECK(out->rejects[0].kind == winnow::RejectKind::kError);
  CHECK(out->rejects[1].reason == "missing_field");
  CHECK(out->rejects[2].reason == "wrong_type");
  CHECK_THAT(out->rejects[2].detail, Catch::Contains("number"));
  CHECK(out->rejects[3].reason == "fineweb:line_punct_ratio");

  auto pass = Make(R"({"presets": ["fineweb"], "on_missing": "pass"})");
  auto out2 = pass->RunStage({R"({"id": 1})", R"({"text": null})"});
  REQUIRE(out2.ok());
  CHECK(out2->rows.size() == 2);
  CHECK(out2->counters["missing_passed"] == 2);
}

TEST_CASE("plugin output does not depend on batch size", "[quality][plugin]") {
  auto h = Make(R"({"presets": ["gopher_repetition", "gopher_quality", "c4", "fineweb"],
                   "mode": "annotate"})");
  std::vector<std::string> rows;
  for (uint32_t i = 0; i < 40; ++i) {
    rows.push_back(
        Row(i % 3 ? std::string(kGood) + "\n" + RandomWords(30 + i, i, 7) : RandomWords(80, i)));
  }
  auto a = h->RunStage(rows, 1);
  auto b = h->RunStage(rows, 1000);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a->rows == b->rows);
}

TEST_CASE("plugin config errors name the key", "[quality][plugin][config]") {
  auto expect_error = [](const std::string& config, const std::string& fragment) {
    auto h = PluginHarness::Create("cleaner/quality", config);
    REQUIRE_FALSE(h.ok());
    INFO(h.status().message());
    CHECK_THAT(h.status().message(), Catch::Contains(fragment));
  };
  expect_error(R"({})", "presets");
  expect_error(R"({"presets": ["gopher_qualty"]})", "did you mean 'gopher_quality'");
  expect_error(R"({"presets": ["c4", "c4"]})", "listed twice");
  expect_error(R"({"presets": ["c4"], "fineweb": {"line_punct_thr": 0.2}})",
               "not listed in presets");
  expect_error(R"({"presets": ["gopher_quality"], "gopher_quality": {"min_doc_word": 5}})",
               "did you mean 'min_doc_words'");
  expect_error(R"({"presets": ["gopher_quality"], "gopher_quality": {"min_doc_words": "x"}})",
               "must be a number");
  expect_error(R"({"presets": ["gopher_repetition"], "gopher_repetition": {"top_n_grams": [[2]]}})",
               "pair");
  expect_error(R"({"presets": ["c4"], "c4": {"filter_policy": 3}})", "true or false");

  // Valid overrides: null disables, n-gram maps merge.
  auto ok = PluginHarness::Create("cleaner/quality",
                                  R"({"presets": ["gopher_quality", "gopher_repetition"],
          "gopher_quality": {"min_doc_words": null, "min_stop_words": null},
          "gopher_repetition": {"top_n_grams": {"2": null, "3": null, "4": 0}, "dup_n_grams": null}})");
  REQUIRE(ok.ok());
  auto out = (*ok)->RunStage({Row("Hello there the world")});
  REQUIRE(out.ok());
  CHECK(out->rows.size() == 1);
}
