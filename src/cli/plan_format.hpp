// Presenting an arena plan as text and as JSON.
#pragma once

#include <string>

#include "host/json.hpp"
#include "gctrain/trainer.hpp"

namespace gct::cli {

// `predictions_only`: the plan is a predictor's (gctrain plan --predict).
std::string plan_text(const TrainConfig& config, const DataShape& shape, const MemoryPlan& plan,
                      bool predictions_only = false);
void plan_json(host::JsonWriter* json, const MemoryPlan& plan);
std::string layers_string(const LayerSizes& sizes);

}  // namespace gct::cli
