// cleaner/diversity_sample — choose k rows (or a fraction) that cover the
// data's variety, without a neural model.
//
// Contract
//   Input   rows with a string field `field` (default "text").
//   Sketch  each row becomes a MinHash signature of its word n-grams
//           (`representation: minhash`, `num_perm` 32-bit values, datatrove's
//           text simplification and shingling from cleaners/common) or a
//           coordinated sample of its hashed word 1-2-gram TF-IDF vector
//           (`representation: tfidf`, `features` terms). Only sketches and row
//           ids are kept in memory (about num_perm*4 or features*8 bytes per
//           row), never the texts.
//   Select  greedy k-center / farthest point (`method: kcenter`) or
//           cluster-then-stratify (`method: stratified`: `clusters` centres by
//           farthest point, every row to its nearest centre, k split across
//           clusters in proportion to size with at least one per cluster).
//           Seeded (`seed`) and deterministic: rows are ordered by row id before
//           selection, so thread count, batch size and Observe order do not
//           change the result; under MPI every rank gathers all sketches and
//           reaches the same decisions.
//   Output  mode drop: unselected rows are dropped with reason
//           "diversity_sample:not_selected". mode annotate: every sampled row
//           gets `cluster_field` (reference cluster id) and `selected_field`
//           (true/false); nothing is dropped.
//   Errors  "diversity_sample:missing_field" (missing/null, on_missing: reject),
//           "diversity_sample:wrong_type", "diversity_sample:malformed_record".
//           With on_missing: pass such rows pass through unsampled and unchanged.
//   Counters rows_sampled, selected, clusters_total, clusters_covered (the
//           reference clustering has `clusters` clusters; 0 = ceil(sqrt(rows))).
// Mode: StageMode::kGlobal (Observe per batch in parallel, Finish selects,
// Process applies). Thread-safety: Observe may run concurrently (a mutex guards
// the shared list); Process only reads the decisions.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "diversity_sample_select.h"
#include "minhash.h"
#include "text_norm.h"
#include "winnow/comm.h"
#include "winnow/hash.h"
#include "winnow/plugin.h"
#include "winnow/stage.h"
#include "winnow/text.h"

namespace {

using winnow::Batch;
using winnow::ConfigError;
using winnow::Context;
using winnow::RowId;
using winnow::Status;
namespace dv = winnow::diversity;

struct DiversityConfig {
  std::string field = "text";
  int64_t k = 0;
  double fraction = 0.0;
  std::string representation = "minhash";
  std::string method = "kcenter";
  int64_t clusters = 0;
  int64_t seed = 42;
  std::string mode = "drop";
  std::string cluster_field = "cluster";
  std::string selected_field = "selected";
  std::string on_missing = "reject";
  int64_t num_perm = 64;
  int64_t ngram_size = 1;
  int64_t features = 128;
  int64_t threads = 0;
};

const winnow::ConfigSchema& DiversitySchema() {
  static const auto schema =
      winnow::SchemaBuilder<DiversityConfig>()
          .String("field", &DiversityConfig::field, "Field holding the text to sketch.")
          .Int("k", &DiversityConfig::k, "Number of rows to select (set k or fraction).")
          .Min(0)
          .Double("fraction", &DiversityConfig::fraction,
                  "Share of rows to select, from 0 to 1 (set k or fraction); the count is "
                  "rounded to the nearest row.")
          .Range(0.0, 1.0)
          .Enum("representation", &DiversityConfig::representation, {"minhash", "tfidf"},
                "How rows are compared: MinHash signatures of word n-grams (Jaccard) or "
                "hashed word 1-2-gram TF-IDF vectors (cosine).")
          .Enum("method", &DiversityConfig::method, {"kcenter", "stratified"},
                "Selection: greedy k-center (farthest point first), or clustering followed by "
                "a sample from every cluster in proportion to its size.")
          .Int("clusters", &DiversityConfig::clusters,
               "Number of reference clusters, used by the stratified method and by the "
               "clusters_total/clusters_covered statistics; 0 means the square root of the "
               "number of rows, rounded up.")
          .Min(0)
          .Int("seed", &DiversityConfig::seed,
               "Seed for the MinHash permutations, the starting point and the order within "
               "clusters; the same seed and input always give the same sample.")
          .Enum("mode", &DiversityConfig::mode, {"drop", "annotate"},
                "drop removes unselected rows; annotate keeps every row and writes the "
                "cluster id and the selected flag.")
          .String("cluster_field", &DiversityConfig::cluster_field,
                  "Field receiving the row's cluster id in annotate mode.")
          .String("selected_field", &DiversityConfig::selected_field,
                  "Field receiving true or false in annotate mode.")
          .Enum("on_missing", &DiversityConfig::on_missing, {"reject", "pass"},
                "Rows whose field is missing or null: reject them as errors, or pass them "
                "through unchanged without taking part in the sample.")
          .Int("num_perm", &DiversityConfig::num_perm,
               "MinHash signature length (32-bit values per row).")
          .Range(8, 1024)
          .Int("ngram_size", &DiversityConfig::ngram_size,
               "Words per MinHash shingle; 1 compares vocabularies (topics), 5 finds "
               "near-duplicates.")
          .Range(1, 16)
          .Int("features", &DiversityConfig::features,
               "TF-IDF terms kept per row (a coordinated sample of the row's distinct terms).")
          .Range(8, 4096)
          .Int("threads", &DiversityConfig::threads,
               "Threads used by the selection in Finish; 0 means the number of cores. The "
               "result does not depend on it.")
          .Min(0)
          .Build();
  return schema;
}

struct Entry {
  RowId id;
  dv::Sketch sketch;
};

class DiversitySample final : public winnow::Stage {
 public:
  explicit DiversitySample(DiversityConfig c) : config_(std::move(c)) {}

