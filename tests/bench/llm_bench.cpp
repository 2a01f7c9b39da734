// llm_bench — task/generate through llm/openai against a fake server that
// answers every request after a fixed delay, compared with the bound set by
// concurrency and latency: rows / max_concurrency * delay.
//
// The fake server (a small epoll server, below) runs in a forked child process
// (so its CPU is not counted);
// the pipeline runs as `bin/winnow run` (source/jsonl -> task/generate ->
// exporter/jsonl), a separate process whose wall and CPU time are measured.
//
//   llm_bench [--rows 10000] [--concurrency 256] [--delay-ms 100] [--threads 2]
//             [--batch-size 1000] [--no-cache] [--repeat N] [--direct]
//
// --repeat N runs the pipeline N times against the same server (each with a
// cold response cache) and reports every run and the best one.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <string>
#include <unordered_map>
#include <vector>

#include "winnow/http.h"

namespace fs = std::filesystem;

namespace {

// A single-threaded epoll HTTP/1.1 server that answers every POST with a fixed
// chat completion exactly `delay_ms` after the request arrived, any number of
// requests at once, keeping connections alive. (cpp-httplib's
// thread-per-connection server needs 256 threads for this and, on a busy
// 2-core machine, its scheduling delays dominate the measurement.)
// What the server saw, shared with the parent process (mmap).
struct ServerStats {
  long first_request_ms = 0;  // steady clock
  long last_response_ms = 0;
  long requests = 0;
  long peak_in_flight = 0;
  // Client turnaround: from the server writing a response on a connection to
  // the next request arriving on it (the client's per-request overhead plus
  // the loopback and scheduling delay, paid once per round of each slot).
  long turnaround_us_total = 0;
  long turnarounds = 0;
  long turnaround_us_max = 0;
  // Server lateness: how long after its due time (arrival + delay) each
  // answer was written (the server's own share of the per-round loss).
  long late_us_total = 0;
  long late_us_max = 0;
};

class DelayServer {
 public:
  DelayServer(long delay_ms, ServerStats* stats) : delay_ms_(delay_ms), stats_(stats) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        ::listen(listen_fd_, 4096) != 0) {
      std::perror("bind/listen");
      _exit(1);
    }
    socklen_t len = sizeof(addr);
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
    Watch(listen_fd_);
  }
  int port() const { return port_; }

  void Serve() {
    std::vector<epoll_event> events(512);
    while (true) {
      // Microsecond timeouts (epoll_wait's milliseconds would answer up to
      // 1 ms late or early).
      timespec ts{};
      timespec* timeout = nullptr;
      if (!due_.empty()) {
        long wait_us = std::max<long>(0, due_.front().at_us - NowUs());
        ts.tv_sec = wait_us / 1000000;
        ts.tv_nsec = (wait_us % 1000000) * 1000;
        timeout = &ts;
      }
      int n =
          ::epoll_pwait2(epoll_, events.data(), static_cast<int>(events.size()), timeout, nullptr);
      for (int i = 0; i < n; ++i) {
        int fd = events[i].data.fd;
        if (fd == listen_fd_) {
          while (true) {
            int c = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (c < 0) break;
            int one = 1;
            ::setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
            conns_[c] = Conn{};
            conns_[c].generation = ++generation_;
            Watch(c);
          }
          continue;
        }
        Read(fd);
      }
      while (!due_.empty() && due_.front().at_us <= NowUs()) {
        Due d = due_.front();
        due_.pop_front();
        auto it = conns_.find(d.fd);
        if (it == conns_.end() || it->second.generation != d.generation) continue;
        long late = NowUs() - d.at_us;
        stats_->late_us_total += late;
        stats_->late_us_max = std::max(stats_->late_us_max, late);
        Respond(d.fd);
        stats_->last_response_ms = NowMs();
        if (auto c = conns_.find(d.fd); c != conns_.end()) c->second.responded_us = NowUs();
      }
    }
  }

 private:
  struct Conn {
    std::string in;
    uint64_t generation = 0;
    long responded_us = 0;  // when the last response was written; 0 = none yet
  };
  struct Due {
    long at_us;
    int fd;
    uint64_t generation;
  };
  static long NowUs() {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
  static long NowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
  void Watch(int fd) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    ::epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev);
  }
  void Close(int fd) {
    ::epoll_ctl(epoll_, EPOLL_CTL_DEL, fd, nullptr);
    ::close(fd);
    conns_.erase(fd);
  }
  void Read(int fd) {
    auto it = conns_.find(fd);
    if (it == conns_.end()) return;
    char buf[65536];
    while (true) {
      ssize_t r = ::read(fd, buf, sizeof(buf));
      if (r > 0) {
        it->second.in.append(buf, static_cast<size_t>(r));
        continue;
      }
      if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
        Close(fd);
        return;
      }
      break;
    }
    // Complete requests: headers, then Content-Length bytes of body.
    std::string& in = it->second.in;
    while (true) {
      size_t end = in.find("\r\n\r\n");
      if (end == std::string::npos) break;
      size_t length = 0;
      std::string head = in.substr(0, end);
      for (char& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      size_t cl = head.find("content-length:");
      if (cl != std::string::npos) length = std::strtoul(head.c_str() + cl + 15, nullptr, 10);
      if (in.size() < end + 4 + length) break;
      in.erase(0, end + 4 + length);
      long now = NowMs();
      if (it->second.responded_us > 0) {
        long t = NowUs() - it->second.responded_us;
        it->second.responded_us = 0;
        stats_->turnaround_us_total += t;
        ++stats_->turnarounds;
        stats_->turnaround_us_max = std::max(stats_->turnaround_us_max, t);
      }
      if (stats_->requests == 0) stats_->first_request_ms = now;
      ++stats_->requests;
      due_.push_back({NowUs() + delay_ms_ * 1000, fd, it->second.generation});
      stats_->peak_in_flight =
          std::max<long>(stats_->peak_in_flight, static_cast<long>(due_.size()));
    }
  }
  void Respond(int fd) {
    static const std::string body =
        R"({"id":"chatcmpl-bench","object":"chat.completion","model":"bench-model",)"
        R"("choices":[{"index":0,"message":{"role":"assistant","content":)"
        R"("An old pond, a frog jumps in: the sound of water."},"finish_reason":"stop"}],)"
        R"("usage":{"prompt_tokens":24,"completion_tokens":14,"total_tokens":38}})";
    static const std::string out =
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
        std::to_string(body.size()) + "\r\n\r\n" + body;
    size_t off = 0;
    while (off < out.size()) {
      ssize_t w = ::write(fd, out.data() + off, out.size() - off);
      if (w > 0) {
        off += static_cast<size_t>(w);
      } else if (errno == EAGAIN) {
        pollfd p{fd, POLLOUT, 0};
        ::poll(&p, 1, 1000);
      } else {
        Close(fd);
        return;
      }
    }
  }

  long delay_ms_;
  ServerStats* stats_;
  int listen_fd_ = -1, epoll_ = -1, port_ = 0;
  uint64_t generation_ = 0;
  std::unordered_map<int, Conn> conns_;
  std::deque<Due> due_;
};

