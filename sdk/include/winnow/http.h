// winnow/http.h — the HTTP client every plugin uses (libcurl underneath).
//
// Three ways to send:
//   Send(request)                  one exchange on the calling thread (connections
//                                  are reused per thread);
//   SendWithRetry(request, policy) the same, retrying transient failures with
//                                  exponential backoff, jitter and the server's
//                                  own hints (Retry-After, RateLimit, ...);
//   SendMany(requests, options, done)
//                                  many exchanges concurrently on the calling
//                                  thread (curl multi), up to max_in_flight at a
//                                  time, each retried by the same rules without
//                                  blocking the others;
// and AsyncHttpClient, which owns an I/O thread and accepts requests from any
// thread (an LLM provider shares one between all the batches calling it).
//
// Outcomes. A completed exchange is a HttpResponse whatever its status code
// (404 and 500 are responses, not errors); use HttpStatusError() to turn a
// non-2xx response into a Status. A non-OK Status means no complete response:
//   Unavailable      network trouble (refused, reset, timed out, cut mid-body)
//   IOError          a local failure (the download file cannot be written, the
//                    body sink refused bytes, too many redirects)
//   InvalidArgument  a malformed URL or an unsupported scheme
//   Cancelled        the request's cancellation flag or callback fired
// Messages name the method and the URL with secrets removed (user:password@,
// and query parameters such as token= or signature= are replaced by ***).
//
// Secrets. Nothing here logs. Header values that may hold credentials
// (Authorization, Cookie, *token*, *key*, *secret*, ...) never appear in
// messages; use RedactedHeaders() when describing a request yourself.
//
// Thread-safety: all free functions are thread-safe. A HttpRequest is read
// only while it is being sent; callbacks it holds (on_body, cancel) are called
// on the thread doing the transfer.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "winnow/status.h"

namespace winnow {

// An ordered list of header fields; names compare case-insensitively.
class HttpHeaders {
 public:
  using Entry = std::pair<std::string, std::string>;

  // Appends a field (duplicates are kept, in order).
  void Add(std::string name, std::string value);
  // Replaces every field called `name` with one field.
  void Set(std::string name, std::string value);
  void Remove(std::string_view name);
  // First value of `name`, or nullptr.
  const std::string* Find(std::string_view name) const;
  std::string Get(std::string_view name, std::string_view fallback = {}) const;
  bool Has(std::string_view name) const { return Find(name) != nullptr; }

  const std::vector<Entry>& entries() const { return entries_; }
  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  void clear() { entries_.clear(); }

 private:
  std::vector<Entry> entries_;
};

struct HttpRequest {
  std::string method = "GET";  // GET, POST, PUT, PATCH, DELETE, HEAD
  std::string url{};
  HttpHeaders headers{};
  std::string body{};  // sent as is; set Content-Type yourself

  int64_t timeout_ms = 60'000;          // the whole exchange; 0 = no limit
  int64_t connect_timeout_ms = 10'000;  // TCP + TLS handshake
  int64_t idle_timeout_ms = 0;          // abort when no byte moves for this long; 0 = off
  bool follow_redirects = true;
  int max_redirects = 10;

  // Download: when set, a 2xx body is written to this file instead of
  // HttpResponse::body (non-2xx bodies still land in `body`, for the error
  // message). The file is created on the first body byte; after a failure it
  // holds what arrived, so a later request can resume from its size.
  std::filesystem::path download_path{};
  // Ask for the body from this byte offset (Range: bytes=N-). With
  // download_path: on 206 the file is cut to N bytes and appended to; on 200
  // (the server ignored the range) it is rewritten from the start.
  uint64_t resume_from = 0;
  // Byte sink: when set, 2xx body bytes are handed here as they arrive
  // (instead of `body` or the file). Return false to abort (IOError).
  std::function<bool(std::string_view bytes)> on_body{};

  // Cancellation: either may be set; checked at least every ~100 ms while
  // waiting and before every retry. A cancelled request ends with Cancelled.
  const std::atomic<bool>* cancel_flag = nullptr;
  std::function<bool()> cancel{};

  std::string user_agent{};  // "" = "winnow/<version> libcurl/<version>"
  // Opaque value for the caller, handed back in RetryEvent::tag.
  uint64_t tag = 0;

  bool cancelled() const {
    return (cancel_flag != nullptr && cancel_flag->load(std::memory_order_relaxed)) ||
           (cancel && cancel());
  }
};

struct HttpResponse {
  int status = 0;
  HttpHeaders headers{};        // of the final response (after redirects)
  std::string body{};           // empty when the body went to a file or sink
  std::string effective_url{};  // the URL that answered, after redirects
  uint64_t body_bytes = 0;      // body bytes received in this exchange
  int attempts = 1;             // exchanges made (1 + retries)

