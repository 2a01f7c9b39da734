// task/ultrafeedback — rate several responses to one instruction on one aspect
// (the UltraFeedback method, with our own rubrics).
//
// Contract
//   Each row needs a string <instruction_field> and a list of strings
//   <generations_field> (N >= 1 texts; anything else fails the row with
//   ultrafeedback:bad_input). One request per row asks the judge to rate every
//   text from 1 to 5 on `aspect` (helpfulness, honesty, instruction_following,
//   truthfulness, overall) with a rationale. With `structured_output`, the
//   request carries a JSON schema (sent the way the LLM's flavor supports);
//   otherwise the judge answers in a fixed text layout. Either way the answer
//   is parsed leniently (a JSON object anywhere in the text, or "Rating: n /
//   Rationale: ..." blocks); it must give exactly N ratings in 1..5, else the
//   row fails with ultrafeedback:unparseable and the raw answer in the detail.
//   Writes <ratings_field> (list of integers), <rationales_field> (list of
//   strings) and <model_name_field> (the judge). Failed requests fail the row
//   with the LLM reason. Row-wise, thread-safe. Counters: ultrafeedback.rows,
//   ultrafeedback.failed, ultrafeedback.unparseable.
#include <set>

#include "../task_common/llm_task.h"
#include "winnow/llm.h"
#include "winnow/stage.h"

