// Tests for source/documents: globs and front matter directly, then the plugin
// (engine and driver), then the 770 real Hugging Face dataset cards.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <utime.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <string>

#include "documents_front_matter.h"
#include "documents_glob.h"
#include "harness/plugin_harness.h"
#include "source_test_driver.h"
#include "winnow/value.h"

using namespace winnow;
using namespace winnow::testing;
namespace fs = std::filesystem;

namespace {

Value Parse(const std::string& json) {
  auto v = Value::Parse(json);
  REQUIRE(v.ok());
  return *v;
}

std::string Config(const fs::path& root, const std::string& extra = "") {
  std::string c = "{\"root\":" + Value(root.string()).ToJson();
  if (!extra.empty()) c += "," + extra;
  return c + "}";
}

void SetMtime(const fs::path& p, time_t t) {
  struct utimbuf times {
    t, t
  };
  REQUIRE(::utime(p.c_str(), &times) == 0);
}

}  // namespace

TEST_CASE("documents glob matching", "[documents]") {
  using documents::GlobMatch;
  CHECK(GlobMatch("**/*.md", "a.md"));
  CHECK(GlobMatch("**/*.md", "x/y/a.md"));
  CHECK_FALSE(GlobMatch("*.md", "x/a.md"));
  CHECK(GlobMatch("*.md", "a.md"));
  CHECK(GlobMatch("docs/**", "docs/a/b.txt"));
  CHECK_FALSE(GlobMatch("docs/**", "other/a.txt"));
  CHECK(GlobMatch("**/*.{md,txt}", "a/b.txt"));
  CHECK(GlobMatch("file?.txt", "file1.txt"));
  CHECK_FALSE(GlobMatch("file?.txt", "file10.txt"));
  CHECK(GlobMatch("[a-c]*.md", "b1.md"));
  CHECK_FALSE(GlobMatch("[!a-c]*.md", "b1.md"));
  CHECK(GlobMatch("a/**/b/*.md", "a/b/x.md"));
  CHECK(GlobMatch("a/**/b/*.md", "a/1/2/b/x.md"));
  CHECK_FALSE(GlobMatch("a/**/b/*.md", "a/1/2/c/x.md"));
  CHECK(GlobMatch("\\*.md", "*.md"));
  CHECK_FALSE(GlobMatch("\\*.md", "a.md"));
  CHECK(documents::ExpandBraces("{a,b{c,d}}x") == std::vector<std::string>{"ax", "bcx", "bdx"});
}

TEST_CASE("front matter: splitting and YAML scalars", "[documents]") {
  using documents::SplitFrontMatter;
  auto fm = SplitFrontMatter("---\ntitle: x\n---\nbody\n");
  CHECK(fm.present);
  CHECK(fm.closed);
  CHECK(fm.yaml == "title: x\n");
  CHECK(fm.body == "body\n");
  fm = SplitFrontMatter("---  \r\na: 1\r\n...\r\n\r\nbody");
  CHECK(fm.closed);
  CHECK(fm.yaml == "a: 1\r\n");
  CHECK(fm.body == "\r\nbody");
  CHECK_FALSE(SplitFrontMatter("# title\n---\n").present);
  CHECK_FALSE(SplitFrontMatter("---").present);
  fm = SplitFrontMatter("---\na: 1\nno end\n");
  CHECK(fm.present);
  CHECK_FALSE(fm.closed);

  using documents::ResolvePlainScalar;
  CHECK(ResolvePlainScalar("") == Value());
  CHECK(ResolvePlainScalar("~") == Value());
  CHECK(ResolvePlainScalar("True") == Value(true));
  CHECK(ResolvePlainScalar("no") == Value("no"));  // YAML 1.2: not a bool
  CHECK(ResolvePlainScalar("42") == Value(42));
  CHECK(ResolvePlainScalar("-42") == Value(-42));
  CHECK(ResolvePlainScalar("0x1F") == Value(31));
  CHECK(ResolvePlainScalar("0o17") == Value(15));
  CHECK(ResolvePlainScalar("1.5") == Value(1.5));
  CHECK(ResolvePlainScalar("1e3") == Value(1000.0));
  CHECK(ResolvePlainScalar(".inf") == Value(".inf"));
  CHECK(ResolvePlainScalar("2021-01-01") == Value("2021-01-01"));
  CHECK(ResolvePlainScalar("100K<n<1M") == Value("100K<n<1M"));
  CHECK(ResolvePlainScalar("99999999999999999999") == Value(1e20));

  Value v;
  documents::YamlError err;
  REQUIRE(
      documents::ParseYamlObject("a: '1'\nb: 1\nc: [x, null, \"true\"]\nd: {e: f}\n", &v, &err));
  CHECK(v == Parse(R"({"a":"1","b":1,"c":["x",null,"true"],"d":{"e":"f"}})"));
  REQUIRE(documents::ParseYamlObject("", &v, &err));
  CHECK(v == Value::MakeObject());
  CHECK_FALSE(documents::ParseYamlObject("- a\n- b\n", &v, &err));
  CHECK(err.message.find("not a mapping") != std::string::npos);
  CHECK_FALSE(documents::ParseYamlObject("a: [1, 2\nb: 3\n", &v, &err));
  CHECK(err.line >= 0);
  // A billion-laughs style alias bomb is refused rather than expanded.
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'h'; ++c) {
    bomb += std::string(1, c) + ": &" + c + " [";
    for (int i = 0; i < 10; ++i) bomb += std::string(i ? ", *" : "*") + static_cast<char>(c - 1);
    bomb += "]\n";
  }
  CHECK_FALSE(documents::ParseYamlObject(bomb, &v, &err));
  CHECK(err.message.find("1,000,000") != std::string::npos);
}

