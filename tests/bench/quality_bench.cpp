// quality_bench — speed of cleaner/quality's presets on ~2 KB English documents.
//
// Documents: the AlpacaEval answers in ../shared/data/instructions, joined into
// ~2 KB texts (--doc-bytes; one answer per line), written as JSONL and repeated
// to --docs.
// Printed, one core, in the same run:
//   1. baseline: raw simdjson on-demand scan of the file (extract "text");
//   2. each preset alone, and all four together (gopher_repetition,
//      gopher_quality, c4, fineweb), on the extracted texts, in drop mode (stop
//      at the first failing rule) and annotate mode (every rule evaluated),
//      and the engine as it was before the speed rewrite (the tests' frozen
//      copy) for a same-run before/after; per CPU-second of the thread;
//   3. the chain per document, with 1 and with 2 threads (documents split in
//      contiguous halves): simdjson scan of the JSONL, CLD2 alone (the call
//      cleaner/language makes), the four presets (drop mode), and CLD2 + the
//      four presets; docs/s of wall time and docs per CPU-second (per core);
//   4. with --harness, the whole plugins through the host's engine:
//      cleaner/quality alone and cleaner/language (languages: [en]) followed by
//      cleaner/quality, as documents per CPU-second (the harness runs 2 threads).
//
//   5. with --winnow PATH, `winnow run --threads 1|2` end to end on the JSONL
//      file: source/jsonl -> exporter/jsonl (baseline), and source/jsonl ->
//      cleaner/language -> cleaner/quality -> exporter/jsonl; wall docs/s and
//      docs per CPU-second of the child process.
//
//   3b. with --interleaved, CLD2 alone, the language kernel and the presets
//      (this engine and the previous one) on every document in a random
//      order, each timed separately: ratios that hold on a busy machine.
//
// Usage: quality_bench [--docs N] [--doc-bytes N] [--harness] [--only LABEL]
//                      [--interleaved] [--keep] [--winnow build-X/bin/winnow]
#include <simdjson.h>

#include <sys/resource.h>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "cleaner_quality_ref_rules.h"
#include "quality_rules.h"
#include "winnow/value.h"

#ifdef WINNOW_QUALITY_BENCH_CLD2
#include <cld2/public/compact_lang_det.h>
#include <cld2/public/encodings.h>

#include "language_detect.h"
#endif

#ifdef WINNOW_QUALITY_BENCH_HARNESS
// The harness reports problems through Catch2, so its part runs as a test case.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "harness/plugin_harness.h"
#endif

namespace fs = std::filesystem;
using winnow::quality::Engine;
using winnow::quality::Evaluation;
using winnow::quality::Preset;
using winnow::quality::RuleSet;

namespace {

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double CpuNow() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double ThreadCpuNow() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

fs::path SharedData() {
  if (const char* e = std::getenv("WINNOW_SHARED_DATA")) return e;
  for (fs::path p : {"../shared/data", "../../shared/data", "/work/shared/data"}) {
    if (fs::exists(p)) return p;
  }
  return "../shared/data";
}

// The "output" strings of the AlpacaEval files.
std::vector<std::string> Answers() {
  std::vector<std::string> out;
  simdjson::dom::parser parser;
  for (const auto& entry : fs::directory_iterator(SharedData() / "instructions")) {
    std::string name = entry.path().filename().string();
    if (name.rfind("alpaca-eval-", 0) != 0) continue;
    simdjson::dom::element root;
    if (parser.load(entry.path().string()).get(root)) continue;
    simdjson::dom::array arr;
    if (root.get_array().get(arr)) continue;
    for (auto e : arr) {
      std::string_view s;
      if (!e["output"].get_string().get(s)) out.emplace_back(s);
    }
  }
  return out;
}

}  // namespace

#ifdef WINNOW_QUALITY_BENCH_HARNESS
const std::vector<std::string>* g_rows = nullptr;

