#include "engine/step_context.h"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <ctime>

#include "report/console.h"

namespace winnow::core {

StepContext::StepContext(std::string step_name, RunShared* shared, StepStats* stats,
                         Communicator* comm)
    : name_(std::move(step_name)), shared_(shared), stats_(stats), comm_(comm) {}

void StepContext::Log(LogLevel level, std::string_view message) {
  if (level == LogLevel::kDebug && !shared_->verbose) return;
  // -q keeps warnings and errors only.
  if (level == LogLevel::kInfo && Console::Get().quiet() && !shared_->log_sink) return;
  if (shared_->log_sink) {
    shared_->log_sink(level, name_ + ": " + std::string(message));
    return;
  }
  static const char* kLevel[] = {"debug", "info", "warning", "error"};
  std::time_t now = std::time(nullptr);
  char ts[16];
  std::strftime(ts, sizeof(ts), "%H:%M:%S", std::localtime(&now));
  std::string line = std::string(ts) + " ";
  if (shared_->comm->world() > 1) line += "[rank " + std::to_string(rank()) + "] ";
  line += name_ + " " + kLevel[static_cast<int>(level)] + ": ";
  line += message;
  Console::Get().Line(line);
}

void StepContext::Count(std::string_view name, int64_t delta) {
  std::lock_guard lock(stats_->mu);
  stats_->counters[std::string(name)] += delta;
}

const std::filesystem::path& StepContext::temp_dir() const {
  std::call_once(temp_once_, [&] {
    std::string owner = std::to_string(::getpid());
    if (shared_->comm->world() > 1) owner += "-rank" + std::to_string(shared_->comm->rank());
    temp_dir_ = shared_->output_dir / (".tmp-" + owner) / name_;
    std::error_code ec;
    std::filesystem::create_directories(temp_dir_, ec);
  });
  return temp_dir_;
}

void StepContext::Cleanup() {
  if (temp_dir_.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(temp_dir_, ec);
  std::filesystem::remove(temp_dir_.parent_path(), ec);  // only when empty
}

Result<std::string> StepContext::GetSecret(std::string_view env_name) {
  std::string key(env_name);
  auto it = shared_->secrets.find(key);
  if (it != shared_->secrets.end()) return it->second;
  const char* v = std::getenv(key.c_str());
  if (!v || !*v) {
    return Status::NotFound("environment variable " + key + " is not set (step '" + name_ +
                            "' needs it for a secret)");
  }
  return std::string(v);
}

Result<LlmProvider*> StepContext::GetLlm(std::string_view name) {
  if (!shared_->get_llm) return Status::NotFound("this run declares no llms:");
  return shared_->get_llm(name);
}

void StepContext::ReportProgress(uint64_t done, uint64_t total) {
  stats_->progress_done.store(done, std::memory_order_relaxed);
  stats_->progress_total.store(total, std::memory_order_relaxed);
}

}  // namespace winnow::core
