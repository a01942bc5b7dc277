#include "host/resources.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace gct::host {
namespace {

bool read_number(const std::string& path, uint64_t* out) {
  std::ifstream in(path);
  std::string text;
  if (!(in >> text) || text == "max") return false;
  try {
    *out = std::stoull(text);
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

// The memory cgroup of this process: v2 ("0::/path"), else v1's memory controller. A namespaced
// container may show its own cgroup as the root of the mount, so the root is tried too.
void cgroup_memory(uint64_t* limit, uint64_t* usage) {
  std::ifstream in("/proc/self/cgroup");
  std::string line;
  while (std::getline(in, line)) {
    const size_t a = line.find(':'), b = line.find(':', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    const std::string controllers = line.substr(a + 1, b - a - 1), path = line.substr(b + 1);
    const bool v2 = line.compare(0, a, "0") == 0 && controllers.empty();
    const bool v1 = controllers.find("memory") != std::string::npos;
    if (!v2 && !v1) continue;
    const std::string base = v2 ? "/sys/fs/cgroup" : "/sys/fs/cgroup/memory";
    for (const std::string& dir : {base + path, base}) {
      uint64_t l = 0, u = 0;
      const bool found = v2 ? read_number(dir + "/memory.max", &l) && read_number(dir + "/memory.current", &u)
                            : read_number(dir + "/memory.limit_in_bytes", &l) && read_number(dir + "/memory.usage_in_bytes", &u);
      // v1 reports "no limit" as a number near 2^63.
      if (found && l < (uint64_t{1} << 62) && l < *limit) {
        *limit = l;
        *usage = u;
      }
    }
  }
}

}  // namespace

MemoryAvailable memory_available() {
  MemoryAvailable m;
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  uint64_t kib = 0;
  std::string unit;
  while (meminfo >> key >> kib) {
    std::getline(meminfo, unit);
    if (key == "MemAvailable:") m.mem_available = kib * 1024;
  }
  uint64_t usage = 0;
  cgroup_memory(&m.cgroup_limit, &usage);
  if (m.cgroup_limit != UINT64_MAX) m.cgroup_left = m.cgroup_limit > usage ? m.cgroup_limit - usage : 0;
  m.bytes = m.mem_available < m.cgroup_left ? m.mem_available : m.cgroup_left;
  return m;
}

Status check_memory_for(uint64_t bytes, const char* what) {
  const MemoryAvailable m = memory_available();
  if (bytes <= m.bytes) return Status::Ok();
  char where[160];
  if (m.cgroup_left <= m.mem_available) {
    std::snprintf(where, sizeof where, "the container's memory limit of %llu bytes leaves %llu",
                  static_cast<unsigned long long>(m.cgroup_limit), static_cast<unsigned long long>(m.cgroup_left));
  } else {
    std::snprintf(where, sizeof where, "the system has %llu bytes available", static_cast<unsigned long long>(m.mem_available));
  }
  return Status::Error(Code::kArenaTooSmall,
                       "%s needs %llu bytes, but %s; choose a smaller model or batch (or --ignore-memory-limit)", what,
                       static_cast<unsigned long long>(bytes), where);
}

CheckpointClaim::~CheckpointClaim() {
  if (fd_ >= 0) {
    ::unlink(lock_path_.c_str());
    ::close(fd_);  // releases the lock
  }
}

bool same_file(const std::string& a, const std::string& b) {
  struct stat sa {}, sb {};
  const bool a_exists = stat(a.c_str(), &sa) == 0, b_exists = stat(b.c_str(), &sb) == 0;
  if (a_exists && b_exists) return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
  if (a_exists != b_exists) return false;
  std::error_code ea, eb;
  const std::filesystem::path pa = std::filesystem::weakly_canonical(std::filesystem::absolute(a, ea), ea);
  const std::filesystem::path pb = std::filesystem::weakly_canonical(std::filesystem::absolute(b, eb), eb);
  return !ea && !eb && pa == pb;
}

Status check_ours_to_overwrite(const std::string& path, const char* magic, const char* what) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return Status::Ok();
  if (!S_ISREG(st.st_mode)) {
    return Status::Error(Code::kInvalidArgument, "%s exists and is not a regular file; it cannot take %s", path.c_str(),
                         what);
  }
  const size_t n = std::strlen(magic);
  std::string head(n, '\0');
  std::ifstream in(path, std::ios::binary);
  in.read(head.data(), static_cast<std::streamsize>(n));
  if (static_cast<size_t>(in.gcount()) != n || head != magic) {
    return Status::Error(Code::kInvalidArgument, "refusing to overwrite %s with %s: it holds something else", path.c_str(),
                         what);
  }
  return Status::Ok();
}

Status CheckpointClaim::acquire(const std::string& path) {
  GCT_RETURN_IF_ERROR(check_ours_to_overwrite(path, "GCTCKPT1", "a checkpoint"));
  lock_path_ = path + ".lock";
  // O_NOFOLLOW: a link planted at PATH.lock would have the pid written through it into its target
  // (or create a dangling link's target). What is opened must be a lock file as a run leaves it:
  // a regular file of this user's, with no other name, empty or holding a pid.
  const int fd = ::open(lock_path_.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0644);
  if (fd < 0 && errno == ELOOP) {
    return Status::Error(Code::kInvalidArgument, "%s is a symbolic link, not a lock file of gctrain's; remove it or "
                         "choose another --checkpoint", lock_path_.c_str());
  }
  if (fd < 0) return Status::Error(Code::kIoError, "cannot create %s: %s", lock_path_.c_str(), std::strerror(errno));
  struct stat st {};
  const char* wrong = nullptr;
  char links[48] = {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    wrong = "is not a regular file";
  } else if (st.st_uid != geteuid()) {
    wrong = "belongs to another user";
  } else if (st.st_nlink != 1) {
    std::snprintf(links, sizeof links, "has %llu links (another name of the same file)",
                  static_cast<unsigned long long>(st.st_nlink));
    wrong = links;
  } else {
    char text[32] = {};
    const ssize_t n = st.st_size < static_cast<off_t>(sizeof text) ? pread(fd, text, sizeof text - 1, 0) : -1;
    const size_t digits = n > 0 ? std::strspn(text, "0123456789") : 0;
    const bool pid_line = n > 0 && digits > 0 && (text[digits] == '\n' || text[digits] == '\0') &&
                          static_cast<ssize_t>(digits + (text[digits] == '\n')) == n;
    if (st.st_size != 0 && !pid_line) wrong = "holds something other than a gctrain process id";
  }
  if (wrong != nullptr) {
    ::close(fd);
    return Status::Error(Code::kInvalidArgument, "%s %s, so it is not a lock file of gctrain's; remove it or choose "
                         "another --checkpoint", lock_path_.c_str(), wrong);
  }
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    char pid[32] = {};
    const ssize_t n = pread(fd, pid, sizeof pid - 1, 0);
    pid[n > 0 ? std::strcspn(pid, "\n") : 0] = '\0';
    ::close(fd);
    return Status::Error(Code::kIoError, "checkpoint %s is in use by another gctrain process (pid %s); wait for it "
                         "to finish or choose another --checkpoint", path.c_str(), pid[0] ? pid : "unknown");
  }
  fd_ = fd;
  char pid[32];
  const int len = std::snprintf(pid, sizeof pid, "%ld\n", static_cast<long>(getpid()));
  if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, static_cast<size_t>(len), 0) != len) {
    // The lock holds without the pid; the pid only improves another writer's message.
  }
  // Temporaries of this checkpoint that a killed run left: PATH.tmp.XXXXXX (mkstemp's six characters).
  const size_t slash = path.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  const std::string prefix = (slash == std::string::npos ? path : path.substr(slash + 1)) + ".tmp.";
  if (DIR* d = opendir(dir.c_str())) {
    while (const dirent* e = readdir(d)) {
      const char* name = e->d_name;
      if (std::strlen(name) == prefix.size() + 6 && std::strncmp(name, prefix.c_str(), prefix.size()) == 0 &&
          ::unlink((dir + "/" + name).c_str()) == 0) {
        ++removed_;
      }
    }
    closedir(d);
  }
  return Status::Ok();
}

}  // namespace gct::host
