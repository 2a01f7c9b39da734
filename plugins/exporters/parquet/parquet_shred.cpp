#include "parquet_shred.h"

#include <simdjson.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "parquet_codec.h"
#include "parquet_encoding.h"
#include "winnow/hash.h"
#include "winnow/text.h"

namespace winnow::pqw {

namespace {

// JSON value kinds as the shredder sees them (kBigUint: an integer above INT64_MAX).
enum class JKind { kNull, kBool, kInt, kBigUint, kDouble, kString, kArray, kObject };

std::string_view JKindName(JKind k) {
  switch (k) {
    case JKind::kNull:
      return "null";
    case JKind::kBool:
      return "bool";
    case JKind::kInt:
      return "integer";
    case JKind::kBigUint:
      return "integer above 2^63";
    case JKind::kDouble:
      return "double";
    case JKind::kString:
      return "string";
    case JKind::kArray:
      return "array";
    case JKind::kObject:
      return "object";
  }
  return "?";
}

// Adaptor over winnow::Value.
struct ValueAdaptor {
  using Node = const Value*;
  static constexpr bool kUtf8Checked = false;  // Values may hold any bytes
  static JKind Type(Node n) {
    switch (n->type()) {
      case ValueType::kNull:
        return JKind::kNull;
      case ValueType::kBool:
        return JKind::kBool;
      case ValueType::kInt:
        return JKind::kInt;
      case ValueType::kDouble:
        return JKind::kDouble;
      case ValueType::kString:
        return JKind::kString;
      case ValueType::kArray:
        return JKind::kArray;
      case ValueType::kObject:
        return JKind::kObject;
    }
    return JKind::kNull;
  }
  static bool Bool(Node n) { return n->as_bool(); }
  static int64_t Int(Node n) { return n->as_int(); }
  static uint64_t BigUint(Node n) { return static_cast<uint64_t>(n->as_int()); }
  static double Dbl(Node n) { return n->as_number(); }
  static std::string_view Str(Node n) { return n->as_string(); }
  static void Json(Node n, std::string* out) { n->AppendJson(*out); }
  static size_t Size(Node n) { return n->as_array().size(); }
  template <class F>
  static bool Elements(Node n, F&& f) {
    for (const auto& e : n->as_array()) {
      if (!f(&e)) return false;
    }
    return true;
  }
  template <class F>
  static bool Members(Node n, F&& f) {
    for (const auto& [k, v] : n->as_object()) {
      if (!f(std::string_view(k), &v)) return false;
    }
    return true;
  }
};

// Adaptor over a simdjson DOM element (no copies of strings).
struct DomAdaptor {
  using Node = simdjson::dom::element;
  static constexpr bool kUtf8Checked = true;  // simdjson validated the whole document
  static JKind Type(const Node& n) {
    switch (n.type()) {
      case simdjson::dom::element_type::NULL_VALUE:
        return JKind::kNull;
      case simdjson::dom::element_type::BOOL:
        return JKind::kBool;
      case simdjson::dom::element_type::INT64:
        return JKind::kInt;
      case simdjson::dom::element_type::UINT64:
        return JKind::kBigUint;
      case simdjson::dom::element_type::DOUBLE:
        return JKind::kDouble;
      case simdjson::dom::element_type::STRING:
        return JKind::kString;
      case simdjson::dom::element_type::ARRAY:
        return JKind::kArray;
      case simdjson::dom::element_type::OBJECT:
        return JKind::kObject;
    }
    return JKind::kNull;
  }
  static bool Bool(const Node& n) { return n.get_bool().value_unsafe(); }
  static int64_t Int(const Node& n) { return n.get_int64().value_unsafe(); }
  static uint64_t BigUint(const Node& n) { return n.get_uint64().value_unsafe(); }
  static double Dbl(const Node& n) {
    switch (n.type()) {
      case simdjson::dom::element_type::INT64:
        return static_cast<double>(n.get_int64().value_unsafe());
      case simdjson::dom::element_type::UINT64:
        return static_cast<double>(n.get_uint64().value_unsafe());
      default:
        return n.get_double().value_unsafe();
    }
  }
  static std::string_view Str(const Node& n) { return n.get_string().value_unsafe(); }
  static void Json(const Node& n, std::string* out) { out->append(simdjson::minify(n)); }
  static size_t Size(const Node& n) {
    simdjson::dom::array arr(n.get_array().value_unsafe());
    return arr.size();
  }
  template <class F>
  static bool Elements(const Node& n, F&& f) {
    simdjson::dom::array arr(n.get_array().value_unsafe());
    for (simdjson::dom::element e : arr) {
      if (!f(e)) return false;
    }
    return true;
  }
  template <class F>
  static bool Members(const Node& n, F&& f) {
    simdjson::dom::object obj(n.get_object().value_unsafe());
    for (simdjson::dom::key_value_pair kv : obj) {
      if (!f(kv.key, kv.value)) return false;
    }
    return true;
  }
};

// ---------------------------------------------------------------------------
// Inference.

template <class A>
Field Infer(const typename A::Node& n) {
  Field f;
  switch (A::Type(n)) {
    case JKind::kNull:
      f.kind = Kind::kNull;
      break;
    case JKind::kBool:
      f.kind = Kind::kBool;
      break;
    case JKind::kInt:
      f.kind = Kind::kInt64;
      break;
    case JKind::kBigUint:
      f.kind = Kind::kDouble;
      break;
    case JKind::kDouble:
      f.kind = Kind::kDouble;
      break;
    case JKind::kString:
      f.kind = Kind::kString;
      break;
    case JKind::kArray: {
      f.kind = Kind::kList;
      f.children.push_back(Field::Make("element", Kind::kNull));
      A::Elements(n, [&](const typename A::Node& e) {
        Field copy = f.children[0];
        if (Unify(copy, Infer<A>(e))) f.children[0] = std::move(copy);
        return true;
      });
      break;
    }
    case JKind::kObject: {
      f.kind = Kind::kStruct;
      A::Members(n, [&](std::string_view k, const typename A::Node& v) {
        Field m = Infer<A>(v);
        m.name = std::string(k);
        Field s;
        s.kind = Kind::kStruct;
        s.children.push_back(std::move(m));
        Field copy = f;
        if (Unify(copy, s)) f = std::move(copy);
        return true;
      });
      break;
    }
  }
  return f;
}

simdjson::dom::parser& ThreadParser() {
  thread_local simdjson::dom::parser parser;
  return parser;
}

// Calls f(node) with the record as an adaptor node; returns false (with
// *error set) when the record cannot be read.
template <class F>
bool WithRecord(const Record& rec, std::string* error, F&& f) {
  if (!rec.raw().empty() && !rec.edited()) {
    auto doc = ThreadParser().parse(rec.raw().data(), rec.raw().size(), false);
    if (doc.error()) {
      *error = std::string("the record is not valid JSON: ") + simdjson::error_message(doc.error());
      return false;
    }
    simdjson::dom::element e = doc.value_unsafe();
    if (e.type() != simdjson::dom::element_type::OBJECT) {
      *error = "the record is not a JSON object";
      return false;
    }
    f(DomAdaptor{}, e);
    return true;
  }
  auto v = rec.ToValue();
  if (!v.ok()) {
    *error = v.status().message();
    return false;
  }
  const Value* p = &v.value();
  f(ValueAdaptor{}, p);
  return true;
}

// ---------------------------------------------------------------------------
// Shredding.

struct ColumnData {
  std::vector<uint8_t> rep, def;
  std::string values;  // PLAIN (BOOLEAN: one byte per value until packed)
  uint32_t num_values = 0;
};

struct Mark {
  size_t rep, def, values;
  uint32_t num_values;
};

template <class A>
class Shredder {
 public:
  using Node = typename A::Node;
  Shredder(const WriterSchema& schema, std::vector<ColumnData>* cols, bool ignore_unknown)
      : schema_(schema), cols_(*cols), ignore_unknown_(ignore_unknown) {}

