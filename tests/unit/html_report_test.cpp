// report.html: structure, escaping, failure display, the small-output hint.
#include <catch2/catch.hpp>

#include "report/html_report.h"

using namespace winnow;
using namespace winnow::core;

namespace {
RunReport Sample() {
  RunReport r;
  r.wall_s = 3.5;
  r.threads = 2;
  StepReport a;
  a.name = "read";
  a.uses = "source/jsonl";
  a.rows_in = 100;
  a.rows_out = 90;
  a.errors = 10;
  a.reasons["error:malformed_json"] = 10;
  StepReport b;
  b.name = "write";
  b.uses = "exporter/jsonl";
  b.inputs = {"read"};
  b.rows_in = b.rows_out = 90;
  b.sample_kept = {R"({"prompt":"<script>alert(1)</script>","completion":"x"})"};
  b.profile.sampled_rows = 20;
  b.profile.languages["en"] = 15;
  b.profile.text_chars = {10, 100, 1000};
  b.counters["llm.prompt_tokens"] = 1234;
  r.steps = {a, b};
  return r;
}
}  // namespace

TEST_CASE("the report shows steps, graph, reasons, profiles and escapes row content") {
  std::string html = RenderHtmlReport("demo", Sample());
  CHECK_THAT(html, Catch::StartsWith("<!DOCTYPE html>"));
  CHECK_THAT(html, Catch::Contains("aria-label=\"pipeline graph\""));
  CHECK_THAT(html, Catch::Contains("read: error:malformed_json"));
  CHECK_THAT(html, Catch::Contains("llm.prompt_tokens"));
  CHECK_THAT(html, Catch::Contains("&lt;script&gt;"));
  CHECK_THAT(html, !Catch::Contains("<script>"));
  CHECK_THAT(html, !Catch::Contains("http://"));
  CHECK_THAT(html, !Catch::Contains("https://"));
  CHECK_THAT(html, Catch::Contains("90 SFT examples"));
}

TEST_CASE("a failed run shows its error; an empty run renders") {
  RunReport r = Sample();
  r.status = Status::IOError("disk <full>");
  std::string html = RenderHtmlReport("demo", r);
  CHECK_THAT(html, Catch::Contains("disk &lt;full&gt;"));
  RunReport empty;
  CHECK_THAT(RenderHtmlReport("empty", empty), Catch::Contains("</html>"));
}
