#include "options.hpp"

#include <fmt/core.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "host/study.hpp"

namespace gct::cli {

bool stdout_ok(const char* command) {
  if (std::fflush(stdout) == 0 && !std::ferror(stdout)) return true;
  const int err = errno;
  std::fprintf(stderr, "gctrain %s: error: cannot write the output: %s\n", command, std::strerror(err));
  return false;
}

std::string default_layers() { return host::layers_text(default_train_config().layers); }

void ModelOptions::add_to(CLI::App* app) {
  layers_opt = app->add_option("--layers", layers, "layer sizes, input to output, e.g. 3072,512,256,100")
                   ->capture_default_str();
  net_opt = app->add_option("--net", net,
                            "a network with convolutions, read left to right: convKxK:C[/sS] (then ReLU), maxpool2, "
                            "avgpool2, gap, flatten, dense:N, e.g. conv3x3:32,maxpool2,conv3x3:64,maxpool2,dense:256,dense:100")
                ->excludes(layers_opt);
  app->add_option("--image", image, "the images --net reads: channels x height x width (the data's shape)")
      ->capture_default_str()
      ->needs(net_opt);
  app->add_option("--batch", batch, "batch size")->check(whole_from_to(1, 65536))->capture_default_str();
  app->add_option("--threads", threads, "threads for the matrix products (results do not depend on it)")
      ->check(whole_from_to(1, 16))->capture_default_str();
  scalar_opt = app->add_option("--scalar", scalar, "arithmetic of training: float (float32) | fixed (integer fixed point)")
                   ->check(CLI::IsMember({"float", "fixed"}))
                   ->capture_default_str();
  app->add_option("--init", init,
                  "weight initialisation: he-normal | he-uniform | xavier-uniform | torch (PyTorch's Linear default, "
                  "biases too)")
      ->check(CLI::IsMember({"he-normal", "he-uniform", "xavier-uniform", "torch"}))
      ->capture_default_str();
}

void ModelOptions::add_freeze_to(CLI::App* app) {
  app->add_option("--freeze", freeze,
                  "keep the first N weight layers as they are (with --from-model: fine-tune the layers above): no "
                  "gradients, no optimizer state for them")
      ->check(whole_from_to(0, kMaxLayers - 1));
}

void RecipeOptions::add_to(CLI::App* app) {
  app->add_option("--schedule", schedule,
                  "learning-rate schedule: cosine (to zero at the last step) | step (x0.1 at 1/2, x0.01 at 3/4 of the run) | constant")
      ->check(CLI::IsMember({"constant", "step", "cosine"}))
      ->capture_default_str();
  app->add_option("--warmup", warmup, "epochs of linear learning-rate warm-up before the schedule")
      ->check(whole_from_to(0, 100000))->capture_default_str();
  app->add_option("--augment", augment,
                  "augmentation of training batches: none | crop (random crop, 4-pixel zero padding) | flip "
                  "(horizontal) | crop,flip")
      ->check(CLI::IsMember({"none", "crop", "flip", "crop,flip", "flip,crop"}))
      ->capture_default_str();
  app->add_option("--val", validation,
                  "hold out the last N training samples as a validation split (never trained on; scored every epoch)")
      ->check(whole_at_least<uint32_t>(1));
}

Status RecipeOptions::apply(TrainConfig* config) const {
  if (!parse_schedule(schedule.c_str(), &config->schedule.kind)) {
    return Status::Error(Code::kInvalidArgument, "unknown schedule '%s'", schedule.c_str());
  }
  if (!parse_augment(augment.c_str(), &config->augment)) {
    return Status::Error(Code::kInvalidArgument, "unknown augmentation '%s'", augment.c_str());
  }
  return Status::Ok();
}

void OptimizerOptions::add_to(CLI::App* app, bool with_gc_and_seed) {
  app->add_option("--optimizer", optimizer, "sgd | sgdm | adagrad | rmsprop | adam")
      ->check(CLI::IsMember({"sgd", "sgdm", "adagrad", "rmsprop", "adam"}))
      ->capture_default_str();
  if (with_gc_and_seed) {
    app->add_option("--gc", gc, "Gradient Centralization: off | grad (on the gradient) | update (on the update)")
        ->check(CLI::IsMember({"off", "grad", "update"}))
        ->capture_default_str();
    app->add_option("--seed", seed, "seed of weight initialisation and shuffling")
        ->check(whole_at_least<uint64_t>(0))->capture_default_str();
  }
  lr_opt = app->add_option("--lr", lr, "learning rate (default: per optimizer, see README)")
               ->check(greater_than(0));
  momentum_opt = app->add_option("--momentum", momentum, "sgdm momentum (default 0.9)")->check(from_to(0.0, 0.999999));
  nesterov_opt = app->add_flag("--nesterov", nesterov, "Nesterov momentum (sgdm)");
  alpha_opt = app->add_option("--alpha", alpha, "rmsprop smoothing constant (default 0.99)")->check(from_to(0.0, 0.999999));
  beta1_opt = app->add_option("--beta1", beta1, "adam beta1 (default 0.9)")->check(from_to(0.0, 0.999999));
  beta2_opt = app->add_option("--beta2", beta2, "adam beta2 (default 0.999)")->check(from_to(0.0, 0.999999));
  eps_opt = app->add_option("--eps", eps, "epsilon of adagrad/rmsprop/adam")->check(at_least(0));
  initial_accumulator_opt = app->add_option("--initial-accumulator", initial_accumulator,
                                            "adagrad initial accumulator (default 0)")
                                ->check(at_least(0));
  app->add_option("--weight-decay", weight_decay, "L2 weight decay added to the gradient")
      ->check(at_least(0))
      ->capture_default_str();
}

void OptimizerOptions::apply_overrides(OptimizerParams* hp) const {
  if (lr_opt && lr_opt->count()) hp->lr = lr;
  if (momentum_opt && momentum_opt->count()) hp->momentum = momentum;
  if (alpha_opt && alpha_opt->count()) hp->alpha = alpha;
  if (beta1_opt && beta1_opt->count()) hp->beta1 = beta1;
  if (beta2_opt && beta2_opt->count()) hp->beta2 = beta2;
  if (eps_opt && eps_opt->count()) hp->eps = eps;
  if (initial_accumulator_opt && initial_accumulator_opt->count()) hp->initial_accumulator = initial_accumulator;
  hp->nesterov = nesterov;
  hp->weight_decay = weight_decay;
}

Status OptimizerOptions::check_used_by(OptimizerKind kind) const {
  struct Use { const CLI::Option* option; const char* name; bool used; };
  const Use uses[] = {
      {momentum_opt, "--momentum", kind == OptimizerKind::kSgdMomentum},
      {nesterov_opt, "--nesterov", kind == OptimizerKind::kSgdMomentum},
      {alpha_opt, "--alpha", kind == OptimizerKind::kRmsprop},
      {beta1_opt, "--beta1", kind == OptimizerKind::kAdam},
      {beta2_opt, "--beta2", kind == OptimizerKind::kAdam},
      {eps_opt, "--eps", kind == OptimizerKind::kAdagrad || kind == OptimizerKind::kRmsprop || kind == OptimizerKind::kAdam},
      {initial_accumulator_opt, "--initial-accumulator", kind == OptimizerKind::kAdagrad},
  };
  for (const Use& u : uses) {
    if (u.option != nullptr && u.option->count() > 0 && !u.used) {
      return Status::Error(Code::kInvalidArgument, "%s has no effect on %s; leave it out", u.name,
                           optimizer_name(kind));
    }
  }
  return Status::Ok();
}

std::string ModelOptions::layers_or_net() const {
  if (net_opt == nullptr || net_opt->count() == 0) return layers;
  return image + ":" + net;
}

Status make_config(const ModelOptions& model, const OptimizerOptions& opt, TrainConfig* config) {
  TrainConfig c;
  if (model.net_opt != nullptr && model.net_opt->count() > 0 && model.net.empty()) {
    return Status::Error(Code::kInvalidArgument, "--net is empty");
  }
  GCT_RETURN_IF_ERROR(parse_layer_sizes(model.layers_or_net().c_str(), &c.layers));
  c.batch = model.batch;
  c.threads = model.threads;
  if (!parse_scalar(model.scalar.c_str(), &c.scalar)) {
    return Status::Error(Code::kInvalidArgument, "unknown scalar kind '%s'", model.scalar.c_str());
  }
  if (!parse_init(model.init.c_str(), &c.init)) {
    return Status::Error(Code::kInvalidArgument, "unknown initialisation '%s'", model.init.c_str());
  }
  if (!parse_optimizer(opt.optimizer.c_str(), &c.optimizer)) {
    return Status::Error(Code::kInvalidArgument, "unknown optimizer '%s'", opt.optimizer.c_str());
  }
  if (!parse_gc_mode(opt.gc.c_str(), &c.gc)) {
    return Status::Error(Code::kInvalidArgument, "unknown GC mode '%s'", opt.gc.c_str());
  }
  GCT_RETURN_IF_ERROR(opt.check_used_by(c.optimizer));
  c.hp = optimizer_defaults(c.optimizer);
  opt.apply_overrides(&c.hp);
  c.seed = opt.seed;
  c.freeze = static_cast<uint8_t>(model.freeze);
  GCT_RETURN_IF_ERROR(validate_train_config(c));
  *config = c;
  return Status::Ok();
}

void print_error(const char* command, const Status& status) {
  fmt::print(stderr, "gctrain {}: error: {}\n", command, status.message());
}

void print_error(const char* command, const std::string& message) {
  fmt::print(stderr, "gctrain {}: error: {}\n", command, message);
}

}  // namespace gct::cli
