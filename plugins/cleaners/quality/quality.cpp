// cleaner/quality — datatrove's heuristic quality rules: Gopher quality, Gopher
// repetition, C4 and FineWeb, several presets at once.
//
// Contract
//   Input    rows with a string field `field` (default "text").
//   Presets  `presets` lists the rule sets to apply, in order; each preset's
//            thresholds are overridden under a key named after it, e.g.
//            `gopher_quality: {min_doc_words: 100, max_symbol_word_ratio: null}`
//            (null disables that rule). Defaults are datatrove's.
//   Drops    mode drop: the first failing rule, as "<preset>:<rule>" (for
//            example "gopher_quality:mean_word_length") with a detail sentence
//            holding the measured value ("mean word length 2.41 < 3").
//   Edits    c4 removes lines (as datatrove's C4QualityFilter does) and the
//            presets after it see the shortened text; in mode drop the field
//            is rewritten, in mode annotate it is left unchanged.
//   Annotate mode annotate keeps every row and writes `annotate_field`
//            (default "quality"): {"failed": [codes...], "<preset>": {metric:
//            value, ...}, ...}; counters "would_drop.<code>" count the rows
//            mode drop would remove.
//   Errors   "missing_field" (missing or null, with on_missing: reject),
//            "wrong_type" (not a string), "invalid_utf8", "malformed_record".
//   Counters "kept", "dropped", "c4.lines_removed", "c4.rewritten",
//            "missing_passed", "would_drop.<code>".
// Thread-safety: row-wise; Process() runs concurrently (the engine is immutable,
//   scratch buffers come from a pool).
// Determinism: each row's result depends only on its text and the config.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "quality_rules.h"
#include "winnow/plugin.h"
#include "winnow/stage.h"
#include "winnow/text.h"

namespace {

using winnow::Batch;
using winnow::ConfigError;
using winnow::Context;
using winnow::Status;
using winnow::Value;
using winnow::quality::Preset;

struct QualityConfig {
  std::vector<std::string> presets;
  std::string field = "text";
  std::string mode = "drop";
  std::string annotate_field = "quality";
  std::string on_missing = "reject";
  Value gopher_quality;
  Value gopher_repetition;
  Value c4;
  Value fineweb;
};

const winnow::ConfigSchema& QualitySchema() {
  static const auto schema =
      winnow::SchemaBuilder<QualityConfig>()
          .StringList("presets", &QualityConfig::presets,
                      "Rule sets to apply, in this order: gopher_quality, gopher_repetition, c4, "
                      "fineweb (datatrove's GopherQualityFilter, GopherRepetitionFilter, "
                      "C4QualityFilter and FineWebQualityFilter with their default thresholds).")
          .Required()
          .String("field", &QualityConfig::field, "Field holding the document text.")
          .Enum("mode", &QualityConfig::mode, {"drop", "annotate"},
                "drop removes a row at its first failing rule (and lets c4 rewrite the text); "
                "annotate keeps every row unchanged and writes the failed rules and the "
                "measurements into annotate_field.")
          .String("annotate_field", &QualityConfig::annotate_field,
                  "Field receiving the quality object in mode annotate.")
          .Enum("on_missing", &QualityConfig::on_missing, {"reject", "pass"},
                "What to do with rows whose field is missing or null: reject them as errors "
                "(reason missing_field), or pass them through unchanged.")
          .Any("gopher_quality", &QualityConfig::gopher_quality,
               "Overrides of the gopher_quality thresholds, by datatrove's parameter names: "
               "min_doc_words (50), max_doc_words (100000), min_avg_word_length (3), "
               "max_avg_word_length (10), max_symbol_word_ratio (0.1), max_bullet_lines_ratio "
               "(0.9), max_ellipsis_lines_ratio (0.3), max_non_alpha_words_ratio (0.8), "
               "min_stop_words (2), stop_words (the, be, to, of, and, that, have, with). "
               "null or 0 disables a rule.")
          .Any("gopher_repetition", &QualityConfig::gopher_repetition,
               "Overrides of the gopher_repetition thresholds: dup_line_frac (0.3), "
               "dup_para_frac (0.3), dup_line_char_frac (0.2), dup_para_char_frac (0.2), "
               "top_n_grams ({2: 0.2, 3: 0.18, 4: 0.16}) and dup_n_grams ({5: 0.15, 6: 0.14, "
               "7: 0.13, 8: 0.12, 9: 0.11, 10: 0.1}); an n-gram map is merged into the "
               "defaults (null removes one n), a list of [n, fraction] pairs replaces them. "
               "null or 0 disables a rule.")
          .Any("c4", &QualityConfig::c4,
               "Overrides of the c4 rules: remove_citations, filter_no_terminal_punct, "
               "filter_lorem_ipsum, filter_javascript, filter_curly_bracket, filter_policy "
               "(booleans, all true), min_num_sentences (5), min_words_per_line (3), "
               "max_word_length (1000); null or -1 disables a numeric rule.")
          .Any("fineweb", &QualityConfig::fineweb,
               "Overrides of the fineweb thresholds: line_punct_thr (0.12), "
               "line_punct_exclude_zero (false), short_line_thr (0.67), short_line_length "
               "(30), char_duplicates_ratio (0.01), new_line_ratio (0.3); null disables a rule.")
          .Build();
  return schema;
}

// ---------------------------------------------------------------- override parsing

class OverrideReader {
 public:
  OverrideReader(const Value& obj, std::string key) : obj_(obj), key_(std::move(key)) {}

