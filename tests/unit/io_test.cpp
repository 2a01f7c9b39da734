// InputStream/AtomicFile: compression round trips, truncation, atomicity.
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include "harness/plugin_harness.h"
#include "winnow/io.h"

using namespace winnow;
using winnow::testing::TempDir;

namespace {
std::string Payload() {
  std::string s;
  for (int i = 0; i < 200000; ++i) s += "{\"i\":" + std::to_string(i) + "}\n";
  return s;
}
}  // namespace

TEST_CASE("compressed files round-trip through AtomicFile and InputStream") {
  TempDir dir;
  std::string payload = Payload();
  for (const char* name : {"a.jsonl", "a.jsonl.gz", "a.jsonl.zst"}) {
    auto path = dir / name;
    REQUIRE(WriteFileAtomic(path, payload).ok());
    auto back = ReadFile(path);
    REQUIRE(back.ok());
    CHECK(*back == payload);
  }
}

TEST_CASE("a truncated gzip or zstd file is an error, not a short read") {
  TempDir dir;
  std::string payload = Payload();
  for (const char* name : {"t.jsonl.gz", "t.jsonl.zst"}) {
    auto path = dir / name;
    REQUIRE(WriteFileAtomic(path, payload).ok());
    std::string bytes = winnow::testing::ReadText(path);
    winnow::testing::WriteText(path, bytes.substr(0, bytes.size() / 2));
    auto back = ReadFile(path);
    REQUIRE_FALSE(back.ok());
    CHECK(back.status().code() == StatusCode::kCorruption);
    CHECK_THAT(back.status().message(), Catch::Contains(name));
  }
}

TEST_CASE("an empty file with a compression extension is explained") {
  TempDir dir;
  winnow::testing::WriteText(dir / "e.jsonl.gz", "");
  auto s = InputStream::Open(dir / "e.jsonl.gz");
  REQUIRE_FALSE(s.ok());
  CHECK_THAT(s.status().message(), Catch::Contains("is empty"));
}

TEST_CASE("AtomicFile shows nothing under the final name until Commit") {
  TempDir dir;
  auto path = dir / "out.jsonl";
  {
    auto f = AtomicFile::Create(path);
    REQUIRE(f.ok());
    REQUIRE((*f)->Write("partial\n").ok());
    CHECK_FALSE(std::filesystem::exists(path));
  }  // destroyed without Commit: aborted
  CHECK_FALSE(std::filesystem::exists(path));
  size_t leftovers = 0;
  for (auto& e : std::filesystem::directory_iterator(dir.path())) leftovers += e.is_regular_file();
  CHECK(leftovers == 0);
  auto f = AtomicFile::Create(path);
  REQUIRE(f.ok());
  REQUIRE((*f)->Write("done\n").ok());
  REQUIRE((*f)->Commit().ok());
  CHECK(winnow::testing::ReadText(path) == "done\n");
}

TEST_CASE("AtomicFile removes temporaries of dead processes, not of live ones") {
  TempDir dir;
  auto path = dir / "out.jsonl";
  // A child that exits at once: its pid is (almost certainly) free afterwards.
  pid_t dead = ::fork();
  if (dead == 0) ::_exit(0);
  REQUIRE(dead > 0);
  int status = 0;
  ::waitpid(dead, &status, 0);
  auto stale = dir / ("out.jsonl.tmp-" + std::to_string(dead));
  auto live = dir / ("out.jsonl.tmp-" + std::to_string(::getppid()));
  auto other = dir / ("other.jsonl.tmp-" + std::to_string(dead));
  winnow::testing::WriteText(stale, "half a file from a killed run");
  winnow::testing::WriteText(live, "a live writer's temporary");
  winnow::testing::WriteText(other, "another output's temporary");
  auto f = AtomicFile::Create(path);
  REQUIRE(f.ok());
  CHECK_FALSE(std::filesystem::exists(stale));
  CHECK(std::filesystem::exists(live));
  CHECK(std::filesystem::exists(other));
  REQUIRE((*f)->Write("x\n").ok());
  REQUIRE((*f)->Commit().ok());
}