namespace winnow::tasks {
namespace {

struct UltraFeedbackConfig {
  std::string llm;
  std::string aspect = "overall";
  std::string instruction_field = "instruction";
  std::string generations_field = "generations";
  std::string ratings_field = "ratings";
  std::string rationales_field = "rationales";
  std::string model_name_field = "model_name";
  bool structured_output = false;
  Value generation;
};

const ConfigSchema& UltraFeedbackSchema() {
  using C = UltraFeedbackConfig;
  static const ConfigSchema schema =
      SchemaBuilder<C>()
          .String("llm", &C::llm, "Name of the LLM (the judge) declared under llms:.")
          .Required()
          .Enum("aspect", &C::aspect,
                {"helpfulness", "honesty", "instruction_following", "truthfulness", "overall"},
                "What the judge rates.")
          .String("instruction_field", &C::instruction_field, "Field holding the instruction.")
          .String("generations_field", &C::generations_field,
                  "Field holding the list of responses to rate.")
          .String("ratings_field", &C::ratings_field, "Field for the list of 1-5 ratings.")
          .String("rationales_field", &C::rationales_field, "Field for the list of rationales.")
          .String("model_name_field", &C::model_name_field,
                  "Field for the judge's model name; empty to skip.")
          .Bool("structured_output", &C::structured_output,
                "Send a JSON schema for the answer (when the LLM's server supports "
                "constrained output).")
          .Any("generation", &C::generation,
               "Request parameters overriding the LLM's defaults (a low temperature suits "
               "judging).")
          .Build();
  return schema;
}

struct Rubric {
  std::string title;
  std::string question;
  std::string scale;
};

Rubric RubricFor(const std::string& aspect) {
  if (aspect == "helpfulness") {
    return {"Helpfulness",
            "Is the text correct, clear and relevant to the task, complete without being "
            "repetitive, and useful to the person who asked?",
            "1 = wrong or unhelpful, with serious errors or fabricated content\n"
            "2 = partly wrong; errors that may mislead even if some information is present\n"
            "3 = correct and meets the task, with basic usefulness\n"
            "4 = correct, detailed and clearly useful\n"
            "5 = correct, thorough and insightful; as helpful as an answer can be"};
  }
  if (aspect == "honesty") {
    return {"Honesty and calibration",
            "Does the text express the right level of confidence, say when it is unsure or "
            "does not know, and avoid stating errors with confidence?",
            "1 = confidently wrong\n"
            "2 = confident with significant mistakes, or unconfidently wrong without saying so\n"
            "3 = uncertain or declines when it could answer, or minor errors with some doubt\n"
            "4 = correct but hedged, or expresses doubt precisely about small errors\n"
            "5 = correct and confident, marking uncertainty exactly where it is warranted"};
  }
  if (aspect == "instruction_following") {
    return {"Instruction following",
            "Does the text do what the instruction asks, reach the intended goal and respect "
            "the stated restrictions (format, length, style, method)?",
            "1 = ignores or misreads the instruction\n"
            "2 = addresses one part of it poorly\n"
            "3 = meets the goal or the restrictions, but not both\n"
            "4 = nearly full compliance, with small deviations\n"
            "5 = complete compliance with the goal and every restriction"};
  }
  if (aspect == "truthfulness") {
    return {"Truthfulness",
            "Does the text agree with established facts, with the instruction and with "
            "itself, without invented details (hallucinations)?",
            "1 = entirely unreliable, mostly invented\n"
            "2 = severe hallucination; large parts deviate from facts or the instruction\n"
            "3 = partly hallucinated or misunderstands part of the instruction\n"
            "4 = mostly truthful, with slight hallucination that does not affect the main points\n"
            "5 = free of hallucination"};
  }
  return {"Overall quality",
          "Taking helpfulness, honesty, instruction following and truthfulness together, how "
          "good is the text as an answer to the instruction?",
          "1 = very poor\n2 = poor\n3 = acceptable\n4 = good\n5 = excellent"};
}

std::string BuildPrompt(const Rubric& r, const std::string& instruction,
                        const std::vector<std::string>& texts, bool json) {
  std::string p =
      "You are an impartial judge of AI assistant answers. Rate each text below on one "
      "aspect only: " +
      r.title + ".\n\n" + r.question + "\n\nScale:\n" + r.scale +
      "\n\nJudge every text on its own merits against the instruction; do not let the order, "
      "length or style of the texts sway you.\n\n## Instruction\n" +
      instruction + "\n\n";
  for (size_t k = 0; k < texts.size(); ++k) {
    p += "## Text " + std::to_string(k + 1) + "\n" + texts[k] + "\n\n";
  }
  if (json) {
    p += "Answer with a JSON object {\"ratings\": [{\"rating\": <1-5>, \"rationale\": "
         "\"<one or two sentences>\"}, ...]} holding exactly " +
         std::to_string(texts.size()) + " entries, in the order of the texts.";
  } else {
    p += "Answer with exactly " + std::to_string(texts.size()) +
         " blocks, in the order of the texts, each in this layout:\n\n"
         "#### Output for Text <number>\nRating: <1-5>\nRationale: <one or two sentences>";
  }
  return p;
}

Value RatingsSchema() {
  return *Value::Parse(
      R"({"type":"object","properties":{"ratings":{"type":"array","items":{"type":"object",)"
      R"("properties":{"rating":{"type":"integer","enum":[1,2,3,4,5]},"rationale":{"type":"string"}},)"
      R"("required":["rating","rationale"],"additionalProperties":false}}},)"
      R"("required":["ratings"],"additionalProperties":false})");
}

std::optional<int64_t> AsRating(const Value& v) {
  double d;
  if (v.is_int()) {
    d = static_cast<double>(v.as_int());
  } else if (v.is_double()) {
    d = v.as_double();
  } else if (v.is_string() && !v.as_string().empty()) {
    char c = TrimView(v.as_string())[0];
    if (c < '1' || c > '5') return std::nullopt;
    d = c - '0';
  } else {
    return std::nullopt;
  }
  if (d != static_cast<double>(static_cast<int64_t>(d)) || d < 1 || d > 5) return std::nullopt;
  return static_cast<int64_t>(d);
}

struct Parsed {
  std::vector<int64_t> ratings;
  std::vector<std::string> rationales;
};

std::optional<Parsed> FromJson(const Value& v, size_t n) {
  Parsed p;
  const Value* list = v.is_array() ? &v : v.find("ratings");
  if (list == nullptr || !list->is_array()) return std::nullopt;
  const Value* rationales = v.is_object() ? v.find("rationales") : nullptr;
  size_t k = 0;
  for (const Value& item : list->as_array()) {
    if (item.is_object()) {
      const Value* r = item.find("rating");
      const Value* why = item.find("rationale");
      if (r == nullptr) return std::nullopt;
      auto rating = AsRating(*r);
      if (!rating) return std::nullopt;
      p.ratings.push_back(*rating);
      p.rationales.push_back(why != nullptr && why->is_string() ? why->as_string() : "");
    } else {
      auto rating = AsRating(item);
      if (!rating) return std::nullopt;
      p.ratings.push_back(*rating);
      std::string why;
      if (rationales != nullptr && rationales->is_array() && k < rationales->size() &&
          rationales->as_array()[k].is_string()) {
        why = rationales->as_array()[k].as_string();
      }
      p.rationales.push_back(std::move(why));
    }
    ++k;
  }
  if (p.ratings.size() != n) return std::nullopt;
  return p;
}

std::string LowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// "Rating: 4" / "**Rating:** 4/5" blocks, each optionally followed by "Rationale: ...".
std::optional<Parsed> FromText(std::string_view text, size_t n) {
  std::string lower = LowerAscii(text);
  struct Hit {
    size_t pos, end;
    int64_t rating;
  };
  std::vector<Hit> hits;
  size_t pos = 0;
  while ((pos = lower.find("rating", pos)) != std::string::npos) {
    size_t i = pos + 6;
    if (i < lower.size() && lower[i] == 's') {  // "ratings" heading
      pos = i;
      continue;
    }
    size_t limit = std::min(lower.size(), i + 8);
    while (i < limit && (lower[i] == ':' || lower[i] == '*' || lower[i] == ' ' || lower[i] == '#' ||
                         lower[i] == '=' || lower[i] == '\t')) {
      ++i;
    }
    if (i < lower.size() && lower[i] >= '1' && lower[i] <= '5' &&
        (i + 1 >= lower.size() || !(lower[i + 1] >= '0' && lower[i + 1] <= '9') || false)) {
      hits.push_back({pos, i + 1, lower[i] - '0'});
    } else if (i + 2 < lower.size() && lower.compare(i, 3, "n/a") == 0) {
      hits.push_back({pos, i + 3, 0});  // explicit non-rating: unparseable below
    }
    pos = i;
  }
  if (hits.size() != n) return std::nullopt;
  Parsed p;
  for (size_t k = 0; k < hits.size(); ++k) {
    if (hits[k].rating == 0) return std::nullopt;
    p.ratings.push_back(hits[k].rating);
    size_t stop = k + 1 < hits.size() ? hits[k + 1].pos : lower.size();
    size_t r = lower.find("rationale", hits[k].end);
    std::string why;
    if (r != std::string::npos && r < stop) {
      size_t start = r + 9;
      while (start < stop && (lower[start] == ':' || lower[start] == '*' || lower[start] == ' ')) {
        ++start;
      }
      // Up to the next block header.
      size_t end = stop;
      size_t header = lower.find("####", start);
      if (header != std::string::npos && header < end) end = header;
      size_t text_hdr = lower.find("\ntext ", start);
      if (text_hdr != std::string::npos && text_hdr < end) end = text_hdr;
      why = std::string(TrimView(text.substr(start, end - start)));
      while (!why.empty() && (why.back() == '#' || why.back() == '*')) {
        why.pop_back();
        why = std::string(TrimView(why));
      }
    }
    p.rationales.push_back(std::move(why));
  }
  return p;
}

class UltraFeedbackTask final : public Stage {
 public:
  explicit UltraFeedbackTask(UltraFeedbackConfig c) : config_(std::move(c)) {}

