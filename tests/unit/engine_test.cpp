// The engine end to end through the core API: order and determinism across
// thread counts and batch sizes, global stages with spilling, fan-out and
// fan-in, failures and cancellation leaving no partial output.
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <thread>

#include "config/pipeline_spec.h"
#include "engine/executor.h"
#include "engine/pipeline.h"
#include "harness/plugin_harness.h"
#include "registry/registry.h"

using namespace winnow;
using namespace winnow::core;
namespace fs = std::filesystem;
using winnow::testing::ReadText;
using winnow::testing::TempDir;
using winnow::testing::WriteText;

namespace {

fs::path TestPluginDir() {
  const char* d = std::getenv("WINNOW_TEST_PLUGIN_DIR");
  return d ? fs::path(d) : winnow::testing::BinaryDir() / "test-plugins";
}

// Writes n rows with a key that repeats every `period` rows and some padding.
fs::path MakeInput(const TempDir& dir, int n, int period, int pad = 20) {
  std::string s;
  for (int i = 0; i < n; ++i) {
    s += "{\"i\": " + std::to_string(i) + ", \"key\": " + std::to_string(i % period) +
         ", \"text\": \"" + std::string(static_cast<size_t>(pad), 'a' + i % 26) + "\"}\n";
  }
  fs::path p = dir / "in.jsonl";
  WriteText(p, s);
  return p;
}

struct Outcome {
  RunReport report;
  std::string output;
};

Outcome RunYaml(const std::string& yaml, const fs::path& out_dir, int threads,
                std::atomic<bool>* cancel = nullptr, const fs::path& checkpoints = {}) {
  std::vector<Diagnostic> diags;
  auto spec = LoadPipelineText(yaml, "test.yaml", &diags);
  INFO((diags.empty() ? std::string() : diags[0].ToString()));
  REQUIRE(spec.ok());
  Registry registry;
  registry.Discover(Registry::DefaultSearchPath({TestPluginDir()}));
  auto p = BuildPipeline(std::move(spec).value(), registry, &diags);
  INFO((diags.empty() ? std::string() : diags[0].ToString()));
  REQUIRE(p.ok());
  ExecOptions opt;
  opt.threads = threads;
  opt.output_dir = out_dir;
  opt.cache_dir = out_dir / "cache";
  opt.progress = false;
  opt.cancelled = cancel;
  opt.checkpoint_dir = checkpoints;
  opt.checkpoint_policy = "all";
  opt.log_sink = [](LogLevel, const std::string&) {};
  Outcome o;
  o.report = Execute(**p, opt);
  std::error_code ec;
  if (fs::exists(out_dir / "out.jsonl", ec)) o.output = ReadText(out_dir / "out.jsonl");
  return o;
}

std::string MakeYaml(const fs::path& input, const std::string& middle, int batch,
                     const std::string& extra_run = "") {
  return "name: t\nrun: {batch_size: " + std::to_string(batch) + extra_run +
         "}\nsteps:\n  - {name: read, uses: source/jsonl, with: {paths: [\"" + input.string() +
         "\"]}}\n" + middle + "  - {name: write, uses: exporter/jsonl, with: {path: out.jsonl}}\n";
}

}  // namespace

TEST_CASE("output is identical for any thread count and batch size") {
  TempDir dir;
  fs::path in = MakeInput(dir, 3000, 1000000);
  std::string middle = "  - {name: jitter, uses: transform/test_jitter}\n";
  std::string reference;
  for (int threads : {1, 2, 4}) {
    for (int batch : {7, 100, 1000}) {
      auto o = RunYaml(MakeYaml(in, middle, batch), dir / ("o" + std::to_string(threads) + "_" +
                                                           std::to_string(batch)),
                       threads);
      REQUIRE(o.report.status.ok());
      if (reference.empty()) reference = o.output;
      CHECK(o.output == reference);
    }
  }
  // Row order follows the input.
  CHECK(reference.rfind("{\"i\":0,", 0) == 0);
  CHECK(std::count(reference.begin(), reference.end(), '\n') == 3000);
}

TEST_CASE("a global stage sees the whole stream, spilling beyond its budget, same result") {
  TempDir dir;
  fs::path in = MakeInput(dir, 20000, 7000, 200);  // ~4.5 MB
  std::string middle = "  - {name: dedup, uses: cleaner/test_global}\n";
  auto in_memory = RunYaml(MakeYaml(in, middle, 500, ", memory_mb: 512"), dir / "mem", 2);
  auto spilled = RunYaml(MakeYaml(in, middle, 500, ", memory_mb: 1"), dir / "spill", 2);
  REQUIRE(in_memory.report.status.ok());
  REQUIRE(spilled.report.status.ok());
  CHECK(spilled.output == in_memory.output);
  CHECK(std::count(spilled.output.begin(), spilled.output.end(), '\n') == 7000);
  CHECK(spilled.output.find("\"total\":20000") != std::string::npos);
  const StepReport& dedup = spilled.report.steps[1];
  CHECK(dedup.dropped == 13000);
  CHECK(dedup.reasons.at("drop:test_duplicate") == 13000);
  // Rejects list every dropped row with its reason.
  std::string rejects = ReadText(dir / "spill" / "rejects" / "dedup.jsonl");
  CHECK(std::count(rejects.begin(), rejects.end(), '\n') == 13000);
  CHECK_THAT(rejects, Catch::Contains("\"reason\":\"test_duplicate\""));
}

