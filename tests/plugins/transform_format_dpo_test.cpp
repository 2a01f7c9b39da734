// transform/format_dpo through PluginHarness: pairs from rated candidates
// (task/ultrafeedback's shape) and from explicit fields (source/feedback's
// pairwise_dpo shape), tie policies, margins, styles and every reject path.
#include <catch2/catch.hpp>

#include "harness/plugin_harness.h"
#include "transform_format_testing.h"

using winnow::testing::HarnessOutput;
using winnow::testing::PluginHarness;

namespace {

HarnessOutput Run(const std::string& config, const std::vector<std::string>& rows,
                  size_t batch_size = 1000) {
  auto h = PluginHarness::Create("transform/format_dpo", config);
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

std::string Rated(const std::string& ratings, const std::string& gens = R"(["a","b","c"])") {
  return R"({"instruction":"q","generations":)" + gens + R"(,"ratings":)" + ratings +
         R"(,"rationales":["x","y","z"],"model_name":"judge"})";
}

}  // namespace

TEST_CASE("format_dpo: chosen is the highest rating, rejected the lowest",
          "[transform_format_dpo]") {
  auto out = Run("{}", {Rated("[3,5,1]")});
  REQUIRE(out.rows.size() == 1);
  CHECK(out.rows[0] == R"({"prompt":"q","chosen":"b","rejected":"c"})");
  CHECK(out.counters["format_dpo.rows"] == 1);
  auto rated = Run(R"({"write_ratings": true, "keep": ["model_name"]})", {Rated("[3,5,1]")});
  CHECK(rated.rows[0] ==
        R"({"model_name":"judge","prompt":"q","chosen":"b","rejected":"c","chosen_rating":5,)"
        R"("rejected_rating":1})");
  // Doubles and numeric strings are ratings too; nulls skip their candidate.
  auto mixed = Run(R"({"write_ratings": true})", {Rated(R"([null, "4.5", 2.25])")});
  CHECK(mixed.rows[0] ==
        R"({"prompt":"q","chosen":"b","rejected":"c","chosen_rating":4.5,"rejected_rating":2.25})");
  auto skip = Run("{}", {Rated("[1,5,2]", R"([null,"b","c"])")});
  CHECK(skip.rows[0] == R"({"prompt":"q","chosen":"b","rejected":"c"})");
  auto all = Run(R"({"keep": "*"})", {Rated("[3,5,1]")});
  CHECK(all.rows[0] == R"({"rationales":["x","y","z"],"model_name":"judge","prompt":"q",)"
                       R"("chosen":"b","rejected":"c"})");
}

TEST_CASE("format_dpo: tie policies", "[transform_format_dpo]") {
  std::string tied = Rated("[5,5,1]");
  CHECK(RejectOf(R"({"tie": "drop"})", tied) ==
        "drop format_dpo:tie | 2 candidates share the highest rating");
  CHECK(RejectOf(R"({"tie": "drop"})", Rated("[5,1,1]")) ==
        "drop format_dpo:tie | 2 candidates share the lowest rating");
  auto first = Run(R"({"tie": "first"})", {tied, Rated("[1,5,1]")});
  REQUIRE(first.rows.size() == 2);
  CHECK(first.rows[0] == R"({"prompt":"q","chosen":"a","rejected":"c"})");
  CHECK(first.rows[1] == R"({"prompt":"q","chosen":"b","rejected":"a"})");
  CHECK(first.counters["format_dpo.ties_broken"] == 2);

  // random: seeded by row id, the same on every run and batching; both tied
  // candidates get picked across rows, and another seed changes some picks.
  std::vector<std::string> rows(64, tied);
  auto r1 = Run(R"({"tie": "random", "seed": 7})", rows, 1);
  auto r2 = Run(R"({"tie": "random", "seed": 7})", rows, 1000);
  auto r3 = Run(R"({"tie": "random", "seed": 8})", rows);
  REQUIRE(r1.rows.size() == 64);
  CHECK(r1.rows == r2.rows);
  CHECK(r1.rows != r3.rows);
  size_t picked_a = 0;
  for (const auto& r : r1.rows) picked_a += r.find(R"("chosen":"a")") != std::string::npos;
  CHECK(picked_a > 10);
  CHECK(picked_a < 54);
  CHECK(r1.counters["format_dpo.ties_broken"] == 64);
}

TEST_CASE("format_dpo: no preference, margins and identical texts are dropped",
          "[transform_format_dpo]") {
  CHECK(RejectOf("{}", Rated("[4,4,4]")) ==
        "drop format_dpo:no_preference | all 3 rated candidates have rating 4");
  CHECK(RejectOf(R"({"min_margin": 2})", Rated("[4,3,3.5]")) ==
        "drop format_dpo:margin | the rating margin 1 (4 - 3) is below min_margin 2");
  auto ok = Run(R"({"min_margin": 2})", {Rated("[5,3,4]")});
  CHECK(ok.rows.size() == 1);
  CHECK(RejectOf("{}", Rated("[5,1]", R"(["same","same"])")) ==
        "drop format_dpo:identical | the chosen and the rejected response are the same text");
}

TEST_CASE("format_dpo: rows without usable candidates or ratings are rejected",
          "[transform_format_dpo]") {
  CHECK(RejectOf("{}", R"({"instruction":"q","generations":["a","b"]})") ==
        "error format_dpo:bad_ratings | the field 'ratings' is missing or null (no ratings)");
  CHECK(RejectOf("{}", R"({"instruction":"q","generations":["a","b"],"ratings":5})") ==
        "error format_dpo:bad_ratings | the field 'ratings' holds an integer, not a list of "
        "ratings");
  CHECK(RejectOf("{}", Rated("[1,2]")) ==
        "error format_dpo:bad_ratings | 'generations' holds 3 candidates but 'ratings' holds 2 "
        "ratings");
  CHECK(RejectOf("{}", Rated(R"([1,"good",3])")) ==
        "error format_dpo:bad_ratings | rating 1 of 'ratings' is \"good\", not a number");
  CHECK(RejectOf("{}", Rated(R"([1,true,3])")) ==
        "error format_dpo:bad_ratings | rating 1 of 'ratings' is true, not a number");
  CHECK(RejectOf("{}", Rated("[null,3,null]")) ==
        "error format_dpo:too_few | only 1 of 3 candidates have both a text and a rating; a "
        "pair needs 2");
  CHECK(RejectOf("{}", Rated("[1,2,3]", R"(["","b",[]])")) ==
        "error format_dpo:too_few | only 1 of 3 candidates have both a text and a rating; a "
        "pair needs 2");
  CHECK(RejectOf("{}", R"({"instruction":"q","ratings":[1,2]})") ==
        "error format_dpo:missing_field | the field 'generations' is missing or null");
  CHECK(RejectOf("{}", R"({"instruction":"q","generations":"a","ratings":[1]})") ==
        "error format_dpo:bad_type | the field 'generations' holds a string, not a list of "
        "candidate texts");
  CHECK(RejectOf("{}", Rated("[1,2,3]", R"(["a",{"x":1},"c"])")) ==
        "error format_dpo:bad_type | the field 'generations[1]' holds an object, not text or a "
        "list of messages");
  CHECK(RejectOf("{}", Rated("[1,2,3]", R"(["a",[{"role":"user"}],"c"])")) ==
        "error format_dpo:bad_messages | message 0 of 'generations[1]' has no 'content' "
        "(expected a string or a list of parts)");
  CHECK(RejectOf("{}", R"({"generations":["a","b"],"ratings":[1,2]})") ==
        "error format_dpo:missing_field | none of the fields 'prompt' or 'instruction' is "
        "present (and not null)");
  CHECK(RejectOf("{}", R"({"prompt":"","generations":["a","b"],"ratings":[1,2]})") ==
        "error format_dpo:empty | the field 'prompt' is an empty string");
}

TEST_CASE("format_dpo: conversational output and the standard style", "[transform_format_dpo]") {
  auto conv = Run(R"({"system_prompt": "S"})", {Rated("[3,5,1]")});
  REQUIRE(conv.rows.size() == 1);
  CHECK(conv.rows[0] ==
        R"({"prompt":[{"role":"system","content":"S"},{"role":"user","content":"q"}],)"
        R"("chosen":[{"role":"assistant","content":"b"}],)"
        R"("rejected":[{"role":"assistant","content":"c"}]})");
  auto forced = Run(R"({"style": "conversational"})", {Rated("[3,5,1]")});
  CHECK(forced.rows[0] == R"({"prompt":[{"role":"user","content":"q"}],)"
                          R"("chosen":[{"role":"assistant","content":"b"}],)"
                          R"("rejected":[{"role":"assistant","content":"c"}]})");
  CHECK(
      RejectOf(
          R"({"style": "standard"})",
          R"({"prompt":[{"role":"user","content":"q"}],"generations":["a","b"],"ratings":[1,2]})") ==
      "error format_dpo:not_standard | style is standard but an input holds a list of messages "
      "(use style auto or conversational for chat data)");
}

TEST_CASE("format_dpo: explicit pairs (source/feedback's pairwise_dpo shape)",
          "[transform_format_dpo]") {
  std::string cfg = R"({"input": "fields", "write_ratings": true})";
  auto out = Run(cfg, {R"({"prompt":"p","chosen":"good","rejected":"bad","user":"u1"})",
                       R"({"prompt":[{"role":"user","content":"p"}],)"
                       R"("chosen":[{"role":"assistant","content":"good"}],)"
                       R"("rejected":[{"role":"assistant","content":"bad"}]})",
                       R"({"prompt":"p","chosen":"good","rejected":"bad","chosen_rating":5,)"
                       R"("rejected_rating":"2"})"});
  REQUIRE(out.rows.size() == 3);
  CHECK(out.rows[0] == R"({"prompt":"p","chosen":"good","rejected":"bad"})");
  CHECK(out.rows[1] == R"({"prompt":[{"role":"user","content":"p"}],)"
                       R"("chosen":[{"role":"assistant","content":"good"}],)"
                       R"("rejected":[{"role":"assistant","content":"bad"}]})");
  CHECK(out.rows[2] ==
        R"({"prompt":"p","chosen":"good","rejected":"bad","chosen_rating":5,"rejected_rating":2})");
  CHECK(RejectOf(cfg, R"({"prompt":"p","chosen":"good"})") ==
        "error format_dpo:missing_field | the field 'rejected' is missing or null");
  CHECK(RejectOf(cfg, R"({"prompt":"p","chosen":"good","rejected":7})") ==
        "error format_dpo:bad_type | the field 'rejected' holds an integer, not text or a list "
        "of messages");
  CHECK(RejectOf(cfg, R"({"prompt":"p","chosen":"a","rejected":"b","chosen_rating":"x"})") ==
        "error format_dpo:bad_ratings | the field 'chosen_rating' holds \"x\", not a number");
  CHECK(RejectOf(cfg, R"({"prompt":"p","chosen":"a","rejected":"b","chosen_rating":2,)"
                      R"("rejected_rating":3})") ==
        "drop format_dpo:no_preference | the chosen rating 2 is not above the rejected rating 3");
  CHECK(RejectOf(R"({"input": "fields", "min_margin": 2})",
                 R"({"prompt":"p","chosen":"a","rejected":"b","chosen_rating":4,)"
                 R"("rejected_rating":3})") ==
        "drop format_dpo:margin | the rating margin 1 (4 - 3) is below min_margin 2");
  CHECK(RejectOf(cfg, R"({"prompt":"p","chosen":"a","rejected":"a"})") ==
        "drop format_dpo:identical | the chosen and the rejected response are the same text");
}

TEST_CASE("format_dpo refuses contradictory configuration", "[transform_format_dpo]") {
  auto a = PluginHarness::Create("transform/format_dpo",
                                 R"({"input": "fields", "rejected_field": "chosen"})");
  REQUIRE_FALSE(a.ok());
  CHECK_THAT(a.status().message(), Catch::Contains("rejected_field"));
  auto b = PluginHarness::Create("transform/format_dpo", R"({"min_margin": -1})");
  REQUIRE_FALSE(b.ok());
  CHECK_THAT(b.status().message(), Catch::Contains("min_margin"));
  auto c = PluginHarness::Create("transform/format_dpo", R"({"tie": "coin"})");
  REQUIRE_FALSE(c.ok());
  CHECK_THAT(c.status().message(), Catch::Contains("tie"));
  auto d = PluginHarness::Create("transform/format_dpo", R"({"ratings_field": ""})");
  REQUIRE_FALSE(d.ok());
  CHECK_THAT(d.status().message(), Catch::Contains("ratings_field"));
  auto e = PluginHarness::Create("transform/format_dpo",
                                 R"({"style": "standard", "system_prompt": "S"})");
  REQUIRE_FALSE(e.ok());
  CHECK_THAT(e.status().message(), Catch::Contains("system_prompt"));
}

TEST_CASE("format_dpo fails rows whose bytes are not JSON", "[transform_format_dpo]") {
  size_t kept = 99;
  auto rejects = format_testing::ProcessRaw(
      "format_dpo", "{}",
      {R"({"instruction":"q","generations":["a","b"],"ratings":[1,2],"x":[1,})",
       R"({"instruction":"q","generations":["a","b"],"ratings":[1,)",
       R"({"prompt":"p","completion":"c","instruction":"q","generations":["a","b"],"ratings":[1,2],"label":true,"rating":5})"},
      &kept);
  CHECK(kept == 1);
  REQUIRE(rejects.size() == 2);
  for (const auto& r : rejects) {
    CHECK(r.reason == "malformed_json");
    CHECK(r.kind == winnow::RejectKind::kError);
  }
}
