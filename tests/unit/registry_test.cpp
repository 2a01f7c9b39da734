// Plugin discovery and loading: ABI stamps, broken files, duplicates.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>

#include "harness/plugin_harness.h"
#include "registry/registry.h"

using namespace winnow;
using namespace winnow::core;
namespace fs = std::filesystem;

namespace {
fs::path TestPluginDir() {
  const char* d = std::getenv("WINNOW_TEST_PLUGIN_DIR");
  return d ? fs::path(d) : winnow::testing::BinaryDir() / "test-plugins";
}
}  // namespace

TEST_CASE("built-in plugins are found and load with matching stamps") {
  Registry r;
  r.Discover(Registry::DefaultSearchPath({}));
  auto p = r.Load("source", "jsonl");
  REQUIRE(p.ok());
  CHECK(std::string(p->descriptor->name) == "jsonl");
  CHECK(p->descriptor->kind == PluginKind::kSource);
}

TEST_CASE("a plugin built against another SDK is refused, naming both sides") {
  Registry r;
  r.Discover({TestPluginDir()});
  auto p = r.Load("transform", "test_bad_abi");
  REQUIRE_FALSE(p.ok());
  CHECK_THAT(p.status().message(), Catch::Contains("winnow-sdk 0.9"));
  CHECK_THAT(p.status().message(), Catch::Contains(HostAbiStamp()));
  CHECK_THAT(p.status().message(), Catch::Contains("Rebuild the plugin"));
}

TEST_CASE("a broken library is reported and the others still load") {
  winnow::testing::TempDir dir;
  winnow::testing::WriteText(dir / "libwinnow_cleaner_junk.so", "this is not an ELF file");
  fs::copy_file(TestPluginDir() / "libwinnow_transform_test_jitter.so",
                dir / "libwinnow_transform_test_jitter.so");
  Registry r;
  r.Discover({dir.path()});
  auto loaded = r.LoadAll();
  CHECK(loaded.size() == 1);
  REQUIRE(r.problems().size() == 1);
  CHECK_THAT(r.problems()[0], Catch::Contains("libwinnow_cleaner_junk.so"));
}

TEST_CASE("the same KIND/NAME twice on the search path is refused") {
  winnow::testing::TempDir a, b;
  fs::copy_file(TestPluginDir() / "libwinnow_transform_test_jitter.so",
                a / "libwinnow_transform_test_jitter.so");
  fs::copy_file(TestPluginDir() / "libwinnow_transform_test_jitter.so",
                b / "libwinnow_transform_test_jitter.so");
  Registry r;
  r.Discover({a.path(), b.path()});
  CHECK(r.files().size() == 1);
  REQUIRE(r.problems().size() == 1);
  CHECK_THAT(r.problems()[0], Catch::Contains("already provided by"));
}

TEST_CASE("unknown plugins get suggestions") {
  Registry r;
  r.Discover(Registry::DefaultSearchPath({}));
  auto p = r.Load("exporter", "jsnol");
  REQUIRE_FALSE(p.ok());
  CHECK_THAT(p.status().message(), Catch::Contains("did you mean 'exporter/jsonl'"));
}
