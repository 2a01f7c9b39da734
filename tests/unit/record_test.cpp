// Record, Value and Batch: lazy reads, byte-exact passthrough, edits, rejects.
#include <catch2/catch.hpp>

#include "winnow/batch.h"
#include "winnow/record.h"
#include "winnow/value.h"

using namespace winnow;

TEST_CASE("unedited records are written back byte for byte") {
  std::string raw = R"({ "text" : "caf\u00e9 \"x\"",  "n": 1.50, "nested": {"a": [1, 2 ]} })";
  Record r = Record::FromJson({0, 1}, raw);
  std::string out;
  REQUIRE(r.AppendJson(out).ok());
  CHECK(out == raw);
}

TEST_CASE("reading one field returns its unescaped text") {
  Record r = Record::FromJson({0, 1}, R"({"id": 7, "text": "line\nbreak \u00e9"})");
  std::string scratch;
  TextField f = r.GetText("text", scratch);
  REQUIRE(f.state == FieldState::kPresent);
  CHECK(f.text == "line\nbreak \xC3\xA9");
  CHECK(r.GetText("missing", scratch).state == FieldState::kMissing);
  TextField n = r.GetText("id", scratch);
  CHECK(n.state == FieldState::kWrongType);
}

TEST_CASE("edits keep untouched members byte-exact and in place") {
  Record r = Record::FromJson({0, 1}, R"({"a": 1.0, "b": "x",  "c" : [1,2]})");
  r.Set("b", Value("y"));
  r.Set("d", Value(true));
  r.Remove("c");
  std::string out;
  REQUIRE(r.AppendJson(out).ok());
  CHECK(out == R"({"a":1.0,"b":"y","d":true})");
  auto b = r.Get("b");
  REQUIRE(b.ok());
  CHECK((*b)->as_string() == "y");
  CHECK_FALSE(r.Has("c"));
  auto keys = r.Keys();
  REQUIRE(keys.ok());
  CHECK(*keys == std::vector<std::string>{"a", "b", "d"});
}

TEST_CASE("nested paths reach into objects and arrays") {
  Record r = Record::FromJson({0, 1}, R"({"messages": [{"role": "user", "content": "hi"}]})");
  auto v = r.GetPath("messages.0.content");
  REQUIRE(v.ok());
  REQUIRE(v->has_value());
  CHECK((*v)->as_string() == "hi");
  auto missing = r.GetPath("messages.3.content");
  REQUIRE(missing.ok());
  CHECK_FALSE(missing->has_value());
}

TEST_CASE("shallow validation finds malformed lines") {
  CHECK(Record::FromJson({}, R"({"a": [1, {"b": null}]})").ValidateShallow().ok());
  CHECK_FALSE(Record::FromJson({}, R"({"a": tru})").ValidateShallow().ok());
  CHECK_FALSE(Record::FromJson({}, R"({"a": [1, {"b": nul}]})").ValidateShallow().ok());
  CHECK_FALSE(Record::FromJson({}, R"([1, 2])").ValidateShallow().ok());
  CHECK_FALSE(Record::FromJson({}, R"({"a": 1} {"b": 2})").ValidateShallow().ok());
  CHECK_FALSE(Record::FromJson({}, R"({"a": "\q"})").ValidateShallow().ok());
  CHECK_FALSE(Record::FromJson({}, "{\"a\": \"\xC3\x28\"}").ValidateShallow().ok());
  CHECK_FALSE(Record::FromJson({}, R"({"a": )").ValidateShallow().ok());
}

TEST_CASE("records built from values serialise in member order") {
  Value v = Value::MakeObject();
  v.set("z", 1);
  v.set("a", "b");
  Record r({1, 2}, v);
  std::string out;
  REQUIRE(r.AppendJson(out).ok());
  CHECK(out == R"({"z":1,"a":"b"})");
}

TEST_CASE("Value parses and prints JSON") {
  auto v = Value::Parse(R"({"a": [1, 2.5, "s", null, true], "b": {"c": -3}})");
  REQUIRE(v.ok());
  CHECK(v->ToJson() == R"({"a":[1,2.5,"s",null,true],"b":{"c":-3}})");
  CHECK_FALSE(Value::Parse("{").ok());
  CHECK(Value(1.0).ToJson() == "1.0");
  CHECK(Value(std::string("\x01\"")).ToJson() == "\"\\u0001\\\"\"");
}

TEST_CASE("Batch moves marked rows into rejects in row order") {
  Batch b;
  for (int i = 0; i < 5; ++i) {
    b.rows.push_back(Record::FromJson({0, static_cast<uint64_t>(i)}, "{\"i\":" + std::to_string(i) + "}"));
  }
  b.Drop(3, "dup", "same as 0:1");
  b.Fail(1, "bad", "broken");
  b.Drop(1, "ignored", "first decision wins");
  b.Compact();
  REQUIRE(b.rows.size() == 3);
  CHECK(b.rows[0].id().ordinal == 0);
  CHECK(b.rows[1].id().ordinal == 2);
  REQUIRE(b.rejects.size() == 2);
  CHECK(b.rejects[0].reason == "bad");
  CHECK(b.rejects[0].kind == RejectKind::kError);
  CHECK(b.rejects[1].reason == "dup");
  CHECK(b.rejects[1].record_json == "{\"i\":3}");
}
