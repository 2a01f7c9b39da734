// plugins/tasks/task_common/evol.h — the evolution loop shared by
// task/evol_instruct, task/evol_complexity and task/evol_quality.
//
// For every row, `num_evolutions` times: pick a mutation (seeded by row id and
// step, so the choice does not depend on threads or batching), ask the LLM to
// rewrite the current text with it, and (optionally) check the result. All
// rows of a batch are sent together at each step. Compiled into each of those
// plugins (listed in their CMakeLists); not a plugin itself.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "winnow/batch.h"
#include "winnow/context.h"
#include "winnow/llm.h"
#include "winnow/value.h"

namespace winnow::tasks {

struct EvolSettings {
  std::string task;  // "evol_instruct": prefix of reasons and counters
  std::vector<std::string> mutations;
  int64_t num_evolutions = 1;
  int64_t seed = 0;
  bool keep_all_steps = false;
  bool eliminate = false;
  bool check_shorter = true;              // elimination: an evolution shorter than its input
  bool check_answerable = true;           // elimination: ask the LLM whether it can be answered
  std::vector<std::string> copy_markers;  // elimination: phrases that betray a copied prompt
  std::vector<std::string> labels;        // leading labels stripped from answers
  std::string input_field;                // the text that evolves
  std::string context_field;              // "" or a field passed to the prompt (the instruction)
  std::string output_field;
  std::string steps_field;      // all accepted versions (keep_all_steps)
  std::string mutations_field;  // the mutation of each accepted version (keep_all_steps)
  std::string model_name_field;
  Value generation;
};

// The rewrite request for `mutation` of `current` (with `context`, may be "").
using EvolPromptFn = std::function<std::vector<ChatMessage>(
    const std::string& mutation, const std::string& current, const std::string& context)>;

// Runs the evolution over a batch (see the file comment). Rows whose request
// fails are failed with the LLM reason; with `eliminate`, rows none of whose
// evolutions pass the checks are dropped with "<task>:eliminated".
Status RunEvolution(const EvolSettings& settings, const EvolPromptFn& prompt, LlmProvider& llm,
                    Batch& batch, Context& ctx);

// The answerability question asked when eliminating.
std::vector<ChatMessage> AnswerabilityCheck(const std::string& instruction);

}  // namespace winnow::tasks
