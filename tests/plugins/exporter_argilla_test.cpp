// Tests of exporter/argilla against tests/fixtures/fake_argilla, which validates
// requests as argilla-server does (500-record chunks, unique external ids, no
// NaN metadata, no questions after publish, typed metadata and suggestions).
#include <catch2/catch.hpp>

#include "fake_argilla.h"
#include "harness/plugin_harness.h"

using winnow::testing::FakeArgilla;
using winnow::testing::PluginHarness;

namespace {

std::vector<std::string> GenRows(int n) {
  std::vector<std::string> rows;
  for (int i = 0; i < n; ++i) {
    rows.push_back("{\"instruction\":\"Explain " + std::to_string(i) +
                   "\",\"generation\":\"Because " + std::to_string(i) +
                   "\",\"source\":\"web\",\"score\":" + std::to_string(i % 7) +
                   ".5,\"n_words\":" + std::to_string(i) + "}");
  }
  return rows;
}

winnow::Result<winnow::testing::HarnessOutput> Export(const FakeArgilla& fake,
                                                      const std::vector<std::string>& rows,
                                                      const std::string& extra,
                                                      const std::string& key = "argilla.apikey") {
  std::string cfg = "{\"api_url\":\"" + fake.url() + "\",\"retry_backoff_ms\":5" +
                    (extra.empty() ? "" : "," + extra) + "}";
  auto h = PluginHarness::Create("exporter/argilla", cfg);
  if (!h.ok()) return h.status();
  (*h)->SetSecret("ARGILLA_API_KEY", key);
  return (*h)->RunExporter(rows, 300);
}

}  // namespace

TEST_CASE("exporter/argilla creates a text_generation dataset and upserts in chunks", "[argilla]") {
  FakeArgilla fake;
  std::string cfg =
      "\"dataset\":\"review\",\"workspace\":\"team\",\"metadata_fields\":[\"source\",\"score\","
      "\"n_words\"]";
  auto out = Export(fake, GenRows(1203), cfg);
  INFO(out.status().message());
  REQUIRE(out.ok());
  auto ds = fake.Get("review");
  CHECK(ds.status == "ready");
  CHECK(ds.records.size() == 1203);
  REQUIRE(ds.fields.size() == 2);
  REQUIRE(ds.questions.size() == 1);
  CHECK(ds.metadata.size() == 3);
  CHECK(out->counters["records_created"] == 1203);
  CHECK(out->counters["chunks"] >= 3);
  CHECK(fake.bulk_errors().empty());
  const winnow::Value& rec = ds.records.at("0:5");
  CHECK(rec.find("fields")->find("instruction")->as_string() == "Explain 5");
  CHECK(rec.find("metadata")->find("n_words")->as_int() == 5);
  CHECK(rec.find("metadata")->find("source")->as_string() == "web");

  SECTION("a re-run updates the same records instead of duplicating them") {
    auto again = Export(fake, GenRows(1203), cfg);
    REQUIRE(again.ok());
    CHECK(fake.Get("review").records.size() == 1203);
    CHECK(again->counters["records_updated"] == 1203);
    CHECK(again->counters["records_created"] == 0);
  }
}

TEST_CASE("exporter/argilla preference preset sends the judge's ratings as suggestions",
          "[argilla]") {
  FakeArgilla fake;
  std::vector<std::string> rows = {
      R"({"instruction":"Q1","generations":["a","b"],"ratings":[4,2],"rationales":["good","weak"]})",
      R"({"instruction":"Q2","generations":["c","d"],"ratings":[7,null]})",
      R"({"instruction":"Q3","generations":["only one"]})", R"({"generations":["x","y"]})"};
  auto out =
      Export(fake, rows, "\"dataset\":\"prefs\",\"preset\":\"preference\",\"agent\":\"judge-1\"");
  INFO(out.status().message());
  REQUIRE(out.ok());
  auto ds = fake.Get("prefs");
  REQUIRE(ds.fields.size() == 3);     // instruction, generation-1, generation-2
  REQUIRE(ds.questions.size() == 4);  // rating + rationale per generation
  CHECK(ds.records.size() == 2);
  CHECK(out->counters["rows_skipped"] == 2);  // too few generations; no instruction
  const winnow::Value& r1 = ds.records.at("0:0");
  const winnow::Value* sugg = r1.find("suggestions");
  REQUIRE(sugg != nullptr);
  REQUIRE(sugg->size() == 4);
  CHECK(sugg->as_array()[0].find("value")->as_int() == 4);
  CHECK(sugg->as_array()[0].find("agent")->as_string() == "judge-1");
  CHECK(sugg->as_array()[1].find("value")->as_string() == "good");
  // A rating outside 1-5 is not suggested (Argilla would refuse the whole chunk).
  CHECK(ds.records.at("0:1").find("suggestions") == nullptr);
  CHECK(fake.bulk_errors().empty());
}

