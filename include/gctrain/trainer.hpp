// Trainer: plans the arena, lays a model out in it, and runs training steps and evaluation
// without a single heap allocation.
//
//   MemoryPlan plan;  trainer_plan(config, shape, &plan);        // bytes, before any memory exists
//   alignas(64) static uint8_t arena[N];  (or one aligned host allocation of plan.total bytes)
//   Trainer t;  trainer_setup(&t, config, train_view, arena, sizeof arena);
//   for each epoch: trainer_begin_epoch(&t); while (!trainer_epoch_done(t)) trainer_step(&t, &r);
//   trainer_evaluate(&t, test_view, &result);
//
// Arena order (each piece 64-byte aligned), as layout.hpp describes it: W,b of every layer | dW,db |
// input batch | activations | the products' working memory (mlp.hpp) | optimizer state | optimizer
// row per thread | normalisation | batch labels | shuffle order. Setup carves by walking that
// description and trainer_plan() runs the same setup in a counting arena, so setup uses exactly
// plan.total bytes.
//
// Determinism: with the same config (seed included), data and build, every step is bit-identical.
// GC does not consume randomness, so runs that differ only in GC mode start from the same weights
// and see the same batches in the same order.
#pragma once

#include <cstddef>
#include <cstdint>

#include "gctrain/arena.hpp"
#include "gctrain/config.hpp"
#include "gctrain/dataset.hpp"
#include "gctrain/metrics.hpp"
#include "gctrain/mlp.hpp"
#include "gctrain/optimizer.hpp"
#include "gctrain/rng.hpp"
#include "gctrain/samples.hpp"
#include "gctrain/status.hpp"

namespace gct {

struct DataShape {
  uint16_t channels = 0;
  uint32_t sample_size = 0;   // channels * height * width
  uint32_t train_count = 0;   // records in the training split (size of the shuffle array)
  uint16_t num_classes = 0;   // fine classes
  // The image, where known (0: only sample_size is): a network with convolutions is then checked
  // against it as trainer_setup checks the data, so a plan refuses what the setup would.
  uint16_t height = 0, width = 0;
  PixelLayout layout = PixelLayout::kPlanar;
};
DataShape data_shape_of(const DatasetView& train);
// Ok unless the network's first layer is a convolution that reads another image than the data's
// (or interleaved channels): a check trainer_plan and trainer_setup make before comparing sizes,
// for a caller that plans otherwise (a predictor's plan). A shape without its image passes.
Status check_network_image(const LayerSizes& layers, const DataShape& data);

struct MemoryPlan {
  size_t total = 0;
  size_t by_category[static_cast<int>(MemCategory::kCount)] = {};
};

Status trainer_plan(const TrainConfig& config, const DataShape& shape, MemoryPlan* plan);

struct StepResult {
  double loss = 0.0;  // mean cross-entropy of the batch, before the update
  uint32_t rows = 0;
  // Fixed point: weights and biases at the limit of their format (+-8) after the update. Saturation
  // keeps training defined where float would overflow, but many saturated weights mean the
  // learning rate is too high.
  uint64_t saturated = 0;
};

struct Trainer {
  TrainConfig config;
  Arena arena;
  Mlp mlp;
  OptimizerState opt;
  DatasetView train;
  // [channels x 2] scale and offset, x = byte * scale + offset, in the model's arithmetic: float32,
  // or int32 Q24 for the fixed-point input (Q16).
  void* norm = nullptr;
  uint8_t* batch_labels = nullptr; // [batch]
  uint32_t* order = nullptr;       // [train.count] permutation of the training set
  Rng shuffle_rng;
  uint32_t epoch = 0;   // epochs begun
  uint32_t cursor = 0;  // next position in order
  uint64_t steps = 0;   // optimizer steps taken
};

// Validates config and data, lays out, initialises weights and optimizer state.
// `buffer` must be 64-byte aligned and at least plan.total bytes.
Status trainer_setup(Trainer* t, const TrainConfig& config, const DatasetView& train, void* buffer,
                     size_t bytes);
// Lets the trainer run the blocks of its products concurrently (config.threads > 1). The runner
// must outlive the trainer. Without one, the blocks run one after another.
void trainer_set_runner(Trainer* t, const TaskRunner* runner);
// Shuffles the order (Fisher-Yates, deterministic) and rewinds the cursor.
void trainer_begin_epoch(Trainer* t);
bool trainer_epoch_done(const Trainer& t);
uint32_t trainer_steps_per_epoch(const Trainer& t);
// One step on the next batch of the epoch (the last batch may be partial).
Status trainer_step(Trainer* t, StepResult* result);
// For hosts that read samples themselves instead of through the mapped data (e.g. with pread, to
// keep resident memory low): the training-set indices of the next step's rows, in order; returns the
// row count (0 when no epoch is in progress).
uint32_t trainer_next_batch(const Trainer& t, const uint32_t** indices);
// trainer_step with the rows' pixels supplied: `pixels` holds rows x sample_size bytes, row r being
// sample indices[r] of trainer_next_batch. Labels are still read from the training view. Results are
// identical to trainer_step's.
Status trainer_step_staged(Trainer* t, const uint8_t* pixels, StepResult* result);
// One optimizer step on the caller's samples and labels (samples.hpp), outside the epoch's order:
// no shuffle, no augmentation, the epoch's position unchanged. Fed the samples trainer_step would
// take next, it gives the same result bit for bit. A trainer set up with a view of no records
// (count 0, only shape, classes and statistics) learns from these calls alone.
Status trainer_train_samples(Trainer* t, const Samples& samples, StepResult* result);
// Logits, probabilities or top-k of the caller's samples; the weights and the optimizer are not
// touched.
Status trainer_predict(Trainer* t, const Samples& samples, const Prediction& out);
// Loss and accuracy over a whole split, in batches; training state is not changed.
Status trainer_evaluate(Trainer* t, const DatasetView& data, EvalResult* result);
// CRC-32 of all weights and biases in layer order: a fingerprint for reproducibility checks.
uint32_t trainer_parameters_crc32(const Trainer& t);

}  // namespace gct
