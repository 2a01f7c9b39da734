// transform/combine: its Join called directly, and a whole fan-out/fan-in
// pipeline (three LLMs answer, combine, a judge rates) run with `winnow run`
// against a fake OpenAI server.
#include <catch2/catch.hpp>

#include "fixtures/llm_task_testing.h"
#include "fixtures/test_context.h"
#include "harness/plugin_harness.h"
#include "registry/registry.h"
#include "winnow/stage.h"

using namespace winnow::testing;
using winnow::Batch;
using winnow::Record;
using winnow::RowId;
using winnow::Value;

namespace {

Batch Branch(const std::string& model, const std::vector<int>& rows) {
  Batch b;
  for (int r : rows) {
    b.rows.push_back(Record::FromJson(RowId{0, static_cast<uint64_t>(r)},
                                      R"({"instruction":"q)" + std::to_string(r) +
                                          R"(","generation":"g)" + std::to_string(r) + "-" + model +
                                          R"(","model_name":")" + model + R"("})"));
  }
  return b;
}

// Creates transform/combine with `config`, joins `branches`, compacts.
struct Joined {
  winnow::Status status;
  std::vector<std::string> rows;
  std::vector<winnow::Reject> rejects;
  std::map<std::string, int64_t> counters;
};

Joined Join(const std::string& config, std::vector<Batch> branches) {
  winnow::core::Registry registry;
  registry.Discover(winnow::core::Registry::DefaultSearchPath({}));
  auto loaded = registry.Load("transform", "combine");
  REQUIRE(loaded.ok());
  auto created = loaded->descriptor->create(ParseJson(config));
  Joined j;
  if (!created.ok()) {
    j.status = created.status();
    return j;
  }
  auto* stage = dynamic_cast<winnow::Stage*>(created->get());
  REQUIRE(stage != nullptr);
  TempDir dir;
  TestContext ctx(dir.path());
  Batch out;
  j.status = stage->Join(branches, out, ctx);
  REQUIRE(stage->Process(out, ctx).ok());
  out.Compact();
  for (const auto& r : out.rows) {
    std::string s;
    REQUIRE(r.AppendJson(s).ok());
    j.rows.push_back(s);
  }
  j.rejects = out.rejects;
  j.counters = ctx.counters;
  created->reset();
  return j;
}

}  // namespace

TEST_CASE("combine gathers generations from every branch in order", "[transform_combine]") {
  // Branch m2 lost row 1 (rejected there).
  auto j = Join("{}", {Branch("m1", {0, 1, 2}), Branch("m2", {0, 2}), Branch("m3", {0, 1, 2})});
  REQUIRE(j.status.ok());
  REQUIRE(j.rows.size() == 2);
  CHECK(j.rows[0] == R"({"instruction":"q0","generations":["g0-m1","g0-m2","g0-m3"],)"
                     R"("generation_models":["m1","m2","m3"]})");
  CHECK(ParseJson(j.rows[1]).find("generations")->ToJson() == R"(["g2-m1","g2-m2","g2-m3"])");
  REQUIRE(j.rejects.size() == 1);
  CHECK(j.rejects[0].reason == "combine:missing_branch");
  CHECK(j.rejects[0].detail.find("branch 2 of 3") != std::string::npos);
  CHECK(j.counters["combine.rows"] == 2);
  CHECK(j.counters["combine.missing"] == 1);
}

TEST_CASE("combine options: output names, keep_columns, on_missing null", "[transform_combine]") {
  auto j = Join(R"({"columns": ["generation"], "output_columns": ["answers"],
                    "keep_columns": true, "on_missing": "null"})",
                {Branch("m1", {0, 1}), Branch("m2", {0})});
  REQUIRE(j.status.ok());
  REQUIRE(j.rows.size() == 2);
  CHECK(ParseJson(j.rows[0]).find("answers")->ToJson() == R"(["g0-m1","g0-m2"])");
  Value r1 = ParseJson(j.rows[1]);
  CHECK(r1.find("answers")->ToJson() == R"(["g1-m1",null])");
  CHECK(r1.find("generation")->as_string() == "g1-m1");
  CHECK(r1.find("model_name")->as_string() == "m1");
  CHECK(j.rejects.empty());

  CHECK_FALSE(Join(R"({"columns": ["a", "b"], "output_columns": ["x"]})", {}).status.ok());
  CHECK_FALSE(Join(R"({"columns": []})", {}).status.ok());
  CHECK_FALSE(Join(R"({"columns": ["a", "b"], "output_columns": ["x", "x"]})", {}).status.ok());
}

