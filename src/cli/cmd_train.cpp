// gctrain train: one training run on blob data, evaluated on the test split after every epoch.
#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <sys/stat.h>

#include <cmath>
#include <initializer_list>
#include <memory>
#include <utility>

#include "commands.hpp"
#include "host/data.hpp"
#include "host/mapped_file.hpp"
#include "host/model_file.hpp"
#include "host/progress.hpp"
#include "host/resources.hpp"
#include "host/run.hpp"
#include "host/signals.hpp"
#include "host/study.hpp"
#include "options.hpp"
#include "plan_format.hpp"

namespace gct::cli {
namespace {

struct TrainCommand {
  ModelOptions model;
  OptimizerOptions optimizer;
  RecipeOptions recipe;
  std::string from_model;
  std::string save_model;
  std::string data;
  uint32_t epochs = 10;
  uint32_t subset = 0;
  bool json = false;
  bool quiet = false;
  std::string checkpoint;
  uint64_t checkpoint_every = 0;
  bool low_memory = false;
  bool resume = false;
  bool no_test = false;
  bool ignore_memory_limit = false;

  // An output written over an input (the data, the model fine-tuned) would destroy it.
  static Status check_output_is_not_input(const char* option, const std::string& out,
                                          std::initializer_list<std::pair<const char*, const host::MappedFile*>> inputs) {
    if (out.empty()) return Status::Ok();
    for (const auto& [kind, f] : inputs) {
      if (!f->path().empty() && host::same_file(out, f->path())) {
        return Status::Error(Code::kInvalidArgument, "%s %s is the %s file %s; choose another path", option,
                             out.c_str(), kind, f->path().c_str());
      }
    }
    return Status::Ok();
  }

  // The model fine-tuned decides the layers and arithmetic unless they are given.
  void take_model_shape(const host::ModelFile& base) {
    if (model.layers_opt->count() == 0 && model.net_opt->count() == 0) model.layers = host::layers_text(base.view.layers);
    if (model.scalar_opt->count() == 0) model.scalar = scalar_name(base.view.scalar);
  }

  static std::string schedule_text(const Schedule& s) {
    if (s.kind == ScheduleKind::kConstant) {
      return s.warmup_steps ? fmt::format("constant after {} steps of warm-up", s.warmup_steps) : "constant";
    }
    return fmt::format("{} over {} steps, {} of warm-up", schedule_name(s.kind), s.total_steps, s.warmup_steps);
  }

  static std::string hyperparameter_change_text(const OptimizerParams& a, const OptimizerParams& b,
                                                const Schedule& sa, const Schedule& sb) {
    std::string out;
    auto add = [&](const char* name, double x, double y) {
      if (x != y) out += fmt::format("{}{} {:g} -> {:g}", out.empty() ? "" : ", ", name, x, y);
    };
    add("lr", a.lr, b.lr);
    add("momentum", a.momentum, b.momentum);
    add("nesterov", a.nesterov, b.nesterov);
    add("alpha", a.alpha, b.alpha);
    add("beta1", a.beta1, b.beta1);
    add("beta2", a.beta2, b.beta2);
    add("eps", a.eps, b.eps);
    add("initial accumulator", a.initial_accumulator, b.initial_accumulator);
    add("weight decay", a.weight_decay, b.weight_decay);
    if (sa.kind != sb.kind || sa.warmup_steps != sb.warmup_steps || sa.total_steps != sb.total_steps) {
      out += fmt::format("{}schedule {} -> {}", out.empty() ? "" : ", ", schedule_text(sa), schedule_text(sb));
    }
    return out;
  }

  // Samples trained on: the training split less the validation samples, or the subset of them.
  uint32_t train_count(uint32_t in_split) const {
    const uint32_t fit = recipe.validation < in_split ? in_split - recipe.validation : 0;
    return subset && subset < fit ? subset : fit;
  }

  std::string recipe_text(const TrainConfig& config) const {
    std::string out;
    if (config.schedule.kind != ScheduleKind::kConstant || recipe.warmup > 0) {
      out += fmt::format(", {} schedule", schedule_name(config.schedule.kind));
      if (recipe.warmup > 0) out += fmt::format(" after {} warm-up epochs", recipe.warmup);
    }
    if (config.augment != kAugmentNone) out += fmt::format(", augmentation {}", augment_name(config.augment));
    if (recipe.validation > 0) out += fmt::format(", {} samples held out for validation", recipe.validation);
    return out;
  }

