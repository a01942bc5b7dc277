#include "gctrain/trainer.hpp"

#include <cmath>
#include <cstdio>
#include <cstring>

#include "gctrain/crc32.hpp"
#include "carve.hpp"
#include "evaluate.hpp"
#include "input.hpp"
#include "path.hpp"
#include "prediction.hpp"
#include "trainer_internal.hpp"
#include "decimal.hpp"

namespace gct {

DataShape data_shape_of(const DatasetView& train) {
  DataShape s;
  s.channels = train.channels;
  s.sample_size = train.sample_size();
  s.train_count = train.count;
  s.num_classes = train.num_fine;
  s.height = train.height;
  s.width = train.width;
  s.layout = train.layout;
  return s;
}

Status check_trainer(const Trainer* t, const char* call) {
  if (t == nullptr) return Status::Error(Code::kInvalidArgument, "%s: no trainer", call);
  // Setup seals the arena last, after everything it checks: a sealed arena is a trainer set up.
  if (!t->arena.sealed) {
    return Status::Error(Code::kInvalidArgument, "%s on a trainer that was never set up (trainer_setup failed or was not called)",
                         call);
  }
  return Status::Ok();
}

// The single description of the arena layout, run by both the plan and the setup.
static void trainer_layout(Trainer* t, const TrainConfig& config, const DataShape& shape,
                           Arena* arena) {
  mlp_layout(&t->mlp, config.layers, config.batch, arena, config.threads, config.scalar, config.freeze);
  optimizer_layout(&t->opt, config.optimizer, t->mlp, arena);
  LayoutShape s = layout_shape_of(t->mlp);
  s.channels = shape.channels;
  s.train_count = shape.train_count;
  walk_trainer_inputs(s, [&](Piece p, int, uint64_t bytes) {
    void* at = arena_alloc(arena, bytes, category_of(p));
    if (p == Piece::kNormalisation) t->norm = at;
    if (p == Piece::kLabels) t->batch_labels = static_cast<uint8_t*>(at);
    if (p == Piece::kOrder) t->order = static_cast<uint32_t*>(at);
  });
}

// A network whose first layer is a convolution reads planar images of its input's shape. Checked
// before the sizes, so that the message names the images rather than their product.
Status check_network_image(const LayerSizes& layers, const DataShape& data) {
  const ConvShape& g = layers.conv[0];
  if (!g.is_conv() || data.height == 0) return Status::Ok();
  if (g.in_channels != data.channels || g.in_height != data.height || g.in_width != data.width) {
    return Status::Error(Code::kShapeMismatch, "the network reads %ux%ux%u images, the data has %ux%ux%u",
                         g.in_channels, g.in_height, g.in_width, data.channels, data.height, data.width);
  }
  if (data.layout != PixelLayout::kPlanar && data.channels > 1) {
    return Status::Error(Code::kUnsupported, "a convolution reads planar images; the data's %u channels are interleaved",
                         data.channels);
  }
  return Status::Ok();
}

static Status check_shape(const TrainConfig& config, const DataShape& shape) {
  GCT_RETURN_IF_ERROR(validate_train_config(config));
  if (shape.channels == 0 || shape.channels > kMaxChannels) {
    return Status::Error(Code::kShapeMismatch, "data has %u channels (1..%d supported)",
                         shape.channels, kMaxChannels);
  }
  GCT_RETURN_IF_ERROR(check_network_image(config.layers, shape));
  if (config.layers.input() != shape.sample_size) {
    return Status::Error(Code::kShapeMismatch,
                         "model input is %u values but each sample has %u (channels x height x width)",
                         static_cast<unsigned>(config.layers.input()), static_cast<unsigned>(shape.sample_size));
  }
  if (config.layers.output() != shape.num_classes) {
    return Status::Error(Code::kShapeMismatch, "the model's output layer has %u units, but the data has %u classes",
                         static_cast<unsigned>(config.layers.output()), static_cast<unsigned>(shape.num_classes));
  }
  return Status::Ok();
}

Status trainer_plan(const TrainConfig& config, const DataShape& shape, MemoryPlan* plan) {
  GCT_RETURN_IF_ERROR(check_shape(config, shape));
  Arena counting;
  arena_init_counting(&counting);
  Trainer scratch;
  trainer_layout(&scratch, config, shape, &counting);
  GCT_RETURN_IF_ERROR(arena_status(counting));
  *plan = memory_plan_of(counting);
  return Status::Ok();
}

MemoryPlan memory_plan_of(const Arena& counting) {
  MemoryPlan plan;
  plan.total = counting.used;
  for (int c = 0; c < static_cast<int>(MemCategory::kCount); ++c) plan.by_category[c] = counting.by_category[c];
  return plan;
}

Status trainer_setup(Trainer* t, const TrainConfig& config, const DatasetView& train, void* buffer,
                     size_t bytes) {
  if (t == nullptr) return Status::Error(Code::kInvalidArgument, "trainer_setup: no trainer");
  *t = Trainer{};
  GCT_RETURN_IF_ERROR(train.count == 0 ? dataset_validate_format(train) : dataset_validate(train));
  const DataShape shape = data_shape_of(train);
  GCT_RETURN_IF_ERROR(check_shape(config, shape));
  GCT_RETURN_IF_ERROR(arena_init(&t->arena, buffer, bytes));
  trainer_layout(t, config, shape, &t->arena);
  if (t->arena.overflowed) {
    const Status s = arena_status(t->arena);
    *t = Trainer{};
    return s;
  }
  if (t->arena.exhausted) {
    const size_t needed = t->arena.used;
    *t = Trainer{};
    return Status::Error(Code::kArenaTooSmall, "arena too small: plan needs %s bytes, %s given",
                         decimal(needed).text, decimal(bytes).text);
  }
  arena_seal(&t->arena);
  t->config = config;
  t->train = train;

  arithmetic_path(config.scalar).input_normalisation(train, t->norm);
  Rng init_rng;
  rng_seed(&init_rng, config.seed, RngStream::kInit);
  mlp_init_params(&t->mlp, &init_rng, config.init);
  optimizer_reset(&t->opt, t->mlp, config.hp);
  for (uint32_t i = 0; i < train.count; ++i) t->order[i] = i;
  rng_seed(&t->shuffle_rng, config.seed, RngStream::kShuffle);
  t->epoch = 0;
  t->cursor = train.count;  // no epoch begun yet
  t->steps = 0;
  return Status::Ok();
}

void trainer_set_runner(Trainer* t, const TaskRunner* runner) { t->mlp.runner = runner; }

void trainer_begin_epoch(Trainer* t) {
  const uint32_t n = t->train.count;
  for (uint32_t i = n > 0 ? n - 1 : 0; i > 0; --i) {
    const uint32_t j = rng_below(&t->shuffle_rng, i + 1);
    const uint32_t tmp = t->order[i];
    t->order[i] = t->order[j];
    t->order[j] = tmp;
  }
  t->cursor = 0;
  ++t->epoch;
}

bool trainer_epoch_done(const Trainer& t) { return t.cursor >= t.train.count; }

uint32_t trainer_steps_per_epoch(const Trainer& t) {
  return (t.train.count + t.config.batch - 1) / t.config.batch;
}

// Always inlined: a function that holds only prefetches is judged free of effects by GCC, which
// then deletes its calls.
[[gnu::always_inline]] inline void prefetch_samples(const DatasetView& data, const uint32_t* indices, uint32_t first,
                                                    uint32_t rows) {
  const uint32_t d = data.sample_size();
  for (uint32_t r = 0; r < rows; ++r) {
    const uint8_t* p = data.pixels + size_t{indices ? indices[r] : first + r} * d;
    for (uint32_t off = 0; off < d; off += 64) __builtin_prefetch(p + off);
  }
}

namespace {

uint64_t mix64(uint64_t x) {  // SplitMix64's finaliser
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// Drawn from (seed, epoch, position in the epoch) alone: no state to checkpoint, and the same
// draws however the steps are split between processes.
Augment augment_draw(const Trainer& t, uint32_t position) {
  const uint64_t h = mix64(mix64(t.config.seed ^ 0x6175676D656E74ULL) + (uint64_t{t.epoch} << 32 | position));
  Augment a;
  if (t.config.augment & kAugmentCrop) {
    const uint64_t span = 2 * kAugmentPad + 1;
    a.dx = static_cast<uint32_t>(((h & 0xFFFFFFFFu) * span) >> 32);
    a.dy = static_cast<uint32_t>(((h >> 32) * span) >> 32);
  }
  if (t.config.augment & kAugmentFlip) a.flip = (mix64(h) & 1u) != 0;
  return a;
}

constexpr uint32_t kNoAugment = UINT32_MAX;

// Loads `rows` samples (by index, or consecutive from `first` when indices is null) into act[0].
// A training batch passes its position in the epoch's order as `position` and is augmented as the
// config says; evaluation passes kNoAugment.
void load_batch(Trainer* t, const DatasetView& data, const uint32_t* indices, uint32_t first, uint32_t rows,
                uint32_t position) {
  // Shuffled samples lie scattered over the data set and each starts with a page walk and a miss
  // to memory, which cost more than converting it: all of the batch is requested first, so that
  // the misses overlap instead of following one another.
  prefetch_samples(data, indices, first, rows);
  const ArithmeticPath& path = arithmetic_path(t->mlp.scalar);
  const uint32_t d = data.sample_size();
  const bool augment = position != kNoAugment && t->config.augment != kAugmentNone;
  for (uint32_t r = 0; r < rows; ++r) {
    const uint8_t* src = data.pixels + size_t{indices ? indices[r] : first + r} * d;
    const Augment a = augment ? augment_draw(*t, position + r) : Augment{};
    path.load_sample(&t->mlp, t->norm, data, src, r, augment ? &a : nullptr);
  }
}

}  // namespace

void trainer_load_batch(Trainer* t, const DatasetView& data, const uint32_t* indices, uint32_t first,
                        uint32_t rows) {
  load_batch(t, data, indices, first, rows, kNoAugment);
}

// Rows of the batch that starts at position `cursor` of the epoch's order (0 at its end).
static uint32_t batch_rows_at(const Trainer& t, uint32_t cursor) {
  const uint32_t remaining = cursor < t.train.count ? t.train.count - cursor : 0;
  return remaining < t.config.batch ? remaining : t.config.batch;
}

uint32_t trainer_next_batch(const Trainer& t, const uint32_t** indices) {
  *indices = t.order + t.cursor;
  return trainer_epoch_done(t) ? 0 : batch_rows_at(t, t.cursor);
}

static Status step(Trainer* t, const uint8_t* staged, StepResult* result);
static Status learn(Trainer* t, uint32_t rows, StepResult* result);

Status trainer_step(Trainer* t, StepResult* result) {
  GCT_RETURN_IF_ERROR(check_trainer(t, "trainer_step"));
  return step(t, nullptr, result);
}

Status trainer_step_staged(Trainer* t, const uint8_t* pixels, StepResult* result) {
  GCT_RETURN_IF_ERROR(check_trainer(t, "trainer_step_staged"));
  if (pixels == nullptr) return Status::Error(Code::kInvalidArgument, "trainer_step_staged without pixels");
  return step(t, pixels, result);
}

static Status step(Trainer* t, const uint8_t* staged, StepResult* result) {
  if (trainer_epoch_done(*t)) {
    return Status::Error(Code::kInvalidArgument, "trainer_step called with no epoch in progress");
  }
  const uint32_t rows = batch_rows_at(*t, t->cursor);
  const uint32_t* indices = t->order + t->cursor;
  if (staged != nullptr) {
    DatasetView view = t->train;  // the staged rows, consecutive
    view.pixels = staged;
    load_batch(t, view, nullptr, 0, rows, t->cursor);
  } else {
    load_batch(t, t->train, indices, 0, rows, t->cursor);
    // The next batch's samples, requested now so that they arrive during this step's products:
    // each shuffled sample costs a page walk and a miss to memory, more than converting it.
    const uint32_t next = t->cursor + rows;
    prefetch_samples(t->train, t->order + next, 0, batch_rows_at(*t, next));
  }
  for (uint32_t r = 0; r < rows; ++r) t->batch_labels[r] = t->train.fine[indices[r]];
  GCT_RETURN_IF_ERROR(learn(t, rows, result));
  t->cursor += rows;
  return Status::Ok();
}

// One optimizer step on the `rows` samples and labels already loaded.
static Status learn(Trainer* t, uint32_t rows, StepResult* result) {
  GCT_RETURN_IF_ERROR(mlp_forward(&t->mlp, rows));
  BatchLoss loss;
  GCT_RETURN_IF_ERROR(mlp_backward(&t->mlp, t->batch_labels, rows, &loss));
  const ArithmeticPath& path = arithmetic_path(t->mlp.scalar);
  const double mean_loss = path.mean_loss(loss, rows);
  if (path.first_non_finite_layer != nullptr && !std::isfinite(mean_loss)) {
    // Name the first layer whose parameters went bad, if any (else the input or the loss overflowed).
    const int bad_layer = path.first_non_finite_layer(t->mlp);
    char where[64] = "";
    if (bad_layer) std::snprintf(where, sizeof where, " (layer %d parameters are not finite)", bad_layer);
    return Status::Error(Code::kNumericalError,
                         "step %s (epoch %u): training loss is %s%s; lower the learning rate",
                         decimal(t->steps + 1).text, static_cast<unsigned>(t->epoch),
                         std::isnan(mean_loss) ? "NaN" : "infinite", where);
  }
  OptimizerParams hp = t->config.hp;
  hp.lr = scheduled_lr(t->config, t->steps);
  GCT_RETURN_IF_ERROR(optimizer_step(&t->opt, &t->mlp, hp, t->config.gc));
  ++t->steps;
  result->loss = mean_loss;
  result->rows = rows;
  result->saturated = t->opt.saturated;  // only fixed point saturates
  return Status::Ok();
}

Status trainer_evaluate(Trainer* t, const DatasetView& data, EvalResult* result) {
  GCT_RETURN_IF_ERROR(check_trainer(t, "trainer_evaluate"));
  const Status s = evaluate_split(&t->mlp, t->train, t->norm, data, result);
  if (s.code() == Code::kNumericalError) {
    return Status::Error(Code::kNumericalError, "evaluation after step %s (epoch %u): %s; lower the learning rate",
                         decimal(t->steps).text, static_cast<unsigned>(t->epoch), s.message());
  }
  return s;
}

}  // namespace gct

namespace gct {

uint32_t trainer_parameters_crc32(const Trainer& t) {
  uint32_t crc = 0;
  const ArithmeticPath& path = arithmetic_path(t.mlp.scalar);
  for (int l = 0; l < t.mlp.num_layers; ++l) {
    const size_t in = t.mlp.sizes.weight_cols(l), out = t.mlp.sizes.weight_rows(l);
    crc = crc32_update(crc, path.weights(t.mlp, l), 4 * out * in);
    crc = crc32_update(crc, path.biases(t.mlp, l), 4 * out);
  }
  return crc;
}

}  // namespace gct

namespace gct {

Status trainer_train_samples(Trainer* t, const Samples& samples, StepResult* result) {
  GCT_RETURN_IF_ERROR(check_trainer(t, "trainer_train_samples"));
  if (samples.labels == nullptr) return Status::Error(Code::kInvalidArgument, "samples to train on need labels");
  const uint32_t classes = t->config.layers.output();
  for (uint32_t r = 0; r < samples.rows && r < t->config.batch; ++r) {
    if (samples.labels[r] >= classes) {
      return Status::Error(Code::kInvalidArgument, "sample %u: label %u out of range (the model has %u classes)",
                           static_cast<unsigned>(r), static_cast<unsigned>(samples.labels[r]), static_cast<unsigned>(classes));
    }
  }
  GCT_RETURN_IF_ERROR(load_samples(&t->mlp, t->train, t->norm, samples));
  for (uint32_t r = 0; r < samples.rows; ++r) t->batch_labels[r] = samples.labels[r];
  return learn(t, samples.rows, result);
}

Status trainer_predict(Trainer* t, const Samples& samples, const Prediction& out) {
  GCT_RETURN_IF_ERROR(check_trainer(t, "trainer_predict"));
  return predict_samples(&t->mlp, t->train, t->norm, samples, out);
}

}  // namespace gct
