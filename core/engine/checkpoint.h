// core/engine/checkpoint.h — a step's finished output batches, kept on disk so
// that a re-run (after a crash, Ctrl-C or kill -9) does not recompute them.
//
// One directory per step signature (plugin, version, config, upstream
// signatures, and the LLMs a task uses): changing a step's config changes its
// signature and those of everything after it, so only they are recomputed.
// Each batch is one file "<seq>.ckpt", written to a temporary name and renamed,
// holding the batch's rows and its drop rejects plus a length and an XXH3
// checksum. A truncated or corrupted file is ignored (and recomputed). Batches
// that had per-row errors are not checkpointed, so failed rows (HTTP errors,
// unparseable judgments) are retried by the next run. Thread-safe.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "winnow/batch.h"
#include "winnow/status.h"

namespace winnow::core {

class StepCheckpoint {
 public:
  explicit StepCheckpoint(std::filesystem::path dir) : dir_(std::move(dir)) {}

  // The stored batch `seq`, or nullopt when absent or damaged.
  std::optional<Batch> Load(uint64_t seq) const;
  // Stores `batch` (rows and rejects) unless it holds per-row errors.
  Status Save(const Batch& batch) const;
  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
};

// Serialises rows and rejects of a batch (used by checkpoints and spill files).
void EncodeBatch(const Batch& batch, std::string* out);
// Parses what EncodeBatch wrote; false when the bytes are damaged.
bool DecodeBatch(std::string_view bytes, Batch* batch);

}  // namespace winnow::core
