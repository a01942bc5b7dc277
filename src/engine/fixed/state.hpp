// Private: what the fixed-point path keeps in a model and in its optimizer (formats in fixed.hpp).
// Its tensors are carved from the arena by fixed/mlp.cpp and fixed/optimizer.cpp; the structs
// themselves live in the public structs' opaque storage (Mlp::arithmetic, OptimizerState::arithmetic).
#pragma once

#include <cstdint>

#include "../stored_state.hpp"
#include "gctrain/mlp.hpp"
#include "gctrain/optimizer.hpp"
#include "qgemm.hpp"

namespace gct::fixed_path {

struct Layer {
  uint32_t in = 0, out = 0;  // the weights' columns and rows: a convolution's fan-in and filters
  int32_t* pre = nullptr;    // a convolution's output before its pooling (act[l + 1] when it has none)
  int32_t* w = nullptr;  // [out x in], Q3.28
  int32_t* b = nullptr;  // [out], Q3.28
  int32_t* dw = nullptr;
  int32_t* db = nullptr;
};

struct MlpState {
  Layer layer[kMaxLayers];
  int32_t* act[kMaxLayers + 1] = {};  // input and activations Q15.16, their gradients Q1.30
  // Quantisation shifts of each layer's input and weights, found by the forward pass and reused by
  // the backward products of the same step (both tensors are unchanged in between).
  int8_t shift_act[kMaxLayers] = {};
  int8_t shift_w[kMaxLayers] = {};
  int8_t shift_dz_conv[kMaxLayers] = {};  // a convolution's dLoss/dz, for both of its backward products
  QGemmWorkspace qgemm;
  // Convolutions (layout.hpp, ConvWorkspace): one sample's columns (Q16) or their gradient (Q30),
  // its input gradient summed in int64, and its weight gradient (Q28).
  int32_t* conv_columns = nullptr;
  int64_t* conv_input_gradient = nullptr;
  int32_t* conv_weight_gradient = nullptr;
};

// Per trainable layer: the first moment (momentum buffer Q3.28, Adam's m Q0.31) and the second
// (Adagrad's sum, RMSProp's and Adam's v: int64 Q7.56), as optimizer_state_kept says.
struct FirstMoment {
  int32_t* w = nullptr;
  int32_t* b = nullptr;
};
struct SecondMoment {
  int64_t* w = nullptr;
  int64_t* b = nullptr;
};
struct OptimizerTensors {
  FirstMoment first[kMaxLayers];
  SecondMoment second[kMaxLayers];
  int32_t* row = nullptr;  // one row of the widest parameter per thread, row_stride apart
  uint32_t row_stride = 0;
};

inline MlpState& state(Mlp& m) { return stored_state<MlpState>(m); }
inline const MlpState& state(const Mlp& m) { return stored_state<MlpState>(m); }
inline OptimizerTensors& state(OptimizerState& s) { return stored_state<OptimizerTensors>(s); }
inline const OptimizerTensors& state(const OptimizerState& s) { return stored_state<OptimizerTensors>(s); }

}  // namespace gct::fixed_path
