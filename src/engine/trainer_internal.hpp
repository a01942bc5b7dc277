// Trainer internals that gctrain's own tests and the firmware's bench mode reach; not part of the API.
#pragma once

#include <cstdint>

#include "gctrain/trainer.hpp"

namespace gct {

// What a counting arena recorded: the total and the bytes per category (trainer and predictor plans).
MemoryPlan memory_plan_of(const Arena& counting);

// Ok if t was set up by trainer_setup (and not since reset); otherwise an error naming `call`, so a
// default-constructed or failed trainer is refused before anything reads its empty layout.
Status check_trainer(const Trainer* t, const char* call);

// Normalises `rows` samples of `data` (by index, or consecutive from `first` when indices is null)
// into the model's input, without augmentation.
void trainer_load_batch(Trainer* t, const DatasetView& data, const uint32_t* indices, uint32_t first,
                        uint32_t rows);

}  // namespace gct
