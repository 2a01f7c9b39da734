// plugins/tasks/task_common/llm_task.h — helpers shared by the LLM tasks.
//
// Header-only (each task plugin compiles its own copy; this folder is not a
// plugin). Nothing here does I/O.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "winnow/batch.h"
#include "winnow/context.h"
#include "winnow/hash.h"
#include "winnow/llm.h"
#include "winnow/schema.h"
#include "winnow/text.h"
#include "winnow/value.h"

namespace winnow::tasks {

// Rejects row i with the reason code of a failed LLM request.
inline void FailLlm(Batch& batch, size_t i, const Status& st) {
  batch.Fail(i, LlmFailureReason(st), LlmFailureDetail(st));
}

// Checks a `generation` block (request parameters): null or an object.
inline Status CheckGeneration(const Value& v, std::string_view key = "generation") {
  if (v.is_null() || v.is_object()) return Status::Ok();
  return ConfigError(key,
                     "expected a mapping of request parameters (temperature, max_tokens, ...)");
}

// The request parameters from a `generation` block, plus overrides.
inline Value MakeParams(const Value& generation, std::initializer_list<Member> overrides = {}) {
  Value p = generation.is_object() ? generation : Value::MakeObject();
  for (const auto& [k, v] : overrides) p.set(k, v);
  return p;
}

// Counters accumulated over a batch and flushed once.
class BatchCounters {
 public:
  void Add(const std::string& name, int64_t delta = 1) { counts_[name] += delta; }
  void Flush(Context& ctx) {
    for (const auto& [k, v] : counts_) {
      if (v != 0) ctx.Count(k, v);
    }
    counts_.clear();
  }

 private:
  std::map<std::string, int64_t> counts_;
};

// A deterministic choice in [0, n) for (seed, row, step): the same for any
// thread count, batch size or rank.
inline size_t SeededChoice(uint64_t seed, const RowId& id, uint64_t step, size_t n) {
  if (n <= 1) return 0;
  std::string key = std::to_string(seed) + "/" + id.ToString() + "/" + std::to_string(step);
  return static_cast<size_t>(Hash64(key) % n);
}

inline std::string_view TrimView(std::string_view s) {
  while (!s.empty() &&
         (s.front() == ' ' || s.front() == '\n' || s.front() == '\t' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\n' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// The first balanced JSON object or array in `text` that parses (Markdown
// code fences and prose around it are skipped). nullopt when none.
inline std::optional<Value> ExtractJson(std::string_view text) {
  for (size_t start = 0; start < text.size(); ++start) {
    char open = text[start];
    if (open != '{' && open != '[') continue;
    char close = open == '{' ? '}' : ']';
    int depth = 0;
    bool in_string = false, escaped = false;
    for (size_t i = start; i < text.size(); ++i) {
      char c = text[i];
      if (in_string) {
        if (escaped) {
          escaped = false;
        } else if (c == '\\') {
          escaped = true;
        } else if (c == '"') {
          in_string = false;
        }
        continue;
      }
      if (c == '"') {
        in_string = true;
      } else if (c == '{' || c == '[') {
        ++depth;
      } else if (c == '}' || c == ']') {
        if (--depth == 0) {
          if (c != close) break;
          auto v = Value::Parse(text.substr(start, i - start + 1));
          if (v.ok()) return std::move(v).value();
          break;
        }
      }
    }
  }
  return std::nullopt;
}

// Removes a leading label the model may add ("Rewritten prompt:", "#New
// Prompt#:", "**Improved response**:") and surrounding quotes.
inline std::string StripLabel(std::string_view text, const std::vector<std::string>& labels) {
  std::string_view s = TrimView(text);
  bool changed = true;
  while (changed) {
    changed = false;
    for (const auto& label : labels) {
      // Case-insensitive prefix match, ignoring leading '#', '*' and spaces.
      std::string_view t = s;
      while (!t.empty() && (t.front() == '#' || t.front() == '*' || t.front() == ' ')) {
        t.remove_prefix(1);
      }
      if (t.size() < label.size()) continue;
      bool match = true;
      for (size_t i = 0; i < label.size() && match; ++i) {
        char a = t[i], b = label[i];
        if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
        if (b >= 'A' && b <= 'Z') b = static_cast<char>(b - 'A' + 'a');
        match = a == b;
      }
      if (!match) continue;
      t.remove_prefix(label.size());
      while (!t.empty() && (t.front() == '#' || t.front() == '*' || t.front() == ' ')) {
        t.remove_prefix(1);
      }
      // Only a label when followed by ':' or a line break ("Prompt design is..." stays).
      if (t.empty() || (t.front() != ':' && t.front() != '\n')) continue;
      while (!t.empty() &&
             (t.front() == ':' || t.front() == '*' || t.front() == ' ' || t.front() == '\n')) {
        t.remove_prefix(1);
      }
      s = TrimView(t);
      changed = true;
    }
  }
  if (s.size() >= 2 && ((s.front() == '"' && s.back() == '"'))) s = s.substr(1, s.size() - 2);
  return std::string(TrimView(s));
}

// Words in `s` (runs of non-space characters).
inline size_t CountWords(std::string_view s) {
  size_t n = 0;
  bool in = false;
  for (char c : s) {
    bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
    if (!space && !in) ++n;
    in = !space;
  }
  return n;
}

}  // namespace winnow::tasks
