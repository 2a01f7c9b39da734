// llm/openai's batch mode against a fake OpenAI Batch API on 127.0.0.1, plus
// its wire functions (openai_batch.cpp is compiled into test_llm_openai; see
// llm_openai.cmake).
#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "fixtures/fake_http_server.h"
#include "fixtures/test_context.h"
#include "harness/plugin_harness.h"
#include "openai_batch.h"
#include "registry/registry.h"
#include "winnow/llm.h"

using winnow::ChatRequest;
using winnow::ChatResponse;
using winnow::LlmFailureReason;
using winnow::Result;
using winnow::Status;
using winnow::Value;
using winnow::testing::FakeHttpServer;
using winnow::testing::TempDir;
using winnow::testing::TestContext;

namespace {

// A fake of the OpenAI Files and Batch APIs. It checks what it receives
// against the real wire format (multipart upload with purpose=batch, JSONL
// lines {custom_id, method, url, body}, unique custom_ids, a batch body with
// input_file_id, endpoint and completion_window "24h"), and moves a batch one
// status further on every GET: validating -> in_progress -> finalizing -> the
// final status. Answers: "echo: <last message>"; a message containing
// [[400]] gets a 400 response line, [[error]] an error line without response,
// [[drop]] no line at all.
class FakeBatchApi {
 public:
  std::string final_status = "completed";  // or failed, expired, cancelled
  bool hold = false;                       // stay in_progress while true
  bool junk_lines = false;                 // add unreadable lines to the output
  std::vector<std::string> rejected;       // why requests were refused (should stay empty)

