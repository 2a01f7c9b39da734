// core/engine/batch_store.h — holds a global stage's batches between its two passes.
//
// Batches stay in memory until their estimated size passes the budget; after
// that, each added batch is written to a spill file in the step's temp dir and
// read back (in the same order) during replay. A spilled record keeps its row
// id, location and JSON (edits are materialised). Not thread-safe: the step's
// driver thread owns it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "winnow/batch.h"
#include "winnow/status.h"

namespace winnow::core {

class BatchStore {
 public:
  BatchStore(std::filesystem::path spill_path, uint64_t memory_budget_bytes);
  ~BatchStore();

  Status Add(std::shared_ptr<Batch> batch);
  size_t size() const { return entries_.size(); }
  // Returns batch i (in Add order); loads it back from disk when spilled.
  Result<std::shared_ptr<Batch>> Take(size_t i);

  uint64_t spilled_bytes() const { return spilled_bytes_; }
  uint64_t spilled_batches() const { return spilled_batches_; }

 private:
  struct Entry {
    std::shared_ptr<Batch> batch;  // null when spilled
    uint64_t seq = 0;
    uint64_t offset = 0, length = 0;
  };
  std::filesystem::path spill_path_;
  uint64_t budget_;
  uint64_t in_memory_ = 0;
  uint64_t spilled_bytes_ = 0, spilled_batches_ = 0;
  int fd_ = -1;
  std::vector<Entry> entries_;
};

// Estimated memory held by a batch's rows (source bytes plus overhead).
uint64_t EstimateBatchBytes(const Batch& batch);

}  // namespace winnow::core
