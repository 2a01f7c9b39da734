// cleaner/exact_dedup — drops (or marks) rows whose content was seen before.
//
// Contract:
//  * Key: XXH3-128 of the configured `fields` after the `normalize` steps
//    (see exact_dedup_index.h for multi-field and non-string fields).
//  * Global stage (issue 7): Observe() hashes every row and keeps (key, row
//    id); Finish() sends each key to its owner rank (key % world) with
//    AllToAll, the owner keeps the LOWEST row id per key (the first
//    occurrence in input order: row ids grow with input order) and sends the
//    rank holding each repeat the id of the row it repeats; Process() drops
//    or annotates. Same rows and details for one process or any number of
//    ranks, thread count or batch size.
//  * mode drop: a repeat is dropped with reason "exact_duplicate" and a
//    detail naming the first row id. mode annotate: the row is kept and gets
//    `duplicate_of` (configurable name) = the first row's id ("0:17"), or
//    "<label>/0:17" when the first occurrence is in a loaded index.
//  * Missing or null field: on_missing reject -> Fail(reason
//    "exact_dedup:missing_field"); pass -> the row passes, unindexed.
//    Malformed record bytes -> Fail("exact_dedup:malformed_record").
//  * Invalid UTF-8 (possible only in rows edited by earlier steps) is hashed
//    after replacing bad sequences with U+FFFD; counted as "invalid_utf8".
//  * Indexes: `load_indexes` are read in Open() (corrupt or mismatching files
//    stop the run with a message naming the file); `save_index` is written
//    atomically in Close() with this run's first occurrences only.
//  * Counters: rows, unique, duplicates, duplicates_of_index, missing_field,
//    invalid_utf8, index_entries_loaded.
//  * Memory: 32 bytes per row with a key until Finish(), then the exchange
//    buffers (28 bytes per row, twice) and 40 bytes per repeat; plus the
//    loaded indexes. Nothing is spilled. save_index: owners send their first
//    occurrences to rank 0, which writes the file.
//  * Counters: comm.bytes_sent counts bytes sent to other ranks.
#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "exact_dedup_index.h"
#include "text_norm.h"
#include "winnow/comm.h"
#include "winnow/context.h"
#include "winnow/plugin.h"
#include "winnow/schema.h"
#include "winnow/stage.h"

namespace winnow::cleaners {
namespace {

struct ExactDedupConfig {
  std::vector<std::string> fields = {"text"};
  std::vector<std::string> normalize = {"nfc"};
  std::string mode = "drop";
  std::string on_missing = "reject";
  std::string save_index;
  std::vector<std::string> load_indexes;
  std::string index_label;
  std::string duplicate_of_field = "duplicate_of";
};

const ConfigSchema& Schema() {
  static const ConfigSchema schema =
      SchemaBuilder<ExactDedupConfig>()
          .StringList("fields", &ExactDedupConfig::fields,
                      "Fields whose content forms the key. Several fields are hashed together; a "
                      "non-string field contributes its compact JSON.")
          .StringList("normalize", &ExactDedupConfig::normalize,
                      "Normalisation steps applied in order to string fields before hashing: nfc, "
                      "nfkc, lowercase, whitespace (collapse runs of white space and trim) and "
                      "simplify (datatrove's simplify_text: lower-case, punctuation and "
                      "diacritics removed, digits to 0). An empty list hashes the exact bytes.")
          .Enum("mode", &ExactDedupConfig::mode, {"drop", "annotate"},
                "drop removes repeats (reason exact_duplicate); annotate keeps them and adds the "
                "duplicate_of field.")
          .Enum("on_missing", &ExactDedupConfig::on_missing, {"reject", "pass"},
                "What to do with a row that lacks one of the fields (or has null there): reject "
                "it as an error, or pass it through without deduplicating it.")
          .String("save_index", &ExactDedupConfig::save_index,
                  "Path of an index file to write (atomically, at the end of the run) with the "
                  "keys of this run's first occurrences, for deduplicating later datasets.")
          .StringList("load_indexes", &ExactDedupConfig::load_indexes,
                      "Index files written earlier by save_index; rows whose key is in one of "
                      "them count as repeats of that older dataset.")
          .String("index_label", &ExactDedupConfig::index_label,
                  "Name of this dataset stored in the saved index and shown in duplicate_of of "
                  "later runs. Defaults to the index file name without extension.")
          .String("duplicate_of_field", &ExactDedupConfig::duplicate_of_field,
                  "Name of the field annotate mode adds to repeats.")
          .Build();
  return schema;
}

class ExactDedup final : public Stage {
 public:
  explicit ExactDedup(ExactDedupConfig config) : config_(std::move(config)) {}

