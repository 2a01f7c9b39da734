// exporter/openai_batch — writes one OpenAI Batch API request per row.
//
// Contract:
//  - Each line is {"custom_id": ..., "method": "POST", "url": <url>, "body": {...}},
//    the input format of POST /v1/batches (and of compatible servers). custom_id
//    is the row id string ("0:17", unique within a run) or `custom_id_field`.
//  - The body for /v1/chat/completions is {model, messages, ...}: messages are
//    the row's `messages_field` (an array of {role, content}), else an optional
//    system message (`system_prompt`, a template) and one user message from
//    `prompt_template` (winnow/template.h: {{field}}, {{a.b.0}}, {{x | json}})
//    or the text of `prompt_field`. /v1/completions gets {model, prompt},
//    /v1/embeddings {model, input}, /v1/responses {model, input, instructions}.
//    temperature / max_tokens / top_p are added when set; `extra_body` (an object)
//    is merged last.
//  - OpenAI accepts at most 50,000 requests and 200 MB per file: output is split
//    at `max_requests_per_file` / `max_bytes_per_file`. One file is written to
//    `path`; several are named <stem>-00000<ext>, <stem>-00001<ext>, ... All
//    appear only at Commit (written under the step's temp directory first).
//  - A row whose prompt cannot be built (missing field) becomes a reject row
//    (bad_request, with the reason) and is left out of the file.
//  - Deterministic: the same rows and config give byte-identical files.
//  - Under MPI every rank writes its own files ("-rank00001" before the
//    extension); a Batch API job per file is what the API wants anyway.
//  - Counters: requests_written, files.
#include <atomic>
#include <cstdio>
#include <mutex>

#include "winnow/exporter.h"
#include "winnow/files.h"
#include "winnow/io.h"
#include "winnow/template.h"
#include "winnow/value.h"

