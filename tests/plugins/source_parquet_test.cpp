// Tests for source/parquet: the reader's pieces (Thrift, encodings, codecs,
// formatting), conformance against every file in ../shared/data/parquet that
// has expected values, refusal of corrupt/malformed/encrypted/truncated input,
// and the plugin as a black box (projection, limit, sharding, row ids).
#include <simdjson.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include "harness/plugin_harness.h"
#include "parquet_codec.h"
#include "parquet_column.h"
#include "parquet_encoding.h"
#include "parquet_file.h"
#include "parquet_meta.h"
#include "parquet_simple_writer.h"
#include "parquet_thrift.h"

namespace fs = std::filesystem;
using namespace winnow;
using namespace winnow::parquet;
using winnow::testing::PluginHarness;
using winnow::testing::TempDir;

namespace {

// Reads every row of a file as JSON text lines (empty on error; *error set).
std::vector<std::string> ReadAllRows(const std::string& path, std::string* error,
                                     const RowReaderOptions& options = {},
                                     std::vector<RowIssue>* issues_out = nullptr) {
  std::vector<std::string> rows;
  auto r = RowReader::Open(path, options);
  if (!r.ok()) {
    *error = r.status().ToString();
    return rows;
  }
  for (size_t g = 0; g < (*r)->num_row_groups(); ++g) {
    Status st = (*r)->StartRowGroup(g);
    if (!st.ok()) {
      *error = st.ToString();
      return {};
    }
    while ((*r)->rows_left() > 0) {
      std::string out;
      std::vector<size_t> ends;
      std::vector<RowIssue> issues;
      auto n = (*r)->ReadRows(333, &out, &ends, &issues);
      if (!n.ok()) {
        *error = n.status().ToString();
        return {};
      }
      size_t b = 0;
      for (size_t e : ends) {
        rows.push_back(out.substr(b, e - b));
        b = e;
      }
      if (issues_out) issues_out->insert(issues_out->end(), issues.begin(), issues.end());
      if (*n == 0) break;
    }
  }
  error->clear();
  return rows;
}

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// --- equivalence of our JSON with an expected value -----------------------

using simdjson::dom::element;
using simdjson::dom::element_type;

bool IsIsoTimestamp(std::string_view s) {
  // [+-]?YYYY...-MM-DDTHH:MM:SS(.f+)?Z?
  size_t t = s.find('T');
  if (t == std::string_view::npos || t < 10) return false;
  if (s.size() < t + 9 || s[t + 3] != ':' || s[t + 6] != ':') return false;
  return s[t - 3] == '-' && s[t - 6] == '-';
}

// "2022-11-27T17:42:43.514123" -> "2022-11-27T17:42:43.514" (no Z).
std::string MillisPrefix(std::string_view s) {
  if (!s.empty() && s.back() == 'Z') s.remove_suffix(1);
  size_t dot = s.find('.', s.find('T'));
  std::string base(s.substr(0, dot == std::string_view::npos ? s.size() : dot));
  std::string frac = dot == std::string_view::npos ? "" : std::string(s.substr(dot + 1));
  frac.resize(3, '0');
  return base + "." + frac.substr(0, 3);
}

std::optional<std::string> Base64Decode(std::string_view s) {
  static const std::string kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  if (s.size() % 4 != 0) return std::nullopt;
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : s) {
    if (c == '=') break;
    size_t v = kAlphabet.find(c);
    if (v == std::string::npos) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return out;
}

double AsDouble(element e) {
  switch (e.type()) {
    case element_type::INT64:
      return static_cast<double>(int64_t(e));
    case element_type::UINT64:
      return static_cast<double>(uint64_t(e));
    default:
      return double(e);
  }
}

bool IsNumber(element e) {
  auto t = e.type();
  return t == element_type::INT64 || t == element_type::UINT64 || t == element_type::DOUBLE;
}

std::string Describe(element e) {
  return simdjson::minify(e).substr(0, 200);
}

// Member names whose values are bare repeated fields or 2-level lists: hyparquet
// shows such a field with no elements as null, where the Parquet spec (and we)
// say it is an empty list (a REPEATED field cannot be null).
std::set<std::string> EmptyListKeys(const std::string& path) {
  std::set<std::string> keys;
  auto f = ParquetFile::Open(path);
  if (!f.ok()) return keys;
  const Schema& s = (*f)->schema();
  auto is_list = [](const SchemaNode& n) {
    return n.logical_type.kind == LogicalType::Kind::kList ||
           (n.converted_type && *n.converted_type == ConvertedType::kList);
  };
  auto is_map = [](const SchemaNode& n) {
    return n.logical_type.kind == LogicalType::Kind::kMap ||
           (n.converted_type && (*n.converted_type == ConvertedType::kMap ||
                                 *n.converted_type == ConvertedType::kMapKeyValue));
  };
  for (const auto& n : s.nodes()) {
    if (n.parent < 0) continue;
    const SchemaNode& parent = s.node(n.parent);
    if (n.repetition == Repetition::kRepeated && !is_list(parent) && !is_map(parent)) {
      keys.insert(n.name);
    }
    if (is_list(n) && n.children.size() == 1) {
      const SchemaNode& r = s.node(n.children[0]);
      if (r.is_leaf || r.children.size() > 1 || r.name == "array" || r.name == n.name + "_tuple") {
        keys.insert(n.name);
      }
    }
  }
  return keys;
}

const std::set<std::string>* g_empty_list_keys = nullptr;

bool Equivalent(element ours, element exp, const std::string& path, std::string* why,
                const std::string& key = "") {
  auto fail = [&](const std::string& m) {
    *why = path + ": " + m + " (ours " + Describe(ours) + ", expected " + Describe(exp) + ")";
    return false;
  };
  auto et = exp.type(), ot = ours.type();
  if (et == element_type::NULL_VALUE) {
    if (ot == et) return true;
    // Normalisation: hyparquet shows an empty bare-repeated/2-level list as null.
    if (ot == element_type::ARRAY && simdjson::dom::array(ours).size() == 0 && g_empty_list_keys &&
        g_empty_list_keys->count(key)) {
      return true;
    }
    return fail("expected null");
  }
  if (IsNumber(exp)) {
    if (IsNumber(ours)) {
      bool both_int = et != element_type::DOUBLE && ot != element_type::DOUBLE;
      if (both_int) {
        if (et == element_type::UINT64 || ot == element_type::UINT64) {
          if (et == ot && uint64_t(exp) == uint64_t(ours)) return true;
          return fail("integers differ");
        }
        if (int64_t(exp) == int64_t(ours)) return true;
        // Normalisation: hyparquet's JSON went through JavaScript numbers, so
        // integers beyond 2^53 are rounded to the nearest double.
        if (std::abs(static_cast<double>(int64_t(exp))) > 9007199254740992.0 &&
            static_cast<double>(int64_t(exp)) == static_cast<double>(int64_t(ours))) {
          return true;
        }
        return fail("integers differ");
      }
      double a = AsDouble(ours), b = AsDouble(exp);
      if (a == b) return true;
      // Normalisation: FLOAT columns print the shortest float32 text; the
      // expected files hold the float's value widened to double.
      if (static_cast<float>(a) == static_cast<float>(b)) return true;
      return fail("numbers differ");
    }
    if (ot == element_type::STRING && et == element_type::UINT64) {
      // Normalisation: UINT64 above INT64_MAX is written as a string of digits.
      return std::string(std::string_view(ours)) == std::to_string(uint64_t(exp))
                 ? true
                 : fail("big unsigned integer differs");
    }
    return fail("expected a number");
  }
  if (et == element_type::BOOL) {
    return ot == et && bool(ours) == bool(exp) ? true : fail("booleans differ");
  }
  if (et == element_type::STRING) {
    if (ot != element_type::STRING) return fail("expected a string");
    std::string_view a = ours, b = exp;
    if (a == b) return true;
    // Normalisation: hyparquet renders timestamps through JavaScript Date:
    // millisecond precision, always "Z".
    if (IsIsoTimestamp(a) && IsIsoTimestamp(b) && MillisPrefix(a) == MillisPrefix(b)) return true;
    // ... and dates (inside variants) as midnight UTC.
    if (a.size() == 10 && b == std::string(a) + "T00:00:00.000Z") return true;
    // Normalisation: hyparquet decodes every un-annotated BYTE_ARRAY as text;
    // we write bytes holding control characters (or invalid UTF-8) as base64.
    if (auto bytes = Base64Decode(a); bytes && *bytes == b) return true;
    return fail("strings differ");
  }
  if (et == element_type::ARRAY) {
    simdjson::dom::array ea = exp;
    if (ot == element_type::STRING) {
      // Normalisation: un-annotated FIXED_LEN_BYTE_ARRAY is shown by hyparquet
      // as an array of byte values; we write the bytes as text.
      std::string_view s = ours;
      std::string bytes;
      for (element x : ea) {
        if (x.type() != element_type::INT64 || int64_t(x) < 0 || int64_t(x) > 255) {
          return fail("expected an array");
        }
        bytes.push_back(static_cast<char>(int64_t(x)));
      }
      return bytes == s ? true : fail("bytes differ");
    }
    if (ot != element_type::ARRAY) return fail("expected an array");
    simdjson::dom::array oa = ours;
    if (oa.size() != ea.size()) {
      return fail("array sizes differ: " + std::to_string(oa.size()) + " vs " +
                  std::to_string(ea.size()));
    }
    size_t i = 0;
    auto it = oa.begin();
    for (element x : ea) {
      if (!Equivalent(*it, x, path + "[" + std::to_string(i) + "]", why, key)) return false;
      ++it;
      ++i;
    }
    return true;
  }
  if (et == element_type::OBJECT) {
    if (ot != element_type::OBJECT) return fail("expected an object");
    // Object members are compared by key; hyparquet sorts some objects' keys.
    simdjson::dom::object eo = exp, oo = ours;
    for (auto field : eo) {
      element x;
      if (oo.at_key(field.key).get(x))
        return fail("missing member '" + std::string(field.key) + "'");
      if (!Equivalent(x, field.value, path + "." + std::string(field.key), why,
                      std::string(field.key))) {
        return false;
      }
    }
    // Normalisation: hyparquet leaves out struct members whose value is a null
    // group; we write them as null. Any member it lacks must be null in ours.
    for (auto field : oo) {
      element x;
      if (eo.at_key(field.key).get(x) && field.value.type() != element_type::NULL_VALUE) {
        return fail("extra member '" + std::string(field.key) + "'");
      }
    }
    return true;
  }
  return fail("unhandled type");
}

// Compares our rows (objects) with hyparquet rows (arrays of top-level values).
bool MatchRows(const std::vector<std::string>& ours, std::string_view expected_json,
               std::string* why) {
  simdjson::dom::parser p1, p2;
  std::string ours_json = "[";
  for (size_t i = 0; i < ours.size(); ++i) ours_json += (i ? "," : "") + ours[i];
  ours_json += "]";
  element o, e;
  if (p1.parse(ours_json).get(o)) {
    *why = "our output is not valid JSON";
    return false;
  }
  if (p2.parse(expected_json.data(), expected_json.size()).get(e)) {
    *why = "expected file is not valid JSON";
    return false;
  }
  simdjson::dom::array oa = o, ea = e;
  if (oa.size() != ea.size()) {
    *why = "row count " + std::to_string(oa.size()) + " vs expected " + std::to_string(ea.size());
    return false;
  }
  size_t r = 0;
  auto oit = oa.begin();
  for (element erow : ea) {
    simdjson::dom::object orow = *oit;
    simdjson::dom::array evals = erow;
    if (orow.size() != evals.size()) {
      *why = "row " + std::to_string(r) + ": " + std::to_string(orow.size()) + " columns vs " +
             std::to_string(evals.size());
      return false;
    }
    auto eit = evals.begin();
    for (auto field : orow) {
      if (!Equivalent(field.value, *eit, "row " + std::to_string(r) + "." + std::string(field.key),
                      why, std::string(field.key))) {
        return false;
      }
      ++eit;
    }
    ++oit;
    ++r;
  }
  return true;
}

// CSV with "quoted" fields; an unquoted empty field is null.
std::vector<std::vector<std::optional<std::string>>> ParseCsv(const std::string& text) {
  std::vector<std::vector<std::optional<std::string>>> rows;
  std::vector<std::optional<std::string>> row;
  size_t i = 0;
  while (i < text.size()) {
    std::optional<std::string> cell;
    if (text[i] == '"') {
      std::string v;
      ++i;
      while (i < text.size()) {
        if (text[i] == '"' && i + 1 < text.size() && text[i + 1] == '"') {
          v.push_back('"');
          i += 2;
        } else if (text[i] == '"') {
          ++i;
          break;
        } else {
          v.push_back(text[i++]);
        }
      }
      cell = v;
    } else {
      size_t j = i;
      while (j < text.size() && text[j] != ',' && text[j] != '\n' && text[j] != '\r') ++j;
      if (j > i) cell = text.substr(i, j - i);
      i = j;
    }
    row.push_back(cell);
    if (i < text.size() && text[i] == ',') {
      ++i;
      continue;
    }
    if (i < text.size() && text[i] == '\r') ++i;
    if (i < text.size() && text[i] == '\n') ++i;
    rows.push_back(std::move(row));
    row.clear();
  }
  if (!row.empty()) rows.push_back(std::move(row));
  return rows;
}

bool MatchCsv(const std::vector<std::string>& ours, const std::string& csv, std::string* why) {
  auto rows = ParseCsv(csv);
  if (rows.empty()) {
    *why = "empty CSV";
    return false;
  }
  if (rows.size() - 1 != ours.size()) {
    *why = "row count " + std::to_string(ours.size()) + " vs expected " +
           std::to_string(rows.size() - 1);
    return false;
  }
  simdjson::dom::parser parser;
  for (size_t r = 0; r < ours.size(); ++r) {
    element o;
    if (parser.parse(ours[r]).get(o)) {
      *why = "our row is not JSON";
      return false;
    }
    simdjson::dom::object obj = o;
    const auto& exp = rows[r + 1];
    if (obj.size() != exp.size()) {
      *why = "row " + std::to_string(r) + ": column count differs";
      return false;
    }
    size_t c = 0;
    for (auto field : obj) {
      const auto& cell = exp[c++];
      std::string where = "row " + std::to_string(r) + " column " + std::string(field.key);
      element v = field.value;
      if (!cell) {
        if (v.type() != element_type::NULL_VALUE) {
          *why = where + ": expected null, got " + Describe(v);
          return false;
        }
        continue;
      }
      bool ok = false;
      switch (v.type()) {
        case element_type::STRING:
          ok = std::string_view(v) == *cell;
          break;
        case element_type::INT64:
          ok = std::to_string(int64_t(v)) == *cell;
          break;
        case element_type::DOUBLE:
          ok = double(v) == std::strtod(cell->c_str(), nullptr);
          break;
        default:
          ok = false;
      }
      if (!ok) {
        *why = where + ": got " + Describe(v) + ", expected " + *cell;
        return false;
      }
    }
  }
  return true;
}

fs::path ParquetData() {
  return winnow::testing::SharedDataDir() / "parquet";
}

bool HaveData() {
  if (fs::is_directory(ParquetData())) return true;
  WARN("../shared/data/parquet is absent: skipping the conformance tests");
  return false;
}

// Files in the shared data that must be refused, with a word the message must contain.
std::string ExpectedRefusal(const std::string& rel) {
  if (rel.find(".encrypted") != std::string::npos) return "encrypted";
  if (rel.find("corrupt-checksum") != std::string::npos) return "checksum mismatch";
  if (rel.find("dict-malformed") != std::string::npos) return "runs past the end";
  if (rel.find("large_string_map.brotli") != std::string::npos) return "above the limit";
  if (rel.find("_KEY_MATERIAL_") != std::string::npos) return "not a Parquet file";
  return "";
}

}  // namespace