  std::string reason, detail;

  // Shreds one row (an object); on failure every column is rolled back.
  bool Row(const Node& row) {
    marks_.resize(cols_.size());
    for (size_t i = 0; i < cols_.size(); ++i) {
      const ColumnData& c = cols_[i];
      marks_[i] = Mark{c.rep.size(), c.def.size(), c.values.size(), c.num_values};
    }
    if (Struct(schema_.root(), row, 0, 0)) return true;
    for (size_t i = 0; i < cols_.size(); ++i) {
      ColumnData& c = cols_[i];
      c.rep.resize(marks_[i].rep);
      c.def.resize(marks_[i].def);
      c.values.resize(marks_[i].values);
      c.num_values = marks_[i].num_values;
    }
    return false;
  }

 private:
  void Nulls(const Field& f, int r, int d) {
    for (int i = f.first_leaf; i < f.first_leaf + f.num_leaves; ++i) {
      cols_[static_cast<size_t>(i)].rep.push_back(static_cast<uint8_t>(r));
      cols_[static_cast<size_t>(i)].def.push_back(static_cast<uint8_t>(d));
    }
  }

  bool Fail(std::string why, std::string what) {
    reason = std::move(why);
    detail = std::move(what);
    return false;
  }

  bool Conflict(const Field& f, JKind found) {
    std::string want =
        IsScalar(f.kind) ? std::string(KindName(f.kind)) + " column" : TypeString(f) + " column";
    return Fail("parquet:type_conflict", "Field '" + f.path + "' is a " + want +
                                             " in the file's schema, but this row has a " +
                                             std::string(JKindName(found)) + ".");
  }

