// Tests of winnow/http.h against a cpp-httplib server on 127.0.0.1.
#include "winnow/http.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include "fixtures/fake_http_server.h"

using winnow::HttpHeaders;
using winnow::HttpRequest;
using winnow::HttpResponse;
using winnow::RetryPolicy;
using winnow::StatusCode;
using winnow::testing::FakeHttpServer;

namespace {

RetryPolicy FastRetry(int max_retries = 3) {
  RetryPolicy p;
  p.max_retries = max_retries;
  p.initial_backoff_ms = 5;
  p.max_backoff_ms = 20;
  return p;
}

std::string Pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7 + i / 26) % 26);
  return s;
}

std::string ReadAll(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::filesystem::path TempPath(const std::string& name) {
  auto dir =
      std::filesystem::temp_directory_path() / ("winnow_http_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return dir / name;
}

}  // namespace

TEST_CASE("GET and POST round trip; headers are case-insensitive", "[http]") {
  FakeHttpServer fake;
  fake.server().Post("/echo", [](const httplib::Request& req, httplib::Response& res) {
    res.set_header("X-Seen-Auth", req.get_header_value("Authorization"));
    res.set_header("X-Method", req.method);
    res.set_content(req.body, "application/json");
  });
  fake.Start();

  HttpRequest req;
  req.method = "POST";
  req.url = fake.Url("/echo");
  req.headers.Add("Authorization", "Bearer sk-123");
  req.headers.Add("Content-Type", "application/json");
  req.body = R"({"a":1})";
  auto r = winnow::Send(req);
  REQUIRE(r.ok());
  CHECK(r->status == 200);
  CHECK(r->body == R"({"a":1})");
  CHECK(r->headers.Get("x-seen-auth") == "Bearer sk-123");
  CHECK(r->headers.Get("X-METHOD") == "POST");
  CHECK(r->headers.Get("content-type") == "application/json");
  CHECK(r->attempts == 1);
  CHECK(r->effective_url == fake.Url("/echo"));

  // A 404 is a response, and HttpStatusError turns it into NotFound.
  HttpRequest missing{.url = fake.Url("/nope")};
  auto r404 = winnow::Send(missing);
  REQUIRE(r404.ok());
  CHECK(r404->status == 404);
  auto st = winnow::HttpStatusError(*r404, missing);
  CHECK(st.code() == StatusCode::kNotFound);
  CHECK(st.message().find("HTTP 404") != std::string::npos);
  CHECK(winnow::HttpStatusError(*r, req).ok());
}

TEST_CASE("redirects are followed, or not", "[http]") {
  FakeHttpServer fake;
  fake.server().Get(
      "/a", [](const httplib::Request&, httplib::Response& res) { res.set_redirect("/b", 302); });
  fake.server().Get("/b", [](const httplib::Request&, httplib::Response& res) {
    res.set_redirect("/final", 301);
  });
  fake.server().Get("/final", [](const httplib::Request&, httplib::Response& res) {
    res.set_header("X-Final", "yes");
    res.set_content("landed", "text/plain");
  });
  fake.server().Get("/loop", [](const httplib::Request&, httplib::Response& res) {
    res.set_redirect("/loop", 302);
  });
  fake.Start();

  auto r = winnow::Send({.url = fake.Url("/a")});
  REQUIRE(r.ok());
  CHECK(r->status == 200);
  CHECK(r->body == "landed");
  CHECK(r->effective_url == fake.Url("/final"));
  CHECK(r->headers.Get("x-final") == "yes");
  CHECK_FALSE(r->headers.Has("Location"));  // headers of the final hop only

  auto no = winnow::Send({.url = fake.Url("/a"), .follow_redirects = false});
  REQUIRE(no.ok());
  CHECK(no->status == 302);
  CHECK(no->headers.Get("location") == "/b");

  auto loop = winnow::Send({.url = fake.Url("/loop"), .max_redirects = 3});
  REQUIRE_FALSE(loop.ok());
  CHECK(loop.status().code() == StatusCode::kIOError);
}

TEST_CASE("429 with retry-after is retried after the server's delay", "[http]") {
  FakeHttpServer fake;
  std::atomic<int> calls{0};
  fake.server().Get("/limited", [&](const httplib::Request&, httplib::Response& res) {
    if (calls++ == 0) {
      res.status = 429;
      res.set_header("Retry-After", "1");
      res.set_content(R"({"error":"slow down"})", "application/json");
      return;
    }
    res.set_content("ok", "text/plain");
  });
  fake.Start();

  std::vector<winnow::RetryEvent> events;
  auto r = winnow::SendWithRetry({.url = fake.Url("/limited")}, FastRetry(), {},
                                 [&](const winnow::RetryEvent& e) { events.push_back(e); });
  REQUIRE(r.ok());
  CHECK(r->status == 200);
  CHECK(r->attempts == 2);
  REQUIRE(events.size() == 1);
  CHECK(events[0].delay_ms == 1000);  // the header, not the 5 ms backoff
  CHECK(events[0].reason == "HTTP 429");
  CHECK(fake.requests("/limited") == 2);
}

TEST_CASE("500 then success; exhausted retries return the last response", "[http]") {
  FakeHttpServer fake;
  std::atomic<int> calls{0};
  fake.server().Get("/flaky", [&](const httplib::Request&, httplib::Response& res) {
    if (calls++ < 2) {
      res.status = 500;
      res.set_content("boom", "text/plain");
      return;
    }
    res.set_content("fine", "text/plain");
  });
  fake.server().Get("/down", [](const httplib::Request&, httplib::Response& res) {
    res.status = 503;
    res.set_content("maintenance", "text/plain");
  });
  fake.Start();

  auto r = winnow::SendWithRetry({.url = fake.Url("/flaky")}, FastRetry());
  REQUIRE(r.ok());
  CHECK(r->status == 200);
  CHECK(r->body == "fine");
  CHECK(r->attempts == 3);

  auto down = winnow::SendWithRetry({.url = fake.Url("/down")}, FastRetry(2));
  REQUIRE(down.ok());
  CHECK(down->status == 503);
  CHECK(down->attempts == 3);
  CHECK(fake.requests("/down") == 3);
  CHECK(winnow::HttpStatusError(*down, {.url = fake.Url("/down")}).code() ==
        StatusCode::kUnavailable);
}

TEST_CASE("x-should-retry overrides the status code", "[http]") {
  FakeHttpServer fake;
  fake.server().Get("/no", [](const httplib::Request&, httplib::Response& res) {
    res.status = 500;
    res.set_header("x-should-retry", "false");
  });
  std::atomic<int> calls{0};
  fake.server().Get("/yes", [&](const httplib::Request&, httplib::Response& res) {
    if (calls++ == 0) {
      res.status = 400;
      res.set_header("X-Should-Retry", "true");
      return;
    }
    res.set_content("ok", "text/plain");
  });
  fake.server().Get("/bad",
                    [](const httplib::Request&, httplib::Response& res) { res.status = 400; });
  fake.Start();

  auto no = winnow::SendWithRetry({.url = fake.Url("/no")}, FastRetry());
  REQUIRE(no.ok());
  CHECK(no->status == 500);
  CHECK(fake.requests("/no") == 1);

  auto yes = winnow::SendWithRetry({.url = fake.Url("/yes")}, FastRetry());
  REQUIRE(yes.ok());
  CHECK(yes->status == 200);
  CHECK(fake.requests("/yes") == 2);

  auto bad = winnow::SendWithRetry({.url = fake.Url("/bad")}, FastRetry());
  REQUIRE(bad.ok());
  CHECK(bad->status == 400);
  CHECK(fake.requests("/bad") == 1);
}

TEST_CASE("a custom classifier can refuse a retryable status", "[http]") {
  FakeHttpServer fake;
  fake.server().Get("/quota", [](const httplib::Request&, httplib::Response& res) {
    res.status = 429;
    res.set_content(R"({"error":{"code":"insufficient_quota"}})", "application/json");
  });
  fake.Start();
  auto classifier = [](const winnow::Result<HttpResponse>& o) {
    if (o.ok() && o->body.find("insufficient_quota") != std::string::npos) return false;
    return winnow::IsRetryable(o);
  };
  auto r = winnow::SendWithRetry({.url = fake.Url("/quota")}, FastRetry(), classifier);
  REQUIRE(r.ok());
  CHECK(r->status == 429);
  CHECK(fake.requests("/quota") == 1);
}

TEST_CASE("timeouts and refused connections are Unavailable and name the URL", "[http]") {
  FakeHttpServer fake;
  fake.server().Get("/slow", [&](const httplib::Request&, httplib::Response& res) {
    fake.SleepUnlessStopping(3000);
    res.set_content("late", "text/plain");
  });
  fake.Start();

  auto r = winnow::Send({.url = fake.Url("/slow?token=s3cr3t&x=1"), .timeout_ms = 200});
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == StatusCode::kUnavailable);
  CHECK(r.status().message().find("/slow?token=***&x=1") != std::string::npos);
  CHECK(r.status().message().find("s3cr3t") == std::string::npos);
  CHECK(r.status().message().find("imeout") != std::string::npos);

  // Retried network errors: every attempt times out.
  auto again = winnow::SendWithRetry({.url = fake.Url("/slow"), .timeout_ms = 100}, FastRetry(1));
  REQUIRE_FALSE(again.ok());
  CHECK(again.status().code() == StatusCode::kUnavailable);
  CHECK(fake.requests("/slow") == 3);

  int port;
  {
    FakeHttpServer gone;
    gone.Start();
    port = gone.port();
  }
  auto refused = winnow::Send({.url = "http://127.0.0.1:" + std::to_string(port) + "/x"});
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == StatusCode::kUnavailable);
  CHECK(refused.status().message().find("127.0.0.1") != std::string::npos);

  auto bad = winnow::Send({.url = "notascheme://x"});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("a connection cut mid-body is an error, and a download resumes", "[http]") {
  const std::string content = Pattern(100'000);
  FakeHttpServer fake;
  std::atomic<int> calls{0};
  std::mutex mu;
  std::vector<std::string> ranges;
  // The first request gets 40,000 bytes and then the connection drops; later
  // requests honour Range.
  fake.server().Get("/file", [&](const httplib::Request& req, httplib::Response& res) {
    {
      std::lock_guard<std::mutex> lock(mu);
      ranges.push_back(req.get_header_value("Range"));
    }
    if (calls++ == 0) {
      res.set_content_provider(content.size(), "application/octet-stream",
                               [&](size_t offset, size_t, httplib::DataSink& sink) {
                                 if (offset >= 40'000) return false;  // cut
                                 sink.write(content.data() + offset, 40'000 - offset);
                                 return true;
                               });
      return;
    }
    res.set_content(content, "application/octet-stream");  // httplib answers Range with 206
  });
  fake.Start();

  auto path = TempPath("resume.bin");
  std::filesystem::remove(path);

  SECTION("plain Send reports the cut, then an explicit resume completes the file") {
    auto cut = winnow::Send({.url = fake.Url("/file"), .download_path = path});
    REQUIRE_FALSE(cut.ok());
    CHECK(cut.status().code() == StatusCode::kUnavailable);
    auto partial = std::filesystem::file_size(path);
    CHECK(partial == 40'000);

    auto rest =
        winnow::Send({.url = fake.Url("/file"), .download_path = path, .resume_from = partial});
    REQUIRE(rest.ok());
    CHECK(rest->status == 206);
    CHECK(rest->body.empty());
    CHECK(rest->body_bytes == content.size() - partial);
    CHECK((ReadAll(path) == content));
    std::lock_guard<std::mutex> lock(mu);
    REQUIRE(ranges.size() == 2);
    CHECK(ranges[0].empty());
    CHECK(ranges[1] == "bytes=40000-");
  }

  SECTION("SendWithRetry resumes by itself") {
    auto r = winnow::SendWithRetry({.url = fake.Url("/file"), .download_path = path}, FastRetry());
    REQUIRE(r.ok());
    CHECK(r->status == 206);
    CHECK(r->attempts == 2);
    CHECK((ReadAll(path) == content));
    std::lock_guard<std::mutex> lock(mu);
    REQUIRE(ranges.size() == 2);
    CHECK(ranges[1] == "bytes=40000-");
  }

  SECTION("the cut, read into memory") {
    auto cut = winnow::Send({.url = fake.Url("/file")});
    REQUIRE_FALSE(cut.ok());
    CHECK(cut.status().code() == StatusCode::kUnavailable);
  }
  std::filesystem::remove(path);
}

TEST_CASE("a server that ignores Range rewrites the file; the sink skips", "[http]") {
  const std::string content = Pattern(5000);
  FakeHttpServer fake;
  fake.server().Get("/norange", [&](const httplib::Request& req, httplib::Response& res) {
    // Play a server without range support: httplib would honour Range itself.
    const_cast<httplib::Request&>(req).ranges.clear();
    res.set_chunked_content_provider("application/octet-stream",
                                     [&](size_t offset, httplib::DataSink& sink) {
                                       size_t n = std::min<size_t>(1000, content.size() - offset);
                                       sink.write(content.data() + offset, n);
                                       if (offset + n == content.size()) sink.done();
                                       return true;
                                     });
  });
  fake.server().Get("/err", [](const httplib::Request&, httplib::Response& res) {
    res.status = 403;
    res.set_content("forbidden", "text/plain");
  });
  fake.Start();

  auto path = TempPath("norange.bin");
  { std::ofstream(path, std::ios::binary) << "garbage-garbage"; }
  auto r = winnow::Send({.url = fake.Url("/norange"), .download_path = path, .resume_from = 15});
  REQUIRE(r.ok());
  CHECK(r->status == 200);
  CHECK((ReadAll(path) == content));

  std::string got;
  HttpRequest sink_req{.url = fake.Url("/norange"), .resume_from = 1000};
  sink_req.on_body = [&](std::string_view b) {
    got.append(b);
    return true;
  };
  auto s = winnow::Send(sink_req);
  REQUIRE(s.ok());
  CHECK((got == content.substr(1000)));

  // Refusing sink -> IOError.
  HttpRequest refuse{.url = fake.Url("/norange")};
  refuse.on_body = [](std::string_view) { return false; };
  auto refused = winnow::Send(refuse);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == StatusCode::kIOError);

  // A non-2xx body goes to `body`, not to the file.
  auto path2 = TempPath("err.bin");
  std::filesystem::remove(path2);
  auto err = winnow::Send({.url = fake.Url("/err"), .download_path = path2});
  REQUIRE(err.ok());
  CHECK(err->status == 403);
  CHECK(err->body == "forbidden");
  CHECK_FALSE(std::filesystem::exists(path2));
  CHECK(winnow::HttpStatusError(*err, {}).code() == StatusCode::kPermissionDenied);
  std::filesystem::remove(path);
}

TEST_CASE("SendMany keeps at most max_in_flight requests open", "[http]") {
  FakeHttpServer fake(32);
  std::atomic<int> now{0}, peak{0};
  fake.server().Get(R"(/item/(\d+))", [&](const httplib::Request& req, httplib::Response& res) {
    int cur = ++now;
    int p = peak.load();
    while (cur > p && !peak.compare_exchange_weak(p, cur)) {
    }
    fake.SleepUnlessStopping(20);
    --now;
    res.set_content("item " + req.matches[1].str(), "text/plain");
  });
  fake.Start();

  std::vector<HttpRequest> reqs;
  for (int i = 0; i < 40; ++i) reqs.push_back({.url = fake.Url("/item/" + std::to_string(i))});
  std::vector<std::string> bodies(reqs.size());
  std::vector<int> calls(reqs.size(), 0);
  winnow::SendManyOptions opt;
  opt.max_in_flight = 6;
  winnow::SendMany(reqs, opt, [&](size_t i, winnow::Result<HttpResponse> r) {
    calls[i]++;
    REQUIRE(r.ok());
    bodies[i] = r->body;
  });
  for (size_t i = 0; i < reqs.size(); ++i) {
    CHECK(calls[i] == 1);
    CHECK(bodies[i] == "item " + std::to_string(i));
  }
  CHECK(peak.load() <= 6);
  CHECK(peak.load() >= 2);
}

TEST_CASE("SendMany retries each request without blocking the others", "[http]") {
  FakeHttpServer fake;
  std::mutex mu;
  std::map<std::string, int> seen;
  fake.server().Get(R"(/r/(\d+))", [&](const httplib::Request& req, httplib::Response& res) {
    int n;
    {
      std::lock_guard<std::mutex> lock(mu);
      n = seen[req.path]++;
    }
    int id = std::stoi(req.matches[1].str());
    if (id % 3 == 0 && n == 0) {
      res.status = 429;
      res.set_header("retry-after-ms", "30");
      return;
    }
    if (id % 3 == 1 && n < 2) {
      res.status = 502;
      return;
    }
    res.set_content(std::to_string(id), "text/plain");
  });
  fake.Start();

  std::vector<HttpRequest> reqs;
  for (int i = 0; i < 12; ++i) reqs.push_back({.url = fake.Url("/r/" + std::to_string(i))});
  winnow::SendManyOptions opt;
  opt.max_in_flight = 4;
  opt.retry = FastRetry(3);
  std::atomic<int> retries{0};
  opt.on_retry = [&](const winnow::RetryEvent&) { ++retries; };
  std::vector<int> attempts(reqs.size(), 0);
  winnow::SendMany(reqs, opt, [&](size_t i, winnow::Result<HttpResponse> r) {
    REQUIRE(r.ok());
    CHECK(r->status == 200);
    CHECK(r->body == std::to_string(i));
    attempts[i] = r->attempts;
  });
  for (int i = 0; i < 12; ++i) CHECK(attempts[i] == (i % 3 == 0 ? 2 : i % 3 == 1 ? 3 : 1));
  CHECK(retries.load() == 4 + 8);
}

TEST_CASE("SendMany admission control and cancellation", "[http]") {
  FakeHttpServer fake;
  fake.server().Get("/ok", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok", "text/plain");
  });
  fake.server().Get("/hang", [&](const httplib::Request&, httplib::Response& res) {
    fake.SleepUnlessStopping(5000);
  });
  fake.Start();

  // Admit one request per call, asking to wait 1 ms in between.
  std::vector<HttpRequest> reqs(5, HttpRequest{.url = fake.Url("/ok")});
  winnow::SendManyOptions opt;
  int asked = 0;
  opt.admit = [&](const HttpRequest&) -> int64_t { return (asked++ % 2 == 0) ? 1 : 0; };
  int done = 0;
  winnow::SendMany(reqs, opt, [&](size_t, winnow::Result<HttpResponse> r) {
    CHECK(r.ok());
    ++done;
  });
  CHECK(done == 5);
  CHECK(asked >= 10);

  std::atomic<bool> cancel{false};
  std::vector<HttpRequest> hang(3, HttpRequest{.url = fake.Url("/hang")});
  winnow::SendManyOptions copt;
  copt.max_in_flight = 2;
  copt.cancel_flag = &cancel;
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    cancel = true;
  });
  int cancelled = 0;
  winnow::SendMany(hang, copt, [&](size_t, winnow::Result<HttpResponse> r) {
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == StatusCode::kCancelled);
    ++cancelled;
  });
  canceller.join();
  CHECK(cancelled == 3);

  // A single request's own cancel callback.
  std::atomic<bool> flag{false};
  HttpRequest one{.url = fake.Url("/hang")};
  one.cancel = [&] { return flag.load(); };
  std::thread t2([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    flag = true;
  });
  auto r = winnow::SendWithRetry(one, FastRetry());
  t2.join();
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == StatusCode::kCancelled);
}

