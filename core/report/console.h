// core/report/console.h — the single place that writes to the terminal.
//
// Log lines and the progress display share stderr; the console keeps them from
// tearing each other (a log line first clears the progress line on a TTY).
// Thread-safe. Tests can capture lines instead of printing them.
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <string_view>

namespace winnow::core {

class Console {
 public:
  static Console& Get();

  // A log line (a newline is added).
  void Line(std::string_view text);
  // Replaces the progress display (TTY) or prints a plain line (not a TTY).
  void Progress(std::string_view text);
  void ClearProgress();
  bool is_tty() const { return tty_; }
  void set_quiet(bool quiet) { quiet_ = quiet; }
  bool quiet() const { return quiet_; }
  // Redirects lines to `sink` (tests); nullptr restores stderr.
  void set_sink(std::function<void(std::string_view)> sink);

 private:
  Console();
  std::mutex mu_;
  bool tty_ = false;
  bool quiet_ = false;
  size_t progress_width_ = 0;
  std::function<void(std::string_view)> sink_;
};

}  // namespace winnow::core
