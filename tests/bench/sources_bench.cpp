// sources_bench — speed of source/csv, source/documents and source/feedback (SQLite)
// next to baselines measured in the same run.
//
//   sources_bench [--rows N] [--reps R] [--dir DIR] [--no-python] [--only csv|documents|feedback]
//
// Each plugin is loaded through the real registry and driven on this thread
// (Open, Read, Decode, Close; batches of 1000), so the figures are per core.
// Times are thread CPU seconds (CLOCK_THREAD_CPUTIME_ID), best of R runs, which
// keeps them meaningful on a shared, loaded machine; wall time is printed too.
//
// 1. CSV: N rows (~250 bytes: integers, decimals, text with commas, doubled
//    quotes and, every 10th row, an embedded line break). Baselines: reading
//    the file through winnow::InputStream and counting LFs (the I/O + memchr
//    ceiling), and Python's csv.DictReader + json.dumps per row (what
//    datatrove's CsvReader does; skipped without python3). Then source/csv as
//    strings, with infer_types, from .gz, and rank 3 of 4 with 16 MB parts
//    (the rank that skips the most).
// 2. Documents: the 770 Hugging Face dataset cards (../shared/data), read R
//    times. Baseline: open/read/close of every file plus a yaml-cpp parse of its
//    front matter into a YAML::Node (no conversion, no JSON).
// 3. Feedback: a SQLite table of N rows (id, prompt, response, rating).
//    Baseline: a bare sqlite3_step loop reading every column's text. Then
//    source/feedback with preset none and thumbs_kto.
// Not run by ctest. See docs/performance.md, "Sources".
#include <sqlite3.h>
#include <time.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "registry/registry.h"
#include "winnow/comm.h"
#include "winnow/context.h"
#include "winnow/io.h"
#include "winnow/source.h"

namespace fs = std::filesystem;
using namespace winnow;

namespace {

double ThreadCpu() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}
double Wall() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

struct Timing {
  double cpu = 1e100, wall = 1e100;
  uint64_t rows = 0;
};

template <class F>
Timing Best(int reps, F&& f) {
  Timing best;
  for (int r = 0; r < reps; ++r) {
    double c0 = ThreadCpu(), w0 = Wall();
    uint64_t rows = f();
    double c = ThreadCpu() - c0, w = Wall() - w0;
    if (c < best.cpu) {
      best.cpu = c;
      best.wall = w;
      best.rows = rows;
    }
  }
  return best;
}

class BenchContext final : public Context {
 public:
  BenchContext(int rank, int world) : rank_(rank), world_(world), dir_(fs::temp_directory_path()) {}
  const std::string& step_name() const override { return name_; }
  void Log(LogLevel level, std::string_view m) override {
    if (level >= LogLevel::kWarning)
      std::fprintf(stderr, "  [plugin] %.*s\n", int(m.size()), m.data());
  }
  void Count(std::string_view, int64_t) override {}
  bool cancelled() const override { return false; }
  int rank() const override { return rank_; }
  int world() const override { return world_; }
  const fs::path& output_dir() const override { return dir_; }
  const fs::path& temp_dir() const override { return dir_; }
  const fs::path& cache_dir() const override { return dir_; }
  Result<std::string> GetSecret(std::string_view) override { return Status::NotFound("none"); }
  Result<LlmProvider*> GetLlm(std::string_view) override { return Status::NotFound("none"); }
  Communicator& comm() override { return comm_; }
  void ReportProgress(uint64_t, uint64_t) override {}

 private:
  std::string name_ = "bench";
  int rank_, world_;
  fs::path dir_;
  LocalCommunicator comm_;
};

core::Registry& TheRegistry() {
  static core::Registry r;
  static bool discovered = false;
  if (!discovered) {
    std::vector<fs::path> dirs = core::Registry::DefaultSearchPath({});
#ifdef WINNOW_BENCH_BINARY_DIR
    dirs.push_back(fs::path(WINNOW_BENCH_BINARY_DIR) / "lib" / "winnow" / "plugins");
#endif
    r.Discover(dirs);
    discovered = true;
  }
  return r;
}

