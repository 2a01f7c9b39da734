// exporter/argilla — sends records to an Argilla v2 server for human review.
//
// Contract:
//  - Open() finds the workspace (GET /api/v1/me/workspaces; empty `workspace` =
//    the first one) and the dataset by name (GET /api/v1/me/datasets?workspace_id=&name=),
//    creating it when missing (POST /api/v1/datasets), then makes sure its
//    settings match the preset: fields (POST /api/v1/datasets/{id}/fields),
//    questions (POST .../questions), metadata properties (POST .../metadata-properties),
//    and publishes it (PUT .../publish). Argilla refuses fields and questions on a
//    published dataset, so a published dataset that lacks one is an error that
//    says so (metadata properties can still be added and are).
//  - Records are upserted in chunks of at most `chunk_size` (<= 500, Argilla's
//    limit) with PUT /api/v1/datasets/{id}/records/bulk, items
//    {external_id, fields, metadata, suggestions}. external_id is the row id
//    string, so a re-run updates the same records instead of duplicating them;
//    a chunk never holds the same external_id twice (it is sent first).
//  - Presets: text_generation (fields instruction, generation; question
//    `quality`: label_selection good/bad) and preference (fields instruction,
//    generation-1..N; per generation a 1-5 `generation-i-rating` and a text
//    `generation-i-rationale`, with the judge's ratings and rationales from
//    the row sent as suggestions by `agent`).
//  - Metadata: `metadata_fields` become properties (integer, float or terms by
//    the first value seen, or as declared in `metadata_types`); NaN or infinite
//    values are left out (Argilla rejects them).
//  - Rows missing a required field (or with a non-string one that is not
//    convertible) are skipped and counted as rows_skipped (an exporter cannot
//    reject rows through the SDK).
//  - The API key comes from `api_key_env` (default ARGILLA_API_KEY), sent as
//    X-Argilla-Api-Key; `api_url` defaults to ARGILLA_API_URL. Requests are
//    retried on network errors, 409, 429 and 5xx (upserts are idempotent).
//  - Counters: records_created, records_updated, rows_skipped, chunks, metadata_dropped.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <regex>
#include <set>

#include "winnow/exporter.h"
#include "winnow/http.h"
#include "winnow/text.h"
#include "winnow/value.h"

