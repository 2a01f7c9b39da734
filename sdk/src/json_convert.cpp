#include "json_convert.h"

#include <string>

namespace winnow::detail {

Value FromDom(simdjson::dom::element e) {
  using simdjson::dom::element_type;
  switch (e.type()) {
    case element_type::ARRAY: {
      Array arr;
      simdjson::dom::array a = e.get_array().value_unsafe();
      for (auto child : a) arr.push_back(FromDom(child));
      return Value(std::move(arr));
    }
    case element_type::OBJECT: {
      Object obj;
      simdjson::dom::object o = e.get_object().value_unsafe();
      for (auto field : o) {
        obj.emplace_back(std::string(field.key), FromDom(field.value));
      }
      return Value(std::move(obj));
    }
    case element_type::INT64: return Value(e.get_int64().value_unsafe());
    case element_type::UINT64: {
      uint64_t u = e.get_uint64().value_unsafe();
      return Value(static_cast<double>(u));
    }
    case element_type::DOUBLE: return Value(e.get_double().value_unsafe());
    case element_type::STRING: return Value(std::string(e.get_string().value_unsafe()));
    case element_type::BOOL: return Value(e.get_bool().value_unsafe());
    case element_type::NULL_VALUE: return Value();
  }
  return Value();
}

namespace {
Status Bad(simdjson::error_code err) {
  return Status::Corruption(std::string("invalid JSON: ") + simdjson::error_message(err));
}
}  // namespace

Result<Value> FromOnDemand(simdjson::ondemand::value v) {
  using simdjson::ondemand::json_type;
  json_type t;
  if (auto err = v.type().get(t)) return Bad(err);
  switch (t) {
    case json_type::array: {
      simdjson::ondemand::array arr;
      if (auto err = v.get_array().get(arr)) return Bad(err);
      Array out;
      for (auto child : arr) {
        simdjson::ondemand::value cv;
        if (auto err = child.get(cv)) return Bad(err);
        auto r = FromOnDemand(cv);
        if (!r.ok()) return r.status();
        out.push_back(std::move(r).value());
      }
      return Value(std::move(out));
    }
    case json_type::object: {
      simdjson::ondemand::object obj;
      if (auto err = v.get_object().get(obj)) return Bad(err);
      Object out;
      for (auto field : obj) {
        std::string_view key;
        if (auto err = field.unescaped_key().get(key)) return Bad(err);
        std::string k(key);
        simdjson::ondemand::value fv;
        if (auto err = field.value().get(fv)) return Bad(err);
        auto r = FromOnDemand(fv);
        if (!r.ok()) return r.status();
        out.emplace_back(std::move(k), std::move(r).value());
      }
      return Value(std::move(out));
    }
    case json_type::number: {
      simdjson::ondemand::number_type nt;
      if (auto err = v.get_number_type().get(nt)) return Bad(err);
      if (nt == simdjson::ondemand::number_type::signed_integer) {
        int64_t i;
        if (auto err = v.get_int64().get(i)) return Bad(err);
        return Value(i);
      }
      double d;
      if (auto err = v.get_double().get(d)) return Bad(err);
      return Value(d);
    }
    case json_type::string: {
      std::string_view s;
      if (auto err = v.get_string().get(s)) return Bad(err);
      return Value(std::string(s));
    }
    case json_type::boolean: {
      bool b;
      if (auto err = v.get_bool().get(b)) return Bad(err);
      return Value(b);
    }
    case json_type::null: {
      bool is_null = false;
      if (auto err = v.is_null().get(is_null)) return Bad(err);
      if (!is_null) return Bad(simdjson::N_ATOM_ERROR);
      return Value();
    }
  }
  return Value();
}

}  // namespace winnow::detail
