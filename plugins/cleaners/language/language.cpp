// cleaner/language — identify each row's language; keep, drop or annotate.
//
// Contract
//   Input   rows with a string field `field` (default "text").
//   Engine  CLD2 (built in) by default, improved on short texts by ICU script
//           analysis and frequent-word lists (`detector: combined`); plain CLD2
//           with `detector: cld2`; a fastText `__label__` model (lid.176,
//           GlotLID, ...) when `model_path` is set (`detector: auto|fasttext`).
//           Documents above `max_detect_bytes` are detected on a sample (head,
//           middle and tail thirds), so a 100 MB row costs as much as 64 KB.
//   Output  kept rows get `language` (ISO 639-1 where one exists, else ISO
//           639-3, "und" when unknown), `language_score` (0..1, 4 decimals) and
//           `language_label` (the detector's own label); an empty field name
//           turns that field off.
//   Drops   mode drop: "language:not_kept" (not in `languages`),
//           "language:low_score" (below `min_score`), "language:unknown"
//           (no language found, e.g. punctuation only; only when `languages`
//           is set or `min_score` > 0). mode annotate drops nothing and counts
//           would-be drops under "would_drop.<reason>".
//   Errors  "language:missing_field" (missing or null, with on_missing: reject),
//           "language:wrong_type" (not a string), "language:malformed_record".
//           Invalid UTF-8 inside the text is replaced by U+FFFD before
//           detection (counter "invalid_utf8"); the row itself is not changed.
//   Counters "lang.<code>" per detected language, "method.<cld2|script|lexicon|
//           fasttext|none>", "invalid_utf8", "missing_passed", "sampled_long".
//   Failure  Open() fails with NotFound / InvalidArgument naming the file for a
//           missing or corrupt model or word list.
// Thread-safety: row-wise; Process() runs concurrently (the detector is immutable).
// Determinism: each row's result depends only on its text and the config.
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "language_codes.h"
#include "language_detect.h"
#include "winnow/plugin.h"
#include "winnow/stage.h"
#include "winnow/text.h"

namespace {

using winnow::Batch;
using winnow::ConfigError;
using winnow::Context;
using winnow::Status;
using winnow::langid::Detection;
using winnow::langid::Detector;
using winnow::langid::Engine;

struct LanguageConfig {
  std::string field = "text";
  std::string mode = "drop";
  std::vector<std::string> languages;
  double min_score = 0.0;
  std::string detector = "auto";
  std::string model_path;
  std::string language_field = "language";
  std::string score_field = "language_score";
  std::string label_field = "language_label";
  std::string on_missing = "reject";
  int64_t max_detect_bytes = 65536;
  int64_t short_words = 30;
  std::vector<std::string> wordlists;
};

const winnow::ConfigSchema& LanguageSchema() {
  static const auto schema =
      winnow::SchemaBuilder<LanguageConfig>()
          .String("field", &LanguageConfig::field, "Field holding the text to identify.")
          .Enum("mode", &LanguageConfig::mode, {"drop", "annotate"},
                "What to do with rows that fail the keep list or the score threshold: drop "
                "them (with a reason), or keep every row and only write the annotation fields.")
          .StringList("languages", &LanguageConfig::languages,
                      "Languages to keep, as ISO 639-1 or 639-3 codes (for example [en, de]); "
                      "an empty list keeps every language.")
          .Double("min_score", &LanguageConfig::min_score,
                  "Minimum detection confidence (0 to 1) for a row to be kept.")
          .Range(0.0, 1.0)
          .Enum("detector", &LanguageConfig::detector, {"auto", "combined", "cld2", "fasttext"},
                "Detection engine: combined is CLD2 improved on short texts by Unicode script "
                "analysis and frequent-word lists, cld2 is CLD2 alone, fasttext uses the "
                "model at model_path, and auto means fasttext when model_path is set and "
                "combined otherwise.")
          .String("model_path", &LanguageConfig::model_path,
                  "Path to a fastText supervised language-identification model (.bin) whose "
                  "labels are language codes, such as lid.176.bin or GlotLID's model.bin.")
          .String("language_field", &LanguageConfig::language_field,
                  "Field receiving the detected ISO 639 code (und when unknown); empty to skip.")
          .String("score_field", &LanguageConfig::score_field,
                  "Field receiving the detection confidence; empty to skip.")
          .String("label_field", &LanguageConfig::label_field,
                  "Field receiving the detector's own label (for example zh-Hant or "
                  "__label__eng_Latn); empty to skip.")
          .Enum("on_missing", &LanguageConfig::on_missing, {"reject", "pass"},
                "What to do with rows whose field is missing or null: reject them as errors, "
                "or pass them through unchanged.")
          .Int("max_detect_bytes", &LanguageConfig::max_detect_bytes,
               "Longer texts are identified from a sample of this many bytes (head, middle "
               "and tail thirds); 0 reads the whole text.")
          .Min(0)
          .Int("short_words", &LanguageConfig::short_words,
               "With the combined detector, texts of at most this many words are decided by "
               "CLD2's best guess together with the frequent-word vote.")
          .Min(0)
          .StringList("wordlists", &LanguageConfig::wordlists,
                      "Extra word lists for the short-text vote, as LANG:PATH entries (one word "
                      "per line, or a hunspell .dic file), for example "
                      "de:/usr/share/dict/ngerman.")
          .Build();
  return schema;
}

// Adds one to `key`'s entry of a small per-batch table (few distinct keys:
// a linear scan beats a tree of strings built per row).
template <typename Key>
void CountKey(std::vector<std::pair<Key, int64_t>>& counts, const Key& key) {
  for (auto& [name, n] : counts) {
    if (name == key) {
      ++n;
      return;
    }
  }
  counts.emplace_back(key, 1);
}

std::string FormatScore(double s) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.2f", s);
  return buf;
}

