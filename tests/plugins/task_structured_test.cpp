// task/structured against a fake server, plus its JSON Schema validator
// (structured_schema.cpp is compiled into this test).
#include <catch2/catch.hpp>

#include "fixtures/llm_task_testing.h"
#include "harness/plugin_harness.h"
#include "structured_schema.h"

using namespace winnow::testing;
using winnow::Value;
using winnow::tasks::SchemaValidator;

namespace {
const char* kPersonSchema =
    R"({"type":"object","properties":{"name":{"type":"string"},)"
    R"("age":{"type":"integer","minimum":0}},"required":["name","age"],"additionalProperties":false})";

// Answers depend on the row text and on how many times it was asked.
void PlayModel(FakeOpenAIServer& fake) {
  fake.Respond([](const Value& body, int) -> std::optional<std::string> {
    const auto& msgs = body.find("messages")->as_array();
    std::string first = msgs[0].find("content")->as_string();
    size_t asked = (msgs.size() + 1) / 2;  // user, assistant, user, ...
    if (first.find("regex:") != std::string::npos) return asked == 1 ? "maybe" : " yes ";
    if (first.find("never") != std::string::npos) return R"({"name": "x"})";
    if (first.find("fenced") != std::string::npos) {
      return "Sure!\n```json\n{\"name\": \"Fen\", \"age\": 3}\n```";
    }
    if (first.find("retry") != std::string::npos && asked == 1) {
      return R"({"name": "Ann", "age": "ten"})";
    }
    return R"({"name": "Ann", "age": 10})";
  });
}
}  // namespace

TEST_CASE("structured output is validated and re-asked when invalid", "[task_structured]") {
  FakeOpenAIServer fake;
  PlayModel(fake);
  auto h = PluginHarness::Create("task/structured",
                                 std::string(R"({"llm": "w", "prompt": "Describe {{who}}.",
                                     "raw_field": "raw", "json_schema": )") +
                                     kPersonSchema + "}");
  REQUIRE(h.ok());
  REQUIRE((*h)->AddLlm("w", "llm/openai", FakeLlmConfig(fake)).ok());
  auto out = (*h)->RunStage({R"({"who":"plain"})", R"({"who":"retry"})", R"({"who":"never"})",
                             R"({"who":"fenced"})", R"({"nobody":1})"});
  REQUIRE(out.ok());
  REQUIRE(out->rows.size() == 3);
  CHECK(ParseJson(out->rows[0]).find("structured")->ToJson() == R"({"name":"Ann","age":10})");
  CHECK(ParseJson(out->rows[1]).find("structured")->ToJson() == R"({"name":"Ann","age":10})");
  CHECK(ParseJson(out->rows[2]).find("structured")->ToJson() == R"({"name":"Fen","age":3})");
  CHECK(ParseJson(out->rows[2]).find("raw")->as_string().find("```json") != std::string::npos);

  REQUIRE(out->rejects.size() == 2);
  CHECK(out->rejects[0].reason == "structured:invalid");
  CHECK(out->rejects[0].detail.find("after 3 attempt(s)") != std::string::npos);
  CHECK(out->rejects[0].detail.find("required member 'age'") != std::string::npos);
  CHECK(out->rejects[1].reason == "structured:template");

  // The constraint went out the vllm way, and the prompt described it.
  Value body = ParseJson(fake.bodies()[0]);
  CHECK(body.find("guided_json")->ToJson() == ParseJson(kPersonSchema).ToJson());
  CHECK(FakeOpenAIServer::LastMessage(body).find("JSON schema") != std::string::npos);
  // plain 1 + retry 2 + never 3 + fenced 1
  CHECK(fake.requests() == 7);
  CHECK(out->counters["structured.reasked"] == 3);
}

TEST_CASE("structured with a regex", "[task_structured]") {
  FakeOpenAIServer fake;
  PlayModel(fake);
  const std::string config =
      R"J({"llm": "w", "prompt": "regex: {{q}}", "regex": "(yes|no)", "output_field": "answer"})J";
  auto h = PluginHarness::Create("task/structured", config);
  REQUIRE(h.ok());
  REQUIRE((*h)->AddLlm("w", "llm/openai", FakeLlmConfig(fake)).ok());
  auto out = (*h)->RunStage({R"({"q":"is it?"})"});
  REQUIRE(out.ok());
  REQUIRE(out->rows.size() == 1);
  CHECK(ParseJson(out->rows[0]).find("answer")->as_string() == "yes");
  CHECK(ParseJson(fake.bodies()[0]).find("guided_regex")->as_string() == "(yes|no)");
  // The re-ask explained the problem.
  Value second = ParseJson(fake.bodies()[1]);
  CHECK(FakeOpenAIServer::LastMessage(second).find("does not match") != std::string::npos);
}

