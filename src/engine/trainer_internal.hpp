// Trainer internals that gctrain's own tests and the firmware's bench mode reach; not part of the API.
#pragma once

#include <cstdint>

#include "gctrain/model.hpp"
#include "gctrain/trainer.hpp"

namespace gct {

// What a counting arena recorded: the total and the bytes per category (trainer and predictor plans).
MemoryPlan memory_plan_of(const Arena& counting);

// Ok if t was set up by trainer_setup (and not since reset); otherwise an error naming `call`, so a
// default-constructed or failed trainer is refused before anything reads its empty layout.
Status check_trainer(const Trainer* t, const char* call);

// A model's layers against the samples it reads (network and format each valid, the first
// convolution's image the format's, sizes and classes agreeing): model_open checks a file with it,
// predictor_setup a view made by hand.
Status model_layers_fit_format(const LayerSizes& layers, const DatasetView& format);
// The same for a view, and every layer's tensors present: what a view model_open filled has, and a
// hand-made one must have before a predictor or a trainer reads it.
Status check_model_view(const ModelView& model);

// Normalises `rows` samples of `data` (by index, or consecutive from `first` when indices is null)
// into the model's input, without augmentation.
void trainer_load_batch(Trainer* t, const DatasetView& data, const uint32_t* indices, uint32_t first,
                        uint32_t rows);

}  // namespace gct
