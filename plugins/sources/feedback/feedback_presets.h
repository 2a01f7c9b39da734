// feedback_presets.h — turn common feedback table shapes into training rows.
//
//   none          the row as read (every column)
//   thumbs_kto    prompt + response + rating (thumbs up/down) ->
//                 {"prompt", "completion", "label": bool}            (TRL KTOTrainer)
//   pairwise_dpo  prompt + response_a + response_b + choice (a/b) ->
//                 {"prompt", "chosen", "rejected"}                   (TRL DPOTrainer)
//   edits_sft     prompt + the user's corrected response ->
//                 {"prompt", "completion"}                           (TRL SFTTrainer)
//
// Text columns must hold a non-empty string, or an array (conversational
// format, e.g. a list of {"role","content"} messages) which passes unchanged.
// Ratings and choices are compared as text, ignoring ASCII case and surrounding
// spaces (integers as decimal text, integral doubles without ".0"; booleans:
// true = positive / a). `keep_columns` are copied after the preset's fields.
// A row that cannot be mapped yields a reason code and a sentence:
//   null_value     a required column is NULL or empty
//   not_text       a text column holds a number, bool or object
//   unknown_rating the rating matches neither list
//   unknown_choice the choice matches neither list (ties, "both", ...)
//   no_edit        edits_sft: the corrected text is NULL or empty
// Pure and thread-safe.
#pragma once

#include <string>
#include <vector>

#include "winnow/value.h"

namespace winnow::feedback {

enum class Preset { kNone, kThumbsKto, kPairwiseDpo, kEditsSft };

struct PresetOptions {
  Preset preset = Preset::kNone;
  std::string prompt_column = "prompt";
  std::string response_column = "response";
  std::string rating_column = "rating";
  std::vector<std::string> positive_values;
  std::vector<std::string> negative_values;
  std::string response_a_column = "response_a";
  std::string response_b_column = "response_b";
  std::string choice_column = "choice";
  std::vector<std::string> choice_a_values;
  std::vector<std::string> choice_b_values;
  std::string edited_column = "edited_response";
  std::vector<std::string> keep_columns;
};

// The columns a preset reads (for checking them against the query's columns).
std::vector<std::string> RequiredColumns(const PresetOptions& options);

// Maps `row` (an object). On failure returns false and sets reason/detail.
bool ApplyPreset(const PresetOptions& options, const Value& row, Value* out, std::string* reason,
                 std::string* detail);

// A scalar as comparable text: "up", "1", "2.5", "true"; "" for null/arrays/objects.
std::string ScalarText(const Value& v);

}  // namespace winnow::feedback
