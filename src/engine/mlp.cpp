#include "gctrain/mlp.hpp"

#include <cmath>
#include <cstring>

#include "fixed/qpath.hpp"
#include "gctrain/loss.hpp"

namespace gct {

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
  const int64_t per = ((p->m + p->blocks - 1) / p->blocks + 15) / 16 * 16;
  const int64_t begin = per * i;
  const int64_t end = begin + per < p->m ? begin + per : p->m;
  p->failed[i] = false;
  if (begin >= end) return;
  // Row r of op(A) is row r of A, or column r when A is transposed.
  const float* a = p->ta == Trans::kYes ? p->a + begin : p->a + begin * p->lda;
  p->failed[i] = !gemm(p->mlp->gemm[i], *p->blocking, p->ta, p->tb, end - begin, p->n, p->k, 1.0f, a,
                       p->lda, p->b, p->ldb, p->c + begin * p->ldc, p->ldc);
}

bool parallel_gemm(const Mlp* mlp, const GemmBlocking& blocking, Trans ta, Trans tb, int64_t m, int64_t n,
                   int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb, float* c, int64_t ldc) {
  if (mlp->threads <= 1) return gemm(mlp->gemm[0], blocking, ta, tb, m, n, k, 1.0f, a, lda, b, ldb, c, ldc);
  ParallelGemm p{mlp, &blocking, ta, tb, m, n, k, a, lda, b, ldb, c, ldc, mlp->threads, {}};
  run_tasks(mlp->runner, gemm_block, &p, mlp->threads);
  for (uint32_t i = 0; i < mlp->threads; ++i) {
    if (p.failed[i]) return false;
  }
  return true;
}

}  // namespace

void mlp_layout(Mlp* mlp, const LayerSizes& sizes, uint32_t batch, Arena* arena, uint32_t threads,
                ScalarKind scalar) {
  *mlp = Mlp{};
  mlp->threads = threads < 1 ? 1 : (threads > kMaxThreads ? kMaxThreads : threads);
  mlp->sizes = sizes;
  mlp->batch = batch;
  mlp->num_layers = sizes.num_layers();
  mlp->scalar = scalar;
  const int L = mlp->num_layers;
  for (int l = 0; l < L; ++l) {
    mlp->layer[l].in = sizes.size[l];
    mlp->layer[l].out = sizes.size[l + 1];
  }
  if (scalar == ScalarKind::kFixed) {
    fixed_path::mlp_layout(mlp, arena);
    return;
  }
  for (int l = 0; l < L; ++l) {
    DenseLayer& d = mlp->layer[l];
    d.w = arena_alloc_array<float>(arena, size_t{d.out} * d.in, MemCategory::kParameters);
    d.b = arena_alloc_array<float>(arena, d.out, MemCategory::kParameters);
  }
  for (int l = 0; l < L; ++l) {
    DenseLayer& d = mlp->layer[l];
    d.dw = arena_alloc_array<float>(arena, size_t{d.out} * d.in, MemCategory::kGradients);
    d.db = arena_alloc_array<float>(arena, d.out, MemCategory::kGradients);
  }
  // act[0] is the input batch; it is charged to the input category.
  mlp->act[0] = arena_alloc_array<float>(arena, size_t{batch} * sizes.size[0], MemCategory::kInputBatch);
  uint32_t widest_hidden = 0;
  for (int l = 1; l <= L; ++l) {
    mlp->act[l] = arena_alloc_array<float>(arena, size_t{batch} * sizes.size[l], MemCategory::kActivations);
    if (l < L && sizes.size[l] > widest_hidden) widest_hidden = sizes.size[l];
  }
  mlp->scratch = arena_alloc_array<float>(arena, size_t{batch} * widest_hidden, MemCategory::kScratch);
  for (int l = 0; l < L; ++l) {
    DenseLayer& d = mlp->layer[l];
    d.forward_blocking = gemm_workspace_require(&mlp->gemm[0], batch, d.out, d.in);
    d.weight_grad_blocking = gemm_workspace_require(&mlp->gemm[0], d.out, d.in, batch);
    if (l > 0) d.input_grad_blocking = gemm_workspace_require(&mlp->gemm[0], batch, d.in, d.out);
  }
  for (uint32_t t = 0; t < mlp->threads; ++t) {
    mlp->gemm[t].block_a_floats = mlp->gemm[0].block_a_floats;
    mlp->gemm[t].block_b_floats = mlp->gemm[0].block_b_floats;
    gemm_workspace_layout(&mlp->gemm[t], arena);
  }
}

