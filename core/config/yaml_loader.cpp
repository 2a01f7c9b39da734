// YAML -> winnow::Value with marks, and the pipeline file's structure.
#include <yaml-cpp/yaml.h>

#include <charconv>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "config/pipeline_spec.h"
#include "winnow/schema.h"

namespace winnow::core {

std::string SourceMark::ToString() const {
  if (line == 0) return file;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

std::string Diagnostic::ToString() const {
  std::string s = mark.ToString();
  if (!s.empty()) s += ": ";
  if (!key.empty()) s += "key '" + key + "': ";
  return s + message;
}

SourceMark MarkMap::Find(const std::string& path) const {
  std::string p = path;
  while (true) {
    auto it = marks_.find(p);
    if (it != marks_.end()) return it->second;
    size_t dot = p.rfind('.');
    if (dot == std::string::npos) break;
    p.resize(dot);
  }
  auto root = marks_.find("");
  return root != marks_.end() ? root->second : SourceMark{};
}

namespace {

SourceMark MarkOf(const YAML::Node& node, const std::string& file) {
  const YAML::Mark m = node.Mark();
  if (m.line < 0) return {file, 0, 0};
  return {file, m.line + 1, m.column + 1};
}

// A plain (unquoted) scalar gets YAML 1.2 core-schema typing; quoted ones stay strings.
Value ScalarValue(const YAML::Node& node) {
  const std::string& s = node.Scalar();
  if (node.Tag() == "!") return Value(s);  // quoted
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return Value();
  if (s == "true" || s == "True" || s == "TRUE") return Value(true);
  if (s == "false" || s == "False" || s == "FALSE") return Value(false);
  {
    int64_t i = 0;
    const char* b = s.data();
    const char* e = s.data() + s.size();
    if (*b == '+') ++b;
    auto [p, ec] = std::from_chars(b, e, i);
    if (ec == std::errc() && p == e) return Value(i);
  }
  {
    static const std::regex kFloat(R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)");
    if (std::regex_match(s, kFloat)) return Value(std::stod(s));
    if (s == ".inf" || s == "+.inf") return Value(std::numeric_limits<double>::infinity());
    if (s == "-.inf") return Value(-std::numeric_limits<double>::infinity());
  }
  return Value(s);
}

// Converts a node; records the mark of every nested key (a mapping key's mark
// is the key's position; a sequence element's mark is the element's position).
Value ToValue(const YAML::Node& node, const std::string& path, const std::string& file,
              MarkMap* marks) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return Value();
    case YAML::NodeType::Scalar:
      return ScalarValue(node);
    case YAML::NodeType::Sequence: {
      Array arr;
      size_t i = 0;
      for (const auto& child : node) {
        std::string child_path = path.empty() ? std::to_string(i) : path + "." + std::to_string(i);
        if (marks) marks->Set(child_path, MarkOf(child, file));
        arr.push_back(ToValue(child, child_path, file, marks));
        ++i;
      }
      return Value(std::move(arr));
    }
    case YAML::NodeType::Map: {
      Value obj = Value::MakeObject();
      for (const auto& kv : node) {
        std::string key = kv.first.as<std::string>();
        std::string child_path = path.empty() ? key : path + "." + key;
        if (marks) marks->Set(child_path, MarkOf(kv.first, file));
        obj.set(key, ToValue(kv.second, child_path, file, marks));
      }
      return obj;
    }
  }
  return Value();
}

const std::set<std::string> kTopKeys = {"name", "description", "run", "llms", "steps"};
const std::set<std::string> kRunKeys = {"threads", "batch_size",    "output_dir", "memory_mb",
                                        "rejects", "queue_batches", "checkpoint"};
const std::set<std::string> kStepKeys = {"name", "uses", "after", "with", "description"};
const std::set<std::string> kLlmKeys = {"uses", "with", "description"};

std::vector<std::string> SetToVector(const std::set<std::string>& s) {
  return std::vector<std::string>(s.begin(), s.end());
}

// True for key names that hold credentials: one of the words password,
// passwd, secret, token, auth, apikey, or api/access/private + key, where words
// are split at '_', '-', '.' and lower-to-upper case changes ("hf_token",
// "apiKey", "X-Api-Key"; not "author", "max_tokens" or "tokenizer").
bool LooksLikeSecretKey(const std::string& key) {
  std::vector<std::string> words(1);
  for (size_t i = 0; i < key.size(); ++i) {
    char c = key[i];
    if (c == '_' || c == '-' || c == '.' || c == ' ') {
      if (!words.back().empty()) words.emplace_back();
      continue;
    }
    bool upper = c >= 'A' && c <= 'Z';
    if (upper && i > 0 && key[i - 1] >= 'a' && key[i - 1] <= 'z' && !words.back().empty()) {
      words.emplace_back();
    }
    words.back().push_back(upper ? static_cast<char>(c - 'A' + 'a') : c);
  }
  static const std::set<std::string> kWords = {"password", "passwd", "secret",     "token",
                                               "auth",     "apikey", "credential", "credentials"};
  for (size_t i = 0; i < words.size(); ++i) {
    if (kWords.count(words[i])) return true;
    if (words[i] == "key" && i > 0 &&
        (words[i - 1] == "api" || words[i - 1] == "access" || words[i - 1] == "private")) {
      return true;
    }
  }
  return false;
}

class Checker {
 public:
  Checker(PipelineSpec* spec, std::vector<Diagnostic>* out) : spec_(spec), out_(out) {}