TEST_CASE("exporter/argilla survives 409, 429, 5xx and a cut connection without duplicates",
          "[argilla]") {
  FakeArgilla fake;
  fake.FailNext({"PUT", "/records/bulk", 1, 429, {{"Retry-After", "0"}}});
  fake.FailNext({"PUT", "/records/bulk", 1, 409, {}});
  fake.FailNext({"PUT", "/records/bulk", 1, 503, {}});
  fake.CutNext("/records/bulk", 1);  // applied, then the answer is lost
  auto out = Export(fake, GenRows(700), "\"dataset\":\"flaky\",\"chunk_size\":250");
  INFO(out.status().message());
  REQUIRE(out.ok());
  CHECK(fake.Get("flaky").records.size() == 700);
  CHECK(fake.requests("PUT", "/records/bulk") == 3 + 4);
  CHECK(out->counters["records_updated"] == 250);  // the chunk whose answer was lost
  SECTION("bounded retries end with a clear error") {
    fake.FailNext({"PUT", "/records/bulk", 50, 500, {}});
    auto fail = Export(fake, GenRows(3), "\"dataset\":\"flaky\",\"max_retries\":1");
    REQUIRE_FALSE(fail.ok());
    CHECK(fail.status().code() == winnow::StatusCode::kUnavailable);
  }
}

TEST_CASE("exporter/argilla refuses to change a published dataset's questions", "[argilla]") {
  FakeArgilla fake;
  REQUIRE(Export(fake, GenRows(2), "\"dataset\":\"shared\"").ok());
  auto r = Export(fake, {R"({"instruction":"q","generations":["a","b"]})"},
                  "\"dataset\":\"shared\",\"preset\":\"preference\"");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == winnow::StatusCode::kInvalidArgument);
  CHECK_THAT(r.status().message(), Catch::Contains("already published"));
  // Metadata properties may still be added after publishing.
  auto m = Export(fake, GenRows(2), "\"dataset\":\"shared\",\"metadata_fields\":[\"source\"]");
  REQUIRE(m.ok());
  CHECK(fake.Get("shared").metadata.size() == 1);
}

TEST_CASE("exporter/argilla errors: bad key, unknown workspace", "[argilla]") {
  FakeArgilla fake;
  auto key = Export(fake, GenRows(1), "\"dataset\":\"x\"", "wrong");
  REQUIRE_FALSE(key.ok());
  CHECK(key.status().code() == winnow::StatusCode::kPermissionDenied);
  CHECK_THAT(key.status().message(), !Catch::Contains("wrong"));
  auto ws = Export(fake, GenRows(1), "\"dataset\":\"x\",\"workspace\":\"nope\"");
  REQUIRE_FALSE(ws.ok());
  CHECK_THAT(ws.status().message(), Catch::Contains("argilla, team"));
  auto bad = PluginHarness::Create("exporter/argilla",
                                   "{\"dataset\":\"x\",\"metadata_fields\":[\"Bad Name\"]}");
  CHECK_FALSE(bad.ok());
}

TEST_CASE("fake Argilla rejects what the real server rejects", "[argilla]") {
  FakeArgilla fake;
  REQUIRE(Export(fake, GenRows(1), "\"dataset\":\"strict\",\"metadata_fields\":[\"score\"]").ok());
  auto item = [](int i) {
    return "{\"external_id\":\"e" + std::to_string(i) +
           "\",\"fields\":{\"instruction\":\"a\",\"generation\":\"b\"}}";
  };
  std::string many = "{\"items\":[";
  for (int i = 0; i < 501; ++i) many += (i ? "," : "") + item(i);
  many += "]}";
  CHECK(fake.RawBulk("strict", many).first == 422);
  CHECK(fake.RawBulk("strict", "{\"items\":[" + item(1) + "," + item(1) + "]}").first == 422);
  CHECK(fake.RawBulk("strict",
                     "{\"items\":[{\"external_id\":\"n\",\"fields\":{\"instruction\":\"a\","
                     "\"generation\":\"b\"},\"metadata\":{\"score\":NaN}}]}")
            .first == 422);
  CHECK(fake.RawBulk("strict",
                     "{\"items\":[{\"external_id\":\"m\",\"fields\":{\"instruction\":\"a\"}}]}")
            .first == 422);  // a required field is missing
  CHECK(fake.RawBulk("strict", "{\"items\":[" + item(7) + "]}").first == 200);
}
