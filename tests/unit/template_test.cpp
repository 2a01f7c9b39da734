// Tests of winnow/template.h.
#include "winnow/template.h"

#include <catch2/catch.hpp>

using winnow::Record;
using winnow::RowId;
using winnow::StatusCode;
using winnow::Template;
using winnow::Value;

namespace {
Record Row(std::string_view json) {
  return Record::FromJson(RowId{0, 7}, json);
}
}  // namespace

TEST_CASE("placeholders are filled from top-level and nested fields", "[template]") {
  auto rec = Row(R"({"instruction":"Say \"hi\"","n":3,"ok":true,"meta":{"tags":["a","b"]},)"
                 R"("msgs":[{"content":"first"}],"x":1.5})");
  auto t = Template::Parse(
      "Q: {{instruction}} / {{ n }} / {{ok}} / {{meta.tags.1}} / "
      "{{ msgs.0.content }} / {{meta.tags}} / {{x}}");
  REQUIRE(t.ok());
  auto out = t->Render(rec);
  REQUIRE(out.ok());
  CHECK(*out == R"(Q: Say "hi" / 3 / true / b / first / ["a","b"] / 1.5)");
  CHECK(t->fields() == std::vector<std::string>{"instruction", "n", "ok", "meta.tags.1",
                                                "msgs.0.content", "meta.tags", "x"});

  auto json = Template::Parse("{{instruction | json}}");
  REQUIRE(json.ok());
  CHECK(*json->Render(rec) == R"("Say \"hi\"")");

  auto lit = Template::Parse(R"(a {{ "{{" }}b}} {{ "}}" }})");
  REQUIRE(lit.ok());
  CHECK(*lit->Render(rec) == "a {{b}} }}");

  auto plain = Template::Parse("no placeholders");
  REQUIRE(plain.ok());
  CHECK(*plain->Render(rec) == "no placeholders");
  auto empty = Template::Parse("");
  REQUIRE(empty.ok());
  CHECK(*empty->Render(rec) == "");
}

TEST_CASE("missing and null fields are errors naming the field and row", "[template]") {
  auto rec = Row(R"({"a":null,"b":{"c":1}})");
  auto missing = winnow::RenderTemplate("x {{nope}}", rec);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == StatusCode::kInvalidArgument);
  CHECK(missing.status().message() ==
        "the template needs field 'nope', which row 0:7 does not have");
  auto null = winnow::RenderTemplate("{{a}}", rec);
  REQUIRE_FALSE(null.ok());
  CHECK(null.status().message() == "the template needs field 'a', which is null in row 0:7");
  auto nested = winnow::RenderTemplate("{{b.d}}", rec);
  REQUIRE_FALSE(nested.ok());
  CHECK(nested.status().message().find("'b.d'") != std::string::npos);
  CHECK_FALSE(winnow::RenderTemplate("{{b.c.0}}", rec).ok());
}

TEST_CASE("bad templates fail to parse with the offset", "[template]") {
  auto open = Template::Parse("abc {{ x");
  REQUIRE_FALSE(open.ok());
  CHECK(open.status().message().find("offset 4") != std::string::npos);
  CHECK_FALSE(Template::Parse("{{}}").ok());
  CHECK_FALSE(Template::Parse("{{ a b }}").ok());
  CHECK_FALSE(Template::Parse("{{ a..b }}").ok());
  auto filter = Template::Parse("{{ a | upper }}");
  REQUIRE_FALSE(filter.ok());
  CHECK(filter.status().message().find("unknown filter 'upper'") != std::string::npos);
}

TEST_CASE("rendering against variables", "[template]") {
  Value vars = Value::MakeObject();
  vars.set("instruction", "Explain X");
  Value list = Value::MakeArray();
  list.push_back("one");
  list.push_back(2);
  vars.set("items", list);
  auto t = Template::Parse("{{instruction}}: {{items.0}}, {{items.1}}");
  REQUIRE(t.ok());
  CHECK(*t->Render(vars) == "Explain X: one, 2");
  auto bad = Template::Parse("{{missing}}")->Render(vars);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message() ==
        "the template needs field 'missing', which the row does not have");
  CHECK(winnow::FindPath(vars, "items.5") == nullptr);
  CHECK(winnow::ValueToText(Value(3.25)) == "3.25");
}
