// winnow/schema.h — a plugin's typed configuration, declared in code.
//
// A plugin declares each key once: name, member of its config struct, type,
// default, range or choices, whether it is required, and a description. The
// host validates a step's `with:` block against the schema (unknown keys are
// rejected with the list of valid ones; wrong types, out-of-range values and
// missing required keys are reported with the key's file, line and column),
// then binds the values into a default-constructed config struct. The same
// schema prints `winnow plugins describe` and generates docs/plugins/*.md.
//
//   struct Config { std::string field = "text"; int64_t min_words = 50; };
//   static const winnow::ConfigSchema& Schema() {
//     static const auto schema = winnow::SchemaBuilder<Config>()
//         .String("field", &Config::field, "Field holding the document text.")
//         .Int("min_words", &Config::min_words, "Minimum word count.").Min(0)
//         .Build();
//     return schema;
//   }
//
// Keys ending in `_env` hold the NAME of an environment variable that holds a
// secret (never the secret itself); see Context::GetSecret.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "winnow/status.h"
#include "winnow/value.h"

namespace winnow {

enum class FieldType {
  kBool,
  kInt,
  kDouble,
  kString,
  kStringList,  // a list of strings; a single string is accepted as a list of one
  kEnum,        // a string from a fixed set of choices
  kAny,         // any JSON/YAML value; the plugin checks it (Init) and reports key paths
};

std::string_view FieldTypeName(FieldType type);

struct FieldSpec {
  std::string key;
  FieldType type = FieldType::kString;
  std::string description;
  bool required = false;
  Value default_value;  // shown in docs; null when none
  std::optional<double> min, max;
  std::vector<std::string> choices;
  // Stores an already validated value into the config struct.
  std::function<void(void* config, const Value& v)> assign;
};

// One problem found while validating a config block.
struct ConfigIssue {
  std::string key_path;  // "min_words", "conditions.2.regex"; "" for the block itself
  std::string message;   // a sentence
};

class ConfigSchema {
 public:
  const std::vector<FieldSpec>& fields() const { return fields_; }
  const FieldSpec* Find(std::string_view key) const;

  // Every problem in `config` (an object). Unknown keys get a did-you-mean and
  // the list of valid keys.
  std::vector<ConfigIssue> Validate(const Value& config) const;

  // Validates, then assigns present keys into `config_struct` (which holds the
  // defaults already). Fails with the first issue.
  Status Bind(const Value& config, void* config_struct) const;

  // JSON Schema (draft 2020-12 subset) describing the block.
  Value ToJsonSchema() const;

  void Add(FieldSpec spec) { fields_.push_back(std::move(spec)); }

 private:
  std::vector<FieldSpec> fields_;
};

// Builds a ConfigSchema bound to the members of T. Defaults are read from a
// default-constructed T, so the struct's initialisers are the single source.
template <class T>
class SchemaBuilder {
 public:
  SchemaBuilder& Bool(std::string key, bool T::*m, std::string desc) {
    return Add(std::move(key), FieldType::kBool, std::move(desc), Value(defaults_.*m),
               [m](void* c, const Value& v) { static_cast<T*>(c)->*m = v.as_bool(); });
  }
  SchemaBuilder& Int(std::string key, int64_t T::*m, std::string desc) {
    return Add(std::move(key), FieldType::kInt, std::move(desc), Value(defaults_.*m),
               [m](void* c, const Value& v) { static_cast<T*>(c)->*m = v.as_int(); });
  }
  SchemaBuilder& Double(std::string key, double T::*m, std::string desc) {
    return Add(std::move(key), FieldType::kDouble, std::move(desc), Value(defaults_.*m),
               [m](void* c, const Value& v) { static_cast<T*>(c)->*m = v.as_number(); });
  }
  SchemaBuilder& String(std::string key, std::string T::*m, std::string desc) {
    return Add(std::move(key), FieldType::kString, std::move(desc), StrDefault(defaults_.*m),
               [m](void* c, const Value& v) { static_cast<T*>(c)->*m = v.as_string(); });
  }
  SchemaBuilder& StringList(std::string key, std::vector<std::string> T::*m, std::string desc) {
    Array def;
    for (const auto& s : defaults_.*m) def.emplace_back(s);
    return Add(std::move(key), FieldType::kStringList, std::move(desc), Value(std::move(def)),
               [m](void* c, const Value& v) {
                 auto& out = static_cast<T*>(c)->*m;
                 out.clear();
                 if (v.is_string()) {
                   out.push_back(v.as_string());
                 } else {
                   for (const auto& e : v.as_array()) out.push_back(e.as_string());
                 }
               });
  }
  SchemaBuilder& Enum(std::string key, std::string T::*m, std::vector<std::string> choices,
                      std::string desc) {
    Add(std::move(key), FieldType::kEnum, std::move(desc), StrDefault(defaults_.*m),
        [m](void* c, const Value& v) { static_cast<T*>(c)->*m = v.as_string(); });
    schema_.LastMutable().choices = std::move(choices);
    return *this;
  }
  SchemaBuilder& Any(std::string key, Value T::*m, std::string desc) {
    return Add(std::move(key), FieldType::kAny, std::move(desc), defaults_.*m,
               [m](void* c, const Value& v) { static_cast<T*>(c)->*m = v; });
  }

  // Modifiers for the field declared last.
  SchemaBuilder& Required() {
    schema_.LastMutable().required = true;
    schema_.LastMutable().default_value = Value();
    return *this;
  }
  SchemaBuilder& Min(double v) {
    schema_.LastMutable().min = v;
    return *this;
  }
  SchemaBuilder& Max(double v) {
    schema_.LastMutable().max = v;
    return *this;
  }
  SchemaBuilder& Range(double lo, double hi) { return Min(lo).Max(hi); }

  ConfigSchema Build() { return std::move(schema_).Take(); }

 private:
  struct Building {
    ConfigSchema schema;
    FieldSpec& LastMutable() { return const_cast<FieldSpec&>(schema.fields().back()); }
    ConfigSchema Take() && { return std::move(schema); }
  };
  static Value StrDefault(const std::string& s) { return s.empty() ? Value() : Value(s); }
  SchemaBuilder& Add(std::string key, FieldType type, std::string desc, Value def,
                     std::function<void(void*, const Value&)> assign) {
    FieldSpec f;
    f.key = std::move(key);
    f.type = type;
    f.description = std::move(desc);
    f.default_value = std::move(def);
    f.assign = std::move(assign);
    schema_.schema.Add(std::move(f));
    return *this;
  }
  T defaults_{};
  Building schema_;
};

// A config problem found by a plugin after binding (e.g. an invalid regex):
// InvalidArgument whose message the host attributes to `key_path` in the YAML.
Status ConfigError(std::string_view key_path, std::string_view message);
// Splits a status made by ConfigError; returns false for other statuses.
bool ParseConfigError(const Status& status, std::string* key_path, std::string* message);

// "did you mean 'x'?" helper: the closest candidate within a small edit distance, or "".
std::string ClosestMatch(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace winnow