  FakeBatchApi() {
    auto& s = http_.server();
    s.Post("/v1/files", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu_);
      if (!req.has_file("purpose") || req.get_file_value("purpose").content != "batch") {
        return Refuse(res, "purpose must be batch");
      }
      if (!req.has_file("file")) return Refuse(res, "no file part");
      const auto file = req.get_file_value("file");
      if (file.filename.empty()) return Refuse(res, "the file part has no filename");
      std::map<std::string, int> ids;
      size_t pos = 0;
      const std::string& c = file.content;
      while (pos < c.size()) {
        size_t nl = c.find('\n', pos);
        if (nl == std::string::npos) nl = c.size();
        auto line = Value::Parse(c.substr(pos, nl - pos));
        pos = nl + 1;
        if (!line.ok() || !line->is_object()) return Refuse(res, "a line is not JSON");
        const Value* id = line->find("custom_id");
        const Value* method = line->find("method");
        const Value* url = line->find("url");
        const Value* body = line->find("body");
        if (id == nullptr || !id->is_string()) return Refuse(res, "a line has no custom_id");
        if (ids[id->as_string()]++ > 0) return Refuse(res, "duplicate custom_id");
        if (method == nullptr || method->as_string() != "POST") return Refuse(res, "method");
        if (url == nullptr || url->as_string() != "/v1/chat/completions") return Refuse(res, "url");
        if (body == nullptr || !body->is_object() || body->find("model") == nullptr) {
          return Refuse(res, "body");
        }
      }
      std::string id = "file-in-" + std::to_string(files_.size());
      files_[id] = c;
      uploads_++;
      Json(res, 200,
           R"({"id":")" + id + R"(","object":"file","purpose":"batch","filename":")" +
               file.filename + R"(","bytes":)" + std::to_string(c.size()) + "}");
    });
    s.Post("/v1/batches", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu_);
      auto v = Value::Parse(req.body);
      if (!v.ok() || !v->is_object()) return Refuse(res, "batch body is not JSON");
      const Value* file = v->find("input_file_id");
      if (file == nullptr || !file->is_string() || !files_.count(file->as_string())) {
        return Refuse(res, "unknown input_file_id");
      }
      if (v->find("endpoint") == nullptr ||
          v->find("endpoint")->as_string() != "/v1/chat/completions") {
        return Refuse(res, "endpoint");
      }
      if (v->find("completion_window") == nullptr ||
          v->find("completion_window")->as_string() != "24h") {
        return Refuse(res, "completion_window");
      }
      Batch b;
      b.id = "batch_" + std::to_string(batches_.size());
      b.input = file->as_string();
      if (const Value* md = v->find("metadata")) b.metadata = md->ToJson();
      batches_.push_back(b);
      creates_++;
      Json(res, 200, Render(batches_.back()));
    });
    s.Get("/v1/batches", [this](const httplib::Request&, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu_);
      std::string out = R"({"object":"list","data":[)";
      for (size_t i = batches_.size(); i-- > 0;) {
        out += Render(batches_[i]);
        if (i > 0) out += ",";
      }
      Json(res, 200, out + "]}");
    });
    s.Get(R"(/v1/batches/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu_);
      polls_++;
      for (auto& b : batches_) {
        if (b.id != req.matches[1].str()) continue;
        Advance(b);
        return Json(res, 200, Render(b));
      }
      Json(res, 404, R"({"error":{"message":"No batch found","type":"invalid_request_error"}})");
    });
    s.Get(R"(/v1/files/([^/]+)/content)",
          [this](const httplib::Request& req, httplib::Response& res) {
            std::lock_guard<std::mutex> lock(mu_);
            auto it = files_.find(req.matches[1].str());
            if (it == files_.end())
              return Json(res, 404, R"({"error":{"message":"No such File"}})");
            res.status = 200;
            res.set_content(it->second, "application/octet-stream");
          });
    http_.Start();
  }

  std::string base_url() const { return http_.Url("/v1"); }
  int uploads() const {
    std::lock_guard<std::mutex> lock(mu_);
    return uploads_;
  }
  int creates() const {
    std::lock_guard<std::mutex> lock(mu_);
    return creates_;
  }
  int polls() const {
    std::lock_guard<std::mutex> lock(mu_);
    return polls_;
  }
  // The lines of the first uploaded input file.
  std::vector<Value> InputLines() {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<Value> out;
    const std::string& c = files_.at("file-in-0");
    size_t pos = 0;
    while (pos < c.size()) {
      size_t nl = c.find('\n', pos);
      out.push_back(*Value::Parse(c.substr(pos, nl - pos)));
      pos = nl + 1;
    }
    return out;
  }
  // The server loses every uploaded file and batch.
  void ForgetEverything() {
    std::lock_guard<std::mutex> lock(mu_);
    files_.clear();
    batches_.clear();
  }
  // The server loses every batch (as if the job belonged to another account).
  void ForgetBatches() {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& b : batches_) b.id = "gone-" + b.id;
  }
  std::string metadata(size_t i) {
    std::lock_guard<std::mutex> lock(mu_);
    return batches_.at(i).metadata;
  }

 private:
  struct Batch {
    std::string id, input, metadata;
    std::string status = "validating";
    std::string output, error;
  };

  static void Json(httplib::Response& res, int status, const std::string& body) {
    res.status = status;
    res.set_content(body, "application/json");
  }
  void Refuse(httplib::Response& res, const std::string& why) {
    rejected.push_back(why);
    Json(res, 400, R"({"error":{"message":")" + why + R"(","type":"invalid_request_error"}})");
  }

  std::string Render(const Batch& b) const {
    std::string out =
        R"({"id":")" + b.id + R"(","object":"batch","endpoint":"/v1/chat/completions",)" +
        R"("input_file_id":")" + b.input + R"(","completion_window":"24h","status":")" + b.status +
        R"(","output_file_id":)" + (b.output.empty() ? "null" : "\"" + b.output + "\"") +
        R"(,"error_file_id":)" + (b.error.empty() ? "null" : "\"" + b.error + "\"");
    if (b.status == "failed") {
      out += R"(,"errors":{"object":"list","data":[{"code":"invalid_request","message":)"
             R"("The model 'gpt-nope' does not exist.","param":"body.model","line":1}]})";
    } else {
      out += R"(,"errors":null)";
    }
    if (!b.metadata.empty()) out += R"(,"metadata":)" + b.metadata;
    return out + "}";
  }

  void Advance(Batch& b) {
    if (b.status == "validating") {
      b.status = "in_progress";
    } else if (b.status == "in_progress" && !hold) {
      b.status = "finalizing";
    } else if (b.status == "finalizing") {
      b.status = final_status;
      if (final_status != "failed") Answer(b);
    }
  }

  // Writes the output and error files of a finished batch.
  void Answer(Batch& b) {
    std::string out, err;
    const std::string& c = files_.at(b.input);
    size_t pos = 0, n = 0;
    while (pos < c.size()) {
      size_t nl = c.find('\n', pos);
      Value line = *Value::Parse(c.substr(pos, nl - pos));
      pos = nl + 1;
      std::string id = line.find("custom_id")->as_string();
      const Value& msgs = *line.find("body")->find("messages");
      std::string last = msgs.as_array().back().find("content")->as_string();
      std::string idj;
      winnow::AppendJsonString(idj, id);
      ++n;
      if (last.find("[[drop]]") != std::string::npos) continue;
      if ((final_status == "expired" || final_status == "cancelled") && n % 2 == 0) {
        std::string code = final_status == "expired" ? "batch_expired" : "batch_cancelled";
        err += R"({"id":"batch_req_)" + std::to_string(n) + R"(","custom_id":)" + idj +
               R"(,"response":null,"error":{"code":")" + code +
               R"(","message":)"
               R"("This request could not be executed before the batch ended."}})"
               "\n";
        continue;
      }
      if (last.find("[[400]]") != std::string::npos) {
        err += R"({"id":"batch_req_)" + std::to_string(n) + R"(","custom_id":)" + idj +
               R"(,"response":{"status_code":400,"request_id":"r","body":{"error":{"message":)"
               R"("Invalid value for 'temperature'.","type":"invalid_request_error","code":)"
               R"("invalid_value"}}},"error":null})"
               "\n";
        continue;
      }
      if (last.find("[[error]]") != std::string::npos) {
        err +=
            R"({"id":"batch_req_)" + std::to_string(n) + R"(","custom_id":)" + idj +
            R"(,"response":null,"error":{"code":"server_error","message":"The request failed."}})"
            "\n";
        continue;
      }
      std::string text;
      winnow::AppendJsonString(text, "echo: " + last);
      out += R"({"id":"batch_req_)" + std::to_string(n) + R"(","custom_id":)" + idj +
             R"(,"response":{"status_code":200,"request_id":"r","body":{"id":"chatcmpl-b",)"
             R"("object":"chat.completion","model":"gpt-test-2024","choices":[{"index":0,)"
             R"("message":{"role":"assistant","content":)" +
             text +
             R"(},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":7}}},)"
             R"("error":null})"
             "\n";
    }
    if (junk_lines) {
      out += "this is not json\n";
      out += R"({"response":{"status_code":200,"body":{}}})"
             "\n";
      out +=
          R"({"custom_id":"no-such-request","response":{"status_code":200,"body":{}},"error":null})"
          "\n";
    }
    if (!out.empty()) {
      b.output = "file-out-" + b.id;
      files_[b.output] = out;
    }
    if (!err.empty()) {
      b.error = "file-err-" + b.id;
      files_[b.error] = err;
    }
  }

  FakeHttpServer http_{8};
  mutable std::mutex mu_;
  std::map<std::string, std::string> files_;
  std::vector<Batch> batches_;
  int uploads_ = 0, creates_ = 0, polls_ = 0;
};

