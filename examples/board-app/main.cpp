// On-device learning on a Cortex-M4F: a model pre-trained on the host (gctrain train --save-model,
// linked into flash by gctrain export --c-array) is measured on held-out images, fine-tuned with its
// first layer frozen on images that arrive one at a time, and measured again.
//
// The data (cifar2blob --c-array, scripts/board-app.sh): 8x8 gray CIFAR-100 images of 10 classes.
// The host pre-trained on the first half of train_blob; the board fine-tunes on the second half,
// which the model has never seen, and both scores are on test_blob.
#include <cstdint>

#include "gctrain/blob.hpp"
#include "gctrain/model.hpp"
#include "gctrain/plan_bound.hpp"
#include "gctrain/predictor.hpp"
#include "gctrain/trainer.hpp"
#include "instruction_counter.hpp"
#include "model.h"
#include "semihosting.hpp"
#include "test_blob.h"
#include "train_blob.h"

namespace {

static_assert(GCT_MODEL_LAYER_COUNT == 3, "this example is written for one hidden layer");
static_assert(GCT_MODEL_FIXED_POINT == 0, "this board trains in float32");
constexpr uint32_t kSizes[] = {GCT_MODEL_LAYER_SIZE_0, GCT_MODEL_LAYER_SIZE_1, GCT_MODEL_LAYER_SIZE_2};
constexpr uint32_t kFreeze = 1;  // the hidden layer keeps the host's weights; the output layer learns
constexpr gct::OptimizerKind kOptimizer = gct::OptimizerKind::kSgdMomentum;
constexpr uint32_t kPasses = 2;  // over the images that arrive

// Both arenas sized at compile time: predictions of one image, and fine-tuning on one image at a time
// (no shuffle order: the samples come from the caller).
constexpr size_t kPredictorBytes = gct::predictor_arena_bound(kSizes, 3, 1, GCT_MODEL_CHANNELS);
constexpr size_t kTrainerBytes = gct::trainer_arena_bound(kSizes, 3, 1, kOptimizer, GCT_MODEL_CHANNELS, 0, 1,
                                                          gct::ScalarKind::kFloat, kFreeze);
alignas(64) uint8_t g_predictor_arena[kPredictorBytes];
alignas(64) uint8_t g_trainer_arena[kTrainerBytes];
gct::Predictor g_predictor;
gct::Trainer g_trainer;

int fail(const char* what, const gct::Status& s) {
  fw::write(what);
  fw::write(": ");
  fw::write(s.message());
  fw::write("\n");
  return 2;
}

void write_plan(const char* title, const gct::MemoryPlan& plan, size_t array) {
  fw::write(title);
  fw::write(": ");
  fw::write_uint(plan.total);
  fw::write(" bytes (static array ");
  fw::write_uint(array);
  fw::write(")\n");
  for (int c = 0; c < static_cast<int>(gct::MemCategory::kCount); ++c) {
    if (plan.by_category[c] == 0) continue;
    fw::write("  ");
    fw::write(gct::mem_category_name(static_cast<gct::MemCategory>(c)));
    fw::write(" ");
    fw::write_uint(plan.by_category[c]);
    fw::write("\n");
  }
}

void write_top1(const char* when, const gct::EvalResult& r) {
  fw::write(when);
  fw::write(": top-1 ");
  fw::write_fixed(100.0 * r.top1_acc(), 1);
  fw::write("%  top-5 ");
  fw::write_fixed(100.0 * r.top5_acc(), 1);
  fw::write("%  loss ");
  fw::write_fixed(r.loss(), 4);
  fw::write(" on ");
  fw::write_uint(r.count);
  fw::write(" held-out images\n");
}

}  // namespace

