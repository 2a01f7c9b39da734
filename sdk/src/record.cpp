#include "winnow/record.h"

#include <charconv>
#include <cstring>

#include <simdjson.h>

#include "json_convert.h"

namespace winnow {

namespace od = simdjson::ondemand;

namespace {

od::parser& ThreadParser() {
  thread_local od::parser parser;
  return parser;
}

Status JsonError(simdjson::error_code err) {
  return Status::Corruption(std::string("invalid JSON: ") + simdjson::error_message(err));
}

std::string_view TrimRight(std::string_view s) {
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

// The exact source text of a value (consumes it).
simdjson::simdjson_result<std::string_view> RawValueText(od::value& v) {
  od::json_type t;
  if (auto err = v.type().get(t)) return err;
  if (t == od::json_type::object) {
    od::object o;
    if (auto err = v.get_object().get(o)) return err;
    return o.raw_json();
  }
  if (t == od::json_type::array) {
    od::array a;
    if (auto err = v.get_array().get(a)) return err;
    return a.raw_json();
  }
  std::string_view tok = TrimRight(v.raw_json_token());
  // Validate the scalar so that writing it back cannot emit broken JSON.
  switch (t) {
    case od::json_type::string: {
      std::string_view s;
      if (auto err = v.get_string().get(s)) return err;
      break;
    }
    case od::json_type::number: {
      double d;
      if (auto err = v.get_double().get(d)) {
        uint64_t u;
        if (v.get_uint64().get(u)) return err;
      }
      break;
    }
    case od::json_type::boolean: {
      bool b;
      if (auto err = v.get_bool().get(b)) return err;
      break;
    }
    case od::json_type::null: {
      bool n = false;
      if (auto err = v.is_null().get(n)) return err;
      if (!n) return simdjson::N_ATOM_ERROR;
      break;
    }
    default:
      break;
  }
  return tok;
}

// Raw key text between the quotes, as written in the source.
std::string_view RawKeyText(od::raw_json_string key) {
  const char* start = key.raw();
  const char* p = start;
  while (*p != '"') {
    if (*p == '\\') ++p;
    ++p;
  }
  return std::string_view(start, static_cast<size_t>(p - start));
}

const Value* FindEdit(const Object& edits, std::string_view key) {
  for (const auto& [k, v] : edits) {
    if (k == key) return &v;
  }
  return nullptr;
}

bool IsRemoved(const std::vector<std::string>& removed, std::string_view key) {
  for (const auto& k : removed) {
    if (k == key) return true;
  }
  return false;
}

}  // namespace

std::string RowId::ToString() const {
  return std::to_string(source) + ":" + std::to_string(ordinal);
}

Record::Record(RowId id, std::shared_ptr<const Arena> arena, std::string_view raw, uint64_t line)
    : id_(id), arena_(std::move(arena)), raw_(raw), line_(line) {}

Record::Record(RowId id, Value object) : id_(id) {
  if (!object.is_object()) {
    Value wrapped = Value::MakeObject();
    wrapped.set("value", std::move(object));
    object = std::move(wrapped);
  }
  edits_ = std::move(object.as_object());
}

Record Record::FromJson(RowId id, std::string_view json) {
  auto arena = std::make_shared<Arena>();
  arena->bytes.reserve(json.size() + Arena::kPadding);
  arena->bytes.assign(json);
  arena->bytes.append(Arena::kPadding, ' ');
  std::string_view raw(arena->bytes.data(), json.size());
  return Record(id, std::move(arena), raw, 0);
}

std::string Record::Location() const {
  if (!arena_ || arena_->origin.empty()) return {};
  if (line_ == 0) return arena_->origin;
  return arena_->origin + ":" + std::to_string(line_);
}

namespace {
// Starts an on-demand parse of a record's raw bytes.
simdjson::simdjson_result<od::document> Iterate(std::string_view raw,
                                                const std::shared_ptr<const Arena>& arena) {
  size_t capacity = raw.size() + Arena::kPadding;
  if (arena) {
    const char* end =
        arena->external_end ? arena->external_end : arena->bytes.data() + arena->bytes.size();
    capacity = static_cast<size_t>(end - raw.data());
  }
  return ThreadParser().iterate(raw.data(), raw.size(), capacity);
}
}  // namespace

TextField Record::GetText(std::string_view key, std::string& scratch) const {
  TextField out;
  if (const Value* e = FindEdit(edits_, key)) {
    out.found_type = e->type();
    if (e->is_string()) {
      out.state = FieldState::kPresent;
      out.text = e->as_string();
    } else {
      out.state = e->is_null() ? FieldState::kNull : FieldState::kWrongType;
    }
    return out;
  }
  if (raw_.empty() || IsRemoved(removed_, key)) return out;  // missing
  od::document doc;
  od::object obj;
  od::value v;
  if (Iterate(raw_, arena_).get(doc) || doc.get_object().get(obj)) {
    out.state = FieldState::kMalformed;
    return out;
  }
  auto err = obj.find_field_unordered(key).get(v);
  if (err == simdjson::NO_SUCH_FIELD) return out;
  if (err) {
    out.state = FieldState::kMalformed;
    return out;
  }
  od::json_type t;
  if (v.type().get(t)) {
    out.state = FieldState::kMalformed;
    return out;
  }
  if (t != od::json_type::string) {
    switch (t) {
      case od::json_type::null:
        out.found_type = ValueType::kNull;
        break;
      case od::json_type::boolean:
        out.found_type = ValueType::kBool;
        break;
      case od::json_type::number:
        out.found_type = ValueType::kDouble;
        break;
      case od::json_type::array:
        out.found_type = ValueType::kArray;
        break;
      default:
        out.found_type = ValueType::kObject;
        break;
    }
    out.state = t == od::json_type::null ? FieldState::kNull : FieldState::kWrongType;
    return out;
  }
  out.found_type = ValueType::kString;
  // Without escapes the text is the source bytes between the quotes: no copy.
  std::string_view tok = v.raw_json_token();
  size_t close = tok.rfind('"');
  if (!tok.empty() && tok[0] == '"' && close > 0 && tok.find('\\') == std::string_view::npos) {
    std::string_view text = tok.substr(1, close - 1);
    // Stage 1 validated UTF-8 and string boundaries; control characters are not allowed raw.
    bool clean = true;
    for (unsigned char c : text) clean &= c >= 0x20;
    if (clean) {
      out.state = FieldState::kPresent;
      out.text = text;
      return out;
    }
  }
  std::string_view s;
  if (v.get_string().get(s)) {
    out.state = FieldState::kMalformed;
    return out;
  }
  scratch.assign(s.data(), s.size());
  out.state = FieldState::kPresent;
  out.text = scratch;
  return out;
}

Result<std::optional<Value>> Record::Get(std::string_view key) const {
  if (const Value* e = FindEdit(edits_, key)) return std::optional<Value>(*e);
  if (raw_.empty() || IsRemoved(removed_, key)) return std::optional<Value>();
  od::document doc;
  od::object obj;
  if (auto err = Iterate(raw_, arena_).get(doc)) return JsonError(err);
  if (auto err = doc.get_object().get(obj)) return JsonError(err);
  od::value v;
  auto err = obj.find_field_unordered(key).get(v);
  if (err == simdjson::NO_SUCH_FIELD) return std::optional<Value>();
  if (err) return JsonError(err);
  auto r = detail::FromOnDemand(v);
  if (!r.ok()) return r.status();
  return std::optional<Value>(std::move(r).value());
}

Result<std::optional<Value>> Record::GetPath(std::string_view path) const {
  size_t dot = path.find('.');
  auto top = Get(path.substr(0, dot));
  if (!top.ok() || !top->has_value() || dot == std::string_view::npos) return top;
  Value current = std::move(**top);
  std::string_view rest = path.substr(dot + 1);
  while (true) {
    size_t next = rest.find('.');
    std::string_view part = rest.substr(0, next);
    Value child;
    if (current.is_object()) {
      const Value* f = current.find(part);
      if (!f) return std::optional<Value>();
      child = *f;
    } else if (current.is_array()) {
      size_t index = 0;
      auto [p, ec] = std::from_chars(part.data(), part.data() + part.size(), index);
      if (ec != std::errc() || p != part.data() + part.size() || index >= current.size()) {
        return std::optional<Value>();
      }
      child = current.as_array()[index];
    } else {
      return std::optional<Value>();
    }
    current = std::move(child);
    if (next == std::string_view::npos) break;
    rest = rest.substr(next + 1);
  }
  return std::optional<Value>(std::move(current));
}

bool Record::Has(std::string_view key) const {
  auto r = Get(key);
  return r.ok() && r->has_value();
}

void Record::Set(std::string_view key, Value value) {
  for (auto it = removed_.begin(); it != removed_.end(); ++it) {
    if (*it == key) {
      removed_.erase(it);
      break;
    }
  }
  for (auto& [k, v] : edits_) {
    if (k == key) {
      v = std::move(value);
      return;
    }
  }
  edits_.emplace_back(std::string(key), std::move(value));
}

void Record::Remove(std::string_view key) {
  for (auto it = edits_.begin(); it != edits_.end(); ++it) {
    if (it->first == key) {
      edits_.erase(it);
      break;
    }
  }
  if (!raw_.empty() && !IsRemoved(removed_, key)) removed_.emplace_back(key);
}

Result<std::vector<std::string>> Record::Keys() const {
  std::vector<std::string> keys;
  if (!raw_.empty()) {
    od::document doc;
    od::object obj;
    if (auto err = Iterate(raw_, arena_).get(doc)) return JsonError(err);
    if (auto err = doc.get_object().get(obj)) return JsonError(err);
    for (auto field : obj) {
      std::string_view k;
      if (auto err = field.unescaped_key().get(k)) return JsonError(err);
      if (!IsRemoved(removed_, k) && !FindEdit(edits_, k))
        keys.emplace_back(k);
      else if (FindEdit(edits_, k))
        keys.emplace_back(k);
    }
  }
  for (const auto& [k, v] : edits_) {
    bool seen = false;
    for (const auto& existing : keys) seen = seen || existing == k;
    if (!seen) keys.push_back(k);
  }
  return keys;
}

Result<Value> Record::ToValue() const {
  Object out;
  if (!raw_.empty()) {
    od::document doc;
    od::object obj;
    if (auto err = Iterate(raw_, arena_).get(doc)) return JsonError(err);
    if (auto err = doc.get_object().get(obj)) return JsonError(err);
    for (auto field : obj) {
      std::string_view k;
      if (auto err = field.unescaped_key().get(k)) return JsonError(err);
      std::string key(k);
      if (IsRemoved(removed_, key)) continue;
      if (const Value* e = FindEdit(edits_, key)) {
        out.emplace_back(std::move(key), *e);
        continue;
      }
      od::value v;
      if (auto err = field.value().get(v)) return JsonError(err);
      auto r = detail::FromOnDemand(v);
      if (!r.ok()) return r.status();
      out.emplace_back(std::move(key), std::move(r).value());
    }
  }
  for (const auto& [k, v] : edits_) {
    bool seen = false;
    for (const auto& [ek, ev] : out) seen = seen || ek == k;
    if (!seen) out.emplace_back(k, v);
  }
  return Value(std::move(out));
}

Status Record::AppendJson(std::string& out) const {
  if (!edited()) {
    if (raw_.empty()) {
      out += "{}";
    } else {
      out.append(raw_.data(), raw_.size());
    }
    return Status::Ok();
  }
  size_t start = out.size();
  out.push_back('{');
  bool first = true;
  std::vector<bool> written(edits_.size(), false);
  if (!raw_.empty()) {
    od::document doc;
    od::object obj;
    auto fail = [&](simdjson::error_code err) {
      out.resize(start);
      return JsonError(err);
    };
    if (auto err = Iterate(raw_, arena_).get(doc)) return fail(err);
    if (auto err = doc.get_object().get(obj)) return fail(err);
    for (auto field : obj) {
      od::raw_json_string rk;
      if (auto err = field.key().get(rk)) return fail(err);
      std::string_view raw_key = RawKeyText(rk);
      std::string_view key;
      if (auto err = field.unescaped_key().get(key)) return fail(err);
      if (IsRemoved(removed_, key)) continue;
      size_t edit_index = edits_.size();
      for (size_t i = 0; i < edits_.size(); ++i) {
        if (edits_[i].first == key) edit_index = i;
      }
      if (!first) out.push_back(',');
      first = false;
      out.push_back('"');
      out.append(raw_key);
      out += "\":";
      if (edit_index < edits_.size()) {
        edits_[edit_index].second.AppendJson(out);
        written[edit_index] = true;
        continue;
      }
      od::value v;
      if (auto err = field.value().get(v)) return fail(err);
      std::string_view text;
      if (auto err = RawValueText(v).get(text)) return fail(err);
      out.append(text);
    }
  }
  for (size_t i = 0; i < edits_.size(); ++i) {
    if (written[i]) continue;
    if (!first) out.push_back(',');
    first = false;
    AppendJsonString(out, edits_[i].first);
    out.push_back(':');
    edits_[i].second.AppendJson(out);
  }
  out.push_back('}');
  return Status::Ok();
}

namespace {
// Walks a value completely so that every scalar is checked. Strings are only
// unescaped (to check their escapes) when they contain a backslash.
simdjson::error_code ValidateValue(od::value v, int depth) {
  if (depth > 256) return simdjson::DEPTH_ERROR;
  od::json_type t;
  if (auto err = v.type().get(t)) return err;
  switch (t) {
    case od::json_type::object: {
      od::object o;
      if (auto err = v.get_object().get(o)) return err;
      for (auto field : o) {
        od::raw_json_string k;
        if (auto err = field.key().get(k)) return err;
        od::value child;
        if (auto err = field.value().get(child)) return err;
        if (auto err = ValidateValue(child, depth + 1)) return err;
      }
      return simdjson::SUCCESS;
    }
    case od::json_type::array: {
      od::array a;
      if (auto err = v.get_array().get(a)) return err;
      for (auto element : a) {
        od::value child;
        if (auto err = element.get(child)) return err;
        if (auto err = ValidateValue(child, depth + 1)) return err;
      }
      return simdjson::SUCCESS;
    }
    case od::json_type::string: {
      std::string_view tok = v.raw_json_token();
      if (tok.find('\\') == std::string_view::npos) {
        od::raw_json_string r;
        return v.get_raw_json_string().get(r);
      }
      std::string_view s;
      return v.get_string().get(s);
    }
    default: {
      std::string_view text;
      return RawValueText(v).get(text);
    }
  }
}
}  // namespace

Status Record::ValidateShallow() const {
  if (raw_.empty()) return Status::Ok();
  od::document doc;
  od::object obj;
  if (auto err = Iterate(raw_, arena_).get(doc)) return JsonError(err);
  if (auto err = doc.get_object().get(obj)) {
    if (err == simdjson::INCORRECT_TYPE) {
      return Status::Corruption("the line is valid JSON text but not a JSON object");
    }
    return JsonError(err);
  }
  for (auto field : obj) {
    od::raw_json_string k;
    if (auto err = field.key().get(k)) return JsonError(err);
    od::value v;
    if (auto err = field.value().get(v)) return JsonError(err);
    if (auto err = ValidateValue(v, 1)) return JsonError(err);
  }
  doc.rewind();
  std::string_view whole;
  if (auto err = doc.raw_json().get(whole)) return JsonError(err);
  if (TrimRight(whole).size() != TrimRight(raw_).size() - (whole.data() - raw_.data())) {
    return Status::Corruption("invalid JSON: trailing content after the object");
  }
  return Status::Ok();
}

}  // namespace winnow
