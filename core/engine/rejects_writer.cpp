#include "engine/rejects_writer.h"

#include "winnow/text.h"

namespace winnow::core {

RejectsWriter::RejectsWriter(std::filesystem::path path, std::string step, Policy policy)
    : path_(std::move(path)), step_(std::move(step)), policy_(policy) {}

void AppendRejectLine(std::string& out, const std::string& step, const Reject& r) {
  out += "{\"step\":";
  AppendJsonString(out, step);
  out += ",\"kind\":";
  out += r.kind == RejectKind::kDrop ? "\"drop\"" : "\"error\"";
  out += ",\"reason\":";
  AppendJsonString(out, r.reason);
  out += ",\"detail\":";
  AppendJsonString(out, SanitizeUtf8(r.detail));
  out += ",\"location\":";
  AppendJsonString(out, SanitizeUtf8(r.location));
  out += ",\"row_id\":";
  AppendJsonString(out, r.id.ToString());
  if (r.record_is_json && !r.record_json.empty()) {
    out += ",\"record\":";
    out += r.record_json;
  } else {
    out += ",\"raw\":";
    AppendJsonString(out, SanitizeUtf8(Abbreviate(r.record_json, 1 << 20)));
  }
  out += "}\n";
}

Status RejectsWriter::Write(const std::vector<Reject>& rejects) {
  if (policy_ == Policy::kNone || rejects.empty()) return Status::Ok();
  std::string buf;
  for (const auto& r : rejects) {
    if (policy_ == Policy::kErrors && r.kind == RejectKind::kDrop) continue;
    AppendRejectLine(buf, step_, r);
    ++written_;
  }
  if (buf.empty()) return Status::Ok();
  if (!file_) {
    auto f = AtomicFile::Create(path_);
    if (!f.ok()) return f.status();
    file_ = std::move(f).value();
  }
  return file_->Write(buf);
}

Status RejectsWriter::Commit() {
  if (!file_) return Status::Ok();
  return file_->Commit();
}

void RejectsWriter::Abort() {
  if (file_) file_->Abort();
}

}  // namespace winnow::core