TEST_CASE("harness chain") {
  if (!g_rows) return;
  const std::vector<std::string>& rows = *g_rows;
  using winnow::testing::PluginHarness;
  auto time_plugin = [&](const char* kind, const char* config, const std::vector<std::string>& in,
                         std::vector<std::string>* out_rows) -> double {
    auto h = PluginHarness::Create(kind, config);
    if (!h.ok()) {
      std::fprintf(stderr, "%s: %s\n", kind, h.status().ToString().c_str());
      return -1;
    }
    double c0 = CpuNow();
    auto out = (*h)->RunStage(in);
    double cpu = CpuNow() - c0;
    if (!out.ok()) {
      std::fprintf(stderr, "%s: %s\n", kind, out.status().ToString().c_str());
      return -1;
    }
    if (out_rows) *out_rows = out->rows;
    return cpu;
  };
  const char* quality_cfg =
      R"({"presets": ["gopher_repetition", "gopher_quality", "c4", "fineweb"]})";
  // These figures include the engine's JSON parsing, batching and row copies.
  double q = time_plugin("cleaner/quality", quality_cfg, rows, nullptr);
  if (q > 0) {
    std::printf("%-46s %12.0f docs/CPU-s\n", "harness: cleaner/quality (4 presets)",
                static_cast<double>(rows.size()) / q);
  }
  std::vector<std::string> english;
  double l = time_plugin("cleaner/language", R"({"languages": ["en"]})", rows, &english);
  if (l > 0) {
    double q2 = time_plugin("cleaner/quality", quality_cfg, english, nullptr);
    std::printf("%-46s %12.0f docs/CPU-s\n", "harness: cleaner/language alone",
                static_cast<double>(rows.size()) / l);
    if (q2 > 0) {
      std::printf("%-46s %12.0f docs/CPU-s  (%zu of %zu rows kept as English)\n",
                  "harness: language + quality (4 presets)",
                  static_cast<double>(rows.size()) / (l + q2), english.size(), rows.size());
    }
  } else {
    std::printf("cleaner/language is not available: combined chain skipped\n");
  }
}
#endif

