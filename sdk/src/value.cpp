#include "winnow/value.h"

#include <charconv>
#include <cmath>
#include <cstdio>

#include <simdjson.h>

#include "json_convert.h"

namespace winnow {

std::string_view ValueTypeName(ValueType type) {
  switch (type) {
    case ValueType::kNull: return "null";
    case ValueType::kBool: return "boolean";
    case ValueType::kInt: return "integer";
    case ValueType::kDouble: return "number";
    case ValueType::kString: return "string";
    case ValueType::kArray: return "array";
    case ValueType::kObject: return "object";
  }
  return "unknown";
}

const Value* Value::find(std::string_view key) const {
  if (!is_object()) return nullptr;
  for (const auto& [k, v] : as_object()) {
    if (k == key) return &v;
  }
  return nullptr;
}

Value* Value::find(std::string_view key) {
  return const_cast<Value*>(static_cast<const Value*>(this)->find(key));
}

Value& Value::set(std::string_view key, Value v) {
  if (is_null()) data_ = Object{};
  auto& obj = as_object();
  for (auto& [k, existing] : obj) {
    if (k == key) {
      existing = std::move(v);
      return existing;
    }
  }
  obj.emplace_back(std::string(key), std::move(v));
  return obj.back().second;
}

bool Value::erase(std::string_view key) {
  if (!is_object()) return false;
  auto& obj = as_object();
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (it->first == key) {
      obj.erase(it);
      return true;
    }
  }
  return false;
}

Value& Value::push_back(Value v) {
  if (is_null()) data_ = Array{};
  auto& arr = as_array();
  arr.push_back(std::move(v));
  return arr.back();
}

size_t Value::size() const {
  if (is_array()) return as_array().size();
  if (is_object()) return as_object().size();
  return 0;
}

void AppendJsonString(std::string& out, std::string_view s) {
  static const char* kHex = "0123456789abcdef";
  out.push_back('"');
  size_t run_start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run_start, i - run_start);
    run_start = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        out += "\\u00";
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 15]);
    }
  }
  out.append(s.data() + run_start, s.size() - run_start);
  out.push_back('"');
}

void AppendJsonDouble(std::string& out, double d) {
  if (!std::isfinite(d)) {
    out += "null";
    return;
  }
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), d);
  std::string_view text(buf, static_cast<size_t>(end - buf));
  out += text;
  // Keep doubles recognisable as such when they hold an integral value.
  if (text.find_first_of(".eEn") == std::string_view::npos) out += ".0";
}

void Value::AppendJson(std::string& out) const {
  switch (type()) {
    case ValueType::kNull: out += "null"; break;
    case ValueType::kBool: out += as_bool() ? "true" : "false"; break;
    case ValueType::kInt: {
      char buf[24];
      auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), as_int());
      out.append(buf, static_cast<size_t>(end - buf));
      break;
    }
    case ValueType::kDouble: AppendJsonDouble(out, as_double()); break;
    case ValueType::kString: AppendJsonString(out, as_string()); break;
    case ValueType::kArray: {
      out.push_back('[');
      bool first = true;
      for (const auto& v : as_array()) {
        if (!first) out.push_back(',');
        first = false;
        v.AppendJson(out);
      }
      out.push_back(']');
      break;
    }
    case ValueType::kObject: {
      out.push_back('{');
      bool first = true;
      for (const auto& [k, v] : as_object()) {
        if (!first) out.push_back(',');
        first = false;
        AppendJsonString(out, k);
        out.push_back(':');
        v.AppendJson(out);
      }
      out.push_back('}');
      break;
    }
  }
}

std::string Value::ToJson() const {
  std::string out;
  AppendJson(out);
  return out;
}

bool operator==(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number() && a.type() != b.type()) {
    return a.as_number() == b.as_number();
  }
  return a.data_ == b.data_;
}

Result<Value> Value::Parse(std::string_view json) {
  thread_local simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::element root;
  auto err = parser.parse(padded).get(root);
  if (err) {
    return Status::Corruption(std::string("invalid JSON: ") + simdjson::error_message(err));
  }
  return detail::FromDom(root);
}

}  // namespace winnow
