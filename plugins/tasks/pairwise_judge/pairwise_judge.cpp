// task/pairwise_judge — which of two responses is better, asked twice with the
// positions swapped to cancel the judge's order bias.
//
// Contract
//   Each row needs strings <instruction_field>, <response_a_field> and
//   <response_b_field> (else pairwise_judge:bad_input). The judge is asked
//   for a short rationale and a verdict on the last line: [[A]], [[B]] or
//   [[TIE]] (a JSON {"verdict": ..., "rationale": ...} is accepted too). With
//   `swap` (default), a second request shows B first; its verdict is mapped
//   back. Both verdicts agreeing give the preference; disagreeing ones give
//   "tie" with <consistent_field> false. Writes <preference_field> ("A", "B"
//   or "tie"), <consistent_field> (bool), <rationales_field> (the judge's
//   rationale for each order, A-first first) and <model_name_field>. An answer
//   without a verdict fails the row with pairwise_judge:unparseable and the raw
//   text; failed requests fail it with the LLM reason. Row-wise, thread-safe.
//   Counters: pairwise_judge.rows, .failed, .unparseable, .inconsistent,
//   .preferred_a, .preferred_b, .tie.
#include "../task_common/llm_task.h"
#include "winnow/llm.h"
#include "winnow/stage.h"

namespace winnow::tasks {
namespace {

struct PairwiseConfig {
  std::string llm;
  std::string instruction_field = "instruction";
  std::string response_a_field = "response_a";
  std::string response_b_field = "response_b";
  std::string criteria;
  bool swap = true;
  std::string preference_field = "preference";
  std::string consistent_field = "preference_consistent";
  std::string rationales_field = "judge_rationales";
  std::string model_name_field = "judge_model";
  Value generation;
};

const ConfigSchema& PairwiseSchema() {
  using C = PairwiseConfig;
  static const ConfigSchema schema =
      SchemaBuilder<C>()
          .String("llm", &C::llm, "Name of the LLM (the judge) declared under llms:.")
          .Required()
          .String("instruction_field", &C::instruction_field, "Field holding the instruction.")
          .String("response_a_field", &C::response_a_field, "Field holding response A.")
          .String("response_b_field", &C::response_b_field, "Field holding response B.")
          .String("criteria", &C::criteria,
                  "What makes a response better; empty uses helpfulness, correctness, "
                  "relevance, depth and clarity.")
          .Bool("swap", &C::swap,
                "Ask a second time with the responses swapped and combine the verdicts.")
          .String("preference_field", &C::preference_field,
                  "Field for the verdict: \"A\", \"B\" or \"tie\".")
          .String("consistent_field", &C::consistent_field,
                  "Field for whether both orders agreed (with swap).")
          .String("rationales_field", &C::rationales_field,
                  "Field for the judge's rationales, one per order asked.")
          .String("model_name_field", &C::model_name_field,
                  "Field for the judge's model name; empty to skip.")
          .Any("generation", &C::generation, "Request parameters overriding the LLM's defaults.")
          .Build();
  return schema;
}

std::string BuildPrompt(const std::string& criteria, const std::string& instruction,
                        const std::string& first, const std::string& second) {
  return "You are an impartial judge comparing two answers written by AI assistants for the "
         "same instruction. Decide which answer is better, judging by " +
         criteria +
         ". The order in which the answers appear and their length must not influence you. "
         "Explain your reasoning in a few sentences, then give your verdict on the last line "
         "as [[A]] if Answer A is better, [[B]] if Answer B is better, or [[TIE]] if neither "
         "is better.\n\n## Instruction\n" +
         instruction + "\n\n## Answer A\n" + first + "\n\n## Answer B\n" + second + "\n";
}

struct Verdict {
  char winner;  // 'A', 'B' or 'T'
  std::string rationale;
};

std::optional<Verdict> ParseVerdict(const std::string& text) {
  // The last bracketed verdict wins (the rationale may quote the format).
  size_t best = std::string::npos;
  char winner = 0;
  for (auto [tag, w] : {std::pair<const char*, char>{"[[A]]", 'A'},
                        {"[[B]]", 'B'},
                        {"[[TIE]]", 'T'},
                        {"[[C]]", 'T'},
                        {"[[Tie]]", 'T'},
                        {"[[tie]]", 'T'}}) {
    size_t p = text.rfind(tag);
    if (p != std::string::npos && (best == std::string::npos || p > best)) {
      best = p;
      winner = w;
    }
  }
  if (winner != 0) {
    return Verdict{winner, std::string(TrimView(std::string_view(text).substr(0, best)))};
  }
  if (auto json = ExtractJson(text); json && json->is_object()) {
    const Value* v = json->find("verdict");
    if (v == nullptr) v = json->find("winner");
    if (v != nullptr && v->is_string()) {
      std::string s(TrimView(v->as_string()));
      for (char& c : s) {
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
      }
      char w = s == "A" ? 'A' : s == "B" ? 'B' : (s == "TIE" || s == "C") ? 'T' : 0;
      if (w != 0) {
        const Value* why = json->find("rationale");
        return Verdict{w, why != nullptr && why->is_string() ? why->as_string() : ""};
      }
    }
  }
  return std::nullopt;
}

class PairwiseJudgeTask final : public Stage {
 public:
  explicit PairwiseJudgeTask(PairwiseConfig c) : config_(std::move(c)) {}

