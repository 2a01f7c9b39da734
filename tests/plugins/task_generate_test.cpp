// task/generate against llm/openai and a fake OpenAI server.
#include <catch2/catch.hpp>

#include "fixtures/fake_openai_server.h"
#include "harness/plugin_harness.h"

using winnow::Value;
using winnow::testing::FakeOpenAIServer;
using winnow::testing::PluginHarness;

namespace {
std::string LlmConfig(const FakeOpenAIServer& fake, const std::string& extra = "") {
  return R"({"base_url": ")" + fake.base_url() +
         R"(", "model": "fake-model", "flavor": "vllm", "initial_backoff_ms": 5,)"
         R"( "max_backoff_ms": 20, "max_retries": 2)" +
         (extra.empty() ? "" : ", " + extra) + "}";
}
Value Parse(const std::string& s) {
  return *Value::Parse(s);
}
}  // namespace

TEST_CASE("generate fills the output field and the model name", "[task_generate]") {
  FakeOpenAIServer fake;
  auto h =
      PluginHarness::Create("task/generate",
                            R"({"llm": "writer", "prompt": "Summarise: {{doc.title}} / {{text}}",
          "system_prompt": "You write for {{audience}}.", "generation": {"temperature": 0.1}})");
  REQUIRE(h.ok());
  REQUIRE((*h)->AddLlm("writer", "llm/openai", LlmConfig(fake)).ok());
  auto out = (*h)->RunStage({R"({"text":"alpha","audience":"kids","doc":{"title":"T1"}})",
                             R"({"text":"beta","audience":"experts","doc":{"title":"T2"}})"});
  REQUIRE(out.ok());
  REQUIRE(out->rows.size() == 2);
  Value r0 = Parse(out->rows[0]);
  CHECK(r0.find("generation")->as_string() == "echo: Summarise: T1 / alpha");
  CHECK(r0.find("model_name")->as_string() == "fake-model");
  CHECK(r0.find("text")->as_string() == "alpha");  // untouched fields pass through
  CHECK(Parse(out->rows[1]).find("generation")->as_string() == "echo: Summarise: T2 / beta");
  CHECK(out->counters["generate.rows"] == 2);
  CHECK(out->counters["llm.requests"] == 2);
  // The system prompt and the parameter went out.
  auto body = Parse(fake.bodies()[0]);
  CHECK(body.find("messages")->as_array()[0].find("role")->as_string() == "system");
  CHECK(body.find("temperature")->as_double() == 0.1);

  // A second run answers from the cache.
  auto again = (*h)->RunStage({R"({"text":"alpha","audience":"kids","doc":{"title":"T1"}})"});
  REQUIRE(again.ok());
  CHECK(again->counters["llm.cache_hits"] == 1);
  CHECK(fake.requests() == 2);
}

TEST_CASE("generate with several generations returns a list", "[task_generate]") {
  FakeOpenAIServer fake;
  auto h = PluginHarness::Create("task/generate",
                                 R"({"llm": "w", "num_generations": 3, "output_field": "outs",
                          "model_name_field": ""})");
  REQUIRE(h.ok());
  REQUIRE((*h)->AddLlm("w", "llm/openai", LlmConfig(fake)).ok());
  auto out = (*h)->RunStage({R"({"instruction":"q"})"});
  REQUIRE(out.ok());
  REQUIRE(out->rows.size() == 1);
  Value r = Parse(out->rows[0]);
  CHECK(r.find("outs")->ToJson() == R"(["echo: q #0","echo: q #1","echo: q #2"])");
  CHECK(r.find("model_name") == nullptr);
}

TEST_CASE("generate rejects rows with the reason, never a silent null", "[task_generate]") {
  FakeOpenAIServer fake;
  auto h = PluginHarness::Create("task/generate", R"({"llm": "w"})");
  REQUIRE(h.ok());
  REQUIRE((*h)->AddLlm("w", "llm/openai", LlmConfig(fake)).ok());
  auto out = (*h)->RunStage({R"({"instruction":"fine"})", R"({"instruction":"x [[always 500]]"})",
                             R"({"instruction":"y [[quota]]"})", R"({"other":"no instruction"})",
                             R"({"instruction":"z [[429 once]]"})",
                             R"({"instruction":"w [[malformed]]"})"});
  REQUIRE(out.ok());
  REQUIRE(out->rows.size() == 2);
  CHECK(Parse(out->rows[0]).find("generation")->as_string() == "echo: fine");
  CHECK(Parse(out->rows[1]).find("generation")->as_string() == "echo: z [[429 once]]");
  REQUIRE(out->rejects.size() == 4);
  CHECK(out->rejects[0].reason == "llm:http_500");
  CHECK(out->rejects[0].detail.find("upstream model crashed") != std::string::npos);
  CHECK(out->rejects[1].reason == "llm:insufficient_quota");
  CHECK(out->rejects[2].reason == "generate:template");
  CHECK(out->rejects[2].detail.find("'instruction'") != std::string::npos);
  CHECK(out->rejects[3].reason == "llm:malformed_response");
  CHECK(out->counters["generate.failed"] == 4);
}

TEST_CASE("generate configuration errors", "[task_generate]") {
  CHECK_FALSE(PluginHarness::Create("task/generate", R"({})").ok());  // llm required
  auto bad = PluginHarness::Create("task/generate", R"({"llm": "w", "prompt": "{{oops"})");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message().find("prompt") != std::string::npos);
  CHECK_FALSE(PluginHarness::Create("task/generate", R"({"llm": "w", "generation": 3})").ok());

  // An LLM name that is not declared stops the run with a clear message.
  auto h = PluginHarness::Create("task/generate", R"({"llm": "missing"})");
  REQUIRE(h.ok());
  auto out = (*h)->RunStage({R"({"instruction":"q"})"});
  REQUIRE_FALSE(out.ok());
  CHECK(out.status().message().find("missing") != std::string::npos);
}
