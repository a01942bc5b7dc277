#include "host/mapped_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csetjmp>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <utility>

namespace gct::host {
namespace {

// Open mappings, readable from the SIGBUS handler without locks: a slot is published by storing
// its begin pointer last (release) and withdrawn by clearing it first.
struct MappingSlot {
  std::atomic<const uint8_t*> begin{nullptr};
  size_t size = 0;
  char path[512] = {};
};
constexpr int kSlots = 32;
MappingSlot g_slots[kSlots];
std::mutex g_slots_mutex;

void register_mapping(const uint8_t* begin, size_t size, const std::string& path) {
  std::lock_guard<std::mutex> lock(g_slots_mutex);
  for (MappingSlot& s : g_slots) {
    if (s.begin.load(std::memory_order_relaxed) != nullptr) continue;
    s.size = size;
    std::snprintf(s.path, sizeof s.path, "%s", path.c_str());
    s.begin.store(begin, std::memory_order_release);
    return;
  }
}

void unregister_mapping(const uint8_t* begin) {
  std::lock_guard<std::mutex> lock(g_slots_mutex);
  for (MappingSlot& s : g_slots) {
    if (s.begin.load(std::memory_order_relaxed) == begin) s.begin.store(nullptr, std::memory_order_release);
  }
}

thread_local sigjmp_buf* t_guard = nullptr;
thread_local const char* t_fault_path = nullptr;

void write_all(const char* text) {
  size_t n = std::strlen(text);
  while (n > 0) {
    const ssize_t w = ::write(STDERR_FILENO, text, n);
    if (w <= 0) return;
    text += w;
    n -= static_cast<size_t>(w);
  }
}

extern "C" void on_bus_error(int sig, siginfo_t* info, void*) {
  const auto* addr = static_cast<const uint8_t*>(info->si_addr);
  for (MappingSlot& s : g_slots) {
    const uint8_t* b = s.begin.load(std::memory_order_acquire);
    if (b == nullptr || addr < b || addr >= b + s.size) continue;
    if (t_guard != nullptr) {
      t_fault_path = s.path;
      siglongjmp(*t_guard, 1);
    }
    write_all("gctrain: error: ");
    write_all(s.path);
    write_all(" was truncated or changed while it was being read (bus error)\n");
    _exit(1);
  }
  // Not a mapped file: the default action, as if no handler were installed.
  signal(sig, SIG_DFL);
}

}  // namespace

void install_bus_error_handler() {
  struct sigaction sa {};
  sa.sa_sigaction = on_bus_error;
  sa.sa_flags = SA_SIGINFO | SA_NODEFER;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGBUS, &sa, nullptr);
}

Status guard_mapped_reads(const std::function<Status()>& body) {
  sigjmp_buf here;
  sigjmp_buf* const outer = t_guard;
  // Only engine code (no destructors to skip) runs between here and a fault's jump back. The signal
  // mask is not saved (that would be a system call in every training step): the handler runs with
  // SA_NODEFER, so SIGBUS is never left blocked.
  if (sigsetjmp(here, 0) != 0) {
    t_guard = outer;
    return Status::Error(Code::kIoError, "%s was truncated or changed while it was being read (bus error)",
                         t_fault_path);
  }
  t_guard = &here;
  const Status s = body();
  t_guard = outer;
  return s;
}

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
  if (data_ != nullptr && size_ > 0) {
    unregister_mapping(data_);
    munmap(const_cast<uint8_t*>(data_), size_);
  }
  if (fd_ >= 0) ::close(fd_);
  data_ = nullptr;
  size_ = 0;
  fd_ = -1;
}

Status MappedFile::open(const std::string& path, bool populate) {
  reset();
  path_ = path;
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    return Status::Error(Code::kIoError, "cannot open %s: %s", path.c_str(), std::strerror(errno));
  }
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::Error(Code::kIoError, "%s is not a regular file (a folder, FIFO or device cannot be read as data)",
                         path.c_str());
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
  register_mapping(data_, size_, path);
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
