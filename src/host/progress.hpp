// Progress display on stderr: a single redrawn line on a terminal, plain lines otherwise
// (at most one every few seconds, so logs of a cluster job stay readable).
#pragma once

#include <chrono>
#include <mutex>
#include <string>

namespace gct::host {

class Progress {
 public:
  explicit Progress(bool enabled = true);
  ~Progress();
  // Replaces the current status line (rate-limited). Thread-safe.
  void status(const std::string& line);
  // Prints a line that stays (clears the status line first). Thread-safe.
  void println(const std::string& line);
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

}  // namespace gct::host
