// transform/format_dpo — preference pairs in the layout TRL's DPOTrainer (and
// ORPOTrainer, CPOTrainer) reads: {"prompt", "chosen", "rejected"}.
//
// Contract
//   input: ratings (default) reads a list of candidate texts <generations_field>
//   and a list of numbers <ratings_field> of the same length (what
//   task/ultrafeedback writes after transform/combine). Candidates whose text
//   is null/empty or whose rating is null are skipped (a rating that is not a
//   number fails the row with format_dpo:bad_ratings); at
//   least two usable candidates must remain. chosen = the highest rating,
//   rejected = the lowest. When several candidates share the highest (or the
//   lowest) rating, `tie` decides: drop the row (format_dpo:tie), take the
//   first in list order, or pick one at random from a hash of `seed` and the
//   row id (deterministic for any thread count or rank). Rows whose usable
//   ratings are all equal are dropped (format_dpo:no_preference); rows whose
//   margin (chosen - rejected) is below `min_margin` are dropped
//   (format_dpo:margin). Two candidates with the same text as chosen and
//   rejected are dropped (format_dpo:identical).
//   input: fields reads an explicit pair from <chosen_field>/<rejected_field>
//   (strings or message lists; the shape source/feedback's pairwise_dpo preset
//   writes), with optional ratings from <chosen_rating_field> and
//   <rejected_rating_field> (then `min_margin` applies too).
//   The prompt is the first present field of `prompt_field`. `style` writes
//   strings (standard) or message lists (conversational: prompt as
//   [{system}?, {user}], chosen/rejected as [{assistant}]); auto = lists when
//   an input is a list or a system prompt applies. `write_ratings` adds
//   chosen_rating and rejected_rating. The output holds the TRL columns plus
//   the fields named in `keep` ("*": every field the transform did not read).
//   Rejects: errors format_dpo:missing_field, format_dpo:empty,
//   format_dpo:bad_type, format_dpo:bad_messages, format_dpo:bad_ratings,
//   format_dpo:too_few, format_dpo:not_standard, malformed_json; drops
//   format_dpo:tie, format_dpo:no_preference, format_dpo:margin,
//   format_dpo:identical.
//   Row-wise, thread-safe, deterministic. Counters: format_dpo.rows,
//   format_dpo.ties_broken.
#include <cmath>

#include "../format_common/format_common.h"
#include "winnow/hash.h"
#include "winnow/stage.h"

namespace winnow {
namespace {

using format::RowProblem;

struct DpoConfig {
  std::string input = "ratings";
  std::vector<std::string> prompt_field = {"prompt", "instruction"};
  std::string generations_field = "generations";
  std::string ratings_field = "ratings";
  std::string chosen_field = "chosen";
  std::string rejected_field = "rejected";
  std::string chosen_rating_field = "chosen_rating";
  std::string rejected_rating_field = "rejected_rating";
  std::string tie = "random";
  int64_t seed = 0;
  double min_margin = 0.0;
  bool write_ratings = false;
  std::string system_prompt;
  std::string style = "auto";
  std::vector<std::string> keep;
};

const ConfigSchema& DpoSchema() {
  using C = DpoConfig;
  static const ConfigSchema schema =
      SchemaBuilder<C>()
          .Enum("input", &C::input, {"ratings", "fields"},
                "Where the pair comes from: rated candidates (`ratings`: a list of texts and a "
                "list of ratings) or an explicit pair of fields (`fields`).")
          .StringList("prompt_field", &C::prompt_field,
                      "Fields that may hold the prompt (a string or a list of messages); the "
                      "first one present in the row is used.")
          .String("generations_field", &C::generations_field,
                  "For input ratings: the field holding the list of candidate texts.")
          .String("ratings_field", &C::ratings_field,
                  "For input ratings: the field holding one rating per candidate (numbers; "
                  "higher is better).")
          .String("chosen_field", &C::chosen_field,
                  "For input fields: the field holding the preferred response.")
          .String("rejected_field", &C::rejected_field,
                  "For input fields: the field holding the dispreferred response.")
          .String("chosen_rating_field", &C::chosen_rating_field,
                  "For input fields: an optional field with the chosen response's rating.")
          .String("rejected_rating_field", &C::rejected_rating_field,
                  "For input fields: an optional field with the rejected response's rating.")
          .Enum("tie", &C::tie, {"drop", "first", "random"},
                "When several candidates share the highest or the lowest rating: drop the row "
                "(format_dpo:tie), take the first in list order, or pick one at random from "
                "the seed and the row id.")
          .Int("seed", &C::seed, "Seed of the random tie-break.")
          .Double("min_margin", &C::min_margin,
                  "Smallest accepted difference between the chosen and the rejected rating; "
                  "pairs with a smaller margin are dropped (format_dpo:margin). Equal ratings "
                  "are never a preference.")
          .Min(0)
          .Bool("write_ratings", &C::write_ratings,
                "Also write chosen_rating and rejected_rating (when the ratings are known).")
          .String("system_prompt", &C::system_prompt,
                  "System message prepended to conversational prompts that do not start with "
                  "one. Empty for none.")
          .Enum("style", &C::style, {"auto", "standard", "conversational"},
                "Write strings (standard), message lists (conversational), or lists only when "
                "an input is a list or a system prompt applies (auto).")
          .StringList("keep", &C::keep,
                      "Other input fields to keep next to the TRL columns; `*` keeps every "
                      "field the transform did not read. Empty writes the TRL columns only.")
          .Build();
  return schema;
}

Value RatingValue(const Value& original, double rating) {
  if (original.is_int()) return original;
  if (rating == std::floor(rating) && std::fabs(rating) < 1e15) {
    return Value(static_cast<int64_t>(rating));
  }
  return Value(rating);
}

class FormatDpoStage final : public Stage {
 public:
  explicit FormatDpoStage(DpoConfig c) : config_(std::move(c)) {}