  void print_json(const TrainConfig& config, const host::RunResult& result) const {
    const OptimizerParams& hp = config.hp;
    const host::EpochRecord* last = result.epochs.empty() ? nullptr : &result.epochs.back();
    const bool tested = last && last->test.count;
    nlohmann::ordered_json j;
    j["layers"] = layers_string(config.layers);
    j["optimizer"] = optimizer_name(config.optimizer);
    j["scalar"] = scalar_name(config.scalar);
    j["gc"] = gc_mode_name(config.gc);
    j["init"] = init_name(config.init);
    j["lr"] = static_cast<double>(hp.lr);
    j["schedule"] = schedule_name(config.schedule.kind);
    j["warmup_epochs"] = recipe.warmup;
    j["augment"] = augment_name(config.augment);
    j["final_lr"] = last ? static_cast<double>(last->lr) : NAN;
    j["batch"] = config.batch;
    j["seed"] = static_cast<uint64_t>(config.seed);
    j["epochs"] = static_cast<uint64_t>(result.epochs_completed);  // of the whole run
    j["train_samples"] = result.train_samples;
    j["validation_samples"] = result.validation_samples;
    const bool validated = last && last->validation.count;
    j["val_top1"] = validated ? last->validation.top1_acc() : NAN;
    j["val_loss"] = validated ? last->validation.loss() : NAN;
    j["top1"] = tested ? last->test.top1_acc() : NAN;
    j["top5"] = tested ? last->test.top5_acc() : NAN;
    j["coarse_top1"] = last && last->test.has_coarse ? last->test.coarse_top1_acc() : NAN;
    j["test_loss"] = tested ? last->test.loss() : NAN;
    j["elementwise_acc"] = tested ? last->test.elementwise_acc() : NAN;
    j["final_train_loss"] = last ? last->train_loss : NAN;
    j["train_seconds"] = result.train_seconds;
    j["steps_per_second"] = result.steps_run ? result.steps_run / result.steps_seconds : NAN;
    j["interrupted"] = result.interrupted;
    j["resumed"] = result.resumed;
    j["resumed_from_step"] = result.resumed_from_step;
    j["hyperparameter_changes"] = static_cast<uint64_t>(result.hyperparameter_changes);
    j["hyperparameters_changed_at_step"] = result.hyperparameters_changed_at_step;
    j["checkpoints_written"] = result.checkpoints_written;
    j["parameters_crc32"] = result.parameters_crc32;
    j["freeze"] = static_cast<uint64_t>(config.freeze);
    if (!from_model.empty()) j["from_model"] = from_model;
    if (result.model_saved) j["model"] = save_model;
    j["float_kernels"] = mlp_float_kernels();
    j["build"] = host::build_description();
    if (config.scalar == ScalarKind::kFixed) j["saturated_parameters_max"] = result.saturated_max;
    plan_json(&j, result.plan);
    fmt::print("{}\n", j.dump());
  }

  void print_text(const TrainConfig& config, const host::RunResult& result) const {
    const host::EpochRecord* last = result.epochs.empty() ? nullptr : &result.epochs.back();
    if (result.steps_run > 0) {
      const double steps_per_second = result.steps_run / result.steps_seconds;
      fmt::print("arena {} bytes; {} epochs in {:.1f} s ({:.1f} steps/s, {:.0f} samples/s)\n", result.arena_bytes,
                 result.epochs_completed, result.train_seconds, steps_per_second, steps_per_second * config.batch);
    } else {
      fmt::print("arena {} bytes; {} epochs, all finished before this resume (no step run)\n", result.arena_bytes,
                 result.epochs_completed);
    }
    if (last && last->test.count) {
      fmt::print("test: top-1 {:.2f}%  top-5 {:.2f}%  superclass top-1 {}  loss {:.4f}\n",
                 100 * last->test.top1_acc(), 100 * last->test.top5_acc(),
                 last->test.has_coarse ? fmt::format("{:.2f}%", 100 * last->test.coarse_top1_acc()) : "n/a",
                 last->test.loss());
    }
    if (last && last->validation.count) {
      fmt::print("validation ({} samples): top-1 {:.2f}%  loss {:.4f}\n", last->validation.count,
                 100 * last->validation.top1_acc(), last->validation.loss());
    }
    if (result.model_saved) {
      fmt::print("model: {} ({} bytes)\n", save_model, model_file_size(config.layers));
    }
  }