  Status Init() override {
    if (config_.criteria.empty()) {
      config_.criteria = "helpfulness, correctness, relevance, depth and clarity";
    }
    return CheckGeneration(config_.generation);
  }

  Status Open(Context& ctx) override {
    auto llm = ctx.GetLlm(config_.llm);
    if (!llm.ok()) return llm.status().WithContext("llm '" + config_.llm + "'");
    llm_ = *llm;
    return Status::Ok();
  }

  Status Process(Batch& batch, Context& ctx) override {
    BatchCounters counters;
    std::vector<ChatRequest> requests;
    std::vector<size_t> rows;
    Value params = MakeParams(config_.generation, {{"n", Value()}});
    const size_t per_row = config_.swap ? 2 : 1;
    std::string s1, s2, s3;
    for (size_t i = 0; i < batch.rows.size(); ++i) {
      const Record& r = batch.rows[i];
      TextField ins = r.GetText(config_.instruction_field, s1);
      TextField a = r.GetText(config_.response_a_field, s2);
      TextField b = r.GetText(config_.response_b_field, s3);
      const std::string* missing = ins.state != FieldState::kPresent ? &config_.instruction_field
                                   : a.state != FieldState::kPresent ? &config_.response_a_field
                                   : b.state != FieldState::kPresent ? &config_.response_b_field
                                                                     : nullptr;
      if (missing != nullptr) {
        batch.Fail(i, "pairwise_judge:bad_input", "the row has no string field '" + *missing + "'");
        counters.Add("pairwise_judge.failed");
        continue;
      }
      std::string instruction(ins.text), ra(a.text), rb(b.text);
      ChatRequest first;
      first.messages.push_back({"user", BuildPrompt(config_.criteria, instruction, ra, rb)});
      first.params = params;
      requests.push_back(std::move(first));
      if (config_.swap) {
        ChatRequest second;
        second.messages.push_back({"user", BuildPrompt(config_.criteria, instruction, rb, ra)});
        second.params = params;
        requests.push_back(std::move(second));
      }
      rows.push_back(i);
    }
    auto results = ChatAll(*llm_, requests, ctx);
    std::string model = llm_->model_name();
    for (size_t k = 0; k < rows.size(); ++k) {
      size_t i = rows[k];
      std::vector<Verdict> verdicts;
      bool failed = false;
      for (size_t j = 0; j < per_row && !failed; ++j) {
        auto& res = results[k * per_row + j];
        if (!res.ok()) {
          FailLlm(batch, i, res.status());
          counters.Add("pairwise_judge.failed");
          failed = true;
          break;
        }
        std::string text = res->texts.empty() ? "" : res->texts[0];
        auto v = ParseVerdict(text);
        if (!v) {
          batch.Fail(i, "pairwise_judge:unparseable",
                     std::string("no [[A]], [[B]] or [[TIE]] verdict in the judge's answer") +
                         (j == 1 ? " (swapped order)" : "") + ": " + Abbreviate(text, 2000));
          counters.Add("pairwise_judge.unparseable");
          failed = true;
          break;
        }
        if (j == 1 && v->winner != 'T') v->winner = v->winner == 'A' ? 'B' : 'A';  // map back
        verdicts.push_back(std::move(*v));
      }
      if (failed) continue;
      char winner = verdicts[0].winner;
      bool consistent = true;
      if (verdicts.size() == 2 && verdicts[1].winner != winner) {
        consistent = false;
        winner = 'T';
        counters.Add("pairwise_judge.inconsistent");
      }
      std::string pref = winner == 'A' ? "A" : winner == 'B' ? "B" : "tie";
      counters.Add(winner == 'A'   ? "pairwise_judge.preferred_a"
                   : winner == 'B' ? "pairwise_judge.preferred_b"
                                   : "pairwise_judge.tie");
      Record& r = batch.rows[i];
      r.Set(config_.preference_field, pref);
      if (config_.swap && !config_.consistent_field.empty()) {
        r.Set(config_.consistent_field, consistent);
      }
      if (!config_.rationales_field.empty()) {
        Array why;
        for (auto& v : verdicts) why.emplace_back(std::move(v.rationale));
        r.Set(config_.rationales_field, Value(std::move(why)));
      }
      if (!config_.model_name_field.empty()) r.Set(config_.model_name_field, model);
      counters.Add("pairwise_judge.rows");
    }
    counters.Flush(ctx);
    return Status::Ok();
  }

 private:
  PairwiseConfig config_;
  LlmProvider* llm_ = nullptr;
};

}  // namespace
}  // namespace winnow::tasks

WINNOW_PLUGIN(winnow::PluginKind::kTask, "pairwise_judge", "1.0.0",
              "Judge which of two responses is better, with positions swapped to cancel order "
              "bias.",
              winnow::tasks::PairwiseConfig, winnow::tasks::PairwiseJudgeTask,
              winnow::tasks::PairwiseSchema)
