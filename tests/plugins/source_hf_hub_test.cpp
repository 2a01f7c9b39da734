// Tests of source/hf_hub against a fake Hub (tests/fixtures/fake_hub) speaking
// the real wire format, plus unit tests of the split rules and codecs.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>

#include "fake_hub.h"
#include "harness/plugin_harness.h"
#include "hf_hub_client.h"
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

std::string Lines(const std::string& prefix, int from, int to) {
  std::string s;
  for (int i = from; i < to; ++i)
    s += "{\"id\":" + std::to_string(i) + ",\"text\":\"" + prefix + std::to_string(i) + "\"}\n";
  return s;
}

std::string Config(const FakeHub& hub, const TempDir& cache, const std::string& repo,
                   const std::string& extra = "") {
  return "{\"repo_id\":\"" + repo + "\",\"endpoint\":\"" + hub.endpoint() + "\",\"cache_dir\":\"" +
         cache.path().string() + "\",\"retry_backoff_ms\":5" + (extra.empty() ? "" : "," + extra) +
         "}";
}

winnow::Result<winnow::testing::HarnessOutput> Run(const std::string& config,
                                                   const std::string& token = "") {
  auto h = PluginHarness::Create("source/hf_hub", config);
  if (!h.ok()) return h.status();
  if (!token.empty()) (*h)->SetSecret("HF_TOKEN", token);
  return (*h)->RunSource(7);
}

std::string Field(const std::string& row, const std::string& key) {
  auto v = winnow::Value::Parse(row);
  REQUIRE(v.ok());
  const winnow::Value* f = v->find(key);
  REQUIRE(f != nullptr);
  return f->is_string() ? f->as_string() : f->ToJson();
}

// Keeps process environment changes local to a test.
struct EnvGuard {
  std::vector<std::string> names;
  void Set(const std::string& n, const std::string& v) {
    names.push_back(n);
    ::setenv(n.c_str(), v.c_str(), 1);
  }
  ~EnvGuard() {
    for (const auto& n : names) ::unsetenv(n.c_str());
  }
};

}  // namespace

// ---------------------------------------------------------------- pure functions

