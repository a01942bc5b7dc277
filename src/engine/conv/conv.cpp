#include "conv.hpp"

#include <cstring>

#include "../carve.hpp"
#include "../dense/fgemm.hpp"
#include "../dense/products.hpp"
#include "../float/state.hpp"
#include "../row_blocks.hpp"
#include "im2col.hpp"

namespace gct::conv {
namespace {

using float_path::Layer;
using float_path::MlpState;
using float_path::state;

// Which of a layer's products: on Eigen's path, the blocking planned for it.
enum class Which : uint8_t { kForward, kWeightGrad, kInputGrad };

// Where a product runs: the layer, which of its products, and the thread (its packing space).
struct Site {
  const Mlp* mlp;
  int l;
  Which which;
  uint32_t thread;
};

// C[m x n] (=, or += with `accumulate`) A[m x k] B[k x n] with A(i, p) = a[i * rsa + p * csa] (rsa
// or csa is 1) and B(p, j) = b[p * ldb + j]: on AVX-512 CPUs the own kernels (dense/fgemm.hpp), on
// Cortex-M cores with an FPU the register-blocked loops (dense/products.hpp), elsewhere Eigen's
// blocked GEMM in the thread's packing space, with the blocking planned for this product of this
// layer (dense/products_eigen.cpp) so that every sample's product sums in the same order. Each
// element is one running sum over p. False: less packing space than planned.
bool product(const Site& at, int64_t m, int64_t n, int64_t k, const float* a, int64_t rsa, int64_t csa,
             const float* b, int64_t ldb, float* c, int64_t ldc, bool accumulate) {
#if GCT_FGEMM_AVX512
  if (cpu_has_avx512()) {
    fgemm(m, n, k, a, rsa, csa, b, ldb, c, ldc, accumulate, FgemmStore::kPlain);
    return true;
  }
#endif
#if GCT_DENSE_MCU
  (void)at;
  dense::gemm(static_cast<uint32_t>(m), static_cast<uint32_t>(n), static_cast<uint32_t>(k), a,
              static_cast<uint32_t>(rsa), static_cast<uint32_t>(csa), b, static_cast<uint32_t>(ldb), c,
              static_cast<uint32_t>(ldc), accumulate);
  return true;
#else
  const MlpState& s = state(*at.mlp);
  const Layer& d = s.layer[at.l];
  const GemmBlocking& blocking = at.which == Which::kForward      ? d.forward_blocking
                                 : at.which == Which::kWeightGrad ? d.weight_grad_blocking
                                                                  : d.input_grad_blocking;
  if (!accumulate) {
    for (int64_t i = 0; i < m; ++i) std::memset(c + i * ldc, 0, sizeof(float) * static_cast<size_t>(n));
  }
  const bool transposed = csa != 1;  // A read down its columns: the transpose of a row-major matrix
  return gemm(s.gemm[at.thread], blocking, transposed ? Trans::kYes : Trans::kNo, Trans::kNo, m, n, k, 1.0f, a,
              transposed ? csa : rsa, b, ldb, c, ldc);
#endif
}

// dst[j * ldd + i] = src[i * lds + j]: the AVX-512 kernels' blocked transpose where the CPU has
// them.
void transpose(const float* src, int64_t lds, int64_t rows, int64_t cols, float* dst, int64_t ldd) {
#if GCT_FGEMM_AVX512
  if (cpu_has_avx512()) {
    gct::transpose(src, lds, rows, cols, dst, ldd);
    return;
  }
#endif
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t j = 0; j < cols; ++j) dst[j * ldd + i] = src[i * lds + j];
  }
}

// The same values transposed, for the rows [f0, f1) only: colst[pixel][f - f0], through `rows`
// (room for the slice's columns as im2col lays them out).
void im2col_transposed(const ConvShape& g, const float* x, uint32_t f0, uint32_t f1, float* rows, float* colst) {
  im2col(g, x, f0, f1, rows);
  const int64_t pixels = g.conv_pixels();
  transpose(rows, pixels, f1 - f0, pixels, colst, f1 - f0);
}

