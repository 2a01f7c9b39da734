// winnow — curate LLM training data with YAML pipelines of plugins.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "cli/commands.h"

int main(int argc, char** argv) {
  using namespace winnow::cli;
  GlobalOptions g;
  std::vector<std::string> rest;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--plugin-path" && i + 1 < argc) {
      g.plugin_path.emplace_back(argv[++i]);
    } else if (a.rfind("--plugin-path=", 0) == 0) {
      g.plugin_path.emplace_back(a.substr(14));
    } else if (a == "-v" || a == "--verbose") {
      g.verbose = true;
    } else if (a == "-q" || a == "--quiet") {
      g.quiet = true;
    } else {
      rest.push_back(a);
    }
  }
  if (rest.empty() || rest[0] == "help" || rest[0] == "--help" || rest[0] == "-h") {
    PrintUsage();
    return rest.empty() ? 2 : 0;
  }
  std::string cmd = rest[0];
  std::vector<std::string> args(rest.begin() + 1, rest.end());
  if (cmd == "run") return CmdRun(g, args);
  if (cmd == "validate") return CmdValidate(g, args);
  if (cmd == "plugins") return CmdPlugins(g, args);
  if (cmd == "cache") return CmdCache(g, args);
  if (cmd == "version" || cmd == "--version") return CmdVersion();
  std::fprintf(stderr, "winnow: unknown command '%s'\n\n", cmd.c_str());
  PrintUsage();
  return 2;
}
