// AtomicFile: write a file so that readers see either the old file or the complete new one.
//
// Bytes go to a temporary file in the destination's folder; commit() flushes, fsyncs, renames it
// over the destination and fsyncs the folder. If commit() is never reached (error, exception,
// signal-driven shutdown) the destructor removes the temporary: nothing partial is left behind.
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
  Status commit();
  void abandon();

 private:
  std::FILE* file_ = nullptr;
  std::string path_, temp_path_;
  bool failed_ = false;
};

// Whole-file convenience: writes `content` atomically to `path`.
Status write_file_atomic(const std::string& path, std::string_view content);

}  // namespace gct::host
