// task/evol_instruct against llm/openai and a fake OpenAI server that plays
// a prompt rewriter.
#include <catch2/catch.hpp>
#include <set>

#include "fixtures/llm_task_testing.h"
#include "harness/plugin_harness.h"

using namespace winnow::testing;
using winnow::Value;

namespace {

// Rewrites: "<prompt> +<n>" for depth mutations, "Rare topic: <prompt>" for
// breadth; rows containing "copyme" get their prompt back, "shrink" a short
// text, "impossible" a rewrite the checker calls unanswerable, "late-copy"
// a good first evolution and a copy afterwards.
void PlayRewriter(FakeOpenAIServer& fake) {
  fake.Respond([](const Value& body, int) -> std::optional<std::string> {
    std::string msg = FakeOpenAIServer::LastMessage(body);
    if (msg.find("Decide whether an AI assistant") != std::string::npos) {
      return msg.find("impossible") != std::string::npos ? "UNANSWERABLE" : "ANSWERABLE";
    }
    bool breadth = msg.find("brand-new prompt") != std::string::npos;
    std::string prompt = breadth ? Between(msg, "Prompt for inspiration:\n", "\n\nReply with")
                                 : Between(msg, "\nPrompt:\n", "\n\nReply with");
    if (prompt.find("copyme") != std::string::npos) return prompt;
    if (prompt.find("shrink") != std::string::npos) return "tiny";
    if (prompt.find("late-copy") != std::string::npos && prompt.find("+") != std::string::npos) {
      return "#Rewritten Prompt#: " + prompt;
    }
    if (breadth) return "Rare topic: " + prompt;
    return "Rewritten prompt: " + prompt + " +" + std::to_string(prompt.size() % 10);
  });
}

}  // namespace

TEST_CASE("evol_instruct evolves every row, reproducibly", "[task_evol_instruct]") {
  FakeOpenAIServer fake;
  PlayRewriter(fake);
  std::vector<std::string> rows;
  for (int i = 0; i < 12; ++i) {
    rows.push_back(R"({"instruction":"Explain topic )" + std::to_string(i) + R"(."})");
  }
  auto run = [&](size_t batch_size) {
    auto h = PluginHarness::Create(
        "task/evol_instruct",
        R"({"llm": "w", "num_evolutions": 3, "keep_all_steps": true, "seed": 42})");
    REQUIRE(h.ok());
    REQUIRE((*h)->AddLlm("w", "llm/openai", FakeLlmConfig(fake, R"("cache": false)")).ok());
    auto out = (*h)->RunStage(rows, batch_size);
    REQUIRE(out.ok());
    return out->rows;
  };
  auto a = run(100);
  auto b = run(5);
  REQUIRE(a.size() == 12);
  CHECK(a == b);  // the same mutations whatever the batching

  std::set<std::string> seen_mutations;
  for (const auto& row : a) {
    Value v = ParseJson(row);
    const Value* steps = v.find("evolved_instructions");
    const Value* muts = v.find("evolution_mutations");
    REQUIRE(steps != nullptr);
    REQUIRE(muts != nullptr);
    CHECK(steps->size() == 3);
    CHECK(muts->size() == 3);
    CHECK(v.find("evolved_instruction")->as_string() == steps->as_array()[2].as_string());
    CHECK(v.find("model_name")->as_string() == "fake-model");
    // Labels are stripped: each step builds on the previous one.
    CHECK(steps->as_array()[0].as_string().find("Rewritten prompt") == std::string::npos);
    for (const auto& m : muts->as_array()) seen_mutations.insert(m.as_string());
  }
  CHECK(seen_mutations.size() >= 3);  // 36 seeded choices among 5 mutations
}

TEST_CASE("evol_instruct elimination drops copies, shrinkage and unanswerable ones",
          "[task_evol_instruct]") {
  FakeOpenAIServer fake;
  PlayRewriter(fake);
  auto h = PluginHarness::Create(
      "task/evol_instruct",
      R"({"llm": "w", "num_evolutions": 2, "eliminate": true, "keep_all_steps": true,
          "mutations": ["deepen"]})");
  REQUIRE(h.ok());
  REQUIRE((*h)->AddLlm("w", "llm/openai", FakeLlmConfig(fake)).ok());
  auto out = (*h)->RunStage(
      {R"({"instruction":"A normal question"})", R"({"instruction":"please copyme now"})",
       R"({"instruction":"please shrink this one"})", R"({"instruction":"an impossible request"})",
       R"({"instruction":"late-copy question"})", R"({"prompt":"no instruction field"})"});
  REQUIRE(out.ok());
  REQUIRE(out->rows.size() == 2);
  Value normal = ParseJson(out->rows[0]);
  CHECK(normal.find("evolved_instructions")->size() == 2);
  Value late = ParseJson(out->rows[1]);
  CHECK(late.find("evolved_instructions")->size() == 1);  // step 2 was a copy: kept step 1
  CHECK(late.find("evolved_instruction")->as_string().find("late-copy question +") == 0);

  REQUIRE(out->rejects.size() == 4);
  CHECK(out->rejects[0].reason == "evol_instruct:eliminated");
  CHECK(out->rejects[0].detail.find("copy") != std::string::npos);
  CHECK(out->rejects[1].reason == "evol_instruct:eliminated");
  CHECK(out->rejects[1].detail.find("shorter") != std::string::npos);
  CHECK(out->rejects[2].reason == "evol_instruct:eliminated");
  CHECK(out->rejects[2].detail.find("unanswerable") != std::string::npos);
  CHECK(out->rejects[3].reason == "evol_instruct:missing_field");
  CHECK(out->counters["evol_instruct.eliminated.copy"] == 2);
  CHECK(out->counters["evol_instruct.eliminated.shorter"] == 1);
  CHECK(out->counters["evol_instruct.eliminated.unanswerable"] == 1);
}

TEST_CASE("evol_instruct reports LLM failures and configuration errors", "[task_evol_instruct]") {
  FakeOpenAIServer fake;
  auto h = PluginHarness::Create("task/evol_instruct", R"({"llm": "w"})");
  REQUIRE(h.ok());
  REQUIRE((*h)->AddLlm("w", "llm/openai", FakeLlmConfig(fake)).ok());
  auto out = (*h)->RunStage({R"({"instruction":"x [[quota]]"})"});
  REQUIRE(out.ok());
  REQUIRE(out->rejects.size() == 1);
  CHECK(out->rejects[0].reason == "llm:insufficient_quota");

  auto bad = PluginHarness::Create("task/evol_instruct", R"({"llm": "w", "mutations": ["deepn"]})");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message().find("did you mean 'deepen'") != std::string::npos);
}
