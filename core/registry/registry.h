// core/registry/registry.h — finding, checking and loading plugin libraries.
//
// Plugins are shared libraries named libwinnow_<kind>_<name>.so. Discovery
// only lists files (cheap); a library is loaded when a pipeline uses it (or
// for `winnow plugins list`), so a pipeline that uses no LLM never loads the
// LLM provider. Loading checks the library's ABI stamp before touching any
// C++ symbol, then reads its descriptor and checks it matches the file name.
//
// Search order (first match wins; a later file with the same KIND/NAME is
// refused and reported): --plugin-path dirs, WINNOW_PLUGIN_PATH (':'-separated),
// <prefix>/lib/winnow/plugins next to the executable, the build tree.
// Libraries stay loaded until the Registry is destroyed; plugin objects must
// be destroyed first. Not thread-safe: load before starting threads.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "winnow/plugin.h"
#include "winnow/status.h"

namespace boost::dll {
class shared_library;
}

namespace winnow::core {

struct PluginFile {
  std::string kind;  // from the file name
  std::string name;
  std::filesystem::path path;
};

struct LoadedPlugin {
  const PluginDescriptor* descriptor = nullptr;
  std::filesystem::path path;
};

class Registry {
 public:
  Registry();
  ~Registry();

  // Lists plugin files in `dirs` (in priority order). Duplicates (same
  // KIND/NAME in a later directory) are recorded in problems().
  void Discover(const std::vector<std::filesystem::path>& dirs);

  // The directories searched by default, in order (see header comment).
  static std::vector<std::filesystem::path> DefaultSearchPath(
      const std::vector<std::filesystem::path>& plugin_path_args);

  const std::vector<PluginFile>& files() const { return files_; }
  const std::vector<std::string>& problems() const { return problems_; }
  const std::vector<std::filesystem::path>& searched() const { return searched_; }

  // Loads KIND/NAME. NotFound with a did-you-mean when no such plugin exists;
  // InvalidArgument naming both sides when its ABI stamp differs.
  Result<LoadedPlugin> Load(const std::string& kind, const std::string& name);

  // Loads every discovered plugin; failures go to problems().
  std::vector<LoadedPlugin> LoadAll();

  // "KIND/NAME" of every discovered plugin, for did-you-mean messages.
  std::vector<std::string> Names() const;

 private:
  Result<LoadedPlugin> LoadFile(const PluginFile& file);
  std::vector<PluginFile> files_;
  std::vector<std::string> problems_;
  std::vector<std::filesystem::path> searched_;
  std::map<std::string, LoadedPlugin> loaded_;  // by path
  std::vector<std::unique_ptr<boost::dll::shared_library>> libraries_;
};

// This host's ABI stamp (compiled into the host).
const char* HostAbiStamp();

}  // namespace winnow::core
