// winnow/llm.h — an LLM provider, declared once under `llms:` and shared by tasks.
//
// A task gets its provider with ctx.GetLlm(name) and hands it a whole batch of
// requests; the provider keeps up to its max_concurrency requests in flight on
// few threads, retries transient failures, caches every response (a re-run
// never pays twice) and calls `done` once per request, from any thread.
// ChatMany returns when every request has finished or the run is cancelled.
// Providers are thread-safe: several tasks and batches may call concurrently.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "winnow/context.h"
#include "winnow/plugin.h"
#include "winnow/status.h"
#include "winnow/value.h"

namespace winnow {

struct ChatMessage {
  std::string role;  // "system", "user", "assistant"
  std::string content;
};

struct ChatRequest {
  std::vector<ChatMessage> messages;
  // Generation parameters overriding the provider's defaults:
  // temperature, top_p, max_tokens, n, seed, stop ...
  Value params = Value::MakeObject();
  // Optional constraints; how they are sent depends on the provider's flavor.
  Value json_schema;  // null when none
  std::string regex;  // "" when none
};

struct ChatResponse {
  std::vector<std::string> texts;  // one per choice (n)
  std::string model;
  std::string finish_reason;
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  bool from_cache = false;
};

class LlmProvider : public Plugin {
 public:
  virtual Status Open(Context& ctx) = 0;

  // The model name to record in outputs (`model_name`).
  virtual std::string model_name() const = 0;

  using Done = std::function<void(size_t index, Result<ChatResponse> response)>;
  virtual void ChatMany(std::span<const ChatRequest> requests, const Done& done, Context& ctx) = 0;

  virtual Status Close(Context& ctx) {
    (void)ctx;
    return Status::Ok();
  }
};

// ---------------------------------------------------------------- helpers
// (Added in SDK 1.0 by the LLM tasks; additive.)

// A failed request's Status carries a stable reason code at the start of its
// message: "<reason>: <sentence>", e.g. "llm:http_429: HTTP 429 from POST
// https://api.openai.com/v1/chat/completions: Rate limit reached". Codes:
//   llm:http_<status>          an HTTP error after the retries
//   llm:insufficient_quota     the account has no credit left (never retried)
//   llm:timeout, llm:network   no answer after the retries
//   llm:malformed_response     a 2xx body that is not a chat completion
//   llm:empty_response         a completion without text (refusal, content filter)
//   llm:unsupported            a request the provider's flavor cannot express
//   llm:cancelled              the run was stopped
// and, for providers that use a batch API (llm/openai with mode: batch):
//   llm:batch_failed           the job failed (its errors are in the message)
//   llm:batch_expired, llm:batch_cancelled
//                              the job ended before running the request
//   llm:batch_timeout          the job was still running when the run stopped
//                              waiting (a re-run resumes it)
//   llm:batch_error            the job reported an error for the request
//   llm:batch_missing_result   the job's output has no readable result for it
//   llm:batch_http             submitting, polling or downloading failed
// Tasks reject the row with batch.Fail(i, LlmFailureReason(st), LlmFailureDetail(st)).
Status LlmError(StatusCode code, std::string_view reason, std::string_view message);
// The reason code of a Status made by LlmError; "llm:error" for any other Status.
std::string LlmFailureReason(const Status& status);
// The sentence after the reason code (the whole message for other statuses).
std::string LlmFailureDetail(const Status& status);

// Calls llm.ChatMany and returns the outcomes in request order (blocks).
std::vector<Result<ChatResponse>> ChatAll(LlmProvider& llm, std::span<const ChatRequest> requests,
                                          Context& ctx);

}  // namespace winnow
