#include "winnow/batch.h"

namespace winnow {

void Batch::Mark(size_t i, RejectKind kind, std::string reason, std::string detail) {
  if (i >= rows.size()) return;
  if (marks_.size() < rows.size()) marks_.resize(rows.size(), 0);
  if (marks_[i] != 0) return;  // first decision wins
  Reject r;
  r.kind = kind;
  r.reason = std::move(reason);
  r.detail = std::move(detail);
  pending_.push_back(std::move(r));
  marks_[i] = static_cast<uint32_t>(pending_.size());
}

void Batch::Drop(size_t i, std::string reason, std::string detail) {
  Mark(i, RejectKind::kDrop, std::move(reason), std::move(detail));
}

void Batch::Fail(size_t i, std::string reason, std::string detail) {
  Mark(i, RejectKind::kError, std::move(reason), std::move(detail));
}

void Batch::Compact() {
  if (pending_.empty()) {
    marks_.clear();
    return;
  }
  size_t keep = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    uint32_t mark = i < marks_.size() ? marks_[i] : 0;
    if (mark == 0) {
      if (keep != i) rows[keep] = std::move(rows[i]);
      ++keep;
      continue;
    }
    Reject& r = pending_[mark - 1];
    Record& rec = rows[i];
    r.id = rec.id();
    r.location = rec.Location();
    std::string json;
    if (rec.ValidateShallow().ok() && rec.AppendJson(json).ok()) {
      r.record_json = std::move(json);
      r.record_is_json = true;
    } else {
      r.record_json = std::string(rec.raw());
      r.record_is_json = false;
    }
    rejects.push_back(std::move(r));
  }
  rows.resize(keep);
  marks_.clear();
  pending_.clear();
}

}  // namespace winnow
