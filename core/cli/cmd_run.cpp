// `winnow run` and `winnow validate`.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "cli/commands.h"
#include "config/pipeline_spec.h"
#include "dist/dist.h"
#include "engine/executor.h"
#include "engine/pipeline.h"
#include "registry/registry.h"
#include "report/console.h"
#include "report/progress.h"
#include "winnow/schema.h"

namespace winnow::cli {

namespace fs = std::filesystem;
using namespace winnow::core;

namespace {

std::atomic<bool> g_interrupted{false};

extern "C" void OnSignal(int) {
  if (g_interrupted.exchange(true)) std::_Exit(130);  // second Ctrl-C: leave now
  static const char kMsg[] =
      "\nwinnow: interrupted; stopping cleanly (press Ctrl-C again to abort at once)\n";
  ssize_t ignored = ::write(2, kMsg, sizeof(kMsg) - 1);
  (void)ignored;
}

void PrintDiagnostics(const std::vector<Diagnostic>& diags) {
  for (const auto& d : diags) std::fprintf(stderr, "%s\n", d.ToString().c_str());
  if (diags.size() > 1) std::fprintf(stderr, "%zu problems found.\n", diags.size());
}

struct Loaded {
  Registry registry;
  std::unique_ptr<Pipeline> pipeline;
};

// Loads, applies overrides, binds plugins. Prints problems; null on failure.
std::unique_ptr<Loaded> LoadAndBuild(const GlobalOptions& g, const std::string& file,
                                     const std::vector<std::string>& overrides) {
  std::vector<Diagnostic> diags;
  auto spec = LoadPipelineFile(file, &diags);
  if (!spec.ok()) {
    if (diags.empty()) std::fprintf(stderr, "%s\n", spec.status().message().c_str());
    PrintDiagnostics(diags);
    return nullptr;
  }
  for (const auto& o : overrides) {
    Status st = ApplyOverride(&*spec, o);
    if (!st.ok()) {
      std::fprintf(stderr, "%s\n", st.message().c_str());
      return nullptr;
    }
  }
  auto loaded = std::make_unique<Loaded>();
  loaded->registry.Discover(Registry::DefaultSearchPath(g.plugin_path));
  for (const auto& p : loaded->registry.problems()) {
    std::fprintf(stderr, "winnow: warning: %s\n", p.c_str());
  }
  auto pipeline = BuildPipeline(std::move(spec).value(), loaded->registry, &diags);
  if (!pipeline.ok()) {
    PrintDiagnostics(diags);
    return nullptr;
  }
  loaded->pipeline = std::move(pipeline).value();
  return loaded;
}

}  // namespace

int CmdValidate(const GlobalOptions& g, const std::vector<std::string>& args) {
  std::vector<std::string> overrides;
  std::string file;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--set" && i + 1 < args.size())
      overrides.push_back(args[++i]);
    else if (file.empty())
      file = args[i];
    else {
      std::fprintf(stderr, "winnow validate: unexpected argument '%s'\n", args[i].c_str());
      return 2;
    }
  }
  if (file.empty()) {
    std::fprintf(stderr, "usage: winnow validate PIPELINE.yaml [--set step.key=value ...]\n");
    return 2;
  }
  auto loaded = LoadAndBuild(g, file, overrides);
  if (!loaded) return 2;
  const Pipeline& p = *loaded->pipeline;
  std::printf("%s: pipeline '%s' is valid: %zu steps", file.c_str(), p.spec.name.c_str(),
              p.steps.size());
  if (!p.llms.empty()) std::printf(", %zu LLMs", p.llms.size());
  std::printf("\n");
  for (int i : p.topo_order) {
    const StepNode& s = p.steps[i];
    std::string after;
    for (int in : s.inputs) after += (after.empty() ? "" : ", ") + p.steps[in].spec.name;
    std::printf("  %-20s %s/%s%s\n", s.spec.name.c_str(), s.spec.kind.c_str(),
                s.spec.plugin.c_str(), after.empty() ? "" : ("  after " + after).c_str());
  }
  return 0;
}

// A whole positive decimal number, or -1 ("4x", "", "-2" and overflow are -1).
static int64_t ParsePositive(const std::string& text) {
  if (text.empty() || text.size() > 18) return -1;
  int64_t n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return -1;
    n = n * 10 + (c - '0');
  }
  return n > 0 ? n : -1;
}