  void Error(const std::string& path, const std::string& key, const std::string& message) {
    out_->push_back({spec_->marks.Find(path), key, message});
  }

  void UnknownKeys(const Value& obj, const std::string& path, const std::set<std::string>& valid,
                   const std::string& what) {
    if (!obj.is_object()) return;
    for (const auto& [k, v] : obj.as_object()) {
      if (valid.count(k)) continue;
      std::string m = "unknown key in " + what;
      std::string close = ClosestMatch(k, SetToVector(valid));
      if (!close.empty()) m += " (did you mean '" + close + "'?)";
      m += "; valid keys:";
      for (const auto& x : valid) m += " " + x;
      Error(path.empty() ? k : path + "." + k, k, m);
    }
  }

  // Literal secrets are refused: they belong in the environment.
  void CheckSecrets(const Value& v, const std::string& path) {
    if (v.is_object()) {
      for (const auto& [k, child] : v.as_object()) {
        std::string p = path.empty() ? k : path + "." + k;
        bool env_key = k.size() > 4 && k.compare(k.size() - 4, 4, "_env") == 0;
        if (!env_key && child.is_string() && LooksLikeSecretKey(k)) {
          Error(p, k,
                "looks like a secret written into the pipeline file; secrets come from the "
                "environment: name the variable instead with '" +
                    k + "_env: VARIABLE_NAME'");
        }
        CheckSecrets(child, p);
      }
    } else if (v.is_array()) {
      size_t i = 0;
      for (const auto& child : v.as_array()) {
        CheckSecrets(child, (path.empty() ? "" : path + ".") + std::to_string(i++));
      }
    }
  }

  bool ParseUses(const Value& uses, const std::string& path, std::string* kind,
                 std::string* plugin) {
    static const std::set<std::string> kKinds = {"source", "cleaner", "transform",
                                                 "task",   "llm",     "exporter"};
    if (!uses.is_string()) {
      Error(path, "uses", "expected KIND/NAME (for example cleaner/quality)");
      return false;
    }
    const std::string& s = uses.as_string();
    size_t slash = s.find('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 == s.size()) {
      Error(path, "uses", "'" + s + "' is not KIND/NAME (for example cleaner/quality)");
      return false;
    }
    *kind = s.substr(0, slash);
    *plugin = s.substr(slash + 1);
    if (!kKinds.count(*kind)) {
      std::string m = "unknown plugin kind '" + *kind + "'";
      std::string close = ClosestMatch(*kind, SetToVector(kKinds));
      if (!close.empty()) m += " (did you mean '" + close + "'?)";
      m += "; kinds: source cleaner transform task llm exporter";
      Error(path, "uses", m);
      return false;
    }
    return true;
  }

