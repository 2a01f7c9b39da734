// task/generate against llm/openai and a fake OpenAI server.
#include <catch2/catch.hpp>
#include <filesystem>

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

// The case study: configs/dataset-card-summaries.yaml run with `winnow run`
// over a few real dataset cards, every LLM pointed at the fake server.
TEST_CASE("configs/dataset-card-summaries.yaml runs end to end", "[task_generate][pipeline]") {
  namespace fs = std::filesystem;
  using namespace winnow::testing;
  fs::path cards = SharedDataDir() / "hf-dataset-cards";
  if (!fs::exists(cards)) {
    WARN("skipped: " << cards << " is absent (../shared/data)");
    return;
  }
  FakeOpenAIServer fake;
  fake.Respond([](const Value& body, int) -> std::optional<std::string> {
    std::string model = body.find("model")->as_string();
    std::string msg = FakeOpenAIServer::LastMessage(body);
    if (model == "gpt-4o") {  // the judge: three rated texts
      std::string out;
      for (int k = 1; k <= 3; ++k) {
        out += "#### Output for Text " + std::to_string(k) + "\nRating: " + std::to_string(6 - k) +
               "\nRationale: summary " + std::to_string(k) + " is fine.\n\n";
      }
      return out;
    }
    std::string path = msg.substr(msg.find("Dataset card (") + 14);
    path = path.substr(0, path.find(')'));
    return model + " summarises " + path;
  });

  TempDir dir;
  // Three ordinary cards and a stub (pandas.md, 135 bytes) that the size filter drops.
  for (const char* name : {"ag_news.md", "acronym_identification.md", "ai2_arc.md", "pandas.md"}) {
    fs::create_directories(dir / "cards");
    fs::copy_file(cards / name, dir / "cards" / name);
  }
  std::string base = fake.base_url();
  std::string cmd = "cd " + SourceDir().string() +
                    " && OPENAI_API_KEY=sk-fake WINNOW_CACHE_DIR=" + (dir / "cache").string() +
                    " " + WinnowBinary().string() +
                    " --quiet run configs/dataset-card-summaries.yaml" +
                    " --set read.root=" + (dir / "cards").string() +
                    " --set run.output_dir=" + (dir / "out").string();
  for (const char* llm : {"gpt", "llama", "qwen", "judge"}) {
    cmd += std::string(" --set llms.") + llm + ".base_url=" + base;
  }
  std::string output;
  int rc = RunCommand(cmd, &output);
  INFO(output);
  REQUIRE(rc == 0);

  std::string text = ReadText(dir / "out" / "summaries.jsonl");
  std::vector<Value> rows;
  for (size_t pos = 0; pos < text.size();) {
    size_t nl = text.find('\n', pos);
    rows.push_back(Parse(text.substr(pos, nl - pos)));
    pos = nl == std::string::npos ? text.size() : nl + 1;
  }
  REQUIRE(rows.size() == 3);
  const Value& r = rows[0];  // files in path order: acronym_identification, ag_news, ai2_arc
  CHECK(r.find("path")->as_string() == "acronym_identification.md");
  CHECK(r.find("generations")->ToJson() ==
        R"(["gpt-4o-mini summarises acronym_identification.md",)"
        R"("meta-llama/Llama-3.1-8B-Instruct summarises acronym_identification.md",)"
        R"("qwen2.5:7b summarises acronym_identification.md"])");
  CHECK(r.find("generation_models")->ToJson() ==
        R"(["gpt-4o-mini","meta-llama/Llama-3.1-8B-Instruct","qwen2.5:7b"])");
  CHECK(r.find("ratings")->ToJson() == "[5,4,3]");
  CHECK(r.find("model_name")->as_string() == "gpt-4o");
  CHECK(r.find("metadata")->is_object());
  CHECK(r.find("text") == nullptr);  // trimmed
  CHECK(r.find("instruction")->as_string().find("Summarise the Hugging Face dataset card") == 0);
  CHECK(rows[1].find("path")->as_string() == "ag_news.md");
  CHECK(fake.requests() == 3 * 3 + 3);  // three models and the judge, three cards
  std::string size_rejects = ReadText(dir / "out" / "rejects" / "size.jsonl");
  CHECK(size_rejects.find("filter:card_size") != std::string::npos);
  CHECK(size_rejects.find("pandas.md") != std::string::npos);

  // A second run is answered from the response cache.
  std::string again;
  REQUIRE(RunCommand(cmd + " --no-cache", &again) == 0);
  CHECK(fake.requests() == 12);
}