  Status Init() override {
    if (config_.prompt_field.empty()) return ConfigError("prompt_field", "name at least one field");
    if (config_.input == "ratings") {
      if (config_.generations_field.empty()) {
        return ConfigError("generations_field", "must not be empty for input ratings");
      }
      if (config_.ratings_field.empty()) {
        return ConfigError("ratings_field", "must not be empty for input ratings");
      }
    } else {
      if (config_.chosen_field.empty()) {
        return ConfigError("chosen_field", "must not be empty for input fields");
      }
      if (config_.rejected_field.empty()) {
        return ConfigError("rejected_field", "must not be empty for input fields");
      }
      if (config_.chosen_field == config_.rejected_field) {
        return ConfigError("rejected_field", "must differ from chosen_field");
      }
    }
    if (config_.style == "standard" && !config_.system_prompt.empty()) {
      return ConfigError("system_prompt",
                         "a system prompt needs message lists; style standard writes plain "
                         "strings");
    }
    style_ = format::ParseStyle(config_.style);
    return format::CheckKeep(config_.keep);
  }

  Status Process(Batch& batch, Context& ctx) override {
    int64_t rows = 0, ties = 0;
    for (size_t i = 0; i < batch.rows.size(); ++i) {
      RowProblem problem;
      bool tie_broken = false;
      if (FormatRow(batch.rows[i], &problem, &tie_broken)) {
        ++rows;
        ties += tie_broken ? 1 : 0;
      } else {
        format::Reject(batch, i, "format_dpo", problem);
      }
    }
    if (rows != 0) ctx.Count("format_dpo.rows", rows);
    if (ties != 0) ctx.Count("format_dpo.ties_broken", ties);
    return Status::Ok();
  }

 private:
  struct Pair {
    Value chosen, rejected;
    std::optional<double> chosen_rating, rejected_rating;
    Value chosen_rating_raw, rejected_rating_raw;
  };

  // Reads a top-level field; false with malformed_json on corrupt bytes.
  static bool Read(const Record& r, const std::string& field, std::optional<Value>* out,
                   RowProblem* problem) {
    auto v = r.Get(field);
    if (!v.ok()) {
      *problem = {"malformed_json", v.status().message()};
      return false;
    }
    *out = std::move(*v);
    if (*out && (*out)->is_null()) out->reset();
    return true;
  }

  // Picks among `tied` (indexes into the candidates) per the tie policy.
  bool PickTied(const std::vector<size_t>& tied, const Record& r, const char* which, size_t* pick,
                RowProblem* problem, bool* tie_broken) const {
    if (tied.size() == 1) {
      *pick = tied[0];
      return true;
    }
    if (config_.tie == "drop") {
      *problem = {"tie", std::to_string(tied.size()) + " candidates share the " + which + " rating",
                  true};
      return false;
    }
    *tie_broken = true;
    if (config_.tie == "first") {
      *pick = tied[0];
      return true;
    }
    std::string key = r.id().ToString() + ":" + which;
    uint64_t h = Hash64(key, static_cast<uint64_t>(config_.seed));
    *pick = tied[h % tied.size()];
    return true;
  }