  // Members of an object (the row itself when f is the root): one pass in
  // document order; members the object lacks are null.
  bool Struct(const Field& f, const Node& obj, int r, int d) {
    const auto& kids = f.children;
    uint64_t seen_small = 0;
    std::vector<bool> seen_big;
    if (kids.size() > 64) seen_big.assign(kids.size(), false);
    size_t hint = 0;
    bool ok = A::Members(obj, [&](std::string_view key, const Node& v) {
      size_t k = kids.size();
      if (hint < kids.size() && kids[hint].name == key) {
        k = hint;
      } else {
        for (size_t j = 0; j < kids.size(); ++j) {
          if (kids[j].name == key) {
            k = j;
            break;
          }
        }
      }
      if (k == kids.size()) {
        if (ignore_unknown_) return true;
        std::string where = f.path.empty() ? std::string(key) : f.path + "." + std::string(key);
        return Fail("parquet:unknown_field",
                    "Field '" + where +
                        "' is not in the file's schema (declare it in `schema:`, or set "
                        "`unknown_fields: drop` to write such rows without it).");
      }
      hint = k + 1;
      bool dup;
      if (seen_big.empty()) {
        dup = (seen_small >> k) & 1;
        seen_small |= uint64_t{1} << k;
      } else {
        dup = seen_big[k];
        seen_big[k] = true;
      }
      if (dup) {
        return Fail("parquet:duplicate_key",
                    "Field '" + kids[k].path + "' appears twice in the same object.");
      }
      return Put(kids[k], v, r, d);
    });
    if (!ok) return false;
    for (size_t j = 0; j < kids.size(); ++j) {
      bool was = seen_big.empty() ? ((seen_small >> j) & 1) != 0 : static_cast<bool>(seen_big[j]);
      if (!was) Nulls(kids[j], r, d);
    }
    return true;
  }

