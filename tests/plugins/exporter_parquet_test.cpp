// exporter/parquet: files read back identically with source/parquet (issue 4's reader)
// and with hyparquet (an independent JavaScript reader run by Node.js); rows that do not
// fit the schema are rejected; empty input; no partial file under the final name.
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>

#include "harness/plugin_harness.h"
#include "parquet_schema.h"
#include "parquet_shred.h"
#include "parquet_writer.h"
#include "winnow/value.h"

namespace fs = std::filesystem;
using winnow::Value;
using winnow::testing::PluginHarness;

namespace {

struct Exported {
  winnow::testing::HarnessOutput out;
  fs::path file;
  std::unique_ptr<PluginHarness> harness;  // keeps the work dir alive
};

Exported Export(const std::vector<std::string>& rows, const std::string& config_json,
                size_t batch_size = 1000) {
  auto h = PluginHarness::Create("exporter/parquet", config_json);
  INFO(config_json);
  REQUIRE(h.ok());
  auto out = (*h)->RunExporter(rows, batch_size);
  if (!out.ok()) FAIL(out.status().ToString());
  Exported e;
  e.out = std::move(out).value();
  if (!e.out.outputs.empty()) e.file = e.out.outputs[0];
  e.harness = std::move(h).value();
  return e;
}

// Rows as source/parquet reads them back (compact JSON).
std::vector<std::string> ReadBack(const fs::path& file) {
  Value cfg = Value::MakeObject();
  Value paths = Value::MakeArray();
  paths.push_back(Value(file.string()));
  cfg.set("paths", std::move(paths));
  auto h = PluginHarness::Create("source/parquet", cfg.ToJson());
  REQUIRE(h.ok());
  auto out = (*h)->RunSource(64);
  if (!out.ok()) FAIL(out.status().ToString());
  CHECK(out->rejects.empty());
  return out->rows;
}

// Installs hyparquet (+ hyparquet-compressors for zstd/gzip) once into <build>/npm.
// Returns "" when ready; otherwise the reason (the caller fails unless WINNOW_SKIP_NPM=1).
std::string EnsureHyparquet(fs::path* prefix) {
  static std::once_flag once;
  static std::string problem;
  static fs::path dir;
  std::call_once(once, [] {
    dir = winnow::testing::BinaryDir() / "npm";
    auto ready = [] {
      return fs::exists(dir / "node_modules" / "hyparquet" / "package.json") &&
             fs::exists(dir / "node_modules" / "hyparquet-compressors" / "package.json");
    };
    if (ready()) return;
    std::string log;
    int rc =
        winnow::testing::RunCommand("npm install --no-audit --no-fund --prefix '" + dir.string() +
                                        "' hyparquet@^1.31 hyparquet-compressors@^1",
                                    &log);
    if (rc != 0 || !ready())
      problem = "npm install hyparquet failed (exit " + std::to_string(rc) + "): " + log;
  });
  *prefix = dir;
  return problem;
}

bool SkipNpm() {
  const char* s = std::getenv("WINNOW_SKIP_NPM");
  return s && std::string(s) == "1";
}

// hyparquet's view of the file: {"num_rows", "row_groups", "columns", "rows"}; null when
// npm is unavailable and WINNOW_SKIP_NPM=1.
Value Hyparquet(const fs::path& file) {
  fs::path prefix;
  std::string problem = EnsureHyparquet(&prefix);
  if (!problem.empty()) {
    if (SkipNpm()) {
      WARN("WINNOW_SKIP_NPM=1: hyparquet check skipped: " << problem);
      return Value();
    }
    FAIL(problem);
  }
  fs::path script =
      winnow::testing::SourceDir() / "tests" / "plugins" / "parquet_hyparquet_read.mjs";
  std::string out;
  int rc = winnow::testing::RunCommand(
      "node '" + script.string() + "' '" + prefix.string() + "' '" + file.string() + "'", &out);
  INFO(out);
  REQUIRE(rc == 0);
  auto v = Value::Parse(out);
  REQUIRE(v.ok());
  return std::move(v).value();
}

// Semantic equality: numbers by value (JSON has no int/double distinction once
// JavaScript printed them), objects by member with missing == null.
bool Same(const Value& a, const Value& b, std::string* where, const std::string& path = "") {
  if (a.is_number() && b.is_number()) {
    if (a.as_number() == b.as_number()) return true;
    *where = path + ": " + a.ToJson() + " vs " + b.ToJson();
    return false;
  }
  if (a.is_object() && b.is_object()) {
    static const Value kNull;
    for (const auto& [k, v] : a.as_object()) {
      const Value* o = b.find(k);
      if (!Same(v, o ? *o : kNull, where, path + "." + k)) return false;
    }
    for (const auto& [k, v] : b.as_object()) {
      if (!a.find(k) && !v.is_null()) {
        *where = path + "." + k + ": missing vs " + v.ToJson();
        return false;
      }
    }
    return true;
  }
  if (a.is_array() && b.is_array()) {
    if (a.size() != b.size()) {
      *where = path + ": " + a.ToJson() + " vs " + b.ToJson();
      return false;
    }
    for (size_t i = 0; i < a.size(); ++i) {
      if (!Same(a.as_array()[i], b.as_array()[i], where, path + "[" + std::to_string(i) + "]")) {
        return false;
      }
    }
    return true;
  }
  if (a == b) return true;
  *where = path + ": " + a.ToJson() + " vs " + b.ToJson();
  return false;
}

void CheckRows(const std::vector<std::string>& expected, const std::vector<Value>& got,
               const char* reader) {
  INFO(reader);
  REQUIRE(got.size() == expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    auto e = Value::Parse(expected[i]);
    REQUIRE(e.ok());
    std::string where;
    INFO("row " << i << ": " << expected[i] << " read as " << got[i].ToJson());
    CHECK(Same(*e, got[i], &where));
    if (!where.empty()) UNSCOPED_INFO(where);
  }
}

// Checks the file against `expected` with both readers.
void CheckBothReaders(const fs::path& file, const std::vector<std::string>& expected) {
  std::vector<Value> ours;
  for (const auto& r : ReadBack(file)) {
    auto v = Value::Parse(r);
    REQUIRE(v.ok());
    ours.push_back(std::move(v).value());
  }
  CheckRows(expected, ours, "source/parquet");
  Value hy = Hyparquet(file);
  if (hy.is_null()) return;
  CHECK(hy.find("num_rows")->as_number() == static_cast<double>(expected.size()));
  std::vector<Value> theirs(hy.find("rows")->as_array().begin(), hy.find("rows")->as_array().end());
  CheckRows(expected, theirs, "hyparquet");
}

std::vector<std::string> FlatRows(int n) {
  std::vector<std::string> rows;
  for (int i = 0; i < n; ++i) {
    std::string r = "{\"id\": " + std::to_string(i * 7 - 20);
    if (i % 5 != 3)
      r += ", \"text\": \"doc " + std::to_string(i) + " \\u00e9t\\u00e9 \\ud83d\\ude00\"";
    r += std::string(", \"lang\": \"") + (i % 3 == 0 ? "en" : i % 3 == 1 ? "fr" : "de") + "\"";
    r += ", \"score\": " + (i % 4 == 0 ? std::string("null") : std::to_string(i) + ".25");
    r += std::string(", \"ok\": ") + (i % 2 ? "true" : "false");
    r += ", \"big\": " + std::to_string(int64_t{1} << 40) + std::to_string(i % 10);
    r += "}";
    rows.push_back(r);
  }
  return rows;
}

std::vector<std::string> NestedRows() {
  return {
      R"({"id": 1, "tags": ["a", "b"], "meta": {"lang": "en", "score": 0.5, "n": 3},)"
      R"( "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}],)"
      R"( "grid": [[1, 2], [3]], "flags": [true, false]})",
      R"({"id": 2, "tags": [], "meta": {"lang": null, "score": 1.5}, "messages": [],)"
      R"( "grid": [[], [4, null]], "flags": null})",
      R"({"id": 3, "tags": null, "meta": null, "messages": [{"role": "user", "content": null}],)"
      R"( "grid": null, "flags": []})",
      R"({"id": 4, "tags": ["c", null, "d"], "messages": [{"role": "system"}, null],)"
      R"( "grid": [null, [5]]})",
      R"({"id": 5})",
      R"({"id": 6, "tags": ["x"], "meta": {"lang": "de", "score": 2, "n": -1},)"
      R"( "messages": [{"role": "user", "content": "long \"quoted\" text\nwith a newline"}],)"
      R"( "grid": [[6, 7, 8]], "flags": [true]})",
  };
}

}  // namespace

