// MappedFile: a whole file mapped read-only (mmap), so blobs are used in place without copying.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "gctrain/status.hpp"

namespace gct::host {

class MappedFile {
 public:
  MappedFile() = default;
  ~MappedFile();
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  // Errors name the path: "cannot open data/train.blob: No such file or directory". `populate`
  // maps every page up front (no page faults later, but the whole file becomes resident). Anything
  // but a regular file (a folder, a FIFO, a device) is refused without blocking on it.
  Status open(const std::string& path, bool populate = true);
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }
  // Drops this process's resident pages of the mapping (madvise MADV_DONTNEED). The file stays in
  // the kernel's page cache, so the next read of a page is a minor fault, not I/O; the contents
  // cannot change (a private, read-only mapping). Bounds the resident memory of random access.
  void release_pages() const;
  // The same for the whole pages inside [p, p + n) of the mapping.
  void release_range(const uint8_t* p, size_t n) const;
  // Copies n bytes of the file at the position of `at` (a pointer into the mapping) with pread:
  // through the page cache, without making the mapping's pages resident.
  Status read_at(const uint8_t* at, size_t n, uint8_t* dst) const;

 private:
  void reset();
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  int fd_ = -1;
  std::string path_;
};

// A mapped file that another process truncates or rewrites in place (as `cp` over it does) makes
// the next read of a lost page raise SIGBUS, which would kill the process without a word.
// install_bus_error_handler() turns such a fault on any open MappedFile into an error: inside
// guard_mapped_reads() `body` stops and the call returns "PATH was truncated or changed while it
// was being read"; elsewhere the process prints that and exits with status 1. A fault on memory
// that is not a mapped file keeps its default action.
void install_bus_error_handler();
Status guard_mapped_reads(const std::function<Status()>& body);

}  // namespace gct::host