  // Checks that obj is an object (or null) whose keys are all in `valid`.
  Status CheckKeys(const std::vector<std::string>& valid) const {
    if (obj_.is_null()) return Status::Ok();
    if (!obj_.is_object()) {
      return ConfigError(key_, "must be a map of threshold overrides, got " +
                                   std::string(winnow::ValueTypeName(obj_.type())) + ".");
    }
    for (const auto& [k, v] : obj_.as_object()) {
      if (std::find(valid.begin(), valid.end(), k) != valid.end()) continue;
      std::string msg = "unknown key '" + k + "'";
      std::string close = winnow::ClosestMatch(k, valid);
      if (!close.empty()) msg += " (did you mean '" + close + "'?)";
      msg += "; valid keys: ";
      for (size_t i = 0; i < valid.size(); ++i) msg += (i ? ", " : "") + valid[i];
      return ConfigError(key_ + "." + k, msg + ".");
    }
    return Status::Ok();
  }

  const Value* Find(std::string_view k) const { return obj_.is_object() ? obj_.find(k) : nullptr; }
  std::string Path(std::string_view k) const { return key_ + "." + std::string(k); }

  // A threshold: number, or null/false (disabled). `zero_disables`: datatrove
  // tests these with `if self.x and ...`, so 0 disables them too. `minus_one`
  // disables (datatrove's C4 convention).
  Status Threshold(std::string_view k, std::optional<double>* out, bool zero_disables,
                   bool integer = false, bool minus_one_disables = false) const {
    const Value* v = Find(k);
    if (!v) return Status::Ok();
    if (v->is_null() || (v->is_bool() && !v->as_bool())) {
      out->reset();
      return Status::Ok();
    }
    if (!v->is_number()) {
      return ConfigError(Path(k), "must be a number, or null to disable the rule; got " +
                                      std::string(winnow::ValueTypeName(v->type())) + ".");
    }
    double d = v->as_number();
    if (minus_one_disables && d == -1) {
      out->reset();
      return Status::Ok();
    }
    if (d < 0) return ConfigError(Path(k), "must not be negative (null disables the rule).");
    if (integer && d != std::floor(d)) {
      return ConfigError(Path(k), "must be a whole number.");
    }
    if (zero_disables && d == 0) {
      out->reset();
    } else {
      *out = d;
    }
    return Status::Ok();
  }

  Status Flag(std::string_view k, bool* out) const {
    const Value* v = Find(k);
    if (!v) return Status::Ok();
    if (v->is_null()) {
      *out = false;
      return Status::Ok();
    }
    if (!v->is_bool()) return ConfigError(Path(k), "must be true or false.");
    *out = v->as_bool();
    return Status::Ok();
  }

