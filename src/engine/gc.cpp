#include "gc.hpp"

#include "arithmetic.hpp"
#include "fixed/fixed.hpp"
#include "gctrain/mlp.hpp"

namespace gct {

float row_mean(const float* x, uint32_t n) {
  // Thirty-two independent partial sums: a single running sum is a chain of dependent additions
  // that cannot be vectorised, and fewer chains leave the adder waiting on its own latency. The
  // order is fixed, so the result is still deterministic.
  constexpr uint32_t kParts = 32;
  double part[kParts] = {};
  const uint32_t full = n / kParts * kParts;
  for (uint32_t j = 0; j < full; j += kParts) {
    // Unrolled, the partial sums become four vector registers; rolled, GCC leaves them in memory.
#pragma GCC unroll 32
    for (uint32_t l = 0; l < kParts; ++l) part[l] += static_cast<double>(x[j + l]);
  }
  for (uint32_t j = full; j < n; ++j) part[j - full] += static_cast<double>(x[j]);
  for (uint32_t width = kParts / 2; width > 0; width /= 2) {
    for (uint32_t l = 0; l < width; ++l) part[l] += part[l + width];
  }
  return static_cast<float>(part[0] / static_cast<double>(n));
}

void gc_centralize_rows(float* g, uint32_t rows, uint32_t cols) {
  for (uint32_t i = 0; i < rows; ++i) {
    float* row = g + static_cast<uint64_t>(i) * cols;
    const float mean = row_mean(row, cols);
    for (uint32_t j = 0; j < cols; ++j) row[j] -= mean;
  }
}

int32_t row_mean(const int32_t* x, uint32_t n) {
  int64_t sum = 0;
  for (uint32_t j = 0; j < n; ++j) sum += x[j];
  const int64_t half = n / 2;
  return static_cast<int32_t>(sum >= 0 ? (sum + half) / n : -((-sum + half) / n));
}

void gc_centralize_rows(int32_t* g, uint32_t rows, uint32_t cols) {
  for (uint32_t i = 0; i < rows; ++i) {
    int32_t* row = g + static_cast<uint64_t>(i) * cols;
    const int32_t mean = row_mean(row, cols);
    // |g| <= 2^31 and |mean| <= 2^31: the difference is saturated, never wrapped.
    for (uint32_t j = 0; j < cols; ++j) row[j] = fixed_path::sat32(int64_t{row[j]} - mean);
  }
}

}  // namespace gct
