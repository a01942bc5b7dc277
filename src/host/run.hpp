// One training run on a host: the single code path that `gctrain train`, `gctrain study` and a
// cluster job all use. Owns the arena (one aligned allocation of exactly the planned size), trains
// for a number of epochs, evaluates on the test split after every epoch, and reports progress.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "gctrain/config.hpp"
#include "gctrain/dataset.hpp"
#include "gctrain/metrics.hpp"
#include "gctrain/model.hpp"
#include "gctrain/status.hpp"
#include "gctrain/trainer.hpp"

namespace gct::host {

struct EpochRecord {
  uint32_t epoch = 0;          // 1-based
  double train_loss = 0.0;     // mean over the epoch's training samples, as seen during training
  EvalResult test;             // after the epoch
  EvalResult validation;       // after the epoch, on the held-out samples (RunOptions::validation)
  float lr = 0.0f;             // the learning rate of the epoch's last step (schedules change it)
  double seconds = 0.0;        // training time of this epoch (evaluation excluded)
  double eval_seconds = 0.0;
};

struct RunResult {
  TrainConfig config;
  size_t arena_bytes = 0;
  MemoryPlan plan;
  uint32_t train_samples = 0;
  uint32_t validation_samples = 0;
  std::vector<EpochRecord> epochs;
  double train_seconds = 0.0;  // sum of epoch training times
  bool interrupted = false;    // stopped by a signal before the last epoch finished
  bool resumed = false;
  uint64_t resumed_from_step = 0;  // optimizer steps the checkpoint had taken, when resumed
  uint32_t epochs_completed = 0;   // over the whole run, earlier processes of a resumed run included
  // Hyper-parameters changed on resume (RunOptions::new_hyperparameters): how often over the whole
  // run, at which step last, and - when this process made the change - the values before it.
  uint32_t hyperparameter_changes = 0;
  uint64_t hyperparameters_changed_at_step = 0;
  bool hyperparameters_changed_now = false;
  OptimizerParams hyperparameters_before;
  Schedule schedule_before;  // the checkpoint's learning-rate schedule, when this process changed it
  // Divergence (a non-finite loss, gradient or weight): the step (1-based over the whole run) and
  // epoch it was found in, and the engine's message. The run's status is then kNumericalError.
  uint64_t diverged_at_step = 0;
  uint32_t diverged_in_epoch = 0;
  std::string diverged_message;
  uint64_t steps_run = 0;       // optimizer steps taken in this process
  double steps_seconds = 0.0;   // time those steps took
  uint32_t checkpoints_written = 0;
  uint32_t parameters_crc32 = 0;  // CRC-32 of every weight and bias: equal runs, equal hash
  // Fixed point: the most parameters at their format's limit after any step, and the first step
  // (1-based, counted over the whole run) that left any there; 0 when none ever did.
  uint64_t saturated_max = 0;
  uint64_t first_saturated_step = 0;
  bool model_saved = false;  // RunOptions::save_model_path was written
};

struct RunProgress {
  uint32_t epoch = 0, epochs = 0;
  uint32_t step = 0, steps = 0;
  double loss = 0.0;          // running mean train loss of the current epoch
  double elapsed = 0.0;       // seconds since the run started
};

struct RunOptions {
  uint32_t epochs = 1;
  uint32_t subset = 0;        // use only the first N training samples (0: all)
  // Hold out the last N samples of the training split (0: none): never trained on, evaluated after
  // every epoch. The normalisation statistics are then computed on the samples trained on.
  uint32_t validation = 0;
  // The schedule's length in steps, and its warm-up, follow from the epochs and the training
  // samples: config.schedule.total_steps and warmup_steps are set from these.
  uint32_t warmup_epochs = 0;
  uint32_t threads = 0;       // if > 0, overrides config.threads (the study keeps it out of its plan)
  const std::atomic<bool>* stop = nullptr;  // checked after every step
  std::function<void(const RunProgress&)> on_step;       // called every step (keep it cheap)
  std::function<void(const EpochRecord&)> on_epoch;
  // Checkpointing (off when the path is empty): written atomically every `checkpoint_every` steps
  // (0: only at epoch ends), after every epoch's evaluation, and when a stop is requested.
  std::string checkpoint_path;
  uint64_t checkpoint_every = 0;
  bool resume = false;  // continue from checkpoint_path (which must exist and match)
  // On resume, take the config's optimizer hyper-parameters even if the checkpoint was made with
  // others (a run that diverged continues with a lower lr); reported in RunResult.
  bool new_hyperparameters = false;
  // Header CRCs of the training and test blobs (0: unknown), stored in checkpoints: resuming on other
  // data is refused.
  uint32_t train_fingerprint = 0, test_fingerprint = 0;
  // Refuse a plan larger than the memory available (container limit, MemAvailable) before
  // allocating, instead of being killed by the OOM killer later.
  bool check_memory = true;
  // Low-memory data (gctrain train --low-memory): when set, each step's rows are read by
  // `read_rows(indices, rows, dst)` into a staging buffer (trainer_step_staged) instead of through
  // the mapping, and the evaluation runs in slices with `release_data()` after each, so that
  // neither split stays resident.
  std::function<Status(const uint32_t* indices, uint32_t rows, uint8_t* dst)> read_rows;
  std::function<void()> release_data;
  // Fine-tuning: start from this model's weights and statistics (trainer_load_model) instead of
  // fresh ones. Its fingerprint (the file's header CRC) goes into checkpoints: a resume must start
  // from the same model file.
  const ModelView* from_model = nullptr;
  uint32_t from_model_fingerprint = 0;
  // Written atomically when the last epoch is done (not when the run is stopped early).
  std::string save_model_path;
};

// Trains `config` on `train`, evaluating on `test` (if not null) after each epoch. With a checkpoint
// path the run claims it (host/resources.hpp) for its lifetime. Reads of the mapped data that fault
// because the file was truncated end the run with an error naming the file, after a checkpoint of
// the last complete step where checkpointing is on.
Status run_training(const TrainConfig& config, const DatasetView& train, const DatasetView* test,
                    const RunOptions& options, RunResult* result);

}  // namespace gct::host
