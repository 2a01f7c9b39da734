// core/report/progress.h — rows, rows/s and ETA while a run is going.
//
// On a terminal: one line per active step, redrawn about once a second. Not
// on a terminal: one plain line every 10 seconds. Tick() is called by the
// engine's watcher thread every ~100 ms; it reads the steps' atomic counters.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "engine/step_context.h"

namespace winnow::core {

class ProgressReporter {
 public:
  explicit ProgressReporter(bool enabled);
  void AddStep(std::string name, bool is_source, const StepStats* stats);
  void Tick();
  void Finish();

  // "1.2k", "3.4M" (for tests and the summary).
  static std::string Human(double n);
  static std::string Duration(double seconds);  // "1h02m", "3m05s", "12s"

 private:
  std::string Render(double elapsed_s);
  struct Entry {
    std::string name;
    bool is_source;
    const StepStats* stats;
  };
  bool enabled_;
  std::vector<Entry> steps_;
  std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace winnow::core