TEST_CASE("flat columns round-trip through both readers with every codec", "[parquet]") {
  auto rows = FlatRows(40);
  for (std::string codec : {"none", "snappy", "zstd", "gzip"}) {
    DYNAMIC_SECTION("codec " << codec) {
      auto e = Export(rows, R"({"path": "flat.parquet", "compression": ")" + codec + "\"}");
      REQUIRE(e.out.rejects.empty());
      REQUIRE(e.out.outputs.size() == 1);
      CHECK(e.out.counters["rows_written"] == 40);
      CheckBothReaders(e.file, rows);
      Value hy = Hyparquet(e.file);
      if (!hy.is_null()) {
        const Value& cols = *hy.find("columns");
        REQUIRE(cols.size() == 6);
        std::string want = codec == "none"     ? "UNCOMPRESSED"
                           : codec == "snappy" ? "SNAPPY"
                           : codec == "zstd"   ? "ZSTD"
                                               : "GZIP";
        CHECK(cols.as_array()[0].find("codec")->as_string() == want);
        // Statistics of the flat id column: min, max and null count.
        const Value* stats = cols.as_array()[0].find("statistics");
        REQUIRE(stats->is_object());
        REQUIRE(stats->find("min_value")->is_number());
        CHECK(stats->find("null_count")->as_number() == 0);
        CHECK(stats->find("min_value")->as_number() == -20);
        CHECK(stats->find("max_value")->as_number() == 39 * 7 - 20);
        const Value* score = cols.as_array()[3].find("statistics");
        CHECK(score->find("null_count")->as_number() == 10);
        REQUIRE(score->find("min_value")->is_number());
        CHECK(score->find("min_value")->as_number() == 1.25);
      }
    }
  }
}

