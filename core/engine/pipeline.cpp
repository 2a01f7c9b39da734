#include "engine/pipeline.h"

#include <functional>
#include <map>
#include <set>

#include "winnow/hash.h"

namespace winnow::core {

Pipeline::~Pipeline() {
  // Plugin objects live in their libraries' code: destroy them explicitly,
  // steps first (they may use LLMs), before the registry can unload anything.
  for (auto& s : steps) s.object.reset();
  for (auto& l : llms) l.object.reset();
}

namespace {

// Creates a plugin object, turning schema and Init problems into located diagnostics.
std::unique_ptr<Plugin> CreateObject(const PipelineSpec& spec, const std::string& with_path,
                                     const LoadedPlugin& loaded, const Value& with,
                                     std::vector<Diagnostic>* diags) {
  const PluginDescriptor* d = loaded.descriptor;
  const ConfigSchema& schema = d->schema();
  std::string plugin_name = std::string(PluginKindName(d->kind)) + "/" + d->name;
  auto issues = schema.Validate(with);
  for (const auto& issue : issues) {
    std::string path = issue.key_path.empty() ? with_path : with_path + "." + issue.key_path;
    diags->push_back({spec.marks.Find(path), issue.key_path.empty() ? "with" : issue.key_path,
                      issue.message + " [" + plugin_name + "]"});
  }
  if (!issues.empty()) return nullptr;
  auto created = d->create(with);
  if (!created.ok()) {
    std::string key, message;
    if (ParseConfigError(created.status(), &key, &message)) {
      std::string path = key.empty() ? with_path : with_path + "." + key;
      diags->push_back({spec.marks.Find(path), key, message + " [" + plugin_name + "]"});
    } else {
      diags->push_back({spec.marks.Find(with_path), "",
                        plugin_name + " could not be created: " + created.status().ToString()});
    }
    return nullptr;
  }
  return std::move(created).value();
}

}  // namespace

Result<std::unique_ptr<Pipeline>> BuildPipeline(PipelineSpec spec, Registry& registry,
                                                std::vector<Diagnostic>* diags) {
  auto p = std::make_unique<Pipeline>();
  p->spec = std::move(spec);
  const PipelineSpec& s = p->spec;
  size_t before = diags->size();

  for (const auto& llm : s.llms) {
    LlmNode node;
    node.spec = llm;
    auto loaded = registry.Load(llm.kind, llm.plugin);
    if (!loaded.ok()) {
      diags->push_back({s.marks.Find(llm.path + ".uses"), "uses", loaded.status().message()});
      continue;
    }
    node.plugin = *loaded;
    node.object = CreateObject(s, llm.path + ".with", node.plugin, llm.with, diags);
    if (!node.object) continue;
    node.provider = dynamic_cast<LlmProvider*>(node.object.get());
    if (!node.provider) {
      diags->push_back({s.marks.Find(llm.path), "",
                        "plugin llm/" + llm.plugin + " does not implement winnow::LlmProvider"});
      continue;
    }
    p->llms.push_back(std::move(node));
  }

  std::map<std::string, int> index;
  for (const auto& step : s.steps) index[step.name] = static_cast<int>(index.size());
  std::vector<std::string> names;
  for (const auto& step : s.steps) names.push_back(step.name);

  for (size_t i = 0; i < s.steps.size(); ++i) {
    const StepSpec& step = s.steps[i];
    StepNode node;
    node.spec = step;
    ParsePluginKind(step.kind, &node.kind);
    auto loaded = registry.Load(step.kind, step.plugin);
    if (!loaded.ok()) {
      diags->push_back({s.marks.Find(step.path + ".uses"), "uses", loaded.status().message()});
      p->steps.push_back(std::move(node));
      continue;
    }
    node.plugin = *loaded;
    node.object = CreateObject(s, step.path + ".with", node.plugin, step.with, diags);
    if (node.object) {
      switch (node.kind) {
        case PluginKind::kSource:
          node.source = dynamic_cast<Source*>(node.object.get());
          break;
        case PluginKind::kExporter:
          node.exporter = dynamic_cast<Exporter*>(node.object.get());
          break;
        default:
          node.stage = dynamic_cast<Stage*>(node.object.get());
          break;
      }
      if (!node.source && !node.stage && !node.exporter) {
        diags->push_back({s.marks.Find(step.path + ".uses"), "uses",
                          step.kind + "/" + step.plugin +
                              " does not implement the interface its kind requires"});
      }
    }
    // Inputs.
    std::vector<std::string> after = step.after;
    if (!step.after_explicit && node.kind != PluginKind::kSource && i > 0) {
      after.push_back(s.steps[i - 1].name);
    }
    if (node.kind == PluginKind::kSource && !after.empty()) {
      diags->push_back({s.marks.Find(step.path + ".after"), "after",
                        "a source reads its own input; it cannot come after other steps"});
    } else if (node.kind != PluginKind::kSource && after.empty()) {
      diags->push_back({s.marks.Find(step.path), "after",
                        "step '" + step.name +
                            "' has no input: put a source before it or name "
                            "one with after:"});
    }
    std::set<int> seen;
    for (size_t a = 0; a < after.size(); ++a) {
      auto it = index.find(after[a]);
      std::string apath =
          step.path + ".after" + (step.after.size() > 1 ? "." + std::to_string(a) : "");
      if (it == index.end()) {
        std::string m = "no step named '" + after[a] + "'";
        std::string close = ClosestMatch(after[a], names);
        if (!close.empty()) m += " (did you mean '" + close + "'?)";
        diags->push_back({s.marks.Find(apath), "after", m});
        continue;
      }
      if (it->second == static_cast<int>(i)) {
        diags->push_back({s.marks.Find(apath), "after", "a step cannot come after itself"});
        continue;
      }
      if (!seen.insert(it->second).second) {
        diags->push_back({s.marks.Find(apath), "after", "'" + after[a] + "' is listed twice"});
        continue;
      }
      node.inputs.push_back(it->second);
    }
    p->steps.push_back(std::move(node));
  }
  if (diags->size() > before) return Status::InvalidArgument((*diags)[before].ToString());

  for (size_t i = 0; i < p->steps.size(); ++i) {
    for (int in : p->steps[i].inputs) p->steps[in].outputs.push_back(static_cast<int>(i));
  }

  // Topological order (Kahn); leftover steps are on a cycle.
  std::vector<int> indegree(p->steps.size());
  for (size_t i = 0; i < p->steps.size(); ++i) {
    indegree[i] = static_cast<int>(p->steps[i].inputs.size());
  }
  std::vector<int> ready;
  for (size_t i = 0; i < p->steps.size(); ++i) {
    if (indegree[i] == 0) ready.push_back(static_cast<int>(i));
  }
  for (size_t k = 0; k < ready.size(); ++k) {
    int n = ready[k];
    p->topo_order.push_back(n);
    for (int out : p->steps[n].outputs) {
      if (--indegree[out] == 0) ready.push_back(out);
    }
  }
  if (p->topo_order.size() != p->steps.size()) {
    // Leftover steps are on a cycle or downstream of one: peel off, repeatedly,
    // those that feed no other leftover step; what remains is the cycle(s).
    std::vector<bool> left(p->steps.size());
    for (size_t i = 0; i < p->steps.size(); ++i) left[i] = indegree[i] > 0;
    for (bool changed = true; changed;) {
      changed = false;
      for (size_t i = 0; i < p->steps.size(); ++i) {
        if (!left[i]) continue;
        bool feeds = false;
        for (int out : p->steps[i].outputs) feeds = feeds || left[out];
        if (!feeds) {
          left[i] = false;
          changed = true;
        }
      }
    }
    std::string cycle;
    int first = -1;
    for (size_t i = 0; i < p->steps.size(); ++i) {
      if (!left[i]) continue;
      cycle += (cycle.empty() ? "" : ", ") + p->steps[i].spec.name;
      if (first < 0) first = static_cast<int>(i);
    }
    diags->push_back({s.marks.Find(p->steps[first].spec.path + ".after"), "after",
                      "the steps " + cycle + " form a cycle through their after: lists"});
    return Status::InvalidArgument(diags->back().ToString());
  }

  // Root sources and signatures, in topological order.
  for (int n : p->topo_order) {
    StepNode& node = p->steps[n];
    if (node.kind == PluginKind::kSource) {
      node.root_source = n;
    } else {
      node.root_source = p->steps[node.inputs[0]].root_source;
      for (int in : node.inputs) {
        if (p->steps[in].root_source != node.root_source) {
          diags->push_back(
              {s.marks.Find(node.spec.path + ".after"), "after",
               "step '" + node.spec.name + "' joins branches that come from different sources ('" +
                   p->steps[p->steps[in].root_source].spec.name + "' and '" +
                   p->steps[node.root_source].spec.name +
                   "'); fan-in joins rows of one source by row id. To read several inputs, "
                   "give one source several paths."});
          return Status::InvalidArgument(diags->back().ToString());
        }
      }
    }
    // A global stage holds its whole input before emitting anything; on a branch
    // that is joined again, the sibling branch would fill its queue and stall
    // the shared upstream step. Refuse that shape instead of deadlocking.
    if (node.inputs.size() > 1) {
      for (int in : node.inputs) {
        for (int cur = in; cur >= 0;) {
          const StepNode& up = p->steps[cur];
          if (up.stage && up.stage->mode() == StageMode::kGlobal) {
            diags->push_back({s.marks.Find(node.spec.path + ".after"), "after",
                              "step '" + node.spec.name +
                                  "' joins a branch containing the global stage '" + up.spec.name +
                                  "', which must see all rows before emitting any; run '" +
                                  up.spec.name + "' before the fan-out or after the join instead"});
            return Status::InvalidArgument(diags->back().ToString());
          }
          if (up.inputs.size() != 1 || p->steps[up.inputs[0]].outputs.size() > 1) break;
          cur = up.inputs[0];
        }
      }
    }
    std::string sig = std::string(PluginKindName(node.kind)) + "/" + node.spec.plugin + "@" +
                      node.plugin.descriptor->version + "|" + node.spec.with.ToJson();
    for (int in : node.inputs) sig += "|" + p->steps[in].signature;
    // A task's output depends on the LLM it calls: include that LLM's settings.
    if (const Value* llm = node.spec.with.find("llm"); llm && llm->is_string()) {
      bool found = false;
      std::vector<std::string> names;
      for (const auto& l : p->llms) {
        names.push_back(l.spec.name);
        if (l.spec.name == llm->as_string()) {
          found = true;
          sig += "|llm:" + l.spec.plugin + "@" + l.plugin.descriptor->version + "|" +
                 l.spec.with.ToJson();
        }
      }
      if (!found && node.kind == PluginKind::kTask) {
        std::string m = "no LLM named '" + llm->as_string() + "' under llms:";
        std::string close = ClosestMatch(llm->as_string(), names);
        if (!close.empty()) m += " (did you mean '" + close + "'?)";
        if (names.empty())
          m += " (none declared; add `llms: {NAME: {uses: llm/openai, with: {...}}}`)";
        else {
          m += "; declared:";
          for (const auto& n : names) m += " " + n;
        }
        diags->push_back({s.marks.Find(node.spec.path + ".with.llm"), "llm", m});
        return Status::InvalidArgument(diags->back().ToString());
      }
    }
    node.signature = Hash128Of(sig).ToHex();
  }
  return p;
}

}  // namespace winnow::core