class Provider {
 public:
  Provider(const std::string& config_json, TestContext& ctx) {
    registry_.Discover(winnow::core::Registry::DefaultSearchPath({}));
    auto loaded = registry_.Load("llm", "openai");
    REQUIRE(loaded.ok());
    auto config = Value::Parse(config_json);
    REQUIRE(config.ok());
    created_ = loaded->descriptor->create(*config);
    if (!created_.ok()) return;
    llm_ = dynamic_cast<winnow::LlmProvider*>(created_->get());
    REQUIRE(llm_ != nullptr);
    open_status_ = llm_->Open(ctx);
  }
  ~Provider() {
    if (created_.ok()) created_->reset();
  }
  const Status& create_status() const { return created_.status(); }
  const Status& open_status() const { return open_status_; }
  winnow::LlmProvider& operator*() { return *llm_; }

 private:
  winnow::core::Registry registry_;
  Result<std::unique_ptr<winnow::Plugin>> created_ = Status::Internal("not created");
  winnow::LlmProvider* llm_ = nullptr;
  Status open_status_;
};

std::string BatchConfig(const FakeBatchApi& fake, const std::string& extra = "") {
  std::string c = R"({"base_url": ")" + fake.base_url() +
                  R"(", "model": "gpt-test", "mode": "batch", "batch_poll_interval_s": 0.01,)"
                  R"( "initial_backoff_ms": 5, "max_backoff_ms": 20, "max_retries": 1)";
  if (!extra.empty()) c += ", " + extra;
  return c + "}";
}