TEST_CASE("nested lists, structs, lists of structs and nulls round-trip", "[parquet]") {
  auto rows = NestedRows();
  for (size_t batch : {size_t{1000}, size_t{2}}) {
    DYNAMIC_SECTION("batch size " << batch) {
      auto e = Export(rows, R"({"path": "nested.parquet", "compression": "zstd"})", batch);
      REQUIRE(e.out.rejects.empty());
      CheckBothReaders(e.file, rows);
    }
  }
}

TEST_CASE("a given schema selects and types columns", "[parquet]") {
  std::vector<std::string> rows = {
      R"({"id": 1, "n": 5, "x": 0.5, "f": 1.25, "s": "a", "extra": {"ignored": true}, "l": [1, 2]})",
      R"({"id": 2, "n": -7, "x": 3, "f": 2, "s": null, "l": [], "st": {"a": "z", "b": [true]}})",
  };
  auto e = Export(rows, R"({"path": "given.parquet", "schema": [
      {"name": "id", "type": "int64"}, {"name": "n", "type": "int32"},
      {"name": "x", "type": "double"}, {"name": "f", "type": "float"},
      {"name": "s", "type": "string"}, {"name": "l", "type": "list<int64>"},
      {"name": "st", "type": "struct<a:string, b:list<bool>>"}]})");
  REQUIRE(e.out.rejects.empty());
  std::vector<std::string> expected = {
      R"({"id": 1, "n": 5, "x": 0.5, "f": 1.25, "s": "a", "l": [1, 2], "st": null})",
      R"({"id": 2, "n": -7, "x": 3.0, "f": 2.0, "s": null, "l": [], "st": {"a": "z", "b": [true]}})",
  };
  CheckBothReaders(e.file, expected);
  // The mapping form means the same.
  auto m = Export(rows, R"({"path": "m.parquet", "schema": {"id": "int64", "s": "string"}})");
  CheckBothReaders(m.file, {R"({"id": 1, "s": "a"})", R"({"id": 2, "s": null})"});
}

TEST_CASE("several row groups by size, in order", "[parquet]") {
  auto rows = FlatRows(100);
  auto e = Export(rows, R"({"path": "groups.parquet", "row_group_bytes": 600})", 10);
  REQUIRE(e.out.rejects.empty());
  CHECK(e.out.counters["parquet.row_groups"] >= 3);
  CheckBothReaders(e.file, rows);
  Value hy = Hyparquet(e.file);
  if (!hy.is_null()) {
    CHECK(hy.find("row_groups")->as_number() ==
          static_cast<double>(e.out.counters["parquet.row_groups"]));
  }
}

TEST_CASE("dictionary encoding, its fallback to PLAIN, and dictionary off", "[parquet]") {
  std::vector<std::string> rows;
  for (int i = 0; i < 300; ++i) {
    rows.push_back("{\"lang\": \"" + std::string(i % 3 ? "en" : "fr") +
                   "\", \"u\": \"unique value " + std::to_string(i) +
                   "\", \"n\": " + std::to_string(i % 4) + "}");
  }
  auto encodings = [](const Value& hy, size_t col) {
    std::string all;
    for (const auto& e : hy.find("columns")->as_array()[col].find("encodings")->as_array()) {
      all += e.as_string() + " ";
    }
    return all;
  };
  SECTION("small dictionary: fallback mid-chunk") {
    auto e = Export(rows, R"({"path": "d.parquet", "dictionary_max_bytes": 400})", 20);
    CheckBothReaders(e.file, rows);
    Value hy = Hyparquet(e.file);
    if (!hy.is_null()) {
      CHECK_THAT(encodings(hy, 0), Catch::Contains("RLE_DICTIONARY"));
      // The unique column started with a dictionary and fell back to PLAIN.
      CHECK_THAT(encodings(hy, 1), Catch::Contains("RLE_DICTIONARY"));
      CHECK_THAT(encodings(hy, 1), Catch::Contains("PLAIN"));
    }
  }
  SECTION("dictionary off") {
    auto e =
        Export(rows, R"({"path": "p.parquet", "dictionary": false, "compression": "none"})", 20);
    CheckBothReaders(e.file, rows);
    Value hy = Hyparquet(e.file);
    if (!hy.is_null()) CHECK_THAT(encodings(hy, 0), !Catch::Contains("DICTIONARY"));
  }
}

