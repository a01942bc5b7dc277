// Private: the per-row update rules, one file per optimizer. Not part of the public API.
//
// A rule receives the prepared gradient row g (weight decay and GC-on-gradient already applied)
// and its state rows. If `emit_update` is false it applies W -= u directly; if true it writes u
// into g instead (leaving W alone) so that the caller can centre u before applying it.
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

using RowRule = void (*)(const RowContext& ctx, float* w, float* g, float* s0, float* s1,
                         uint32_t n);

void sgd_row(const RowContext& ctx, float* w, float* g, float* s0, float* s1, uint32_t n);
void momentum_row(const RowContext& ctx, float* w, float* g, float* s0, float* s1, uint32_t n);
void adagrad_row(const RowContext& ctx, float* w, float* g, float* s0, float* s1, uint32_t n);
void rmsprop_row(const RowContext& ctx, float* w, float* g, float* s0, float* s1, uint32_t n);
void adam_row(const RowContext& ctx, float* w, float* g, float* s0, float* s1, uint32_t n);

}  // namespace gct::optim
