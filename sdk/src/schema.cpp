#include "winnow/schema.h"

#include <algorithm>
#include <cmath>

namespace winnow {

std::string_view FieldTypeName(FieldType type) {
  switch (type) {
    case FieldType::kBool: return "boolean";
    case FieldType::kInt: return "integer";
    case FieldType::kDouble: return "number";
    case FieldType::kString: return "string";
    case FieldType::kStringList: return "list of strings";
    case FieldType::kEnum: return "one of";
    case FieldType::kAny: return "any";
  }
  return "unknown";
}

const FieldSpec* ConfigSchema::Find(std::string_view key) const {
  for (const auto& f : fields_) {
    if (f.key == key) return &f;
  }
  return nullptr;
}

namespace {

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string Describe(const Value& v) {
  std::string json = v.ToJson();
  if (json.size() > 60) json = json.substr(0, 57) + "...";
  return std::string(ValueTypeName(v.type())) + " " + json;
}

std::string FormatNumber(double d) {
  if (d == std::floor(d) && std::fabs(d) < 1e15) return std::to_string(static_cast<int64_t>(d));
  std::string s;
  AppendJsonDouble(s, d);
  return s;
}

// Checks one value against its spec; returns "" when fine.
std::string CheckValue(const FieldSpec& f, const Value& v) {
  switch (f.type) {
    case FieldType::kBool:
      if (!v.is_bool()) return "expected a boolean (true/false), found " + Describe(v);
      return {};
    case FieldType::kInt:
      if (!v.is_int()) return "expected an integer, found " + Describe(v);
      break;
    case FieldType::kDouble:
      if (!v.is_number()) return "expected a number, found " + Describe(v);
      break;
    case FieldType::kString:
      if (!v.is_string()) return "expected a string, found " + Describe(v);
      return {};
    case FieldType::kStringList:
      if (v.is_string()) return {};
      if (!v.is_array()) return "expected a list of strings, found " + Describe(v);
      for (const auto& e : v.as_array()) {
        if (!e.is_string()) return "expected a list of strings, found an element " + Describe(e);
      }
      return {};
    case FieldType::kEnum: {
      if (!v.is_string()) return "expected a string, found " + Describe(v);
      if (std::find(f.choices.begin(), f.choices.end(), v.as_string()) != f.choices.end()) {
        return {};
      }
      std::string m = "'" + v.as_string() + "' is not one of:";
      for (const auto& c : f.choices) m += " " + c;
      std::string close = ClosestMatch(v.as_string(), f.choices);
      if (!close.empty()) m += " (did you mean '" + close + "'?)";
      return m;
    }
    case FieldType::kAny: return {};
  }
  double d = v.as_number();
  if (f.min && d < *f.min) return "must be >= " + FormatNumber(*f.min) + ", found " + v.ToJson();
  if (f.max && d > *f.max) return "must be <= " + FormatNumber(*f.max) + ", found " + v.ToJson();
  return {};
}

}  // namespace

std::string ClosestMatch(std::string_view word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_distance = std::max<size_t>(2, word.size() / 3) + 1;
  for (const auto& c : candidates) {
    size_t d = EditDistance(word, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

std::vector<ConfigIssue> ConfigSchema::Validate(const Value& config) const {
  std::vector<ConfigIssue> issues;
  if (!config.is_null() && !config.is_object()) {
    issues.push_back({"", "expected a mapping of keys to values, found " + Describe(config)});
    return issues;
  }
  std::vector<std::string> valid;
  for (const auto& f : fields_) valid.push_back(f.key);
  if (config.is_object()) {
    for (const auto& [key, value] : config.as_object()) {
      const FieldSpec* f = Find(key);
      if (!f) {
        std::string m = "unknown key '" + key + "'";
        std::string close = ClosestMatch(key, valid);
        if (!close.empty()) m += " (did you mean '" + close + "'?)";
        m += "; valid keys:";
        if (valid.empty()) m += " (none)";
        for (const auto& k : valid) m += " " + k;
        issues.push_back({key, m});
        continue;
      }
      std::string problem = CheckValue(*f, value);
      if (!problem.empty()) issues.push_back({key, problem});
    }
  }
  for (const auto& f : fields_) {
    if (f.required && (!config.is_object() || !config.find(f.key))) {
      issues.push_back({"", "missing required key '" + f.key + "' (" + f.description + ")"});
    }
  }
  return issues;
}

Status ConfigSchema::Bind(const Value& config, void* config_struct) const {
  auto issues = Validate(config);
  if (!issues.empty()) return ConfigError(issues[0].key_path, issues[0].message);
  if (!config.is_object()) return Status::Ok();
  for (const auto& [key, value] : config.as_object()) {
    const FieldSpec* f = Find(key);
    if (f->type == FieldType::kDouble && value.is_int()) {
      f->assign(config_struct, Value(static_cast<double>(value.as_int())));
    } else {
      f->assign(config_struct, value);
    }
  }
  return Status::Ok();
}

Value ConfigSchema::ToJsonSchema() const {
  Value schema = Value::MakeObject();
  schema.set("type", "object");
  schema.set("additionalProperties", false);
  Value props = Value::MakeObject();
  Array required;
  for (const auto& f : fields_) {
    Value p = Value::MakeObject();
    switch (f.type) {
      case FieldType::kBool: p.set("type", "boolean"); break;
      case FieldType::kInt: p.set("type", "integer"); break;
      case FieldType::kDouble: p.set("type", "number"); break;
      case FieldType::kString: p.set("type", "string"); break;
      case FieldType::kStringList: {
        Value items = Value::MakeObject();
        items.set("type", "string");
        p.set("type", "array");
        p.set("items", std::move(items));
        break;
      }
      case FieldType::kEnum: {
        Array choices;
        for (const auto& c : f.choices) choices.emplace_back(c);
        p.set("type", "string");
        p.set("enum", Value(std::move(choices)));
        break;
      }
      case FieldType::kAny: break;
    }
    p.set("description", f.description);
    if (!f.default_value.is_null()) p.set("default", f.default_value);
    if (f.min) p.set("minimum", *f.min);
    if (f.max) p.set("maximum", *f.max);
    if (f.required) required.emplace_back(f.key);
    props.set(f.key, std::move(p));
  }
  schema.set("properties", std::move(props));
  if (!required.empty()) schema.set("required", Value(std::move(required)));
  return schema;
}

// ConfigError messages are "\x01<key path>\x01<message>" so the host can find
// the key; ToString() of such a status still reads well enough.
Status ConfigError(std::string_view key_path, std::string_view message) {
  std::string m = "\x01";
  m += key_path;
  m += "\x01";
  m += message;
  return Status::InvalidArgument(std::move(m));
}

bool ParseConfigError(const Status& status, std::string* key_path, std::string* message) {
  const std::string& m = status.message();
  if (status.code() != StatusCode::kInvalidArgument || m.size() < 2 || m[0] != '\x01') {
    return false;
  }
  size_t sep = m.find('\x01', 1);
  if (sep == std::string::npos) return false;
  *key_path = m.substr(1, sep - 1);
  *message = m.substr(sep + 1);
  return true;
}

}  // namespace winnow
