#include "format_common.h"

#include <cmath>
#include <cstdlib>

#include "winnow/schema.h"

namespace winnow::format {

Style ParseStyle(const std::string& name) {
  if (name == "standard") return Style::kStandard;
  if (name == "conversational") return Style::kConversational;
  return Style::kAuto;
}

void Reject(Batch& batch, size_t i, const std::string& plugin, const RowProblem& p) {
  std::string reason = p.code == "malformed_json" ? p.code : plugin + ":" + p.code;
  if (p.drop) {
    batch.Drop(i, std::move(reason), p.detail);
  } else {
    batch.Fail(i, std::move(reason), p.detail);
  }
}

std::string TypePhrase(const Value& v) {
  std::string name(ValueTypeName(v.type()));
  if (v.is_null()) return "null";
  bool vowel = !name.empty() && std::string_view("aeiou").find(name[0]) != std::string_view::npos;
  return (vowel ? "an " : "a ") + name;
}

std::string NumberText(double d) {
  if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 1e15) {
    return std::to_string(static_cast<int64_t>(d));
  }
  std::string s;
  AppendJsonDouble(s, d);
  return s;
}

std::string QuoteList(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i != 0) out += i + 1 == names.size() ? " or " : ", ";
    out += "'" + names[i] + "'";
  }
  return out;
}

std::optional<Value> FirstPresent(const Record& record, const std::vector<std::string>& names,
                                  std::string* name, RowProblem* problem) {
  for (const auto& n : names) {
    auto v = record.Get(n);
    if (!v.ok()) {
      *problem = {"malformed_json", v.status().message()};
      return std::nullopt;
    }
    if (v->has_value() && !(*v)->is_null()) {
      *name = n;
      return std::move(**v);
    }
  }
  *problem = {"missing_field",
              names.size() == 1
                  ? "the field " + QuoteList(names) + " is missing or null"
                  : "none of the fields " + QuoteList(names) + " is present (and not null)"};
  return std::nullopt;
}

bool IsMessageList(const Value& v) {
  return v.is_array();
}

bool ValidateMessages(const Value& v, const std::string& field, RowProblem* problem) {
  const Array& list = v.as_array();
  if (list.empty()) {
    *problem = {"empty", "the field '" + field + "' is an empty list"};
    return false;
  }
  for (size_t k = 0; k < list.size(); ++k) {
    const Value& m = list[k];
    std::string where = "message " + std::to_string(k) + " of '" + field + "'";
    if (!m.is_object()) {
      *problem = {"bad_messages",
                  where + " is " + TypePhrase(m) + ", not an object with role and content"};
      return false;
    }
    const Value* role = m.find("role");
    if (!role || !role->is_string()) {
      *problem = {"bad_messages", where + " has no string 'role'"};
      return false;
    }
    const std::string& r = role->as_string();
    if (r != "system" && r != "user" && r != "assistant" && r != "tool" && r != "developer") {
      *problem = {"bad_messages", where + " has role '" + r +
                                      "' (expected system, user, assistant, tool or developer)"};
      return false;
    }
    const Value* content = m.find("content");
    if (!content || (!content->is_string() && !content->is_array())) {
      *problem = {"bad_messages",
                  where + " has " +
                      (content ? TypePhrase(*content) + " 'content'" : "no 'content'") +
                      " (expected a string or a list of parts)"};
      return false;
    }
  }
  return true;
}

bool CheckText(const Value& v, const std::string& field, RowProblem* problem) {
  if (v.is_string()) {
    if (v.as_string().empty()) {
      *problem = {"empty", "the field '" + field + "' is an empty string"};
      return false;
    }
    return true;
  }
  if (v.is_array()) return ValidateMessages(v, field, problem);
  *problem = {"bad_type", "the field '" + field + "' holds " + TypePhrase(v) +
                              ", not text or a list of messages"};
  return false;
}

namespace {
Value Message(const char* role, Value content) {
  Value m = Value::MakeObject();
  m.set("role", role);
  m.set("content", std::move(content));
  return m;
}
}  // namespace

Value PromptMessages(const Value& prompt, const std::string& system) {
  Value out = Value::MakeArray();
  bool has_system = false;
  if (prompt.is_array() && !prompt.as_array().empty()) {
    const Value* role = prompt.as_array().front().find("role");
    has_system = role && role->is_string() && role->as_string() == "system";
  }
  if (!system.empty() && !has_system) out.push_back(Message("system", Value(system)));
  if (prompt.is_array()) {
    for (const auto& m : prompt.as_array()) out.push_back(m);
  } else {
    out.push_back(Message("user", prompt));
  }
  return out;
}

Value AssistantMessages(const Value& completion) {
  if (completion.is_array()) return completion;
  Value out = Value::MakeArray();
  out.push_back(Message("assistant", completion));
  return out;
}

bool Conversational(Style style, const std::vector<const Value*>& inputs, const std::string& system,
                    RowProblem* problem) {
  bool any_list = false;
  for (const Value* v : inputs) any_list = any_list || (v && v->is_array());
  switch (style) {
    case Style::kConversational:
      return true;
    case Style::kStandard:
      if (any_list) {
        *problem = {"not_standard",
                    "style is standard but an input holds a list of messages (use style "
                    "auto or conversational for chat data)"};
      }
      return false;
    case Style::kAuto:
      break;
  }
  return any_list || !system.empty();
}

std::optional<double> RatingOf(const Value& v) {
  if (v.is_int()) return static_cast<double>(v.as_int());
  if (v.is_double()) {
    double d = v.as_double();
    if (std::isfinite(d)) return d;
    return std::nullopt;
  }
  if (v.is_string()) {
    std::string s = v.as_string();
    size_t b = s.find_first_not_of(" \t");
    size_t e = s.find_last_not_of(" \t");
    if (b == std::string::npos) return std::nullopt;
    s = s.substr(b, e - b + 1);
    char* end = nullptr;
    double d = std::strtod(s.c_str(), &end);
    if (end != s.c_str() + s.size() || !std::isfinite(d)) return std::nullopt;
    // strtod accepts hex and "inf"; only plain decimals count as ratings.
    for (char c : s) {
      if (!((c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E')) {
        return std::nullopt;
      }
    }
    return d;
  }
  return std::nullopt;
}

Status Reshape(Record& record, std::vector<Member> outputs, const std::vector<std::string>& keep,
               const std::set<std::string>& consumed) {
  bool keep_all = false;
  std::set<std::string> listed;
  for (const auto& k : keep) {
    if (k == "*") {
      keep_all = true;
    } else {
      listed.insert(k);
    }
  }
  WINNOW_ASSIGN_OR_RETURN(auto keys, record.Keys());
  for (const auto& k : keys) {
    bool kept = listed.count(k) != 0 || (keep_all && consumed.count(k) == 0);
    if (!kept) record.Remove(k);
  }
  for (auto& [name, value] : outputs) record.Set(name, std::move(value));
  return Status::Ok();
}

Status CheckKeep(const std::vector<std::string>& keep) {
  for (const auto& k : keep) {
    if (k.empty()) return ConfigError("keep", "field names must not be empty");
  }
  return Status::Ok();
}

}  // namespace winnow::format