TEST_CASE("source/documents reads a folder: fields, order, front matter, filters", "[documents]") {
  TempDir dir;
  fs::path root = dir / "corpus";
  WriteText(root / "b.md",
            "---\ntitle: \"Card B\"\ntags: [x, y]\nsize_categories:\n- 1K<n<10K\n---\n# B\nbody\n");
  WriteText(root / "a.txt", "plain text\n");
  WriteText(root / "sub/c.md", "no front matter\n");
  WriteText(root / "sub/skip.log", "not included\n");
  WriteText(root / "drafts/d.md", "excluded\n");
  WriteText(root / ".hidden/e.md", "hidden\n");
  WriteText(root / ".f.md", "hidden file\n");
  for (const char* f : {"b.md", "a.txt", "sub/c.md"}) SetMtime(root / f, 1700000000);

  auto h = PluginHarness::Create("source/documents", Config(root, R"("exclude": ["drafts/**"])"));
  REQUIRE(h.ok());
  auto out = (*h)->RunSource();
  REQUIRE(out.ok());
  REQUIRE(out->rows.size() == 3);
  CHECK(out->rejects.empty());
  CHECK(
      out->rows[0] ==
      R"({"path":"a.txt","text":"plain text\n","size":11,"modified":"2023-11-14T22:13:20Z","metadata":{}})");
  Value b = Parse(out->rows[1]);
  CHECK(*b.find("path") == Value("b.md"));
  CHECK(*b.find("text") == Value("# B\nbody\n"));
  CHECK(b.find("size")->as_int() == static_cast<int64_t>(fs::file_size(root / "b.md")));
  CHECK(*b.find("metadata") ==
        Parse(R"({"title":"Card B","tags":["x","y"],"size_categories":["1K<n<10K"]})"));
  CHECK(*Parse(out->rows[2]).find("path") == Value("sub/c.md"));
  // Ordinals are positions in the sorted list.
  CHECK(out->row_ids[0].ordinal == 0);
  CHECK(out->row_ids[2].ordinal == 2);

  auto hidden =
      DriveSource("documents", Config(root, R"("include_hidden": true, "include": ["**/*.md"])"));
  REQUIRE(hidden.ok());
  std::vector<std::string> paths;
  for (const auto& r : hidden->rows) paths.push_back(Parse(r).find("path")->as_string());
  CHECK(paths ==
        std::vector<std::string>{".f.md", ".hidden/e.md", "b.md", "drafts/d.md", "sub/c.md"});
  CHECK(hidden->locations[2] == (root / "b.md").string());
}

