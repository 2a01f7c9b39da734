#include "winnow/plugin.h"

#include "winnow/exporter.h"
#include "winnow/llm.h"
#include "winnow/source.h"
#include "winnow/stage.h"

namespace winnow {

namespace {
constexpr std::pair<PluginKind, std::string_view> kKindNames[] = {
    {PluginKind::kSource, "source"},       {PluginKind::kCleaner, "cleaner"},
    {PluginKind::kTransform, "transform"}, {PluginKind::kTask, "task"},
    {PluginKind::kLlm, "llm"},             {PluginKind::kExporter, "exporter"},
};
}  // namespace

std::string_view PluginKindName(PluginKind kind) {
  for (const auto& [k, name] : kKindNames) {
    if (k == kind) return name;
  }
  return "unknown";
}

bool ParsePluginKind(std::string_view name, PluginKind* kind) {
  for (const auto& [k, n] : kKindNames) {
    if (n == name) {
      *kind = k;
      return true;
    }
  }
  return false;
}

Status Stage::Join(std::vector<Batch>& branches, Batch& out, Context& ctx) {
  (void)ctx;
  return MergeJoin(branches, out);
}

Status MergeJoin(std::vector<Batch>& branches, Batch& out) {
  out.rows.clear();
  if (branches.empty()) return Status::Ok();
  // Rows keep stream order in every branch, so a k-way merge on row id works.
  std::vector<size_t> pos(branches.size(), 0);
  for (Record& base : branches[0].rows) {
    bool everywhere = true;
    std::vector<Record*> parts;
    for (size_t b = 1; b < branches.size(); ++b) {
      auto& rows = branches[b].rows;
      while (pos[b] < rows.size() && rows[pos[b]].id() < base.id()) ++pos[b];
      if (pos[b] < rows.size() && rows[pos[b]].id() == base.id()) {
        parts.push_back(&rows[pos[b]]);
      } else {
        everywhere = false;
        break;
      }
    }
    if (!everywhere) continue;
    Record merged = std::move(base);
    for (Record* part : parts) {
      auto value = part->ToValue();
      if (!value.ok()) return value.status();
      for (auto& [k, v] : value->as_object()) {
        auto existing = merged.Get(k);
        if (!existing.ok() || !existing->has_value() || **existing != v) merged.Set(k, std::move(v));
      }
    }
    out.rows.push_back(std::move(merged));
  }
  return Status::Ok();
}

Status Exporter::Encode(Batch& batch, std::string& out, Context& ctx) {
  (void)ctx;
  size_t bytes = 0;
  for (const Record& r : batch.rows) bytes += r.raw().size() + 1;
  out.reserve(out.size() + bytes + (bytes >> 4));  // edited rows may grow a little
  for (const Record& r : batch.rows) {
    WINNOW_RETURN_IF_ERROR(r.AppendJson(out));
    out.push_back('\n');
  }
  return Status::Ok();
}

}  // namespace winnow
