// Tests of llm/openai against a fake OpenAI-compatible server, plus its wire
// functions (openai_wire.cpp is compiled into this test).
#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>

#include "fixtures/fake_openai_server.h"
#include "fixtures/test_context.h"
#include "harness/plugin_harness.h"
#include "openai_wire.h"
#include "registry/registry.h"
#include "winnow/comm.h"
#include "winnow/llm.h"

using winnow::ChatRequest;
using winnow::ChatResponse;
using winnow::Context;
using winnow::LlmFailureReason;
using winnow::Result;
using winnow::Status;
using winnow::StatusCode;
using winnow::Value;
using winnow::testing::FakeOpenAIServer;
using winnow::testing::TempDir;
using winnow::testing::TestContext;

namespace {

// Loads llm/openai from the build tree and opens it.
class Provider {
 public:
  Provider(const std::string& config_json, TestContext& ctx, bool open = true) {
    registry_.Discover(winnow::core::Registry::DefaultSearchPath({}));
    auto loaded = registry_.Load("llm", "openai");
    REQUIRE(loaded.ok());
    auto config = Value::Parse(config_json);
    REQUIRE(config.ok());
    created_ = loaded->descriptor->create(*config);
    if (!created_.ok()) return;
    llm_ = dynamic_cast<winnow::LlmProvider*>(created_->get());
    REQUIRE(llm_ != nullptr);
    if (open) open_status_ = llm_->Open(ctx);
  }
  ~Provider() {
    if (created_.ok()) created_->reset();
  }
  const Status& create_status() const { return created_.status(); }
  const Status& open_status() const { return open_status_; }
  winnow::LlmProvider& operator*() { return *llm_; }
  winnow::LlmProvider* operator->() { return llm_; }

 private:
  winnow::core::Registry registry_;
  Result<std::unique_ptr<winnow::Plugin>> created_ = Status::Internal("not created");
  winnow::LlmProvider* llm_ = nullptr;
  Status open_status_;
};

std::string Config(const FakeOpenAIServer& fake, const std::string& extra = "") {
  std::string c = R"({"base_url": ")" + fake.base_url() +
                  R"(", "model": "gpt-test", "initial_backoff_ms": 5, "max_backoff_ms": 20)";
  if (!extra.empty()) c += ", " + extra;
  return c + "}";
}

ChatRequest Ask(const std::string& text) {
  ChatRequest r;
  r.messages.push_back({"user", text});
  return r;
}

std::vector<Result<ChatResponse>> Run(winnow::LlmProvider& llm,
                                      const std::vector<ChatRequest>& reqs, Context& ctx) {
  return winnow::ChatAll(llm, reqs, ctx);
}

}  // namespace

TEST_CASE("a chat request goes out in the OpenAI wire format", "[llm_openai]") {
  FakeOpenAIServer fake;
  TempDir dir;
  TestContext ctx(dir.path());
  Provider llm(Config(fake, R"("temperature": 0.2, "seed": 7, "stop": ["END"])"), ctx);
  REQUIRE(llm.open_status().ok());
  CHECK(llm->model_name() == "gpt-test");

  ChatRequest req;
  req.messages = {{"system", "Be brief."}, {"user", "Hello"}};
  auto out = Run(*llm, {req}, ctx);
  REQUIRE(out.size() == 1);
  REQUIRE(out[0].ok());
  CHECK(out[0]->texts == std::vector<std::string>{"echo: Hello"});
  CHECK(out[0]->model == "gpt-test");
  CHECK(out[0]->finish_reason == "stop");
  CHECK(out[0]->prompt_tokens > 0);
  CHECK_FALSE(out[0]->from_cache);

  REQUIRE(fake.bodies().size() == 1);
  CHECK(fake.bodies()[0] ==
        R"({"model":"gpt-test","messages":[{"role":"system","content":"Be brief."},)"
        R"({"role":"user","content":"Hello"}],"temperature":0.2,"top_p":1.0,)"
        R"("max_completion_tokens":1024,"seed":7,"stop":["END"]})");
  CHECK(fake.authorizations()[0] == "Bearer sk-test-123");
  CHECK(ctx.counter("llm.requests") == 1);
  CHECK(ctx.counter("llm.prompt_tokens") == out[0]->prompt_tokens);
  CHECK(ctx.counter("llm.completion_tokens") == out[0]->completion_tokens);
  for (const auto& line : ctx.log) CHECK(line.find("sk-test-123") == std::string::npos);
}

