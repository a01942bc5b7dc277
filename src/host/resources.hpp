// What a run may use of the machine: memory left to this process (the container's limit and the
// kernel's MemAvailable), and exclusive use of a checkpoint file.
#pragma once

#include <cstdint>
#include <string>

#include "gctrain/status.hpp"

namespace gct::host {

struct MemoryAvailable {
  uint64_t bytes = UINT64_MAX;  // the smaller of the two below that is known
  uint64_t mem_available = UINT64_MAX;  // /proc/meminfo MemAvailable
  uint64_t cgroup_left = UINT64_MAX;    // the memory cgroup's limit minus its usage (v2 or v1)
  uint64_t cgroup_limit = UINT64_MAX;
};
MemoryAvailable memory_available();

// Refuses, with both numbers, a plan larger than the memory available: the kernel's OOM killer would
// otherwise end the run later with no message (exit 137).
Status check_memory_for(uint64_t bytes, const char* what);

// A path that `what` may be written to: absent, or a regular file starting with `magic` (one of
// ours, of that kind). Anything else would be destroyed by the write and is refused.
Status check_ours_to_overwrite(const std::string& path, const char* magic, const char* what);

// Whether two paths name one file: the same inode when both exist, else the same path once every
// existing folder and link on the way is resolved ("ck", "./ck" and "link-to-here/ck" are one file).
bool same_file(const std::string& a, const std::string& b);

// Exclusive use of a checkpoint path for a run's lifetime. acquire() refuses a path that holds
// anything but a gctrain checkpoint (it would be overwritten), takes an flock on PATH.lock (a second
// writer is refused, naming the first one's pid) and removes temporaries that earlier runs killed
// mid-write left beside it (PATH.tmp.XXXXXX). The lock file is removed when the claim ends.
class CheckpointClaim {
 public:
  CheckpointClaim() = default;
  ~CheckpointClaim();
  CheckpointClaim(const CheckpointClaim&) = delete;
  CheckpointClaim& operator=(const CheckpointClaim&) = delete;
  Status acquire(const std::string& path);
  // Stale temporaries removed by acquire().
  int removed_temporaries() const { return removed_; }

 private:
  int fd_ = -1;
  std::string lock_path_;
  int removed_ = 0;
};

}  // namespace gct::host
