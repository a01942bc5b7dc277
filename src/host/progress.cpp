#include "host/progress.hpp"

#include <unistd.h>

#include <cmath>
#include <cstdio>

namespace gct::host {

Progress::Progress(bool enabled)
    : enabled_(enabled), terminal_(isatty(STDERR_FILENO) == 1), last_() {}

Progress::~Progress() { finish(); }

bool Progress::status_due() {
  if (!enabled_) return false;
  std::lock_guard<std::mutex> lock(mutex_);
  const double gap = terminal_ ? 0.1 : 10.0;
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - last_).count() >= gap;
}

void Progress::status(const char* line) {
  if (!enabled_) return;
  std::lock_guard<std::mutex> lock(mutex_);
  const auto now = std::chrono::steady_clock::now();
  const double gap = terminal_ ? 0.1 : 10.0;
  if (std::chrono::duration<double>(now - last_).count() < gap) return;
  last_ = now;
  if (terminal_) {
    std::fprintf(stderr, "\r\033[K%s", line);
    status_shown_ = true;
  } else {
    std::fprintf(stderr, "%s\n", line);
  }
  std::fflush(stderr);
}

void Progress::println(const char* line) {
  if (!enabled_) return;
  std::lock_guard<std::mutex> lock(mutex_);
  if (status_shown_) std::fprintf(stderr, "\r\033[K");
  status_shown_ = false;
  std::fprintf(stderr, "%s\n", line);
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

const char* format_duration(double seconds, char* out, size_t size) {
  if (!std::isfinite(seconds) || seconds < 0 || seconds > 1e15) {
    std::snprintf(out, size, "?");
    return out;
  }
  const long long s = std::llround(seconds);
  if (s >= 3600) {
    std::snprintf(out, size, "%lldh%02lldm", s / 3600, (s / 60) % 60);
  } else if (s >= 60) {
    std::snprintf(out, size, "%lldm%02llds", s / 60, s % 60);
  } else {
    std::snprintf(out, size, "%llds", s);
  }
  return out;
}

std::string format_duration(double seconds) {
  char buf[32];
  return format_duration(seconds, buf, sizeof buf);
}

}  // namespace gct::host
