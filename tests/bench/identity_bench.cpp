// identity_bench — end-to-end speed of the identity pipeline against a raw simdjson pass.
//
//   identity_bench [--mb N] [--reps R] [--dir DIR] [--out-dir DIR] [--winnow PATH] [--keep]
//                  [--threads LIST]
//
// 1. Generates DIR/identity-<N>mb.jsonl: ~2 KB English-like documents with
//    metadata (tests/fixtures/corpus/bench_corpus.h), unless it exists with
//    the right size (then it is reused; --keep leaves it for the next run).
// 2. Baseline, in this process: reads the file in 4 MB chunks into one reused
//    buffer, iterates every line with simdjson on-demand and extracts "text".
//    A second baseline also copies every line to an output file (4 MB
//    write(2) calls): the floor for any identity pipeline.
// 3. Runs `winnow run identity.yaml` (source/jsonl -> exporter/jsonl) with
//    --threads 1 and --threads 2 (or --threads LIST, e.g. 1,2,4) and checks
//    the output has the input's size.
// Prints MB/s of each, the ratio to the baseline, and CPU time (user+sys of the
// child, from getrusage(RUSAGE_CHILDREN)) so per-core efficiency is visible.
// R repetitions each; the best wall time counts (the figures are noisy on a
// shared machine). --out-dir puts winnow's output elsewhere (e.g. /dev/shm, so
// that disk write-back does not throttle the run). Not run by ctest. See
// docs/performance.md.
#include <fcntl.h>
#include <simdjson.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "bench_corpus.h"

namespace fs = std::filesystem;

namespace {

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double ChildrenCpu() {
  rusage ru{};
  getrusage(RUSAGE_CHILDREN, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
}

double SelfCpu() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
}

struct Timing {
  double wall = 0, cpu = 0;
};

// The baseline: 4 MB chunks into a reused buffer, on-demand parse per line, "text" extracted.
// With `out` set, every parsed line is also copied to a 4 MB output buffer that
// is written to `out` with write(2) whenever it fills: the floor for an
// identity pipeline, which must write what it reads.
Timing RawSimdjson(const fs::path& path, uint64_t* docs, uint64_t* text_bytes,
                   const fs::path& out = {}) {
  constexpr size_t kChunk = 4 << 20;
  double t0 = Now(), c0 = SelfCpu();
  int out_fd = -1;
  std::vector<char> obuf;
  size_t olen = 0;
  auto flush = [&]() {
    if (out_fd >= 0 && olen > 0 &&
        ::write(out_fd, obuf.data(), olen) != static_cast<ssize_t>(olen)) {
      std::perror(out.c_str());
      std::exit(1);
    }
    olen = 0;
  };
  if (!out.empty()) {
    out_fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out_fd < 0) {
      std::perror(out.c_str());
      std::exit(1);
    }
    obuf.resize(kChunk);
  }
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) {
    std::perror(path.c_str());
    std::exit(1);
  }
  std::vector<char> buf(2 * kChunk + simdjson::SIMDJSON_PADDING);
  size_t carry = 0;
  simdjson::ondemand::parser parser;
  *docs = 0;
  *text_bytes = 0;
  while (true) {
    size_t got = std::fread(buf.data() + carry, 1, kChunk, f);
    size_t end = carry + got;
    if (end == 0) break;
    size_t last = end;
    if (got > 0) {
      // Process up to the last newline; carry the partial line.
      while (last > 0 && buf[last - 1] != '\n') --last;
      if (last == 0) {
        std::fprintf(stderr, "line longer than 4 MB\n");
        std::exit(1);
      }
    }
    const char* p = buf.data();
    const char* stop = buf.data() + last;
    const char* cap_end = buf.data() + buf.size();
    while (p < stop) {
      const char* nl = static_cast<const char*>(std::memchr(p, '\n', stop - p));
      if (!nl) nl = stop;
      size_t len = static_cast<size_t>(nl - p);
      if (len > 0) {
        simdjson::ondemand::document doc;
        std::string_view text;
        if (parser.iterate(p, len, static_cast<size_t>(cap_end - p)).get(doc) ==
                simdjson::SUCCESS &&
            doc["text"].get_string().get(text) == simdjson::SUCCESS) {
          *text_bytes += text.size();
          ++*docs;
        }
        if (out_fd >= 0) {
          if (olen + len + 1 > obuf.size()) flush();
          std::memcpy(obuf.data() + olen, p, len + 1);  // the line and its '\n'
          olen += len + 1;
        }
      }
      p = nl + 1;
    }
    if (got == 0) break;
    carry = end - last;
    std::memmove(buf.data(), buf.data() + last, carry);
  }
  std::fclose(f);
  if (out_fd >= 0) {
    flush();
    ::close(out_fd);
  }
  return {Now() - t0, SelfCpu() - c0};
}