  // The outputs must not replace an input or a file that is not ours.
  Status check_outputs(const host::DataFolder& folder, const host::ModelFile& base) const {
    Status s;
    for (const auto& [option, path] : {std::pair{"--checkpoint", &checkpoint}, std::pair{"--save-model", &save_model}}) {
      if (s.ok()) {
        s = check_output_is_not_input(option, *path,
                                      {{"data", &folder.train_file}, {"data", &folder.test_file}, {"model", &base.file}});
      }
    }
    if (s.ok() && !save_model.empty()) s = host::check_ours_to_overwrite(save_model, "GCTMODEL", "a model file");
    // Compared as files, not strings ("ck" and "./ck"), and before training: found when the model is
    // written, the whole run would be lost.
    if (s.ok() && !save_model.empty() && !checkpoint.empty()) {
      if (host::same_file(save_model, checkpoint)) {
        s = Status::Error(Code::kInvalidArgument, "--save-model %s and --checkpoint %s are the same file; choose "
                          "another path for one of them", save_model.c_str(), checkpoint.c_str());
      } else if (host::same_file(save_model, checkpoint + ".lock")) {
        s = Status::Error(Code::kInvalidArgument, "--save-model %s is the lock file of --checkpoint %s, removed when "
                          "the run ends; choose another path", save_model.c_str(), checkpoint.c_str());
      }
    }
    return s;
  }

  std::string start_text(const TrainConfig& config, const host::DataFolder& folder, const host::ModelFile& base) const {
    const OptimizerParams& hp = config.hp;
    return fmt::format(
        "training {} on {} ({} samples{}), batch {}, {} lr={:g} momentum={:g}{} alpha={:g} "
        "betas=({:g},{:g}) eps={:g} weight_decay={:g}, GC {}, seed {}, {}, {}{}",
        layers_string(config.layers), data, train_count(folder.train.data.count),
        subset ? " subset" : "", config.batch, optimizer_name(config.optimizer), hp.lr, hp.momentum,
        hp.nesterov ? " nesterov" : "", hp.alpha, hp.beta1, hp.beta2, hp.eps, hp.weight_decay,
        gc_mode_name(config.gc), config.seed, config.scalar == ScalarKind::kFixed ? "fixed point" : "float32",
        from_model.empty() ? init_name(config.init) + std::string(" initialisation")
                           : "weights from " + from_model + " (" + host::model_summary(base.view) + ")",
        recipe_text(config) + (config.freeze ? fmt::format(", first {} layers frozen", config.freeze) : ""));
  }

  host::RunOptions run_options(host::DataFolder& folder, const host::ModelFile& base, host::Progress& progress) const {
    host::RunOptions options;
    options.epochs = epochs;
    options.subset = subset;
    options.validation = recipe.validation;
    options.warmup_epochs = recipe.warmup;
    options.stop = &host::stop_requested();
    options.checkpoint_path = checkpoint;
    options.checkpoint_every = checkpoint_every;
    options.new_hyperparameters = resume;  // reported when they differ from the checkpoint's
    options.resume = resume;
    options.train_fingerprint = folder.train_fingerprint;
    options.test_fingerprint = folder.test_fingerprint;
    options.check_memory = !ignore_memory_limit;
    options.save_model_path = save_model;
    if (!from_model.empty()) {
      options.from_model = &base.view;
      options.from_model_fingerprint = base.view.fingerprint;
    }
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
    // Called every step: the line is formatted only when it is shown, into a buffer on the stack, so
    // that the training loop allocates nothing (tests/train_alloc_test.sh counts).
    options.on_step = [&progress](const host::RunProgress& p) {
      if (!progress.status_due()) return;
      const double done = (p.epoch - 1 + static_cast<double>(p.step) / p.steps) / p.epochs;
      char line[256], elapsed[32], eta[32];
      const auto end = fmt::format_to_n(line, sizeof line - 1, "epoch {}/{}  step {}/{}  loss {:.4f}  elapsed {}  eta {}",
                                        p.epoch, p.epochs, p.step, p.steps, p.loss,
                                        host::format_duration(p.elapsed, elapsed, sizeof elapsed),
                                        host::format_duration(p.elapsed / done * (1 - done), eta, sizeof eta));
      *end.out = '\0';
      progress.status(line);
    };
    // Once per epoch, also into a fixed buffer: the line's length varies with its figures, and a
    // string's growth with it would make the allocations of two runs differ by chance.
    options.on_epoch = [&progress](const host::EpochRecord& r) {
      char line[512];
      char* out = fmt::format_to_n(line, sizeof line - 1, "epoch {:>3}  train loss {:.4f}  {:.1f} s", r.epoch,
                                   r.train_loss, r.seconds).out;
      const char* end = line + sizeof line - 1;
      if (r.test.count) {
        out = fmt::format_to_n(out, static_cast<size_t>(end - out), "  | test loss {:.4f}  top-1 {:.2f}%  top-5 {:.2f}%",
                               r.test.loss(), 100 * r.test.top1_acc(), 100 * r.test.top5_acc()).out;
        if (r.test.has_coarse) {
          out = fmt::format_to_n(out, static_cast<size_t>(end - out), "  superclass {:.2f}%", 100 * r.test.coarse_top1_acc()).out;
        }
      }
      if (r.validation.count) {
        out = fmt::format_to_n(out, static_cast<size_t>(end - out), "  | val top-1 {:.2f}%", 100 * r.validation.top1_acc()).out;
      }
      *out = '\0';
      progress.println(line);
    };
    return options;
  }

