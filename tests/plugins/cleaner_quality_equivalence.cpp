// Equivalence of cleaner/quality's fast engine with the engine as it was before
// the speed rewrite (tests/plugins/cleaner_quality_ref_*, a frozen copy): same
// failures (codes and detail sentences), same metrics, same c4 rewrite, on real
// documents from ../shared/data and on random documents built to hit the edges
// the rewrite touched (tokenizer exceptions, repeated n-grams, c4 lines with
// citations, line breaks of every kind, non-ASCII text), for several preset
// orders and overrides, in drop and annotate mode.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "cleaner_quality_ref_rules.h"
#include "quality_rules.h"
#include "winnow/value.h"

namespace fs = std::filesystem;
using winnow::Value;
using winnow::quality::Engine;
using winnow::quality::Evaluation;
using winnow::quality::Preset;
using winnow::quality::RuleSet;
using winnow::quality_ref::RefEngine;

namespace {

fs::path SharedData() {
  if (const char* e = std::getenv("WINNOW_SHARED_DATA")) return e;
  return "../shared/data";
}

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Real documents: AlpacaEval answers, Hugging Face dataset cards (Markdown),
// news/blog article bodies, Common Crawl documents (Dolma JSONL).
std::vector<std::string> RealDocuments() {
  std::vector<std::string> docs;
  const fs::path root = SharedData();
  if (!fs::exists(root)) return docs;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(root / "instructions", ec)) {
    if (e.path().filename().string().rfind("alpaca-eval-", 0) != 0) continue;
    auto v = Value::Parse(ReadFile(e.path()));
    if (!v.ok() || !v->is_array()) continue;
    for (const auto& item : v->as_array()) {
      const Value* out = item.find("output");
      if (out && out->is_string()) docs.push_back(out->as_string());
    }
  }
  std::vector<fs::path> cards;
  for (const auto& e : fs::directory_iterator(root / "hf-dataset-cards", ec)) {
    cards.push_back(e.path());
  }
  std::sort(cards.begin(), cards.end());
  for (const auto& p : cards) docs.push_back(ReadFile(p));
  if (auto v = Value::Parse(ReadFile(root / "web" / "article-extraction-ground-truth.json"));
      v.ok() && v->is_object()) {
    for (const auto& [id, item] : v->as_object()) {
      const Value* body = item.find("articleBody");
      if (body && body->is_string()) docs.push_back(body->as_string());
    }
  }
  for (const char* name :
       {"multiple_files_cc_en_head-0091.jsonl", "multiple_files_cc_en_head-0174.jsonl"}) {
    std::istringstream lines(ReadFile(root / "web" / "dolma-tests" / name));
    std::string line;
    while (std::getline(lines, line)) {
      auto v = Value::Parse(line);
      if (!v.ok()) continue;
      const Value* text = v->find("text");
      if (text && text->is_string()) docs.push_back(text->as_string());
    }
  }
  return docs;
}

