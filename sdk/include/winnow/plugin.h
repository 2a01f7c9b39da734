// winnow/plugin.h — what a plugin library exports, and the base of every plugin.
//
// A plugin library (one per folder under plugins/) exports exactly one
// PluginDescriptor through Boost.DLL (alias `winnow_plugin`) plus an
// `extern "C"` ABI stamp. Both come from one macro:
//
//   WINNOW_PLUGIN(winnow::PluginKind::kCleaner, "quality", "1.0.0",
//                 "Gopher, C4 and FineWeb quality rules.", QualityConfig, QualityCleaner,
//                 QualitySchema)
//
// The host reads the stamp first and refuses a library built against another
// SDK version or C++ runtime, naming both sides. Then it reads the descriptor.
// `create` validates and binds the config, constructs the plugin and calls
// Init(); it must not do I/O (that belongs in Open()), because `winnow validate`
// creates every step's plugin too. Plugins must have no static initialisers
// with side effects. Objects a plugin creates are destroyed before its library
// is unloaded (the host keeps libraries loaded for the whole process).
#pragma once

#include <cstdint>
#include <exception>
#include <memory>
#include <string>

#include "winnow/schema.h"
#include "winnow/status.h"
#include "winnow/value.h"

#define WINNOW_SDK_VERSION_MAJOR 1
#define WINNOW_SDK_VERSION_MINOR 0
#define WINNOW_SDK_VERSION "1.0"

#define WINNOW_STRINGIFY_INNER(x) #x
#define WINNOW_STRINGIFY(x) WINNOW_STRINGIFY_INNER(x)

// Identifies the SDK version and C++ runtime a binary was compiled with. Two
// binaries can share C++ objects only when their stamps are equal.
#define WINNOW_ABI_STAMP                                                             \
  "winnow-sdk " WINNOW_SDK_VERSION "; g++ " WINNOW_STRINGIFY(__GNUC__) "." WINNOW_STRINGIFY( \
      __GNUC_MINOR__) "; libstdc++ " WINNOW_STRINGIFY(_GLIBCXX_RELEASE) "; cxx11-abi " \
      WINNOW_STRINGIFY(_GLIBCXX_USE_CXX11_ABI)

namespace winnow {

enum class PluginKind { kSource, kCleaner, kTransform, kTask, kLlm, kExporter };

std::string_view PluginKindName(PluginKind kind);  // "source", "cleaner", ...
bool ParsePluginKind(std::string_view name, PluginKind* kind);

// Base of every plugin object. Concrete plugins derive from Source, Stage,
// LlmProvider or Exporter, never from Plugin directly.
class Plugin {
 public:
  virtual ~Plugin() = default;
  // Checks the bound config beyond what the schema can express (regexes,
  // combinations of keys). Report problems with ConfigError(key, message).
  virtual Status Init() { return Status::Ok(); }
};

struct PluginDescriptor {
  uint32_t struct_size;  // sizeof(PluginDescriptor) in the plugin's SDK; lets hosts read older plugins
  PluginKind kind;
  const char* name;     // unique within its kind, [a-z0-9_]+
  const char* version;  // the plugin's behaviour version (part of cache signatures)
  const char* summary;  // one line
  const ConfigSchema& (*schema)();
  // Binds `config` (an object; validated against schema()) and builds the plugin.
  Result<std::unique_ptr<Plugin>> (*create)(const Value& config);
};

// Implementation of `create` for the macro below.
template <class Impl, class Config>
Result<std::unique_ptr<Plugin>> CreatePlugin(const Value& config, const ConfigSchema& schema) {
  try {
    Config bound{};
    WINNOW_RETURN_IF_ERROR(schema.Bind(config, &bound));
    auto plugin = std::make_unique<Impl>(std::move(bound));
    WINNOW_RETURN_IF_ERROR(plugin->Init());
    return std::unique_ptr<Plugin>(std::move(plugin));
  } catch (const std::exception& e) {
    return Status::Internal(std::string("plugin constructor threw: ") + e.what());
  }
}

}  // namespace winnow

#include <boost/dll/alias.hpp>

#define WINNOW_PLUGIN(KIND, NAME, VERSION, SUMMARY, CONFIG, IMPL, SCHEMA_FN)                   \
  namespace {                                                                                 \
  ::winnow::Result<std::unique_ptr<::winnow::Plugin>> winnow_create_(const ::winnow::Value& c) { \
    return ::winnow::CreatePlugin<IMPL, CONFIG>(c, SCHEMA_FN());                              \
  }                                                                                           \
  const ::winnow::PluginDescriptor& winnow_descriptor_() {                                    \
    static const ::winnow::PluginDescriptor d{sizeof(::winnow::PluginDescriptor),             \
                                              KIND,                                           \
                                              NAME,                                           \
                                              VERSION,                                        \
                                              SUMMARY,                                        \
                                              &SCHEMA_FN,                                     \
                                              &winnow_create_};                               \
    return d;                                                                                 \
  }                                                                                           \
  }                                                                                           \
  BOOST_DLL_ALIAS(winnow_descriptor_, winnow_plugin)                                          \
  extern "C" BOOST_SYMBOL_EXPORT const char* winnow_abi_stamp() { return WINNOW_ABI_STAMP; }
