// Private: a convolutional layer in fixed point - the float path's convolution (conv/conv.hpp) with
// int32 tensors in the Q formats of fixed.hpp and the exact integer products of qgemm.hpp.
//
// One sample at a time, each product an exact qgemm (split among the threads by qgemm itself):
// forward [filters x fan_in] by the sample's columns [fan_in x pixels], rounded into Q16, then the
// bias (rounded into Q16 on its own, as the dense layers' store adds it), the ReLU and the pooling;
// the weight gradient per sample, rounded into Q28 and added up over the batch in sample order (a
// dense layer's is one product over the batch, rounded once); the input gradient in Q30, folded
// back onto the image in int64 and saturated. Pooling: exact maxima; averages rounded to nearest.
// Each operand is quantised with one shift for the whole batch, so no result depends on the thread
// count or on the CPU.
#pragma once

#include <cstdint>

#include "gctrain/mlp.hpp"

namespace gct::fixed_path {

void place_conv_workspace(Mlp* mlp, void* at);
// False: the products' workspace was planned too small.
bool conv_forward(Mlp* mlp, int l, uint32_t rows);
bool conv_weight_grad(Mlp* mlp, int l, uint32_t rows);
bool conv_input_grad(Mlp* mlp, int l, uint32_t rows);

}  // namespace gct::fixed_path
