// Tests of exporter/hf_hub against the fake Hub (tests/fixtures/fake_hub): repo
// creation, preupload, LFS batch upload, the NDJSON commit, the dataset card,
// atomicity on failure and re-runs without duplicates. Data is read back with
// source/hf_hub.
#include <catch2/catch.hpp>

#include <filesystem>

#include "fake_hub.h"
#include "harness/plugin_harness.h"
#include "hf_hub_common.h"
#include "hf_hub_select.h"

namespace fs = std::filesystem;
using winnow::testing::FakeHub;
using winnow::testing::PluginHarness;
using winnow::testing::TempDir;

namespace {

// The tests decide which Hub variables are set; the machine's own settings must not leak in.
const bool kCleanEnv = [] {
  for (const char* v : {"HF_TOKEN", "HF_TOKEN_PATH", "HF_ENDPOINT", "HF_HOME", "HF_HUB_CACHE",
                        "HUGGINGFACE_HUB_CACHE", "HF_HUB_OFFLINE"}) {
    ::unsetenv(v);
  }
  return true;
}();

std::vector<std::string> Rows(int n, const std::string& prefix = "r") {
  std::vector<std::string> rows;
  for (int i = 0; i < n; ++i) {
    rows.push_back("{\"id\":" + std::to_string(i) + ",\"text\":\"" + prefix + std::to_string(i) +
                   " some words to make the row longer\"}");
  }
  return rows;
}

winnow::Result<winnow::testing::HarnessOutput> Export(const FakeHub& hub,
                                                      const std::vector<std::string>& rows,
                                                      const std::string& extra = "",
                                                      const std::string& token = "write-token") {
  std::string cfg = "{\"repo_id\":\"org/out\",\"endpoint\":\"" + hub.endpoint() +
                    "\",\"retry_backoff_ms\":5" + (extra.empty() ? "" : "," + extra) + "}";
  auto h = PluginHarness::Create("exporter/hf_hub", cfg);
  if (!h.ok()) return h.status();
  if (!token.empty()) (*h)->SetSecret("HF_TOKEN", token);
  return (*h)->RunExporter(rows, 10);
}

std::vector<std::string> ReadBack(const FakeHub& hub, const std::string& split = "train") {
  TempDir cache;
  std::string cfg = "{\"repo_id\":\"org/out\",\"endpoint\":\"" + hub.endpoint() +
                    "\",\"cache_dir\":\"" + cache.path().string() + "\",\"split\":\"" + split +
                    "\"}";
  auto h = PluginHarness::Create("source/hf_hub", cfg);
  REQUIRE(h.ok());
  (*h)->SetSecret("HF_TOKEN", "write-token");
  auto out = (*h)->RunSource();
  INFO(out.status().message());
  REQUIRE(out.ok());
  return out->rows;
}

std::vector<std::string> DataFiles(const FakeHub& hub) {
  std::vector<std::string> out;
  for (const auto& [p, _] : hub.Files("org/out", "main")) {
    if (p.rfind("data/", 0) == 0) out.push_back(p);
  }
  return out;
}

}  // namespace