  winnow::StageMode mode() const override { return winnow::StageMode::kGlobal; }

  Status Init() override {
    if (config_.field.empty()) return ConfigError("field", "The field name must not be empty.");
    if (config_.k == 0 && config_.fraction == 0.0) {
      return ConfigError("k",
                         "Set k (a number of rows) or fraction (a share of rows) to say "
                         "how many rows to select.");
    }
    if (config_.k > 0 && config_.fraction > 0.0) {
      return ConfigError("fraction", "Set either k or fraction, not both.");
    }
    if (config_.mode == "annotate" && config_.cluster_field.empty() &&
        config_.selected_field.empty()) {
      return ConfigError("cluster_field", "annotate mode needs cluster_field or selected_field.");
    }
    if (config_.representation == "minhash") {
      hasher_ = std::make_unique<winnow::cleaners::MinHasher>(static_cast<int>(config_.num_perm),
                                                              static_cast<uint32_t>(config_.seed));
    }
    return Status::Ok();
  }

  Status Open(Context& ctx) override {
    if (config_.representation == "tfidf") df_ = std::make_unique<dv::DocFreq>();
    return Status::Ok();
  }

  Status Observe(const Batch& batch, Context& ctx) override {
    winnow::cleaners::Tokenizer tokenizer;
    winnow::cleaners::Tokens tokens;
    std::vector<uint64_t> shingles, sig64;
    std::string scratch;
    std::vector<Entry> local;
    local.reserve(batch.rows.size());
    for (size_t i = 0; i < batch.rows.size(); ++i) {
      if (batch.IsMarked(i)) continue;
      const auto& row = batch.rows[i];
      winnow::TextField f = row.GetText(config_.field, scratch);
      if (f.state != winnow::FieldState::kPresent) continue;  // handled in Process
      Entry e;
      e.id = row.id();
      tokenizer.Tokenize(f.text, &tokens);  // replaces invalid UTF-8 by U+FFFD
      if (hasher_) {
        winnow::cleaners::ShingleHashes(tokens, static_cast<int>(config_.ngram_size), true,
                                        &shingles);
        sig64.resize(static_cast<size_t>(hasher_->num_perm()));
        hasher_->Sign(shingles.data(), shingles.size(), sig64.data());
        e.sketch.sig.resize(sig64.size());
        for (size_t j = 0; j < sig64.size(); ++j) {
          e.sketch.sig[j] = static_cast<uint32_t>(sig64[j]);  // UINT64_MAX -> UINT32_MAX
        }
      } else {
        BuildTfidf(tokens, shingles, e.sketch);
        df_->Add(e.sketch.terms);
      }
      local.push_back(std::move(e));
    }
    std::lock_guard lock(mu_);
    for (auto& e : local) entries_.push_back(std::move(e));
    return Status::Ok();
  }

