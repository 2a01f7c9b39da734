#include <catch2/catch.hpp>

#include <set>

#include "harness/plugin_harness.h"
#include "winnow/io.h"

using winnow::testing::PluginHarness;
using winnow::testing::TempDir;
using winnow::testing::WriteText;

namespace {
std::unique_ptr<PluginHarness> Source(const std::string& config) {
  auto h = PluginHarness::Create("source/jsonl", config);
  REQUIRE(h.ok());
  return std::move(h).value();
}
std::string Paths(const std::filesystem::path& p) {
  return R"({"paths": [")" + p.string() + R"("]})";
}
}  // namespace

TEST_CASE("source/jsonl keeps line bytes and rejects bad lines with file:line") {
  TempDir dir;
  WriteText(dir / "a.jsonl",
            "{\"text\": \"ok \\u00e9\",  \"n\" : 1}\n"
            "\n"
            "{broken\n"
            "[1, 2]\n"
            "{\"text\": \"\xC3\x28\"}\n"
            "{\"last\": true}");  // no trailing newline
  auto h = Source(Paths(dir / "a.jsonl"));
  auto out = h->RunSource();
  REQUIRE(out.ok());
  REQUIRE(out->rows.size() == 2);
  CHECK(out->rows[0] == "{\"text\": \"ok \\u00e9\",  \"n\" : 1}");
  CHECK(out->rows[1] == "{\"last\": true}");
  CHECK(out->row_ids[1].ordinal == 6);
  REQUIRE(out->rejects.size() == 3);
  CHECK(out->rejects[0].reason == "malformed_json");
  CHECK(out->rejects[0].location == (dir / "a.jsonl").string() + ":3");
  CHECK(out->rejects[1].reason == "not_an_object");
  CHECK(out->rejects[2].reason == "invalid_utf8");
  CHECK(out->rejects[2].location == (dir / "a.jsonl").string() + ":5");
  CHECK(out->counters.at("empty_lines") == 1);
}

TEST_CASE("source/jsonl reads gzip, zstd, JSON arrays, globs and directories in sorted order") {
  TempDir dir;
  REQUIRE(
      winnow::WriteFileAtomic(dir / "d" / "b.jsonl.gz", "{\"f\":\"b1\"}\n{\"f\":\"b2\"}\n").ok());
  REQUIRE(winnow::WriteFileAtomic(dir / "d" / "a.jsonl.zst", "{\"f\":\"a1\"}\n").ok());
  WriteText(dir / "d" / "c.json", R"([{"f": "c1"}, {"f": "c2"}])");
  WriteText(dir / "d" / "e.json", "{\"f\": \"e1\"}\n{\"f\": \"e2\"}\n");  // JSON Lines named .json
  WriteText(dir / "d" / "ignored.txt", "not read");
  auto out = Source(Paths(dir / "d"))->RunSource();
  REQUIRE(out.ok());
  std::string all;
  for (const auto& r : out->rows) all += r + "\n";
  CHECK(all ==
        "{\"f\":\"a1\"}\n{\"f\":\"b1\"}\n{\"f\":\"b2\"}\n{\"f\": \"c1\"}\n{\"f\": \"c2\"}\n"
        "{\"f\": \"e1\"}\n{\"f\": \"e2\"}\n");
  auto glob =
      Source(R"({"paths": [")" + (dir / "d" / "*.jsonl.*").string() + R"("]})")->RunSource();
  REQUIRE(glob.ok());
  CHECK(glob->rows.size() == 3);
}

TEST_CASE("source/jsonl stops on truncated or empty compressed files, or skips them") {
  TempDir dir;
  std::string payload;
  for (int i = 0; i < 50000; ++i) payload += "{\"i\":" + std::to_string(i) + "}\n";
  REQUIRE(winnow::WriteFileAtomic(dir / "t.jsonl.gz", payload).ok());
  std::string bytes = winnow::testing::ReadText(dir / "t.jsonl.gz");
  WriteText(dir / "t.jsonl.gz", bytes.substr(0, bytes.size() / 2));
  WriteText(dir / "empty.jsonl.zst", "");
  auto fail = Source(Paths(dir / "t.jsonl.gz"))->RunSource();
  REQUIRE_FALSE(fail.ok());
  CHECK_THAT(fail.status().message(), Catch::Contains("t.jsonl.gz"));
  CHECK_THAT(fail.status().message(), Catch::Contains("truncated"));
  auto empty = Source(Paths(dir / "empty.jsonl.zst"))->RunSource();
  REQUIRE_FALSE(empty.ok());
  CHECK_THAT(empty.status().message(), Catch::Contains("is empty"));
  auto skip = Source(R"({"on_corrupt_file": "skip", "paths": [")" + (dir / "t.jsonl.gz").string() +
                     R"(", ")" + (dir / "empty.jsonl.zst").string() + R"("]})")
                  ->RunSource();
  REQUIRE(skip.ok());
  CHECK(skip->rows.size() > 0);
  CHECK(skip->rows.size() < 50000);
  REQUIRE(skip->rejects.size() == 2);
  CHECK(skip->rejects[0].reason == "corrupt_file");
}

