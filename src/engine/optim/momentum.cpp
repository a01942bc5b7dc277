// SGD with momentum (PyTorch, dampening 0): b = mu * b + g; w -= lr * b.
// Nesterov: w -= lr * (g + mu * b). With b starting at zero the first step gives b = g, as in
// PyTorch, which initialises the buffer with a copy of the first gradient.
#include "rules.hpp"

namespace gct::optim {

GCT_CLONE_FOR_AVX512_FLOAT void momentum_row(const RowContext& ctx, const Row& row, uint32_t n) {
  float* w = row.w;
  float* g = row.g;
  float* b = row.m;
  const float lr = ctx.step_size;
  const float mu = ctx.hp->momentum;
  const bool nesterov = ctx.hp->nesterov;
  for (uint32_t j = 0; j < n; ++j) {
    b[j] = mu * b[j] + g[j];
    const float d = nesterov ? g[j] + mu * b[j] : b[j];
    if (ctx.emit_update) {
      g[j] = lr * d;
    } else {
      w[j] -= lr * d;
    }
  }
}

}  // namespace gct::optim
