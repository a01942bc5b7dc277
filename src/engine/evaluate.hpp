// Loss and accuracy of a model over a whole split: what trainer_evaluate and predictor_evaluate
// share. Private to the engine.
#pragma once

#include "gctrain/dataset.hpp"
#include "gctrain/metrics.hpp"
#include "gctrain/mlp.hpp"
#include "gctrain/status.hpp"

namespace gct {

// `data` must have `format`'s sample shape, layout and classes; it is read mlp->batch rows at a time
// into the model's input (normalised with norm or qnorm) and never changed. A non-finite loss is
// kNumericalError.
Status evaluate_split(Mlp* mlp, const DatasetView& format, const void* norm,
                      const DatasetView& data, EvalResult* result);

}  // namespace gct