TEST_CASE("source/jsonl rejects oversized lines without holding them") {
  TempDir dir;
  std::string big(300000, 'x');
  WriteText(dir / "big.jsonl", "{\"a\":1}\n{\"t\":\"" + big + "\"}\n{\"a\":2}\n");
  auto out =
      Source(R"({"max_line_bytes": 100000, "paths": [")" + (dir / "big.jsonl").string() + R"("]})")
          ->RunSource();
  REQUIRE(out.ok());
  REQUIRE(out->rows.size() == 2);
  CHECK(out->rows[1] == "{\"a\":2}");
  REQUIRE(out->rejects.size() == 1);
  CHECK(out->rejects[0].reason == "line_too_long");
  CHECK(out->rejects[0].location == (dir / "big.jsonl").string() + ":2");
}

TEST_CASE("source/jsonl shards files by rank with rank-independent row ids") {
  TempDir dir;
  for (int f = 0; f < 5; ++f) {
    WriteText(dir / ("f" + std::to_string(f) + ".jsonl"), "{\"f\":" + std::to_string(f) + "}\n");
  }
  std::set<std::string> seen;
  size_t total = 0;
  for (int rank = 0; rank < 2; ++rank) {
    auto h = Source(Paths(dir.path()));
    h->SetRank(rank, 2);
    auto out = h->RunSource();
    REQUIRE(out.ok());
    total += out->rows.size();
    for (size_t i = 0; i < out->rows.size(); ++i) {
      seen.insert(out->rows[i]);
      CHECK(out->row_ids[i].ordinal >> 40 == static_cast<uint64_t>(out->rows[i][5] - '0'));
    }
  }
  CHECK(total == 5);
  CHECK(seen.size() == 5);
}

TEST_CASE("source/jsonl reports a missing path and a glob matching nothing") {
  auto h = Source(R"({"paths": ["/nonexistent/x.jsonl"]})");
  auto out = h->RunSource();
  REQUIRE_FALSE(out.ok());
  CHECK_THAT(out.status().message(), Catch::Contains("/nonexistent/x.jsonl"));
  auto g = Source(R"({"paths": ["/nonexistent/*.jsonl"]})")->RunSource();
  REQUIRE_FALSE(g.ok());
  CHECK_THAT(g.status().message(), Catch::Contains("no file matches"));
}

// Files of 1 MB and more are read through a memory mapping; the last bytes of
// the file and lines longer than a chunk switch to the copying reader. Both
// must give exactly the rows, line numbers and rejects of the copying reader.
TEST_CASE("source/jsonl reads large files through a mapping with the same rows") {
  TempDir dir;
  std::string body;
  std::vector<std::string> want;
  auto add = [&](const std::string& line, const char* end = "\n") {
    body += line + end;
    if (!line.empty() && line != "\r") want.push_back(line);
  };
  for (int i = 0; i < 9000; ++i) {
    std::string line = "{\"i\": " + std::to_string(i) + ", \"t\": \"" +
                       std::string(static_cast<size_t>(50 + (i * 37) % 400), 'a' + i % 26) + "\"}";
    if (i % 1000 == 999) add("");           // empty lines keep their numbers
    add(line, i % 7 == 0 ? "\r\n" : "\n");  // CRLF lines lose the \r
    if (i == 4000) add("{\"long\": \"" + std::string(5u << 20, 'x') + "\"}");  // > one chunk
  }
  for (int i = 0; i < 8; ++i) add("{\"e\":" + std::to_string(i) + "}");  // the last 64 bytes
  body += "{\"final\": true}";                                           // no newline
  want.push_back("{\"final\": true}");
  for (auto& w : want) {
    if (!w.empty() && w.back() == '\r') w.pop_back();
  }
  WriteText(dir / "big.jsonl", body);
  REQUIRE(body.size() > (6u << 20));  // mapped (>= 1 MB), more than one chunk before the long line
  auto out = Source(Paths(dir / "big.jsonl"))->RunSource(700);
  REQUIRE(out.ok());
  REQUIRE(out->rows.size() == want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    INFO("row " << i);
    REQUIRE(out->rows[i] == want[i]);
  }
  // Line numbers survive the switch between mapped and copied reading.
  CHECK((out->row_ids.back().ordinal & ((uint64_t{1} << 40) - 1)) ==
        static_cast<uint64_t>(std::count(body.begin(), body.end(), '\n') + 1));
  CHECK(out->rejects.empty());
}
