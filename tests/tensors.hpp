// Tests reach into each arithmetic's own tensors (private to the engine) through these.
#pragma once

#include <cstdio>
#include <cstdlib>

#include "engine/fixed/state.hpp"
#include "engine/float/state.hpp"

namespace gct {

// Reading one arithmetic's state from a model of the other would read pointers that are not there:
// the test stops instead.
inline const Mlp& of_kind(const Mlp& m, ScalarKind kind) {
  if (m.scalar != kind) {
    std::fprintf(stderr, "test error: a %s model's tensors read as %s\n", scalar_name(m.scalar), scalar_name(kind));
    std::abort();
  }
  return m;
}

inline float_path::MlpState& float_tensors(Mlp& m) {
  return float_path::state(const_cast<Mlp&>(of_kind(m, ScalarKind::kFloat)));
}
inline const float_path::MlpState& float_tensors(const Mlp& m) {
  return float_path::state(of_kind(m, ScalarKind::kFloat));
}
inline fixed_path::MlpState& fixed_tensors(Mlp& m) {
  return fixed_path::state(const_cast<Mlp&>(of_kind(m, ScalarKind::kFixed)));
}
inline const fixed_path::MlpState& fixed_tensors(const Mlp& m) {
  return fixed_path::state(of_kind(m, ScalarKind::kFixed));
}

// Layer l's tensors in the model's own arithmetic (4-byte elements in both).
inline void* weights_of(const Mlp& m, int l) {
  if (m.scalar == ScalarKind::kFixed) return fixed_tensors(m).layer[l].w;
  return float_tensors(m).layer[l].w;
}
inline void* biases_of(const Mlp& m, int l) {
  if (m.scalar == ScalarKind::kFixed) return fixed_tensors(m).layer[l].b;
  return float_tensors(m).layer[l].b;
}
inline void* weight_gradient_of(const Mlp& m, int l) {
  if (m.scalar == ScalarKind::kFixed) return fixed_tensors(m).layer[l].dw;
  return float_tensors(m).layer[l].dw;
}
// Weight i of layer l as a real number.
inline double weight_value(const Mlp& m, int l, size_t i) {
  if (m.scalar == ScalarKind::kFixed) return fixed_tensors(m).layer[l].w[i] / 268435456.0;  // Q28
  return float_tensors(m).layer[l].w[i];
}
inline double bias_value(const Mlp& m, int l, size_t i) {
  if (m.scalar == ScalarKind::kFixed) return fixed_tensors(m).layer[l].b[i] / 268435456.0;
  return float_tensors(m).layer[l].b[i];
}

}  // namespace gct
