// transform/format_sft — rows in the layouts TRL's SFTTrainer reads.
//
// Contract
//   format: messages writes {"messages": [{role, content}, ...]}; format:
//   prompt_completion writes {"prompt", "completion"}, as strings (standard)
//   or as message lists (conversational; `style` decides, auto = lists when
//   an input is a list or a system prompt applies).
//   Input: when the row has a non-null <messages_field>, that conversation is
//   used (it must be a valid message list with an assistant turn; for
//   prompt_completion it must END with an assistant turn, which becomes the
//   completion and everything before it the prompt). Otherwise the prompt is
//   the first present field of `prompt_field` and the completion the first of
//   `completion_field`; each is a non-empty string or a message list.
//   `system_prompt` (or the row's <system_field>, which wins when present) is
//   prepended as a system message unless the conversation starts with one.
//   The output holds the TRL columns plus the fields named in `keep` ("*":
//   every field the transform did not read); everything else is removed.
//   Rejects (errors, the row goes to rejects/): format_sft:missing_field,
//   format_sft:empty, format_sft:bad_type, format_sft:bad_messages,
//   format_sft:no_assistant, format_sft:not_standard, malformed_json.
//   Row-wise, thread-safe, deterministic. Counters: format_sft.rows.
#include "../format_common/format_common.h"
#include "winnow/stage.h"

namespace winnow {
namespace {

using format::RowProblem;

struct SftConfig {
  std::string format = "messages";
  std::string messages_field = "messages";
  std::vector<std::string> prompt_field = {"prompt", "instruction"};
  std::vector<std::string> completion_field = {"completion", "generation", "response"};
  std::string system_prompt;
  std::string system_field;
  std::string style = "auto";
  std::vector<std::string> keep;
};

const ConfigSchema& SftSchema() {
  using C = SftConfig;
  static const ConfigSchema schema =
      SchemaBuilder<C>()
          .Enum("format", &C::format, {"messages", "prompt_completion"},
                "Output layout: a `messages` conversation, or `prompt` and `completion` "
                "columns.")
          .String("messages_field", &C::messages_field,
                  "Field holding a whole conversation (a list of {role, content} messages); "
                  "when a row has it, it is used instead of the prompt and completion fields. "
                  "Empty to always use the prompt and completion fields.")
          .StringList("prompt_field", &C::prompt_field,
                      "Fields that may hold the prompt (a string or a list of messages); the "
                      "first one present in the row is used.")
          .StringList("completion_field", &C::completion_field,
                      "Fields that may hold the completion (a string or a list of messages); "
                      "the first one present in the row is used.")
          .String("system_prompt", &C::system_prompt,
                  "System message prepended to every conversation that does not start with "
                  "one. Empty for none.")
          .String("system_field", &C::system_field,
                  "Field holding a per-row system prompt; when present and not null it "
                  "replaces system_prompt for that row. Empty for none.")
          .Enum("style", &C::style, {"auto", "standard", "conversational"},
                "For prompt_completion: write strings (standard), message lists "
                "(conversational), or lists only when an input is a list or a system prompt "
                "applies (auto).")
          .StringList("keep", &C::keep,
                      "Other input fields to keep next to the TRL columns; `*` keeps every "
                      "field the transform did not read. Empty writes the TRL columns only.")
          .Build();
  return schema;
}

bool HasAssistant(const Value& messages) {
  for (const auto& m : messages.as_array()) {
    const Value* role = m.find("role");
    if (role && role->is_string() && role->as_string() == "assistant") return true;
  }
  return false;
}

class FormatSftStage final : public Stage {
 public:
  explicit FormatSftStage(SftConfig c) : config_(std::move(c)) {}

  Status Init() override {
    if (config_.prompt_field.empty()) return ConfigError("prompt_field", "name at least one field");
    if (config_.completion_field.empty()) {
      return ConfigError("completion_field", "name at least one field");
    }
    if (config_.format == "messages" && config_.style == "standard") {
      return ConfigError("style",
                         "format messages is always conversational; style standard applies to "
                         "format prompt_completion only");
    }
    if (config_.style == "standard" && !config_.system_prompt.empty()) {
      return ConfigError("system_prompt",
                         "a system prompt needs message lists; style standard writes plain "
                         "strings");
    }
    if (config_.style == "standard" && !config_.system_field.empty()) {
      return ConfigError("system_field",
                         "a system prompt needs message lists; style standard writes plain "
                         "strings");
    }
    style_ = format::ParseStyle(config_.style);
    return format::CheckKeep(config_.keep);
  }

  Status Process(Batch& batch, Context& ctx) override {
    int64_t rows = 0;
    for (size_t i = 0; i < batch.rows.size(); ++i) {
      RowProblem problem;
      if (FormatRow(batch.rows[i], &problem)) {
        ++rows;
      } else {
        format::Reject(batch, i, "format_sft", problem);
      }
    }
    if (rows != 0) ctx.Count("format_sft.rows", rows);
    return Status::Ok();
  }

