// JSON Schema subset validator (see structured_schema.h).
#include "structured_schema.h"

#include <cmath>
#include <set>

#include "winnow/text.h"

namespace winnow::tasks {
namespace {

std::string TypeOf(const Value& v) {
  switch (v.type()) {
    case ValueType::kNull:
      return "null";
    case ValueType::kBool:
      return "boolean";
    case ValueType::kInt:
      return "integer";
    case ValueType::kDouble:
      return "number";
    case ValueType::kString:
      return "string";
    case ValueType::kArray:
      return "array";
    case ValueType::kObject:
      return "object";
  }
  return "null";
}

bool IsInteger(const Value& v) {
  if (v.is_int()) return true;
  return v.is_double() && std::isfinite(v.as_double()) &&
         v.as_double() == std::floor(v.as_double());
}

bool HasType(const Value& v, const std::string& type) {
  if (type == "integer") return IsInteger(v);
  if (type == "number") return v.is_number();
  return TypeOf(v) == type;
}

bool NumEq(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) return a.as_number() == b.as_number();
  return a == b;
}

bool JsonEq(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) return NumEq(a, b);
  if (a.type() != b.type()) return false;
  if (a.is_array()) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (!JsonEq(a.as_array()[i], b.as_array()[i])) return false;
    }
    return true;
  }
  if (a.is_object()) {
    if (a.size() != b.size()) return false;
    for (const auto& [k, v] : a.as_object()) {
      const Value* o = b.find(k);
      if (o == nullptr || !JsonEq(v, *o)) return false;
    }
    return true;
  }
  return a == b;
}

std::string Short(const Value& v) {
  return Abbreviate(v.ToJson(), 80);
}

std::string PathKey(const std::string& path, const std::string& key) {
  bool simple = !key.empty();
  for (char c : key) {
    simple = simple && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '_');
  }
  if (simple) return path + "." + key;
  std::string quoted;
  AppendJsonString(quoted, key);
  return path + "[" + quoted + "]";
}

}  // namespace

Result<SchemaValidator> SchemaValidator::Compile(const Value& schema) {
  SchemaValidator v;
  v.root_ = std::make_shared<const Value>(schema);
  Status st = v.Prepare(*v.root_, "$");
  if (!st.ok()) return st;
  return v;
}

