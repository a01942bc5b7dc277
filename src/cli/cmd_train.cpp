// gctrain train: one training run on blob data, evaluated on the test split after every epoch.
#include <fmt/core.h>

#include <memory>

#include "commands.hpp"
#include "gctrain/host/data.hpp"
#include "gctrain/host/json.hpp"
#include "gctrain/host/progress.hpp"
#include "gctrain/host/run.hpp"
#include "gctrain/host/signals.hpp"
#include "options.hpp"
#include "plan_format.hpp"

namespace gct::cli {
namespace {

struct TrainCommand {
  ModelOptions model;
  OptimizerOptions optimizer;
  std::string data;
  uint32_t epochs = 10;
  uint32_t subset = 0;
  bool json = false;
  bool quiet = false;
  std::string checkpoint;
  uint64_t checkpoint_every = 0;
  bool low_memory = false;
  bool resume = false;

  int run() {
    TrainConfig config;
    Status s = make_config(model, optimizer, &config);
    if (!s.ok()) {
      print_error("train", s);
      return kExitUsage;
    }
    host::DataFolder folder;
    s = host::open_data_folder(data, &folder, false, low_memory);
    if (!s.ok()) {
      print_error("train", s);
      return kExitFailure;
    }
    host::install_stop_handlers();
    host::Progress progress(!quiet);
    const OptimizerParams& hp = config.hp;
    progress.println(fmt::format(
        "training {} on {} ({} samples{}), batch {}, {} lr={:g} momentum={:g}{} alpha={:g} "
        "betas=({:g},{:g}) eps={:g} weight_decay={:g}, GC {}, seed {}, {}",
        layers_string(config.layers), data, subset && subset < folder.train.data.count ? subset : folder.train.data.count,
        subset ? " subset" : "", config.batch, optimizer_name(config.optimizer), hp.lr, hp.momentum,
        hp.nesterov ? " nesterov" : "", hp.alpha, hp.beta1, hp.beta2, hp.eps, hp.weight_decay,
        gc_mode_name(config.gc), config.seed, config.scalar == ScalarKind::kFixed ? "fixed point" : "float32"));
    host::RunOptions options;
    options.epochs = epochs;
    options.subset = subset;
    options.stop = &host::stop_requested();
    options.checkpoint_path = checkpoint;
    options.checkpoint_every = checkpoint_every;
    if (low_memory) {
      const DatasetView& view = folder.train.data;
      options.read_rows = [&folder, view](const uint32_t* indices, uint32_t rows, uint8_t* dst) {
        const size_t d = view.sample_size();
        for (uint32_t r = 0; r < rows; ++r) {
          GCT_RETURN_IF_ERROR(folder.train_file.read_at(view.pixels + size_t{indices[r]} * d, d, dst + r * d));
        }
        return Status::Ok();
      };
      options.release_data = [&folder] { folder.test_file.release_pages(); };
    }
    options.resume = resume;
    if (resume && checkpoint.empty()) {
      print_error("train", "--resume needs --checkpoint FILE");
      return kExitUsage;
    }
    options.on_step = [&](const host::RunProgress& p) {
      const double done = (p.epoch - 1 + static_cast<double>(p.step) / p.steps) / p.epochs;
      progress.status(fmt::format("epoch {}/{}  step {}/{}  loss {:.4f}  elapsed {}  eta {}", p.epoch,
                                  p.epochs, p.step, p.steps, p.loss, host::format_duration(p.elapsed),
                                  host::format_duration(p.elapsed / done * (1 - done))));
    };
    options.on_epoch = [&](const host::EpochRecord& r) {
      std::string line = fmt::format("epoch {:>3}  train loss {:.4f}  {:.1f} s", r.epoch, r.train_loss, r.seconds);
      if (r.test.count) {
        line += fmt::format("  | test loss {:.4f}  top-1 {:.2f}%  top-5 {:.2f}%", r.test.loss(),
                            100 * r.test.top1_acc(), 100 * r.test.top5_acc());
        if (r.test.has_coarse) line += fmt::format("  superclass {:.2f}%", 100 * r.test.coarse_top1_acc());
      }
      progress.println(line);
    };
    host::RunResult result;
    s = host::run_training(config, folder.train.data, folder.has_test ? &folder.test.data : nullptr,
                           options, &result);
    progress.finish();
    if (!s.ok()) {
      print_error("train", s);
      if (s.code() == Code::kNumericalError && !checkpoint.empty()) {
        fmt::print(stderr, "gctrain train: the last good checkpoint is kept in {}\n", checkpoint);
      }
      return kExitFailure;
    }
    const double steps_per_second = result.steps_run / result.steps_seconds;
    const host::EpochRecord* last = result.epochs.empty() ? nullptr : &result.epochs.back();
    if (json) {
      host::JsonWriter j;
      j.begin_object();
      j.field("layers", layers_string(config.layers));
      j.field("optimizer", optimizer_name(config.optimizer));
      j.field("scalar", scalar_name(config.scalar));
      j.field("gc", gc_mode_name(config.gc));
      j.field("lr", static_cast<double>(hp.lr));
      j.field("batch", config.batch);
      j.field("seed", static_cast<uint64_t>(config.seed));
      j.field("epochs", static_cast<uint64_t>(result.epochs.size()));
      j.field("train_samples", result.train_samples);
      j.field("top1", last && last->test.count ? last->test.top1_acc() : NAN);
      j.field("top5", last && last->test.count ? last->test.top5_acc() : NAN);
      j.field("coarse_top1", last && last->test.has_coarse ? last->test.coarse_top1_acc() : NAN);
      j.field("test_loss", last && last->test.count ? last->test.loss() : NAN);
      j.field("elementwise_acc", last && last->test.count ? last->test.elementwise_acc() : NAN);
      j.field("final_train_loss", last ? last->train_loss : NAN);
      j.field("train_seconds", result.train_seconds);
      j.field("steps_per_second", result.steps_run ? steps_per_second : NAN);
      j.field("interrupted", result.interrupted);
      j.field("resumed", result.resumed);
      j.field("resumed_from_step", result.resumed_from_step);
      j.field("checkpoints_written", result.checkpoints_written);
      j.field("parameters_crc32", result.parameters_crc32);
      if (config.scalar == ScalarKind::kFixed) j.field("saturated_parameters_max", result.saturated_max);
      plan_json(&j, result.plan);
      j.end_object();
      fmt::print("{}\n", j.str());
    } else {
      fmt::print("arena {} bytes; {} epochs in {:.1f} s ({:.1f} steps/s, {:.0f} samples/s)\n",
                 result.arena_bytes, result.epochs.size(), result.train_seconds, steps_per_second,
                 steps_per_second * config.batch);
      if (last && last->test.count) {
        fmt::print("test: top-1 {:.2f}%  top-5 {:.2f}%  superclass top-1 {}  loss {:.4f}\n",
                   100 * last->test.top1_acc(), 100 * last->test.top5_acc(),
                   last->test.has_coarse ? fmt::format("{:.2f}%", 100 * last->test.coarse_top1_acc()) : "n/a",
                   last->test.loss());
      }
    }
    if (result.saturated_max > 0) {
      fmt::print(stderr,
                 "gctrain train: warning: up to {} parameters sat at the fixed-point limit (+-8), first after "
                 "step {}; the update saturated instead of overflowing, but the learning rate is likely too high\n",
                 result.saturated_max, result.first_saturated_step);
    }
    if (result.interrupted) {
      fmt::print(stderr, "gctrain train: interrupted after {} complete epochs\n", result.epochs.size());
      return kExitStopped;
    }
    return 0;
  }
};

}  // namespace

Runner add_train_command(CLI::App* app) {
  auto cmd = std::make_shared<TrainCommand>();
  CLI::App* sub = app->add_subcommand("train", "train one model on blob data (see cifar2blob)");
  sub->add_option("--data", cmd->data, "folder holding train.blob and test.blob")->required()->check(not_empty());
  cmd->model.add_to(sub);
  cmd->optimizer.add_to(sub);
  sub->add_option("--epochs", cmd->epochs, "epochs")->check(from_to(1, 100000))->capture_default_str();
  sub->add_option("--subset", cmd->subset, "use only the first N training samples")->check(at_least(1));
  sub->add_flag("--json", cmd->json, "print the final metrics as one JSON object on stdout");
  sub->add_option("--checkpoint", cmd->checkpoint,
                  "checkpoint file: written atomically after every epoch, every --checkpoint-every steps and on Ctrl-C")
      ->check(not_empty());
  sub->add_option("--checkpoint-every", cmd->checkpoint_every, "also checkpoint every N steps")->check(at_least(1));
  sub->add_flag("--low-memory", cmd->low_memory,
                "keep the data set out of resident memory: read each batch's samples with pread, "
                "evaluate in slices releasing their pages (results are identical)");
  sub->add_flag("--resume", cmd->resume, "continue from --checkpoint (same configuration and data)");
  sub->add_flag("-q,--quiet", cmd->quiet, "no progress output");
  return [cmd] { return cmd->run(); };
}

}  // namespace gct::cli
