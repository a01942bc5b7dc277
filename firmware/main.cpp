// A Cortex-M firmware that trains an MLP (or, built with GCT_FIRMWARE_CNN, a small convolutional
// network) on a small CIFAR-100 subset linked into flash, in a static arena sized at compile time,
// and prints loss and accuracy per epoch through semihosting.
//
// Data: train_blob.c/.h and test_blob.c/.h made by
//   cifar2blob cifar-100-binary.tar.gz DIR --resize 8x8 --grayscale --classes 10 --limit 1000 --c-array
// Exit code 0 when the training loss fell, 1 when it did not, 2 on an engine error, 3 on any heap use,
// 4 when a fixed-point build (GCT_FIRMWARE_FIXED, e.g. cross/cortex-m3.ini) called a soft-float
// routine during a training step.
//
// Speed, counted in instructions (QEMU with -icount shift=0; instruction_counter.hpp): the mean
// full-batch training step and the evaluation per sample, and - the bench mode, after training -
// the products of one full-batch step alone (forward with its fused bias/ReLU, weight and input
// gradients), so that the step's share outside the products is a ratio measured in one run:
//   step: N instructions (M MACs)
//   products: X.XX instructions per MAC
#include <cstdint>

#include "gctrain/blob.hpp"
#include "gctrain/plan_bound.hpp"
#include "gctrain/trainer.hpp"
#include "instruction_counter.hpp"
#include "engine/mlp_products.hpp"
#include "engine/trainer_internal.hpp"
#include "semihosting.hpp"
#include "test_blob.h"
#include "train_blob.h"
#if GCT_FIRMWARE_FIXED
#include "softfloat_guard.hpp"
#endif

namespace {

constexpr uint32_t kBatch = 16;
constexpr uint32_t kEpochs = 6;
constexpr gct::OptimizerKind kOptimizer = gct::OptimizerKind::kAdam;
#if GCT_FIRMWARE_FIXED
constexpr gct::ScalarKind kScalar = gct::ScalarKind::kFixed;
#else
constexpr gct::ScalarKind kScalar = gct::ScalarKind::kFloat;
#endif
constexpr uint32_t kInputs = GCT_TRAIN_BLOB_CHANNELS * GCT_TRAIN_BLOB_HEIGHT * GCT_TRAIN_BLOB_WIDTH;

// The model, as a constant: an MLP inputs-32-classes, or conv3x3:8,maxpool2,conv3x3:16,gap,dense:classes.
constexpr gct::ConvShape conv(uint32_t in_channels, uint32_t height, uint32_t width, uint32_t filters,
                              gct::PoolKind pool) {
  gct::ConvShape c;
  c.in_channels = static_cast<uint16_t>(in_channels);
  c.in_height = static_cast<uint16_t>(height);
  c.in_width = static_cast<uint16_t>(width);
  c.channels = static_cast<uint16_t>(filters);
  c.kernel = 3;
  c.stride = 1;
  c.pad = 1;
  c.pool = pool;
  return c;
}
constexpr gct::LayerSizes model() {
  gct::LayerSizes s;
  s.size[0] = kInputs;
#if GCT_FIRMWARE_CNN
  s.count = 4;
  s.conv[0] = conv(GCT_TRAIN_BLOB_CHANNELS, GCT_TRAIN_BLOB_HEIGHT, GCT_TRAIN_BLOB_WIDTH, 8, gct::PoolKind::kMax2);
  s.conv[1] = conv(8, s.conv[0].out_height(), s.conv[0].out_width(), 16, gct::PoolKind::kGlobalAvg);
  s.size[1] = s.conv[0].outputs();
  s.size[2] = s.conv[1].outputs();
#else
  s.count = 3;
  s.size[1] = 32;
#endif
  s.size[s.count - 1] = GCT_TRAIN_BLOB_CLASSES;
  return s;
}
constexpr gct::LayerSizes kModel = model();
constexpr size_t kArenaBytes = gct::trainer_arena_bound(kModel, kBatch, kOptimizer, GCT_TRAIN_BLOB_CHANNELS,
                                                        GCT_TRAIN_BLOB_RECORDS, 1, kScalar);
// The board (board.ld): 256 KiB of RAM, 16 KiB of it stack; leave 8 KiB for everything else.
constexpr size_t kBoardRam = 256 * 1024, kStack = 16 * 1024, kOther = 8 * 1024;
static_assert(kArenaBytes + kStack + kOther <= kBoardRam, "the model and data do not fit the board's RAM");

alignas(64) uint8_t g_arena[kArenaBytes];
gct::Trainer g_trainer;

// Multiply-accumulates of the products of one step on `rows` samples: the forward and weight-gradient
// products of every layer, the input gradient of every layer but the first.
uint64_t macs_per_step(uint32_t rows) {
  uint64_t all = 0, above_first = 0;
  for (int l = 0; l < kModel.num_layers(); ++l) {
    const gct::ConvShape& c = kModel.conv[l];
    const uint64_t macs = c.is_conv() ? uint64_t{c.channels} * c.fan_in() * c.conv_pixels()
                                      : uint64_t{kModel.size[l]} * kModel.size[l + 1];
    all += macs;
    if (l > 0) above_first += macs;
  }
  return rows * (2 * all + above_first);
}

void write_ratio(uint64_t num, uint64_t den) {  // num / den with two decimals, integers only
  const uint64_t hundredths = (num * 100 + den / 2) / den;
  fw::write_uint(hundredths / 100);
  fw::write(".");
  if (hundredths % 100 < 10) fw::write("0");
  fw::write_uint(hundredths % 100);
}

int fail(const char* what, const gct::Status& s) {
  fw::write(what);
  fw::write(": ");
  fw::write(s.message());
  fw::write("\n");
  return 2;
}

}  // namespace

