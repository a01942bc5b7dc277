// Private: the two arithmetics behind one table of functions. A model's scalar kind picks its path
// once, and the shared entry points (mlp.cpp, optimizer.cpp) call through it instead of branching
// on the kind - in the spirit of TFLM's kernel registrations and AIfES's per-dtype tables. Each path
// owns its tensors: float/ lays out float32 ones, fixed/ int32 ones.
#pragma once

#include "arithmetic.hpp"
#include "gctrain/mlp.hpp"
#include "gctrain/optimizer.hpp"

namespace gct {

struct ArithmeticPath {
  // The model's tensors, after the shared fields (sizes, batch, threads, frozen layers) are set.
  void (*mlp_layout)(Mlp* mlp, Arena* arena);
  void (*mlp_init_params)(Mlp* mlp, Rng* rng, InitScheme scheme);
  Status (*mlp_forward)(Mlp* mlp, uint32_t rows);
  Status (*mlp_backward)(Mlp* mlp, const uint8_t* labels, uint32_t rows, BatchLoss* loss);
  Status (*backward_products)(Mlp* mlp, uint32_t rows);
  // The optimizer's state, after its kind and number of buffers are set.
  void (*optimizer_layout)(OptimizerState* state, const Mlp& mlp, Arena* arena);
  void (*optimizer_reset)(OptimizerState* state, const Mlp& mlp, const OptimizerParams& hp);
  Status (*optimizer_step)(OptimizerState* state, Mlp* mlp, const OptimizerParams& hp, GcMode gc);
};

extern const ArithmeticPath kFloatPath;  // float/
extern const ArithmeticPath kFixedPath;  // fixed/

// In a build with one arithmetic (-Darithmetic=float|fixed) this is a constant, so the other
// path's table, and with it all its code, is never referenced and the linker drops it.
inline const ArithmeticPath& arithmetic_path(ScalarKind kind) { return is_fixed(kind) ? kFixedPath : kFloatPath; }

}  // namespace gct