TEST_CASE("exporter/hf_hub creates a private repo and publishes in one commit", "[hf_hub_export]") {
  FakeHub hub;
  hub.AddToken("write-token");
  auto rows = Rows(25);
  TempDir dir;
  winnow::testing::WriteText(dir / "pipeline.yaml",
                             "name: demo\nllms:\n  judge:\n    api_key: sk-very-secret\n"
                             "    api_key_env: OPENAI_API_KEY\n    base_url: "
                             "https://user:pw@example.com/v1\n");
  auto out = Export(hub, rows,
                    "\"shard_rows\":10,\"license\":\"apache-2.0\",\"task_categories\":[\"text-"
                    "generation\"],\"pipeline_file\":\"" +
                        (dir / "pipeline.yaml").string() + "\"");
  INFO(out.status().message());
  REQUIRE(out.ok());
  CHECK(hub.RepoExists("org/out"));
  CHECK(hub.RepoPrivate("org/out"));
  CHECK(DataFiles(hub) == std::vector<std::string>{"data/train-00000-of-00003.jsonl",
                                                   "data/train-00001-of-00003.jsonl",
                                                   "data/train-00002-of-00003.jsonl"});
  CHECK(hub.commit_summaries() ==
        std::vector<std::string>{"Upload train split with winnow (25 rows)"});
  CHECK(out->counters["rows_written"] == 25);
  CHECK(out->counters["shards"] == 3);
  REQUIRE(out->outputs.size() == 1);
  CHECK_THAT(out->outputs[0], Catch::Contains("/datasets/org/out/commit/"));
  CHECK(ReadBack(hub) == rows);

  std::string card = hub.Files("org/out", "main").at("README.md");
  auto configs = winnow::hf::ParseCardConfigs(card);
  REQUIRE(configs.ok());
  REQUIRE(configs->size() == 1);
  CHECK((*configs)[0].data_files[0].first == "train");
  CHECK_THAT(card, Catch::Contains("license: \"apache-2.0\""));
  CHECK_THAT(card, Catch::Contains("- \"text-generation\""));
  CHECK_THAT(card, Catch::Contains("size_categories:\n- n<1K"));
  CHECK_THAT(card, Catch::Contains("api_key_env: OPENAI_API_KEY"));
  CHECK_THAT(card, !Catch::Contains("sk-very-secret"));
  CHECK_THAT(card, !Catch::Contains("user:pw"));

  SECTION("a re-run with fewer shards replaces the split without duplicates") {
    auto again = Export(hub, Rows(12, "v2-"), "\"shard_rows\":10");
    REQUIRE(again.ok());
    CHECK(DataFiles(hub) == std::vector<std::string>{"data/train-00000-of-00002.jsonl",
                                                     "data/train-00001-of-00002.jsonl"});
    CHECK(again->counters["files_deleted"] == 3);
    CHECK(ReadBack(hub) == Rows(12, "v2-"));
  }
  SECTION("another split keeps the first one in the card") {
    auto test = Export(hub, Rows(3, "t"), "\"split\":\"test\"");
    REQUIRE(test.ok());
    CHECK(DataFiles(hub).size() == 4);
    std::string card2 = hub.Files("org/out", "main").at("README.md");
    auto c2 = winnow::hf::ParseCardConfigs(card2);
    REQUIRE(c2.ok());
    REQUIRE((*c2)[0].data_files.size() == 2);
    CHECK((*c2)[0].data_files[0].first == "train");
    CHECK((*c2)[0].data_files[1].first == "test");
    CHECK(ReadBack(hub, "test") == Rows(3, "t"));
    CHECK(ReadBack(hub, "train") == rows);
  }
}

TEST_CASE("exporter/hf_hub uploads large files through Git LFS", "[hf_hub_export]") {
  FakeHub hub;
  hub.AddToken("write-token");
  hub.set_preupload_lfs_from(500);  // every shard is "large"
  auto rows = Rows(40);
  auto out = Export(hub, rows, "\"shard_rows\":20,\"card\":false");
  INFO(out.status().message());
  REQUIRE(out.ok());
  CHECK(out->counters["lfs_files"] == 2);
  CHECK(hub.Count("POST", "/datasets/org/out.git/info/lfs/objects/batch") == 1);
  CHECK(hub.Count("PUT", "/lfs-upload/") == 2);
  CHECK(hub.Count("POST", "/lfs-verify") == 2);
  CHECK(hub.lfs_objects().size() == 2);
  CHECK(ReadBack(hub) == rows);
  CHECK(hub.Files("org/out", "main").count("README.md") == 0);
  SECTION("objects already on the Hub are not uploaded again") {
    hub.ClearLog();
    auto again = Export(hub, rows, "\"shard_rows\":20,\"card\":false");
    REQUIRE(again.ok());
    CHECK(hub.Count("PUT", "/lfs-upload/") == 0);
    CHECK(DataFiles(hub).size() == 2);
  }
}

TEST_CASE("exporter/hf_hub leaves the remote unchanged when the upload fails", "[hf_hub_export]") {
  FakeHub hub;
  hub.AddToken("write-token");
  REQUIRE(Export(hub, Rows(5)).ok());
  auto before = hub.Files("org/out", "main");
  size_t commits = hub.CommitCount("org/out");
  SECTION("the commit is rejected") {
    hub.FailNext({"POST", "/api/datasets/org/out/commit/", 1, 422, {}, "{\"error\":\"rejected\"}"});
    auto r = Export(hub, Rows(9, "new"));
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.status().message(), Catch::Contains("422"));
  }
  SECTION("an LFS upload fails") {
    hub.set_preupload_lfs_from(10);
    hub.FailNext({"PUT", "/lfs-upload/", 10, 403, {}, ""});
    auto r = Export(hub, Rows(9, "new"));
    REQUIRE_FALSE(r.ok());
    CHECK(hub.Count("POST", "/api/datasets/org/out/commit/") == 1);  // only the first export
  }
  CHECK(hub.Files("org/out", "main") == before);
  CHECK(hub.CommitCount("org/out") == commits);
}

