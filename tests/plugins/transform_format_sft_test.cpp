// transform/format_sft through PluginHarness: TRL's SFT layouts (messages,
// standard and conversational prompt/completion) and every reject path.
#include <catch2/catch.hpp>

#include "harness/plugin_harness.h"
#include "transform_format_testing.h"

using winnow::testing::HarnessOutput;
using winnow::testing::PluginHarness;

namespace {

HarnessOutput Run(const std::string& config, const std::vector<std::string>& rows,
                  size_t batch_size = 1000) {
  auto h = PluginHarness::Create("transform/format_sft", config);
  if (!h.ok()) FAIL(h.status().ToString());
  auto out = (*h)->RunStage(rows, batch_size);
  if (!out.ok()) FAIL(out.status().ToString());
  return std::move(*out);
}

// Runs one row that must be rejected and returns "kind reason | detail".
std::string RejectOf(const std::string& config, const std::string& row) {
  auto out = Run(config, {row});
  REQUIRE(out.rows.empty());
  REQUIRE(out.rejects.size() == 1);
  const auto& r = out.rejects[0];
  return std::string(r.kind == winnow::RejectKind::kDrop ? "drop " : "error ") + r.reason + " | " +
         r.detail;
}

}  // namespace

TEST_CASE("format_sft builds messages from an instruction and a generation",
          "[transform_format_sft]") {
  auto out = Run(R"({"system_prompt": "Be brief."})",
                 {R"({"id": 7, "instruction": "Hi?", "generation": "Hello.", "model_name": "m"})"});
  REQUIRE(out.rows.size() == 1);
  CHECK(out.rows[0] ==
        R"({"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi?"},)"
        R"({"role":"assistant","content":"Hello."}]})");
  CHECK(out.counters["format_sft.rows"] == 1);
}

TEST_CASE("format_sft passes a conversation through and adds the system prompt once",
          "[transform_format_sft]") {
  std::string conv =
      R"({"messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b","name":"x"}],"n":1})";
  std::string with_system =
      R"({"messages":[{"role":"system","content":"own"},{"role":"user","content":"a"},)"
      R"({"role":"assistant","content":"b"}]})";
  auto out = Run(R"({"system_prompt": "S", "keep": ["n"]})", {conv, with_system});
  REQUIRE(out.rows.size() == 2);
  CHECK(out.rows[0] ==
        R"({"messages":[{"role":"system","content":"S"},{"role":"user","content":"a"},)"
        R"({"role":"assistant","content":"b","name":"x"}],"n":1})");
  CHECK(out.rows[1] == with_system);
}

TEST_CASE("format_sft per-row system prompts replace the configured one",
          "[transform_format_sft]") {
  auto out = Run(R"({"system_prompt": "S", "system_field": "sys"})",
                 {R"({"prompt": "p", "completion": "c", "sys": "row"})",
                  R"({"prompt": "p", "completion": "c", "sys": null})"});
  REQUIRE(out.rows.size() == 2);
  CHECK(out.rows[0] == R"({"messages":[{"role":"system","content":"row"},)"
                       R"({"role":"user","content":"p"},{"role":"assistant","content":"c"}]})");
  CHECK(out.rows[1] == R"({"messages":[{"role":"system","content":"S"},)"
                       R"({"role":"user","content":"p"},{"role":"assistant","content":"c"}]})");
  CHECK(RejectOf(R"({"system_field": "sys"})", R"({"prompt":"p","completion":"c","sys":3})") ==
        "error format_sft:bad_type | the field 'sys' holds an integer, not a string");
}

TEST_CASE("format_sft prompt_completion: standard strings, keep and keep *",
          "[transform_format_sft]") {
  std::string row = R"({"id": 1, "prompt": "The sky is", "completion": " blue.", "lang": "en"})";
  auto plain = Run(R"({"format": "prompt_completion"})", {row});
  REQUIRE(plain.rows.size() == 1);
  CHECK(plain.rows[0] == R"({"prompt":"The sky is","completion":" blue."})");
  auto kept = Run(R"({"format": "prompt_completion", "keep": ["id"]})", {row});
  CHECK(kept.rows[0] == R"({"id":1,"prompt":"The sky is","completion":" blue."})");
  auto all = Run(R"({"format": "prompt_completion", "keep": "*"})",
                 {R"({"id": 1, "instruction": "q", "generation": "a", "lang": "en"})"});
  CHECK(all.rows[0] == R"({"id":1,"lang":"en","prompt":"q","completion":"a"})");
  // The first listed field present wins.
  auto order = Run(R"({"format": "prompt_completion", "prompt_field": ["question", "prompt"]})",
                   {R"({"prompt": "p", "question": "q", "completion": "c"})"});
  CHECK(order.rows[0] == R"({"prompt":"q","completion":"c"})");
}