TEST_CASE("structured configuration errors", "[task_structured]") {
  CHECK_FALSE(PluginHarness::Create("task/structured", R"({"llm": "w"})").ok());
  CHECK_FALSE(
      PluginHarness::Create("task/structured", R"({"llm": "w", "regex": "a", "json_schema": {}})")
          .ok());
  auto bad_regex = PluginHarness::Create("task/structured", R"({"llm": "w", "regex": "(a"})");
  REQUIRE_FALSE(bad_regex.ok());
  CHECK(bad_regex.status().message().find("regex") != std::string::npos);
  auto bad_schema =
      PluginHarness::Create("task/structured", R"({"llm": "w", "json_schema": {"type": "object",
                            "properties": {"a": {"type": "strin"}}}})");
  REQUIRE_FALSE(bad_schema.ok());
  CHECK(bad_schema.status().message().find("unknown type") != std::string::npos);
}

TEST_CASE("JSON Schema validator subset", "[task_structured][schema]") {
  auto check = [](const char* schema, const char* value) {
    auto v = SchemaValidator::Compile(ParseJson(schema));
    REQUIRE(v.ok());
    return v->Validate(ParseJson(value));
  };
  CHECK(check(kPersonSchema, R"({"name":"a","age":1})") == "");
  CHECK(check(kPersonSchema, R"({"name":"a","age":-1})") == "$.age: -1 is below the minimum 0");
  CHECK(check(kPersonSchema, R"({"name":"a","age":1.5})") ==
        "$.age: expected integer, found number");
  CHECK(check(kPersonSchema, R"({"name":"a","age":2.0})") == "");
  CHECK(check(kPersonSchema, R"({"name":"a","age":1,"x":0})") ==
        "$: the member 'x' is not allowed");
  CHECK(check(kPersonSchema, R"([1])") == "$: expected object, found array");
  CHECK(check(R"({"type":"array","items":{"enum":["a","b"]},"minItems":2,"uniqueItems":true})",
              R"(["a","b"])") == "");
  CHECK(check(R"({"type":"array","items":{"enum":["a","b"]},"minItems":2})", R"(["a","c"])") ==
        R"($[1]: "c" is not one of ["a","b"])");
  CHECK(check(R"({"type":"array","minItems":2})", R"([1])") ==
        "$: expected at least 2 items, found 1");
  CHECK(check(R"({"type":"array","uniqueItems":true})", R"([1,1.0])") ==
        "$: items 0 and 1 are equal");
  CHECK(check(R"({"type":"string","pattern":"^[a-z]+$","maxLength":3})", R"("abc")") == "");
  CHECK(check(R"({"type":"string","pattern":"^[a-z]+$"})", R"("ab1")").find("pattern") !=
        std::string::npos);
  CHECK(check(R"({"type":"string","maxLength":2})", R"("héé")").find("longer") !=
        std::string::npos);
  CHECK(check(R"({"anyOf":[{"type":"string"},{"type":"integer"}]})", "3") == "");
  CHECK(check(R"({"anyOf":[{"type":"string"},{"type":"integer"}]})", "true").find("anyOf") !=
        std::string::npos);
  CHECK(check(R"({"oneOf":[{"type":"number"},{"type":"integer"}]})", "3").find("2 of the oneOf") !=
        std::string::npos);
  CHECK(check(R"({"not":{"type":"null"}})", "null").find("must not") != std::string::npos);
  CHECK(
      check(
          R"({"$defs":{"p":{"type":"object","required":["id"]}},"type":"array","items":{"$ref":"#/$defs/p"}})",
          R"([{"id":1},{}])") == "$[1]: the required member 'id' is missing");
  CHECK(check(R"({"type":["string","null"]})", "null") == "");
  CHECK(check(R"({"const":{"a":[1,2]}})", R"({"a":[1,2.0]})") == "");
  CHECK(check(R"({"prefixItems":[{"type":"string"}],"items":{"type":"integer"}})",
              R"(["a",1,"b"])") == "$[2]: expected integer, found string");
  CHECK(check("false", "1") == "$: no value is allowed here");
  CHECK(check(R"({"properties":{"a b":{"type":"integer"}}})", R"({"a b":"x"})") ==
        R"($["a b"]: expected integer, found string)");

  CHECK_FALSE(SchemaValidator::Compile(ParseJson(R"({"$ref":"#/$defs/missing"})")).ok());
  CHECK_FALSE(SchemaValidator::Compile(ParseJson(R"({"pattern":"("})")).ok());
  CHECK_FALSE(SchemaValidator::Compile(ParseJson(R"({"required":"a"})")).ok());
  CHECK_FALSE(SchemaValidator::Compile(ParseJson("3")).ok());
}
