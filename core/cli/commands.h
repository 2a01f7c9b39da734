// core/cli/commands.h — the `winnow` subcommands. Each returns the process exit code:
// 0 success, 1 run failure, 2 usage or configuration error, 130 interrupted.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace winnow::cli {

struct GlobalOptions {
  std::vector<std::filesystem::path> plugin_path;  // --plugin-path (repeatable)
  bool verbose = false;
  bool quiet = false;
};

int CmdRun(const GlobalOptions& g, const std::vector<std::string>& args);
int CmdValidate(const GlobalOptions& g, const std::vector<std::string>& args);
int CmdPlugins(const GlobalOptions& g, const std::vector<std::string>& args);
int CmdCache(const GlobalOptions& g, const std::vector<std::string>& args);
int CmdVersion();
void PrintUsage();

}  // namespace winnow::cli