TEST_CASE("format_sft prompt_completion: conversational forms", "[transform_format_sft]") {
  auto conv = Run(R"({"format": "prompt_completion", "style": "conversational"})",
                  {R"({"prompt": "What color is the sky?", "completion": "It is blue."})"});
  REQUIRE(conv.rows.size() == 1);
  CHECK(conv.rows[0] == R"({"prompt":[{"role":"user","content":"What color is the sky?"}],)"
                        R"("completion":[{"role":"assistant","content":"It is blue."}]})");
  // auto turns conversational when an input is a list; a conversation is split
  // before its last (assistant) message.
  auto split =
      Run(R"({"format": "prompt_completion"})",
          {R"({"messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"},)"
           R"({"role":"user","content":"c"},{"role":"assistant","content":"d"}]})"});
  REQUIRE(split.rows.size() == 1);
  CHECK(split.rows[0] ==
        R"({"prompt":[{"role":"user","content":"a"},{"role":"assistant","content":"b"},)"
        R"({"role":"user","content":"c"}],"completion":[{"role":"assistant","content":"d"}]})");
  auto list_prompt = Run(R"({"format": "prompt_completion"})",
                         {R"({"prompt":[{"role":"user","content":"a"}],"completion":"b"})"});
  CHECK(list_prompt.rows[0] == R"({"prompt":[{"role":"user","content":"a"}],)"
                               R"("completion":[{"role":"assistant","content":"b"}]})");
}

TEST_CASE("format_sft rejects every unusable row with a reason", "[transform_format_sft]") {
  CHECK(RejectOf("{}", R"({"text": "x"})") ==
        "error format_sft:missing_field | the row has no 'messages' conversation and none of "
        "the fields 'prompt' or 'instruction' is present (and not null)");
  CHECK(RejectOf("{}", R"({"prompt": "x", "completion": null})") ==
        "error format_sft:missing_field | none of the fields 'completion', 'generation' or "
        "'response' is present (and not null)");
  CHECK(RejectOf("{}", R"({"prompt": "", "completion": "c"})") ==
        "error format_sft:empty | the field 'prompt' is an empty string");
  CHECK(RejectOf("{}", R"({"prompt": "p", "completion": 3})") ==
        "error format_sft:bad_type | the field 'completion' holds an integer, not text or a list "
        "of messages");
  CHECK(RejectOf("{}", R"({"messages": "hello"})") ==
        "error format_sft:bad_type | the field 'messages' holds a string, not a list of "
        "messages");
  CHECK(RejectOf("{}", R"({"messages": []})") ==
        "error format_sft:empty | the field 'messages' is an empty list");
  CHECK(RejectOf("{}", R"({"messages": [{"role":"bot","content":"x"}]})") ==
        "error format_sft:bad_messages | message 0 of 'messages' has role 'bot' (expected "
        "system, user, assistant, tool or developer)");
  CHECK(RejectOf("{}", R"({"messages": [{"role":"user","content":"x"},{"content":"y"}]})") ==
        "error format_sft:bad_messages | message 1 of 'messages' has no string 'role'");
  CHECK(RejectOf("{}", R"({"messages": [{"role":"user"}]})") ==
        "error format_sft:bad_messages | message 0 of 'messages' has no 'content' (expected a "
        "string or a list of parts)");
  CHECK(RejectOf("{}", R"({"messages": ["hi"]})") ==
        "error format_sft:bad_messages | message 0 of 'messages' is a string, not an object "
        "with role and content");
  CHECK(RejectOf("{}", R"({"messages": [{"role":"user","content":"x"}]})") ==
        "error format_sft:no_assistant | the conversation in 'messages' has no assistant "
        "message");
  CHECK(RejectOf("{}", R"({"prompt": "p", "completion": [{"role":"user","content":"x"}]})") ==
        "error format_sft:no_assistant | the completion in 'completion' has no assistant "
        "message");
  CHECK(
      RejectOf(
          R"({"format": "prompt_completion"})",
          R"({"messages": [{"role":"assistant","content":"x"},{"role":"user","content":"y"}]})") ==
      "error format_sft:no_assistant | the conversation in 'messages' ends with a 'user' "
      "message; prompt_completion needs it to end with the assistant's answer");
  CHECK(RejectOf(R"({"format": "prompt_completion"})",
                 R"({"messages": [{"role":"assistant","content":"x"}]})") ==
        "error format_sft:empty | the conversation in 'messages' has no message before the "
        "assistant's answer");
  CHECK(
      RejectOf(
          R"({"format": "prompt_completion", "style": "standard"})",
          R"({"messages": [{"role":"user","content":"x"},{"role":"assistant","content":"y"}]})") ==
      "error format_sft:not_standard | style is standard but the row holds a conversation in "
      "'messages' (use style auto or conversational)");
  CHECK(RejectOf(R"({"format": "prompt_completion", "style": "standard"})",
                 R"({"prompt": [{"role":"user","content":"x"}], "completion": "y"})")
            .rfind("error format_sft:not_standard | ", 0) == 0);
}