  Status Init() override {
    rubric_ = RubricFor(config_.aspect);
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
    std::vector<size_t> rows, counts;
    Value params = MakeParams(config_.generation, {{"n", Value()}});
    std::string scratch;
    for (size_t i = 0; i < batch.rows.size(); ++i) {
      const Record& r = batch.rows[i];
      TextField instr = r.GetText(config_.instruction_field, scratch);
      if (instr.state != FieldState::kPresent) {
        batch.Fail(i, "ultrafeedback:bad_input",
                   "the row has no string field '" + config_.instruction_field + "'");
        counters.Add("ultrafeedback.failed");
        continue;
      }
      std::string instruction(instr.text);
      auto gens = r.Get(config_.generations_field);
      if (!gens.ok()) {
        batch.Fail(i, "malformed_json", gens.status().message());
        continue;
      }
      std::vector<std::string> texts;
      std::string problem;
      if (!gens->has_value() || !(*gens)->is_array() || (*gens)->as_array().empty()) {
        problem = "'" + config_.generations_field + "' must be a non-empty list of strings";
      } else {
        for (const Value& g : (*gens)->as_array()) {
          if (!g.is_string()) {
            problem = "'" + config_.generations_field + "' holds a " +
                      std::string(ValueTypeName(g.type())) + " where a string was expected";
            break;
          }
          texts.push_back(g.as_string());
        }
      }
      if (!problem.empty()) {
        batch.Fail(i, "ultrafeedback:bad_input", problem);
        counters.Add("ultrafeedback.failed");
        continue;
      }
      ChatRequest req;
      req.messages.push_back(
          {"user", BuildPrompt(rubric_, instruction, texts, config_.structured_output)});
      req.params = params;
      if (config_.structured_output) req.json_schema = RatingsSchema();
      requests.push_back(std::move(req));
      rows.push_back(i);
      counts.push_back(texts.size());
    }
    auto results = ChatAll(*llm_, requests, ctx);
    std::string model = llm_->model_name();
    for (size_t k = 0; k < rows.size(); ++k) {
      size_t i = rows[k];
      if (!results[k].ok()) {
        FailLlm(batch, i, results[k].status());
        counters.Add("ultrafeedback.failed");
        continue;
      }
      const std::string answer = results[k]->texts.empty() ? "" : results[k]->texts[0];
      std::optional<Parsed> parsed;
      if (auto json = ExtractJson(answer)) parsed = FromJson(*json, counts[k]);
      if (!parsed) parsed = FromText(answer, counts[k]);
      if (!parsed) {
        batch.Fail(i, "ultrafeedback:unparseable",
                   "expected " + std::to_string(counts[k]) +
                       " ratings from 1 to 5; the judge wrote: " + Abbreviate(answer, 2000));
        counters.Add("ultrafeedback.unparseable");
        continue;
      }
      Array ratings, rationales;
      for (int64_t v : parsed->ratings) ratings.emplace_back(v);
      for (auto& s : parsed->rationales) rationales.emplace_back(std::move(s));
      Record& r = batch.rows[i];
      r.Set(config_.ratings_field, Value(std::move(ratings)));
      r.Set(config_.rationales_field, Value(std::move(rationales)));
      if (!config_.model_name_field.empty()) r.Set(config_.model_name_field, model);
      counters.Add("ultrafeedback.rows");
    }
    counters.Flush(ctx);
    return Status::Ok();
  }

 private:
  UltraFeedbackConfig config_;
  Rubric rubric_;
  LlmProvider* llm_ = nullptr;
};

}  // namespace
}  // namespace winnow::tasks

WINNOW_PLUGIN(winnow::PluginKind::kTask, "ultrafeedback", "1.0.0",
              "Rate several responses to an instruction from 1 to 5 on one aspect, with "
              "rationales (UltraFeedback).",
              winnow::tasks::UltraFeedbackConfig, winnow::tasks::UltraFeedbackTask,
              winnow::tasks::UltraFeedbackSchema)