  // The run's outcome: the result, the notices that go with it, and the exit code.
  int report(const TrainConfig& config, const host::RunResult& result, const Status& s) const {
    if (!s.ok()) {
      print_error("train", s);
      if (result.diverged_at_step > 0 && !checkpoint.empty()) {
        fmt::print(stderr,
                   "gctrain train: the last checkpoint written before the divergence is kept in {}; continue from it "
                   "with a lower learning rate: --resume --lr X\n",
                   checkpoint);
      }
      return kExitFailure;
    }
    if (result.hyperparameters_changed_now) {
      fmt::print(stderr, "gctrain train: resumed at step {} with new hyper-parameters: {}\n",
                 result.hyperparameters_changed_at_step,
                 hyperparameter_change_text(result.hyperparameters_before, config.hp, result.schedule_before,
                                            result.config.schedule));
    }
    if (json) {
      print_json(config, result);
    } else {
      print_text(config, result);
    }
    if (!stdout_ok("train")) return kExitFailure;
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

  int run() {
    host::ModelFile base;
    if (!from_model.empty()) {
      const Status s = host::open_model_file(from_model, &base);
      if (!s.ok()) {
        print_error("train", s);
        return kExitFailure;
      }
      take_model_shape(base);
    }
    TrainConfig config;
    Status s = make_config(model, optimizer, &config);
    if (s.ok()) s = recipe.apply(&config);
    if (!s.ok()) {
      print_error("train", s);
      return kExitUsage;
    }
    host::DataFolder folder;
    s = host::open_data_folder(data, &folder, !no_test, low_memory);
    if (s.ok()) s = check_outputs(folder, base);
    if (!s.ok()) {
      print_error("train", s);
      return kExitFailure;
    }
    if (resume && checkpoint.empty()) {
      print_error("train", "--resume needs --checkpoint FILE");
      return kExitUsage;
    }
    host::install_stop_handlers();
    host::install_bus_error_handler();
    host::Progress progress(!quiet);
    progress.println(start_text(config, folder, base));
    host::RunResult result;
    s = host::run_training(config, folder.train.data, folder.has_test ? &folder.test.data : nullptr,
                           run_options(folder, base, progress), &result);
    progress.finish();
    return report(config, result, s);
  }
};

}  // namespace

Runner add_train_command(CLI::App* app) {
  auto cmd = std::make_shared<TrainCommand>();
  CLI::App* sub = app->add_subcommand("train", "train one model on blob data (see cifar2blob)");
  sub->add_option("--data", cmd->data, "folder holding train.blob and test.blob")->required()->check(not_empty());
  cmd->model.add_to(sub);
  cmd->optimizer.add_to(sub);
  cmd->recipe.add_to(sub);
  cmd->model.add_freeze_to(sub);
  sub->add_option("--from-model", cmd->from_model,
                  "start from this model file's weights and input statistics (fine-tuning; its layers and "
                  "arithmetic unless --layers/--scalar are given)")
      ->check(not_empty());
  sub->add_option("--save-model", cmd->save_model,
                  "write the trained model to this file when the last epoch is done (for gctrain evaluate, export, "
                  "--from-model, or a board)")
      ->check(not_empty());
  sub->add_option("--epochs", cmd->epochs, "epochs")->check(whole_from_to(1, 100000))->capture_default_str();
  sub->add_option("--subset", cmd->subset, "use only the first N training samples")->check(whole_at_least<uint32_t>(1));
  sub->add_flag("--json", cmd->json, "print the final metrics as one JSON object on stdout");
  sub->add_option("--checkpoint", cmd->checkpoint,
                  "checkpoint file: written atomically after every epoch, every --checkpoint-every steps and on Ctrl-C")
      ->check(not_empty());
  sub->add_option("--checkpoint-every", cmd->checkpoint_every, "also checkpoint every N steps")->check(whole_at_least<uint64_t>(1));
  sub->add_flag("--low-memory", cmd->low_memory,
                "keep the data set out of resident memory: read each batch's samples with pread, "
                "evaluate in slices releasing their pages (results are identical)");
  sub->add_flag("--resume", cmd->resume,
                "continue from --checkpoint (same model, data and seed; optimizer hyper-parameters may change, "
                "e.g. a lower --lr after a divergence)");
  sub->add_flag("--no-test", cmd->no_test, "train without a test split (no test metrics; test.blob is not read)");
  sub->add_flag("--ignore-memory-limit", cmd->ignore_memory_limit,
                "allocate the arena even if it is larger than the memory available");
  sub->add_flag("-q,--quiet", cmd->quiet, "no progress output");
  return [cmd] { return cmd->run(); };
}

}  // namespace gct::cli