  Status Init() override {
    if (config_.fields.empty()) return ConfigError("fields", "List at least one field.");
    for (size_t i = 0; i < config_.normalize.size(); ++i) {
      NormStep step;
      if (!ParseNormStep(config_.normalize[i], &step)) {
        std::string valid;
        for (const auto& n : NormStepNames()) valid += (valid.empty() ? "" : ", ") + n;
        std::string hint = ClosestMatch(config_.normalize[i], NormStepNames());
        return ConfigError("normalize." + std::to_string(i),
                           "Unknown normalisation step '" + config_.normalize[i] + "'" +
                               (hint.empty() ? "" : " (did you mean '" + hint + "'?)") +
                               "; valid steps: " + valid + ".");
      }
      steps_.push_back(step);
    }
    if (config_.mode == "annotate" && config_.duplicate_of_field.empty()) {
      return ConfigError("duplicate_of_field", "The field name must not be empty.");
    }
    if (config_.index_label.empty() && !config_.save_index.empty()) {
      config_.index_label = std::filesystem::path(config_.save_index).stem().string();
    }
    keyer_ = std::make_unique<ExactKeyer>(config_.fields, steps_);
    return Status::Ok();
  }

  // Global (issue 7): the kept row is the lowest row id of each key, which is
  // the first occurrence in input order for every built-in source (row ids
  // grow with input order), and the same for one process or many ranks.
  StageMode mode() const override { return StageMode::kGlobal; }

  Status Open(Context& ctx) override {
    labels_.assign(1, config_.index_label);
    const std::string desc = keyer_->Description();
    int64_t loaded = 0;
    for (const auto& path : config_.load_indexes) {
      std::string label;
      size_t before = index_.size();
      WINNOW_RETURN_IF_ERROR(
          index_.Load(path, desc, static_cast<uint32_t>(labels_.size()), &label));
      if (label.empty()) label = std::filesystem::path(path).stem().string();
      labels_.push_back(label);
      loaded += static_cast<int64_t>(index_.size() - before);
      ctx.Info("loaded exact_dedup index " + path + " (" + label +
               "): " + std::to_string(index_.size() - before) + " new keys");
    }
    if (loaded && ctx.rank() == 0) ctx.Count("index_entries_loaded", loaded);
    return Status::Ok();
  }

  // Pass 1 (concurrent): hash every row; rows already in a loaded index are
  // decided here, the others are kept as (key, row id) for Finish().
  Status Observe(const Batch& batch, Context& ctx) override {
    std::unique_ptr<ExactKeyer> keyer = AcquireKeyer();
    std::vector<Entry> entries;
    entries.reserve(batch.size());
    std::vector<std::pair<RowId, Failure>> failures;
    std::vector<std::pair<RowId, RowRef>> index_dups;
    int64_t missing = 0, bad_utf8 = 0;
    for (const Record& rec : batch.rows) {
      ExactKey key = keyer->Key(rec);
      if (key.state == ExactKey::State::kMalformed) {
        failures.push_back(
            {rec.id(),
             {"exact_dedup:malformed_record",
              "The record's bytes are not valid JSON, so its fields cannot be read."}});
        continue;
      }
      if (key.state == ExactKey::State::kMissing) {
        ++missing;
        if (config_.on_missing == "reject") {
          failures.push_back({rec.id(),
                              {"exact_dedup:missing_field",
                               "Field '" + key.missing_field + "' is missing or null."}});
        }
        continue;
      }
      bad_utf8 += key.invalid_utf8;
      if (const RowRef* old = index_.Find(key.hash)) {
        index_dups.push_back({rec.id(), *old});
        continue;
      }
      entries.push_back(Entry{key.hash, rec.id()});
    }
    ReleaseKeyer(std::move(keyer));
    {
      std::lock_guard<std::mutex> lock(mu_);
      entries_.insert(entries_.end(), entries.begin(), entries.end());
      for (auto& [id, f] : failures) failures_.emplace(id, std::move(f));
      for (auto& [id, ref] : index_dups) index_dups_.emplace(id, ref);
    }
    ctx.Count("rows", static_cast<int64_t>(batch.size()));
    if (missing) ctx.Count("missing_field", missing);
    if (bad_utf8) ctx.Count("invalid_utf8", bad_utf8);
    return Status::Ok();
  }

