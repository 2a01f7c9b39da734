#include "minhash_dedup_lsh.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <numeric>
#include <queue>

#include "minhash.h"

namespace winnow::cleaners {

namespace {

inline bool EntryLess(const BandEntry& a, const BandEntry& b) {
  return a.key != b.key ? a.key < b.key : a.doc < b.doc;
}
// A function object, so that std::sort inlines the comparison.
constexpr auto kEntryLess = [](const BandEntry& a, const BandEntry& b) { return EntryLess(a, b); };

Status IoError(const std::string& what, const std::filesystem::path& path) {
  return Status::IOError(what + " " + path.string() + ": " + std::strerror(errno));
}

// Streams one sorted run file (or the in-memory tail) entry by entry.
class RunReader {
 public:
  RunReader() = default;
  static Result<std::unique_ptr<RunReader>> OpenFile(const std::filesystem::path& path) {
    auto r = std::make_unique<RunReader>();
    r->file_ = std::fopen(path.c_str(), "rb");
    if (!r->file_) return IoError("cannot open spill run", path);
    r->path_ = path;
    return r;
  }
  static std::unique_ptr<RunReader> OfMemory(const std::vector<BandEntry>* v) {
    auto r = std::make_unique<RunReader>();
    r->memory_ = v;
    return r;
  }
  ~RunReader() {
    if (file_) std::fclose(file_);
  }
  // Next entry, or false at the end. Errors are reported through status().
  bool Next(BandEntry* e) {
    if (memory_) {
      if (pos_ >= memory_->size()) return false;
      *e = (*memory_)[pos_++];
      return true;
    }
    if (pos_ == buf_.size()) {
      buf_.resize(1 << 16);
      size_t n = std::fread(buf_.data(), sizeof(BandEntry), buf_.size(), file_);
      if (n == 0 && std::ferror(file_)) status_ = IoError("cannot read spill run", path_);
      buf_.resize(n);
      pos_ = 0;
      if (n == 0) return false;
    }
    *e = buf_[pos_++];
    return true;
  }
  const Status& status() const { return status_; }