ChatRequest Ask(const std::string& text) {
  ChatRequest r;
  r.messages.push_back({"user", text});
  return r;
}

std::vector<Result<ChatResponse>> Run(winnow::LlmProvider& llm,
                                      const std::vector<ChatRequest>& reqs, TestContext& ctx) {
  return winnow::ChatAll(llm, reqs, ctx);
}

bool LogHas(TestContext& ctx, const std::string& text) {
  for (const auto& l : ctx.log) {
    if (l.find(text) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("batch mode: upload, create, poll and join by custom_id", "[llm_openai][batch]") {
  FakeBatchApi fake;
  TempDir dir;
  TestContext ctx(dir.path());
  Provider llm(BatchConfig(fake), ctx);
  REQUIRE(llm.open_status().ok());

  // "b" twice: one line in the file, both rows answered.
  auto out = Run(*llm, {Ask("a"), Ask("b"), Ask("b")}, ctx);
  REQUIRE(out.size() == 3);
  for (auto& r : out) REQUIRE(r.ok());
  CHECK(out[0]->texts[0] == "echo: a");
  CHECK(out[1]->texts[0] == "echo: b");
  CHECK(out[2]->texts[0] == "echo: b");
  CHECK(out[0]->model == "gpt-test-2024");
  CHECK(out[0]->prompt_tokens == 5);
  CHECK_FALSE(out[0]->from_cache);
  CHECK(fake.rejected.empty());
  CHECK(fake.uploads() == 1);
  CHECK(fake.creates() == 1);
  CHECK(fake.polls() == 3);  // in_progress, finalizing, completed

  auto lines = fake.InputLines();
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].find("method")->as_string() == "POST");
  CHECK(lines[0].find("url")->as_string() == "/v1/chat/completions");
  CHECK(lines[0].find("body")->find("model")->as_string() == "gpt-test");
  CHECK(lines[0].find("body")->find("max_completion_tokens")->as_int() == 1024);
  CHECK(lines[0].find("custom_id")->as_string().size() == 32);
  CHECK(fake.metadata(0).find("winnow_request_set") != std::string::npos);

  CHECK(ctx.counter("llm.batch_jobs") == 1);
  CHECK(ctx.counter("llm.requests") == 2);
  CHECK(ctx.counter("llm.prompt_tokens") == 10);
  CHECK(ctx.counter("llm.completion_tokens") == 14);
  CHECK(LogHas(ctx, "submitted Batch API job batch_0 with 2 requests"));

  // The results went into the response cache: a re-run submits nothing.
  auto again = Run(*llm, {Ask("b"), Ask("a")}, ctx);
  REQUIRE(again[0].ok());
  CHECK(again[0]->from_cache);
  CHECK(again[1]->texts[0] == "echo: a");
  CHECK(fake.creates() == 1);
  CHECK(fake.uploads() == 1);
  // The API key went only into the Authorization header, never into the cache.
  std::string db = winnow::testing::ReadText(dir.path() / "llm" / "responses.sqlite");
  std::string wal = winnow::testing::ReadText(dir.path() / "llm" / "responses.sqlite-wal");
  CHECK(db.find("sk-test-123") == std::string::npos);
  CHECK(wal.find("sk-test-123") == std::string::npos);
}

TEST_CASE("batch mode: a re-run resumes the stored job instead of submitting again",
          "[llm_openai][batch]") {
  FakeBatchApi fake;
  TempDir dir;
  std::vector<ChatRequest> reqs = {Ask("one"), Ask("two"), Ask("three")};
  fake.hold = true;  // the job stays in_progress

  // Run 1 stops waiting (as a killed or time-limited run would).
  {
    TestContext ctx(dir.path());
    Provider llm(BatchConfig(fake, R"("batch_max_wait_s": 0.1)"), ctx);
    REQUIRE(llm.open_status().ok());
    auto out = Run(*llm, reqs, ctx);
    for (auto& r : out) {
      REQUIRE_FALSE(r.ok());
      CHECK(LlmFailureReason(r.status()) == "llm:batch_timeout");
      CHECK(r.status().message().find("batch_0 is still in_progress") != std::string::npos);
      CHECK(r.status().message().find("resumes polling") != std::string::npos);
    }
    CHECK(fake.creates() == 1);
  }
  // Run 2 is cancelled while polling (Ctrl-C): still nothing submitted again.
  {
    TestContext ctx(dir.path());
    Provider llm(BatchConfig(fake), ctx);
    REQUIRE(llm.open_status().ok());
    std::thread stopper([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      ctx.cancel = true;
    });
    auto out = Run(*llm, reqs, ctx);
    stopper.join();
    for (auto& r : out) {
      REQUIRE_FALSE(r.ok());
      CHECK(LlmFailureReason(r.status()) == "llm:cancelled");
    }
    CHECK(ctx.counter("llm.batch_jobs_resumed") == 1);
    CHECK(fake.creates() == 1);
  }
  // Run 3: the job finishes; the results are joined from the same job.
  fake.hold = false;
  {
    TestContext ctx(dir.path());
    Provider llm(BatchConfig(fake), ctx);
    REQUIRE(llm.open_status().ok());
    auto out = Run(*llm, reqs, ctx);
    for (auto& r : out) REQUIRE(r.ok());
    CHECK(out[2]->texts[0] == "echo: three");
    CHECK(fake.creates() == 1);
    CHECK(fake.uploads() == 1);
    CHECK(ctx.counter("llm.batch_jobs_resumed") == 1);
    CHECK(ctx.counter("llm.batch_jobs") == 0);
    CHECK(LogHas(ctx, "resuming Batch API job batch_0"));
  }
}

TEST_CASE("batch mode: a run killed between creating the batch and storing its id adopts it",
          "[llm_openai][batch]") {
  FakeBatchApi fake;
  TempDir dir;
  std::vector<ChatRequest> reqs = {Ask("x"), Ask("y")};
  fake.hold = true;
  {
    TestContext ctx(dir.path());
    Provider llm(BatchConfig(fake, R"("batch_max_wait_s": 0.05)"), ctx);
    REQUIRE(llm.open_status().ok());
    (void)Run(*llm, reqs, ctx);
  }
  REQUIRE(fake.creates() == 1);
  // Forget the batch id as if the process died right after POST /v1/batches:
  // only the uploaded file's id is stored.
  {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open((dir.path() / "llm" / "responses.sqlite").c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, "UPDATE llm_batch_jobs SET batch_id = ''", nullptr, nullptr,
                         nullptr) == SQLITE_OK);
    CHECK(sqlite3_changes(db) == 1);
    sqlite3_close(db);
  }
  fake.hold = false;
  TestContext ctx(dir.path());
  Provider llm(BatchConfig(fake), ctx);
  REQUIRE(llm.open_status().ok());
  auto out = Run(*llm, reqs, ctx);
  for (auto& r : out) REQUIRE(r.ok());
  CHECK(fake.creates() == 1);  // found through GET /v1/batches, not created again
  CHECK(fake.uploads() == 1);
  CHECK(LogHas(ctx, "created by an interrupted run"));
}