  // Keys go to their owner rank (key % world); each owner keeps the lowest
  // row id per key and tells the rank holding each repeat which row it
  // repeats. In one process the exchange is a local copy.
  Status Finish(Context& ctx) override {
    Communicator& comm = ctx.comm();
    const int world = comm.world();
    const int me = comm.rank();
    std::vector<std::string> send(static_cast<size_t>(world)), recv;
    {
      std::vector<size_t> counts(static_cast<size_t>(world), 0);
      for (const Entry& e : entries_) ++counts[Owner(e.hash, world)];
      for (int r = 0; r < world; ++r) send[r].reserve(counts[r] * kEntryWire);
      for (const Entry& e : entries_) {
        std::string& out = send[Owner(e.hash, world)];
        Put(&out, e.hash.low);
        Put(&out, e.hash.high);
        Put(&out, e.id.source);
        Put(&out, e.id.ordinal);
      }
      std::vector<Entry>().swap(entries_);
    }
    WINNOW_RETURN_IF_ERROR(Exchange(comm, ctx, &send, &recv));
    // Owner side: (key, row, holder rank), sorted by key then row.
    struct Owned {
      Hash128 hash;
      RowId id;
      uint32_t holder;
    };
    std::vector<Owned> owned;
    for (int r = 0; r < world; ++r) {
      const std::string& in = recv[r];
      if (in.size() % kEntryWire != 0) {
        return Status::Internal("exact_dedup: malformed key exchange from rank " +
                                std::to_string(r));
      }
      for (size_t at = 0; at < in.size(); at += kEntryWire) {
        Owned o;
        o.hash.low = Get<uint64_t>(in, at);
        o.hash.high = Get<uint64_t>(in, at + 8);
        o.id.source = Get<uint32_t>(in, at + 16);
        o.id.ordinal = Get<uint64_t>(in, at + 20);
        o.holder = static_cast<uint32_t>(r);
        owned.push_back(o);
      }
      std::string().swap(recv[r]);
    }
    std::sort(owned.begin(), owned.end(), [](const Owned& a, const Owned& b) {
      return a.hash != b.hash ? a.hash < b.hash : a.id < b.id;
    });
    for (auto& s : send) s.clear();
    std::string firsts;  // (key, first row) for save_index, sent to rank 0
    int64_t unique = 0;
    for (size_t i = 0; i < owned.size();) {
      size_t j = i + 1;
      while (j < owned.size() && owned[j].hash == owned[i].hash) ++j;
      ++unique;
      const RowId& first = owned[i].id;
      if (!config_.save_index.empty()) {
        Put(&firsts, owned[i].hash.low);
        Put(&firsts, owned[i].hash.high);
        Put(&firsts, first.source);
        Put(&firsts, first.ordinal);
      }
      for (size_t k = i + 1; k < j; ++k) {
        std::string& out = send[owned[k].holder];
        Put(&out, owned[k].id.source);
        Put(&out, owned[k].id.ordinal);
        Put(&out, first.source);
        Put(&out, first.ordinal);
      }
      i = j;
    }
    std::vector<Owned>().swap(owned);
    if (unique) ctx.Count("unique", unique);
    WINNOW_RETURN_IF_ERROR(Exchange(comm, ctx, &send, &recv));
    for (int r = 0; r < world; ++r) {
      const std::string& in = recv[r];
      if (in.size() % kDecisionWire != 0) {
        return Status::Internal("exact_dedup: malformed decision exchange from rank " +
                                std::to_string(r));
      }
      for (size_t at = 0; at < in.size(); at += kDecisionWire) {
        RowId row{Get<uint32_t>(in, at), Get<uint64_t>(in, at + 4)};
        RowId first{Get<uint32_t>(in, at + 12), Get<uint64_t>(in, at + 16)};
        dups_.emplace(row, first);
      }
    }
    if (!config_.save_index.empty()) {
      // Rank 0 writes the index: every owner sends it its first occurrences.
      for (auto& s : send) s.clear();
      send[0] = std::move(firsts);
      WINNOW_RETURN_IF_ERROR(Exchange(comm, ctx, &send, &recv));
      if (me == 0) {
        for (const std::string& in : recv) {
          for (size_t at = 0; at + kEntryWire <= in.size(); at += kEntryWire) {
            Hash128 h{Get<uint64_t>(in, at), Get<uint64_t>(in, at + 8)};
            index_.FindOrInsert(h,
                                RowRef{0, Get<uint32_t>(in, at + 16), Get<uint64_t>(in, at + 20)});
          }
        }
      }
    }
    return Status::Ok();
  }