  bool Put(const Field& f, const Node& n, int r, int d) {
    JKind t = A::Type(n);
    if (t == JKind::kNull) {
      Nulls(f, r, d);
      return true;
    }
    if (f.kind == Kind::kJson) {
      // Any value, as its compact JSON text.
      ColumnData& c = cols_[static_cast<size_t>(f.first_leaf)];
      size_t at = c.values.size();
      c.values.append(4, '\0');
      A::Json(n, &c.values);
      uint32_t len = static_cast<uint32_t>(c.values.size() - at - 4);
      std::memcpy(c.values.data() + at, &len, 4);
      c.rep.push_back(static_cast<uint8_t>(r));
      c.def.push_back(static_cast<uint8_t>(f.def));
      ++c.num_values;
      return true;
    }
    if (f.kind == Kind::kList) {
      if (t != JKind::kArray) return Conflict(f, t);
      if (A::Size(n) == 0) {
        Nulls(f, r, f.def);
        return true;
      }
      bool first = true;
      const Field& e = f.children[0];
      return A::Elements(n, [&](const Node& x) {
        int rr = first ? r : f.rep + 1;
        first = false;
        return Put(e, x, rr, f.def + 1);
      });
    }
    if (f.kind == Kind::kStruct) {
      if (t != JKind::kObject) return Conflict(f, t);
      return Struct(f, n, r, f.def);
    }
    ColumnData& c = cols_[static_cast<size_t>(f.first_leaf)];
    switch (f.kind) {
      case Kind::kBool:
        if (t != JKind::kBool) return Conflict(f, t);
        c.values.push_back(A::Bool(n) ? 1 : 0);
        break;
      case Kind::kInt32: {
        if (t == JKind::kBigUint) return OutOfRange(f, "an integer above 2^63");
        if (t != JKind::kInt) return Conflict(f, t);
        int64_t v = A::Int(n);
        if (v < INT32_MIN || v > INT32_MAX) return OutOfRange(f, std::to_string(v));
        int32_t x = static_cast<int32_t>(v);
        c.values.append(reinterpret_cast<const char*>(&x), 4);
        break;
      }
      case Kind::kInt64: {
        if (t == JKind::kBigUint) {
          return OutOfRange(f, std::to_string(A::BigUint(n)));
        }
        if (t != JKind::kInt) return Conflict(f, t);
        int64_t x = A::Int(n);
        c.values.append(reinterpret_cast<const char*>(&x), 8);
        break;
      }
      case Kind::kFloat: {
        if (t != JKind::kInt && t != JKind::kDouble && t != JKind::kBigUint) return Conflict(f, t);
        float x = static_cast<float>(A::Dbl(n));
        c.values.append(reinterpret_cast<const char*>(&x), 4);
        break;
      }
      case Kind::kDouble: {
        if (t != JKind::kInt && t != JKind::kDouble && t != JKind::kBigUint) return Conflict(f, t);
        double x = A::Dbl(n);
        c.values.append(reinterpret_cast<const char*>(&x), 8);
        break;
      }
      case Kind::kString: {
        if (t != JKind::kString) return Conflict(f, t);
        std::string_view s = A::Str(n);
        if (!A::kUtf8Checked && !IsValidUtf8(s)) {
          return Fail("parquet:invalid_utf8",
                      "Field '" + f.path + "' holds a string that is not valid UTF-8.");
        }
        if (s.size() > (uint64_t{1} << 30)) {
          return OutOfRange(f, "a string of " + std::to_string(s.size()) + " bytes");
        }
        uint32_t len = static_cast<uint32_t>(s.size());
        c.values.append(reinterpret_cast<const char*>(&len), 4);
        c.values.append(s);
        break;
      }
      default:
        return Conflict(f, t);
    }
    c.rep.push_back(static_cast<uint8_t>(r));
    c.def.push_back(static_cast<uint8_t>(f.def));
    ++c.num_values;
    return true;
  }

  bool OutOfRange(const Field& f, const std::string& value) {
    return Fail("parquet:out_of_range", "Field '" + f.path + "' is a " +
                                            std::string(KindName(f.kind)) +
                                            " column, which cannot hold " + value + ".");
  }