 private:
  std::FILE* file_ = nullptr;
  std::filesystem::path path_;
  const std::vector<BandEntry>* memory_ = nullptr;
  std::vector<BandEntry> buf_;
  size_t pos_ = 0;
  Status status_;
};

struct UnionFind {
  std::vector<uint32_t> parent;
  explicit UnionFind(size_t n) : parent(n) { std::iota(parent.begin(), parent.end(), 0u); }
  uint32_t Find(uint32_t x) {
    while (parent[x] != x) {
      parent[x] = parent[parent[x]];
      x = parent[x];
    }
    return x;
  }
  // The smaller index becomes the root, so a root is its cluster's lowest row.
  bool Union(uint32_t a, uint32_t b) {
    a = Find(a);
    b = Find(b);
    if (a == b) return false;
    if (a < b) {
      parent[b] = a;
    } else {
      parent[a] = b;
    }
    return true;
  }
};

constexpr size_t kMaxRepresentatives = 8;

}  // namespace

namespace {

// American flag sort: in-place MSD radix on the key, 8 bits per level (the
// 256 write positions of a level stay in cache), insertion sort below 33
// entries, std::sort for large runs of one key (exact duplicates).
void FlagSort(BandEntry* v, size_t n, int shift) {
  if (n <= 32) {
    for (BandEntry* i = v + 1; i < v + n; ++i) {
      const BandEntry e = *i;
      BandEntry* j = i;
      for (; j > v && EntryLess(e, j[-1]); --j) *j = j[-1];
      *j = e;
    }
    return;
  }
  if (shift < 0) {
    std::sort(v, v + n, kEntryLess);
    return;
  }
  size_t head[257] = {};
  for (size_t i = 0; i < n; ++i) ++head[((v[i].key >> shift) & 255) + 1];
  for (size_t b = 0; b < 256; ++b) head[b + 1] += head[b];
  // Cycle-leader permutation: next[b] is the first slot of bucket b not yet
  // holding one of its own entries.
  size_t next[256];
  for (size_t b = 0; b < 256; ++b) next[b] = head[b];
  for (size_t b = 0; b < 256; ++b) {
    const size_t end = head[b + 1];
    while (next[b] < end) {
      BandEntry e = v[next[b]];
      size_t d = (e.key >> shift) & 255;
      while (d != b) {
        std::swap(e, v[next[d]++]);
        d = (e.key >> shift) & 255;
      }
      v[next[b]++] = e;
    }
  }
  for (size_t b = 0; b < 256; ++b) FlagSort(v + head[b], head[b + 1] - head[b], shift - 8);
}

}  // namespace

// ~3x std::sort on 420,000 entries (keys are hashes).
void SortBandEntries(std::vector<BandEntry>& v) {
  FlagSort(v.data(), v.size(), 56);
}

LshIndex::LshIndex(int bands, uint64_t budget_bytes, std::filesystem::path temp_dir,
                   double jaccard_threshold)
    : bands_(bands),
      budget_bytes_(budget_bytes),
      temp_dir_(std::move(temp_dir)),
      jaccard_threshold_(jaccard_threshold) {}

LshIndex::~LshIndex() {
  if (sets_file_) std::fclose(sets_file_);
  std::error_code ec;
  for (const auto& r : runs_) std::filesystem::remove(r, ec);
  if (jaccard_threshold_ > 0) std::filesystem::remove(temp_dir_ / "minhash-shingles.bin", ec);
}

Status LshIndex::Add(const std::vector<RowId>& ids, const std::vector<uint64_t>& keys,
                     const std::vector<std::vector<uint64_t>>& sets) {
  std::lock_guard<std::mutex> lock(mu_);
  if (jaccard_threshold_ > 0 && !sets_file_ && !ids.empty()) {
    std::filesystem::create_directories(temp_dir_);
    auto path = temp_dir_ / "minhash-shingles.bin";
    sets_file_ = std::fopen(path.c_str(), "w+b");
    if (!sets_file_) return IoError("cannot create", path);
  }
  for (size_t k = 0; k < ids.size(); ++k) {
    if (docs_.size() >= UINT32_MAX) {
      return Status::Unimplemented("minhash_dedup handles at most 2^32-1 documents per process");
    }
    uint32_t obs = static_cast<uint32_t>(docs_.size());
    Doc doc;
    doc.id = ids[k];
    if (jaccard_threshold_ > 0) {
      const auto& set = sets[k];
      doc.set_offset = sets_written_;
      doc.set_size = static_cast<uint32_t>(set.size());
      if (!set.empty() &&
          std::fwrite(set.data(), sizeof(uint64_t), set.size(), sets_file_) != set.size()) {
        return IoError("cannot write", temp_dir_ / "minhash-shingles.bin");
      }
      sets_written_ += set.size();
    }
    docs_.push_back(doc);
    for (int b = 0; b < bands_; ++b) {
      entries_.push_back(
          BandEntry{keys[k * static_cast<size_t>(bands_) + static_cast<size_t>(b)], obs});
    }
  }
  if (entries_.size() * sizeof(BandEntry) > budget_bytes_) return SpillLocked();
  return Status::Ok();
}

Status LshIndex::SpillLocked() {
  SortBandEntries(entries_);
  std::filesystem::create_directories(temp_dir_);
  auto path = temp_dir_ / ("minhash-run-" + std::to_string(runs_.size()) + ".bin");
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return IoError("cannot create spill run", path);
  size_t n = std::fwrite(entries_.data(), sizeof(BandEntry), entries_.size(), f);
  bool ok = n == entries_.size() && std::fflush(f) == 0;
  std::fclose(f);
  if (!ok) return IoError("cannot write spill run", path);
  runs_.push_back(path);
  ++stats_.spilled_runs;
  entries_.clear();
  entries_.shrink_to_fit();
  return Status::Ok();
}

Status LshIndex::ReadSet(uint32_t obs, std::vector<uint64_t>* out) {
  const Doc& d = docs_[obs];
  out->resize(d.set_size);
  if (d.set_size == 0) return Status::Ok();
  if (std::fseek(sets_file_, static_cast<long>(d.set_offset * sizeof(uint64_t)), SEEK_SET) != 0 ||
      std::fread(out->data(), sizeof(uint64_t), d.set_size, sets_file_) != d.set_size) {
    return IoError("cannot read", temp_dir_ / "minhash-shingles.bin");
  }
  return Status::Ok();
}

Status LshIndex::ForEachEntry(const std::function<void(uint64_t, const RowId&)>& fn) {
  std::lock_guard<std::mutex> lock(mu_);
  stats_.documents = docs_.size();
  for (const auto& path : runs_) {
    auto r = RunReader::OpenFile(path);
    if (!r.ok()) return r.status();
    BandEntry e;
    while ((*r)->Next(&e)) fn(e.key, docs_[e.doc].id);
    WINNOW_RETURN_IF_ERROR((*r)->status());
  }
  for (const BandEntry& e : entries_) fn(e.key, docs_[e.doc].id);
  std::vector<BandEntry>().swap(entries_);
  return Status::Ok();
}

Result<std::unordered_map<RowId, ClusterInfo, RowIdHash>> LshIndex::Cluster(
    const std::function<bool()>& cancelled) {
  std::lock_guard<std::mutex> lock(mu_);
  const size_t n = docs_.size();
  stats_.documents = n;
  // Dense rank of every document in row-id order.
  std::vector<uint32_t> order(n), dense(n);
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(),
            [&](uint32_t a, uint32_t b) { return docs_[a].id < docs_[b].id; });
  for (size_t r = 0; r < n; ++r) dense[order[r]] = static_cast<uint32_t>(r);