  Status Ngrams(std::string_view k, std::vector<std::pair<int, double>>* out) const {
    const Value* v = Find(k);
    if (!v) return Status::Ok();
    if (v->is_null()) {
      out->clear();
      return Status::Ok();
    }
    auto check_n = [&](double n, const std::string& path) -> Status {
      if (n != std::floor(n) || n < 1 || n > 64) {
        return ConfigError(path, "n-gram sizes must be whole numbers from 1 to 64.");
      }
      return Status::Ok();
    };
    auto check_frac = [&](const Value& f, const std::string& path) -> Status {
      if (!f.is_number() || f.as_number() < 0) {
        return ConfigError(path, "must be a non-negative number (a fraction of the characters).");
      }
      return Status::Ok();
    };
    if (v->is_array()) {  // [[n, fraction], ...] replaces the defaults
      out->clear();
      const auto& arr = v->as_array();
      for (size_t i = 0; i < arr.size(); ++i) {
        std::string path = Path(k) + "." + std::to_string(i);
        const Value& e = arr[i];
        if (!e.is_array() || e.size() != 2 || !e.as_array()[0].is_number()) {
          return ConfigError(path, "must be a pair [n, fraction], for example [2, 0.2].");
        }
        WINNOW_RETURN_IF_ERROR(check_n(e.as_array()[0].as_number(), path));
        if (e.as_array()[1].is_null()) continue;
        WINNOW_RETURN_IF_ERROR(check_frac(e.as_array()[1], path));
        out->emplace_back(static_cast<int>(e.as_array()[0].as_number()),
                          e.as_array()[1].as_number());
      }
      return Status::Ok();
    }
    if (v->is_object()) {  // {n: fraction or null} merged into the defaults
      for (const auto& [nk, f] : v->as_object()) {
        std::string path = Path(k) + "." + nk;
        char* end = nullptr;
        double n = std::strtod(nk.c_str(), &end);
        if (nk.empty() || *end != '\0') {
          return ConfigError(path, "keys must be n-gram sizes such as 2 or 5.");
        }
        WINNOW_RETURN_IF_ERROR(check_n(n, path));
        int ni = static_cast<int>(n);
        auto it = std::find_if(out->begin(), out->end(), [&](auto& p) { return p.first == ni; });
        if (f.is_null() || (f.is_number() && f.as_number() == 0)) {
          if (it != out->end()) out->erase(it);
          continue;
        }
        WINNOW_RETURN_IF_ERROR(check_frac(f, path));
        if (it != out->end()) {
          it->second = f.as_number();
        } else {
          out->emplace_back(ni, f.as_number());
        }
      }
      return Status::Ok();
    }
    return ConfigError(Path(k),
                       "must be a map {n: fraction}, a list of [n, fraction] pairs, or "
                       "null.");
  }

  Status Strings(std::string_view k, std::vector<std::string>* out) const {
    const Value* v = Find(k);
    if (!v) return Status::Ok();
    if (v->is_null()) {
      out->clear();
      return Status::Ok();
    }
    if (!v->is_array()) return ConfigError(Path(k), "must be a list of strings.");
    out->clear();
    for (const auto& e : v->as_array()) {
      if (!e.is_string()) return ConfigError(Path(k), "must be a list of strings.");
      out->push_back(e.as_string());
    }
    return Status::Ok();
  }

