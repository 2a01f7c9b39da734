// HTTP client on libcurl: one curl-multi event loop serves Send, SendWithRetry,
// SendMany and AsyncHttpClient (see winnow/http.h for the contract).
#include "winnow/http.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <ctime>
#include <deque>
#include <mutex>
#include <queue>
#include <random>
#include <thread>
#include <unordered_map>

#include "winnow/plugin.h"

namespace winnow {
namespace {

char Lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = Lower(c);
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() &&
         (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n')) {
    s.remove_prefix(1);
  }
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

std::optional<double> ParseNumber(std::string_view s) {
  s = Trim(s);
  if (s.empty()) return std::nullopt;
  double v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

const std::string& DefaultUserAgent() {
  static const std::string ua = std::string("winnow/") + WINNOW_SDK_VERSION + " libcurl/" +
                                curl_version_info(CURLVERSION_NOW)->version;
  return ua;
}

double RandomUnit() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

// Parses an OpenAI-style duration: "1s", "6m0s", "250ms", "1h2m3.5s", or bare seconds.
std::optional<double> ParseDurationSeconds(std::string_view s) {
  s = Trim(s);
  if (s.empty()) return std::nullopt;
  if (auto plain = ParseNumber(s)) return plain;
  double total = 0;
  size_t i = 0;
  bool any = false;
  while (i < s.size()) {
    size_t j = i;
    while (j < s.size() && ((s[j] >= '0' && s[j] <= '9') || s[j] == '.')) ++j;
    if (j == i) return std::nullopt;
    auto num = ParseNumber(s.substr(i, j - i));
    if (!num) return std::nullopt;
    size_t k = j;
    while (k < s.size() && ((s[k] >= 'a' && s[k] <= 'z') || (s[k] >= 'A' && s[k] <= 'Z'))) ++k;
    std::string unit = ToLower(s.substr(j, k - j));
    double scale;
    if (unit == "ms") {
      scale = 0.001;
    } else if (unit == "s" || unit.empty()) {
      scale = 1;
    } else if (unit == "m") {
      scale = 60;
    } else if (unit == "h") {
      scale = 3600;
    } else {
      return std::nullopt;
    }
    total += *num * scale;
    any = true;
    i = k;
  }
  if (!any) return std::nullopt;
  return total;
}

// The IETF RateLimit field: structured (`"p";r=0;t=30, "q";r=5;t=2`) or the
// older dictionary (`limit=100, remaining=0, reset=30`). Seconds to wait for
// an exhausted policy, or nullopt.
std::optional<double> ParseRateLimitField(std::string_view field) {
  struct Item {
    std::optional<double> r, t, remaining, reset;
  };
  std::vector<Item> items;
  size_t pos = 0;
  while (pos <= field.size()) {
    size_t comma = field.find(',', pos);
    if (comma == std::string_view::npos) comma = field.size();
    std::string_view item = field.substr(pos, comma - pos);
    Item it;
    size_t p = 0;
    while (p <= item.size()) {
      size_t semi = item.find(';', p);
      if (semi == std::string_view::npos) semi = item.size();
      std::string_view param = Trim(item.substr(p, semi - p));
      size_t eq = param.find('=');
      if (eq != std::string_view::npos) {
        std::string key = ToLower(Trim(param.substr(0, eq)));
        auto value = ParseNumber(param.substr(eq + 1));
        if (key == "r") it.r = value;
        if (key == "t") it.t = value;
        if (key == "remaining") it.remaining = value;
        if (key == "reset") it.reset = value;
      }
      p = semi + 1;
    }
    items.push_back(it);
    pos = comma + 1;
  }
  std::optional<double> best;
  bool structured = false;
  for (const auto& it : items) {
    if (!it.t) continue;
    structured = true;
    if (!it.r || *it.r <= 0) best = std::max(best.value_or(0), *it.t);
  }
  if (structured) return best;
  // Old dictionary form: one policy spread over several members.
  std::optional<double> remaining, reset;
  for (const auto& it : items) {
    if (it.remaining) remaining = it.remaining;
    if (it.reset) reset = it.reset;
  }
  if (reset && (!remaining || *remaining <= 0)) return reset;
  return std::nullopt;
}

bool IsSecretQueryName(std::string_view name) {
  std::string n = ToLower(name);
  static const char* const kParts[] = {"token",    "key",    "sig",        "secret",
                                       "password", "passwd", "credential", "auth"};
  for (const char* p : kParts) {
    if (n.find(p) != std::string::npos) return true;
  }
  return n.rfind("x-amz-", 0) == 0;
}

// ---------------------------------------------------------------- one attempt

struct LoopConfig {
  RetryPolicy retry{.max_retries = 0};
  RetryClassifier retryable;
  RetryObserver on_retry;
  AdmitFn admit;
  const std::atomic<bool>* cancel_flag = nullptr;
  std::function<bool()> cancel;
  bool cancelled() const {
    return (cancel_flag != nullptr && cancel_flag->load(std::memory_order_relaxed)) ||
           (cancel && cancel());
  }
};

struct Job;

// The state of one exchange on one easy handle.
struct Transfer {
  Job* job = nullptr;
  const HttpRequest* req = nullptr;
  uint64_t resume_from = 0;
  CURL* easy = nullptr;
  curl_slist* header_list = nullptr;
  char errbuf[CURL_ERROR_SIZE] = {0};
  HttpResponse resp;
  enum class Sink { kUndecided, kBody, kFile, kCallback } sink = Sink::kUndecided;
  int fd = -1;
  uint64_t skip_bytes = 0;  // sink: bytes before resume_from when the server sent 200
  Status local_error;

  ~Transfer() {
    if (fd >= 0) ::close(fd);
    if (header_list != nullptr) curl_slist_free_all(header_list);
  }

  Status OpenFile() {
    const auto& path = req->download_path;
    std::error_code ec;
    if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
    bool append = resp.status == 206 && resume_from > 0;
    int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (append ? 0 : O_TRUNC);
    fd = ::open(path.c_str(), flags, 0644);
    if (fd < 0) {
      return Status::IOError("cannot open download file '" + path.string() +
                             "': " + std::strerror(errno));
    }
    if (append) {
      struct stat st;
      if (::fstat(fd, &st) != 0 || static_cast<uint64_t>(st.st_size) < resume_from) {
        return Status::IOError("cannot resume download into '" + path.string() + "': it holds " +
                               std::to_string(st.st_size) + " bytes, fewer than the " +
                               std::to_string(resume_from) + " the request resumes from");
      }
      if (::ftruncate(fd, static_cast<off_t>(resume_from)) != 0 || ::lseek(fd, 0, SEEK_END) < 0) {
        return Status::IOError("cannot prepare '" + path.string() +
                               "' for resuming: " + std::strerror(errno));
      }
    }
    return Status::Ok();
  }

  void DecideSink() {
    if (resp.status < 200 || resp.status >= 300) {
      sink = Sink::kBody;
    } else if (req->on_body) {
      sink = Sink::kCallback;
      if (resp.status == 200 && resume_from > 0) skip_bytes = resume_from;
    } else if (!req->download_path.empty()) {
      sink = Sink::kFile;
      local_error = OpenFile();
    } else {
      sink = Sink::kBody;
    }
  }

  static size_t OnWrite(char* ptr, size_t size, size_t n, void* userdata) {
    auto* t = static_cast<Transfer*>(userdata);
    size_t len = size * n;
    if (t->sink == Sink::kUndecided) t->DecideSink();
    if (!t->local_error.ok()) return 0;
    t->resp.body_bytes += len;
    std::string_view bytes(ptr, len);
    switch (t->sink) {
      case Sink::kBody:
      case Sink::kUndecided:
        t->resp.body.append(bytes);
        break;
      case Sink::kFile:
        while (!bytes.empty()) {
          ssize_t w = ::write(t->fd, bytes.data(), bytes.size());
          if (w < 0) {
            if (errno == EINTR) continue;
            t->local_error =
                Status::IOError("cannot write download file '" + t->req->download_path.string() +
                                "': " + std::strerror(errno));
            return 0;
          }
          bytes.remove_prefix(static_cast<size_t>(w));
        }
        break;
      case Sink::kCallback: {
        if (t->skip_bytes > 0) {
          size_t skip = static_cast<size_t>(std::min<uint64_t>(t->skip_bytes, bytes.size()));
          bytes.remove_prefix(skip);
          t->skip_bytes -= skip;
        }
        if (!bytes.empty() && !t->req->on_body(bytes)) {
          t->local_error = Status::IOError("the body sink refused the data of " + t->req->method +
                                           " " + RedactUrl(t->req->url));
          return 0;
        }
        break;
      }
    }
    return len;
  }

  static size_t OnHeader(char* ptr, size_t size, size_t n, void* userdata) {
    auto* t = static_cast<Transfer*>(userdata);
    size_t len = size * n;
    std::string_view line = Trim(std::string_view(ptr, len));
    if (line.rfind("HTTP/", 0) == 0) {
      // A new response (a redirect hop, 100-continue or the final one).
      t->resp.headers.clear();
      size_t sp = line.find(' ');
      if (sp != std::string_view::npos) {
        std::string_view code = line.substr(sp + 1, 3);
        int status = 0;
        std::from_chars(code.data(), code.data() + code.size(), status);
        t->resp.status = status;
      }
    } else if (!line.empty()) {
      size_t colon = line.find(':');
      if (colon != std::string_view::npos) {
        t->resp.headers.Add(std::string(Trim(line.substr(0, colon))),
                            std::string(Trim(line.substr(colon + 1))));
      }
    }
    return len;
  }

  // Configures `easy` for the request. Errors are the caller's (bad URL...).
  Status Prepare(CURL* handle) {
    easy = handle;
    const HttpRequest& r = *req;
    if (r.url.empty()) return Status::InvalidArgument("HTTP request without a URL");
    curl_easy_setopt(easy, CURLOPT_URL, r.url.c_str());
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(easy, CURLOPT_PRIVATE, this);
    curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, r.follow_redirects ? 1L : 0L);
    curl_easy_setopt(easy, CURLOPT_MAXREDIRS, static_cast<long>(r.max_redirects));
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS,
                     static_cast<long>(std::max<int64_t>(0, r.timeout_ms)));
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(std::max<int64_t>(0, r.connect_timeout_ms)));
    if (r.idle_timeout_ms > 0) {
      curl_easy_setopt(easy, CURLOPT_LOW_SPEED_LIMIT, 1L);
      curl_easy_setopt(easy, CURLOPT_LOW_SPEED_TIME,
                       static_cast<long>(std::max<int64_t>(1, (r.idle_timeout_ms + 999) / 1000)));
    }
    curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &Transfer::OnWrite);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, this);
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &Transfer::OnHeader);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, this);
    curl_easy_setopt(easy, CURLOPT_USERAGENT,
                     r.user_agent.empty() ? DefaultUserAgent().c_str() : r.user_agent.c_str());
    bool ranged = resume_from > 0;
    if (!ranged && r.download_path.empty() && !r.on_body) {
      curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "");  // gzip, deflate, br if built in
    }

    if (r.method == "GET") {
      curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
    } else if (r.method == "HEAD") {
      curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
    } else if (r.method == "POST") {
      curl_easy_setopt(easy, CURLOPT_POST, 1L);
    } else {
      curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, r.method.c_str());
    }
    if (!r.body.empty() || r.method == "POST" || r.method == "PUT" || r.method == "PATCH") {
      curl_easy_setopt(easy, CURLOPT_POSTFIELDS, r.body.data());
      curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
    }

    for (const auto& [name, value] : r.headers.entries()) {
      std::string line = name;
      line += value.empty() ? ";" : ": " + value;
      header_list = curl_slist_append(header_list, line.c_str());
    }
    if (!r.body.empty() && !r.headers.Has("Expect")) {
      header_list = curl_slist_append(header_list, "Expect:");
    }
    if (ranged) {
      // Set Range ourselves: curl's RESUME_FROM refuses a 200 answer, and we
      // handle that case (rewrite or skip) instead.
      std::string range = "Range: bytes=" + std::to_string(resume_from) + "-";
      header_list = curl_slist_append(header_list, range.c_str());
    }
    if (header_list != nullptr) curl_easy_setopt(easy, CURLOPT_HTTPHEADER, header_list);
    return Status::Ok();
  }

  Status NetworkError(CURLcode code) const {
    std::string msg =
        req->method + " " + RedactUrl(req->url) + " failed: " + curl_easy_strerror(code);
    if (errbuf[0] != '\0') {
      msg += " (";
      msg += errbuf;
      msg += ")";
    }
    switch (code) {
      case CURLE_UNSUPPORTED_PROTOCOL:
      case CURLE_URL_MALFORMAT:
      case CURLE_BAD_FUNCTION_ARGUMENT:
        return Status::InvalidArgument(std::move(msg));
      case CURLE_ABORTED_BY_CALLBACK:
        return Status::Cancelled(std::move(msg));
      case CURLE_WRITE_ERROR:
      case CURLE_TOO_MANY_REDIRECTS:
      case CURLE_OUT_OF_MEMORY:
      case CURLE_PEER_FAILED_VERIFICATION:
      case CURLE_SSL_CERTPROBLEM:
      case CURLE_SSL_CACERT_BADFILE:
        return Status::IOError(std::move(msg));
      case CURLE_LOGIN_DENIED:
        return Status::PermissionDenied(std::move(msg));
      default:
        return Status::Unavailable(std::move(msg));
    }
  }

  Result<HttpResponse> Finish(CURLcode code) {
    if (fd >= 0) {
      int rc = ::close(fd);
      fd = -1;
      if (rc != 0 && local_error.ok()) {
        local_error = Status::IOError("cannot write download file '" + req->download_path.string() +
                                      "': " + std::strerror(errno));
      }
    }
    if (!local_error.ok()) return local_error;
    if (code != CURLE_OK) return NetworkError(code);
    long status = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    resp.status = static_cast<int>(status);
    char* eff = nullptr;
    curl_easy_getinfo(easy, CURLINFO_EFFECTIVE_URL, &eff);
    resp.effective_url = eff != nullptr ? eff : req->url;
    if (sink == Sink::kUndecided) {
      DecideSink();  // an empty body: still create/truncate the download file
      if (fd >= 0) {
        ::close(fd);
        fd = -1;
      }
      if (!local_error.ok()) return local_error;
    }
    return std::move(resp);
  }
};

