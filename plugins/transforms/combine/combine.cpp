// transform/combine — fan-in: gather a field from several branches into lists.
//
// Contract
//   Listed after two or more steps (`after: [a, b, c]`), combine receives,
//   for each batch, one batch per branch in `after:` order and matches rows by
//   row id. For every row of the first branch, each field in `columns` is
//   collected from every branch, in branch order, into the matching
//   `output_columns` field (default: generation -> generations, model_name ->
//   generation_models, anything else -> <name>s). The other fields come from
//   the first branch; the gathered source fields are removed unless
//   keep_columns. A row missing from some branch (rejected there) is dropped
//   with combine:missing_branch naming the branch, or, with
//   on_missing: null, kept with null in that position. A branch row without
//   the field contributes null. With a single predecessor combine does
//   nothing (there is nothing to join). Deterministic; thread-safe.
//   Counters: combine.rows, combine.missing.
#include <set>

#include "winnow/stage.h"

namespace winnow {
namespace {

struct CombineConfig {
  std::vector<std::string> columns = {"generation", "model_name"};
  std::vector<std::string> output_columns;
  bool keep_columns = false;
  std::string on_missing = "drop";
};

const ConfigSchema& CombineSchema() {
  static const ConfigSchema schema =
      SchemaBuilder<CombineConfig>()
          .StringList("columns", &CombineConfig::columns,
                      "Fields to gather from every branch into lists.")
          .StringList("output_columns", &CombineConfig::output_columns,
                      "Names of the list fields, one per column; default generation -> "
                      "generations, model_name -> generation_models, other -> <name>s.")
          .Bool("keep_columns", &CombineConfig::keep_columns,
                "Keep the gathered source fields (as in the first branch) next to the lists.")
          .Enum("on_missing", &CombineConfig::on_missing, {"drop", "null"},
                "A row absent from some branch: drop it (reason combine:missing_branch) or "
                "keep it with null in that branch's position.")
          .Build();
  return schema;
}

class CombineStage final : public Stage {
 public:
  explicit CombineStage(CombineConfig c) : config_(std::move(c)) {}

  Status Init() override {
    if (config_.columns.empty()) return ConfigError("columns", "name at least one field");
    if (!config_.output_columns.empty() &&
        config_.output_columns.size() != config_.columns.size()) {
      return ConfigError("output_columns", "expected " + std::to_string(config_.columns.size()) +
                                               " names (one per column), found " +
                                               std::to_string(config_.output_columns.size()));
    }
    for (size_t i = 0; i < config_.columns.size(); ++i) {
      const std::string& c = config_.columns[i];
      if (!config_.output_columns.empty()) {
        outputs_.push_back(config_.output_columns[i]);
      } else if (c == "generation") {
        outputs_.push_back("generations");
      } else if (c == "model_name") {
        outputs_.push_back("generation_models");
      } else {
        outputs_.push_back(c + "s");
      }
    }
    std::set<std::string> seen;
    for (const auto& o : outputs_) {
      if (!seen.insert(o).second) {
        return ConfigError("output_columns", "the output field '" + o + "' appears twice");
      }
    }
    return Status::Ok();
  }

  Status Process(Batch& batch, Context& ctx) override { return Status::Ok(); }

  Status Join(std::vector<Batch>& branches, Batch& out, Context& ctx) override {
    out.rows.clear();
    if (branches.empty()) return Status::Ok();
    const size_t nb = branches.size();
    std::vector<size_t> pos(nb, 0);
    int64_t rows = 0, missing = 0;
    for (Record& base : branches[0].rows) {
      std::vector<Record*> parts(nb, nullptr);
      parts[0] = &base;
      size_t absent = 0;
      for (size_t b = 1; b < nb; ++b) {
        auto& list = branches[b].rows;
        while (pos[b] < list.size() && list[pos[b]].id() < base.id()) ++pos[b];
        if (pos[b] < list.size() && list[pos[b]].id() == base.id()) {
          parts[b] = &list[pos[b]];
        } else if (absent == 0) {
          absent = b;
        }
      }
      std::vector<Value> gathered(config_.columns.size(), Value::MakeArray());
      for (size_t c = 0; c < config_.columns.size(); ++c) {
        for (size_t b = 0; b < nb; ++b) {
          if (parts[b] == nullptr) {
            gathered[c].push_back(Value());
            continue;
          }
          auto v = parts[b]->Get(config_.columns[c]);
          if (!v.ok()) return v.status().WithContext("branch " + std::to_string(b + 1));
          gathered[c].push_back(v->has_value() ? std::move(**v) : Value());
        }
      }
      Record merged = std::move(base);
      if (!config_.keep_columns) {
        for (const auto& c : config_.columns) merged.Remove(c);
      }
      for (size_t c = 0; c < config_.columns.size(); ++c) {
        merged.Set(outputs_[c], std::move(gathered[c]));
      }
      out.rows.push_back(std::move(merged));
      if (absent != 0) {
        ++missing;
        if (config_.on_missing == "drop") {
          out.Drop(out.rows.size() - 1, "combine:missing_branch",
                   "row " + out.rows.back().id().ToString() + " is missing from branch " +
                       std::to_string(absent + 1) + " of " + std::to_string(nb) +
                       " (rejected or filtered there)");
          continue;
        }
      }
      ++rows;
    }
    if (rows != 0) ctx.Count("combine.rows", rows);
    if (missing != 0) ctx.Count("combine.missing", missing);
    return Status::Ok();
  }

 private:
  CombineConfig config_;
  std::vector<std::string> outputs_;
};

}  // namespace
}  // namespace winnow

WINNOW_PLUGIN(winnow::PluginKind::kTransform, "combine", "1.0.0",
              "Fan-in: gather a field from several branches into lists, in branch order.",
              winnow::CombineConfig, winnow::CombineStage, winnow::CombineSchema)