// ---------------------------------------------------------------------------
// Thrift and metadata

TEST_CASE("thrift compact protocol round-trips scalars, lists and nested structs",
          "[parquet][thrift]") {
  std::string buf;
  CompactWriter w(&buf);
  w.BeginStruct();
  w.FieldI32(1, -123456);
  w.FieldI64(2, INT64_MIN);
  w.FieldBool(3, true);
  w.FieldBinary(20, "hello");  // long field-id delta
  w.FieldList(21, CType::kI32, 20);
  for (int i = 0; i < 20; ++i) w.WriteI32(i * 1000 - 7);
  w.FieldStruct(22);
  w.BeginStruct();
  w.FieldDouble(1, 2.5);
  w.FieldBool(2, false);
  w.EndStruct();
  w.EndStruct();

  CompactReader r(buf);
  r.BeginStruct();
  int16_t id;
  CType t;
  std::vector<int16_t> seen;
  while (r.NextField(&id, &t)) {
    seen.push_back(id);
    switch (id) {
      case 1:
        CHECK(r.ReadI32() == -123456);
        break;
      case 2:
        CHECK(r.ReadI64() == INT64_MIN);
        break;
      case 3:
        CHECK(r.ReadBool());
        break;
      case 20:
        CHECK(r.ReadBinary() == "hello");
        break;
      case 21: {
        CType et;
        uint32_t n;
        REQUIRE(r.BeginList(&et, &n));
        CHECK(n == 20);
        for (uint32_t i = 0; i < n; ++i) CHECK(r.ReadI32() == static_cast<int>(i) * 1000 - 7);
        break;
      }
      case 22: {
        r.BeginStruct();
        int16_t fid;
        CType ft;
        while (r.NextField(&fid, &ft)) {
          if (fid == 1) CHECK(r.ReadDouble() == 2.5);
          if (fid == 2) CHECK_FALSE(r.ReadBool());
        }
        r.EndStruct();
        break;
      }
      default:
        FAIL("unexpected field");
    }
  }
  r.EndStruct();
  CHECK(r.ok());
  CHECK(seen == std::vector<int16_t>{1, 2, 3, 20, 21, 22});
}