  bool FromRatings(const Record& r, std::set<std::string>& consumed, Pair* pair,
                   RowProblem* problem, bool* tie_broken) const {
    const std::string& gf = config_.generations_field;
    const std::string& rf = config_.ratings_field;
    consumed.insert(gf);
    consumed.insert(rf);
    std::optional<Value> gens, ratings;
    if (!Read(r, gf, &gens, problem) || !Read(r, rf, &ratings, problem)) return false;
    if (!gens) {
      *problem = {"missing_field", "the field '" + gf + "' is missing or null"};
      return false;
    }
    if (!gens->is_array()) {
      *problem = {"bad_type", "the field '" + gf + "' holds " + format::TypePhrase(*gens) +
                                  ", not a list of candidate texts"};
      return false;
    }
    if (!ratings) {
      *problem = {"bad_ratings", "the field '" + rf + "' is missing or null (no ratings)"};
      return false;
    }
    if (!ratings->is_array()) {
      *problem = {"bad_ratings", "the field '" + rf + "' holds " + format::TypePhrase(*ratings) +
                                     ", not a list of ratings"};
      return false;
    }
    const Array& g = gens->as_array();
    const Array& rt = ratings->as_array();
    if (g.size() != rt.size()) {
      *problem = {"bad_ratings", "'" + gf + "' holds " + std::to_string(g.size()) +
                                     " candidates but '" + rf + "' holds " +
                                     std::to_string(rt.size()) + " ratings"};
      return false;
    }
    std::vector<size_t> usable;
    std::vector<double> score(g.size(), 0.0);
    for (size_t k = 0; k < g.size(); ++k) {
      if (rt[k].is_null() || g[k].is_null()) continue;
      auto rating = format::RatingOf(rt[k]);
      if (!rating) {
        *problem = {"bad_ratings", "rating " + std::to_string(k) + " of '" + rf + "' is " +
                                       rt[k].ToJson() + ", not a number"};
        return false;
      }
      std::string where = gf + "[" + std::to_string(k) + "]";
      if ((g[k].is_string() && g[k].as_string().empty()) ||
          (g[k].is_array() && g[k].as_array().empty())) {
        continue;  // an empty candidate, like a null one, is not usable
      }
      if (!format::CheckText(g[k], where, problem)) return false;
      score[k] = *rating;
      usable.push_back(k);
    }
    if (usable.size() < 2) {
      *problem = {"too_few", "only " + std::to_string(usable.size()) + " of " +
                                 std::to_string(g.size()) +
                                 " candidates have both a text and a rating; a pair needs 2"};
      return false;
    }
    double hi = score[usable[0]], lo = score[usable[0]];
    for (size_t k : usable) {
      hi = std::max(hi, score[k]);
      lo = std::min(lo, score[k]);
    }
    if (hi == lo) {
      *problem = {"no_preference",
                  "all " + std::to_string(usable.size()) + " rated candidates have rating " +
                      format::NumberText(hi),
                  true};
      return false;
    }
    std::vector<size_t> top, bottom;
    for (size_t k : usable) {
      if (score[k] == hi) top.push_back(k);
      if (score[k] == lo) bottom.push_back(k);
    }
    size_t c = 0, j = 0;
    if (!PickTied(top, r, "highest", &c, problem, tie_broken) ||
        !PickTied(bottom, r, "lowest", &j, problem, tie_broken)) {
      return false;
    }
    pair->chosen = g[c];
    pair->rejected = g[j];
    pair->chosen_rating = hi;
    pair->rejected_rating = lo;
    pair->chosen_rating_raw = rt[c];
    pair->rejected_rating_raw = rt[j];
    return true;
  }

