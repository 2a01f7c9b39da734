// task/structured — ask for output that follows a JSON schema (or a regex),
// check it locally and ask again when it does not.
//
// Contract
//   Renders `prompt` (and `system_prompt`) per row like task/generate and
//   sends it with the constraint (`json_schema` or `regex`; exactly one),
//   which the LLM provider passes on in its flavor's way (response_format,
//   guided_json, ...). With `describe_constraint`, the prompt also states the
//   schema or pattern, for servers that do not enforce it. Each answer is
//   validated here: with a schema, the JSON value (the whole answer, or the
//   first JSON object or list in it) must match the schema; with a regex, the
//   whole answer (trimmed) must match it. An invalid answer is retried up to
//   max_attempts in total, each time telling the model what was wrong. Writes
//   <output_field> (the parsed JSON value, or the matching text), optionally
//   <raw_field> (the answer text) and <model_name_field>. After the last
//   attempt the row fails with structured:invalid, naming the problem and the
//   raw answer; failed requests fail it with the LLM reason; template
//   problems with structured:template. Row-wise, thread-safe. Counters:
//   structured.rows, .failed, .invalid, .reasked.
#include <regex>

#include "../task_common/llm_task.h"
#include "structured_schema.h"
#include "winnow/llm.h"
#include "winnow/stage.h"
#include "winnow/template.h"

namespace winnow::tasks {
namespace {

struct StructuredConfig {
  std::string llm;
  std::string prompt = "{{instruction}}";
  std::string system_prompt;
  Value json_schema;
  std::string regex;
  bool describe_constraint = true;
  int64_t max_attempts = 3;
  std::string output_field = "structured";
  std::string raw_field;
  std::string model_name_field = "model_name";
  Value generation;
};

const ConfigSchema& StructuredSchema() {
  using C = StructuredConfig;
  static const ConfigSchema schema =
      SchemaBuilder<C>()
          .String("llm", &C::llm, "Name of the LLM declared under llms: to use.")
          .Required()
          .String("prompt", &C::prompt, "User message template ({{field}} inserts a field).")
          .String("system_prompt", &C::system_prompt, "Optional system message template.")
          .Any("json_schema", &C::json_schema,
               "JSON schema the answer must follow (an object); the output field receives "
               "the parsed value.")
          .String("regex", &C::regex,
                  "Regular expression (ECMAScript) the whole answer must match, instead of a "
                  "schema.")
          .Bool("describe_constraint", &C::describe_constraint,
                "Also state the schema or pattern in the prompt, for servers that do not "
                "enforce constraints.")
          .Int("max_attempts", &C::max_attempts,
               "Requests per row at most; an invalid answer is re-asked with the problem "
               "explained.")
          .Range(1, 10)
          .String("output_field", &C::output_field, "Field that receives the validated answer.")
          .String("raw_field", &C::raw_field, "Field for the raw answer text; empty to skip.")
          .String("model_name_field", &C::model_name_field,
                  "Field that receives the model name; empty to skip.")
          .Any("generation", &C::generation, "Request parameters overriding the LLM's defaults.")
          .Build();
  return schema;
}

class StructuredTask final : public Stage {
 public:
  explicit StructuredTask(StructuredConfig c) : config_(std::move(c)) {}

