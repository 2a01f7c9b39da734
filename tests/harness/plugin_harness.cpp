// The harness builds a tiny pipeline around the plugin under test —
// [memory source] -> [plugin] -> [capture exporter] — and runs it with the
// real engine, so the plugin sees exactly the calls it would see in a run.
#include "harness/plugin_harness.h"

#include <catch2/catch.hpp>

#include <unistd.h>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>

#include "engine/executor.h"
#include "engine/pipeline.h"
#include "registry/registry.h"

namespace winnow::testing {

namespace fs = std::filesystem;
using namespace winnow::core;

namespace {

// Emits fixed JSON rows with ordinals given by the test.
class MemorySource final : public Source {
 public:
  MemorySource(std::vector<std::string> rows, std::vector<uint64_t> ordinals)
      : rows_(std::move(rows)), ordinals_(std::move(ordinals)) {}
  Status Open(Context&) override { return Status::Ok(); }
  Result<bool> Read(Batch& batch, size_t max_rows, Context&) override {
    while (next_ < rows_.size() && batch.rows.size() < max_rows) {
      uint64_t ordinal = next_ < ordinals_.size() ? ordinals_[next_] : next_;
      batch.rows.push_back(Record::FromJson(RowId{0, ordinal}, rows_[next_]));
      ++next_;
    }
    return next_ < rows_.size();
  }
  Status Decode(Batch& batch, Context&) override {
    for (size_t i = 0; i < batch.rows.size(); ++i) {
      Status st = batch.rows[i].ValidateShallow();
      if (!st.ok()) batch.Fail(i, "malformed_json", st.message());
    }
    return Status::Ok();
  }

 private:
  std::vector<std::string> rows_;
  std::vector<uint64_t> ordinals_;
  size_t next_ = 0;
};

// One branch of a fan-in: replaces each row of the shared root source with
// this branch's row of the same ordinal, or drops it when the branch has none.
class BranchRows final : public Stage {
 public:
  explicit BranchRows(std::map<uint64_t, std::string> rows) : rows_(std::move(rows)) {}
  Status Process(Batch& batch, Context&) override {
    for (size_t i = 0; i < batch.rows.size(); ++i) {
      auto it = rows_.find(batch.rows[i].id().ordinal);
      if (it == rows_.end()) {
        batch.Drop(i, "absent_in_branch");
        continue;
      }
      RowId id = batch.rows[i].id();
      batch.rows[i] = Record::FromJson(id, it->second);
      Status st = batch.rows[i].ValidateShallow();
      if (!st.ok()) batch.Fail(i, "malformed_json", st.message());
    }
    return Status::Ok();
  }

 private:
  std::map<uint64_t, std::string> rows_;
};

class CaptureExporter final : public Exporter {
 public:
  explicit CaptureExporter(HarnessOutput* out) : out_(out) {}
  Status Open(Context&) override { return Status::Ok(); }
  Status Write(const Batch& batch, std::string_view, Context&) override {
    for (const auto& r : batch.rows) {
      std::string json;
      WINNOW_RETURN_IF_ERROR(r.AppendJson(json));
      out_->rows.push_back(std::move(json));
      out_->row_ids.push_back(r.id());
    }
    return Status::Ok();
  }
  Status Commit(Context&) override { return Status::Ok(); }

