// Predictor: a model file put to work for predictions only, in the smallest arena that can do it.
//
//   ModelView model;  model_open(flash_bytes, size, &model);        // weights stay where they are
//   MemoryPlan plan;  predictor_plan(model, 1, &plan);               // activations of 1 sample
//   alignas(64) static uint8_t arena[N];
//   Predictor p;  predictor_setup(&p, model, 1, arena, sizeof arena);
//   uint16_t best;  Prediction out;  out.top = &best;  out.k = 1;
//   predictor_run(&p, samples, out);
//
// The arena holds one batch of activations, the products' working memory and the input
// normalisation: no weights (they are read in place from the model), no gradients, no optimizer
// state, no shuffle order. Results are those of the trainer that saved the model, bit for bit, on
// the same build and kernels when the predictor is set up for the trainer's batch (ModelView::batch).
// At another batch the last bits may differ: Eigen's blocking follows the planned batch, and fixed
// point quantises a batch's activations with one shift (the AVX-512 float kernels do not depend
// on it).
#pragma once

#include <cstddef>
#include <cstdint>

#include "gctrain/arena.hpp"
#include "gctrain/dataset.hpp"
#include "gctrain/metrics.hpp"
#include "gctrain/mlp.hpp"
#include "gctrain/model.hpp"
#include "gctrain/samples.hpp"
#include "gctrain/status.hpp"
#include "gctrain/trainer.hpp"

namespace gct {

struct Predictor {
  Arena arena;
  Mlp mlp;
  DatasetView format;  // the model's sample shape, layout, classes and statistics
  void* norm = nullptr;  // the input normalisation, as Trainer::norm
};

// Bytes of the predictor's arena for up to `batch` samples at a time.
Status predictor_plan(const ModelView& model, uint32_t batch, MemoryPlan* plan);
// `buffer` must be 64-byte aligned and at least plan.total bytes; the model's bytes must outlive
// the predictor.
Status predictor_setup(Predictor* p, const ModelView& model, uint32_t batch, void* buffer, size_t bytes);
// Predicts the samples (their labels are ignored).
Status predictor_run(Predictor* p, const Samples& samples, const Prediction& out);
// Loss and accuracy over a whole split, as trainer_evaluate reports them.
Status predictor_evaluate(Predictor* p, const DatasetView& data, EvalResult* result);

}  // namespace gct
