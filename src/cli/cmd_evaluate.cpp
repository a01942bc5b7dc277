// gctrain evaluate: a model file's loss and accuracy on a split of blob data, computed the way a
// board computes it (the predictor, reading the weights in place).
#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdlib>
#include <memory>

#include "commands.hpp"
#include "gctrain/predictor.hpp"
#include "host/data.hpp"
#include "host/mapped_file.hpp"
#include "host/model_file.hpp"
#include "host/aligned_buffer.hpp"
#include "host/atomic_file.hpp"
#include "host/resources.hpp"
#include "options.hpp"
#include "plan_format.hpp"

namespace gct::cli {
namespace {

struct EvaluateCommand {
  std::string model_path;
  std::string data;
  std::string split = "test";
  uint32_t batch = 0;
  bool json = false;
  bool ignore_memory_limit = false;

  void print(const host::ModelFile& model, const EvalResult& r, uint32_t used_batch, const MemoryPlan& plan) const {
    if (json) {
      nlohmann::ordered_json j;
      j["model"] = model_path;
      j["layers"] = layers_string(model.view.layers);
      j["scalar"] = scalar_name(model.view.scalar);
      j["trained_steps"] = model.view.steps;
      j["split"] = split;
      j["samples"] = static_cast<uint64_t>(r.count);
      j["batch"] = used_batch;
      j["top1"] = r.top1_acc();
      j["top5"] = r.top5_acc();
      j["coarse_top1"] = r.has_coarse ? r.coarse_top1_acc() : NAN;
      j["loss"] = r.loss();
      j["elementwise_acc"] = r.elementwise_acc();
      plan_json(&j, plan);
      fmt::print("{}\n", j.dump());
      return;
    }
    fmt::print("model {} ({})\n", model_path, host::model_summary(model.view));
    fmt::print("{} split, {} samples, batch {}: top-1 {:.2f}%  top-5 {:.2f}%  superclass top-1 {}  loss {:.4f}\n",
               split, r.count, used_batch, 100 * r.top1_acc(), 100 * r.top5_acc(),
               r.has_coarse ? fmt::format("{:.2f}%", 100 * r.coarse_top1_acc()) : "n/a", r.loss());
    fmt::print("predictor arena {} bytes (no parameters, gradients or optimizer state: the weights are read in place)\n",
               plan.total);
  }

  int run() {
    // Nothing is written, so a signal may end the process at once - but it must end it: started in
    // the background by a script, SIGINT arrives ignored and a long evaluation would run on.
    host::remove_temporaries_on_signals();
    host::ModelFile model;
    Status s = host::open_model_file(model_path, &model);
    host::DataFolder folder;
    if (s.ok()) s = host::open_data_folder(data, &folder, split == "test");
    if (!s.ok()) {
      print_error("evaluate", s);
      return kExitFailure;
    }
    const DatasetView& view = split == "test" ? folder.test.data : folder.train.data;
    // The training batch by default: fixed point then reproduces the training run's figures exactly.
    const uint32_t used_batch = batch ? batch : model.view.batch;
    MemoryPlan plan;
    s = predictor_plan(model.view, used_batch, &plan);
    // As train: refused with the numbers before allocating, rather than killed by the OOM killer.
    if (s.ok() && !ignore_memory_limit) s = host::check_memory_for(plan.total, "the predictor's arena");
    host::AlignedBuffer arena = s.ok() ? host::allocate_aligned(kArenaAlignment, plan.total) : nullptr;
    if (s.ok() && !arena) {
      s = Status::Error(Code::kArenaTooSmall, "cannot allocate the predictor's %zu-byte arena (batch %u)", plan.total,
                        used_batch);
    }
    Predictor predictor;
    if (s.ok()) s = predictor_setup(&predictor, model.view, used_batch, arena.get(), plan.total);
    EvalResult result;
    if (s.ok()) s = host::guard_mapped_reads([&] { return predictor_evaluate(&predictor, view, &result); });
    if (!s.ok()) {
      // Into a string: a Status holds a bounded message, and the memory check's would be cut short.
      print_error("evaluate", fmt::format("{} on {}/{}.blob: {}", model_path, data, split, s.message()));
      return kExitFailure;
    }
    print(model, result, used_batch, plan);
    return stdout_ok("evaluate") ? 0 : kExitFailure;
  }
};

}  // namespace

Runner add_evaluate_command(CLI::App* app) {
  auto cmd = std::make_shared<EvaluateCommand>();
  CLI::App* sub = app->add_subcommand("evaluate", "loss and accuracy of a model file (train --save-model) on blob data");
  sub->add_option("--model", cmd->model_path, "model file")->required()->check(not_empty());
  sub->add_option("--data", cmd->data, "folder holding train.blob and test.blob")->required()->check(not_empty());
  sub->add_option("--split", cmd->split, "which split to score")->check(CLI::IsMember({"test", "train"}))
      ->capture_default_str();
  sub->add_option("--batch", cmd->batch,
                  "samples per forward pass (default: the model's training batch, which reproduces the training "
                  "run's fixed-point figures exactly)")
      ->check(whole_from_to(1, 65536));
  sub->add_flag("--json", cmd->json, "print the result as one JSON object");
  sub->add_flag("--ignore-memory-limit", cmd->ignore_memory_limit,
                "allocate the arena even if it is larger than the memory available");
  return [cmd] { return cmd->run(); };
}

}  // namespace gct::cli
