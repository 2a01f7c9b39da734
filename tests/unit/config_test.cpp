// Pipeline files: structure checks, marks, overrides, graph validation.
#include <catch2/catch.hpp>

#include "config/pipeline_spec.h"
#include "engine/pipeline.h"
#include "registry/registry.h"

using namespace winnow;
using namespace winnow::core;

namespace {

std::string Problems(const std::string& yaml) {
  std::vector<Diagnostic> diags;
  auto spec = LoadPipelineText(yaml, "p.yaml", &diags);
  if (spec.ok()) {
    Registry registry;
    registry.Discover(Registry::DefaultSearchPath({}));
    auto p = BuildPipeline(std::move(spec).value(), registry, &diags);
  }
  std::string out;
  for (const auto& d : diags) out += d.ToString() + "\n";
  return out;
}

}  // namespace

TEST_CASE("a valid pipeline builds, with after: defaulting to the previous step") {
  std::vector<Diagnostic> diags;
  auto spec = LoadPipelineText(R"(name: ok
run: {threads: 2, batch_size: 10}
steps:
  - {name: read, uses: source/jsonl, with: {paths: [a.jsonl]}}
  - {name: keep, uses: transform/filter, with: {where: {field: text, exists: true}}}
  - {name: write, uses: exporter/jsonl, with: {path: out.jsonl}}
)",
                               "p.yaml", &diags);
  REQUIRE(spec.ok());
  CHECK(spec->run.threads == 2);
  Registry registry;
  registry.Discover(Registry::DefaultSearchPath({}));
  auto p = BuildPipeline(std::move(spec).value(), registry, &diags);
  INFO((diags.empty() ? "" : diags[0].ToString()));
  REQUIRE(p.ok());
  CHECK((*p)->steps[1].inputs == std::vector<int>{0});
  CHECK((*p)->steps[2].inputs == std::vector<int>{1});
  CHECK((*p)->steps[2].signature.size() == 32);
}

TEST_CASE("YAML syntax errors name line and column") {
  std::string out = Problems("name: x\nsteps:\n  - {name: a, uses: source/jsonl\n");
  CHECK_THAT(out, Catch::Contains("p.yaml:"));
  CHECK_THAT(out, Catch::Contains("YAML syntax error"));
}

TEST_CASE("unknown plugins get a did-you-mean with the step's line") {
  std::string out =
      Problems("name: x\nsteps:\n  - name: read\n    uses: source/jsnl\n    with: {paths: [a]}\n");
  CHECK_THAT(out, Catch::Contains("p.yaml:4:5"));
  CHECK_THAT(out, Catch::Contains("did you mean 'source/jsonl'"));
}

TEST_CASE("unknown keys list the valid ones, located at the key") {
  std::string out = Problems(
      "name: x\nsteps:\n  - name: read\n    uses: source/jsonl\n    with:\n      paths: [a]\n"
      "      limt: 3\n");
  CHECK_THAT(out, Catch::Contains("p.yaml:7:7"));
  CHECK_THAT(out, Catch::Contains("unknown key 'limt' (did you mean 'limit'?)"));
  CHECK_THAT(out, Catch::Contains("valid keys: paths"));
}

TEST_CASE("wrong types and missing required keys are reported") {
  std::string out = Problems(
      "name: x\nsteps:\n  - name: read\n    uses: source/jsonl\n    with: {paths: [a], limit: "
      "many}\n  - {name: w, uses: exporter/jsonl}\n");
  CHECK_THAT(out, Catch::Contains("expected an integer"));
  CHECK_THAT(out, Catch::Contains("missing required key 'path'"));
}

TEST_CASE("cycles and dangling after: are found") {
  std::string cyc = Problems(R"(name: x
steps:
  - {name: read, uses: source/jsonl, with: {paths: [a]}}
  - {name: a, uses: transform/select, after: [read, b]}
  - {name: b, uses: transform/select, after: a}
)");
  CHECK_THAT(cyc, Catch::Contains("form a cycle"));
  std::string dangling = Problems(R"(name: x
steps:
  - {name: read, uses: source/jsonl, with: {paths: [a]}}
  - {name: a, uses: transform/select, after: raed}
)");
  CHECK_THAT(dangling, Catch::Contains("p.yaml:4:"));
  CHECK_THAT(dangling, Catch::Contains("no step named 'raed' (did you mean 'read'?)"));
}

