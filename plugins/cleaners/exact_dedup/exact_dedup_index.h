// exact_dedup_index.h — content keys and the first-occurrence index of cleaner/exact_dedup.
//
// Hashing (ExactKeyer: fields -> normalised bytes -> XXH3-128) is separate from
// the decision (ExactIndex: key -> first occurrence), so a distributed version
// can exchange keys between ranks and decide elsewhere.
//
// Index file format (little-endian), version 1:
//   0   8 bytes  magic "WNWEXDUP"
//   8   u32      format version (1)
//   12  u32      flags (0)
//   16  u64      number of entries N
//   24  u64      XXH3-64 of the key description (see below)
//   32  u32 L1, L1 bytes   key description, e.g. "fields=text;normalize=nfc"
//       u32 L2, L2 bytes   label of the dataset the index was built from
//       N entries of 28 bytes, sorted by (high, low):
//         u64 hash low, u64 hash high, u32 row source, u64 row ordinal
//       u64      XXH3-64 of every preceding byte
// A file that does not follow this exactly (size, magic, version, checksum,
// order) is refused with Status::Corruption naming the file and the problem.
//
// Thread-safety: Find() may run concurrently; everything else is single-threaded.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "text_norm.h"
#include "winnow/hash.h"
#include "winnow/record.h"
#include "winnow/status.h"

namespace winnow::cleaners {

struct ExactKey {
  enum class State { kOk, kMissing, kMalformed };
  State state = State::kOk;
  Hash128 hash;
  bool invalid_utf8 = false;
  std::string missing_field;  // first missing (or null) field when state == kMissing
};

// Computes a row's key: one field -> XXH3-128 of its normalised text; several
// fields -> XXH3-128 over (tag, length, bytes) of each. A non-string field
// contributes its compact JSON (not normalised). Missing or null -> kMissing.
class ExactKeyer {
 public:
  ExactKeyer(std::vector<std::string> fields, std::vector<NormStep> steps);
  ExactKey Key(const Record& record);
  // Key of one text as a single-field keyer would compute it (tests, bench).
  Hash128 KeyOfText(std::string_view text);
  // "fields=a,b;normalize=nfc,lowercase": what index files must agree on.
  std::string Description() const;

 private:
  std::vector<std::string> fields_;
  TextNormalizer normalizer_;
  std::string scratch_, buffer_;
};

struct RowRef {
  uint32_t origin = 0;  // 0 = this run, k >= 1 = k-th loaded index
  uint32_t source = 0;
  uint64_t ordinal = 0;
};

class ExactIndex {
 public:
  ExactIndex();
  // Returns the first occurrence when `hash` was seen before; otherwise
  // records `ref` as its first occurrence and returns nullptr.
  const RowRef* FindOrInsert(const Hash128& hash, const RowRef& ref);
  // The entry of `hash`, or nullptr. Safe to call concurrently with other Find() calls.
  const RowRef* Find(const Hash128& hash) const;
  size_t size() const { return size_; }
  size_t size_of_origin(uint32_t origin) const;

  // Writes this run's entries (origin 0) in the format above.
  Status Save(const std::filesystem::path& path, const std::string& description,
              const std::string& label) const;
  // Adds every entry of the file with origin `origin` (existing keys win).
  // `label` receives the file's label. Refuses a description mismatch.
  Status Load(const std::filesystem::path& path, const std::string& description, uint32_t origin,
              std::string* label);

 private:
  struct Slot {
    uint64_t low, high;
    RowRef ref;
  };
  static constexpr uint32_t kEmpty = UINT32_MAX;
  void Grow();
  std::vector<Slot> slots_;
  size_t size_ = 0, mask_ = 0;
};

}  // namespace winnow::cleaners
