#include "plan_format.hpp"

#include <fmt/core.h>
#include <fmt/format.h>

namespace gct::cli {

std::string layers_string(const LayerSizes& sizes) {
  char buf[128];
  format_layer_sizes(sizes, buf, sizeof buf);
  return buf;
}

std::string plan_text(const TrainConfig& config, const DataShape& shape, const MemoryPlan& plan,
                      bool predictions_only) {
  const char* arithmetic =
      config.scalar == ScalarKind::kFixed ? "fixed point (int32 Q formats, int64 second moments)" : "float32";
  std::string out =
      predictions_only
          ? fmt::format("arena plan: predictions only, MLP {} ({} parameters, read in place from the model file), "
                        "batch {}, {}\n",
                        layers_string(config.layers), parameter_count(config.layers), config.batch, arithmetic)
          : fmt::format("arena plan: MLP {} ({} parameters), batch {}, {}, {}, {} training samples{}\n",
                        layers_string(config.layers), parameter_count(config.layers), config.batch,
                        optimizer_name(config.optimizer), arithmetic, shape.train_count,
                        config.freeze ? fmt::format(", first {} layers frozen", config.freeze) : "");
  for (int c = 0; c < static_cast<int>(MemCategory::kCount); ++c) {
    out += fmt::format("  {:<16} {:>14L} bytes\n", mem_category_name(static_cast<MemCategory>(c)),
                       plan.by_category[c]);
  }
  out += fmt::format("  {:<16} {:>14L} bytes ({:.2f} MiB), every buffer of {} included\n", "total", plan.total,
                     static_cast<double>(plan.total) / (1024.0 * 1024.0), predictions_only ? "a prediction" : "training");
  return out;
}

void plan_json(nlohmann::ordered_json* json, const MemoryPlan& plan) {
  (*json)["arena_bytes"] = static_cast<uint64_t>(plan.total);
  nlohmann::ordered_json& by = (*json)["arena_by_category"] = nlohmann::ordered_json::object();
  for (int c = 0; c < static_cast<int>(MemCategory::kCount); ++c) {
    by[mem_category_name(static_cast<MemCategory>(c))] = static_cast<uint64_t>(plan.by_category[c]);
  }
}

}  // namespace gct::cli