// One row of 2x2 windows, from the rows r0 and r1 below it. Each its own function over restrict
// pointers and a size_t count, which the compiler vectorises (inline in the pooling loops, with
// 32-bit indices and possible aliasing, it did not).
void max_pool_row(const float* __restrict r0, const float* __restrict r1, float* __restrict out, size_t ow) {
  for (size_t x = 0; x < ow; ++x) {
    const float a = r0[2 * x], b = r0[2 * x + 1], d = r1[2 * x], e = r1[2 * x + 1];
    const float m0 = a >= b ? a : b, m1 = d >= e ? d : e;
    out[x] = m0 >= m1 ? m0 : m1;
  }
}

void avg_pool_row(const float* __restrict r0, const float* __restrict r1, float* __restrict out, size_t ow) {
  for (size_t x = 0; x < ow; ++x) out[x] = ((r0[2 * x] + r0[2 * x + 1]) + (r1[2 * x] + r1[2 * x + 1])) * 0.25f;
}

// The window's maximum gets the gradient gr[x], if it passed the ReLU; the others none. Selects,
// vectorised (as scalar code they compiled to branches, which the values make unpredictable).
void max_pool_backward_row(float* __restrict r0, float* __restrict r1, const float* __restrict gr, size_t ow) {
  for (size_t x = 0; x < ow; ++x) {
    const float a = r0[2 * x], b = r0[2 * x + 1], d = r1[2 * x], e = r1[2 * x + 1];
    const uint32_t m = window_max(a, b, d, e);
    const bool passed = (a > 0.0f) | (b > 0.0f) | (d > 0.0f) | (e > 0.0f);
    const float gv = passed ? gr[x] : 0.0f;
    r0[2 * x] = m & kMaxA ? gv : 0.0f;
    r0[2 * x + 1] = m & kMaxB ? gv : 0.0f;
    r1[2 * x] = m & kMaxD ? gv : 0.0f;
    r1[2 * x + 1] = m & kMaxE ? gv : 0.0f;
  }
}

void avg_pool_backward_row(float* __restrict r0, float* __restrict r1, const float* __restrict gr, size_t ow) {
  for (size_t x = 0; x < 2 * ow; ++x) {
    const float gv = gr[x / 2] * 0.25f;
    r0[x] = r0[x] > 0.0f ? gv : 0.0f;
    r1[x] = r1[x] > 0.0f ? gv : 0.0f;
  }
}

// One sample: pooled[c] from z[c] (after the ReLU). Windows of 2x2 start at even rows and columns.
void pool_forward(const ConvShape& g, const float* z, float* pooled) {
  const uint32_t h = g.conv_height(), w = g.conv_width(), oh = g.out_height(), ow = g.out_width();
  for (uint32_t c = 0; c < g.channels; ++c, z += size_t{h} * w, pooled += size_t{oh} * ow) {
    if (g.pool == PoolKind::kGlobalAvg) {
      float sum = 0.0f;
      for (uint32_t i = 0; i < h * w; ++i) sum += z[i];
      pooled[0] = sum / static_cast<float>(h * w);
      continue;
    }
    for (uint32_t y = 0; y < oh; ++y) {
      const float* r0 = z + size_t{2 * y} * w;
      (g.pool == PoolKind::kAvg2 ? avg_pool_row : max_pool_row)(r0, r0 + w, pooled + size_t{y} * ow, ow);
    }
  }
}

// One sample: z becomes dLoss/dz, from the pooled output's gradient g and z's own values (the
// ReLU's output). A maximum's gradient goes to the first largest value of its window, in
// row-major order; rows and columns outside every window get none.
void pool_backward(const ConvShape& g, const float* grad, float* z) {
  const uint32_t h = g.conv_height(), w = g.conv_width(), oh = g.out_height(), ow = g.out_width();
  for (uint32_t c = 0; c < g.channels; ++c, z += size_t{h} * w, grad += size_t{oh} * ow) {
    if (g.pool == PoolKind::kGlobalAvg) {
      const float share = grad[0] / static_cast<float>(h * w);
      for (uint32_t i = 0; i < h * w; ++i) z[i] = z[i] > 0.0f ? share : 0.0f;
      continue;
    }
    if (h > 2 * oh) std::memset(z + size_t{2 * oh} * w, 0, sizeof(float) * w);
    if (w > 2 * ow) {
      for (uint32_t y = 0; y < h; ++y) z[size_t{y} * w + w - 1] = 0.0f;
    }
    for (uint32_t y = 0; y < oh; ++y) {
      float* r0 = z + size_t{2 * y} * w;
      (g.pool == PoolKind::kAvg2 ? avg_pool_backward_row : max_pool_backward_row)(r0, r0 + w, grad + size_t{y} * ow, ow);
    }
  }
}

