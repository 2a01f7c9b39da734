// Tests for cleaner/diversity_sample: black-box through the PluginHarness
// (global two-pass stage), plus the selection kernel compiled into this test.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "diversity_sample_select.h"
#include "harness/plugin_harness.h"
#include "winnow/value.h"

using winnow::RejectKind;
using winnow::testing::HarnessOutput;
using winnow::testing::PluginHarness;
namespace dv = winnow::diversity;

namespace {

std::string Row(const std::string& text, int topic) {
  std::string json = "{\"topic\":" + std::to_string(topic) + ",\"text\":";
  winnow::AppendJsonString(json, text);
  return json + "}";
}

// A letters-only word for (topic, j): digits would be folded by the tokenizer.
std::string Word(int topic, int j) {
  std::string w = "w";
  int x = topic * 997 + j * 13 + 5;
  for (int k = 0; k < 4; ++k) {
    w.push_back(static_cast<char>('a' + x % 26));
    x /= 26;
  }
  return w + static_cast<char>('a' + topic);
}

// `topics` groups of `per_topic` rows; each row draws 25 words from its
// topic's 60-word vocabulary. Rows are interleaved (topic = i % topics).
std::vector<std::string> TopicRows(int topics, int per_topic) {
  std::vector<std::string> rows;
  uint64_t state = 12345;
  for (int i = 0; i < topics * per_topic; ++i) {
    int topic = i % topics;
    std::string text;
    for (int w = 0; w < 25; ++w) {
      state = state * 6364136223846793005ULL + 1442695040888963407ULL;
      text += (w ? " " : "") + Word(topic, static_cast<int>((state >> 33) % 60));
    }
    rows.push_back(Row(text, topic));
  }
  return rows;
}

HarnessOutput Run(const std::string& config, const std::vector<std::string>& rows,
                  size_t batch_size = 1000) {
  auto h = PluginHarness::Create("cleaner/diversity_sample", config);
  if (!h.ok()) FAIL(h.status().ToString());
  auto out = (*h)->RunStage(rows, batch_size);
  if (!out.ok()) FAIL(out.status().ToString());
  return std::move(out).value();
}

std::string RunError(const std::string& config) {
  auto h = PluginHarness::Create("cleaner/diversity_sample", config);
  if (!h.ok()) return h.status().ToString();
  auto out = (*h)->RunStage({Row("a b c", 0)});
  REQUIRE_FALSE(out.ok());
  return out.status().ToString();
}

winnow::Value Parse(const std::string& json) {
  auto v = winnow::Value::Parse(json);
  REQUIRE(v.ok());
  return *v;
}

std::set<int64_t> Topics(const HarnessOutput& out) {
  std::set<int64_t> t;
  for (const auto& r : out.rows) t.insert(Parse(r).find("topic")->as_int());
  return t;
}

std::vector<uint64_t> Ordinals(const HarnessOutput& out) {
  std::vector<uint64_t> o;
  for (const auto& id : out.row_ids) o.push_back(id.ordinal);
  return o;
}

}  // namespace

TEST_CASE("kcenter picks one row per topic and drops the rest", "[diversity_sample]") {
  auto rows = TopicRows(6, 30);
  for (const char* rep : {"minhash", "tfidf"}) {
    INFO(rep);
    auto out =
        Run(std::string(R"({"k": 6, "clusters": 6, "representation": ")") + rep + "\"}", rows);
    REQUIRE(out.rows.size() == 6);
    CHECK(Topics(out).size() == 6);  // every topic covered
    REQUIRE(out.rejects.size() == rows.size() - 6);
    CHECK(out.rejects[0].kind == RejectKind::kDrop);
    CHECK(out.rejects[0].reason == "diversity_sample:not_selected");
    CHECK(out.counters["clusters_total"] == 6);
    CHECK(out.counters["clusters_covered"] == 6);
    CHECK(out.counters["selected"] == 6);
    CHECK(out.counters["rows_sampled"] == 180);
  }
}

TEST_CASE("selection is deterministic across batch sizes and depends on the seed",
          "[diversity_sample]") {
  auto rows = TopicRows(5, 40);
  for (const char* method : {"kcenter", "stratified"}) {
    INFO(method);
    std::string cfg = std::string(R"({"k": 17, "method": ")") + method + "\"}";
    auto a = Run(cfg, rows, 1000);
    auto b = Run(cfg, rows, 7);
    auto c = Run(cfg, rows, 1);
    REQUIRE(a.rows.size() == 17);
    CHECK(Ordinals(a) == Ordinals(b));
    CHECK(Ordinals(a) == Ordinals(c));
    CHECK(a.rows == b.rows);
    auto d = Run(std::string(R"({"k": 17, "seed": 7, "method": ")") + method + "\"}", rows);
    CHECK(d.rows.size() == 17);
    CHECK(Ordinals(d) != Ordinals(a));
  }
}

TEST_CASE("stratified sampling spreads k over clusters by size", "[diversity_sample]") {
  auto rows = TopicRows(4, 25);
  auto out = Run(R"({"k": 12, "method": "stratified", "clusters": 4})", rows);
  REQUIRE(out.rows.size() == 12);
  std::map<int64_t, int> per_topic;
  for (const auto& r : out.rows) ++per_topic[Parse(r).find("topic")->as_int()];
  REQUIRE(per_topic.size() == 4);
  for (const auto& [t, n] : per_topic) CHECK(n == 3);
  CHECK(out.counters["clusters_covered"] == 4);
}

