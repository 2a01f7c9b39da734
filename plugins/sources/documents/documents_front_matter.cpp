#include "documents_front_matter.h"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cstring>

namespace winnow::documents {

namespace {

// The line at text[pos...] without its terminator; *next = start of the next line.
std::string_view LineAt(std::string_view text, size_t pos, size_t* next) {
  size_t nl = text.find('\n', pos);
  size_t end = nl == std::string_view::npos ? text.size() : nl;
  *next = nl == std::string_view::npos ? text.size() : nl + 1;
  std::string_view line = text.substr(pos, end - pos);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

std::string_view TrimRight(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool ParseInt(std::string_view s, int base, bool negative, Value* out) {
  uint64_t u;
  auto r = std::from_chars(s.data(), s.data() + s.size(), u, base);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size() || s.empty()) return false;
  if (negative) {
    if (u > uint64_t{1} << 63) return false;
    *out = Value(static_cast<int64_t>(0 - u));
  } else {
    if (u > static_cast<uint64_t>(INT64_MAX)) return false;
    *out = Value(static_cast<int64_t>(u));
  }
  return true;
}

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

// [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
bool LooksLikeFloat(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  size_t digits = 0;
  while (i < s.size() && IsDigit(s[i])) ++i, ++digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && IsDigit(s[i])) ++i, ++digits;
  }
  if (digits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    size_t e = 0;
    while (i < s.size() && IsDigit(s[i])) ++i, ++e;
    if (e == 0) return false;
  }
  return i == s.size();
}

struct Converter {
  size_t nodes = 0;
  std::string error;

  static constexpr size_t kMaxNodes = 1000000;
  static constexpr int kMaxDepth = 200;

  bool Convert(const YAML::Node& node, int depth, Value* out) {
    if (++nodes > kMaxNodes) {
      error = "the front matter expands to more than 1,000,000 values (through aliases?)";
      return false;
    }
    if (depth > kMaxDepth) {
      error = "the front matter nests deeper than 200 levels";
      return false;
    }
    switch (node.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        *out = Value();
        return true;
      case YAML::NodeType::Scalar: {
        const std::string& tag = node.Tag();
        if (tag == "!" || tag == "tag:yaml.org,2002:str") {
          *out = Value(node.Scalar());
        } else {
          *out = ResolvePlainScalar(node.Scalar());
        }
        return true;
      }
      case YAML::NodeType::Sequence: {
        Array arr;
        arr.reserve(node.size());
        for (const auto& child : node) {
          Value v;
          if (!Convert(child, depth + 1, &v)) return false;
          arr.push_back(std::move(v));
        }
        *out = Value(std::move(arr));
        return true;
      }
      case YAML::NodeType::Map: {
        Value obj = Value::MakeObject();
        for (const auto& kv : node) {
          std::string key;
          if (kv.first.IsScalar()) {
            key = kv.first.Scalar();
          } else if (kv.first.IsNull()) {
            key = "null";
          } else {
            YAML::Emitter e;
            e << YAML::Flow << kv.first;
            key = e.c_str();
          }
          Value v;
          if (!Convert(kv.second, depth + 1, &v)) return false;
          obj.set(key, std::move(v));
        }
        *out = std::move(obj);
        return true;
      }
    }
    *out = Value();
    return true;
  }
};

}  // namespace

FrontMatter SplitFrontMatter(std::string_view text) {
  FrontMatter fm;
  fm.body = text;
  size_t next;
  std::string_view first = LineAt(text, 0, &next);
  if (TrimRight(first) != "---" || next == 0) return fm;
  if (next > text.size() || (next == text.size() && text.back() != '\n')) {
    // "---" alone with no line break: not front matter.
    return fm;
  }
  fm.present = true;
  size_t yaml_begin = next;
  size_t pos = next;
  while (pos < text.size()) {
    size_t after;
    std::string_view line = TrimRight(LineAt(text, pos, &after));
    if (line == "---" || line == "...") {
      fm.closed = true;
      fm.yaml = text.substr(yaml_begin, pos - yaml_begin);
      fm.body = text.substr(after);
      return fm;
    }
    pos = after;
  }
  fm.yaml = text.substr(yaml_begin);
  fm.body = std::string_view();
  return fm;
}

Value ResolvePlainScalar(const std::string& s) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return Value();
  if (s == "true" || s == "True" || s == "TRUE") return Value(true);
  if (s == "false" || s == "False" || s == "FALSE") return Value(false);
  std::string_view v = s;
  bool negative = false;
  std::string_view digits = v;
  if (!digits.empty() && (digits[0] == '+' || digits[0] == '-')) {
    negative = digits[0] == '-';
    digits.remove_prefix(1);
  }
  Value out;
  if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'o')) {
    if (v[0] != '+' && v[0] != '-' &&
        ParseInt(digits.substr(2), digits[1] == 'x' ? 16 : 8, false, &out)) {
      return out;
    }
    return Value(s);
  }
  if (!digits.empty() && digits.find_first_not_of("0123456789") == std::string_view::npos) {
    if (ParseInt(digits, 10, negative, &out)) return out;
  }
  if (LooksLikeFloat(v)) {
    double d;
    const char* b = v.data() + (v[0] == '+' ? 1 : 0);
    auto r = std::from_chars(b, v.data() + v.size(), d);
    if (r.ec == std::errc() && r.ptr == v.data() + v.size()) return Value(d);
  }
  return Value(s);
}

bool ParseYamlObject(std::string_view yaml, Value* out, YamlError* error) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    error->message = e.msg.empty() ? e.what() : e.msg;
    error->line = e.mark.is_null() ? -1 : e.mark.line;
    error->column = e.mark.is_null() ? -1 : e.mark.column;
    return false;
  } catch (const std::exception& e) {
    error->message = e.what();
    return false;
  }
  if (!root || root.IsNull()) {
    *out = Value::MakeObject();
    return true;
  }
  if (!root.IsMap()) {
    error->message = std::string("the front matter is a YAML ") +
                     (root.IsSequence() ? "list" : "scalar") + ", not a mapping of keys to values";
    return false;
  }
  Converter c;
  try {
    if (!c.Convert(root, 0, out)) {
      error->message = c.error;
      return false;
    }
  } catch (const std::exception& e) {
    error->message = e.what();
    return false;
  }
  return true;
}

}  // namespace winnow::documents
