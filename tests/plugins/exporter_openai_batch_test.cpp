// Tests of exporter/openai_batch: request lines in the Batch API input format.
#include <catch2/catch.hpp>

#include <filesystem>

#include "harness/plugin_harness.h"
#include "winnow/value.h"

namespace fs = std::filesystem;
using winnow::testing::PluginHarness;

namespace {

winnow::Result<winnow::testing::HarnessOutput> Run(const std::string& cfg,
                                                   const std::vector<std::string>& rows,
                                                   std::unique_ptr<PluginHarness>* keep) {
  auto h = PluginHarness::Create("exporter/openai_batch", cfg);
  if (!h.ok()) return h.status();
  auto out = (*h)->RunExporter(rows, 2);
  *keep = std::move(h).value();
  return out;
}

std::vector<winnow::Value> Lines(const std::string& text) {
  std::vector<winnow::Value> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    auto v = winnow::Value::Parse(text.substr(pos, nl - pos));
    REQUIRE(v.ok());
    out.push_back(std::move(v).value());
    pos = nl + 1;
  }
  return out;
}

}  // namespace

TEST_CASE("exporter/openai_batch writes chat completion requests from a template",
          "[openai_batch]") {
  std::unique_ptr<PluginHarness> h;
  auto out = Run(R"J({"path":"batch.jsonl","model":"gpt-4o-mini","system_prompt":"You are terse.",
                     "prompt_template":"Summarise: {{text}} ({{meta.lang}})","temperature":0.2,
                     "max_tokens":64,"extra_body":{"seed":7}})J",
                 {R"({"text":"a cat","meta":{"lang":"en"}})", R"({"text":"no meta"})",
                  R"({"text":"le chat","meta":{"lang":"fr"}})"},
                 &h);
  INFO(out.status().message());
  REQUIRE(out.ok());
  REQUIRE(out->outputs.size() == 1);
  std::string text = winnow::testing::ReadText(out->outputs[0]);
  auto lines = Lines(text);
  REQUIRE(lines.size() == 2);
  REQUIRE(out->rejects.size() == 1);
  CHECK(out->rejects[0].reason == "bad_request");
  CHECK(out->rejects[0].id.ordinal == 1);
  CHECK(out->counters["requests_written"] == 2);
  const winnow::Value& l = lines[0];
  CHECK(l.find("custom_id")->as_string() == "0:0");
  CHECK(l.find("method")->as_string() == "POST");
  CHECK(l.find("url")->as_string() == "/v1/chat/completions");
  const winnow::Value* body = l.find("body");
  CHECK(body->find("model")->as_string() == "gpt-4o-mini");
  CHECK(body->find("temperature")->as_double() == 0.2);
  CHECK(body->find("max_tokens")->as_int() == 64);
  CHECK(body->find("seed")->as_int() == 7);
  const auto& msgs = body->find("messages")->as_array();
  REQUIRE(msgs.size() == 2);
  CHECK(msgs[0].find("role")->as_string() == "system");
  CHECK(msgs[1].find("content")->as_string() == "Summarise: a cat (en)");
  CHECK(lines[1].find("custom_id")->as_string() == "0:2");
  // Byte-identical on a second run.
  std::unique_ptr<PluginHarness> h2;
  auto again = Run(R"J({"path":"batch.jsonl","model":"gpt-4o-mini","system_prompt":"You are terse.",
                       "prompt_template":"Summarise: {{text}} ({{meta.lang}})","temperature":0.2,
                       "max_tokens":64,"extra_body":{"seed":7}})J",
                   {R"({"text":"a cat","meta":{"lang":"en"}})", R"({"text":"no meta"})",
                    R"({"text":"le chat","meta":{"lang":"fr"}})"},
                   &h2);
  REQUIRE(again.ok());
  CHECK(winnow::testing::ReadText(again->outputs[0]) == text);
}

TEST_CASE("exporter/openai_batch: prompt_field, messages_field, other endpoints, splitting",
          "[openai_batch]") {
  std::vector<std::string> rows;
  for (int i = 0; i < 5; ++i) {
    rows.push_back("{\"id\":\"q" + std::to_string(i) + "\",\"prompt\":\"p" + std::to_string(i) +
                   "\",\"chat\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
  }
  std::unique_ptr<PluginHarness> h;
  SECTION("embeddings from a field, custom ids, split into files") {
    auto out = Run(R"({"path":"emb.jsonl","model":"text-embedding-3-small","url":"/v1/embeddings",
                       "prompt_field":"prompt","custom_id_field":"id","max_requests_per_file":2})",
                   rows, &h);
    REQUIRE(out.ok());
    REQUIRE(out->outputs.size() == 3);
    CHECK_THAT(out->outputs[0], Catch::EndsWith("emb-00000.jsonl"));
    CHECK_THAT(out->outputs[2], Catch::EndsWith("emb-00002.jsonl"));
    auto first = Lines(winnow::testing::ReadText(out->outputs[0]));
    REQUIRE(first.size() == 2);
    CHECK(first[0].find("custom_id")->as_string() == "q0");
    CHECK(first[0].find("body")->find("input")->as_string() == "p0");
    CHECK(Lines(winnow::testing::ReadText(out->outputs[2])).size() == 1);
  }
  SECTION("messages as they are") {
    auto out = Run(R"({"path":"chat.jsonl","model":"m","messages_field":"chat"})", rows, &h);
    REQUIRE(out.ok());
    auto lines = Lines(winnow::testing::ReadText(out->outputs[0]));
    REQUIRE(lines.size() == 5);
    CHECK(lines[0].find("body")->find("messages")->ToJson() ==
          R"([{"role":"user","content":"hi"}])");
  }
  SECTION("responses API") {
    auto out = Run(R"({"path":"r.jsonl","model":"m","url":"/v1/responses","prompt_field":"prompt",
                       "system_prompt":"sys","max_tokens":5})",
                   rows, &h);
    REQUIRE(out.ok());
    auto lines = Lines(winnow::testing::ReadText(out->outputs[0]));
    CHECK(lines[0].find("body")->find("instructions")->as_string() == "sys");
    CHECK(lines[0].find("body")->find("max_output_tokens")->as_int() == 5);
  }
  SECTION("configuration errors") {
    CHECK_FALSE(
        PluginHarness::Create("exporter/openai_batch", R"({"path":"x.jsonl","model":"m"})").ok());
    CHECK_FALSE(
        PluginHarness::Create("exporter/openai_batch",
                              R"({"path":"x.jsonl","model":"m","prompt_template":"{{oops"})")
            .ok());
    CHECK_FALSE(PluginHarness::Create(
                    "exporter/openai_batch",
                    R"({"path":"x.jsonl","model":"m","prompt_field":"a","messages_field":"b"})")
                    .ok());
  }
}

TEST_CASE("exporter/openai_batch writes one file per rank under MPI", "[openai_batch]") {
  auto h = PluginHarness::Create(
      "exporter/openai_batch",
      R"({"path":"req/batch.jsonl","model":"m","prompt_template":"{{text}}"})");
  REQUIRE(h.ok());
  (*h)->SetRank(2, 3);
  auto out = (*h)->RunExporter({R"({"text":"a"})"});
  INFO((out.ok() ? "" : out.status().message()));
  REQUIRE(out.ok());
  REQUIRE(out->outputs.size() == 1);
  CHECK(std::filesystem::path(out->outputs[0]).filename() == "batch-rank00002.jsonl");
}