TEST_CASE("fraction and annotate mode", "[diversity_sample]") {
  auto rows = TopicRows(3, 20);
  auto out = Run(R"({"fraction": 0.1, "mode": "annotate", "clusters": 3})", rows);
  REQUIRE(out.rows.size() == 60);
  CHECK(out.rejects.empty());
  int selected = 0;
  std::map<int64_t, std::set<int64_t>> topic_clusters;
  for (const auto& r : out.rows) {
    auto v = Parse(r);
    REQUIRE(v.find("selected"));
    REQUIRE(v.find("cluster"));
    selected += v.find("selected")->as_bool();
    topic_clusters[v.find("topic")->as_int()].insert(v.find("cluster")->as_int());
  }
  CHECK(selected == 6);
  // The reference clusters are the topics.
  for (const auto& [t, cl] : topic_clusters) CHECK(cl.size() == 1);
  CHECK(out.counters["clusters_total"] == 3);
}

TEST_CASE("diversity_sample bad input", "[diversity_sample][bad]") {
  SECTION("missing, null and non-string fields") {
    std::vector<std::string> rows = {Row("alpha beta gamma", 0), R"({"x": 1})", R"({"text": null})",
                                     R"({"text": 5})", Row("delta epsilon", 1)};
    auto out = Run(R"({"k": 1})", rows);
    CHECK(out.rows.size() == 1);
    REQUIRE(out.rejects.size() == 4);
    std::map<std::string, int> reasons;
    for (const auto& r : out.rejects) {
      ++reasons[r.reason];
      CHECK(r.kind ==
            (r.reason == "diversity_sample:not_selected" ? RejectKind::kDrop : RejectKind::kError));
    }
    CHECK(reasons["diversity_sample:missing_field"] == 2);
    CHECK(reasons["diversity_sample:wrong_type"] == 1);
    CHECK(reasons["diversity_sample:not_selected"] == 1);
    auto passed = Run(R"({"k": 1, "on_missing": "pass"})", rows);
    CHECK(passed.rows.size() == 3);  // the selected row + two passed through
    CHECK(passed.counters["passed_unsampled"] == 2);
  }
  SECTION("empty texts, k larger than the input, empty input") {
    auto out = Run(R"({"k": 10})", {Row("", 0), Row("", 1), Row("some words here", 2)});
    CHECK(out.rows.size() == 3);
    CHECK(Run(R"({"k": 3})", {}).rows.empty());
    auto one = Run(R"({"k": 1})", {Row("", 0), Row("", 1)});
    CHECK(one.rows.size() == 1);
  }
}

TEST_CASE("diversity_sample config errors", "[diversity_sample][config]") {
  CHECK(RunError("{}").find("k") != std::string::npos);
  CHECK(RunError(R"({"k": 3, "fraction": 0.5})").find("fraction") != std::string::npos);
  CHECK(RunError(R"({"k": 3, "representation": "bert"})").find("representation") !=
        std::string::npos);
  CHECK(RunError(R"({"fraction": 2})").find("fraction") != std::string::npos);
}

// ------------------------------------------------------------------ kernel

TEST_CASE("selection kernel: farthest point and stratified quotas", "[diversity_sample][kernel]") {
  std::vector<uint32_t> a(8, 1), b(8, 1);
  CHECK(dv::MinHashDistance(a.data(), b.data(), 8) == 0.0f);
  b[0] = b[1] = 2;
  CHECK(dv::MinHashDistance(a.data(), b.data(), 8) == Approx(0.25));

  // Three groups of points on a line-like metric built from signatures.
  std::vector<dv::Sketch> sk;
  std::vector<uint64_t> keys;
  for (int g = 0; g < 3; ++g) {
    for (int i = 0; i < 10; ++i) {
      dv::Sketch s;
      s.sig.assign(16, static_cast<uint32_t>(g * 100));
      s.sig[15] = static_cast<uint32_t>(i);  // small differences inside a group
      sk.push_back(s);
      keys.push_back(static_cast<uint64_t>((g * 10 + i) * 7919 % 31));
    }
  }
  dv::SelectOptions opt;
  opt.k = 3;
  opt.clusters = 3;
  auto r = dv::Select(sk, keys, opt);
  std::set<uint32_t> groups;
  for (size_t i = 0; i < sk.size(); ++i) {
    if (r.selected[i]) groups.insert(static_cast<uint32_t>(i / 10));
    CHECK(r.cluster[i] == r.cluster[(i / 10) * 10]);  // groups are clusters
  }
  CHECK(groups.size() == 3);
  CHECK(r.clusters_covered == 3);
  opt.stratified = true;
  opt.k = 9;
  opt.threads = 2;
  auto s = dv::Select(sk, keys, opt);
  CHECK(std::count(s.selected.begin(), s.selected.end(), 1) == 9);
  for (int g = 0; g < 3; ++g) {
    CHECK(std::count(s.selected.begin() + g * 10, s.selected.begin() + g * 10 + 10, 1) == 3);
  }
  // Cancellation is honoured.
  opt.cancelled = [] { return true; };
  CHECK(dv::Select(sk, keys, opt).cancelled);
}