TEST_CASE("exporter/hf_hub retries 429/5xx and needs a token", "[hf_hub_export]") {
  FakeHub hub;
  hub.AddToken("write-token");
  hub.FailNext({"POST", "/api/datasets/org/out/preupload/", 1, 429, {{"Retry-After", "0"}}, ""});
  hub.FailNext({"POST", "/api/datasets/org/out/commit/", 1, 502, {}, ""});
  auto r = Export(hub, Rows(3));
  INFO(r.status().message());
  REQUIRE(r.ok());
  CHECK(hub.CommitCount("org/out") == 2);  // the initial commit + ours
  ::setenv("HF_TOKEN_PATH", "/nonexistent/winnow-test/token", 1);
  auto no_token = Export(hub, Rows(3), "\"token_env\":\"WINNOW_TEST_NO_SUCH_TOKEN\"", "");
  ::unsetenv("HF_TOKEN_PATH");
  REQUIRE_FALSE(no_token.ok());
  CHECK(no_token.status().code() == winnow::StatusCode::kPermissionDenied);
  CHECK_THAT(no_token.status().message(), Catch::Contains("WINNOW_TEST_NO_SUCH_TOKEN"));
  hub.AddToken("expired", false);
  auto expired = Export(hub, Rows(3), "", "expired");
  REQUIRE_FALSE(expired.ok());
  CHECK_THAT(expired.status().message(), Catch::Contains("refused the token"));
  CHECK_THAT(expired.status().message(), !Catch::Contains("expired\""));
}

TEST_CASE("exporter/hf_hub publishes Parquet data files with exporter/parquet's writer",
          "[hf_hub_export]") {
  FakeHub hub;
  hub.AddToken("write-token");
  auto rows = Rows(40);
  rows.push_back(R"({"id":"not a number","text":"a row the inferred schema cannot take"})");
  auto out = Export(hub, rows, R"("format":"parquet","parquet":{"compression":"zstd"})");
  INFO(out.status().message());
  REQUIRE(out.ok());
  CHECK(DataFiles(hub) == std::vector<std::string>{"data/train-00000-of-00001.parquet"});
  std::string file = hub.Files("org/out", "main").at("data/train-00000-of-00001.parquet");
  CHECK(file.rfind("PAR1", 0) == 0);
  CHECK(file.substr(file.size() - 4) == "PAR1");
  CHECK(out->counters["rows_written"] == 40);
  REQUIRE(out->rejects.size() == 1);
  CHECK(out->rejects[0].reason == "parquet:type_conflict");
  auto back = ReadBack(hub);
  REQUIRE(back.size() == 40);
  for (size_t i = 0; i < back.size(); ++i) {
    auto a = winnow::Value::Parse(back[i]);
    auto b = winnow::Value::Parse(rows[i]);
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    CHECK(*a == *b);
  }
  auto configs = winnow::hf::ParseCardConfigs(hub.Files("org/out", "main").at("README.md"));
  REQUIRE(configs.ok());
  CHECK((*configs)[0].data_files[0].first == "train");

  SECTION("Parquet options are checked like exporter/parquet's") {
    auto bad = Export(hub, rows, R"("format":"parquet","parquet":{"compression":"lzo"})");
    REQUIRE_FALSE(bad.ok());
    CHECK_THAT(bad.status().message(), Catch::Contains("parquet.compression"));
    auto own = Export(hub, rows, R"("format":"parquet","parquet":{"path":"x.parquet"})");
    REQUIRE_FALSE(own.ok());
    CHECK_THAT(own.status().message(), Catch::Contains("set by exporter/hf_hub"));
    auto jsonl = Export(hub, rows, R"("parquet":{"compression":"zstd"})");
    REQUIRE_FALSE(jsonl.ok());
    CHECK_THAT(jsonl.status().message(), Catch::Contains("format: parquet"));
  }
}