TEST_CASE("thrift reader refuses truncated, oversized and deeply nested input",
          "[parquet][thrift]") {
  SECTION("truncated string") {
    std::string buf;
    CompactWriter w(&buf);
    w.BeginStruct();
    w.FieldBinary(1, std::string(100, 'x'));
    w.EndStruct();
    buf.resize(50);
    CompactReader r(buf);
    r.BeginStruct();
    int16_t id;
    CType t;
    while (r.NextField(&id, &t)) r.Skip(t);
    CHECK_FALSE(r.ok());
    CHECK(r.error().find("runs past the end") != std::string::npos);
  }
  SECTION("list claiming more elements than bytes") {
    std::string buf = "\x19\xf5\xff\xff\xff\x0f";  // field 1 list<i32> of ~4 billion
    CompactReader r(buf);
    r.BeginStruct();
    int16_t id;
    CType t;
    while (r.NextField(&id, &t)) r.Skip(t);
    CHECK_FALSE(r.ok());
    CHECK(r.error().find("claims") != std::string::npos);
  }
  SECTION("nesting bomb") {
    std::string buf;
    for (int i = 0; i < 10000; ++i) buf.push_back('\x1c');  // field +1, struct, nested
    CompactReader r(buf);
    r.Skip(CType::kStruct);
    CHECK_FALSE(r.ok());
    CHECK(r.error().find("deeper than") != std::string::npos);
  }
  SECTION("footer claiming millions of row groups in a few bytes each") {
    std::string buf;
    CompactWriter w(&buf);
    w.BeginStruct();
    w.FieldI32(1, 1);
    w.FieldList(2, CType::kStruct, 0);
    w.FieldI64(3, 0);
    w.FieldList(4, CType::kStruct, 2000000);
    buf.append(2000000, '\0');  // each element just its STOP byte
    auto m = ParseFileMetaData(buf);
    REQUIRE_FALSE(m.ok());
    CHECK(m.status().message().find("MiB of memory") != std::string::npos);
  }
  SECTION("footer parse of garbage") {
    auto m = ParseFileMetaData(std::string("\x15\x02\x19\x4c\xff\xff", 6));
    REQUIRE_FALSE(m.ok());
    CHECK(m.status().code() == StatusCode::kCorruption);
  }
}

TEST_CASE("FileMetaData and PageHeader serialise and parse back", "[parquet][meta]") {
  FileMetaData m;
  m.version = 2;
  m.num_rows = 42;
  m.created_by = "test";
  SchemaElement root;
  root.name = "schema";
  root.num_children = 2;
  SchemaElement a;
  a.name = "a";
  a.type = Type::kInt64;
  a.repetition_type = Repetition::kOptional;
  a.logical_type.kind = LogicalType::Kind::kTimestamp;
  a.logical_type.unit = TimeUnit::kMicros;
  a.logical_type.is_adjusted_to_utc = true;
  SchemaElement b;
  b.name = "b";
  b.type = Type::kFixedLenByteArray;
  b.type_length = 16;
  b.repetition_type = Repetition::kRequired;
  b.logical_type.kind = LogicalType::Kind::kDecimal;
  b.logical_type.scale = 3;
  b.logical_type.precision = 30;
  m.schema = {root, a, b};
  RowGroup g;
  g.num_rows = 42;
  g.total_byte_size = 1000;
  for (int i = 0; i < 2; ++i) {
    ColumnChunk c;
    c.file_offset = 4;
    ColumnMetaData cm;
    cm.type = i ? Type::kFixedLenByteArray : Type::kInt64;
    cm.encodings = {Encoding::kPlain, Encoding::kRle};
    cm.path_in_schema = {i ? "b" : "a"};
    cm.codec = Codec::kZstd;
    cm.num_values = 42;
    cm.total_compressed_size = 100;
    cm.total_uncompressed_size = 200;
    cm.data_page_offset = 4 + i * 100;
    c.meta_data = cm;
    g.columns.push_back(c);
  }
  m.row_groups = {g};
  m.key_value_metadata = {{"k", std::string("v")}, {"novalue", std::nullopt}};
  std::string bytes;
  SerializeFileMetaData(m, &bytes);
  auto back = ParseFileMetaData(bytes);
  REQUIRE(back.ok());
  CHECK(back->version == 2);
  CHECK(back->num_rows == 42);
  REQUIRE(back->schema.size() == 3);
  CHECK(back->schema[1].logical_type.kind == LogicalType::Kind::kTimestamp);
  CHECK(back->schema[1].logical_type.unit == TimeUnit::kMicros);
  CHECK(back->schema[1].logical_type.is_adjusted_to_utc);
  CHECK(back->schema[2].logical_type.precision == 30);
  CHECK(back->schema[2].type_length == 16);
  REQUIRE(back->row_groups.size() == 1);
  CHECK(back->row_groups[0].columns[1].meta_data->codec == Codec::kZstd);
  CHECK(back->row_groups[0].columns[1].meta_data->data_page_offset == 104);
  CHECK(back->key_value_metadata.size() == 2);
  CHECK_FALSE(back->key_value_metadata[1].value.has_value());
  auto schema = Schema::Build(back->schema);
  REQUIRE(schema.ok());
  CHECK(schema->num_columns() == 2);
  CHECK(schema->leaf(0).max_def == 1);
  CHECK(schema->leaf(1).max_def == 0);

  PageHeader h;
  h.type = PageType::kDataPageV2;
  h.uncompressed_page_size = 10;
  h.compressed_page_size = 8;
  h.crc = -5;
  DataPageHeaderV2 v2;
  v2.num_values = 3;
  v2.num_nulls = 1;
  v2.num_rows = 3;
  v2.encoding = Encoding::kDeltaBinaryPacked;
  v2.definition_levels_byte_length = 2;
  v2.is_compressed = false;
  h.data_page_header_v2 = v2;
  std::string hb;
  SerializePageHeader(h, &hb);
  size_t used = 0;
  auto hp = ParsePageHeader(hb + "trailing", &used);
  REQUIRE(hp.ok());
  CHECK(used == hb.size());
  CHECK(hp->crc == -5);
  CHECK(hp->data_page_header_v2->encoding == Encoding::kDeltaBinaryPacked);
  CHECK_FALSE(hp->data_page_header_v2->is_compressed);
}