 private:
  bool FormatRow(Record& r, RowProblem* problem) const {
    std::set<std::string> consumed;
    std::string system = config_.system_prompt;
    if (!config_.system_field.empty()) {
      consumed.insert(config_.system_field);
      auto v = r.Get(config_.system_field);
      if (!v.ok()) {
        *problem = {"malformed_json", v.status().message()};
        return false;
      }
      if (v->has_value() && !(*v)->is_null()) {
        if (!(*v)->is_string()) {
          *problem = {"bad_type", "the field '" + config_.system_field + "' holds " +
                                      format::TypePhrase(**v) + ", not a string"};
          return false;
        }
        system = (*v)->as_string();
      }
    }
    const bool messages_out = config_.format == "messages";
    std::vector<Member> outputs;

    std::optional<Value> conversation;
    if (!config_.messages_field.empty()) {
      auto v = r.Get(config_.messages_field);
      if (!v.ok()) {
        *problem = {"malformed_json", v.status().message()};
        return false;
      }
      if (v->has_value() && !(*v)->is_null()) conversation = std::move(**v);
    }
    if (conversation) {
      const std::string& field = config_.messages_field;
      consumed.insert(field);
      if (!conversation->is_array()) {
        *problem = {"bad_type", "the field '" + field + "' holds " +
                                    format::TypePhrase(*conversation) + ", not a list of messages"};
        return false;
      }
      if (!format::ValidateMessages(*conversation, field, problem)) return false;
      if (!HasAssistant(*conversation)) {
        *problem = {"no_assistant", "the conversation in '" + field + "' has no assistant message"};
        return false;
      }
      if (messages_out) {
        outputs.emplace_back("messages", format::PromptMessages(*conversation, system));
      } else {
        if (style_ == format::Style::kStandard) {
          *problem = {"not_standard", "style is standard but the row holds a conversation in '" +
                                          field + "' (use style auto or conversational)"};
          return false;
        }
        Array& list = conversation->as_array();
        const Value* last_role = list.back().find("role");
        if (last_role->as_string() != "assistant") {
          *problem = {"no_assistant", "the conversation in '" + field + "' ends with a '" +
                                          last_role->as_string() +
                                          "' message; prompt_completion needs it to end with "
                                          "the assistant's answer"};
          return false;
        }
        Value completion = Value::MakeArray();
        completion.push_back(std::move(list.back()));
        list.pop_back();
        Value prompt = format::PromptMessages(*conversation, system);
        if (prompt.as_array().empty()) {
          *problem = {"empty", "the conversation in '" + field +
                                   "' has no message before the assistant's answer"};
          return false;
        }
        outputs.emplace_back("prompt", std::move(prompt));
        outputs.emplace_back("completion", std::move(completion));
      }
    } else {
      std::string prompt_name, completion_name;
      auto prompt = format::FirstPresent(r, config_.prompt_field, &prompt_name, problem);
      if (!prompt) {
        if (problem->code == "missing_field" && !config_.messages_field.empty()) {
          problem->detail =
              "the row has no '" + config_.messages_field + "' conversation and " + problem->detail;
        }
        return false;
      }
      auto completion =
          format::FirstPresent(r, config_.completion_field, &completion_name, problem);
      if (!completion) return false;
      consumed.insert(prompt_name);
      consumed.insert(completion_name);
      if (!format::CheckText(*prompt, prompt_name, problem) ||
          !format::CheckText(*completion, completion_name, problem)) {
        return false;
      }
      if (messages_out) {
        Value messages = format::PromptMessages(*prompt, system);
        Value answer = format::AssistantMessages(*completion);
        for (auto& m : answer.as_array()) messages.push_back(std::move(m));
        if (!HasAssistant(messages)) {
          *problem = {"no_assistant",
                      "the completion in '" + completion_name + "' has no assistant message"};
          return false;
        }
        outputs.emplace_back("messages", std::move(messages));
      } else {
        problem->code.clear();
        bool conv = format::Conversational(style_, {&*prompt, &*completion}, system, problem);
        if (!problem->code.empty()) return false;
        if (conv) {
          outputs.emplace_back("prompt", format::PromptMessages(*prompt, system));
          outputs.emplace_back("completion", format::AssistantMessages(*completion));
        } else {
          outputs.emplace_back("prompt", std::move(*prompt));
          outputs.emplace_back("completion", std::move(*completion));
        }
      }
    }
    Status st = format::Reshape(r, std::move(outputs), config_.keep, consumed);
    if (!st.ok()) {
      *problem = {"malformed_json", st.message()};
      return false;
    }
    return true;
  }

  SftConfig config_;
  format::Style style_ = format::Style::kAuto;
};

}  // namespace
}  // namespace winnow

WINNOW_PLUGIN(winnow::PluginKind::kTransform, "format_sft", "1.0.0",
              "Formats rows for TRL's SFTTrainer: messages, or prompt and completion.",
              winnow::SftConfig, winnow::FormatSftStage, winnow::SftSchema)
