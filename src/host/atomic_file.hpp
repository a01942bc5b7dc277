// AtomicFile: write a file so that readers see either the old file or the complete new one.
//
// Bytes go to a temporary file in the destination's folder; commit() flushes, fsyncs, renames it
// over the destination and fsyncs the folder. If commit() is never reached (error, exception,
// signal-driven shutdown) the destructor removes the temporary: nothing partial is left behind.
// Several files that belong together are committed as a group: finish() each (all written and
// synced), then publish() each, so that a failure while writing any of them replaces none.
// A process killed by a signal cannot run destructors: remove_temporaries_on_signals() makes
// SIGINT, SIGTERM and SIGHUP remove every open temporary before the process ends.
#pragma once

#include <cstddef>
#include <cstdio>
#include <string>
#include <string_view>

#include "gctrain/status.hpp"

namespace gct::host {

class AtomicFile {
 public:
  AtomicFile() = default;
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  Status open(const std::string& path);
  Status write(const void* data, size_t size);
  Status write(std::string_view text) { return write(text.data(), text.size()); }
  Status commit();  // finish() then publish()
  Status finish();  // flush, fsync and close the temporary
  Status publish(); // rename the finished temporary over the destination, fsync the folder
  void abandon();

 private:
  std::FILE* file_ = nullptr;
  std::string path_, temp_path_;
  bool failed_ = false;
  int slot_ = -1;  // in the table of temporaries removed on signals
};

// For programs that have no clean-stop handling of their own (cifar2blob): on SIGINT, SIGTERM or
// SIGHUP every open temporary is removed and the process ends as the signal would have ended it.
void remove_temporaries_on_signals();
// Removes every open temporary now; async-signal-safe (for a handler that is about to _exit).
void remove_temporaries();

// Whole-file convenience: writes `content` atomically to `path`.
Status write_file_atomic(const std::string& path, std::string_view content);

}  // namespace gct::host