class LanguageCleaner final : public winnow::Stage {
 public:
  explicit LanguageCleaner(LanguageConfig config) : config_(std::move(config)) {}

  Status Init() override {
    if (config_.field.empty()) return ConfigError("field", "The field name must not be empty.");
    for (const auto& code : config_.languages) {
      std::string norm = winnow::langid::NormalizeLabel(code);
      if (norm == "und") {
        return ConfigError("languages", "'" + code +
                                            "' is not a language code; use ISO 639-1 or 639-3 "
                                            "codes such as en, de or deu.");
      }
      keep_.push_back(norm);
      keep_list_ += (keep_list_.empty() ? "" : ",") + norm;
    }
    if (config_.detector == "fasttext" && config_.model_path.empty()) {
      return ConfigError("model_path",
                         "detector: fasttext needs model_path (a fastText .bin "
                         "language-identification model).");
    }
    if ((config_.detector == "cld2" || config_.detector == "combined") &&
        !config_.model_path.empty()) {
      return ConfigError("model_path",
                         "model_path is only used by detector: fasttext or auto; "
                         "remove it or change the detector.");
    }
    options_.engine = config_.detector == "cld2"       ? Engine::kCld2
                      : config_.detector == "combined" ? Engine::kCombined
                      : config_.model_path.empty()     ? Engine::kCombined
                                                       : Engine::kFastText;
    options_.model_path = config_.model_path;
    options_.max_detect_bytes = static_cast<size_t>(config_.max_detect_bytes);
    options_.short_words = config_.short_words;
    for (const auto& entry : config_.wordlists) {
      size_t colon = entry.find(':');
      if (colon == std::string::npos || colon == 0 || colon + 1 == entry.size()) {
        return ConfigError("wordlists", "'" + entry +
                                            "' is not LANG:PATH (for example "
                                            "de:/usr/share/dict/ngerman).");
      }
      std::string lang = winnow::langid::NormalizeLabel(entry.substr(0, colon));
      if (lang == "und") {
        return ConfigError("wordlists", "'" + entry.substr(0, colon) + "' is not a language code.");
      }
      options_.wordlists.emplace_back(lang, entry.substr(colon + 1));
    }
    return Status::Ok();
  }

  Status Open(Context& ctx) override {
    auto det = Detector::Create(options_);
    if (!det.ok()) return det.status();
    detector_ = std::move(det).value();
    if (options_.engine == Engine::kFastText) {
      ctx.Info("language identification with fastText model " + options_.model_path);
    } else if (!options_.wordlists.empty()) {
      ctx.Info("short-text word vote uses " + std::to_string(detector_->lexicon_words()) +
               " words in " + std::to_string(detector_->lexicon_languages().size()) + " languages");
    }
    return Status::Ok();
  }

