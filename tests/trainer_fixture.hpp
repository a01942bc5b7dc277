// A trainer in its own arena, sized by its plan, and a loop over whole epochs: the setup most
// engine tests share.
#pragma once

#include <doctest/doctest.h>

#include <memory>

#include "gctrain/trainer.hpp"
#include "synthetic.hpp"

namespace gct::testing {

struct TrainerRun {
  std::unique_ptr<AlignedBuffer> buffer;
  Trainer t;
  MemoryPlan plan;
};

inline std::unique_ptr<TrainerRun> make_trainer(const TrainConfig& c, const DatasetView& data) {
  auto run = std::make_unique<TrainerRun>();
  REQUIRE(trainer_plan(c, data_shape_of(data), &run->plan).ok());
  run->buffer = std::make_unique<AlignedBuffer>(run->plan.total);
  const Status s = trainer_setup(&run->t, c, data, run->buffer->data, run->plan.total);
  REQUIRE_MESSAGE(s.ok(), s.message());
  return run;
}

// Runs whole epochs; returns the last epoch's mean training loss.
inline double train_epochs(Trainer* t, int epochs) {
  double last = 0;
  for (int e = 0; e < epochs; ++e) {
    trainer_begin_epoch(t);
    double sum = 0;
    uint32_t n = 0;
    while (!trainer_epoch_done(*t)) {
      StepResult r;
      const Status s = trainer_step(t, &r);
      REQUIRE_MESSAGE(s.ok(), s.message());
      sum += r.loss * r.rows;
      n += r.rows;
    }
    last = sum / n;
  }
  return last;
}

}  // namespace gct::testing
