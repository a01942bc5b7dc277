// The small trainer the checkpoint fuzzer loads into, and whose checkpoint seeds its corpus:
// 16-5-3 MLP, batch 8, Adam, 40 samples of 4x4 pixels in 3 classes.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <vector>

#include "gctrain/trainer.hpp"

namespace fuzzing {

struct TrainerFixture {
  std::vector<uint8_t> pixels = std::vector<uint8_t>(40 * 16, 7);
  std::vector<uint8_t> labels = std::vector<uint8_t>(40, 0);
  gct::DatasetView data;
  gct::Trainer trainer;
  void* arena = nullptr;

  TrainerFixture() {
    for (size_t i = 0; i < labels.size(); ++i) labels[i] = static_cast<uint8_t>(i % 3);
    data.pixels = pixels.data();
    data.fine = labels.data();
    data.count = 40;
    data.channels = 1;
    data.height = 4;
    data.width = 4;
    data.num_fine = 3;
    data.mean[0] = 0.5f;
    data.stddev[0] = 0.2f;
    gct::TrainConfig c;
    (void)gct::parse_layer_sizes("16,5,3", &c.layers);
    c.batch = 8;
    c.optimizer = gct::OptimizerKind::kAdam;
    c.hp = gct::optimizer_defaults(c.optimizer);
    gct::MemoryPlan plan;
    (void)gct::trainer_plan(c, gct::data_shape_of(data), &plan);
    arena = std::aligned_alloc(64, (plan.total + 63) / 64 * 64);
    if (!gct::trainer_setup(&trainer, c, data, arena, plan.total).ok()) std::abort();
  }
  ~TrainerFixture() { std::free(arena); }
  TrainerFixture(const TrainerFixture&) = delete;
  TrainerFixture& operator=(const TrainerFixture&) = delete;
};

}  // namespace fuzzing
