#include "plan_format.hpp"

#include <fmt/core.h>
#include <fmt/format.h>

#include <array>
#include <vector>

#include "gctrain/layout.hpp"

namespace gct::cli {

std::string layers_string(const LayerSizes& sizes) {
  char buf[256];
  format_layer_sizes(sizes, buf, sizeof buf);
  return buf;
}

namespace {

// A layer's name in the table: "dense 512" or "conv3x3:32/s2 maxpool2".
std::string layer_name(const LayerSizes& s, int l) {
  const ConvShape& c = s.conv[l];
  if (!c.is_conv()) return fmt::format("dense {}", s.size[l + 1]);
  static const char* const kPool[] = {"", " maxpool2", " avgpool2", " gap"};
  return fmt::format("conv{}x{}:{}{}{}", c.kernel, c.kernel, c.channels, c.stride > 1 ? fmt::format("/s{}", c.stride) : "",
                     kPool[static_cast<int>(c.pool)]);
}

// The layout's pieces per weight layer (layout.hpp): what each layer costs, the products' working
// memory and the whole-run pieces left out.
std::string per_layer_text(const TrainConfig& config, const DataShape& shape, bool predictions_only) {
  LayoutShape s;
  s.sizes = config.layers.size;
  s.conv = config.layers.conv;
  s.layers = config.layers.num_layers();
  s.batch = config.batch;
  s.threads = config.threads;
  s.scalar = config.scalar;
  s.frozen = config.freeze;
  s.optimizer = config.optimizer;
  s.channels = shape.channels;
  s.train_count = shape.train_count;
  enum { kParams, kGrads, kState, kActs, kColumns };
  std::vector<std::array<size_t, kColumns>> rows(s.layers);
  auto add = [&](Piece p, int l, size_t bytes) {
    if (l < 0 || p == Piece::kInputBatch) return;
    const int layer = p == Piece::kActivations ? l - 1 : l;  // act[l] is weight layer l's output
    const MemCategory c = category_of(p);
    const int column = c == MemCategory::kParameters ? kParams
                       : c == MemCategory::kGradients ? kGrads
                       : c == MemCategory::kOptimizerState ? kState
                                                             : kActs;
    rows[layer][column] += bytes;
  };
  if (predictions_only) {
    walk_predictor_layout(s, add);
  } else {
    walk_trainer_layout(s, add);
  }
  std::string out = fmt::format("  by layer: {:<23} {:>12} {:>12} {:>12} {:>12}\n", "", "parameters", "gradients",
                                "optimizer", "activations");
  for (int l = 0; l < s.layers; ++l) {
    out += fmt::format("    {:>2} {:<28} {:>12L} {:>12L} {:>12L} {:>12L}\n", l + 1, layer_name(config.layers, l),
                       rows[l][kParams], rows[l][kGrads], rows[l][kState], rows[l][kActs]);
  }
  return out;
}

}  // namespace

std::string plan_text(const TrainConfig& config, const DataShape& shape, const MemoryPlan& plan,
                      bool predictions_only) {
  const char* arithmetic =
      config.scalar == ScalarKind::kFixed ? "fixed point (int32 Q formats, int64 second moments)" : "float32";
  std::string out =
      predictions_only
          ? fmt::format("arena plan: predictions only, {} {} ({} parameters, read in place from the model file), "
                        "batch {}, {}\n",
                        config.layers.has_conv() ? "network" : "MLP", layers_string(config.layers),
                        parameter_count(config.layers), config.batch, arithmetic)
          : fmt::format("arena plan: {} {} ({} parameters), batch {}, {}, {}, {} training samples{}\n",
                        config.layers.has_conv() ? "network" : "MLP", layers_string(config.layers),
                        parameter_count(config.layers), config.batch, optimizer_name(config.optimizer), arithmetic, shape.train_count,
                        config.freeze ? fmt::format(", first {} layers frozen", config.freeze) : "");
  for (int c = 0; c < static_cast<int>(MemCategory::kCount); ++c) {
    out += fmt::format("  {:<16} {:>14L} bytes\n", mem_category_name(static_cast<MemCategory>(c)),
                       plan.by_category[c]);
  }
  out += fmt::format("  {:<16} {:>14L} bytes ({:.2f} MiB), every buffer of {} included\n", "total", plan.total,
                     static_cast<double>(plan.total) / (1024.0 * 1024.0), predictions_only ? "a prediction" : "training");
  return out + per_layer_text(config, shape, predictions_only);
}

void plan_json(nlohmann::ordered_json* json, const MemoryPlan& plan) {
  (*json)["arena_bytes"] = static_cast<uint64_t>(plan.total);
  nlohmann::ordered_json& by = (*json)["arena_by_category"] = nlohmann::ordered_json::object();
  for (int c = 0; c < static_cast<int>(MemCategory::kCount); ++c) {
    by[mem_category_name(static_cast<MemCategory>(c))] = static_cast<uint64_t>(plan.by_category[c]);
  }
}

}  // namespace gct::cli
