// Trains a small MLP on samples of its own, in a static arena sized at compile time, and exits 0
// only if the loss fell and the model beats chance: what a program that links gctrain must be able
// to do with the installed headers alone.
#include <cstdio>

#include "gctrain/plan_bound.hpp"
#include "gctrain/rng.hpp"
#include "gctrain/trainer.hpp"

namespace {

constexpr uint32_t kCount = 256, kClasses = 4, kSide = 6, kBatch = 16;
constexpr uint32_t kSizes[] = {kSide * kSide, 16, kClasses};
constexpr gct::OptimizerKind kOptimizer = gct::OptimizerKind::kAdam;
constexpr size_t kArenaBytes = gct::trainer_arena_bound(kSizes, 3, kBatch, kOptimizer, 1, kCount, 1,
                                                        gct::ScalarKind::kFloat);
alignas(64) uint8_t g_arena[kArenaBytes];
uint8_t g_pixels[kCount * kSide * kSide];
uint8_t g_labels[kCount];
gct::Trainer g_trainer;

// Class c is a bright band in row c of a dark, noisy image.
void make_samples() {
  gct::Rng rng;
  gct::rng_seed(&rng, 7, gct::RngStream::kApplication);
  for (uint32_t i = 0; i < kCount; ++i) {
    const uint32_t label = gct::rng_below(&rng, kClasses);
    g_labels[i] = static_cast<uint8_t>(label);
    for (uint32_t p = 0; p < kSide * kSide; ++p) {
      const uint32_t base = p / kSide == label ? 200 : 40;
      g_pixels[i * kSide * kSide + p] = static_cast<uint8_t>(base + gct::rng_below(&rng, 40));
    }
  }
}

int fail(const char* what, const gct::Status& s) {
  std::fprintf(stderr, "%s: %s\n", what, s.message());
  return 1;
}

}  // namespace

int main() {
  make_samples();
  gct::DatasetView data;
  data.pixels = g_pixels;
  data.fine = g_labels;
  data.count = kCount;
  data.channels = 1;
  data.height = data.width = kSide;
  data.num_fine = kClasses;
  data.mean[0] = 0.35f;
  data.stddev[0] = 0.3f;

  gct::TrainConfig config;
  config.layers.count = 3;
  for (int i = 0; i < 3; ++i) config.layers.size[i] = kSizes[i];
  config.batch = kBatch;
  config.optimizer = kOptimizer;
  config.hp = gct::optimizer_defaults(kOptimizer);
  config.gc = gct::GcMode::kGrad;
  gct::Status s = gct::trainer_setup(&g_trainer, config, data, g_arena, sizeof g_arena);
  if (!s.ok()) return fail("setup", s);

  double first = 0, last = 0;
  for (int epoch = 0; epoch < 5; ++epoch) {
    gct::trainer_begin_epoch(&g_trainer);
    double sum = 0;
    uint32_t steps = 0;
    while (!gct::trainer_epoch_done(g_trainer)) {
      gct::StepResult r;
      s = gct::trainer_step(&g_trainer, &r);
      if (!s.ok()) return fail("step", s);
      sum += r.loss;
      ++steps;
    }
    (epoch == 0 ? first : last) = sum / steps;
  }
  gct::EvalResult eval;
  s = gct::trainer_evaluate(&g_trainer, data, &eval);
  if (!s.ok()) return fail("evaluate", s);
  const double top1 = static_cast<double>(eval.top1) / eval.count;
  std::printf("arena %zu bytes; loss %.3f -> %.3f; top-1 %.3f\n", sizeof g_arena, first, last, top1);
  return last < first && top1 > 2.0 / kClasses ? 0 : 1;
}