  bool FromFields(const Record& r, std::set<std::string>& consumed, Pair* pair,
                  RowProblem* problem) const {
    std::optional<Value> chosen, rejected;
    consumed.insert(config_.chosen_field);
    consumed.insert(config_.rejected_field);
    if (!Read(r, config_.chosen_field, &chosen, problem) ||
        !Read(r, config_.rejected_field, &rejected, problem)) {
      return false;
    }
    if (!chosen || !rejected) {
      *problem = {"missing_field", "the field '" +
                                       (chosen ? config_.rejected_field : config_.chosen_field) +
                                       "' is missing or null"};
      return false;
    }
    if (!format::CheckText(*chosen, config_.chosen_field, problem) ||
        !format::CheckText(*rejected, config_.rejected_field, problem)) {
      return false;
    }
    pair->chosen = std::move(*chosen);
    pair->rejected = std::move(*rejected);
    const std::pair<const std::string*, bool> rating_fields[] = {
        {&config_.chosen_rating_field, true}, {&config_.rejected_rating_field, false}};
    for (const auto& [field, is_chosen] : rating_fields) {
      if (field->empty()) continue;
      consumed.insert(*field);
      std::optional<Value> v;
      if (!Read(r, *field, &v, problem)) return false;
      if (!v) continue;
      auto rating = format::RatingOf(*v);
      if (!rating) {
        *problem = {"bad_ratings",
                    "the field '" + *field + "' holds " + v->ToJson() + ", not a number"};
        return false;
      }
      (is_chosen ? pair->chosen_rating : pair->rejected_rating) = rating;
      (is_chosen ? pair->chosen_rating_raw : pair->rejected_rating_raw) = std::move(*v);
    }
    if (pair->chosen_rating && pair->rejected_rating &&
        *pair->chosen_rating <= *pair->rejected_rating) {
      *problem = {"no_preference",
                  "the chosen rating " + format::NumberText(*pair->chosen_rating) +
                      " is not above the rejected rating " +
                      format::NumberText(*pair->rejected_rating),
                  true};
      return false;
    }
    return true;
  }

  bool FormatRow(Record& r, RowProblem* problem, bool* tie_broken) const {
    std::set<std::string> consumed;
    std::string prompt_name;
    auto prompt = format::FirstPresent(r, config_.prompt_field, &prompt_name, problem);
    if (!prompt) return false;
    consumed.insert(prompt_name);
    if (!format::CheckText(*prompt, prompt_name, problem)) return false;
    Pair pair;
    bool ok = config_.input == "ratings" ? FromRatings(r, consumed, &pair, problem, tie_broken)
                                         : FromFields(r, consumed, &pair, problem);
    if (!ok) return false;
    if (pair.chosen_rating && pair.rejected_rating) {
      double margin = *pair.chosen_rating - *pair.rejected_rating;
      if (margin < config_.min_margin) {
        *problem = {"margin",
                    "the rating margin " + format::NumberText(margin) + " (" +
                        format::NumberText(*pair.chosen_rating) + " - " +
                        format::NumberText(*pair.rejected_rating) + ") is below min_margin " +
                        format::NumberText(config_.min_margin),
                    true};
        return false;
      }
    }
    if (pair.chosen == pair.rejected) {
      *problem = {"identical", "the chosen and the rejected response are the same text", true};
      return false;
    }
    problem->code.clear();
    bool conv = format::Conversational(style_, {&*prompt, &pair.chosen, &pair.rejected},
                                       config_.system_prompt, problem);
    if (!problem->code.empty()) return false;
    std::vector<Member> outputs;
    if (conv) {
      outputs.emplace_back("prompt", format::PromptMessages(*prompt, config_.system_prompt));
      outputs.emplace_back("chosen", format::AssistantMessages(pair.chosen));
      outputs.emplace_back("rejected", format::AssistantMessages(pair.rejected));
    } else {
      outputs.emplace_back("prompt", std::move(*prompt));
      outputs.emplace_back("chosen", std::move(pair.chosen));
      outputs.emplace_back("rejected", std::move(pair.rejected));
    }
    if (config_.write_ratings) {
      if (pair.chosen_rating) {
        outputs.emplace_back("chosen_rating",
                             RatingValue(pair.chosen_rating_raw, *pair.chosen_rating));
      }
      if (pair.rejected_rating) {
        outputs.emplace_back("rejected_rating",
                             RatingValue(pair.rejected_rating_raw, *pair.rejected_rating));
      }
    }
    Status st = format::Reshape(r, std::move(outputs), config_.keep, consumed);
    if (!st.ok()) {
      *problem = {"malformed_json", st.message()};
      return false;
    }
    return true;
  }

  DpoConfig config_;
  format::Style style_ = format::Style::kAuto;
};

}  // namespace
}  // namespace winnow

WINNOW_PLUGIN(winnow::PluginKind::kTransform, "format_dpo", "1.0.0",
              "Formats preference pairs for TRL's DPOTrainer and ORPOTrainer: prompt, chosen, "
              "rejected.",
              winnow::DpoConfig, winnow::FormatDpoStage, winnow::DpoSchema)
