#include "gctrain/host/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace gct::host {

AtomicFile::~AtomicFile() { abandon(); }

void AtomicFile::abandon() {
  if (file_ != nullptr) {
    std::fclose(file_);
    file_ = nullptr;
  }
  if (!temp_path_.empty()) {
    ::unlink(temp_path_.c_str());
    temp_path_.clear();
  }
}

Status AtomicFile::open(const std::string& path) {
  abandon();
  path_ = path;
  failed_ = false;
  std::vector<char> name(path.begin(), path.end());
  const char suffix[] = ".tmp.XXXXXX";
  name.insert(name.end(), suffix, suffix + sizeof suffix);
  const int fd = mkstemp(name.data());
  if (fd < 0) {
    return Status::Error(Code::kIoError, "cannot write %s: %s", path.c_str(), std::strerror(errno));
  }
  temp_path_ = name.data();
  fchmod(fd, 0644);
  file_ = fdopen(fd, "wb");
  if (file_ == nullptr) {
    ::close(fd);
    const int err = errno;
    abandon();
    return Status::Error(Code::kIoError, "cannot write %s: %s", path.c_str(), std::strerror(err));
  }
  return Status::Ok();
}

Status AtomicFile::write(const void* data, size_t size) {
  if (file_ == nullptr) return Status::Error(Code::kIoError, "write to a file that is not open");
  if (size > 0 && std::fwrite(data, 1, size, file_) != size) {
    failed_ = true;
    return Status::Error(Code::kIoError, "cannot write %s: %s", path_.c_str(), std::strerror(errno));
  }
  return Status::Ok();
}

Status AtomicFile::commit() {
  if (file_ == nullptr) return Status::Error(Code::kIoError, "commit of a file that is not open");
  const bool flushed = !failed_ && std::fflush(file_) == 0 && fsync(fileno(file_)) == 0;
  const int err = errno;
  const bool closed = std::fclose(file_) == 0;
  file_ = nullptr;
  if (!flushed || !closed) {
    abandon();
    return Status::Error(Code::kIoError, "cannot write %s: %s", path_.c_str(), std::strerror(err));
  }
  if (std::rename(temp_path_.c_str(), path_.c_str()) != 0) {
    const int rerr = errno;
    abandon();
    return Status::Error(Code::kIoError, "cannot rename into %s: %s", path_.c_str(), std::strerror(rerr));
  }
  temp_path_.clear();
  // Make the rename itself durable.
  std::string dir = path_;
  const size_t slash = dir.find_last_of('/');
  dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : dir.substr(0, slash));
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    fsync(dfd);
    ::close(dfd);
  }
  return Status::Ok();
}

Status write_file_atomic(const std::string& path, std::string_view content) {
  AtomicFile f;
  GCT_RETURN_IF_ERROR(f.open(path));
  GCT_RETURN_IF_ERROR(f.write(content));
  return f.commit();
}

}  // namespace gct::host
