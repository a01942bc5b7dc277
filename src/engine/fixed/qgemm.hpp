// Private: integer matrix products of the fixed-point path (see fixed.hpp for the formats).
//
// qgemm() computes C[M x N] = A[M x K] * B[K x N] exactly: both operands are quantised to 14-bit
// integers (one shift per tensor, from its largest magnitude) while they are packed, multiplied in
// int16 pairs with int32 partial sums that provably cannot overflow, widened to int64 every
// fixed_path::kChunkPairs pairs, and rounded once per dot product into the output format. Because the
// arithmetic is exact, the result does not depend on the CPU, the kernel (AVX-512 VNNI, AVX-512BW,
// portable C++) or the number of threads.
//
// Packed layout (in the arena, planned by qgemm_workspace_require/layout), one int32 per pair of
// int16 values along k (k even in the low half, k odd in the high half):
//   A: panels of 8 rows,     each [K/2 pairs][8 rows]
//   B: panels of 16 columns, each [K/2 pairs][16 cols]
// K is padded with zeros to a multiple of 2 * kChunkPairs, M and N to the panel sizes.
#pragma once

#include <cstddef>
#include <cstdint>

#include "gctrain/arena.hpp"
#include "gctrain/parallel.hpp"
#include "gctrain/plan_bound.hpp"  // the packed panels' sizes

namespace gct {

// A dense operand view: element (r, c) is data[r * rs + c * cs]. One of rs, cs is 1 and the view
// covers exactly rows * cols consecutive values (a row-major matrix or its transpose).
struct QOperand {
  const int32_t* data = nullptr;
  int64_t rs = 0, cs = 0;
  int frac = 0;    // Q format of the values
  int shift = -1;  // its quantisation shift when already known (qgemm_operand_shift), else -1
};

// The quantisation shift of a tensor: what brings its largest magnitude within fixed_path::kOperandMax.
// One pass over the values; a caller that uses a tensor in two products computes it once.
int qgemm_operand_shift(const int32_t* data, uint64_t count);

// What happens to each exact dot product s (in the product's own format) on its way into C:
//   v = round(s into out_frac) + round(bias[j] into out_frac)   (bias optional)
//   relu:            C = max(v, 0)
//   mask_in_place:   C = C_old > 0 ? v : 0   (the backward ReLU, overwriting the activation)
// and v saturates to int32.
struct QEpilogue {
  int out_frac = 0;
  const int32_t* bias = nullptr;
  int bias_frac = 0;
  bool relu = false;
  bool mask_in_place = false;
};

struct QGemmWorkspace {
  int32_t* pack_a = nullptr;  // int16 pairs
  int32_t* pack_b = nullptr;
  uint64_t a_pairs = 0, b_pairs = 0;  // 64-bit: a batch times a width wraps 32 bits
};

void qgemm_workspace_require(QGemmWorkspace* ws, int64_t m, int64_t n, int64_t k);
void qgemm_workspace_layout(QGemmWorkspace* ws, Arena* arena);

// Returns false if the workspace was planned for smaller shapes. `threads` column-panel blocks run
// on `runner` (null: in turn).
bool qgemm(const QGemmWorkspace& ws, const TaskRunner* runner, uint32_t threads, int64_t m, int64_t n,
           int64_t k, const QOperand& a, const QOperand& b, int32_t* c, int64_t ldc,
           const QEpilogue& epilogue);

}  // namespace gct
