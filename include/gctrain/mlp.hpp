// Mlp: fully connected layers with ReLU between them and softmax cross-entropy at the end.
//
// Layout for sizes n0-n1-...-nL and batch B (all row-major, all in the arena):
//
//   layer l = 1..L:  W_l [n_l x n_{l-1}]  (PyTorch's layout: y = x W^T + b)   b_l [n_l]
//                    dW_l, db_l of the same shapes
//   act[0] [B x n0]  normalised input batch (filled by the caller / trainer)
//   act[l] [B x n_l] post-ReLU output of hidden layer l; act[L] holds the logits, then dLoss/dlogits
//   working memory of the products (dense/products.hpp), by build:
//     AVX-512: input_t [max n_in x B] (a layer's input transposed), output_t [max n_out x B]
//     Eigen:   scratch [B x max(n_1..n_{L-1})] (dLoss/d(act) before the ReLU mask) and packing
//              space per thread
//
// Backward overwrites act[L..1] with the gradients of the pre-activations ("dZ"): a hidden
// activation is needed only until the weight gradient of the layer above has been formed, and
// the ReLU mask is read from it just before it is replaced. The input gradient of layer 1 is
// never formed (nothing consumes it).
//
// With ScalarKind::kFixed the same layout holds int32 tensors in Q formats (docs/design.md, "Fixed
// point"), the products run on integer kernels, and the backward ReLU is applied as the
// input-gradient product is stored, so the scratch buffer is not needed.
//
// The tensors belong to the arithmetic: each one (float32, fixed point) keeps its own pointers and
// its products' settings in the model's opaque storage, so the engine's shared code and a caller
// see only what both have in common. A caller reads and writes parameters through model files
// and checkpoints (model.hpp, checkpoint.hpp), never through these structs.
#pragma once

#include <cstddef>
#include <cstdint>

#include "gctrain/arena.hpp"
#include "gctrain/config.hpp"
#include "gctrain/parallel.hpp"
#include "gctrain/rng.hpp"
#include "gctrain/status.hpp"

namespace gct {

// Room for the larger arithmetic's own state: its tensor pointers per layer and, in float32, the
// blocked GEMM's settings and packing space per thread. Each arithmetic checks at compile time
// that its state fits.
constexpr size_t kMlpArithmeticBytes = 640 + 176 * sizeof(void*);

struct Mlp {
  LayerSizes sizes;
  uint32_t batch = 0;
  int num_layers = 0;
  ScalarKind scalar = ScalarKind::kFloat;
  // Layers [0, frozen) keep their weights: no gradients are formed or stored for them and backward
  // stops above them. frozen == num_layers: laid out for inference only.
  int frozen = 0;
  // W and b were not carved from the arena: the layers point at weights kept elsewhere (a model
  // file in flash), which the forward pass only reads.
  bool weights_in_place = false;
  uint32_t threads = 1;
  const TaskRunner* runner = nullptr;  // null: the blocks of a product run one after another
  alignas(16) unsigned char arithmetic[kMlpArithmeticBytes] = {};
};

// The float products this process runs: "avx512" (x86-64 CPUs with AVX-512F, chosen at run time),
// "eigen" (Eigen's GEMM: other x86-64 CPUs, ARM Linux) or "cortex-m" (M4F/M7 kernels). Runs on the
// same kernels and build give bit-identical results; other kernels round differently.
const char* mlp_float_kernels();

// Carves parameters, gradients, activations, scratch and GEMM workspace (per thread) from the arena:
// gradients and backward workspace only for layers >= frozen, parameters only unless
// weights_in_place (then the caller points every layer at its parameters with mlp_use_parameters
// before mlp_forward).
void mlp_layout(Mlp* mlp, const LayerSizes& sizes, uint32_t batch, Arena* arena, uint32_t threads = 1,
                ScalarKind scalar = ScalarKind::kFloat, int frozen = 0, bool weights_in_place = false);
// Points layer `layer` of a model laid out with weights_in_place at parameters kept elsewhere, in
// the model's arithmetic (float32, or int32 Q3.28): weights [out x in], biases [out]. Only read.
void mlp_use_parameters(Mlp* mlp, int layer, const void* weights, const void* biases);
// Draws the weights (and, for InitScheme::kTorch, the biases; others start at zero). Fixed point
// draws with integers only (identical on every target): normal deviates as Irwin-Hall sums of 12
// uniforms, uniform ones by scaling a 32-bit draw.
void mlp_init_params(Mlp* mlp, Rng* rng, InitScheme scheme = InitScheme::kHeNormal);
// Writes `rows` rows of already normalised inputs (rows x n0 floats, row-major) into the input
// batch, converted to the model's arithmetic (fixed point: rounded to Q16, saturating). rows <= batch.
void mlp_load_inputs(Mlp* mlp, const float* inputs, uint32_t rows);
// The input batch must hold the input; leaves the logits in the last activations. rows <= batch.
Status mlp_forward(Mlp* mlp, uint32_t rows);
// Row `row` of the last forward pass's logits, as floats (n_L of them).
void mlp_logits(const Mlp& mlp, uint32_t row, float* logits);

struct BatchLoss {
  double loss_sum = 0.0;  // sum over the rows of -log softmax(z)[label]
  int64_t loss_q16 = 0;   // fixed point: the same sum in Q16
  uint32_t rows = 0;
};

// After mlp_forward: computes the mean cross-entropy over `rows` and the gradients dW, db of every
// layer that is not frozen. A model laid out for inference only is refused.
Status mlp_backward(Mlp* mlp, const uint8_t* labels, uint32_t rows, BatchLoss* loss);

}  // namespace gct
