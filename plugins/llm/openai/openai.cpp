// llm/openai — an OpenAI-compatible chat-completions provider.
//
// Contract
//   Declared under `llms:` and shared by tasks (ctx.GetLlm(name)). ChatMany()
//   builds one request body per chat request (or n bodies when the server's
//   flavor cannot return several choices), answers what it can from the
//   response cache, sends the rest through one AsyncHttpClient (one I/O
//   thread, up to max_concurrency requests in flight for the whole provider,
//   requests_per_minute / tokens_per_minute enforced before sending), and
//   calls `done` once per request, in request order, from the calling thread,
//   when the whole call has finished.
//   Retries: 408, 409, 429, 5xx and network errors, with exponential backoff
//   and jitter, honouring retry-after(-ms), RateLimit and x-should-retry; a
//   429 pauses all sending for the delay the server asked for. Never retried:
//   insufficient_quota and other 4xx.
//   Each miss is sent as soon as its body is built and looked up; the I/O
//   thread only hands responses over (they are parsed on the calling thread).
//   Cache: <cache_dir>/llm/responses.sqlite (or `cache_path`), keyed by a
//   hash of base_url and the exact request body (model, messages,
//   parameters; never the API key), responses committed as they arrive (WAL;
//   what arrives during a commit goes into the next one), so a re-run or a
//   crashed run never pays twice.
//   Batch mode (`mode: batch`, flavor openai): the misses of one ChatMany call
//   (deduplicated; custom_id = cache key) become one OpenAI Batch API job per
//   50,000 requests (openai_batch.h): upload, create, poll, join by
//   custom_id; job ids are stored in the cache database under the hash of
//   the request set, so a re-run resumes polling and never submits twice;
//   joined results go into the response cache.
//   Failures come back as Status values whose message starts with a reason
//   code (winnow/llm.h: llm:http_429, llm:insufficient_quota, llm:batch_*).
//   Counters, in the calling step: llm.requests, llm.cache_hits,
//   llm.prompt_tokens, llm.completion_tokens, llm.retries, llm.errors;
//   batch mode adds llm.batch_jobs, llm.batch_jobs_resumed,
//   llm.batch_malformed_lines.
//   Secrets: the API key is read in Open() from the variable named by
//   api_key_env; it is sent only in the Authorization header and never logged.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "openai_batch.h"
#include "openai_cache.h"
#include "openai_wire.h"
#include "winnow/hash.h"
#include "winnow/http.h"
#include "winnow/llm.h"
#include "winnow/plugin.h"
#include "winnow/schema.h"