int main(int argc, char** argv) {
  size_t n_docs = 20000;
  bool harness = false;
  std::string only;          // --only LABEL: run one kernel line (for profiling)
  size_t doc_bytes = 2000;   // --doc-bytes N: about N bytes of text per document
  std::string winnow_bin;    // --winnow PATH: also run the pipelines end to end
  bool keep_files = false;   // --keep: leave the corpus and the pipelines' outputs (profiling)
  bool interleaved = false;  // --interleaved: per-document A/B of the kernels (see below)
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--docs") && i + 1 < argc) n_docs = std::stoul(argv[++i]);
    if (!std::strcmp(argv[i], "--harness")) harness = true;
    if (!std::strcmp(argv[i], "--only") && i + 1 < argc) only = argv[++i];
    if (!std::strcmp(argv[i], "--doc-bytes") && i + 1 < argc) doc_bytes = std::stoul(argv[++i]);
    if (!std::strcmp(argv[i], "--winnow") && i + 1 < argc) winnow_bin = argv[++i];
    if (!std::strcmp(argv[i], "--keep")) keep_files = true;
    if (!std::strcmp(argv[i], "--interleaved")) interleaved = true;
  }
  std::vector<std::string> answers = Answers();
  if (answers.empty()) {
    std::fprintf(stderr, "no AlpacaEval answers under %s/instructions\n", SharedData().c_str());
    return 1;
  }
  // ~2 KB documents: the lines of consecutive answers, a document ends at the
  // first line break after doc_bytes * 0.9 bytes.
  std::vector<std::string> base;
  std::string cur;
  for (const auto& a : answers) {
    size_t start = 0;
    while (start <= a.size()) {
      size_t nl = a.find('\n', start);
      if (nl == std::string::npos) nl = a.size();
      if (!cur.empty()) cur += '\n';
      cur.append(a, start, nl - start);
      start = nl + 1;
      if (cur.size() >= doc_bytes * 9 / 10) {
        base.push_back(cur);
        cur.clear();
      }
    }
  }
  std::string jsonl;
  std::vector<std::string> rows;
  size_t total_bytes = 0;
  for (size_t i = 0; i < n_docs; ++i) {
    std::string row = "{\"id\":" + std::to_string(i) + ",\"text\":";
    winnow::AppendJsonString(row, base[i % base.size()]);
    row += "}";
    jsonl += row;
    jsonl += '\n';
    total_bytes += base[i % base.size()].size();
    if (harness) rows.push_back(row);
  }
  fs::path file = fs::temp_directory_path() / "winnow_quality_bench.jsonl";
  std::ofstream(file, std::ios::binary) << jsonl;
  std::printf("%zu documents, mean %.0f bytes of text (%zu distinct)\n", n_docs,
              static_cast<double>(total_bytes) / static_cast<double>(n_docs), base.size());

  // 1. Baseline: simdjson on-demand scan of the same file.
  std::vector<std::string> texts;
  texts.reserve(n_docs);
  {
    simdjson::padded_string data = simdjson::padded_string::load(file.string());
    simdjson::ondemand::parser parser;
    double t0 = Now();
    size_t count = 0, bytes = 0;
    for (int rep = 0; rep < 5; ++rep) {
      simdjson::ondemand::document_stream stream;
      if (parser.iterate_many(data, 1 << 20).get(stream)) return 1;
      for (auto doc : stream) {
        std::string_view t;
        if (doc["text"].get_string().get(t)) continue;
        bytes += t.size();
        ++count;
        if (rep == 0) texts.emplace_back(t);
      }
    }
    double dt = Now() - t0;
    std::printf("%-46s %12.0f docs/s  %8.1f MB/s\n", "baseline: simdjson scan (extract text)",
                static_cast<double>(count) / dt, static_cast<double>(bytes) / dt / 1e6);
  }

  // 2. Kernels, one core.
  auto run = [&](const char* label, std::vector<Preset> presets, bool annotate) {
    if (!only.empty() && only != label) return;
    RuleSet rs;
    rs.presets = std::move(presets);
    Engine engine(rs);
    auto scratch = Engine::NewScratch();
    Evaluation ev;
    size_t failed = 0;
    for (size_t i = 0; i < std::min<size_t>(texts.size(), 200); ++i) {  // warm-up
      engine.Evaluate(texts[i], !annotate, annotate, *scratch, &ev);
    }
    double t0 = ThreadCpuNow();
    for (const auto& t : texts) {
      engine.Evaluate(t, !annotate, annotate, *scratch, &ev);
      failed += !ev.failures.empty();
    }
    double dt = ThreadCpuNow() - t0;
    std::printf("%-46s %12.0f docs/s  %8.1f MB/s  (%.1f%% fail)\n", label,
                static_cast<double>(texts.size()) / dt, static_cast<double>(total_bytes) / dt / 1e6,
                100.0 * static_cast<double>(failed) / static_cast<double>(texts.size()));
  };
  const std::vector<Preset> all = {Preset::kGopherRepetition, Preset::kGopherQuality, Preset::kC4,
                                   Preset::kFineWeb};
  run("gopher_quality", {Preset::kGopherQuality}, true);
  run("gopher_repetition", {Preset::kGopherRepetition}, true);
  run("c4", {Preset::kC4}, true);
  run("fineweb", {Preset::kFineWeb}, true);
  run("all four, drop mode (stop at first failure)", all, false);
  run("all four, annotate mode (every rule)", all, true);
  // The engine before the speed rewrite (the tests' frozen reference copy).
  auto run_ref = [&](const char* label, bool annotate) {
    if (!only.empty() && only != label) return;
    RuleSet rs;
    rs.presets = all;
    winnow::quality_ref::RefEngine engine(rs);
    Evaluation ev;
    double t0 = ThreadCpuNow();
    for (const auto& t : texts) engine.Evaluate(t, !annotate, annotate, &ev);
    double dt = ThreadCpuNow() - t0;
    std::printf("%-46s %12.0f docs/s  %8.1f MB/s\n", label, static_cast<double>(texts.size()) / dt,
                static_cast<double>(total_bytes) / dt / 1e6);
  };
  run_ref("all four, drop mode, previous engine", false);
  run_ref("all four, annotate mode, previous engine", true);

  // 3. The chain, 1 and 2 threads.
  if (only.empty() || only == "chain") {
    // Runs body(thread, begin, end) on `threads` contiguous slices of n items;
    // prints docs/s of wall time and docs per CPU-second (summed thread CPU time).
    auto timed = [&](const char* label, int threads, size_t n, size_t docs,
                     const std::function<void(int, size_t, size_t)>& body) {
      std::vector<double> cpu(static_cast<size_t>(threads), 0.0);
      double w0 = Now();
      std::vector<std::thread> pool;
      for (int t = 0; t < threads; ++t) {
        pool.emplace_back([&, t] {
          size_t b = n * static_cast<size_t>(t) / static_cast<size_t>(threads);
          size_t e = n * static_cast<size_t>(t + 1) / static_cast<size_t>(threads);
          double c0 = ThreadCpuNow();
          body(t, b, e);
          cpu[static_cast<size_t>(t)] = ThreadCpuNow() - c0;
        });
      }
      for (auto& th : pool) th.join();
      double wall = Now() - w0;
      double cpu_total = 0;
      for (double c : cpu) cpu_total += c;
      std::printf("threads %d: %-37s %10.0f docs/s  %10.0f docs/s per core (per CPU-s)\n", threads,
                  label, static_cast<double>(docs) / wall, static_cast<double>(docs) / cpu_total);
    };
    // JSONL halves for the simdjson baseline.
    std::vector<simdjson::padded_string> parts;
    {
      size_t mid = jsonl.find('\n', jsonl.size() / 2);
      mid = mid == std::string::npos ? jsonl.size() : mid + 1;
      parts.emplace_back(jsonl.substr(0, mid));
      parts.emplace_back(jsonl.substr(mid));
    }
    RuleSet rs;
    rs.presets = all;
    Engine engine(rs);
    std::atomic<size_t> kept{0};
    // Evaluates documents [b, e) for which keep(i) holds; counts the kept ones.
    auto quality_slice = [&](size_t b, size_t e, const std::function<bool(size_t)>& keep) {
      auto scratch = Engine::NewScratch();
      Evaluation ev;
      size_t k = 0;
      for (size_t i = b; i < e; ++i) {
        if (keep && !keep(i)) continue;
        engine.Evaluate(texts[i], true, false, *scratch, &ev);
        k += ev.failures.empty();
      }
      kept += k;
    };
#ifdef WINNOW_QUALITY_BENCH_CLD2
    auto cld2 = [&](std::string_view text) {
      CLD2::Language lang3[3];
      int percent3[3];
      double score3[3];
      int text_bytes = 0, valid_prefix = 0;
      bool reliable = false;
      return CLD2::ExtDetectLanguageSummaryCheckUTF8(
          text.data(), static_cast<int>(std::min<size_t>(text.size(), INT32_MAX)), true, nullptr, 0,
          lang3, percent3, score3, nullptr, &text_bytes, &reliable, &valid_prefix);
    };
    // cleaner/language's kernel as the plugin calls it (default options: the
    // combined detector: script analysis, then CLD2 with its best-effort flag).
    std::unique_ptr<winnow::langid::Detector> detector;
    {
      auto det = winnow::langid::Detector::Create(winnow::langid::DetectorOptions{});
      if (det.ok()) detector = std::move(det).value();
    }
#endif
    for (int threads : {1, 2}) {
      timed("baseline: simdjson scan", threads, parts.size(), 5 * texts.size(),
            [&](int, size_t b, size_t e) {
              simdjson::ondemand::parser parser;
              for (int rep = 0; rep < 5; ++rep) {
                for (size_t k = b; k < e; ++k) {
                  simdjson::ondemand::document_stream stream;
                  if (parser.iterate_many(parts[k], 1 << 20).get(stream)) return;
                  for (auto doc : stream) {
                    std::string_view t;
                    if (doc["text"].get_string().get(t)) continue;
                  }
                }
              }
            });
#ifdef WINNOW_QUALITY_BENCH_CLD2
      std::atomic<size_t> english{0};
      timed("baseline: CLD2 alone", threads, texts.size(), texts.size(),
            [&](int, size_t b, size_t e) {
              size_t en = 0;
              for (size_t i = b; i < e; ++i) en += cld2(texts[i]) == CLD2::ENGLISH;
              english += en;
            });
#endif
      timed("quality, 4 presets (drop)", threads, texts.size(), texts.size(),
            [&](int, size_t b, size_t e) { quality_slice(b, e, nullptr); });
#ifdef WINNOW_QUALITY_BENCH_CLD2
      if (detector) {
        timed("language kernel (Detector::Detect)", threads, texts.size(), texts.size(),
              [&](int, size_t b, size_t e) {
                size_t en = 0;
                for (size_t i = b; i < e; ++i) en += detector->Detect(texts[i]).language == "en";
                (void)en;
              });
        kept = 0;
        timed("language kernel + quality (drop)", threads, texts.size(), texts.size(),
              [&](int, size_t b, size_t e) {
                quality_slice(
                    b, e, [&](size_t i) { return detector->Detect(texts[i]).language == "en"; });
              });
      }
      kept = 0;
      timed("CLD2 + quality, 4 presets (drop)", threads, texts.size(), texts.size(),
            [&](int, size_t b, size_t e) {
              quality_slice(b, e, [&](size_t i) { return cld2(texts[i]) == CLD2::ENGLISH; });
            });
      std::printf("           (%zu of %zu documents English, %zu of them kept)\n", english.load(),
                  texts.size(), kept.load());
#else
      std::printf("threads %d: CLD2 not found at build time: language baselines skipped\n",
                  threads);
#endif
    }
  }

