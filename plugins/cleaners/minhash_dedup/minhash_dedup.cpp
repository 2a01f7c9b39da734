// cleaner/minhash_dedup — near-duplicate removal with MinHash LSH, datatrove-compatible.
//
// Contract:
//  * Global stage. Observe() (parallel, per batch): read `field`, tokenise
//    (datatrove simplify_text + word split, ICU word breaks for scripts
//    without spaces; an AVX2 fast path for ASCII documents, see
//    minhash_dedup_fast.h), hash word `ngram`-grams with XXH64, sign with
//    bands*rows permutations seeded like datatrove (numpy RandomState(seed)),
//    and store one 64-bit key per band. Finish(): group equal band keys
//    (spilling sorted runs to ctx.temp_dir() beyond `memory_mb`), join
//    candidate pairs with union-find (optionally only pairs whose exact
//    Jaccard similarity of shingle sets reaches `jaccard_threshold`).
//    Process(): drop or annotate.
//  * Each cluster keeps its lowest row id; the others are dropped with reason
//    "near_duplicate" (detail names the kept row and the cluster size), or, in
//    annotate mode, every row gets `cluster_id` (the kept row's id, e.g.
//    "0:17"; a row's own id when it has no near duplicate) and `cluster_size`.
//  * Under MPI (world > 1): band keys go to owner rank key % world
//    (AllToAll), owners union their groups and send the forest edges to the
//    ranks holding the rows, which find connected components by min-label
//    propagation (AllToAll rounds; no rank holds all links) and the
//    component sizes (minhash_dedup_dist.h): same cluster ids and sizes as
//    one process. jaccard_threshold > 0 is refused under MPI. Counter
//    comm.bytes_sent counts bytes sent.
//  * Deterministic: decisions depend only on row ids and texts, not on thread
//    count, batch size or arrival order.
//  * Bad input: missing/null field -> on_missing (reject: Fail
//    "minhash_dedup:missing_field"; pass: kept, never a duplicate); a
//    non-string field -> "minhash_dedup:not_a_string" (or pass); malformed
//    bytes -> "minhash_dedup:malformed_record"; invalid UTF-8 -> U+FFFD; fewer
//    than `ngram` words (empty, all punctuation, very short) -> no signature,
//    the row passes (datatrove), unless short_documents: whole, which makes
//    all words one shingle.
//  * Memory: band entries (12 bytes x bands per row) up to memory_mb, then
//    sorted runs on disk; per-row bookkeeping (~24 bytes) stays in memory.
//  * Counters: rows, signed, too_short, missing_field, not_a_string,
//    near_duplicates, clusters, candidate_pairs, jaccard_rejected, spilled_runs.
#include <algorithm>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "minhash.h"
#include "minhash_dedup_dist.h"
#include "minhash_dedup_fast.h"
#include "minhash_dedup_lsh.h"
#include "text_norm.h"
#include "winnow/plugin.h"
#include "winnow/schema.h"
#include "winnow/stage.h"

