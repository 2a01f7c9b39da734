// dedup_bench — throughput of cleaner/exact_dedup and cleaner/minhash_dedup
// kernels next to a baseline measured in the same run (a raw simdjson
// on-demand scan of the same JSONL's text field), and precision/recall/F1 of
// minhash_dedup on a generated corpus with known near-duplicate clusters.
//
//   build-X/bin/dedup_bench [--docs N] [--quality-originals N] [--reps N]
//                        [--only minhash | --only kernels]
//
// Single-threaded unless stated. Throughput is JSONL bytes per second; each
// minhash figure is the best of --reps runs (default 3).
#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "exact_dedup_index.h"
#include "minhash.h"
#include "minhash_dedup_fast.h"
#include "minhash_dedup_lsh.h"
#include "near_dup_gen.h"
#include "text_norm.h"
#include "winnow/record.h"
#include "winnow/value.h"

using namespace winnow;
using namespace winnow::cleaners;

namespace {

// CPU seconds of the whole process (all threads): throughput per core on a
// machine shared with other work.
double CpuNow() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

struct Corpus {
  std::shared_ptr<Arena> arena;
  std::vector<std::string_view> lines;
  size_t bytes = 0;
};

// ~2 KB English-like documents, 10% exact repeats.
Corpus MakeCorpus(size_t docs) {
  bench::TextMaker maker(1);
  std::vector<std::string> texts;
  std::string jsonl;
  for (size_t i = 0; i < docs; ++i) {
    std::string text;
    if (i > 10 && maker.rng()() % 10 == 0) {
      text = texts[maker.rng()() % texts.size()];
    } else {
      while (text.size() < 2000) text += maker.Sentence() + (maker.rng()() % 5 ? " " : "\n");
    }
    texts.push_back(text);
    jsonl += "{\"id\":" + std::to_string(i) + ",\"text\":";
    AppendJsonString(jsonl, text);
    jsonl += ",\"source\":\"bench\"}\n";
  }
  Corpus c;
  c.arena = std::make_shared<Arena>();
  c.arena->bytes = jsonl + std::string(Arena::kPadding, ' ');
  c.bytes = jsonl.size();
  std::string_view all(c.arena->bytes.data(), jsonl.size());
  size_t pos = 0;
  while (pos < all.size()) {
    size_t nl = all.find('\n', pos);
    c.lines.push_back(all.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return c;
}

void Report(const char* what, double seconds, size_t bytes, double baseline_mbs, size_t docs) {
  double mbs = static_cast<double>(bytes) / seconds / 1e6;
  std::printf("  %-52s %8.0f MB/s %9.0f docs/s  (%.2fx of baseline)\n", what, mbs,
              static_cast<double>(docs) / seconds, mbs / baseline_mbs);
}

double Baseline(const Corpus& c, int reps) {
  simdjson::ondemand::parser parser;
  double best = 1e9;
  size_t sink = 0;
  for (int r = 0; r < reps; ++r) {
    double t0 = Now();
    for (auto line : c.lines) {
      simdjson::ondemand::document doc;
      std::string_view text;
      if (parser.iterate(line.data(), line.size(), line.size() + Arena::kPadding).get(doc) ||
          doc["text"].get_string().get(text)) {
        continue;
      }
      sink += text.size();
    }
    best = std::min(best, Now() - t0);
  }
  if (sink == 0) std::printf("(empty)\n");
  return best;
}

double ExactRun(const Corpus& c, std::vector<NormStep> steps, size_t* dups) {
  ExactKeyer keyer({"text"}, std::move(steps));
  ExactIndex index;
  double t0 = Now();
  *dups = 0;
  uint64_t ord = 0;
  for (auto line : c.lines) {
    Record rec(RowId{0, ord}, c.arena, line);
    ExactKey k = keyer.Key(rec);
    *dups += index.FindOrInsert(k.hash, RowRef{0, 0, ord}) != nullptr;
    ++ord;
  }
  return Now() - t0;
}

struct MinhashTimes {
  double tokenize = 0, sign = 0, cluster_filter = 0, total = 0, cpu = 0;
  size_t duplicates = 0;
};

// End to end on `threads` threads: read field, shingle, sign, band keys, add
// to the LSH index; cluster; look every row up (the filter pass). `fast`: the
// plugin's hot path (minhash_dedup_fast.h); otherwise the shared reference
// code (common Tokenizer + ShingleHashes + MinHasher::Sign).
MinhashTimes MinhashRun(const Corpus& c, int threads, bool fast) {
  MinHasher hasher(112, 1);
  Signer signer(hasher);
  LshIndex lsh(14, uint64_t{1024} << 20, "/tmp", 0.0);
  MinhashTimes t;
  double c0 = CpuNow();
  double t0 = Now();
  std::vector<double> tok_time(threads), sign_time(threads);
  auto work = [&](int w) {
    Tokenizer tok;
    Tokens tokens;
    Shingler shingler;
    std::string scratch;
    std::vector<uint64_t> sh, sig(112);
    std::vector<RowId> ids;
    std::vector<uint64_t> keys;
    std::vector<std::vector<uint64_t>> sets;
    const size_t n = c.lines.size();
    for (size_t start = static_cast<size_t>(w) * 1000; start < n;
         start += static_cast<size_t>(threads) * 1000) {
      ids.clear();
      keys.clear();
      for (size_t i = start; i < std::min(n, start + 1000); ++i) {
        double a = Now();
        Record rec(RowId{0, i}, c.arena, c.lines[i]);
        TextField f = rec.GetText("text", scratch);
        if (fast) {
          shingler.Shingles(f.text, 5, false, &sh);
        } else {
          tok.Tokenize(f.text, &tokens);
          ShingleHashes(tokens, 5, false, &sh);
        }
        double b = Now();
        if (sh.empty()) continue;
        if (fast) {
          signer.Sign(sh.data(), sh.size(), sig.data());
        } else {
          hasher.Sign(sh.data(), sh.size(), sig.data());
        }
        size_t at = keys.size();
        keys.resize(at + 14);
        BandKeys(sig.data(), 14, 8, keys.data() + at);
        ids.push_back(RowId{0, i});
        double d = Now();
        tok_time[w] += b - a;
        sign_time[w] += d - b;
      }
      if (!lsh.Add(ids, keys, sets).ok()) std::abort();
    }
  };
  std::vector<std::thread> pool;
  for (int w = 0; w < threads; ++w) pool.emplace_back(work, w);
  for (auto& th : pool) th.join();
  double t1 = Now();
  auto clusters = lsh.Cluster(nullptr);
  if (!clusters.ok()) std::abort();
  for (size_t i = 0; i < c.lines.size(); ++i) {
    auto it = clusters->find(RowId{0, i});
    t.duplicates += it != clusters->end() && !(it->second.representative == RowId{0, i});
  }
  double t2 = Now();
  for (int w = 0; w < threads; ++w) {
    t.tokenize += tok_time[w];
    t.sign += sign_time[w];
  }
  t.cluster_filter = t2 - t1;
  t.total = t2 - t0;
  t.cpu = CpuNow() - c0;
  return t;
}

// Per-document cost of each minhash step (thread CPU time, best of `reps`),
// the fast path next to the shared reference code, on 64 documents cycled
// so that their text is in cache as it is right after the JSON read.
double ThreadCpu() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

void Kernels(const Corpus& c, int reps) {
  const size_t calls = 20000, hot = 64;
  std::vector<std::string> texts;
  std::string scratch;
  for (size_t i = 0; i < hot && i < c.lines.size(); ++i) {
    Record rec(RowId{0, i}, c.arena, c.lines[i]);
    texts.emplace_back(rec.GetText("text", scratch).text);
  }
  MinHasher hasher(112, 1);
  Signer signer(hasher);
  Shingler shingler;
  Tokenizer tok;
  Tokens tokens;
  std::vector<std::vector<uint64_t>> sh(texts.size());
  for (size_t i = 0; i < texts.size(); ++i) shingler.Shingles(texts[i], 5, false, &sh[i]);
  std::vector<uint64_t> out, sig(112), keys(14);
  uint64_t sink = 0;
  std::vector<std::pair<std::string, std::function<void(size_t)>>> steps;
  steps.emplace_back("JSON field read (Record::GetText)", [&](size_t i) {
    Record rec(RowId{0, i}, c.arena, c.lines[i]);
    sink += rec.GetText("text", scratch).text.size();
  });
  steps.emplace_back("reference: Tokenizer + ShingleHashes (XXH64)", [&](size_t i) {
    tok.Tokenize(texts[i], &tokens);
    ShingleHashes(tokens, 5, false, &out);
    sink += out[0];
  });
  steps.emplace_back("fast: Shingler::Shingles (tokenise + XXH64 by length)", [&](size_t i) {
    shingler.Shingles(texts[i], 5, false, &out);
    sink += out[0];
  });
  steps.emplace_back("reference: MinHasher::Sign (112 permutations)", [&](size_t i) {
    hasher.Sign(sh[i].data(), sh[i].size(), sig.data());
    sink += sig[0];
  });
  steps.emplace_back(std::string("fast: Signer::Sign, ") + signer.kernel_name(), [&](size_t i) {
    signer.Sign(sh[i].data(), sh[i].size(), sig.data());
    sink += sig[0];
  });
  steps.emplace_back("BandKeys (14 x 8)", [&](size_t i) {
    BandKeys(sh[i].data(), 14, 8, keys.data());
    sink += keys[0];
  });
  // Repetitions interleaved across the steps, so that a busy moment on the
  // shared machine does not favour one step.
  std::vector<double> best(steps.size(), 1e9);
  for (int r = 0; r < reps; ++r) {
    for (size_t s = 0; s < steps.size(); ++s) {
      const double t0 = ThreadCpu();
      for (size_t k = 0; k < calls; ++k) steps[s].second(k % texts.size());
      best[s] = std::min(best[s], ThreadCpu() - t0);
    }
  }
  std::printf(
      "\nPer-document steps (%zu calls over %zu cached ~2 KB documents, %.0f shingles each,"
      " thread CPU time, best of %d):\n",
      calls, texts.size(), static_cast<double>(sh[0].size()), reps);
  for (size_t s = 0; s < steps.size(); ++s) {
    std::printf("  %-60s %6.2f us/doc\n", steps[s].first.c_str(),
                best[s] / static_cast<double>(calls) * 1e6);
  }
  std::printf("  fast/reference: shingles %.2fx, signing %.2fx\n", best[2] / best[1],
              best[4] / best[3]);
  if (sink == 42) std::printf("(sink)\n");
}

void Quality(size_t originals) {
  bench::NearDupOptions opt;
  opt.originals = originals;
  opt.max_copies = 3;
  opt.words_per_doc = 300;
  opt.min_similarity = 0.3;
  std::printf(
      "\nNear-duplicate quality (%zu originals, up to %zu copies each, copy similarity "
      "uniform in [%.1f, 1]):\n",
      originals, opt.max_copies, opt.min_similarity);
  double t0 = Now();
  auto corpus = bench::GenerateNearDuplicates(opt);
  std::printf("  generated %zu documents in %.1f s\n", corpus.texts.size(), Now() - t0);
  const size_t n = corpus.texts.size();
  Tokenizer tok;
  std::vector<std::vector<uint64_t>> sets(n);
  for (size_t i = 0; i < n; ++i) sets[i] = bench::ShingleSet(tok, corpus.texts[i]);
  // Ground truth per threshold: row i is a duplicate when an earlier row of its
  // group has Jaccard >= t (different groups share no 5-grams in practice).
  std::unordered_map<uint32_t, std::vector<size_t>> groups;
  for (size_t i = 0; i < n; ++i) groups[corpus.group[i]].push_back(i);
  std::vector<double> best_earlier(n, 0.0);
  for (auto& [g, members] : groups) {
    for (size_t a = 0; a < members.size(); ++a) {
      for (size_t b = 0; b < a; ++b) {
        size_t i = members[a], j = members[b];
        double s = JaccardSorted(sets[i].data(), sets[i].size(), sets[j].data(), sets[j].size());
        best_earlier[i] = std::max(best_earlier[i], s);
      }
    }
  }
  MinHasher hasher(112, 1);
  auto run = [&](double verify) {
    LshIndex lsh(14, uint64_t{256} << 20, "/tmp/winnow-dedup-bench", verify);
    std::vector<RowId> ids;
    std::vector<uint64_t> keys, sig(112), sh;
    std::vector<std::vector<uint64_t>> vsets;
    Tokens tokens;
    for (size_t i = 0; i < n; ++i) {
      tok.Tokenize(corpus.texts[i], &tokens);
      ShingleHashes(tokens, 5, false, &sh);
      hasher.Sign(sh.data(), sh.size(), sig.data());
      size_t at = keys.size();
      keys.resize(at + 14);
      BandKeys(sig.data(), 14, 8, keys.data() + at);
      ids.push_back(RowId{0, i});
      if (verify > 0) vsets.push_back(sets[i]);
    }
    if (!lsh.Add(ids, keys, vsets).ok()) std::abort();
    auto clusters = lsh.Cluster(nullptr);
    std::vector<bool> pred(n, false);
    for (size_t i = 0; i < n; ++i) {
      auto it = clusters->find(RowId{0, i});
      pred[i] = it != clusters->end() && !(it->second.representative == RowId{0, i});
    }
    return pred;
  };
  auto lsh_only = run(0.0);
  std::printf("  %-28s %9s %9s %9s %9s\n", "threshold t (truth: J >= t)", "mode", "precision",
              "recall", "F1");
  for (double t : {0.5, 0.6, 0.7, 0.8, 0.9}) {
    auto verified = run(t);
    for (int m = 0; m < 2; ++m) {
      const auto& pred = m == 0 ? lsh_only : verified;
      size_t tp = 0, fp = 0, fn = 0;
      for (size_t i = 0; i < n; ++i) {
        bool truth = best_earlier[i] >= t;
        tp += pred[i] && truth;
        fp += pred[i] && !truth;
        fn += !pred[i] && truth;
      }
      double p = tp + fp ? static_cast<double>(tp) / static_cast<double>(tp + fp) : 1.0;
      double r = tp + fn ? static_cast<double>(tp) / static_cast<double>(tp + fn) : 1.0;
      std::printf("  %-28.1f %9s %9.3f %9.3f %9.3f\n", t, m == 0 ? "lsh" : "verified", p, r,
                  p + r > 0 ? 2 * p * r / (p + r) : 0.0);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  size_t docs = 50000, originals = 1000;
  int reps = 3;
  bool minhash_only = false, kernels_only = false;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--docs") == 0) docs = std::stoul(argv[i + 1]);
    if (std::strcmp(argv[i], "--reps") == 0) reps = std::stoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--only") == 0) {
      minhash_only = std::strcmp(argv[i + 1], "minhash") == 0;
      kernels_only = std::strcmp(argv[i + 1], "kernels") == 0;
    }
    if (std::strcmp(argv[i], "--quality-originals") == 0) originals = std::stoul(argv[i + 1]);
  }
  Corpus c = MakeCorpus(docs);
  std::printf("dedup_bench: %zu documents, %.1f MB of JSONL (avg %.0f bytes/doc)\n", docs,
              static_cast<double>(c.bytes) / 1e6, static_cast<double>(c.bytes) / docs);
  if (kernels_only) {
    Kernels(c, reps);
    return 0;
  }
  double cpu0 = CpuNow();
  double base = Baseline(c, 3);
  std::printf("baseline CPU time per pass %.3f s (wall %.3f s best of 3)\n", (CpuNow() - cpu0) / 3,
              base);
  double base_mbs = static_cast<double>(c.bytes) / base / 1e6;
  std::printf("\nSingle thread:\n");
  Report("baseline: simdjson on-demand scan of \"text\"", base, c.bytes, base_mbs, docs);
  size_t dups = 0;
  struct Variant {
    const char* name;
    std::vector<NormStep> steps;
  };
  std::vector<Variant> variants = {
      {"exact_dedup, normalize [] (raw bytes)", {}},
      {"exact_dedup, normalize [nfc] (default)", {NormStep::kNfc}},
      {"exact_dedup, normalize [lowercase, whitespace]",
       {NormStep::kLowercase, NormStep::kWhitespace}},
      {"exact_dedup, normalize [simplify]", {NormStep::kSimplify}},
  };
  for (auto& v : variants) {
    if (minhash_only) break;
    double best = 1e9;
    for (int r = 0; r < 3; ++r) best = std::min(best, ExactRun(c, v.steps, &dups));
    Report(v.name, best, c.bytes, base_mbs, docs);
  }
  if (!minhash_only) std::printf("  (exact duplicates found: %zu)\n", dups);
  MinHasher probe(112, 1);
  Signer probe_signer(probe);
  std::printf("\nminhash_dedup end to end, 5-grams, 14 bands x 8 rows, kernel %s (reference %s):\n",
              probe_signer.kernel_name(), probe.kernel_name());
  // Repetitions interleaved (reference, fast, reference, fast, ...), so that
  // a busy moment on the shared machine does not favour one path; best of
  // `reps` each (by wall clock).
  MinhashTimes best1[2], best2[2];
  for (int f = 0; f < 2; ++f) best1[f].total = best2[f].total = 1e9;
  for (int r = 0; r < reps; ++r) {
    for (int f = 0; f < 2; ++f) {
      MinhashTimes m1 = MinhashRun(c, 1, f == 1);
      if (m1.total < best1[f].total) best1[f] = m1;
    }
  }
  for (int r = 0; r < reps; ++r) {
    for (int f = 0; f < 2; ++f) {
      MinhashTimes m2 = MinhashRun(c, 2, f == 1);
      if (m2.total < best2[f].total) best2[f] = m2;
    }
  }
  for (int f = 0; f < 2; ++f) {
    const std::string label = f == 1 ? "minhash_dedup" : "reference path (common/)";
    Report((label + ", 1 thread").c_str(), best1[f].total, c.bytes, base_mbs, docs);
    std::printf("    per CPU second: %.0f MB/s (%.1f us of CPU per document)\n",
                static_cast<double>(c.bytes) / best1[f].cpu / 1e6,
                best1[f].cpu / static_cast<double>(docs) * 1e6);
    std::printf(
        "    of which read+tokenize+shingle %.2f s, sign+band keys %.2f s, "
        "cluster+filter %.2f s; %zu near duplicates\n",
        best1[f].tokenize, best1[f].sign, best1[f].cluster_filter, best1[f].duplicates);
    Report((label + ", 2 threads (wall clock)").c_str(), best2[f].total, c.bytes, base_mbs, docs);
    std::printf("    per CPU second: %.0f MB/s; speed-up over 1 thread %.2fx\n",
                static_cast<double>(c.bytes) / best2[f].cpu / 1e6, best1[f].total / best2[f].total);
    if (best2[f].duplicates != best1[f].duplicates) {
      std::printf("ERROR: 2 threads found %zu near duplicates, 1 thread %zu\n", best2[f].duplicates,
                  best1[f].duplicates);
      return 1;
    }
  }
  std::printf("  minhash_dedup vs reference path, CPU time per document (1 thread): %.2fx\n",
              best1[0].cpu / best1[1].cpu);
  if (best1[1].duplicates != best1[0].duplicates) {
    std::printf("ERROR: the fast path found %zu near duplicates, the reference path %zu\n",
                best1[1].duplicates, best1[0].duplicates);
    return 1;
  }
  Kernels(c, reps);
  if (originals > 0) Quality(originals);
  return 0;
}