// A request inside a loop, across its attempts.
struct Job {
  const HttpRequest* req = nullptr;
  std::unique_ptr<HttpRequest> owned;  // AsyncHttpClient keeps its own copy
  const LoopConfig* cfg = nullptr;
  size_t index = 0;
  int attempts = 0;
  uint64_t resume_from = 0;
  int64_t due_ms = 0;
  std::function<void(Job*, Result<HttpResponse>)> done;
  std::unique_ptr<Transfer> transfer;
  bool cancelled() const { return req->cancelled() || cfg->cancelled(); }
};

// A curl multi loop: runs jobs with at most `max_in_flight` transfers at once,
// schedules retries without blocking, honours admission and cancellation.
// Used from one thread at a time.
class Loop {
 public:
  explicit Loop(size_t max_in_flight) : max_in_flight_(std::max<size_t>(1, max_in_flight)) {
    GlobalInit();
    multi_ = curl_multi_init();
    // Event-driven: curl tells us which sockets to watch (epoll) and when its
    // next timeout is, so each wake-up costs O(active sockets), not O(transfers).
    epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
    wake_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = wake_;
    ::epoll_ctl(epoll_, EPOLL_CTL_ADD, wake_, &ev);
    curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &Loop::OnSocket);
    curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
    curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &Loop::OnTimer);
    curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
  }
  ~Loop() {
    // Jobs still here were abandoned by their owner; free handles only.
    for (auto& [job, t] : active_) {
      curl_multi_remove_handle(multi_, t->easy);
      curl_easy_cleanup(t->easy);
      t->easy = nullptr;
    }
    for (CURL* e : free_handles_) curl_easy_cleanup(e);
    curl_multi_cleanup(multi_);
    ::close(wake_);
    ::close(epoll_);
  }

  void Add(Job* job) { ready_.push_back(job); }
  bool idle() const { return ready_.empty() && delayed_.empty() && active_.empty(); }
  size_t size() const { return ready_.size() + delayed_.size() + active_.size(); }
  // Interrupts a wait in Step() (thread-safe).
  void Wakeup() {
    uint64_t one = 1;
    ssize_t w = ::write(wake_, &one, sizeof(one));
    (void)w;
  }

  // Completes every job with `status` (shutdown).
  void FailAll(const Status& status) {
    std::vector<Job*> all;
    for (auto& [job, t] : active_) {
      curl_multi_remove_handle(multi_, t->easy);
      Release(t->easy);
      all.push_back(job);
    }
    active_.clear();
    for (Job* j : ready_) all.push_back(j);
    ready_.clear();
    while (!delayed_.empty()) {
      all.push_back(delayed_.top().second);
      delayed_.pop();
    }
    for (Job* j : all) {
      j->transfer.reset();
      j->done(j, status);
    }
  }

  // One round: start what may start, move bytes, finish what finished, then
  // wait for activity up to `max_wait_ms`.
  void Step(int max_wait_ms) {
    int64_t now = NowMs();
    // Cancellation is polled (at most every 20 ms: thousands of queued jobs
    // must not be scanned on every socket event).
    bool check_cancel = now - last_cancel_check_ms_ >= 20;
    if (check_cancel) {
      last_cancel_check_ms_ = now;
      CancelWaiting();
    }
    while (!delayed_.empty() && delayed_.top().first <= now) {
      ready_.push_front(delayed_.top().second);
      delayed_.pop();
    }
    int64_t admit_wait = -1;
    while (!ready_.empty() && active_.size() < max_in_flight_) {
      Job* job = ready_.front();
      if (job->cfg->admit) {
        int64_t w = job->cfg->admit(*job->req);
        if (w > 0) {
          admit_wait = w;
          break;
        }
      }
      ready_.pop_front();
      Start(job);
    }
    RunTimeoutIfDue();
    bool finished_any = ReadCompletions();
    if (check_cancel) CancelActive();

    // How long to wait for sockets.
    int64_t wait = max_wait_ms;
    bool can_start = !ready_.empty() && active_.size() < max_in_flight_;
    if (can_start && admit_wait < 0) wait = 0;
    if (finished_any) wait = 0;  // let the caller look at what completed
    if (admit_wait >= 0) wait = std::min(wait, admit_wait);
    if (!delayed_.empty())
      wait = std::min(wait, std::max<int64_t>(0, delayed_.top().first - NowMs()));
    if (!idle()) wait = std::min<int64_t>(wait, 100);  // cancellation checks
    if (timer_deadline_ms_ >= 0) {
      wait = std::min(wait, std::max<int64_t>(0, timer_deadline_ms_ - NowMs()));
    }
    // Up to 256 socket events per wake-up (16 was tried: no faster on
    // llm_bench, ~20% more CPU from the extra epoll_wait calls).
    constexpr int kEventsPerWake = 256;
    epoll_event events[kEventsPerWake];
    int n =
        ::epoll_wait(epoll_, events, kEventsPerWake, static_cast<int>(std::max<int64_t>(0, wait)));
    int running = 0;
    for (int i = 0; i < n; ++i) {
      int fd = events[i].data.fd;
      if (fd == wake_) {
        uint64_t count;
        ssize_t r = ::read(wake_, &count, sizeof(count));
        (void)r;
        continue;
      }
      int flags = 0;
      if (events[i].events & EPOLLIN) flags |= CURL_CSELECT_IN;
      if (events[i].events & EPOLLOUT) flags |= CURL_CSELECT_OUT;
      if (events[i].events & (EPOLLERR | EPOLLHUP)) flags |= CURL_CSELECT_ERR;
      curl_multi_socket_action(multi_, fd, flags, &running);
    }
    RunTimeoutIfDue();
    ReadCompletions();
  }

 private:
  static int OnSocket(CURL*, curl_socket_t fd, int what, void* userp, void*) {
    auto* self = static_cast<Loop*>(userp);
    if (what == CURL_POLL_REMOVE) {
      ::epoll_ctl(self->epoll_, EPOLL_CTL_DEL, fd, nullptr);
      return 0;
    }
    epoll_event ev{};
    ev.data.fd = fd;
    if (what & CURL_POLL_IN) ev.events |= EPOLLIN;
    if (what & CURL_POLL_OUT) ev.events |= EPOLLOUT;
    if (::epoll_ctl(self->epoll_, EPOLL_CTL_MOD, fd, &ev) != 0 && errno == ENOENT) {
      ::epoll_ctl(self->epoll_, EPOLL_CTL_ADD, fd, &ev);
    }
    return 0;
  }
  static int OnTimer(CURLM*, long timeout_ms, void* userp) {
    auto* self = static_cast<Loop*>(userp);
    self->timer_deadline_ms_ = timeout_ms < 0 ? -1 : NowMs() + timeout_ms;
    return 0;
  }
  void RunTimeoutIfDue() {
    // curl may set a new timer from inside socket_action; loop while due.
    for (int i = 0; i < 8 && timer_deadline_ms_ >= 0 && timer_deadline_ms_ <= NowMs(); ++i) {
      timer_deadline_ms_ = -1;
      int running = 0;
      curl_multi_socket_action(multi_, CURL_SOCKET_TIMEOUT, 0, &running);
    }
  }
  // Handles finished transfers; true when any finished.
  bool ReadCompletions() {
    bool finished_any = false;
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi_, &left)) {
      if (msg->msg != CURLMSG_DONE) continue;
      Transfer* t = nullptr;
      curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, reinterpret_cast<char**>(&t));
      CURLcode code = msg->data.result;
      curl_multi_remove_handle(multi_, msg->easy_handle);
      Job* job = t->job;
      active_.erase(job);
      Result<HttpResponse> outcome = t->Finish(code);
      Release(t->easy);
      t->easy = nullptr;
      job->transfer.reset();
      EndAttempt(job, std::move(outcome));
      finished_any = true;
    }
    return finished_any;
  }

  CURL* Acquire() {
    if (!free_handles_.empty()) {
      CURL* e = free_handles_.back();
      free_handles_.pop_back();
      curl_easy_reset(e);
      return e;
    }
    return curl_easy_init();
  }
  void Release(CURL* e) {
    if (e == nullptr) return;
    if (free_handles_.size() < 64) {
      free_handles_.push_back(e);
    } else {
      curl_easy_cleanup(e);
    }
  }

  void Start(Job* job) {
    if (job->cancelled()) {
      Complete(job, Status::Cancelled(job->req->method + " " + RedactUrl(job->req->url) +
                                      " was cancelled"));
      return;
    }
    auto t = std::make_unique<Transfer>();
    t->job = job;
    t->req = job->req;
    t->resume_from = job->resume_from;
    CURL* easy = Acquire();
    if (easy == nullptr) {
      Complete(job, Status::Internal("curl_easy_init failed"));
      return;
    }
    Status st = t->Prepare(easy);
    if (!st.ok()) {
      Release(easy);
      Complete(job, std::move(st));
      return;
    }
    CURLMcode mc = curl_multi_add_handle(multi_, easy);
    if (mc != CURLM_OK) {
      Release(easy);
      Complete(job, Status::Internal(std::string("curl_multi_add_handle failed: ") +
                                     curl_multi_strerror(mc)));
      return;
    }
    job->transfer = std::move(t);
    active_.emplace(job, job->transfer.get());
  }

  void EndAttempt(Job* job, Result<HttpResponse> outcome) {
    job->attempts++;
    if (outcome.ok()) outcome->attempts = job->attempts;
    const LoopConfig& cfg = *job->cfg;
    bool retry = job->attempts <= cfg.retry.max_retries && !job->cancelled() &&
                 (cfg.retryable ? cfg.retryable(outcome) : IsRetryable(outcome));
    if (!retry) {
      Complete(job, std::move(outcome));
      return;
    }
    int64_t delay =
        RetryDelayMs(cfg.retry, job->attempts - 1, outcome.ok() ? &outcome->headers : nullptr);
    if (cfg.on_retry) {
      RetryEvent ev;
      ev.index = job->index;
      ev.tag = job->req->tag;
      ev.retry = job->attempts;
      ev.delay_ms = delay;
      ev.reason =
          outcome.ok() ? "HTTP " + std::to_string(outcome->status) : outcome.status().message();
      cfg.on_retry(ev);
    }
    if (!job->req->download_path.empty()) {
      // Resume from what the file holds (Transfer::OpenFile checks it again).
      std::error_code ec;
      auto size = std::filesystem::file_size(job->req->download_path, ec);
      job->resume_from = ec ? job->req->resume_from : static_cast<uint64_t>(size);
    }
    job->due_ms = NowMs() + delay;
    delayed_.emplace(job->due_ms, job);
  }

  void Complete(Job* job, Result<HttpResponse> outcome) { job->done(job, std::move(outcome)); }

  Status CancelledStatus(const Job* job) const {
    return Status::Cancelled(job->req->method + " " + RedactUrl(job->req->url) + " was cancelled");
  }

  void CancelWaiting() {
    for (auto it = ready_.begin(); it != ready_.end();) {
      if ((*it)->cancelled()) {
        Job* j = *it;
        it = ready_.erase(it);
        Complete(j, CancelledStatus(j));
      } else {
        ++it;
      }
    }
    if (delayed_.empty()) return;
    std::vector<std::pair<int64_t, Job*>> keep;
    std::vector<Job*> gone;
    while (!delayed_.empty()) {
      auto top = delayed_.top();
      delayed_.pop();
      if (top.second->cancelled()) {
        gone.push_back(top.second);
      } else {
        keep.push_back(top);
      }
    }
    for (auto& k : keep) delayed_.push(k);
    for (Job* j : gone) Complete(j, CancelledStatus(j));
  }

  void CancelActive() {
    std::vector<Job*> gone;
    for (auto& [job, t] : active_) {
      if (job->cancelled()) gone.push_back(job);
    }
    for (Job* job : gone) {
      Transfer* t = active_[job];
      curl_multi_remove_handle(multi_, t->easy);
      Release(t->easy);
      t->easy = nullptr;
      active_.erase(job);
      job->transfer.reset();
      Complete(job, CancelledStatus(job));
    }
  }

  using Timed = std::pair<int64_t, Job*>;
  struct Later {
    bool operator()(const Timed& a, const Timed& b) const { return a.first > b.first; }
  };

  size_t max_in_flight_;
  CURLM* multi_ = nullptr;
  std::deque<Job*> ready_;
  std::priority_queue<Timed, std::vector<Timed>, Later> delayed_;
  std::unordered_map<Job*, Transfer*> active_;
  std::vector<CURL*> free_handles_;
  int64_t last_cancel_check_ms_ = 0;
  int epoll_ = -1;
  int wake_ = -1;                   // eventfd that interrupts epoll_wait
  int64_t timer_deadline_ms_ = -1;  // curl's next timeout; -1 = none
};