namespace winnow::cleaners {
namespace {

struct MinhashDedupConfig {
  std::string field = "text";
  int64_t ngram = 5;
  int64_t bands = 14;
  int64_t rows = 8;
  int64_t seed = 1;
  double jaccard_threshold = 0.0;
  std::string mode = "drop";
  std::string on_missing = "reject";
  std::string short_documents = "pass";
  int64_t memory_mb = 1024;
  std::string cluster_id_field = "cluster_id";
  std::string cluster_size_field = "cluster_size";
};

const ConfigSchema& Schema() {
  static const ConfigSchema schema =
      SchemaBuilder<MinhashDedupConfig>()
          .String("field", &MinhashDedupConfig::field, "Field holding the document text.")
          .Int("ngram", &MinhashDedupConfig::ngram, "Words per shingle (datatrove's n_grams).")
          .Range(1, 64)
          .Int("bands", &MinhashDedupConfig::bands,
               "Number of LSH bands (datatrove's num_buckets).")
          .Range(1, 256)
          .Int("rows", &MinhashDedupConfig::rows,
               "Hashes per band (datatrove's hashes_per_bucket). With 14 bands of 8 rows, pairs "
               "with Jaccard similarity 0.8 are found with probability 0.92 and pairs at 0.5 "
               "with probability 0.05.")
          .Range(1, 64)
          .Int("seed", &MinhashDedupConfig::seed,
               "Seed of the permutation parameters (numpy RandomState, as in datatrove).")
          .Range(0, 4294967295.0)
          .Double("jaccard_threshold", &MinhashDedupConfig::jaccard_threshold,
                  "When above 0, candidate pairs are joined only if the exact Jaccard similarity "
                  "of their shingle sets reaches this value (shingle sets are kept on disk). 0 "
                  "joins every pair that shares a band, like datatrove.")
          .Range(0, 1)
          .Enum("mode", &MinhashDedupConfig::mode, {"drop", "annotate"},
                "drop keeps the lowest row of each cluster and drops the others (reason "
                "near_duplicate); annotate keeps every row and adds the cluster fields.")
          .Enum("on_missing", &MinhashDedupConfig::on_missing, {"reject", "pass"},
                "What to do with a row whose field is missing, null or not a string: reject it "
                "as an error, or pass it through (it is never a duplicate).")
          .Enum("short_documents", &MinhashDedupConfig::short_documents, {"pass", "whole"},
                "Documents with fewer words than ngram have no shingle in datatrove and always "
                "pass (pass); whole hashes all their words as one shingle instead.")
          .Int("memory_mb", &MinhashDedupConfig::memory_mb,
               "Memory for band keys; beyond it sorted runs are spilled to the step's temporary "
               "directory.")
          .Min(1)
          .String("cluster_id_field", &MinhashDedupConfig::cluster_id_field,
                  "Field annotate mode sets to the id of the row each cluster keeps.")
          .String("cluster_size_field", &MinhashDedupConfig::cluster_size_field,
                  "Field annotate mode sets to the number of rows in the cluster.")
          .Build();
  return schema;
}

struct Failure {
  std::string reason, detail;
};

class MinhashDedup final : public Stage {
 public:
  explicit MinhashDedup(MinhashDedupConfig config) : config_(std::move(config)) {}

  Status Init() override {
    if (config_.mode == "annotate" &&
        (config_.cluster_id_field.empty() || config_.cluster_size_field.empty())) {
      return ConfigError("cluster_id_field", "Annotate mode needs non-empty field names.");
    }
    hasher_ = std::make_unique<MinHasher>(static_cast<int>(config_.bands * config_.rows),
                                          static_cast<uint32_t>(config_.seed));
    signer_ = std::make_unique<Signer>(*hasher_);
    return Status::Ok();
  }

  StageMode mode() const override { return StageMode::kGlobal; }

  Status Open(Context& ctx) override {
    if (ctx.world() > 1 && config_.jaccard_threshold > 0) {
      return ConfigError("jaccard_threshold",
                         "The exact Jaccard check needs the shingle sets of both rows of a pair "
                         "on one rank, which cleaner/minhash_dedup does not do under MPI (world " +
                             std::to_string(ctx.world()) +
                             "). Set jaccard_threshold: 0 or run in one process.");
    }
    lsh_ = std::make_unique<LshIndex>(static_cast<int>(config_.bands),
                                      static_cast<uint64_t>(config_.memory_mb) << 20,
                                      ctx.temp_dir(), config_.jaccard_threshold);
    ctx.Debug(std::string("minhash kernel: ") + signer_->kernel_name());
    return Status::Ok();
  }

