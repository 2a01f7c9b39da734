// task/evol_complexity: in-depth evolutions only, every step kept.
#include <catch2/catch.hpp>

#include "fixtures/llm_task_testing.h"
#include "harness/plugin_harness.h"

using namespace winnow::testing;
using winnow::Value;

TEST_CASE("evol_complexity keeps three in-depth versions by default", "[task_evol_complexity]") {
  FakeOpenAIServer fake;
  fake.Respond([](const Value& body, int) -> std::optional<std::string> {
    std::string msg = FakeOpenAIServer::LastMessage(body);
    if (msg.find("brand-new prompt") != std::string::npos) return "BREADTH WAS USED";
    return Between(msg, "\nPrompt:\n", "\n\nReply with") + " and more";
  });
  auto h = PluginHarness::Create("task/evol_complexity", R"({"llm": "w"})");
  REQUIRE(h.ok());
  REQUIRE((*h)->AddLlm("w", "llm/openai", FakeLlmConfig(fake)).ok());
  std::vector<std::string> rows;
  for (int i = 0; i < 8; ++i) rows.push_back(R"({"instruction":"Q)" + std::to_string(i) + R"("})");
  auto out = (*h)->RunStage(rows);
  REQUIRE(out.ok());
  REQUIRE(out->rows.size() == 8);
  for (const auto& row : out->rows) {
    Value v = ParseJson(row);
    REQUIRE(v.find("evolved_instructions") != nullptr);
    const auto& steps = v.find("evolved_instructions")->as_array();
    REQUIRE(steps.size() == 3);
    CHECK(steps[2].as_string().find(" and more and more and more") != std::string::npos);
    for (const auto& m : v.find("evolution_mutations")->as_array())
      CHECK(m.as_string() != "breadth");
  }
  CHECK(fake.requests() == 24);

  auto breadth =
      PluginHarness::Create("task/evol_complexity", R"({"llm": "w", "mutations": ["breadth"]})");
  REQUIRE_FALSE(breadth.ok());
  CHECK(breadth.status().message().find("unknown mutation 'breadth'") != std::string::npos);
}