// Runs one request (with the given retry config) on a per-thread loop so
// connections are reused between calls on the same thread.
Result<HttpResponse> RunOne(const HttpRequest& request, const LoopConfig& cfg) {
  thread_local std::unique_ptr<Loop> cached;
  thread_local bool in_use = false;
  std::unique_ptr<Loop> temp;
  Loop* loop;
  if (!in_use) {
    if (!cached) cached = std::make_unique<Loop>(1);
    loop = cached.get();
  } else {
    temp = std::make_unique<Loop>(1);  // re-entered from a callback
    loop = temp.get();
  }
  bool was_in_use = in_use;
  in_use = true;
  std::optional<Result<HttpResponse>> result;
  Job job;
  job.req = &request;
  job.cfg = &cfg;
  job.resume_from = request.resume_from;
  job.done = [&result](Job*, Result<HttpResponse> r) { result.emplace(std::move(r)); };
  loop->Add(&job);
  while (!result) loop->Step(100);
  in_use = was_in_use;
  return std::move(*result);
}

}  // namespace

// ---------------------------------------------------------------- headers

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

void HttpHeaders::Add(std::string name, std::string value) {
  entries_.emplace_back(std::move(name), std::move(value));
}

void HttpHeaders::Set(std::string name, std::string value) {
  Remove(name);
  Add(std::move(name), std::move(value));
}