 private:
  HarnessOutput* out_;
};

std::vector<Reject> ReadRejects(const fs::path& file) {
  std::vector<Reject> out;
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    auto v = Value::Parse(line);
    if (!v.ok()) continue;
    Reject r;
    r.kind = v->find("kind")->as_string() == "drop" ? RejectKind::kDrop : RejectKind::kError;
    r.reason = v->find("reason")->as_string();
    r.detail = v->find("detail")->as_string();
    r.location = v->find("location")->as_string();
    std::string id = v->find("row_id")->as_string();
    size_t colon = id.find(':');
    r.id.source = static_cast<uint32_t>(std::stoul(id.substr(0, colon)));
    r.id.ordinal = std::stoull(id.substr(colon + 1));
    if (const Value* rec = v->find("record")) {
      r.record_json = rec->ToJson();
    } else if (const Value* raw = v->find("raw")) {
      r.record_json = raw->as_string();
      r.record_is_json = false;
    }
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace

// Reports a chosen rank/world; collectives behave as for one process.
class PretendCommunicator final : public LocalCommunicator {
 public:
  PretendCommunicator(int rank, int world) : rank_(rank), world_(world) {}
  int rank() const override { return rank_; }
  int world() const override { return world_; }

 private:
  int rank_, world_;
};

struct PluginHarness::Impl {
  Registry registry;
  LoadedPlugin plugin;
  std::string kind, name;
  Value config;
  TempDir dir;
  std::map<std::string, std::string> secrets;
  std::vector<LlmNode> llms;
  int rank = 0, world = 1;

  Result<std::unique_ptr<Plugin>> Create() {
    auto issues = plugin.descriptor->schema().Validate(config);
    if (!issues.empty()) {
      return Status::InvalidArgument("key '" + issues[0].key_path + "': " + issues[0].message);
    }
    auto created = plugin.descriptor->create(config);
    if (!created.ok()) {
      std::string key, message;
      if (ParseConfigError(created.status(), &key, &message)) {
        return Status::InvalidArgument("key '" + key + "': " + message);
      }
    }
    return created;
  }

  // Runs a hand-built pipeline; fills `out`.
  Result<HarnessOutput> RunPipeline(std::vector<StepNode> nodes, size_t batch_size) {
    HarnessOutput out;
    Pipeline p;
    p.spec.name = "harness";
    p.spec.run.batch_size = static_cast<int64_t>(batch_size);
    p.spec.run.threads = 2;
    for (auto& llm : llms) {
      LlmNode copy;
      copy.spec = llm.spec;
      copy.plugin = llm.plugin;
      copy.provider = llm.provider;
      p.llms.push_back(std::move(copy));  // object stays owned by the harness
    }
    p.steps = std::move(nodes);
    for (size_t i = 0; i < p.steps.size(); ++i) {
      p.topo_order.push_back(static_cast<int>(i));
      for (int in : p.steps[i].inputs) p.steps[in].outputs.push_back(static_cast<int>(i));
    }
    // The capture exporter, if any, writes into `out`.
    for (auto& s : p.steps) {
      if (auto* cap = dynamic_cast<CaptureExporter*>(s.exporter)) (void)cap;
    }
    ExecOptions opt;
    opt.threads = 2;
    opt.output_dir = dir.path() / "out";
    opt.cache_dir = dir.path() / "cache";
    opt.progress = false;
    opt.secrets = secrets;
    PretendCommunicator comm(rank, world);
    opt.comm = &comm;
    std::mutex log_mu;
    opt.log_sink = [&](LogLevel, const std::string& line) {
      std::lock_guard lock(log_mu);
      out.log.push_back(line);
    };
    std::error_code ec;
    fs::remove_all(opt.output_dir, ec);
    RunReport report = Execute(p, opt);
    for (auto& llm : p.llms) llm.object.release();
    if (!report.status.ok()) return report.status;
    for (const auto& s : report.steps) {
      if (s.name == "under_test") out.counters = s.counters;
    }
    out.rejects = ReadRejects(opt.output_dir / "rejects" / "under_test.jsonl");
    out.outputs = report.outputs;
    return out;
  }
};

PluginHarness::PluginHarness(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PluginHarness::~PluginHarness() {
  for (auto& llm : impl_->llms) llm.object.reset();
}

Result<std::unique_ptr<PluginHarness>> PluginHarness::Create(std::string_view kind_name,
                                                             std::string_view config_json) {
  auto impl = std::make_unique<Impl>();
  std::string kn(kind_name);
  size_t slash = kn.find('/');
  if (slash == std::string::npos) return Status::InvalidArgument("expected KIND/NAME");
  impl->kind = kn.substr(0, slash);
  impl->name = kn.substr(slash + 1);
  auto config = Value::Parse(config_json);
  if (!config.ok()) return config.status();
  impl->config = std::move(config).value();
  impl->registry.Discover(Registry::DefaultSearchPath({}));
  auto loaded = impl->registry.Load(impl->kind, impl->name);
  if (!loaded.ok()) return loaded.status();
  impl->plugin = *loaded;
  // Validate once now so that configuration errors surface at Create().
  auto probe = impl->Create();
  if (!probe.ok()) return probe.status();
  return std::unique_ptr<PluginHarness>(new PluginHarness(std::move(impl)));
}

const fs::path& PluginHarness::work_dir() const {
  return impl_->dir.path();
}
void PluginHarness::SetSecret(std::string name, std::string value) {
  impl_->secrets[std::move(name)] = std::move(value);
}
void PluginHarness::SetRank(int rank, int world) {
  impl_->rank = rank;
  impl_->world = world;
}

Status PluginHarness::AddLlm(std::string_view name, std::string_view kind_name,
                             std::string_view config_json) {
  std::string kn(kind_name);
  size_t slash = kn.find('/');
  if (slash == std::string::npos) return Status::InvalidArgument("expected llm/NAME");
  auto loaded = impl_->registry.Load(kn.substr(0, slash), kn.substr(slash + 1));
  if (!loaded.ok()) return loaded.status();
  auto config = Value::Parse(config_json);
  if (!config.ok()) return config.status();
  auto created = loaded->descriptor->create(*config);
  if (!created.ok()) return created.status();
  LlmNode node;
  node.spec.name = std::string(name);
  node.plugin = *loaded;
  node.object = std::move(created).value();
  node.provider = dynamic_cast<LlmProvider*>(node.object.get());
  if (!node.provider) return Status::InvalidArgument(kn + " is not an LLM provider");
  impl_->llms.push_back(std::move(node));
  return Status::Ok();
}

namespace {
StepNode MakeNode(const std::string& name, PluginKind kind, std::unique_ptr<Plugin> object) {
  StepNode n;
  n.spec.name = name;
  n.spec.kind = std::string(PluginKindName(kind));
  n.spec.plugin = name;
  n.kind = kind;
  n.object = std::move(object);
  n.source = dynamic_cast<Source*>(n.object.get());
  n.exporter = dynamic_cast<Exporter*>(n.object.get());
  n.stage = dynamic_cast<Stage*>(n.object.get());
  return n;
}
}  // namespace

Result<HarnessOutput> PluginHarness::RunStage(const std::vector<std::string>& rows,
                                              size_t batch_size) {
  return RunJoin({rows}, {{}}, batch_size);
}

Result<HarnessOutput> PluginHarness::RunJoin(const std::vector<std::vector<std::string>>& branches,
                                             const std::vector<std::vector<uint64_t>>& ordinals,
                                             size_t batch_size) {
  auto plugin = impl_->Create();
  if (!plugin.ok()) return plugin.status();
  PluginKind kind;
  ParsePluginKind(impl_->kind, &kind);
  HarnessOutput captured;
  std::vector<StepNode> nodes;
  StepNode under = MakeNode("under_test", kind, std::move(plugin).value());
  if (branches.size() == 1) {
    std::vector<uint64_t> ords = ordinals.empty() ? std::vector<uint64_t>{} : ordinals[0];
    nodes.push_back(
        MakeNode("input", PluginKind::kSource, std::make_unique<MemorySource>(branches[0], ords)));
    under.inputs.push_back(0);
  } else {
    // A fan-in joins rows of ONE root source by row id: the root emits every
    // ordinal any branch has; branch b turns each into its own row (or drops it).
    std::vector<std::map<uint64_t, std::string>> per_branch(branches.size());
    std::set<uint64_t> all;
    for (size_t b = 0; b < branches.size(); ++b) {
      for (size_t i = 0; i < branches[b].size(); ++i) {
        uint64_t ord = b < ordinals.size() && i < ordinals[b].size() ? ordinals[b][i] : i;
        per_branch[b][ord] = branches[b][i];
        all.insert(ord);
      }
    }
    std::vector<std::string> root_rows(all.size(), "{}");
    nodes.push_back(MakeNode(
        "input", PluginKind::kSource,
        std::make_unique<MemorySource>(root_rows, std::vector<uint64_t>(all.begin(), all.end()))));
    for (size_t b = 0; b < branches.size(); ++b) {
      StepNode branch = MakeNode("branch" + std::to_string(b), PluginKind::kTransform,
                                 std::make_unique<BranchRows>(std::move(per_branch[b])));
      branch.inputs.push_back(0);
      nodes.push_back(std::move(branch));
      under.inputs.push_back(static_cast<int>(nodes.size() - 1));
    }
  }
  nodes.push_back(std::move(under));
  if (kind != PluginKind::kExporter) {
    StepNode cap =
        MakeNode("capture", PluginKind::kExporter, std::make_unique<CaptureExporter>(&captured));
    cap.inputs.push_back(static_cast<int>(nodes.size() - 1));
    nodes.push_back(std::move(cap));
  }
  auto out = impl_->RunPipeline(std::move(nodes), batch_size);
  if (!out.ok()) return out.status();
  out->rows = std::move(captured.rows);
  out->row_ids = std::move(captured.row_ids);
  return out;
}

Result<HarnessOutput> PluginHarness::RunSource(size_t batch_size) {
  auto plugin = impl_->Create();
  if (!plugin.ok()) return plugin.status();
  HarnessOutput captured;
  std::vector<StepNode> nodes;
  nodes.push_back(MakeNode("under_test", PluginKind::kSource, std::move(plugin).value()));
  StepNode cap =
      MakeNode("capture", PluginKind::kExporter, std::make_unique<CaptureExporter>(&captured));
  cap.inputs.push_back(0);
  nodes.push_back(std::move(cap));
  auto out = impl_->RunPipeline(std::move(nodes), batch_size);
  if (!out.ok()) return out.status();
  out->rows = std::move(captured.rows);
  out->row_ids = std::move(captured.row_ids);
  return out;
}

Result<HarnessOutput> PluginHarness::RunExporter(const std::vector<std::string>& rows,
                                                 size_t batch_size) {
  return RunJoin({rows}, {{}}, batch_size);
}

TempDir::TempDir() {
  std::string tmpl = (fs::temp_directory_path() / "winnow-test-XXXXXX").string();
  char* made = ::mkdtemp(tmpl.data());
  REQUIRE(made != nullptr);
  path_ = made;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

fs::path SourceDir() {
  if (const char* s = std::getenv("WINNOW_SOURCE_DIR")) return s;
  return fs::current_path();
}
fs::path BinaryDir() {
  if (const char* s = std::getenv("WINNOW_BINARY_DIR")) return s;
  return fs::current_path();
}
fs::path SharedDataDir() {
  if (const char* s = std::getenv("WINNOW_SHARED_DATA")) return s;
  return SourceDir() / ".." / "shared" / "data";
}
fs::path WinnowBinary() {
  return BinaryDir() / "bin" / "winnow";
}

void WriteText(const fs::path& path, std::string_view text) {
  if (path.has_parent_path()) fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  REQUIRE(out.good());
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  REQUIRE(out.good());
}

std::string ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int RunCommand(const std::string& command, std::string* output) {
  std::string cmd = command + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return -1;
  char buf[4096];
  size_t n;
  output->clear();
  while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) output->append(buf, n);
  int status = ::pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace winnow::testing
