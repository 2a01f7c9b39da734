#include "report/console.h"

#include <unistd.h>

#include <cstdio>

namespace winnow::core {

Console& Console::Get() {
  static Console console;
  return console;
}

Console::Console() { tty_ = ::isatty(STDERR_FILENO) != 0; }

void Console::set_sink(std::function<void(std::string_view)> sink) {
  std::lock_guard lock(mu_);
  sink_ = std::move(sink);
}

void Console::Line(std::string_view text) {
  std::lock_guard lock(mu_);
  if (sink_) {
    sink_(text);
    return;
  }
  if (tty_ && progress_width_ > 0) {
    std::fprintf(stderr, "\r\x1b[2K");
    progress_width_ = 0;
  }
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fputc('\n', stderr);
  std::fflush(stderr);
}

void Console::Progress(std::string_view text) {
  std::lock_guard lock(mu_);
  if (quiet_) return;
  if (sink_) {
    sink_(text);
    return;
  }
  if (tty_) {
    std::fprintf(stderr, "\r\x1b[2K%.*s", static_cast<int>(text.size()), text.data());
    progress_width_ = text.size();
  } else {
    std::fwrite(text.data(), 1, text.size(), stderr);
    std::fputc('\n', stderr);
  }
  std::fflush(stderr);
}

void Console::ClearProgress() {
  std::lock_guard lock(mu_);
  if (tty_ && progress_width_ > 0 && !sink_) {
    std::fprintf(stderr, "\r\x1b[2K");
    std::fflush(stderr);
  }
  progress_width_ = 0;
}

}  // namespace winnow::core