  Status Finish(Context& ctx) override {
    WINNOW_RETURN_IF_ERROR(GatherRanks(ctx));
    std::sort(entries_.begin(), entries_.end(),
              [](const Entry& a, const Entry& b) { return a.id < b.id; });
    const size_t n = entries_.size();
    if (df_) {
      for (auto& e : entries_) dv::ApplyIdf(e.sketch, *df_, n);
    }
    std::vector<dv::Sketch> sketches;
    sketches.reserve(n);
    std::vector<uint64_t> keys(n);
    for (size_t i = 0; i < n; ++i) {
      sketches.push_back(std::move(entries_[i].sketch));
      keys[i] = RowKey(entries_[i].id);
      ids_.push_back(entries_[i].id);
    }
    entries_.clear();
    entries_.shrink_to_fit();

    dv::SelectOptions opt;
    opt.representation = config_.representation == "tfidf" ? dv::Representation::kTfidf
                                                           : dv::Representation::kMinHash;
    opt.k = config_.k > 0
                ? static_cast<size_t>(config_.k)
                : static_cast<size_t>(std::llround(config_.fraction * static_cast<double>(n)));
    opt.clusters = config_.clusters > 0
                       ? static_cast<size_t>(config_.clusters)
                       : static_cast<size_t>(std::ceil(std::sqrt(static_cast<double>(n))));
    opt.stratified = config_.method == "stratified";
    opt.seed = static_cast<uint64_t>(config_.seed);
    opt.threads = config_.threads > 0
                      ? static_cast<int>(config_.threads)
                      : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    opt.cancelled = [&ctx] { return ctx.cancelled(); };
    dv::SelectResult r = dv::Select(sketches, keys, opt);
    if (r.cancelled) return Status::Cancelled("diversity_sample was cancelled during selection.");
    cluster_ = std::move(r.cluster);
    selected_ = std::move(r.selected);
    if (ctx.rank() == 0) {
      ctx.Count("rows_sampled", static_cast<int64_t>(n));
      ctx.Count("selected",
                static_cast<int64_t>(std::count(selected_.begin(), selected_.end(), 1)));
      ctx.Count("clusters_total", static_cast<int64_t>(r.clusters_total));
      ctx.Count("clusters_covered", static_cast<int64_t>(r.clusters_covered));
    }
    ctx.Info("selected " + std::to_string(std::min(opt.k, n)) + " of " + std::to_string(n) +
             " rows; they cover " + std::to_string(r.clusters_covered) + " of " +
             std::to_string(r.clusters_total) + " clusters");
    return Status::Ok();
  }

  Status Process(Batch& batch, Context& ctx) override {
    std::string scratch;
    int64_t passed = 0;
    for (size_t i = 0; i < batch.rows.size(); ++i) {
      if (batch.IsMarked(i)) continue;
      auto& row = batch.rows[i];
      auto it = std::lower_bound(ids_.begin(), ids_.end(), row.id());
      if (it == ids_.end() || *it != row.id()) {
        winnow::TextField f = row.GetText(config_.field, scratch);
        switch (f.state) {
          case winnow::FieldState::kMissing:
          case winnow::FieldState::kNull:
            if (config_.on_missing == "pass") {
              ++passed;
            } else {
              batch.Fail(i, "diversity_sample:missing_field",
                         "Field '" + config_.field + "' is " +
                             (f.state == winnow::FieldState::kNull ? "null" : "missing") + ".");
            }
            break;
          case winnow::FieldState::kWrongType:
            batch.Fail(i, "diversity_sample:wrong_type",
                       "Field '" + config_.field + "' is " +
                           std::string(winnow::ValueTypeName(f.found_type)) + ", not a string.");
            break;
          case winnow::FieldState::kMalformed:
            batch.Fail(i, "diversity_sample:malformed_record",
                       "The record is not valid JSON at or before field '" + config_.field + "'.");
            break;
          case winnow::FieldState::kPresent:
            // Not seen by Observe (should not happen): keep it, unsampled.
            ++passed;
            break;
        }
        continue;
      }
      size_t idx = static_cast<size_t>(it - ids_.begin());
      if (config_.mode == "annotate") {
        if (!config_.cluster_field.empty()) {
          row.Set(config_.cluster_field, winnow::Value(static_cast<int64_t>(cluster_[idx])));
        }
        if (!config_.selected_field.empty()) {
          row.Set(config_.selected_field, winnow::Value(selected_[idx] != 0));
        }
      } else if (!selected_[idx]) {
        batch.Drop(
            i, "diversity_sample:not_selected",
            "Row not among the selected rows (cluster " + std::to_string(cluster_[idx]) + ").");
      }
    }
    if (passed) ctx.Count("passed_unsampled", passed);
    return Status::Ok();
  }

 private:
  uint64_t RowKey(const RowId& id) const {
    char buf[12];
    std::memcpy(buf, &id.source, 4);
    std::memcpy(buf + 4, &id.ordinal, 8);
    return winnow::Hash64(std::string_view(buf, sizeof buf), static_cast<uint64_t>(config_.seed));
  }

