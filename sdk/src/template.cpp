// `{{field}}` templates (see winnow/template.h).
#include "winnow/template.h"

#include <charconv>

namespace winnow {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() &&
         (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

bool ValidPath(std::string_view path) {
  if (path.empty() || path.front() == '.' || path.back() == '.') return false;
  if (path.find("..") != std::string_view::npos) return false;
  for (char c : path) {
    if (c == '{' || c == '}' || c == '|' || c == '"' || c == ' ' || c == '\t' || c == '\n') {
      return false;
    }
  }
  return true;
}

Status MissingField(const std::string& path, std::string_view where, bool is_null) {
  std::string row = where.empty() ? std::string("the row") : std::string(where);
  if (is_null) {
    return Status::InvalidArgument("the template needs field '" + path + "', which is null in " +
                                   row);
  }
  return Status::InvalidArgument("the template needs field '" + path + "', which " + row +
                                 " does not have");
}

}  // namespace

const Value* FindPath(const Value& root, std::string_view path) {
  const Value* current = &root;
  while (true) {
    size_t dot = path.find('.');
    std::string_view part = path.substr(0, dot);
    if (current->is_object()) {
      current = current->find(part);
      if (current == nullptr) return nullptr;
    } else if (current->is_array()) {
      size_t index = 0;
      auto [p, ec] = std::from_chars(part.data(), part.data() + part.size(), index);
      if (ec != std::errc() || p != part.data() + part.size() || index >= current->size()) {
        return nullptr;
      }
      current = &current->as_array()[index];
    } else {
      return nullptr;
    }
    if (dot == std::string_view::npos) return current;
    path = path.substr(dot + 1);
  }
}

std::string ValueToText(const Value& value) {
  if (value.is_string()) return value.as_string();
  return value.ToJson();
}

Result<Template> Template::Parse(std::string_view text) {
  Template t;
  t.text_ = std::string(text);
  size_t pos = 0;
  std::string literal;
  while (pos < text.size()) {
    size_t open = text.find("{{", pos);
    if (open == std::string_view::npos) {
      literal.append(text.substr(pos));
      break;
    }
    literal.append(text.substr(pos, open - pos));
    size_t close = text.find("}}", open + 2);
    // A quoted literal may itself contain "}}": scan past the closing quote.
    std::string_view inner_start = Trim(text.substr(open + 2));
    if (!inner_start.empty() && inner_start.front() == '"') {
      size_t q = text.find('"', open + 2);
      size_t endq = text.find('"', q + 1);
      if (endq != std::string_view::npos) close = text.find("}}", endq + 1);
    }
    if (close == std::string_view::npos) {
      return Status::InvalidArgument("template: '{{' at offset " + std::to_string(open) +
                                     " has no closing '}}'");
    }
    std::string_view inner = Trim(text.substr(open + 2, close - open - 2));
    Part part;
    part.literal = std::move(literal);
    literal.clear();
    if (!inner.empty() && inner.front() == '"') {
      if (inner.size() < 2 || inner.back() != '"') {
        return Status::InvalidArgument("template: unterminated quoted text at offset " +
                                       std::to_string(open));
      }
      part.is_literal = true;
      part.path = std::string(inner.substr(1, inner.size() - 2));
    } else {
      std::string_view path = inner;
      size_t bar = inner.find('|');
      if (bar != std::string_view::npos) {
        path = Trim(inner.substr(0, bar));
        std::string_view filter = Trim(inner.substr(bar + 1));
        if (filter != "json") {
          return Status::InvalidArgument("template: unknown filter '" + std::string(filter) +
                                         "' at offset " + std::to_string(open) +
                                         " (the only filter is 'json')");
        }
        part.json = true;
      }
      if (!ValidPath(path)) {
        return Status::InvalidArgument(
            "template: '{{" + std::string(inner) + "}}' at offset " + std::to_string(open) +
            " is not a field path (expected a name such as 'instruction' or 'meta.tags.0')");
      }
      part.path = std::string(path);
    }
    t.parts_.push_back(std::move(part));
    pos = close + 2;
  }
  if (!literal.empty() || t.parts_.empty()) {
    Part tail;
    tail.literal = std::move(literal);
    tail.is_literal = true;  // no placeholder
    t.parts_.push_back(std::move(tail));
  }
  return t;
}

Result<std::string> Template::Render(const Lookup& lookup, std::string_view where) const {
  std::string out;
  for (const Part& p : parts_) {
    out += p.literal;
    if (p.is_literal) {
      out += p.path;
      continue;
    }
    auto v = lookup(p.path);
    if (!v.ok()) return v.status();
    if (!v->has_value() || (*v)->is_null()) return MissingField(p.path, where, v->has_value());
    if (p.json) {
      (*v)->AppendJson(out);
    } else {
      out += ValueToText(**v);
    }
  }
  return out;
}

Result<std::string> Template::Render(const Record& record) const {
  std::string where = "row " + record.id().ToString();
  std::string scratch;
  std::string out;
  for (const Part& p : parts_) {
    out += p.literal;
    if (p.is_literal) {
      out += p.path;
      continue;
    }
    // Fast path: a top-level string field, read without building a Value.
    if (!p.json && p.path.find('.') == std::string::npos) {
      TextField f = record.GetText(p.path, scratch);
      if (f.state == FieldState::kPresent) {
        out += f.text;
        continue;
      }
      if (f.state == FieldState::kMissing || f.state == FieldState::kNull) {
        return MissingField(p.path, where, f.state == FieldState::kNull);
      }
      if (f.state == FieldState::kMalformed) {
        return Status::Corruption("row " + record.id().ToString() +
                                  " is not valid JSON where field '" + p.path + "' is");
      }
    }
    auto v = record.GetPath(p.path);
    if (!v.ok()) return v.status();
    if (!v->has_value() || (*v)->is_null()) return MissingField(p.path, where, v->has_value());
    if (p.json) {
      (*v)->AppendJson(out);
    } else {
      out += ValueToText(**v);
    }
  }
  return out;
}

Result<std::string> Template::Render(const Value& variables) const {
  return Render(
      [&variables](std::string_view path) -> Result<std::optional<Value>> {
        const Value* v = FindPath(variables, path);
        if (v == nullptr) return std::optional<Value>();
        return std::optional<Value>(*v);
      },
      "");
}

std::vector<std::string> Template::fields() const {
  std::vector<std::string> out;
  for (const Part& p : parts_) {
    if (p.is_literal) continue;
    bool seen = false;
    for (const auto& f : out) seen = seen || f == p.path;
    if (!seen) out.push_back(p.path);
  }
  return out;
}

Result<std::string> RenderTemplate(std::string_view text, const Record& record) {
  auto t = Template::Parse(text);
  if (!t.ok()) return t.status();
  return t->Render(record);
}

}  // namespace winnow