 private:
  const Value& obj_;
  std::string key_;
};

Status ParseGopherQuality(const Value& v, winnow::quality::GopherQualityParams* p) {
  OverrideReader r(v, "gopher_quality");
  WINNOW_RETURN_IF_ERROR(
      r.CheckKeys({"min_doc_words", "max_doc_words", "min_avg_word_length", "max_avg_word_length",
                   "max_symbol_word_ratio", "max_bullet_lines_ratio", "max_ellipsis_lines_ratio",
                   "max_non_alpha_words_ratio", "min_stop_words", "stop_words"}));
  WINNOW_RETURN_IF_ERROR(r.Threshold("min_doc_words", &p->min_doc_words, true, true));
  WINNOW_RETURN_IF_ERROR(r.Threshold("max_doc_words", &p->max_doc_words, true, true));
  WINNOW_RETURN_IF_ERROR(r.Threshold("min_avg_word_length", &p->min_avg_word_length, true));
  WINNOW_RETURN_IF_ERROR(r.Threshold("max_avg_word_length", &p->max_avg_word_length, true));
  WINNOW_RETURN_IF_ERROR(r.Threshold("max_symbol_word_ratio", &p->max_symbol_word_ratio, true));
  WINNOW_RETURN_IF_ERROR(r.Threshold("max_bullet_lines_ratio", &p->max_bullet_lines_ratio, true));
  WINNOW_RETURN_IF_ERROR(
      r.Threshold("max_ellipsis_lines_ratio", &p->max_ellipsis_lines_ratio, true));
  WINNOW_RETURN_IF_ERROR(
      r.Threshold("max_non_alpha_words_ratio", &p->max_non_alpha_words_ratio, true));
  WINNOW_RETURN_IF_ERROR(r.Threshold("min_stop_words", &p->min_stop_words, true, true));
  WINNOW_RETURN_IF_ERROR(r.Strings("stop_words", &p->stop_words));
  return Status::Ok();
}

Status ParseGopherRepetition(const Value& v, winnow::quality::GopherRepetitionParams* p) {
  OverrideReader r(v, "gopher_repetition");
  WINNOW_RETURN_IF_ERROR(r.CheckKeys({"dup_line_frac", "dup_para_frac", "dup_line_char_frac",
                                      "dup_para_char_frac", "top_n_grams", "dup_n_grams"}));
  WINNOW_RETURN_IF_ERROR(r.Threshold("dup_line_frac", &p->dup_line_frac, true));
  WINNOW_RETURN_IF_ERROR(r.Threshold("dup_para_frac", &p->dup_para_frac, true));
  WINNOW_RETURN_IF_ERROR(r.Threshold("dup_line_char_frac", &p->dup_line_char_frac, true));
  WINNOW_RETURN_IF_ERROR(r.Threshold("dup_para_char_frac", &p->dup_para_char_frac, true));
  WINNOW_RETURN_IF_ERROR(r.Ngrams("top_n_grams", &p->top_n_grams));
  WINNOW_RETURN_IF_ERROR(r.Ngrams("dup_n_grams", &p->dup_n_grams));
  return Status::Ok();
}

Status ParseC4(const Value& v, winnow::quality::C4Params* p) {
  OverrideReader r(v, "c4");
  WINNOW_RETURN_IF_ERROR(
      r.CheckKeys({"remove_citations", "filter_no_terminal_punct", "min_num_sentences",
                   "min_words_per_line", "max_word_length", "filter_lorem_ipsum",
                   "filter_javascript", "filter_curly_bracket", "filter_policy"}));
  WINNOW_RETURN_IF_ERROR(r.Flag("remove_citations", &p->remove_citations));
  WINNOW_RETURN_IF_ERROR(r.Flag("filter_no_terminal_punct", &p->filter_no_terminal_punct));
  WINNOW_RETURN_IF_ERROR(r.Flag("filter_lorem_ipsum", &p->filter_lorem_ipsum));
  WINNOW_RETURN_IF_ERROR(r.Flag("filter_javascript", &p->filter_javascript));
  WINNOW_RETURN_IF_ERROR(r.Flag("filter_curly_bracket", &p->filter_curly_bracket));
  WINNOW_RETURN_IF_ERROR(r.Flag("filter_policy", &p->filter_policy));
  WINNOW_RETURN_IF_ERROR(
      r.Threshold("min_num_sentences", &p->min_num_sentences, false, true, true));
  WINNOW_RETURN_IF_ERROR(
      r.Threshold("min_words_per_line", &p->min_words_per_line, false, true, true));
  WINNOW_RETURN_IF_ERROR(r.Threshold("max_word_length", &p->max_word_length, false, true, true));
  return Status::Ok();
}

Status ParseFineWeb(const Value& v, winnow::quality::FineWebParams* p) {
  OverrideReader r(v, "fineweb");
  WINNOW_RETURN_IF_ERROR(
      r.CheckKeys({"line_punct_thr", "line_punct_exclude_zero", "short_line_thr",
                   "short_line_length", "char_duplicates_ratio", "new_line_ratio"}));
  WINNOW_RETURN_IF_ERROR(r.Threshold("line_punct_thr", &p->line_punct_thr, false));
  WINNOW_RETURN_IF_ERROR(r.Flag("line_punct_exclude_zero", &p->line_punct_exclude_zero));
  WINNOW_RETURN_IF_ERROR(r.Threshold("short_line_thr", &p->short_line_thr, false));
  std::optional<double> len = p->short_line_length;
  WINNOW_RETURN_IF_ERROR(r.Threshold("short_line_length", &len, false, true));
  if (!len) return ConfigError("fineweb.short_line_length", "must be a number of characters.");
  p->short_line_length = *len;
  WINNOW_RETURN_IF_ERROR(r.Threshold("char_duplicates_ratio", &p->char_duplicates_ratio, false));
  WINNOW_RETURN_IF_ERROR(r.Threshold("new_line_ratio", &p->new_line_ratio, false));
  return Status::Ok();
}

// ---------------------------------------------------------------------- the stage

class QualityCleaner final : public winnow::Stage {
 public:
  explicit QualityCleaner(QualityConfig config) : config_(std::move(config)) {}

