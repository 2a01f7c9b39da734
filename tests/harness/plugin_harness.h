// tests/harness/plugin_harness.h — test one plugin instance as a black box.
//
// Loads KIND/NAME from the build tree through the real registry (ABI stamp
// and schema validation included), creates it from a JSON config, and feeds it
// records. Stages run with the engine's rules for their mode (row-wise,
// sequential, global two-pass), batches of `batch_size` rows.
//
//   auto h = winnow::testing::PluginHarness::Create("cleaner/quality",
//                                                   R"({"preset": "gopher_quality"})");
//   REQUIRE(h.ok());
//   auto out = h->RunStage({R"({"text": "..."})"});
//   REQUIRE(out.ok());
//   CHECK(out->rows.size() == 1);
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "winnow/batch.h"
#include "winnow/status.h"
#include "winnow/value.h"

namespace winnow::testing {

struct HarnessOutput {
  std::vector<std::string> rows;        // output records as compact JSON, in order
  std::vector<RowId> row_ids;           // their row ids
  std::vector<Reject> rejects;          // drops and errors, in order
  std::map<std::string, int64_t> counters;  // ctx.Count() totals
  std::vector<std::string> log;         // lines the plugin logged
  std::vector<std::string> outputs;     // Exporter::Outputs()
};

class PluginHarness {
 public:
  // `kind_name` is "cleaner/quality"; `config_json` is the `with:` block as JSON.
  // Fails with the same message `winnow validate` would print.
  static Result<std::unique_ptr<PluginHarness>> Create(std::string_view kind_name,
                                                       std::string_view config_json = "{}");
  ~PluginHarness();

  // Directory used as the context's output_dir/temp_dir/cache_dir (a fresh temp dir).
  const std::filesystem::path& work_dir() const;
  // Sets environment variable values visible to GetSecret (without touching the process env).
  void SetSecret(std::string name, std::string value);
  // Registers an LLM instance (llms: NAME) for tasks, created from llm/<plugin> and config.
  Status AddLlm(std::string_view name, std::string_view kind_name, std::string_view config_json);
  // Simulate a distributed run's place (the communicator stays single-process).
  void SetRank(int rank, int world);

  // Stage (cleaner/transform/task): rows are JSON objects; row ids are 0:0, 0:1, ...
  Result<HarnessOutput> RunStage(const std::vector<std::string>& json_rows, size_t batch_size = 1000);
  // Fan-in: one row list per branch; ordinals[b][i] is the row id ordinal of
  // branches[b][i] (rows with equal ordinals are joined). Empty = 0, 1, 2, ...
  Result<HarnessOutput> RunJoin(const std::vector<std::vector<std::string>>& branches,
                                const std::vector<std::vector<uint64_t>>& ordinals,
                                size_t batch_size = 1000);
  // Source: Open, Read/Decode until the end, Close.
  Result<HarnessOutput> RunSource(size_t batch_size = 1000);
  // Exporter: Open, Encode/Write each batch, Commit. Relative paths in the
  // exporter's config resolve against work_dir()/out (the run's output_dir).
  Result<HarnessOutput> RunExporter(const std::vector<std::string>& json_rows,
                                    size_t batch_size = 1000);

  struct Impl;

 private:
  explicit PluginHarness(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// A fresh temporary directory, removed (recursively) on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(std::string_view name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// Paths from the test environment (set by CTest; fall back to the source layout).
std::filesystem::path SourceDir();     // repository root
std::filesystem::path BinaryDir();     // build tree root
std::filesystem::path SharedDataDir(); // ../shared/data (may not exist)
std::filesystem::path WinnowBinary();  // build tree's bin/winnow

// Writes text to a file (creating parent dirs); REQUIREs success.
void WriteText(const std::filesystem::path& path, std::string_view text);
std::string ReadText(const std::filesystem::path& path);

// Runs a command with /bin/sh, capturing stdout+stderr; returns the exit code.
int RunCommand(const std::string& command, std::string* output);

}  // namespace winnow::testing
