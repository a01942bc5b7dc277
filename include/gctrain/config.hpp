// Configuration of a training run: model shape, optimizer, hyper-parameters, GC mode.
//
// Every default lives in optimizer_defaults(); reports print the values actually used.
#pragma once

#include <cstddef>
#include <cstdint>

#include "gctrain/status.hpp"

namespace gct {

// Maximum number of weight layers (so a model has up to kMaxLayers + 1 sizes).
constexpr int kMaxLayers = 8;
// The most values a layer takes or gives per sample (a convolution's before pooling too), and the
// most filters a convolution has. The same bounds hold for --net, a LayerSizes made by hand and one
// read from a file, so that every per-sample size fits 32 bits with room to multiply by a batch.
constexpr uint32_t kMaxLayerWidth = 1u << 24;
constexpr uint32_t kMaxConvChannels = 4096;

// What follows a convolution's ReLU: nothing, 2x2 windows of stride 2 (an odd last row or column
// is dropped, as PyTorch's floor mode does), or the mean of each channel (global average pooling).
enum class PoolKind : uint8_t { kNone = 0, kMax2, kAvg2, kGlobalAvg };

// The geometry of a convolutional weight layer; channels == 0 marks a dense one. Its input and
// output are planar images, one channel after another (PyTorch's NCHW, per sample), so a dense
// layer above reads the output flattened in PyTorch's order. Its weights are [channels x fan_in()],
// each row a filter over (input channel, kernel row, kernel column): PyTorch's [C_out, C_in, k, k].
struct ConvShape {
  uint16_t in_channels = 0, in_height = 0, in_width = 0;
  uint16_t channels = 0;  // output channels (filters)
  uint8_t kernel = 0, stride = 0, pad = 0;  // all zero for a dense layer
  PoolKind pool = PoolKind::kNone;

