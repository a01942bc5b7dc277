// Options shared by the subcommands: model shape, optimizer and its hyper-parameters.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

#include "gctrain/config.hpp"
#include "gctrain/status.hpp"
#include "validators.hpp"

namespace gct::cli {

// Exit codes: 0 success, 1 runtime failure (bad data, I/O, divergence), 2 bad usage, 3 a study
// collected with runs missing, 130 stopped by a signal after saving what was finished.
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;
constexpr int kExitIncomplete = 3;
constexpr int kExitStopped = 130;


// "3072,512,256,100": the engine's default model (default_train_config()), as --layers takes it.
std::string default_layers();

struct ModelOptions {
  std::string layers = default_layers();
  uint32_t batch = 128;
  uint32_t threads = 1;
  std::string scalar = "float";
  std::string init = "torch";
  uint32_t freeze = 0;  // weight layers, from the input, that stay as they are
  std::string net;              // --net: a network with convolutions (parse_net's grammar)
  std::string image = "3x32x32";  // --image: the images it reads, CxHxW
  CLI::Option *layers_opt = nullptr, *scalar_opt = nullptr, *net_opt = nullptr;
  // The model as parse_layer_sizes reads it: --layers, or "CxHxW:" and --net.
  std::string layers_or_net() const;
  void add_to(CLI::App* app);
  // --freeze: for fine-tuning (train) and its memory (plan); not in a study.
  void add_freeze_to(CLI::App* app);
};

struct OptimizerOptions {
  std::string optimizer = "sgd";
  std::string gc = "off";
  float lr = 0, momentum = 0, alpha = 0, beta1 = 0, beta2 = 0, eps = 0, weight_decay = 0,
        initial_accumulator = 0;
  bool nesterov = false;
  uint64_t seed = 1;
  CLI::Option *lr_opt = nullptr, *momentum_opt = nullptr, *nesterov_opt = nullptr, *alpha_opt = nullptr,
              *beta1_opt = nullptr, *beta2_opt = nullptr, *eps_opt = nullptr,
              *initial_accumulator_opt = nullptr;
  void add_to(CLI::App* app, bool with_gc_and_seed = true);
  // Applies explicitly given values over the optimizer's defaults.
  void apply_overrides(OptimizerParams* hp) const;
  // Refuses options given on the command line that `kind` does not use.
  Status check_used_by(OptimizerKind kind) const;
};

// How the samples are fed and the rate moves: shared by train and study.
struct RecipeOptions {
  std::string schedule = "cosine";
  uint32_t warmup = 0;  // epochs
  std::string augment = "none";
  uint32_t validation = 0;
  void add_to(CLI::App* app);
  // Sets the schedule's kind and the augmentation in `config` (the schedule's steps are set by the
  // run, from its epochs and samples).
  Status apply(TrainConfig* config) const;
};

// Builds and validates the configuration. Hyper-parameters that the chosen optimizer does not use
// are refused (a silently ignored --momentum would mislead).
Status make_config(const ModelOptions& model, const OptimizerOptions& opt, TrainConfig* config);

// Flushes standard output and reports whether everything printed reached it (a full disk or a closed
// pipe must not pass as success).
bool stdout_ok(const char* command);

// "error: ..." on stderr.
void print_error(const char* command, const Status& status);
void print_error(const char* command, const std::string& message);

}  // namespace gct::cli