TEST_CASE("source/documents: metadata_field and front_matter options", "[documents]") {
  TempDir dir;
  WriteText(dir / "x.md", "---\nlang: en\npath: nope\n---\ntext\n");
  WriteText(dir / "y.txt", "---\nlang: fr\n---\nbody\n");
  auto top = DriveSource("documents", Config(dir.path(), R"("metadata_field": "")"));
  REQUIRE(top.ok());
  REQUIRE(top->rows.size() == 2);
  Value x = Parse(top->rows[0]);
  CHECK(*x.find("lang") == Value("en"));
  CHECK(*x.find("path") == Value("x.md"));  // the built-in field wins
  CHECK(x.find("metadata") == nullptr);
  CHECK(top->counters["documents.metadata_key_conflicts"] == 1);
  // .txt files keep their text unless front_matter: all.
  CHECK(*Parse(top->rows[1]).find("text") == Value("---\nlang: fr\n---\nbody\n"));
  auto all = DriveSource("documents",
                         Config(dir.path(), R"("front_matter": "all", "metadata_field": "meta")"));
  REQUIRE(all.ok());
  CHECK(*Parse(all->rows[1]).find("meta") == Parse(R"({"lang":"fr"})"));
  CHECK(*Parse(all->rows[1]).find("text") == Value("body\n"));
  auto none = DriveSource("documents", Config(dir.path(), R"("front_matter": "none")"));
  REQUIRE(none.ok());
  CHECK(*Parse(none->rows[0]).find("text") == Value("---\nlang: en\npath: nope\n---\ntext\n"));
  CHECK(*Parse(none->rows[0]).find("metadata") == Value::MakeObject());
}

TEST_CASE("source/documents: bad files become rejects with reasons", "[documents]") {
  TempDir dir;
  WriteText(dir / "1-bad-yaml.md", "---\ntitle: ok\ntags: [a, b\nother: 1\n---\nbody\n");
  WriteText(dir / "2-unclosed.md", "---\ntitle: x\nbody without end\n");
  WriteText(dir / "3-list.md", "---\n- a\n- b\n---\nbody\n");
  WriteText(dir / "4-latin1.txt", "caf\xE9\n");
  WriteText(dir / "5-big.txt", std::string(2000, 'x'));
  WriteText(dir / "6-good.md", "---\nok: true\n---\nfine\n");
  auto h = PluginHarness::Create("source/documents", Config(dir.path(), R"("max_bytes": 1000)"));
  REQUIRE(h.ok());
  auto out = (*h)->RunSource(2);
  REQUIRE(out.ok());
  REQUIRE(out->rows.size() == 1);
  CHECK(*Parse(out->rows[0]).find("metadata") == Parse(R"({"ok":true})"));
  REQUIRE(out->rejects.size() == 5);
  std::map<std::string, Reject> by_path;
  for (const auto& r : out->rejects) {
    Value rec = Parse(r.record_json);
    by_path[rec.find("path")->as_string()] = r;
  }
  const Reject& yaml = by_path["1-bad-yaml.md"];
  CHECK(yaml.reason == "front_matter");
  CHECK(yaml.location == (dir / "1-bad-yaml.md").string());
  CHECK(yaml.detail.find((dir / "1-bad-yaml.md").string() + ":") != std::string::npos);
  CHECK(yaml.detail.find("invalid YAML front matter") != std::string::npos);
  CHECK(Parse(yaml.record_json).find("front_matter") != nullptr);
  CHECK(by_path["2-unclosed.md"].reason == "front_matter");
  CHECK(by_path["2-unclosed.md"].detail.find("never closed") != std::string::npos);
  CHECK(by_path["3-list.md"].reason == "front_matter");
  CHECK(by_path["3-list.md"].detail.find("not a mapping") != std::string::npos);
  CHECK(by_path["4-latin1.txt"].reason == "invalid_utf8");
  CHECK(by_path["4-latin1.txt"].detail.find("offset 3") != std::string::npos);
  CHECK(by_path["5-big.txt"].reason == "too_large");
  CHECK(by_path["5-big.txt"].detail.find("2000 bytes") != std::string::npos);
  CHECK(by_path["5-big.txt"].location == (dir / "5-big.txt").string());
}

TEST_CASE("source/documents: errors that stop the run", "[documents]") {
  TempDir dir;
  auto missing = DriveSource("documents", Config(dir / "absent"));
  REQUIRE(!missing.ok());
  CHECK(missing.status().code() == StatusCode::kNotFound);
  CHECK(missing.status().message().find("absent") != std::string::npos);
  WriteText(dir / "file.md", "x");
  auto not_dir = DriveSource("documents", Config(dir / "file.md"));
  REQUIRE(!not_dir.ok());
  CHECK(not_dir.status().message().find("not a folder") != std::string::npos);
  auto bad =
      PluginHarness::Create("source/documents", Config(dir.path(), R"("front_matter": "yes")"));
  REQUIRE(!bad.ok());
  CHECK(bad.status().message().find("front_matter") != std::string::npos);
}

