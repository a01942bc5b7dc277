// gctrain plan: the exact arena size of a configuration, before any memory is allocated.
#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <memory>

#include "commands.hpp"
#include "gctrain/predictor.hpp"
#include "host/data.hpp"
#include "options.hpp"
#include "plan_format.hpp"

namespace gct::cli {
namespace {

// What a predictor's plan needs of a model: its layers, arithmetic and channels.
ModelView model_view(const TrainConfig& config, const DataShape& shape) {
  ModelView m;
  m.layers = config.layers;
  m.scalar = config.scalar;
  m.format.channels = shape.channels;
  return m;
}

struct PlanCommand {
  ModelOptions model;
  OptimizerOptions optimizer;
  bool predict = false;
  std::string data;
  uint32_t train_count = 50000;
  uint16_t channels = 3;
  bool json = false;

  int run() {
    TrainConfig config;
    Status s = make_config(model, optimizer, &config);
    if (!s.ok()) {
      print_error("plan", s);
      return kExitUsage;
    }
    DataShape shape;
    host::DataFolder folder;
    if (!data.empty()) {
      s = host::open_data_folder(data, &folder, false);
      if (!s.ok()) {
        print_error("plan", s);
        return kExitFailure;
      }
      shape = data_shape_of(folder.train.data);
      s = check_network_image(config.layers, shape);  // trainer_plan checks it too; a predictor's plan does not
      if (!s.ok()) {
        print_error("plan", s);
        return kExitFailure;
      }
    } else {
      shape.channels = channels;
      shape.sample_size = config.layers.input();
      shape.train_count = train_count;
      shape.num_classes = static_cast<uint16_t>(config.layers.output());
    }
    MemoryPlan plan;
    s = predict ? predictor_plan(model_view(config, shape), config.batch, &plan) : trainer_plan(config, shape, &plan);
    if (!s.ok()) {
      print_error("plan", s);
      return data.empty() ? kExitUsage : kExitFailure;
    }
    if (json) {
      nlohmann::ordered_json j;
      j["layers"] = layers_string(config.layers);
      j["parameters"] = parameter_count(config.layers);
      j["batch"] = config.batch;
      j["optimizer"] = optimizer_name(config.optimizer);
      j["scalar"] = scalar_name(config.scalar);
      j["train_samples"] = shape.train_count;
      j["freeze"] = static_cast<uint64_t>(config.freeze);
      j["predictions_only"] = predict;
      plan_json(&j, plan);
      fmt::print("{}\n", j.dump());
    } else {
      fmt::print("{}", plan_text(config, shape, plan, predict));
    }
    return stdout_ok("plan") ? 0 : kExitFailure;
  }
};

}  // namespace

Runner add_plan_command(CLI::App* app) {
  auto cmd = std::make_shared<PlanCommand>();
  CLI::App* sub = app->add_subcommand("plan", "print the exact arena size of a configuration, by category");
  cmd->model.add_to(sub);
  cmd->optimizer.add_to(sub, false);
  sub->add_option("--data", cmd->data, "take sample shape and count from this blob folder")->check(not_empty());
  sub->add_option("--train-count", cmd->train_count, "training samples (size of the shuffle array)")
      ->capture_default_str()->check(whole_at_least<uint32_t>(1));
  sub->add_option("--channels", cmd->channels, "image channels (size of the normalisation table)")
      ->capture_default_str()->check(whole_from_to(1, 4));
  cmd->model.add_freeze_to(sub);
  sub->add_flag("--predict", cmd->predict,
                "the plan of predictions only (a predictor reading a model file in place: no parameters, "
                "gradients or optimizer state)");
  sub->add_flag("--json", cmd->json, "print the plan as one JSON object");
  return [cmd] { return cmd->run(); };
}

}  // namespace gct::cli
