// transform/format_kto — unpaired preference rows in the layout TRL's
// KTOTrainer reads: {"prompt", "completion", "label": bool}.
//
// Contract
//   The prompt is the first present field of `prompt_field`, the completion
//   the first of `completion_field` (each a non-empty string or a message
//   list). label_from: field (default) reads <label_field>: a boolean, the
//   integers 1/0, or the strings true/false (any case) — the shape
//   source/feedback's thumbs_kto preset writes; anything else fails the row
//   (format_kto:bad_label; missing or null: format_kto:missing_field). label_from: rating reads a
//   number (or a string holding one) from <rating_field>: rating >= desirable_min gives true,
//   rating <= undesirable_max gives false, a rating in between is dropped
//   (format_kto:neutral); a missing/null rating fails the row
//   (format_kto:no_rating), a non-numeric one too (format_kto:bad_rating).
//   `style` writes strings (standard) or message lists (conversational:
//   prompt as [{system}?, {user}], completion as [{assistant}]); auto = lists
//   when an input is a list or a system prompt applies. The output holds the
//   TRL columns plus the fields named in `keep` ("*": every field the
//   transform did not read).
//   Rejects: errors format_kto:missing_field, format_kto:empty,
//   format_kto:bad_type, format_kto:bad_messages, format_kto:bad_label,
//   format_kto:no_rating, format_kto:bad_rating, format_kto:not_standard,
//   malformed_json; drop format_kto:neutral.
//   Row-wise, thread-safe, deterministic. Counters: format_kto.rows,
//   format_kto.desirable, format_kto.undesirable (TRL advises keeping their
//   ratio, weighted by desirable_weight/undesirable_weight, between 1:1 and 4:3).
#include "../format_common/format_common.h"
#include "winnow/stage.h"

namespace winnow {
namespace {

using format::RowProblem;

struct KtoConfig {
  std::vector<std::string> prompt_field = {"prompt", "instruction"};
  std::vector<std::string> completion_field = {"completion", "generation", "response"};
  std::string label_from = "field";
  std::string label_field = "label";
  std::string rating_field = "rating";
  double desirable_min = 4.0;
  double undesirable_max = 2.0;
  std::string system_prompt;
  std::string style = "auto";
  std::vector<std::string> keep;
};

const ConfigSchema& KtoSchema() {
  using C = KtoConfig;
  static const ConfigSchema schema =
      SchemaBuilder<C>()
          .StringList("prompt_field", &C::prompt_field,
                      "Fields that may hold the prompt (a string or a list of messages); the "
                      "first one present in the row is used.")
          .StringList("completion_field", &C::completion_field,
                      "Fields that may hold the completion (a string or a list of messages); "
                      "the first one present in the row is used.")
          .Enum("label_from", &C::label_from, {"field", "rating"},
                "Where the label comes from: an existing boolean field (`field`) or a rating "
                "compared with thresholds (`rating`).")
          .String("label_field", &C::label_field,
                  "For label_from field: the field holding the label (a boolean, 1/0, or "
                  "true/false as text).")
          .String("rating_field", &C::rating_field,
                  "For label_from rating: the field holding the numeric rating.")
          .Double("desirable_min", &C::desirable_min,
                  "For label_from rating: ratings at or above this value are desirable "
                  "(label true).")
          .Double("undesirable_max", &C::undesirable_max,
                  "For label_from rating: ratings at or below this value are undesirable "
                  "(label false); ratings in between are dropped as neutral.")
          .String("system_prompt", &C::system_prompt,
                  "System message prepended to conversational prompts that do not start with "
                  "one. Empty for none.")
          .Enum("style", &C::style, {"auto", "standard", "conversational"},
                "Write strings (standard), message lists (conversational), or lists only when "
                "an input is a list or a system prompt applies (auto).")
          .StringList("keep", &C::keep,
                      "Other input fields to keep next to the TRL columns; `*` keeps every "
                      "field the transform did not read. Empty writes the TRL columns only.")
          .Build();
  return schema;
}

class FormatKtoStage final : public Stage {
 public:
  explicit FormatKtoStage(KtoConfig c) : config_(std::move(c)) {}

  Status Init() override {
    if (config_.prompt_field.empty()) return ConfigError("prompt_field", "name at least one field");
    if (config_.completion_field.empty()) {
      return ConfigError("completion_field", "name at least one field");
    }
    if (config_.label_from == "field" && config_.label_field.empty()) {
      return ConfigError("label_field", "must not be empty for label_from field");
    }
    if (config_.label_from == "rating") {
      if (config_.rating_field.empty()) {
        return ConfigError("rating_field", "must not be empty for label_from rating");
      }
      if (!(config_.undesirable_max < config_.desirable_min)) {
        return ConfigError("undesirable_max", "must be below desirable_min (" +
                                                  format::NumberText(config_.desirable_min) +
                                                  "), found " +
                                                  format::NumberText(config_.undesirable_max));
      }
    }
    if (config_.style == "standard" && !config_.system_prompt.empty()) {
      return ConfigError("system_prompt",
                         "a system prompt needs message lists; style standard writes plain "
                         "strings");
    }
    style_ = format::ParseStyle(config_.style);
    return format::CheckKeep(config_.keep);
  }