  void Run() {
    const Value& root = spec_->raw;
    if (!root.is_object()) {
      Error("", "", "a pipeline file is a mapping with name:, run:, llms: and steps:");
      return;
    }
    UnknownKeys(root, "", kTopKeys, "the pipeline file");
    CheckSecrets(root, "");
    if (const Value* name = root.find("name"); name && name->is_string()) {
      spec_->name = name->as_string();
    } else {
      Error("name", "name", "missing or not a string: every pipeline has a name");
    }
    if (const Value* d = root.find("description"); d && d->is_string()) {
      spec_->description = d->as_string();
    }
    ParseRun(root.find("run"));
    ParseLlms(root.find("llms"));
    ParseSteps(root.find("steps"));
  }

  void ParseRun(const Value* run) {
    if (!run || run->is_null()) return;
    if (!run->is_object()) {
      Error("run", "run", "expected a mapping");
      return;
    }
    UnknownKeys(*run, "run", kRunKeys, "run:");
    auto int_key = [&](const char* k, int64_t* out, int64_t lo, int64_t hi) {
      const Value* v = run->find(k);
      if (!v) return;
      std::string p = std::string("run.") + k;
      if (!v->is_int()) {
        Error(p, k, "expected an integer, found " + v->ToJson());
      } else if (v->as_int() < lo || v->as_int() > hi) {
        Error(p, k, "must be between " + std::to_string(lo) + " and " + std::to_string(hi));
      } else {
        *out = v->as_int();
      }
    };
    int_key("threads", &spec_->run.threads, 0, 1024);
    int_key("batch_size", &spec_->run.batch_size, 1, 1 << 20);
    int_key("memory_mb", &spec_->run.memory_mb, 1, 1 << 24);
    int_key("queue_batches", &spec_->run.queue_batches, 1, 1024);
    if (const Value* v = run->find("output_dir")) {
      if (v->is_string())
        spec_->run.output_dir = v->as_string();
      else
        Error("run.output_dir", "output_dir", "expected a string");
    }
    if (const Value* v = run->find("checkpoint")) {
      if (v->is_string() &&
          (v->as_string() == "tasks" || v->as_string() == "all" || v->as_string() == "none")) {
        spec_->run.checkpoint = v->as_string();
      } else {
        Error("run.checkpoint", "checkpoint", "expected one of: tasks all none");
      }
    }
    if (const Value* v = run->find("rejects")) {
      if (v->is_string() &&
          (v->as_string() == "all" || v->as_string() == "errors" || v->as_string() == "none")) {
        spec_->run.rejects = v->as_string();
      } else {
        Error("run.rejects", "rejects", "expected one of: all errors none");
      }
    }
  }

  void ParseLlms(const Value* llms) {
    if (!llms || llms->is_null()) return;
    if (!llms->is_object()) {
      Error("llms", "llms", "expected a mapping NAME: {uses: llm/openai, with: {...}}");
      return;
    }
    for (const auto& [name, def] : llms->as_object()) {
      std::string path = "llms." + name;
      if (!def.is_object()) {
        Error(path, name, "expected a mapping with uses: and with:");
        continue;
      }
      UnknownKeys(def, path, kLlmKeys, "an llms: entry");
      LlmSpec llm;
      llm.name = name;
      llm.path = path;
      const Value* uses = def.find("uses");
      if (!uses) {
        Error(path, name, "missing 'uses: llm/NAME'");
        continue;
      }
      if (!ParseUses(*uses, path + ".uses", &llm.kind, &llm.plugin)) continue;
      if (llm.kind != "llm") {
        Error(path + ".uses", "uses", "an llms: entry must use an llm/ plugin, not " + llm.kind);
        continue;
      }
      if (const Value* with = def.find("with")) {
        if (with->is_object())
          llm.with = *with;
        else if (!with->is_null())
          Error(path + ".with", "with", "expected a mapping");
      }
      spec_->llms.push_back(std::move(llm));
    }
  }

