#include "gctrain/optimizer.hpp"

#include "path.hpp"

namespace gct {

void optimizer_layout(OptimizerState* state, OptimizerKind kind, const Mlp& mlp, Arena* arena) {
  *state = OptimizerState{};
  state->kind = kind;
  arithmetic_path(mlp.scalar).optimizer_layout(state, mlp, arena);
}

void optimizer_reset(OptimizerState* state, const Mlp& mlp, const OptimizerParams& hp) {
  arithmetic_path(mlp.scalar).optimizer_reset(state, mlp, hp);
}

Status optimizer_step(OptimizerState* state, Mlp* mlp, const OptimizerParams& hp, GcMode gc) {
  return arithmetic_path(mlp->scalar).optimizer_step(state, mlp, hp, gc);
}

}  // namespace gct