TEST_CASE("schema builder refuses malformed trees", "[parquet][meta]") {
  SchemaElement root;
  root.name = "schema";
  root.num_children = 3;
  SchemaElement leaf;
  leaf.name = "x";
  leaf.type = Type::kInt32;
  leaf.repetition_type = Repetition::kRequired;
  auto s = Schema::Build({root, leaf});
  REQUIRE_FALSE(s.ok());
  CHECK(s.status().message().find("claims 3 children") != std::string::npos);

  root.num_children = 1;
  SchemaElement group = leaf;
  group.type.reset();
  s = Schema::Build({root, group});
  REQUIRE_FALSE(s.ok());
  CHECK(s.status().message().find("neither children nor a physical type") != std::string::npos);

  // Nesting deeper than the limit.
  std::vector<SchemaElement> deep{root};
  for (int i = 0; i < Schema::kMaxDepth + 5; ++i) {
    SchemaElement g;
    g.name = "g";
    g.num_children = 1;
    g.repetition_type = Repetition::kOptional;
    deep.push_back(g);
  }
  deep.push_back(leaf);
  s = Schema::Build(deep);
  REQUIRE_FALSE(s.ok());
  CHECK(s.status().message().find("deeper than") != std::string::npos);
}

// ---------------------------------------------------------------------------
// Encodings and codecs

TEST_CASE("RLE/bit-packed hybrid round-trips", "[parquet][encoding]") {
  std::mt19937 rng(7);
  for (int bw : {0, 1, 2, 3, 7, 8, 13, 20, 32}) {
    std::vector<uint32_t> v(5000);
    uint64_t limit = bw == 32 ? 0xffffffffu : (uint64_t{1} << bw) - 1;
    for (size_t i = 0; i < v.size(); ++i) {
      // runs and noise
      v[i] = (i / 50) % 3 == 0 ? static_cast<uint32_t>(i / 50 % (limit + 1))
                               : static_cast<uint32_t>(rng() % (limit + 1));
    }
    std::string enc;
    EncodeRleBitPacked(v.data(), v.size(), bw, &enc);
    RleBitPackedDecoder d(reinterpret_cast<const uint8_t*>(enc.data()), enc.size(), bw);
    std::vector<uint32_t> out(v.size());
    size_t got = 0;
    while (got < out.size()) {
      size_t k = d.GetBatch(out.data() + got, std::min<size_t>(777, out.size() - got));
      if (k == 0) break;
      got += k;
    }
    INFO("bit width " << bw);
    CHECK(got == v.size());
    CHECK(out == v);
    CHECK_FALSE(d.error());
  }
}

TEST_CASE("DELTA_BINARY_PACKED round-trips and finds its end", "[parquet][encoding]") {
  std::vector<int64_t> v;
  std::mt19937_64 rng(3);
  for (int i = 0; i < 1000; ++i) v.push_back(static_cast<int64_t>(rng()) >> (i % 60));
  v.push_back(INT64_MAX);
  v.push_back(INT64_MIN);
  std::string enc;
  EncodeDeltaBinaryPacked(v.data(), v.size(), &enc);
  size_t encoded = enc.size();
  enc += "TAIL";
  DeltaBinaryPackedDecoder d;
  REQUIRE(d.Init(reinterpret_cast<const uint8_t*>(enc.data()), enc.size(), 64).ok());
  std::vector<int64_t> out(v.size());
  REQUIRE(d.Get(out.data(), 400).ok());
  REQUIRE(d.Get(out.data() + 400, v.size() - 400).ok());
  CHECK(out == v);
  CHECK_FALSE(d.Get(out.data(), 1).ok());  // past the end

  DeltaBinaryPackedDecoder probe;
  REQUIRE(probe.Init(reinterpret_cast<const uint8_t*>(enc.data()), enc.size(), 64).ok());
  auto end = probe.SkipToEnd();
  REQUIRE(end.ok());
  CHECK(*end == encoded);

  // Truncated data is an error, not a read past the end.
  DeltaBinaryPackedDecoder cut;
  REQUIRE(cut.Init(reinterpret_cast<const uint8_t*>(enc.data()), encoded / 2, 64).ok());
  CHECK_FALSE(cut.Get(out.data(), v.size()).ok());
}

TEST_CASE("value decoders refuse malformed pages", "[parquet][encoding]") {
  ValueBatch b;
  SECTION("PLAIN byte array length past the end") {
    std::string page(
        "\xff\x00\x00\x00"
        "abc",
        7);
    auto d = MakeValueDecoder(Encoding::kPlain, Type::kByteArray, 0,
                              reinterpret_cast<const uint8_t*>(page.data()), page.size(), nullptr);
    REQUIRE(d.ok());
    auto st = (*d)->Decode(1, &b);
    CHECK(st.code() == StatusCode::kCorruption);
  }
  SECTION("dictionary index out of range") {
    Dictionary dict;
    std::string plain("\x01\x00\x00\x00\x02\x00\x00\x00", 8);
    dict.page.Resize(plain.size());
    std::memcpy(dict.page.data(), plain.data(), plain.size());
    REQUIRE(DecodeDictionary(Type::kInt32, 0, 2, &dict).ok());
    std::vector<uint32_t> idx{0, 1, 5};
    std::string page(1, '\x03');
    EncodeRleBitPacked(idx.data(), idx.size(), 3, &page);
    auto d = MakeValueDecoder(Encoding::kRleDictionary, Type::kInt32, 0,
                              reinterpret_cast<const uint8_t*>(page.data()), page.size(), &dict);
    REQUIRE(d.ok());
    auto st = (*d)->Decode(3, &b);
    CHECK(st.code() == StatusCode::kCorruption);
    CHECK(st.message().find("out of range") != std::string::npos);
  }
  SECTION("dictionary claiming more values than bytes") {
    Dictionary dict;
    dict.page.Resize(8);
    auto st = DecodeDictionary(Type::kInt64, 0, 1u << 30, &dict);
    CHECK(st.code() == StatusCode::kCorruption);
  }
  SECTION("BYTE_STREAM_SPLIT with a ragged size") {
    std::string page(10, 'x');
    auto d = MakeValueDecoder(Encoding::kByteStreamSplit, Type::kFloat, 0,
                              reinterpret_cast<const uint8_t*>(page.data()), page.size(), nullptr);
    REQUIRE(d.ok());
    CHECK_FALSE((*d)->Decode(2, &b).ok());
  }
  SECTION("unsupported encoding/type pairs") {
    auto d = MakeValueDecoder(Encoding::kDeltaBinaryPacked, Type::kDouble, 0, nullptr, 0, nullptr);
    CHECK(d.status().code() == StatusCode::kUnimplemented);
  }
}