  Status Init() override {
    if (config_.field.empty()) return ConfigError("field", "The field name must not be empty.");
    if (config_.mode == "annotate" && config_.annotate_field.empty()) {
      return ConfigError("annotate_field", "mode annotate needs a field name to write to.");
    }
    if (config_.presets.empty()) {
      return ConfigError("presets",
                         "List at least one preset: gopher_quality, "
                         "gopher_repetition, c4 or fineweb.");
    }
    winnow::quality::RuleSet rules;
    const std::vector<std::string> names = {"gopher_quality", "gopher_repetition", "c4", "fineweb"};
    for (size_t i = 0; i < config_.presets.size(); ++i) {
      const std::string& name = config_.presets[i];
      Preset p;
      if (!winnow::quality::ParsePreset(name, &p)) {
        std::string msg = "unknown preset '" + name + "'";
        std::string close = winnow::ClosestMatch(name, names);
        if (!close.empty()) msg += " (did you mean '" + close + "'?)";
        return ConfigError("presets." + std::to_string(i),
                           msg +
                               "; valid presets: gopher_quality, gopher_repetition, c4, "
                               "fineweb.");
      }
      if (std::find(rules.presets.begin(), rules.presets.end(), p) != rules.presets.end()) {
        return ConfigError("presets." + std::to_string(i),
                           "preset '" + name + "' is listed twice.");
      }
      rules.presets.push_back(p);
    }
    auto listed = [&](Preset p) {
      return std::find(rules.presets.begin(), rules.presets.end(), p) != rules.presets.end();
    };
    const std::pair<const Value*, Preset> overrides[] = {
        {&config_.gopher_quality, Preset::kGopherQuality},
        {&config_.gopher_repetition, Preset::kGopherRepetition},
        {&config_.c4, Preset::kC4},
        {&config_.fineweb, Preset::kFineWeb}};
    for (const auto& [v, p] : overrides) {
      if (!v->is_null() && !listed(p)) {
        std::string key(winnow::quality::PresetName(p));
        return ConfigError(key, "overrides the preset '" + key +
                                    "', which is not listed in presets; add it there or remove "
                                    "this key.");
      }
    }
    WINNOW_RETURN_IF_ERROR(ParseGopherQuality(config_.gopher_quality, &rules.gopher_quality));
    WINNOW_RETURN_IF_ERROR(
        ParseGopherRepetition(config_.gopher_repetition, &rules.gopher_repetition));
    WINNOW_RETURN_IF_ERROR(ParseC4(config_.c4, &rules.c4));
    WINNOW_RETURN_IF_ERROR(ParseFineWeb(config_.fineweb, &rules.fineweb));
    engine_ = std::make_unique<winnow::quality::Engine>(std::move(rules));
    annotate_ = config_.mode == "annotate";
    return Status::Ok();
  }

