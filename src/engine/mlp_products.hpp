// Private: the backward pass without the loss, for measuring the products of a step apart from
// everything else (the firmware's bench mode). Not part of the public API.
#pragma once

#include <cstdint>

#include "gctrain/mlp.hpp"
#include "gctrain/status.hpp"

namespace gct {

// Weight and input gradients of every layer from the gradient of the logits already in the last
// activations: what mlp_backward does after the loss.
Status backward_products(Mlp* mlp, uint32_t rows);

}  // namespace gct