// Random documents from pieces that exercise the tokenizer and every rule.
std::string RandomDocument(std::mt19937& rng) {
  static const char* const kPieces[] = {"the",
                                        "of",
                                        "and",
                                        "to",
                                        "that",
                                        "have",
                                        "with",
                                        "be",
                                        "The",
                                        "city",
                                        "river",
                                        "market",
                                        "history",
                                        "people",
                                        "university",
                                        "internationalisation",
                                        "a",
                                        "I",
                                        "it",
                                        "is",
                                        "was",
                                        "don't",
                                        "can't",
                                        "I'm",
                                        "you'll",
                                        "they're",
                                        "she's",
                                        "John's",
                                        "gonna",
                                        "cannot",
                                        "y'all",
                                        "o'clock",
                                        "lovin'",
                                        "ma'am",
                                        "it\xE2\x80\x99s",
                                        "don\xE2\x80\x99t",
                                        "Mr.",
                                        "Dr.",
                                        "e.g.",
                                        "i.e.",
                                        "U.S.",
                                        "a.m.",
                                        "3pm",
                                        "10a.m.",
                                        "Inc.",
                                        "St.",
                                        "vs.",
                                        "Jan.",
                                        "etc.",
                                        "A.",
                                        "USA.",
                                        "end.",
                                        "word,",
                                        "word;",
                                        "(really)",
                                        "\"quoted\"",
                                        "'single'",
                                        "\xE2\x80\x9C"
                                        "curly\xE2\x80\x9D",
                                        "well-known",
                                        "state-of-the-art",
                                        "a--b",
                                        "1-2",
                                        "3+4",
                                        "x^2",
                                        "5km",
                                        "50%",
                                        "$100",
                                        "US$5",
                                        "\xE2\x82\xAC"
                                        "20",
                                        "20\xC2\xB0"
                                        "C.",
                                        "km/h",
                                        "and/or",
                                        "w/o",
                                        "a/b",
                                        "a,b",
                                        "end.Start",
                                        "wait...",
                                        "what\xE2\x80\xA6",
                                        "...",
                                        "\xE2\x80\xA6",
                                        "#",
                                        "#tag",
                                        "##",
                                        "http://example.com/a/b.",
                                        "www.example.org",
                                        "example.com/path",
                                        "user@example.com",
                                        "caf\xC3\xA9",
                                        "na\xC3\xAFve",
                                        "\xC3\x9C"
                                        "ber",
                                        "\xE4\xB8\xAD\xE6\x96\x87\xE3\x80\x82",
                                        "\xE0\xB8\xAA\xE0\xB8\xA7\xE0\xB8\xB1\xE0\xB8\xAA",
                                        "\xF0\x9F\x98\x80",
                                        "\xE2\x9C\x94",
                                        "!",
                                        "?",
                                        ".",
                                        ",",
                                        ";",
                                        ":",
                                        "-",
                                        "--",
                                        "\xE2\x80\x94",
                                        "\xE2\x80\x93",
                                        "(",
                                        ")",
                                        "[",
                                        "]",
                                        "{",
                                        "}",
                                        "[12]",
                                        "[edit]",
                                        "[citation needed]",
                                        "[1][2]",
                                        "lorem ipsum",
                                        "JavaScript",
                                        "privacy policy",
                                        "uses cookies",
                                        "terms of use",
                                        "1234",
                                        "3.14",
                                        "1,000",
                                        "\xEF\xBC\x81",
                                        "\xD9\x85\xD8\xB1\xD8\xAD\xD8\xA8\xD8\xA7",
                                        "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82"};
  static const char* const kSeps[] = {" ",
                                      " ",
                                      " ",
                                      " ",
                                      " ",
                                      " ",
                                      " ",
                                      " ",
                                      "\n",
                                      "\n",
                                      "\n\n",
                                      "\r\n",
                                      "\t",
                                      "  ",
                                      "\xC2\xA0",
                                      "\xE2\x80\xA8",
                                      "\x0B",
                                      "\n- ",
                                      "\n\xE2\x80\xA2 ",
                                      ". ",
                                      "! ",
                                      "? ",
                                      "...\n",
                                      ".\n"};
  constexpr size_t kNP = sizeof(kPieces) / sizeof(kPieces[0]);
  constexpr size_t kNS = sizeof(kSeps) / sizeof(kSeps[0]);
  std::string doc;
  const size_t words = std::uniform_int_distribution<size_t>(0, 900)(rng);
  // Some documents draw from a few pieces (many repeated n-grams), some from all.
  const size_t vocab = (rng() % 3 == 0) ? 4 + rng() % 12 : kNP;
  const size_t sep_mode = rng() % 4;
  std::vector<std::string> lines_seen;
  for (size_t i = 0; i < words; ++i) {
    if (i) {
      if (sep_mode == 0) {
        doc += ' ';
      } else {
        doc += kSeps[rng() % (sep_mode == 1 ? 8 : kNS)];
      }
    }
    if (rng() % 40 == 0 && doc.size() > 20) {
      // Copy an earlier stretch (duplicate lines, paragraphs and n-grams).
      size_t from = rng() % doc.size();
      while (from > 0 && (static_cast<unsigned char>(doc[from]) & 0xC0) == 0x80) --from;
      size_t len = std::min<size_t>(doc.size() - from, 20 + rng() % 200);
      while (from + len < doc.size() &&
             (static_cast<unsigned char>(doc[from + len]) & 0xC0) == 0x80)
        ++len;
      std::string copy = doc.substr(from, len);
      doc += copy;
      continue;
    }
    doc += kPieces[rng() % vocab];
  }
  if (rng() % 5 == 0) doc += ".";
  if (rng() % 7 == 0) doc = "  \n" + doc + "\n\n ";
  return doc;
}

std::string Describe(const Evaluation& ev) {
  std::ostringstream out;
  for (const auto& f : ev.failures) out << "[" << f.code << ": " << f.detail << "] ";
  for (const auto& r : ev.reports) {
    out << winnow::quality::PresetName(r.preset) << "{";
    for (const auto& m : r.metrics) out << m.name << "=" << m.value << (m.integral ? "i " : " ");
    out << "} ";
  }
  out << "changed=" << ev.text_changed << " removed=" << ev.c4_lines_removed;
  if (ev.text_changed) out << " new_text=" << ev.new_text.size() << "B";
  return out.str();
}