TEST_CASE("AsyncHttpClient serves submitters on several threads", "[http]") {
  FakeHttpServer fake(16);
  fake.server().Get(R"(/a/(\d+))", [](const httplib::Request& req, httplib::Response& res) {
    res.set_content(req.matches[1].str(), "text/plain");
  });
  fake.server().Get("/hang", [&](const httplib::Request&, httplib::Response&) {
    fake.SleepUnlessStopping(5000);
  });
  fake.Start();

  std::atomic<int> ok{0};
  {
    winnow::AsyncHttpClient client({.max_in_flight = 8});
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        std::mutex m;
        std::condition_variable cv;
        int left = 25;
        for (int i = 0; i < 25; ++i) {
          std::string id = std::to_string(t * 100 + i);
          client.Submit({.url = fake.Url("/a/" + id)}, [&, id](winnow::Result<HttpResponse> r) {
            if (r.ok() && r->body == id) ++ok;
            std::lock_guard<std::mutex> lock(m);
            if (--left == 0) cv.notify_all();
          });
        }
        std::unique_lock<std::mutex> lock(m);
        cv.wait(lock, [&] { return left == 0; });
      });
    }
    for (auto& th : threads) th.join();
    CHECK(client.pending() == 0);
  }
  CHECK(ok.load() == 100);

  // Destruction completes outstanding requests with Cancelled.
  std::atomic<int> cancelled{0};
  {
    winnow::AsyncHttpClient client({.max_in_flight = 2});
    for (int i = 0; i < 3; ++i) {
      client.Submit({.url = fake.Url("/hang")}, [&](winnow::Result<HttpResponse> r) {
        if (!r.ok() && r.status().code() == StatusCode::kCancelled) ++cancelled;
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(cancelled.load() == 3);
}

TEST_CASE("server retry hints", "[http]") {
  auto delay = [](std::initializer_list<std::pair<const char*, const char*>> fields) {
    HttpHeaders h;
    for (auto& [k, v] : fields) h.Add(k, v);
    return winnow::ServerRetryDelayMs(h, 1'700'000'000);
  };
  CHECK(delay({{"retry-after-ms", "250"}}) == 250);
  CHECK(delay({{"Retry-After-Ms", "12.6"}, {"retry-after", "9"}}) == 13);
  CHECK(delay({{"Retry-After", "7"}}) == 7000);
  CHECK(delay({{"Retry-After", "1.5"}}) == 1500);
  // 1700000000 is Tue, 14 Nov 2023 22:13:20 GMT.
  CHECK(delay({{"Retry-After", "Tue, 14 Nov 2023 22:13:50 GMT"}}) == 30'000);
  CHECK(delay({{"Retry-After", "Tue, 14 Nov 2023 22:00:00 GMT"}}) == 0);  // past
  CHECK(delay({{"RateLimit", R"("default";r=0;t=12)"}}) == 12'000);
  CHECK(delay({{"RateLimit", R"("a";r=5;t=3, "b";r=0;t=8)"}}) == 8000);
  CHECK(delay({{"RateLimit", R"("a";r=5;t=3)"}}) == std::nullopt);
  CHECK(delay({{"RateLimit", "limit=100, remaining=0, reset=20"}}) == 20'000);
  CHECK(delay({{"RateLimit-Reset", "4"}}) == 4000);
  CHECK(delay({{"x-ratelimit-remaining-requests", "0"},
               {"x-ratelimit-reset-requests", "1m2.5s"}}) == 62'500);
  CHECK(delay({{"x-ratelimit-remaining-tokens", "0"}, {"x-ratelimit-reset-tokens", "250ms"}}) ==
        250);
  CHECK(delay({{"x-ratelimit-remaining-tokens", "10"}, {"x-ratelimit-reset-tokens", "9s"}}) ==
        std::nullopt);
  CHECK(delay({{"retry-after", "soon"}}) == std::nullopt);
  CHECK(delay({}) == std::nullopt);

  RetryPolicy p{
      .max_retries = 5, .initial_backoff_ms = 100, .max_backoff_ms = 1000, .jitter = 0.25};
  for (int i = 0; i < 50; ++i) {
    int64_t d0 = winnow::RetryDelayMs(p, 0, nullptr);
    CHECK(d0 >= 75);
    CHECK(d0 <= 100);
    int64_t d3 = winnow::RetryDelayMs(p, 3, nullptr);
    CHECK(d3 >= 600);
    CHECK(d3 <= 800);
    int64_t d9 = winnow::RetryDelayMs(p, 9, nullptr);
    CHECK(d9 >= 750);
    CHECK(d9 <= 1000);
  }
  HttpHeaders big;
  big.Add("retry-after", "100000");
  CHECK(winnow::RetryDelayMs(p, 0, &big) == p.max_server_delay_ms);
}

TEST_CASE("secrets stay out of messages", "[http]") {
  CHECK(winnow::RedactUrl("https://user:pw@host.org/p?a=1&access_token=xyz&sig=abc#frag") ==
        "https://host.org/p?a=1&access_token=***&sig=***#frag");
  CHECK(winnow::RedactUrl("https://h/x?X-Amz-Credential=AK&download=true") ==
        "https://h/x?X-Amz-Credential=***&download=true");
  CHECK(winnow::RedactUrl("http://h:8080/v1/chat") == "http://h:8080/v1/chat");
  CHECK(winnow::IsSecretHeader("Authorization"));
  CHECK(winnow::IsSecretHeader("x-api-key"));
  CHECK(winnow::IsSecretHeader("Cookie"));
  CHECK_FALSE(winnow::IsSecretHeader("Content-Type"));
  HttpHeaders h;
  h.Add("Authorization", "Bearer sk-live");
  h.Add("Accept", "*/*");
  std::string shown = winnow::RedactedHeaders(h);
  CHECK(shown == "Authorization: ***\nAccept: */*");
  CHECK(winnow::UrlEncode("a b/é") == "a%20b%2F%C3%A9");
  h.Set("accept", "text/plain");
  CHECK(h.size() == 2);
  CHECK(h.Get("ACCEPT") == "text/plain");
  h.Remove("authorization");
  CHECK_FALSE(h.Has("Authorization"));
}
