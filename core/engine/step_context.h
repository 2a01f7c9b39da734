// core/engine/step_context.h — the host's implementation of winnow::Context,
// plus the per-step statistics the engine collects.
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "winnow/comm.h"
#include "winnow/context.h"

namespace winnow::core {

// Counts for one step, written to stats.json. Updated by the engine from the
// step's driver thread (rows, reasons) and by plugins from any thread (counters).
struct StepStats {
  std::atomic<int64_t> rows_in{0}, rows_out{0}, dropped{0}, errors{0};
  std::atomic<int64_t> batches{0};
  std::atomic<int64_t> bytes_in{0}, bytes_out{0};
  std::atomic<int64_t> cpu_ns{0};
  int64_t wall_ns = 0;
  std::atomic<uint64_t> progress_done{0}, progress_total{0};
  std::mutex mu;
  std::map<std::string, int64_t> reasons;   // "drop:<reason>" / "error:<reason>" -> count
  std::map<std::string, int64_t> counters;  // ctx.Count()
};

// What the whole run shares with every step context.
struct RunShared {
  std::filesystem::path output_dir;
  std::filesystem::path cache_dir;
  std::atomic<bool>* cancelled = nullptr;
  Communicator* comm = nullptr;
  // Resolves an LLM by name (opens it on first use).
  std::function<Result<LlmProvider*>(std::string_view)> get_llm;
  // Secrets visible in addition to the environment (tests).
  std::map<std::string, std::string> secrets;
  std::function<void(LogLevel, const std::string&)> log_sink;  // optional capture (tests)
  bool verbose = false;
};

class StepContext final : public Context {
 public:
  StepContext(std::string step_name, RunShared* shared, StepStats* stats,
              Communicator* comm = nullptr);

  const std::string& step_name() const override { return name_; }
  void Log(LogLevel level, std::string_view message) override;
  void Count(std::string_view name, int64_t delta) override;
  bool cancelled() const override { return shared_->cancelled->load(std::memory_order_relaxed); }
  int rank() const override { return shared_->comm->rank(); }
  int world() const override { return shared_->comm->world(); }
  const std::filesystem::path& output_dir() const override { return shared_->output_dir; }
  const std::filesystem::path& temp_dir() const override;
  const std::filesystem::path& cache_dir() const override { return shared_->cache_dir; }
  Result<std::string> GetSecret(std::string_view env_name) override;
  Result<LlmProvider*> GetLlm(std::string_view name) override;
  Communicator& comm() override { return comm_ ? *comm_ : *shared_->comm; }
  void ReportProgress(uint64_t done, uint64_t total) override;

  // Removes the step's temp dir (if created).
  void Cleanup();

 private:
  std::string name_;
  RunShared* shared_;
  StepStats* stats_;
  Communicator* comm_;
  mutable std::once_flag temp_once_;
  mutable std::filesystem::path temp_dir_;
};

}  // namespace winnow::core
