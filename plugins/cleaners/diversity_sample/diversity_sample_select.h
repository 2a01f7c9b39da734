// diversity_sample_select.h — sketches, distances and selection for
// cleaner/diversity_sample. Pure functions and small value types: no I/O, no
// global state; everything is deterministic for a given input order and seed.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

namespace winnow::diversity {

enum class Representation { kMinHash, kTfidf };

// One row's sketch. MinHash: `sig` holds num_perm 32-bit minima (the low half
// of the 64-bit MinHash values). TF-IDF: `terms` (sorted ascending, unique) and
// `weights` hold a coordinated sample of the row's word 1- and 2-gram hashes:
// the `features` terms of smallest seeded hash, with their counts (turned into
// L2-normalised tf-idf weights by ApplyIdf()).
struct Sketch {
  std::vector<uint32_t> sig;
  std::vector<uint32_t> terms;
  std::vector<float> weights;
};

// Distance in [0, 1]: 1 - estimated Jaccard (MinHash) or 1 - cosine (TF-IDF).
float MinHashDistance(const uint32_t* a, const uint32_t* b, size_t n);
float CosineDistance(const Sketch& a, const Sketch& b);

// Document frequencies for TF-IDF, bucketed by term hash (thread-safe adds).
class DocFreq {
 public:
  static constexpr size_t kBuckets = size_t{1} << 22;
  DocFreq();
  void Add(const std::vector<uint32_t>& unique_terms);  // atomic increments
  uint32_t Get(uint32_t term) const;
  std::vector<uint32_t> Snapshot() const;  // for exchange between ranks
  void AddCounts(const std::vector<uint32_t>& counts);

 private:
  std::vector<uint32_t> counts_;
};

// Turns counts into (1 + ln tf) * idf, idf = ln((1 + n) / (1 + df)) + 1, L2-normalised.
void ApplyIdf(Sketch& s, const DocFreq& df, uint64_t n_docs);

struct SelectOptions {
  Representation representation = Representation::kMinHash;
  size_t k = 0;         // rows to select (<= n)
  size_t clusters = 0;  // reference clusters (>= 1)
  bool stratified = false;
  uint64_t seed = 42;
  int threads = 1;
  std::function<bool()> cancelled;  // polled between rounds; may be empty
};

struct SelectResult {
  std::vector<uint32_t> cluster;  // per row: reference cluster id (0..clusters-1)
  std::vector<uint8_t> selected;  // per row: 1 when chosen
  size_t clusters_total = 0;
  size_t clusters_covered = 0;
  bool cancelled = false;
};

// Rows are identified by position; `keys` are their stable seeded hashes
// (tie-breaks and the random order inside clusters). Greedy farthest-point
// traversal from the row of smallest key gives the cluster centres (the first
// `clusters` points) and, for kcenter, the selection (the first k points);
// every row joins its nearest centre (ties: the earlier centre).
// Stratified: each cluster gets a share of k proportional to its size
// (largest remainder; at least one per cluster while k allows, larger and
// earlier clusters first), filled in ascending key order.
SelectResult Select(const std::vector<Sketch>& sketches, const std::vector<uint64_t>& keys,
                    const SelectOptions& options);

}  // namespace winnow::diversity