void HttpHeaders::Remove(std::string_view name) {
  std::erase_if(entries_, [&](const Entry& e) { return EqualsIgnoreCase(e.first, name); });
}

const std::string* HttpHeaders::Find(std::string_view name) const {
  for (const auto& e : entries_) {
    if (EqualsIgnoreCase(e.first, name)) return &e.second;
  }
  return nullptr;
}

std::string HttpHeaders::Get(std::string_view name, std::string_view fallback) const {
  const std::string* v = Find(name);
  return v != nullptr ? *v : std::string(fallback);
}

// ---------------------------------------------------------------- sending

Result<HttpResponse> Send(const HttpRequest& request) {
  static const LoopConfig kNoRetry;
  return RunOne(request, kNoRetry);
}

Result<HttpResponse> SendWithRetry(const HttpRequest& request, const RetryPolicy& policy,
                                   const RetryClassifier& retryable,
                                   const RetryObserver& on_retry) {
  LoopConfig cfg;
  cfg.retry = policy;
  cfg.retryable = retryable;
  cfg.on_retry = on_retry;
  return RunOne(request, cfg);
}

void SendMany(std::span<const HttpRequest> requests, const SendManyOptions& options,
              const HttpCompletion& done) {
  if (requests.empty()) return;
  LoopConfig cfg;
  cfg.retry = options.retry;
  cfg.retryable = options.retryable;
  cfg.on_retry = options.on_retry;
  cfg.admit = options.admit;
  cfg.cancel_flag = options.cancel_flag;
  cfg.cancel = options.cancel;
  Loop loop(options.max_in_flight);
  std::vector<Job> jobs(requests.size());
  size_t remaining = requests.size();
  auto finish = [&](Job* job, Result<HttpResponse> r) {
    --remaining;
    done(job->index, std::move(r));
  };
  for (size_t i = 0; i < requests.size(); ++i) {
    jobs[i].req = &requests[i];
    jobs[i].cfg = &cfg;
    jobs[i].index = i;
    jobs[i].resume_from = requests[i].resume_from;
    jobs[i].done = finish;
    loop.Add(&jobs[i]);
  }
  while (remaining > 0) loop.Step(100);
}

