// task/chat — continue a conversation held in a `messages` field.
//
// Contract
//   Each row's <messages_field> must be a list of {"role": "system"|"user"|
//   "assistant"|..., "content": string} objects ending with a non-assistant
//   turn; otherwise the row fails with chat:bad_messages naming the problem.
//   `system_prompt` (a template) is prepended when the conversation has no
//   system message. The reply goes to <output_field> (a list when
//   num_generations > 1) and the model name to <model_name_field>; with
//   `append_reply`, the reply is also appended to the conversation as an
//   assistant turn (num_generations must be 1). Failed requests fail the row
//   with the provider's reason code (llm:http_429, ...). Row-wise,
//   thread-safe. Counters: chat.rows, chat.failed.
#include "../task_common/llm_task.h"
#include "winnow/llm.h"
#include "winnow/stage.h"
#include "winnow/template.h"

namespace winnow::tasks {
namespace {

struct ChatConfig {
  std::string llm;
  std::string messages_field = "messages";
  std::string system_prompt;
  int64_t num_generations = 1;
  std::string output_field = "generation";
  std::string model_name_field = "model_name";
  bool append_reply = false;
  Value generation;
};

const ConfigSchema& ChatSchema() {
  static const ConfigSchema schema =
      SchemaBuilder<ChatConfig>()
          .String("llm", &ChatConfig::llm, "Name of the LLM declared under llms: to use.")
          .Required()
          .String("messages_field", &ChatConfig::messages_field,
                  "Field holding the conversation: a list of {role, content} objects.")
          .String("system_prompt", &ChatConfig::system_prompt,
                  "System message template added when the conversation has none.")
          .Int("num_generations", &ChatConfig::num_generations,
               "Replies per row; above 1 the output field holds a list.")
          .Range(1, 128)
          .String("output_field", &ChatConfig::output_field, "Field that receives the reply.")
          .String("model_name_field", &ChatConfig::model_name_field,
                  "Field that receives the model name; empty to skip.")
          .Bool("append_reply", &ChatConfig::append_reply,
                "Also append the reply to the conversation as an assistant message.")
          .Any("generation", &ChatConfig::generation,
               "Request parameters overriding the LLM's defaults.")
          .Build();
  return schema;
}

// The conversation of a row, or a sentence saying what is wrong with it.
Result<std::vector<ChatMessage>> ReadMessages(const Value& v) {
  if (!v.is_array()) {
    return Status::InvalidArgument(std::string("expected a list of messages, found ") +
                                   std::string(ValueTypeName(v.type())));
  }
  if (v.as_array().empty()) return Status::InvalidArgument("the conversation is empty");
  std::vector<ChatMessage> out;
  size_t k = 0;
  for (const Value& m : v.as_array()) {
    const Value* role = m.find("role");
    const Value* content = m.find("content");
    if (!m.is_object() || role == nullptr || !role->is_string() || content == nullptr ||
        !content->is_string()) {
      return Status::InvalidArgument("message " + std::to_string(k) +
                                     " is not an object with string 'role' and 'content'");
    }
    out.push_back({role->as_string(), content->as_string()});
    ++k;
  }
  if (out.back().role == "assistant") {
    return Status::InvalidArgument(
        "the conversation ends with an assistant message; nothing to answer");
  }
  return out;
}

class ChatTask final : public Stage {
 public:
  explicit ChatTask(ChatConfig c) : config_(std::move(c)) {}

  Status Init() override {
    if (!config_.system_prompt.empty()) {
      auto sys = Template::Parse(config_.system_prompt);
      if (!sys.ok()) return ConfigError("system_prompt", sys.status().message());
      system_ = std::move(*sys);
    }
    if (config_.append_reply && config_.num_generations > 1) {
      return ConfigError("append_reply",
                         "needs num_generations: 1 (which reply would be appended?)");
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
    Value params = config_.num_generations > 1
                       ? MakeParams(config_.generation, {{"n", config_.num_generations}})
                       : MakeParams(config_.generation);
    std::vector<ChatRequest> requests;
    std::vector<size_t> rows;
    std::vector<Value> conversations;
    BatchCounters counters;
    for (size_t i = 0; i < batch.rows.size(); ++i) {
      auto field = batch.rows[i].Get(config_.messages_field);
      if (!field.ok()) {
        batch.Fail(i, "malformed_json", field.status().message());
        continue;
      }
      if (!field->has_value()) {
        batch.Fail(i, "chat:bad_messages", "the row has no '" + config_.messages_field + "' field");
        counters.Add("chat.failed");
        continue;
      }
      auto msgs = ReadMessages(**field);
      if (!msgs.ok()) {
        batch.Fail(i, "chat:bad_messages",
                   "'" + config_.messages_field + "': " + msgs.status().message());
        counters.Add("chat.failed");
        continue;
      }
      ChatRequest req;
      bool has_system = std::any_of(msgs->begin(), msgs->end(),
                                    [](const ChatMessage& m) { return m.role == "system"; });
      if (system_ && !has_system) {
        auto sys = system_->Render(batch.rows[i]);
        if (!sys.ok()) {
          batch.Fail(i, "chat:template", sys.status().message());
          counters.Add("chat.failed");
          continue;
        }
        req.messages.push_back({"system", std::move(*sys)});
      }
      for (auto& m : *msgs) req.messages.push_back(std::move(m));
      req.params = params;
      requests.push_back(std::move(req));
      rows.push_back(i);
      conversations.push_back(config_.append_reply ? std::move(**field) : Value());
    }
    auto results = ChatAll(*llm_, requests, ctx);
    std::string model = llm_->model_name();
    for (size_t k = 0; k < rows.size(); ++k) {
      size_t i = rows[k];
      if (!results[k].ok()) {
        FailLlm(batch, i, results[k].status());
        counters.Add("chat.failed");
        continue;
      }
      auto& texts = results[k]->texts;
      if (static_cast<int64_t>(texts.size()) != config_.num_generations) {
        batch.Fail(i, "chat:choice_count",
                   "asked for " + std::to_string(config_.num_generations) +
                       " replies and received " + std::to_string(texts.size()));
        counters.Add("chat.failed");
        continue;
      }
      Record& r = batch.rows[i];
      if (config_.num_generations == 1) {
        if (config_.append_reply) {
          Value turn = Value::MakeObject();
          turn.set("role", "assistant");
          turn.set("content", texts[0]);
          conversations[k].push_back(std::move(turn));
          r.Set(config_.messages_field, std::move(conversations[k]));
        }
        r.Set(config_.output_field, std::move(texts[0]));
      } else {
        Array list;
        for (auto& t : texts) list.emplace_back(std::move(t));
        r.Set(config_.output_field, Value(std::move(list)));
      }
      if (!config_.model_name_field.empty()) r.Set(config_.model_name_field, model);
      counters.Add("chat.rows");
    }
    counters.Flush(ctx);
    return Status::Ok();
  }

 private:
  ChatConfig config_;
  std::optional<Template> system_;
  LlmProvider* llm_ = nullptr;
};

}  // namespace
}  // namespace winnow::tasks

WINNOW_PLUGIN(winnow::PluginKind::kTask, "chat", "1.0.0",
              "Continue the conversation in a messages field with an LLM.",
              winnow::tasks::ChatConfig, winnow::tasks::ChatTask, winnow::tasks::ChatSchema)
