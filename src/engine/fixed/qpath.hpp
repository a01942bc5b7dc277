// Private: the fixed-point path's entries of the arithmetic table (path.hpp). Not part of the public API.
#pragma once

#include "gctrain/mlp.hpp"
#include "gctrain/optimizer.hpp"

namespace gct::fixed_path {

void mlp_layout(Mlp* mlp, Arena* arena);  // after the shared fields (sizes, batch, threads) are set
void mlp_init_params(Mlp* mlp, Rng* rng, InitScheme scheme);
Status mlp_forward(Mlp* mlp, uint32_t rows);
Status mlp_backward(Mlp* mlp, const uint8_t* labels, uint32_t rows, BatchLoss* loss);
// The backward pass's products (weight and input gradients) from the dZ already in qact[L].
Status backward_products(Mlp* mlp, uint32_t rows);

void optimizer_layout(OptimizerState* state, const Mlp& mlp, Arena* arena);
void optimizer_reset(OptimizerState* state, const Mlp& mlp, const OptimizerParams& hp);
Status optimizer_step(OptimizerState* state, Mlp* mlp, const OptimizerParams& hp, GcMode gc);

}  // namespace gct::fixed_path