Timing RunWinnow(const std::string& winnow, const fs::path& yaml, const fs::path& out_dir,
                 int threads) {
  fs::remove_all(out_dir);
  std::string threads_arg = std::to_string(threads);
  std::string set_arg = "run.output_dir=" + out_dir.string();
  std::string log_path = out_dir.string() + ".log";
  double t0 = Now(), c0 = ChildrenCpu();
  pid_t pid = fork();
  if (pid == 0) {
    // stdout (the summary) to /dev/null, stderr (log lines, errors) to a log file.
    int devnull = ::open("/dev/null", O_WRONLY);
    if (devnull >= 0) dup2(devnull, 1);
    int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (log >= 0) dup2(log, 2);
    execl(winnow.c_str(), winnow.c_str(), "-q", "run", yaml.c_str(), "--threads",
          threads_arg.c_str(), "--set", set_arg.c_str(), static_cast<char*>(nullptr));
    std::perror("exec winnow");
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  Timing t{Now() - t0, ChildrenCpu() - c0};
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::ifstream log(log_path);
    std::fprintf(stderr, "winnow run failed (status %d):\n%s\n", status,
                 std::string(std::istreambuf_iterator<char>(log), {}).c_str());
    std::exit(1);
  }
  return t;
}

void Usage() {
  std::fprintf(stderr,
               "usage: identity_bench [--mb N (1024)] [--reps R (3)] [--dir DIR] [--out-dir DIR]\n"
               "                      [--winnow PATH] [--threads 1,2] [--keep]\n");
}

}  // namespace