// Runs source NAME with CONFIG to the end; returns rows (rejects not counted), -1 on error.
uint64_t RunSource(const std::string& name, const std::string& config_json, int rank = 0,
                   int world = 1, uint64_t* rejects = nullptr) {
  auto loaded = TheRegistry().Load("source", name);
  if (!loaded.ok()) {
    std::fprintf(stderr, "cannot load source/%s: %s\n", name.c_str(),
                 loaded.status().ToString().c_str());
    std::exit(1);
  }
  auto config = Value::Parse(config_json);
  auto created = loaded->descriptor->create(*config);
  if (!created.ok()) {
    std::fprintf(stderr, "source/%s: %s\n", name.c_str(), created.status().ToString().c_str());
    std::exit(1);
  }
  auto* source = dynamic_cast<Source*>(created->get());
  BenchContext ctx(rank, world);
  Status st = source->Open(ctx);
  if (!st.ok()) {
    std::fprintf(stderr, "source/%s Open: %s\n", name.c_str(), st.ToString().c_str());
    std::exit(1);
  }
  uint64_t rows = 0, rej = 0;
  for (uint64_t seq = 0;; ++seq) {
    Batch b;
    b.seq = seq;
    auto more = source->Read(b, 1000, ctx);
    if (!more.ok()) {
      std::fprintf(stderr, "source/%s Read: %s\n", name.c_str(), more.status().ToString().c_str());
      std::exit(1);
    }
    st = source->Decode(b, ctx);
    b.Compact();
    rows += b.rows.size();
    rej += b.rejects.size();
    if (!*more) break;
  }
  source->Close(ctx).IgnoreError();
  if (rejects) *rejects = rej;
  return rows;
}

std::string Quote(const std::string& s) {
  return Value(s).ToJson();
}

void Print(const char* what, const Timing& t, double mb, const Timing* base) {
  double mbps = mb / t.cpu;
  std::printf("  %-52s %9.1f MB/s %10.0f rows/s  (wall %.2fs)", what, mbps, t.rows / t.cpu, t.wall);
  if (base) std::printf("  x%.2f", (mb / t.cpu) / (mb / base->cpu));
  std::printf("\n");
}

