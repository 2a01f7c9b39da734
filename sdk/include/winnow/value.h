// winnow/value.h — a JSON value: null, bool, integer, double, string, array, object.
//
// Objects keep their members in insertion order (JSON output is stable and
// matches the input's order). Lookups on objects are linear, which is faster
// than hashing for the small objects records hold. A Value owns everything it
// contains; copying is deep. Not thread-safe for concurrent mutation; concurrent
// const access is fine.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "winnow/status.h"

namespace winnow {

enum class ValueType { kNull, kBool, kInt, kDouble, kString, kArray, kObject };

std::string_view ValueTypeName(ValueType type);  // "null", "bool", "integer", ...

class Value;
using Array = std::vector<Value>;
using Member = std::pair<std::string, Value>;
using Object = std::vector<Member>;

class Value {
 public:
  Value() = default;  // null
  Value(std::nullptr_t) {}
  Value(bool b) : data_(b) {}
  Value(int i) : data_(static_cast<int64_t>(i)) {}
  Value(int64_t i) : data_(i) {}
  Value(uint64_t u) : data_(static_cast<int64_t>(u)) {}
  Value(double d) : data_(d) {}
  Value(const char* s) : data_(std::string(s)) {}
  Value(std::string s) : data_(std::move(s)) {}
  Value(std::string_view s) : data_(std::string(s)) {}
  Value(Array a) : data_(std::move(a)) {}
  Value(Object o) : data_(std::move(o)) {}

  static Value MakeObject() { return Value(Object{}); }
  static Value MakeArray() { return Value(Array{}); }

  ValueType type() const { return static_cast<ValueType>(data_.index()); }
  bool is_null() const { return type() == ValueType::kNull; }
  bool is_bool() const { return type() == ValueType::kBool; }
  bool is_int() const { return type() == ValueType::kInt; }
  bool is_double() const { return type() == ValueType::kDouble; }
  bool is_number() const { return is_int() || is_double(); }
  bool is_string() const { return type() == ValueType::kString; }
  bool is_array() const { return type() == ValueType::kArray; }
  bool is_object() const { return type() == ValueType::kObject; }

  // Accessors: precondition is the matching type (checked by assert only).
  bool as_bool() const { return std::get<bool>(data_); }
  int64_t as_int() const { return std::get<int64_t>(data_); }
  double as_double() const { return std::get<double>(data_); }
  // Integer or double as double.
  double as_number() const { return is_int() ? static_cast<double>(as_int()) : as_double(); }
  const std::string& as_string() const { return std::get<std::string>(data_); }
  std::string& as_string() { return std::get<std::string>(data_); }
  const Array& as_array() const { return std::get<Array>(data_); }
  Array& as_array() { return std::get<Array>(data_); }
  const Object& as_object() const { return std::get<Object>(data_); }
  Object& as_object() { return std::get<Object>(data_); }

  // Object helpers. find() returns nullptr when absent or when this is not an object.
  const Value* find(std::string_view key) const;
  Value* find(std::string_view key);
  // Sets (replacing an existing member in place, else appending). Turns null into an object.
  Value& set(std::string_view key, Value v);
  bool erase(std::string_view key);
  // Array helper. Turns null into an array.
  Value& push_back(Value v);

  // Number of members/elements; 0 for scalars.
  size_t size() const;

  // Compact JSON (no spaces), appended to `out`. Doubles print in the shortest
  // form that reads back exactly; NaN and infinities print as null.
  void AppendJson(std::string& out) const;
  std::string ToJson() const;

  // Parses one JSON document. Errors name the byte offset.
  static Result<Value> Parse(std::string_view json);

  friend bool operator==(const Value& a, const Value& b);
  friend bool operator!=(const Value& a, const Value& b) { return !(a == b); }

 private:
  std::variant<std::monostate, bool, int64_t, double, std::string, Array, Object> data_;
};

// Appends `s` as a JSON string literal (quotes and escapes) to `out`.
// Invalid UTF-8 is copied through unchanged; callers validate beforehand.
void AppendJsonString(std::string& out, std::string_view s);

// Appends the shortest round-trip representation of `d` (null for NaN/inf).
void AppendJsonDouble(std::string& out, double d);

}  // namespace winnow
