// csv_glob.h — glob patterns over relative paths (a copy of documents/documents_glob.h;
// both plugin folders stay self-contained).
//
// Syntax: `*` any run of characters inside one path component, `?` one
// character, `[abc]`/`[a-z]`/`[!abc]` a character class, `{a,b}` alternatives
// (expanded before matching, may nest), `**` as a whole component any number
// (zero or more) of directories, `\x` a literal x. Paths and patterns use '/'.
// Matching is case-sensitive and byte-wise (UTF-8 names match byte for byte).
// Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace winnow::csv {

// "{a,b}c" -> {"ac", "bc"}; a pattern without braces -> itself. Unbalanced
// braces are taken literally.
std::vector<std::string> ExpandBraces(std::string_view pattern);

// True when the relative `path` matches `pattern` (after brace expansion).
bool GlobMatch(std::string_view pattern, std::string_view path);

// A set of patterns compiled once (brace-expanded and split into components).
class GlobSet {
 public:
  GlobSet() = default;
  explicit GlobSet(const std::vector<std::string>& patterns);
  bool empty() const { return patterns_.empty(); }
  // True when any pattern matches.
  bool Matches(std::string_view path) const;

 private:
  std::vector<std::vector<std::string>> patterns_;  // components
};

}  // namespace winnow::csv
