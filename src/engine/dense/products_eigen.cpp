#include "products.hpp"

#if !GCT_DENSE_MCU
#include <cstring>

#include "../row_blocks.hpp"

namespace gct {
namespace dense {
namespace eigen {
namespace {

// One product C[m x n] += op(A) op(B), split into row blocks of C.
struct ParallelGemm {
  const Mlp* mlp;
  const GemmBlocking* blocking;
  Trans ta, tb;
  int64_t m, n, k;
  const float* a;
  int64_t lda;
  const float* b;
  int64_t ldb;
  float* c;
  int64_t ldc;
  uint32_t blocks;
  bool failed[kMaxThreads];
};

// Block i: rows [begin, end) of C. Splitting the rows of C (Eigen's column-major columns) keeps
// every element's computation identical to the unsplit product - same packing of the other
// operand, same kernel path, same order of the k-sum - so results do not depend on the thread
// count. Boundaries are multiples of 16, a multiple of the kernels' column width.
void gemm_block(void* arg, uint32_t i) {
  auto* p = static_cast<ParallelGemm*>(arg);
  int64_t begin = 0, end = 0;
  row_block_range(p->m, p->blocks, i, 16, &begin, &end);
  p->failed[i] = false;
  if (begin >= end) return;
  // Row r of op(A) is row r of A, or column r when A is transposed.
  const float* a = p->ta == Trans::kYes ? p->a + begin : p->a + begin * p->lda;
  p->failed[i] = !gemm(state(*p->mlp).gemm[i], *p->blocking, p->ta, p->tb, end - begin, p->n, p->k, 1.0f, a,
                       p->lda, p->b, p->ldb, p->c + begin * p->ldc, p->ldc);
}

bool parallel_gemm(const Mlp* mlp, const GemmBlocking& blocking, Trans ta, Trans tb, int64_t m, int64_t n,
                   int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb, float* c, int64_t ldc) {
  if (mlp->threads <= 1) return gemm(state(*mlp).gemm[0], blocking, ta, tb, m, n, k, 1.0f, a, lda, b, ldb, c, ldc);
  ParallelGemm p{mlp, &blocking, ta, tb, m, n, k, a, lda, b, ldb, c, ldc, mlp->threads, {}};
  run_tasks(mlp->runner, gemm_block, &p, mlp->threads);
  for (uint32_t i = 0; i < mlp->threads; ++i) {
    if (p.failed[i]) return false;
  }
  return true;
}

}  // namespace

void layout(Mlp* mlp, Arena* arena) {
  MlpState& s = state(*mlp);
  const LayerSizes& sizes = mlp->sizes;
  const uint32_t batch = mlp->batch;
  // The scratch holds the input gradient of a layer above the lowest trainable one.
  uint32_t widest_hidden = 0;
  for (int l = mlp->frozen + 1; l < mlp->num_layers; ++l) {
    if (!sizes.conv[l].is_conv() && sizes.size[l] > widest_hidden) widest_hidden = sizes.size[l];
  }
  if (widest_hidden > 0) {
    s.scratch = arena_alloc_array<float>(arena, uint64_t{batch} * widest_hidden, MemCategory::kScratch);
  }
  for (int l = 0; l < mlp->num_layers; ++l) {
    Layer& d = s.layer[l];
    if (sizes.conv[l].is_conv()) {
      // One sample's products (conv/conv.cpp): each thread packs in its own space; the weight
      // gradient's column blocks use the whole product's blocking, so sums run alike for any split.
      const uint32_t pixels = sizes.conv[l].conv_pixels();
      d.forward_blocking = gemm_workspace_require(&s.gemm[0], d.out, pixels, d.in);
      if (l >= mlp->frozen) d.weight_grad_blocking = gemm_workspace_require(&s.gemm[0], d.out, d.in, pixels);
      if (l > mlp->frozen) d.input_grad_blocking = gemm_workspace_require(&s.gemm[0], d.in, pixels, d.out);
      continue;
    }
    d.forward_blocking = gemm_workspace_require(&s.gemm[0], batch, d.out, d.in);
    if (l >= mlp->frozen) d.weight_grad_blocking = gemm_workspace_require(&s.gemm[0], d.out, d.in, batch);
    if (l > mlp->frozen) d.input_grad_blocking = gemm_workspace_require(&s.gemm[0], batch, d.in, d.out);
  }
  for (uint32_t t = 0; t < mlp->threads; ++t) {
    s.gemm[t].block_a_floats = s.gemm[0].block_a_floats;
    s.gemm[t].block_b_floats = s.gemm[0].block_b_floats;
    gemm_workspace_layout(&s.gemm[t], arena);
  }
}

bool forward(Mlp* mlp, int l, uint32_t rows) {
  MlpState& s = state(*mlp);
  const Layer& d = s.layer[l];
  const float* x = s.act[l];
  float* y = s.act[l + 1];
  // Bias first: the product accumulates onto it, saving a pass.
  for (uint32_t r = 0; r < rows; ++r) std::memcpy(y + size_t{r} * d.out, d.b, sizeof(float) * d.out);
  if (!parallel_gemm(mlp, d.forward_blocking, Trans::kNo, Trans::kYes, rows, d.out, d.in, x, d.in, d.w, d.in,
                     y, d.out)) {
    return false;
  }
  if (l + 1 < mlp->num_layers) {
    const size_t n = size_t{rows} * d.out;
    for (size_t i = 0; i < n; ++i) y[i] = y[i] > 0.0f ? y[i] : 0.0f;
  }
  return true;
}

bool weight_grad(Mlp* mlp, int l, uint32_t rows) {
  MlpState& s = state(*mlp);
  Layer& d = s.layer[l];
  const float* dz = s.act[l + 1];
  std::memset(d.dw, 0, sizeof(float) * d.out * d.in);
  if (!parallel_gemm(mlp, d.weight_grad_blocking, Trans::kYes, Trans::kNo, d.out, d.in, rows, dz, d.out,
                     s.act[l], d.in, d.dw, d.in)) {
    return false;
  }
  bias_gradient(dz, rows, d.out, 0, d.out, d.db);
  return true;
}

bool input_grad(Mlp* mlp, int l, uint32_t rows) {
  MlpState& s = state(*mlp);
  const Layer& d = s.layer[l];
  float* da = s.scratch;
  const size_t n = size_t{rows} * d.in;
  std::memset(da, 0, sizeof(float) * n);
  if (!parallel_gemm(mlp, d.input_grad_blocking, Trans::kNo, Trans::kNo, rows, d.in, d.out, s.act[l + 1],
                     d.out, d.w, d.in, da, d.in)) {
    return false;
  }
  float* a = s.act[l];
  for (size_t i = 0; i < n; ++i) a[i] = a[i] > 0.0f ? da[i] : 0.0f;
  return true;
}

}  // namespace eigen
}  // namespace dense
}  // namespace gct

#endif
