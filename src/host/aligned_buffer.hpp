// Host-only: a heap block aligned for an arena (the engine itself never allocates; the host gives
// it one block, sized by the plan, for the whole run).
#pragma once

#include <cstddef>
#include <cstdlib>
#include <memory>

namespace gct::host {

struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};
using AlignedBuffer = std::unique_ptr<void, FreeDeleter>;

// `bytes` rounded up to the alignment (aligned_alloc's rule); null when the allocation fails.
inline AlignedBuffer allocate_aligned(size_t alignment, size_t bytes) {
  return AlignedBuffer(std::aligned_alloc(alignment, (bytes + alignment - 1) / alignment * alignment));
}

}  // namespace gct::host