  constexpr bool is_conv() const { return channels != 0; }
  constexpr uint32_t fan_in() const { return uint32_t{in_channels} * kernel * kernel; }
  constexpr uint32_t inputs() const { return uint32_t{in_channels} * in_height * in_width; }
  constexpr uint32_t conv_height() const { return (uint32_t{in_height} + 2u * pad - kernel) / stride + 1; }
  constexpr uint32_t conv_width() const { return (uint32_t{in_width} + 2u * pad - kernel) / stride + 1; }
  constexpr uint32_t conv_pixels() const { return conv_height() * conv_width(); }
  // Values per sample before pooling (after the ReLU).
  constexpr uint32_t conv_outputs() const { return uint32_t{channels} * conv_pixels(); }
  constexpr uint32_t out_height() const {
    return pool == PoolKind::kNone ? conv_height() : pool == PoolKind::kGlobalAvg ? 1 : conv_height() / 2;
  }
  constexpr uint32_t out_width() const {
    return pool == PoolKind::kNone ? conv_width() : pool == PoolKind::kGlobalAvg ? 1 : conv_width() / 2;
  }
  constexpr uint32_t outputs() const { return uint32_t{channels} * out_height() * out_width(); }
};

// A model's layers: size[l] values enter weight layer l and size[l + 1] leave it (after its ReLU
// and pooling), per sample. Weight layer l is dense unless conv[l].is_conv().
struct LayerSizes {
  uint32_t size[kMaxLayers + 1] = {};
  int count = 0;  // number of sizes, >= 2; the model has count - 1 weight layers
  ConvShape conv[kMaxLayers];
  int num_layers() const { return count - 1; }
  uint32_t input() const { return size[0]; }
  uint32_t output() const { return size[count - 1]; }
  bool has_conv() const {
    for (int l = 0; l + 1 < count; ++l) {
      if (conv[l].is_conv()) return true;
    }
    return false;
  }
  // Weight layer l's parameters: a [rows x cols] matrix and `rows` biases. GC centres each row.
  uint32_t weight_rows(int l) const { return conv[l].is_conv() ? conv[l].channels : size[l + 1]; }
  uint32_t weight_cols(int l) const { return conv[l].is_conv() ? conv[l].fan_in() : size[l]; }
};

// Parses "3072,512,256,100", or a network with its input image, "CxHxW:SPEC" (SPEC as parse_net
// reads it). Fails on empty fields, zero, non-digits or too many layers.
Status parse_layer_sizes(const char* text, LayerSizes* out);
// Writes "3072-512-256-100" into buf (always NUL-terminated); a network with convolutions as
// "CxHxW:SPEC", which parse_layer_sizes reads back.
void format_layer_sizes(const LayerSizes& sizes, char* buf, size_t buf_size);

// Parses a network over planar images of channels x height x width, read left to right:
//   convKxK:C[/sS]  convolution with C filters of K x K, stride S (default 1), zero padding K/2,
//                   then ReLU
//   maxpool2, avgpool2, gap   2x2 pooling (stride 2) or global average pooling of the convolution
//                   before it (one pooling per convolution)
//   flatten         optional: a dense layer reads the image flattened anyway
//   dense:N         fully connected, N outputs, ReLU except for the last layer, which gives the
//                   classes' logits
// e.g. "conv3x3:32,maxpool2,conv3x3:64,maxpool2,dense:256,dense:100". The last layer must be dense.
Status parse_net(const char* text, uint32_t channels, uint32_t height, uint32_t width, LayerSizes* out);
// Checks a LayerSizes made by hand or read from a file as parse_net checks its text: widths in
// 1..kMaxLayerWidth, and every convolution one the grammar can write (padding K/2, kernel, stride,
// filters and pooling in range), reading the image or the convolution below it, with sizes that
// agree with its geometry. Products of the geometry are taken in 64 bits before any is used.
Status validate_net(const LayerSizes& sizes);
uint64_t parameter_count(const LayerSizes& sizes);

enum class OptimizerKind : uint8_t { kSgd = 0, kSgdMomentum, kAdagrad, kRmsprop, kAdam };
constexpr int kNumOptimizers = 5;

// The state an optimizer keeps per parameter, in either arithmetic: a first moment (SGDM's momentum
// buffer, Adam's m) and a second (Adagrad's sum of squares, RMSProp's and Adam's mean of squares).
struct OptimizerStateKept {
  bool first = false;
  bool second = false;
  constexpr int tensors() const { return (first ? 1 : 0) + (second ? 1 : 0); }
};
constexpr OptimizerStateKept optimizer_state_kept(OptimizerKind k) {
  return {k == OptimizerKind::kSgdMomentum || k == OptimizerKind::kAdam,
          k == OptimizerKind::kAdagrad || k == OptimizerKind::kRmsprop || k == OptimizerKind::kAdam};
}

enum class GcMode : uint8_t {
  kOff = 0,
  kGrad,    // centralise the gradient (after weight decay, before the state update): the paper's GC
  kUpdate,  // centralise the final update row-wise: the authors' variant for adaptive methods
};

// Arithmetic of the training step: float32, or integer fixed point (formats in docs/design.md, "Fixed point").
enum class ScalarKind : uint8_t { kFloat = 0, kFixed = 1 };

// How weights (and, for kTorch, biases) are drawn at setup; every other bias starts at zero.
enum class InitScheme : uint8_t {
  kHeNormal = 0,   // W ~ N(0, 2 / fan_in)
  kHeUniform,      // W ~ U(+-sqrt(6 / fan_in))
  kXavierUniform,  // W ~ U(+-sqrt(6 / (fan_in + fan_out)))
  kTorch,          // PyTorch's nn.Linear default: W and b ~ U(+-1 / sqrt(fan_in))
};

// Learning-rate schedule over the run's steps. The factor applied to hp.lr is computed in integers
// (schedule_factor_q30), so fixed point trains with the same rates on every target.
enum class ScheduleKind : uint8_t {
  kConstant = 0,
  kStep,    // x0.1 after half of the steps that follow the warm-up, x0.01 after three quarters
  kCosine,  // 0.5 * (1 + cos(pi * d / D)) over the D steps that follow the warm-up
};
struct Schedule {
  ScheduleKind kind = ScheduleKind::kConstant;
  uint32_t warmup_steps = 0;  // linear ramp: step t (0-based) of the warm-up uses lr * (t + 1) / warmup
  uint32_t total_steps = 0;   // the run's length in steps; step and cosine need it > warmup_steps
};

// Data augmentation of training batches (never of evaluation), done on the uint8 pixels while a
// batch is loaded: a random crop of the image padded by kAugmentPad zero bytes on every side, then a
// horizontal flip with probability 1/2. The draws depend only on seed, epoch and position in the
// epoch, so a resumed run and a run with another GC mode see the same augmented samples.
enum AugmentFlags : uint8_t { kAugmentNone = 0, kAugmentCrop = 1, kAugmentFlip = 2 };
constexpr uint32_t kAugmentPad = 4;

struct OptimizerParams {
  float lr = 0.01f;
  float momentum = 0.9f;        // SGDM
  bool nesterov = false;        // SGDM
  float alpha = 0.99f;          // RMSProp smoothing constant (PyTorch's name)
  float beta1 = 0.9f;           // Adam
  float beta2 = 0.999f;         // Adam
  float eps = 1e-8f;            // Adagrad 1e-10, others 1e-8 (PyTorch)
  float initial_accumulator = 0.0f;  // Adagrad
  float weight_decay = 0.0f;    // L2, added to the gradient of every parameter (PyTorch semantics)
};

// PyTorch's conventions; see README "Optimizers" for the reasoning behind each learning rate.
OptimizerParams optimizer_defaults(OptimizerKind kind);

const char* optimizer_name(OptimizerKind kind);  // "sgd", "sgdm", "adagrad", "rmsprop", "adam"
bool parse_optimizer(const char* text, OptimizerKind* out);
const char* gc_mode_name(GcMode mode);           // "off", "grad", "update"
bool parse_gc_mode(const char* text, GcMode* out);
const char* scalar_name(ScalarKind kind);        // "float", "fixed"
bool parse_scalar(const char* text, ScalarKind* out);
const char* init_name(InitScheme scheme);        // "he-normal", "he-uniform", "xavier-uniform", "torch"
bool parse_init(const char* text, InitScheme* out);
const char* schedule_name(ScheduleKind kind);    // "constant", "step", "cosine"
bool parse_schedule(const char* text, ScheduleKind* out);
const char* augment_name(uint8_t flags);         // "none", "crop", "flip", "crop,flip"
bool parse_augment(const char* text, uint8_t* out);  // the names above; "flip,crop" too

struct TrainConfig {
  LayerSizes layers;
  uint32_t batch = 128;
  OptimizerKind optimizer = OptimizerKind::kSgd;
  OptimizerParams hp;
  GcMode gc = GcMode::kOff;
  uint64_t seed = 1;
  // Row blocks each matrix product is split into, run concurrently by a TaskRunner (1..16).
  // Results do not depend on it (see mlp.cpp); the arena holds one packing space per block.
  uint32_t threads = 1;
  ScalarKind scalar = ScalarKind::kFloat;
  // PyTorch's: it scored 2.6-3.4 points of validation top-1 above He-normal for every optimizer
  // (docs/design.md, "Initialisation").
  InitScheme init = InitScheme::kTorch;
  Schedule schedule;
  uint8_t augment = kAugmentNone;  // AugmentFlags
  // Weight layers, from the input, that keep their weights (fine-tuning the layers above): no
  // gradients, no optimizer state, backward stops above them. 0..layers.num_layers() - 1.
  uint8_t freeze = 0;
};

// The schedule's factor for 0-based step `step`, in Q30 (1 << 30 is 1). Integer arithmetic only.
uint32_t schedule_factor_q30(const Schedule& schedule, uint64_t step);
// hp.lr times that factor: the learning rate step `step` uses (exactly hp.lr when the factor is 1).
float scheduled_lr(const TrainConfig& config, uint64_t step);

// A default configuration: 3072-512-256-100, batch 128, SGD with its defaults, GC off.
TrainConfig default_train_config();
Status validate_train_config(const TrainConfig& config);

}  // namespace gct
