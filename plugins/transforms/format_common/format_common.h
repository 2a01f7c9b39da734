// format_common.h — shared pieces of transform/format_sft, format_dpo and format_kto.
//
// These transforms turn curated rows into the column layouts TRL's trainers
// read (https://huggingface.co/docs/trl/dataset_formats):
//
//   standard        {"prompt": "...", "completion": "..."}
//   conversational  {"prompt": [{"role": "user", "content": "..."}],
//                    "completion": [{"role": "assistant", "content": "..."}]}
//
// A text field holds either a non-empty string or a message list: a non-empty
// array of objects with a string "role" (system, user, assistant, tool or
// developer) and a "content" that is a string or an array (multimodal parts).
// Other members of a message (name, tool_calls, ...) pass through unchanged.
//
// Every helper here is pure and thread-safe. Problems with a row are reported
// as a RowProblem: a short code (the plugin prefixes "<plugin>:") and a
// sentence naming the field and what it held.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "winnow/batch.h"
#include "winnow/record.h"
#include "winnow/value.h"

namespace winnow::format {

// How text columns are written: as given (kAuto: conversational when any
// input is a message list or a system prompt applies), plain strings only, or
// message lists always.
enum class Style { kAuto, kStandard, kConversational };
Style ParseStyle(const std::string& name);  // "auto", "standard", "conversational"

struct RowProblem {
  std::string code;    // "missing_field", "bad_messages", ...
  std::string detail;  // a sentence
  bool drop = false;   // a filtering decision (Drop) rather than an error (Fail)
};

// Marks row i of `batch` with `plugin + ":" + p.code`.
void Reject(Batch& batch, size_t i, const std::string& plugin, const RowProblem& p);

// The first of `names` present and not null in `record`. nullopt (and `problem`
// = missing_field) when none is; Corruption statuses come back as a
// malformed_json problem. `*name` receives the field used.
std::optional<Value> FirstPresent(const Record& record, const std::vector<std::string>& names,
                                  std::string* name, RowProblem* problem);

// "a string", "an integer", "an object", ... for messages.
std::string TypePhrase(const Value& v);

// A number for messages: integral values without a fraction ("4", "2.5").
std::string NumberText(double d);

// "'a', 'b' or 'c'" for messages.
std::string QuoteList(const std::vector<std::string>& names);

bool IsMessageList(const Value& v);

// Checks a message list (see above). `field` names it in the detail.
bool ValidateMessages(const Value& v, const std::string& field, RowProblem* problem);

// Checks that `v` is a non-empty string or a valid message list.
bool CheckText(const Value& v, const std::string& field, RowProblem* problem);

// The prompt as a message list: a list passes through (with `system`
// prepended when non-empty and the list does not start with a system message);
// a string becomes [{system}?, {"role": "user", "content": s}].
Value PromptMessages(const Value& prompt, const std::string& system);

// A completion as a message list: a list passes through; a string becomes
// [{"role": "assistant", "content": s}].
Value AssistantMessages(const Value& completion);

// Whether the output is conversational for these inputs under `style`
// (kAuto: any input is a list or `system` is non-empty). Fails with code
// not_standard when `style` is kStandard and an input is a message list.
bool Conversational(Style style, const std::vector<const Value*>& inputs, const std::string& system,
                    RowProblem* problem);

// A rating: an integer, a finite double, or a string holding a decimal
// number ("4", " 4.5 "). nullopt for anything else (null, bool, text, NaN).
std::optional<double> RatingOf(const Value& v);

// Rewrites `record` to hold `outputs` (in that order for new members) plus
// the fields `keep` allows: the names listed, or with "*" every field except
// those in `consumed`. All other fields are removed.
Status Reshape(Record& record, std::vector<Member> outputs, const std::vector<std::string>& keep,
               const std::set<std::string>& consumed);

// Checks a `keep` list for Init (no empty names).
Status CheckKeep(const std::vector<std::string>& keep);

}  // namespace winnow::format