TEST_CASE("responses are cached per request and survive a new provider", "[llm_openai]") {
  FakeOpenAIServer fake;
  TempDir dir;
  TestContext ctx(dir.path());
  {
    Provider llm(Config(fake), ctx);
    REQUIRE(llm.open_status().ok());
    auto first = Run(*llm, {Ask("a"), Ask("b")}, ctx);
    REQUIRE(first[0].ok());
    REQUIRE(first[1].ok());
    CHECK(fake.requests() == 2);
    auto again = Run(*llm, {Ask("a"), Ask("c")}, ctx);
    REQUIRE(again[0].ok());
    CHECK(again[0]->from_cache);
    CHECK(again[0]->texts[0] == "echo: a");
    CHECK_FALSE(again[1]->from_cache);
    CHECK(fake.requests() == 3);
    CHECK(ctx.counter("llm.cache_hits") == 1);
  }
  // A new provider over the same cache (another run), with another API key:
  // the key is not part of the cache key.
  ctx.secrets["OPENAI_API_KEY"] = "sk-other";
  Provider llm2(Config(fake), ctx);
  REQUIRE(llm2.open_status().ok());
  auto third = Run(*llm2, {Ask("b"), Ask("c")}, ctx);
  CHECK(third[0]->from_cache);
  CHECK(third[1]->from_cache);
  CHECK(fake.requests() == 3);

  // Other parameters are another request.
  ChatRequest hot = Ask("b");
  hot.params.set("temperature", 1.5);
  auto fourth = Run(*llm2, {hot}, ctx);
  CHECK_FALSE(fourth[0]->from_cache);
  CHECK(fake.requests() == 4);

  // The cache file holds no secret.
  std::string db = winnow::testing::ReadText(dir.path() / "llm" / "responses.sqlite");
  std::string wal = winnow::testing::ReadText(dir.path() / "llm" / "responses.sqlite-wal");
  CHECK(db.find("sk-test-123") == std::string::npos);
  CHECK(wal.find("sk-test-123") == std::string::npos);
  CHECK(db.find("sk-other") == std::string::npos);
  CHECK(wal.find("sk-other") == std::string::npos);
}

TEST_CASE("cache disabled sends every request", "[llm_openai]") {
  FakeOpenAIServer fake;
  TempDir dir;
  TestContext ctx(dir.path());
  Provider llm(Config(fake, R"("cache": false)"), ctx);
  REQUIRE(llm.open_status().ok());
  (void)Run(*llm, {Ask("a")}, ctx);
  (void)Run(*llm, {Ask("a")}, ctx);
  CHECK(fake.requests() == 2);
  CHECK_FALSE(std::filesystem::exists(dir.path() / "llm" / "responses.sqlite"));
}

TEST_CASE("transient failures are retried; final ones carry a reason code", "[llm_openai]") {
  FakeOpenAIServer fake;
  TempDir dir;
  TestContext ctx(dir.path());
  Provider llm(Config(fake, R"("max_retries": 2, "cache": false)"), ctx);
  REQUIRE(llm.open_status().ok());

  auto out = Run(
      *llm,
      {Ask("r1 [[429 once]]"), Ask("r2 [[500 twice]]"), Ask("r3 [[always 500]]"),
       Ask("r4 [[quota]]"), Ask("r5 [[400]]"), Ask("r6 [[malformed]]"), Ask("r7 [[no choices]]"),
       Ask("r8 [[refusal]]"), Ask("r9 [[no retry]]"), Ask("r10 [[always 503]]"), Ask("ok")},
      ctx);
  REQUIRE(out.size() == 11);
  REQUIRE(out[0].ok());
  CHECK(out[0]->texts[0] == "echo: r1 [[429 once]]");
  REQUIRE(out[1].ok());

  REQUIRE_FALSE(out[2].ok());
  CHECK(LlmFailureReason(out[2].status()) == "llm:http_500");
  CHECK(out[2].status().code() == StatusCode::kUnavailable);
  CHECK(winnow::LlmFailureDetail(out[2].status()).find("upstream model crashed") !=
        std::string::npos);
  CHECK(out[2].status().message().find("after 3 attempts") != std::string::npos);

  REQUIRE_FALSE(out[3].ok());
  CHECK(LlmFailureReason(out[3].status()) == "llm:insufficient_quota");
  CHECK(out[3].status().message().find("exceeded your current quota") != std::string::npos);

  REQUIRE_FALSE(out[4].ok());
  CHECK(LlmFailureReason(out[4].status()) == "llm:http_400");
  CHECK(out[4].status().code() == StatusCode::kInvalidArgument);
  CHECK(out[4].status().message().find("Invalid value for 'temperature'") != std::string::npos);

  CHECK(LlmFailureReason(out[5].status()) == "llm:malformed_response");
  CHECK(LlmFailureReason(out[6].status()) == "llm:malformed_response");
  REQUIRE_FALSE(out[7].ok());
  CHECK(LlmFailureReason(out[7].status()) == "llm:empty_response");
  CHECK(out[7].status().message().find("I cannot help with that.") != std::string::npos);
  CHECK(LlmFailureReason(out[8].status()) == "llm:http_500");
  REQUIRE_FALSE(out[9].ok());
  CHECK(LlmFailureReason(out[9].status()) == "llm:http_503");
  CHECK(out[9].status().message().find("Service Unavailable") != std::string::npos);
  CHECK(out[10].ok());

  // Request counts per row: what was retried and what was not.
  std::map<std::string, int> per;
  for (const auto& b : fake.bodies()) {
    per[FakeOpenAIServer::LastMessage(*Value::Parse(b))]++;
  }
  CHECK(per["r1 [[429 once]]"] == 2);
  CHECK(per["r2 [[500 twice]]"] == 3);
  CHECK(per["r3 [[always 500]]"] == 3);
  CHECK(per["r4 [[quota]]"] == 1);
  CHECK(per["r5 [[400]]"] == 1);
  CHECK(per["r6 [[malformed]]"] == 1);
  CHECK(per["r9 [[no retry]]"] == 1);
  CHECK(per["r10 [[always 503]]"] == 3);
  CHECK(ctx.counter("llm.retries") == 1 + 2 + 2 + 2);
  CHECK(ctx.counter("llm.errors") == 8);
}