TEST_CASE("format_sft refuses contradictory configuration", "[transform_format_sft]") {
  auto a = PluginHarness::Create("transform/format_sft", R"({"style": "standard"})");
  REQUIRE_FALSE(a.ok());
  CHECK_THAT(a.status().message(), Catch::Contains("style"));
  auto b = PluginHarness::Create("transform/format_sft", R"({"prompt_field": []})");
  REQUIRE_FALSE(b.ok());
  CHECK_THAT(b.status().message(), Catch::Contains("prompt_field"));
  auto c = PluginHarness::Create("transform/format_sft", R"({"keep": [""]})");
  REQUIRE_FALSE(c.ok());
  CHECK_THAT(c.status().message(), Catch::Contains("keep"));
  auto d = PluginHarness::Create("transform/format_sft", R"({"format": "chatml"})");
  REQUIRE_FALSE(d.ok());
  auto e = PluginHarness::Create("transform/format_sft", R"({"completion_field": []})");
  REQUIRE_FALSE(e.ok());
  CHECK_THAT(e.status().message(), Catch::Contains("completion_field"));
  auto f = PluginHarness::Create(
      "transform/format_sft",
      R"({"format": "prompt_completion", "style": "standard", "system_prompt": "S"})");
  REQUIRE_FALSE(f.ok());
  CHECK_THAT(f.status().message(), Catch::Contains("system_prompt"));
  auto g = PluginHarness::Create(
      "transform/format_sft",
      R"({"format": "prompt_completion", "style": "standard", "system_field": "sys"})");
  REQUIRE_FALSE(g.ok());
  CHECK_THAT(g.status().message(), Catch::Contains("system_field"));
}

TEST_CASE("format_sft output does not depend on batching", "[transform_format_sft]") {
  std::vector<std::string> rows;
  for (int i = 0; i < 50; ++i) {
    rows.push_back(i % 7 == 0
                       ? R"({"prompt": ""})"
                       : R"({"prompt": "q)" + std::to_string(i) + R"(", "completion": "a"})");
  }
  auto one = Run(R"({"format": "prompt_completion"})", rows, 1);
  auto all = Run(R"({"format": "prompt_completion"})", rows, 1000);
  CHECK(one.rows == all.rows);
  CHECK(one.rows.size() == 42);
  CHECK(one.rejects.size() == all.rejects.size());
}

TEST_CASE("format_sft fails rows whose bytes are not JSON", "[transform_format_sft]") {
  size_t kept = 99;
  auto rejects = format_testing::ProcessRaw(
      "format_sft", "{}",
      {R"({"prompt": "p", "completion": "c", "x": [1,})",
       R"({"messages": [{"role":"user","content":"a"},{"role":"assistant","content":"b"}], "y": [1,})",
       R"({"prompt":"p","completion":"c","instruction":"q","generations":["a","b"],"ratings":[1,2],"label":true,"rating":5})"},
      &kept);
  CHECK(kept == 1);
  REQUIRE(rejects.size() == 2);
  for (const auto& r : rejects) {
    CHECK(r.reason == "malformed_json");
    CHECK(r.kind == winnow::RejectKind::kError);
  }
}
