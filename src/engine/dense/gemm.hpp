// Matrix products over arena memory, with packing space planned in advance.
//
// All matrices are row-major. gemm() computes C += alpha * op(A) * op(B) where op is identity or
// transpose. The packing buffers that a blocked GEMM needs (Eigen's "blockA"/"blockB") come from
// a GemmWorkspace carved from the arena, so a product never touches the heap; Eigen would
// otherwise malloc them for any product larger than EIGEN_STACK_ALLOCATION_LIMIT.
//
// Usage: for every product the model will run, gemm_workspace_require() at its largest shape returns
// the blocking to use for it (also for smaller row counts, e.g. a last partial batch) and grows the
// requirement; gemm_workspace_layout() then takes the largest blocks from the arena. A product whose
// blocking needs more than was planned is refused (returns false) rather than allocating.
#pragma once

#include <cstddef>
#include <cstdint>

#include "gctrain/arena.hpp"

namespace gct {

enum class Trans : uint8_t { kNo = 0, kYes = 1 };

struct GemmBlocking {
  int64_t kc = 0, mc = 0, nc = 0;
};

struct GemmWorkspace {
  float* block_a = nullptr;
  float* block_b = nullptr;
  size_t block_a_floats = 0;
  size_t block_b_floats = 0;
};

// Blocking for C[m x n] += op(A)[m x k] op(B)[k x n]. Pure function of the shape and this CPU's
// cache sizes.
GemmBlocking gemm_blocking(int64_t m, int64_t n, int64_t k);
// Grows the workspace requirement so that the shape fits; returns the blocking for that product.
GemmBlocking gemm_workspace_require(GemmWorkspace* ws, int64_t m, int64_t n, int64_t k);
// Carves the required blocks from the arena.
void gemm_workspace_layout(GemmWorkspace* ws, Arena* arena);

// C[m x n] (row stride ldc) += alpha * op(A) * op(B). Returns false if the workspace is too small.
bool gemm(const GemmWorkspace& ws, const GemmBlocking& blocking, Trans trans_a, Trans trans_b, int64_t m, int64_t n, int64_t k,
          float alpha, const float* a, int64_t lda, const float* b, int64_t ldb, float* c,
          int64_t ldc);

}  // namespace gct
