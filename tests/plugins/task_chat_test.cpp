// task/chat against llm/openai and a fake OpenAI server.
#include <catch2/catch.hpp>

#include "fixtures/llm_task_testing.h"
#include "harness/plugin_harness.h"

using namespace winnow::testing;
using winnow::Value;

TEST_CASE("chat answers the last turn and can append the reply", "[task_chat]") {
  FakeOpenAIServer fake;
  auto h = PluginHarness::Create(
      "task/chat",
      R"({"llm": "w", "system_prompt": "Be kind to {{name}}.", "append_reply": true})");
  REQUIRE(h.ok());
  REQUIRE((*h)->AddLlm("w", "llm/openai", FakeLlmConfig(fake)).ok());
  auto out = (*h)->RunStage(
      {R"({"name":"Ann","messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"hello"},{"role":"user","content":"how are you?"}]})",
       R"({"name":"Bob","messages":[{"role":"system","content":"Own system."},{"role":"user","content":"q2"}]})"});
  REQUIRE(out.ok());
  REQUIRE(out->rows.size() == 2);
  Value r0 = ParseJson(out->rows[0]);
  CHECK(r0.find("generation")->as_string() == "echo: how are you?");
  CHECK(r0.find("model_name")->as_string() == "fake-model");
  CHECK(r0.find("messages")->size() == 4);
  CHECK(r0.find("messages")->as_array()[3].ToJson() ==
        R"({"role":"assistant","content":"echo: how are you?"})");

  auto bodies = fake.bodies();
  REQUIRE(bodies.size() == 2);
  // Row 0 had no system message: ours was added first. Row 1 kept its own.
  Value b0 = ParseJson(bodies[0]), b1 = ParseJson(bodies[1]);
  if (b0.find("messages")->size() != 4) std::swap(b0, b1);  // completion order may vary
  CHECK(b0.find("messages")->as_array()[0].ToJson() ==
        R"({"role":"system","content":"Be kind to Ann."})");
  CHECK(b1.find("messages")->size() == 2);
  CHECK(b1.find("messages")->as_array()[0].find("content")->as_string() == "Own system.");
}

TEST_CASE("chat rejects malformed conversations and failed requests", "[task_chat]") {
  FakeOpenAIServer fake;
  auto h = PluginHarness::Create("task/chat", R"({"llm": "w", "num_generations": 2})");
  REQUIRE(h.ok());
  REQUIRE((*h)->AddLlm("w", "llm/openai", FakeLlmConfig(fake)).ok());
  auto out = (*h)->RunStage({
      R"({"messages":[{"role":"user","content":"fine"}]})",
      R"({"messages":"not a list"})",
      R"({"messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"}]})",
      R"({"messages":[{"role":"user"}]})",
      R"({"text":"no messages"})",
      R"({"messages":[]})",
      R"({"messages":[{"role":"user","content":"x [[400]]"}]})",
  });
  REQUIRE(out.ok());
  REQUIRE(out->rows.size() == 1);
  CHECK(ParseJson(out->rows[0]).find("generation")->ToJson() ==
        R"(["echo: fine #0","echo: fine #1"])");
  REQUIRE(out->rejects.size() == 6);
  for (int i = 0; i < 5; ++i) CHECK(out->rejects[i].reason == "chat:bad_messages");
  CHECK(out->rejects[0].detail.find("found string") != std::string::npos);
  CHECK(out->rejects[1].detail.find("ends with an assistant") != std::string::npos);
  CHECK(out->rejects[2].detail.find("message 0") != std::string::npos);
  CHECK(out->rejects[3].detail.find("no 'messages'") != std::string::npos);
  CHECK(out->rejects[4].detail.find("empty") != std::string::npos);
  CHECK(out->rejects[5].reason == "llm:http_400");
  CHECK(out->counters["chat.failed"] == 6);

  CHECK_FALSE(PluginHarness::Create("task/chat",
                                    R"({"llm": "w", "num_generations": 2, "append_reply": true})")
                  .ok());
}
