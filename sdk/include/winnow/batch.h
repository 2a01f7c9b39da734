// winnow/batch.h — the unit records move in.
//
// A source numbers its batches (seq 0, 1, 2, ...). Every stage turns batch k into
// exactly one output batch k (possibly empty), so batches from parallel branches
// line up by seq and the engine can restore order after parallel work.
//
// Stages do not erase rows themselves: they mark a row dropped (a filtering
// decision) or failed (a per-record problem) with a reason, and the engine moves
// marked rows to the step's rejects file and counts the reasons in stats.json.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "winnow/record.h"

namespace winnow {

enum class RejectKind { kDrop, kError };

// A row that left the stream, with why. `reason` is a short stable code used as
// the stats key ("malformed_json", "gopher:mean_word_length"); `detail` is a
// sentence with the measured value.
struct Reject {
  RejectKind kind = RejectKind::kError;
  std::string reason;
  std::string detail;
  std::string location;  // "file:line" when known
  RowId id;
  std::string record_json;  // the row's JSON, or the raw bytes when not JSON
  bool record_is_json = true;
};

class Batch {
 public:
  uint64_t seq = 0;
  std::vector<Record> rows;
  // Rejects produced by the current step for this batch (engine drains them).
  std::vector<Reject> rejects;

  size_t size() const { return rows.size(); }
  bool empty() const { return rows.empty(); }

  // Mark row i as removed by a filtering decision / a per-record error.
  void Drop(size_t i, std::string reason, std::string detail = {});
  void Fail(size_t i, std::string reason, std::string detail = {});
  bool IsMarked(size_t i) const { return i < marks_.size() && marks_[i] != 0; }

  // Adds a reject for input that never became a row (a malformed line).
  void AddReject(Reject reject) { rejects.push_back(std::move(reject)); }

  // Moves marked rows into `rejects` (in row order) and removes them. Called
  // by the engine after each step; stages may call it too.
  void Compact();

 private:
  void Mark(size_t i, RejectKind kind, std::string reason, std::string detail);
  std::vector<uint32_t> marks_;  // 0 = kept, else 1 + index into pending_
  std::vector<Reject> pending_;
};

}  // namespace winnow
