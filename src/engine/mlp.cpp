#include "gctrain/mlp.hpp"

#include <cmath>
#include <cstring>

#include "gctrain/loss.hpp"

namespace gct {

void mlp_layout(Mlp* mlp, const LayerSizes& sizes, uint32_t batch, Arena* arena) {
  *mlp = Mlp{};
  mlp->sizes = sizes;
  mlp->batch = batch;
  mlp->num_layers = sizes.num_layers();
  const int L = mlp->num_layers;
  for (int l = 0; l < L; ++l) {
    DenseLayer& d = mlp->layer[l];
    d.in = sizes.size[l];
    d.out = sizes.size[l + 1];
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
    d.forward_blocking = gemm_workspace_require(&mlp->gemm, batch, d.out, d.in);
    d.weight_grad_blocking = gemm_workspace_require(&mlp->gemm, d.out, d.in, batch);
    if (l > 0) d.input_grad_blocking = gemm_workspace_require(&mlp->gemm, batch, d.in, d.out);
  }
  gemm_workspace_layout(&mlp->gemm, arena);
}

void mlp_init_params(Mlp* mlp, Rng* rng) {
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
  const int L = mlp->num_layers;
  for (int l = 0; l < L; ++l) {
    const DenseLayer& d = mlp->layer[l];
    const float* x = mlp->act[l];
    float* y = mlp->act[l + 1];
    // Bias first: the product accumulates onto it, saving a pass.
    for (uint32_t r = 0; r < rows; ++r) std::memcpy(y + size_t{r} * d.out, d.b, sizeof(float) * d.out);
    if (!gemm(mlp->gemm, d.forward_blocking, Trans::kNo, Trans::kYes, rows, d.out, d.in, 1.0f, x,
              d.in, d.w, d.in, y, d.out)) {
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
    if (!gemm(mlp->gemm, d.weight_grad_blocking, Trans::kYes, Trans::kNo, d.out, d.in, rows, 1.0f,
              dz, d.out, x, d.in, d.dw, d.in)) {
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
    if (!gemm(mlp->gemm, d.input_grad_blocking, Trans::kNo, Trans::kNo, rows, d.in, d.out, 1.0f,
              dz, d.out, d.w, d.in, da, d.in)) {
      return gemm_failed("input-gradient", l);
    }
    float* a = mlp->act[l];
    for (size_t i = 0; i < n; ++i) a[i] = a[i] > 0.0f ? da[i] : 0.0f;
  }
  return Status::Ok();
}

}  // namespace gct