TEST_CASE("inference widens integers to double and rejects rows that do not fit", "[parquet]") {
  std::vector<std::string> rows = {
      R"({"a": 1, "b": "x", "c": [1]})",
      R"({"a": 2.5, "b": "y", "c": [2, 3.5]})",
      R"({"a": "text", "b": "z"})",            // a: string in a double column
      R"({"a": 3, "b": 4})",                   // b: integer in a string column
      R"({"a": 4, "b": "w", "c": ["s"]})",     // c: list<double> gets a string
      R"({"a": 5, "b": "v", "d": true})",      // d: not in the inferred schema
      R"({"a": 7, "b": "u"})",                 // an integer in a double column
      R"({"a": 6, "b": "t", "c": {"k": 1}})",  // c: object for a list
  };
  auto e = Export(rows, R"({"path": "infer.parquet"})", 4);
  std::map<std::string, int> reasons;
  for (const auto& r : e.out.rejects) reasons[r.reason]++;
  CHECK(reasons["parquet:type_conflict"] == 4);
  CHECK(reasons["parquet:unknown_field"] == 1);
  REQUIRE(e.out.rejects.size() == 5);
  CHECK_THAT(e.out.rejects[0].detail, Catch::Contains("Field 'a' is a double column"));
  CHECK_THAT(e.out.rejects[2].detail, Catch::Contains("c[]"));
  CheckBothReaders(e.file, {R"({"a": 1, "b": "x", "c": [1]})",
                            R"({"a": 2.5, "b": "y", "c": [2, 3.5]})", R"({"a": 7.0, "b": "u"})"});
}

TEST_CASE("a given schema rejects out-of-range and mistyped values", "[parquet]") {
  std::vector<std::string> rows = {
      R"({"n": 1, "s": "ok"})",
      R"({"n": 3000000000, "s": "too big for int32"})",
      R"({"n": 1.5, "s": "a double for an int32"})",
      R"({"n": 2, "s": ["not", "a", "string"]})",
      R"({"n": 2, "s": "dup", "s": "again"})",
  };
  auto e = Export(rows, R"({"path": "r.parquet", "schema": [{"name": "n", "type": "int32"},
                                                           {"name": "s", "type": "string"}]})");
  REQUIRE(e.out.rejects.size() == 4);
  CHECK(e.out.rejects[0].reason == "parquet:out_of_range");
  CHECK(e.out.rejects[1].reason == "parquet:type_conflict");
  CHECK(e.out.rejects[2].reason == "parquet:type_conflict");
  CHECK(e.out.rejects[3].reason == "parquet:duplicate_key");
  CheckBothReaders(e.file, {R"({"n": 1, "s": "ok"})"});
}

TEST_CASE("empty input: no file when inferring, a zero-row file with a schema", "[parquet]") {
  SECTION("inferred") {
    auto e = Export({}, R"({"path": "empty.parquet"})");
    CHECK(e.out.outputs.empty());
    CHECK_FALSE(fs::exists(e.harness->work_dir() / "out" / "empty.parquet"));
    bool warned = false;
    for (const auto& l : e.out.log) warned |= l.find("no file was written") != std::string::npos;
    CHECK(warned);
  }
  SECTION("given schema") {
    auto e =
        Export({}, R"({"path": "empty.parquet", "schema": {"id": "int64", "t": "list<string>"}})");
    REQUIRE(e.out.outputs.size() == 1);
    CHECK(ReadBack(e.file).empty());
    Value hy = Hyparquet(e.file);
    if (!hy.is_null()) CHECK(hy.find("num_rows")->as_number() == 0);
  }
}

TEST_CASE("output bytes do not depend on the run", "[parquet]") {
  auto rows = FlatRows(500);
  auto a = Export(rows, R"({"path": "a.parquet", "row_group_bytes": 5000})", 37);
  auto b = Export(rows, R"({"path": "a.parquet", "row_group_bytes": 5000})", 37);
  std::string x = winnow::testing::ReadText(a.file), y = winnow::testing::ReadText(b.file);
  CHECK(x.size() > 1000);
  CHECK(x == y);
}