TEST_CASE("batch mode: a stored job the server does not know is forgotten", "[llm_openai][batch]") {
  FakeBatchApi fake;
  TempDir dir;
  std::vector<ChatRequest> reqs = {Ask("p"), Ask("q")};
  fake.hold = true;
  {
    TestContext ctx(dir.path());
    Provider llm(BatchConfig(fake, R"("batch_max_wait_s": 0.05)"), ctx);
    REQUIRE(llm.open_status().ok());
    (void)Run(*llm, reqs, ctx);
  }
  fake.ForgetBatches();
  fake.hold = false;
  TestContext ctx(dir.path());
  Provider llm(BatchConfig(fake), ctx);
  REQUIRE(llm.open_status().ok());
  auto lost = Run(*llm, reqs, ctx);
  REQUIRE_FALSE(lost[0].ok());
  CHECK(LlmFailureReason(lost[0].status()) == "llm:batch_http");
  CHECK(lost[0].status().message().find("does not exist on the server") != std::string::npos);
  CHECK(fake.creates() == 1);
  // The next run submits a new job and gets the answers.
  auto again = Run(*llm, reqs, ctx);
  REQUIRE(again[0].ok());
  CHECK(again[1]->texts[0] == "echo: q");
  CHECK(fake.creates() == 2);
}

