// core/engine/rejects_writer.h — rejects/<step>.jsonl, one line per rejected row.
//
// Line format: {"step", "kind": "drop"|"error", "reason", "detail", "location",
// "row_id", "record": {...}} — or "raw": "<text>" when the row was not JSON.
// Written in batch order by the step's driver thread; created on the first
// reject; committed atomically (temp + rename) at the end of the run.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "winnow/batch.h"
#include "winnow/io.h"

namespace winnow::core {

class RejectsWriter {
 public:
  enum class Policy { kAll, kErrors, kNone };
  RejectsWriter(std::filesystem::path path, std::string step, Policy policy);
  Status Write(const std::vector<Reject>& rejects);
  Status Commit();
  void Abort();
  const std::filesystem::path& path() const { return path_; }
  int64_t written() const { return written_; }

 private:
  std::filesystem::path path_;
  std::string step_;
  Policy policy_;
  std::unique_ptr<AtomicFile> file_;
  int64_t written_ = 0;
};

// Serialises one reject as a JSON line (with trailing newline).
void AppendRejectLine(std::string& out, const std::string& step, const Reject& r);

}  // namespace winnow::core