TEST_CASE("shards by bytes at row-group boundaries", "[parquet]") {
  auto rows = FlatRows(120);
  auto e = Export(
      rows, R"({"path": "sh/part.parquet", "row_group_bytes": 500, "shard_bytes": 1500})", 10);
  REQUIRE(e.out.outputs.size() >= 2);
  std::vector<Value> all;
  for (const auto& f : e.out.outputs) {
    CHECK(fs::path(f).filename().string().rfind("part-0000", 0) == 0);
    for (const auto& r : ReadBack(f)) all.push_back(*Value::Parse(r));
  }
  CheckRows(rows, all, "source/parquet over shards");
}

TEST_CASE("configuration errors name the key", "[parquet]") {
  auto bad = [](const std::string& cfg) {
    auto h = PluginHarness::Create("exporter/parquet", cfg);
    REQUIRE_FALSE(h.ok());
    return h.status().message();
  };
  CHECK_THAT(bad(R"({"path": "x.parquet", "schema": [{"name": "a", "type": "int8"}]})"),
             Catch::Contains("schema.0.type") && Catch::Contains("unknown type 'int8'"));
  CHECK_THAT(bad(R"({"path": "x.parquet", "schema": [{"name": "a", "type": "list<string"}]})"),
             Catch::Contains("expected '>'"));
  CHECK_THAT(bad(R"({"path": "x.parquet", "schema": "id:int64"})"), Catch::Contains("schema"));
  CHECK_THAT(bad(R"({"path": "x.parquet", "schema": [{"name": "a", "type": "int64"},
                                                      {"name": "a", "type": "string"}]})"),
             Catch::Contains("two columns are named 'a'"));
  CHECK_THAT(bad(R"({"path": "x.parquet.zst"})"), Catch::Contains("path"));
  CHECK_THAT(bad(R"({"path": "x.parquet", "compression": "lzo"})"), Catch::Contains("compression"));
}

TEST_CASE("a crash mid-write leaves no file under the final name", "[parquet]") {
  winnow::testing::TempDir dir;
  const fs::path final_path = dir / "crash.parquet";
  auto schema = winnow::pqw::WriterSchema::Make([] {
    std::vector<winnow::pqw::Field> f;
    auto t = winnow::pqw::ParseType("string");
    REQUIRE(t.ok());
    t->name = "text";
    f.push_back(*t);
    return f;
  }());
  REQUIRE(schema.ok());
  auto write_some = [&](winnow::pqw::FileWriter& w) {
    winnow::Batch b;
    for (int i = 0; i < 50; ++i) {
      b.rows.push_back(winnow::Record::FromJson({0, static_cast<uint64_t>(i)},
                                                "{\"text\": \"row " + std::to_string(i) + "\"}"));
    }
    std::string enc;
    int64_t rejected = 0;
    REQUIRE(winnow::pqw::EncodeBatch(*schema, {}, b, &enc, &rejected).ok());
    winnow::pqw::BatchView view;
    REQUIRE(winnow::pqw::ParseEncoded(enc, 1, &view).ok());
    REQUIRE(w.Add(view).ok());
    REQUIRE(w.FlushRowGroup().ok());
  };
  SECTION("the process dies after writing row groups") {
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      winnow::pqw::FileWriter w(*schema, {});
      if (!w.Open(final_path).ok()) ::_exit(3);
      winnow::Batch b;
      b.rows.push_back(winnow::Record::FromJson({0, 0}, R"({"text": "x"})"));
      std::string enc;
      int64_t rejected = 0;
      if (!winnow::pqw::EncodeBatch(*schema, {}, b, &enc, &rejected).ok()) ::_exit(4);
      winnow::pqw::BatchView view;
      if (!winnow::pqw::ParseEncoded(enc, 1, &view).ok() || !w.Add(view).ok() ||
          !w.FlushRowGroup().ok()) {
        ::_exit(5);
      }
      ::_exit(0);  // no destructors, no Finish: a crash
    }
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);
    CHECK_FALSE(fs::exists(final_path));
    bool temp_left = false;
    for (const auto& f : fs::directory_iterator(dir.path())) temp_left |= f.path() != final_path;
    CHECK(temp_left);  // the crash left only the temporary
  }
  SECTION("abort removes the temporary too") {
    {
      winnow::pqw::FileWriter w(*schema, {});
      REQUIRE(w.Open(final_path).ok());
      write_some(w);
      w.Abort();
    }
    CHECK(fs::is_empty(dir.path()));
  }
  SECTION("finish puts a readable file in place") {
    winnow::pqw::FileWriter w(*schema, {});
    REQUIRE(w.Open(final_path).ok());
    write_some(w);
    write_some(w);
    CHECK_FALSE(fs::exists(final_path));
    REQUIRE(w.Finish().ok());
    CHECK(ReadBack(final_path).size() == 100);
  }
}

