// Writing a Prediction from the logits of a forward pass: what trainer_predict and predictor_run
// share. Private to the engine.
#pragma once

#include <cstdint>

#include "gctrain/dataset.hpp"
#include "gctrain/mlp.hpp"
#include "gctrain/samples.hpp"
#include "gctrain/status.hpp"

namespace gct {

// Refuses a top-k request outside 1..classes.
Status check_prediction(const Prediction& out, uint32_t classes);
// From the logits of `rows` samples left by mlp_forward.
void write_prediction(const Mlp& mlp, uint32_t rows, const Prediction& out);
// The whole prediction of the caller's samples: checked, loaded (normalised as `format` says),
// forward, written. What trainer_predict and predictor_run both are.
Status predict_samples(Mlp* mlp, const DatasetView& format, const void* norm,
                       const Samples& samples, const Prediction& out);

}  // namespace gct
