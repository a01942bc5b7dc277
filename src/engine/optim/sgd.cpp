// SGD: w -= lr * g
#include "rules.hpp"

namespace gct::optim {

GCT_CLONE_FOR_AVX512_FLOAT void sgd_row(const RowContext& ctx, const Row& row, uint32_t n) {
  float* w = row.w;
  float* g = row.g;
  const float lr = ctx.step_size;
  if (ctx.emit_update) {
    for (uint32_t j = 0; j < n; ++j) g[j] = lr * g[j];
  } else {
    for (uint32_t j = 0; j < n; ++j) w[j] -= lr * g[j];
  }
}

}  // namespace gct::optim