TEST_CASE("edited records (Value path) encode exactly like raw JSON rows", "[parquet]") {
  auto rows = NestedRows();
  std::vector<winnow::pqw::Field> fields;
  winnow::Batch raw, edited;
  for (size_t i = 0; i < rows.size(); ++i) {
    raw.rows.push_back(winnow::Record::FromJson({0, i}, rows[i]));
    auto v = Value::Parse(rows[i]);
    REQUIRE(v.ok());
    edited.rows.emplace_back(winnow::RowId{0, i}, std::move(v).value());
  }
  auto schema = winnow::pqw::WriterSchema::Make(winnow::pqw::InferFields(raw));
  REQUIRE(schema.ok());
  auto schema2 = winnow::pqw::WriterSchema::Make(winnow::pqw::InferFields(edited));
  REQUIRE(schema2.ok());
  CHECK(schema->ToString() == schema2->ToString());
  CHECK(schema->ToString() ==
        "id: int64, tags: list<string>, meta: struct<lang:string,score:double,n:int64>, "
        "messages: list<struct<role:string,content:string>>, grid: list<list<int64>>, "
        "flags: list<bool>");
  std::string a, b;
  int64_t ra = 0, rb = 0;
  REQUIRE(winnow::pqw::EncodeBatch(*schema, {}, raw, &a, &ra).ok());
  REQUIRE(winnow::pqw::EncodeBatch(*schema, {}, edited, &b, &rb).ok());
  CHECK(ra == 0);
  CHECK(rb == 0);
  CHECK(a == b);

  // Invalid UTF-8 can only arrive through the Value path (JSON parsing refuses it).
  winnow::Batch bad;
  Value row = Value::MakeObject();
  row.set("id", 1);
  row.set("tags", Value(winnow::Array{Value(std::string("ok")), Value(std::string("bad \xff"))}));
  bad.rows.emplace_back(winnow::RowId{0, 0}, std::move(row));
  std::string c;
  int64_t rc = 0;
  REQUIRE(winnow::pqw::EncodeBatch(*schema, {}, bad, &c, &rc).ok());
  CHECK(rc == 1);
  bad.Compact();
  REQUIRE(bad.rejects.size() == 1);
  CHECK(bad.rejects[0].reason == "parquet:invalid_utf8");
  CHECK_THAT(bad.rejects[0].detail, Catch::Contains("tags[]"));
}

TEST_CASE("winnow run: same bytes for 1 and 4 threads, schema from the first non-empty batch",
          "[parquet][pipeline]") {
  winnow::testing::TempDir dir;
  std::string jsonl;
  for (int i = 0; i < 2000; ++i) {
    jsonl += "{\"id\": " + std::to_string(i) + ", \"text\": \"row " + std::to_string(i) +
             "\", \"tags\": [\"t" + std::to_string(i % 7) + "\"]" +
             (i % 3 ? ", \"meta\": {\"n\": " + std::to_string(i % 5) + "}" : std::string()) +
             (i == 1500 ? ", \"surprise\": 1" : "") + "}\n";
  }
  winnow::testing::WriteText(dir / "in.jsonl", jsonl);
  // The filter empties the first six batches (of 50 rows): the schema must come from
  // batch 6 whatever the thread count.
  winnow::testing::WriteText(dir / "p.yaml",
                             "name: pq\nrun:\n  batch_size: 50\nsteps:\n"
                             "  - name: read\n    uses: source/jsonl\n"
                             "    with: {paths: [" +
                                 (dir / "in.jsonl").string() +
                                 "]}\n"
                                 "  - name: keep\n    uses: transform/filter\n"
                                 "    with: {where: {field: id, gte: 300}}\n"
                                 "  - name: write\n    uses: exporter/parquet\n"
                                 "    with: {path: t.parquet, row_group_bytes: 4000}\n");
  std::string first;
  for (int threads : {1, 4}) {
    fs::path out = dir / ("out" + std::to_string(threads));
    std::string log;
    int rc = winnow::testing::RunCommand(winnow::testing::WinnowBinary().string() + " -q run '" +
                                             (dir / "p.yaml").string() + "' --no-cache --threads " +
                                             std::to_string(threads) +
                                             " --set run.output_dir=" + out.string(),
                                         &log);
    INFO(log);
    REQUIRE(rc == 0);
    std::string bytes = winnow::testing::ReadText(out / "t.parquet");
    REQUIRE(bytes.size() > 1000);
    if (first.empty()) {
      first = bytes;
      std::vector<std::string> expected;
      for (int i = 300; i < 2000; ++i) {
        if (i == 1500) continue;  // rejected: "surprise" is not in the inferred schema
        expected.push_back(
            "{\"id\": " + std::to_string(i) + ", \"text\": \"row " + std::to_string(i) +
            "\", \"tags\": [\"t" + std::to_string(i % 7) + "\"]" +
            (i % 3 ? ", \"meta\": {\"n\": " + std::to_string(i % 5) + "}" : std::string()) + "}");
      }
      CheckBothReaders(out / "t.parquet", expected);
      std::string rejects = winnow::testing::ReadText(out / "rejects" / "write.jsonl");
      CHECK_THAT(rejects, Catch::Contains("parquet:unknown_field"));
    } else {
      CHECK(bytes == first);
    }
  }
}

