// winnow/context.h — what a running step may ask of the host.
//
// The host gives each step one Context for the whole run. All methods are
// thread-safe: row-wise stages call them from pool threads. A plugin never
// writes to stdout/stderr itself; it logs here, and the host prefixes the step
// name, rank and time.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "winnow/status.h"

namespace winnow {

class LlmProvider;
class Communicator;

enum class LogLevel { kDebug, kInfo, kWarning, kError };

class Context {
 public:
  virtual ~Context() = default;

  // The step's name in the pipeline file.
  virtual const std::string& step_name() const = 0;

  virtual void Log(LogLevel level, std::string_view message) = 0;
  void Debug(std::string_view m) { Log(LogLevel::kDebug, m); }
  void Info(std::string_view m) { Log(LogLevel::kInfo, m); }
  void Warn(std::string_view m) { Log(LogLevel::kWarning, m); }
  void Error(std::string_view m) { Log(LogLevel::kError, m); }

  // Adds to a named counter reported in stats.json under the step
  // ("bytes_read", "pii.email", "llm.prompt_tokens"). Aggregate per batch, not per row.
  virtual void Count(std::string_view name, int64_t delta) = 0;

  // True once the run is being stopped (Ctrl-C, a failed step, a failed rank).
  // Long loops check it and return Status::Cancelled.
  virtual bool cancelled() const = 0;

  // This process's place in a distributed run: rank in [0, world).
  virtual int rank() const = 0;
  virtual int world() const = 0;

  // The run's output directory (stats.json, rejects/, default exporter paths).
  virtual const std::filesystem::path& output_dir() const = 0;
  // A private scratch directory for this step (spill files), removed after the run.
  virtual const std::filesystem::path& temp_dir() const = 0;
  // The directory for caches that outlive the run (LLM responses, downloads).
  virtual const std::filesystem::path& cache_dir() const = 0;

  // Reads the secret held in environment variable `env_name`. The value is
  // never logged by the host; plugins must not log it either.
  virtual Result<std::string> GetSecret(std::string_view env_name) = 0;

  // The LLM instance declared under `llms:` with this name (issue: tasks).
  // NotFound when the pipeline declares no such LLM.
  virtual Result<LlmProvider*> GetLlm(std::string_view name) = 0;

  // Collectives across ranks for global stages; a single-rank communicator
  // when not running under MPI. Never null.
  virtual Communicator& comm() = 0;

  // Reports progress of a source: work done and total (bytes or rows). Total 0 = unknown.
  virtual void ReportProgress(uint64_t done, uint64_t total) = 0;
};

}  // namespace winnow