int CmdRun(const GlobalOptions& g, const std::vector<std::string>& args) {
  std::vector<std::string> overrides;
  std::string file;
  int threads = -1;
  int64_t dry_run = 0;
  bool no_cache = false;
  std::string from_step;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto need = [&](const char* what) -> const std::string* {
      if (i + 1 >= args.size()) {
        std::fprintf(stderr, "winnow run: %s needs a value\n", what);
        return nullptr;
      }
      return &args[++i];
    };
    if (a == "--set") {
      auto v = need("--set");
      if (!v) return 2;
      overrides.push_back(*v);
    } else if (a == "--threads" || a == "-j") {
      auto v = need("--threads");
      if (!v) return 2;
      int64_t t = ParsePositive(*v);
      threads = t > 0 && t <= 4096 ? static_cast<int>(t) : -1;
      if (threads <= 0) {
        std::fprintf(stderr, "winnow run: --threads must be a whole number from 1 to 4096\n");
        return 2;
      }
    } else if (a == "--no-cache") {
      no_cache = true;
    } else if (a == "--from") {
      auto v = need("--from");
      if (!v) return 2;
      from_step = *v;
    } else if (a == "--dry-run") {
      auto v = need("--dry-run");
      if (!v) return 2;
      dry_run = ParsePositive(*v);
      if (dry_run <= 0) {
        std::fprintf(stderr, "winnow run: --dry-run needs a positive number of rows\n");
        return 2;
      }
    } else if (file.empty() && a[0] != '-') {
      file = a;
    } else {
      std::fprintf(stderr, "winnow run: unexpected argument '%s'\n", a.c_str());
      return 2;
    }
  }
  if (file.empty()) {
    std::fprintf(stderr,
                 "usage: winnow run PIPELINE.yaml [--set step.key=value ...] [--threads N] "
                 "[--dry-run N] [--no-cache] [--from STEP]\n");
    return 2;
  }
  auto loaded = LoadAndBuild(g, file, overrides);
  if (!loaded) return 2;
  Pipeline& p = *loaded->pipeline;

  ExecOptions opt;
  opt.threads = threads > 0 ? threads : static_cast<int>(p.spec.run.threads);
  opt.dry_run_rows = dry_run;
  opt.output_dir = p.spec.run.output_dir.empty() ? fs::path("out") / p.spec.name
                                                 : fs::path(p.spec.run.output_dir);
  // A dry run keeps everything it writes (previews, stats.json, report.html,
  // rejects/) under dry-run/, so the last real run's files stay as they were.
  if (dry_run > 0) opt.output_dir /= "dry-run";
  if (const char* cache = std::getenv("WINNOW_CACHE_DIR")) {
    opt.cache_dir = cache;
  } else if (const char* xdg = std::getenv("XDG_CACHE_HOME")) {
    opt.cache_dir = fs::path(xdg) / "winnow";
  } else if (const char* home = std::getenv("HOME")) {
    opt.cache_dir = fs::path(home) / ".cache" / "winnow";
  } else {
    opt.cache_dir = opt.output_dir / ".cache";
  }
  opt.checkpoint_policy = p.spec.run.checkpoint;
  if (!no_cache && dry_run == 0) opt.checkpoint_dir = opt.output_dir / ".checkpoints";
  if (!from_step.empty()) {
    int from = -1;
    std::vector<std::string> names;
    for (size_t i = 0; i < p.steps.size(); ++i) {
      names.push_back(p.steps[i].spec.name);
      if (p.steps[i].spec.name == from_step) from = static_cast<int>(i);
    }
    if (from < 0) {
      std::string close = ClosestMatch(from_step, names);
      std::fprintf(stderr, "winnow run: --from names no step '%s'%s\n", from_step.c_str(),
                   close.empty() ? "" : (" (did you mean '" + close + "'?)").c_str());
      return 2;
    }
    // The step and everything downstream of it are recomputed.
    std::vector<int> todo{from};
    std::vector<bool> seen(p.steps.size(), false);
    while (!todo.empty()) {
      int n = todo.back();
      todo.pop_back();
      if (seen[n]) continue;
      seen[n] = true;
      opt.recompute_steps.push_back(p.steps[n].spec.name);
      for (int out : p.steps[n].outputs) todo.push_back(out);
    }
  }
  opt.cancelled = &g_interrupted;
  opt.progress = !g.quiet;
  opt.verbose = g.verbose;
  Console::Get().set_quiet(g.quiet);
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);

  std::unique_ptr<Distributed> dist = InitDistributed(nullptr, nullptr);
  opt.dist = dist.get();
  if (dist->world() > 1) {
    opt.progress = opt.progress && dist->rank() == 0;
    Console::Get().set_quiet(g.quiet || dist->rank() != 0);
  }
  RunReport report = Execute(p, opt);
  if (dist->rank() != 0) {
    // Rank 0 prints the summary for the whole job.
    if (!report.status.ok()) {
      std::fprintf(stderr, "winnow: rank %d: %s\n", dist->rank(), report.status.message().c_str());
    }
    return report.status.ok() ? 0 : 1;
  }

  // Summary.
  std::printf("pipeline '%s' %s in %s with %d threads\n", p.spec.name.c_str(),
              report.status.ok() ? "finished" : "stopped",
              ProgressReporter::Duration(report.wall_s).c_str(), report.threads);
  for (const auto& s : report.steps) {
    std::printf("  %-20s %-24s in %10lld  out %10lld", s.name.c_str(), s.uses.c_str(),
                static_cast<long long>(s.rows_in), static_cast<long long>(s.rows_out));
    if (s.dropped) std::printf("  dropped %lld", static_cast<long long>(s.dropped));
    if (s.errors) std::printf("  errors %lld", static_cast<long long>(s.errors));
    std::printf("\n");
    for (const auto& [reason, n] : s.reasons) {
      std::printf("      %-40s %lld\n", reason.c_str(), static_cast<long long>(n));
    }
  }
  for (const auto& o : report.outputs) std::printf("output: %s\n", o.c_str());
  int64_t rejected = 0;
  for (const auto& s : report.steps) rejected += s.dropped + s.errors;
  if (rejected > 0) {
    std::printf("rejected rows: %lld (see %s)\n", static_cast<long long>(rejected),
                (opt.output_dir / "rejects").c_str());
  }
  std::printf("stats: %s\n", report.stats_file.c_str());
  std::printf("report: %s\n", (opt.output_dir / "report.html").c_str());
  int64_t resumed = 0;
  for (const auto& s : report.steps) resumed += s.batches_from_checkpoint;
  if (resumed > 0) {
    std::printf(
        "resumed: %lld batches came from checkpoints (use --no-cache or --from STEP to "
        "recompute)\n",
        static_cast<long long>(resumed));
  }
  if (!report.status.ok()) {
    std::fprintf(stderr, "winnow: %s\n", report.status.message().c_str());
    return report.status.code() == StatusCode::kCancelled ? 130 : 1;
  }
  return 0;
}

}  // namespace winnow::cli
