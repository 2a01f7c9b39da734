#include "engine/batch_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace winnow::core {

namespace {
void PutU64(std::string& out, uint64_t v) { out.append(reinterpret_cast<const char*>(&v), 8); }
void PutU32(std::string& out, uint32_t v) { out.append(reinterpret_cast<const char*>(&v), 4); }
bool GetU64(std::string_view& in, uint64_t* v) {
  if (in.size() < 8) return false;
  std::memcpy(v, in.data(), 8);
  in.remove_prefix(8);
  return true;
}
bool GetU32(std::string_view& in, uint32_t* v) {
  if (in.size() < 4) return false;
  std::memcpy(v, in.data(), 4);
  in.remove_prefix(4);
  return true;
}
bool GetBytes(std::string_view& in, std::string_view* out) {
  uint64_t n;
  if (!GetU64(in, &n) || in.size() < n) return false;
  *out = in.substr(0, n);
  in.remove_prefix(n);
  return true;
}
}  // namespace

uint64_t EstimateBatchBytes(const Batch& batch) {
  uint64_t bytes = sizeof(Batch);
  for (const auto& r : batch.rows) bytes += sizeof(Record) + r.raw().size() + (r.edited() ? 256 : 0);
  return bytes;
}

BatchStore::BatchStore(std::filesystem::path spill_path, uint64_t memory_budget_bytes)
    : spill_path_(std::move(spill_path)), budget_(memory_budget_bytes) {}

BatchStore::~BatchStore() {
  if (fd_ >= 0) {
    ::close(fd_);
    ::unlink(spill_path_.c_str());
  }
}

Status BatchStore::Add(std::shared_ptr<Batch> batch) {
  Entry e;
  e.seq = batch->seq;
  uint64_t bytes = EstimateBatchBytes(*batch);
  if (in_memory_ + bytes <= budget_) {
    in_memory_ += bytes;
    e.batch = std::move(batch);
    entries_.push_back(std::move(e));
    return Status::Ok();
  }
  if (fd_ < 0) {
    std::error_code ec;
    std::filesystem::create_directories(spill_path_.parent_path(), ec);
    fd_ = ::open(spill_path_.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd_ < 0) {
      return Status::IOError("cannot create spill file " + spill_path_.string() + ": " +
                             std::strerror(errno));
    }
  }
  std::string buf;
  PutU64(buf, batch->rows.size());
  std::string json;
  for (const Record& r : batch->rows) {
    json.clear();
    WINNOW_RETURN_IF_ERROR(r.AppendJson(json));
    PutU32(buf, r.id().source);
    PutU64(buf, r.id().ordinal);
    PutU64(buf, r.line());
    std::string origin = r.arena() ? r.arena()->origin : std::string();
    PutU64(buf, origin.size());
    buf += origin;
    PutU64(buf, json.size());
    buf += json;
  }
  e.offset = spilled_bytes_;
  e.length = buf.size();
  const char* p = buf.data();
  size_t left = buf.size();
  while (left > 0) {
    ssize_t w = ::pwrite(fd_, p, left, static_cast<off_t>(spilled_bytes_ + (p - buf.data())));
    if (w < 0) {
      if (errno == EINTR) continue;
      return Status::IOError("cannot write spill file " + spill_path_.string() + ": " +
                             std::strerror(errno));
    }
    p += w;
    left -= static_cast<size_t>(w);
  }
  spilled_bytes_ += buf.size();
  ++spilled_batches_;
  entries_.push_back(std::move(e));
  return Status::Ok();
}

Result<std::shared_ptr<Batch>> BatchStore::Take(size_t i) {
  Entry& e = entries_.at(i);
  if (e.batch) {
    in_memory_ -= std::min(in_memory_, EstimateBatchBytes(*e.batch));
    return std::move(e.batch);
  }
  std::string buf(e.length, '\0');
  size_t got = 0;
  while (got < e.length) {
    ssize_t r = ::pread(fd_, buf.data() + got, e.length - got, static_cast<off_t>(e.offset + got));
    if (r <= 0) {
      if (r < 0 && errno == EINTR) continue;
      return Status::IOError("cannot read spill file " + spill_path_.string());
    }
    got += static_cast<size_t>(r);
  }
  auto batch = std::make_shared<Batch>();
  batch->seq = e.seq;
  std::string_view in(buf);
  uint64_t n;
  if (!GetU64(in, &n)) return Status::Corruption("spill file is damaged");
  batch->rows.reserve(n);
  for (uint64_t k = 0; k < n; ++k) {
    uint32_t source;
    uint64_t ordinal, line;
    std::string_view origin, json;
    if (!GetU32(in, &source) || !GetU64(in, &ordinal) || !GetU64(in, &line) ||
        !GetBytes(in, &origin) || !GetBytes(in, &json)) {
      return Status::Corruption("spill file " + spill_path_.string() + " is damaged");
    }
    auto arena = std::make_shared<Arena>();
    arena->bytes.reserve(json.size() + Arena::kPadding);
    arena->bytes.assign(json);
    arena->bytes.append(Arena::kPadding, ' ');
    arena->origin = std::string(origin);
    std::string_view raw(arena->bytes.data(), json.size());
    batch->rows.emplace_back(RowId{source, ordinal}, std::move(arena), raw, line);
  }
  return batch;
}

}  // namespace winnow::core