  bool ok() const { return status >= 200 && status < 300; }
};

// Sends one request on the calling thread. See the file comment for outcomes.
Result<HttpResponse> Send(const HttpRequest& request);

// OK for a 2xx response; otherwise a Status whose message names the status,
// the method, the redacted URL and an abbreviated body. Codes: 401/403
// PermissionDenied, 404/410 NotFound, 408/409/425/429/5xx Unavailable, other
// 4xx InvalidArgument, anything else IOError.
Status HttpStatusError(const HttpResponse& response, const HttpRequest& request);

// ---------------------------------------------------------------- retries

struct RetryPolicy {
  int max_retries = 5;                    // retries after the first attempt
  int64_t initial_backoff_ms = 500;       // delay before the first retry
  int64_t max_backoff_ms = 30'000;        // cap of the exponential delay
  double jitter = 0.25;                   // delay *= a random factor in [1 - jitter, 1]
  int64_t max_server_delay_ms = 120'000;  // cap on delays a server asks for
};

// The default rule: retry network failures (Unavailable) and HTTP 408, 409,
// 429 and 5xx; a response header `x-should-retry: true|false` overrides the
// status code. Everything else (other 4xx, IOError, Cancelled) is final.
bool IsRetryable(const Result<HttpResponse>& outcome);

// Decides whether an outcome should be retried (replaces IsRetryable).
using RetryClassifier = std::function<bool(const Result<HttpResponse>& outcome)>;

// The delay the server asks for, in ms, from (first match wins)
// `retry-after-ms`, `retry-after` (seconds or an HTTP date), the IETF
// `RateLimit` field (`t=` or `reset=` of an exhausted policy),
// `RateLimit-Reset`, or OpenAI's `x-ratelimit-reset-{requests,tokens}` when
// the matching `x-ratelimit-remaining-*` is 0. nullopt when none applies.
// `now_unix_s` (0 = the clock) is used for HTTP dates.
std::optional<int64_t> ServerRetryDelayMs(const HttpHeaders& headers, int64_t now_unix_s = 0);

// The delay before retry number `retry` (0 = the first): the server's hint
// (capped at max_server_delay_ms) when `headers` has one, else
// min(initial * 2^retry, max) scaled by the jitter factor.
int64_t RetryDelayMs(const RetryPolicy& policy, int retry, const HttpHeaders* headers);

struct RetryEvent {
  size_t index = 0;      // position in SendMany's span (0 for single requests)
  int retry = 0;         // 1 for the first retry
  int64_t delay_ms = 0;  // how long we wait before it
  std::string reason{};  // "HTTP 429" or the network error message
  uint64_t tag = 0;      // HttpRequest::tag of the request
};
using RetryObserver = std::function<void(const RetryEvent& event)>;

// Send() with retries. Returns the last outcome: a response (2xx, a final
// error status, or a retryable one after max_retries) or the last network
// error. Downloads resume from the bytes already in download_path on retry.
// Waits between attempts are interrupted by the request's cancellation.
Result<HttpResponse> SendWithRetry(const HttpRequest& request, const RetryPolicy& policy,
                                   const RetryClassifier& retryable = {},
                                   const RetryObserver& on_retry = {});

// ---------------------------------------------------------------- concurrency

// Rate limiting hook: called (on the I/O thread) before an attempt starts.
// Return 0 to start it now (and count it against your budget) or the number of
// ms to wait before asking again.
using AdmitFn = std::function<int64_t(const HttpRequest& request)>;

struct SendManyOptions {
  size_t max_in_flight = 16;
  RetryPolicy retry{.max_retries = 0};
  RetryClassifier retryable{};  // default IsRetryable
  RetryObserver on_retry{};
  AdmitFn admit{};
  // Cancels every request of the call (in addition to each request's own).
  const std::atomic<bool>* cancel_flag = nullptr;
  std::function<bool()> cancel{};
};

using HttpCompletion = std::function<void(size_t index, Result<HttpResponse> outcome)>;

// Sends every request concurrently on the calling thread and calls `done`
// exactly once per request (on this thread, in completion order). Returns
// when all have completed; after cancellation the rest complete with
// Cancelled promptly. `requests` must stay valid until it returns.
void SendMany(std::span<const HttpRequest> requests, const SendManyOptions& options,
              const HttpCompletion& done);

// A client with its own I/O thread running a curl multi loop. Submit() may be
// called from any thread; completions run on the I/O thread (keep them short:
// hand results over and return). The limits (max_in_flight, admit) hold
// across every submitter, which is what a shared LLM provider needs.
class AsyncHttpClient {
 public:
  struct Options {
    size_t max_in_flight = 64;
    RetryPolicy retry{};
    RetryClassifier retryable{};  // default IsRetryable
    RetryObserver on_retry{};     // RetryEvent::index is the submit ticket
    AdmitFn admit{};
  };
  using Done = std::function<void(Result<HttpResponse> outcome)>;

  // Starts the I/O thread.
  explicit AsyncHttpClient(Options options);
  // Completes every outstanding request with Cancelled, then joins the thread.
  ~AsyncHttpClient();
  AsyncHttpClient(const AsyncHttpClient&) = delete;
  AsyncHttpClient& operator=(const AsyncHttpClient&) = delete;

  // Queues `request`; `done` is called exactly once. Returns a ticket number.
  uint64_t Submit(HttpRequest request, Done done);

  // Requests submitted and not yet completed.
  size_t pending() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// ---------------------------------------------------------------- helpers

// `url` without credentials: user:password@ removed and the values of query
// parameters whose names suggest secrets (token, key, sig, signature, secret,
// password, auth, credential, X-Amz-*) replaced by ***.
std::string RedactUrl(std::string_view url);

// True for header names that may carry credentials (Authorization,
// Proxy-Authorization, Cookie, Set-Cookie, and names containing token, key,
// secret, password, auth or session).
bool IsSecretHeader(std::string_view name);

// "Name: value" lines (one per field, '\n'-separated) with secret values as ***.
std::string RedactedHeaders(const HttpHeaders& headers);

// Percent-encodes `s` for a URL path segment or query value (RFC 3986 unreserved kept).
std::string UrlEncode(std::string_view s);

// Case-insensitive ASCII comparison, for header names.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace winnow
