// tests/plugins/source_test_driver.h — drive one source plugin by hand.
//
// PluginHarness::RunSource runs a source through the real engine; this driver
// instead calls Open / Read / Decode / Close itself with a chosen rank and
// world, so sharding can be tested, and lets a test act between two Read
// calls (for example to kill a database connection mid-stream). The plugin is
// loaded through the real registry (ABI stamp and schema validation included).
// Used by the source_csv, source_documents and source_feedback tests.
#pragma once

#include <catch2/catch.hpp>

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "harness/plugin_harness.h"
#include "registry/registry.h"
#include "winnow/comm.h"
#include "winnow/context.h"
#include "winnow/source.h"

namespace winnow::testing {

class DriverContext final : public Context {
 public:
  DriverContext(int rank, int world, std::filesystem::path dir)
      : rank_(rank), world_(world), dir_(std::move(dir)) {}
  const std::string& step_name() const override { return name_; }
  void Log(LogLevel level, std::string_view message) override {
    std::lock_guard lock(mu_);
    const char* tag = level == LogLevel::kWarning ? "WARN "
                      : level == LogLevel::kError ? "ERROR "
                      : level == LogLevel::kInfo  ? "INFO "
                                                  : "DEBUG ";
    log.push_back(tag + std::string(message));
  }
  void Count(std::string_view name, int64_t delta) override {
    std::lock_guard lock(mu_);
    counters[std::string(name)] += delta;
  }
  bool cancelled() const override { return false; }
  int rank() const override { return rank_; }
  int world() const override { return world_; }
  const std::filesystem::path& output_dir() const override { return dir_; }
  const std::filesystem::path& temp_dir() const override { return dir_; }
  const std::filesystem::path& cache_dir() const override { return dir_; }
  Result<std::string> GetSecret(std::string_view env_name) override {
    auto it = secrets.find(std::string(env_name));
    if (it == secrets.end()) {
      return Status::NotFound("environment variable " + std::string(env_name) + " is not set");
    }
    return it->second;
  }
  Result<LlmProvider*> GetLlm(std::string_view) override {
    return Status::NotFound("no llms in a source test");
  }
  Communicator& comm() override { return comm_; }
  void ReportProgress(uint64_t done, uint64_t total) override {
    std::lock_guard lock(mu_);
    progress.emplace_back(done, total);
  }

  std::map<std::string, std::string> secrets;
  std::vector<std::string> log;
  std::map<std::string, int64_t> counters;
  std::vector<std::pair<uint64_t, uint64_t>> progress;

 private:
  std::string name_ = "under_test";
  int rank_, world_;
  std::filesystem::path dir_;
  LocalCommunicator comm_;
  std::mutex mu_;
};

struct DrivenOutput {
  std::vector<std::string> rows;  // compact JSON
  std::vector<RowId> ids;
  std::vector<std::string> locations;  // Record::Location()
  std::vector<Reject> rejects;
  std::vector<std::string> log;
  std::map<std::string, int64_t> counters;
  std::vector<std::pair<uint64_t, uint64_t>> progress;
  size_t reads = 0;  // Read calls
};

struct DriveOptions {
  int rank = 0, world = 1;
  size_t batch_size = 1000;
  std::map<std::string, std::string> secrets;
  // Called after Read number `after_read` (1-based) returned, before the next one.
  size_t after_read = 0;
  std::function<void()> between_reads;
};

inline DriveOptions Batched(size_t batch_size) {
  DriveOptions o;
  o.batch_size = batch_size;
  return o;
}
inline DriveOptions Sharded(int rank, int world, size_t batch_size = 1000) {
  DriveOptions o;
  o.rank = rank;
  o.world = world;
  o.batch_size = batch_size;
  return o;
}

// Loads KIND/NAME once per process; the registry lives until exit.
inline Result<const PluginDescriptor*> LoadDescriptor(const std::string& kind,
                                                      const std::string& name) {
  static core::Registry* registry = [] {
    auto* r = new core::Registry();
    r->Discover(core::Registry::DefaultSearchPath({}));
    return r;
  }();
  auto loaded = registry->Load(kind, name);
  if (!loaded.ok()) return loaded.status();
  return loaded->descriptor;
}

// Runs the source to its end. Returns the first non-OK Status of a call
// (config validation, Open, Read, Decode), prefixed with the call's name.
inline Result<DrivenOutput> DriveSource(const std::string& name, const std::string& config_json,
                                        const DriveOptions& opt = {}) {
  WINNOW_ASSIGN_OR_RETURN(const PluginDescriptor* d, LoadDescriptor("source", name));
  WINNOW_ASSIGN_OR_RETURN(Value config, Value::Parse(config_json));
  auto issues = d->schema().Validate(config);
  if (!issues.empty()) {
    return Status::InvalidArgument("key '" + issues[0].key_path + "': " + issues[0].message);
  }
  auto created = d->create(config);
  if (!created.ok()) return created.status();
  std::unique_ptr<Plugin> plugin = std::move(created).value();
  auto* source = dynamic_cast<Source*>(plugin.get());
  if (!source) return Status::InvalidArgument(name + " is not a source");
  TempDir dir;
  DriverContext ctx(opt.rank, opt.world, dir.path());
  ctx.secrets = opt.secrets;
  DrivenOutput out;
  Status st = source->Open(ctx);
  if (!st.ok()) return st.WithContext("Open");
  uint64_t seq = 0;
  while (true) {
    Batch batch;
    batch.seq = seq++;
    auto more = source->Read(batch, opt.batch_size, ctx);
    ++out.reads;
    if (!more.ok()) {
      source->Close(ctx).IgnoreError();
      return more.status().WithContext("Read");
    }
    st = source->Decode(batch, ctx);
    if (!st.ok()) return st.WithContext("Decode");
    batch.Compact();
    for (const auto& r : batch.rows) {
      std::string json;
      WINNOW_RETURN_IF_ERROR(r.AppendJson(json));
      out.rows.push_back(std::move(json));
      out.ids.push_back(r.id());
      out.locations.push_back(r.Location());
    }
    for (auto& r : batch.rejects) out.rejects.push_back(std::move(r));
    if (!*more) break;
    if (opt.between_reads && out.reads == opt.after_read) opt.between_reads();
  }
  st = source->Close(ctx);
  if (!st.ok()) return st.WithContext("Close");
  out.log = ctx.log;
  out.counters = ctx.counters;
  out.progress = ctx.progress;
  return out;
}

}  // namespace winnow::testing
