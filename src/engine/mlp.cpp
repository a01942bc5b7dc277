#include "gctrain/mlp.hpp"

#include "mlp_products.hpp"
#include "path.hpp"

namespace gct {

void mlp_layout(Mlp* mlp, const LayerSizes& sizes, uint32_t batch, Arena* arena, uint32_t threads,
                ScalarKind scalar, int frozen, bool weights_in_place) {
  *mlp = Mlp{};
  mlp->threads = threads < 1 ? 1 : (threads > kMaxThreads ? kMaxThreads : threads);
  mlp->sizes = sizes;
  mlp->batch = batch;
  mlp->num_layers = sizes.num_layers();
  mlp->scalar = scalar;
  const int L = mlp->num_layers;
  mlp->frozen = frozen < 0 ? 0 : (frozen > L ? L : frozen);
  mlp->weights_in_place = weights_in_place;
  arithmetic_path(scalar).mlp_layout(mlp, arena);
}

void mlp_use_parameters(Mlp* mlp, int layer, const void* weights, const void* biases) {
  arithmetic_path(mlp->scalar).use_parameters(mlp, layer, weights, biases);
}

void mlp_load_inputs(Mlp* mlp, const float* inputs, uint32_t rows) {
  arithmetic_path(mlp->scalar).load_inputs(mlp, inputs, size_t{rows} * mlp->sizes.input());
}

void mlp_logits(const Mlp& mlp, uint32_t row, float* logits) { arithmetic_path(mlp.scalar).logits_as_float(mlp, row, logits); }

void mlp_init_params(Mlp* mlp, Rng* rng, InitScheme scheme) { arithmetic_path(mlp->scalar).mlp_init_params(mlp, rng, scheme); }

Status mlp_forward(Mlp* mlp, uint32_t rows) {
  if (rows == 0 || rows > mlp->batch) {
    return Status::Error(Code::kInvalidArgument, "batch of %u rows, model planned for 1..%u",
                         static_cast<unsigned>(rows), static_cast<unsigned>(mlp->batch));
  }
  return arithmetic_path(mlp->scalar).mlp_forward(mlp, rows);
}

Status mlp_backward(Mlp* mlp, const uint8_t* labels, uint32_t rows, BatchLoss* loss) {
  if (mlp->frozen >= mlp->num_layers) {
    return Status::Error(Code::kInvalidArgument, "the model was laid out for inference only (all %d layers frozen)",
                         mlp->num_layers);
  }
  return arithmetic_path(mlp->scalar).mlp_backward(mlp, labels, rows, loss);
}

Status backward_products(Mlp* mlp, uint32_t rows) { return arithmetic_path(mlp->scalar).backward_products(mlp, rows); }

}  // namespace gct
