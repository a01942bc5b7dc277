#include "gctrain/host/run.hpp"

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <vector>

#include "gctrain/checkpoint.hpp"
#include "gctrain/host/atomic_file.hpp"
#include "gctrain/host/thread_pool.hpp"

namespace gct::host {
namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};

// What the host keeps in a checkpoint's 64 spare bytes: the running mean of the current epoch's
// training loss and the training time so far, so a resumed run reports what an unbroken one would.
struct HostState {
  double loss_sum = 0.0;
  uint64_t rows = 0;
  double train_seconds = 0.0;
};
static_assert(sizeof(HostState) <= kCheckpointHostBytes);

Status write_checkpoint(const Trainer& t, const HostState& hs, std::vector<uint8_t>* buffer,
                        const std::string& path) {
  uint8_t host[kCheckpointHostBytes] = {};
  std::memcpy(host, &hs, sizeof hs);
  GCT_RETURN_IF_ERROR(checkpoint_save(t, host, buffer->data(), buffer->size()));
  AtomicFile f;
  GCT_RETURN_IF_ERROR(f.open(path));
  GCT_RETURN_IF_ERROR(f.write(buffer->data(), buffer->size()));
  return f.commit();
}

Status read_checkpoint(Trainer* t, HostState* hs, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Error(Code::kIoError, "cannot read checkpoint %s", path.c_str());
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  uint8_t host[kCheckpointHostBytes];
  Status s = checkpoint_load(t, bytes.data(), bytes.size(), host);
  if (!s.ok()) return Status::Error(s.code(), "%s: %s", path.c_str(), s.message());
  std::memcpy(hs, host, sizeof *hs);
  return Status::Ok();
}

}  // namespace

// Evaluation in slices of whole batches with the data's pages released after each, so that reading
// the test split does not leave it resident (RunOptions::release_data). Counts are sums; the loss
// is summed in slice order (the same order as one pass, grouped differently).
static Status evaluate_releasing(Trainer* trainer, const DatasetView& data, const RunOptions& options,
                                 EvalResult* out) {
  const uint32_t slice = trainer->config.batch * 8;
  *out = EvalResult{};
  for (uint32_t first = 0; first < data.count; first += slice) {
    DatasetView part = data;
    part.count = data.count - first < slice ? data.count - first : slice;
    part.pixels = data.pixels + size_t{first} * data.sample_size();
    part.fine = data.fine + first;
    if (data.coarse != nullptr) part.coarse = data.coarse + first;
    EvalResult r;
    GCT_RETURN_IF_ERROR(trainer_evaluate(trainer, part, &r));
    options.release_data();
    out->add(r);
  }
  return Status::Ok();
}

