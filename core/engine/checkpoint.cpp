#include "engine/checkpoint.h"

#include <cstring>

#include "winnow/hash.h"
#include "winnow/io.h"

namespace winnow::core {

namespace fs = std::filesystem;

namespace {

constexpr char kMagic[8] = {'W', 'N', 'C', 'K', 'P', 'T', '0', '1'};

void PutU64(std::string& out, uint64_t v) { out.append(reinterpret_cast<const char*>(&v), 8); }
void PutStr(std::string& out, std::string_view s) {
  PutU64(out, s.size());
  out.append(s);
}
struct Reader {
  std::string_view in;
  bool ok = true;
  uint64_t U64() {
    if (in.size() < 8) {
      ok = false;
      return 0;
    }
    uint64_t v;
    std::memcpy(&v, in.data(), 8);
    in.remove_prefix(8);
    return v;
  }
  std::string_view Str() {
    uint64_t n = U64();
    if (!ok || in.size() < n) {
      ok = false;
      return {};
    }
    std::string_view s = in.substr(0, n);
    in.remove_prefix(n);
    return s;
  }
};

}  // namespace

void EncodeBatch(const Batch& batch, std::string* out) {
  PutU64(*out, batch.seq);
  PutU64(*out, batch.rows.size());
  std::string json;
  for (const Record& r : batch.rows) {
    json.clear();
    if (!r.AppendJson(json).ok()) json = "{}";
    PutU64(*out, r.id().source);
    PutU64(*out, r.id().ordinal);
    PutU64(*out, r.line());
    PutStr(*out, r.arena() ? std::string_view(r.arena()->origin) : std::string_view());
    PutStr(*out, json);
  }
  PutU64(*out, batch.rejects.size());
  for (const Reject& r : batch.rejects) {
    PutU64(*out, r.kind == RejectKind::kDrop ? 0 : 1);
    PutStr(*out, r.reason);
    PutStr(*out, r.detail);
    PutStr(*out, r.location);
    PutU64(*out, r.id.source);
    PutU64(*out, r.id.ordinal);
    PutStr(*out, r.record_json);
    PutU64(*out, r.record_is_json ? 1 : 0);
  }
}

bool DecodeBatch(std::string_view bytes, Batch* batch) {
  Reader rd{bytes};
  batch->seq = rd.U64();
  uint64_t rows = rd.U64();
  if (!rd.ok || rows > bytes.size()) return false;
  batch->rows.clear();
  batch->rows.reserve(rows);
  for (uint64_t i = 0; i < rows && rd.ok; ++i) {
    uint32_t source = static_cast<uint32_t>(rd.U64());
    uint64_t ordinal = rd.U64();
    uint64_t line = rd.U64();
    std::string_view origin = rd.Str();
    std::string_view json = rd.Str();
    if (!rd.ok) return false;
    auto arena = std::make_shared<Arena>();
    arena->bytes.reserve(json.size() + Arena::kPadding);
    arena->bytes.assign(json);
    arena->bytes.append(Arena::kPadding, ' ');
    arena->origin = std::string(origin);
    std::string_view raw(arena->bytes.data(), json.size());
    batch->rows.emplace_back(RowId{source, ordinal}, std::move(arena), raw, line);
  }
  uint64_t rejects = rd.U64();
  if (!rd.ok || rejects > bytes.size()) return false;
  batch->rejects.clear();
  for (uint64_t i = 0; i < rejects && rd.ok; ++i) {
    Reject r;
    r.kind = rd.U64() == 0 ? RejectKind::kDrop : RejectKind::kError;
    r.reason = std::string(rd.Str());
    r.detail = std::string(rd.Str());
    r.location = std::string(rd.Str());
    r.id.source = static_cast<uint32_t>(rd.U64());
    r.id.ordinal = rd.U64();
    r.record_json = std::string(rd.Str());
    r.record_is_json = rd.U64() == 1;
    batch->rejects.push_back(std::move(r));
  }
  return rd.ok && rd.in.empty();
}

std::optional<Batch> StepCheckpoint::Load(uint64_t seq) const {
  fs::path path = dir_ / (std::to_string(seq) + ".ckpt");
  std::error_code ec;
  if (!fs::exists(path, ec)) return std::nullopt;
  auto bytes = ReadFile(path, UINT64_C(1) << 36);
  if (!bytes.ok() || bytes->size() < sizeof(kMagic) + 16) return std::nullopt;
  std::string_view all(*bytes);
  if (std::memcmp(all.data(), kMagic, sizeof(kMagic)) != 0) return std::nullopt;
  uint64_t length, checksum;
  std::memcpy(&length, all.data() + 8, 8);
  std::memcpy(&checksum, all.data() + 16, 8);
  std::string_view body = all.substr(24);
  if (body.size() != length || Hash64(body) != checksum) return std::nullopt;
  Batch batch;
  if (!DecodeBatch(body, &batch) || batch.seq != seq) return std::nullopt;
  return batch;
}

Status StepCheckpoint::Save(const Batch& batch) const {
  for (const auto& r : batch.rejects) {
    if (r.kind == RejectKind::kError) return Status::Ok();  // retried next run
  }
  std::string body;
  EncodeBatch(batch, &body);
  std::string file(kMagic, sizeof(kMagic));
  PutU64(file, body.size());
  PutU64(file, Hash64(body));
  file += body;
  return WriteFileAtomic(dir_ / (std::to_string(batch.seq) + ".ckpt"), file);
}

}  // namespace winnow::core