TEST_CASE("codecs round-trip and refuse lying sizes", "[parquet][codec]") {
  std::string text;
  for (int i = 0; i < 20000; ++i) text += "token" + std::to_string(i % 97) + " ";
  Decompressor d;
  for (Codec c : {Codec::kUncompressed, Codec::kSnappy, Codec::kGzip, Codec::kBrotli, Codec::kLz4,
                  Codec::kZstd, Codec::kLz4Raw}) {
    INFO(CodecName(c));
    std::string comp;
    REQUIRE(Compress(c, text, &comp).ok());
    ByteBuffer out;
    REQUIRE(d.Decompress(c, comp, text.size(), &out).ok());
    CHECK(out.view() == text);
    // Header claims one byte more / one byte less than the data holds.
    CHECK(d.Decompress(c, comp, text.size() + 1, &out).code() == StatusCode::kCorruption);
    CHECK(d.Decompress(c, comp, text.size() - 1, &out).code() == StatusCode::kCorruption);
    // Garbage input.
    std::string junk = comp;
    for (size_t i = 0; i < junk.size(); i += 7) junk[i] = static_cast<char>(junk[i] ^ 0x5a);
    if (c != Codec::kUncompressed) CHECK_FALSE(d.Decompress(c, junk, text.size(), &out).ok());
  }
  ByteBuffer out;
  // Absurd claims are refused before allocating.
  CHECK(d.Decompress(Codec::kZstd, "abc", size_t{1} << 40, &out).code() == StatusCode::kCorruption);
  CHECK(d.Decompress(Codec::kLz4Raw, "abc", size_t{1} << 28, &out).code() ==
        StatusCode::kCorruption);
  CHECK(d.Decompress(Codec::kLzo, "abc", 10, &out).code() == StatusCode::kUnimplemented);
  // A real bomb: 300 MB of zeros compress to a few KB with zstd; refused before inflating.
  {
    std::string zeros(size_t{300} << 20, '\0'), bomb;
    REQUIRE(Compress(Codec::kZstd, zeros, &bomb, 19).ok());
    zeros.clear();
    zeros.shrink_to_fit();
    Status st = d.Decompress(Codec::kZstd, bomb, size_t{300} << 20, &out);
    CHECK(st.code() == StatusCode::kCorruption);
    CHECK(st.message().find("decompression bomb") != std::string::npos);
  }
  // Hadoop-framed LZ4 with several frames.
  std::string hadoop, part;
  REQUIRE(Compress(Codec::kLz4, text.substr(0, 1000), &hadoop).ok());
  REQUIRE(Compress(Codec::kLz4, text.substr(1000, 2000), &part).ok());
  hadoop += part;
  REQUIRE(d.Decompress(Codec::kLz4, hadoop, 3000, &out).ok());
  CHECK(out.view() == text.substr(0, 3000));
  CHECK(Crc32("123456789") == 0xcbf43926u);
}

TEST_CASE("dates, timestamps, decimals and halves format exactly", "[parquet][format]") {
  std::string s;
  AppendDate(s, 0);
  CHECK(s == "1970-01-01");
  s.clear();
  AppendDate(s, -1);
  CHECK(s == "1969-12-31");
  s.clear();
  AppendDate(s, 2932896);  // 9999-12-31
  CHECK(s == "9999-12-31");
  s.clear();
  AppendDate(s, 2932897);
  CHECK(s == "+010000-01-01");
  s.clear();
  AppendDate(s, -719163);  // the day before 0001-01-01
  CHECK(s == "0000-12-31");
  s.clear();
  AppendDate(s, -719163 - 366);  // year 0 is a leap year
  CHECK(s == "-000001-12-31");
  s.clear();
  AppendTimestamp(s, 1704141296123456, TimeUnit::kMicros, true);
  CHECK(s == "2024-01-01T20:34:56.123456Z");
  s.clear();
  AppendTimestamp(s, -1, TimeUnit::kMillis, false);
  CHECK(s == "1969-12-31T23:59:59.999");
  s.clear();
  AppendTimestamp(s, INT64_MIN, TimeUnit::kNanos, true);
  CHECK(s == "1677-09-21T00:12:43.145224192Z");
  s.clear();
  AppendDecimal(s, std::string("\xff\xff\xcf\xc7", 4), 2);  // -12345
  CHECK(s == "-123.45");
  s.clear();
  AppendDecimal(s, std::string("\x00\x05", 2), 3);
  CHECK(s == "0.005");
  s.clear();
  // 2^128 as a 17-byte big-endian value: needs the arbitrary-length path.
  std::string big(17, '\0');
  big[0] = 1;
  AppendDecimal(s, big, 0);
  CHECK(s == "340282366920938463463374607431768211456");
  s.clear();
  std::string neg_big(17, '\xff');
  neg_big[0] = '\xff';  // -(2^128)
  for (size_t i = 1; i < 17; ++i) neg_big[i] = '\0';
  AppendDecimal(s, neg_big, 2);
  CHECK(s == "-3402823669209384634633746074317682114.56");
  CHECK(HalfToDouble(0x3c00) == 1.0);
  CHECK(HalfToDouble(0xc000) == -2.0);
  CHECK(HalfToDouble(0x0001) == std::ldexp(1.0, -24));
  CHECK(std::isnan(HalfToDouble(0x7e00)));
  s.clear();
  AppendBase64(s, "any carnal pleas");
  CHECK(s == "YW55IGNhcm5hbCBwbGVhcw==");
}

// ---------------------------------------------------------------------------
// Conformance against ../shared/data/parquet

TEST_CASE("every shared Parquet file with expected values decodes to exactly those values",
          "[parquet][conformance]") {
  if (!HaveData()) return;
  const fs::path hy = ParquetData() / "hyparquet";
  const fs::path ap = ParquetData() / "apache-parquet-testing";
  // Files whose expected output we do not reproduce, with the reason (README "Conformance").
  // Empty: every file with expected values is compared.
  const std::map<std::string, std::string> kSkip = {};
  int matched = 0, skipped = 0;
  std::vector<std::string> failures;
  std::vector<std::pair<fs::path, fs::path>> cases;  // parquet, expected json
  for (const auto& e : fs::directory_iterator(hy)) {
    if (e.path().extension() != ".parquet") continue;
    fs::path json = e.path();
    json.replace_extension(".json");
    if (!fs::exists(json)) continue;
    cases.emplace_back(e.path(), json);
    // The same file in apache-parquet-testing has the same expected rows.
    fs::path twin = ap / e.path().filename();
    if (fs::exists(twin)) cases.emplace_back(twin, json);
  }
  std::sort(cases.begin(), cases.end());
  for (const auto& [pq, json] : cases) {
    std::string stem = pq.stem().string();
    if (kSkip.count(stem)) {
      ++skipped;
      std::cout << "  skipped " << pq.filename().string() << ": " << kSkip.at(stem) << "\n";
      continue;
    }
    std::string err, why;
    auto rows = ReadAllRows(pq.string(), &err);
    if (!err.empty()) {
      failures.push_back(pq.string() + ": " + err);
      continue;
    }
    auto keys = EmptyListKeys(pq.string());
    g_empty_list_keys = &keys;
    bool same = MatchRows(rows, Slurp(json), &why);
    g_empty_list_keys = nullptr;
    if (!same) {
      failures.push_back(pq.string() + ": " + why);
      continue;
    }
    ++matched;
  }
  for (const auto& e : fs::directory_iterator(ap)) {
    std::string name = e.path().filename().string();
    if (!name.ends_with("_expect.csv")) continue;
    fs::path pq = ap / (name.substr(0, name.size() - 11) + ".parquet");
    std::string err, why;
    auto rows = ReadAllRows(pq.string(), &err);
    if (!err.empty()) {
      failures.push_back(pq.string() + ": " + err);
    } else if (!MatchCsv(rows, Slurp(e.path()), &why)) {
      failures.push_back(pq.string() + " vs CSV: " + why);
    } else {
      ++matched;
    }
  }
  std::cout << "parquet conformance: " << matched << " files matched their expected values, "
            << skipped << " skipped (see above), " << failures.size() << " failed\n";
  for (const auto& f : failures) std::cout << "  FAILED " << f << "\n";
  CHECK(failures.empty());
  CHECK(matched >= 88);
  CHECK(skipped == 0);
}

