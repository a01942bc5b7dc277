// Private: the per-row update rules, one file per optimizer. Not part of the public API.
//
// A rule receives the prepared gradient row g (weight decay and GC-on-gradient already applied)
// and its state rows. If `emit_update` is false it applies W -= u directly; if true it writes u
// into g instead (leaving W alone) so that the caller can centre u before applying it. The
// fixed-point rules (fixed/optimizer.cpp) have the same form, rule(ctx, row, n), and always write u.
#pragma once

#include <cstdint>

#include "../isa.hpp"
#include "gctrain/config.hpp"

namespace gct::optim {

struct RowContext {
  const OptimizerParams* hp;
  float step_size;          // Adam: lr / (1 - beta1^t); others: lr
  float bias_correction2_sqrt;  // Adam: sqrt(1 - beta2^t)
  bool emit_update;
};

// One row of a parameter and its state: the first moment m (momentum buffer, Adam's m) and the
// second v (Adagrad's sum of g^2, RMSProp's and Adam's v), null where the optimizer keeps none.
struct Row {
  float* w;
  float* g;
  float* m;
  float* v;
};

using RowRule = void (*)(const RowContext& ctx, const Row& row, uint32_t n);

void sgd_row(const RowContext& ctx, const Row& row, uint32_t n);
void momentum_row(const RowContext& ctx, const Row& row, uint32_t n);
void adagrad_row(const RowContext& ctx, const Row& row, uint32_t n);
void rmsprop_row(const RowContext& ctx, const Row& row, uint32_t n);
void adam_row(const RowContext& ctx, const Row& row, uint32_t n);

}  // namespace gct::optim