bool Same(const Evaluation& a, const Evaluation& b) {
  if (a.failures.size() != b.failures.size() || a.reports.size() != b.reports.size()) return false;
  for (size_t i = 0; i < a.failures.size(); ++i) {
    if (a.failures[i].code != b.failures[i].code || a.failures[i].detail != b.failures[i].detail) {
      return false;
    }
  }
  for (size_t i = 0; i < a.reports.size(); ++i) {
    const auto& x = a.reports[i];
    const auto& y = b.reports[i];
    if (x.preset != y.preset || x.metrics.size() != y.metrics.size()) return false;
    for (size_t k = 0; k < x.metrics.size(); ++k) {
      if (std::string_view(x.metrics[k].name) != y.metrics[k].name ||
          x.metrics[k].integral != y.metrics[k].integral) {
        return false;
      }
      // Exact: both engines compute every value from the same integers.
      if (!(x.metrics[k].value == y.metrics[k].value) &&
          !(std::isnan(x.metrics[k].value) && std::isnan(y.metrics[k].value))) {
        return false;
      }
    }
  }
  return a.text_changed == b.text_changed && a.c4_lines_removed == b.c4_lines_removed &&
         (!a.text_changed || a.new_text == b.new_text);
}

struct Config {
  const char* name;
  RuleSet rules;
};

std::vector<Config> Configs() {
  std::vector<Config> out;
  RuleSet fineweb_order;  // datatrove's FineWeb recipe order
  fineweb_order.presets = {Preset::kGopherRepetition, Preset::kGopherQuality, Preset::kC4,
                           Preset::kFineWeb};
  out.push_back({"fineweb order", fineweb_order});
  RuleSet c4_first;
  c4_first.presets = {Preset::kC4, Preset::kFineWeb, Preset::kGopherQuality,
                      Preset::kGopherRepetition};
  out.push_back({"c4 first", c4_first});
  RuleSet gq;
  gq.presets = {Preset::kGopherQuality, Preset::kFineWeb};
  out.push_back({"gopher_quality + fineweb", gq});
  RuleSet odd;  // unsorted and unusual n-gram sizes, c4 without sentence minimum
  odd.presets = {Preset::kGopherRepetition, Preset::kC4, Preset::kFineWeb};
  odd.gopher_repetition.top_n_grams = {{4, 0.05}, {2, 0.1}, {1, 0.3}, {3, 0.08}, {12, 0.02}};
  odd.gopher_repetition.dup_n_grams = {{7, 0.05}, {5, 0.07}, {2, 0.2}, {11, 0.01}};
  odd.c4.min_num_sentences.reset();
  odd.c4.filter_no_terminal_punct = false;
  odd.c4.max_word_length = 12;
  out.push_back({"odd overrides", odd});
  return out;
}

// Compares both engines on `docs`; returns the number of evaluations compared.
size_t CompareAll(const std::vector<std::string>& docs, const Config& cfg, size_t stride) {
  Engine fast(cfg.rules);
  RefEngine ref(cfg.rules);
  auto scratch = Engine::NewScratch();
  Evaluation a, b;
  size_t compared = 0, mismatches = 0;
  for (size_t i = 0; i < docs.size(); i += stride) {
    for (int mode = 0; mode < 3; ++mode) {
      const bool stop = mode != 1;  // 0: drop, 1: annotate, 2: drop with metrics
      const bool collect = mode != 0;
      fast.Evaluate(docs[i], stop, collect, *scratch, &a);
      ref.Evaluate(docs[i], stop, collect, &b);
      ++compared;
      if (!Same(a, b) && ++mismatches <= 3) {
        INFO("config: " << cfg.name << ", mode " << mode << ", document " << i << " ("
                        << docs[i].size() << " bytes): " << docs[i].substr(0, 300));
        INFO("fast: " << Describe(a));
        INFO("reference: " << Describe(b));
        CHECK(false);
      }
    }
  }
  CHECK(mismatches == 0);
  return compared;
}

}  // namespace

TEST_CASE("fast engine equals the reference engine on real documents", "[quality][equivalence]") {
  std::vector<std::string> docs = RealDocuments();
  if (docs.empty()) {
    WARN("shared data not found at " << SharedData() << ": real-document comparison skipped");
    return;
  }
  REQUIRE(docs.size() > 1000);
  size_t n = 0;
  for (const Config& cfg : Configs()) n += CompareAll(docs, cfg, cfg.name[0] == 'f' ? 2 : 5);
  // The same documents joined in pairs: longer texts, more repeated lines.
  std::vector<std::string> joined;
  for (size_t i = 0; i + 1 < docs.size(); i += 11) joined.push_back(docs[i] + "\n" + docs[i + 1]);
  n += CompareAll(joined, Configs()[0], 1);
  CHECK(n > 3000);
}

TEST_CASE("fast engine equals the reference engine on random documents", "[quality][equivalence]") {
  std::mt19937 rng(12345);
  std::vector<std::string> docs;
  for (int i = 0; i < 1000; ++i) docs.push_back(RandomDocument(rng));
  docs.push_back("");
  docs.push_back("\n\n\n");
  docs.push_back("word");
  for (const Config& cfg : Configs()) CompareAll(docs, cfg, 1);
}
