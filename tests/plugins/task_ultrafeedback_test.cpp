// task/ultrafeedback against a fake judge.
#include <catch2/catch.hpp>

#include "fixtures/llm_task_testing.h"
#include "harness/plugin_harness.h"

using namespace winnow::testing;
using winnow::Value;

namespace {
// Text layout answers; "## Text k" content decides the rating: the digit in it.
void PlayJudge(FakeOpenAIServer& fake) {
  fake.Respond([](const Value& body, int) -> std::optional<std::string> {
    std::string msg = FakeOpenAIServer::LastMessage(body);
    bool json = msg.find("Answer with a JSON object") != std::string::npos;
    std::string out = json ? "```json\n{\"ratings\": [" : "Here is my evaluation.\n\n";
    for (int k = 1;; ++k) {
      std::string text = Between(msg, "## Text " + std::to_string(k) + "\n", "\n\n");
      if (text.empty()) break;
      if (text.find("garbage") != std::string::npos) return "I refuse to rate these.";
      char digit = '3';
      for (char c : text) {
        if (c >= '1' && c <= '5') digit = c;
      }
      if (json) {
        out += std::string(k > 1 ? "," : "") + "{\"rating\": " + digit +
               ", \"rationale\": \"text " + std::to_string(k) + " ok\"}";
      } else {
        out += "#### Output for Text " + std::to_string(k) + "\n**Rating:** " + digit +
               "\nRationale: Because text " + std::to_string(k) + " is what it is.\n\n";
      }
    }
    return json ? out + "]}\n```" : out;
  });
}
}  // namespace

TEST_CASE("ultrafeedback rates every generation with a rationale", "[task_ultrafeedback]") {
  FakeOpenAIServer fake;
  PlayJudge(fake);
  auto h = PluginHarness::Create("task/ultrafeedback", R"({"llm": "judge", "aspect": "honesty"})");
  REQUIRE(h.ok());
  REQUIRE((*h)->AddLlm("judge", "llm/openai", FakeLlmConfig(fake)).ok());
  auto out = (*h)->RunStage({R"({"instruction":"Say hi","generations":["hi 4","hello 2","hey 5"]})",
                             R"({"instruction":"Q","generations":["only 1"]})",
                             R"({"instruction":"Q","generations":["a 1","garbage"]})",
                             R"({"instruction":"Q","generations":"not a list"})",
                             R"({"instruction":"Q","generations":["ok 2", 7]})",
                             R"({"generations":["x"]})"});
  REQUIRE(out.ok());
  REQUIRE(out->rows.size() == 2);
  Value v = ParseJson(out->rows[0]);
  CHECK(v.find("ratings")->ToJson() == "[4,2,5]");
  CHECK(v.find("rationales")->as_array()[1].as_string() == "Because text 2 is what it is.");
  CHECK(v.find("model_name")->as_string() == "fake-model");
  CHECK(ParseJson(out->rows[1]).find("ratings")->ToJson() == "[1]");
  // The rubric of the aspect went out.
  CHECK(fake.bodies()[0].find("Honesty and calibration") != std::string::npos);

  REQUIRE(out->rejects.size() == 4);
  CHECK(out->rejects[0].reason == "ultrafeedback:unparseable");
  CHECK(out->rejects[0].detail.find("I refuse to rate these.") != std::string::npos);
  CHECK(out->rejects[1].reason == "ultrafeedback:bad_input");
  CHECK(out->rejects[2].reason == "ultrafeedback:bad_input");
  CHECK(out->rejects[2].detail.find("integer") != std::string::npos);
  CHECK(out->rejects[3].reason == "ultrafeedback:bad_input");
}

TEST_CASE("ultrafeedback with structured output sends a schema and reads JSON",
          "[task_ultrafeedback]") {
  FakeOpenAIServer fake;
  PlayJudge(fake);
  auto h = PluginHarness::Create("task/ultrafeedback",
                                 R"({"llm": "judge", "structured_output": true,
                                     "ratings_field": "scores", "rationales_field": "why"})");
  REQUIRE(h.ok());
  REQUIRE((*h)->AddLlm("judge", "llm/openai", FakeLlmConfig(fake)).ok());
  auto out = (*h)->RunStage({R"({"instruction":"Q","generations":["a 5","b 1"]})"});
  REQUIRE(out.ok());
  REQUIRE(out->rows.size() == 1);
  Value v = ParseJson(out->rows[0]);
  CHECK(v.find("scores")->ToJson() == "[5,1]");
  CHECK(v.find("why")->ToJson() == R"(["text 1 ok","text 2 ok"])");
  Value body = ParseJson(fake.bodies()[0]);
  REQUIRE(body.find("guided_json") != nullptr);  // vllm flavor
  CHECK(body.find("guided_json")->find("required")->ToJson() == R"(["ratings"])");
}
