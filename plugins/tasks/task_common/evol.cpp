// The evolution loop (see evol.h).
#include "evol.h"

#include <algorithm>

#include "llm_task.h"

namespace winnow::tasks {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Lower-case text with runs of whitespace and punctuation collapsed, for
// "is this a copy" comparisons.
std::string Normalize(std::string_view s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                 static_cast<unsigned char>(c) >= 0x80;
    if (alnum) {
      if (space && !out.empty()) out.push_back(' ');
      space = false;
      out.push_back((c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c);
    } else {
      space = true;
    }
  }
  return out;
}

struct RowState {
  size_t row = 0;
  std::string context;
  std::string current;
  Array steps;
  Array mutations;
  bool active = true;
  bool failed = false;
  std::string eliminated_why;  // last elimination reason
  std::string candidate;       // this step's evolution awaiting checks
  std::string mutation;
};

}  // namespace

std::vector<ChatMessage> AnswerabilityCheck(const std::string& instruction) {
  std::string text =
      "Decide whether an AI assistant could give a meaningful answer to the instruction "
      "below. Reply UNANSWERABLE if it is incoherent, contradicts itself, is missing the "
      "information it refers to, asks for something nobody can know, or only talks about "
      "rewriting a prompt. Otherwise reply ANSWERABLE. Reply with that single word.\n\n"
      "Instruction:\n" +
      instruction;
  return {{"user", std::move(text)}};
}

Status RunEvolution(const EvolSettings& s, const EvolPromptFn& prompt, LlmProvider& llm,
                    Batch& batch, Context& ctx) {
  BatchCounters counters;
  const std::string& t = s.task;
  std::vector<RowState> rows;
  std::string scratch;
  for (size_t i = 0; i < batch.rows.size(); ++i) {
    RowState st;
    st.row = i;
    TextField f = batch.rows[i].GetText(s.input_field, scratch);
    if (f.state != FieldState::kPresent) {
      batch.Fail(i, t + ":missing_field",
                 "the row has no string field '" + s.input_field + "'" +
                     (f.state == FieldState::kWrongType
                          ? " (found " + std::string(ValueTypeName(f.found_type)) + ")"
                          : std::string()));
      counters.Add(t + ".failed");
      continue;
    }
    st.current = std::string(f.text);
    if (!s.context_field.empty()) {
      TextField c = batch.rows[i].GetText(s.context_field, scratch);
      if (c.state != FieldState::kPresent) {
        batch.Fail(i, t + ":missing_field",
                   "the row has no string field '" + s.context_field + "'");
        counters.Add(t + ".failed");
        continue;
      }
      st.context = std::string(c.text);
    }
    rows.push_back(std::move(st));
  }

  Value params = MakeParams(s.generation);
  for (int64_t step = 0; step < s.num_evolutions; ++step) {
    std::vector<ChatRequest> requests;
    std::vector<RowState*> asked;
    for (RowState& st : rows) {
      if (!st.active) continue;
      size_t pick = SeededChoice(static_cast<uint64_t>(s.seed), batch.rows[st.row].id(),
                                 static_cast<uint64_t>(step), s.mutations.size());
      st.mutation = s.mutations[pick];
      ChatRequest req;
      req.messages = prompt(st.mutation, st.current, st.context);
      req.params = params;
      requests.push_back(std::move(req));
      asked.push_back(&st);
    }
    if (requests.empty()) break;
    auto results = ChatAll(llm, requests, ctx);
    std::vector<RowState*> to_check;
    for (size_t k = 0; k < asked.size(); ++k) {
      RowState& st = *asked[k];
      if (!results[k].ok()) {
        FailLlm(batch, st.row, results[k].status());
        st.active = false;
        st.failed = true;
        counters.Add(t + ".failed");
        continue;
      }
      std::string text =
          StripLabel(results[k]->texts.empty() ? "" : results[k]->texts[0], s.labels);
      counters.Add(t + ".mutation." + st.mutation);
      if (s.eliminate) {
        std::string why;
        std::string lower = Lower(text);
        if (TrimView(text).empty()) {
          why = "empty";
        } else if (Normalize(text) == Normalize(st.current)) {
          why = "copy";
        } else if (std::any_of(
                       s.copy_markers.begin(), s.copy_markers.end(),
                       [&](const std::string& m) { return lower.find(m) != std::string::npos; })) {
          why = "copy";
        } else if (s.check_shorter && text.size() < st.current.size()) {
          why = "shorter";
        }
        if (!why.empty()) {
          st.active = false;
          st.eliminated_why = why + " (step " + std::to_string(step + 1) + ", " + st.mutation + ")";
          counters.Add(t + ".eliminated." + why);
          continue;
        }
        if (s.check_answerable) {
          st.candidate = std::move(text);
          to_check.push_back(&st);
          continue;
        }
      }
      st.current = std::move(text);
      st.steps.emplace_back(st.current);
      st.mutations.emplace_back(st.mutation);
    }
    if (!to_check.empty()) {
      std::vector<ChatRequest> checks;
      for (RowState* st : to_check) {
        ChatRequest req;
        req.messages = AnswerabilityCheck(st->candidate);
        req.params = MakeParams(s.generation, {{"temperature", 0.0}, {"n", Value()}});
        checks.push_back(std::move(req));
      }
      auto verdicts = ChatAll(llm, checks, ctx);
      for (size_t k = 0; k < to_check.size(); ++k) {
        RowState& st = *to_check[k];
        if (!verdicts[k].ok()) {
          FailLlm(batch, st.row, verdicts[k].status());
          st.active = false;
          st.failed = true;
          counters.Add(t + ".failed");
          continue;
        }
        std::string answer = verdicts[k]->texts.empty() ? "" : verdicts[k]->texts[0];
        for (char& c : answer) {
          if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
        }
        if (answer.find("UNANSWERABLE") != std::string::npos ||
            answer.find("NOT ANSWERABLE") != std::string::npos) {
          st.active = false;
          st.eliminated_why =
              "unanswerable (step " + std::to_string(step + 1) + ", " + st.mutation + ")";
          counters.Add(t + ".eliminated.unanswerable");
          continue;
        }
        if (answer.find("ANSWERABLE") == std::string::npos) {
          counters.Add(t + ".check_unclear");  // accepted: the check did not say no
        }
        st.current = std::move(st.candidate);
        st.steps.emplace_back(st.current);
        st.mutations.emplace_back(st.mutation);
      }
    }
  }

  std::string model = llm.model_name();
  for (RowState& st : rows) {
    if (st.failed) continue;
    Record& r = batch.rows[st.row];
    if (st.steps.empty()) {
      batch.Drop(
          st.row, t + ":eliminated",
          "no evolution passed the checks; the last one was eliminated as " + st.eliminated_why);
      counters.Add(t + ".dropped");
      continue;
    }
    r.Set(s.output_field, st.current);
    if (s.keep_all_steps) {
      if (!s.steps_field.empty()) r.Set(s.steps_field, Value(std::move(st.steps)));
      if (!s.mutations_field.empty()) r.Set(s.mutations_field, Value(std::move(st.mutations)));
    }
    if (!s.model_name_field.empty()) r.Set(s.model_name_field, model);
    counters.Add(t + ".rows");
  }
  counters.Flush(ctx);
  return Status::Ok();
}

}  // namespace winnow::tasks