TEST_CASE("secrets written into the file are refused") {
  std::string out = Problems(R"(name: x
llms:
  judge: {uses: llm/openai, with: {api_key: sk-123}}
steps:
  - {name: read, uses: source/jsonl, with: {paths: [a]}}
)");
  CHECK_THAT(out, Catch::Contains("api_key_env"));
  CHECK_THAT(out, Catch::Contains("p.yaml:3:"));
  CHECK_THAT(out, !Catch::Contains("sk-123"));
}

TEST_CASE("only credential-like key names count as secrets") {
  std::string ok = Problems(R"(name: x
steps:
  - {name: read, uses: source/jsonl, with: {paths: [a]}}
  - {name: t, uses: transform/template, with: {fields: {author: "{{a}}", tokens_note: "{{b}}", tokenizer: x}}}
)");
  CHECK_THAT(ok, !Catch::Contains("secret"));
  for (const char* key : {"hf_token", "apiKey", "X-Api-Key", "db_password", "access_key", "auth"}) {
    std::string out = Problems(std::string(R"(name: x
steps:
  - {name: read, uses: source/jsonl, with: {paths: [a]}}
  - {name: t, uses: transform/template, with: {fields: {")") +
                               key + R"(": "s3cr3t"}}}
)");
    INFO(key);
    CHECK_THAT(out, Catch::Contains("looks like a secret"));
    CHECK_THAT(out, !Catch::Contains("s3cr3t"));
  }
}

TEST_CASE("duplicate step names and unknown top-level keys are refused") {
  std::string out = Problems(R"(name: x
stpes: []
steps:
  - {name: read, uses: source/jsonl, with: {paths: [a]}}
  - {name: read, uses: transform/select}
)");
  CHECK_THAT(out, Catch::Contains("did you mean 'steps'"));
  CHECK_THAT(out, Catch::Contains("duplicate step name 'read'"));
}

TEST_CASE("--set overrides steps, llms and run options") {
  std::vector<Diagnostic> diags;
  auto spec = LoadPipelineText(R"(name: x
steps:
  - {name: read, uses: source/jsonl, with: {paths: [a]}}
)",
                               "p.yaml", &diags);
  REQUIRE(spec.ok());
  REQUIRE(ApplyOverride(&*spec, "read.limit=5").ok());
  REQUIRE(ApplyOverride(&*spec, "read.paths=[b, c]").ok());
  REQUIRE(ApplyOverride(&*spec, "run.threads=3").ok());
  CHECK(spec->steps[0].with.find("limit")->as_int() == 5);
  CHECK(spec->steps[0].with.find("paths")->size() == 2);
  CHECK(spec->run.threads == 3);
  Status bad = ApplyOverride(&*spec, "raed.limit=5");
  CHECK_THAT(bad.message(), Catch::Contains("did you mean 'read'"));
  CHECK_FALSE(ApplyOverride(&*spec, "run.threads=-1").ok());
  CHECK_FALSE(ApplyOverride(&*spec, "nonsense").ok());
  Status secret = ApplyOverride(&*spec, "read.api_key=sk-123");
  CHECK_THAT(secret.message(), Catch::Contains("api_key_env"));
  CHECK_THAT(secret.message(), !Catch::Contains("sk-123"));
  CHECK(ApplyOverride(&*spec, "read.api_key_env=MY_KEY").ok());
}

TEST_CASE("YAML scalars keep their types; quoted ones stay strings") {
  auto v = ParseYamlValue("{a: 1, b: '1', c: 1.5, d: true, e: null, f: hello}");
  REQUIRE(v.ok());
  CHECK(v->find("a")->is_int());
  CHECK(v->find("b")->is_string());
  CHECK(v->find("c")->is_double());
  CHECK(v->find("d")->is_bool());
  CHECK(v->find("e")->is_null());
  CHECK(v->find("f")->as_string() == "hello");
}