namespace winnow::openai {
namespace {

struct OpenAIConfig {
  std::string base_url = "https://api.openai.com/v1";
  std::string model;
  std::string api_key_env = "OPENAI_API_KEY";
  std::string flavor = "openai";
  double temperature = 0.7;
  double top_p = 1.0;
  int64_t max_tokens = 1024;
  int64_t seed = -1;
  std::vector<std::string> stop;
  double frequency_penalty = 0;
  double presence_penalty = 0;
  Value extra_body;
  bool json_schema_strict = true;
  int64_t max_concurrency = 64;
  int64_t requests_per_minute = 0;
  int64_t tokens_per_minute = 0;
  int64_t timeout_ms = 120'000;
  int64_t connect_timeout_ms = 10'000;
  int64_t max_retries = 6;
  int64_t initial_backoff_ms = 500;
  int64_t max_backoff_ms = 30'000;
  bool cache = true;
  std::string cache_path;
  std::string mode = "online";
  double batch_poll_interval_s = 30;
  double batch_max_wait_s = 90'000;
  std::string batch_completion_window = "24h";
  int64_t batch_max_requests = 50'000;
};

const ConfigSchema& OpenAISchema() {
  static const ConfigSchema schema =
      SchemaBuilder<OpenAIConfig>()
          .String(
              "base_url", &OpenAIConfig::base_url,
              "Base URL of the OpenAI-compatible API; requests go to <base_url>/chat/completions.")
          .String("model", &OpenAIConfig::model, "Model name sent with every request.")
          .Required()
          .String("api_key_env", &OpenAIConfig::api_key_env,
                  "Name of the environment variable holding the API key. Required for the "
                  "openai flavor; for local servers a missing variable means no Authorization "
                  "header. Set to an empty string to never send a key.")
          .Enum("flavor", &OpenAIConfig::flavor, {"openai", "vllm", "llama_cpp", "ollama", "tgi"},
                "Server dialect: decides max_tokens vs max_completion_tokens, whether n is "
                "sent or emulated with n requests, and how JSON-schema and regex constraints "
                "are sent.")
          .Double("temperature", &OpenAIConfig::temperature, "Default sampling temperature.")
          .Range(0, 2)
          .Double("top_p", &OpenAIConfig::top_p, "Default nucleus-sampling probability mass.")
          .Range(0, 1)
          .Int("max_tokens", &OpenAIConfig::max_tokens,
               "Default limit on generated tokens per completion.")
          .Min(1)
          .Int("seed", &OpenAIConfig::seed,
               "Default sampling seed; -1 sends none. With emulated n, sample k uses seed + k.")
          .Min(-1)
          .StringList("stop", &OpenAIConfig::stop, "Default stop sequences.")
          .Double("frequency_penalty", &OpenAIConfig::frequency_penalty,
                  "Default frequency penalty (sent when not 0).")
          .Range(-2, 2)
          .Double("presence_penalty", &OpenAIConfig::presence_penalty,
                  "Default presence penalty (sent when not 0).")
          .Range(-2, 2)
          .Any("extra_body", &OpenAIConfig::extra_body,
               "An object merged into every request body last (server-specific options such "
               "as top_k or repetition_penalty).")
          .Bool("json_schema_strict", &OpenAIConfig::json_schema_strict,
                "With the openai flavor, ask for strict structured outputs when a task sends "
                "a JSON schema.")
          .Int("max_concurrency", &OpenAIConfig::max_concurrency,
               "Most requests in flight at once, across every task and batch using this LLM.")
          .Range(1, 4096)
          .Int("requests_per_minute", &OpenAIConfig::requests_per_minute,
               "Request rate limit enforced before sending; 0 means none.")
          .Min(0)
          .Int("tokens_per_minute", &OpenAIConfig::tokens_per_minute,
               "Token rate limit enforced before sending (prompt estimated at 4 bytes per "
               "token plus max_tokens); 0 means none.")
          .Min(0)
          .Int("timeout_ms", &OpenAIConfig::timeout_ms,
               "Time limit of one HTTP exchange, in milliseconds.")
          .Min(1)
          .Int("connect_timeout_ms", &OpenAIConfig::connect_timeout_ms,
               "Time limit for connecting, in milliseconds.")
          .Min(1)
          .Int("max_retries", &OpenAIConfig::max_retries,
               "Retries of a request after 408, 409, 429, 5xx or a network error.")
          .Range(0, 100)
          .Int("initial_backoff_ms", &OpenAIConfig::initial_backoff_ms,
               "Delay before the first retry when the server suggests none; doubles each retry.")
          .Min(0)
          .Int("max_backoff_ms", &OpenAIConfig::max_backoff_ms,
               "Upper bound of the exponential retry delay.")
          .Min(0)
          .Bool("cache", &OpenAIConfig::cache,
                "Keep every response in an SQLite cache and answer repeated requests from it.")
          .String("cache_path", &OpenAIConfig::cache_path,
                  "Cache database file; default <cache_dir>/llm/responses.sqlite.")
          .Enum("mode", &OpenAIConfig::mode, {"online", "batch"},
                "online sends chat completions as they are needed; batch submits each task "
                "call's uncached requests as one OpenAI Batch API job (half the price, answers "
                "within the completion window), stores the job id next to the response cache "
                "so a re-run resumes it, and joins the results back by custom_id.")
          .Double("batch_poll_interval_s", &OpenAIConfig::batch_poll_interval_s,
                  "Batch mode: seconds between two status checks of a job.")
          .Range(0.01, 3600)
          .Double("batch_max_wait_s", &OpenAIConfig::batch_max_wait_s,
                  "Batch mode: how long a run waits for a job before rejecting its rows with "
                  "llm:batch_timeout; the job keeps running and a re-run resumes it.")
          .Min(0)
          .String("batch_completion_window", &OpenAIConfig::batch_completion_window,
                  "Batch mode: the completion_window sent with each job.")
          .Int("batch_max_requests", &OpenAIConfig::batch_max_requests,
               "Batch mode: most requests in one job; a task call with more uncached requests "
               "submits several jobs at once.")
          .Range(1, 50'000)
          .Build();
  return schema;
}

// OpenAI accepts batch input files of up to 200 MB.
constexpr size_t kBatchMaxBytes = 190u << 20;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Token buckets for requests and tokens per minute, with 10 s of burst, and a
// global pause after a 429. Used from the HTTP client's I/O thread only.
class RateLimiter {
 public:
  RateLimiter(int64_t rpm, int64_t tpm) : rpm_(rpm), tpm_(tpm) {
    req_cap_ = std::max(1.0, static_cast<double>(rpm) / 6.0);
    tok_cap_ = std::max(1.0, static_cast<double>(tpm) / 6.0);
    req_ = req_cap_;
    tok_ = tok_cap_;
    last_ms_ = NowMs();
  }

  void PauseFor(int64_t ms) { pause_until_ms_ = std::max(pause_until_ms_, NowMs() + ms); }

  // 0 = go (budget taken), else ms to wait.
  int64_t Admit(int64_t tokens) {
    int64_t now = NowMs();
    if (now < pause_until_ms_) return pause_until_ms_ - now;
    double elapsed = static_cast<double>(now - last_ms_);
    last_ms_ = now;
    if (rpm_ > 0) req_ = std::min(req_cap_, req_ + elapsed * static_cast<double>(rpm_) / 60000.0);
    if (tpm_ > 0) tok_ = std::min(tok_cap_, tok_ + elapsed * static_cast<double>(tpm_) / 60000.0);
    double need_tok = std::min(static_cast<double>(tokens), tok_cap_);
    double wait = 0;
    if (rpm_ > 0 && req_ < 1.0) wait = std::max(wait, (1.0 - req_) * 60000.0 / rpm_);
    if (tpm_ > 0 && tok_ < need_tok) wait = std::max(wait, (need_tok - tok_) * 60000.0 / tpm_);
    if (wait > 0) return std::max<int64_t>(1, static_cast<int64_t>(std::ceil(wait)));
    if (rpm_ > 0) req_ -= 1.0;
    if (tpm_ > 0) tok_ -= need_tok;
    return 0;
  }

 private:
  int64_t rpm_, tpm_;
  double req_cap_, tok_cap_, req_, tok_;
  int64_t last_ms_;
  int64_t pause_until_ms_ = 0;
};

// State of one ChatMany call, shared with the I/O thread.
struct Call {
  std::mutex mu;
  std::condition_variable cv;
  size_t outstanding = 0;  // guarded by mu
  std::atomic<bool> cancel{false};
  std::atomic<int64_t> requests{0}, cache_hits{0}, prompt_tokens{0}, completion_tokens{0},
      retries{0}, errors{0};
};

// One HTTP request: a chat request, or one sample of an emulated n.
struct Unit {
  Call* call = nullptr;
  size_t request = 0;
  int sample = -1;
  std::string body;
  std::string key;
  int64_t token_estimate = 0;
  std::optional<Result<HttpResponse>> outcome;  // set on the I/O thread
  std::optional<Result<ChatResponse>> result;
};

class OpenAIProvider final : public LlmProvider {
 public:
  explicit OpenAIProvider(OpenAIConfig config) : config_(std::move(config)) {}

  Status Init() override {
    if (!ParseFlavor(config_.flavor, &flavor_)) {
      return ConfigError("flavor", "unknown flavor '" + config_.flavor + "'");
    }
    if (config_.base_url.rfind("http://", 0) != 0 && config_.base_url.rfind("https://", 0) != 0) {
      return ConfigError("base_url",
                         "'" + config_.base_url + "' is not an http:// or https:// URL");
    }
    while (!config_.base_url.empty() && config_.base_url.back() == '/') config_.base_url.pop_back();
    if (config_.model.empty()) return ConfigError("model", "the model name is empty");
    if (!config_.extra_body.is_null() && !config_.extra_body.is_object()) {
      return ConfigError("extra_body", "must be an object of extra request-body members");
    }
    if (config_.max_backoff_ms < config_.initial_backoff_ms) {
      return ConfigError("max_backoff_ms", "must be at least initial_backoff_ms (" +
                                               std::to_string(config_.initial_backoff_ms) + ")");
    }
    if (config_.mode == "batch") {
      if (flavor_ != Flavor::kOpenAI) {
        return ConfigError("mode",
                           "batch mode uses the OpenAI Batch API, so flavor must be "
                           "openai (it is '" +
                               config_.flavor + "')");
      }
      if (!config_.cache) {
        return ConfigError("cache",
                           "batch mode keeps its job ids and results in the response "
                           "cache; it cannot be turned off in batch mode");
      }
      if (config_.batch_completion_window.empty()) {
        return ConfigError("batch_completion_window", "must not be empty (OpenAI accepts \"24h\")");
      }
    }
    defaults_.model = config_.model;
    defaults_.params.set("temperature", config_.temperature);
    defaults_.params.set("top_p", config_.top_p);
    defaults_.params.set("max_tokens", config_.max_tokens);
    if (config_.seed >= 0) defaults_.params.set("seed", config_.seed);
    if (!config_.stop.empty()) {
      Value stop = Value::MakeArray();
      for (const auto& s : config_.stop) stop.push_back(s);
      defaults_.params.set("stop", std::move(stop));
    }
    if (config_.frequency_penalty != 0) {
      defaults_.params.set("frequency_penalty", config_.frequency_penalty);
    }
    if (config_.presence_penalty != 0) {
      defaults_.params.set("presence_penalty", config_.presence_penalty);
    }
    defaults_.extra_body = config_.extra_body;
    defaults_.json_schema_strict = config_.json_schema_strict;
    endpoint_ = config_.base_url + "/chat/completions";
    return Status::Ok();
  }

  Status Open(Context& ctx) override {
    log_ctx_ = &ctx;
    if (!config_.api_key_env.empty()) {
      auto key = ctx.GetSecret(config_.api_key_env);
      if (key.ok() && !key->empty()) {
        api_key_ = *key;
      } else if (flavor_ == Flavor::kOpenAI) {
        return Status::PermissionDenied(
            "llm/openai needs an API key: set the environment variable " + config_.api_key_env +
            " (named by api_key_env), or set api_key_env to \"\" for a server without keys");
      } else {
        ctx.Info("environment variable " + config_.api_key_env +
                 " is not set; sending requests without an API key");
      }
    }
    if (config_.cache) {
      std::filesystem::path path = config_.cache_path.empty()
                                       ? ctx.cache_dir() / "llm" / "responses.sqlite"
                                       : std::filesystem::path(config_.cache_path);
      auto cache = ResponseCache::Open(path);
      if (!cache.ok()) return cache.status();
      cache_ = std::move(*cache);
    }
    limiter_ =
        std::make_unique<RateLimiter>(config_.requests_per_minute, config_.tokens_per_minute);
    AsyncHttpClient::Options opt;
    opt.max_in_flight = static_cast<size_t>(config_.max_concurrency);
    opt.retry.max_retries = static_cast<int>(config_.max_retries);
    opt.retry.initial_backoff_ms = config_.initial_backoff_ms;
    opt.retry.max_backoff_ms = config_.max_backoff_ms;
    opt.retryable = [](const Result<HttpResponse>& outcome) {
      if (outcome.ok() && !outcome->ok() && IsInsufficientQuota(outcome->body)) return false;
      return IsRetryable(outcome);
    };
    opt.on_retry = [this](const RetryEvent& ev) { OnRetry(ev); };
    opt.admit = [this](const HttpRequest& req) {
      const auto* unit = reinterpret_cast<const Unit*>(req.tag);
      return limiter_->Admit(unit != nullptr ? unit->token_estimate : 0);
    };
    client_ = std::make_unique<AsyncHttpClient>(std::move(opt));
    return Status::Ok();
  }

  std::string model_name() const override { return config_.model; }

  void ChatMany(std::span<const ChatRequest> requests, const Done& done, Context& ctx) override {
    if (!client_) {
      for (size_t i = 0; i < requests.size(); ++i) {
        done(i, LlmError(StatusCode::kInternal, "llm:error",
                         "llm/openai was used before Open() or after Close()"));
      }
      return;
    }
    Call call;
    std::vector<std::unique_ptr<Unit>> units;
    std::vector<std::vector<Unit*>> by_request(requests.size());
    std::vector<std::optional<Status>> build_error(requests.size());

    // Per request: build its bodies, look them up in the cache, and send each
    // miss at once, so the first requests are on the wire while later bodies
    // are still being built.
    size_t misses = 0;
    std::vector<Unit*> batch_misses;  // batch mode: sent as Batch API jobs below
    for (size_t i = 0; i < requests.size(); ++i) {
      int64_t n = RequestedN(requests[i]);
      bool emulate = n > 1 && !SupportsN(flavor_);
      int samples = emulate ? static_cast<int>(std::min<int64_t>(n, 128)) : 1;
      for (int k = 0; k < samples; ++k) {
        auto body = BuildBody(flavor_, defaults_, requests[i], emulate ? k : -1);
        if (!body.ok()) {
          build_error[i] = body.status();
          break;
        }
        auto u = std::make_unique<Unit>();
        u->call = &call;
        u->request = i;
        u->sample = emulate ? k : -1;
        u->body = std::move(*body);
        std::string key_text = config_.base_url + "\n" + u->body;
        if (k > 0) key_text += "\n#sample=" + std::to_string(k);
        u->key = Hash128Of(key_text).ToHex();
        u->token_estimate = static_cast<int64_t>(u->body.size() / 4) + config_.max_tokens;
        by_request[i].push_back(u.get());
        units.push_back(std::move(u));
      }
      if (build_error[i]) continue;
      for (Unit* u : by_request[i]) {
        if (cache_) {
          auto hit = cache_->Get(u->key);
          if (hit.ok() && hit->has_value()) {
            auto parsed = ParseCompletion(**hit);
            if (parsed.ok()) {
              parsed->from_cache = true;
              u->result.emplace(std::move(*parsed));
              call.cache_hits.fetch_add(1);
              continue;
            }
          } else if (!hit.ok()) {
            ReportCacheError(hit.status());
          }
        }
        ++misses;
        if (batch_mode()) {
          batch_misses.push_back(u);
        } else {
          Send(u);
        }
      }
    }

    if (!batch_misses.empty()) RunBatches(batch_misses, call, ctx);

    // Wait, watching for cancellation.
    {
      std::unique_lock<std::mutex> lock(call.mu);
      while (call.outstanding > 0) {
        call.cv.wait_for(lock, std::chrono::milliseconds(100));
        if (ctx.cancelled()) call.cancel.store(true);
      }
    }
    // Responses are parsed here, not on the I/O thread, which only hands them
    // over (its time is on the critical path of every request in flight).
    for (auto& u : units) {
      if (u->outcome) u->result.emplace(ToChatResponse(u.get(), std::move(*u->outcome)));
      u->outcome.reset();
    }

    for (size_t i = 0; i < requests.size(); ++i) {
      if (build_error[i]) {
        call.errors.fetch_add(1);
        done(i, *build_error[i]);
        continue;
      }
      const auto& parts = by_request[i];
      std::optional<Status> failed;
      for (Unit* u : parts) {
        if (!u->result || !u->result->ok()) {
          failed = u->result ? u->result->status()
                             : LlmError(StatusCode::kInternal, "llm:error", "no result");
          break;
        }
      }
      if (failed) {
        call.errors.fetch_add(1);
        done(i, *failed);
        continue;
      }
      if (parts.size() == 1) {
        done(i, std::move(*parts[0]->result));
        continue;
      }
      ChatResponse merged;
      merged.from_cache = true;
      for (Unit* u : parts) {
        ChatResponse& r = u->result->value();
        for (auto& t : r.texts) merged.texts.push_back(std::move(t));
        if (merged.model.empty()) merged.model = r.model;
        if (merged.finish_reason.empty()) merged.finish_reason = r.finish_reason;
        merged.prompt_tokens += r.prompt_tokens;
        merged.completion_tokens += r.completion_tokens;
        merged.from_cache = merged.from_cache && r.from_cache;
      }
      done(i, std::move(merged));
    }

    if (cache_ && misses > 0) {
      // Everything this call received is committed before it returns.
      Status st = cache_->Flush();
      if (!st.ok()) ReportCacheError(st);
    }

    auto count = [&ctx](std::string_view name, int64_t v) {
      if (v != 0) ctx.Count(name, v);
    };
    count("llm.requests", call.requests.load());
    count("llm.cache_hits", call.cache_hits.load());
    count("llm.prompt_tokens", call.prompt_tokens.load());
    count("llm.completion_tokens", call.completion_tokens.load());
    count("llm.retries", call.retries.load());
    count("llm.errors", call.errors.load());
  }

  Status Close(Context& ctx) override {
    client_.reset();
    cache_.reset();
    return Status::Ok();
  }

 private:
  bool batch_mode() const { return config_.mode == "batch"; }

  // Batch mode: the misses (deduplicated by cache key, which is also the
  // custom_id) go out as Batch API jobs of at most batch_max_requests requests
  // and ~190 MB each, run concurrently; every unit gets its result.
  void RunBatches(const std::vector<Unit*>& misses, Call& call, Context& ctx) {
    std::vector<std::vector<BatchItem>> chunks(1);
    std::unordered_map<std::string, std::vector<Unit*>> by_key;
    size_t bytes = 0;
    for (Unit* u : misses) {
      auto& same = by_key[u->key];
      same.push_back(u);
      if (same.size() > 1) continue;
      size_t line = u->body.size() + 160;
      if (chunks.back().size() >= static_cast<size_t>(config_.batch_max_requests) ||
          (bytes + line > kBatchMaxBytes && !chunks.back().empty())) {
        chunks.emplace_back();
        bytes = 0;
      }
      chunks.back().push_back({u->key, u->body});
      bytes += line;
    }
    BatchSettings settings;
    settings.base_url = config_.base_url;
    settings.model = config_.model;
    settings.api_key = api_key_;
    settings.completion_window = config_.batch_completion_window;
    settings.poll_interval_s = config_.batch_poll_interval_s;
    settings.max_wait_s = config_.batch_max_wait_s;
    settings.timeout_ms = config_.timeout_ms;
    settings.connect_timeout_ms = config_.connect_timeout_ms;
    settings.retry.max_retries = static_cast<int>(config_.max_retries);
    settings.retry.initial_backoff_ms = config_.initial_backoff_ms;
    settings.retry.max_backoff_ms = config_.max_backoff_ms;

    std::vector<BatchOutcome> outcomes(chunks.size());
    if (chunks.size() == 1) {
      outcomes[0] = RunBatchJob(settings, chunks[0], *cache_, ctx);
    } else {
      std::vector<std::thread> threads;
      for (size_t c = 0; c < chunks.size(); ++c) {
        threads.emplace_back(
            [&, c] { outcomes[c] = RunBatchJob(settings, chunks[c], *cache_, ctx); });
      }
      for (auto& t : threads) t.join();
    }
    int64_t jobs = 0, resumed = 0, malformed = 0;
    for (size_t c = 0; c < chunks.size(); ++c) {
      BatchOutcome& o = outcomes[c];
      jobs += o.submitted ? 1 : 0;
      resumed += o.resumed ? 1 : 0;
      malformed += o.malformed_lines;
      for (size_t k = 0; k < chunks[c].size(); ++k) {
        Result<ChatResponse>& r = o.results[k];
        if (r.ok()) {
          call.prompt_tokens.fetch_add(r->prompt_tokens);
          call.completion_tokens.fetch_add(r->completion_tokens);
        }
        for (Unit* u : by_key[chunks[c][k].key]) u->result.emplace(r);
      }
      call.requests.fetch_add(static_cast<int64_t>(chunks[c].size()));
    }
    if (jobs > 0) ctx.Count("llm.batch_jobs", jobs);
    if (resumed > 0) ctx.Count("llm.batch_jobs_resumed", resumed);
    if (malformed > 0) ctx.Count("llm.batch_malformed_lines", malformed);
  }

  // Queues one unit on the HTTP client.
  void Send(Unit* u) {
    Call& call = *u->call;
    HttpRequest req;
    req.method = "POST";
    req.url = endpoint_;
    req.headers.Add("Content-Type", "application/json");
    req.headers.Add("Accept", "application/json");
    if (!api_key_.empty()) req.headers.Add("Authorization", "Bearer " + api_key_);
    req.body = u->body;
    req.timeout_ms = config_.timeout_ms;
    req.connect_timeout_ms = config_.connect_timeout_ms;
    req.cancel_flag = &call.cancel;
    req.tag = reinterpret_cast<uint64_t>(u);
    call.requests.fetch_add(1);
    {
      std::lock_guard<std::mutex> lock(call.mu);
      ++call.outstanding;
    }
    client_->Submit(std::move(req),
                    [this, u](Result<HttpResponse> outcome) { Finish(u, std::move(outcome)); });
  }

  // Runs on the I/O thread.
  void Finish(Unit* u, Result<HttpResponse> outcome) {
    Call& call = *u->call;
    // Committed as it arrives (a crash does not lose what was paid for); a
    // body that later fails to parse is a cache entry that parses as a miss.
    if (cache_ && outcome.ok() && outcome->ok()) cache_->Put(u->key, config_.model, outcome->body);
    u->outcome.emplace(std::move(outcome));
    std::lock_guard<std::mutex> lock(call.mu);
    if (--call.outstanding == 0) call.cv.notify_all();
  }

  Result<ChatResponse> ToChatResponse(Unit* u, Result<HttpResponse> outcome) {
    Call& call = *u->call;
    if (!outcome.ok()) {
      const Status& st = outcome.status();
      if (st.code() == StatusCode::kCancelled) {
        return LlmError(StatusCode::kCancelled, "llm:cancelled", st.message());
      }
      bool timeout = st.message().find("imeout") != std::string::npos ||
                     st.message().find("timed out") != std::string::npos;
      return LlmError(st.code(), timeout ? "llm:timeout" : "llm:network", st.message());
    }
    HttpResponse& r = *outcome;
    if (!r.ok()) {
      ErrorInfo info = ParseErrorBody(r.body);
      bool quota = IsInsufficientQuota(r.body);
      std::string reason =
          quota ? "llm:insufficient_quota" : "llm:http_" + std::to_string(r.status);
      std::string msg = "HTTP " + std::to_string(r.status) + " from " + RedactUrl(endpoint_) +
                        " (model " + config_.model + ")";
      if (r.attempts > 1) msg += " after " + std::to_string(r.attempts) + " attempts";
      msg += ": " + info.message;
      if (!info.code.empty() && info.message.find(info.code) == std::string::npos) {
        msg += " [" + info.code + "]";
      }
      StatusCode code = HttpStatusError(r, HttpRequest{}).code();
      if (quota) code = StatusCode::kPermissionDenied;
      return LlmError(code, reason, msg);
    }
    auto parsed = ParseCompletion(r.body);
    if (!parsed.ok()) return parsed.status();
    call.prompt_tokens.fetch_add(parsed->prompt_tokens);
    call.completion_tokens.fetch_add(parsed->completion_tokens);
    return parsed;
  }

  void OnRetry(const RetryEvent& ev) {
    if (const auto* unit = reinterpret_cast<const Unit*>(ev.tag)) unit->call->retries.fetch_add(1);
    if (ev.reason == "HTTP 429") limiter_->PauseFor(ev.delay_ms);
    int64_t now = NowMs();
    std::lock_guard<std::mutex> lock(log_mu_);
    if (log_ctx_ != nullptr && now - last_retry_log_ms_ >= 10'000) {
      last_retry_log_ms_ = now;
      log_ctx_->Warn("retrying a request after " + ev.reason + " in " +
                     std::to_string(ev.delay_ms) + " ms (retry " + std::to_string(ev.retry) +
                     " of " + std::to_string(config_.max_retries) + ")");
    }
  }

  void ReportCacheError(const Status& st) {
    std::lock_guard<std::mutex> lock(log_mu_);
    if (!cache_error_logged_ && log_ctx_ != nullptr) {
      cache_error_logged_ = true;
      log_ctx_->Warn("the LLM response cache failed; continuing without it for this response: " +
                     st.message());
    }
  }

  OpenAIConfig config_;
  Flavor flavor_ = Flavor::kOpenAI;
  WireDefaults defaults_;
  std::string endpoint_;
  std::string api_key_;
  Context* log_ctx_ = nullptr;
  std::unique_ptr<ResponseCache> cache_;
  std::unique_ptr<RateLimiter> limiter_;
  std::unique_ptr<AsyncHttpClient> client_;
  std::mutex log_mu_;
  int64_t last_retry_log_ms_ = -1'000'000;
  bool cache_error_logged_ = false;
};

}  // namespace
}  // namespace winnow::openai

WINNOW_PLUGIN(winnow::PluginKind::kLlm, "openai", "1.0.0",
              "OpenAI-compatible chat completions (OpenAI, vLLM, llama.cpp, Ollama, TGI) with "
              "retries, rate limits and a response cache.",
              winnow::openai::OpenAIConfig, winnow::openai::OpenAIProvider,
              winnow::openai::OpenAISchema)