  const WriterSchema& schema_;
  std::vector<ColumnData>& cols_;
  bool ignore_unknown_;
  std::vector<Mark> marks_;
};

// ---------------------------------------------------------------------------
// Serialisation helpers.

void PutU32(std::string* out, uint32_t v) {
  out->append(reinterpret_cast<const char*>(&v), 4);
}
void PutU64(std::string* out, uint64_t v) {
  out->append(reinterpret_cast<const char*>(&v), 8);
}
void PutBlob(std::string* out, std::string_view b) {
  PutU64(out, b.size());
  out->append(b);
}

struct Cursor {
  std::string_view s;
  size_t pos = 0;
  bool ok = true;
  uint32_t U32() {
    uint32_t v = 0;
    if (pos + 4 > s.size()) {
      ok = false;
      return 0;
    }
    std::memcpy(&v, s.data() + pos, 4);
    pos += 4;
    return v;
  }
  uint64_t U64() {
    uint64_t v = 0;
    if (pos + 8 > s.size()) {
      ok = false;
      return 0;
    }
    std::memcpy(&v, s.data() + pos, 8);
    pos += 8;
    return v;
  }
  uint8_t U8() {
    if (pos + 1 > s.size()) {
      ok = false;
      return 0;
    }
    return static_cast<uint8_t>(s[pos++]);
  }
  std::string_view Blob() { return Take(U64()); }
  std::string_view Take(uint64_t n) {
    if (!ok || n > s.size() - pos) {
      ok = false;
      return {};
    }
    std::string_view b = s.substr(pos, n);
    pos += n;
    return b;
  }
};

void EncodeLevels(const std::vector<uint8_t>& levels, int max_level, std::vector<uint32_t>* tmp,
                  std::string* out) {
  tmp->assign(levels.begin(), levels.end());
  size_t at = out->size();
  PutU32(out, 0);
  parquet::EncodeRleBitPacked(tmp->data(), tmp->size(), parquet::BitWidth(max_level), out);
  uint32_t len = static_cast<uint32_t>(out->size() - at - 4);
  std::memcpy(out->data() + at, &len, 4);
}

// Statistics form of a PLAIN value: strings lose their length prefix.
std::string_view StatBytes(Kind kind, std::string_view plain) {
  return IsByteArray(kind) ? plain.substr(4) : plain;
}

bool IsNaN(Kind kind, std::string_view v) {
  if (kind == Kind::kDouble) {
    double d;
    std::memcpy(&d, v.data(), 8);
    return std::isnan(d);
  }
  if (kind == Kind::kFloat) {
    float f;
    std::memcpy(&f, v.data(), 4);
    return std::isnan(f);
  }
  return false;
}

}  // namespace

bool StatLess(Kind kind, std::string_view a, std::string_view b) {
  switch (kind) {
    case Kind::kBool:
      return a[0] < b[0];
    case Kind::kInt32: {
      int32_t x, y;
      std::memcpy(&x, a.data(), 4);
      std::memcpy(&y, b.data(), 4);
      return x < y;
    }
    case Kind::kInt64: {
      int64_t x, y;
      std::memcpy(&x, a.data(), 8);
      std::memcpy(&y, b.data(), 8);
      return x < y;
    }
    case Kind::kFloat: {
      float x, y;
      std::memcpy(&x, a.data(), 4);
      std::memcpy(&y, b.data(), 4);
      return x < y;
    }
    case Kind::kDouble: {
      double x, y;
      std::memcpy(&x, a.data(), 8);
      std::memcpy(&y, b.data(), 8);
      return x < y;
    }
    default:
      return a < b;  // unsigned bytewise, as Parquet orders UTF-8
  }
}

std::string_view PageView::DictEntry(uint32_t i) const {
  uint32_t a, b;
  std::memcpy(&a, dict_offsets.data() + 4 * static_cast<size_t>(i), 4);
  std::memcpy(&b, dict_offsets.data() + 4 * (static_cast<size_t>(i) + 1), 4);
  return dict_plain.substr(a, b - a);
}
uint64_t PageView::DictHash(uint32_t i) const {
  uint64_t h;
  std::memcpy(&h, dict_hashes.data() + 8 * static_cast<size_t>(i), 8);
  return h;
}
uint32_t PageView::Index(uint32_t i) const {
  uint32_t x;
  std::memcpy(&x, indices.data() + 4 * static_cast<size_t>(i), 4);
  return x;
}

std::vector<Field> InferFields(const Batch& batch) {
  Field acc;
  acc.kind = Kind::kStruct;
  std::string error;
  for (size_t i = 0; i < batch.rows.size(); ++i) {
    if (batch.IsMarked(i)) continue;
    WithRecord(batch.rows[i], &error, [&](auto adaptor, const auto& node) {
      using A = decltype(adaptor);
      Field row = Infer<A>(node);
      Field copy = acc;
      if (Unify(copy, row)) acc = std::move(copy);
    });
  }
  return std::move(acc.children);
}

namespace {

// A batch-local dictionary: distinct PLAIN values in first-seen order, each
// hashed once (Hash64, reused by the file writer's merge).
class LocalDict {
 public:
  void Reset(size_t expected) {
    size_t n = 64;
    while (n < expected * 2) n <<= 1;
    slots_.assign(n, 0);
    mask_ = n - 1;
    views_.clear();
    hashes_.clear();
    bytes_ = 0;
  }
  // Index of `plain`, adding it when new.
  uint32_t Add(std::string_view plain) {
    uint64_t h = Hash64(plain);
    size_t s = h & mask_;
    while (true) {
      uint32_t slot = slots_[s];
      if (slot == 0) break;
      if (hashes_[slot - 1] == h && views_[slot - 1] == plain) return slot - 1;
      s = (s + 1) & mask_;
    }
    views_.push_back(plain);
    hashes_.push_back(h);
    bytes_ += plain.size();
    slots_[s] = static_cast<uint32_t>(views_.size());
    if (views_.size() * 2 > slots_.size()) Grow();
    return static_cast<uint32_t>(views_.size() - 1);
  }
  size_t size() const { return views_.size(); }
  uint64_t bytes() const { return bytes_; }
  const std::vector<std::string_view>& views() const { return views_; }
  const std::vector<uint64_t>& hashes() const { return hashes_; }

