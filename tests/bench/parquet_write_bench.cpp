// parquet_write_bench — speed of exporter/parquet against baselines measured in the same run.
//
//   parquet_write_bench [--mb N (256)] [--reps R (3)] [--dir DIR] [--threads 1,2]
//                       [--codecs snappy,zstd,none] [--winnow PATH]
//
// 1. Generates DIR/parquet-write-<N>mb.jsonl: ~2 KB English-like documents with
//    metadata (tests/fixtures/corpus/bench_corpus.h: id, url, text, source,
//    lang_hint, meta{words, date, score}), reused when it exists.
// 2. Kernel, in this process, one thread, input already in memory: the writer's
//    own work (EncodeBatch on batches of 1,000 rows, then FileWriter) for each
//    codec, against a raw simdjson on-demand scan of the same bytes that extracts
//    "text" (the floor for anything that reads every row).
// 3. End to end: `winnow run` source/jsonl -> exporter/jsonl (the baseline: the
//    same rows written as JSONL) and source/jsonl -> exporter/parquet per codec,
//    with --threads 1 and 2, and the output sizes.
// MB/s are input JSONL megabytes per second; best wall time of R repetitions.
// Not run by ctest. See docs/performance.md, "Parquet writer".
#include <fcntl.h>
#include <simdjson.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "bench_corpus.h"
#include "parquet_schema.h"
#include "parquet_shred.h"
#include "parquet_writer.h"
#include "winnow/batch.h"
#include "winnow/io.h"

namespace fs = std::filesystem;