namespace winnow {
namespace {

struct ArgillaConfig {
  std::string api_url;
  std::string api_key_env = "ARGILLA_API_KEY";
  std::string workspace;
  std::string dataset;
  std::string guidelines;
  std::string preset = "text_generation";
  std::string instruction_field = "instruction";
  std::string generation_field = "generation";
  std::string generations_field = "generations";
  std::string ratings_field = "ratings";
  std::string rationales_field = "rationales";
  int64_t num_generations = 2;
  std::string agent = "winnow";
  std::vector<std::string> metadata_fields;
  Value metadata_types;
  int64_t chunk_size = 500;
  int64_t max_retries = 5;
  int64_t retry_backoff_ms = 500;
};

const ConfigSchema& ArgillaSchema() {
  static const ConfigSchema schema =
      SchemaBuilder<ArgillaConfig>()
          .String("api_url", &ArgillaConfig::api_url,
                  "Base URL of the Argilla server; empty uses ARGILLA_API_URL.")
          .String("api_key_env", &ArgillaConfig::api_key_env,
                  "Environment variable holding the Argilla API key (sent as X-Argilla-Api-Key).")
          .String("workspace", &ArgillaConfig::workspace,
                  "Workspace that holds the dataset; empty uses your first workspace.")
          .String("dataset", &ArgillaConfig::dataset,
                  "Name of the Argilla dataset; created (with the preset's settings) when missing.")
          .Required()
          .String("guidelines", &ArgillaConfig::guidelines,
                  "Annotation guidelines shown to reviewers (set when the dataset is created).")
          .Enum("preset", &ArgillaConfig::preset, {"text_generation", "preference"},
                "Dataset layout: text_generation (instruction + generation, a good/bad label) or "
                "preference (instruction + N generations, a 1-5 rating and a rationale per "
                "generation, the judge's ratings as suggestions).")
          .String("instruction_field", &ArgillaConfig::instruction_field,
                  "Row field holding the instruction (prompt).")
          .String("generation_field", &ArgillaConfig::generation_field,
                  "Row field holding the generation (text_generation).")
          .String("generations_field", &ArgillaConfig::generations_field,
                  "Row field holding the list of generations (preference).")
          .String("ratings_field", &ArgillaConfig::ratings_field,
                  "Row field holding the judge's ratings, one per generation (preference); "
                  "missing means no rating suggestions.")
          .String("rationales_field", &ArgillaConfig::rationales_field,
                  "Row field holding the judge's rationales, one per generation (preference).")
          .Int("num_generations", &ArgillaConfig::num_generations,
               "Number of generations per row in the preference preset.")
          .Range(1, 20)
          .String("agent", &ArgillaConfig::agent,
                  "Name recorded as the agent of the suggestions (e.g. the judge model).")
          .StringList("metadata_fields", &ArgillaConfig::metadata_fields,
                      "Row fields sent as record metadata (filterable in Argilla).")
          .Any("metadata_types", &ArgillaConfig::metadata_types,
               "Optional map from a metadata field to its type: integer, float or terms "
               "(default: guessed from the first row).")
          .Int("chunk_size", &ArgillaConfig::chunk_size,
               "Records per bulk request (Argilla accepts at most 500).")
          .Range(1, 500)
          .Int("max_retries", &ArgillaConfig::max_retries,
               "Retries of a request after network errors, 409, 429 and 5xx answers.")
          .Range(0, 100)
          .Int("retry_backoff_ms", &ArgillaConfig::retry_backoff_ms,
               "Delay before the first retry, doubled for each further one.")
          .Range(1, 600'000)
          .Build();
  return schema;
}

struct FieldDef {
  std::string name, title;
  std::string row_field;    // where the value comes from
  int64_t generation = -1;  // index into the generations array, or -1
};

struct QuestionDef {
  std::string name, title;
  bool required = true;
  Value settings;
};

bool NameOk(const std::string& s) {
  static const std::regex re(R"(^(?=.*[a-z0-9])[a-z0-9_-]+$)");
  return std::regex_match(s, re);
}

class ArgillaExporter final : public Exporter {
 public:
  explicit ArgillaExporter(ArgillaConfig config) : config_(std::move(config)) {}

  Status Init() override {
    if (config_.dataset.empty() || config_.dataset.size() > 200) {
      return ConfigError("dataset", "must have 1 to 200 characters");
    }
    for (const auto& m : config_.metadata_fields) {
      if (!NameOk(m)) {
        return ConfigError("metadata_fields",
                           "'" + m +
                               "' is not a valid Argilla metadata name (lowercase letters, "
                               "digits, '_' and '-')");
      }
    }
    if (!config_.metadata_types.is_null()) {
      if (!config_.metadata_types.is_object()) {
        return ConfigError("metadata_types", "must be a map from field to integer|float|terms");
      }
      for (const auto& [k, v] : config_.metadata_types.as_object()) {
        if (!v.is_string() ||
            (v.as_string() != "integer" && v.as_string() != "float" && v.as_string() != "terms")) {
          return ConfigError("metadata_types." + k, "must be integer, float or terms");
        }
      }
    }
    BuildLayout();
    return Status::Ok();
  }

  Status Open(Context& ctx) override {
    ctx_ = &ctx;
    url_ = config_.api_url;
    if (url_.empty()) {
      const char* env = std::getenv("ARGILLA_API_URL");
      url_ = env ? env : "";
    }
    if (url_.empty()) {
      return Status::InvalidArgument(
          "exporter/argilla needs the server's URL: set api_url or "
          "ARGILLA_API_URL");
    }
    while (!url_.empty() && url_.back() == '/') url_.pop_back();
    auto key = ctx.GetSecret(config_.api_key_env);
    if (!key.ok() || key->empty()) {
      return Status::PermissionDenied("exporter/argilla needs an API key: set " +
                                      config_.api_key_env);
    }
    key_ = *key;
    return SetUpDataset();
  }

  Status Write(const Batch& batch, std::string_view, Context& ctx) override {
    for (const Record& row : batch.rows) {
      std::string ext = row.id().ToString();
      if (pending_ids_.count(ext)) WINNOW_RETURN_IF_ERROR(Flush());
      auto item = MakeItem(row, ext);
      if (!item.ok()) {
        ++skipped_;
        if (skipped_ <= 5) ctx.Warn("row " + ext + " skipped: " + item.status().message());
        continue;
      }
      pending_.push_back(std::move(item).value());
      pending_ids_.insert(ext);
      if (pending_.size() >= static_cast<size_t>(config_.chunk_size)) {
        WINNOW_RETURN_IF_ERROR(Flush());
      }
    }
    return Status::Ok();
  }

  // Records are not serialised by Encode; Write builds the items from the rows.
  Status Encode(Batch&, std::string& out, Context&) override {
    out.clear();
    return Status::Ok();
  }

  Status Commit(Context& ctx) override {
    WINNOW_RETURN_IF_ERROR(Flush());
    ctx.Count("records_created", created_);
    ctx.Count("records_updated", updated_);
    ctx.Count("chunks", chunks_);
    if (skipped_ > 0) ctx.Count("rows_skipped", skipped_);
    if (metadata_dropped_ > 0) ctx.Count("metadata_dropped", metadata_dropped_);
    ctx.Info("upserted " + std::to_string(created_ + updated_) + " records (" +
             std::to_string(created_) + " new) into " + config_.dataset);
    return Status::Ok();
  }

  std::vector<std::string> Outputs() const override {
    return {url_ + "/dataset/" + dataset_id_ + "/annotation-mode"};
  }

 private:
  void BuildLayout() {
    fields_.push_back({"instruction", "Instruction", config_.instruction_field, -1});
    if (config_.preset == "text_generation") {
      fields_.push_back({"generation", "Generation", config_.generation_field, -1});
      Value s = Value::MakeObject();
      s.set("type", "label_selection");
      Array opts;
      for (const char* v : {"good", "bad"}) {
        Value o = Value::MakeObject();
        o.set("value", v);
        o.set("text", std::string(v) == "good" ? "Good" : "Bad");
        opts.push_back(std::move(o));
      }
      s.set("options", Value(std::move(opts)));
      questions_.push_back({"quality", "Is the generation good for training?", true, s});
      return;
    }
    for (int64_t i = 1; i <= config_.num_generations; ++i) {
      std::string n = std::to_string(i);
      fields_.push_back({"generation-" + n, "Generation " + n, config_.generations_field, i - 1});
    }
    for (int64_t i = 1; i <= config_.num_generations; ++i) {
      std::string n = std::to_string(i);
      Value rating = Value::MakeObject();
      rating.set("type", "rating");
      Array opts;
      for (int v = 1; v <= 5; ++v) {
        Value o = Value::MakeObject();
        o.set("value", v);
        opts.push_back(std::move(o));
      }
      rating.set("options", Value(std::move(opts)));
      questions_.push_back(
          {"generation-" + n + "-rating", "Rate generation " + n + " (1-5)", true, rating});
      Value text = Value::MakeObject();
      text.set("type", "text");
      text.set("use_markdown", false);
      questions_.push_back({"generation-" + n + "-rationale",
                            "Why this rating for generation " + n + "?", false, text});
    }
  }

  // ---- HTTP
  HttpRequest Req(std::string method, std::string path) const {
    HttpRequest q;
    q.method = std::move(method);
    q.url = url_ + path;
    q.headers.Set("X-Argilla-Api-Key", key_);
    q.headers.Set("Accept", "application/json");
    q.cancel = [c = ctx_] { return c->cancelled(); };
    return q;
  }
  Result<HttpResponse> Send(HttpRequest q, const Value* body = nullptr) const {
    if (body) {
      q.headers.Set("Content-Type", "application/json");
      q.body = body->ToJson();
    }
    RetryPolicy p;
    p.max_retries = static_cast<int>(config_.max_retries);
    p.initial_backoff_ms = config_.retry_backoff_ms;
    return SendWithRetry(q, p);
  }
  static Status Fail(const HttpResponse& r, const HttpRequest& q, const std::string& what) {
    std::string detail;
    auto v = Value::Parse(r.body);
    if (v.ok() && v->is_object()) {
      if (const Value* d = v->find("detail"))
        detail = d->is_string() ? d->as_string() : d->ToJson();
    }
    if (r.status == 401 || r.status == 403) {
      return Status::PermissionDenied("Argilla refused the API key (" + what + "): HTTP " +
                                      std::to_string(r.status) +
                                      (detail.empty() ? "" : ": " + Abbreviate(detail, 300)));
    }
    if (!detail.empty()) {
      Status base = HttpStatusError(r, q);
      return Status(base.code(), what + ": Argilla answered HTTP " + std::to_string(r.status) +
                                     ": " + Abbreviate(detail, 500));
    }
    Status base = HttpStatusError(r, q);
    return Status(base.code(), what + ": " + base.message());
  }
  Result<Value> GetJson(const std::string& path, const std::string& what) {
    HttpRequest q = Req("GET", path);
    WINNOW_ASSIGN_OR_RETURN(HttpResponse r, Send(q));
    if (!r.ok()) return Fail(r, q, what);
    auto v = Value::Parse(r.body);
    if (!v.ok()) return Status::Corruption(what + ": Argilla's answer is not JSON");
    return std::move(v).value();
  }
  Result<Value> PostJson(const std::string& method, const std::string& path, const Value& body,
                         const std::string& what, int* status = nullptr) {
    HttpRequest q = Req(method, path);
    WINNOW_ASSIGN_OR_RETURN(HttpResponse r, Send(q, &body));
    if (status) *status = r.status;
    if (status && r.status == 409) return Value();
    if (!r.ok()) return Fail(r, q, what);
    auto v = Value::Parse(r.body);
    return v.ok() ? std::move(v).value() : Value();
  }
  static const Array& Items(const Value& v) {
    static const Array kEmpty;
    const Value* items = v.find("items");
    return items && items->is_array() ? items->as_array() : kEmpty;
  }
  static std::string Str(const Value& v, const char* key) {
    const Value* f = v.find(key);
    return f && f->is_string() ? f->as_string() : std::string();
  }

  // ---- dataset set-up
  Status SetUpDataset() {
    WINNOW_ASSIGN_OR_RETURN(Value ws, GetJson("/api/v1/me/workspaces", "listing workspaces"));
    std::string ws_id, names;
    for (const Value& w : Items(ws)) {
      names += (names.empty() ? "" : ", ") + Str(w, "name");
      if (ws_id.empty() && (config_.workspace.empty() || Str(w, "name") == config_.workspace)) {
        ws_id = Str(w, "id");
      }
    }
    if (ws_id.empty()) {
      return Status::NotFound("Argilla workspace '" + config_.workspace +
                              "' does not exist or is not yours; your workspaces: " +
                              (names.empty() ? "(none)" : names));
    }
    std::string list = "/api/v1/me/datasets?workspace_id=" + UrlEncode(ws_id) +
                       "&name=" + UrlEncode(config_.dataset);
    bool published = false;
    for (int attempt = 0; attempt < 2 && dataset_id_.empty(); ++attempt) {
      WINNOW_ASSIGN_OR_RETURN(Value ds, GetJson(list, "looking up dataset " + config_.dataset));
      for (const Value& d : Items(ds)) {
        if (Str(d, "name") == config_.dataset && Str(d, "workspace_id") == ws_id) {
          dataset_id_ = Str(d, "id");
          published = Str(d, "status") == "ready";
        }
      }
      if (!dataset_id_.empty()) break;
      Value body = Value::MakeObject();
      body.set("name", config_.dataset);
      if (!config_.guidelines.empty()) body.set("guidelines", config_.guidelines);
      body.set("allow_extra_metadata", false);
      body.set("workspace_id", ws_id);
      int status = 0;
      WINNOW_ASSIGN_OR_RETURN(Value created,
                              PostJson("POST", "/api/v1/datasets", body,
                                       "creating dataset " + config_.dataset, &status));
      if (status == 409) continue;  // created meanwhile: look it up again
      dataset_id_ = Str(created, "id");
      ctx_->Info("created Argilla dataset " + config_.dataset);
    }
    if (dataset_id_.empty()) {
      return Status::Internal("Argilla dataset " + config_.dataset +
                              " could not be found or created");
    }
    std::string base = "/api/v1/datasets/" + dataset_id_;
    // Fields.
    WINNOW_ASSIGN_OR_RETURN(Value fields, GetJson(base + "/fields", "listing fields"));
    std::set<std::string> have;
    for (const Value& f : Items(fields)) have.insert(Str(f, "name"));
    for (const auto& f : fields_) {
      if (have.count(f.name)) continue;
      if (published) return Published("field", f.name);
      Value body = Value::MakeObject();
      body.set("name", f.name);
      body.set("title", f.title);
      body.set("required", true);
      Value s = Value::MakeObject();
      s.set("type", "text");
      s.set("use_markdown", true);
      body.set("settings", std::move(s));
      WINNOW_RETURN_IF_ERROR(
          PostJson("POST", base + "/fields", body, "creating field " + f.name).status());
    }
    // Questions.
    WINNOW_ASSIGN_OR_RETURN(Value qs, GetJson(base + "/questions", "listing questions"));
    for (const Value& q : Items(qs)) question_ids_[Str(q, "name")] = Str(q, "id");
    for (const auto& q : questions_) {
      if (question_ids_.count(q.name)) continue;
      if (published) return Published("question", q.name);
      Value body = Value::MakeObject();
      body.set("name", q.name);
      body.set("title", q.title);
      body.set("required", q.required);
      body.set("settings", q.settings);
      WINNOW_ASSIGN_OR_RETURN(
          Value made, PostJson("POST", base + "/questions", body, "creating question " + q.name));
      question_ids_[q.name] = Str(made, "id");
    }
    // Metadata properties (allowed after publishing too).
    WINNOW_ASSIGN_OR_RETURN(Value mps,
                            GetJson("/api/v1/me/datasets/" + dataset_id_ + "/metadata-properties",
                                    "listing metadata properties"));
    for (const Value& m : Items(mps)) {
      const Value* s = m.find("settings");
      metadata_types_[Str(m, "name")] = s ? Str(*s, "type") : "";
    }
    if (!published) {
      for (const auto& m : config_.metadata_fields) {
        if (const Value* t = config_.metadata_types.find(m)) {
          WINNOW_RETURN_IF_ERROR(EnsureMetadata(m, t->as_string()));
        }
      }
      HttpRequest q = Req("PUT", base + "/publish");
      WINNOW_ASSIGN_OR_RETURN(HttpResponse r, Send(q));
      if (!r.ok()) return Fail(r, q, "publishing dataset " + config_.dataset);
    }
    return Status::Ok();
  }

  Status Published(const std::string& what, const std::string& name) const {
    return Status::InvalidArgument(
        "Argilla dataset " + config_.dataset + " is already published without the " + what + " '" +
        name + "' that preset " + config_.preset + " needs, and Argilla does not allow adding " +
        what + "s to a published dataset: delete it in Argilla or choose another dataset name");
  }

  Status EnsureMetadata(const std::string& name, const std::string& type) {
    if (metadata_types_.count(name)) return Status::Ok();
    Value body = Value::MakeObject();
    body.set("name", name);
    body.set("title", name);
    Value s = Value::MakeObject();
    s.set("type", type);
    body.set("settings", std::move(s));
    body.set("visible_for_annotators", true);
    WINNOW_RETURN_IF_ERROR(PostJson("POST",
                                    "/api/v1/datasets/" + dataset_id_ + "/metadata-properties",
                                    body, "creating metadata property " + name)
                               .status());
    metadata_types_[name] = type;
    return Status::Ok();
  }

  // ---- records
  static Result<std::string> AsText(const Value& v, const std::string& what) {
    if (v.is_string()) return v.as_string();
    if (v.is_null()) return Status::NotFound(what + " is null");
    return v.ToJson();  // numbers, objects: shown as JSON
  }

  Result<Value> MakeItem(const Record& row, const std::string& ext) {
    Value item = Value::MakeObject();
    item.set("external_id", ext);
    Value fields = Value::MakeObject();
    std::optional<Value> gens;
    for (const auto& f : fields_) {
      WINNOW_ASSIGN_OR_RETURN(auto v, row.Get(f.row_field));
      if (!v) return Status::NotFound("field '" + f.row_field + "' is missing");
      if (f.generation < 0) {
        WINNOW_ASSIGN_OR_RETURN(std::string text, AsText(*v, "field '" + f.row_field + "'"));
        fields.set(f.name, text);
        continue;
      }
      if (!v->is_array()) {
        return Status::InvalidArgument("field '" + f.row_field + "' is not a list of generations");
      }
      if (static_cast<int64_t>(v->size()) <= f.generation) {
        return Status::InvalidArgument("field '" + f.row_field + "' has " +
                                       std::to_string(v->size()) + " generations, " +
                                       std::to_string(config_.num_generations) + " expected");
      }
      WINNOW_ASSIGN_OR_RETURN(std::string text,
                              AsText(v->as_array()[f.generation], "a generation"));
      fields.set(f.name, text);
    }
    item.set("fields", std::move(fields));
    // Metadata.
    Value metadata = Value::MakeObject();
    for (const auto& m : config_.metadata_fields) {
      WINNOW_ASSIGN_OR_RETURN(auto v, row.Get(m));
      if (!v || v->is_null()) continue;
      if (v->is_double() && !std::isfinite(v->as_double())) {
        ++metadata_dropped_;
        continue;
      }
      std::string type = v->is_int() ? "integer" : v->is_double() ? "float" : "terms";
      if (const Value* t = config_.metadata_types.find(m)) type = t->as_string();
      WINNOW_RETURN_IF_ERROR(EnsureMetadata(m, type));
      const std::string& have = metadata_types_[m];
      if (have == "integer" && !v->is_int()) {
        ++metadata_dropped_;
        continue;
      }
      if (have == "float" && !v->is_number()) {
        ++metadata_dropped_;
        continue;
      }
      if (have == "terms" && !v->is_string()) {
        metadata.set(m, v->ToJson());
        continue;
      }
      metadata.set(m, *v);
    }
    if (metadata.size() > 0) item.set("metadata", std::move(metadata));
    // Suggestions (preference preset: the judge's ratings and rationales).
    if (config_.preset == "preference") {
      Array sugg;
      WINNOW_ASSIGN_OR_RETURN(auto ratings, row.Get(config_.ratings_field));
      WINNOW_ASSIGN_OR_RETURN(auto rationales, row.Get(config_.rationales_field));
      for (int64_t i = 0; i < config_.num_generations; ++i) {
        std::string n = std::to_string(i + 1);
        if (ratings && ratings->is_array() && static_cast<int64_t>(ratings->size()) > i) {
          const Value& r = ratings->as_array()[i];
          if (r.is_number() && std::isfinite(r.as_number())) {
            int64_t v = std::llround(r.as_number());
            if (v >= 1 && v <= 5) {
              sugg.push_back(Suggestion("generation-" + n + "-rating", Value(v)));
            }
          }
        }
        if (rationales && rationales->is_array() && static_cast<int64_t>(rationales->size()) > i) {
          const Value& r = rationales->as_array()[i];
          if (r.is_string() && !r.as_string().empty()) {
            sugg.push_back(Suggestion("generation-" + n + "-rationale", r));
          }
        }
      }
      if (!sugg.empty()) item.set("suggestions", Value(std::move(sugg)));
    }
    return item;
  }

  Value Suggestion(const std::string& question, Value value) const {
    Value s = Value::MakeObject();
    s.set("question_id", question_ids_.at(question));
    s.set("value", std::move(value));
    s.set("type", "model");
    if (!config_.agent.empty()) s.set("agent", config_.agent);
    return s;
  }

  Status Flush() {
    if (pending_.empty()) return Status::Ok();
    Value body = Value::MakeObject();
    body.set("items", Value(std::move(pending_)));
    pending_ = Array();
    pending_ids_.clear();
    HttpRequest q = Req("PUT", "/api/v1/datasets/" + dataset_id_ + "/records/bulk");
    WINNOW_ASSIGN_OR_RETURN(HttpResponse r, Send(q, &body));
    if (!r.ok()) return Fail(r, q, "upserting records into " + config_.dataset);
    auto v = Value::Parse(r.body);
    int64_t total = static_cast<int64_t>(body.find("items")->size()), updated = 0;
    if (v.ok()) {
      if (const Value* u = v->find("updated_item_ids"); u && u->is_array()) {
        updated = static_cast<int64_t>(u->size());
      }
    }
    updated_ += updated;
    created_ += total - updated;
    ++chunks_;
    return Status::Ok();
  }

  ArgillaConfig config_;
  Context* ctx_ = nullptr;
  std::string url_, key_, dataset_id_;
  std::vector<FieldDef> fields_;
  std::vector<QuestionDef> questions_;
  std::map<std::string, std::string> question_ids_, metadata_types_;
  Array pending_;
  std::set<std::string> pending_ids_;
  int64_t created_ = 0, updated_ = 0, skipped_ = 0, chunks_ = 0, metadata_dropped_ = 0;
};

}  // namespace
}  // namespace winnow

WINNOW_PLUGIN(winnow::PluginKind::kExporter, "argilla", "1.0.0",
              "Sends records to an Argilla v2 dataset for human review (text_generation or "
              "preference layouts), upserting by row id.",
              winnow::ArgillaConfig, winnow::ArgillaExporter, winnow::ArgillaSchema)
