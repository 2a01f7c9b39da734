// End-to-end tests of the `winnow` executable.
//
// 1. Every tests/pipelines/NAME.yaml runs with its output directory in a temp
//    dir (cwd = tests/pipelines, so inputs and reject locations are relative);
//    each file under NAME.expected/ must match byte for byte, and the run must
//    write no other file (stats.json aside). The same holds for --threads 1
//    and 2 crossed with batch sizes 1, 7 and 1000 (determinism).
//    WINNOW_UPDATE_EXPECTED=1 rewrites NAME.expected/ from a run instead
//    (check the diff before committing it).
// 2. `winnow validate` accepts every configs/*.yaml and tests/pipelines/*.yaml.
// 3. Every tests/pipelines/invalid/*.yaml is refused (exit code 2) with the
//    messages its header lists: "# expect: TEXT" lines must appear in the
//    output, "# forbid: TEXT" lines must not. "# known-bug: TEXT" lines are
//    checked by a separate [!mayfail] test: they document a wrong message
//    that should be fixed, without failing CI.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "harness/plugin_harness.h"

namespace fs = std::filesystem;
using winnow::testing::BinaryDir;
using winnow::testing::ReadText;
using winnow::testing::RunCommand;
using winnow::testing::SourceDir;
using winnow::testing::TempDir;
using winnow::testing::WinnowBinary;
using winnow::testing::WriteText;

