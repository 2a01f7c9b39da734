#include <catch2/catch.hpp>

#include "harness/plugin_harness.h"

using winnow::testing::PluginHarness;

namespace {
std::vector<std::string> Rows() {
  return {R"({"id": 1, "text": "hello world", "lang": "en", "score": 0.9, "tags": ["a"]})",
          R"({"id": 2, "text": "hallo", "lang": "de", "score": 0.2})",
          R"({"id": 3, "text": "", "lang": "en", "score": 0.5, "meta": {"src": "web"}})",
          R"({"id": 4, "lang": "fr", "score": "high"})"};
}
size_t Kept(const char* where) {
  auto h = PluginHarness::Create("transform/filter", std::string(R"({"where": )") + where + "}");
  REQUIRE(h.ok());
  auto out = (*h)->RunStage(Rows());
  REQUIRE(out.ok());
  return out->rows.size();
}
}  // namespace

TEST_CASE("transform/filter operators") {
  CHECK(Kept(R"({"field": "text", "exists": true})") == 3);
  CHECK(Kept(R"({"field": "text", "exists": false})") == 1);
  CHECK(Kept(R"({"field": "lang", "equals": "en"})") == 2);
  CHECK(Kept(R"({"field": "lang", "in": ["de", "fr"]})") == 2);
  CHECK(Kept(R"({"field": "text", "contains": "ll"})") == 2);
  CHECK(Kept(R"({"field": "tags", "contains": "a"})") == 1);
  CHECK(Kept(R"({"field": "text", "regex": "^h[ae]l"})") == 2);
  CHECK(Kept(R"({"field": "text", "min_length": 5})") == 2);
  CHECK(Kept(R"({"field": "text", "max_length": 0})") == 1);
  CHECK(Kept(R"({"field": "score", "gte": 0.5})") == 2);
  CHECK(Kept(R"({"field": "score", "lt": 0.5})") == 1);
  CHECK(Kept(R"({"field": "meta.src", "equals": "web"})") == 1);
}

TEST_CASE("transform/filter combinators") {
  CHECK(Kept(R"({"all": [{"field": "lang", "equals": "en"}, {"field": "score", "gt": 0.6}]})") == 1);
  CHECK(Kept(R"({"any": [{"field": "lang", "equals": "de"}, {"field": "id", "equals": 4}]})") == 2);
  CHECK(Kept(R"({"not": {"field": "lang", "equals": "en"}})") == 2);
}

TEST_CASE("transform/filter explains drops and can annotate instead") {
  auto h = PluginHarness::Create("transform/filter",
                                 R"({"where": {"field": "score", "gte": 0.5}, "reason": "low"})");
  REQUIRE(h.ok());
  auto out = (*h)->RunStage(Rows());
  REQUIRE(out.ok());
  REQUIRE(out->rejects.size() == 2);
  CHECK(out->rejects[0].reason == "filter:low");
  CHECK_THAT(out->rejects[0].detail, Catch::Contains("score gte 0.5"));
  auto a = PluginHarness::Create("transform/filter",
                                 R"({"where": {"field": "score", "gte": 0.5}, "mode": "annotate"})");
  REQUIRE(a.ok());
  auto annotated = (*a)->RunStage(Rows());
  REQUIRE(annotated.ok());
  CHECK(annotated->rows.size() == 4);
  CHECK_THAT(annotated->rows[1], Catch::Contains(R"("filter_pass":false)"));
}

TEST_CASE("transform/filter reports bad conditions with their key path") {
  auto bad_regex = PluginHarness::Create("transform/filter",
                                         R"({"where": {"all": [{"field": "a", "regex": "("}]}})");
  REQUIRE_FALSE(bad_regex.ok());
  CHECK_THAT(bad_regex.status().message(), Catch::Contains("where.all.0.regex"));
  auto bad_op = PluginHarness::Create("transform/filter", R"({"where": {"field": "a", "equal": 1}})");
  REQUIRE_FALSE(bad_op.ok());
  CHECK_THAT(bad_op.status().message(), Catch::Contains("did you mean 'equals'"));
}
