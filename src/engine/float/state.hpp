// Private: what the float32 path keeps in a model and in its optimizer. Its tensors are carved from
// the arena by float/mlp.cpp and float/optimizer.cpp; the structs themselves live in the public
// structs' opaque storage (Mlp::arithmetic, OptimizerState::arithmetic).
#pragma once

#include <cstdint>

#include "../dense/gemm.hpp"
#include "../stored_state.hpp"
#include "gctrain/mlp.hpp"
#include "gctrain/optimizer.hpp"

namespace gct::float_path {

struct Layer {
  uint32_t in = 0, out = 0;  // the weights' columns and rows: a convolution's fan-in and filters
  float* pre = nullptr;  // a convolution's output before its pooling (act[l + 1] when it has none)
  float* w = nullptr;  // [out x in]
  float* b = nullptr;  // [out]
  float* dw = nullptr;
  float* db = nullptr;
  // Eigen build: the blocking of each product at its planned shape.
  GemmBlocking forward_blocking, weight_grad_blocking, input_grad_blocking;
};

struct MlpState {
  Layer layer[kMaxLayers];
  float* act[kMaxLayers + 1] = {};  // act[0]: the input batch; act[L]: logits, then dLoss/dlogits
  float* scratch = nullptr;         // Eigen build: dLoss/d(act) before the ReLU mask
  // AVX-512 build: a layer's input transposed [in x B] and its output before bias/ReLU [out x B].
  float* input_t = nullptr;
  float* output_t = nullptr;
  GemmWorkspace gemm[kMaxThreads];  // Eigen build: one packing space per row block
  // Convolutions: per thread, one sample's columns and input gradient (layout.hpp, ConvWorkspace).
  float* conv_columns[kMaxThreads] = {};
  float* conv_input_gradient[kMaxThreads] = {};
};

// Per trainable layer, the state the optimizer keeps (optimizer_state_kept): the first moment
// (momentum buffer, Adam's m) and the second (Adagrad's sum of g^2, RMSProp's and Adam's v).
struct StateTensors {
  float* w = nullptr;
  float* b = nullptr;
};
struct OptimizerTensors {
  StateTensors first[kMaxLayers], second[kMaxLayers];
  float* row = nullptr;  // one row of the widest parameter per thread, row_stride apart
  uint32_t row_stride = 0;
};

inline MlpState& state(Mlp& m) { return stored_state<MlpState>(m); }
inline const MlpState& state(const Mlp& m) { return stored_state<MlpState>(m); }
inline OptimizerTensors& state(OptimizerState& s) { return stored_state<OptimizerTensors>(s); }
inline const OptimizerTensors& state(const OptimizerState& s) { return stored_state<OptimizerTensors>(s); }

}  // namespace gct::float_path
