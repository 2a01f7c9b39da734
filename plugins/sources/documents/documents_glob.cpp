#include "documents_glob.h"

#include <cstddef>

namespace winnow::documents {

namespace {

// Finds the first top-level "{...}" group; returns false when there is none.
bool FindBraceGroup(std::string_view p, size_t* open, size_t* close) {
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] == '\\') {
      ++i;
      continue;
    }
    if (p[i] != '{') continue;
    int depth = 0;
    for (size_t j = i; j < p.size(); ++j) {
      if (p[j] == '\\') {
        ++j;
        continue;
      }
      if (p[j] == '{') ++depth;
      if (p[j] == '}' && --depth == 0) {
        *open = i;
        *close = j;
        return true;
      }
    }
    return false;  // unbalanced: literal
  }
  return false;
}

// Splits "a,b{c,d},e" at top-level commas.
std::vector<std::string_view> SplitAlternatives(std::string_view s) {
  std::vector<std::string_view> out;
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
      continue;
    }
    if (s[i] == '{') ++depth;
    if (s[i] == '}') --depth;
    if (s[i] == ',' && depth == 0) {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  out.push_back(s.substr(start));
  return out;
}

std::vector<std::string> SplitComponents(std::string_view p) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= p.size()) {
    size_t slash = p.find('/', start);
    if (slash == std::string_view::npos) slash = p.size();
    std::string_view part = p.substr(start, slash - start);
    if (!part.empty() && part != ".") out.emplace_back(part);
    start = slash + 1;
  }
  return out;
}

// Matches a character class starting at p[i] == '['; sets *next past ']'.
// Returns false with *next == npos when the class is not closed (then '[' is literal).
bool MatchClass(std::string_view p, size_t i, char c, size_t* next) {
  size_t j = i + 1;
  bool negate = false;
  if (j < p.size() && (p[j] == '!' || p[j] == '^')) {
    negate = true;
    ++j;
  }
  bool matched = false;
  bool first = true;
  for (; j < p.size(); ++j) {
    if (p[j] == ']' && !first) {
      *next = j + 1;
      return matched != negate;
    }
    first = false;
    char lo = p[j];
    if (lo == '\\' && j + 1 < p.size()) lo = p[++j];
    char hi = lo;
    if (j + 2 < p.size() && p[j + 1] == '-' && p[j + 2] != ']') {
      hi = p[j + 2];
      if (hi == '\\' && j + 3 < p.size()) {
        hi = p[j + 3];
        ++j;
      }
      j += 2;
    }
    auto uc = static_cast<unsigned char>(c);
    if (uc >= static_cast<unsigned char>(lo) && uc <= static_cast<unsigned char>(hi)) {
      matched = true;
    }
  }
  *next = std::string_view::npos;
  return false;
}

// One path component against one pattern component (no '/').
bool MatchComponent(std::string_view p, std::string_view s) {
  size_t pi = 0, si = 0;
  size_t star_p = std::string_view::npos, star_s = 0;
  while (si < s.size()) {
    if (pi < p.size()) {
      char pc = p[pi];
      if (pc == '*') {
        star_p = pi++;
        star_s = si;
        continue;
      }
      if (pc == '?') {
        ++pi;
        ++si;
        continue;
      }
      if (pc == '[') {
        size_t next;
        bool ok = MatchClass(p, pi, s[si], &next);
        if (next != std::string_view::npos) {
          if (ok) {
            pi = next;
            ++si;
            continue;
          }
        } else if (s[si] == '[') {  // unclosed class: literal '['
          ++pi;
          ++si;
          continue;
        }
      } else {
        if (pc == '\\' && pi + 1 < p.size()) pc = p[pi + 1];
        if (pc == s[si]) {
          pi += (p[pi] == '\\' && pi + 1 < p.size()) ? 2 : 1;
          ++si;
          continue;
        }
      }
    }
    if (star_p == std::string_view::npos) return false;
    pi = star_p + 1;
    si = ++star_s;
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

bool MatchComponents(const std::vector<std::string>& pat, size_t pi,
                     const std::vector<std::string_view>& path, size_t si) {
  while (pi < pat.size()) {
    if (pat[pi] == "**") {
      // Collapse consecutive "**".
      while (pi + 1 < pat.size() && pat[pi + 1] == "**") ++pi;
      if (pi + 1 == pat.size()) return true;  // trailing ** matches everything below
      for (size_t k = si; k <= path.size(); ++k) {
        if (MatchComponents(pat, pi + 1, path, k)) return true;
      }
      return false;
    }
    if (si == path.size()) return false;
    if (!MatchComponent(pat[pi], path[si])) return false;
    ++pi;
    ++si;
  }
  return si == path.size();
}

std::vector<std::string_view> SplitPath(std::string_view p) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= p.size()) {
    size_t slash = p.find('/', start);
    if (slash == std::string_view::npos) slash = p.size();
    std::string_view part = p.substr(start, slash - start);
    if (!part.empty() && part != ".") out.push_back(part);
    start = slash + 1;
  }
  return out;
}

}  // namespace

std::vector<std::string> ExpandBraces(std::string_view pattern) {
  size_t open, close;
  if (!FindBraceGroup(pattern, &open, &close)) return {std::string(pattern)};
  std::string_view head = pattern.substr(0, open);
  std::string_view body = pattern.substr(open + 1, close - open - 1);
  std::string_view tail = pattern.substr(close + 1);
  std::vector<std::string> out;
  for (std::string_view alt : SplitAlternatives(body)) {
    std::string joined;
    joined.append(head).append(alt).append(tail);
    for (auto& e : ExpandBraces(joined)) out.push_back(std::move(e));
  }
  return out;
}

GlobSet::GlobSet(const std::vector<std::string>& patterns) {
  for (const auto& p : patterns) {
    for (const auto& e : ExpandBraces(p)) patterns_.push_back(SplitComponents(e));
  }
}

bool GlobSet::Matches(std::string_view path) const {
  auto parts = SplitPath(path);
  for (const auto& p : patterns_) {
    if (MatchComponents(p, 0, parts, 0)) return true;
  }
  return false;
}

bool GlobMatch(std::string_view pattern, std::string_view path) {
  return GlobSet({std::string(pattern)}).Matches(path);
}

}  // namespace winnow::documents
