// parquet_read_bench — source/parquet's reader against a raw read of the same file.
//
// Generates a multi-row-group Parquet file shaped like an LLM training set
// (id, text, lang, score, n_tokens) with the reader's own simple writer, once
// per codec, then measures in the same run:
//   baseline  pread of the whole file in 4 MB chunks into a reused buffer
//   full      RowReader: every column decoded and written as JSON rows
//   project   RowReader with columns [id, score] (only those chunks are read)
// Throughput is file bytes per second of thread CPU time (MB/s, 1e6) and rows
// per second, best of --repeat runs, single thread. Not run by ctest.
//
//   parquet_read_bench [--rows 200000] [--text-bytes 1000] [--group-rows 20000]
//                      [--repeat 3] [--dir /tmp] [--codec SNAPPY]
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "parquet_file.h"
#include "parquet_simple_writer.h"

namespace fs = std::filesystem;
using namespace winnow;
using namespace winnow::parquet;

namespace {

// Thread CPU time (user + system): on a shared, loaded machine this measures
// the work done rather than how long the scheduler kept us waiting.
double Now() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Deterministic English-like text with a skewed word distribution.
std::string MakeText(std::mt19937_64& rng, size_t target) {
  static const std::vector<std::string> kWords = [] {
    std::vector<std::string> w = {
        "the",   "of",  "and",  "to", "a",   "in",   "is",   "that", "for",   "it",  "as",   "was",
        "with",  "be",  "by",   "on", "not", "he",   "this", "are",  "or",    "his", "from", "at",
        "which", "but", "have", "an", "had", "they", "you",  "were", "their", "one", "all"};
    std::mt19937_64 g(1);
    for (int i = 0; i < 5000; ++i) {
      std::string s;
      int len = 3 + static_cast<int>(g() % 9);
      for (int k = 0; k < len; ++k) s.push_back(static_cast<char>('a' + g() % 26));
      w.push_back(s);
    }
    return w;
  }();
  std::string t;
  t.reserve(target + 16);
  while (t.size() < target) {
    // Zipf-ish: small indexes much more often.
    double u = std::uniform_real_distribution<double>(0, 1)(rng);
    size_t i = static_cast<size_t>(std::pow(u, 3.0) * static_cast<double>(kWords.size()));
    t += kWords[std::min(i, kWords.size() - 1)];
    t += (rng() % 17 == 0) ? ". " : " ";
  }
  return t;
}

struct Timing {
  double seconds = 1e30;
  uint64_t rows = 0, json_bytes = 0, disk_bytes = 0;
};

Timing ReadAll(const std::string& path, const std::vector<std::string>& columns, int repeat) {
  Timing best;
  for (int rep = 0; rep < repeat; ++rep) {
    RowReaderOptions o;
    o.columns = columns;
    double t0 = Now();
    auto r = RowReader::Open(path, o);
    if (!r.ok()) {
      std::fprintf(stderr, "%s\n", r.status().ToString().c_str());
      std::exit(1);
    }
    Timing t;
    std::string out;
    std::vector<size_t> ends;
    std::vector<RowIssue> issues;
    for (size_t g = 0; g < (*r)->num_row_groups(); ++g) {
      Status st = (*r)->StartRowGroup(g);
      if (!st.ok()) {
        std::fprintf(stderr, "%s\n", st.ToString().c_str());
        std::exit(1);
      }
      while ((*r)->rows_left() > 0) {
        out.clear();
        ends.clear();
        auto n = (*r)->ReadRows(1024, &out, &ends, &issues);
        if (!n.ok()) {
          std::fprintf(stderr, "%s\n", n.status().ToString().c_str());
          std::exit(1);
        }
        t.rows += *n;
        t.json_bytes += out.size();
      }
    }
    t.seconds = Now() - t0;
    t.disk_bytes = (*r)->bytes_read();
    if (t.seconds < best.seconds) best = t;
  }
  return best;
}

double RawRead(const std::string& path, int repeat, uint64_t* bytes) {
  double best = 1e30;
  std::vector<char> buf(4 << 20);
  for (int rep = 0; rep < repeat; ++rep) {
    double t0 = Now();
    int fd = ::open(path.c_str(), O_RDONLY);
    uint64_t total = 0;
    for (;;) {
      ssize_t n = ::pread(fd, buf.data(), buf.size(), static_cast<off_t>(total));
      if (n <= 0) break;
      total += static_cast<uint64_t>(n);
    }
    ::close(fd);
    *bytes = total;
    best = std::min(best, Now() - t0);
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  size_t rows = 200000, text_bytes = 1000, group_rows = 20000;
  int repeat = 3;
  std::string dir = fs::temp_directory_path().string();
  std::string only_codec;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--rows") rows = std::stoul(argv[i + 1]);
    if (a == "--text-bytes") text_bytes = std::stoul(argv[i + 1]);
    if (a == "--group-rows") group_rows = std::stoul(argv[i + 1]);
    if (a == "--repeat") repeat = std::stoi(argv[i + 1]);
    if (a == "--dir") dir = argv[i + 1];
    if (a == "--codec") only_codec = argv[i + 1];
  }
  std::printf("generating %zu rows (~%zu-byte texts), %zu rows per row group\n", rows, text_bytes,
              group_rows);
  std::mt19937_64 rng(42);
  std::vector<Value> data;
  data.reserve(rows);
  const char* langs[] = {"en", "de", "fr", "es", "zh", "ja", "ru", "pt", "it", "nl"};
  for (size_t i = 0; i < rows; ++i) {
    Value r = Value::MakeObject();
    r.set("id", Value(static_cast<int64_t>(1000000 + i)));
    size_t len = text_bytes / 2 + rng() % (text_bytes + 1);
    r.set("text", Value(MakeText(rng, len)));
    r.set("lang", Value(langs[rng() % 10]));
    if (rng() % 20 == 0) {
      r.set("score", Value());
    } else {
      r.set("score", Value(static_cast<double>(rng() % 100000) / 1000.0));
    }
    r.set("n_tokens", Value(static_cast<int64_t>(len / 4)));
    data.push_back(std::move(r));
  }
  std::vector<SimpleColumn> cols(5);
  cols[0].name = "id";
  cols[0].type = Type::kInt64;
  cols[0].optional = false;
  cols[0].encoding = Encoding::kDeltaBinaryPacked;
  cols[1].name = "text";
  cols[1].type = Type::kByteArray;
  cols[1].logical.kind = LogicalType::Kind::kString;
  cols[2].name = "lang";
  cols[2].type = Type::kByteArray;
  cols[2].logical.kind = LogicalType::Kind::kString;
  cols[2].encoding = Encoding::kRleDictionary;
  cols[3].name = "score";
  cols[3].type = Type::kDouble;
  cols[4].name = "n_tokens";
  cols[4].type = Type::kInt32;
  cols[4].optional = false;

  std::printf("\n%-13s %-30s %10s %10s %12s %10s\n", "codec", "read", "MB/s", "x raw", "rows/s",
              "JSON MB/s");
  for (Codec codec : {Codec::kUncompressed, Codec::kSnappy, Codec::kZstd, Codec::kGzip}) {
    if (!only_codec.empty() && only_codec != CodecName(codec)) continue;
    SimpleWriterOptions o;
    o.codec = codec;
    o.rows_per_row_group = group_rows;
    o.rows_per_page = 2000;
    std::string bytes;
    Status st = WriteSimpleParquet(cols, data, o, &bytes);
    if (!st.ok()) {
      std::fprintf(stderr, "%s\n", st.ToString().c_str());
      return 1;
    }
    std::string path = dir + "/winnow_parquet_bench_" + std::string(CodecName(codec)) + ".parquet";
    {
      std::ofstream f(path, std::ios::binary);
      f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    }
    uint64_t file_bytes = 0;
    double raw = RawRead(path, repeat, &file_bytes);
    double mb = static_cast<double>(file_bytes) / 1e6;
    std::printf("%-13s %-30s %10.0f %10.2f %12s %10s   (%.1f MB file)\n",
                std::string(CodecName(codec)).c_str(), "baseline: pread 4 MB chunks", mb / raw, 1.0,
                "-", "-", mb);
    Timing full = ReadAll(path, {}, repeat);
    std::printf("%-13s %-30s %10.0f %10.3f %12.0f %10.0f\n", "", "all 5 columns -> JSON",
                mb / full.seconds, raw / full.seconds,
                static_cast<double>(full.rows) / full.seconds,
                static_cast<double>(full.json_bytes) / 1e6 / full.seconds);
    Timing proj = ReadAll(path, {"id", "score"}, repeat);
    std::printf("%-13s %-30s %10.0f %10.3f %12.0f %10.0f   (%.1f MB read from disk)\n", "",
                "columns [id, score] -> JSON", mb / proj.seconds, raw / proj.seconds,
                static_cast<double>(proj.rows) / proj.seconds,
                static_cast<double>(proj.json_bytes) / 1e6 / proj.seconds,
                static_cast<double>(proj.disk_bytes) / 1e6);
    fs::remove(path);
  }
  return 0;
}