int main() {
  fw::counter_start();
  gct::ModelView model;
  gct::BlobView train, test;
  gct::Status s = gct::model_open(gct_model, gct_model_size, &model);  // in place, in flash
  if (!s.ok()) return fail("model", s);
  s = gct::blob_open(gct_train_blob, gct_train_blob_size, &train);
  if (s.ok()) s = gct::blob_open(gct_test_blob, gct_test_blob_size, &test);
  if (!s.ok()) return fail("data", s);
  fw::write("board app: model ");
  fw::write_uint(kSizes[0]);
  fw::write("-");
  fw::write_uint(kSizes[1]);
  fw::write("-");
  fw::write_uint(kSizes[2]);
  fw::write(" pre-trained on the host for ");
  fw::write_uint(model.steps);
  fw::write(" steps, read in place from flash\n");

  // 1. Predictions only, with the host's weights.
  gct::MemoryPlan plan;
  s = gct::predictor_plan(model, 1, &plan);
  if (s.ok()) s = gct::predictor_setup(&g_predictor, model, 1, g_predictor_arena, sizeof g_predictor_arena);
  if (!s.ok()) return fail("predictor", s);
  write_plan("predictor arena", plan, sizeof g_predictor_arena);
  gct::EvalResult before, after;
  s = gct::predictor_evaluate(&g_predictor, test.data, &before);
  if (!s.ok()) return fail("evaluate", s);
  // What a board does with each image: its most likely class.
  uint64_t start = fw::instructions();
  for (uint32_t i = 0; i < test.data.count && s.ok(); ++i) {
    gct::Samples image;
    image.pixels = test.data.pixels + size_t{i} * test.data.sample_size();
    image.rows = 1;
    uint16_t best = 0;
    gct::Prediction out;
    out.top = &best;
    out.k = 1;
    s = gct::predictor_run(&g_predictor, image, out);
  }
  const uint64_t per_prediction = (fw::instructions() - start) / test.data.count;
  if (!s.ok()) return fail("predict", s);
  write_top1("before fine-tuning", before);
  fw::write("prediction: ");
  fw::write_uint(per_prediction);
  fw::write(" instructions per image (top-1 class)\n");

  // 2. Fine-tuning on images that arrive one at a time: a trainer with no records of its own.
  gct::TrainConfig config;
  config.layers.count = 3;
  for (int i = 0; i < 3; ++i) config.layers.size[i] = kSizes[i];
  config.batch = 1;
  config.optimizer = kOptimizer;
  config.hp = gct::optimizer_defaults(kOptimizer);
  config.hp.lr = 0.0003f;
  config.gc = gct::GcMode::kGrad;
  config.freeze = kFreeze;
  gct::DatasetView format = train.data;
  format.count = 0;
  s = gct::trainer_plan(config, gct::data_shape_of(format), &plan);
  if (s.ok()) s = gct::trainer_setup(&g_trainer, config, format, g_trainer_arena, sizeof g_trainer_arena);
  if (s.ok()) s = gct::trainer_load_model(&g_trainer, model);
  if (!s.ok()) return fail("trainer", s);
  write_plan("fine-tuning arena (first layer frozen)", plan, sizeof g_trainer_arena);
  gct::TrainConfig whole = config;
  whole.freeze = 0;
  gct::MemoryPlan unfrozen;
  s = gct::trainer_plan(whole, gct::data_shape_of(format), &unfrozen);
  if (!s.ok()) return fail("plan", s);
  fw::write("  (training every layer would need ");
  fw::write_uint(unfrozen.total);
  fw::write(" bytes)\n");

  const uint32_t first = train.data.count / 2, d = train.data.sample_size();
  uint64_t steps = 0;
  start = fw::instructions();
  for (uint32_t pass = 0; pass < kPasses; ++pass) {
    double loss = 0;
    for (uint32_t i = first; i < train.data.count; ++i) {
      gct::Samples arrived;
      arrived.pixels = train.data.pixels + size_t{i} * d;
      arrived.labels = train.data.fine + i;
      arrived.rows = 1;
      gct::StepResult r;
      s = gct::trainer_train_samples(&g_trainer, arrived, &r);
      if (!s.ok()) return fail("fine-tuning", s);
      loss += r.loss;
      ++steps;
    }
    fw::write("fine-tuning pass ");
    fw::write_uint(pass + 1);
    fw::write(": mean loss ");
    fw::write_fixed(loss / (train.data.count - first), 4);
    fw::write(" over ");
    fw::write_uint(train.data.count - first);
    fw::write(" images\n");
  }
  const uint64_t per_step = (fw::instructions() - start) / steps;
  s = gct::trainer_evaluate(&g_trainer, test.data, &after);
  if (!s.ok()) return fail("evaluate", s);
  write_top1("after fine-tuning", after);
  fw::write("fine-tuning: ");
  fw::write_uint(per_step);
  fw::write(" instructions per image\n");
  // The pre-trained model must have arrived intact (far above the 10 % of chance) and fine-tuning
  // must not have destroyed it.
  const bool ok = before.top1_acc() > 0.2 && after.top1_acc() > before.top1_acc() - 0.02;
  fw::write(ok ? "board app: ok\n" : "board app: FAILED\n");
  return ok ? 0 : 1;
}
