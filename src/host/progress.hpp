// Progress display on stderr: a single redrawn line on a terminal, plain lines otherwise
// (at most one every few seconds, so logs of a cluster job stay readable).
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>

namespace gct::host {

class Progress {
 public:
  explicit Progress(bool enabled = true);
  ~Progress();
  // Replaces the current status line (rate-limited). Thread-safe.
  void status(const char* line);
  void status(const std::string& line) { status(line.c_str()); }
  // Whether status() would show a line now: a caller called every step formats its line only then
  // (formatting allocates; the training loop must not, and a line is shown at most every 0.1 s).
  bool status_due();
  // Prints a line that stays (clears the status line first). Thread-safe.
  void println(const char* line);
  void println(const std::string& line) { println(line.c_str()); }
  void finish();
  bool is_terminal() const { return terminal_; }

 private:
  std::mutex mutex_;
  bool enabled_, terminal_;
  bool status_shown_ = false;
  std::chrono::steady_clock::time_point last_;
};

// "1h02m", "3m05s", "12s"
std::string format_duration(double seconds);
// The same into `out` (at least 16 bytes), without allocating; returns `out`.
const char* format_duration(double seconds, char* out, size_t size);

}  // namespace gct::host