Status HttpStatusError(const HttpResponse& response, const HttpRequest& request) {
  if (response.ok()) return Status::Ok();
  std::string msg = "HTTP " + std::to_string(response.status) + " from " + request.method + " " +
                    RedactUrl(request.url);
  std::string_view body = Trim(response.body);
  if (!body.empty()) {
    std::string snippet(body.substr(0, 300));
    if (body.size() > 300) snippet += "...";
    msg += ": " + snippet;
  }
  int s = response.status;
  if (s == 401 || s == 403) return Status::PermissionDenied(std::move(msg));
  if (s == 404 || s == 410) return Status::NotFound(std::move(msg));
  if (s == 408 || s == 409 || s == 425 || s == 429 || s >= 500) {
    return Status::Unavailable(std::move(msg));
  }
  if (s >= 400) return Status::InvalidArgument(std::move(msg));
  return Status::IOError(std::move(msg));
}

// ---------------------------------------------------------------- retries

bool IsRetryable(const Result<HttpResponse>& outcome) {
  if (!outcome.ok()) return outcome.status().code() == StatusCode::kUnavailable;
  const HttpResponse& r = *outcome;
  if (const std::string* h = r.headers.Find("x-should-retry")) {
    std::string v = ToLower(Trim(*h));
    if (v == "true") return true;
    if (v == "false") return false;
  }
  if (r.ok()) return false;
  return r.status == 408 || r.status == 409 || r.status == 429 || r.status >= 500;
}

