// Optimizer: one step of SGD, SGD with momentum (optionally Nesterov), Adagrad, RMSProp or Adam
// over every parameter of an Mlp, with weight decay and Gradient Centralization fused in.
//
// Per weight row, in the official GC order:
//   g = dW[i, :] + weight_decay * W[i, :]           (L2, PyTorch semantics; biases too)
//   if gc == grad:   g -= mean(g)                  (GC on the gradient)
//   state update and update u from g               (one rule per optimizer, optim/*.cpp)
//   if gc == update: u -= mean(u)                  (the authors' variant for adaptive methods)
//   W[i, :] -= u
// Bias rows are never centred. The equations are PyTorch's (README "Optimizers").
//
// State buffers (all in the arena, zero-initialised, Adagrad's at initial_accumulator):
//   sgd: none   sgdm: momentum buffer   adagrad: sum of g^2   rmsprop: mean of g^2   adam: m, v
#pragma once

#include <cstddef>
#include <cstdint>

#include "gctrain/arena.hpp"
#include "gctrain/config.hpp"
#include "gctrain/mlp.hpp"
#include "gctrain/status.hpp"

namespace gct {

// Room for the larger arithmetic's state pointers (two per trainable layer and tensor, and a row
// buffer); each arithmetic checks at compile time that its state fits.
constexpr size_t kOptimizerArithmeticBytes = 48 * sizeof(void*);

struct OptimizerState {
  OptimizerKind kind = OptimizerKind::kSgd;
  uint64_t saturated = 0;  // fixed point: parameters at the format's limit after the last step
  uint64_t step = 0;       // steps taken; Adam's bias correction uses step + 1
  alignas(16) unsigned char arithmetic[kOptimizerArithmeticBytes] = {};
};

void optimizer_layout(OptimizerState* state, OptimizerKind kind, const Mlp& mlp, Arena* arena);
// Zeroes the state (Adagrad: fills initial_accumulator) and the step counter.
void optimizer_reset(OptimizerState* state, const Mlp& mlp, const OptimizerParams& hp);
// Applies one update from the gradients in mlp (dW, db are read, not modified).
Status optimizer_step(OptimizerState* state, Mlp* mlp, const OptimizerParams& hp, GcMode gc);

}  // namespace gct
