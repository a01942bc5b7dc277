// Arena: the one block of memory training runs in.
//
// The caller owns the bytes (a static array on a microcontroller, one aligned allocation on a
// host); the arena hands out 64-byte aligned pieces from the front and never frees them
// individually. Every piece is tagged with a MemCategory so that usage can be reported exactly.
//
//   base                                                         base + capacity
//   |[params][grads][opt state][activations][input][indices][gemm]| ... unused ... |
//   ^ each piece starts on a 64-byte boundary; padding is charged to the piece after it.
//
// Counting mode (base == nullptr) performs the same sequence of allocations without memory: this
// is how the plan is computed, so the plan and the real layout cannot disagree.
// When a real arena runs out, allocation returns nullptr but keeps counting, so the error can say
// how many bytes the whole layout would have needed.
#pragma once

#include <cstddef>
#include <cstdint>

#include "gctrain/status.hpp"

namespace gct {

constexpr size_t kArenaAlignment = 64;

enum class MemCategory : uint8_t {
  kParameters = 0,   // weights and biases
  kGradients,        // dW, db
  kOptimizerState,   // momentum buffer, accumulators, moments
  kActivations,      // per-layer outputs (reused as their gradients in backward)
  kScratch,          // one backward buffer and one row buffer for GC/optimizer passes
  kInputBatch,       // normalised float batch, per-channel scale/offset, batch labels
  kIndices,          // shuffle order of the training set
  kGemmWorkspace,    // packing buffers of the matrix products
  kCount
};

const char* mem_category_name(MemCategory category);

struct Arena {
  uint8_t* base = nullptr;
  size_t capacity = 0;
  size_t used = 0;  // bytes consumed, including alignment padding
  size_t by_category[static_cast<int>(MemCategory::kCount)] = {};
  bool counting = false;
  bool exhausted = false;
  bool sealed = false;
  // The layout needs more bytes than size_t counts (a 32-bit target): used is then meaningless.
  bool overflowed = false;
};

// Real arena over caller memory. `buffer` must be 64-byte aligned.
Status arena_init(Arena* arena, void* buffer, size_t bytes);
// Counting arena: infinite capacity, no memory, for planning.
void arena_init_counting(Arena* arena);
// Returns 64-byte aligned memory, or nullptr (counting mode, exhausted, sealed or overflowed).
// `bytes` is 64-bit so that a size computed for a 32-bit target is not wrapped before it arrives.
void* arena_alloc(Arena* arena, uint64_t bytes, MemCategory category);
template <typename T>
T* arena_alloc_array(Arena* arena, uint64_t count, MemCategory category) {
  return static_cast<T*>(arena_alloc(arena, uint64_t{count} * sizeof(T), category));
}
// Ok, or the error a plan or a setup reports for an arena whose layout did not fit size_t.
Status arena_status(const Arena& arena);
// After sealing, every allocation fails: nothing may be carved during training.
void arena_seal(Arena* arena);

}  // namespace gct