Status run_training(const TrainConfig& requested, const DatasetView& full_train, const DatasetView* test,
                    const RunOptions& options, RunResult* result) {
  TrainConfig config = requested;
  if (options.threads > 0) config.threads = options.threads;
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
  std::unique_ptr<ThreadPool> pool;
  if (config.threads > 1) {
    pool = std::make_unique<ThreadPool>(config.threads);
    trainer_set_runner(&trainer, pool->runner());
  }

  const bool checkpointing = !options.checkpoint_path.empty();
  std::vector<uint8_t> checkpoint_buffer(checkpointing ? checkpoint_size(trainer) : 0);
  HostState hs;
  uint32_t first_epoch = 1;
  bool mid_epoch = false;
  if (options.resume) {
    GCT_RETURN_IF_ERROR(read_checkpoint(&trainer, &hs, options.checkpoint_path));
    result->resumed = true;
    result->resumed_from_step = trainer.steps;
    result->train_seconds = hs.train_seconds;
    mid_epoch = !trainer_epoch_done(trainer) && trainer.epoch > 0;
    first_epoch = mid_epoch ? trainer.epoch : trainer.epoch + 1;
  }
  auto save = [&]() -> Status {
    hs.train_seconds = result->train_seconds;
    GCT_RETURN_IF_ERROR(write_checkpoint(trainer, hs, &checkpoint_buffer, options.checkpoint_path));
    ++result->checkpoints_written;
    return Status::Ok();
  };

  const auto run_start = Clock::now();
  const uint32_t steps = trainer_steps_per_epoch(trainer);
  // Allocated once, before the first step (never during one).
  std::vector<uint8_t> staging(options.read_rows ? size_t{trainer.config.batch} * train.sample_size() : 0);
  for (uint32_t e = first_epoch; e <= options.epochs; ++e) {
    EpochRecord record;
    record.epoch = e;
    auto epoch_start = Clock::now();
    if (mid_epoch) {
      mid_epoch = false;  // continue the epoch the checkpoint was taken in
    } else {
      trainer_begin_epoch(&trainer);
      hs.loss_sum = 0.0;
      hs.rows = 0;
    }
    uint32_t step = (trainer.cursor + trainer.config.batch - 1) / trainer.config.batch;
    while (!trainer_epoch_done(trainer)) {
      StepResult r;
      const auto step_start = Clock::now();
      if (options.read_rows) {
        const uint32_t* indices = nullptr;
        const uint32_t rows = trainer_next_batch(trainer, &indices);
        GCT_RETURN_IF_ERROR(options.read_rows(indices, rows, staging.data()));
        GCT_RETURN_IF_ERROR(trainer_step_staged(&trainer, staging.data(), &r));
      } else {
        GCT_RETURN_IF_ERROR(trainer_step(&trainer, &r));
      }
      result->steps_seconds += since(step_start);
      ++result->steps_run;
      if (r.saturated > result->saturated_max) result->saturated_max = r.saturated;
      if (r.saturated > 0 && result->first_saturated_step == 0) result->first_saturated_step = trainer.steps;
      hs.loss_sum += r.loss * r.rows;
      hs.rows += r.rows;
      ++step;
      if (options.on_step) {
        options.on_step(RunProgress{e, options.epochs, step, steps, hs.loss_sum / hs.rows, since(run_start)});
      }
      const bool stop = options.stop && options.stop->load();
      if (checkpointing && !trainer_epoch_done(trainer) &&
          (stop || (options.checkpoint_every > 0 && trainer.steps % options.checkpoint_every == 0))) {
        result->train_seconds += since(epoch_start);
        epoch_start = Clock::now();
        GCT_RETURN_IF_ERROR(save());
      }
      if (stop) {
        result->interrupted = true;
        result->parameters_crc32 = trainer_parameters_crc32(trainer);
        return Status::Ok();
      }
    }
    record.seconds = since(epoch_start);
    record.train_loss = hs.loss_sum / static_cast<double>(hs.rows);
    result->train_seconds += record.seconds;
    if (test != nullptr) {
      const auto eval_start = Clock::now();
      if (options.release_data) {
        GCT_RETURN_IF_ERROR(evaluate_releasing(&trainer, *test, options, &record.test));
      } else {
        GCT_RETURN_IF_ERROR(trainer_evaluate(&trainer, *test, &record.test));
      }
      record.eval_seconds = since(eval_start);
    }
    result->epochs.push_back(record);
    if (checkpointing) GCT_RETURN_IF_ERROR(save());
    if (options.on_epoch) options.on_epoch(record);
    if (options.stop && options.stop->load() && e < options.epochs) {
      result->interrupted = true;
      break;
    }
  }
  // A run resumed after its last epoch: report the final state.
  if (result->epochs.empty() && result->resumed && test != nullptr) {
    EpochRecord record;
    record.epoch = trainer.epoch;
    record.train_loss = hs.rows ? hs.loss_sum / static_cast<double>(hs.rows) : 0.0;
    GCT_RETURN_IF_ERROR(trainer_evaluate(&trainer, *test, &record.test));
    result->epochs.push_back(record);
  }
  result->parameters_crc32 = trainer_parameters_crc32(trainer);
  return Status::Ok();
}

}  // namespace gct::host