TEST_CASE("values documented in the apache test files' notes decode as described",
          "[parquet][conformance]") {
  if (!HaveData()) return;
  const fs::path ap = ParquetData() / "apache-parquet-testing";
  std::string err;
  auto rows = ReadAllRows((ap / "int96_from_spark.parquet").string(), &err);
  REQUIRE(err.empty());
  CHECK(rows == std::vector<std::string>{R"({"a":"2024-01-01T20:34:56.123456000Z"})",
                                         R"({"a":"2024-01-01T01:00:00.000000000Z"})",
                                         R"({"a":"9999-12-31T03:00:00.000000000Z"})",
                                         R"({"a":"2024-12-30T23:00:00.000000000Z"})",
                                         R"({"a":null})",
                                         R"({"a":"+290000-12-30T23:00:00.000000000Z"})"});
  rows = ReadAllRows((ap / "old_list_structure.parquet").string(), &err);
  CHECK(rows == std::vector<std::string>{R"({"a":[[1,2],[3,4]]})"});
  rows = ReadAllRows((ap / "map_no_value.parquet").string(), &err);
  REQUIRE(rows.size() == 3);
  CHECK(rows[0] ==
        R"({"my_map":[{"key":1,"value":null},{"key":2,"value":null},{"key":3,"value":null}],)"
        R"("my_map_no_v":[1,2,3],"my_list":[1,2,3]})");
  rows = ReadAllRows((ap / "alltypes_plain.parquet").string(), &err);
  REQUIRE(rows.size() == 8);
  CHECK(rows[1] ==
        R"({"id":5,"bool_col":false,"tinyint_col":1,"smallint_col":1,"int_col":1,)"
        R"("bigint_col":10,"float_col":1.1,"double_col":10.1,"date_string_col":"03/01/09",)"
        R"("string_col":"1","timestamp_col":"2009-03-01T00:01:00.000000000Z"})");
  rows = ReadAllRows((ap / "int32_with_null_pages.parquet").string(), &err);
  REQUIRE(rows.size() == 1000);
  CHECK(std::count(rows.begin(), rows.end(), R"({"int32_field":null})") == 275);
  rows = ReadAllRows((ap / "fixed_length_byte_array.parquet").string(), &err);
  REQUIRE(rows.size() == 1000);
  int nulls = 0;
  for (const auto& r : rows) nulls += r == R"({"flba_field":null})";
  CHECK(nulls == 105);
  // A null page and every non-null FLBA value is 4 bytes (base64 of binary: 8 chars).
  for (const auto& r : rows) {
    if (r != R"({"flba_field":null})")
      CHECK(r.size() == std::string(R"({"flba_field":""})").size() + 8);
  }
  rows = ReadAllRows((ap / "nested_lists.snappy.parquet").string(), &err);
  REQUIRE(rows.size() == 3);
  CHECK(rows[0] == R"({"a":[[["a","b"],["c"]],[null,["d"]]],"b":1})");
  rows = ReadAllRows((ap / "repeated_primitive_no_list.parquet").string(), &err);
  REQUIRE(rows.size() == 4);
  CHECK(rows[1] == R"({"Int32_list":[],"String_list":["three"],"group_of_lists":)"
                   R"({"Int32_list_in_group":[],"String_list_in_group":["three"]}})");
}

TEST_CASE("every other shared Parquet file is read or refused with a clear message",
          "[parquet][conformance]") {
  if (!HaveData()) return;
  int decoded = 0, refused = 0;
  std::vector<std::string> failures;
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(ParquetData())) {
    if (!e.is_regular_file()) continue;
    std::string name = e.path().filename().string();
    if (name.find(".parquet") == std::string::npos) continue;
    files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    std::string rel = fs::relative(f, ParquetData()).string();
    std::string expected = ExpectedRefusal(rel);
    std::string err;
    auto rows = ReadAllRows(f.string(), &err);
    if (expected.empty()) {
      if (!err.empty()) {
        failures.push_back(rel + ": unexpected error: " + err);
      } else {
        ++decoded;
      }
    } else if (err.empty()) {
      failures.push_back(rel + ": was read but must be refused");
    } else if (err.find(expected) == std::string::npos ||
               err.find(f.filename().string()) == std::string::npos) {
      failures.push_back(rel + ": refused, but the message lacks '" + expected +
                         "' or the file name: " + err);
    } else {
      ++refused;
    }
  }
  std::cout << "parquet files: " << decoded << " read, " << refused
            << " refused as expected (corrupt, malformed, encrypted, over the page limit), "
            << failures.size() << " failed\n";
  for (const auto& f : failures) std::cout << "  FAILED " << f << "\n";
  CHECK(failures.empty());
  CHECK(refused >= 18);
}

// ---------------------------------------------------------------------------
// Bad input made here

namespace {

std::vector<SimpleColumn> TestColumns() {
  SimpleColumn id, text, score;
  id.name = "id";
  id.type = Type::kInt64;
  id.optional = false;
  text.name = "text";
  text.type = Type::kByteArray;
  text.logical.kind = LogicalType::Kind::kString;
  score.name = "score";
  score.type = Type::kDouble;
  return {id, text, score};
}

std::vector<Value> TestRows(size_t n) {
  std::vector<Value> rows;
  for (size_t i = 0; i < n; ++i) {
    Value r = Value::MakeObject();
    r.set("id", Value(static_cast<int64_t>(i)));
    if (i % 7 == 3) {
      r.set("text", Value());
    } else {
      r.set("text", Value("row " + std::to_string(i) + (i % 5 == 0 ? " \"quoted\"\n" : "")));
    }
    r.set("score", Value(static_cast<double>(i) / 4));
    rows.push_back(std::move(r));
  }
  return rows;
}

std::string MakeFile(const fs::path& path, size_t rows, SimpleWriterOptions o = {},
                     std::vector<SimpleColumn> cols = TestColumns()) {
  std::string bytes;
  REQUIRE(WriteSimpleParquet(cols, TestRows(rows), o, &bytes).ok());
  winnow::testing::WriteText(path, bytes);
  return bytes;
}

std::string ExpectedRow(size_t i) {
  Value r = TestRows(i + 1).back();
  return r.ToJson();
}

}  // namespace

TEST_CASE("files from the simple writer read back in every encoding, codec and page version",
          "[parquet][roundtrip]") {
  TempDir dir;
  for (Codec codec : {Codec::kUncompressed, Codec::kSnappy, Codec::kZstd, Codec::kGzip,
                      Codec::kBrotli, Codec::kLz4, Codec::kLz4Raw}) {
    for (bool v2 : {false, true}) {
      for (int enc = 0; enc < 3; ++enc) {
        auto cols = TestColumns();
        if (enc == 1) {
          cols[0].encoding = Encoding::kDeltaBinaryPacked;
          cols[1].encoding = Encoding::kDeltaLengthByteArray;
          cols[2].encoding = Encoding::kByteStreamSplit;
        } else if (enc == 2) {
          cols[0].encoding = Encoding::kRleDictionary;
          cols[1].encoding = Encoding::kRleDictionary;
          cols[2].encoding = Encoding::kRleDictionary;
        }
        SimpleWriterOptions o;
        o.codec = codec;
        o.page_v2 = v2;
        o.rows_per_row_group = 400;
        o.rows_per_page = 150;
        o.write_crc = true;
        fs::path p = dir / "t.parquet";
        MakeFile(p, 1000, o, cols);
        std::string err;
        auto rows = ReadAllRows(p.string(), &err);
        INFO(CodecName(codec) << " v2=" << v2 << " enc=" << enc << " " << err);
        REQUIRE(err.empty());
        REQUIRE(rows.size() == 1000);
        CHECK(rows[0] == ExpectedRow(0));
        CHECK(rows[3] == ExpectedRow(3));
        CHECK(rows[999] == ExpectedRow(999));
      }
    }
  }
}

