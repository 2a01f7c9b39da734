#include <catch2/catch.hpp>

#include "harness/plugin_harness.h"

using winnow::testing::PluginHarness;

TEST_CASE("transform/select renames, drops and keeps") {
  auto h = PluginHarness::Create(
      "transform/select", R"({"rename": {"content": "text"}, "drop": ["junk"], "keep": ["id", "text"]})");
  REQUIRE(h.ok());
  auto out = (*h)->RunStage({R"({"id": 1, "content": "hi", "junk": 2, "other": 3})"});
  REQUIRE(out.ok());
  REQUIRE(out->rows.size() == 1);
  CHECK(out->rows[0] == R"({"id":1,"text":"hi"})");
}

TEST_CASE("transform/select can reject rows missing a named field") {
  auto h = PluginHarness::Create("transform/select",
                                 R"({"keep": ["id", "text"], "on_missing": "reject"})");
  REQUIRE(h.ok());
  auto out = (*h)->RunStage({R"({"id": 1, "text": "a"})", R"({"id": 2})"});
  REQUIRE(out.ok());
  CHECK(out->rows.size() == 1);
  REQUIRE(out->rejects.size() == 1);
  CHECK(out->rejects[0].reason == "select:missing_field");
  CHECK_THAT(out->rejects[0].detail, Catch::Contains("'text'"));
}

TEST_CASE("transform/select refuses a non-string rename target") {
  auto h = PluginHarness::Create("transform/select", R"({"rename": {"a": 3}})");
  REQUIRE_FALSE(h.ok());
  CHECK_THAT(h.status().message(), Catch::Contains("rename.a"));
}