void mlp_init_params(Mlp* mlp, Rng* rng) {
  if (mlp->scalar == ScalarKind::kFixed) {
    fixed_path::mlp_init_params(mlp, rng);
    return;
  }
  for (int l = 0; l < mlp->num_layers; ++l) {
    DenseLayer& d = mlp->layer[l];
    const float std_dev = std::sqrt(2.0f / static_cast<float>(d.in));
    const size_t n = size_t{d.out} * d.in;
    for (size_t i = 0; i < n; ++i) d.w[i] = std_dev * rng_normal(rng);
    std::memset(d.b, 0, sizeof(float) * d.out);
  }
}

static Status gemm_failed(const char* what, int layer) {
  return Status::Error(Code::kArenaTooSmall, "%s product of layer %d needs more GEMM workspace than planned",
                       what, layer + 1);
}

Status mlp_forward(Mlp* mlp, uint32_t rows) {
  if (rows == 0 || rows > mlp->batch) {
    return Status::Error(Code::kInvalidArgument, "batch of %u rows, model planned for 1..%u", rows,
                         mlp->batch);
  }
  if (mlp->scalar == ScalarKind::kFixed) return fixed_path::mlp_forward(mlp, rows);
  const int L = mlp->num_layers;
  for (int l = 0; l < L; ++l) {
    const DenseLayer& d = mlp->layer[l];
    const float* x = mlp->act[l];
    float* y = mlp->act[l + 1];
    // Bias first: the product accumulates onto it, saving a pass.
    for (uint32_t r = 0; r < rows; ++r) std::memcpy(y + size_t{r} * d.out, d.b, sizeof(float) * d.out);
    if (!parallel_gemm(mlp, d.forward_blocking, Trans::kNo, Trans::kYes, rows, d.out, d.in, x, d.in, d.w,
                       d.in, y, d.out)) {
      return gemm_failed("forward", l);
    }
    if (l + 1 < L) {
      const size_t n = size_t{rows} * d.out;
      for (size_t i = 0; i < n; ++i) y[i] = y[i] > 0.0f ? y[i] : 0.0f;
    }
  }
  return Status::Ok();
}

Status mlp_backward(Mlp* mlp, const uint8_t* labels, uint32_t rows, BatchLoss* loss) {
  if (mlp->scalar == ScalarKind::kFixed) return fixed_path::mlp_backward(mlp, labels, rows, loss);
  const int L = mlp->num_layers;
  const uint32_t classes = mlp->sizes.output();
  float* logits = mlp->act[L];
  const float scale = 1.0f / static_cast<float>(rows);
  double loss_sum = 0.0;
  for (uint32_t r = 0; r < rows; ++r) {
    if (labels[r] >= classes) {
      return Status::Error(Code::kCorruptData, "label %u out of range (model has %u classes)",
                           labels[r], classes);
    }
    loss_sum += softmax_cross_entropy_grad_row(logits + size_t{r} * classes, classes, labels[r], scale);
  }
  loss->loss_sum = loss_sum;
  loss->rows = rows;

  for (int l = L - 1; l >= 0; --l) {
    DenseLayer& d = mlp->layer[l];
    const float* dz = mlp->act[l + 1];  // dLoss/dZ of this layer, [rows x out]
    const float* x = mlp->act[l];       // this layer's input, [rows x in]
    // dW = dZ^T x
    std::memset(d.dw, 0, sizeof(float) * d.out * d.in);
    if (!parallel_gemm(mlp, d.weight_grad_blocking, Trans::kYes, Trans::kNo, d.out, d.in, rows, dz, d.out,
                       x, d.in, d.dw, d.in)) {
      return gemm_failed("weight-gradient", l);
    }
    // db = column sums of dZ
    std::memset(d.db, 0, sizeof(float) * d.out);
    for (uint32_t r = 0; r < rows; ++r) {
      const float* row = dz + size_t{r} * d.out;
      for (uint32_t j = 0; j < d.out; ++j) d.db[j] += row[j];
    }
    if (l == 0) break;
    // dA = dZ W into scratch, then dZ_{l-1} = dA * (act > 0) in place of the activation.
    float* da = mlp->scratch;
    const size_t n = size_t{rows} * d.in;
    std::memset(da, 0, sizeof(float) * n);
    if (!parallel_gemm(mlp, d.input_grad_blocking, Trans::kNo, Trans::kNo, rows, d.in, d.out, dz, d.out,
                       d.w, d.in, da, d.in)) {
      return gemm_failed("input-gradient", l);
    }
    float* a = mlp->act[l];
    for (size_t i = 0; i < n; ++i) a[i] = a[i] > 0.0f ? da[i] : 0.0f;
  }
  return Status::Ok();
}

}  // namespace gct
