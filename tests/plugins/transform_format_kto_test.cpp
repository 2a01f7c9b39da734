// transform/format_kto through PluginHarness: labels from a boolean field
// (source/feedback's thumbs_kto shape) or from rating thresholds, styles and
// every reject path.
#include <catch2/catch.hpp>

#include "harness/plugin_harness.h"
#include "transform_format_testing.h"

using winnow::testing::HarnessOutput;
using winnow::testing::PluginHarness;

namespace {

HarnessOutput Run(const std::string& config, const std::vector<std::string>& rows,
                  size_t batch_size = 1000) {
  auto h = PluginHarness::Create("transform/format_kto", config);
  if (!h.ok()) FAIL(h.status().ToString());
  auto out = (*h)->RunStage(rows, batch_size);
  if (!out.ok()) FAIL(out.status().ToString());
  return std::move(*out);
}

std::string RejectOf(const std::string& config, const std::string& row) {
  auto out = Run(config, {row});
  REQUIRE(out.rows.empty());
  REQUIRE(out.rejects.size() == 1);
  const auto& r = out.rejects[0];
  return std::string(r.kind == winnow::RejectKind::kDrop ? "drop " : "error ") + r.reason + " | " +
         r.detail;
}

}  // namespace

TEST_CASE("format_kto keeps the feedback source's thumbs_kto rows as they are",
          "[transform_format_kto]") {
  std::vector<std::string> rows = {R"({"prompt":"p1","completion":"c1","label":true})",
                                   R"({"prompt":"p2","completion":"c2","label":false})"};
  auto out = Run("{}", rows);
  CHECK(out.rows == rows);
  CHECK(out.counters["format_kto.rows"] == 2);
  CHECK(out.counters["format_kto.desirable"] == 1);
  CHECK(out.counters["format_kto.undesirable"] == 1);
}

TEST_CASE("format_kto reads labels as booleans, 1/0 or true/false text", "[transform_format_kto]") {
  auto out = Run(R"({"label_field": "thumb", "keep": ["user"]})",
                 {R"({"user":"u","instruction":"p","generation":"c","thumb":1})",
                  R"({"instruction":"p","generation":"c","thumb":"FALSE"})"});
  REQUIRE(out.rows.size() == 2);
  CHECK(out.rows[0] == R"({"user":"u","prompt":"p","completion":"c","label":true})");
  CHECK(out.rows[1] == R"({"prompt":"p","completion":"c","label":false})");
  CHECK(RejectOf("{}", R"({"prompt":"p","completion":"c","label":"maybe"})") ==
        "error format_kto:bad_label | the field 'label' holds \"maybe\", not a boolean "
        "(true/false or 1/0)");
  CHECK(RejectOf("{}", R"({"prompt":"p","completion":"c","label":2})") ==
        "error format_kto:bad_label | the field 'label' holds 2, not a boolean (true/false or "
        "1/0)");
  CHECK(RejectOf("{}", R"({"prompt":"p","completion":"c"})") ==
        "error format_kto:missing_field | the field 'label' is missing or null");
}

TEST_CASE("format_kto labels from a rating threshold", "[transform_format_kto]") {
  std::string cfg = R"({"label_from": "rating", "keep": "*"})";
  auto out = Run(cfg, {R"({"prompt":"p","completion":"c","rating":5,"id":1})",
                       R"({"prompt":"p","completion":"c","rating":1,"id":2})",
                       R"({"prompt":"p","completion":"c","rating":" 4.0 ","id":3})",
                       R"({"prompt":"p","completion":"c","rating":2,"id":4})"});
  REQUIRE(out.rows.size() == 4);
  CHECK(out.rows[0] == R"({"prompt":"p","completion":"c","id":1,"label":true})");
  CHECK(out.rows[1] == R"({"prompt":"p","completion":"c","id":2,"label":false})");
  CHECK(out.rows[2] == R"({"prompt":"p","completion":"c","id":3,"label":true})");
  CHECK(out.rows[3] == R"({"prompt":"p","completion":"c","id":4,"label":false})");
  CHECK(out.counters["format_kto.desirable"] == 2);
  CHECK(out.counters["format_kto.undesirable"] == 2);
  CHECK(RejectOf(cfg, R"({"prompt":"p","completion":"c","rating":3})") ==
        "drop format_kto:neutral | the rating 3 is between undesirable_max 2 and desirable_min 4");
  CHECK(RejectOf(cfg, R"({"prompt":"p","completion":"c","rating":null})") ==
        "error format_kto:no_rating | the field 'rating' is missing or null");
  CHECK(RejectOf(cfg, R"({"prompt":"p","completion":"c","rating":"good"})") ==
        "error format_kto:bad_rating | the field 'rating' holds \"good\", not a number");
  auto custom = Run(R"({"label_from": "rating", "desirable_min": 8, "undesirable_max": 7.5})",
                    {R"({"prompt":"p","completion":"c","rating":7.75})"});
  CHECK(custom.rows.empty());
  REQUIRE(custom.rejects.size() == 1);
  CHECK(custom.rejects[0].reason == "format_kto:neutral");
}