TEST_CASE("a retry-after header in seconds is honoured", "[llm_openai]") {
  FakeOpenAIServer fake;
  TempDir dir;
  TestContext ctx(dir.path());
  Provider llm(Config(fake), ctx);
  REQUIRE(llm.open_status().ok());
  auto start = std::chrono::steady_clock::now();
  auto out = Run(*llm, {Ask("[[429 header]]")}, ctx);
  auto elapsed = std::chrono::steady_clock::now() - start;
  REQUIRE(out[0].ok());
  CHECK(fake.requests() == 2);
  // Lower bound only: the server asked for 1 s, the backoff alone is 5 ms.
  CHECK(elapsed >= std::chrono::milliseconds(900));
}

TEST_CASE("timeouts become llm:timeout; cancellation stops waiting", "[llm_openai]") {
  FakeOpenAIServer fake;
  TempDir dir;
  TestContext ctx(dir.path());
  Provider llm(Config(fake, R"("timeout_ms": 150, "max_retries": 1, "cache": false)"), ctx);
  REQUIRE(llm.open_status().ok());
  auto out = Run(*llm, {Ask("[[slow]] a")}, ctx);
  REQUIRE_FALSE(out[0].ok());
  CHECK(LlmFailureReason(out[0].status()) == "llm:timeout");
  CHECK(fake.requests() == 2);

  Provider patient(Config(fake, R"("timeout_ms": 60000, "cache": false)"), ctx);
  REQUIRE(patient.open_status().ok());
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    ctx.cancel = true;
  });
  auto start = std::chrono::steady_clock::now();
  auto cancelled = Run(*patient, {Ask("[[slow]] b"), Ask("[[slow]] c")}, ctx);
  stopper.join();
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
  for (auto& r : cancelled) {
    REQUIRE_FALSE(r.ok());
    CHECK(LlmFailureReason(r.status()) == "llm:cancelled");
  }
}

TEST_CASE("n is sent or emulated depending on the flavor", "[llm_openai]") {
  FakeOpenAIServer fake;
  TempDir dir;
  TestContext ctx(dir.path());
  ChatRequest req = Ask("q");
  req.params.set("n", 3);

  Provider openai(Config(fake, R"("cache": false)"), ctx);
  auto a = Run(*openai, {req}, ctx);
  REQUIRE(a[0].ok());
  CHECK(a[0]->texts == std::vector<std::string>{"echo: q #0", "echo: q #1", "echo: q #2"});
  CHECK(fake.requests() == 1);
  CHECK(fake.bodies()[0].find(R"("n":3)") != std::string::npos);

  fake.Reset();
  Provider ollama(Config(fake, R"("flavor": "ollama", "seed": 10, "api_key_env": "NOPE")"), ctx);
  REQUIRE(ollama.open_status().ok());
  auto b = Run(*ollama, {req}, ctx);
  REQUIRE(b[0].ok());
  CHECK(b[0]->texts.size() == 3);
  CHECK(fake.requests() == 3);
  std::set<std::string> seeds;
  for (const auto& body : fake.bodies()) {
    auto v = Value::Parse(body);
    CHECK(v->find("n") == nullptr);
    CHECK(v->find("max_tokens") != nullptr);
    seeds.insert(v->find("seed")->ToJson());
    CHECK(fake.authorizations().back().empty());
  }
  CHECK(seeds == std::set<std::string>{"10", "11", "12"});
  // Emulated samples are cached one by one.
  auto again = Run(*ollama, {req}, ctx);
  CHECK(again[0]->from_cache);
  CHECK(fake.requests() == 3);
}

