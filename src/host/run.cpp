#include "gctrain/host/run.hpp"

#include <chrono>
#include <cstdlib>
#include <memory>

namespace gct::host {
namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};

}  // namespace

Status run_training(const TrainConfig& config, const DatasetView& full_train, const DatasetView* test,
                    const RunOptions& options, RunResult* result) {
  *result = RunResult{};
  result->config = config;
  DatasetView train = full_train;
  if (options.subset > 0 && options.subset < train.count) train.count = options.subset;
  result->train_samples = train.count;

  GCT_RETURN_IF_ERROR(trainer_plan(config, data_shape_of(train), &result->plan));
  const size_t bytes = (result->plan.total + kArenaAlignment - 1) / kArenaAlignment * kArenaAlignment;
  std::unique_ptr<void, FreeDeleter> arena(std::aligned_alloc(kArenaAlignment, bytes));
  if (!arena) {
    return Status::Error(Code::kArenaTooSmall, "cannot allocate the %zu-byte arena", bytes);
  }
  Trainer trainer;
  GCT_RETURN_IF_ERROR(trainer_setup(&trainer, config, train, arena.get(), bytes));
  result->arena_bytes = trainer.arena.used;

  const auto run_start = Clock::now();
  const uint32_t steps = trainer_steps_per_epoch(trainer);
  for (uint32_t e = 1; e <= options.epochs; ++e) {
    EpochRecord record;
    record.epoch = e;
    const auto epoch_start = Clock::now();
    trainer_begin_epoch(&trainer);
    double loss_sum = 0.0;
    uint64_t rows = 0;
    uint32_t step = 0;
    while (!trainer_epoch_done(trainer)) {
      StepResult r;
      GCT_RETURN_IF_ERROR(trainer_step(&trainer, &r));
      loss_sum += r.loss * r.rows;
      rows += r.rows;
      ++step;
      if (options.on_step) {
        options.on_step(RunProgress{e, options.epochs, step, steps, loss_sum / rows, since(run_start)});
      }
      if (options.stop && options.stop->load()) {
        result->interrupted = true;
        return Status::Ok();
      }
    }
    record.seconds = since(epoch_start);
    record.train_loss = loss_sum / static_cast<double>(rows);
    result->train_seconds += record.seconds;
    if (test != nullptr) {
      const auto eval_start = Clock::now();
      GCT_RETURN_IF_ERROR(trainer_evaluate(&trainer, *test, &record.test));
      record.eval_seconds = since(eval_start);
    }
    result->epochs.push_back(record);
    if (options.on_epoch) options.on_epoch(record);
    if (options.stop && options.stop->load() && e < options.epochs) {
      result->interrupted = true;
      return Status::Ok();
    }
  }
  return Status::Ok();
}

}  // namespace gct::host
