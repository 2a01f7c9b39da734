// core/engine/executor.h — runs a validated Pipeline.
//
// One driver thread per step moves batches between bounded queues; per-batch
// work (Source::Decode, Stage::Process/Observe, Exporter::Encode) runs on a
// shared pool of `threads` workers and results are re-ordered by batch seq, so
// output is byte-identical for any thread count. See docs/architecture.md.
//
// Failure: the first step that fails stops the run (its error, tagged with the
// step name, is returned); all queues close, exporters Abort (no partial output
// under a final name). Cancellation (Ctrl-C) does the same and returns
// Status::Cancelled. Rejects and stats.json are written in every case.
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/pipeline.h"
#include "engine/step_context.h"

namespace winnow::core {

struct ExecOptions {
  int threads = 0;                 // 0 = hardware concurrency
  int64_t dry_run_rows = 0;        // >0: sources stop after this many rows; exporters preview
  std::filesystem::path output_dir;  // resolved run.output_dir
  std::filesystem::path cache_dir;
  std::atomic<bool>* cancelled = nullptr;  // external cancellation flag (Ctrl-C)
  Communicator* comm = nullptr;            // null = single process
  bool progress = true;
  bool verbose = false;
  std::map<std::string, std::string> secrets;  // extra secrets (tests)
  std::function<void(LogLevel, const std::string&)> log_sink;
};

struct StepReport {
  std::string name, uses;
  int64_t rows_in = 0, rows_out = 0, dropped = 0, errors = 0;
  std::map<std::string, int64_t> reasons, counters;
  double wall_s = 0, cpu_s = 0;
  std::string rejects_file;
};

struct RunReport {
  Status status;
  double wall_s = 0;
  int threads = 0;
  std::vector<StepReport> steps;
  std::vector<std::string> outputs;
  std::filesystem::path stats_file;
};

// Runs the pipeline; always returns a report (status inside).
RunReport Execute(Pipeline& pipeline, const ExecOptions& options);

// Writes stats.json for a report (atomic).
Status WriteStatsJson(const Pipeline& pipeline, const RunReport& report,
                      const std::filesystem::path& path);

}  // namespace winnow::core
