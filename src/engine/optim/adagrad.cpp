// Adagrad (PyTorch, lr_decay 0): s += g^2; w -= lr * g / (sqrt(s) + eps).
#include <cmath>

#include "rules.hpp"

namespace gct::optim {

GCT_CLONE_FOR_AVX512_FLOAT void adagrad_row(const RowContext& ctx, const Row& row, uint32_t n) {
  float* w = row.w;
  float* g = row.g;
  float* s = row.v;
  const float lr = ctx.step_size;
  const float eps = ctx.hp->eps;
  for (uint32_t j = 0; j < n; ++j) {
    s[j] += g[j] * g[j];
    const float u = lr * g[j] / (std::sqrt(s[j]) + eps);
    if (ctx.emit_update) {
      g[j] = u;
    } else {
      w[j] -= u;
    }
  }
}

}  // namespace gct::optim
