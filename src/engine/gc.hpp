// Private: Gradient Centralization (Yong et al., ECCV 2020).
//
// For a weight matrix W [out x in] (PyTorch layout) the gradient of each output unit's row is
// centred over the fan-in: G[i, :] -= mean_j G[i, j]. One mean per output unit. Biases and other
// 1-D parameters are never centred. The operation is a projection: applying it twice changes
// nothing, and every row of the result sums to zero.
//
// Inside a training step GC is fused into the optimizer pass (see optimizer.hpp); these functions
// are the reference form, for anyone who wants GC on its own.
#pragma once

#include <cstdint>

namespace gct {

// Mean of n floats, accumulated in double so that the centred row sums to zero to float precision.
float row_mean(const float* x, uint32_t n);
// Fixed point: the exact int64 sum divided by n, rounded to nearest (ties away from zero).
int32_t row_mean(const int32_t* x, uint32_t n);
// G[i, :] -= mean(G[i, :]) for every row of a row-major [rows x cols] matrix.
void gc_centralize_rows(float* g, uint32_t rows, uint32_t cols);
// Fixed point: the same with row_mean, each difference saturated to int32.
void gc_centralize_rows(int32_t* g, uint32_t rows, uint32_t cols);

}  // namespace gct