  void ParseSteps(const Value* steps) {
    if (!steps || !steps->is_array() || steps->as_array().empty()) {
      Error("steps", "steps", "expected a non-empty list of steps");
      return;
    }
    std::set<std::string> names;
    size_t i = 0;
    for (const auto& def : steps->as_array()) {
      std::string path = "steps." + std::to_string(i++);
      if (!def.is_object()) {
        Error(path, "", "a step is a mapping with name:, uses:, after: and with:");
        continue;
      }
      UnknownKeys(def, path, kStepKeys, "a step");
      StepSpec step;
      step.path = path;
      const Value* name = def.find("name");
      const Value* uses = def.find("uses");
      if (!uses) {
        Error(path, "uses", "missing 'uses: KIND/NAME'");
        continue;
      }
      if (!ParseUses(*uses, path + ".uses", &step.kind, &step.plugin)) continue;
      if (step.kind == "llm") {
        Error(path + ".uses", "uses",
              "llm plugins are declared under the top-level llms: map, not as steps");
        continue;
      }
      if (name && name->is_string()) {
        step.name = name->as_string();
      } else if (name) {
        Error(path + ".name", "name", "expected a string");
        continue;
      } else {
        step.name = step.plugin;  // default: the plugin's name
      }
      static const std::regex kName("[A-Za-z0-9_][A-Za-z0-9_.-]*");
      if (!std::regex_match(step.name, kName)) {
        Error(path + ".name", "name",
              "'" + step.name + "' is not a valid step name (letters, digits, _ . -)");
        continue;
      }
      if (!names.insert(step.name).second) {
        Error(path + ".name", "name",
              "duplicate step name '" + step.name + "'; give each step a distinct name:");
        continue;
      }
      if (const Value* after = def.find("after")) {
        step.after_explicit = true;
        if (after->is_string()) {
          step.after.push_back(after->as_string());
        } else if (after->is_array()) {
          for (const auto& a : after->as_array()) {
            if (a.is_string())
              step.after.push_back(a.as_string());
            else
              Error(path + ".after", "after", "expected step names");
          }
        } else if (!after->is_null()) {
          Error(path + ".after", "after", "expected a step name or a list of step names");
        }
      }
      if (const Value* with = def.find("with")) {
        if (with->is_object())
          step.with = *with;
        else if (!with->is_null())
          Error(path + ".with", "with", "expected a mapping");
      }
      spec_->steps.push_back(std::move(step));
    }
  }

 private:
  PipelineSpec* spec_;
  std::vector<Diagnostic>* out_;
};

Result<PipelineSpec> Load(const std::string& text, const std::string& display,
                          std::vector<Diagnostic>* diagnostics) {
  PipelineSpec spec;
  spec.file = display;
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    SourceMark mark{display, e.mark.line + 1, e.mark.column + 1};
    diagnostics->push_back({mark, "", "YAML syntax error: " + e.msg});
    return Status::InvalidArgument(diagnostics->back().ToString());
  }
  spec.marks.Set("", {display, 1, 1});
  try {
    spec.raw = ToValue(root, "", display, &spec.marks);
  } catch (const YAML::Exception& e) {
    SourceMark mark{display, e.mark.line + 1, e.mark.column + 1};
    diagnostics->push_back({mark, "", "YAML error: " + e.msg});
    return Status::InvalidArgument(diagnostics->back().ToString());
  }
  Checker(&spec, diagnostics).Run();
  if (!diagnostics->empty()) return Status::InvalidArgument(diagnostics->front().ToString());
  return spec;
}

}  // namespace

