// plugins/tasks/task_common/evol_instruction_task.h — the stage behind
// task/evol_instruct and task/evol_complexity (they differ in defaults and in
// the mutations they allow).
#pragma once

#include <set>

#include "evol.h"
#include "evol_prompts.h"
#include "llm_task.h"
#include "winnow/stage.h"

namespace winnow::tasks {

struct EvolInstructionConfig {
  std::string llm;
  std::string input_field = "instruction";
  std::string output_field = "evolved_instruction";
  int64_t num_evolutions = 1;
  std::vector<std::string> mutations = {"add_constraints", "deepen", "concretize",
                                        "increase_reasoning", "breadth"};
  int64_t seed = 0;
  bool keep_all_steps = false;
  std::string steps_field = "evolved_instructions";
  std::string mutations_field = "evolution_mutations";
  bool eliminate = false;
  bool check_answerable = true;
  std::string model_name_field = "model_name";
  Value generation;
};

template <class C>
ConfigSchema EvolInstructionSchema(const std::string& allowed) {
  return SchemaBuilder<C>()
      .String("llm", &C::llm, "Name of the LLM declared under llms: to use.")
      .Required()
      .String("input_field", &C::input_field, "Field holding the instruction to evolve.")
      .String("output_field", &C::output_field, "Field that receives the last evolution.")
      .Int("num_evolutions", &C::num_evolutions, "Rewrites applied one after the other.")
      .Range(1, 20)
      .StringList("mutations", &C::mutations,
                  "Mutations to choose from at each step (" + allowed +
                      "); the choice is seeded by row id and step.")
      .Int("seed", &C::seed, "Seed of the mutation choice.")
      .Bool("keep_all_steps", &C::keep_all_steps,
            "Also store every accepted evolution and its mutation (steps_field, mutations_field).")
      .String("steps_field", &C::steps_field, "Field for the list of all evolutions.")
      .String("mutations_field", &C::mutations_field,
              "Field for the list of mutations applied, one per evolution.")
      .Bool("eliminate", &C::eliminate,
            "Check every evolution: reject copies of the prompt, evolutions shorter than "
            "their input and (check_answerable) ones the model judges unanswerable; evolving "
            "stops at the last accepted version, and a row with none is dropped.")
      .Bool("check_answerable", &C::check_answerable,
            "With eliminate, ask the model whether each evolution can be answered (one more "
            "request per evolution).")
      .String("model_name_field", &C::model_name_field,
              "Field that receives the model name; empty to skip.")
      .Any("generation", &C::generation, "Request parameters overriding the LLM's defaults.")
      .Build();
}

template <class C>
class EvolInstructionTask {
 public:
  EvolInstructionTask(C c, std::string task, std::vector<std::string> allowed)
      : config_(std::move(c)), task_(std::move(task)), allowed_(std::move(allowed)) {}

  Status Init() {
    if (config_.mutations.empty()) return ConfigError("mutations", "needs at least one mutation");
    std::set<std::string> ok(allowed_.begin(), allowed_.end());
    for (size_t i = 0; i < config_.mutations.size(); ++i) {
      if (!ok.count(config_.mutations[i])) {
        std::string list;
        for (const auto& a : allowed_) list += (list.empty() ? "" : ", ") + a;
        std::string hint = ClosestMatch(config_.mutations[i], allowed_);
        return ConfigError("mutations." + std::to_string(i),
                           "unknown mutation '" + config_.mutations[i] + "'" +
                               (hint.empty() ? "" : " (did you mean '" + hint + "'?)") +
                               "; choose from " + list);
      }
    }
    if (config_.input_field.empty() || config_.output_field.empty()) {
      return ConfigError("output_field", "field names must not be empty");
    }
    return CheckGeneration(config_.generation);
  }

  Status Open(Context& ctx) {
    auto llm = ctx.GetLlm(config_.llm);
    if (!llm.ok()) return llm.status().WithContext("llm '" + config_.llm + "'");
    llm_ = *llm;
    return Status::Ok();
  }

  Status Process(Batch& batch, Context& ctx) {
    EvolSettings s;
    s.task = task_;
    s.mutations = config_.mutations;
    s.num_evolutions = config_.num_evolutions;
    s.seed = config_.seed;
    s.keep_all_steps = config_.keep_all_steps;
    s.eliminate = config_.eliminate;
    s.check_shorter = true;
    s.check_answerable = config_.check_answerable;
    s.copy_markers = InstructionCopyMarkers();
    s.labels = InstructionLabels();
    s.input_field = config_.input_field;
    s.output_field = config_.output_field;
    s.steps_field = config_.steps_field;
    s.mutations_field = config_.mutations_field;
    s.model_name_field = config_.model_name_field;
    s.generation = config_.generation;
    return RunEvolution(
        s,
        [](const std::string& mutation, const std::string& current, const std::string&) {
          return InstructionRewrite(mutation, current);
        },
        *llm_, batch, ctx);
  }

 private:
  C config_;
  std::string task_;
  std::vector<std::string> allowed_;
  LlmProvider* llm_ = nullptr;
};

}  // namespace winnow::tasks