TEST_CASE("rate limits delay requests before sending", "[llm_openai]") {
  FakeOpenAIServer fake;
  TempDir dir;
  TestContext ctx(dir.path());
  // 120 requests per minute: a burst of 20, then one every 0.5 s.
  Provider llm(Config(fake, R"("requests_per_minute": 120, "cache": false)"), ctx);
  REQUIRE(llm.open_status().ok());
  std::vector<ChatRequest> reqs;
  for (int i = 0; i < 22; ++i) reqs.push_back(Ask("row " + std::to_string(i)));
  auto start = std::chrono::steady_clock::now();
  auto out = Run(*llm, reqs, ctx);
  auto elapsed = std::chrono::steady_clock::now() - start;
  for (auto& r : out) CHECK(r.ok());
  CHECK(elapsed >= std::chrono::milliseconds(900));  // lower bound only
}

TEST_CASE("configuration and key problems are reported clearly", "[llm_openai]") {
  FakeOpenAIServer fake;
  TempDir dir;
  TestContext ctx(dir.path());
  ctx.secrets.clear();
  Provider needs_key(Config(fake), ctx);
  REQUIRE_FALSE(needs_key.open_status().ok());
  CHECK(needs_key.open_status().code() == StatusCode::kPermissionDenied);
  CHECK(needs_key.open_status().message().find("OPENAI_API_KEY") != std::string::npos);

  Provider local(Config(fake, R"("flavor": "vllm")"), ctx);
  REQUIRE(local.open_status().ok());
  auto out = Run(*local, {Ask("x")}, ctx);
  REQUIRE(out[0].ok());
  CHECK(fake.authorizations().back().empty());

  Provider bad_url(R"({"base_url": "ftp://x", "model": "m"})", ctx, false);
  REQUIRE_FALSE(bad_url.create_status().ok());
  CHECK(bad_url.create_status().message().find("base_url") != std::string::npos);

  Provider bad_flavor(R"({"model": "m", "flavor": "bard"})", ctx, false);
  REQUIRE_FALSE(bad_flavor.create_status().ok());

  Provider no_model(R"({"base_url": "http://x"})", ctx, false);
  REQUIRE_FALSE(no_model.create_status().ok());

  ctx.secrets["K"] = "v";
  Provider bad_cache(
      Config(fake, R"("api_key_env": "K", "cache_path": "/proc/no/such/dir/c.sqlite")"), ctx);
  REQUIRE_FALSE(bad_cache.open_status().ok());
  CHECK(bad_cache.open_status().message().find("/proc/no/such/dir") != std::string::npos);

  // A regex on a flavor that cannot send one fails that request only.
  Provider openai(Config(fake, R"("api_key_env": "K")"), ctx);
  ChatRequest rx = Ask("y");
  rx.regex = "[0-9]+";
  auto r = Run(*openai, {rx, Ask("z")}, ctx);
  REQUIRE_FALSE(r[0].ok());
  CHECK(LlmFailureReason(r[0].status()) == "llm:unsupported");
  CHECK(r[1].ok());
}

// ---------------------------------------------------------------- wire

using winnow::openai::BuildBody;
using winnow::openai::Flavor;
using winnow::openai::WireDefaults;

TEST_CASE("wire: constraints per flavor", "[llm_openai][wire]") {
  WireDefaults d;
  d.model = "m";
  d.params.set("max_tokens", 16);
  ChatRequest req = Ask("hi");
  req.json_schema = *Value::Parse(R"({"type":"object"})");

  auto body = [&](Flavor f) {
    auto b = BuildBody(f, d, req);
    REQUIRE(b.ok());
    return *Value::Parse(*b);
  };
  Value o = body(Flavor::kOpenAI);
  CHECK(o.find("max_completion_tokens")->as_int() == 16);
  CHECK(
      o.find("response_format")->ToJson() ==
      R"({"type":"json_schema","json_schema":{"name":"response","schema":{"type":"object"},"strict":true}})");
  Value v = body(Flavor::kVllm);
  CHECK(v.find("max_tokens")->as_int() == 16);
  CHECK(v.find("guided_json")->ToJson() == R"({"type":"object"})");
  CHECK(body(Flavor::kLlamaCpp).find("json_schema")->ToJson() == R"({"type":"object"})");
  CHECK(body(Flavor::kOllama).find("format")->ToJson() == R"({"type":"object"})");
  CHECK(body(Flavor::kTgi).find("response_format")->ToJson() ==
        R"({"type":"json","value":{"type":"object"}})");

  req.json_schema = Value();
  req.regex = "(yes|no)";
  CHECK(body(Flavor::kVllm).find("guided_regex")->as_string() == "(yes|no)");
  CHECK(body(Flavor::kTgi).find("response_format")->ToJson() ==
        R"J({"type":"regex","value":"(yes|no)"})J");
  for (Flavor f : {Flavor::kOpenAI, Flavor::kLlamaCpp, Flavor::kOllama}) {
    auto b = BuildBody(f, d, req);
    REQUIRE_FALSE(b.ok());
    CHECK(LlmFailureReason(b.status()) == "llm:unsupported");
  }
  req.json_schema = *Value::Parse("{}");
  CHECK_FALSE(BuildBody(Flavor::kVllm, d, req).ok());  // both

  // A null parameter removes a default; extra_body goes last.
  ChatRequest plain = Ask("x");
  plain.params.set("max_tokens", Value());
  plain.params.set("top_k", 5);
  d.extra_body = *Value::Parse(R"({"repetition_penalty": 1.1})");
  auto b = BuildBody(Flavor::kVllm, d, plain);
  REQUIRE(b.ok());
  CHECK(*b == R"({"model":"m","messages":[{"role":"user","content":"x"}],"top_k":5,)"
              R"("repetition_penalty":1.1})");
  plain.params.set("temperature", "hot");
  CHECK_FALSE(BuildBody(Flavor::kVllm, d, plain).ok());
  CHECK_FALSE(BuildBody(Flavor::kVllm, d, ChatRequest{}).ok());
}

TEST_CASE("wire: completions and errors are parsed leniently", "[llm_openai][wire]") {
  using winnow::openai::ParseCompletion;
  using winnow::openai::ParseErrorBody;
  auto c = ParseCompletion(
      R"({"model":"x","choices":[{"index":1,"message":{"content":"second"}},)"
      R"({"index":0,"message":{"content":[{"type":"text","text":"fir"},{"type":"text","text":"st"}]},"finish_reason":"length"}],)"
      R"("usage":{"prompt_tokens":3,"completion_tokens":4}})");
  REQUIRE(c.ok());
  CHECK(c->texts == std::vector<std::string>{"first", "second"});
  CHECK(c->finish_reason == "length");
  CHECK(c->prompt_tokens == 3);
  CHECK(c->completion_tokens == 4);
  auto t = ParseCompletion(R"({"choices":[{"text":"legacy"}]})");
  REQUIRE(t.ok());
  CHECK(t->texts[0] == "legacy");
  CHECK(LlmFailureReason(ParseCompletion(R"({"error":{"message":"boom"}})").status()) ==
        "llm:server_error");
  CHECK(LlmFailureReason(ParseCompletion("[1]").status()) == "llm:malformed_response");

  CHECK(ParseErrorBody(R"({"error":{"message":"m","type":"t","code":"c"}})").code == "c");
  CHECK(ParseErrorBody(R"({"error":{"message":"m","code":429}})").code == "429");
  CHECK(ParseErrorBody(R"({"error":"plain text"})").message == "plain text");
  CHECK(ParseErrorBody(R"({"detail":"Not Found"})").message == "Not Found");
  CHECK(ParseErrorBody(R"({"detail":[{"loc":["body"],"msg":"field required"}]})").message ==
        R"([{"loc":["body"],"msg":"field required"}])");
  CHECK(ParseErrorBody(R"({"message":"ollama says no"})").message == "ollama says no");
  CHECK(ParseErrorBody("Bad Gateway\n").message == "Bad Gateway");
  CHECK(ParseErrorBody("").message == "(empty body)");
  CHECK(winnow::openai::IsInsufficientQuota(R"({"error":{"code":"insufficient_quota"}})"));
  CHECK_FALSE(winnow::openai::IsInsufficientQuota(R"({"error":{"code":"rate_limit_exceeded"}})"));
}
