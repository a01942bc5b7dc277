#include "gctrain/gc.hpp"

#include "gctrain/mlp.hpp"

namespace gct {

float row_mean(const float* x, uint32_t n) {
  double sum = 0.0;
  for (uint32_t j = 0; j < n; ++j) sum += static_cast<double>(x[j]);
  return static_cast<float>(sum / static_cast<double>(n));
}

void gc_centralize_rows(float* g, uint32_t rows, uint32_t cols) {
  for (uint32_t i = 0; i < rows; ++i) {
    float* row = g + static_cast<uint64_t>(i) * cols;
    const float mean = row_mean(row, cols);
    for (uint32_t j = 0; j < cols; ++j) row[j] -= mean;
  }
}

void gc_apply(Mlp* mlp) {
  for (int l = 0; l < mlp->num_layers; ++l) {
    DenseLayer& d = mlp->layer[l];
    gc_centralize_rows(d.dw, d.out, d.in);
  }
}

}  // namespace gct