TEST_CASE("fan-out feeds two branches and fan-in joins them on row id") {
  TempDir dir;
  fs::path in = MakeInput(dir, 100, 1000);
  std::string yaml = "name: t\nsteps:\n  - {name: read, uses: source/jsonl, with: {paths: [\"" +
                     in.string() +
                     "\"]}}\n"
                     "  - {name: evens, uses: transform/filter, after: read, with: {where: {field: "
                     "i, in: [0, 2, 4, 6, 8]}}}\n"
                     "  - {name: tag, uses: transform/filter, after: read, with: {mode: annotate, "
                     "where: {field: i, lt: 5}}}\n"
                     "  - {name: both, uses: transform/select, after: [evens, tag], with: {keep: "
                     "[i, filter_pass]}}\n"
                     "  - {name: write, uses: exporter/jsonl, with: {path: out.jsonl}}\n";
  auto o = RunYaml(yaml, dir / "o", 2);
  REQUIRE(o.report.status.ok());
  CHECK(o.output ==
        "{\"i\":0,\"filter_pass\":true}\n{\"i\":2,\"filter_pass\":true}\n"
        "{\"i\":4,\"filter_pass\":true}\n{\"i\":6,\"filter_pass\":false}\n"
        "{\"i\":8,\"filter_pass\":false}\n");
}

TEST_CASE("a failing step stops the run, names itself and leaves no partial output") {
  TempDir dir;
  fs::path in = MakeInput(dir, 5000, 1000000);
  std::string middle = "  - {name: boom, uses: transform/test_fail, with: {fail_at_batch: 3}}\n";
  auto o = RunYaml(MakeYaml(in, middle, 100), dir / "o", 2);
  REQUIRE_FALSE(o.report.status.ok());
  CHECK_THAT(o.report.status.message(), Catch::Contains("step 'boom'"));
  CHECK_THAT(o.report.status.message(), Catch::Contains("simulated failure in batch 3"));
  CHECK_FALSE(fs::exists(dir / "o" / "out.jsonl"));
  for (auto& e : fs::directory_iterator(dir / "o")) {
    CHECK(e.path().filename().string().find(".tmp-") == std::string::npos);
  }
  CHECK(fs::exists(dir / "o" / "stats.json"));
}

TEST_CASE("cancellation stops cleanly without partial output") {
  TempDir dir;
  fs::path in = MakeInput(dir, 200000, 1000000);
  std::atomic<bool> cancel{false};
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    cancel = true;
  });
  std::string middle = "  - {name: jitter, uses: transform/test_jitter}\n";
  auto o = RunYaml(MakeYaml(in, middle, 50), dir / "o", 2, &cancel);
  stopper.join();
  REQUIRE_FALSE(o.report.status.ok());
  CHECK(o.report.status.code() == StatusCode::kCancelled);
  CHECK_FALSE(fs::exists(dir / "o" / "out.jsonl"));
}

TEST_CASE("a global stage inside a joined branch is refused at validation") {
  std::vector<Diagnostic> diags;
  auto spec = LoadPipelineText(R"(name: t
steps:
  - {name: read, uses: source/jsonl, with: {paths: [x]}}
  - {name: g, uses: cleaner/test_global, after: read}
  - {name: other, uses: transform/select, after: read}
  - {name: join, uses: transform/select, after: [g, other]}
)",
                               "t.yaml", &diags);
  REQUIRE(spec.ok());
  Registry registry;
  registry.Discover(Registry::DefaultSearchPath({TestPluginDir()}));
  auto p = BuildPipeline(std::move(spec).value(), registry, &diags);
  REQUIRE_FALSE(p.ok());
  CHECK_THAT(diags.back().message, Catch::Contains("global stage 'g'"));
}

TEST_CASE("a re-run resumes from checkpoints, recovers damaged ones, recomputes what changed") {
  TempDir dir;
  fs::path in = MakeInput(dir, 2000, 1000000);
  fs::path ckpt = dir / "ckpt";  // 2000 rows in batches of 100: 20 batches + a last empty one
  auto yaml = [&](const char* limit) {
    return MakeYaml(in,
                    "  - {name: jitter, uses: transform/test_jitter}\n"
                    "  - {name: tag, uses: transform/filter, with: {mode: annotate, where: {field: "
                    "i, lt: " + std::string(limit) + "}}}\n",
                    100);
  };
  auto first = RunYaml(yaml("500"), dir / "o1", 2, nullptr, ckpt);
  REQUIRE(first.report.status.ok());
  CHECK(first.report.steps[1].batches_from_checkpoint == 0);
  auto again = RunYaml(yaml("500"), dir / "o2", 2, nullptr, ckpt);
  REQUIRE(again.report.status.ok());
  CHECK(again.report.steps[1].batches_from_checkpoint == 21);
  CHECK(again.report.steps[2].batches_from_checkpoint == 21);
  CHECK(again.output == first.output);
  // Damage two checkpoint files of the first step: they are recomputed.
  size_t damaged = 0;
  for (auto& d : fs::directory_iterator(ckpt)) {
    fs::path f = d.path() / "3.ckpt";
    if (!fs::exists(f) || damaged == 2) continue;
    std::string bytes = ReadText(f);
    WriteText(f, damaged == 0 ? bytes.substr(0, bytes.size() / 2) : bytes + "x");
    ++damaged;
  }
  REQUIRE(damaged == 2);
  auto recovered = RunYaml(yaml("500"), dir / "o3", 2, nullptr, ckpt);
  REQUIRE(recovered.report.status.ok());
  CHECK(recovered.output == first.output);
  CHECK(recovered.report.steps[1].batches_from_checkpoint +
            recovered.report.steps[2].batches_from_checkpoint == 40);
  // Changing the last step's config recomputes it, not the step before it.
  auto changed = RunYaml(yaml("700"), dir / "o4", 2, nullptr, ckpt);
  REQUIRE(changed.report.status.ok());
  CHECK(changed.report.steps[1].batches_from_checkpoint == 21);
  CHECK(changed.report.steps[2].batches_from_checkpoint == 0);
  CHECK(changed.output != first.output);
}