std::optional<int64_t> ServerRetryDelayMs(const HttpHeaders& headers, int64_t now_unix_s) {
  auto to_ms = [](double seconds) {
    return static_cast<int64_t>(std::llround(std::max(0.0, seconds) * 1000.0));
  };
  if (const std::string* v = headers.Find("retry-after-ms")) {
    if (auto ms = ParseNumber(*v)) return static_cast<int64_t>(std::llround(std::max(0.0, *ms)));
  }
  if (const std::string* v = headers.Find("retry-after")) {
    if (auto s = ParseNumber(*v)) return to_ms(*s);
    time_t when = curl_getdate(std::string(Trim(*v)).c_str(), nullptr);
    if (when != -1) {
      int64_t now = now_unix_s != 0 ? now_unix_s : static_cast<int64_t>(std::time(nullptr));
      return to_ms(static_cast<double>(when - now));
    }
  }
  if (const std::string* v = headers.Find("ratelimit")) {
    if (auto s = ParseRateLimitField(*v)) return to_ms(*s);
  }
  if (const std::string* v = headers.Find("ratelimit-reset")) {
    if (auto s = ParseNumber(*v)) return to_ms(*s);
  }
  std::optional<double> best;
  for (const char* kind : {"requests", "tokens"}) {
    std::string remaining = headers.Get(std::string("x-ratelimit-remaining-") + kind);
    if (remaining.empty()) continue;
    auto rem = ParseNumber(remaining);
    if (!rem || *rem > 0) continue;
    if (auto s = ParseDurationSeconds(headers.Get(std::string("x-ratelimit-reset-") + kind))) {
      best = std::max(best.value_or(0), *s);
    }
  }
  if (best) return to_ms(*best);
  return std::nullopt;
}

