// documents_front_matter.h — Markdown YAML front matter: split it off, turn it into JSON.
//
// Front matter is a block at the very start of a file (after an optional UTF-8
// BOM) that opens with a line "---" and closes with a line "---" or "..."
// (trailing spaces allowed, LF or CRLF). The body is everything after the
// closing line, byte for byte. YAML scalars follow the YAML 1.2 core schema:
// plain null/~/empty -> null, true/false (any case of the first letter or all
// caps) -> bool, decimal/0x/0o integers -> integer, decimals -> double, anything
// else (and every quoted scalar, and .inf/.nan) -> string. Dates stay strings.
// Pure functions, thread-safe (yaml-cpp keeps no global state).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "winnow/value.h"

namespace winnow::documents {

struct FrontMatter {
  bool present = false;    // the text starts with a front matter block
  bool closed = false;     // ... and the block is closed
  std::string_view yaml;   // the YAML between the delimiter lines
  std::string_view body;   // the text after the block (the whole text when absent)
  uint64_t yaml_line = 2;  // 1-based line of the file where `yaml` starts
};

// Splits `text` (already without BOM).
FrontMatter SplitFrontMatter(std::string_view text);

struct YamlError {
  std::string message;
  int line = -1;    // 0-based within the YAML text, -1 when unknown
  int column = -1;  // 0-based
};

// Parses `yaml` into `out`. An empty document gives an empty object. Fails when
// the YAML is malformed, is not a mapping, nests deeper than 200 levels or
// expands (through aliases) to more than 1,000,000 nodes.
bool ParseYamlObject(std::string_view yaml, Value* out, YamlError* error);

// The value of one plain (unquoted) YAML scalar under the core schema.
Value ResolvePlainScalar(const std::string& s);

}  // namespace winnow::documents
