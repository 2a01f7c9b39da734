// plugins/tasks/task_common/evol_prompts.h — the rewrite instructions used by
// the evolution tasks (our own wording of the Evol-Instruct and Deita ideas).
#pragma once

#include <string>
#include <vector>

#include "winnow/llm.h"

namespace winnow::tasks {

// In-depth mutations (make an instruction harder) and the in-breadth one.
inline const std::vector<std::string>& DepthMutations() {
  static const std::vector<std::string> m = {"add_constraints", "deepen", "concretize",
                                             "increase_reasoning"};
  return m;
}

inline std::string DepthMethod(const std::string& mutation) {
  if (mutation == "add_constraints") {
    return "Add one more constraint or requirement that a good answer must satisfy.";
  }
  if (mutation == "deepen") {
    return "Where the prompt asks about a particular matter, widen and deepen what it asks "
           "about that matter.";
  }
  if (mutation == "concretize") {
    return "Replace general ideas in the prompt with more specific, concrete ones.";
  }
  return "If the prompt can be handled with a couple of simple thoughts, rewrite it so that it "
         "clearly calls for reasoning through several steps.";
}

inline std::vector<ChatMessage> InstructionRewrite(const std::string& mutation,
                                                   const std::string& prompt) {
  std::string text;
  if (mutation == "breadth") {
    text =
        "You invent fresh prompts for training AI assistants. Using the prompt below only as "
        "inspiration, write a brand-new prompt from the same field that deals with a rarer, "
        "less familiar topic. Keep a similar length and difficulty; the new prompt must make "
        "sense to a person and be something a person could answer. Do not use the phrases "
        "'given prompt', 'original prompt' or 'new prompt'.\n\n"
        "Prompt for inspiration:\n" +
        prompt + "\n\nReply with the new prompt and nothing else.";
  } else {
    text =
        "You rewrite prompts so that they become harder for strong AI assistants such as "
        "ChatGPT or GPT-4 to handle, while staying sensible: a person must still be able to "
        "understand the rewritten prompt and answer it. Keep every non-text part of the "
        "prompt (tables, code, formulas, sample inputs) exactly as it is.\n\n"
        "Make it harder in this way: " +
        DepthMethod(mutation) +
        "\n\nStay concise: add no more than 10 to 20 words to the prompt. Do not say that the "
        "prompt was rewritten and do not use the phrases 'given prompt', 'original prompt' or "
        "'rewritten prompt'.\n\n"
        "Prompt:\n" +
        prompt + "\n\nReply with the rewritten prompt and nothing else.";
  }
  return {{"user", std::move(text)}};
}

inline const std::vector<std::string>& InstructionCopyMarkers() {
  static const std::vector<std::string> m = {"given prompt", "original prompt", "rewritten prompt",
                                             "#prompt#", "new prompt:"};
  return m;
}

inline const std::vector<std::string>& InstructionLabels() {
  static const std::vector<std::string> m = {"rewritten prompt", "new prompt", "prompt",
                                             "created prompt", "evolved prompt"};
  return m;
}

// Response-quality mutations (Deita's evol-quality idea).
inline const std::vector<std::string>& QualityMutations() {
  static const std::vector<std::string> m = {"helpfulness", "relevance", "depth", "creativity",
                                             "details"};
  return m;
}

inline std::string QualityMethod(const std::string& mutation) {
  if (mutation == "helpfulness") {
    return "Make it more helpful to the person asking: anticipate what they need and give "
           "guidance they can act on.";
  }
  if (mutation == "relevance") {
    return "Make it more relevant: cut digressions and keep every part focused on what was "
           "asked.";
  }
  if (mutation == "depth") {
    return "Give it more depth: explain the reasons and mechanisms behind its points.";
  }
  if (mutation == "creativity") {
    return "Make it more creative: use an original angle, example or structure where that "
           "suits the question.";
  }
  return "Add useful details: concrete facts, figures, steps or examples.";
}

inline std::vector<ChatMessage> ResponseRewrite(const std::string& mutation,
                                                const std::string& response,
                                                const std::string& instruction) {
  std::string text =
      "You improve answers written by AI assistants so they become better training examples. "
      "Below are a question and its current answer. Rewrite the answer to improve it in this "
      "way: " +
      QualityMethod(mutation) +
      "\n\nThe answer must stay correct and suited to the question; keep any code, tables or "
      "data it needs. Do not say that the answer was rewritten.\n\n"
      "Question:\n" +
      instruction + "\n\nCurrent answer:\n" + response +
      "\n\nReply with the improved answer and nothing else.";
  return {{"user", std::move(text)}};
}

inline const std::vector<std::string>& ResponseCopyMarkers() {
  static const std::vector<std::string> m = {"current answer",
                                             "improved answer:", "rewritten answer"};
  return m;
}

inline const std::vector<std::string>& ResponseLabels() {
  static const std::vector<std::string> m = {"improved answer", "rewritten answer", "answer",
                                             "improved response", "response"};
  return m;
}

}  // namespace winnow::tasks
