// Private: a convolutional layer's float32 work - forward (convolution, bias, ReLU, pooling) and
// backward (pooling's and the ReLU's gradient, weight and bias gradients, input gradient) - over
// the model's tensors as mlp.hpp and layout.hpp lay them out.
//
// Every product is one sample's: im2col builds the sample's columns [fan_in x pixels] in a
// per-thread buffer of the arena, and a product of the weights [filters x fan_in] with them gives
// the sample's output [filters x pixels], already in the planar layout the layer above reads.
// Threads take whole samples (forward, input gradient) or blocks of the weight gradient's columns,
// each element of which is summed over the samples in their order: results do not depend on the
// thread count.
#pragma once

#include <cstdint>

#include "gctrain/mlp.hpp"

namespace gct::conv {

// The per-thread buffers, from the piece the layout walk carved (layout.hpp, kConvWorkspace).
void place_workspace(Mlp* mlp, void* at);

// Each returns false if a product needed more packing space than the plan gave (Eigen's path).
// act[l + 1] from act[l]; the convolution's output before pooling goes to the layer's `pre` buffer.
bool forward(Mlp* mlp, int l, uint32_t rows);
// With act[l + 1] holding dLoss/d(act[l + 1]) (already zero where the activation is): the
// pre-activation gradient into `pre`, then dW and db.
bool weight_grad(Mlp* mlp, int l, uint32_t rows);
// act[l] = (act[l] > 0) * dLoss/d(act[l]); after weight_grad.
bool input_grad(Mlp* mlp, int l, uint32_t rows);

}  // namespace gct::conv
