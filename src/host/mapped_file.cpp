#include "gctrain/host/mapped_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace gct::host {

MappedFile::~MappedFile() { reset(); }

MappedFile::MappedFile(MappedFile&& other) noexcept { *this = std::move(other); }

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this != &other) {
    reset();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
  }
  return *this;
}

void MappedFile::reset() {
  if (data_ != nullptr && size_ > 0) munmap(const_cast<uint8_t*>(data_), size_);
  if (fd_ >= 0) ::close(fd_);
  data_ = nullptr;
  size_ = 0;
  fd_ = -1;
}

Status MappedFile::open(const std::string& path, bool populate) {
  reset();
  path_ = path;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Status::Error(Code::kIoError, "cannot open %s: %s", path.c_str(), std::strerror(errno));
  }
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::Error(Code::kIoError, "%s is not a regular file", path.c_str());
  }
  size_ = static_cast<size_t>(st.st_size);
  if (size_ == 0) {
    ::close(fd);
    return Status::Ok();
  }
  // MAP_POPULATE maps every page now: training then reads samples in random order without a page
  // fault in the step (the data set is read once for its checksum anyway).
  void* p = mmap(nullptr, size_, PROT_READ, MAP_PRIVATE | (populate ? MAP_POPULATE : 0), fd, 0);
  const int err = errno;
  if (p == MAP_FAILED) {
    ::close(fd);
    size_ = 0;
    return Status::Error(Code::kIoError, "cannot map %s: %s", path.c_str(), std::strerror(err));
  }
  data_ = static_cast<const uint8_t*>(p);
  fd_ = fd;  // kept for read_at
  return Status::Ok();
}

Status MappedFile::read_at(const uint8_t* at, size_t n, uint8_t* dst) const {
  const size_t offset = static_cast<size_t>(at - data_);
  size_t done = 0;
  while (done < n) {
    const ssize_t got = pread(fd_, dst + done, n - done, static_cast<off_t>(offset + done));
    if (got <= 0) {
      if (got < 0 && errno == EINTR) continue;
      return Status::Error(Code::kIoError, "cannot read %s: %s", path_.c_str(),
                           got < 0 ? std::strerror(errno) : "unexpected end of file");
    }
    done += static_cast<size_t>(got);
  }
  return Status::Ok();
}

void MappedFile::release_range(const uint8_t* p, size_t n) const {
  const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  const uintptr_t begin = (reinterpret_cast<uintptr_t>(p) + page - 1) / page * page;
  const uintptr_t end = (reinterpret_cast<uintptr_t>(p) + n) / page * page;
  if (data_ != nullptr && end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
}

void MappedFile::release_pages() const {
  if (data_ != nullptr && size_ > 0) madvise(const_cast<uint8_t*>(data_), size_, MADV_DONTNEED);
}

}  // namespace gct::host