#ifdef WINNOW_QUALITY_BENCH_CLD2
  // 3b. Interleaved: for every document the kernels run one after the other in
  // a random order, each timed on the thread's CPU clock. On a shared machine
  // the kernels then see the same disturbances, so their ratios are stable
  // even when the absolute figures are not.
  if (interleaved) {
    auto det = winnow::langid::Detector::Create(winnow::langid::DetectorOptions{});
    if (!det.ok()) return 1;
    RuleSet rs;
    rs.presets = all;
    Engine engine(rs);
    winnow::quality_ref::RefEngine ref(rs);
    auto scratch = Engine::NewScratch();
    Evaluation ev;
    constexpr int kKernels = 5;
    const char* names[kKernels] = {"CLD2 alone (the baseline)", "language kernel (Detect)",
                                   "quality, 4 presets (drop)", "quality, previous engine (drop)",
                                   "timer + copy of the text (floor)"};
    double cpu[kKernels] = {};
    uint64_t rng = 0x9E3779B97F4A7C15ULL;
    std::string sink;
    for (const auto& t : texts) {
      int order[kKernels] = {0, 1, 2, 3, 4};
      for (int k = kKernels - 1; k > 0; --k) {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        std::swap(order[k], order[rng % static_cast<uint64_t>(k + 1)]);
      }
      for (int which : order) {
        double c0 = ThreadCpuNow();
        switch (which) {
          case 0: {
            CLD2::Language lang3[3];
            int percent3[3], text_bytes = 0, valid_prefix = 0;
            double score3[3];
            bool reliable = false;
            CLD2::ExtDetectLanguageSummaryCheckUTF8(
                t.data(), static_cast<int>(std::min<size_t>(t.size(), INT32_MAX)), true, nullptr, 0,
                lang3, percent3, score3, nullptr, &text_bytes, &reliable, &valid_prefix);
            break;
          }
          case 1:
            (*det)->Detect(t);
            break;
          case 2:
            engine.Evaluate(t, true, false, *scratch, &ev);
            break;
          case 3:
            ref.Evaluate(t, true, false, &ev);
            break;
          default:
            sink.assign(t);
            break;
        }
        cpu[which] += ThreadCpuNow() - c0;
      }
    }
    const double n = static_cast<double>(texts.size());
    std::printf("interleaved, one thread, docs per CPU-second (cost relative to CLD2 alone):\n");
    for (int k = 0; k < kKernels; ++k) {
      std::printf("  %-40s %10.0f docs/s  %7.1f us/doc  %6.3f\n", names[k], n / cpu[k],
                  cpu[k] / n * 1e6, cpu[k] / cpu[0]);
    }
    std::printf("  %-40s %10.0f docs/s  %7.1f us/doc  %6.3f\n", "language kernel + quality (chain)",
                n / (cpu[1] + cpu[2]), (cpu[1] + cpu[2]) / n * 1e6, (cpu[1] + cpu[2]) / cpu[0]);
  }