  Status Init() override {
    bool has_schema = !config_.json_schema.is_null();
    bool has_regex = !config_.regex.empty();
    if (has_schema == has_regex) {
      return ConfigError(has_schema ? "regex" : "json_schema",
                         "give exactly one of json_schema and regex");
    }
    if (has_schema) {
      if (!config_.json_schema.is_object()) {
        return ConfigError("json_schema", "must be a JSON schema object");
      }
      auto v = SchemaValidator::Compile(config_.json_schema);
      if (!v.ok()) return ConfigError("json_schema", v.status().message());
      validator_ = std::move(*v);
    } else {
      try {
        regex_ = std::regex(config_.regex, std::regex::ECMAScript);
      } catch (const std::regex_error& e) {
        return ConfigError(
            "regex", "'" + config_.regex + "' is not a valid regular expression: " + e.what());
      }
    }
    auto prompt = Template::Parse(config_.prompt);
    if (!prompt.ok()) return ConfigError("prompt", prompt.status().message());
    prompt_ = std::move(*prompt);
    if (!config_.system_prompt.empty()) {
      auto sys = Template::Parse(config_.system_prompt);
      if (!sys.ok()) return ConfigError("system_prompt", sys.status().message());
      system_ = std::move(*sys);
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
    BatchCounters counters;
    struct Pending {
      size_t row;
      ChatRequest request;
      std::string last_error, last_answer;
    };
    std::vector<Pending> pending;
    Value params = MakeParams(config_.generation, {{"n", Value()}});
    for (size_t i = 0; i < batch.rows.size(); ++i) {
      ChatRequest req;
      if (system_) {
        auto sys = system_->Render(batch.rows[i]);
        if (!sys.ok()) {
          batch.Fail(i, "structured:template", sys.status().message());
          counters.Add("structured.failed");
          continue;
        }
        req.messages.push_back({"system", std::move(*sys)});
      }
      auto user = prompt_.Render(batch.rows[i]);
      if (!user.ok()) {
        batch.Fail(i, "structured:template", user.status().message());
        counters.Add("structured.failed");
        continue;
      }
      std::string text = std::move(*user);
      if (config_.describe_constraint) text += Describe();
      req.messages.push_back({"user", std::move(text)});
      req.params = params;
      req.json_schema = config_.json_schema;
      req.regex = config_.regex;
      pending.push_back({i, std::move(req), "", ""});
    }

    std::string model = llm_->model_name();
    for (int64_t attempt = 1; attempt <= config_.max_attempts && !pending.empty(); ++attempt) {
      std::vector<ChatRequest> requests;
      for (const auto& p : pending) requests.push_back(p.request);
      auto results = ChatAll(*llm_, requests, ctx);
      std::vector<Pending> again;
      for (size_t k = 0; k < pending.size(); ++k) {
        Pending& p = pending[k];
        if (!results[k].ok()) {
          FailLlm(batch, p.row, results[k].status());
          counters.Add("structured.failed");
          continue;
        }
        std::string answer = results[k]->texts.empty() ? "" : results[k]->texts[0];
        Value parsed;
        std::string problem = Check(answer, &parsed);
        if (problem.empty()) {
          Record& r = batch.rows[p.row];
          r.Set(config_.output_field, std::move(parsed));
          if (!config_.raw_field.empty()) r.Set(config_.raw_field, answer);
          if (!config_.model_name_field.empty()) r.Set(config_.model_name_field, model);
          counters.Add("structured.rows");
          continue;
        }
        counters.Add("structured.invalid");
        if (attempt == config_.max_attempts) {
          batch.Fail(p.row, "structured:invalid",
                     "no valid answer after " + std::to_string(attempt) + " attempt(s): " +
                         problem + "; the last answer was: " + Abbreviate(answer, 2000));
          counters.Add("structured.failed");
          continue;
        }
        // Ask again, telling the model what was wrong.
        p.request.messages.push_back({"assistant", answer});
        p.request.messages.push_back(
            {"user",
             "That answer is not valid: " + problem + ". Reply again with only " +
                 (config_.regex.empty()
                      ? std::string("a JSON value that follows the schema.")
                      : "text that matches the regular expression " + config_.regex + ".")});
        counters.Add("structured.reasked");
        again.push_back(std::move(p));
      }
      pending = std::move(again);
    }
    counters.Flush(ctx);
    return Status::Ok();
  }

 private:
  std::string Describe() const {
    if (!config_.regex.empty()) {
      return "\n\nAnswer with text that matches this regular expression, and nothing else: " +
             config_.regex;
    }
    return "\n\nAnswer with a JSON value that follows this JSON schema, and nothing else:\n" +
           config_.json_schema.ToJson();
  }

  // "" when valid (and *out set); else the problem.
  std::string Check(const std::string& answer, Value* out) const {
    std::string_view text = TrimView(answer);
    if (!config_.regex.empty()) {
      if (!std::regex_match(text.begin(), text.end(), regex_)) {
        return "the answer does not match the regular expression " + config_.regex;
      }
      *out = Value(std::string(text));
      return "";
    }
    auto whole = Value::Parse(text);
    std::optional<Value> v;
    if (whole.ok()) {
      v = std::move(*whole);
    } else {
      v = ExtractJson(text);
    }
    if (!v) return "the answer is not JSON";
    std::string problem = validator_->Validate(*v);
    if (!problem.empty()) return problem;
    *out = std::move(*v);
    return "";
  }

  StructuredConfig config_;
  std::optional<SchemaValidator> validator_;
  std::regex regex_;
  Template prompt_;
  std::optional<Template> system_;
  LlmProvider* llm_ = nullptr;
};

}  // namespace
}  // namespace winnow::tasks

WINNOW_PLUGIN(winnow::PluginKind::kTask, "structured", "1.0.0",
              "Generate output constrained by a JSON schema or regex, validated locally and "
              "re-asked when invalid.",
              winnow::tasks::StructuredConfig, winnow::tasks::StructuredTask,
              winnow::tasks::StructuredSchema)