TEST_CASE("under MPI each rank writes its own file and rank 0 a manifest", "[parquet]") {
  auto h = PluginHarness::Create("exporter/parquet", R"({"path": "d/part.parquet"})");
  REQUIRE(h.ok());
  (*h)->SetRank(0, 2);
  auto out = (*h)->RunExporter(FlatRows(5));
  REQUIRE(out.ok());
  REQUIRE(out->outputs.size() == 1);
  CHECK(fs::path(out->outputs[0]).filename() == "part-rank00000.parquet");
  CHECK(ReadBack(out->outputs[0]).size() == 5);
  auto manifest = Value::Parse(
      winnow::testing::ReadText((*h)->work_dir() / "out" / "d" / "part.manifest.json"));
  REQUIRE(manifest.ok());
  CHECK(manifest->find("rows")->as_int() == 5);
  REQUIRE(manifest->find("files")->as_array().size() == 1);
  CHECK(manifest->find("files")->as_array()[0].as_string() == out->outputs[0]);
}

namespace {

// Random rows of one nested shape with nulls, missing members, empty lists and
// strings (control characters, quotes, non-ASCII) at every level.
std::vector<std::string> RandomNestedRows(uint64_t seed, int n) {
  uint64_t s = seed * 0x9E3779B97F4A7C15ULL + 1;
  auto next = [&]() {
    s ^= s >> 12;
    s ^= s << 25;
    s ^= s >> 27;
    return s * 0x2545F4914F6CDD1DULL;
  };
  auto pick = [&](int k) { return static_cast<int>(next() % static_cast<uint64_t>(k)); };
  auto str = [&]() -> Value {
    static const char* const kParts[] = {"a", "é", "\"q\"", "\n", "\t", "日本", "", "xyz", "\\"};
    std::string out;
    for (int i = pick(4); i > 0; --i) out += kParts[pick(9)];
    return Value(out);
  };
  auto maybe = [&](auto make) -> std::optional<Value> {
    int r = pick(10);
    if (r == 0) return std::nullopt;  // missing
    if (r == 1) return Value();       // null
    return make();
  };
  std::vector<std::string> rows;
  for (int i = 0; i < n; ++i) {
    Value row = Value::MakeObject();
    auto put = [&](Value& obj, const char* key, std::optional<Value> v) {
      if (v) obj.set(key, std::move(*v));
    };
    put(row, "a", maybe([&] { return Value(static_cast<int64_t>(next() % 2000) - 1000); }));
    put(row, "b", maybe([&] {
          Value list = Value::MakeArray();
          for (int k = pick(4); k > 0; --k) {
            auto elem = maybe([&] {
              Value st = Value::MakeObject();
              put(st, "x", maybe(str));
              put(st, "y", maybe([&] {
                    Value ys = Value::MakeArray();
                    for (int j = pick(3); j > 0; --j) {
                      auto y = maybe([&] { return Value(static_cast<double>(pick(100)) / 8); });
                      ys.push_back(y ? *y : Value());
                    }
                    return ys;
                  }));
              return st;
            });
            list.push_back(elem ? *elem : Value());
          }
          return list;
        }));
    put(row, "c", maybe([&] {
          Value st = Value::MakeObject();
          put(st, "d", maybe([&] {
                Value outer = Value::MakeArray();
                for (int k = pick(3); k > 0; --k) {
                  auto inner = maybe([&] {
                    Value in = Value::MakeArray();
                    for (int j = pick(3); j > 0; --j)
                      in.push_back(
                          Value(pick(5) == 0 ? Value() : Value(static_cast<int64_t>(pick(50)))));
                    return in;
                  });
                  outer.push_back(inner ? *inner : Value());
                }
                return outer;
              }));
          put(st, "e", maybe([&] { return Value(pick(2) == 0); }));
          return st;
        }));
    put(row, "s", maybe(str));
    rows.push_back(row.ToJson());
  }
  return rows;
}

}  // namespace

