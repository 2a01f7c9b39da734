// winnow/template.h — `{{field}}` prompt templates filled from a record.
//
// Syntax: text with placeholders `{{ path }}` or `{{ path | json }}`.
//   path   a top-level field ("instruction") or a nested one: dots separate
//          object keys and array indexes ("meta.source", "messages.0.content").
//   value  strings are inserted as they are; numbers and booleans as JSON text;
//          arrays and objects as compact JSON. `| json` inserts the JSON form
//          of any value (strings quoted and escaped).
// A missing or null field is an error naming the field and the row (a prompt
// with a hole in it is worse than a reject). `{{` with no matching `}}`, an
// empty path or an unknown filter are errors of Parse() naming the offset.
// Write a literal "{{" as `{{ "{{" }}`.
//
// Parse once (in Init/Open), Render per row; Template is immutable after
// Parse and safe to share between threads.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "winnow/record.h"
#include "winnow/status.h"
#include "winnow/value.h"

namespace winnow {

class Template {
 public:
  // InvalidArgument with the offset of the problem.
  static Result<Template> Parse(std::string_view text);

  // Looks a path up; nullopt when missing.
  using Lookup = std::function<Result<std::optional<Value>>(std::string_view path)>;

  // Renders against a record. Errors: InvalidArgument "the template needs field
  // 'x', which row 0:12 does not have" (or "... which is null"), or
  // Corruption when the record's bytes are malformed.
  Result<std::string> Render(const Record& record) const;
  // Renders against an object of variables (paths resolve inside it).
  Result<std::string> Render(const Value& variables) const;
  // Renders with a custom lookup; `where` names the row for messages.
  Result<std::string> Render(const Lookup& lookup, std::string_view where) const;

  // The distinct paths the template refers to, in first-use order.
  std::vector<std::string> fields() const;
  const std::string& text() const { return text_; }

 private:
  struct Part {
    std::string literal;  // text before the placeholder
    std::string path;     // "" for the trailing literal / a quoted literal placeholder
    bool json = false;
    bool is_literal = false;  // {{ "..." }}
  };
  std::string text_;
  std::vector<Part> parts_;
};

// Parses and renders in one go (convenience for one-off use).
Result<std::string> RenderTemplate(std::string_view text, const Record& record);

// Follows `path` ("a.b.0") inside `root`; nullptr when any step is missing.
const Value* FindPath(const Value& root, std::string_view path);

// How a value is inserted into text: strings raw, everything else compact JSON.
std::string ValueToText(const Value& value);

}  // namespace winnow