int main() {
  fw::counter_start();
  gct::BlobView train, test;
  gct::Status s = gct::blob_open(gct_train_blob, gct_train_blob_size, &train);
  if (!s.ok()) return fail("train blob", s);
  s = gct::blob_open(gct_test_blob, gct_test_blob_size, &test);
  if (!s.ok()) return fail("test blob", s);

  gct::TrainConfig config;
  config.layers = kModel;
  config.batch = kBatch;
  config.optimizer = kOptimizer;
  config.hp = gct::optimizer_defaults(kOptimizer);
  config.hp.lr = 1e-3f;
  config.gc = gct::GcMode::kGrad;
  config.seed = 1;
  config.scalar = kScalar;
  gct::MemoryPlan plan;
  s = gct::trainer_plan(config, gct::data_shape_of(train.data), &plan);
  if (!s.ok()) return fail("plan", s);
  char model_text[128];
  gct::format_layer_sizes(kModel, model_text, sizeof model_text);
  fw::write(kModel.has_conv() ? "gctrain firmware: network " : "gctrain firmware: MLP ");
  fw::write(model_text);
  fw::write(kScalar == gct::ScalarKind::kFixed ? ", adam + GC in fixed point, batch 16, " : ", adam + GC, batch 16, ");
  fw::write_uint(train.data.count);
  fw::write(" training / ");
  fw::write_uint(test.data.count);
  fw::write(" test images in flash\narena: plan ");
  fw::write_uint(plan.total);
  fw::write(" bytes, static array ");
  fw::write_uint(sizeof g_arena);
  fw::write(" bytes (compile-time bound)\ninstruction counter: SysTick, ");
  fw::write_uint(fw::instructions_per_tick());
  fw::write(" instructions per tick\n");
  s = gct::trainer_setup(&g_trainer, config, train.data, g_arena, sizeof g_arena);
  if (!s.ok()) return fail("setup", s);

  double first_loss = 0, last_loss = 0;
  uint32_t steps = 0, soft_float_in_steps = 0, full_steps = 0;
  uint64_t full_step_instructions = 0, eval_instructions = 0, eval_samples = 0;
  for (uint32_t epoch = 1; epoch <= kEpochs; ++epoch) {
    gct::trainer_begin_epoch(&g_trainer);
    double sum = 0;
    uint32_t rows = 0;
    while (!gct::trainer_epoch_done(g_trainer)) {
      gct::StepResult r;
#if GCT_FIRMWARE_FIXED
      const uint32_t before = g_soft_float_calls;
#endif
      const uint64_t start = fw::instructions();
      s = gct::trainer_step(&g_trainer, &r);
      const uint64_t spent = fw::instructions() - start;
#if GCT_FIRMWARE_FIXED
      soft_float_in_steps += g_soft_float_calls - before;
#endif
      if (!s.ok()) return fail("step", s);
      if (r.rows == kBatch) {
        full_step_instructions += spent;
        ++full_steps;
      }
      ++steps;
      sum += r.loss * r.rows;
      rows += r.rows;
    }
    gct::EvalResult eval;
    const uint64_t eval_start = fw::instructions();
    s = gct::trainer_evaluate(&g_trainer, test.data, &eval);
    eval_instructions += fw::instructions() - eval_start;
    eval_samples += test.data.count;
    if (!s.ok()) return fail("evaluate", s);
    last_loss = sum / rows;
    if (epoch == 1) first_loss = last_loss;
    fw::write("epoch ");
    fw::write_uint(epoch);
    fw::write("  train loss ");
    fw::write_fixed(last_loss, 4);
    fw::write("  test loss ");
    fw::write_fixed(eval.loss(), 4);
    fw::write("  top-1 ");
    fw::write_fixed(100.0 * eval.top1_acc(), 1);
    fw::write("%  top-5 ");
    fw::write_fixed(100.0 * eval.top5_acc(), 1);
    fw::write("%\n");
  }

  // Bench mode: the products of one full-batch step alone, on the first batch of the data.
  gct::trainer_load_batch(&g_trainer, train.data, nullptr, 0, kBatch);
  const uint64_t bench_start = fw::instructions();
  s = gct::mlp_forward(&g_trainer.mlp, kBatch);
  if (s.ok()) s = gct::backward_products(&g_trainer.mlp, kBatch);
  const uint64_t products = fw::instructions() - bench_start;
  if (!s.ok()) return fail("bench", s);
  const uint64_t step = full_steps ? full_step_instructions / full_steps : 0;
  const uint64_t macs = macs_per_step(kBatch);
  fw::write("step: ");
  fw::write_uint(step);
  fw::write(" instructions (");
  fw::write_uint(macs);
  fw::write(" MACs), ");
  write_ratio(step, macs);
  fw::write(" per MAC, mean of ");
  fw::write_uint(full_steps);
  fw::write(" full-batch steps\nproducts: ");
  write_ratio(products, macs);
  fw::write(" instructions per MAC (");
  fw::write_uint(products);
  fw::write(" instructions for the products of one step)\noutside the products: ");
  write_ratio(step > products ? (step - products) * 100 : 0, step ? step : 1);
  fw::write(" % of the step (optimizer, GC, loss, batch loading)\nevaluation: ");
  fw::write_uint(eval_samples ? eval_instructions / eval_samples : 0);
  fw::write(" instructions per sample\n");
  // Fixed point is bit-identical on every target: CI compares this line between firmwares.
  fw::write("parameters crc32: ");
  fw::write_uint(gct::trainer_parameters_crc32(g_trainer));
  fw::write("\n");
  const bool fell = last_loss < first_loss;
  fw::write(fell ? "training loss fell\n" : "training loss did NOT fall\n");
#if GCT_FIRMWARE_FIXED
  fw::write("soft-float routine calls during ");
  fw::write_uint(steps);
  fw::write(" training steps: ");
  fw::write_uint(soft_float_in_steps);
  fw::write(" (all calls of the program: ");
  fw::write_uint(g_soft_float_calls);
  fw::write(")\n");
  if (soft_float_in_steps != 0) return 4;
#else
  (void)steps;
  (void)soft_float_in_steps;
#endif
  return fell ? 0 : 1;
}