std::string Words(std::mt19937_64& rng, int n) {
  static const char* kWords[] = {"data",   "model", "the", "curation", "a",   "token", "quality",
                                 "filter", "of",    "and", "winnow",   "csv", "row",   "field"};
  std::string s;
  for (int i = 0; i < n; ++i) {
    if (i) s += ' ';
    s += kWords[rng() % 14];
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t rows = 300000;
  int reps = 3;
  bool python = true;
  std::string only;
  fs::path dir = fs::temp_directory_path() / "winnow-sources-bench";
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--rows" && i + 1 < argc)
      rows = std::stoull(argv[++i]);
    else if (a == "--reps" && i + 1 < argc)
      reps = std::stoi(argv[++i]);
    else if (a == "--dir" && i + 1 < argc)
      dir = argv[++i];
    else if (a == "--no-python")
      python = false;
    else if (a == "--only" && i + 1 < argc)
      only = argv[++i];
    else {
      std::fprintf(stderr,
                   "usage: sources_bench [--rows N] [--reps R] [--dir DIR] [--no-python] "
                   "[--only csv|documents|feedback]\n");
      return 2;
    }
  }
  fs::create_directories(dir);

  auto want = [&](const char* part) { return only.empty() || only == part; };

  Timing t;
  if (want("csv")) {
    // ---- CSV ----
    fs::path csv = dir / "bench.csv";
    {
      std::mt19937_64 rng(42);
      std::string body = "id,score,ratio,title,text\n";
      for (uint64_t i = 0; i < rows; ++i) {
        body += std::to_string(i) + "," + std::to_string(rng() % 1000) + "," +
                std::to_string((rng() % 10000) / 100.0) + ",\"" + Words(rng, 4) + ", \"\"" +
                Words(rng, 1) + "\"\"\",\"" + Words(rng, 25) +
                (i % 10 == 0 ? "\nsecond line" : "") + ", " + Words(rng, 5) + "\"\n";
      }
      WriteFileAtomic(csv, body).IgnoreError();
      auto gz = AtomicFile::Create(dir / "bench.csv.gz");
      (*gz)->Write(body).IgnoreError();
      (*gz)->Commit().IgnoreError();
    }
    double csv_mb = static_cast<double>(fs::file_size(csv)) / 1e6;
    std::printf("CSV: %llu rows, %.1f MB (%s)\n", static_cast<unsigned long long>(rows), csv_mb,
                csv.c_str());
    Timing raw = Best(reps, [&] {
      auto in = InputStream::Open(csv);
      std::string buf;
      uint64_t lines = 0;
      while (true) {
        buf.clear();
        auto got = (*in)->Read(buf, 4 << 20);
        if (!got.ok() || *got == 0) break;
        for (const char* p = buf.data();
             (p = static_cast<const char*>(std::memchr(p, '\n', buf.data() + buf.size() - p)));
             ++p) {
          ++lines;
        }
      }
      return lines;
    });
    Print("baseline: InputStream read + count LF", raw, csv_mb, nullptr);
    if (python && std::system("python3 -c 'import csv, json' 2>/dev/null") == 0) {
      std::string cmd =
          "python3 -c \"import csv,json,sys,time\nt=time.process_time();n=0\n"
          "for r in csv.DictReader(open(sys.argv[1],newline='',encoding='utf-8')):\n"
          "  json.dumps(r);n+=1\nprint(n, time.process_time()-t)\" '" +
          csv.string() + "'";
      Timing py;
      for (int r = 0; r < reps; ++r) {
        FILE* p = popen(cmd.c_str(), "r");
        unsigned long long n = 0;
        double secs = 0;
        if (p && std::fscanf(p, "%llu %lf", &n, &secs) == 2 && secs < py.cpu) {
          py.cpu = secs;
          py.wall = secs;
          py.rows = n;
        }
        if (p) pclose(p);
      }
      Print("baseline: Python csv.DictReader + json.dumps", py, csv_mb, &raw);
    }
    std::string cfg = "{\"paths\":[" + Quote(csv.string()) + "]";
    t = Best(reps, [&] { return RunSource("csv", cfg + "}"); });
    Print("source/csv (strings)", t, csv_mb, &raw);
    t = Best(reps, [&] { return RunSource("csv", cfg + ",\"infer_types\":true}"); });
    Print("source/csv infer_types", t, csv_mb, &raw);
    t = Best(reps, [&] {
      return RunSource("csv", "{\"paths\":[" + Quote((dir / "bench.csv.gz").string()) + "]}");
    });
    Print("source/csv from .gz (MB of plain CSV)", t, csv_mb, &raw);
    // Four parts of a quarter each: rank 3 skims three of them, then parses the last.
    std::string quarter = std::to_string(std::max<uint64_t>(65536, fs::file_size(csv) / 4 + 1));
    t = Best(reps,
             [&] { return RunSource("csv", cfg + ",\"split_bytes\":" + quarter + "}", 3, 4); });
    Print("source/csv rank 3 of 4 (skims 3/4, parses 1/4)", t, csv_mb, &raw);
  }

  if (want("documents")) {
    // ---- Documents ----
    fs::path cards =
        fs::path(WINNOW_BENCH_SOURCE_DIR) / ".." / "shared" / "data" / "hf-dataset-cards";
    if (const char* s = std::getenv("WINNOW_SHARED_DATA")) cards = fs::path(s) / "hf-dataset-cards";
    if (fs::is_directory(cards)) {
      std::vector<fs::path> files;
      double mb = 0;
      for (const auto& e : fs::directory_iterator(cards)) {
        if (e.path().extension() == ".md") {
          files.push_back(e.path());
          mb += static_cast<double>(e.file_size()) / 1e6;
        }
      }
      std::sort(files.begin(), files.end());
      const int loops = 5;
      std::printf("Documents: %zu dataset cards, %.1f MB, read %d times per run\n", files.size(),
                  mb, loops);
      Timing base = Best(reps, [&] {
        uint64_t n = 0;
        for (int l = 0; l < loops; ++l) {
          for (const auto& f : files) {
            std::ifstream in(f, std::ios::binary);
            std::string text((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
            std::string_view s = text;
            if (s.starts_with("---\n")) {
              size_t end = s.find("\n---", 3);
              try {
                YAML::Node node = YAML::Load(std::string(s.substr(4, end - 4)));
                n += node.size() > 0;
              } catch (...) {
              }
            } else {
              ++n;
            }
          }
        }
        return n;
      });
      Print("baseline: read files + yaml-cpp Load of front matter", base, mb * loops, nullptr);
      Timing rf = Best(reps, [&] {
        uint64_t n = 0;
        for (int l = 0; l < loops; ++l) {
          for (const auto& f : files) n += ReadFile(f).ok();
        }
        return n;
      });
      Print("(for reference: winnow::ReadFile of every file)", rf, mb * loops, &base);
      std::string dcfg = "{\"root\":" + Quote(cards.string()) + ",\"include\":[\"*.md\"]}";
      t = Best(reps, [&] {
        uint64_t n = 0;
        for (int l = 0; l < loops; ++l) n += RunSource("documents", dcfg);
        return n;
      });
      Print("source/documents (front matter -> JSON)", t, mb * loops, &base);
    } else {
      std::printf("Documents: skipped, %s is absent\n", cards.c_str());
    }
  }

  if (want("feedback")) {
    // ---- Feedback (SQLite) ----
    fs::path db = dir / "bench.db";
    {
      fs::remove(db);
      sqlite3* h = nullptr;
      sqlite3_open(db.c_str(), &h);
      sqlite3_exec(
          h,
          "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; BEGIN;"
          "CREATE TABLE fb (id INTEGER PRIMARY KEY, prompt TEXT, response TEXT, rating TEXT)",
          nullptr, nullptr, nullptr);
      sqlite3_stmt* st = nullptr;
      sqlite3_prepare_v2(h, "INSERT INTO fb VALUES (?, ?, ?, ?)", -1, &st, nullptr);
      std::mt19937_64 rng(7);
      for (uint64_t i = 0; i < rows; ++i) {
        std::string p = Words(rng, 12), r = Words(rng, 40);
        sqlite3_bind_int64(st, 1, static_cast<int64_t>(i));
        sqlite3_bind_text(st, 2, p.data(), static_cast<int>(p.size()), SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, r.data(), static_cast<int>(r.size()), SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 4, i % 3 ? "up" : "down", -1, SQLITE_STATIC);
        sqlite3_step(st);
        sqlite3_reset(st);
      }
      sqlite3_finalize(st);
      sqlite3_exec(h, "COMMIT", nullptr, nullptr, nullptr);
      sqlite3_close(h);
    }
    double db_mb = static_cast<double>(fs::file_size(db)) / 1e6;
    std::printf("Feedback: SQLite table of %llu rows, %.1f MB\n",
                static_cast<unsigned long long>(rows), db_mb);
    Timing sq = Best(reps, [&] {
      sqlite3* h = nullptr;
      sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr);
      sqlite3_stmt* st = nullptr;
      sqlite3_prepare_v2(h, "SELECT * FROM fb ORDER BY id", -1, &st, nullptr);
      uint64_t n = 0, bytes = 0;
      while (sqlite3_step(st) == SQLITE_ROW) {
        for (int c = 0; c < 4; ++c) {
          sqlite3_column_text(st, c);
          bytes += static_cast<uint64_t>(sqlite3_column_bytes(st, c));
        }
        ++n;
      }
      sqlite3_finalize(st);
      sqlite3_close(h);
      return n + (bytes == 0);
    });
    Print("baseline: sqlite3_step loop reading every column", sq, db_mb, nullptr);
    std::string fcfg = "{\"path\":" + Quote(db.string()) + ",\"table\":\"fb\",\"order_by\":\"id\"";
    t = Best(reps, [&] { return RunSource("feedback", fcfg + "}"); });
    Print("source/feedback preset none", t, db_mb, &sq);
    t = Best(reps, [&] {
      return RunSource("feedback", fcfg + ",\"preset\":\"thumbs_kto\",\"id_column\":\"id\"}");
    });
    Print("source/feedback preset thumbs_kto", t, db_mb, &sq);
  }

  return 0;
}
