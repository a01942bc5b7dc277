// A Cortex-M firmware that trains an MLP on a small CIFAR-100 subset linked into flash, in a static
// arena sized at compile time, and prints loss and accuracy per epoch through semihosting.
//
// Data: train_blob.c/.h and test_blob.c/.h made by
//   cifar2blob cifar-100-binary.tar.gz DIR --resize 8x8 --grayscale --classes 10 --limit 1000 --c-array
// Exit code 0 when the training loss fell, 1 when it did not, 2 on an engine error, 3 on any heap use,
// 4 when a fixed-point build (GCT_FIRMWARE_FIXED, e.g. cross/cortex-m3.ini) called a soft-float
// routine during a training step.
#include <cstdint>

#include "gctrain/blob.hpp"
#include "gctrain/plan_bound.hpp"
#include "gctrain/trainer.hpp"
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
constexpr uint32_t kSizes[] = {GCT_TRAIN_BLOB_CHANNELS * GCT_TRAIN_BLOB_HEIGHT * GCT_TRAIN_BLOB_WIDTH, 32,
                               GCT_TRAIN_BLOB_CLASSES};
constexpr size_t kArenaBytes = gct::trainer_arena_bound(kSizes, 3, kBatch, kOptimizer,
                                                        GCT_TRAIN_BLOB_CHANNELS, GCT_TRAIN_BLOB_RECORDS, 1, kScalar);
// The board (board.ld): 256 KiB of RAM, 16 KiB of it stack; leave 8 KiB for everything else.
constexpr size_t kBoardRam = 256 * 1024, kStack = 16 * 1024, kOther = 8 * 1024;
static_assert(kArenaBytes + kStack + kOther <= kBoardRam, "the model and data do not fit the board's RAM");

alignas(64) uint8_t g_arena[kArenaBytes];
gct::Trainer g_trainer;

int fail(const char* what, const gct::Status& s) {
  fw::write(what);
  fw::write(": ");
  fw::write(s.message());
  fw::write("\n");
  return 2;
}

}  // namespace

int main() {
  gct::BlobView train, test;
  gct::Status s = gct::blob_open(gct_train_blob, gct_train_blob_size, &train);
  if (!s.ok()) return fail("train blob", s);
  s = gct::blob_open(gct_test_blob, gct_test_blob_size, &test);
  if (!s.ok()) return fail("test blob", s);

  gct::TrainConfig config;
  config.layers.count = 3;
  for (int i = 0; i < 3; ++i) config.layers.size[i] = kSizes[i];
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
  fw::write("gctrain firmware: MLP ");
  fw::write_uint(kSizes[0]);
  fw::write("-32-");
  fw::write_uint(kSizes[2]);
  fw::write(kScalar == gct::ScalarKind::kFixed ? ", adam + GC in fixed point, batch 16, " : ", adam + GC, batch 16, ");
  fw::write_uint(train.data.count);
  fw::write(" training / ");
  fw::write_uint(test.data.count);
  fw::write(" test images in flash\narena: plan ");
  fw::write_uint(plan.total);
  fw::write(" bytes, static array ");
  fw::write_uint(sizeof g_arena);
  fw::write(" bytes (compile-time bound)\n");
  s = gct::trainer_setup(&g_trainer, config, train.data, g_arena, sizeof g_arena);
  if (!s.ok()) return fail("setup", s);

  double first_loss = 0, last_loss = 0;
  uint32_t steps = 0, soft_float_in_steps = 0;
  for (uint32_t epoch = 1; epoch <= kEpochs; ++epoch) {
    gct::trainer_begin_epoch(&g_trainer);
    double sum = 0;
    uint32_t rows = 0;
    while (!gct::trainer_epoch_done(g_trainer)) {
      gct::StepResult r;
#if GCT_FIRMWARE_FIXED
      const uint32_t before = g_soft_float_calls;
      s = gct::trainer_step(&g_trainer, &r);
      soft_float_in_steps += g_soft_float_calls - before;
#else
      s = gct::trainer_step(&g_trainer, &r);
#endif
      if (!s.ok()) return fail("step", s);
      ++steps;
      sum += r.loss * r.rows;
      rows += r.rows;
    }
    gct::EvalResult eval;
    s = gct::trainer_evaluate(&g_trainer, test.data, &eval);
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