int main(int argc, char** argv) {
  long mb = 1024;
  int reps = 3;
  bool keep = false;
  fs::path dir = fs::temp_directory_path() / "winnow-identity-bench";
  fs::path out_root;  // where winnow writes; default: --dir
  std::string winnow = std::string(WINNOW_BENCH_BINARY_DIR) + "/bin/winnow";
  std::vector<int> thread_counts = {1, 2};
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        Usage();
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--mb") {
      mb = std::atol(next().c_str());
    } else if (a == "--reps") {
      reps = std::atoi(next().c_str());
    } else if (a == "--dir") {
      dir = next();
    } else if (a == "--out-dir") {
      out_root = next();
    } else if (a == "--winnow") {
      winnow = next();
    } else if (a == "--keep") {
      keep = true;
    } else if (a == "--threads") {
      thread_counts.clear();
      std::string list = next();
      for (size_t pos = 0; pos < list.size();) {
        size_t comma = list.find(',', pos);
        if (comma == std::string::npos) comma = list.size();
        thread_counts.push_back(std::atoi(list.substr(pos, comma - pos).c_str()));
        pos = comma + 1;
      }
    } else {
      Usage();
      return 2;
    }
  }
  if (mb <= 0 || reps <= 0 || thread_counts.empty()) {
    Usage();
    return 2;
  }
  fs::create_directories(dir);
  fs::path input = dir / ("identity-" + std::to_string(mb) + "mb.jsonl");
  uint64_t want = static_cast<uint64_t>(mb) << 20;
  std::error_code ec;
  uint64_t have = fs::exists(input) ? fs::file_size(input, ec) : 0;
  if (have < want || have > want + (64 << 10)) {
    double t0 = Now();
    winnow::corpus::BenchCorpusGenerator gen(1);
    long long docs = gen.WriteFile(input.string(), want);
    if (docs < 0) {
      std::perror(input.c_str());
      return 1;
    }
    double s = Now() - t0;
    have = fs::file_size(input);
    std::printf("generated %s: %lld documents, %.1f MB in %.2f s (%.0f MB/s)\n", input.c_str(),
                docs, have / 1048576.0, s, have / 1048576.0 / s);
  } else {
    std::printf("reusing %s (%.1f MB)\n", input.c_str(), have / 1048576.0);
  }
  fs::path yaml = dir / "identity.yaml";
  if (out_root.empty()) out_root = dir;
  fs::create_directories(out_root);
  fs::path out_dir = out_root / "identity-bench-out";
  {
    std::ofstream y(yaml);
    y << "# Generated by identity_bench: source/jsonl -> exporter/jsonl.\n"
         "name: identity_bench\n"
         "steps:\n"
         "  - name: read\n"
         "    uses: source/jsonl\n"
         "    with:\n"
         "      paths: ["
      << input.string()
      << "]\n"
         "  - name: write\n"
         "    uses: exporter/jsonl\n"
         "    with:\n"
         "      path: out.jsonl\n";
  }
  const double size_mb = have / 1048576.0;

  // Warm the page cache so every contender reads from memory.
  {
    uint64_t d, t;
    RawSimdjson(input, &d, &t);
  }
  Timing best_raw{1e30, 0};
  uint64_t docs = 0, text_bytes = 0;
  for (int r = 0; r < reps; ++r) {
    Timing t = RawSimdjson(input, &docs, &text_bytes);
    if (t.wall < best_raw.wall) best_raw = t;
  }
  std::printf("\n%-34s %7s %7s %7s %9s %6s %8s %8s\n", "contender (best of reps)", "wall s", "MB/s",
              "cpu s", "MB/cpu-s", "cores", "vs raw", "cpu vs");
  std::printf("%-34s %7s %7s %7s %9s %6s %8s %8s\n", "", "", "", "", "", "", "(wall)", "raw");
  auto row = [&](const std::string& name, const Timing& t) {
    std::printf("%-34s %7.2f %7.0f %7.2f %9.0f %6.2f %7.0f%% %7.0f%%\n", name.c_str(), t.wall,
                size_mb / t.wall, t.cpu, size_mb / t.cpu, t.cpu / t.wall,
                100.0 * best_raw.wall / t.wall, 100.0 * best_raw.cpu / t.cpu);
  };
  row("raw simdjson on-demand (1 thread)", best_raw);
  std::printf("  (%llu documents, %.1f MB of text extracted)\n",
              static_cast<unsigned long long>(docs), text_bytes / 1048576.0);
  {
    fs::create_directories(out_dir);
    Timing best{1e30, 0};
    for (int r = 0; r < reps; ++r) {
      uint64_t d, t;
      Timing x = RawSimdjson(input, &d, &t, out_dir / "raw.jsonl");
      fs::remove(out_dir / "raw.jsonl", ec);
      if (x.wall < best.wall) best = x;
    }
    row("raw parse + write copy (1 thread)", best);
  }
  for (int threads : thread_counts) {
    Timing best{1e30, 0};
    for (int r = 0; r < reps; ++r) {
      Timing t = RunWinnow(winnow, yaml, out_dir, threads);
      uint64_t out_size = fs::file_size(out_dir / "out.jsonl", ec);
      if (ec || out_size != have) {
        std::fprintf(stderr, "identity output has %llu bytes, input %llu\n",
                     static_cast<unsigned long long>(out_size),
                     static_cast<unsigned long long>(have));
        return 1;
      }
      if (t.wall < best.wall) best = t;
    }
    row("winnow identity --threads " + std::to_string(threads), best);
  }
  fs::remove_all(out_dir);
  fs::remove(out_dir.string() + ".log", ec);
  if (!keep) {
    fs::remove(input, ec);
  }
  std::printf(
      "\nMB = 2^20 bytes of JSONL input; cpu s = user+sys; MB/cpu-s = per-core throughput;\n"
      "cores = cpu s / wall s; vs raw = raw wall / wall; cpu vs raw = raw cpu / cpu (robust on\n"
      "a busy machine).\n");
  return 0;
}
