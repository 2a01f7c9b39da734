// cleaner_quality_ref_rules.h — the cleaner/quality engine as it was before the
// speed rewrite (frozen copy, test oracle): tests compare the fast engine's
// failures, details and metrics against it on many documents.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "cleaner_quality_ref_text.h"
#include "quality_rules.h"

namespace winnow::quality_ref {

using quality::C4Params;
using quality::Evaluation;
using quality::Failure;
using quality::FineWebParams;
using quality::GopherQualityParams;
using quality::GopherRepetitionParams;
using quality::Preset;
using quality::PresetName;
using quality::PresetReport;
using quality::RuleSet;

struct Scratch;

class RefEngine {
 public:
  explicit RefEngine(RuleSet rules);
  ~RefEngine();
  // Not thread-safe (one scratch per engine).
  void Evaluate(std::string_view text, bool stop_at_first, bool collect_metrics,
                Evaluation* out) const;

 private:
  RuleSet rules_;
  std::vector<uint64_t> stop_word_hashes_;
  std::unique_ptr<Scratch> scratch_;
};

}  // namespace winnow::quality_ref