  Status Process(Batch& batch, Context& ctx) override {
    winnow::quality::ScratchPtr scratch = TakeScratch();
    winnow::quality::Evaluation eval;
    std::string text_scratch;
    int64_t kept = 0, dropped = 0, lines_removed = 0, rewritten = 0, missing_passed = 0;
    std::map<std::string, int64_t> would_drop;
    for (size_t i = 0; i < batch.size(); ++i) {
      if (batch.IsMarked(i)) continue;
      auto& row = batch.rows[i];
      winnow::TextField tf = row.GetText(config_.field, text_scratch);
      switch (tf.state) {
        case winnow::FieldState::kPresent:
          break;
        case winnow::FieldState::kMissing:
        case winnow::FieldState::kNull:
          if (config_.on_missing == "pass") {
            ++missing_passed;
            continue;
          }
          batch.Fail(i, "missing_field",
                     "The field '" + config_.field + "' is " +
                         (tf.state == winnow::FieldState::kNull ? "null." : "missing."));
          continue;
        case winnow::FieldState::kWrongType:
          batch.Fail(i, "wrong_type",
                     "The field '" + config_.field + "' is " +
                         std::string(winnow::ValueTypeName(tf.found_type)) +
                         ", expected a string.");
          continue;
        case winnow::FieldState::kMalformed:
          batch.Fail(i, "malformed_record", "The record is not valid JSON.");
          continue;
      }
      if (!winnow::IsValidUtf8(tf.text)) {
        batch.Fail(i, "invalid_utf8", "The field '" + config_.field + "' is not valid UTF-8.");
        continue;
      }
      engine_->Evaluate(tf.text, /*stop_at_first=*/!annotate_, /*collect_metrics=*/annotate_,
                        *scratch, &eval);
      if (annotate_) {
        for (const auto& f : eval.failures) ++would_drop[f.code];
        row.Set(config_.annotate_field, Annotation(eval));
        ++kept;
        continue;
      }
      if (!eval.failures.empty()) {
        batch.Drop(i, eval.failures.front().code, eval.failures.front().detail);
        ++dropped;
        continue;
      }
      ++kept;
      lines_removed += eval.c4_lines_removed;
      if (eval.text_changed) {
        ++rewritten;
        row.Set(config_.field, Value(std::move(eval.new_text)));
      }
    }
    GiveScratch(std::move(scratch));
    if (kept) ctx.Count("kept", kept);
    if (dropped) ctx.Count("dropped", dropped);
    if (lines_removed) ctx.Count("c4.lines_removed", lines_removed);
    if (rewritten) ctx.Count("c4.rewritten", rewritten);
    if (missing_passed) ctx.Count("missing_passed", missing_passed);
    for (const auto& [code, n] : would_drop) ctx.Count("would_drop." + code, n);
    return Status::Ok();
  }

 private:
  static Value Annotation(const winnow::quality::Evaluation& eval) {
    Value out = Value::MakeObject();
    Value failed = Value::MakeArray();
    for (const auto& f : eval.failures) failed.push_back(Value(f.code));
    out.set("failed", std::move(failed));
    if (!eval.failures.empty()) out.set("detail", Value(eval.failures.front().detail));
    for (const auto& rep : eval.reports) {
      Value m = Value::MakeObject();
      for (const auto& metric : rep.metrics) {
        if (metric.integral) {
          m.set(metric.name, Value(static_cast<int64_t>(metric.value)));
        } else {
          // 4 decimals keep the annotation short and stable across platforms.
          double v =
              std::isfinite(metric.value) ? std::round(metric.value * 1e4) / 1e4 : metric.value;
          m.set(metric.name, Value(v));
        }
      }
      out.set(winnow::quality::PresetName(rep.preset), std::move(m));
    }
    return out;
  }

  winnow::quality::ScratchPtr TakeScratch() {
    std::lock_guard<std::mutex> lock(pool_mu_);
    if (pool_.empty()) return winnow::quality::Engine::NewScratch();
    auto s = std::move(pool_.back());
    pool_.pop_back();
    return s;
  }
  void GiveScratch(winnow::quality::ScratchPtr s) {
    // Buffers grown by a huge document are released instead of kept for the run.
    if (winnow::quality::ScratchBytes(*s) > (64u << 20)) return;
    std::lock_guard<std::mutex> lock(pool_mu_);
    pool_.push_back(std::move(s));
  }

  QualityConfig config_;
  std::unique_ptr<winnow::quality::Engine> engine_;
  bool annotate_ = false;
  std::mutex pool_mu_;
  std::vector<winnow::quality::ScratchPtr> pool_;
};

}  // namespace

WINNOW_PLUGIN(winnow::PluginKind::kCleaner, "quality", "1.0.0",
              "Gopher quality, Gopher repetition, C4 and FineWeb quality rules (datatrove's "
              "defaults).",
              QualityConfig, QualityCleaner, QualitySchema)