  Status Observe(const Batch& batch, Context& ctx) override {
    std::unique_ptr<Worker> w = Acquire();
    std::vector<RowId> ids;
    std::vector<uint64_t> keys;
    std::vector<std::vector<uint64_t>> sets;
    std::vector<std::pair<RowId, Failure>> failures;
    const bool reject = config_.on_missing == "reject";
    const size_t bands = static_cast<size_t>(config_.bands);
    int64_t too_short = 0, missing = 0, wrong_type = 0;
    for (const Record& rec : batch.rows) {
      TextField f = rec.GetText(config_.field, w->scratch);
      if (f.state == FieldState::kMalformed) {
        failures.push_back(
            {rec.id(),
             {"minhash_dedup:malformed_record", "The record's bytes are not valid JSON."}});
        continue;
      }
      if (f.state == FieldState::kMissing || f.state == FieldState::kNull) {
        ++missing;
        if (reject) {
          failures.push_back({rec.id(),
                              {"minhash_dedup:missing_field",
                               "Field '" + config_.field + "' is missing or null."}});
        }
        continue;
      }
      if (f.state == FieldState::kWrongType) {
        ++wrong_type;
        if (reject) {
          failures.push_back({rec.id(),
                              {"minhash_dedup:not_a_string",
                               "Field '" + config_.field + "' is a " +
                                   std::string(ValueTypeName(f.found_type)) + ", not a string."}});
        }
        continue;
      }
      w->shingler.Shingles(f.text, static_cast<int>(config_.ngram),
                           config_.short_documents == "whole", &w->shingles);
      if (w->shingles.empty()) {
        ++too_short;
        continue;
      }
      signer_->Sign(w->shingles.data(), w->shingles.size(), w->sig.data());
      size_t at = keys.size();
      keys.resize(at + bands);
      BandKeys(w->sig.data(), static_cast<int>(config_.bands), static_cast<int>(config_.rows),
               keys.data() + at);
      ids.push_back(rec.id());
      if (config_.jaccard_threshold > 0) {
        std::vector<uint64_t> set = w->shingles;
        std::sort(set.begin(), set.end());
        set.erase(std::unique(set.begin(), set.end()), set.end());
        sets.push_back(std::move(set));
      }
    }
    // Do not keep buffers grown by a huge document.
    if (w->shingler.buffer_bytes() > (size_t{32} << 20)) w = nullptr;
    if (w) Release(std::move(w));
    WINNOW_RETURN_IF_ERROR(lsh_->Add(ids, keys, sets));
    if (!failures.empty()) {
      std::lock_guard<std::mutex> lock(mu_);
      for (auto& [id, f] : failures) failures_.emplace(id, std::move(f));
    }
    ctx.Count("rows", static_cast<int64_t>(batch.size()));
    if (!ids.empty()) ctx.Count("signed", static_cast<int64_t>(ids.size()));
    if (too_short) ctx.Count("too_short", too_short);
    if (missing) ctx.Count("missing_field", missing);
    if (wrong_type) ctx.Count("not_a_string", wrong_type);
    return Status::Ok();
  }

  Status Finish(Context& ctx) override {
    if (ctx.world() > 1) return FinishDistributed(ctx);
    // Single process: every band key is owned here (OwnerOf(key, 1) == 0).
    auto clusters = lsh_->Cluster([&ctx] { return ctx.cancelled(); });
    if (!clusters.ok()) return clusters.status();
    clusters_ = std::move(clusters).value();
    const LshStats& s = lsh_->stats();
    ctx.Count("clusters", static_cast<int64_t>(s.clusters));
    ctx.Count("candidate_pairs", static_cast<int64_t>(s.candidate_pairs));
    if (config_.jaccard_threshold > 0) {
      ctx.Count("jaccard_rejected", static_cast<int64_t>(s.jaccard_rejected));
    }
    if (s.spilled_runs) ctx.Count("spilled_runs", static_cast<int64_t>(s.spilled_runs));
    ctx.Info("minhash_dedup: " + std::to_string(s.documents) + " signed rows, " +
             std::to_string(s.clusters) + " clusters, " + std::to_string(s.duplicates) +
             " near duplicates");
    lsh_.reset();
    return Status::Ok();
  }

