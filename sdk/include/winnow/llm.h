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
  virtual void ChatMany(std::span<const ChatRequest> requests, const Done& done,
                        Context& ctx) = 0;

  virtual Status Close(Context& ctx) {
    (void)ctx;
    return Status::Ok();
  }
};

}  // namespace winnow