TEST_CASE("truncated, cut and corrupted files are refused with the file name and the problem",
          "[parquet][bad]") {
  TempDir dir;
  fs::path good = dir / "good.parquet";
  std::string bytes = MakeFile(good, 300);
  auto refused = [&](const std::string& name, const std::string& content) {
    fs::path p = dir / name;
    winnow::testing::WriteText(p, content);
    std::string err;
    auto rows = ReadAllRows(p.string(), &err);
    INFO(name);
    CHECK(rows.empty());
    CHECK(err.find(p.string()) != std::string::npos);
    return err;
  };
  SECTION("truncated footer") {
    // Cut inside the footer: the tail no longer ends with PAR1.
    std::string err = refused("cut.parquet", bytes.substr(0, bytes.size() - 20));
    CHECK(err.find("does not end with the PAR1 magic") != std::string::npos);
    // Keep the magic and length but drop footer bytes in the middle.
    uint32_t len;
    std::memcpy(&len, bytes.data() + bytes.size() - 8, 4);
    std::string shortened = bytes.substr(0, bytes.size() - 8 - len) +
                            bytes.substr(bytes.size() - 8 - len, len / 2) +
                            bytes.substr(bytes.size() - 8);
    err = refused("short_footer.parquet", shortened);
    CHECK((err.find("malformed footer") != std::string::npos ||
           err.find("exceeds the file size") != std::string::npos));
  }
  SECTION("footer length larger than the file") {
    std::string b = bytes;
    uint32_t huge = 0x7fffffff;
    std::memcpy(b.data() + b.size() - 8, &huge, 4);
    CHECK(refused("huge_footer.parquet", b).find("exceeds the file size") != std::string::npos);
  }
  SECTION("not parquet / too small / empty") {
    CHECK(refused("text.parquet", "hello world, this is not parquet at all").find("PAR1") !=
          std::string::npos);
    CHECK(refused("tiny.parquet", "PAR1").find("too small") != std::string::npos);
    CHECK(refused("empty.parquet", "").find("too small") != std::string::npos);
  }
  SECTION("column chunk outside the file") {
    auto meta = ParseFileMetaData(std::string_view(bytes).substr(bytes.size() - 8 - [&] {
      uint32_t l;
      std::memcpy(&l, bytes.data() + bytes.size() - 8, 4);
      return l;
    }()));
    REQUIRE(meta.ok());
    FileMetaData m = *meta;
    m.row_groups[0].columns[1].meta_data->total_compressed_size = int64_t{1} << 40;
    std::string footer;
    SerializeFileMetaData(m, &footer);
    uint32_t old_len;
    std::memcpy(&old_len, bytes.data() + bytes.size() - 8, 4);
    std::string b = bytes.substr(0, bytes.size() - 8 - old_len) + footer;
    uint32_t l = static_cast<uint32_t>(footer.size());
    b.append(reinterpret_cast<const char*>(&l), 4);
    b += "PAR1";
    CHECK(refused("range.parquet", b).find("outside the file's data area") != std::string::npos);
  }
  SECTION("page checksum mismatch") {
    SimpleWriterOptions o;
    o.write_crc = true;
    std::string b = MakeFile(dir / "crc.parquet", 300, o);
    size_t hs = 0;
    auto h = ParsePageHeader(std::string_view(b).substr(4), &hs);
    REQUIRE(h.ok());
    b[4 + hs + 3] ^= 1;  // flip a bit of the first page's data
    CHECK(refused("crc_bad.parquet", b).find("checksum mismatch") != std::string::npos);
  }
}

TEST_CASE("page headers with absurd sizes or counts are refused without allocating",
          "[parquet][bad]") {
  SchemaNode leaf;
  leaf.name = leaf.path = "x";
  leaf.is_leaf = true;
  leaf.type = Type::kInt64;
  ColumnMetaData meta;
  meta.type = Type::kInt64;
  meta.codec = Codec::kZstd;
  meta.num_values = 5;
  auto page = [](int32_t uncompressed, int32_t num_values, std::string body) {
    PageHeader h;
    h.type = PageType::kDataPage;
    h.uncompressed_page_size = uncompressed;
    h.compressed_page_size = static_cast<int32_t>(body.size());
    h.data_page_header = DataPageHeader{};
    h.data_page_header->num_values = num_values;
    std::string out;
    SerializePageHeader(h, &out);
    return out + body;
  };
  SECTION("a page claiming 2 GiB uncompressed") {
    std::string chunk = page(0x7ffffff0, 5, std::string(10, 'z'));
    ColumnChunkReader r(leaf, meta, chunk, true);
    REQUIRE(r.Init().ok());
    Status st = r.NextBatch();
    CHECK(st.code() == StatusCode::kCorruption);
    CHECK(st.message().find("above the limit") != std::string::npos);
  }
  SECTION("a page claiming two billion values in 16 bytes") {
    meta.codec = Codec::kUncompressed;
    meta.num_values = 2000000000;
    std::string chunk = page(16, 2000000000, std::string(16, '\1'));
    ColumnChunkReader r(leaf, meta, chunk, true);
    REQUIRE(r.Init().ok());
    Status st = r.NextBatch();
    CHECK(st.code() == StatusCode::kCorruption);
    CHECK(st.message().find("run past the end") != std::string::npos);
  }
  SECTION("a page running past the column chunk") {
    meta.codec = Codec::kUncompressed;
    std::string chunk = page(40, 5, std::string(40, '\1'));
    chunk.resize(chunk.size() - 10);
    ColumnChunkReader r(leaf, meta, chunk, true);
    REQUIRE(r.Init().ok());
    Status st = r.NextBatch();
    CHECK(st.message().find("runs past the end of the column chunk") != std::string::npos);
  }
  SECTION("a chunk whose pages hold fewer values than its metadata") {
    meta.codec = Codec::kUncompressed;
    meta.num_values = 9;
    std::string chunk = page(40, 5, std::string(40, '\1'));
    ColumnChunkReader r(leaf, meta, chunk, true);
    REQUIRE(r.Init().ok());
    REQUIRE(r.NextBatch().ok());
    CHECK(r.size() == 5);
    Status st = r.NextBatch();
    CHECK(st.message().find("ends after 5 of its 9 values") != std::string::npos);
  }
}

TEST_CASE("legacy BIT_PACKED definition levels are read most significant bit first",
          "[parquet][encoding]") {
  SchemaNode leaf;
  leaf.name = leaf.path = "x";
  leaf.is_leaf = true;
  leaf.type = Type::kInt32;
  leaf.repetition = Repetition::kOptional;
  leaf.max_def = 1;
  ColumnMetaData meta;
  meta.type = Type::kInt32;
  meta.num_values = 5;
  std::string body(1, '\xb0');  // levels 1,0,1,1,0
  for (int32_t v : {7, 8, 9}) body.append(reinterpret_cast<const char*>(&v), 4);
  PageHeader h;
  h.type = PageType::kDataPage;
  h.uncompressed_page_size = h.compressed_page_size = static_cast<int32_t>(body.size());
  h.data_page_header = DataPageHeader{};
  h.data_page_header->num_values = 5;
  h.data_page_header->definition_level_encoding = Encoding::kBitPacked;
  std::string chunk;
  SerializePageHeader(h, &chunk);
  chunk += body;
  ColumnChunkReader r(leaf, meta, chunk, true);
  REQUIRE(r.Init().ok());
  REQUIRE(r.NextBatch().ok());
  REQUIRE(r.size() == 5);
  CHECK(std::vector<uint16_t>(r.def_levels(), r.def_levels() + 5) ==
        std::vector<uint16_t>{1, 0, 1, 1, 0});
  REQUIRE(r.values().count == 3);
  int32_t third;
  std::memcpy(&third, r.values().fixed.data() + 8, 4);
  CHECK(third == 9);
}