TEST_CASE("random nested rows round-trip through both readers", "[parquet]") {
  const char* kSchema = R"("schema": [{"name": "a", "type": "int64"},
      {"name": "b", "type": "list<struct<x:string,y:list<double>>>"},
      {"name": "c", "type": "struct<d:list<list<int64>>,e:bool>"}, {"name": "s", "type": "string"}])";
  int round = 0;
  for (std::string codec : {"snappy", "zstd", "none"}) {
    auto rows = RandomNestedRows(static_cast<uint64_t>(++round), 300);
    std::string cfg = R"({"path": "r.parquet", "compression": ")" + codec +
                      R"(", "row_group_bytes": 2000, "dictionary_max_bytes": 200, )" + kSchema +
                      "}";
    auto e = Export(rows, cfg, 17);
    REQUIRE(e.out.rejects.empty());
    CHECK(e.out.counters["parquet.row_groups"] > 2);
    CheckBothReaders(e.file, rows);
  }
}

TEST_CASE("rows of the first batch without any member are rejected; the next batch infers",
          "[parquet]") {
  auto e = Export({"{}", R"({"gone": {}})", R"({"a": 1})", "{}"}, R"({"path": "nc.parquet"})", 2);
  REQUIRE(e.out.rejects.size() == 2);
  CHECK(e.out.rejects[0].reason == "parquet:no_columns");
  CHECK(e.out.rejects[1].reason == "parquet:no_columns");
  CheckBothReaders(e.file, {R"({"a": 1})", R"({"a": null})"});
}

TEST_CASE("a json column keeps free-form values as their JSON text", "[parquet]") {
  std::vector<std::string> rows = {
      R"({"id": 1, "meta": {"a": 1, "b": [true, null]}})",
      R"({"id": 2, "meta": [1, "x", {"k": 0.5}]})",
      R"({"id": 3, "meta": "plain \"string\""})",
      R"({"id": 4, "meta": null})",
      R"({"id": 5})",
      R"({"id": 6, "meta": 2.5e-7, "other": 1})",
  };
  auto e = Export(rows, R"({"path": "j.parquet", "schema": {"id": "int64", "meta": "json"}})");
  REQUIRE(e.out.rejects.empty());
  // source/parquet keeps JSON-annotated columns as strings: parse them back.
  auto ours = ReadBack(e.file);
  REQUIRE(ours.size() == rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    Value want = *Value::Parse(rows[i]);
    Value got = *Value::Parse(ours[i]);
    const Value* text = got.find("meta");
    REQUIRE(text);
    const Value* expected = want.find("meta");
    if (!expected || expected->is_null()) {
      CHECK(text->is_null());
      continue;
    }
    REQUIRE(text->is_string());
    auto parsed = Value::Parse(text->as_string());
    REQUIRE(parsed.ok());
    std::string where;
    INFO(text->as_string());
    CHECK(Same(*expected, *parsed, &where));
  }
  // hyparquet parses JSON-annotated columns: the rows come back as they went in.
  Value hy = Hyparquet(e.file);
  if (!hy.is_null()) {
    std::vector<Value> theirs(hy.find("rows")->as_array().begin(),
                              hy.find("rows")->as_array().end());
    std::vector<std::string> expected(rows.begin(), rows.end());
    expected.back() = R"({"id": 6, "meta": 2.5e-7})";
    CheckRows(expected, theirs, "hyparquet");
  }
  // json is accepted inside nested types too.
  auto nested = Export({R"({"l": [{"x": 1}, [2], "s"]})"},
                       R"({"path": "jl.parquet", "schema": {"l": "list<json>"}})");
  REQUIRE(nested.out.rejects.empty());
  auto back = ReadBack(nested.file);
  REQUIRE(back.size() == 1);
  CHECK(back[0] == R"({"l":["{\"x\":1}","[2]","\"s\""]})");
}

TEST_CASE("unknown_fields chooses between rejecting rows and dropping members", "[parquet]") {
  std::vector<std::string> rows = {R"({"a": 1, "m": {"x": 1}})",
                                   R"({"a": 2, "b": 3, "m": {"y": 2}})"};
  auto dropped = Export(rows, R"({"path": "u.parquet", "unknown_fields": "drop"})", 1);
  CHECK(dropped.out.rejects.empty());
  CheckBothReaders(dropped.file, {R"({"a": 1, "m": {"x": 1}})", R"({"a": 2, "m": {"x": null}})"});
  auto rejected = Export(rows, R"({"path": "u.parquet", "unknown_fields": "reject",
                                   "schema": {"a": "int64", "m": "struct<x:int64>"}})");
  REQUIRE(rejected.out.rejects.size() == 1);
  CHECK(rejected.out.rejects[0].reason == "parquet:unknown_field");
  CheckBothReaders(rejected.file, {R"({"a": 1, "m": {"x": 1}})"});
}