namespace {

fs::path PipelinesDir() {
  return SourceDir() / "tests" / "pipelines";
}

std::string Quote(const fs::path& p) {
  std::string s = "'";
  for (char c : p.string()) {
    if (c == '\'')
      s += "'\\''";
    else
      s += c;
  }
  return s + "'";
}

std::vector<fs::path> Glob(const fs::path& dir, const std::string& ext) {
  std::vector<fs::path> out;
  if (!fs::is_directory(dir)) return out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.is_regular_file() && e.path().extension() == ext) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Relative paths of all regular files under `dir`, sorted.
std::vector<std::string> FilesUnder(const fs::path& dir) {
  std::vector<std::string> out;
  if (!fs::is_directory(dir)) return out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) out.push_back(fs::relative(e.path(), dir).generic_string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// First differing line, for readable failures.
std::string FirstDifference(const std::string& want, const std::string& got) {
  std::istringstream a(want), b(got);
  std::string la, lb;
  for (int line = 1;; ++line) {
    bool ea = !std::getline(a, la), eb = !std::getline(b, lb);
    if (ea && eb) return "files differ only in their final newline";
    if (ea || eb || la != lb) {
      return "line " + std::to_string(line) + ":\n  expected: " + (ea ? "<end of file>" : la) +
             "\n  actual:   " + (eb ? "<end of file>" : lb);
    }
  }
}

struct RunResult {
  int code = -1;
  std::string output;
};

RunResult RunWinnow(const std::string& args) {
  RunResult r;
  std::string cmd = "cd " + Quote(PipelinesDir()) + " && " + Quote(WinnowBinary()) + " " + args;
  r.code = RunCommand(cmd, &r.output);
  return r;
}

void CompareWithExpected(const fs::path& out_dir, const fs::path& expected_dir) {
  std::vector<std::string> want = FilesUnder(expected_dir);
  REQUIRE_FALSE(want.empty());
  for (const auto& rel : want) {
    INFO("file " << rel);
    REQUIRE(fs::exists(out_dir / rel));
    std::string expected = ReadText(expected_dir / rel);
    std::string actual = ReadText(out_dir / rel);
    INFO(FirstDifference(expected, actual));
    CHECK(actual == expected);
  }
  std::set<std::string> allowed(want.begin(), want.end());
  allowed.insert("stats.json");
  allowed.insert("report.html");
  for (const auto& rel : FilesUnder(out_dir)) {
    if (rel.rfind(".checkpoints/", 0) == 0) continue;  // resumable step outputs (LLM tasks)
    INFO("the run wrote " << rel << ", which " << expected_dir.filename().string()
                          << "/ does not list");
    CHECK(allowed.count(rel) == 1);
  }
}

void UpdateExpected(const fs::path& out_dir, const fs::path& expected_dir) {
  fs::remove_all(expected_dir);
  for (const auto& rel : FilesUnder(out_dir)) {
    if (rel == "stats.json" || rel == "report.html" || rel.rfind(".checkpoints/", 0) == 0) continue;
    fs::create_directories((expected_dir / rel).parent_path());
    fs::copy_file(out_dir / rel, expected_dir / rel);
  }
  WARN("rewrote " << expected_dir.string());
}

std::vector<std::string> HeaderDirectives(const fs::path& yaml, const std::string& name) {
  std::vector<std::string> out;
  std::ifstream in(yaml);
  std::string line, prefix = "# " + name + ": ";
  while (std::getline(in, line)) {
    if (line.rfind(prefix, 0) == 0) out.push_back(line.substr(prefix.size()));
  }
  return out;
}

}  // namespace

TEST_CASE("pipelines produce the expected output for any thread count and batch size",
          "[pipelines]") {
  REQUIRE(fs::exists(WinnowBinary()));
  auto pipelines = Glob(PipelinesDir(), ".yaml");
  REQUIRE(pipelines.size() >= 5);
  bool update = std::getenv("WINNOW_UPDATE_EXPECTED") != nullptr;
  for (const auto& yaml : pipelines) {
    std::string name = yaml.stem().string();
    fs::path expected = PipelinesDir() / (name + ".expected");
    struct Variant {
      std::string label, args;
    };
    std::vector<Variant> variants = {{"defaults", ""}};
    if (!update) {
      for (int threads : {1, 2}) {
        for (int batch : {1, 7, 1000}) {
          variants.push_back(
              {"threads " + std::to_string(threads) + ", batch_size " + std::to_string(batch),
               "--threads " + std::to_string(threads) +
                   " --set run.batch_size=" + std::to_string(batch)});
        }
      }
    }
    for (const auto& v : variants) {
      DYNAMIC_SECTION(name << " (" << v.label << ")") {
        TempDir tmp;
        fs::path out = tmp / "out";
        RunResult r = RunWinnow("-q run " + yaml.filename().string() +
                                " --set run.output_dir=" + Quote(out) + " " + v.args);
        INFO(r.output);
        REQUIRE(r.code == 0);
        if (update) {
          UpdateExpected(out, expected);
        } else {
          CompareWithExpected(out, expected);
        }
      }
    }
  }
}

TEST_CASE("identity pipeline passes every input byte through", "[pipelines]") {
  // The expected file is the concatenation of the inputs, so this also checks
  // the expected output itself.
  fs::path data = PipelinesDir() / "data";
  std::string expected = ReadText(PipelinesDir() / "identity.expected" / "out.jsonl");
  std::string plain = ReadText(data / "basic.jsonl");
  std::string unzipped;
  int code = RunCommand("gzip -dc " + Quote(data / "basic2.jsonl.gz"), &unzipped);
  REQUIRE(code == 0);
  CHECK(expected == plain + unzipped);
}

TEST_CASE("--dry-run previews exporters' input and leaves real outputs alone", "[pipelines][cli]") {
  TempDir tmp;
  fs::path out = tmp.path() / "out";
  fs::create_directories(out);
  WriteText(out / "stats.json", "{\"real\": true}\n");
  RunResult r = RunWinnow("-q run " + Quote(PipelinesDir() / "identity.yaml") +
                          " --dry-run 2 --set run.output_dir=" + Quote(out));
  INFO(r.output);
  REQUIRE(r.code == 0);
  CHECK(ReadText(out / "stats.json") == "{\"real\": true}\n");
  CHECK_FALSE(fs::exists(out / "out.jsonl"));
  std::string preview = ReadText(out / "dry-run" / "write.jsonl");
  CHECK(std::count(preview.begin(), preview.end(), '\n') == 2);
  CHECK(fs::exists(out / "dry-run" / "stats.json"));
  CHECK(fs::exists(out / "dry-run" / "report.html"));
}

TEST_CASE("command-line numbers and flags are checked", "[pipelines][cli]") {
  std::string yaml = Quote(PipelinesDir() / "identity.yaml");
  for (const char* bad : {"--threads 4x", "--threads 0", "--threads -2", "--dry-run 1e3"}) {
    RunResult r = RunWinnow("-q run " + yaml + " " + bad);
    INFO(bad << ": " << r.output);
    CHECK(r.code == 2);
  }
  RunResult json = RunWinnow("plugins describe --json transform/select");
  CHECK(json.code == 0);
  CHECK(json.output.rfind("{", 0) == 0);
}

TEST_CASE("winnow validate accepts every configs/*.yaml and tests/pipelines/*.yaml",
          "[pipelines][configs]") {
  auto configs = Glob(SourceDir() / "configs", ".yaml");
  REQUIRE_FALSE(configs.empty());  // configs/quickstart.yaml at least
  auto pipelines = Glob(PipelinesDir(), ".yaml");
  configs.insert(configs.end(), pipelines.begin(), pipelines.end());
  for (const auto& yaml : configs) {
    DYNAMIC_SECTION(fs::relative(yaml, SourceDir()).string()) {
      RunResult r = RunWinnow("validate " + Quote(yaml));
      INFO(r.output);
      CHECK(r.code == 0);
      CHECK(r.output.find("is valid") != std::string::npos);
    }
  }
}

TEST_CASE("winnow validate explains invalid pipelines with file:line:col", "[pipelines][errors]") {
  auto invalid = Glob(PipelinesDir() / "invalid", ".yaml");
  REQUIRE(invalid.size() >= 8);
  for (const auto& yaml : invalid) {
    std::string rel = "invalid/" + yaml.filename().string();
    DYNAMIC_SECTION(rel) {
      auto expects = HeaderDirectives(yaml, "expect");
      REQUIRE_FALSE(expects.empty());
      RunResult r = RunWinnow("validate " + rel);
      INFO(r.output);
      CHECK(r.code == 2);
      for (const auto& e : expects) {
        INFO("expected to find: " << e);
        CHECK(r.output.find(e) != std::string::npos);
      }
      for (const auto& f : HeaderDirectives(yaml, "forbid")) {
        INFO("must not appear: " << f);
        CHECK(r.output.find(f) == std::string::npos);
      }
      // `winnow run` refuses the same file before doing anything.
      TempDir tmp;
      RunResult run = RunWinnow("-q run " + rel + " --set run.output_dir=" + Quote(tmp / "out"));
      INFO(run.output);
      CHECK(run.code == 2);
      CHECK_FALSE(fs::exists(tmp / "out" / "out.jsonl"));
    }
  }
}

TEST_CASE("known wrong validation messages (fix, then turn into '# expect:')",
          "[pipelines][errors][!mayfail]") {
  for (const auto& yaml : Glob(PipelinesDir() / "invalid", ".yaml")) {
    auto bugs = HeaderDirectives(yaml, "known-bug");
    if (bugs.empty()) continue;
    std::string rel = "invalid/" + yaml.filename().string();
    RunResult r = RunWinnow("validate " + rel);
    for (const auto& e : bugs) {
      INFO(rel << ": expected to find: " << e << "\noutput:\n" << r.output);
      CHECK(r.output.find(e) != std::string::npos);
    }
  }
}
