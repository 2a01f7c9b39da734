// cleaner/exact_dedup — drops (or marks) rows whose content was seen before.
//
// Contract:
//  * Key: XXH3-128 of the configured `fields` after the `normalize` steps
//    (see exact_dedup_index.h for multi-field and non-string fields).
//  * Sequential stage: batches arrive in input order, so the kept row is the
//    FIRST occurrence in input order, for any thread count or batch size.
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
//  * Memory: about 45 bytes per distinct key (open addressing, load <= 0.7),
//    plus the loaded indexes. Nothing is spilled.
#include <memory>
#include <string>
#include <vector>

#include "exact_dedup_index.h"
#include "text_norm.h"
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

  StageMode mode() const override { return StageMode::kSequential; }

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
    if (loaded) ctx.Count("index_entries_loaded", loaded);
    return Status::Ok();
  }

  Status Process(Batch& batch, Context& ctx) override {
    // 1. Hash (independent per row; a distributed version exchanges these).
    keys_.resize(batch.size());
    for (size_t i = 0; i < batch.size(); ++i) keys_[i] = keyer_->Key(batch.rows[i]);
    // 2. Decide, in input order.
    int64_t unique = 0, dups = 0, index_dups = 0, missing = 0, bad_utf8 = 0;
    const bool annotate = config_.mode == "annotate";
    for (size_t i = 0; i < batch.size(); ++i) {
      const ExactKey& key = keys_[i];
      Record& rec = batch.rows[i];
      if (key.state == ExactKey::State::kMalformed) {
        batch.Fail(i, "exact_dedup:malformed_record",
                   "The record's bytes are not valid JSON, so its fields cannot be read.");
        continue;
      }
      if (key.state == ExactKey::State::kMissing) {
        ++missing;
        if (config_.on_missing == "reject") {
          batch.Fail(i, "exact_dedup:missing_field",
                     "Field '" + key.missing_field + "' is missing or null.");
        }
        continue;
      }
      bad_utf8 += key.invalid_utf8;
      const RowId& id = rec.id();
      const RowRef* first = index_.FindOrInsert(key.hash, RowRef{0, id.source, id.ordinal});
      if (!first) {
        ++unique;
        continue;
      }
      ++dups;
      std::string first_id = RowId{first->source, first->ordinal}.ToString();
      std::string where;
      if (first->origin != 0) {
        ++index_dups;
        first_id = labels_[first->origin] + "/" + first_id;
        where = " in index '" + config_.load_indexes[first->origin - 1] + "'";
      }
      if (annotate) {
        rec.Set(config_.duplicate_of_field, Value(first_id));
      } else {
        batch.Drop(i, "exact_duplicate", "Same content as row " + first_id + where + ".");
      }
    }
    ctx.Count("rows", static_cast<int64_t>(batch.size()));
    if (unique) ctx.Count("unique", unique);
    if (dups) ctx.Count("duplicates", dups);
    if (index_dups) ctx.Count("duplicates_of_index", index_dups);
    if (missing) ctx.Count("missing_field", missing);
    if (bad_utf8) ctx.Count("invalid_utf8", bad_utf8);
    return Status::Ok();
  }

  Status Close(Context& ctx) override {
    if (config_.save_index.empty()) return Status::Ok();
    Status st = index_.Save(config_.save_index, keyer_->Description(), config_.index_label);
    if (!st.ok()) return st.WithContext("writing exact_dedup index " + config_.save_index);
    ctx.Info("wrote exact_dedup index " + config_.save_index + " (" +
             std::to_string(index_.size_of_origin(0)) + " keys)");
    return Status::Ok();
  }

 private:
  ExactDedupConfig config_;
  std::vector<NormStep> steps_;
  std::unique_ptr<ExactKeyer> keyer_;
  ExactIndex index_;
  std::vector<std::string> labels_;
  std::vector<ExactKey> keys_;
};

}  // namespace
}  // namespace winnow::cleaners

WINNOW_PLUGIN(winnow::PluginKind::kCleaner, "exact_dedup", "1.0.0",
              "Removes exact duplicates (XXH3-128 of normalised fields), keeping the first "
              "occurrence; can save and load indexes across datasets.",
              winnow::cleaners::ExactDedupConfig, winnow::cleaners::ExactDedup,
              winnow::cleaners::Schema)