TEST_CASE("combine through the engine's fan-in (PluginHarness::RunJoin)", "[transform_combine]") {
  auto h = PluginHarness::Create("transform/combine", "{}");
  REQUIRE(h.ok());
  auto row = [](int r, const std::string& m) {
    return R"({"instruction":"q)" + std::to_string(r) + R"(","generation":"g)" + std::to_string(r) +
           "-" + m + R"(","model_name":")" + m + R"("})";
  };
  // Branch 1 lacks row 7; rows are joined by ordinal across branches.
  auto out = (*h)->RunJoin({{row(3, "a"), row(7, "a"), row(9, "a")}, {row(3, "b"), row(9, "b")}},
                           {{3, 7, 9}, {3, 9}}, 2);
  INFO((out.ok() ? "" : out.status().message()));
  REQUIRE(out.ok());
  REQUIRE(out->rows.size() == 2);
  CHECK(ParseJson(out->rows[0]).find("generations")->ToJson() == R"(["g3-a","g3-b"])");
  CHECK(ParseJson(out->rows[1]).find("generation_models")->ToJson() == R"(["a","b"])");
  CHECK(out->row_ids[1].ordinal == 9);
  REQUIRE(out->rejects.size() == 1);
  CHECK(out->rejects[0].reason == "combine:missing_branch");
  CHECK(out->rejects[0].id.ordinal == 7);
}

TEST_CASE("three models answer, combine gathers, a judge rates (winnow run)",
          "[transform_combine][pipeline]") {
  FakeOpenAIServer fake;
  fake.Respond([](const Value& body, int) -> std::optional<std::string> {
    std::string model = body.find("model")->as_string();
    std::string msg = FakeOpenAIServer::LastMessage(body);
    if (model == "judge") {
      std::string out;
      for (int k = 1; k <= 3; ++k) {
        out += "#### Output for Text " + std::to_string(k) + "\nRating: " + std::to_string(k + 2) +
               "\nRationale: fine\n\n";
      }
      return out;
    }
    if (model == "m2" && msg.find("fail-here") != std::string::npos) return std::nullopt;
    return model + " says " + msg;
  });
  TempDir dir;
  WriteText(dir / "in.jsonl",
            "{\"instruction\":\"alpha\"}\n{\"instruction\":\"beta\"}\n"
            "{\"instruction\":\"gamma [[always 500]]\"}\n");
  std::string llm = "    uses: llm/openai\n    with: {base_url: \"" + fake.base_url() +
                    "\", flavor: vllm, max_retries: 1, initial_backoff_ms: 5, "
                    "max_backoff_ms: 10, model: ";
  std::string yaml =
      "name: three_models\n"
      "run: {output_dir: \"" +
      (dir / "out").string() +
      "\"}\n"
      "llms:\n"
      "  a:\n" +
      llm +
      "m1}\n"
      "  b:\n" +
      llm +
      "m2}\n"
      "  c:\n" +
      llm +
      "m3}\n"
      "  judge:\n" +
      llm +
      "judge}\n"
      "steps:\n"
      "  - {name: read, uses: source/jsonl, with: {paths: \"" +
      (dir / "in.jsonl").string() +
      "\"}}\n"
      "  - {name: gen_a, uses: task/generate, after: read, with: {llm: a}}\n"
      "  - {name: gen_b, uses: task/generate, after: read, with: {llm: b}}\n"
      "  - {name: gen_c, uses: task/generate, after: read, with: {llm: c}}\n"
      "  - {name: combine, uses: transform/combine, after: [gen_a, gen_b, gen_c]}\n"
      "  - {name: rate, uses: task/ultrafeedback, with: {llm: judge}}\n"
      "  - {name: write, uses: exporter/jsonl, with: {path: \"" +
      (dir / "out.jsonl").string() + "\"}}\n";
  WriteText(dir / "pipeline.yaml", yaml);
  std::string output;
  std::string cmd = "cd " + dir.path().string() +
                    " && WINNOW_CACHE_DIR=" + (dir / "cache").string() + " " +
                    WinnowBinary().string() + " --quiet run pipeline.yaml";
  int rc = RunCommand(cmd, &output);
  INFO(output);
  REQUIRE(rc == 0);
  std::string text = ReadText(dir / "out.jsonl");
  std::vector<Value> rows;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    rows.push_back(ParseJson(text.substr(pos, nl - pos)));
    pos = nl == std::string::npos ? text.size() : nl + 1;
  }
  REQUIRE(rows.size() == 2);  // gamma failed in every branch
  CHECK(rows[0].find("generations")->ToJson() ==
        R"(["m1 says alpha","m2 says alpha","m3 says alpha"])");
  CHECK(rows[0].find("generation_models")->ToJson() == R"(["m1","m2","m3"])");
  CHECK(rows[0].find("ratings")->ToJson() == "[3,4,5]");
  CHECK(rows[0].find("model_name")->as_string() == "judge");
  CHECK(rows[1].find("instruction")->as_string() == "beta");
  // The failed row is in the generate steps' rejects with its HTTP reason.
  std::string rejects = ReadText(dir / "out" / "rejects" / "gen_a.jsonl");
  CHECK(rejects.find("llm:http_500") != std::string::npos);
}