namespace winnow {
namespace {
namespace fs = std::filesystem;

struct BatchConfig {
  std::string path;
  std::string model;
  std::string url = "/v1/chat/completions";
  std::string prompt_template;
  std::string prompt_field;
  std::string messages_field;
  std::string system_prompt;
  std::string custom_id_field;
  double temperature = -1;
  int64_t max_tokens = 0;
  double top_p = -1;
  Value extra_body;
  int64_t max_requests_per_file = 50'000;
  int64_t max_bytes_per_file = 190LL << 20;
};

const ConfigSchema& BatchSchema() {
  static const ConfigSchema schema =
      SchemaBuilder<BatchConfig>()
          .String("path", &BatchConfig::path,
                  "Output file (JSON Lines), relative to the run's output directory unless "
                  "absolute.")
          .Required()
          .String("model", &BatchConfig::model, "Model name put in every request body.")
          .Required()
          .Enum("url", &BatchConfig::url,
                {"/v1/chat/completions", "/v1/completions", "/v1/embeddings", "/v1/responses"},
                "The endpoint every request targets (all requests of a batch share one).")
          .String("prompt_template", &BatchConfig::prompt_template,
                  "The user prompt as a template over the row: {{field}}, {{a.b.0}}, "
                  "{{field | json}}.")
          .String("prompt_field", &BatchConfig::prompt_field,
                  "Field holding the user prompt (when no prompt_template is given).")
          .String("messages_field", &BatchConfig::messages_field,
                  "Field holding a complete chat (an array of {role, content}) used as the "
                  "messages as they are.")
          .String("system_prompt", &BatchConfig::system_prompt,
                  "A system message (a template too) put before the user prompt.")
          .String("custom_id_field", &BatchConfig::custom_id_field,
                  "Field holding the request's custom_id; empty uses the row id, which is unique "
                  "and lets results be joined back to rows.")
          .Double("temperature", &BatchConfig::temperature,
                  "Sampling temperature; negative leaves it out (the server's default).")
          .Int("max_tokens", &BatchConfig::max_tokens,
               "Maximum tokens to generate; 0 leaves it out.")
          .Min(0)
          .Double("top_p", &BatchConfig::top_p, "Nucleus sampling; negative leaves it out.")
          .Any("extra_body", &BatchConfig::extra_body,
               "An object merged into every request body last (e.g. response_format, seed).")
          .Int("max_requests_per_file", &BatchConfig::max_requests_per_file,
               "Start a new file after this many requests (OpenAI allows 50,000).")
          .Range(1, 50'000)
          .Int("max_bytes_per_file", &BatchConfig::max_bytes_per_file,
               "Start a new file before one would exceed this many bytes (OpenAI allows 200 MB).")
          .Range(1024, 200LL << 20)
          .Build();
  return schema;
}

class OpenAiBatchExporter final : public Exporter {
 public:
  explicit OpenAiBatchExporter(BatchConfig config) : config_(std::move(config)) {}

  Status Init() override {
    if (config_.path.empty()) return ConfigError("path", "must not be empty");
    int sources = (!config_.prompt_template.empty()) + (!config_.prompt_field.empty()) +
                  (!config_.messages_field.empty());
    if (sources != 1) {
      return ConfigError("prompt_template",
                         "set exactly one of prompt_template, prompt_field or messages_field");
    }
    if (!config_.messages_field.empty() && config_.url != "/v1/chat/completions" &&
        config_.url != "/v1/responses") {
      return ConfigError("messages_field", "needs url /v1/chat/completions or /v1/responses");
    }
    if (!config_.extra_body.is_null() && !config_.extra_body.is_object()) {
      return ConfigError("extra_body", "must be an object");
    }
    if (!config_.prompt_template.empty()) {
      auto t = Template::Parse(config_.prompt_template);
      if (!t.ok()) return ConfigError("prompt_template", t.status().message());
      prompt_ = std::move(t).value();
    }
    if (!config_.system_prompt.empty()) {
      auto t = Template::Parse(config_.system_prompt);
      if (!t.ok()) return ConfigError("system_prompt", t.status().message());
      system_ = std::move(t).value();
    }
    return Status::Ok();
  }

  Status Open(Context& ctx) override {
    // One file set per rank under MPI: "batch.jsonl" -> "batch-rank00001.jsonl".
    final_ = ExporterOutputName(config_.path, ctx.output_dir(), ctx.rank(), ctx.world()).path();
    tmp_dir_ = ctx.temp_dir() / "openai_batch";
    std::error_code ec;
    fs::create_directories(tmp_dir_, ec);
    if (ec) return Status::IOError("cannot create " + tmp_dir_.string() + ": " + ec.message());
    return Status::Ok();
  }

  // One request line per row; a row that cannot be rendered becomes a reject
  // row (bad_request) and is left out.
  Status Encode(Batch& batch, std::string& out, Context& ctx) override {
    (void)ctx;
    for (size_t i = 0; i < batch.rows.size(); ++i) {
      size_t mark = out.size();
      Status st = AppendRequest(batch.rows[i], out);
      if (!st.ok()) {
        if (st.code() != StatusCode::kInvalidArgument && st.code() != StatusCode::kNotFound) {
          return st;
        }
        out.resize(mark);
        batch.Fail(i, "bad_request", st.message());
      }
    }
    return Status::Ok();
  }

  Status Write(const Batch&, std::string_view encoded, Context&) override {
    size_t pos = 0;
    while (pos < encoded.size()) {
      size_t nl = encoded.find('\n', pos);
      size_t next = nl == std::string_view::npos ? encoded.size() : nl + 1;
      std::string_view line = encoded.substr(pos, next - pos);
      if (file_ && (file_requests_ >= config_.max_requests_per_file ||
                    file_->bytes_written() + line.size() >
                        static_cast<uint64_t>(config_.max_bytes_per_file))) {
        WINNOW_RETURN_IF_ERROR(CloseFile());
      }
      if (!file_) WINNOW_RETURN_IF_ERROR(OpenFile());
      WINNOW_RETURN_IF_ERROR(file_->Write(line));
      ++file_requests_;
      ++requests_;
      pos = next;
    }
    return Status::Ok();
  }

  Status Commit(Context& ctx) override {
    if (!file_ && temps_.empty()) WINNOW_RETURN_IF_ERROR(OpenFile());  // empty batch file
    if (file_) WINNOW_RETURN_IF_ERROR(CloseFile());
    std::string p = final_.string();
    size_t slash = p.rfind('/');
    size_t dot = p.find('.', slash == std::string::npos ? 0 : slash + 1);
    std::string stem = dot == std::string::npos ? p : p.substr(0, dot);
    std::string ext = dot == std::string::npos ? "" : p.substr(dot);
    for (size_t i = 0; i < temps_.size(); ++i) {
      fs::path dest = final_;
      if (temps_.size() > 1) {
        char num[32];
        std::snprintf(num, sizeof(num), "-%05zu", i);
        dest = stem + num + ext;
      }
      std::error_code ec;
      fs::create_directories(dest.parent_path(), ec);
      fs::rename(temps_[i], dest, ec);
      if (ec) {  // another file system: copy through an atomic file
        WINNOW_ASSIGN_OR_RETURN(std::string bytes, ReadFile(temps_[i]));
        WINNOW_RETURN_IF_ERROR(WriteFileAtomic(dest, bytes));
      }
      written_.push_back(dest.string());
    }
    ctx.Count("requests_written", requests_);
    ctx.Count("files", static_cast<int64_t>(temps_.size()));
    return Status::Ok();
  }

  void Abort(Context&) override {
    if (file_) file_->Abort();
    file_.reset();
  }

  std::vector<std::string> Outputs() const override { return written_; }

 private:
  Status OpenFile() {
    char name[32];
    std::snprintf(name, sizeof(name), "part-%05zu.jsonl", temps_.size());
    auto f = AtomicFile::Create(tmp_dir_ / name);
    if (!f.ok()) return f.status();
    file_ = std::move(f).value();
    file_requests_ = 0;
    return Status::Ok();
  }

  Status CloseFile() {
    WINNOW_RETURN_IF_ERROR(file_->Commit());
    temps_.push_back(file_->path());
    file_.reset();
    return Status::Ok();
  }

  Status AppendRequest(const Record& row, std::string& out) const {
    std::string custom_id = row.id().ToString();
    if (!config_.custom_id_field.empty()) {
      WINNOW_ASSIGN_OR_RETURN(auto v, row.Get(config_.custom_id_field));
      if (!v || v->is_null()) {
        return Status::NotFound("field '" + config_.custom_id_field + "' (custom_id) is missing");
      }
      custom_id = v->is_string() ? v->as_string() : v->ToJson();
    }
    Value body = Value::MakeObject();
    body.set("model", config_.model);
    std::string system;
    if (system_) {
      WINNOW_ASSIGN_OR_RETURN(system, system_->Render(row));
    }
    const std::string& url = config_.url;
    if (!config_.messages_field.empty()) {
      WINNOW_ASSIGN_OR_RETURN(auto msgs, row.Get(config_.messages_field));
      if (!msgs || !msgs->is_array() || msgs->size() == 0) {
        return Status::InvalidArgument("field '" + config_.messages_field +
                                       "' is not a non-empty array of messages");
      }
      Array messages;
      if (system_) messages.push_back(Message("system", system));
      for (const Value& m : msgs->as_array()) messages.push_back(m);
      body.set(url == "/v1/responses" ? "input" : "messages", Value(std::move(messages)));
    } else {
      std::string prompt;
      if (prompt_) {
        WINNOW_ASSIGN_OR_RETURN(prompt, prompt_->Render(row));
      } else {
        WINNOW_ASSIGN_OR_RETURN(auto v, row.Get(config_.prompt_field));
        if (!v || v->is_null()) {
          return Status::NotFound("field '" + config_.prompt_field + "' is missing");
        }
        prompt = ValueToText(*v);
      }
      if (url == "/v1/chat/completions") {
        Array messages;
        if (system_) messages.push_back(Message("system", system));
        messages.push_back(Message("user", prompt));
        body.set("messages", Value(std::move(messages)));
      } else if (url == "/v1/completions") {
        body.set("prompt", system_ ? system + "\n\n" + prompt : prompt);
      } else if (url == "/v1/embeddings") {
        body.set("input", prompt);
      } else {  // /v1/responses
        body.set("input", prompt);
        if (system_) body.set("instructions", system);
      }
    }
    if (config_.temperature >= 0) body.set("temperature", config_.temperature);
    if (config_.top_p >= 0) body.set("top_p", config_.top_p);
    if (config_.max_tokens > 0) {
      body.set(url == "/v1/responses" ? "max_output_tokens" : "max_tokens", config_.max_tokens);
    }
    if (config_.extra_body.is_object()) {
      for (const auto& [k, v] : config_.extra_body.as_object()) body.set(k, v);
    }
    Value line = Value::MakeObject();
    line.set("custom_id", custom_id);
    line.set("method", "POST");
    line.set("url", url);
    line.set("body", std::move(body));
    line.AppendJson(out);
    out += '\n';
    return Status::Ok();
  }

  static Value Message(const char* role, const std::string& content) {
    Value m = Value::MakeObject();
    m.set("role", role);
    m.set("content", content);
    return m;
  }

  BatchConfig config_;
  std::optional<Template> prompt_, system_;
  fs::path final_, tmp_dir_;
  std::unique_ptr<AtomicFile> file_;
  int64_t file_requests_ = 0, requests_ = 0;
  std::vector<fs::path> temps_;
  std::vector<std::string> written_;
};

}  // namespace
}  // namespace winnow

WINNOW_PLUGIN(winnow::PluginKind::kExporter, "openai_batch", "1.0.0",
              "Writes one OpenAI Batch API request per row (JSON Lines for POST /v1/batches), "
              "from a prompt template.",
              winnow::BatchConfig, winnow::OpenAiBatchExporter, winnow::BatchSchema)