TEST_CASE("format_kto: conversational output and text checks", "[transform_format_kto]") {
  auto conv = Run(R"({"system_prompt": "S"})",
                  {R"({"prompt":"p","completion":"c","label":true})",
                   R"({"prompt":[{"role":"user","content":"p"}],"completion":"c","label":false})"});
  REQUIRE(conv.rows.size() == 2);
  CHECK(conv.rows[0] ==
        R"({"prompt":[{"role":"system","content":"S"},{"role":"user","content":"p"}],)"
        R"("completion":[{"role":"assistant","content":"c"}],"label":true})");
  CHECK(conv.rows[1] ==
        R"({"prompt":[{"role":"system","content":"S"},{"role":"user","content":"p"}],)"
        R"("completion":[{"role":"assistant","content":"c"}],"label":false})");
  CHECK(RejectOf(R"({"style": "standard"})",
                 R"({"prompt":[{"role":"user","content":"p"}],"completion":"c","label":true})")
            .rfind("error format_kto:not_standard | ", 0) == 0);
  CHECK(RejectOf("{}", R"({"prompt":"p","label":true})") ==
        "error format_kto:missing_field | none of the fields 'completion', 'generation' or "
        "'response' is present (and not null)");
  CHECK(RejectOf("{}", R"({"prompt":"p","completion":"","label":true})") ==
        "error format_kto:empty | the field 'completion' is an empty string");
  CHECK(RejectOf("{}", R"({"prompt":false,"completion":"c","label":true})") ==
        "error format_kto:bad_type | the field 'prompt' holds a boolean, not text or a list of "
        "messages");
  CHECK(RejectOf("{}",
                 R"({"prompt":[{"role":"user","content":null}],"completion":"c","label":true})") ==
        "error format_kto:bad_messages | message 0 of 'prompt' has null 'content' (expected a "
        "string or a list of parts)");
}

TEST_CASE("format_kto refuses contradictory thresholds", "[transform_format_kto]") {
  auto a = PluginHarness::Create("transform/format_kto",
                                 R"({"label_from": "rating", "undesirable_max": 4})");
  REQUIRE_FALSE(a.ok());
  CHECK_THAT(a.status().message(), Catch::Contains("undesirable_max"));
  auto b = PluginHarness::Create("transform/format_kto",
                                 R"({"label_from": "rating", "rating_field": ""})");
  REQUIRE_FALSE(b.ok());
  CHECK_THAT(b.status().message(), Catch::Contains("rating_field"));
  auto c = PluginHarness::Create("transform/format_kto", R"({"label_field": ""})");
  REQUIRE_FALSE(c.ok());
  CHECK_THAT(c.status().message(), Catch::Contains("label_field"));
  auto d = PluginHarness::Create("transform/format_kto",
                                 R"({"style": "standard", "system_prompt": "S"})");
  REQUIRE_FALSE(d.ok());
  CHECK_THAT(d.status().message(), Catch::Contains("system_prompt"));
}

TEST_CASE("format_kto fails rows whose bytes are not JSON", "[transform_format_kto]") {
  size_t kept = 99;
  auto rejects = format_testing::ProcessRaw(
      "format_kto", R"({"label_from": "rating"})",
      {R"({"prompt":"p","completion":"c","rating":5,"x":[1,})",
       R"({"prompt":"p","completion":"c","rating":tru})",
       R"({"prompt":"p","completion":"c","instruction":"q","generations":["a","b"],"ratings":[1,2],"label":true,"rating":5})"},
      &kept);
  CHECK(kept == 1);
  REQUIRE(rejects.size() == 2);
  for (const auto& r : rejects) {
    CHECK(r.reason == "malformed_json");
    CHECK(r.kind == winnow::RejectKind::kError);
  }
}