  SortBandEntries(entries_);
  std::vector<std::unique_ptr<RunReader>> readers;
  for (const auto& path : runs_) {
    auto r = RunReader::OpenFile(path);
    if (!r.ok()) return r.status();
    readers.push_back(std::move(r).value());
  }
  readers.push_back(RunReader::OfMemory(&entries_));
  if (jaccard_threshold_ > 0 && sets_file_) std::fflush(sets_file_);

  // k-way merge by key.
  using Item = std::pair<BandEntry, size_t>;
  auto cmp = [](const Item& a, const Item& b) { return EntryLess(b.first, a.first); };
  std::priority_queue<Item, std::vector<Item>, decltype(cmp)> heap(cmp);
  for (size_t i = 0; i < readers.size() && !runs_.empty(); ++i) {
    BandEntry e;
    if (readers[i]->Next(&e)) heap.push({e, i});
  }
  UnionFind uf(n);
  std::vector<uint32_t> group;
  std::vector<uint32_t> reps;
  std::vector<std::vector<uint64_t>> rep_sets;
  std::vector<uint64_t> member_set;
  uint64_t groups_seen = 0;

  auto flush_group = [&]() -> Status {
    if (group.size() < 2) return Status::Ok();
    for (auto& g : group) g = dense[g];
    std::sort(group.begin(), group.end());
    group.erase(std::unique(group.begin(), group.end()), group.end());
    if (jaccard_threshold_ <= 0) {
      for (size_t i = 1; i < group.size(); ++i) {
        if (uf.Union(group[0], group[i])) ++stats_.candidate_pairs;
      }
      return Status::Ok();
    }
    // Verified: compare each member with up to kMaxRepresentatives earlier
    // members that matched nothing before them.
    reps.clear();
    rep_sets.clear();
    for (uint32_t m : group) {
      WINNOW_RETURN_IF_ERROR(ReadSet(order[m], &member_set));
      bool matched = false;
      for (size_t r = 0; r < reps.size(); ++r) {
        if (uf.Find(reps[r]) == uf.Find(m)) {
          matched = true;
          continue;
        }
        ++stats_.candidate_pairs;
        double j = JaccardSorted(rep_sets[r].data(), rep_sets[r].size(), member_set.data(),
                                 member_set.size());
        if (j >= jaccard_threshold_) {
          uf.Union(reps[r], m);
          matched = true;
        } else {
          ++stats_.jaccard_rejected;
        }
      }
      if (!matched && reps.size() < kMaxRepresentatives) {
        reps.push_back(m);
        rep_sets.push_back(member_set);
      }
    }
    return Status::Ok();
  };

  bool have = false;
  uint64_t cur = 0;
  Status stop;
  // Takes the next entry in key order; false (with `stop` set) to stop.
  auto take = [&](const BandEntry& e) {
    if (!have || e.key != cur) {
      if (group.size() >= 2) {
        stop = flush_group();
        if (!stop.ok()) return false;
      }
      group.clear();
      cur = e.key;
      have = true;
      if ((++groups_seen & 0xFFFFF) == 0 && cancelled && cancelled()) {
        stop = Status::Cancelled("minhash_dedup clustering was cancelled");
        return false;
      }
    }
    group.push_back(e.doc);
    return true;
  };
  if (runs_.empty()) {
    // Nothing spilled: the sorted entries in memory, without the merge heap.
    for (const BandEntry& e : entries_) {
      if (!take(e)) return stop;
    }
  } else {
    while (!heap.empty()) {
      auto [e, src] = heap.top();
      heap.pop();
      BandEntry next;
      if (readers[src]->Next(&next)) heap.push({next, src});
      WINNOW_RETURN_IF_ERROR(readers[src]->status());
      if (!take(e)) return stop;
    }
  }
  WINNOW_RETURN_IF_ERROR(flush_group());

  // Cluster sizes and the decision for every member of a cluster of >= 2.
  std::vector<uint32_t> size(n, 0);
  for (uint32_t r = 0; r < n; ++r) ++size[uf.Find(r)];
  std::unordered_map<RowId, ClusterInfo, RowIdHash> out;
  for (uint32_t r = 0; r < n; ++r) {
    uint32_t root = uf.Find(r);
    if (size[root] < 2) continue;
    if (root == r) {
      ++stats_.clusters;
    } else {
      ++stats_.duplicates;
    }
    out.emplace(docs_[order[r]].id, ClusterInfo{docs_[order[root]].id, size[root]});
  }
  // Free everything but the answer.
  std::vector<BandEntry>().swap(entries_);
  return out;
}

}  // namespace winnow::cleaners
