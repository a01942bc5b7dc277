#include "gemm.hpp"

// GCC 12 flags the _mm512_undefined_* helpers inside Eigen's AVX-512 kernels as maybe-uninitialized.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <Eigen/Core>

// This file drives Eigen's internal blocked GEMM directly so that it can be given packing memory.
// That API is internal: the version is pinned here and checked by the test suite.
static_assert(EIGEN_WORLD_VERSION == 3 && EIGEN_MAJOR_VERSION == 4,
              "gemm.cpp uses Eigen 3.4's internal GEMM API; check level3_blocking before upgrading");

namespace gct {
namespace {

using Index = Eigen::Index;
namespace ei = Eigen::internal;

// A level3_blocking whose blocks point at arena memory. Eigen's sequential GEMM uses
// blocking.blockA()/blockB() when they are non-null and only falls back to alloca/malloc otherwise.
class ArenaBlocking : public ei::level3_blocking<float, float> {
 public:
  ArenaBlocking(float* a, float* b, const GemmBlocking& sizes) {
    this->m_blockA = a;
    this->m_blockB = b;
    this->m_kc = sizes.kc;
    this->m_mc = sizes.mc;
    this->m_nc = sizes.nc;
  }
};

template <int LhsOrder, int RhsOrder>
void colmajor_gemm(Index rows, Index cols, Index depth, const float* lhs, Index lhs_stride,
                   const float* rhs, Index rhs_stride, float* res, Index res_stride, float alpha,
                   ArenaBlocking& blocking) {
  ei::general_matrix_matrix_product<Index, float, LhsOrder, false, float, RhsOrder, false,
                                    Eigen::ColMajor, 1>::run(rows, cols, depth, lhs, lhs_stride,
                                                             rhs, rhs_stride, res, 1, res_stride,
                                                             alpha, blocking, nullptr);
}

}  // namespace

// A row-major C[m x n] is the column-major C^T[n x m] = op(B)^T op(A)^T, so Eigen runs the
// column-major problem (rows = n, cols = m). Blocking is computed for that problem.
GemmBlocking gemm_blocking(int64_t m, int64_t n, int64_t k) {
  Index kc = k, mc = n, nc = m;
  ei::computeProductBlockingSizes<float, float, 1, Index>(kc, mc, nc, 1);
  return GemmBlocking{kc, mc, nc};
}

GemmBlocking gemm_workspace_require(GemmWorkspace* ws, int64_t m, int64_t n, int64_t k) {
  const GemmBlocking b = gemm_blocking(m, n, k);
  const size_t a_floats = static_cast<size_t>(b.kc * (b.mc < n ? b.mc : n));
  const size_t b_floats = static_cast<size_t>(b.kc * (b.nc < m ? b.nc : m));
  if (a_floats > ws->block_a_floats) ws->block_a_floats = a_floats;
  if (b_floats > ws->block_b_floats) ws->block_b_floats = b_floats;
  return b;
}

void gemm_workspace_layout(GemmWorkspace* ws, Arena* arena) {
  ws->block_a = arena_alloc_array<float>(arena, ws->block_a_floats, MemCategory::kGemmWorkspace);
  ws->block_b = arena_alloc_array<float>(arena, ws->block_b_floats, MemCategory::kGemmWorkspace);
}

bool gemm(const GemmWorkspace& ws, const GemmBlocking& sizes, Trans trans_a, Trans trans_b, int64_t m, int64_t n, int64_t k,
          float alpha, const float* a, int64_t lda, const float* b, int64_t ldb, float* c,
          int64_t ldc) {
  if (m <= 0 || n <= 0 || k <= 0) return true;
  if (sizes.kc <= 0 || sizes.mc <= 0 || sizes.nc <= 0) return false;
  const size_t need_a = static_cast<size_t>(sizes.kc * (sizes.mc < n ? sizes.mc : n));
  const size_t need_b = static_cast<size_t>(sizes.kc * (sizes.nc < m ? sizes.nc : m));
  if (need_a > ws.block_a_floats || need_b > ws.block_b_floats || ws.block_a == nullptr ||
      ws.block_b == nullptr) {
    return false;
  }
  ArenaBlocking blocking(ws.block_a, ws.block_b, sizes);
  // lhs = op(B)^T [n x k]: B untransposed is k x n row-major, i.e. B^T column-major (stride ldb).
  // rhs = op(A)^T [k x m]: A untransposed is m x k row-major, i.e. A^T column-major (stride lda).
  const bool tb = trans_b == Trans::kYes;
  const bool ta = trans_a == Trans::kYes;
  if (!tb && !ta) {
    colmajor_gemm<Eigen::ColMajor, Eigen::ColMajor>(n, m, k, b, ldb, a, lda, c, ldc, alpha,
                                                    blocking);
  } else if (tb && !ta) {
    colmajor_gemm<Eigen::RowMajor, Eigen::ColMajor>(n, m, k, b, ldb, a, lda, c, ldc, alpha,
                                                    blocking);
  } else if (!tb && ta) {
    colmajor_gemm<Eigen::ColMajor, Eigen::RowMajor>(n, m, k, b, ldb, a, lda, c, ldc, alpha,
                                                    blocking);
  } else {
    colmajor_gemm<Eigen::RowMajor, Eigen::RowMajor>(n, m, k, b, ldb, a, lda, c, ldc, alpha,
                                                    blocking);
  }
  return true;
}

}  // namespace gct