#else
  if (interleaved) std::printf("built without CLD2: --interleaved ignored\n");
#endif

#ifdef WINNOW_QUALITY_BENCH_HARNESS
  if (harness) {
    g_rows = &rows;
    const char* args[] = {argv[0], "--reporter", "compact"};
    Catch::Session().run(3, args);
  }
#else
  if (harness) std::printf("built without the harness: --harness ignored\n");
#endif
  // 5. End to end through the winnow binary.
  if (!winnow_bin.empty()) {
    fs::path dir = fs::temp_directory_path() / "winnow_quality_bench_e2e";
    fs::create_directories(dir);
    auto write_pipeline = [&](const char* name, const char* middle) {
      fs::path yaml = dir / (std::string(name) + ".yaml");
      std::ofstream(yaml) << "name: " << name << "\nrun:\n  output_dir: " << (dir / name).string()
                          << "\nsteps:\n  - name: read\n    uses: source/jsonl\n    with:\n"
                          << "      paths: " << file.string() << "\n"
                          << middle << "  - name: write\n    uses: exporter/jsonl\n    with:\n"
                          << "      path: out.jsonl\n";
      return yaml;
    };
    fs::path identity = write_pipeline("identity", "");
    fs::path chain = write_pipeline(
        "chain",
        "  - name: language\n    uses: cleaner/language\n    with:\n      languages: [en]\n"
        "  - name: quality\n    uses: cleaner/quality\n    with:\n"
        "      presets: [gopher_repetition, gopher_quality, c4, fineweb]\n");
    fs::path language = write_pipeline(
        "language",
        "  - name: language\n    uses: cleaner/language\n    with:\n      languages: [en]\n");
    fs::path quality =
        write_pipeline("quality",
                       "  - name: quality\n    uses: cleaner/quality\n    with:\n"
                       "      presets: [gopher_repetition, gopher_quality, c4, fineweb]\n");
    auto child_cpu = [] {
      rusage ru;
      getrusage(RUSAGE_CHILDREN, &ru);
      return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
             static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
    };
    for (int threads : {1, 2}) {
      for (const auto& [label, yaml] :
           {std::pair<const char*, fs::path>{"winnow run: jsonl -> jsonl", identity},
            {"winnow run: language", language},
            {"winnow run: quality (4 presets)", quality},
            {"winnow run: language + quality", chain}}) {
        std::string cmd = winnow_bin + " -q run " + yaml.string() + " --no-cache --threads " +
                          std::to_string(threads) + " > " + (dir / "log.txt").string() + " 2>&1";
        double c0 = child_cpu(), w0 = Now();
        int rc = std::system(cmd.c_str());
        double wall = Now() - w0, cpu = child_cpu() - c0;
        if (rc != 0) {
          std::printf("threads %d: %s failed (see %s)\n", threads, label,
                      (dir / "log.txt").string().c_str());
          continue;
        }
        std::printf("threads %d: %-37s %10.0f docs/s  %10.0f docs/s per core (per CPU-s)\n",
                    threads, label, static_cast<double>(n_docs) / wall,
                    static_cast<double>(n_docs) / cpu);
      }
    }
    if (!keep_files) fs::remove_all(dir);
  }

  if (keep_files) {
    std::printf("kept %s\n", file.string().c_str());
  } else {
    fs::remove(file);
  }
  return 0;
}
