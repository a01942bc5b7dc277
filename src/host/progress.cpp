#include "host/progress.hpp"

#include <unistd.h>

#include <cmath>
#include <cstdio>

namespace gct::host {

Progress::Progress(bool enabled)
    : enabled_(enabled), terminal_(isatty(STDERR_FILENO) == 1), last_() {}

Progress::~Progress() { finish(); }

void Progress::status(const std::string& line) {
  if (!enabled_) return;
  std::lock_guard<std::mutex> lock(mutex_);
  const auto now = std::chrono::steady_clock::now();
  const double gap = terminal_ ? 0.1 : 10.0;
  if (std::chrono::duration<double>(now - last_).count() < gap) return;
  last_ = now;
  if (terminal_) {
    std::fprintf(stderr, "\r\033[K%s", line.c_str());
    status_shown_ = true;
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
  std::fflush(stderr);
}

void Progress::println(const std::string& line) {
  if (!enabled_) return;
  std::lock_guard<std::mutex> lock(mutex_);
  if (status_shown_) std::fprintf(stderr, "\r\033[K");
  status_shown_ = false;
  std::fprintf(stderr, "%s\n", line.c_str());
  std::fflush(stderr);
}

void Progress::finish() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (status_shown_) {
    std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
  }
  status_shown_ = false;
}

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const long s = std::lround(seconds);
  char buf[32];
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%ldh%02ldm", s / 3600, (s / 60) % 60);
  } else if (s >= 60) {
    std::snprintf(buf, sizeof buf, "%ldm%02lds", s / 60, s % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%lds", s);
  }
  return buf;
}

}  // namespace gct::host