enum class Stage : uint8_t { kForward, kPoolBackward, kWeightGrad, kInputGrad };

struct Job {
  Mlp* mlp;
  int l;
  uint32_t rows;
  Stage stage;
  bool failed[kMaxThreads];  // per block: a product had less packing space than planned
};

bool forward_sample(Mlp* mlp, int l, uint32_t r, uint32_t thread) {
  MlpState& s = state(*mlp);
  const Layer& d = s.layer[l];
  const ConvShape& g = mlp->sizes.conv[l];
  const uint32_t pixels = g.conv_pixels();
  float* cols = s.conv_columns[thread];
  float* z = d.pre + size_t{r} * g.conv_outputs();
  im2col(g, s.act[l] + size_t{r} * g.inputs(), 0, g.fan_in(), cols);
  if (!product(Site{mlp, l, Which::kForward, thread}, d.out, pixels, d.in, d.w, d.in, 1, cols, pixels, z, pixels, false)) {
    return false;
  }
  for (uint32_t c = 0; c < d.out; ++c) {
    float* zc = z + size_t{c} * pixels;
    const float b = d.b[c];
    for (uint32_t i = 0; i < pixels; ++i) {
      const float v = zc[i] + b;
      zc[i] = v > 0.0f ? v : 0.0f;
    }
  }
  if (g.pool != PoolKind::kNone) pool_forward(g, z, s.act[l + 1] + size_t{r} * g.outputs());
  return true;
}

// The sum of rows x pixels values (row r at r * stride): each pixel summed over the rows in
// `per_pixel` (a loop along the pixels, which vectorises), then the pixels in order. Deterministic.
float channel_sum(const float* x, uint32_t rows, size_t stride, uint32_t pixels, float* per_pixel) {
  for (uint32_t p = 0; p < pixels; ++p) per_pixel[p] = 0.0f;
  for (uint32_t r = 0; r < rows; ++r, x += stride) {
    for (uint32_t p = 0; p < pixels; ++p) per_pixel[p] += x[p];
  }
  float sum = 0.0f;
  for (uint32_t p = 0; p < pixels; ++p) sum += per_pixel[p];
  return sum;
}

// The weight gradient's column blocks start at multiples of this: of the AVX-512 kernels' 16
// columns, and of Eigen's widest row panel, three vectors (12, 24 or 48 floats), so that a column's
// sums take the same path through Eigen's kernel however the columns are split.
constexpr uint32_t kWeightGradColumns = 48;

// Block i of the weight gradient: the columns [f0, f1) of dW, summed over the samples in order,
// and the biases of the filters [c0, c1).
bool weight_grad_block(Mlp* mlp, int l, uint32_t rows, uint32_t i) {
  MlpState& s = state(*mlp);
  Layer& d = s.layer[l];
  const ConvShape& g = mlp->sizes.conv[l];
  const uint32_t pixels = g.conv_pixels();
  int64_t f0 = 0, f1 = 0, c0 = 0, c1 = 0;
  row_block_range(d.in, mlp->threads, i, kWeightGradColumns, &f0, &f1);
  row_block_range(d.out, mlp->threads, i, 1, &c0, &c1);
  float* slice = s.conv_columns[i];
  float* colst = slice + size_t{d.in} * pixels;
  const uint32_t width = static_cast<uint32_t>(f1 - f0);
  const Site at{mlp, l, Which::kWeightGrad, i};
  for (uint32_t r = 0; r < rows && f0 < f1; ++r) {
    im2col_transposed(g, s.act[l] + size_t{r} * g.inputs(), static_cast<uint32_t>(f0), static_cast<uint32_t>(f1), slice,
                      colst);
    if (!product(at, d.out, width, pixels, d.pre + size_t{r} * g.conv_outputs(), pixels, 1, colst, width, d.dw + f0,
                 d.in, r > 0)) {
      return false;
    }
  }
  for (int64_t c = c0; c < c1; ++c) d.db[c] = channel_sum(d.pre + size_t(c) * pixels, rows, g.conv_outputs(), pixels, slice);
  return true;
}