 private:
  void Grow() {
    slots_.assign(slots_.size() * 2, 0);
    mask_ = slots_.size() - 1;
    for (size_t i = 0; i < views_.size(); ++i) {
      size_t s = hashes_[i] & mask_;
      while (slots_[s] != 0) s = (s + 1) & mask_;
      slots_[s] = static_cast<uint32_t>(i + 1);
    }
  }
  std::vector<uint32_t> slots_;  // 1-based index into views_; 0 = empty
  size_t mask_ = 0;
  std::vector<std::string_view> views_;
  std::vector<uint64_t> hashes_;
  uint64_t bytes_ = 0;
};

// Per-thread scratch reused across batches (fresh memory is slow to touch).
struct Scratch {
  std::vector<ColumnData> cols;
  std::vector<uint32_t> tmp, indices;
  std::string levels, packed, z, page;
  LocalDict dict;
};

}  // namespace

Status EncodeBatch(const WriterSchema& schema, const EncodeOptions& options, Batch& batch,
                   std::string* out, int64_t* rejected) {
  thread_local Scratch scratch;
  const auto& leaves = schema.leaves();
  std::vector<ColumnData>& cols = scratch.cols;
  cols.resize(leaves.size());
  for (auto& c : cols) {
    c.rep.clear();
    c.def.clear();
    c.values.clear();
    c.num_values = 0;
  }
  Shredder<ValueAdaptor> from_value(schema, &cols, options.ignore_unknown);
  Shredder<DomAdaptor> from_dom(schema, &cols, options.ignore_unknown);
  uint64_t rows = 0;
  *rejected = 0;
  std::string error;
  for (size_t i = 0; i < batch.rows.size(); ++i) {
    if (batch.IsMarked(i)) continue;
    bool fitted = false;
    std::string reason, detail;
    bool read = WithRecord(batch.rows[i], &error, [&](auto adaptor, const auto& node) {
      using A = decltype(adaptor);
      if constexpr (std::is_same_v<A, DomAdaptor>) {
        fitted = from_dom.Row(node);
        if (!fitted) reason = from_dom.reason, detail = from_dom.detail;
      } else {
        fitted = from_value.Row(node);
        if (!fitted) reason = from_value.reason, detail = from_value.detail;
      }
    });
    if (!read) {
      batch.Fail(i, "parquet:malformed", error);
      ++*rejected;
    } else if (!fitted) {
      batch.Fail(i, reason, detail);
      ++*rejected;
    } else {
      ++rows;
    }
  }

  size_t estimate = 64;
  for (const auto& c : cols) estimate += 2 * c.values.size() + c.def.size() + 64;
  out->reserve(out->size() + estimate);
  out->append("PQW1");
  PutU64(out, rows);
  PutU32(out, static_cast<uint32_t>(cols.size()));
  std::vector<uint32_t>& tmp = scratch.tmp;
  std::string& levels = scratch.levels;
  std::string& packed = scratch.packed;
  std::string& z = scratch.z;
  LocalDict& local = scratch.dict;
  std::vector<uint32_t>& indices = scratch.indices;
  for (size_t ci = 0; ci < cols.size(); ++ci) {
    ColumnData& c = cols[ci];
    const Leaf& leaf = leaves[ci];
    levels.clear();
    if (leaf.max_rep > 0) EncodeLevels(c.rep, leaf.max_rep, &tmp, &levels);
    EncodeLevels(c.def, leaf.max_def, &tmp, &levels);
    std::string_view values = c.values;
    if (leaf.kind == Kind::kBool) {
      packed.assign((c.values.size() + 7) / 8, '\0');
      for (size_t i = 0; i < c.values.size(); ++i) {
        if (c.values[i]) packed[i / 8] = static_cast<char>(packed[i / 8] | (1 << (i % 8)));
      }
      values = packed;
    }

    // Walk the PLAIN values once: dictionary and statistics.
    const size_t width = leaf.kind == Kind::kInt32 || leaf.kind == Kind::kFloat ? 4
                         : IsByteArray(leaf.kind)                               ? 0
                                                                                : 8;
    bool want_dict = options.dictionary && leaf.kind != Kind::kBool && c.num_values > 0;
    const bool want_stats = leaf.max_rep == 0;
    std::string_view mn, mx;
    bool has_minmax = false;
    if (want_dict) {
      local.Reset(std::min<size_t>(c.num_values, 4096));
      indices.clear();
    }
    if (leaf.kind != Kind::kBool && (want_dict || (want_stats && c.num_values > 0))) {
      auto visit = [&](std::string_view plain) {
        if (want_dict) {
          indices.push_back(local.Add(plain));
          // Past the chunk limit the page can never be dictionary-encoded.
          if (local.bytes() > options.dictionary_max_bytes) want_dict = false;
        }
        if (want_stats) {
          std::string_view s = StatBytes(leaf.kind, plain);
          if (IsNaN(leaf.kind, s)) return;
          if (!has_minmax) {
            mn = mx = s;
            has_minmax = true;
          } else {
            if (StatLess(leaf.kind, s, mn)) mn = s;
            if (StatLess(leaf.kind, mx, s)) mx = s;
          }
        }
      };
      if (width > 0) {
        for (size_t p = 0; p + width <= c.values.size(); p += width) {
          visit(std::string_view(c.values).substr(p, width));
          if (!want_dict && !want_stats) break;
        }
      } else {
        size_t p = 0;
        while (p + 4 <= c.values.size()) {
          uint32_t len;
          std::memcpy(&len, c.values.data() + p, 4);
          visit(std::string_view(c.values).substr(p, 4 + static_cast<size_t>(len)));
          p += 4 + len;
          if (!want_dict && !want_stats) break;
        }
      }
    } else if (want_stats && leaf.kind == Kind::kBool && c.num_values > 0) {
      // Booleans: min/max from the unpacked bytes.
      for (size_t i = 0; i < c.values.size(); ++i) {
        std::string_view s = std::string_view(c.values).substr(i, 1);
        if (!has_minmax) {
          mn = mx = s;
          has_minmax = true;
        } else {
          if (StatLess(leaf.kind, s, mn)) mn = s;
          if (StatLess(leaf.kind, mx, s)) mx = s;
        }
      }
    }

    uint8_t flags = 0;
    const bool dict_poor = !want_dict || local.size() * 2 > c.num_values;
    // Pages that will most likely be written PLAIN are compressed here, in
    // parallel; their uncompressed values then need not travel to Write.
    const bool compress = options.codec != parquet::Codec::kUncompressed && dict_poor;
    if (want_dict) flags |= 1;
    if (compress) flags |= 2;
    if (want_stats) flags |= 4;
    if (want_stats && has_minmax) flags |= 8;
    if (compress) {
      std::string& page = scratch.page;
      page.assign(levels);
      page.append(values);
      z.clear();
      WINNOW_RETURN_IF_ERROR(parquet::Compress(options.codec, page, &z, options.level));
    }
    PutU32(out, static_cast<uint32_t>(c.def.size()));
    PutU32(out, c.num_values);
    out->push_back(static_cast<char>(flags));
    PutU64(out, levels.size());
    PutU64(out, values.size());
    out->append(levels);
    if (!compress) out->append(values);
    if (want_dict) {
      PutU32(out, static_cast<uint32_t>(local.size()));
      PutU64(out, local.bytes());
      for (std::string_view v : local.views()) out->append(v);
      PutU64(out, 4 * (local.size() + 1));
      uint32_t off = 0;
      PutU32(out, 0);
      for (std::string_view v : local.views()) {
        off += static_cast<uint32_t>(v.size());
        PutU32(out, off);
      }
      PutU64(out, 8 * local.size());
      out->append(reinterpret_cast<const char*>(local.hashes().data()), 8 * local.size());
      PutU64(out, 4 * indices.size());
      out->append(reinterpret_cast<const char*>(indices.data()), 4 * indices.size());
    }
    if (compress) PutBlob(out, z);
    if (want_stats) {
      PutU64(out, c.def.size() - c.num_values);
      if (has_minmax) {
        // A zero is written as -0.0 for min and +0.0 for max, as the format recommends.
        std::string lo(mn), hi(mx);
        if (leaf.kind == Kind::kDouble || leaf.kind == Kind::kFloat) {
          auto fix = [&](std::string& s, bool negative) {
            if (leaf.kind == Kind::kDouble) {
              double d;
              std::memcpy(&d, s.data(), 8);
              if (d == 0) d = negative ? -0.0 : 0.0;
              std::memcpy(s.data(), &d, 8);
            } else {
              float f;
              std::memcpy(&f, s.data(), 4);
              if (f == 0) f = negative ? -0.0f : 0.0f;
              std::memcpy(s.data(), &f, 4);
            }
          };
          fix(lo, true);
          fix(hi, false);
        }
        PutBlob(out, lo);
        PutBlob(out, hi);
      }
    }
    // Give back memory after an unusually large batch.
    if (c.values.capacity() > (size_t{64} << 20)) std::string().swap(c.values);
  }
  return Status::Ok();
}

Status ParseEncoded(std::string_view bytes, size_t num_columns, BatchView* out) {
  Cursor c{bytes};
  if (bytes.substr(0, 4) != "PQW1") return Status::Internal("encoded Parquet batch: bad magic");
  c.pos = 4;
  out->num_rows = c.U64();
  uint32_t n = c.U32();
  if (!c.ok || n != num_columns) {
    return Status::Internal("encoded Parquet batch: column count does not match the schema");
  }
  out->columns.assign(n, PageView{});
  for (uint32_t i = 0; i < n; ++i) {
    PageView& p = out->columns[i];
    p.num_levels = c.U32();
    p.num_values = c.U32();
    uint8_t flags = c.U8();
    uint64_t levels_size = c.U64();
    p.values_size = c.U64();
    if (flags & 2) {
      p.levels = c.Take(levels_size);
    } else {
      p.page = c.Take(levels_size + p.values_size);
      p.levels = p.page.substr(0, std::min<uint64_t>(levels_size, p.page.size()));
      p.values = p.page.substr(p.levels.size());
    }
    if (flags & 1) {
      p.has_dict = true;
      p.dict_count = c.U32();
      p.dict_plain = c.Blob();
      p.dict_offsets = c.Blob();
      p.dict_hashes = c.Blob();
      p.indices = c.Blob();
    }
    if (flags & 2) {
      p.has_compressed = true;
      p.compressed = c.Blob();
    }
    if (flags & 4) {
      p.has_stats = true;
      p.null_count = static_cast<int64_t>(c.U64());
      if (flags & 8) {
        p.has_minmax = true;
        p.min = c.Blob();
        p.max = c.Blob();
      }
    }
  }
  if (!c.ok || c.pos != bytes.size()) {
    return Status::Internal("encoded Parquet batch: truncated or trailing bytes");
  }
  return Status::Ok();
}

}  // namespace winnow::pqw
