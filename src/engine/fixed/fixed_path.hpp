// Private: the fixed-point path's entries of the arithmetic table (path.hpp). Not part of the public API.
#pragma once

#include "../path.hpp"

namespace gct::fixed_path {

void mlp_layout(Mlp* mlp, Arena* arena);  // after the shared fields (sizes, batch, threads) are set
void mlp_init_params(Mlp* mlp, Rng* rng, InitScheme scheme);
Status mlp_forward(Mlp* mlp, uint32_t rows);
Status mlp_backward(Mlp* mlp, const uint8_t* labels, uint32_t rows, BatchLoss* loss);
// The backward pass's products (weight and input gradients) from the dZ already in qact[L].
Status backward_products(Mlp* mlp, uint32_t rows);

void optimizer_layout(OptimizerState* state, const Mlp& mlp, Arena* arena);
void optimizer_reset(OptimizerState* state, const Mlp& mlp, const OptimizerParams& hp);
Status optimizer_step(OptimizerState* state, Mlp* mlp, const OptimizerParams& hp, GcMode gc);

// What the shared code reads and writes (path.hpp says what each does).
void* weights(const DenseLayer& d);
void* biases(const DenseLayer& d);
void use_parameters(DenseLayer* d, const void* weights, const void* biases);
void each_state_tensor(const OptimizerState& state, const Mlp& mlp, TensorVisit visit, void* context);
double mean_loss(const BatchLoss& loss, uint32_t rows);
int first_non_finite_layer(const Mlp& mlp);
void input_normalisation(const DatasetView& format, void* norm);
void load_sample(Mlp* mlp, const void* norm, const DatasetView& data, const uint8_t* sample, uint32_t row,
                 const Augment* augment);
void load_inputs(Mlp* mlp, const float* inputs, size_t count);
RowScore score_row(const Mlp& mlp, uint32_t row, uint32_t label);
void top_k(const Mlp& mlp, uint32_t row, uint32_t k, uint16_t* top);
void logits_as_float(const Mlp& mlp, uint32_t row, float* z);

}  // namespace gct::fixed_path
