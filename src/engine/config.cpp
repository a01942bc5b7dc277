#include "gctrain/config.hpp"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <initializer_list>

#include "arithmetic.hpp"

namespace gct {

// "CxHxW:SPEC": a network with its input image, as format_layer_sizes writes one.
static Status parse_net_with_image(const char* text, LayerSizes* out) {
  uint32_t dim[3] = {};
  const char* p = text;
  for (int i = 0; i < 3; ++i) {
    uint64_t v = 0;
    const char* start = p;
    while (*p >= '0' && *p <= '9' && v <= 65535) v = v * 10 + static_cast<uint64_t>(*p++ - '0');
    if (p == start || v == 0 || v > 65535 || *p != (i < 2 ? 'x' : ':')) {
      return Status::Error(Code::kInvalidArgument, "bad network '%s': expected CxHxW:layers, e.g. 3x32x32:conv3x3:32,dense:100",
                           text);
    }
    dim[i] = static_cast<uint32_t>(v);
    ++p;
  }
  return parse_net(p, dim[0], dim[1], dim[2], out);
}

Status parse_layer_sizes(const char* text, LayerSizes* out) {
  LayerSizes sizes;
  const char* p = text;
  if (p == nullptr || *p == '\0') {
    return Status::Error(Code::kInvalidArgument, "layer sizes are empty");
  }
  if (std::strchr(text, ':') != nullptr) return parse_net_with_image(text, out);
  while (true) {
    if (sizes.count == kMaxLayers + 1) {
      return Status::Error(Code::kInvalidArgument, "too many layers in '%s' (at most %d sizes)",
                           text, kMaxLayers + 1);
    }
    uint64_t value = 0;
    const char* start = p;
    while (*p >= '0' && *p <= '9') {
      value = value * 10 + static_cast<uint64_t>(*p - '0');
      if (value > (1u << 24)) {
        return Status::Error(Code::kInvalidArgument, "a layer size in '%s' is larger than %u", text, 1u << 24);
      }
      ++p;
    }
    if (p == start || value == 0) {
      return Status::Error(Code::kInvalidArgument,
                           "bad layer sizes '%s': expected positive integers separated by commas",
                           text);
    }
    sizes.size[sizes.count++] = static_cast<uint32_t>(value);
    if (*p == '\0') break;
    if (*p != ',') {
      return Status::Error(Code::kInvalidArgument, "bad character '%c' in layer sizes '%s'", *p,
                           text);
    }
    ++p;
  }
  if (sizes.count < 2) {
    return Status::Error(Code::kInvalidArgument,
                         "layer sizes '%s' need at least an input and an output size", text);
  }
  *out = sizes;
  return Status::Ok();
}

void format_net(const LayerSizes& sizes, char* buf, size_t buf_size);  // net.cpp

void format_layer_sizes(const LayerSizes& sizes, char* buf, size_t buf_size) {
  // A build without convolutions never holds such a network (validate_net refuses it).
  if (kWithConv && sizes.has_conv()) return format_net(sizes, buf, buf_size);
  if (buf_size == 0) return;
  buf[0] = '\0';
  size_t used = 0;
  for (int i = 0; i < sizes.count && used < buf_size; ++i) {
    int n = std::snprintf(buf + used, buf_size - used, i == 0 ? "%u" : "-%u", static_cast<unsigned>(sizes.size[i]));
    if (n < 0) break;
    used += static_cast<size_t>(n);
  }
}

uint64_t parameter_count(const LayerSizes& sizes) {
  uint64_t total = 0;
  for (int l = 0; l + 1 < sizes.count; ++l) {
    total += (static_cast<uint64_t>(sizes.weight_cols(l)) + 1) * sizes.weight_rows(l);
  }
  return total;
}

OptimizerParams optimizer_defaults(OptimizerKind kind) {
  // The rates are the ones `gctrain study --tune` chose without GC on validation data (the last
  // 5,000 training samples, 10 epochs, PyTorch's initialisation, the cosine schedule; docs/design.md).
  OptimizerParams p;
  switch (kind) {
    case OptimizerKind::kSgd:
      p.lr = 0.3f;  // of 0.03, 0.1, 0.3, 1 (PyTorch has no SGD default)
      break;
    case OptimizerKind::kSgdMomentum:
      p.lr = 0.03f;  // of 0.003 .. 0.1
      p.momentum = 0.9f;
      break;
    case OptimizerKind::kAdagrad:
      p.lr = 0.01f;  // of 0.001 .. 0.03; PyTorch's default too
      p.eps = 1e-10f;
      break;
    case OptimizerKind::kRmsprop:
      p.lr = 1e-3f;  // of 1e-4 .. 3e-3 (3e-3 fell to 21 %; PyTorch's default is 1e-2)
      p.alpha = 0.99f;
      p.eps = 1e-8f;
      break;
    case OptimizerKind::kAdam:
      p.lr = 1e-3f;  // of 1e-4 .. 3e-3; PyTorch's default too
      p.beta1 = 0.9f;
      p.beta2 = 0.999f;
      p.eps = 1e-8f;
      break;
  }
  return p;
}

// The value of `all` whose name is `text`; the names are the only spelling the parsers accept.
template <typename T, typename Name>
static bool parse_by_name(const char* text, std::initializer_list<T> all, Name name, T* out) {
  for (T value : all) {
    if (std::strcmp(text, name(value)) == 0) {
      *out = value;
      return true;
    }
  }
  return false;
}

const char* optimizer_name(OptimizerKind kind) {
  switch (kind) {
    case OptimizerKind::kSgd: return "sgd";
    case OptimizerKind::kSgdMomentum: return "sgdm";
    case OptimizerKind::kAdagrad: return "adagrad";
    case OptimizerKind::kRmsprop: return "rmsprop";
    case OptimizerKind::kAdam: return "adam";
  }
  return "unknown";
}

bool parse_optimizer(const char* text, OptimizerKind* out) {
  return parse_by_name(text, {OptimizerKind::kSgd, OptimizerKind::kSgdMomentum, OptimizerKind::kAdagrad,
                              OptimizerKind::kRmsprop, OptimizerKind::kAdam},
                       optimizer_name, out);
}

const char* gc_mode_name(GcMode mode) {
  switch (mode) {
    case GcMode::kOff: return "off";
    case GcMode::kGrad: return "grad";
    case GcMode::kUpdate: return "update";
  }
  return "unknown";
}

bool parse_gc_mode(const char* text, GcMode* out) {
  return parse_by_name(text, {GcMode::kOff, GcMode::kGrad, GcMode::kUpdate}, gc_mode_name, out);
}

const char* scalar_name(ScalarKind kind) {
  switch (kind) {
    case ScalarKind::kFloat: return "float";
    case ScalarKind::kFixed: return "fixed";
  }
  return "unknown";
}

bool parse_scalar(const char* text, ScalarKind* out) {
  return parse_by_name(text, {ScalarKind::kFloat, ScalarKind::kFixed}, scalar_name, out);
}

const char* init_name(InitScheme scheme) {
  switch (scheme) {
    case InitScheme::kHeNormal: return "he-normal";
    case InitScheme::kHeUniform: return "he-uniform";
    case InitScheme::kXavierUniform: return "xavier-uniform";
    case InitScheme::kTorch: return "torch";
  }
  return "unknown";
}

bool parse_init(const char* text, InitScheme* out) {
  return parse_by_name(text, {InitScheme::kHeNormal, InitScheme::kHeUniform, InitScheme::kXavierUniform, InitScheme::kTorch},
                       init_name, out);
}

const char* schedule_name(ScheduleKind kind) {
  switch (kind) {
    case ScheduleKind::kConstant: return "constant";
    case ScheduleKind::kStep: return "step";
    case ScheduleKind::kCosine: return "cosine";
  }
  return "unknown";
}

bool parse_schedule(const char* text, ScheduleKind* out) {
  return parse_by_name(text, {ScheduleKind::kConstant, ScheduleKind::kStep, ScheduleKind::kCosine}, schedule_name, out);
}

const char* augment_name(uint8_t flags) {
  switch (flags) {
    case kAugmentNone: return "none";
    case kAugmentCrop: return "crop";
    case kAugmentFlip: return "flip";
    case kAugmentCrop | kAugmentFlip: return "crop,flip";
    default: return "unknown";
  }
}

bool parse_augment(const char* text, uint8_t* out) {
  if (std::strcmp(text, "flip,crop") == 0) {
    *out = kAugmentCrop | kAugmentFlip;
    return true;
  }
  return parse_by_name(text, {uint8_t{kAugmentNone}, uint8_t{kAugmentCrop}, uint8_t{kAugmentFlip},
                              uint8_t{kAugmentCrop | kAugmentFlip}},
                       augment_name, out);
}

TrainConfig default_train_config() {
  TrainConfig config;
  config.layers.count = 4;
  config.layers.size[0] = 3072;
  config.layers.size[1] = 512;
  config.layers.size[2] = 256;
  config.layers.size[3] = 100;
  config.batch = 128;
  config.optimizer = OptimizerKind::kSgd;
  config.hp = optimizer_defaults(config.optimizer);
  config.gc = GcMode::kOff;
  config.seed = 1;
  return config;
}

static Status validate_schedule(const Schedule& s) {
  if (s.kind != ScheduleKind::kConstant && s.kind != ScheduleKind::kStep && s.kind != ScheduleKind::kCosine) {
    return Status::Error(Code::kInvalidArgument, "unknown learning-rate schedule %u", static_cast<unsigned>(s.kind));
  }
  if (s.kind != ScheduleKind::kConstant && s.total_steps <= s.warmup_steps) {
    return Status::Error(Code::kInvalidArgument,
                         "the %s schedule needs more steps than its warm-up: %u steps in all, %u of warm-up",
                         schedule_name(s.kind), static_cast<unsigned>(s.total_steps),
                         static_cast<unsigned>(s.warmup_steps));
  }
  return Status::Ok();
}

static bool finite_nonneg(float x) { return std::isfinite(x) && x >= 0.0f; }

// Layer sizes, batch, frozen layers and threads.
static Status validate_shape(const TrainConfig& c) {
  if (c.layers.count < 2 || c.layers.count > kMaxLayers + 1) {
    return Status::Error(Code::kInvalidArgument, "model needs 2 to %d layer sizes, got %d",
                         kMaxLayers + 1, c.layers.count);
  }
  for (int i = 0; i < c.layers.count; ++i) {
    if (c.layers.size[i] == 0) {
      return Status::Error(Code::kInvalidArgument, "layer size %d is zero", i);
    }
  }
  GCT_RETURN_IF_ERROR(validate_net(c.layers));
  if (c.layers.output() > 256) {
    return Status::Error(Code::kInvalidArgument, "at most 256 classes (labels are uint8), got %u",
                         static_cast<unsigned>(c.layers.output()));
  }
  if (c.batch == 0 || c.batch > 65536) {
    return Status::Error(Code::kInvalidArgument, "batch size must be 1..65536, got %u", static_cast<unsigned>(c.batch));
  }
  if (c.freeze >= c.layers.num_layers()) {
    return Status::Error(Code::kInvalidArgument, "freezing %u layers leaves nothing to train: the model has %d weight layers",
                         static_cast<unsigned>(c.freeze), c.layers.num_layers());
  }
  if (c.threads == 0 || c.threads > 16) {
    return Status::Error(Code::kInvalidArgument, "threads must be 1..16, got %u", static_cast<unsigned>(c.threads));
  }
  return Status::Ok();
}

// The optimizer's hyperparameters, each in its domain.
static Status validate_hyperparameters(const OptimizerParams& p, OptimizerKind optimizer) {
  if (!(std::isfinite(p.lr) && p.lr > 0.0f)) {
    return Status::Error(Code::kInvalidArgument, "learning rate must be positive, got %g",
                         static_cast<double>(p.lr));
  }
  if (!(finite_nonneg(p.momentum) && p.momentum < 1.0f)) {
    return Status::Error(Code::kInvalidArgument, "momentum must be in [0, 1), got %g",
                         static_cast<double>(p.momentum));
  }
  if (p.nesterov && (optimizer != OptimizerKind::kSgdMomentum || p.momentum <= 0.0f)) {
    return Status::Error(Code::kInvalidArgument, "nesterov needs sgdm with momentum > 0");
  }
  if (!(finite_nonneg(p.alpha) && p.alpha < 1.0f)) {
    return Status::Error(Code::kInvalidArgument, "rmsprop alpha must be in [0, 1), got %g",
                         static_cast<double>(p.alpha));
  }
  if (!(finite_nonneg(p.beta1) && p.beta1 < 1.0f && finite_nonneg(p.beta2) && p.beta2 < 1.0f)) {
    return Status::Error(Code::kInvalidArgument, "adam betas must be in [0, 1), got %g, %g",
                         static_cast<double>(p.beta1), static_cast<double>(p.beta2));
  }
  if (!(finite_nonneg(p.eps) && finite_nonneg(p.weight_decay) &&
        finite_nonneg(p.initial_accumulator))) {
    return Status::Error(Code::kInvalidArgument,
                         "eps, weight decay and initial accumulator must be finite and >= 0");
  }
  return Status::Ok();
}

// The arithmetic: known, built into this engine, and (fixed point) able to hold the constants.
static Status validate_arithmetic(const TrainConfig& c) {
  const OptimizerParams& p = c.hp;
  if (c.scalar == ScalarKind::kFixed && !(p.lr < 256.0f && p.weight_decay < 256.0f && p.eps < 1.0f &&
                                           p.initial_accumulator < 64.0f)) {
    return Status::Error(Code::kInvalidArgument,
                         "fixed point needs lr and weight decay < 256, eps < 1, initial accumulator < 64");
  }
  if (c.scalar != ScalarKind::kFloat && c.scalar != ScalarKind::kFixed) {
    return Status::Error(Code::kInvalidArgument, "unknown scalar kind %u", static_cast<unsigned>(c.scalar));
  }
  if ((c.scalar == ScalarKind::kFloat && !kWithFloat) || (c.scalar == ScalarKind::kFixed && !kWithFixed)) {
    return Status::Error(Code::kUnsupported, "this build of the engine has no %s arithmetic (built with -Darithmetic=%s)",
                         scalar_name(c.scalar), kWithFloat ? "float" : "fixed");
  }
  return Status::Ok();
}

Status validate_train_config(const TrainConfig& c) {
  GCT_RETURN_IF_ERROR(validate_shape(c));
  GCT_RETURN_IF_ERROR(validate_hyperparameters(c.hp, c.optimizer));
  GCT_RETURN_IF_ERROR(validate_arithmetic(c));
  if (static_cast<uint8_t>(c.init) > static_cast<uint8_t>(InitScheme::kTorch)) {
    return Status::Error(Code::kInvalidArgument, "unknown initialisation scheme %u", static_cast<unsigned>(c.init));
  }
  GCT_RETURN_IF_ERROR(validate_schedule(c.schedule));
  if (c.augment > (kAugmentCrop | kAugmentFlip)) {
    return Status::Error(Code::kInvalidArgument, "unknown augmentation flags %u", static_cast<unsigned>(c.augment));
  }
  if (c.optimizer == OptimizerKind::kAdagrad && c.hp.eps == 0.0f && c.hp.initial_accumulator == 0.0f) {
    return Status::Error(Code::kInvalidArgument, "adagrad needs eps > 0 or an initial accumulator");
  }
  return Status::Ok();
}

}  // namespace gct