// "1.23 0.98 0.75" from /proc/loadavg.
std::string LoadAverage() {
  std::ifstream f("/proc/loadavg");
  std::string a, b, c;
  f >> a >> b >> c;
  return a + " " + b + " " + c;
}

double Seconds(const timeval& tv) {
  return static_cast<double>(tv.tv_sec) + tv.tv_usec / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  long rows = 10000, concurrency = 256, delay_ms = 100, threads = 2, batch_size = 1000, repeat = 1;
  bool cache = true;
  bool direct = false;  // SendMany in this process instead of `winnow run`
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> long { return i + 1 < argc ? std::atol(argv[++i]) : 0; };
    if (a == "--rows") {
      rows = next();
    } else if (a == "--concurrency") {
      concurrency = next();
    } else if (a == "--delay-ms") {
      delay_ms = next();
    } else if (a == "--threads") {
      threads = next();
    } else if (a == "--batch-size") {
      batch_size = next();
    } else if (a == "--repeat") {
      repeat = std::max(1L, next());
    } else if (a == "--no-cache") {
      cache = false;
    } else if (a == "--direct") {
      direct = true;
    } else {
      std::fprintf(stderr, "unknown argument %s\n", a.c_str());
      return 2;
    }
  }

  // The fake server, in a child process.
  auto* stats = static_cast<ServerStats*>(::mmap(
      nullptr, sizeof(ServerStats), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
  *stats = ServerStats{};
  int fds[2];
  if (::pipe(fds) != 0) return 1;
  std::fflush(stdout);
  pid_t server = ::fork();
  if (server == 0) {
    ::close(fds[0]);
    DelayServer fake(delay_ms, stats);
    int port = fake.port();
    if (::write(fds[1], &port, sizeof(port)) != sizeof(port)) _exit(1);
    ::close(fds[1]);
    fake.Serve();  // until killed
    _exit(0);
  }
  ::close(fds[1]);
  int port = 0;
  if (::read(fds[0], &port, sizeof(port)) != sizeof(port)) {
    std::fprintf(stderr, "the fake server did not start\n");
    return 1;
  }
  ::close(fds[0]);

  if (direct) {
    std::vector<winnow::HttpRequest> reqs(static_cast<size_t>(rows));
    for (long i = 0; i < rows; ++i) {
      auto& r = reqs[static_cast<size_t>(i)];
      r.method = "POST";
      r.url = "http://127.0.0.1:" + std::to_string(port) + "/v1/chat/completions";
      r.headers.Add("Content-Type", "application/json");
      r.body = R"({"model":"m","messages":[{"role":"user","content":"row )" + std::to_string(i) +
               R"("}]})";
    }
    winnow::SendManyOptions opt;
    opt.max_in_flight = static_cast<size_t>(concurrency);
    long ok = 0;
    rusage before{}, after{};
    ::getrusage(RUSAGE_SELF, &before);
    auto t0 = std::chrono::steady_clock::now();
    winnow::SendMany(reqs, opt, [&](size_t, winnow::Result<winnow::HttpResponse> r) {
      if (r.ok() && r->status == 200) ++ok;
    });
    double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    ::getrusage(RUSAGE_SELF, &after);
    ::kill(server, SIGKILL);
    ::waitpid(server, nullptr, 0);
    double bound = static_cast<double>(rows) / static_cast<double>(concurrency) *
                   (static_cast<double>(delay_ms) / 1000.0);
    double cpu = Seconds(after.ru_utime) - Seconds(before.ru_utime) + Seconds(after.ru_stime) -
                 Seconds(before.ru_stime);
    std::printf(
        "SendMany direct: %ld/%ld ok in %.3f s; bound %.3f s; efficiency %.1f %%; "
        "CPU %.3f s (%.1f us per request)\n",
        ok, rows, wall, bound, 100.0 * bound / wall, cpu, 1e6 * cpu / rows);
    std::printf("  server lateness mean %.2f ms, max %.1f ms\n",
                stats->requests > 0
                    ? static_cast<double>(stats->late_us_total) / stats->requests / 1000.0
                    : 0.0,
                stats->late_us_max / 1000.0);
    std::printf("  client turnaround mean %.2f ms, max %.1f ms\n",
                stats->turnarounds > 0
                    ? static_cast<double>(stats->turnaround_us_total) / stats->turnarounds / 1000.0
                    : 0.0,
                stats->turnaround_us_max / 1000.0);
    return ok == rows ? 0 : 1;
  }

  fs::path dir = fs::temp_directory_path() / ("winnow_llm_bench_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  {
    std::ofstream in(dir / "in.jsonl");
    for (long i = 0; i < rows; ++i) {
      in << R"({"id":)" << i << R"(,"instruction":"Write a haiku about the number )" << i
         << R"(."})" << '\n';
    }
  }
  {
    std::ofstream y(dir / "bench.yaml");
    y << "name: llm_bench\n"
      << "run: {threads: " << threads << ", batch_size: " << batch_size
      << ", output_dir: " << (dir / "out").string() << "}\n"
      << "llms:\n  fake:\n    uses: llm/openai\n    with:\n"
      << "      base_url: http://127.0.0.1:" << port << "/v1\n"
      << "      model: bench-model\n      flavor: vllm\n"
      << "      max_concurrency: " << concurrency << "\n"
      << "      timeout_ms: 60000\n"
      << "      cache: " << (cache ? "true" : "false") << "\n"
      << "steps:\n"
      << "  - {name: read, uses: source/jsonl, with: {paths: " << (dir / "in.jsonl").string()
      << "}}\n"
      << "  - {name: gen, uses: task/generate, with: {llm: fake}}\n"
      << "  - {name: write, uses: exporter/jsonl, with: {path: " << (dir / "out.jsonl").string()
      << "}}\n";
  }

  std::string winnow = std::string(WINNOW_BENCH_BINARY_DIR) + "/bin/winnow";
  // LLM_BENCH_PLUGIN_DIR compares another build of the plugins (A/B runs).
  const char* plugin_dir = std::getenv("LLM_BENCH_PLUGIN_DIR");
  std::string plugins = plugin_dir != nullptr
                            ? std::string(plugin_dir)
                            : std::string(WINNOW_BENCH_BINARY_DIR) + "/lib/winnow/plugins";
  double bound = static_cast<double>(rows) / static_cast<double>(concurrency) *
                 (static_cast<double>(delay_ms) / 1000.0);
  // Requests are indivisible: some slot serves ceil(rows / concurrency) of
  // them one after the other, so no client can finish before this.
  double round_bound = static_cast<double>((rows + concurrency - 1) / concurrency) *
                       (static_cast<double>(delay_ms) / 1000.0);
  std::printf(
      "llm_bench: %ld rows, max_concurrency %ld, server delay %ld ms, %ld engine threads, "
      "batch %ld, cache %s; load average before: %s\n",
      rows, concurrency, delay_ms, threads, batch_size, cache ? "on" : "off",
      LoadAverage().c_str());
  std::printf("  bound (rows/conc*delay) %.3f s  (%.0f rows/s)\n", bound, rows / bound);
  std::printf("  round bound (ceil(rows/conc)*delay) %.3f s\n", round_bound);

  struct RunResult {
    double wall = 0, cpu_user = 0, cpu_sys = 0, span = 0, start_to_first = 0, last_to_exit = 0,
           turnaround_ms = 0, turnaround_max_ms = 0, late_ms = 0, late_max_ms = 0;
    long out_rows = 0, requests = 0, peak = 0;
  };
  RunResult best;
  int failures = 0;
  for (long rep = 0; rep < repeat; ++rep) {
    *stats = ServerStats{};
    fs::path cache_dir = dir / ("cache-" + std::to_string(rep));  // every run starts cold
    fs::remove(dir / "out.jsonl");
    std::fflush(stdout);  // the child must not inherit buffered output
    auto start = std::chrono::steady_clock::now();
    pid_t run = ::fork();
    if (run == 0) {
      ::setenv("WINNOW_PLUGIN_PATH", plugins.c_str(), 1);
      ::setenv("WINNOW_CACHE_DIR", cache_dir.c_str(), 1);
      std::string log = (dir / "run.log").string();
      std::freopen(log.c_str(), "w", stdout);
      std::freopen(log.c_str(), "a", stderr);
      std::string yaml = (dir / "bench.yaml").string();
      ::execl(winnow.c_str(), winnow.c_str(), "--quiet", "run", yaml.c_str(), "--no-cache",
              static_cast<char*>(nullptr));
      _exit(127);
    }
    int status = 0;
    rusage usage{};
    ::wait4(run, &status, 0, &usage);
    auto end = std::chrono::steady_clock::now();
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      std::fprintf(stderr, "winnow run failed (status %d); log:\n", status);
      std::ifstream log(dir / "run.log");
      std::string line;
      while (std::getline(log, line)) std::fprintf(stderr, "  %s\n", line.c_str());
      ++failures;
      break;
    }
    auto ms = [](std::chrono::steady_clock::time_point t) {
      return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
    };
    RunResult r;
    r.wall = std::chrono::duration<double>(end - start).count();
    r.cpu_user = Seconds(usage.ru_utime);
    r.cpu_sys = Seconds(usage.ru_stime);
    r.span = (stats->last_response_ms - stats->first_request_ms) / 1000.0;
    r.start_to_first = (stats->first_request_ms - ms(start)) / 1000.0;
    r.last_to_exit = (ms(end) - stats->last_response_ms) / 1000.0;
    r.turnaround_ms = stats->turnarounds > 0 ? static_cast<double>(stats->turnaround_us_total) /
                                                   stats->turnarounds / 1000.0
                                             : 0.0;
    r.turnaround_max_ms = stats->turnaround_us_max / 1000.0;
    r.late_ms = stats->requests > 0
                    ? static_cast<double>(stats->late_us_total) / stats->requests / 1000.0
                    : 0.0;
    r.late_max_ms = stats->late_us_max / 1000.0;
    r.requests = stats->requests;
    r.peak = stats->peak_in_flight;
    {
      std::ifstream out(dir / "out.jsonl");
      std::string line;
      while (std::getline(out, line)) ++r.out_rows;
    }
    if (r.out_rows != rows) ++failures;
    std::printf(
        "  run %ld: wall %.3f s = %.1f %% of the bound (%.1f %% of the round bound); "
        "CPU %.3f s; turnaround %.2f ms; server late %.2f ms\n",
        rep + 1, r.wall, 100.0 * bound / r.wall, 100.0 * round_bound / r.wall,
        r.cpu_user + r.cpu_sys, r.turnaround_ms, r.late_ms);
    if (rep == 0 || r.wall < best.wall) best = r;
  }
  ::kill(server, SIGKILL);
  ::waitpid(server, nullptr, 0);
  fs::remove_all(dir);
  if (failures > 0 || best.wall <= 0) return 1;

  std::printf("best of %ld run(s); load average after: %s\n", repeat, LoadAverage().c_str());
  std::printf("  rows written            %ld\n", best.out_rows);
  std::printf("  achieved (wall)         %.3f s  (%.0f rows/s)\n", best.wall, rows / best.wall);
  std::printf("  efficiency              %.1f %% of the bound, %.1f %% of the round bound\n",
              100.0 * bound / best.wall, 100.0 * round_bound / best.wall);
  std::printf(
      "  server: %ld requests, peak %ld in flight; first request to last answer %.3f s "
      "(%.1f %% of the round bound)\n",
      best.requests, best.peak, best.span, 100.0 * round_bound / best.span);
  std::printf("  process start to first request %.3f s; last answer to process exit %.3f s\n",
              best.start_to_first, best.last_to_exit);
  std::printf(
      "  client turnaround       mean %.2f ms, max %.1f ms (response sent to next request "
      "on that connection)\n",
      best.turnaround_ms, best.turnaround_max_ms);
  std::printf(
      "  server lateness         mean %.2f ms, max %.1f ms (answer written after arrival + "
      "delay)\n",
      best.late_ms, best.late_max_ms);
  std::printf(
      "  CPU of winnow run       %.3f s user + %.3f s sys = %.1f %% of one core, "
      "%.1f us per row\n",
      best.cpu_user, best.cpu_sys, 100.0 * (best.cpu_user + best.cpu_sys) / best.wall,
      1e6 * (best.cpu_user + best.cpu_sys) / static_cast<double>(rows));
  return 0;
}