int64_t RetryDelayMs(const RetryPolicy& policy, int retry, const HttpHeaders* headers) {
  if (headers != nullptr) {
    if (auto server = ServerRetryDelayMs(*headers)) {
      return std::min(*server, std::max<int64_t>(0, policy.max_server_delay_ms));
    }
  }
  double base = static_cast<double>(std::max<int64_t>(0, policy.initial_backoff_ms)) *
                std::pow(2.0, std::clamp(retry, 0, 40));
  base = std::min(base, static_cast<double>(std::max<int64_t>(0, policy.max_backoff_ms)));
  double jitter = std::clamp(policy.jitter, 0.0, 1.0);
  double factor = 1.0 - jitter * RandomUnit();
  return static_cast<int64_t>(std::llround(base * factor));
}

// ---------------------------------------------------------------- async client

struct AsyncHttpClient::Impl {
  struct AsyncJob : Job {
    Done user_done;
  };

  LoopConfig cfg;
  size_t max_in_flight = 64;
  std::mutex mu;
  std::condition_variable started;
  std::vector<std::unique_ptr<AsyncJob>> inbox;  // guarded by mu
  Loop* loop = nullptr;                          // guarded by mu; set while Run() runs
  bool stop = false;                             // guarded by mu
  uint64_t next_ticket = 0;                      // guarded by mu
  std::atomic<size_t> pending{0};
  std::thread thread;

