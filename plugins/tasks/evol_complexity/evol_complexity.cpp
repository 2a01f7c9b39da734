// task/evol_complexity — make instructions progressively more complex, keeping
// every version (the evol-complexity step of Deita, with our own prompts).
//
// Contract
//   Like task/evol_instruct restricted to the in-depth mutations
//   (add_constraints, deepen, concretize, increase_reasoning; no breadth), with
//   keep_all_steps on by default so that later scoring can compare the
//   versions. For each row, num_evolutions times (default 3): a mutation seeded
//   by (seed, row id, step), one rewrite request. Writes <output_field> (the
//   last version), <steps_field> and <mutations_field> (all accepted
//   versions), <model_name_field>. Elimination, rejects and counters as in
//   evol_instruct, under the evol_complexity prefix.
#include "../task_common/evol_instruction_task.h"

namespace winnow::tasks {
namespace {

struct EvolComplexityConfig : EvolInstructionConfig {
  EvolComplexityConfig() {
    mutations = DepthMutations();
    num_evolutions = 3;
    keep_all_steps = true;
  }
};

const ConfigSchema& EvolComplexitySchema() {
  static const ConfigSchema schema = EvolInstructionSchema<EvolComplexityConfig>(
      "add_constraints, deepen, concretize, increase_reasoning");
  return schema;
}

class EvolComplexityTask final : public Stage {
 public:
  explicit EvolComplexityTask(EvolComplexityConfig c)
      : impl_(std::move(c), "evol_complexity", DepthMutations()) {}
  Status Init() override { return impl_.Init(); }
  Status Open(Context& ctx) override { return impl_.Open(ctx); }
  Status Process(Batch& batch, Context& ctx) override { return impl_.Process(batch, ctx); }

 private:
  EvolInstructionTask<EvolComplexityConfig> impl_;
};

}  // namespace
}  // namespace winnow::tasks

WINNOW_PLUGIN(winnow::PluginKind::kTask, "evol_complexity", "1.0.0",
              "Evolve instructions into more complex versions, keeping each step (Deita).",
              winnow::tasks::EvolComplexityConfig, winnow::tasks::EvolComplexityTask,
              winnow::tasks::EvolComplexitySchema)
