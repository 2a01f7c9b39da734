// task/evol_instruct — make instructions harder or broader, step by step
// (the Evol-Instruct method of WizardLM, with our own prompts).
//
// Contract
//   For each row, num_evolutions times: choose a mutation from `mutations`
//   (add_constraints, deepen, concretize, increase_reasoning: harder versions
//   of the same task; breadth: a new task from the same field), seeded by
//   (seed, row id, step) so the choice is the same for any thread count, and
//   ask the LLM to rewrite the current instruction with it. Writes
//     <output_field>      the last accepted evolution
//     <steps_field>, <mutations_field>  every accepted evolution and its
//                         mutation (with keep_all_steps)
//     <model_name_field>  the model name
//   With `eliminate`, an evolution is rejected when it copies the prompt
//   (same text, or phrases of our rewrite instructions), is shorter than its
//   input, or (check_answerable) the model judges it unanswerable; the row
//   keeps its last accepted version and stops evolving; a row with no accepted
//   evolution is dropped (evol_instruct:eliminated, with which check and step).
//   A failed request fails the row with the LLM reason (llm:http_429, ...);
//   a row without the input field fails with evol_instruct:missing_field.
//   Row-wise, thread-safe. Counters: evol_instruct.rows, .failed, .dropped,
//   .mutation.<name>, .eliminated.<copy|shorter|empty|unanswerable>.
#include "../task_common/evol_instruction_task.h"

namespace winnow::tasks {
namespace {

struct EvolInstructConfig : EvolInstructionConfig {};

const ConfigSchema& EvolInstructSchema() {
  static const ConfigSchema schema = EvolInstructionSchema<EvolInstructConfig>(
      "add_constraints, deepen, concretize, increase_reasoning, breadth");
  return schema;
}

class EvolInstructTask final : public Stage {
 public:
  explicit EvolInstructTask(EvolInstructConfig c)
      : impl_(std::move(c), "evol_instruct",
              {"add_constraints", "deepen", "concretize", "increase_reasoning", "breadth"}) {}
  Status Init() override { return impl_.Init(); }
  Status Open(Context& ctx) override { return impl_.Open(ctx); }
  Status Process(Batch& batch, Context& ctx) override { return impl_.Process(batch, ctx); }

 private:
  EvolInstructionTask<EvolInstructConfig> impl_;
};

}  // namespace
}  // namespace winnow::tasks

WINNOW_PLUGIN(winnow::PluginKind::kTask, "evol_instruct", "1.0.0",
              "Evolve instructions into harder or broader ones (Evol-Instruct).",
              winnow::tasks::EvolInstructConfig, winnow::tasks::EvolInstructTask,
              winnow::tasks::EvolInstructSchema)
