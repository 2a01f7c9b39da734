#include <catch2/catch.hpp>

#include "harness/plugin_harness.h"
#include "winnow/io.h"
#include "winnow/value.h"

using winnow::testing::PluginHarness;
using winnow::testing::ReadText;

namespace {
std::vector<std::string> Rows(int n) {
  std::vector<std::string> rows;
  for (int i = 0; i < n; ++i) rows.push_back("{\"i\": " + std::to_string(i) + "}");
  return rows;
}
}  // namespace

TEST_CASE("exporter/jsonl writes rows byte for byte") {
  auto h = PluginHarness::Create("exporter/jsonl", R"({"path": "out.jsonl"})");
  REQUIRE(h.ok());
  auto out = (*h)->RunExporter(Rows(3));
  REQUIRE(out.ok());
  CHECK(ReadText((*h)->work_dir() / "out" / "out.jsonl") == "{\"i\": 0}\n{\"i\": 1}\n{\"i\": 2}\n");
  REQUIRE(out->outputs.size() == 1);
}

TEST_CASE("exporter/jsonl shards by rows and compresses by extension") {
  auto h =
      PluginHarness::Create("exporter/jsonl", R"({"path": "s/part.jsonl.zst", "shard_rows": 4})");
  REQUIRE(h.ok());
  auto out = (*h)->RunExporter(Rows(10), 3);
  REQUIRE(out.ok());
  REQUIRE(out->outputs.size() == 3);
  auto dir = (*h)->work_dir() / "out" / "s";
  auto first = winnow::ReadFile(dir / "part-00000.jsonl.zst");
  REQUIRE(first.ok());
  CHECK(*first == "{\"i\": 0}\n{\"i\": 1}\n{\"i\": 2}\n{\"i\": 3}\n");
  auto last = winnow::ReadFile(dir / "part-00002.jsonl.zst");
  REQUIRE(last.ok());
  CHECK(*last == "{\"i\": 8}\n{\"i\": 9}\n");
}

TEST_CASE("exporter/jsonl shards by bytes at line boundaries") {
  auto h = PluginHarness::Create("exporter/jsonl", R"({"path": "b.jsonl", "shard_bytes": 20})");
  REQUIRE(h.ok());
  auto out = (*h)->RunExporter(Rows(6));
  REQUIRE(out.ok());
  std::string joined;
  for (const auto& p : out->outputs) {
    std::string text = ReadText(p);
    CHECK(text.back() == '\n');
    joined += text;
  }
  CHECK(joined == "{\"i\": 0}\n{\"i\": 1}\n{\"i\": 2}\n{\"i\": 3}\n{\"i\": 4}\n{\"i\": 5}\n");
  CHECK(out->outputs.size() >= 2);
}

TEST_CASE("exporter/jsonl writes an empty file for an empty stream") {
  auto h = PluginHarness::Create("exporter/jsonl", R"({"path": "empty.jsonl.gz"})");
  REQUIRE(h.ok());
  auto out = (*h)->RunExporter({});
  REQUIRE(out.ok());
  auto back = winnow::ReadFile((*h)->work_dir() / "out" / "empty.jsonl.gz");
  REQUIRE(back.ok());
  CHECK(back->empty());
}

TEST_CASE("exporter/jsonl refuses a zstd level for a gzip file") {
  auto bad =
      PluginHarness::Create("exporter/jsonl", R"({"path": "o.jsonl.gz", "compression_level": 15})");
  REQUIRE_FALSE(bad.ok());
  CHECK_THAT(bad.status().message(), Catch::Contains("gzip levels are 1-9"));
  auto ok = PluginHarness::Create("exporter/jsonl",
                                  R"({"path": "o.jsonl.zst", "compression_level": 15})");
  CHECK(ok.ok());
}

TEST_CASE("exporter/jsonl under MPI: a file per rank and rank 0's manifest") {
  auto h = PluginHarness::Create("exporter/jsonl", R"({"path": "d/part.jsonl", "shard_rows": 4})");
  REQUIRE(h.ok());
  (*h)->SetRank(0, 2);
  auto out = (*h)->RunExporter(Rows(10));
  REQUIRE(out.ok());
  REQUIRE(out->outputs.size() == 3);
  auto manifest =
      winnow::Value::Parse(ReadText((*h)->work_dir() / "out" / "d" / "part.manifest.json"));
  REQUIRE(manifest.ok());
  CHECK(manifest->find("rows")->as_int() == 10);
  const auto& files = manifest->find("files")->as_array();
  REQUIRE(files.size() == 3);
  for (size_t i = 0; i < files.size(); ++i) CHECK(files[i].as_string() == out->outputs[i]);
}