TEST_CASE("batch mode: a stored upload the server refuses is forgotten", "[llm_openai][batch]") {
  FakeBatchApi fake;
  TempDir dir;
  std::vector<ChatRequest> reqs = {Ask("u"), Ask("v")};
  fake.hold = true;
  {
    TestContext ctx(dir.path());
    Provider llm(BatchConfig(fake, R"("batch_max_wait_s": 0.05)"), ctx);
    REQUIRE(llm.open_status().ok());
    (void)Run(*llm, reqs, ctx);
  }
  // Only the file id is stored (the run died before creating the batch), and
  // the server no longer has that file.
  {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open((dir.path() / "llm" / "responses.sqlite").c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, "UPDATE llm_batch_jobs SET batch_id = ''", nullptr, nullptr,
                         nullptr) == SQLITE_OK);
    sqlite3_close(db);
  }
  fake.ForgetEverything();
  fake.hold = false;
  TestContext ctx(dir.path());
  Provider llm(BatchConfig(fake), ctx);
  REQUIRE(llm.open_status().ok());
  auto refused = Run(*llm, reqs, ctx);
  REQUIRE_FALSE(refused[0].ok());
  CHECK(LlmFailureReason(refused[0].status()) == "llm:batch_http");
  CHECK(refused[0].status().message().find("unknown input_file_id") != std::string::npos);
  auto again = Run(*llm, reqs, ctx);
  REQUIRE(again[0].ok());
  CHECK(again[0]->texts[0] == "echo: u");
  CHECK(fake.uploads() == 2);
}

