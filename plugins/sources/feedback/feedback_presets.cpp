#include "feedback_presets.h"

#include <cmath>

namespace winnow::feedback {

namespace {

std::string Normalize(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) --e;
  std::string out(s.substr(b, e - b));
  for (auto& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool InList(const std::string& text, const std::vector<std::string>& list) {
  for (const auto& v : list) {
    if (Normalize(v) == text) return true;
  }
  return false;
}

std::string Join(const std::vector<std::string>& list) {
  std::string out;
  for (size_t i = 0; i < list.size() && i < 8; ++i) {
    if (i) out += ", ";
    out += list[i];
  }
  if (list.size() > 8) out += ", ...";
  return out;
}

// Reads a text column: non-empty string or array. False with reason otherwise.
bool TextColumn(const Value& row, const std::string& column, const char* what, Value* out,
                std::string* reason, std::string* detail, const char* null_reason) {
  const Value* v = row.find(column);
  if (!v || v->is_null() || (v->is_string() && v->as_string().empty()) ||
      (v->is_array() && v->as_array().empty())) {
    *reason = null_reason;
    *detail = std::string("the ") + what + " column '" + column + "' is " +
              (!v || v->is_null() ? "NULL" : "empty");
    return false;
  }
  if (!v->is_string() && !v->is_array()) {
    *reason = "not_text";
    *detail = std::string("the ") + what + " column '" + column + "' holds a " +
              std::string(ValueTypeName(v->type())) + ", not text (or a list of messages)";
    return false;
  }
  *out = *v;
  return true;
}

}  // namespace

std::string ScalarText(const Value& v) {
  switch (v.type()) {
    case ValueType::kBool:
      return v.as_bool() ? "true" : "false";
    case ValueType::kInt:
      return std::to_string(v.as_int());
    case ValueType::kDouble: {
      double d = v.as_double();
      if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 1e15) {
        return std::to_string(static_cast<int64_t>(d));
      }
      std::string s;
      AppendJsonDouble(s, d);
      return s;
    }
    case ValueType::kString:
      return Normalize(v.as_string());
    default:
      return "";
  }
}

std::vector<std::string> RequiredColumns(const PresetOptions& o) {
  std::vector<std::string> cols;
  switch (o.preset) {
    case Preset::kNone:
      break;
    case Preset::kThumbsKto:
      cols = {o.prompt_column, o.response_column, o.rating_column};
      break;
    case Preset::kPairwiseDpo:
      cols = {o.prompt_column, o.response_a_column, o.response_b_column, o.choice_column};
      break;
    case Preset::kEditsSft:
      cols = {o.prompt_column, o.edited_column};
      break;
  }
  if (o.preset != Preset::kNone) {
    for (const auto& k : o.keep_columns) cols.push_back(k);
  }
  return cols;
}

bool ApplyPreset(const PresetOptions& o, const Value& row, Value* out, std::string* reason,
                 std::string* detail) {
  if (o.preset == Preset::kNone) {
    *out = row;
    return true;
  }
  Value prompt;
  if (!TextColumn(row, o.prompt_column, "prompt", &prompt, reason, detail, "null_value")) {
    return false;
  }
  Value result = Value::MakeObject();
  result.set("prompt", std::move(prompt));
  switch (o.preset) {
    case Preset::kThumbsKto: {
      Value completion;
      if (!TextColumn(row, o.response_column, "response", &completion, reason, detail,
                      "null_value")) {
        return false;
      }
      const Value* rating = row.find(o.rating_column);
      if (!rating || rating->is_null()) {
        *reason = "null_value";
        *detail = "the rating column '" + o.rating_column + "' is NULL";
        return false;
      }
      bool label;
      std::string text = ScalarText(*rating);
      if (rating->is_bool()) {
        label = rating->as_bool();
      } else if (!text.empty() && InList(text, o.positive_values)) {
        label = true;
      } else if (!text.empty() && InList(text, o.negative_values)) {
        label = false;
      } else {
        *reason = "unknown_rating";
        *detail = "the rating column '" + o.rating_column + "' holds " +
                  (text.empty() ? rating->ToJson() : "'" + text + "'") +
                  ", which is in neither positive_values (" + Join(o.positive_values) +
                  ") nor negative_values (" + Join(o.negative_values) + ")";
        return false;
      }
      result.set("completion", std::move(completion));
      result.set("label", label);
      break;
    }
    case Preset::kPairwiseDpo: {
      Value a, b;
      if (!TextColumn(row, o.response_a_column, "response_a", &a, reason, detail, "null_value") ||
          !TextColumn(row, o.response_b_column, "response_b", &b, reason, detail, "null_value")) {
        return false;
      }
      const Value* choice = row.find(o.choice_column);
      if (!choice || choice->is_null()) {
        *reason = "null_value";
        *detail = "the choice column '" + o.choice_column + "' is NULL (no preference given)";
        return false;
      }
      std::string text = ScalarText(*choice);
      bool a_wins;
      if (choice->is_bool()) {
        a_wins = choice->as_bool();
      } else if (!text.empty() && InList(text, o.choice_a_values)) {
        a_wins = true;
      } else if (!text.empty() && InList(text, o.choice_b_values)) {
        a_wins = false;
      } else {
        *reason = "unknown_choice";
        *detail = "the choice column '" + o.choice_column + "' holds " +
                  (text.empty() ? choice->ToJson() : "'" + text + "'") +
                  ", which is in neither choice_a_values (" + Join(o.choice_a_values) +
                  ") nor choice_b_values (" + Join(o.choice_b_values) + ")";
        return false;
      }
      result.set("chosen", a_wins ? std::move(a) : std::move(b));
      result.set("rejected", a_wins ? std::move(b) : std::move(a));
      break;
    }
    case Preset::kEditsSft: {
      Value edited;
      if (!TextColumn(row, o.edited_column, "edited", &edited, reason, detail, "no_edit")) {
        return false;
      }
      result.set("completion", std::move(edited));
      break;
    }
    case Preset::kNone:
      break;
  }
  for (const auto& k : o.keep_columns) {
    if (result.find(k)) continue;  // never overwrite the preset's own fields
    const Value* v = row.find(k);
    result.set(k, v ? *v : Value());
  }
  *out = std::move(result);
  return true;
}

}  // namespace winnow::feedback
