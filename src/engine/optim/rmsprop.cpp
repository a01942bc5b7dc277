// RMSProp (PyTorch form, no momentum, not centred): v = alpha * v + (1 - alpha) * g^2;
// w -= lr * g / (sqrt(v) + eps). Keras differs: rho = 0.9 and eps inside the square root.
#include <cmath>

#include "rules.hpp"

namespace gct::optim {

GCT_CLONE_FOR_AVX512_FLOAT void rmsprop_row(const RowContext& ctx, const Row& row, uint32_t n) {
  float* w = row.w;
  float* g = row.g;
  float* v = row.v;
  const float lr = ctx.step_size;
  const float alpha = ctx.hp->alpha;
  const float eps = ctx.hp->eps;
  for (uint32_t j = 0; j < n; ++j) {
    v[j] = alpha * v[j] + (1.0f - alpha) * g[j] * g[j];
    const float u = lr * g[j] / (std::sqrt(v[j]) + eps);
    if (ctx.emit_update) {
      g[j] = u;
    } else {
      w[j] -= u;
    }
  }
}

}  // namespace gct::optim
