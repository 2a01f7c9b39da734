// The OpenAI chat-completions wire format and its dialects (see openai_wire.h).
#include "openai_wire.h"

#include <algorithm>

#include "winnow/text.h"

namespace winnow::openai {
namespace {

Status Unsupported(std::string_view flavor, std::string_view what) {
  return LlmError(StatusCode::kUnimplemented, "llm:unsupported",
                  "flavor '" + std::string(flavor) + "' cannot send " + std::string(what));
}

Status Invalid(std::string_view message) {
  return LlmError(StatusCode::kInvalidArgument, "llm:invalid_request", message);
}

Status Malformed(std::string_view body, std::string_view why) {
  return LlmError(StatusCode::kCorruption, "llm:malformed_response",
                  std::string(why) + "; the body was: " + Abbreviate(body, 300));
}

int64_t AsInt(const Value& v, int64_t fallback) {
  if (v.is_int()) return v.as_int();
  if (v.is_double()) return static_cast<int64_t>(v.as_double());
  return fallback;
}

}  // namespace

bool ParseFlavor(std::string_view name, Flavor* flavor) {
  if (name == "openai") {
    *flavor = Flavor::kOpenAI;
  } else if (name == "vllm") {
    *flavor = Flavor::kVllm;
  } else if (name == "llama_cpp") {
    *flavor = Flavor::kLlamaCpp;
  } else if (name == "ollama") {
    *flavor = Flavor::kOllama;
  } else if (name == "tgi") {
    *flavor = Flavor::kTgi;
  } else {
    return false;
  }
  return true;
}

std::string_view FlavorName(Flavor flavor) {
  switch (flavor) {
    case Flavor::kOpenAI:
      return "openai";
    case Flavor::kVllm:
      return "vllm";
    case Flavor::kLlamaCpp:
      return "llama_cpp";
    case Flavor::kOllama:
      return "ollama";
    case Flavor::kTgi:
      return "tgi";
  }
  return "openai";
}

bool SupportsN(Flavor flavor) {
  return flavor == Flavor::kOpenAI || flavor == Flavor::kVllm;
}

std::string_view MaxTokensKey(Flavor flavor) {
  return flavor == Flavor::kOpenAI ? "max_completion_tokens" : "max_tokens";
}

int64_t RequestedN(const ChatRequest& request) {
  if (const Value* n = request.params.find("n")) return std::max<int64_t>(1, AsInt(*n, 1));
  return 1;
}

Result<std::string> BuildBody(Flavor flavor, const WireDefaults& defaults,
                              const ChatRequest& request, int sample) {
  if (request.messages.empty()) return Invalid("a chat request needs at least one message");
  if (!request.params.is_object() && !request.params.is_null()) {
    return Invalid("request params must be an object");
  }
  if (!request.json_schema.is_null() && !request.regex.empty()) {
    return Invalid("a request can have a JSON schema or a regex, not both");
  }

  // Parameters: defaults, then the request's (a null value removes a default).
  Object params;
  auto put = [&params](const std::string& key, const Value& v) {
    auto it =
        std::find_if(params.begin(), params.end(), [&](const Member& m) { return m.first == key; });
    if (v.is_null()) {
      if (it != params.end()) params.erase(it);
    } else if (it != params.end()) {
      it->second = v;
    } else {
      params.emplace_back(key, v);
    }
  };
  if (defaults.params.is_object()) {
    for (const auto& [k, v] : defaults.params.as_object()) put(k, v);
  }
  if (request.params.is_object()) {
    for (const auto& [k, v] : request.params.as_object())
      put(k == "max_new_tokens" ? "max_tokens" : k, v);
  }

  Value body = Value::MakeObject();
  body.set("model", defaults.model);
  Value messages = Value::MakeArray();
  for (const auto& m : request.messages) {
    if (m.role.empty()) return Invalid("a chat message has no role");
    Value msg = Value::MakeObject();
    msg.set("role", m.role);
    msg.set("content", m.content);
    messages.push_back(std::move(msg));
  }
  body.set("messages", std::move(messages));

  int64_t n = RequestedN(request);
  for (auto& [key, value] : params) {
    if (key == "n") {
      if (sample >= 0 || !SupportsN(flavor) || n <= 1) continue;
      body.set("n", n);
      continue;
    }
    if (key == "seed" && sample > 0) {
      if (!value.is_number()) return Invalid("params.seed must be an integer");
      body.set("seed", AsInt(value, 0) + sample);
      continue;
    }
    if (key == "max_tokens" || key == "max_completion_tokens") {
      if (!value.is_number()) return Invalid("params." + key + " must be an integer");
      body.set(MaxTokensKey(flavor), value);
      continue;
    }
    if (key == "temperature" || key == "top_p") {
      if (!value.is_number()) return Invalid("params." + key + " must be a number");
    }
    body.set(key, value);
  }

  if (!request.json_schema.is_null()) {
    if (!request.json_schema.is_object()) return Invalid("a JSON schema must be an object");
    switch (flavor) {
      case Flavor::kOpenAI: {
        Value js = Value::MakeObject();
        js.set("name", "response");
        js.set("schema", request.json_schema);
        js.set("strict", defaults.json_schema_strict);
        Value rf = Value::MakeObject();
        rf.set("type", "json_schema");
        rf.set("json_schema", std::move(js));
        body.set("response_format", std::move(rf));
        break;
      }
      case Flavor::kVllm:
        body.set("guided_json", request.json_schema);
        break;
      case Flavor::kLlamaCpp:
        body.set("json_schema", request.json_schema);
        break;
      case Flavor::kOllama:
        body.set("format", request.json_schema);
        break;
      case Flavor::kTgi: {
        Value g = Value::MakeObject();
        g.set("type", "json");
        g.set("value", request.json_schema);
        body.set("response_format", std::move(g));
        break;
      }
    }
  }
  if (!request.regex.empty()) {
    switch (flavor) {
      case Flavor::kVllm:
        body.set("guided_regex", request.regex);
        break;
      case Flavor::kTgi: {
        Value g = Value::MakeObject();
        g.set("type", "regex");
        g.set("value", request.regex);
        body.set("response_format", std::move(g));
        break;
      }
      case Flavor::kLlamaCpp:
        return Unsupported(FlavorName(flavor),
                           "a regex constraint (pass a GBNF grammar in params.grammar instead)");
      default:
        return Unsupported(FlavorName(flavor), "a regex constraint");
    }
  }
  if (defaults.extra_body.is_object()) {
    for (const auto& [k, v] : defaults.extra_body.as_object()) body.set(k, v);
  }
  return body.ToJson();
}

Result<ChatResponse> ParseCompletion(std::string_view body) {
  auto parsed = Value::Parse(body);
  if (!parsed.ok()) return Malformed(body, "the response is not JSON");
  const Value& v = *parsed;
  if (!v.is_object()) return Malformed(body, "the response is not a JSON object");
  if (const Value* err = v.find("error"); err != nullptr && !err->is_null()) {
    ErrorInfo info = ParseErrorBody(body);
    return LlmError(StatusCode::kUnavailable, "llm:server_error",
                    "the server answered with an error: " + info.message);
  }
  const Value* choices = v.find("choices");
  if (choices == nullptr || !choices->is_array()) {
    return Malformed(body, "the response has no 'choices' list");
  }
  if (choices->as_array().empty()) return Malformed(body, "the response has no choices");

  struct Choice {
    int64_t index;
    std::string text;
    bool has_text;
    std::string finish;
    std::string refusal;
  };
  std::vector<Choice> got;
  int64_t position = 0;
  for (const Value& c : choices->as_array()) {
    if (!c.is_object()) return Malformed(body, "a choice is not an object");
    Choice ch{position++, "", false, "", ""};
    if (const Value* idx = c.find("index"); idx != nullptr && idx->is_number()) {
      ch.index = AsInt(*idx, ch.index);
    }
    const Value* content = nullptr;
    if (const Value* msg = c.find("message"); msg != nullptr && msg->is_object()) {
      content = msg->find("content");
      if (const Value* r = msg->find("refusal"); r != nullptr && r->is_string()) {
        ch.refusal = r->as_string();
      }
    } else if (const Value* t = c.find("text")) {
      content = t;  // completions-style servers
    }
    if (content != nullptr && content->is_string()) {
      ch.text = content->as_string();
      ch.has_text = true;
    } else if (content != nullptr && content->is_array()) {
      // Content parts: concatenate the text parts.
      for (const Value& part : content->as_array()) {
        if (const Value* t = part.find("text"); t != nullptr && t->is_string()) {
          ch.text += t->as_string();
          ch.has_text = true;
        }
      }
    }
    if (const Value* f = c.find("finish_reason"); f != nullptr && f->is_string()) {
      ch.finish = f->as_string();
    }
    got.push_back(std::move(ch));
  }
  std::stable_sort(got.begin(), got.end(),
                   [](const Choice& a, const Choice& b) { return a.index < b.index; });
  bool any_text = std::any_of(got.begin(), got.end(), [](const Choice& c) { return c.has_text; });
  if (!any_text) {
    std::string why = "the completion has no text";
    if (!got[0].refusal.empty())
      why += " (the model refused: " + Abbreviate(got[0].refusal, 200) + ")";
    if (!got[0].finish.empty()) why += " (finish_reason: " + got[0].finish + ")";
    return LlmError(StatusCode::kCorruption, "llm:empty_response", why);
  }

  ChatResponse out;
  for (auto& c : got) out.texts.push_back(std::move(c.text));
  out.finish_reason = got[0].finish;
  if (const Value* m = v.find("model"); m != nullptr && m->is_string()) out.model = m->as_string();
  if (const Value* u = v.find("usage"); u != nullptr && u->is_object()) {
    if (const Value* p = u->find("prompt_tokens")) out.prompt_tokens = AsInt(*p, 0);
    if (const Value* c = u->find("completion_tokens")) out.completion_tokens = AsInt(*c, 0);
  }
  return out;
}

ErrorInfo ParseErrorBody(std::string_view body) {
  ErrorInfo info;
  auto parsed = Value::Parse(body);
  if (parsed.ok() && parsed->is_object()) {
    const Value& v = *parsed;
    const Value* err = v.find("error");
    if (err != nullptr && err->is_object()) {
      if (const Value* m = err->find("message"); m != nullptr && m->is_string()) {
        info.message = m->as_string();
      }
      if (const Value* t = err->find("type"); t != nullptr && t->is_string())
        info.type = t->as_string();
      if (const Value* c = err->find("code")) {
        info.code = c->is_string() ? c->as_string() : (c->is_null() ? "" : c->ToJson());
      }
    } else if (err != nullptr && err->is_string()) {
      info.message = err->as_string();
    }
    if (info.message.empty()) {
      for (const char* key : {"detail", "message", "error_message"}) {
        if (const Value* d = v.find(key); d != nullptr && !d->is_null()) {
          info.message = d->is_string() ? d->as_string() : d->ToJson();
          break;
        }
      }
    }
    if (info.code.empty()) {
      if (const Value* c = v.find("code"); c != nullptr && c->is_string())
        info.code = c->as_string();
    }
    if (info.type.empty()) {
      if (const Value* t = v.find("type"); t != nullptr && t->is_string())
        info.type = t->as_string();
      if (const Value* t = v.find("error_type"); t != nullptr && t->is_string()) {
        info.type = t->as_string();
      }
    }
  }
  if (info.message.empty()) {
    std::string text = SanitizeUtf8(body);
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    info.message = text.empty() ? "(empty body)" : Abbreviate(text, 300);
  }
  return info;
}

bool IsInsufficientQuota(std::string_view body) {
  if (body.find("insufficient_quota") == std::string_view::npos) return false;
  ErrorInfo info = ParseErrorBody(body);
  return info.code == "insufficient_quota" || info.type == "insufficient_quota" ||
         info.message.find("insufficient_quota") != std::string::npos ||
         body.find("\"insufficient_quota\"") != std::string_view::npos;
}

}  // namespace winnow::openai