  void Run() {
    Loop local(max_in_flight);
    std::unordered_map<Job*, std::unique_ptr<AsyncJob>> owned;
    auto on_done = [this, &owned](Job* job, Result<HttpResponse> r) {
      auto node = owned.extract(job);
      pending.fetch_sub(1);
      Done user = std::move(node.mapped()->user_done);
      node.mapped().reset();  // the request copy is no longer needed
      user(std::move(r));
    };
    {
      std::lock_guard<std::mutex> lock(mu);
      loop = &local;
    }
    started.notify_all();
    bool stopping = false;
    while (true) {
      std::vector<std::unique_ptr<AsyncJob>> incoming;
      {
        std::lock_guard<std::mutex> lock(mu);
        incoming.swap(inbox);
        stopping = stop;
        if (stopping) loop = nullptr;  // later Submits go to the inbox and are failed below
      }
      for (auto& j : incoming) {
        AsyncJob* raw = j.get();
        raw->done = on_done;
        owned.emplace(raw, std::move(j));
        local.Add(raw);
      }
      if (stopping) break;
      local.Step(local.idle() ? 1000 : 100);
    }
    local.FailAll(Status::Cancelled("the HTTP client was shut down before the request finished"));
  }
};

AsyncHttpClient::AsyncHttpClient(Options options) : impl_(std::make_unique<Impl>()) {
  GlobalInit();
  impl_->cfg.retry = options.retry;
  impl_->cfg.retryable = std::move(options.retryable);
  impl_->cfg.on_retry = std::move(options.on_retry);
  impl_->cfg.admit = std::move(options.admit);
  impl_->max_in_flight = options.max_in_flight;
  impl_->thread = std::thread([impl = impl_.get()] { impl->Run(); });
  std::unique_lock<std::mutex> lock(impl_->mu);
  impl_->started.wait(lock, [&] { return impl_->loop != nullptr; });
}

AsyncHttpClient::~AsyncHttpClient() {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->stop = true;
    if (impl_->loop != nullptr) impl_->loop->Wakeup();
  }
  if (impl_->thread.joinable()) impl_->thread.join();
  // Requests submitted while the thread was stopping.
  std::vector<std::unique_ptr<Impl::AsyncJob>> late;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    late.swap(impl_->inbox);
  }
  for (auto& j : late) {
    impl_->pending.fetch_sub(1);
    j->user_done(Status::Cancelled("the HTTP client was shut down before the request started"));
  }
}

uint64_t AsyncHttpClient::Submit(HttpRequest request, Done done) {
  auto job = std::make_unique<Impl::AsyncJob>();
  job->owned = std::make_unique<HttpRequest>(std::move(request));
  job->req = job->owned.get();
  job->cfg = &impl_->cfg;
  job->resume_from = job->req->resume_from;
  job->user_done = std::move(done);
  impl_->pending.fetch_add(1);
  std::lock_guard<std::mutex> lock(impl_->mu);
  uint64_t ticket = impl_->next_ticket++;
  job->index = static_cast<size_t>(ticket);
  impl_->inbox.push_back(std::move(job));
  if (impl_->loop != nullptr) impl_->loop->Wakeup();
  return ticket;
}

size_t AsyncHttpClient::pending() const {
  return impl_->pending.load();
}

// ---------------------------------------------------------------- helpers

std::string RedactUrl(std::string_view url) {
  std::string out;
  out.reserve(url.size());
  size_t scheme_end = url.find("://");
  size_t authority_start = scheme_end == std::string_view::npos ? 0 : scheme_end + 3;
  size_t authority_end = url.find_first_of("/?#", authority_start);
  if (authority_end == std::string_view::npos) authority_end = url.size();
  std::string_view authority = url.substr(authority_start, authority_end - authority_start);
  out.append(url.substr(0, authority_start));
  size_t at = authority.rfind('@');
  out.append(at == std::string_view::npos ? authority : authority.substr(at + 1));
  std::string_view rest = url.substr(authority_end);
  size_t q = rest.find('?');
  if (q == std::string_view::npos) {
    out.append(rest);
    return out;
  }
  out.append(rest.substr(0, q + 1));
  std::string_view query = rest.substr(q + 1);
  std::string_view fragment;
  size_t hash = query.find('#');
  if (hash != std::string_view::npos) {
    fragment = query.substr(hash);
    query = query.substr(0, hash);
  }
  size_t pos = 0;
  bool first = true;
  while (pos <= query.size()) {
    size_t amp = query.find('&', pos);
    if (amp == std::string_view::npos) amp = query.size();
    std::string_view param = query.substr(pos, amp - pos);
    if (!first) out.push_back('&');
    first = false;
    size_t eq = param.find('=');
    std::string_view name = param.substr(0, eq);
    if (eq != std::string_view::npos && IsSecretQueryName(name)) {
      out.append(name);
      out.append("=***");
    } else {
      out.append(param);
    }
    pos = amp + 1;
  }
  out.append(fragment);
  return out;
}

bool IsSecretHeader(std::string_view name) {
  std::string n = ToLower(name);
  if (n == "authorization" || n == "proxy-authorization" || n == "cookie" || n == "set-cookie") {
    return true;
  }
  static const char* const kParts[] = {"token", "key", "secret", "password", "auth", "session"};
  for (const char* p : kParts) {
    if (n.find(p) != std::string::npos) return true;
  }
  return false;
}

std::string RedactedHeaders(const HttpHeaders& headers) {
  std::string out;
  for (const auto& [name, value] : headers.entries()) {
    if (!out.empty()) out.push_back('\n');
    out += name;
    out += ": ";
    out += IsSecretHeader(name) ? std::string("***") : value;
  }
  return out;
}

std::string UrlEncode(std::string_view s) {
  static const char* const kHex = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace winnow
