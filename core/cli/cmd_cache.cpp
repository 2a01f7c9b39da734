// `winnow cache list|clear PIPELINE.yaml` — the resumable step outputs of a pipeline.
#include <cstdio>
#include <map>
#include <set>

#include "cli/commands.h"
#include "config/pipeline_spec.h"
#include "engine/pipeline.h"
#include "registry/registry.h"

namespace winnow::cli {

namespace fs = std::filesystem;
using namespace winnow::core;

int CmdCache(const GlobalOptions& g, const std::vector<std::string>& args) {
  if (args.size() < 2 || (args[0] != "list" && args[0] != "clear")) {
    std::fprintf(stderr, "usage: winnow cache list PIPELINE.yaml | cache clear PIPELINE.yaml\n");
    return 2;
  }
  std::vector<Diagnostic> diags;
  auto spec = LoadPipelineFile(args[1], &diags);
  if (!spec.ok()) {
    for (const auto& d : diags) std::fprintf(stderr, "%s\n", d.ToString().c_str());
    return 2;
  }
  fs::path out = spec->run.output_dir.empty() ? fs::path("out") / spec->name
                                              : fs::path(spec->run.output_dir);
  fs::path dir = out / ".checkpoints";
  Registry registry;
  registry.Discover(Registry::DefaultSearchPath(g.plugin_path));
  auto p = BuildPipeline(std::move(spec).value(), registry, &diags);
  std::set<std::string> current;
  std::map<std::string, std::string> step_of;
  if (p.ok()) {
    for (const auto& s : (*p)->steps) {
      current.insert(s.signature);
      step_of[s.signature] = s.spec.name;
    }
  }
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    std::printf("no checkpoints under %s\n", dir.c_str());
    return 0;
  }
  if (args[0] == "clear") {
    uintmax_t n = fs::remove_all(dir, ec);
    if (ec) {
      std::fprintf(stderr, "winnow: cannot remove %s: %s\n", dir.c_str(), ec.message().c_str());
      return 1;
    }
    std::printf("removed %s (%ju files)\n", dir.c_str(), n);
    return 0;
  }
  std::printf("%-34s %-20s %8s %12s\n", "SIGNATURE", "STEP", "BATCHES", "BYTES");
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    std::string sig = e.path().filename().string();
    uintmax_t batches = 0, bytes = 0;
    for (const auto& f : fs::directory_iterator(e.path(), ec)) {
      if (f.path().extension() == ".ckpt") {
        ++batches;
        bytes += f.file_size(ec);
      }
    }
    std::string step = step_of.count(sig) ? step_of[sig] : "(stale: config changed)";
    std::printf("%-34s %-20s %8ju %12ju\n", sig.c_str(), step.c_str(), batches, bytes);
  }
  return 0;
}

}  // namespace winnow::cli
