// llm/openai's offline mode: the OpenAI Batch API (see openai_batch.h).
#include "openai_batch.h"

#include <chrono>
#include <thread>
#include <unordered_map>

#include "openai_wire.h"
#include "winnow/hash.h"
#include "winnow/text.h"
#include "winnow/value.h"

namespace winnow::openai {
namespace {

std::string StringMember(const Value& v, std::string_view key) {
  const Value* m = v.find(key);
  return m != nullptr && m->is_string() ? m->as_string() : std::string();
}

Status Corrupt(std::string_view what, std::string_view body) {
  return Status::Corruption(std::string(what) + "; the body was: " + Abbreviate(body, 300));
}

BatchInfo ToBatchInfo(const Value& v) {
  BatchInfo b;
  b.id = StringMember(v, "id");
  b.status = StringMember(v, "status");
  b.input_file_id = StringMember(v, "input_file_id");
  b.output_file_id = StringMember(v, "output_file_id");
  b.error_file_id = StringMember(v, "error_file_id");
  if (const Value* md = v.find("metadata"); md != nullptr && md->is_object()) {
    b.set_key = StringMember(*md, "winnow_request_set");
  }
  // errors: {"object": "list", "data": [{"code", "message", "line", "param"}]}
  if (const Value* errors = v.find("errors"); errors != nullptr && errors->is_object()) {
    if (const Value* data = errors->find("data"); data != nullptr && data->is_array()) {
      for (const Value& e : data->as_array()) {
        std::string part = StringMember(e, "message");
        std::string code = StringMember(e, "code");
        if (!code.empty()) part = code + (part.empty() ? "" : ": " + part);
        if (const Value* line = e.find("line"); line != nullptr && line->is_int()) {
          part += " (line " + std::to_string(line->as_int()) + ")";
        }
        if (part.empty()) continue;
        if (!b.errors.empty()) b.errors += "; ";
        b.errors += part;
      }
    }
  }
  return b;
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// One job on the calling thread.
class Job {
 public:
  Job(const BatchSettings& s, const std::vector<BatchItem>& items, ResponseCache& cache,
      Context& ctx)
      : s_(s), items_(items), cache_(cache), ctx_(ctx) {}

  BatchOutcome Run() {
    out_.results.reserve(items_.size());
    set_key_ = BatchSetKey(s_, items_);
    Status st = Submit();
    if (st.ok()) st = Poll();
    if (!st.ok()) FailRest(st);
    return std::move(out_);
  }

 private:
  // ---------------------------------------------------------------- HTTP
  HttpRequest Request(std::string method, std::string path) const {
    HttpRequest req;
    req.method = std::move(method);
    req.url = s_.base_url + path;
    req.headers.Add("Accept", "application/json");
    if (!s_.api_key.empty()) req.headers.Add("Authorization", "Bearer " + s_.api_key);
    req.timeout_ms = s_.timeout_ms;
    req.connect_timeout_ms = s_.connect_timeout_ms;
    req.cancel = [this] { return ctx_.cancelled(); };
    return req;
  }

  // Sends with retries; a non-2xx answer becomes an llm:batch_http error.
  Result<HttpResponse> Exchange(const HttpRequest& req, std::string_view what) {
    auto r = SendWithRetry(req, s_.retry);
    if (!r.ok()) {
      if (r.status().code() == StatusCode::kCancelled) {
        return LlmError(StatusCode::kCancelled, "llm:cancelled", r.status().message());
      }
      return LlmError(r.status().code(), "llm:batch_http",
                      "cannot " + std::string(what) + ": " + r.status().message());
    }
    if (!r->ok()) {
      ErrorInfo info = ParseErrorBody(r->body);
      return LlmError(HttpStatusError(*r, req).code(), "llm:batch_http",
                      "cannot " + std::string(what) + ": HTTP " + std::to_string(r->status) +
                          " from " + req.method + " " + RedactUrl(req.url) + ": " + info.message);
    }
    return r;
  }

  // ---------------------------------------------------------------- submit
  Status Submit() {
    auto stored = cache_.GetJob(set_key_);
    if (!stored.ok()) return stored.status();
    ResponseCache::BatchJob job{set_key_, "", ""};
    if (stored->has_value()) job = **stored;
    if (!job.batch_id.empty()) {
      batch_id_ = job.batch_id;
      out_.resumed = true;
      ctx_.Info("resuming Batch API job " + batch_id_ + " (" + std::to_string(items_.size()) +
                " requests) stored by an earlier run");
      return Status::Ok();
    }
    if (!job.file_id.empty()) {
      // An earlier run uploaded the file and may have created the batch just
      // before it stopped: adopt that batch rather than paying twice.
      auto found = FindBatchFor(job.file_id);
      if (!found.ok()) return found.status();
      if (!found->empty()) {
        batch_id_ = *found;
        job.batch_id = batch_id_;
        WINNOW_RETURN_IF_ERROR(cache_.PutJob(job));
        out_.resumed = true;
        ctx_.Info("resuming Batch API job " + batch_id_ + " created by an interrupted run");
        return Status::Ok();
      }
    } else {
      auto file_id = Upload();
      if (!file_id.ok()) return file_id.status();
      job.file_id = *file_id;
      WINNOW_RETURN_IF_ERROR(cache_.PutJob(job));
    }
    HttpRequest req = Request("POST", "/batches");
    req.headers.Add("Content-Type", "application/json");
    Value body = Value::MakeObject();
    body.set("input_file_id", job.file_id);
    body.set("endpoint", ChatCompletionsPath(s_.base_url));
    body.set("completion_window", s_.completion_window);
    Value metadata = Value::MakeObject();
    metadata.set("winnow_request_set", set_key_);
    body.set("metadata", std::move(metadata));
    req.body = body.ToJson();
    auto r = Exchange(req, "create the batch");
    if (!r.ok()) {
      StatusCode code = r.status().code();
      if (code == StatusCode::kInvalidArgument || code == StatusCode::kNotFound) {
        // Refused for good (e.g. the stored input file is gone): forget the
        // upload so that a re-run starts over instead of failing forever.
        Status forgot = cache_.DeleteJob(set_key_);
        if (!forgot.ok()) ctx_.Warn("could not forget batch job: " + forgot.message());
      }
      return r.status();
    }
    auto info = ParseBatch(r->body);
    if (!info.ok() || info->id.empty()) {
      return LlmError(StatusCode::kCorruption, "llm:batch_http",
                      "POST /batches did not return a batch object: " + Abbreviate(r->body, 300));
    }
    batch_id_ = info->id;
    job.batch_id = batch_id_;
    WINNOW_RETURN_IF_ERROR(cache_.PutJob(job));
    out_.submitted = true;
    ctx_.Info("submitted Batch API job " + batch_id_ + " with " + std::to_string(items_.size()) +
              " requests (completion window " + s_.completion_window + ")");
    return Status::Ok();
  }

  Result<std::string> Upload() {
    std::string url_path = ChatCompletionsPath(s_.base_url);
    std::string content;
    for (const auto& item : items_) {
      content += BatchInputLine(item.key, url_path, item.body);
      content += '\n';
    }
    HttpRequest req = Request("POST", "/files");
    std::string content_type;
    req.body = BatchUploadBody("winnow-batch-" + set_key_ + ".jsonl", content, &content_type);
    req.headers.Add("Content-Type", content_type);
    // Large files: no limit on the whole exchange, only on stalls.
    req.timeout_ms = 0;
    req.idle_timeout_ms = s_.timeout_ms;
    auto r = Exchange(req, "upload the batch input file");
    if (!r.ok()) return r.status();
    auto id = ParseFileId(r->body);
    if (!id.ok()) {
      return LlmError(StatusCode::kCorruption, "llm:batch_http",
                      "POST /files did not return a file object: " + Abbreviate(r->body, 300));
    }
    return id;
  }

  // The id of a recent batch whose input file is `file_id`, or "".
  Result<std::string> FindBatchFor(const std::string& file_id) {
    auto r = Exchange(Request("GET", "/batches?limit=100"), "list recent batches");
    if (!r.ok()) return r.status();
    auto list = ParseBatchList(r->body);
    if (!list.ok()) {
      return LlmError(StatusCode::kCorruption, "llm:batch_http", list.status().message());
    }
    for (const auto& b : *list) {
      if (b.input_file_id == file_id || (!b.set_key.empty() && b.set_key == set_key_)) return b.id;
    }
    return std::string();
  }

  // ---------------------------------------------------------------- poll
  Status Poll() {
    int64_t deadline = NowMs() + static_cast<int64_t>(s_.max_wait_s * 1000.0);
    int64_t interval = std::max<int64_t>(1, static_cast<int64_t>(s_.poll_interval_s * 1000.0));
    std::string last_status;
    while (true) {
      auto r = Exchange(Request("GET", "/batches/" + UrlEncode(batch_id_)), "poll the batch");
      if (!r.ok() && r.status().code() == StatusCode::kNotFound) {
        // The server does not know the stored job (another account or
        // endpoint, or deleted): forget it so that a re-run submits again
        // instead of failing on it forever.
        Status forgot = cache_.DeleteJob(set_key_);
        if (!forgot.ok()) ctx_.Warn("could not forget batch job: " + forgot.message());
        return LlmError(StatusCode::kNotFound, "llm:batch_http",
                        "Batch API job " + batch_id_ + " does not exist on the server (" +
                            r.status().message() +
                            "); it was forgotten, so a re-run submits the requests again");
      }
      if (!r.ok()) return r.status();
      auto info = ParseBatch(r->body);
      if (!info.ok()) {
        return LlmError(StatusCode::kCorruption, "llm:batch_http",
                        "GET /batches/" + batch_id_ + ": " + info.status().message());
      }
      if (info->status != last_status) {
        last_status = info->status;
        ctx_.Debug("Batch API job " + batch_id_ + " is " + last_status);
      }
      if (info->terminal()) return Finish(*info);
      if (NowMs() >= deadline) {
        return LlmError(StatusCode::kUnavailable, "llm:batch_timeout",
                        "Batch API job " + batch_id_ + " is still " + info->status + " after " +
                            std::to_string(static_cast<int64_t>(s_.max_wait_s)) +
                            " s (batch_max_wait_s); its id is stored, so re-running the "
                            "pipeline resumes polling it without submitting again");
      }
      // Sleep until the next poll, watching for cancellation.
      int64_t until = std::min(deadline, NowMs() + interval);
      while (NowMs() < until) {
        if (ctx_.cancelled()) {
          return LlmError(StatusCode::kCancelled, "llm:cancelled",
                          "the run was stopped while waiting for Batch API job " + batch_id_ +
                              " (it keeps running; a re-run resumes it)");
        }
        std::this_thread::sleep_for(
            std::chrono::milliseconds(std::min<int64_t>(100, until - NowMs())));
      }
    }
  }

  // A job that ended: join what it produced; what it did not answer fails.
  Status Finish(const BatchInfo& info) {
    std::unordered_map<std::string, size_t> index;
    for (size_t i = 0; i < items_.size(); ++i) index.emplace(items_[i].key, i);
    results_.assign(items_.size(), std::nullopt);
    for (const std::string& file : {info.output_file_id, info.error_file_id}) {
      if (file.empty()) continue;
      auto r = Download(file);
      if (!r.ok()) return r.status();
      Join(*r, index);
    }
    Status rest;
    std::string job = "Batch API job " + batch_id_;
    if (info.status == "failed") {
      rest = LlmError(StatusCode::kInvalidArgument, "llm:batch_failed",
                      job + " failed" + (info.errors.empty() ? "" : ": " + info.errors));
      ctx_.Error(rest.message());
    } else if (info.status == "expired") {
      rest = LlmError(StatusCode::kUnavailable, "llm:batch_expired",
                      job + " expired (completion window " + s_.completion_window +
                          ") before answering this request; a re-run submits the unanswered "
                          "requests again");
      ctx_.Warn(job + " expired; the requests it did not answer are rejected");
    } else if (info.status == "cancelled") {
      rest = LlmError(StatusCode::kCancelled, "llm:batch_cancelled",
                      job + " was cancelled before answering this request");
      ctx_.Warn(job + " was cancelled; the requests it did not answer are rejected");
    } else {
      std::string why = job + " completed without a result for this request";
      if (out_.malformed_lines > 0) {
        why += " (" + std::to_string(out_.malformed_lines) + " result lines could not be read)";
      }
      rest = LlmError(StatusCode::kCorruption, "llm:batch_missing_result", why);
    }
    for (size_t i = 0; i < items_.size(); ++i) {
      if (results_[i]) {
        out_.results.push_back(std::move(*results_[i]));
      } else {
        out_.results.push_back(rest);
      }
    }
    // Everything answered is in the cache: the job record is no longer needed
    // (a re-run sends only what failed, as a new job).
    Status flushed = cache_.Flush();
    if (!flushed.ok()) return flushed;
    Status forgot = cache_.DeleteJob(set_key_);
    if (!forgot.ok()) ctx_.Warn("could not forget finished batch job: " + forgot.message());
    return Status::Ok();
  }

  Result<std::string> Download(const std::string& file_id) {
    HttpRequest req = Request("GET", "/files/" + UrlEncode(file_id) + "/content");
    req.headers.Set("Accept", "application/jsonl, application/json, */*");
    req.timeout_ms = 0;
    req.idle_timeout_ms = s_.timeout_ms;
    auto r = Exchange(req, "download batch result file " + file_id);
    if (!r.ok()) return r.status();
    return std::move(r->body);
  }

  void Join(std::string_view text, const std::unordered_map<std::string, size_t>& index) {
    size_t pos = 0;
    while (pos < text.size()) {
      size_t nl = text.find('\n', pos);
      if (nl == std::string_view::npos) nl = text.size();
      std::string_view line = text.substr(pos, nl - pos);
      pos = nl + 1;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
      auto parsed = ParseBatchResultLine(line);
      if (!parsed.ok()) {
        if (++out_.malformed_lines <= 3) {
          ctx_.Warn("Batch API job " + batch_id_ +
                    ": unreadable result line: " + parsed.status().message());
        }
        continue;
      }
      auto it = index.find(parsed->custom_id);
      if (it == index.end()) {
        if (++out_.malformed_lines <= 3) {
          ctx_.Warn("Batch API job " + batch_id_ + ": a result line has the unknown custom_id '" +
                    Abbreviate(parsed->custom_id, 80) + "'");
        }
        continue;
      }
      auto& slot = results_[it->second];
      if (slot && slot->ok()) continue;  // a success is never replaced by a later line
      slot.emplace(ToResult(*parsed, it->second));
    }
  }

  Result<ChatResponse> ToResult(const BatchResultLine& line, size_t i) {
    if (line.status_code >= 200 && line.status_code < 300 && !line.body.empty()) {
      auto parsed = ParseCompletion(line.body);
      if (parsed.ok()) cache_.Put(items_[i].key, s_.model, line.body);
      return parsed;
    }
    if (line.status_code != 0) {
      std::string msg = "HTTP " + std::to_string(line.status_code) + " in Batch API job " +
                        batch_id_ + " (model " + s_.model +
                        "): " + (line.error_message.empty() ? "(no message)" : line.error_message);
      if (!line.error_code.empty() && msg.find(line.error_code) == std::string::npos) {
        msg += " [" + line.error_code + "]";
      }
      StatusCode code = line.status_code == 429 || line.status_code >= 500
                            ? StatusCode::kUnavailable
                            : StatusCode::kInvalidArgument;
      return LlmError(code, "llm:http_" + std::to_string(line.status_code), msg);
    }
    std::string msg = "Batch API job " + batch_id_ + " could not run this request: ";
    msg += line.error_code.empty() ? "" : line.error_code + ": ";
    msg += line.error_message.empty() ? "(no message)" : line.error_message;
    // Requests a job never ran carry these codes in its error file.
    if (line.error_code == "batch_expired") {
      return LlmError(StatusCode::kUnavailable, "llm:batch_expired", msg);
    }
    if (line.error_code == "batch_cancelled") {
      return LlmError(StatusCode::kCancelled, "llm:batch_cancelled", msg);
    }
    return LlmError(StatusCode::kInvalidArgument, "llm:batch_error", msg);
  }

  void FailRest(const Status& st) {
    while (out_.results.size() < items_.size()) out_.results.push_back(st);
  }

  const BatchSettings& s_;
  const std::vector<BatchItem>& items_;
  ResponseCache& cache_;
  Context& ctx_;
  std::string set_key_;
  std::string batch_id_;
  std::vector<std::optional<Result<ChatResponse>>> results_;
  BatchOutcome out_;
};

}  // namespace

std::string BatchInputLine(std::string_view custom_id, std::string_view url,
                           std::string_view body) {
  std::string line = "{\"custom_id\":";
  AppendJsonString(line, custom_id);
  line += ",\"method\":\"POST\",\"url\":";
  AppendJsonString(line, url);
  line += ",\"body\":";
  line += body;
  line += '}';
  return line;
}

std::string BatchUploadBody(std::string_view filename, std::string_view content,
                            std::string* content_type) {
  // A boundary that does not occur in the content (deterministic).
  std::string boundary = "winnow-" + Hash128Of(content).ToHex();
  while (content.find(boundary) != std::string_view::npos) boundary += "x";
  *content_type = "multipart/form-data; boundary=" + boundary;
  std::string out;
  out.reserve(content.size() + 512);
  out += "--" + boundary + "\r\n";
  out += "Content-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n";
  out += "--" + boundary + "\r\n";
  out += "Content-Disposition: form-data; name=\"file\"; filename=\"";
  out += filename;
  out += "\"\r\nContent-Type: application/jsonl\r\n\r\n";
  out += content;
  out += "\r\n--" + boundary + "--\r\n";
  return out;
}

std::string ChatCompletionsPath(std::string_view base_url) {
  size_t scheme = base_url.find("://");
  size_t start = scheme == std::string_view::npos ? 0 : scheme + 3;
  size_t slash = base_url.find('/', start);
  std::string path = slash == std::string_view::npos ? "" : std::string(base_url.substr(slash));
  while (!path.empty() && path.back() == '/') path.pop_back();
  return path + "/chat/completions";
}

Result<BatchInfo> ParseBatch(std::string_view body) {
  auto v = Value::Parse(body);
  if (!v.ok() || !v->is_object()) return Corrupt("the batch object is not JSON", body);
  BatchInfo b = ToBatchInfo(*v);
  if (b.id.empty() || b.status.empty())
    return Corrupt("the batch object has no id or status", body);
  return b;
}

Result<std::vector<BatchInfo>> ParseBatchList(std::string_view body) {
  auto v = Value::Parse(body);
  if (!v.ok() || !v->is_object()) return Corrupt("the batch list is not JSON", body);
  const Value* data = v->find("data");
  if (data == nullptr || !data->is_array()) return Corrupt("the batch list has no data", body);
  std::vector<BatchInfo> out;
  for (const Value& b : data->as_array()) {
    if (b.is_object()) out.push_back(ToBatchInfo(b));
  }
  return out;
}

Result<std::string> ParseFileId(std::string_view body) {
  auto v = Value::Parse(body);
  if (!v.ok() || !v->is_object()) return Corrupt("the file object is not JSON", body);
  std::string id = StringMember(*v, "id");
  if (id.empty()) return Corrupt("the file object has no id", body);
  return id;
}

Result<BatchResultLine> ParseBatchResultLine(std::string_view line) {
  auto v = Value::Parse(line);
  if (!v.ok()) return Corrupt("not JSON", line);
  if (!v->is_object()) return Corrupt("not a JSON object", line);
  BatchResultLine out;
  const Value* id = v->find("custom_id");
  if (id == nullptr || !id->is_string() || id->as_string().empty()) {
    return Corrupt("no custom_id", line);
  }
  out.custom_id = id->as_string();
  if (const Value* resp = v->find("response"); resp != nullptr && resp->is_object()) {
    const Value* code = resp->find("status_code");
    if (code == nullptr || !code->is_int()) return Corrupt("a response without status_code", line);
    out.status_code = static_cast<int>(code->as_int());
    if (const Value* body = resp->find("body"); body != nullptr && !body->is_null()) {
      out.body = body->is_string() ? body->as_string() : body->ToJson();
    }
    if (out.status_code < 200 || out.status_code >= 300) {
      ErrorInfo info = ParseErrorBody(out.body);
      out.error_message = info.message;
      out.error_code = info.code;
    }
  } else if (resp != nullptr && !resp->is_null()) {
    return Corrupt("response is not an object", line);
  }
  if (const Value* err = v->find("error"); err != nullptr && !err->is_null()) {
    if (err->is_object()) {
      if (out.error_code.empty()) out.error_code = StringMember(*err, "code");
      if (out.error_message.empty()) out.error_message = StringMember(*err, "message");
    } else if (err->is_string() && out.error_message.empty()) {
      out.error_message = err->as_string();
    }
    if (out.status_code >= 200 && out.status_code < 300) out.status_code = 0;
  }
  if (out.status_code == 0 && out.error_message.empty() && out.error_code.empty()) {
    return Corrupt("neither a response nor an error", line);
  }
  return out;
}

std::string BatchSetKey(const BatchSettings& settings, const std::vector<BatchItem>& items) {
  std::string text = "openai-batch\n" + settings.base_url + "\n" + settings.completion_window;
  for (const auto& item : items) {
    text += '\n';
    text += item.key;
  }
  return Hash128Of(text).ToHex();
}

BatchOutcome RunBatchJob(const BatchSettings& settings, const std::vector<BatchItem>& items,
                         ResponseCache& cache, Context& ctx) {
  return Job(settings, items, cache, ctx).Run();
}

}  // namespace winnow::openai