  void BuildTfidf(const winnow::cleaners::Tokens& tokens, std::vector<uint64_t>& hashes,
                  dv::Sketch& out) const {
    std::vector<uint64_t> all;
    winnow::cleaners::ShingleHashes(tokens, 1, false, &hashes);
    all.insert(all.end(), hashes.begin(), hashes.end());
    winnow::cleaners::ShingleHashes(tokens, 2, false, &hashes);
    for (uint64_t h : hashes) all.push_back(h ^ 0x9E3779B97F4A7C15ULL);  // bigrams apart
    // Term id: 32 bits of a seeded remix; coordinated sample = the smallest ids.
    std::vector<uint32_t> ids(all.size());
    const uint64_t seed = static_cast<uint64_t>(config_.seed) * 0xD6E8FEB86659FD93ULL;
    for (size_t i = 0; i < all.size(); ++i) {
      uint64_t x = all[i] ^ seed;
      x ^= x >> 33;
      x *= 0xFF51AFD7ED558CCDULL;
      x ^= x >> 33;
      ids[i] = static_cast<uint32_t>(x >> 32);
    }
    std::sort(ids.begin(), ids.end());
    out.terms.clear();
    out.weights.clear();
    for (size_t i = 0;
         i < ids.size() && out.terms.size() < static_cast<size_t>(config_.features);) {
      size_t j = i;
      while (j < ids.size() && ids[j] == ids[i]) ++j;
      out.terms.push_back(ids[i]);
      out.weights.push_back(static_cast<float>(j - i));  // raw count until ApplyIdf
      i = j;
    }
  }

  // Under MPI: every rank gets every rank's sketches (and document frequencies).
  Status GatherRanks(Context& ctx) {
    auto& comm = ctx.comm();
    if (comm.world() <= 1) return Status::Ok();
    std::string mine;
    auto put = [&mine](const void* p, size_t n) { mine.append(static_cast<const char*>(p), n); };
    uint64_t count = entries_.size();
    put(&count, 8);
    for (const auto& e : entries_) {
      put(&e.id.source, 4);
      put(&e.id.ordinal, 8);
      uint32_t ns = static_cast<uint32_t>(e.sketch.sig.size()),
               nt = static_cast<uint32_t>(e.sketch.terms.size());
      put(&ns, 4);
      put(&nt, 4);
      put(e.sketch.sig.data(), ns * 4);
      put(e.sketch.terms.data(), nt * 4);
      put(e.sketch.weights.data(), nt * 4);
    }
    std::vector<std::string> all;
    WINNOW_RETURN_IF_ERROR(comm.AllGather(mine, &all));
    entries_.clear();
    for (const auto& blob : all) {
      size_t pos = 0;
      auto get = [&](void* p, size_t n) {
        if (pos + n > blob.size()) return false;
        std::memcpy(p, blob.data() + pos, n);
        pos += n;
        return true;
      };
      uint64_t c = 0;
      if (!get(&c, 8)) return Status::Internal("diversity_sample: short sketch exchange.");
      for (uint64_t k = 0; k < c; ++k) {
        Entry e;
        uint32_t ns = 0, nt = 0;
        bool ok = get(&e.id.source, 4) && get(&e.id.ordinal, 8) && get(&ns, 4) && get(&nt, 4);
        e.sketch.sig.resize(ns);
        e.sketch.terms.resize(nt);
        e.sketch.weights.resize(nt);
        ok = ok && get(e.sketch.sig.data(), ns * 4) && get(e.sketch.terms.data(), nt * 4) &&
             get(e.sketch.weights.data(), nt * 4);
        if (!ok) return Status::Internal("diversity_sample: short sketch exchange.");
        entries_.push_back(std::move(e));
      }
    }
    if (df_) {  // sum document frequencies over ranks
      std::vector<int64_t> counts;
      auto snap = df_->Snapshot();
      counts.assign(snap.begin(), snap.end());
      WINNOW_RETURN_IF_ERROR(comm.AllReduceSum(&counts));
      df_ = std::make_unique<dv::DocFreq>();
      std::vector<uint32_t> c32(counts.begin(), counts.end());
      df_->AddCounts(c32);
    }
    return Status::Ok();
  }

  DiversityConfig config_;
  std::unique_ptr<winnow::cleaners::MinHasher> hasher_;
  std::unique_ptr<dv::DocFreq> df_;
  std::mutex mu_;
  std::vector<Entry> entries_;
  std::vector<RowId> ids_;         // sorted
  std::vector<uint32_t> cluster_;  // parallel to ids_
  std::vector<uint8_t> selected_;
};

}  // namespace

WINNOW_PLUGIN(winnow::PluginKind::kCleaner, "diversity_sample", "1.0.0",
              "Choose k rows (or a fraction) covering the data's variety: MinHash or TF-IDF "
              "sketches, greedy k-center or cluster-then-stratify.",
              DiversityConfig, DiversitySample, DiversitySchema)
