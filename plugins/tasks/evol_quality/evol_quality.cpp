// task/evol_quality — improve responses step by step (the evol-quality step of
// Deita, with our own prompts).
//
// Contract
//   For each row with string fields <instruction_field> and <response_field>,
//   num_evolutions times: choose a mutation from `mutations` (helpfulness,
//   relevance, depth, creativity, details), seeded by (seed, row id, step),
//   and ask the LLM to rewrite the current response that way. Writes
//   <output_field> (the last version), with keep_all_steps <steps_field> and
//   <mutations_field> (every accepted version and its mutation), and
//   <model_name_field>. With `eliminate`, an empty rewrite, one identical to
//   its input or one that quotes our rewrite instructions is rejected; the row
//   keeps its last accepted version, and a row with none is dropped
//   (evol_quality:eliminated). Failed requests fail the row with the LLM
//   reason; missing fields fail it with evol_quality:missing_field. Row-wise,
//   thread-safe. Counters: evol_quality.rows, .failed, .dropped,
//   .mutation.<name>, .eliminated.<reason>.
#include <set>

#include "../task_common/evol.h"
#include "../task_common/evol_prompts.h"
#include "../task_common/llm_task.h"
#include "winnow/stage.h"

namespace winnow::tasks {
namespace {

struct EvolQualityConfig {
  std::string llm;
  std::string instruction_field = "instruction";
  std::string response_field = "response";
  std::string output_field = "evolved_response";
  int64_t num_evolutions = 1;
  std::vector<std::string> mutations = QualityMutations();
  int64_t seed = 0;
  bool keep_all_steps = false;
  std::string steps_field = "evolved_responses";
  std::string mutations_field = "evolution_mutations";
  bool eliminate = false;
  std::string model_name_field = "model_name";
  Value generation;
};

const ConfigSchema& EvolQualitySchema() {
  using C = EvolQualityConfig;
  static const ConfigSchema schema =
      SchemaBuilder<C>()
          .String("llm", &C::llm, "Name of the LLM declared under llms: to use.")
          .Required()
          .String("instruction_field", &C::instruction_field, "Field holding the question.")
          .String("response_field", &C::response_field, "Field holding the response to improve.")
          .String("output_field", &C::output_field, "Field that receives the last version.")
          .Int("num_evolutions", &C::num_evolutions, "Rewrites applied one after the other.")
          .Range(1, 20)
          .StringList("mutations", &C::mutations,
                      "Mutations to choose from (helpfulness, relevance, depth, creativity, "
                      "details); the choice is seeded by row id and step.")
          .Int("seed", &C::seed, "Seed of the mutation choice.")
          .Bool("keep_all_steps", &C::keep_all_steps,
                "Also store every accepted version and its mutation.")
          .String("steps_field", &C::steps_field, "Field for the list of all versions.")
          .String("mutations_field", &C::mutations_field,
                  "Field for the list of mutations applied.")
          .Bool("eliminate", &C::eliminate,
                "Reject empty rewrites, copies of the input and rewrites that quote the "
                "instructions; a row with no accepted version is dropped.")
          .String("model_name_field", &C::model_name_field,
                  "Field that receives the model name; empty to skip.")
          .Any("generation", &C::generation, "Request parameters overriding the LLM's defaults.")
          .Build();
  return schema;
}

class EvolQualityTask final : public Stage {
 public:
  explicit EvolQualityTask(EvolQualityConfig c) : config_(std::move(c)) {}

  Status Init() override {
    if (config_.mutations.empty()) return ConfigError("mutations", "needs at least one mutation");
    const auto& allowed = QualityMutations();
    std::set<std::string> ok(allowed.begin(), allowed.end());
    for (size_t i = 0; i < config_.mutations.size(); ++i) {
      if (!ok.count(config_.mutations[i])) {
        std::string hint = ClosestMatch(config_.mutations[i], allowed);
        return ConfigError("mutations." + std::to_string(i),
                           "unknown mutation '" + config_.mutations[i] + "'" +
                               (hint.empty() ? "" : " (did you mean '" + hint + "'?)") +
                               "; choose from helpfulness, relevance, depth, creativity, "
                               "details");
      }
    }
    return CheckGeneration(config_.generation);
  }

  Status Open(Context& ctx) override {
    auto llm = ctx.GetLlm(config_.llm);
    if (!llm.ok()) return llm.status().WithContext("llm '" + config_.llm + "'");
    llm_ = *llm;
    return Status::Ok();
  }

  Status Process(Batch& batch, Context& ctx) override {
    EvolSettings s;
    s.task = "evol_quality";
    s.mutations = config_.mutations;
    s.num_evolutions = config_.num_evolutions;
    s.seed = config_.seed;
    s.keep_all_steps = config_.keep_all_steps;
    s.eliminate = config_.eliminate;
    s.check_shorter = false;  // a better answer may be shorter
    s.check_answerable = false;
    s.copy_markers = ResponseCopyMarkers();
    s.labels = ResponseLabels();
    s.input_field = config_.response_field;
    s.context_field = config_.instruction_field;
    s.output_field = config_.output_field;
    s.steps_field = config_.steps_field;
    s.mutations_field = config_.mutations_field;
    s.model_name_field = config_.model_name_field;
    s.generation = config_.generation;
    return RunEvolution(
        s,
        [](const std::string& mutation, const std::string& current, const std::string& context) {
          return ResponseRewrite(mutation, current, context);
        },
        *llm_, batch, ctx);
  }

 private:
  EvolQualityConfig config_;
  LlmProvider* llm_ = nullptr;
};

}  // namespace
}  // namespace winnow::tasks

WINNOW_PLUGIN(winnow::PluginKind::kTask, "evol_quality", "1.0.0",
              "Improve responses step by step: helpfulness, relevance, depth, creativity, "
              "details (Deita).",
              winnow::tasks::EvolQualityConfig, winnow::tasks::EvolQualityTask,
              winnow::tasks::EvolQualitySchema)
