#include "registry/registry.h"

#include <boost/dll/shared_library.hpp>
#include <boost/dll/runtime_symbol_info.hpp>

#include <algorithm>
#include <cstdlib>
#include <regex>
#include <set>

#ifndef WINNOW_BUILD_PLUGIN_DIR
#define WINNOW_BUILD_PLUGIN_DIR ""
#endif

namespace winnow::core {

namespace fs = std::filesystem;

const char* HostAbiStamp() { return WINNOW_ABI_STAMP; }

Registry::Registry() = default;

Registry::~Registry() {
  // Unload in reverse order of loading.
  while (!libraries_.empty()) libraries_.pop_back();
}

std::vector<fs::path> Registry::DefaultSearchPath(const std::vector<fs::path>& plugin_path_args) {
  std::vector<fs::path> dirs = plugin_path_args;
  if (const char* env = std::getenv("WINNOW_PLUGIN_PATH")) {
    std::string s(env);
    size_t start = 0;
    while (start <= s.size()) {
      size_t colon = s.find(':', start);
      std::string part = s.substr(start, colon - start);
      if (!part.empty()) dirs.emplace_back(part);
      if (colon == std::string::npos) break;
      start = colon + 1;
    }
  }
  std::error_code ec;
  fs::path exe = boost::dll::program_location(ec);
  if (!ec) dirs.push_back(exe.parent_path().parent_path() / "lib" / "winnow" / "plugins");
  if (std::string(WINNOW_BUILD_PLUGIN_DIR).size() > 0) dirs.emplace_back(WINNOW_BUILD_PLUGIN_DIR);
  return dirs;
}

void Registry::Discover(const std::vector<fs::path>& dirs) {
  static const std::regex kFileName(R"(libwinnow_(source|cleaner|transform|task|llm|exporter)_([a-z0-9_]+)\.so)");
  std::set<fs::path> seen_dirs;
  std::map<std::string, fs::path> by_name;
  for (const auto& f : files_) by_name[f.kind + "/" + f.name] = f.path;
  for (const auto& dir : dirs) {
    std::error_code ec;
    fs::path canonical = fs::weakly_canonical(dir, ec);
    if (ec || !fs::is_directory(canonical, ec)) continue;
    if (!seen_dirs.insert(canonical).second) continue;
    searched_.push_back(canonical);
    std::vector<fs::path> entries;
    for (const auto& e : fs::directory_iterator(canonical, ec)) entries.push_back(e.path());
    std::sort(entries.begin(), entries.end());
    for (const auto& path : entries) {
      std::smatch m;
      std::string fname = path.filename().string();
      if (!std::regex_match(fname, m, kFileName)) continue;
      std::string key = m[1].str() + "/" + m[2].str();
      auto it = by_name.find(key);
      if (it != by_name.end()) {
        problems_.push_back(path.string() + ": refused: plugin " + key + " is already provided by " +
                            it->second.string() + " (earlier in the search path)");
        continue;
      }
      by_name[key] = path;
      files_.push_back({m[1].str(), m[2].str(), path});
    }
  }
}

std::vector<std::string> Registry::Names() const {
  std::vector<std::string> names;
  for (const auto& f : files_) names.push_back(f.kind + "/" + f.name);
  return names;
}

Result<LoadedPlugin> Registry::LoadFile(const PluginFile& file) {
  auto cached = loaded_.find(file.path.string());
  if (cached != loaded_.end()) return cached->second;
  auto lib = std::make_unique<boost::dll::shared_library>();
  boost::dll::fs::error_code ec;
  lib->load(file.path, ec, boost::dll::load_mode::rtld_local | boost::dll::load_mode::rtld_now);
  if (ec) {
    return Status::InvalidArgument("cannot load plugin library " + file.path.string() + ": " +
                                   ec.message() + " (is it a winnow plugin built for this system?)");
  }
  if (!lib->has("winnow_abi_stamp")) {
    return Status::InvalidArgument(file.path.string() +
                                   " has no winnow_abi_stamp symbol: it was not built with the "
                                   "WINNOW_PLUGIN macro from winnow/plugin.h");
  }
  auto& stamp_fn = lib->get<const char*()>("winnow_abi_stamp");
  std::string stamp = stamp_fn();
  if (stamp != HostAbiStamp()) {
    return Status::InvalidArgument("plugin " + file.path.string() + " was built with [" + stamp +
                                   "], but this winnow was built with [" + HostAbiStamp() +
                                   "]; C++ objects cannot cross between them. Rebuild the plugin "
                                   "against this winnow's SDK (find_package(winnow)).");
  }
  if (!lib->has("winnow_plugin")) {
    return Status::InvalidArgument(file.path.string() +
                                   " has an ABI stamp but no winnow_plugin descriptor alias");
  }
  auto& descriptor_fn = lib->get_alias<const PluginDescriptor&()>("winnow_plugin");
  const PluginDescriptor* d = &descriptor_fn();
  if (d->struct_size < sizeof(PluginDescriptor)) {
    return Status::InvalidArgument(file.path.string() + " has a descriptor from an older SDK (" +
                                   std::to_string(d->struct_size) + " bytes, expected " +
                                   std::to_string(sizeof(PluginDescriptor)) + ")");
  }
  std::string kind(PluginKindName(d->kind));
  if (kind != file.kind || d->name != file.name) {
    return Status::InvalidArgument(file.path.string() + " describes itself as " + kind + "/" +
                                   d->name + ", but its file name says " + file.kind + "/" +
                                   file.name);
  }
  LoadedPlugin loaded{d, file.path};
  libraries_.push_back(std::move(lib));
  loaded_[file.path.string()] = loaded;
  return loaded;
}

Result<LoadedPlugin> Registry::Load(const std::string& kind, const std::string& name) {
  for (const auto& f : files_) {
    if (f.kind == kind && f.name == name) return LoadFile(f);
  }
  std::string m = "no plugin " + kind + "/" + name;
  std::string close = ClosestMatch(kind + "/" + name, Names());
  if (!close.empty()) {
    m += " (did you mean '" + close + "'?)";
  } else {
    std::vector<std::string> same_kind;
    for (const auto& f : files_) {
      if (f.kind == kind) same_kind.push_back(f.name);
    }
    if (!same_kind.empty()) {
      m += "; available " + kind + " plugins:";
      for (const auto& n : same_kind) m += " " + n;
    }
  }
  if (searched_.empty()) {
    m += "; no plugin directory was found (set WINNOW_PLUGIN_PATH or --plugin-path)";
  }
  return Status::NotFound(m);
}

std::vector<LoadedPlugin> Registry::LoadAll() {
  std::vector<LoadedPlugin> out;
  for (const auto& f : files_) {
    auto r = LoadFile(f);
    if (r.ok()) out.push_back(*r);
    else problems_.push_back(r.status().message());
  }
  return out;
}

}  // namespace winnow::core