TEST_CASE("batch mode: failed, expired and cancelled jobs give clear errors",
          "[llm_openai][batch]") {
  FakeBatchApi fake;
  TempDir dir;
  TestContext ctx(dir.path());
  Provider llm(BatchConfig(fake), ctx);
  REQUIRE(llm.open_status().ok());

  fake.final_status = "failed";
  auto failed = Run(*llm, {Ask("f1"), Ask("f2")}, ctx);
  for (auto& r : failed) {
    REQUIRE_FALSE(r.ok());
    CHECK(LlmFailureReason(r.status()) == "llm:batch_failed");
    CHECK(r.status().message().find("batch_0 failed") != std::string::npos);
    CHECK(r.status().message().find("The model 'gpt-nope' does not exist.") != std::string::npos);
  }
  CHECK(LogHas(ctx, "batch_0 failed"));
  CHECK(ctx.counter("llm.errors") == 2);

  // A failed job is forgotten: the re-run submits a new one.
  fake.final_status = "expired";
  auto expired = Run(*llm, {Ask("f1"), Ask("f2")}, ctx);
  CHECK(fake.creates() == 2);
  // The fake answers every other request before expiring.
  int ok = 0, gone = 0;
  for (auto& r : expired) {
    if (r.ok()) {
      ++ok;
    } else {
      ++gone;
      CHECK(LlmFailureReason(r.status()) == "llm:batch_expired");
      CHECK(r.status().message().find("expired") != std::string::npos);
    }
  }
  CHECK(ok == 1);
  CHECK(gone == 1);

  fake.final_status = "cancelled";
  auto cancelled = Run(*llm, {Ask("c1"), Ask("c2")}, ctx);
  REQUIRE_FALSE(cancelled[1].ok());
  CHECK(LlmFailureReason(cancelled[1].status()) == "llm:batch_cancelled");
}

TEST_CASE("batch mode: per-request errors and malformed output lines reject only their rows",
          "[llm_openai][batch]") {
  FakeBatchApi fake;
  fake.junk_lines = true;
  TempDir dir;
  TestContext ctx(dir.path());
  Provider llm(BatchConfig(fake), ctx);
  REQUIRE(llm.open_status().ok());
  auto out = Run(
      *llm, {Ask("fine"), Ask("bad [[400]]"), Ask("broke [[error]]"), Ask("lost [[drop]]")}, ctx);
  REQUIRE(out.size() == 4);
  REQUIRE(out[0].ok());
  CHECK(out[0]->texts[0] == "echo: fine");

  REQUIRE_FALSE(out[1].ok());
  CHECK(LlmFailureReason(out[1].status()) == "llm:http_400");
  CHECK(out[1].status().message().find("Invalid value for 'temperature'.") != std::string::npos);

  REQUIRE_FALSE(out[2].ok());
  CHECK(LlmFailureReason(out[2].status()) == "llm:batch_error");
  CHECK(out[2].status().message().find("server_error: The request failed.") != std::string::npos);

  REQUIRE_FALSE(out[3].ok());
  CHECK(LlmFailureReason(out[3].status()) == "llm:batch_missing_result");
  CHECK(out[3].status().message().find("3 result lines could not be read") != std::string::npos);

  CHECK(ctx.counter("llm.batch_malformed_lines") == 3);
  CHECK(ctx.counter("llm.errors") == 3);
  CHECK(LogHas(ctx, "unreadable result line"));

  // Through task/generate: the failed rows become rejects with the reason.
  auto h = winnow::testing::PluginHarness::Create("task/generate", R"({"llm": "batch"})");
  REQUIRE(h.ok());
  (*h)->SetSecret("OPENAI_API_KEY", "sk-test-123");
  REQUIRE((*h)->AddLlm("batch", "llm/openai", BatchConfig(fake)).ok());
  auto rows = (*h)->RunStage({R"({"instruction":"hello"})", R"({"instruction":"no [[400]]"})"});
  REQUIRE(rows.ok());
  REQUIRE(rows->rows.size() == 1);
  CHECK(rows->rows[0].find("echo: hello") != std::string::npos);
  REQUIRE(rows->rejects.size() == 1);
  CHECK(rows->rejects[0].reason == "llm:http_400");
  CHECK(rows->rejects[0].detail.find("Invalid value") != std::string::npos);
}

