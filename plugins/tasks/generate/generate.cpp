// task/generate — one prompt per row, rendered from a {{field}} template, sent
// to an LLM; the answer goes into a field.
//
// Contract
//   Open(): resolves `llm` with ctx.GetLlm (a missing LLM or a provider that
//   cannot open stops the run). Process() (row-wise, thread-safe): renders
//   `prompt` (and `system_prompt`, also a template) for every row, sends all
//   rows of the batch to the provider at once, and writes
//     <output_field>      the text (a list of num_generations texts when > 1)
//     <model_name_field>  the provider's model name
//   A row whose template needs a missing field fails with generate:template;
//   a row whose request fails (after the provider's retries) fails with the
//   provider's reason (llm:http_429, llm:timeout, ...) and its message. Never
//   a silent null. Counters: generate.rows, generate.failed (+ the provider's
//   llm.* counters).
#include "../task_common/llm_task.h"
#include "winnow/llm.h"
#include "winnow/stage.h"
#include "winnow/template.h"

namespace winnow::tasks {
namespace {

struct GenerateConfig {
  std::string llm;
  std::string prompt = "{{instruction}}";
  std::string system_prompt;
  int64_t num_generations = 1;
  std::string output_field = "generation";
  std::string model_name_field = "model_name";
  Value generation;
};

const ConfigSchema& GenerateSchema() {
  static const ConfigSchema schema =
      SchemaBuilder<GenerateConfig>()
          .String("llm", &GenerateConfig::llm, "Name of the LLM declared under llms: to use.")
          .Required()
          .String("prompt", &GenerateConfig::prompt,
                  "User message template; {{field}} and {{a.b.0}} insert record fields.")
          .String("system_prompt", &GenerateConfig::system_prompt,
                  "Optional system message template; empty sends none.")
          .Int("num_generations", &GenerateConfig::num_generations,
               "Completions per row; above 1 the output field holds a list.")
          .Range(1, 128)
          .String("output_field", &GenerateConfig::output_field,
                  "Field that receives the generated text.")
          .String("model_name_field", &GenerateConfig::model_name_field,
                  "Field that receives the model name; empty to skip.")
          .Any("generation", &GenerateConfig::generation,
               "Request parameters overriding the LLM's defaults (temperature, max_tokens, "
               "top_p, seed, stop, ...).")
          .Build();
  return schema;
}

class GenerateTask final : public Stage {
 public:
  explicit GenerateTask(GenerateConfig c) : config_(std::move(c)) {}

  Status Init() override {
    auto prompt = Template::Parse(config_.prompt);
    if (!prompt.ok()) return ConfigError("prompt", prompt.status().message());
    prompt_ = std::move(*prompt);
    if (!config_.system_prompt.empty()) {
      auto sys = Template::Parse(config_.system_prompt);
      if (!sys.ok()) return ConfigError("system_prompt", sys.status().message());
      system_ = std::move(*sys);
    }
    if (config_.output_field.empty()) return ConfigError("output_field", "must not be empty");
    return CheckGeneration(config_.generation);
  }

  Status Open(Context& ctx) override {
    auto llm = ctx.GetLlm(config_.llm);
    if (!llm.ok()) return llm.status().WithContext("llm '" + config_.llm + "'");
    llm_ = *llm;
    return Status::Ok();
  }

  Status Process(Batch& batch, Context& ctx) override {
    Value params = config_.num_generations > 1
                       ? MakeParams(config_.generation, {{"n", config_.num_generations}})
                       : MakeParams(config_.generation);
    std::vector<ChatRequest> requests;
    std::vector<size_t> rows;
    BatchCounters counters;
    for (size_t i = 0; i < batch.rows.size(); ++i) {
      ChatRequest req;
      if (system_) {
        auto sys = system_->Render(batch.rows[i]);
        if (!sys.ok()) {
          batch.Fail(i, "generate:template", sys.status().message());
          counters.Add("generate.failed");
          continue;
        }
        req.messages.push_back({"system", std::move(*sys)});
      }
      auto user = prompt_.Render(batch.rows[i]);
      if (!user.ok()) {
        batch.Fail(i, "generate:template", user.status().message());
        counters.Add("generate.failed");
        continue;
      }
      req.messages.push_back({"user", std::move(*user)});
      req.params = params;
      requests.push_back(std::move(req));
      rows.push_back(i);
    }
    auto results = ChatAll(*llm_, requests, ctx);
    std::string model = llm_->model_name();
    for (size_t k = 0; k < rows.size(); ++k) {
      size_t i = rows[k];
      if (!results[k].ok()) {
        FailLlm(batch, i, results[k].status());
        counters.Add("generate.failed");
        continue;
      }
      auto& texts = results[k]->texts;
      if (static_cast<int64_t>(texts.size()) != config_.num_generations) {
        batch.Fail(i, "generate:choice_count",
                   "asked for " + std::to_string(config_.num_generations) +
                       " completions and received " + std::to_string(texts.size()));
        counters.Add("generate.failed");
        continue;
      }
      if (config_.num_generations == 1) {
        batch.rows[i].Set(config_.output_field, std::move(texts[0]));
      } else {
        Array list;
        for (auto& t : texts) list.emplace_back(std::move(t));
        batch.rows[i].Set(config_.output_field, Value(std::move(list)));
      }
      if (!config_.model_name_field.empty()) batch.rows[i].Set(config_.model_name_field, model);
      counters.Add("generate.rows");
    }
    counters.Flush(ctx);
    return Status::Ok();
  }

 private:
  GenerateConfig config_;
  Template prompt_;
  std::optional<Template> system_;
  LlmProvider* llm_ = nullptr;
};

}  // namespace
}  // namespace winnow::tasks

WINNOW_PLUGIN(winnow::PluginKind::kTask, "generate", "1.0.0",
              "Generate text with an LLM from a {{field}} prompt template.",
              winnow::tasks::GenerateConfig, winnow::tasks::GenerateTask,
              winnow::tasks::GenerateSchema)