  Status Process(Batch& batch, Context& ctx) override {
    int64_t desirable = 0, undesirable = 0;
    for (size_t i = 0; i < batch.rows.size(); ++i) {
      RowProblem problem;
      bool label = false;
      if (FormatRow(batch.rows[i], &problem, &label)) {
        (label ? desirable : undesirable) += 1;
      } else {
        format::Reject(batch, i, "format_kto", problem);
      }
    }
    if (desirable + undesirable != 0) ctx.Count("format_kto.rows", desirable + undesirable);
    if (desirable != 0) ctx.Count("format_kto.desirable", desirable);
    if (undesirable != 0) ctx.Count("format_kto.undesirable", undesirable);
    return Status::Ok();
  }

 private:
  bool Label(const Record& r, bool* label, RowProblem* problem) const {
    const bool from_field = config_.label_from == "field";
    const std::string& field = from_field ? config_.label_field : config_.rating_field;
    auto got = r.Get(field);
    if (!got.ok()) {
      *problem = {"malformed_json", got.status().message()};
      return false;
    }
    if (!got->has_value() || (*got)->is_null()) {
      *problem = {from_field ? "missing_field" : "no_rating",
                  "the field '" + field + "' is missing or null"};
      return false;
    }
    const Value& v = **got;
    if (from_field) {
      if (v.is_bool()) {
        *label = v.as_bool();
        return true;
      }
      if (v.is_int() && (v.as_int() == 0 || v.as_int() == 1)) {
        *label = v.as_int() == 1;
        return true;
      }
      if (v.is_string()) {
        std::string s = v.as_string();
        for (auto& c : s) {
          if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        }
        if (s == "true" || s == "false") {
          *label = s == "true";
          return true;
        }
      }
      *problem = {"bad_label", "the field '" + field + "' holds " + Abbrev(v) +
                                   ", not a boolean (true/false or 1/0)"};
      return false;
    }
    auto rating = format::RatingOf(v);
    if (!rating) {
      *problem = {"bad_rating", "the field '" + field + "' holds " + Abbrev(v) + ", not a number"};
      return false;
    }
    if (*rating >= config_.desirable_min) {
      *label = true;
    } else if (*rating <= config_.undesirable_max) {
      *label = false;
    } else {
      *problem = {"neutral",
                  "the rating " + format::NumberText(*rating) + " is between undesirable_max " +
                      format::NumberText(config_.undesirable_max) + " and desirable_min " +
                      format::NumberText(config_.desirable_min),
                  true};
      return false;
    }
    return true;
  }

  static std::string Abbrev(const Value& v) {
    std::string json = v.ToJson();
    if (json.size() > 80) json = json.substr(0, 77) + "...";
    return json;
  }

  bool FormatRow(Record& r, RowProblem* problem, bool* label) const {
    std::set<std::string> consumed;
    std::string prompt_name, completion_name;
    auto prompt = format::FirstPresent(r, config_.prompt_field, &prompt_name, problem);
    if (!prompt) return false;
    auto completion = format::FirstPresent(r, config_.completion_field, &completion_name, problem);
    if (!completion) return false;
    consumed.insert(prompt_name);
    consumed.insert(completion_name);
    if (!format::CheckText(*prompt, prompt_name, problem) ||
        !format::CheckText(*completion, completion_name, problem)) {
      return false;
    }
    consumed.insert(config_.label_from == "field" ? config_.label_field : config_.rating_field);
    if (!Label(r, label, problem)) return false;
    problem->code.clear();
    bool conv =
        format::Conversational(style_, {&*prompt, &*completion}, config_.system_prompt, problem);
    if (!problem->code.empty()) return false;
    std::vector<Member> outputs;
    if (conv) {
      outputs.emplace_back("prompt", format::PromptMessages(*prompt, config_.system_prompt));
      outputs.emplace_back("completion", format::AssistantMessages(*completion));
    } else {
      outputs.emplace_back("prompt", std::move(*prompt));
      outputs.emplace_back("completion", std::move(*completion));
    }
    outputs.emplace_back("label", Value(*label));
    Status st = format::Reshape(r, std::move(outputs), config_.keep, consumed);
    if (!st.ok()) {
      *problem = {"malformed_json", st.message()};
      return false;
    }
    return true;
  }

  KtoConfig config_;
  format::Style style_ = format::Style::kAuto;
};

}  // namespace
}  // namespace winnow

WINNOW_PLUGIN(winnow::PluginKind::kTransform, "format_kto", "1.0.0",
              "Formats unpaired preference rows for TRL's KTOTrainer: prompt, completion, label.",
              winnow::KtoConfig, winnow::FormatKtoStage, winnow::KtoSchema)
