// quality_rules.h — Gopher quality, Gopher repetition, C4 and FineWeb rules.
//
// Pure functions over one document's text (valid UTF-8), with datatrove's
// definitions and order of checks (see README.md for the comparison). A rule
// whose threshold is unset (std::nullopt) is skipped. The engine is immutable
// after construction and may be shared by threads; each thread passes its own
// Scratch (reused between documents, so no per-word heap allocation).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "quality_text.h"

namespace winnow::quality {

enum class Preset { kGopherQuality, kGopherRepetition, kC4, kFineWeb };

std::string_view PresetName(Preset p);
bool ParsePreset(std::string_view name, Preset* p);

// datatrove GopherQualityFilter defaults.
struct GopherQualityParams {
  std::optional<double> min_doc_words = 50;
  std::optional<double> max_doc_words = 100000;
  std::optional<double> min_avg_word_length = 3;
  std::optional<double> max_avg_word_length = 10;
  std::optional<double> max_symbol_word_ratio = 0.1;
  std::optional<double> max_bullet_lines_ratio = 0.9;
  std::optional<double> max_ellipsis_lines_ratio = 0.3;
  std::optional<double> max_non_alpha_words_ratio = 0.8;
  std::optional<double> min_stop_words = 2;
  std::vector<std::string> stop_words = {"the", "be", "to", "of", "and", "that", "have", "with"};
};

// datatrove GopherRepetitionFilter defaults.
struct GopherRepetitionParams {
  std::optional<double> dup_line_frac = 0.3;
  std::optional<double> dup_para_frac = 0.3;
  std::optional<double> dup_line_char_frac = 0.2;
  std::optional<double> dup_para_char_frac = 0.2;
  std::vector<std::pair<int, double>> top_n_grams = {{2, 0.2}, {3, 0.18}, {4, 0.16}};
  std::vector<std::pair<int, double>> dup_n_grams = {{5, 0.15}, {6, 0.14}, {7, 0.13},
                                                     {8, 0.12}, {9, 0.11}, {10, 0.10}};
};

// datatrove C4QualityFilter defaults (split_paragraph=True).
struct C4Params {
  bool remove_citations = true;
  bool filter_no_terminal_punct = true;
  std::optional<double> min_num_sentences = 5;
  std::optional<double> min_words_per_line = 3;
  std::optional<double> max_word_length = 1000;
  bool filter_lorem_ipsum = true;
  bool filter_javascript = true;
  bool filter_curly_bracket = true;
  bool filter_policy = true;
};

// datatrove FineWebQualityFilter defaults.
struct FineWebParams {
  std::optional<double> line_punct_thr = 0.12;
  bool line_punct_exclude_zero = false;
  std::optional<double> short_line_thr = 0.67;
  double short_line_length = 30;
  std::optional<double> char_duplicates_ratio = 0.01;
  std::optional<double> new_line_ratio = 0.3;
};

struct RuleSet {
  std::vector<Preset> presets;  // evaluation order
  GopherQualityParams gopher_quality;
  GopherRepetitionParams gopher_repetition;
  C4Params c4;
  FineWebParams fineweb;
};

// One failed rule: "gopher_quality:mean_word_length" and a sentence with the value.
struct Failure {
  std::string code;
  std::string detail;
};

// A measured value, reported in annotate mode ("mean_word_length" -> 4.61).
struct Metric {
  const char* name;
  double value;
  bool integral;
};

struct PresetReport {
  Preset preset;
  std::vector<Metric> metrics;
};

struct Evaluation {
  std::vector<Failure> failures;      // in check order; drop mode stops at the first
  std::vector<PresetReport> reports;  // filled when collect_metrics
  bool text_changed = false;          // C4 removed or rewrote lines
  std::string new_text;               // the text after C4 (when text_changed)
  int64_t c4_lines_removed = 0;
};

struct Scratch;  // per-thread buffers (defined in quality_rules.cpp)
struct ScratchDeleter {
  void operator()(Scratch* s) const;
};
using ScratchPtr = std::unique_ptr<Scratch, ScratchDeleter>;
// Bytes held by a scratch's buffers (a pool drops scratches grown by huge documents).
size_t ScratchBytes(const Scratch& s);

class Engine {
 public:
  explicit Engine(RuleSet rules);
  ~Engine();
  const RuleSet& rules() const { return rules_; }

  // Evaluates the presets in order on `text`. With stop_at_first the first
  // failing rule ends the evaluation (drop mode); otherwise every rule of every
  // preset is checked (annotate mode; C4 still ends at a document-level
  // failure, as datatrove's does). Presets after C4 see the text as C4 left it.
  void Evaluate(std::string_view text, bool stop_at_first, bool collect_metrics, Scratch& scratch,
                Evaluation* out) const;

  static ScratchPtr NewScratch();

 private:
  RuleSet rules_;
  std::vector<uint64_t> stop_word_hashes_;  // HashToken of each stop word
  uint64_t stop_mask_ = 0;                  // bit (hash & 63) of each stop word
  bool need_arrays_ = false;                // keep per-token arrays (repetition or c4 listed)
};

}  // namespace winnow::quality