TEST_CASE("hf_hub codecs: sha256, git blob ids, base64", "[hf_hub]") {
  using namespace winnow::hf;
  CHECK(Sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(Sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(Sha256Hex(std::string(1000000, 'a')) ==
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  // Incremental updates in odd pieces give the same digest as one call.
  std::string data;
  for (int i = 0; i < 5000; ++i) data += static_cast<char>(i * 7 + 3);
  Sha256 inc;
  for (size_t pos = 0, step = 1; pos < data.size(); pos += step, step = step * 3 % 97 + 1) {
    inc.Update(std::string_view(data).substr(pos, step));
  }
  CHECK(inc.FinalHex() == Sha256Hex(data));
  CHECK(GitBlobSha1("") == "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
  CHECK(GitBlobSha1("hello\n") == "ce013625030ba8dba906f756967f9e9ca394464a");
  for (std::string s : {"", "a", "ab", "abc", "abcd", "\xff\x00\x10 binary"}) {
    std::string back;
    REQUIRE(Base64Decode(Base64Encode(s), &back));
    CHECK(back == s);
  }
  CHECK(Base64Encode("abcd") == "YWJjZA==");
  std::string bad;
  CHECK_FALSE(Base64Decode("a$b=", &bad));
}

TEST_CASE("hf_hub path, repo id and header helpers", "[hf_hub]") {
  using namespace winnow::hf;
  CHECK(CheckRepoPath("data/train.jsonl").empty());
  CHECK_FALSE(CheckRepoPath("../evil.jsonl").empty());
  CHECK_FALSE(CheckRepoPath("data/../../x").empty());
  CHECK_FALSE(CheckRepoPath("/etc/passwd").empty());
  CHECK_FALSE(CheckRepoPath("a//b").empty());
  CHECK_FALSE(CheckRepoPath("a\\..\\b").empty());
  CHECK(CheckRepoId("org/name").empty());
  CHECK(CheckRepoId("squad").empty());
  CHECK_FALSE(CheckRepoId("org/../x").empty());
  CHECK_FALSE(CheckRepoId("a/b/c").empty());
  CHECK(RepoFolderName("org/name") == "datasets--org--name");
  CHECK(NormalizeEtag("W/\"abc\"") == "abc");
  CHECK(NormalizeEtag("\"abc\"") == "abc");
  CHECK(SnapshotLinkTarget("a.jsonl", "e") == "../../blobs/e");
  CHECK(SnapshotLinkTarget("data/x/a.jsonl", "e") == "../../../../blobs/e");
  CHECK(NextLink("<https://h/api?cursor=2>; rel=\"next\"") == "https://h/api?cursor=2");
  CHECK(NextLink("<https://h/a>; rel=\"prev\", <https://h/b>; rel=\"next\"") == "https://h/b");
  CHECK(NextLink("").empty());
  CHECK(QuotePath("data/a b.jsonl") == "data/a%20b.jsonl");
}

TEST_CASE("hf_hub globs follow fnmatch with ** directories", "[hf_hub]") {
  using winnow::hf::HubGlob;
  CHECK(HubGlob("data/train-*", "data/train-00000-of-00001.parquet"));
  CHECK_FALSE(HubGlob("data/train-*", "data/x/train-0.parquet"));
  CHECK(HubGlob("**/train[-._ 0-9]*", "train.jsonl"));
  CHECK(HubGlob("**/train[-._ 0-9]*", "a/b/train-1.csv"));
  CHECK_FALSE(HubGlob("**/train[-._ 0-9]*", "training.csv"));
  CHECK(HubGlob("**/*[-._ 0-9]test[-._ 0-9]*", "my_test.jsonl"));
  CHECK(HubGlob("**/train/**", "train/a/b.jsonl"));
  CHECK(HubGlob("**", "x/y/z.json"));
  CHECK(HubGlob("data/[!t]*.csv", "data/valid.csv"));
  CHECK_FALSE(HubGlob("data/[!t]*.csv", "data/test.csv"));
  CHECK(HubGlob("data/?.csv", "data/a.csv"));
}

TEST_CASE("hf_hub default split patterns match the datasets library", "[hf_hub]") {
  using namespace winnow::hf;
  auto select = [](std::vector<std::string> files) {
    auto s = SelectDataFiles(files, nullptr, SelectRequest{});
    REQUIRE(s.ok());
    return std::move(s).value();
  };
  {  // push_to_hub layout
    auto s = select({"README.md", "data/test-00000-of-00001.parquet",
                     "data/train-00000-of-00002.parquet", "data/train-00001-of-00002.parquet",
                     "data/my_extra-00000-of-00001.parquet"});
    REQUIRE(s.splits.size() == 3);
    CHECK(s.splits[0].split == "train");
    CHECK(s.splits[0].files.size() == 2);
    CHECK(s.splits[1].split == "test");
    CHECK(s.splits[2].split == "my_extra");
    CHECK(s.format == "parquet");
  }
  {  // split directories
    auto s = select({"train/a.jsonl", "train/b.jsonl", "dev/x.jsonl", ".hidden/train/z.jsonl"});
    REQUIRE(s.splits.size() == 2);
    CHECK(s.splits[0].split == "train");
    CHECK(s.splits[0].files == std::vector<std::string>{"train/a.jsonl", "train/b.jsonl"});
    CHECK(s.splits[1].split == "validation");
  }
  {  // keywords in file names; README and hidden files are never data
    auto s = select({"README.md", "my_train.csv", "test.csv", ".gitattributes"});
    REQUIRE(s.splits.size() == 2);
    CHECK(s.splits[0].files == std::vector<std::string>{"my_train.csv"});
    CHECK(s.splits[1].split == "test");
    CHECK(s.format == "csv");
  }
  {  // no keywords: everything is train; the most common format wins
    auto s = select({"a.jsonl", "b.jsonl.gz", "notes.txt", "script.py"});
    REQUIRE(s.splits.size() == 1);
    CHECK(s.splits[0].split == "train");
    CHECK(s.format == "json");
    CHECK(s.splits[0].files == std::vector<std::string>{"a.jsonl", "b.jsonl.gz"});
  }
  {  // nothing readable
    auto s = SelectDataFiles({"README.md", "loader.py"}, nullptr, SelectRequest{});
    CHECK(s.status().code() == winnow::StatusCode::kNotFound);
  }
}

TEST_CASE("hf_hub reads configs from the dataset card", "[hf_hub]") {
  using namespace winnow::hf;
  std::string card =
      "---\nlicense: mit\nconfigs:\n- config_name: en\n  data_files:\n  - split: train\n    path: "
      "en/train-*\n  - split: test\n    path: [en/test.jsonl]\n  default: true\n- config_name: fr\n"
      "  data_dir: fr\n---\n# Card\n";
  std::vector<std::string> files = {"README.md",     "en/train-0.jsonl", "en/train-1.jsonl",
                                    "en/test.jsonl", "fr/train.jsonl",   "fr/validation.jsonl"};
  auto en = SelectDataFiles(files, &card, SelectRequest{});
  REQUIRE(en.ok());
  CHECK(en->config == "en");
  REQUIRE(en->splits.size() == 2);
  CHECK(en->splits[0].files.size() == 2);
  CHECK(en->splits[1].files == std::vector<std::string>{"en/test.jsonl"});
  SelectRequest fr_req;
  fr_req.config = "fr";
  auto fr = SelectDataFiles(files, &card, fr_req);
  REQUIRE(fr.ok());
  REQUIRE(fr->splits.size() == 2);
  CHECK(fr->splits[0].files == std::vector<std::string>{"fr/train.jsonl"});
  CHECK(fr->splits[1].split == "validation");
  SelectRequest bad;
  bad.config = "de";
  auto de = SelectDataFiles(files, &card, bad);
  CHECK(de.status().code() == winnow::StatusCode::kInvalidArgument);
  CHECK_THAT(de.status().message(), Catch::Contains("en, fr"));
  std::string broken = "---\nconfigs: [\n---\n";
  CHECK(ParseCardConfigs(broken).status().code() == winnow::StatusCode::kCorruption);
}

TEST_CASE("hf_hub parses every real dataset card of the shared data", "[hf_hub]") {
  fs::path dir = winnow::testing::SharedDataDir() / "hf-dataset-cards";
  if (!fs::is_directory(dir)) {
    WARN("skipped: " << dir << " is absent");
    return;
  }
  size_t n = 0, failed = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    std::string text = winnow::testing::ReadText(e.path());
    auto c = winnow::hf::ParseCardConfigs(text);
    if (!c.ok()) {
      ++failed;
      WARN(e.path().filename().string() << ": " << c.status().message());
    }
    ++n;
  }
  CHECK(n > 700);
  CHECK(failed == 0);
}

TEST_CASE("hf_hub understands the parquet conversion branch layouts", "[hf_hub]") {
  using namespace winnow::hf;
  auto s =
      SelectParquetConversion({"default/train/0000.parquet", "default/train/0001.parquet",
                               "default/partial-test/0000.parquet", "other/train/0000.parquet"},
                              "");
  REQUIRE(s.ok());
  CHECK(s->config == "default");
  REQUIRE(s->splits.size() == 2);
  CHECK(s->splits[0].split == "train");
  CHECK(s->splits[0].files.size() == 2);
  CHECK(s->splits[1].split == "test");
  auto old = SelectParquetConversion(
      {"plain_text/imdb-train.parquet", "plain_text/imdb-test-00000-of-00002.parquet",
       "plain_text/imdb-test-00001-of-00002.parquet"},
      "plain_text");
  REQUIRE(old.ok());
  REQUIRE(old->splits.size() == 2);
  CHECK(old->splits[1].files.size() == 2);
  CHECK(SelectParquetConversion({"default/train/0000.parquet"}, "nope").status().code() ==
        winnow::StatusCode::kNotFound);
}

// ---------------------------------------------------------------- against the fake Hub

TEST_CASE("hf_hub downloads into the huggingface_hub cache layout and reads splits",
          "[hf_hub][fake]") {
  FakeHub hub;
  hub.set_tree_page_size(2);
  std::string big = Lines("b", 100, 400);  // an LFS file (served through the CDN redirect)
  std::string commit = hub.SetFiles("org/ds", "main",
                                    {{"README.md", "# no configs\n"},
                                     {"data/train-00000-of-00002.jsonl", Lines("a", 0, 5)},
                                     {"data/train-00001-of-00002.jsonl", big},
                                     {"data/test-00000-of-00001.jsonl", Lines("t", 0, 3)}},
                                    1000);
  TempDir cache;
  auto out = Run(Config(hub, cache, "org/ds"));
  REQUIRE(out.ok());
  REQUIRE(out->rows.size() == 305);
  CHECK(Field(out->rows[0], "text") == "a0");
  CHECK(Field(out->rows[5], "text") == "b100");
  CHECK(out->row_ids[0].ordinal == 1);                   // file 0, line 1
  CHECK(out->row_ids[5].ordinal == ((1ULL << 40) | 1));  // file 1, line 1
  CHECK(out->counters["files_downloaded"] == 3);         // README + 2 train files
  CHECK(out->counters["rows.train"] == 305);
  CHECK(hub.Count("GET", "/api/datasets/org/ds/tree/") >= 3);  // paginated listing
  CHECK(hub.Count("GET", "/cdn/") == 1);

  fs::path repo = cache.path() / "datasets--org--ds";
  CHECK(winnow::testing::ReadText(repo / "refs" / "main") == commit);
  fs::path link = repo / "snapshots" / commit / "data" / "train-00001-of-00002.jsonl";
  REQUIRE(fs::is_symlink(link));
  std::string sha = winnow::hf::Sha256Hex(big);
  CHECK(fs::read_symlink(link).string() == "../../../blobs/" + sha);
  CHECK(winnow::testing::ReadText(repo / "blobs" / sha) == big);
  fs::path small = repo / "snapshots" / commit / "data" / "train-00000-of-00002.jsonl";
  CHECK(fs::read_symlink(small).string() ==
        "../../../blobs/" + winnow::hf::GitBlobSha1(Lines("a", 0, 5)));
  CHECK(fs::read_symlink(repo / "snapshots" / commit / "README.md").string() ==
        "../../blobs/" + winnow::hf::GitBlobSha1("# no configs\n"));

  SECTION("a second run is served from the cache") {
    hub.ClearLog();
    auto again = Run(Config(hub, cache, "org/ds", "\"split\":\"test\""));
    REQUIRE(again.ok());
    CHECK(again->rows.size() == 3);
    auto first = Run(Config(hub, cache, "org/ds"));
    REQUIRE(first.ok());
    CHECK(first->rows == out->rows);
    CHECK(hub.Count("HEAD", "/datasets/") == 1);  // only the test file was new
    CHECK(hub.Count("GET", "/cdn/") == 0);
  }
  SECTION("offline mode reads the snapshot without any request") {
    hub.ClearLog();
    EnvGuard env;
    env.Set("HF_HUB_OFFLINE", "1");
    auto off = Run(Config(hub, cache, "org/ds"));
    INFO(off.status().message());
    REQUIRE(off.ok());
    CHECK(off->rows == out->rows);
    CHECK(hub.log().empty());
    auto missing = Run(Config(hub, cache, "org/ds", "\"revision\":\"other\""));
    REQUIRE_FALSE(missing.ok());
    CHECK_THAT(missing.status().message(), Catch::Contains("offline"));
  }
  SECTION("a Python-style cache is reused: blobs present, snapshot missing") {
    fs::remove_all(repo / "snapshots");
    hub.ClearLog();
    auto again = Run(Config(hub, cache, "org/ds"));
    REQUIRE(again.ok());
    CHECK(again->rows == out->rows);
    CHECK(hub.Count("GET", "/cdn/") == 0);
    CHECK(again->counters["files_downloaded"] == 0);
  }
  SECTION("limit stops before downloading later files") {
    TempDir fresh;
    auto lim = Run(Config(hub, fresh, "org/ds", "\"limit\":4"));
    REQUIRE(lim.ok());
    CHECK(lim->rows.size() == 4);
    CHECK(lim->counters["files_downloaded"] == 2);  // README + first shard
  }
  SECTION("split all, and an unknown split names the available ones") {
    auto all = Run(Config(hub, cache, "org/ds", "\"split\":\"all\""));
    REQUIRE(all.ok());
    CHECK(all->rows.size() == 308);
    CHECK(all->counters["rows.test"] == 3);
    auto bad = Run(Config(hub, cache, "org/ds", "\"split\":\"dev\""));
    REQUIRE_FALSE(bad.ok());
    CHECK_THAT(bad.status().message(), Catch::Contains("available splits: train, test"));
  }
}

TEST_CASE("hf_hub honours HF_ENDPOINT, HF_HOME and HF_TOKEN", "[hf_hub][fake]") {
  FakeHub hub;
  hub.SetFiles("org/private", "main", {{"train.jsonl", Lines("p", 0, 2)}});
  hub.AddToken("good-token");
  hub.SetGated("org/private", true);
  TempDir home;
  EnvGuard env;
  env.Set("HF_ENDPOINT", hub.endpoint() + "/");
  env.Set("HF_HOME", home.path().string());
  std::string cfg = "{\"repo_id\":\"org/private\",\"retry_backoff_ms\":5}";
  SECTION("gated without a token") {
    auto r = Run(cfg);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == winnow::StatusCode::kPermissionDenied);
    CHECK_THAT(r.status().message(), Catch::Contains("gated"));
    CHECK_THAT(r.status().message(), Catch::Contains("GatedRepo"));
  }
  SECTION("token from HF_TOKEN") {
    auto r = Run(cfg, "good-token");
    REQUIRE(r.ok());
    CHECK(r->rows.size() == 2);
    CHECK(fs::exists(home.path() / "hub" / "datasets--org--private" / "refs" / "main"));
    bool sent = false;
    for (const auto& l : hub.log()) sent = sent || l.authorization == "Bearer good-token";
    CHECK(sent);
  }
  SECTION("token from the token file") {
    winnow::testing::WriteText(home.path() / "token", "good-token\n");
    auto r = Run(cfg);
    REQUIRE(r.ok());
    CHECK(r->rows.size() == 2);
  }
  SECTION("an expired token is refused with advice, and never printed") {
    hub.AddToken("old-token", false);
    auto r = Run(cfg, "old-token");
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == winnow::StatusCode::kPermissionDenied);
    CHECK_THAT(r.status().message(), Catch::Contains("refused the token from HF_TOKEN"));
    CHECK_THAT(r.status().message(), !Catch::Contains("old-token"));
  }
}

TEST_CASE("hf_hub reports missing repos, revisions and files", "[hf_hub][fake]") {
  FakeHub hub;
  hub.SetFiles("org/ds", "main", {{"train.jsonl", Lines("x", 0, 3)}});
  TempDir cache;
  auto repo = Run(Config(hub, cache, "org/nope"));
  REQUIRE_FALSE(repo.ok());
  CHECK(repo.status().code() == winnow::StatusCode::kNotFound);
  CHECK_THAT(repo.status().message(), Catch::Contains("RepoNotFound"));
  auto rev = Run(Config(hub, cache, "org/ds", "\"revision\":\"v9\""));
  REQUIRE_FALSE(rev.ok());
  CHECK(rev.status().code() == winnow::StatusCode::kNotFound);
  CHECK_THAT(rev.status().message(), Catch::Contains("RevisionNotFound"));
  hub.FailNext({"",
                "/datasets/org/ds/resolve/",
                1,
                404,
                {{"X-Error-Code", "EntryNotFound"}, {"X-Repo-Commit", "0"}},
                ""});
  auto entry = Run(Config(hub, cache, "org/ds"));
  REQUIRE_FALSE(entry.ok());
  CHECK(entry.status().code() == winnow::StatusCode::kNotFound);
  CHECK_THAT(entry.status().message(), Catch::Contains("train.jsonl"));
  CHECK_THAT(entry.status().message(), Catch::Contains("does not exist"));
  auto bad_id = PluginHarness::Create("source/hf_hub", "{\"repo_id\":\"a/../b\"}");
  CHECK_FALSE(bad_id.ok());
}

TEST_CASE("hf_hub retries 429 and 5xx honouring RateLimit and Retry-After", "[hf_hub][fake]") {
  FakeHub hub;
  hub.SetFiles("org/ds", "main", {{"train.jsonl", Lines("x", 0, 3)}});
  hub.FailNext({"GET",
                "/api/datasets/org/ds/revision/",
                1,
                429,
                {{"RateLimit", "\"api\";r=0;t=1"},
                 {"RateLimit-Policy", "\"fixed window\";\"api\";q=500;w=300"}},
                ""});
  hub.FailNext({"GET", "/api/datasets/org/ds/tree/", 2, 503, {{"Retry-After", "0"}}, ""});
  TempDir cache;
  auto start = std::chrono::steady_clock::now();
  auto r = Run(Config(hub, cache, "org/ds"));
  double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  REQUIRE(r.ok());
  CHECK(r->rows.size() == 3);
  CHECK(r->counters["http_retries"] == 3);
  CHECK(waited >= 0.9);  // the RateLimit reset (t=1) was honoured, not the 5 ms backoff
  SECTION("retries are bounded") {
    hub.FailNext({"GET", "/api/datasets/org/ds/revision/", 10, 500, {}, ""});
    TempDir c2;
    auto fail = Run(Config(hub, c2, "org/ds", "\"max_retries\":2"));
    REQUIRE_FALSE(fail.ok());
    CHECK(fail.status().code() == winnow::StatusCode::kUnavailable);
  }
}

TEST_CASE("hf_hub resumes a download cut mid-body", "[hf_hub][fake]") {
  FakeHub hub;
  std::string big = Lines("z", 0, 3000);  // ~60 KB, LFS
  hub.SetFiles("org/ds", "main", {{"train.jsonl", big}}, 1000);
  TempDir cache;
  SECTION("within one run (retry with Range)") {
    hub.CutNext("/cdn/", 1, 20000);
    auto r = Run(Config(hub, cache, "org/ds"));
    REQUIRE(r.ok());
    CHECK(r->rows.size() == 3000);
    bool ranged = false;
    for (const auto& l : hub.log()) ranged = ranged || l.range == "bytes=20000-";
    CHECK(ranged);
  }
  SECTION("across runs (.incomplete file kept)") {
    hub.CutNext("/cdn/", 1, 25000);
    auto r = Run(Config(hub, cache, "org/ds", "\"max_retries\":0"));
    REQUIRE_FALSE(r.ok());
    fs::path inc =
        cache.path() / "datasets--org--ds" / "blobs" / (winnow::hf::Sha256Hex(big) + ".incomplete");
    REQUIRE(fs::exists(inc));
    CHECK(fs::file_size(inc) == 25000);
    hub.ClearLog();
    auto again = Run(Config(hub, cache, "org/ds"));
    REQUIRE(again.ok());
    CHECK(again->rows.size() == 3000);
    CHECK(again->counters["resumed_downloads"] == 1);
    CHECK(again->counters["bytes_downloaded"] == static_cast<int64_t>(big.size() - 25000));
    CHECK_FALSE(fs::exists(inc));
  }
}

TEST_CASE("hf_hub refuses repo paths that escape the cache", "[hf_hub][fake]") {
  FakeHub hub;
  hub.SetFiles("org/ds", "main", {{"train.jsonl", Lines("x", 0, 2)}});
  hub.AddRawTreeEntry("org/ds", "../../escaped.jsonl", Lines("evil", 0, 1));
  hub.AddRawTreeEntry("org/ds", "/abs/evil.jsonl", Lines("evil", 0, 1));
  TempDir cache;
  auto r = Run(Config(hub, cache, "org/ds", "\"data_files\":[\"**\"]"));
  REQUIRE(r.ok());
  CHECK(r->rows.size() == 2);
  CHECK(r->counters["unsafe_paths_refused"] == 2);
  CHECK_FALSE(fs::exists(cache.path() / "escaped.jsonl"));
  CHECK_FALSE(fs::exists(cache.path().parent_path() / "escaped.jsonl"));
  CHECK(hub.Count("HEAD", "/datasets/org/ds/resolve/main/..") == 0);
}

TEST_CASE("hf_hub reads csv and text datasets, and card configs", "[hf_hub][fake]") {
  FakeHub hub;
  hub.SetFiles("org/csv", "main",
               {{"train.csv", "id,text,score\n1,hello,0.5\n2,\"a, b\",\n3,x\n"},
                {"empty_train.csv", ""},
                {"test.tsv", "id\ttext\n9\tnine\n"}});
  hub.SetFiles(
      "org/cfg", "main",
      {{"README.md",
        "---\nconfigs:\n- config_name: small\n  data_files: small/*.txt\n- config_name: "
        "big\n  default: true\n  data_files:\n  - split: train\n    path: big/*.jsonl\n---\n"},
       {"small/a.txt", "line one\nline two\n"},
       {"big/x.jsonl", Lines("big", 0, 4)}});
  TempDir cache;
  auto csv = Run(Config(hub, cache, "org/csv"));
  REQUIRE(csv.ok());
  REQUIRE(csv->rows.size() == 2);
  CHECK(csv->rows[0] == "{\"id\":1,\"text\":\"hello\",\"score\":0.5}");
  CHECK(csv->rows[1] == "{\"id\":2,\"text\":\"a, b\",\"score\":null}");
  REQUIRE(csv->rejects.size() == 1);
  CHECK(csv->rejects[0].reason == "csv_field_count");
  auto tsv = Run(Config(hub, cache, "org/csv", "\"split\":\"test\""));
  REQUIRE(tsv.ok());
  CHECK(tsv->rows == std::vector<std::string>{"{\"id\":9,\"text\":\"nine\"}"});
  auto def = Run(Config(hub, cache, "org/cfg"));
  REQUIRE(def.ok());
  CHECK(def->rows.size() == 4);
  auto small = Run(Config(hub, cache, "org/cfg", "\"config\":\"small\""));
  REQUIRE(small.ok());
  CHECK(small->rows ==
        std::vector<std::string>{"{\"text\":\"line one\"}", "{\"text\":\"line two\"}"});
}

TEST_CASE("hf_hub falls back to the refs/convert/parquet branch", "[hf_hub][fake]") {
  FakeHub hub;
  hub.SetFiles("org/scripted", "main", {{"README.md", "# x\n"}, {"scripted.py", "# a loader\n"}});
  fs::path pq = winnow::testing::SharedDataDir() / "parquet" / "apache-parquet-testing" /
                "alltypes_plain.parquet";
  bool have_pq = fs::exists(pq);
  if (!have_pq) WARN("no shared parquet file (" << pq << "): only the branch lookup is checked");
  std::string pq_bytes = have_pq ? winnow::testing::ReadText(pq) : std::string("PAR1");
  hub.SetFiles("org/scripted", "refs/convert/parquet", {{"default/train/0000.parquet", pq_bytes}});
  TempDir cache;
  auto r = Run(Config(hub, cache, "org/scripted"));
  CHECK(hub.Count("GET", "/api/datasets/org/scripted/revision/refs/convert/parquet") == 1);
  if (have_pq) {
    INFO(r.status().message());
    if (r.status().code() == winnow::StatusCode::kUnimplemented) {
      // A build without the parquet reader says so instead of failing obscurely.
      CHECK_THAT(r.status().message(), Catch::Contains("Parquet"));
    } else {
      REQUIRE(r.ok());
      CHECK(r->rows.size() == 8);  // alltypes_plain.parquet holds 8 rows
      CHECK_THAT(r->rows[0], Catch::Contains("\"id\":4"));
      CHECK(fs::exists(cache.path() / "datasets--org--scripted" / "refs" / "refs" / "convert" /
                       "parquet"));
    }
  }
  auto never = Run(Config(hub, cache, "org/scripted", "\"parquet_conversion\":\"never\""));
  REQUIRE_FALSE(never.ok());
  CHECK(never.status().code() == winnow::StatusCode::kNotFound);
}

TEST_CASE("hf_hub follows a renamed repository's relative redirects", "[hf_hub][fake]") {
  FakeHub hub;
  std::string big = Lines("m", 0, 200);
  hub.SetFiles("org/new", "main", {{"train.jsonl", Lines("n", 0, 3)}, {"more/train.jsonl", big}},
               1000);
  hub.Rename("org/old", "org/new");
  TempDir cache;
  auto r = Run(Config(hub, cache, "org/old", "\"data_files\":[\"**/train.jsonl\"]"));
  INFO(r.status().message());
  REQUIRE(r.ok());
  CHECK(r->rows.size() == 203);
  // Stored under the name that was asked for, as huggingface_hub does.
  CHECK(fs::exists(cache.path() / "datasets--org--old" / "refs" / "main"));
  bool relative_hop = false;
  for (const auto& l : hub.log()) {
    relative_hop =
        relative_hop || (l.method == "HEAD" && l.path.rfind("/datasets/org/new/", 0) == 0);
  }
  CHECK(relative_hop);
}

TEST_CASE("hf_hub shards files across ranks with stable row ids", "[hf_hub][fake]") {
  FakeHub hub;
  hub.SetFiles("org/ds", "main",
               {{"data/train-00000-of-00003.jsonl", Lines("a", 0, 2)},
                {"data/train-00001-of-00003.jsonl", Lines("b", 0, 3)},
                {"data/train-00002-of-00003.jsonl", Lines("c", 0, 4)}});
  TempDir cache;
  auto h = PluginHarness::Create("source/hf_hub", Config(hub, cache, "org/ds"));
  REQUIRE(h.ok());
  (*h)->SetRank(1, 2);
  auto out = (*h)->RunSource();
  REQUIRE(out.ok());
  REQUIRE(out->rows.size() == 3);  // only file 1 of 0..2
  CHECK(Field(out->rows[0], "text") == "b0");
  CHECK(out->row_ids[0].ordinal == ((1ULL << 40) | 1));
  CHECK(out->counters["files_downloaded"] == 1);
}
