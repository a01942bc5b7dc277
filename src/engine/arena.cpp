#include "gctrain/arena.hpp"
#include "decimal.hpp"

namespace gct {

const char* mem_category_name(MemCategory category) {
  switch (category) {
    case MemCategory::kParameters: return "parameters";
    case MemCategory::kGradients: return "gradients";
    case MemCategory::kOptimizerState: return "optimizer_state";
    case MemCategory::kActivations: return "activations";
    case MemCategory::kScratch: return "scratch";
    case MemCategory::kInputBatch: return "input_batch";
    case MemCategory::kIndices: return "indices";
    case MemCategory::kGemmWorkspace: return "gemm_workspace";
    case MemCategory::kCount: break;
  }
  return "unknown";
}

Status arena_init(Arena* arena, void* buffer, size_t bytes) {
  *arena = Arena{};
  if (buffer == nullptr && bytes > 0) {
    return Status::Error(Code::kInvalidArgument, "arena buffer is null but %s bytes were given", decimal(bytes).text);
  }
  if (reinterpret_cast<uintptr_t>(buffer) % kArenaAlignment != 0) {
    return Status::Error(Code::kInvalidArgument, "arena buffer is not %u-byte aligned",
                         static_cast<unsigned>(kArenaAlignment));
  }
  arena->base = static_cast<uint8_t*>(buffer);
  arena->capacity = bytes;
  return Status::Ok();
}

void arena_init_counting(Arena* arena) {
  *arena = Arena{};
  arena->counting = true;
  arena->capacity = SIZE_MAX;
}

void* arena_alloc(Arena* arena, uint64_t bytes, MemCategory category) {
  if (arena->sealed || arena->overflowed) {
    arena->exhausted = true;
    return nullptr;
  }
  constexpr uint64_t kLimit = SIZE_MAX;
  const uint64_t start = (uint64_t{arena->used} + kArenaAlignment - 1) / kArenaAlignment * kArenaAlignment;
  if (start > kLimit || bytes > kLimit - start) {
    arena->overflowed = true;
    arena->exhausted = true;
    return nullptr;
  }
  const size_t end = static_cast<size_t>(start + bytes);
  arena->by_category[static_cast<int>(category)] += end - arena->used;
  arena->used = end;
  if (arena->counting) return nullptr;
  if (end > arena->capacity) {
    arena->exhausted = true;
    return nullptr;
  }
  return arena->base + start;
}

Status arena_status(const Arena& arena) {
  if (!arena.overflowed) return Status::Ok();
  return Status::Error(Code::kArenaTooSmall, "the layout needs more than %s bytes, more than this target can address",
                       decimal(SIZE_MAX).text);
}

void arena_seal(Arena* arena) { arena->sealed = true; }

}  // namespace gct