Status SchemaValidator::Prepare(const Value& s, const std::string& where) {
  if (s.is_bool()) return Status::Ok();
  if (!s.is_object()) {
    return Status::InvalidArgument("JSON schema at " + where + " must be an object or a boolean");
  }
  if (const Value* p = s.find("pattern")) {
    if (!p->is_string()) return Status::InvalidArgument(where + ".pattern must be a string");
    try {
      patterns_[p->as_string()] =
          std::make_shared<const std::regex>(p->as_string(), std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      return Status::InvalidArgument(where + ".pattern '" + p->as_string() +
                                     "' is not a valid regular expression: " + e.what());
    }
  }
  if (const Value* t = s.find("type")) {
    static const std::set<std::string> kTypes = {"null",   "boolean", "integer", "number",
                                                 "string", "array",   "object"};
    auto check = [&](const Value& x) { return x.is_string() && kTypes.count(x.as_string()) > 0; };
    bool ok = check(*t);
    if (t->is_array()) {
      ok = true;
      for (const Value& x : t->as_array()) ok = ok && check(x);
    }
    if (!ok) return Status::InvalidArgument(where + ".type names an unknown type: " + Short(*t));
  }
  if (const Value* r = s.find("$ref")) {
    if (!r->is_string()) return Status::InvalidArgument(where + ".$ref must be a string");
    const std::string& ref = r->as_string();
    const Value* target = nullptr;
    for (const char* prefix : {"#/$defs/", "#/definitions/"}) {
      if (ref.rfind(prefix, 0) == 0) {
        const Value* defs =
            root_->find(std::string(prefix).substr(2, std::string(prefix).size() - 3));
        if (defs != nullptr) target = defs->find(ref.substr(std::string(prefix).size()));
      }
    }
    if (ref == "#") target = root_.get();
    if (target == nullptr) {
      return Status::InvalidArgument(where + ".$ref '" + ref +
                                     "' does not resolve (only local #/$defs/NAME references)");
    }
  }
  for (const char* key : {"properties", "$defs", "definitions"}) {
    if (const Value* props = s.find(key)) {
      if (!props->is_object())
        return Status::InvalidArgument(where + "." + key + " must be an object");
      for (const auto& [k, sub] : props->as_object()) {
        WINNOW_RETURN_IF_ERROR(Prepare(sub, where + "." + key + "." + k));
      }
    }
  }
  for (const char* key : {"items", "additionalProperties", "not"}) {
    if (const Value* sub = s.find(key)) WINNOW_RETURN_IF_ERROR(Prepare(*sub, where + "." + key));
  }
  for (const char* key : {"allOf", "anyOf", "oneOf", "prefixItems"}) {
    if (const Value* list = s.find(key)) {
      if (!list->is_array()) return Status::InvalidArgument(where + "." + key + " must be a list");
      for (size_t i = 0; i < list->size(); ++i) {
        WINNOW_RETURN_IF_ERROR(
            Prepare(list->as_array()[i], where + "." + key + "." + std::to_string(i)));
      }
    }
  }
  if (const Value* req = s.find("required")) {
    bool ok = req->is_array();
    if (ok) {
      for (const Value& x : req->as_array()) ok = ok && x.is_string();
    }
    if (!ok) return Status::InvalidArgument(where + ".required must be a list of names");
  }
  if (const Value* e = s.find("enum"); e != nullptr && !e->is_array()) {
    return Status::InvalidArgument(where + ".enum must be a list");
  }
  for (const char* key : {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
                          "multipleOf", "minLength", "maxLength", "minItems", "maxItems"}) {
    if (const Value* n = s.find(key); n != nullptr && !n->is_number()) {
      return Status::InvalidArgument(where + "." + key + " must be a number");
    }
  }
  return Status::Ok();
}

std::string SchemaValidator::Validate(const Value& value) const {
  return Check(*root_, value, "$", 0);
}

std::string SchemaValidator::Check(const Value& s, const Value& v, const std::string& path,
                                   int depth) const {
  if (depth > 64) return path + ": the schema nests too deeply (recursive $ref?)";
  if (s.is_bool()) return s.as_bool() ? "" : path + ": no value is allowed here";
  if (!s.is_object()) return "";

  if (const Value* r = s.find("$ref")) {
    const std::string& ref = r->as_string();
    const Value* target = ref == "#" ? root_.get() : nullptr;
    for (const char* prefix : {"#/$defs/", "#/definitions/"}) {
      std::string p(prefix);
      if (ref.rfind(p, 0) == 0) {
        const Value* defs = root_->find(p.substr(2, p.size() - 3));
        if (defs != nullptr) target = defs->find(ref.substr(p.size()));
      }
    }
    if (target != nullptr) {
      std::string e = Check(*target, v, path, depth + 1);
      if (!e.empty()) return e;
    }
  }

  if (const Value* t = s.find("type")) {
    bool ok = false;
    std::string names;
    if (t->is_string()) {
      ok = HasType(v, t->as_string());
      names = t->as_string();
    } else {
      for (const Value& x : t->as_array()) {
        ok = ok || HasType(v, x.as_string());
        names += (names.empty() ? "" : " or ") + x.as_string();
      }
    }
    if (!ok) return path + ": expected " + names + ", found " + TypeOf(v);
  }
  if (const Value* e = s.find("enum")) {
    bool found = false;
    for (const Value& x : e->as_array()) found = found || JsonEq(x, v);
    if (!found) return path + ": " + Short(v) + " is not one of " + Short(*e);
  }
  if (const Value* c = s.find("const"); c != nullptr && !JsonEq(*c, v)) {
    return path + ": expected " + Short(*c) + ", found " + Short(v);
  }

  if (v.is_number()) {
    double x = v.as_number();
    if (const Value* m = s.find("minimum"); m != nullptr && x < m->as_number()) {
      return path + ": " + Short(v) + " is below the minimum " + Short(*m);
    }
    if (const Value* m = s.find("maximum"); m != nullptr && x > m->as_number()) {
      return path + ": " + Short(v) + " is above the maximum " + Short(*m);
    }
    if (const Value* m = s.find("exclusiveMinimum"); m != nullptr && x <= m->as_number()) {
      return path + ": " + Short(v) + " must be greater than " + Short(*m);
    }
    if (const Value* m = s.find("exclusiveMaximum"); m != nullptr && x >= m->as_number()) {
      return path + ": " + Short(v) + " must be less than " + Short(*m);
    }
    if (const Value* m = s.find("multipleOf"); m != nullptr && m->as_number() > 0) {
      double q = x / m->as_number();
      if (std::fabs(q - std::round(q)) > 1e-9) {
        return path + ": " + Short(v) + " is not a multiple of " + Short(*m);
      }
    }
  }
  if (v.is_string()) {
    size_t len = CountCodePoints(v.as_string());
    if (const Value* m = s.find("minLength"); m != nullptr && len < m->as_number()) {
      return path + ": the string is shorter than " + Short(*m) + " characters";
    }
    if (const Value* m = s.find("maxLength"); m != nullptr && len > m->as_number()) {
      return path + ": the string is longer than " + Short(*m) + " characters";
    }
    if (const Value* p = s.find("pattern")) {
      auto it = patterns_.find(p->as_string());
      if (it != patterns_.end() && !std::regex_search(v.as_string(), *it->second)) {
        return path + ": " + Short(v) + " does not match the pattern " + p->as_string();
      }
    }
  }
  if (v.is_array()) {
    const Array& a = v.as_array();
    if (const Value* m = s.find("minItems"); m != nullptr && a.size() < m->as_number()) {
      return path + ": expected at least " + Short(*m) + " items, found " +
             std::to_string(a.size());
    }
    if (const Value* m = s.find("maxItems"); m != nullptr && a.size() > m->as_number()) {
      return path + ": expected at most " + Short(*m) + " items, found " + std::to_string(a.size());
    }
    if (const Value* u = s.find("uniqueItems"); u != nullptr && u->is_bool() && u->as_bool()) {
      for (size_t i = 0; i < a.size(); ++i) {
        for (size_t j = i + 1; j < a.size(); ++j) {
          if (JsonEq(a[i], a[j])) {
            return path + ": items " + std::to_string(i) + " and " + std::to_string(j) +
                   " are equal";
          }
        }
      }
    }
    size_t first = 0;
    if (const Value* pre = s.find("prefixItems")) {
      for (size_t i = 0; i < pre->size() && i < a.size(); ++i) {
        std::string e =
            Check(pre->as_array()[i], a[i], path + "[" + std::to_string(i) + "]", depth + 1);
        if (!e.empty()) return e;
      }
      first = pre->size();
    }
    if (const Value* items = s.find("items")) {
      for (size_t i = first; i < a.size(); ++i) {
        std::string e = Check(*items, a[i], path + "[" + std::to_string(i) + "]", depth + 1);
        if (!e.empty()) return e;
      }
    }
  }
  if (v.is_object()) {
    if (const Value* req = s.find("required")) {
      for (const Value& k : req->as_array()) {
        if (v.find(k.as_string()) == nullptr) {
          return path + ": the required member '" + k.as_string() + "' is missing";
        }
      }
    }
    const Value* props = s.find("properties");
    for (const auto& [k, member] : v.as_object()) {
      const Value* sub = props != nullptr ? props->find(k) : nullptr;
      if (sub != nullptr) {
        std::string e = Check(*sub, member, PathKey(path, k), depth + 1);
        if (!e.empty()) return e;
        continue;
      }
      if (const Value* add = s.find("additionalProperties")) {
        if (add->is_bool() && !add->as_bool()) {
          return path + ": the member '" + k + "' is not allowed";
        }
        std::string e = Check(*add, member, PathKey(path, k), depth + 1);
        if (!e.empty()) return e;
      }
    }
  }

  if (const Value* all = s.find("allOf")) {
    for (const Value& sub : all->as_array()) {
      std::string e = Check(sub, v, path, depth + 1);
      if (!e.empty()) return e;
    }
  }
  if (const Value* any = s.find("anyOf")) {
    std::string first_error;
    bool ok = false;
    for (const Value& sub : any->as_array()) {
      std::string e = Check(sub, v, path, depth + 1);
      if (e.empty()) {
        ok = true;
        break;
      }
      if (first_error.empty()) first_error = e;
    }
    if (!ok) return path + ": matches none of the anyOf alternatives (first: " + first_error + ")";
  }
  if (const Value* one = s.find("oneOf")) {
    int matches = 0;
    for (const Value& sub : one->as_array()) {
      if (Check(sub, v, path, depth + 1).empty()) ++matches;
    }
    if (matches != 1) {
      return path + ": matches " + std::to_string(matches) +
             " of the oneOf alternatives instead of exactly one";
    }
  }
  if (const Value* no = s.find("not"); no != nullptr && Check(*no, v, path, depth + 1).empty()) {
    return path + ": matches a schema it must not match";
  }
  return "";
}

}  // namespace winnow::tasks