namespace {

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double Cpu(int who) {
  rusage ru{};
  getrusage(who, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
}

struct Timing {
  double wall = 1e30, cpu = 0;
};

winnow::parquet::Codec CodecOf(const std::string& name) {
  if (name == "none") return winnow::parquet::Codec::kUncompressed;
  if (name == "zstd") return winnow::parquet::Codec::kZstd;
  if (name == "gzip") return winnow::parquet::Codec::kGzip;
  return winnow::parquet::Codec::kSnappy;
}

Timing RunWinnow(const std::string& winnow, const fs::path& yaml, const fs::path& out_dir,
                 int threads) {
  fs::remove_all(out_dir);
  std::string threads_arg = std::to_string(threads);
  std::string set_arg = "run.output_dir=" + out_dir.string();
  std::string log_path = out_dir.string() + ".log";
  double t0 = Now(), c0 = Cpu(RUSAGE_CHILDREN);
  pid_t pid = fork();
  if (pid == 0) {
    int devnull = ::open("/dev/null", O_WRONLY);
    if (devnull >= 0) dup2(devnull, 1);
    int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (log >= 0) dup2(log, 2);
    execl(winnow.c_str(), winnow.c_str(), "-q", "run", yaml.c_str(), "--threads",
          threads_arg.c_str(), "--no-cache", "--set", set_arg.c_str(), static_cast<char*>(nullptr));
    std::perror("exec winnow");
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  Timing t{Now() - t0, Cpu(RUSAGE_CHILDREN) - c0};
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::ifstream log(log_path);
    std::fprintf(stderr, "winnow run failed (status %d):\n%s\n", status,
                 std::string(std::istreambuf_iterator<char>(log), {}).c_str());
    std::exit(1);
  }
  return t;
}

std::vector<std::string> SplitList(const std::string& list) {
  std::vector<std::string> out;
  for (size_t pos = 0; pos < list.size();) {
    size_t comma = list.find(',', pos);
    if (comma == std::string::npos) comma = list.size();
    out.push_back(list.substr(pos, comma - pos));
    pos = comma + 1;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  long mb = 256;
  int reps = 3;
  fs::path dir = fs::temp_directory_path() / "winnow-parquet-write-bench";
  std::string winnow = std::string(WINNOW_BENCH_BINARY_DIR) + "/bin/winnow";
  std::vector<std::string> threads = {"1", "2"}, codecs = {"snappy", "zstd", "none"};
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", a.c_str());
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
    } else if (a == "--threads") {
      threads = SplitList(next());
    } else if (a == "--codecs") {
      codecs = SplitList(next());
    } else if (a == "--winnow") {
      winnow = next();
    } else {
      std::fprintf(stderr,
                   "usage: parquet_write_bench [--mb N] [--reps R] [--dir DIR] [--threads 1,2] "
                   "[--codecs snappy,zstd,none] [--winnow PATH]\n");
      return 2;
    }
  }
  fs::create_directories(dir);
  fs::path input = dir / ("parquet-write-" + std::to_string(mb) + "mb.jsonl");
  uint64_t want = static_cast<uint64_t>(mb) << 20;
  std::error_code ec;
  uint64_t have = fs::exists(input) ? fs::file_size(input, ec) : 0;
  if (have < want || have > want + (64 << 10)) {
    winnow::corpus::BenchCorpusGenerator gen(1);
    if (gen.WriteFile(input.string(), want) < 0) {
      std::perror(input.c_str());
      return 1;
    }
    have = fs::file_size(input);
  }
  const double size_mb = have / 1048576.0;
  std::printf("input %s: %.1f MB\n", input.c_str(), size_mb);

  // ---- Kernel: input in memory, one thread.
  auto arena = std::make_shared<winnow::Arena>();
  {
    auto bytes = winnow::ReadFile(input);
    if (!bytes.ok()) {
      std::fprintf(stderr, "%s\n", bytes.status().ToString().c_str());
      return 1;
    }
    arena->bytes = std::move(bytes).value();
    arena->bytes.append(winnow::Arena::kPadding, '\0');
  }
  const std::string_view data(arena->bytes.data(), arena->bytes.size() - winnow::Arena::kPadding);
  std::vector<winnow::Batch> batches;
  uint64_t ordinal = 0;
  for (size_t p = 0; p < data.size();) {
    size_t nl = data.find('\n', p);
    if (nl == std::string_view::npos) nl = data.size();
    if (nl > p) {
      if (batches.empty() || batches.back().rows.size() == 1000) {
        batches.emplace_back();
        batches.back().seq = batches.size() - 1;
      }
      batches.back().rows.emplace_back(winnow::RowId{0, ordinal}, arena, data.substr(p, nl - p),
                                       ordinal + 1);
      ++ordinal;
    }
    p = nl + 1;
  }
  auto schema = winnow::pqw::WriterSchema::Make(winnow::pqw::InferFields(batches[0]));
  if (!schema.ok()) {
    std::fprintf(stderr, "%s\n", schema.status().ToString().c_str());
    return 1;
  }
  std::printf("%llu documents; schema: %s\n\n", static_cast<unsigned long long>(ordinal),
              schema->ToString().c_str());

  auto row = [&](const std::string& name, const Timing& t, const Timing& base, double out_mb) {
    std::printf("%-50s %7.2f %7.0f %7.2f %9.0f %8.0f%% %8.0f%% %8.1f\n", name.c_str(), t.wall,
                size_mb / t.wall, t.cpu, size_mb / t.cpu, 100.0 * base.wall / t.wall,
                100.0 * base.cpu / t.cpu, out_mb);
  };
  std::printf("%-50s %7s %7s %7s %9s %9s %9s %8s\n", "kernel, 1 thread, in memory (best of reps)",
              "wall s", "MB/s", "cpu s", "MB/cpu-s", "wall vs", "cpu vs", "out MB");
  Timing raw;
  simdjson::ondemand::parser parser;
  for (int r = 0; r < reps; ++r) {
    double t0 = Now(), c0 = Cpu(RUSAGE_SELF);
    uint64_t text_bytes = 0;
    for (const auto& b : batches) {
      for (const auto& rec : b.rows) {
        simdjson::ondemand::document doc;
        std::string_view text;
        if (parser.iterate(rec.raw().data(), rec.raw().size(), rec.raw().size() + 64).get(doc) ==
                simdjson::SUCCESS &&
            doc["text"].get_string().get(text) == simdjson::SUCCESS) {
          text_bytes += text.size();
        }
      }
    }
    Timing t{Now() - t0, Cpu(RUSAGE_SELF) - c0};
    if (t.wall < raw.wall) raw = t;
    if (text_bytes == 0) return 1;
  }
  row("raw simdjson on-demand scan (baseline)", raw, raw, 0);
  for (const auto& codec : codecs) {
    Timing best;
    double out_mb = 0;
    for (int r = 0; r < reps; ++r) {
      fs::path out = dir / "kernel.parquet";
      double t0 = Now(), c0 = Cpu(RUSAGE_SELF);
      winnow::pqw::EncodeOptions eo;
      eo.codec = CodecOf(codec);
      winnow::pqw::WriterOptions wo;
      wo.codec = eo.codec;
      winnow::pqw::FileWriter w(*schema, wo);
      if (!w.Open(out).ok()) return 1;
      std::string enc;
      winnow::pqw::BatchView view;
      for (auto& b : batches) {
        enc.clear();
        int64_t rejected = 0;
        if (!winnow::pqw::EncodeBatch(*schema, eo, b, &enc, &rejected).ok() || rejected != 0 ||
            !winnow::pqw::ParseEncoded(enc, schema->leaves().size(), &view).ok() ||
            !w.Add(view).ok()) {
          std::fprintf(stderr, "kernel failed\n");
          return 1;
        }
      }
      if (!w.Finish().ok()) return 1;
      Timing t{Now() - t0, Cpu(RUSAGE_SELF) - c0};
      out_mb = fs::file_size(out) / 1048576.0;
      fs::remove(out);
      if (t.wall < best.wall) best = t;
    }
    row("EncodeBatch + FileWriter, " + codec, best, raw, out_mb);
  }
  batches.clear();
  arena.reset();

  // ---- End to end.
  auto yaml_for = [&](const std::string& name, const std::string& exporter,
                      const std::string& extra) {
    fs::path yaml = dir / (name + ".yaml");
    std::ofstream y(yaml);
    y << "# Generated by parquet_write_bench.\nname: " << name << "\nsteps:\n"
      << "  - name: read\n    uses: source/jsonl\n    with:\n      paths: [" << input.string()
      << "]\n  - name: write\n    uses: " << exporter << "\n    with:\n"
      << extra;
    return yaml;
  };
  std::printf("\n%-50s %7s %7s %7s %9s %9s %9s %8s\n", "winnow run (best of reps; vs = vs jsonl)",
              "wall s", "MB/s", "cpu s", "MB/cpu-s", "wall vs", "cpu vs", "out MB");
  fs::path out_dir = dir / "out";
  for (const auto& th : threads) {
    int n = std::atoi(th.c_str());
    Timing base;
    fs::path jy = yaml_for("pw_jsonl", "exporter/jsonl", "      path: out.jsonl\n");
    for (int r = 0; r < reps; ++r) {
      Timing t = RunWinnow(winnow, jy, out_dir, n);
      if (t.wall < base.wall) base = t;
    }
    row("jsonl -> exporter/jsonl, threads " + th, base, base,
        fs::file_size(out_dir / "out.jsonl", ec) / 1048576.0);
    for (const auto& codec : codecs) {
      fs::path py = yaml_for("pw_parquet_" + codec, "exporter/parquet",
                             "      path: out.parquet\n      compression: " + codec + "\n");
      Timing best;
      for (int r = 0; r < reps; ++r) {
        Timing t = RunWinnow(winnow, py, out_dir, n);
        if (t.wall < best.wall) best = t;
      }
      row("jsonl -> exporter/parquet " + codec + ", threads " + th, best, base,
          fs::file_size(out_dir / "out.parquet", ec) / 1048576.0);
    }
  }
  fs::remove_all(out_dir);
  fs::remove(out_dir.string() + ".log", ec);
  return 0;
}
