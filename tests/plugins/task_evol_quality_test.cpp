// task/evol_quality against a fake server that improves answers.
#include <catch2/catch.hpp>

#include "fixtures/llm_task_testing.h"
#include "harness/plugin_harness.h"

using namespace winnow::testing;
using winnow::Value;

TEST_CASE("evol_quality rewrites the response with the question in view", "[task_evol_quality]") {
  FakeOpenAIServer fake;
  fake.Respond([](const Value& body, int) -> std::optional<std::string> {
    std::string msg = FakeOpenAIServer::LastMessage(body);
    std::string question = Between(msg, "Question:\n", "\n\nCurrent answer:");
    std::string answer = Between(msg, "Current answer:\n", "\n\nReply with");
    if (answer.find("stuck") != std::string::npos) return answer;  // a copy
    return "Improved answer: " + answer + " [better for " + question + "]";
  });
  auto h = PluginHarness::Create(
      "task/evol_quality",
      R"({"llm": "w", "num_evolutions": 2, "keep_all_steps": true, "eliminate": true,
          "mutations": ["details", "depth"]})");
  REQUIRE(h.ok());
  REQUIRE((*h)->AddLlm("w", "llm/openai", FakeLlmConfig(fake)).ok());
  auto out =
      (*h)->RunStage({R"({"instruction":"Why is the sky blue?","response":"Light."})",
                      R"({"instruction":"Q","response":"stuck"})", R"({"instruction":"Q"})"});
  REQUIRE(out.ok());
  REQUIRE(out->rows.size() == 1);
  Value v = ParseJson(out->rows[0]);
  CHECK(v.find("evolved_response")->as_string() ==
        "Light. [better for Why is the sky blue?] [better for Why is the sky blue?]");
  CHECK(v.find("evolved_responses")->size() == 2);
  CHECK(v.find("response")->as_string() == "Light.");
  for (const auto& m : v.find("evolution_mutations")->as_array()) {
    CHECK((m.as_string() == "details" || m.as_string() == "depth"));
  }
  REQUIRE(out->rejects.size() == 2);
  CHECK(out->rejects[0].reason == "evol_quality:eliminated");
  CHECK(out->rejects[1].reason == "evol_quality:missing_field");
  CHECK(out->rejects[1].detail.find("'response'") != std::string::npos);
}
