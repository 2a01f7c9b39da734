#include "report/progress.h"

#include <cmath>
#include <cstdio>

#include "report/console.h"

namespace winnow::core {

ProgressReporter::ProgressReporter(bool enabled)
    : enabled_(enabled), start_(std::chrono::steady_clock::now()), last_(start_) {}

void ProgressReporter::AddStep(std::string name, bool is_source, const StepStats* stats) {
  steps_.push_back({std::move(name), is_source, stats});
}

std::string ProgressReporter::Human(double n) {
  char buf[32];
  if (n >= 1e9) std::snprintf(buf, sizeof(buf), "%.1fG", n / 1e9);
  else if (n >= 1e6) std::snprintf(buf, sizeof(buf), "%.1fM", n / 1e6);
  else if (n >= 1e4) std::snprintf(buf, sizeof(buf), "%.1fk", n / 1e3);
  else std::snprintf(buf, sizeof(buf), "%.0f", n);
  return buf;
}

std::string ProgressReporter::Duration(double s) {
  char buf[32];
  long t = std::lround(s);
  if (t >= 3600) std::snprintf(buf, sizeof(buf), "%ldh%02ldm", t / 3600, (t / 60) % 60);
  else if (t >= 60) std::snprintf(buf, sizeof(buf), "%ldm%02lds", t / 60, t % 60);
  else std::snprintf(buf, sizeof(buf), "%lds", t);
  return buf;
}

std::string ProgressReporter::Render(double elapsed) {
  std::string out;
  bool tty = Console::Get().is_tty();
  for (const auto& e : steps_) {
    int64_t rows = e.stats->rows_in.load();
    if (rows == 0 && !e.is_source) continue;
    double rate = elapsed > 0 ? static_cast<double>(rows) / elapsed : 0;
    std::string line = e.name + ": " + Human(static_cast<double>(rows)) + " rows (" +
                       Human(rate) + " rows/s)";
    uint64_t done = e.stats->progress_done.load(), total = e.stats->progress_total.load();
    if (e.is_source && total > 0 && done > 0) {
      double frac = std::min(1.0, static_cast<double>(done) / static_cast<double>(total));
      char pct[16];
      std::snprintf(pct, sizeof(pct), " %.0f%%", frac * 100);
      line += pct;
      if (frac > 0.001 && frac < 1) line += " ETA " + Duration(elapsed * (1 - frac) / frac);
    }
    if (!out.empty()) out += tty ? "\n" : " | ";
    out += line;
  }
  return "[" + Duration(elapsed) + "] " + out;
}

void ProgressReporter::Tick() {
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  double since = std::chrono::duration<double>(now - last_).count();
  double interval = Console::Get().is_tty() ? 1.0 : 10.0;
  if (since < interval) return;
  last_ = now;
  double elapsed = std::chrono::duration<double>(now - start_).count();
  std::string text = Render(elapsed);
  if (Console::Get().is_tty()) {
    // Multi-line display: redraw in place by moving the cursor up.
    static size_t previous_lines = 0;
    std::string esc;
    for (size_t i = 0; i < previous_lines; ++i) esc += "\x1b[1A\x1b[2K";
    size_t lines = 1;
    for (char c : text) lines += c == '\n';
    previous_lines = lines - 1;
    Console::Get().Progress(esc + text);
  } else {
    Console::Get().Progress(text);
  }
}

void ProgressReporter::Finish() {
  if (enabled_) Console::Get().ClearProgress();
}

}  // namespace winnow::core
