// core/engine/pipeline.h — a pipeline bound to plugins: the validated DAG.
//
// BuildPipeline resolves every step's plugin, validates its `with:` block
// against the plugin's schema, creates the plugin object (no I/O), resolves
// `after:` (default: the previous step; sources have no input) and checks the
// graph: dangling names, cycles, inputs of sources, fan-in branches that do
// not descend from one source. Every problem is a Diagnostic with the file,
// line and column of the offending key. `winnow validate` stops here.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "config/pipeline_spec.h"
#include "registry/registry.h"
#include "winnow/exporter.h"
#include "winnow/llm.h"
#include "winnow/source.h"
#include "winnow/stage.h"

namespace winnow::core {

struct StepNode {
  StepSpec spec;
  PluginKind kind = PluginKind::kTransform;
  LoadedPlugin plugin;
  std::unique_ptr<Plugin> object;  // destroyed before the registry unloads libraries
  Source* source = nullptr;        // exactly one of these is set
  Stage* stage = nullptr;
  Exporter* exporter = nullptr;
  std::vector<int> inputs;   // indexes of upstream steps, in `after:` order
  std::vector<int> outputs;  // indexes of downstream steps
  int root_source = -1;      // the source this step's rows descend from
  std::string signature;     // hash of plugin, version, config and upstream signatures
};

struct LlmNode {
  LlmSpec spec;
  LoadedPlugin plugin;
  std::unique_ptr<Plugin> object;
  LlmProvider* provider = nullptr;
};

struct Pipeline {
  PipelineSpec spec;
  std::vector<LlmNode> llms;
  std::vector<StepNode> steps;  // in file order; inputs always come from earlier or later steps
  std::vector<int> topo_order;  // steps in an order where inputs come first
  ~Pipeline();
};

// `registry` must outlive the returned pipeline.
Result<std::unique_ptr<Pipeline>> BuildPipeline(PipelineSpec spec, Registry& registry,
                                                std::vector<Diagnostic>* diagnostics);

}  // namespace winnow::core
