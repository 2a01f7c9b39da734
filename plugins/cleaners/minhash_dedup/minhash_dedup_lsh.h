// minhash_dedup_lsh.h — the LSH side of cleaner/minhash_dedup: band-key
// storage with spilling, grouping, union-find clustering.
//
// Observe() threads call Add() concurrently; Finish() runs Cluster() once.
// Documents are identified by RowId; the order used for every decision
// (which row a cluster keeps, the order pairs are checked in) is RowId order,
// so results do not depend on thread count, batch size or arrival order.
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "winnow/record.h"
#include "winnow/status.h"

namespace winnow::cleaners {

#pragma pack(push, 4)
struct BandEntry {
  uint64_t key;  // BandKeys() value
  uint32_t doc;  // observation index (order of arrival; remapped in Cluster)
};
#pragma pack(pop)
static_assert(sizeof(BandEntry) == 12);

// Sorts by (key, doc) ascending, the order of std::sort (in-place MSD radix
// on the key, then insertion sorts).
void SortBandEntries(std::vector<BandEntry>& v);

// Which rank owns a band key in a distributed run (issue 7): key % world.
inline int OwnerOf(uint64_t key, int world) {
  return static_cast<int>(key % static_cast<uint64_t>(world));
}

struct ClusterInfo {
  RowId representative;  // lowest row id of the cluster (the row kept)
  uint64_t size = 0;
};

struct RowIdHash {
  size_t operator()(const RowId& id) const {
    return std::hash<uint64_t>()(id.ordinal * 0x9E3779B97F4A7C15ULL ^ id.source);
  }
};

struct LshStats {
  uint64_t documents = 0;
  uint64_t candidate_pairs = 0;   // pairs from equal band keys that were not yet joined
  uint64_t jaccard_rejected = 0;  // candidate pairs below jaccard_threshold
  uint64_t clusters = 0;          // clusters with at least two rows
  uint64_t duplicates = 0;        // rows in clusters that are not the representative
  uint64_t spilled_runs = 0;
};

class LshIndex {
 public:
  // `budget_bytes`: in-memory band entries beyond which a sorted run is
  // written to `temp_dir`. `jaccard_threshold` > 0 stores each document's
  // shingle set (on disk) to verify candidate pairs.
  LshIndex(int bands, uint64_t budget_bytes, std::filesystem::path temp_dir,
           double jaccard_threshold);
  ~LshIndex();

  // Adds documents: ids[k] with band keys keys[k*bands .. +bands) and, when
  // verifying, its sorted unique shingle set sets[k]. Thread-safe.
  Status Add(const std::vector<RowId>& ids, const std::vector<uint64_t>& keys,
             const std::vector<std::vector<uint64_t>>& sets);

  // Groups equal band keys, joins candidate pairs and returns the clusters of
  // two or more rows, keyed by every member's row id.
  Result<std::unordered_map<RowId, ClusterInfo, RowIdHash>> Cluster(
      const std::function<bool()>& cancelled);

  // Calls fn(key, row id) for every band entry (in memory and spilled), for
  // the distributed exchange. Call once, instead of Cluster().
  Status ForEachEntry(const std::function<void(uint64_t key, const RowId& id)>& fn);
  size_t documents() const { return docs_.size(); }

  const LshStats& stats() const { return stats_; }

 private:
  struct Doc {
    RowId id;
    uint64_t set_offset = 0;  // in the shingle file, in values
    uint32_t set_size = 0;
  };
  Status SpillLocked();
  Status ReadSet(uint32_t obs, std::vector<uint64_t>* out);

  const int bands_;
  const uint64_t budget_bytes_;
  const std::filesystem::path temp_dir_;
  const double jaccard_threshold_;
  std::mutex mu_;
  std::vector<Doc> docs_;
  std::vector<BandEntry> entries_;
  std::vector<std::filesystem::path> runs_;
  std::FILE* sets_file_ = nullptr;
  uint64_t sets_written_ = 0;  // values
  LshStats stats_;
};

}  // namespace winnow::cleaners