  // Pass 2 (concurrent): apply the decisions.
  Status Process(Batch& batch, Context& ctx) override {
    int64_t dups = 0, index_dups = 0;
    const bool annotate = config_.mode == "annotate";
    for (size_t i = 0; i < batch.size(); ++i) {
      Record& rec = batch.rows[i];
      const RowId& id = rec.id();
      if (!failures_.empty()) {
        auto f = failures_.find(id);
        if (f != failures_.end()) {
          batch.Fail(i, f->second.reason, f->second.detail);
          continue;
        }
      }
      std::string first_id, where;
      if (auto d = dups_.find(id); d != dups_.end()) {
        first_id = d->second.ToString();
      } else if (auto x = index_dups_.find(id); x != index_dups_.end()) {
        const RowRef& first = x->second;
        ++index_dups;
        first_id = labels_[first.origin] + "/" + RowId{first.source, first.ordinal}.ToString();
        where = " in index '" + config_.load_indexes[first.origin - 1] + "'";
      } else {
        continue;
      }
      ++dups;
      if (annotate) {
        rec.Set(config_.duplicate_of_field, Value(first_id));
      } else {
        batch.Drop(i, "exact_duplicate", "Same content as row " + first_id + where + ".");
      }
    }
    if (dups) ctx.Count("duplicates", dups);
    if (index_dups) ctx.Count("duplicates_of_index", index_dups);
    return Status::Ok();
  }

  Status Close(Context& ctx) override {
    if (config_.save_index.empty() || ctx.rank() != 0) return Status::Ok();
    Status st = index_.Save(config_.save_index, keyer_->Description(), config_.index_label);
    if (!st.ok()) return st.WithContext("writing exact_dedup index " + config_.save_index);
    ctx.Info("wrote exact_dedup index " + config_.save_index + " (" +
             std::to_string(index_.size_of_origin(0)) + " keys)");
    return Status::Ok();
  }

 private:
  struct Entry {
    Hash128 hash;
    RowId id;
  };
  struct Failure {
    std::string reason, detail;
  };
  struct RowIdHash {
    size_t operator()(const RowId& id) const {
      return std::hash<uint64_t>()(id.ordinal * 0x9E3779B97F4A7C15ULL ^ id.source);
    }
  };
  static constexpr size_t kEntryWire = 28;     // key low, key high, row source, row ordinal
  static constexpr size_t kDecisionWire = 24;  // row source+ordinal, first source+ordinal

  static size_t Owner(const Hash128& h, int world) {
    return static_cast<size_t>(h.low % static_cast<uint64_t>(world));
  }
  template <typename T>
  static void Put(std::string* out, T v) {
    out->append(reinterpret_cast<const char*>(&v), sizeof(T));
  }
  template <typename T>
  static T Get(const std::string& in, size_t at) {
    T v;
    std::memcpy(&v, in.data() + at, sizeof(T));
    return v;
  }
  // AllToAll, counting the bytes sent to other ranks as comm.bytes_sent.
  static Status Exchange(Communicator& comm, Context& ctx, std::vector<std::string>* send,
                         std::vector<std::string>* recv) {
    int64_t bytes = 0;
    for (int r = 0; r < comm.world(); ++r) {
      if (r != comm.rank()) bytes += static_cast<int64_t>((*send)[r].size());
    }
    if (bytes) ctx.Count("comm.bytes_sent", bytes);
    Status st = comm.AllToAll(*send, recv);
    if (!st.ok()) return st.WithContext("exact_dedup key exchange");
    return Status::Ok();
  }
  std::unique_ptr<ExactKeyer> AcquireKeyer() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!keyers_.empty()) {
        auto k = std::move(keyers_.back());
        keyers_.pop_back();
        return k;
      }
    }
    return std::make_unique<ExactKeyer>(config_.fields, steps_);
  }
  void ReleaseKeyer(std::unique_ptr<ExactKeyer> k) {
    std::lock_guard<std::mutex> lock(mu_);
    keyers_.push_back(std::move(k));
  }

  ExactDedupConfig config_;
  std::vector<NormStep> steps_;
  std::unique_ptr<ExactKeyer> keyer_;
  ExactIndex index_;
  std::vector<std::string> labels_;
  std::mutex mu_;
  std::vector<std::unique_ptr<ExactKeyer>> keyers_;
  std::vector<Entry> entries_;
  std::unordered_map<RowId, Failure, RowIdHash> failures_;
  std::unordered_map<RowId, RowRef, RowIdHash> index_dups_;
  std::unordered_map<RowId, RowId, RowIdHash> dups_;
};

}  // namespace
}  // namespace winnow::cleaners

WINNOW_PLUGIN(winnow::PluginKind::kCleaner, "exact_dedup", "1.0.0",
              "Removes exact duplicates (XXH3-128 of normalised fields), keeping the first "
              "occurrence; can save and load indexes across datasets.",
              winnow::cleaners::ExactDedupConfig, winnow::cleaners::ExactDedup,
              winnow::cleaners::Schema)