Result<PipelineSpec> LoadPipelineText(const std::string& text, const std::string& display_name,
                                      std::vector<Diagnostic>* diagnostics) {
  return Load(text, display_name, diagnostics);
}

Result<PipelineSpec> LoadPipelineFile(const std::filesystem::path& path,
                                      std::vector<Diagnostic>* diagnostics) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    diagnostics->push_back({{path.string(), 0, 0}, "", "cannot read the pipeline file"});
    return Status::NotFound("cannot read pipeline file " + path.string());
  }
  std::stringstream ss;
  ss << in.rdbuf();
  auto spec = Load(ss.str(), path.string(), diagnostics);
  if (spec.ok()) spec->file = path;
  return spec;
}

Result<Value> ParseYamlValue(const std::string& text) {
  try {
    YAML::Node node = YAML::Load(text);
    return ToValue(node, "", "", nullptr);
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument("cannot parse '" + text + "' as YAML: " + e.msg);
  }
}

Status ApplyOverride(PipelineSpec* spec, const std::string& assignment) {
  size_t eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) {
    return Status::InvalidArgument("--set expects STEP.key=value, got '" + assignment + "'");
  }
  std::string lhs = assignment.substr(0, eq);
  auto value = ParseYamlValue(assignment.substr(eq + 1));
  if (!value.ok()) return value.status();
  std::string last_key = lhs.substr(lhs.rfind('.') == std::string::npos ? 0 : lhs.rfind('.') + 1);
  bool env_key = last_key.size() > 4 && last_key.compare(last_key.size() - 4, 4, "_env") == 0;
  if (!env_key && value->is_string() && LooksLikeSecretKey(last_key)) {
    return Status::InvalidArgument("--set " + lhs +
                                   "=...: looks like a secret on the command line (it would show "
                                   "in the process list and shell history); set " +
                                   lhs + "_env=VARIABLE_NAME and export the variable instead");
  }
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t dot = lhs.find('.', start);
    parts.push_back(lhs.substr(start, dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  auto set_nested = [&](Value* target, size_t from) {
    for (size_t i = from; i + 1 < parts.size(); ++i) {
      Value* child = target->find(parts[i]);
      if (!child || !child->is_object()) child = &target->set(parts[i], Value::MakeObject());
      target = child;
    }
    target->set(parts.back(), std::move(value).value());
  };
  if (parts.size() >= 2 && parts[0] == "run") {
    std::vector<Diagnostic> diags;
    Value run = spec->raw.find("run") ? *spec->raw.find("run") : Value::MakeObject();
    run.set(parts[1], *value);
    spec->raw.set("run", run);
    PipelineSpec tmp = *spec;
    Checker(&tmp, &diags).ParseRun(&run);
    if (!diags.empty())
      return Status::InvalidArgument("--set " + assignment + ": " + diags[0].message);
    spec->run = tmp.run;
    return Status::Ok();
  }
  if (parts.size() >= 3 && parts[0] == "llms") {
    for (auto& llm : spec->llms) {
      if (llm.name == parts[1]) {
        set_nested(&llm.with, 2);
        return Status::Ok();
      }
    }
    return Status::InvalidArgument("--set " + assignment + ": the pipeline declares no LLM '" +
                                   parts[1] + "'");
  }
  if (parts.size() < 2) {
    return Status::InvalidArgument("--set expects STEP.key=value, got '" + assignment + "'");
  }
  std::vector<std::string> names;
  for (auto& step : spec->steps) {
    names.push_back(step.name);
    if (step.name == parts[0]) {
      set_nested(&step.with, 1);
      return Status::Ok();
    }
  }
  std::string m = "--set " + assignment + ": no step named '" + parts[0] + "'";
  std::string close = ClosestMatch(parts[0], names);
  if (!close.empty()) m += " (did you mean '" + close + "'?)";
  return Status::InvalidArgument(m);
}

}  // namespace winnow::core
