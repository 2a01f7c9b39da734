// core/config/pipeline_spec.h — a pipeline file, parsed but not yet bound to plugins.
//
// LoadPipelineFile reads YAML, converts every value to a winnow::Value and
// remembers where each key came from (file, line, column), so that every later
// problem — unknown plugin, unknown key, wrong type, cycle — can be reported
// at its place in the file.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "winnow/status.h"
#include "winnow/value.h"

namespace winnow::core {

// A place in a configuration file (1-based line and column; 0 = unknown).
struct SourceMark {
  std::string file;
  int line = 0;
  int column = 0;
  std::string ToString() const;  // "file:line:col"
};

// One problem found in a configuration, located.
struct Diagnostic {
  SourceMark mark;
  std::string key;      // dotted path: "steps.dedup.with.bands"
  std::string message;  // a sentence
  std::string ToString() const;  // "file:line:col: key 'k': message"
};

// Key path -> mark, for every mapping key and sequence element of the file.
class MarkMap {
 public:
  void Set(const std::string& path, SourceMark mark) { marks_[path] = std::move(mark); }
  // The mark of `path` or of its nearest ancestor that has one.
  SourceMark Find(const std::string& path) const;

 private:
  std::map<std::string, SourceMark> marks_;
};

struct RunOptions {
  int64_t threads = 0;                 // 0 = number of cores
  int64_t batch_size = 1000;           // rows per batch
  std::string output_dir;              // default "out/<name>"
  int64_t memory_mb = 2048;            // budget for global stages before spilling
  std::string rejects = "all";         // all | errors | none: which rejected rows are written
  int64_t queue_batches = 4;           // bounded queue depth per edge, in batches
  std::string checkpoint = "tasks";    // tasks | all | none: which steps keep resumable output
};

struct StepSpec {
  std::string name;
  std::string kind;  // "cleaner"
  std::string plugin;  // "quality"
  std::vector<std::string> after;
  bool after_explicit = false;
  Value with = Value::MakeObject();
  std::string path;  // key path of this step in the file: "steps.3"
};

struct LlmSpec {
  std::string name;
  std::string kind;  // always "llm"
  std::string plugin;
  Value with = Value::MakeObject();
  std::string path;  // "llms.NAME"
};

struct PipelineSpec {
  std::filesystem::path file;
  std::string name;
  std::string description;
  RunOptions run;
  std::vector<LlmSpec> llms;
  std::vector<StepSpec> steps;
  MarkMap marks;
  Value raw;  // the whole file as a Value (for signatures and reports; secrets never in it)
};

// Reads and checks the file's structure (top-level keys, step fields, `uses`
// syntax, duplicate step names, literal secrets). Plugin-specific keys are
// checked later against each plugin's schema. Returns every problem found.
Result<PipelineSpec> LoadPipelineFile(const std::filesystem::path& path,
                                      std::vector<Diagnostic>* diagnostics);

// Same, from text (tests). `display_name` is used in marks.
Result<PipelineSpec> LoadPipelineText(const std::string& text, const std::string& display_name,
                                      std::vector<Diagnostic>* diagnostics);

// Applies `--set` overrides: "STEP.key=value", "STEP.key.sub=value",
// "llms.NAME.key=value" or "run.key=value". The value is parsed as a YAML scalar
// or flow collection ("[a, b]").
Status ApplyOverride(PipelineSpec* spec, const std::string& assignment);

// Converts YAML text to a Value (used for --set values and tests).
Result<Value> ParseYamlValue(const std::string& text);

}  // namespace winnow::core
