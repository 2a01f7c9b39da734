// openai_batch.h — llm/openai's offline mode: the OpenAI Batch API.
//
// Wire format (https://platform.openai.com/docs/api-reference/batch):
//   POST /v1/files            multipart/form-data: purpose=batch, file=<JSONL>, one line per
//                             request: {"custom_id", "method": "POST", "url", "body"}
//   POST /v1/batches          {"input_file_id", "endpoint", "completion_window": "24h",
//                              "metadata": {...}} -> a batch object
//   GET  /v1/batches/{id}     the batch object: status validating | in_progress |
//                             finalizing | completed | failed | expired | cancelling |
//                             cancelled, output_file_id, error_file_id, errors
//   GET  /v1/batches?limit=N  recent batches (to adopt one created just before a crash)
//   GET  /v1/files/{id}/content
//                             output and error files: one line per request,
//                             {"custom_id", "response": {"status_code", "body"} | null,
//                              "error": {"code", "message"} | null}
//
// BatchJob runs one job end to end on the calling thread: it submits the
// requests (or resumes the job stored for the same request set), polls until
// the job ends, the wait limit passes or the run is cancelled, and joins the
// output back by custom_id. The job's ids are stored in the response cache's
// database before and after each remote step, so a run killed at any point
// resumes the same job instead of paying for a second one.
// The parsing functions below are pure and tested directly.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "openai_cache.h"
#include "winnow/context.h"
#include "winnow/http.h"
#include "winnow/llm.h"
#include "winnow/status.h"

namespace winnow::openai {

// ---------------------------------------------------------------- wire (pure)

// One line of a batch input file (no newline). `body` is a JSON object's text.
std::string BatchInputLine(std::string_view custom_id, std::string_view url, std::string_view body);

// A multipart/form-data body with the fields purpose=batch and file=<content>.
// Sets *content_type to the header value (with the boundary).
std::string BatchUploadBody(std::string_view filename, std::string_view content,
                            std::string* content_type);

// The path of `base_url` plus "/chat/completions": "https://h/v1" -> "/v1/chat/completions".
std::string ChatCompletionsPath(std::string_view base_url);

struct BatchInfo {
  std::string id;
  std::string status;
  std::string input_file_id;
  std::string output_file_id;  // "" when none
  std::string error_file_id;   // "" when none
  std::string errors;          // the batch-level errors as one sentence ("" when none)
  std::string set_key;         // metadata.winnow_request_set ("" when absent)
  bool terminal() const {
    return status == "completed" || status == "failed" || status == "expired" ||
           status == "cancelled";
  }
};
// Parses a batch object. Corruption when the body is not one.
Result<BatchInfo> ParseBatch(std::string_view body);
// Parses a list of batches ({"data": [...]}).
Result<std::vector<BatchInfo>> ParseBatchList(std::string_view body);
// Parses a file object ({"id": "file-..."}) and returns its id.
Result<std::string> ParseFileId(std::string_view body);

struct BatchResultLine {
  std::string custom_id;
  int status_code = 0;     // response.status_code; 0 when there is no response
  std::string body;        // response.body as JSON text ("" when none)
  std::string error_code;  // error.code, or the body's error code
  std::string error_message;
};
// Parses one line of an output or error file. Corruption (with why) when the
// line is not such an object or has no custom_id.
Result<BatchResultLine> ParseBatchResultLine(std::string_view line);

// ---------------------------------------------------------------- the job

struct BatchSettings {
  std::string base_url;  // without a trailing slash
  std::string model;
  std::string api_key;  // "" = no Authorization header
  std::string completion_window = "24h";
  double poll_interval_s = 30;
  double max_wait_s = 90'000;
  int64_t timeout_ms = 120'000;
  int64_t connect_timeout_ms = 10'000;
  RetryPolicy retry;
};

// One request of a job: its cache key (also the custom_id) and body.
struct BatchItem {
  std::string key;
  std::string body;
};

struct BatchOutcome {
  // One per item, in item order.
  std::vector<Result<ChatResponse>> results;
  bool resumed = false;    // an earlier run's job was picked up
  bool submitted = false;  // this call created a job
  int64_t malformed_lines = 0;
};

// Runs the job for `items` (unique keys, at most 50,000). Successful
// responses are put in `cache` as they are joined. Never returns without a
// result for every item: failures are LlmError statuses with reason codes
// llm:batch_failed, llm:batch_expired, llm:batch_cancelled,
// llm:batch_timeout, llm:batch_missing_result, llm:batch_error,
// llm:batch_http (the API refused a step), llm:http_<status> (a request the
// job answered with an error) and llm:cancelled.
BatchOutcome RunBatchJob(const BatchSettings& settings, const std::vector<BatchItem>& items,
                         ResponseCache& cache, Context& ctx);

// The key under which a job for these items is stored.
std::string BatchSetKey(const BatchSettings& settings, const std::vector<BatchItem>& items);

}  // namespace winnow::openai
