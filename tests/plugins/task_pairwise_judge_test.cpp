// task/pairwise_judge against fake judges (a fair one and a position-biased one).
#include <catch2/catch.hpp>

#include "fixtures/llm_task_testing.h"
#include "harness/plugin_harness.h"

using namespace winnow::testing;
using winnow::Value;

TEST_CASE("a fair judge gives a consistent preference", "[task_pairwise_judge]") {
  FakeOpenAIServer fake;
  fake.Respond([](const Value& body, int) -> std::optional<std::string> {
    std::string msg = FakeOpenAIServer::LastMessage(body);
    std::string a = Between(msg, "## Answer A\n", "\n\n## Answer B");
    std::string b = Between(msg, "## Answer B\n", "\n");
    if (a.find("unclear") != std::string::npos) return "Hmm, hard to say.";
    if (a.find("same") != std::string::npos && b.find("same") != std::string::npos) {
      return "They are equivalent.\n[[TIE]]";
    }
    return a.find("good") != std::string::npos ? "A is more helpful.\n[[A]]"
                                               : "B is more helpful.\n[[B]]";
  });
  auto h = PluginHarness::Create("task/pairwise_judge", R"({"llm": "judge"})");
  REQUIRE(h.ok());
  REQUIRE((*h)->AddLlm("judge", "llm/openai", FakeLlmConfig(fake)).ok());
  auto out = (*h)->RunStage(
      {R"({"instruction":"Q","response_a":"good answer","response_b":"weak answer"})",
       R"({"instruction":"Q","response_a":"weak answer","response_b":"good answer"})",
       R"({"instruction":"Q","response_a":"same","response_b":"same"})",
       R"({"instruction":"Q","response_a":"unclear","response_b":"unclear"})",
       R"({"instruction":"Q","response_a":"x"})"});
  REQUIRE(out.ok());
  REQUIRE(out->rows.size() == 3);
  Value r0 = ParseJson(out->rows[0]);
  CHECK(r0.find("preference")->as_string() == "A");
  CHECK(r0.find("preference_consistent")->as_bool());
  CHECK(r0.find("judge_rationales")->ToJson() == R"(["A is more helpful.","B is more helpful."])");
  CHECK(r0.find("judge_model")->as_string() == "fake-model");
  CHECK(ParseJson(out->rows[1]).find("preference")->as_string() == "B");
  CHECK(ParseJson(out->rows[2]).find("preference")->as_string() == "tie");
  REQUIRE(out->rejects.size() == 2);
  CHECK(out->rejects[0].reason == "pairwise_judge:unparseable");
  CHECK(out->rejects[0].detail.find("Hmm, hard to say.") != std::string::npos);
  CHECK(out->rejects[1].reason == "pairwise_judge:bad_input");
  CHECK(out->rejects[1].detail.find("'response_b'") != std::string::npos);
  CHECK(fake.requests() == 8);  // two orders for each of the four valid rows
}

TEST_CASE("swapping exposes a judge that always prefers the first answer",
          "[task_pairwise_judge]") {
  FakeOpenAIServer fake;
  fake.Respond([](const Value&, int) -> std::optional<std::string> {
    return R"({"verdict": "A", "rationale": "The first one is better."})";
  });
  auto h = PluginHarness::Create("task/pairwise_judge", R"({"llm": "judge"})");
  REQUIRE(h.ok());
  REQUIRE((*h)->AddLlm("judge", "llm/openai", FakeLlmConfig(fake)).ok());
  auto out = (*h)->RunStage({R"({"instruction":"Q","response_a":"one","response_b":"two"})"});
  REQUIRE(out.ok());
  REQUIRE(out->rows.size() == 1);
  Value v = ParseJson(out->rows[0]);
  CHECK(v.find("preference")->as_string() == "tie");
  CHECK_FALSE(v.find("preference_consistent")->as_bool());
  CHECK(out->counters["pairwise_judge.inconsistent"] == 1);

  // Without swapping, the biased verdict stands (one request).
  fake.Reset();
  auto once = PluginHarness::Create("task/pairwise_judge", R"({"llm": "judge", "swap": false})");
  REQUIRE(once.ok());
  REQUIRE((*once)->AddLlm("judge", "llm/openai", FakeLlmConfig(fake, R"("cache": false)")).ok());
  auto single = (*once)->RunStage({R"({"instruction":"Q","response_a":"one","response_b":"two"})"});
  REQUIRE(single.ok());
  CHECK(ParseJson(single->rows[0]).find("preference")->as_string() == "A");
  CHECK(ParseJson(single->rows[0]).find("preference_consistent") == nullptr);
  CHECK(fake.requests() == 1);
}