  Status Process(Batch& batch, Context& ctx) override {
    // Per-batch counters: the rare ones in a map, languages and methods in
    // small flat tables (no per-row string building or tree lookups).
    std::map<std::string, int64_t> counts;
    std::vector<std::pair<std::string, int64_t>> lang_counts;
    std::vector<std::pair<std::string_view, int64_t>> method_counts;
    std::string scratch, clean;
    const bool drop_mode = config_.mode == "drop";
    for (size_t i = 0; i < batch.rows.size(); ++i) {
      if (batch.IsMarked(i)) continue;
      auto& row = batch.rows[i];
      winnow::TextField f = row.GetText(config_.field, scratch);
      switch (f.state) {
        case winnow::FieldState::kMissing:
        case winnow::FieldState::kNull:
          if (config_.on_missing == "pass") {
            ++counts["missing_passed"];
          } else {
            batch.Fail(i, "language:missing_field",
                       "Field '" + config_.field + "' is " +
                           (f.state == winnow::FieldState::kNull ? "null" : "missing") + ".");
          }
          continue;
        case winnow::FieldState::kWrongType:
          batch.Fail(i, "language:wrong_type",
                     "Field '" + config_.field + "' is " +
                         std::string(winnow::ValueTypeName(f.found_type)) + ", not a string.");
          continue;
        case winnow::FieldState::kMalformed:
          batch.Fail(i, "language:malformed_record",
                     "The record is not valid JSON (or not valid UTF-8) at or before field '" +
                         config_.field + "'.");
          continue;
        case winnow::FieldState::kPresent:
          break;
      }
      std::string_view text = f.text;
      if (!winnow::IsValidUtf8(text)) {
        clean = winnow::SanitizeUtf8(text);
        text = clean;
        ++counts["invalid_utf8"];
      }
      if (config_.max_detect_bytes > 0 &&
          text.size() > static_cast<size_t>(config_.max_detect_bytes)) {
        ++counts["sampled_long"];
      }
      Detection d = detector_->Detect(text);
      CountKey(lang_counts, d.language);
      CountKey(method_counts, std::string_view(d.method));

      const char* reason = nullptr;
      std::string detail;
      if (d.language == "und") {
        if (!keep_.empty() || config_.min_score > 0) {
          reason = "language:unknown";
          detail = text.empty() ? "The text is empty; no language can be identified."
                                : "No language could be identified (no letters, or nothing "
                                  "the detector knows).";
        }
      } else if (!keep_.empty() &&
                 std::find(keep_.begin(), keep_.end(), d.language) == keep_.end()) {
        reason = "language:not_kept";
        detail =
            "detected " + d.language + " (" + FormatScore(d.score) + "), keep list " + keep_list_;
      } else if (d.score < config_.min_score) {
        reason = "language:low_score";
        detail = "detected " + d.language + " with score " + FormatScore(d.score) +
                 " < min_score " + FormatScore(config_.min_score);
      }
      if (reason && drop_mode) {
        batch.Drop(i, reason, std::move(detail));
        continue;
      }
      if (reason) ++counts[std::string("would_drop.") + (reason + 9)];
      if (!config_.language_field.empty())
        row.Set(config_.language_field, winnow::Value(d.language));
      if (!config_.score_field.empty()) {
        row.Set(config_.score_field, winnow::Value(std::round(d.score * 10000.0) / 10000.0));
      }
      if (!config_.label_field.empty()) row.Set(config_.label_field, winnow::Value(d.label));
    }
    for (const auto& [lang, n] : lang_counts) counts["lang." + lang] += n;
    for (const auto& [method, n] : method_counts) counts["method." + std::string(method)] += n;
    for (const auto& [name, n] : counts) ctx.Count(name, n);
    return Status::Ok();
  }

 private:
  LanguageConfig config_;
  std::vector<std::string> keep_;
  std::string keep_list_;
  winnow::langid::DetectorOptions options_;
  std::unique_ptr<Detector> detector_;
};

}  // namespace

WINNOW_PLUGIN(winnow::PluginKind::kCleaner, "language", "1.0.0",
              "Language identification (CLD2 with short-text improvements, or fastText) with "
              "keep lists, score threshold and annotations.",
              LanguageConfig, LanguageCleaner, LanguageSchema)
