// openai_wire.h — the OpenAI chat-completions wire format and its dialects.
//
// Pure functions (no I/O) so they are tested directly: building a request
// body for a flavor, parsing a completion, reading an error body leniently.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "winnow/llm.h"
#include "winnow/status.h"
#include "winnow/value.h"

namespace winnow::openai {

enum class Flavor { kOpenAI, kVllm, kLlamaCpp, kOllama, kTgi };

bool ParseFlavor(std::string_view name, Flavor* flavor);
std::string_view FlavorName(Flavor flavor);

// Whether the server returns several choices for `n` (else we send n requests).
bool SupportsN(Flavor flavor);
// The body key for the completion-length limit.
std::string_view MaxTokensKey(Flavor flavor);

// Defaults merged under every request's params (config values; a null member
// is not sent).
struct WireDefaults {
  std::string model;
  Value params = Value::MakeObject();  // temperature, top_p, max_tokens, seed, stop, ...
  Value extra_body;                    // object merged last (null = none)
  bool json_schema_strict = true;      // OpenAI structured outputs: strict mode
};

// One HTTP request body for `request`. `sample` >= 0 means "one of n emulated
// samples": `n` is dropped and a set seed is offset by `sample`.
// Errors: llm:unsupported (a constraint the flavor cannot express) and
// invalid parameter types (llm:invalid_request).
Result<std::string> BuildBody(Flavor flavor, const WireDefaults& defaults,
                              const ChatRequest& request, int sample = -1);

// The `n` a request asks for (params.n, default 1; at least 1).
int64_t RequestedN(const ChatRequest& request);

// Parses a 2xx chat-completion body. llm:malformed_response when it is not
// one, llm:empty_response when no choice has text.
Result<ChatResponse> ParseCompletion(std::string_view body);

// What an error body says, leniently: {"error": {"message", "type", "code"}},
// {"error": "text"}, {"detail": ...}, {"message": ...}, or the text itself.
struct ErrorInfo {
  std::string message;
  std::string type;
  std::string code;
};
ErrorInfo ParseErrorBody(std::string_view body);

// True when an error body says the account is out of credit.
bool IsInsufficientQuota(std::string_view body);

}  // namespace winnow::openai