  Status Process(Batch& batch, Context& ctx) override {
    const bool annotate = config_.mode == "annotate";
    int64_t dups = 0;
    for (size_t i = 0; i < batch.size(); ++i) {
      Record& rec = batch.rows[i];
      if (!failures_.empty()) {
        auto f = failures_.find(rec.id());
        if (f != failures_.end()) {
          batch.Fail(i, f->second.reason, f->second.detail);
          continue;
        }
      }
      auto it = clusters_.find(rec.id());
      if (it == clusters_.end()) {
        if (annotate) {
          rec.Set(config_.cluster_id_field, Value(rec.id().ToString()));
          rec.Set(config_.cluster_size_field, Value(int64_t{1}));
        }
        continue;
      }
      const ClusterInfo& c = it->second;
      const bool is_dup = !(c.representative == rec.id());
      dups += is_dup;
      if (annotate) {
        rec.Set(config_.cluster_id_field, Value(c.representative.ToString()));
        rec.Set(config_.cluster_size_field, Value(static_cast<int64_t>(c.size)));
      } else if (is_dup) {
        batch.Drop(i, "near_duplicate",
                   "Near duplicate of row " + c.representative.ToString() + " (cluster " +
                       c.representative.ToString() + ", " + std::to_string(c.size) + " rows).");
      }
    }
    if (dups) ctx.Count("near_duplicates", dups);
    return Status::Ok();
  }

 private:
  // Under MPI (see minhash_dedup_dist.h): band keys partitioned to owner ranks,
  // components found by label propagation between the ranks holding the rows.
  // Counters are per rank and summed by the host; candidate_pairs equals
  // near duplicates, as in one process without the Jaccard check.
  Status FinishDistributed(Context& ctx) {
    const uint64_t documents = lsh_->documents();
    auto clusters = DistributedCluster(*lsh_, ctx);
    if (!clusters.ok()) return clusters.status();
    clusters_ = std::move(clusters).value();
    int64_t nclusters = 0, dups = 0;
    for (const auto& [id, c] : clusters_) {
      if (c.representative == id) {
        ++nclusters;
      } else {
        ++dups;
      }
    }
    if (nclusters) ctx.Count("clusters", nclusters);
    if (dups) ctx.Count("candidate_pairs", dups);
    if (lsh_->stats().spilled_runs) {
      ctx.Count("spilled_runs", static_cast<int64_t>(lsh_->stats().spilled_runs));
    }
    ctx.Info("minhash_dedup rank " + std::to_string(ctx.rank()) + "/" +
             std::to_string(ctx.world()) + ": " + std::to_string(documents) + " signed rows, " +
             std::to_string(nclusters) + " clusters kept here, " + std::to_string(dups) +
             " near duplicates here");
    lsh_.reset();
    return Status::Ok();
  }

  struct Worker {
    Shingler shingler;
    std::string scratch;
    std::vector<uint64_t> shingles, sig;
  };
  std::unique_ptr<Worker> Acquire() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!workers_.empty()) {
        auto w = std::move(workers_.back());
        workers_.pop_back();
        return w;
      }
    }
    auto w = std::make_unique<Worker>();
    w->sig.resize(static_cast<size_t>(hasher_->num_perm()));
    return w;
  }
  void Release(std::unique_ptr<Worker> w) {
    std::lock_guard<std::mutex> lock(mu_);
    workers_.push_back(std::move(w));
  }

  MinhashDedupConfig config_;
  std::unique_ptr<MinHasher> hasher_;
  std::unique_ptr<Signer> signer_;
  std::unique_ptr<LshIndex> lsh_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::unordered_map<RowId, Failure, RowIdHash> failures_;
  std::unordered_map<RowId, ClusterInfo, RowIdHash> clusters_;
};

}  // namespace
}  // namespace winnow::cleaners

WINNOW_PLUGIN(winnow::PluginKind::kCleaner, "minhash_dedup", "1.0.0",
              "Removes near duplicates with MinHash LSH (datatrove-compatible word 5-grams, 14x8 "
              "bands), keeping the lowest row of each cluster.",
              winnow::cleaners::MinhashDedupConfig, winnow::cleaners::MinhashDedup,
              winnow::cleaners::Schema)
