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
#include "dist/dist.h"
#include "engine/step_context.h"

namespace winnow::core {

struct ExecOptions {
  int threads = 0;                 // 0 = hardware concurrency
  int64_t dry_run_rows = 0;        // >0: sources stop after this many rows; exporters preview
  std::filesystem::path output_dir;  // resolved run.output_dir
  std::filesystem::path cache_dir;
  std::atomic<bool>* cancelled = nullptr;  // external cancellation flag (Ctrl-C)
  Communicator* comm = nullptr;            // world communicator; null = single process
  Distributed* dist = nullptr;             // MPI job (per-step communicators, abort); may be null
  bool progress = true;
  bool verbose = false;
  std::map<std::string, std::string> secrets;  // extra secrets (tests)
  // Checkpoints (resume): empty dir = off. Policy "tasks" checkpoints row-wise
  // task steps (LLM calls), "all" every row-wise stage, "none" nothing.
  std::filesystem::path checkpoint_dir;
  std::string checkpoint_policy = "tasks";
  std::vector<std::string> recompute_steps;  // their checkpoints are ignored (rewritten)
  std::function<void(LogLevel, const std::string&)> log_sink;
};

// What a run learned about the data flowing out of one step, for the HTML
// report. Collected on a deterministic sample of rows (about 1 in 64 by row id hash)
// so that it costs little; `sampled_rows` says how many rows it covers.
struct DataProfile {
  int64_t sampled_rows = 0;
  std::map<std::string, int64_t> languages;      // values of the "language" field
  std::vector<int64_t> text_chars;               // lengths of "text" (code points), capped at 4096 values
  std::map<std::string, int64_t> ratings;        // values found in "ratings" arrays or a "rating" field
  std::map<int64_t, int64_t> cluster_sizes;      // "cluster_size" value -> rows
};

struct StepReport {
  std::string name, uses;
  std::vector<std::string> inputs;  // names of upstream steps
  int64_t rows_in = 0, rows_out = 0, dropped = 0, errors = 0;
  std::map<std::string, int64_t> reasons, counters;
  double wall_s = 0, cpu_s = 0;
  std::string rejects_file;
  std::vector<std::string> sample_kept;      // up to 5 output rows (JSON)
  std::vector<std::string> sample_rejected;  // up to 5 reject lines (JSON, as in rejects/)
  DataProfile profile;                       // of the step's output rows
  int64_t batches_from_checkpoint = 0;       // resumed instead of recomputed
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