TEST_CASE("source/documents: shards files by rank with stable row ids", "[documents]") {
  TempDir dir;
  for (int i = 0; i < 23; ++i) {
    WriteText(dir / ("d" + std::to_string(i % 4)) / ("f" + std::to_string(i) + ".md"),
              "---\nn: " + std::to_string(i) + "\n---\ntext " + std::to_string(i) + "\n");
  }
  auto all = DriveSource("documents", Config(dir.path()), Batched(5));
  REQUIRE(all.ok());
  REQUIRE(all->rows.size() == 23);
  std::map<uint64_t, std::string> expected;
  for (size_t i = 0; i < all->rows.size(); ++i) expected[all->ids[i].ordinal] = all->rows[i];
  for (int world : {2, 4}) {
    std::map<uint64_t, std::string> got;
    for (int rank = 0; rank < world; ++rank) {
      auto part = DriveSource("documents", Config(dir.path()), Sharded(rank, world, 3));
      REQUIRE(part.ok());
      for (size_t i = 0; i < part->rows.size(); ++i) {
        CHECK(got.emplace(part->ids[i].ordinal, part->rows[i]).second);
      }
    }
    CHECK(got == expected);
  }
}

TEST_CASE("source/documents loads all 770 Hugging Face dataset cards", "[documents][shared]") {
  fs::path cards = SharedDataDir() / "hf-dataset-cards";
  if (!fs::is_directory(cards)) {
    WARN("skipping: " << cards.string() << " is absent (see ../shared/data/README.md)");
    return;
  }
  size_t on_disk = 0;
  for (const auto& e : fs::directory_iterator(cards)) on_disk += e.path().extension() == ".md";
  auto h = PluginHarness::Create("source/documents", Config(cards, R"("include": ["*.md"])"));
  REQUIRE(h.ok());
  auto out = (*h)->RunSource();
  REQUIRE(out.ok());
  CHECK(out->rejects.empty());
  for (const auto& r : out->rejects) INFO(r.location << ": " << r.detail);
  CHECK(on_disk == 770);
  REQUIRE(out->rows.size() == on_disk);
  std::map<std::string, Value> by_path;
  size_t with_metadata = 0;
  std::set<std::string> body_starts_with_rule;
  for (const auto& row : out->rows) {
    Value v = Parse(row);
    with_metadata += v.find("metadata")->size() > 0;
    if (v.find("text")->as_string().starts_with("---\n")) {
      body_starts_with_rule.insert(v.find("path")->as_string());
    }
    by_path[v.find("path")->as_string()] = std::move(v);
  }
  // Two real cards repeat the closing "---"; only the first block is front matter.
  CHECK(body_starts_with_rule == std::set<std::string>{"cail2018.md", "yelp_review_full.md"});
  CHECK(by_path.at("cail2018.md")
            .find("text")
            ->as_string()
            .starts_with("---\n# Dataset Card for CAIL 2018\n"));
  CHECK(with_metadata == 764);  // six cards (csv.md, json.md, ...) have no front matter
  const Value& ag = by_path.at("ag_news.md");
  const Value* meta = ag.find("metadata");
  CHECK(*meta->find("pretty_name") == Value("AG\xE2\x80\x99s News Corpus"));
  CHECK(*meta->find("license") == Parse(R"(["unknown"])"));
  CHECK(*meta->find("task_ids") == Parse(R"(["topic-classification"])"));
  CHECK(*meta->find("size_categories") == Parse(R"(["100K<n<1M"])"));
  const Value* eval = meta->find("train-eval-index");
  REQUIRE(eval != nullptr);
  REQUIRE(eval->is_array());
  CHECK(*eval->as_array()[0].find("col_mapping") == Parse(R"({"text":"text","label":"target"})"));
  CHECK(ag.find("text")->as_string().find("# Dataset Card for") != std::string::npos);
  CHECK(by_path.at("csv.md").find("metadata")->size() == 0);
  CHECK(out->counters["documents.front_matter"] == 764);
}
