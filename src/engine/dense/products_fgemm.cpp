#include "fgemm.hpp"

#if GCT_FGEMM_AVX512
#include "../row_blocks.hpp"
#include "products.hpp"

namespace gct {
namespace dense {
namespace avx512 {
GCT_AVX512_BEGIN
namespace {

enum class Stage : uint8_t { kTransposeInput, kForward, kWeightGrad, kInputGrad };

struct Job {
  Mlp* mlp;
  int l;
  uint32_t rows;
  Stage stage;
};

void run_block(void* arg, uint32_t i) {
  const Job& job = *static_cast<const Job*>(arg);
  Mlp* mlp = job.mlp;
  MlpState& s = state(*mlp);
  Layer& d = s.layer[job.l];
  const int64_t in = d.in, out = d.out, rows = job.rows, ld_t = mlp->batch;
  const float* x = s.act[job.l];
  float* z = s.act[job.l + 1];
  int64_t begin = 0, end = 0;
  switch (job.stage) {
    case Stage::kTransposeInput:
      row_block_range(rows, mlp->threads, i, 16, &begin, &end);
      transpose(x + begin * in, in, end - begin, in, s.input_t + begin, ld_t);
      break;
    case Stage::kForward: {
      // Z^T = W X^T: W's rows are read in place, X^T was formed by the previous stage. The block's
      // rows of Z^T then go back to Z's layout with the bias and ReLU.
      row_block_range(out, mlp->threads, i, 6, &begin, &end);
      fgemm(end - begin, rows, in, d.w + begin * in, in, 1, s.input_t, ld_t, s.output_t + begin * ld_t,
            ld_t, false, FgemmStore::kPlain);
      transpose(s.output_t + begin * ld_t, ld_t, end - begin, rows, z + begin, out);
      const bool relu = job.l + 1 < mlp->num_layers;
      for (int64_t r = 0; r < rows; ++r) {
        float* zr = z + r * out;
        for (int64_t j = begin; j < end; ++j) {
          const float v = zr[j] + d.b[j];
          zr[j] = relu && !(v > 0.0f) ? 0.0f : v;
        }
      }
      break;
    }
    case Stage::kWeightGrad:
      // dW = dZ^T X: dZ's columns are A's rows (stride 1 along them, `out` along k), X's rows are B.
      row_block_range(out, mlp->threads, i, 6, &begin, &end);
      fgemm(end - begin, in, rows, z + begin, 1, out, x, in, d.dw + begin * in, in, false, FgemmStore::kPlain);
      bias_gradient(z, rows, out, begin, end, d.db);
      break;
    case Stage::kInputGrad:
      // dA = dZ W, masked by the activation it replaces.
      row_block_range(rows, mlp->threads, i, 6, &begin, &end);
      fgemm(end - begin, in, out, z + begin * out, out, 1, d.w, in, s.act[job.l] + begin * in, in, false,
            FgemmStore::kReluMaskOld);
      break;
  }
}

void run(Mlp* mlp, int l, uint32_t rows, Stage stage) {
  Job job{mlp, l, rows, stage};
  run_tasks(mlp->runner, run_block, &job, mlp->threads);
}

}  // namespace

void layout(Mlp* mlp, Arena* arena) {
  MlpState& s = state(*mlp);
  uint32_t widest_in = 0, widest_out = 0;
  for (int l = 0; l < mlp->num_layers; ++l) {
    if (mlp->sizes.conv[l].is_conv()) continue;
    if (s.layer[l].in > widest_in) widest_in = s.layer[l].in;
    if (s.layer[l].out > widest_out) widest_out = s.layer[l].out;
  }
  s.input_t = arena_alloc_array<float>(arena, uint64_t{widest_in} * mlp->batch, MemCategory::kGemmWorkspace);
  s.output_t = arena_alloc_array<float>(arena, uint64_t{widest_out} * mlp->batch, MemCategory::kGemmWorkspace);
}

bool forward(Mlp* mlp, int l, uint32_t rows) {
  run(mlp, l, rows, Stage::kTransposeInput);
  run(mlp, l, rows, Stage::kForward);
  return true;
}

bool weight_grad(Mlp* mlp, int l, uint32_t rows) {
  run(mlp, l, rows, Stage::kWeightGrad);
  return true;
}

bool input_grad(Mlp* mlp, int l, uint32_t rows) {
  run(mlp, l, rows, Stage::kInputGrad);
  return true;
}

GCT_AVX512_END
}  // namespace avx512
}  // namespace dense
}  // namespace gct

#endif
