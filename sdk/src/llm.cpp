// Helpers declared in winnow/llm.h.
#include "winnow/llm.h"

#include <optional>

namespace winnow {

Status LlmError(StatusCode code, std::string_view reason, std::string_view message) {
  std::string m(reason);
  m += ": ";
  m += message;
  return Status(code, std::move(m));
}

std::string LlmFailureReason(const Status& status) {
  const std::string& m = status.message();
  if (m.rfind("llm:", 0) == 0) {
    size_t end = m.find(": ");
    if (end != std::string::npos && m.find(' ') >= end) return m.substr(0, end);
  }
  if (status.code() == StatusCode::kCancelled) return "llm:cancelled";
  return "llm:error";
}

std::string LlmFailureDetail(const Status& status) {
  const std::string& m = status.message();
  if (m.rfind("llm:", 0) == 0) {
    size_t end = m.find(": ");
    if (end != std::string::npos && m.find(' ') >= end) return m.substr(end + 2);
  }
  return m;
}

std::vector<Result<ChatResponse>> ChatAll(LlmProvider& llm, std::span<const ChatRequest> requests,
                                          Context& ctx) {
  std::vector<std::optional<Result<ChatResponse>>> slots(requests.size());
  llm.ChatMany(
      requests,
      [&slots](size_t index, Result<ChatResponse> response) {
        if (index < slots.size()) slots[index].emplace(std::move(response));
      },
      ctx);
  std::vector<Result<ChatResponse>> out;
  out.reserve(requests.size());
  for (auto& s : slots) {
    if (s) {
      out.push_back(std::move(*s));
    } else {
      out.push_back(LlmError(StatusCode::kInternal, "llm:error",
                             "the LLM provider returned without answering this request"));
    }
  }
  return out;
}

}  // namespace winnow
