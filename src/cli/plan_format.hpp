// Presenting an arena plan as text and as JSON.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "gctrain/trainer.hpp"

namespace gct::cli {

// `predictions_only`: the plan is a predictor's (gctrain plan --predict).
std::string plan_text(const TrainConfig& config, const DataShape& shape, const MemoryPlan& plan,
                      bool predictions_only = false);
// arena_bytes and arena_by_category, added to a JSON object.
void plan_json(nlohmann::ordered_json* json, const MemoryPlan& plan);
std::string layers_string(const LayerSizes& sizes);

}  // namespace gct::cli
