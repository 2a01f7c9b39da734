#include <catch2/catch.hpp>

#include "harness/plugin_harness.h"

using winnow::testing::PluginHarness;

TEST_CASE("transform/template fills fields from nested paths") {
  auto h = PluginHarness::Create(
      "transform/template",
      R"J({"fields": {"prompt": "Q: {{q}} ({{meta.lang}}, {{tags.1}})", "copy": "{{q}}"}})J");
  REQUIRE(h.ok());
  auto out = (*h)->RunStage({R"({"q": "why?", "meta": {"lang": "en"}, "tags": ["a", "b"]})"});
  REQUIRE(out.ok());
  REQUIRE(out->rows.size() == 1);
  CHECK_THAT(out->rows[0], Catch::Contains(R"J("prompt":"Q: why? (en, b)")J"));
  CHECK_THAT(out->rows[0], Catch::Contains(R"("copy":"why?")"));
}

TEST_CASE("transform/template rejects rows missing a field, naming it") {
  auto h = PluginHarness::Create("transform/template", R"({"fields": {"p": "{{a}} {{b}}"}})");
  REQUIRE(h.ok());
  auto out = (*h)->RunStage({R"({"a": "x", "b": "y"})", R"({"a": "x"})"});
  REQUIRE(out.ok());
  CHECK(out->rows.size() == 1);
  REQUIRE(out->rejects.size() == 1);
  CHECK(out->rejects[0].reason == "template:missing_field");
  CHECK_THAT(out->rejects[0].detail, Catch::Contains("'b'"));
}

TEST_CASE("transform/template can insert empty text for missing fields") {
  auto h = PluginHarness::Create("transform/template",
                                 R"({"fields": {"p": "[{{a}}]"}, "on_missing": "empty"})");
  REQUIRE(h.ok());
  auto out = (*h)->RunStage({R"({"b": 1})"});
  REQUIRE(out.ok());
  REQUIRE(out->rows.size() == 1);
  CHECK_THAT(out->rows[0], Catch::Contains(R"("p":"[]")"));
}

TEST_CASE("transform/template refuses a broken template at configuration time") {
  auto h = PluginHarness::Create("transform/template", R"({"fields": {"p": "{{a"}})");
  REQUIRE_FALSE(h.ok());
  CHECK_THAT(h.status().message(), Catch::Contains("fields.p"));
}