TEST_CASE("random corruption never crashes, hangs or over-allocates", "[parquet][bad]") {
  TempDir dir;
  std::vector<std::string> originals;
  SimpleWriterOptions o;
  o.rows_per_page = 50;
  o.rows_per_row_group = 120;
  originals.push_back(MakeFile(dir / "a.parquet", 300, o));
  o.codec = Codec::kSnappy;
  o.page_v2 = true;
  auto cols = TestColumns();
  cols[1].encoding = Encoding::kRleDictionary;
  cols[0].encoding = Encoding::kDeltaBinaryPacked;
  originals.push_back(MakeFile(dir / "b.parquet", 300, o, cols));
  if (HaveData()) {
    originals.push_back(
        Slurp(ParquetData() / "apache-parquet-testing" / "nullable.impala.parquet"));
    originals.push_back(
        Slurp(ParquetData() / "apache-parquet-testing" / "delta_byte_array.parquet"));
  }
  std::mt19937 rng(12345);
  int errors = 0, reads = 0;
  for (size_t f = 0; f < originals.size(); ++f) {
    for (int trial = 0; trial < 150; ++trial) {
      std::string b = originals[f];
      int flips = 1 + static_cast<int>(rng() % 4);
      for (int k = 0; k < flips; ++k) {
        size_t pos = rng() % b.size();
        b[pos] = static_cast<char>(rng());
      }
      fs::path p = dir / "fuzz.parquet";
      winnow::testing::WriteText(p, b);
      std::string err;
      ReadAllRows(p.string(), &err);
      if (err.empty()) {
        ++reads;
      } else {
        ++errors;
      }
    }
  }
  // Reaching here is the test; most mutations are caught.
  CHECK(errors + reads == static_cast<int>(originals.size()) * 150);
  CHECK(errors > 0);
}

// ---------------------------------------------------------------------------
// The plugin

TEST_CASE("source/parquet reads rows with stable ids, projection and limit", "[parquet][plugin]") {
  TempDir dir;
  SimpleWriterOptions o;
  o.rows_per_row_group = 100;
  MakeFile(dir / "a.parquet", 250, o);
  MakeFile(dir / "b.parquet", 120, o);
  std::string paths = "[\"" + (dir / "*.parquet").string() + "\"]";

  auto h = PluginHarness::Create("source/parquet", "{\"paths\": " + paths + "}");
  REQUIRE(h.ok());
  auto out = (*h)->RunSource(64);
  REQUIRE(out.ok());
  REQUIRE(out->rows.size() == 370);
  CHECK(out->rows[0] == ExpectedRow(0));
  CHECK(out->rows[251] == ExpectedRow(1));  // second file, row 1
  CHECK(out->row_ids[0].ordinal == 1);
  CHECK(out->row_ids[251].ordinal == ((uint64_t{1} << 40) | 2));
  CHECK(out->counters["parquet.files"] == 2);
  CHECK(out->counters["parquet.row_groups"] == 5);

  auto proj = PluginHarness::Create(
      "source/parquet",
      "{\"paths\": " + paths + ", \"columns\": [\"score\", \"id\"], \"limit\": 260}");
  REQUIRE(proj.ok());
  out = (*proj)->RunSource(1000);
  REQUIRE(out.ok());
  REQUIRE(out->rows.size() == 260);
  CHECK(out->rows[5] == R"({"score":1.25,"id":5})");
  CHECK(out->rows[255] == R"({"score":1.25,"id":5})");

  auto missing = PluginHarness::Create("source/parquet",
                                       "{\"paths\": " + paths + ", \"columns\": [\"nope\"]}");
  REQUIRE(missing.ok());
  auto bad = (*missing)->RunSource();
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message().find("no column named 'nope'") != std::string::npos);
  CHECK(bad.status().message().find("a.parquet") != std::string::npos);

  auto dup = PluginHarness::Create("source/parquet",
                                   "{\"paths\": " + paths + ", \"columns\": [\"id\", \"id\"]}");
  REQUIRE_FALSE(dup.ok());
  CHECK(dup.status().message().find("listed twice") != std::string::npos);
}

TEST_CASE("source/parquet shards row groups across ranks without changing row ids",
          "[parquet][plugin]") {
  TempDir dir;
  SimpleWriterOptions o;
  o.rows_per_row_group = 30;
  MakeFile(dir / "a.parquet", 100, o);  // 4 row groups
  MakeFile(dir / "b.parquet", 70, o);   // 3 row groups
  std::string cfg = "{\"paths\": [\"" + dir.path().string() + "\"]}";
  auto all = PluginHarness::Create("source/parquet", cfg);
  REQUIRE(all.ok());
  auto whole = (*all)->RunSource();
  REQUIRE(whole.ok());
  REQUIRE(whole->rows.size() == 170);
  std::map<uint64_t, std::string> by_id;
  for (size_t i = 0; i < whole->rows.size(); ++i) by_id[whole->row_ids[i].ordinal] = whole->rows[i];
  std::set<uint64_t> seen;
  for (int rank = 0; rank < 3; ++rank) {
    auto h = PluginHarness::Create("source/parquet", cfg);
    REQUIRE(h.ok());
    (*h)->SetRank(rank, 3);
    auto out = (*h)->RunSource();
    REQUIRE(out.ok());
    CHECK(out->counters["parquet.row_groups"] == (rank == 0 ? 3 : 2));
    for (size_t i = 0; i < out->rows.size(); ++i) {
      uint64_t id = out->row_ids[i].ordinal;
      CHECK(seen.insert(id).second);
      CHECK(by_id[id] == out->rows[i]);
    }
  }
  CHECK(seen.size() == 170);

  // `limit` keeps the first rows of the dataset whatever the sharding.
  std::string limited = "{\"paths\": [\"" + dir.path().string() + "\"], \"limit\": 75}";
  std::set<uint64_t> union_ids;
  for (int rank = 0; rank < 3; ++rank) {
    auto h = PluginHarness::Create("source/parquet", limited);
    REQUIRE(h.ok());
    (*h)->SetRank(rank, 3);
    auto out = (*h)->RunSource();
    REQUIRE(out.ok());
    for (const auto& id : out->row_ids) CHECK(union_ids.insert(id.ordinal).second);
  }
  std::set<uint64_t> expected;
  for (size_t i = 0; i < 75; ++i) expected.insert(whole->row_ids[i].ordinal);
  CHECK(union_ids == expected);
}

TEST_CASE("source/parquet fails only the row holding invalid UTF-8", "[parquet][plugin]") {
  TempDir dir;
  std::vector<SimpleColumn> cols(1);
  cols[0].name = "text";
  cols[0].type = Type::kByteArray;
  cols[0].optional = false;
  cols[0].logical.kind = LogicalType::Kind::kString;
  Value a = Value::MakeObject();
  a.set("text", Value("fine"));
  Value b = Value::MakeObject();
  b.set("text", Value(std::string("bad \xff\xfe bytes")));
  Value c = Value::MakeObject();
  c.set("text", Value("also fine"));
  std::string bytes;
  REQUIRE(WriteSimpleParquet(cols, {a, b, c}, {}, &bytes).ok());
  winnow::testing::WriteText(dir / "u.parquet", bytes);
  auto h = PluginHarness::Create("source/parquet",
                                 "{\"paths\": [\"" + (dir / "u.parquet").string() + "\"]}");
  REQUIRE(h.ok());
  auto out = (*h)->RunSource();
  REQUIRE(out.ok());
  CHECK(out->rows == std::vector<std::string>{R"({"text":"fine"})", R"({"text":"also fine"})"});
  REQUIRE(out->rejects.size() == 1);
  CHECK(out->rejects[0].reason == "parquet:invalid_utf8");
  CHECK(out->rejects[0].location.find("u.parquet:2") != std::string::npos);
}

TEST_CASE("source/parquet stops on a corrupt file with its name in the error",
          "[parquet][plugin]") {
  TempDir dir;
  std::string bytes = MakeFile(dir / "x.parquet", 50);
  winnow::testing::WriteText(dir / "x.parquet", bytes.substr(0, bytes.size() / 2));
  auto h = PluginHarness::Create("source/parquet",
                                 "{\"paths\": [\"" + (dir / "x.parquet").string() + "\"]}");
  REQUIRE(h.ok());
  auto out = (*h)->RunSource();
  REQUIRE_FALSE(out.ok());
  CHECK(out.status().message().find("x.parquet") != std::string::npos);
  CHECK(out.status().message().find("PAR1") != std::string::npos);
}