TEST_CASE("batch mode: configuration checks", "[llm_openai][batch]") {
  FakeBatchApi fake;
  TempDir dir;
  TestContext ctx(dir.path());
  Provider vllm(BatchConfig(fake, R"("flavor": "vllm")"), ctx);
  REQUIRE_FALSE(vllm.create_status().ok());
  CHECK(vllm.create_status().message().find("flavor must be openai") != std::string::npos);
  Provider nocache(BatchConfig(fake, R"("cache": false)"), ctx);
  REQUIRE_FALSE(nocache.create_status().ok());
  CHECK(nocache.create_status().message().find("cache") != std::string::npos);
}

// ---------------------------------------------------------------- wire

TEST_CASE("batch wire: input lines, upload body, result lines", "[llm_openai][batch][wire]") {
  using namespace winnow::openai;
  CHECK(BatchInputLine("k1", "/v1/chat/completions", R"({"model":"m"})") ==
        R"({"custom_id":"k1","method":"POST","url":"/v1/chat/completions","body":{"model":"m"}})");
  CHECK(ChatCompletionsPath("https://api.openai.com/v1") == "/v1/chat/completions");
  CHECK(ChatCompletionsPath("https://x.example/openai/v1/") == "/openai/v1/chat/completions");
  CHECK(ChatCompletionsPath("http://h:8000") == "/chat/completions");

  std::string type;
  std::string body = BatchUploadBody("in.jsonl", "{\"a\":1}\n", &type);
  REQUIRE(type.rfind("multipart/form-data; boundary=", 0) == 0);
  std::string boundary = type.substr(type.find('=') + 1);
  CHECK(body.find("--" + boundary +
                  "\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n") == 0);
  CHECK(body.find("filename=\"in.jsonl\"") != std::string::npos);
  CHECK(body.size() > 0);
  CHECK(body.substr(body.size() - boundary.size() - 6) == "--" + boundary + "--\r\n");

  auto ok = ParseBatchResultLine(
      R"({"id":"r","custom_id":"c","response":{"status_code":200,"body":{"choices":[]}},"error":null})");
  REQUIRE(ok.ok());
  CHECK(ok->status_code == 200);
  CHECK(ok->body == R"({"choices":[]})");
  auto bad = ParseBatchResultLine(
      R"({"custom_id":"c","response":{"status_code":429,"body":{"error":{"message":"slow down","code":"rate_limit_exceeded"}}}})");
  REQUIRE(bad.ok());
  CHECK(bad->error_message == "slow down");
  CHECK(bad->error_code == "rate_limit_exceeded");
  auto err = ParseBatchResultLine(
      R"({"custom_id":"c","response":null,"error":{"code":"x","message":"y"}})");
  REQUIRE(err.ok());
  CHECK(err->status_code == 0);
  CHECK(err->error_message == "y");
  CHECK_FALSE(ParseBatchResultLine("nope").ok());
  CHECK_FALSE(ParseBatchResultLine(R"({"response":{"status_code":200}})").ok());
  CHECK_FALSE(ParseBatchResultLine(R"({"custom_id":"c"})").ok());

  auto batch = ParseBatch(
      R"({"id":"batch_1","status":"failed","input_file_id":"f","output_file_id":null,)"
      R"("errors":{"data":[{"code":"bad","message":"wrong","line":3}]},"metadata":{"winnow_request_set":"k"}})");
  REQUIRE(batch.ok());
  CHECK(batch->terminal());
  CHECK(batch->errors == "bad: wrong (line 3)");
  CHECK(batch->set_key == "k");
  CHECK(batch->output_file_id.empty());
  CHECK_FALSE(ParseBatch(R"({"object":"batch"})").ok());
  CHECK(ParseFileId(R"({"id":"file-1","object":"file"})").value() == "file-1");
}
