#include "host/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>

namespace gct::host {
namespace {

// Open temporaries, readable from a signal handler without locks: a slot is taken by a
// compare-exchange on its flag and its path is written before the flag says "published".
struct TempSlot {
  std::atomic<int> state{0};  // 0 free, 1 being written, 2 published
  char path[4096] = {};
};
constexpr int kTempSlots = 64;
TempSlot g_temps[kTempSlots];

int claim_slot(const std::string& path) {
  if (path.size() >= sizeof g_temps[0].path) return -1;
  for (int i = 0; i < kTempSlots; ++i) {
    int expected = 0;
    if (!g_temps[i].state.compare_exchange_strong(expected, 1)) continue;
    std::memcpy(g_temps[i].path, path.c_str(), path.size() + 1);
    g_temps[i].state.store(2, std::memory_order_release);
    return i;
  }
  return -1;  // more than 64 files in flight: still removed by abandon(), not by a signal
}

void release_slot(int slot) {
  if (slot >= 0) g_temps[slot].state.store(0, std::memory_order_release);
}

extern "C" void on_terminating_signal(int sig) {
  remove_temporaries();
  signal(sig, SIG_DFL);
  raise(sig);
}

}  // namespace

void remove_temporaries() {
  for (TempSlot& t : g_temps) {
    if (t.state.load(std::memory_order_acquire) == 2) ::unlink(t.path);
  }
}

void remove_temporaries_on_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_terminating_signal;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaction(sig, &sa, nullptr);
}

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
  release_slot(slot_);
  slot_ = -1;
}

namespace {

// PATH.tmp.XXXXXX created as open(2) creates a file: mode 0666 less the umask (mkstemp's 0600
// widened to a fixed 0644 would ignore a umask of 077), O_EXCL so that nothing already there - a
// planted link included - is ever opened.
int create_temporary(const std::string& path, std::string* temp_path) {
  static std::atomic<uint64_t> counter{0};
  static const char kChars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  for (int attempt = 0; attempt < 1000; ++attempt) {
    struct timespec ts {};
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t x = (static_cast<uint64_t>(ts.tv_nsec) << 20) ^ static_cast<uint64_t>(ts.tv_sec) ^
                 (static_cast<uint64_t>(getpid()) << 40) ^ (counter.fetch_add(1) * 0x9E3779B97F4A7C15ull);
    char suffix[7];
    for (int i = 0; i < 6; ++i) {
      x ^= x >> 29;
      x *= 0xBF58476D1CE4E5B9ull;
      x ^= x >> 32;
      suffix[i] = kChars[x % (sizeof kChars - 1)];
    }
    suffix[6] = '\0';
    *temp_path = path + ".tmp." + suffix;
    const int fd = ::open(temp_path->c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd >= 0 || errno != EEXIST) return fd;
  }
  errno = EEXIST;
  return -1;
}

}  // namespace

Status AtomicFile::open(const std::string& path) {
  abandon();
  path_ = path;
  failed_ = false;
  std::string name;
  const int fd = create_temporary(path, &name);
  if (fd < 0) {
    return Status::Error(Code::kIoError, "cannot write %s: %s", path.c_str(), std::strerror(errno));
  }
  temp_path_ = name;
  slot_ = claim_slot(temp_path_);
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
  GCT_RETURN_IF_ERROR(finish());
  return publish();
}

Status AtomicFile::finish() {
  if (file_ == nullptr) return Status::Error(Code::kIoError, "finish of a file that is not open");
  const bool flushed = !failed_ && std::fflush(file_) == 0 && fsync(fileno(file_)) == 0;
  const int err = errno;
  const bool closed = std::fclose(file_) == 0;
  file_ = nullptr;
  if (!flushed || !closed) {
    abandon();
    return Status::Error(Code::kIoError, "cannot write %s: %s", path_.c_str(), std::strerror(err));
  }
  return Status::Ok();
}

Status AtomicFile::publish() {
  if (file_ != nullptr || temp_path_.empty()) return Status::Error(Code::kIoError, "publish of an unfinished file");
  if (std::rename(temp_path_.c_str(), path_.c_str()) != 0) {
    const int rerr = errno;
    abandon();
    return Status::Error(Code::kIoError, "cannot rename into %s: %s", path_.c_str(), std::strerror(rerr));
  }
  temp_path_.clear();
  release_slot(slot_);
  slot_ = -1;
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
