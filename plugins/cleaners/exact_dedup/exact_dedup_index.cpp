#include "exact_dedup_index.h"

#include <algorithm>
#include <cstring>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "winnow/io.h"
#include "winnow/text.h"

namespace winnow::cleaners {

// ---- ExactKeyer ----------------------------------------------------------------

ExactKeyer::ExactKeyer(std::vector<std::string> fields, std::vector<NormStep> steps)
    : fields_(std::move(fields)), normalizer_(std::move(steps)) {}

Hash128 ExactKeyer::KeyOfText(std::string_view text) {
  std::string_view norm = normalizer_.Normalize(text);
  XXH128_hash_t h = XXH3_128bits(norm.data(), norm.size());
  return {h.low64, h.high64};
}

namespace {
void AppendPart(std::string& buf, char tag, std::string_view bytes) {
  buf.push_back(tag);
  uint64_t n = bytes.size();
  char len[8];
  std::memcpy(len, &n, 8);
  buf.append(len, 8);
  buf.append(bytes);
}
}  // namespace

ExactKey ExactKeyer::Key(const Record& record) {
  ExactKey key;
  if (fields_.size() == 1) {
    TextField f = record.GetText(fields_[0], scratch_);
    if (f.state == FieldState::kMalformed) {
      key.state = ExactKey::State::kMalformed;
      return key;
    }
    if (f.state == FieldState::kMissing || f.state == FieldState::kNull) {
      key.state = ExactKey::State::kMissing;
      key.missing_field = fields_[0];
      return key;
    }
    if (f.state == FieldState::kPresent) {
      if (!normalizer_.steps().empty() && !IsAscii(f.text)) key.invalid_utf8 = !IsValidUtf8(f.text);
      key.hash = KeyOfText(f.text);
      return key;
    }
    // Wrong type: fall through to the general path (compact JSON).
  }
  buffer_.clear();
  for (const auto& field : fields_) {
    TextField f = record.GetText(field, scratch_);
    if (f.state == FieldState::kMalformed) {
      key.state = ExactKey::State::kMalformed;
      return key;
    }
    if (f.state == FieldState::kMissing || f.state == FieldState::kNull) {
      key.state = ExactKey::State::kMissing;
      key.missing_field = field;
      return key;
    }
    if (f.state == FieldState::kPresent) {
      if (!normalizer_.steps().empty() && !IsAscii(f.text)) {
        key.invalid_utf8 |= !IsValidUtf8(f.text);
      }
      AppendPart(buffer_, 's', normalizer_.Normalize(f.text));
      continue;
    }
    auto v = record.Get(field);
    if (!v.ok() || !v->has_value()) {
      key.state = ExactKey::State::kMalformed;
      return key;
    }
    AppendPart(buffer_, 'j', (*v)->ToJson());
  }
  XXH128_hash_t h = XXH3_128bits(buffer_.data(), buffer_.size());
  key.hash = {h.low64, h.high64};
  return key;
}

std::string ExactKeyer::Description() const {
  std::string d = "fields=";
  for (size_t i = 0; i < fields_.size(); ++i) {
    if (i) d += ",";
    d += fields_[i];
  }
  d += ";normalize=";
  for (size_t i = 0; i < normalizer_.steps().size(); ++i) {
    if (i) d += ",";
    d += NormStepName(normalizer_.steps()[i]);
  }
  return d;
}

// ---- ExactIndex ----------------------------------------------------------------

ExactIndex::ExactIndex() {
  slots_.assign(1024, Slot{0, 0, RowRef{kEmpty, 0, 0}});
  mask_ = slots_.size() - 1;
}

void ExactIndex::Grow() {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(old.size() * 2, Slot{0, 0, RowRef{kEmpty, 0, 0}});
  mask_ = slots_.size() - 1;
  for (const Slot& s : old) {
    if (s.ref.origin == kEmpty) continue;
    size_t i = s.low & mask_;
    while (slots_[i].ref.origin != kEmpty) i = (i + 1) & mask_;
    slots_[i] = s;
  }
}

const RowRef* ExactIndex::FindOrInsert(const Hash128& hash, const RowRef& ref) {
  if ((size_ + 1) * 10 > slots_.size() * 7) Grow();
  size_t i = hash.low & mask_;
  while (true) {
    Slot& s = slots_[i];
    if (s.ref.origin == kEmpty) {
      s.low = hash.low;
      s.high = hash.high;
      s.ref = ref;
      ++size_;
      return nullptr;
    }
    if (s.low == hash.low && s.high == hash.high) return &s.ref;
    i = (i + 1) & mask_;
  }
}

const RowRef* ExactIndex::Find(const Hash128& hash) const {
  if (size_ == 0) return nullptr;
  size_t i = hash.low & mask_;
  while (true) {
    const Slot& s = slots_[i];
    if (s.ref.origin == kEmpty) return nullptr;
    if (s.low == hash.low && s.high == hash.high) return &s.ref;
    i = (i + 1) & mask_;
  }
}

size_t ExactIndex::size_of_origin(uint32_t origin) const {
  size_t n = 0;
  for (const Slot& s : slots_) n += s.ref.origin == origin;
  return n;
}

namespace {
constexpr char kMagic[8] = {'W', 'N', 'W', 'E', 'X', 'D', 'U', 'P'};
constexpr uint32_t kVersion = 1;
constexpr size_t kEntryBytes = 28;

template <class T>
void Put(std::string& out, T v) {
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  out.append(b, sizeof(T));
}
template <class T>
T Get(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}
}  // namespace

Status ExactIndex::Save(const std::filesystem::path& path, const std::string& description,
                        const std::string& label) const {
  std::vector<const Slot*> mine;
  for (const Slot& s : slots_) {
    if (s.ref.origin == 0) mine.push_back(&s);
  }
  std::sort(mine.begin(), mine.end(), [](const Slot* a, const Slot* b) {
    return a->high != b->high ? a->high < b->high : a->low < b->low;
  });
  std::string out;
  out.reserve(64 + description.size() + label.size() + mine.size() * kEntryBytes);
  out.append(kMagic, 8);
  Put<uint32_t>(out, kVersion);
  Put<uint32_t>(out, 0);
  Put<uint64_t>(out, mine.size());
  Put<uint64_t>(out, XXH3_64bits(description.data(), description.size()));
  Put<uint32_t>(out, static_cast<uint32_t>(description.size()));
  out.append(description);
  Put<uint32_t>(out, static_cast<uint32_t>(label.size()));
  out.append(label);
  for (const Slot* s : mine) {
    Put<uint64_t>(out, s->low);
    Put<uint64_t>(out, s->high);
    Put<uint32_t>(out, s->ref.source);
    Put<uint64_t>(out, s->ref.ordinal);
  }
  Put<uint64_t>(out, XXH3_64bits(out.data(), out.size()));
  auto file = AtomicFile::Create(path);
  if (!file.ok()) return file.status();
  WINNOW_RETURN_IF_ERROR((*file)->Write(out));
  return (*file)->Commit();
}

Status ExactIndex::Load(const std::filesystem::path& path, const std::string& description,
                        uint32_t origin, std::string* label) {
  auto data = ReadFile(path);
  if (!data.ok()) return data.status();
  const std::string& d = *data;
  auto corrupt = [&](const std::string& what) {
    return Status::Corruption("exact_dedup index '" + path.string() + "' is corrupt: " + what +
                              "; rebuild it (save_index) or remove it from load_indexes");
  };
  if (d.size() < 8 || std::memcmp(d.data(), kMagic, 8) != 0) {
    return corrupt(
        "it does not start with the magic bytes \"WNWEXDUP\" (not an exact_dedup index)");
  }
  if (d.size() < 40)
    return corrupt("the header is truncated (" + std::to_string(d.size()) + " bytes)");
  uint32_t version = Get<uint32_t>(d.data() + 8);
  if (version != kVersion) {
    return Status::Corruption("exact_dedup index '" + path.string() + "' has format version " +
                              std::to_string(version) + ", but this build reads version " +
                              std::to_string(kVersion));
  }
  uint64_t count = Get<uint64_t>(d.data() + 16);
  size_t pos = 32;
  uint32_t dlen = Get<uint32_t>(d.data() + pos);
  pos += 4;
  if (dlen > d.size() - pos) return corrupt("the key description runs past the end of the file");
  std::string file_desc = d.substr(pos, dlen);
  pos += dlen;
  if (d.size() - pos < 4) return corrupt("the label length is missing");
  uint32_t llen = Get<uint32_t>(d.data() + pos);
  pos += 4;
  if (llen > d.size() - pos) return corrupt("the label runs past the end of the file");
  *label = d.substr(pos, llen);
  pos += llen;
  if (count > (d.size() - pos) / kEntryBytes || d.size() - pos != count * kEntryBytes + 8) {
    return corrupt("the header announces " + std::to_string(count) + " entries but the file has " +
                   std::to_string(d.size()) + " bytes");
  }
  uint64_t sum = Get<uint64_t>(d.data() + d.size() - 8);
  if (sum != XXH3_64bits(d.data(), d.size() - 8)) return corrupt("the checksum does not match");
  if (file_desc != description) {
    return Status::InvalidArgument("exact_dedup index '" + path.string() + "' was built with " +
                                   file_desc + " but this step uses " + description +
                                   "; keys would never match. Use the same fields and "
                                   "normalize settings, or rebuild the index");
  }
  uint64_t prev_low = 0, prev_high = 0;
  for (uint64_t k = 0; k < count; ++k, pos += kEntryBytes) {
    const char* e = d.data() + pos;
    Hash128 h{Get<uint64_t>(e), Get<uint64_t>(e + 8)};
    if (k > 0 && (h.high < prev_high || (h.high == prev_high && h.low <= prev_low))) {
      return corrupt("entries are not sorted (entry " + std::to_string(k) + ")");
    }
    prev_low = h.low;
    prev_high = h.high;
    FindOrInsert(h, RowRef{origin, Get<uint32_t>(e + 16), Get<uint64_t>(e + 20)});
  }
  return Status::Ok();
}

}  // namespace winnow::cleaners
