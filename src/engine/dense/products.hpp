// The three float products of a dense layer with their element-wise work, on the best kernels the
// machine has: own AVX-512 kernels (fgemm.hpp) on x86-64 CPUs with AVX-512 (chosen at run time,
// products.cpp), own register-blocked loops on Cortex-M cores with a single-precision FPU
// (products_mcu.cpp), Eigen's blocked GEMM with arena packing space (gemm.hpp) elsewhere.
//
// Both read and write the Mlp's tensors as mlp.hpp lays them out; they differ only in the working
// memory they take from the arena (packing space, transposed operands, scratch), which layout()
// carves, so the arena plan is exact for the build that runs it.
#pragma once

#include <cstdint>

#include "fgemm.hpp"
#include "gctrain/arena.hpp"
#include "../float/state.hpp"
#include "gctrain/mlp.hpp"

// Cortex-M with an FPU (M4F, M7); GCT_EIGEN_PRODUCTS forces Eigen's products there too.
#if defined(__ARM_ARCH_PROFILE) && __ARM_ARCH_PROFILE == 'M' && defined(__ARM_FP) && !defined(GCT_EIGEN_PRODUCTS)
#define GCT_DENSE_MCU 1
#else
#define GCT_DENSE_MCU 0
#endif

namespace gct {
namespace dense {

using float_path::Layer;
using float_path::MlpState;
using float_path::state;

// The same four functions per implementation (namespaces eigen, avx512; the Cortex-M build has its
// own only); the ones below dispatch to the one this process uses.
#define GCT_DENSE_PRODUCTS_API                         \
  void layout(Mlp* mlp, Arena* arena);                  \
  bool forward(Mlp* mlp, int l, uint32_t rows);         \
  bool weight_grad(Mlp* mlp, int l, uint32_t rows);     \
  bool input_grad(Mlp* mlp, int l, uint32_t rows);
#if !GCT_DENSE_MCU
namespace eigen {
GCT_DENSE_PRODUCTS_API
}
#endif
#if GCT_FGEMM_AVX512
namespace avx512 {
GCT_DENSE_PRODUCTS_API
}
#endif
#undef GCT_DENSE_PRODUCTS_API

#if GCT_DENSE_MCU
// C[m x n] = A[m x k] B[k x n] (with `accumulate`, C + A B: each element one running sum that starts
// from C's value) on the register-blocked loops, A(i, p) = a[i * rsa + p * csa] read along its
// rows (csa == 1) or down its columns (rsa == 1), B(p, j) = b[p * ldb + j]. The convolutions'
// products; nothing is packed, no working memory.
void gemm(uint32_t m, uint32_t n, uint32_t k, const float* a, uint32_t rsa, uint32_t csa, const float* b,
          uint32_t ldb, float* c, uint32_t ldc, bool accumulate);
#endif

// Working memory of the products of every layer, for up to mlp->batch rows and mlp->threads blocks.
void layout(Mlp* mlp, Arena* arena);

// act[l+1] = act[l] W^T + b, then ReLU unless l is the last layer. False: workspace too small.
bool forward(Mlp* mlp, int l, uint32_t rows);
// dW = dZ^T act[l] and db = column sums of dZ, where dZ = act[l+1].
bool weight_grad(Mlp* mlp, int l, uint32_t rows);
// act[l] = (act[l] > 0) * (dZ W): the gradient of layer l's pre-activation, in place of its output.
bool input_grad(Mlp* mlp, int l, uint32_t rows);

// db[j] = sum over the rows of dZ[r][j] for j in [begin, end), in row order; row by row so that
// the sums run along contiguous memory.
inline void bias_gradient(const float* dz, int64_t rows, int64_t out, int64_t begin, int64_t end, float* db) {
  for (int64_t j = begin; j < end; ++j) db[j] = 0.0f;
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t j = begin; j < end; ++j) db[j] += dz[r * out + j];
  }
}

}  // namespace dense
}  // namespace gct
