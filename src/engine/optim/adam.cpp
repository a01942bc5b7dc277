// Adam with bias correction, in PyTorch's arithmetic:
//   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
//   w -= (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
// which equals lr * m_hat / (sqrt(v_hat) + eps) with m_hat = m / (1 - b1^t), v_hat = v / (1 - b2^t).
#include <cmath>

#include "rules.hpp"

namespace gct::optim {

GCT_CLONE_FOR_AVX512_FLOAT void adam_row(const RowContext& ctx, const Row& row, uint32_t n) {
  float* w = row.w;
  float* g = row.g;
  float* m = row.m;
  float* v = row.v;
  const float b1 = ctx.hp->beta1;
  const float b2 = ctx.hp->beta2;
  const float eps = ctx.hp->eps;
  const float step_size = ctx.step_size;
  const float bc2_sqrt = ctx.bias_correction2_sqrt;
  for (uint32_t j = 0; j < n; ++j) {
    m[j] = b1 * m[j] + (1.0f - b1) * g[j];
    v[j] = b2 * v[j] + (1.0f - b2) * g[j] * g[j];
    const float u = step_size * m[j] / (std::sqrt(v[j]) / bc2_sqrt + eps);
    if (ctx.emit_update) {
      g[j] = u;
    } else {
      w[j] -= u;
    }
  }
}

}  // namespace gct::optim