bool input_grad_sample(Mlp* mlp, int l, uint32_t r, uint32_t thread) {
  MlpState& s = state(*mlp);
  const Layer& d = s.layer[l];
  const ConvShape& g = mlp->sizes.conv[l];
  const uint32_t pixels = g.conv_pixels();
  float* dcols = s.conv_columns[thread];
  float* dx = s.conv_input_gradient[thread];
  // dcols = W^T dZ: W read down its columns in place.
  if (!product(Site{mlp, l, Which::kInputGrad, thread}, d.in, pixels, d.out, d.w, 1, d.in,
               d.pre + size_t{r} * g.conv_outputs(), pixels, dcols, pixels, false)) {
    return false;
  }
  col2im(g, dcols, dx);
  float* a = s.act[l] + size_t{r} * g.inputs();
  for (uint32_t j = 0; j < g.inputs(); ++j) a[j] = a[j] > 0.0f ? dx[j] : 0.0f;
  return true;
}

void run_block(void* arg, uint32_t i) {
  Job& job = *static_cast<Job*>(arg);
  Mlp* mlp = job.mlp;
  job.failed[i] = false;
  if (job.stage == Stage::kWeightGrad) {
    job.failed[i] = !weight_grad_block(mlp, job.l, job.rows, i);
    return;
  }
  int64_t begin = 0, end = 0;
  row_block_range(job.rows, mlp->threads, i, 1, &begin, &end);
  const ConvShape& g = mlp->sizes.conv[job.l];
  const Layer& d = state(*mlp).layer[job.l];
  for (int64_t r = begin; r < end && !job.failed[i]; ++r) {
    const uint32_t row = static_cast<uint32_t>(r);
    switch (job.stage) {
      case Stage::kForward: job.failed[i] = !forward_sample(mlp, job.l, row, i); break;
      case Stage::kPoolBackward:
        pool_backward(g, state(*mlp).act[job.l + 1] + size_t{row} * g.outputs(), d.pre + size_t{row} * g.conv_outputs());
        break;
      case Stage::kInputGrad: job.failed[i] = !input_grad_sample(mlp, job.l, row, i); break;
      case Stage::kWeightGrad: break;
    }
  }
}

bool run(Mlp* mlp, int l, uint32_t rows, Stage stage) {
  Job job{mlp, l, rows, stage, {}};
  run_tasks(mlp->runner, run_block, &job, mlp->threads);
  for (uint32_t i = 0; i < mlp->threads; ++i) {
    if (job.failed[i]) return false;
  }
  return true;
}

}  // namespace

void place_workspace(Mlp* mlp, void* at) {
  MlpState& s = state(*mlp);
  const ConvWorkspace w = conv_workspace(layout_shape_of(*mlp));
  float* base = static_cast<float*>(at);
  for (uint32_t t = 0; t < w.sets; ++t, base += w.values()) {
    s.conv_columns[t] = base;
    s.conv_input_gradient[t] = base + w.columns;
  }
}

bool forward(Mlp* mlp, int l, uint32_t rows) { return run(mlp, l, rows, Stage::kForward); }

bool weight_grad(Mlp* mlp, int l, uint32_t rows) {
  if (mlp->sizes.conv[l].pool != PoolKind::kNone) run(mlp, l, rows, Stage::kPoolBackward);
  return run(mlp, l, rows, Stage::kWeightGrad);
}

bool input_grad(Mlp* mlp, int l, uint32_t rows) { return run(mlp, l, rows, Stage::kInputGrad); }

}  // namespace gct::conv
