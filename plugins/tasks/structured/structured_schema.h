// structured_schema.h — a JSON Schema validator for model output (a subset of
// draft 2020-12: type, enum, const, properties, required,
// additionalProperties, items, prefixItems, minItems, maxItems, uniqueItems,
// minLength, maxLength, pattern, minimum, maximum, exclusiveMinimum,
// exclusiveMaximum, multipleOf, allOf, anyOf, oneOf, not, and local $ref to
// #/$defs/... or #/definitions/...). Annotation keywords (title,
// description, format, default, examples) are ignored. Immutable after
// Compile; thread-safe.
#pragma once

#include <map>
#include <memory>
#include <regex>
#include <string>

#include "winnow/status.h"
#include "winnow/value.h"

namespace winnow::tasks {

class SchemaValidator {
 public:
  // InvalidArgument for a schema that is not an object/bool, a bad pattern, a
  // $ref that does not resolve, or a keyword with the wrong type.
  static Result<SchemaValidator> Compile(const Value& schema);

  // "" when `value` matches; else the first problem, e.g.
  // "$.items[2].price: expected number, found string".
  std::string Validate(const Value& value) const;

 private:
  std::string Check(const Value& schema, const Value& v, const std::string& path, int depth) const;
  Status Prepare(const Value& schema, const std::string& where);
  std::shared_ptr<const Value> root_;
  std::map<std::string, std::shared_ptr<const std::regex>> patterns_;
};

}  // namespace winnow::tasks
