#include "host/run.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <vector>

#include "gctrain/checkpoint.hpp"
#include "host/aligned_buffer.hpp"
#include "host/atomic_file.hpp"
#include "host/data.hpp"
#include "host/mapped_file.hpp"
#include "host/resources.hpp"
#include "host/thread_pool.hpp"

namespace gct::host {
namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// What the host keeps in a checkpoint's 64 spare bytes: the running mean of the current epoch's
// training loss and the training time so far (so a resumed run reports what an unbroken one
// would), the data it was made on, and the hyper-parameter changes made on resume.
struct HostState {
  double loss_sum = 0.0;
  uint64_t rows = 0;
  double train_seconds = 0.0;
  uint32_t train_fingerprint = 0, test_fingerprint = 0;  // 0: unknown (older checkpoints)
  uint32_t hyperparameter_changes = 0;
  uint64_t hyperparameters_changed_at_step = 0;
  // Header CRC of the model file the run started from (0: none). Last, so that checkpoints made
  // before it existed read 0 here.
  uint32_t model_fingerprint = 0;
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

bool hyperparameters_equal(const OptimizerParams& a, const OptimizerParams& b) {
  return a.lr == b.lr && a.momentum == b.momentum && a.nesterov == b.nesterov && a.alpha == b.alpha &&
         a.beta1 == b.beta1 && a.beta2 == b.beta2 && a.eps == b.eps &&
         a.initial_accumulator == b.initial_accumulator && a.weight_decay == b.weight_decay;
}

// Equal rates at every step: a constant schedule's length changes nothing (a resume for more epochs).
bool schedules_equal(const Schedule& a, const Schedule& b) {
  return a.kind == b.kind && a.warmup_steps == b.warmup_steps &&
         (a.kind == ScheduleKind::kConstant || a.total_steps == b.total_steps);
}

Status check_model_fingerprint(uint32_t stored, uint32_t current, const std::string& path) {
  if (stored == current) return Status::Ok();
  auto text = [](uint32_t f, char* out, size_t n) {
    if (f == 0) {
      std::snprintf(out, n, "no model file");
    } else {
      std::snprintf(out, n, "model file %08x", f);
    }
  };
  char a[40], b[40];
  text(stored, a, sizeof a);
  text(current, b, sizeof b);
  return Status::Error(Code::kShapeMismatch, "%s: checkpoint was made starting from %s, this run from %s (--from-model)",
                       path.c_str(), a, b);
}

Status check_fingerprint(const char* split, uint32_t stored, uint32_t current, const std::string& path) {
  if (stored == 0 || current == 0 || stored == current) return Status::Ok();
  return Status::Error(Code::kShapeMismatch,
                       "%s: checkpoint was made on other %s data (blob fingerprint %08x, this data %08x)",
                       path.c_str(), split, stored, current);
}

// Evaluation in slices of whole batches with the data's pages released after each, so that reading
// the test split does not leave it resident (RunOptions::release_data). Counts are sums; the loss
// is summed in slice order (the same order as one pass, grouped differently).
Status evaluate_releasing(Trainer* trainer, const DatasetView& data, const RunOptions& options, EvalResult* out) {
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

// One run in progress: the trainer in its arena and what the host tracks beside it.
class Run {
 public:
  Run(const RunOptions& options, RunResult* result) : options_(options), result_(result) {}

  Status setup(const TrainConfig& config, const DatasetView& train);
  Status resume();
  Status train_epochs(const DatasetView& train, const DatasetView* test, const DatasetView* validation);
  uint32_t parameters_crc32() const { return trainer_parameters_crc32(trainer_); }
  Status save_model(const std::string& path) const;

 private:
  Status save();
  Status step(uint8_t* staging);
  Status evaluate(const DatasetView& test, EvalResult* out);
  Status train_one_epoch(uint32_t e, uint8_t* staging, bool* stopped);

  const RunOptions& options_;
  RunResult* result_;
  AlignedBuffer arena_;
  std::unique_ptr<ThreadPool> pool_;
  Trainer trainer_;
  HostState hs_;
  CheckpointClaim claim_;
  std::vector<uint8_t> checkpoint_buffer_;
  bool checkpointing_ = false;
  uint32_t first_epoch_ = 1;
  bool mid_epoch_ = false;
  Clock::time_point run_start_ = Clock::now();
};

Status Run::setup(const TrainConfig& config, const DatasetView& train) {
  GCT_RETURN_IF_ERROR(trainer_plan(config, data_shape_of(train), &result_->plan));
  const size_t bytes = (result_->plan.total + kArenaAlignment - 1) / kArenaAlignment * kArenaAlignment;
  if (options_.check_memory) GCT_RETURN_IF_ERROR(check_memory_for(bytes, "the arena"));
  arena_ = allocate_aligned(kArenaAlignment, bytes);
  if (!arena_) return Status::Error(Code::kArenaTooSmall, "cannot allocate the %zu-byte arena", bytes);
  GCT_RETURN_IF_ERROR(trainer_setup(&trainer_, config, train, arena_.get(), bytes));
  if (options_.from_model != nullptr) GCT_RETURN_IF_ERROR(trainer_load_model(&trainer_, *options_.from_model));
  result_->arena_bytes = trainer_.arena.used;
  if (config.threads > 1) {
    pool_ = std::make_unique<ThreadPool>(config.threads);
    trainer_set_runner(&trainer_, pool_->runner());
  }
  checkpointing_ = !options_.checkpoint_path.empty();
  if (checkpointing_) {
    GCT_RETURN_IF_ERROR(claim_.acquire(options_.checkpoint_path));
    checkpoint_buffer_.resize(checkpoint_size(trainer_));
  }
  hs_.train_fingerprint = options_.train_fingerprint;
  hs_.test_fingerprint = options_.test_fingerprint;
  hs_.model_fingerprint = options_.from_model != nullptr ? options_.from_model_fingerprint : 0;
  return Status::Ok();
}

Status Run::save_model(const std::string& path) const {
  GCT_RETURN_IF_ERROR(check_ours_to_overwrite(path, "GCTMODEL", "a model file"));
  std::vector<uint8_t> bytes(model_file_size(trainer_.config.layers));
  GCT_RETURN_IF_ERROR(model_save(trainer_, bytes.data(), bytes.size()));
  AtomicFile f;
  GCT_RETURN_IF_ERROR(f.open(path));
  GCT_RETURN_IF_ERROR(f.write(bytes.data(), bytes.size()));
  return f.commit();
}

Status Run::resume() {
  const std::string& path = options_.checkpoint_path;
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Error(Code::kIoError, "cannot read checkpoint %s", path.c_str());
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CheckpointInfo info;
  Status s = checkpoint_info(bytes.data(), bytes.size(), &info);
  const CheckpointResume mode = options_.new_hyperparameters ? CheckpointResume::kNewHyperparameters
                                                             : CheckpointResume::kExact;
  uint8_t host[kCheckpointHostBytes];
  if (s.ok()) s = checkpoint_load(&trainer_, bytes.data(), bytes.size(), host, mode);
  if (!s.ok()) return Status::Error(s.code(), "%s: %s", path.c_str(), s.message());
  HostState stored;
  std::memcpy(&stored, host, sizeof stored);
  GCT_RETURN_IF_ERROR(check_fingerprint("training", stored.train_fingerprint, hs_.train_fingerprint, path));
  GCT_RETURN_IF_ERROR(check_fingerprint("test", stored.test_fingerprint, hs_.test_fingerprint, path));
  GCT_RETURN_IF_ERROR(check_model_fingerprint(stored.model_fingerprint, hs_.model_fingerprint, path));
  hs_.loss_sum = stored.loss_sum;
  hs_.rows = stored.rows;
  hs_.train_seconds = stored.train_seconds;
  hs_.hyperparameter_changes = stored.hyperparameter_changes;
  hs_.hyperparameters_changed_at_step = stored.hyperparameters_changed_at_step;
  // A schedule is a hyper-parameter too: the rate of every later step depends on it.
  if (!hyperparameters_equal(info.hp, trainer_.config.hp) || !schedules_equal(info.schedule, trainer_.config.schedule)) {
    ++hs_.hyperparameter_changes;
    hs_.hyperparameters_changed_at_step = trainer_.steps;
    result_->hyperparameters_changed_now = true;
    result_->hyperparameters_before = info.hp;
    result_->schedule_before = info.schedule;
  }
  result_->hyperparameter_changes = hs_.hyperparameter_changes;
  result_->hyperparameters_changed_at_step = hs_.hyperparameters_changed_at_step;
  result_->resumed = true;
  result_->resumed_from_step = trainer_.steps;
  result_->train_seconds = hs_.train_seconds;
  mid_epoch_ = !trainer_epoch_done(trainer_) && trainer_.epoch > 0;
  first_epoch_ = mid_epoch_ ? trainer_.epoch : trainer_.epoch + 1;
  return Status::Ok();
}

Status Run::save() {
  hs_.train_seconds = result_->train_seconds;
  GCT_RETURN_IF_ERROR(write_checkpoint(trainer_, hs_, &checkpoint_buffer_, options_.checkpoint_path));
  ++result_->checkpoints_written;
  return Status::Ok();
}

// One step, its reads of the mapped data guarded: a truncated data file ends the run with an error
// naming it, the trainer left at its last complete step.
Status Run::step(uint8_t* staging) {
  StepResult r;
  const auto step_start = Clock::now();
  Status s;
  if (options_.read_rows) {
    const uint32_t* indices = nullptr;
    const uint32_t rows = trainer_next_batch(trainer_, &indices);
    s = options_.read_rows(indices, rows, staging);
    if (s.ok()) s = trainer_step_staged(&trainer_, staging, &r);
  } else {
    s = guard_mapped_reads([&] { return trainer_step(&trainer_, &r); });
  }
  if (!s.ok()) {
    if (s.code() == Code::kNumericalError) {
      result_->diverged_at_step = trainer_.steps + 1;
      result_->diverged_in_epoch = trainer_.epoch;
      result_->diverged_message = s.message();
    }
    return s;
  }
  result_->steps_seconds += since(step_start);
  ++result_->steps_run;
  if (r.saturated > result_->saturated_max) result_->saturated_max = r.saturated;
  if (r.saturated > 0 && result_->first_saturated_step == 0) result_->first_saturated_step = trainer_.steps;
  hs_.loss_sum += r.loss * r.rows;
  hs_.rows += r.rows;
  return Status::Ok();
}

Status Run::evaluate(const DatasetView& test, EvalResult* out) {
  Status s = options_.release_data ? evaluate_releasing(&trainer_, test, options_, out)
                                   : guard_mapped_reads([&] { return trainer_evaluate(&trainer_, test, out); });
  if (s.code() == Code::kNumericalError) {
    result_->diverged_at_step = trainer_.steps;
    result_->diverged_in_epoch = trainer_.epoch;
    result_->diverged_message = s.message();
  }
  return s;
}

Status Run::train_one_epoch(uint32_t e, uint8_t* staging, bool* stopped) {
  auto epoch_start = Clock::now();
  if (mid_epoch_) {
    mid_epoch_ = false;  // continue the epoch the checkpoint was taken in
  } else {
    trainer_begin_epoch(&trainer_);
    hs_.loss_sum = 0.0;
    hs_.rows = 0;
  }
  const uint32_t steps = trainer_steps_per_epoch(trainer_);
  uint32_t step_in_epoch = (trainer_.cursor + trainer_.config.batch - 1) / trainer_.config.batch;
  while (!trainer_epoch_done(trainer_)) {
    Status s = step(staging);
    if (!s.ok()) {
      // A fault on the data leaves the trainer at its last complete step: worth keeping.
      if (checkpointing_ && s.code() == Code::kIoError) {
        result_->train_seconds += since(epoch_start);
        (void)save();
      }
      return s;
    }
    ++step_in_epoch;
    if (options_.on_step) {
      options_.on_step(RunProgress{e, options_.epochs, step_in_epoch, steps, hs_.loss_sum / hs_.rows, since(run_start_)});
    }
    const bool stop = options_.stop && options_.stop->load();
    if (checkpointing_ && !trainer_epoch_done(trainer_) &&
        (stop || (options_.checkpoint_every > 0 && trainer_.steps % options_.checkpoint_every == 0))) {
      result_->train_seconds += since(epoch_start);
      epoch_start = Clock::now();
      GCT_RETURN_IF_ERROR(save());
    }
    if (stop) {
      *stopped = true;
      return Status::Ok();
    }
  }
  result_->train_seconds += since(epoch_start);
  return Status::Ok();
}

Status Run::train_epochs(const DatasetView& train, const DatasetView* test, const DatasetView* validation) {
  // Allocated once, before the first step (never during one).
  std::vector<uint8_t> staging(options_.read_rows ? size_t{trainer_.config.batch} * train.sample_size() : 0);
  for (uint32_t e = first_epoch_; e <= options_.epochs; ++e) {
    const double seconds_before = result_->train_seconds;
    bool stopped = false;
    GCT_RETURN_IF_ERROR(train_one_epoch(e, staging.data(), &stopped));
    if (stopped) {
      result_->interrupted = true;
      result_->epochs_completed = trainer_.epoch - 1;
      return Status::Ok();
    }
    EpochRecord record;
    record.epoch = e;
    record.seconds = result_->train_seconds - seconds_before;
    record.train_loss = hs_.loss_sum / static_cast<double>(hs_.rows);
    record.lr = scheduled_lr(trainer_.config, trainer_.steps - 1);
    const auto eval_start = Clock::now();
    for (auto [data, out] : {std::pair{test, &record.test}, std::pair{validation, &record.validation}}) {
      if (data == nullptr) continue;
      const Status s = evaluate(*data, out);
      if (!s.ok()) {
        if (checkpointing_ && s.code() == Code::kIoError) (void)save();  // the epoch's training is intact
        return s;
      }
    }
    record.eval_seconds = since(eval_start);
    result_->epochs.push_back(record);
    if (checkpointing_) GCT_RETURN_IF_ERROR(save());
    if (options_.on_epoch) options_.on_epoch(record);
    if (options_.stop && options_.stop->load() && e < options_.epochs) {
      result_->interrupted = true;
      break;
    }
  }
  // A run resumed after its last epoch: report the final state.
  if (result_->epochs.empty() && result_->resumed && test != nullptr) {
    EpochRecord record;
    record.epoch = trainer_.epoch;
    record.train_loss = hs_.rows ? hs_.loss_sum / static_cast<double>(hs_.rows) : 0.0;
    record.lr = scheduled_lr(trainer_.config, trainer_.steps ? trainer_.steps - 1 : 0);
    GCT_RETURN_IF_ERROR(evaluate(*test, &record.test));
    if (validation != nullptr) GCT_RETURN_IF_ERROR(evaluate(*validation, &record.validation));
    result_->epochs.push_back(record);
  }
  result_->epochs_completed = trainer_epoch_done(trainer_) ? trainer_.epoch : trainer_.epoch - 1;
  return Status::Ok();
}

// The schedule in steps: its length is the run's, its warm-up whole epochs.
Status plan_schedule(const RunOptions& options, uint32_t train_count, TrainConfig* config) {
  const uint64_t per_epoch = (uint64_t{train_count} + config->batch - 1) / config->batch;
  const uint64_t total = per_epoch * options.epochs, warmup = per_epoch * options.warmup_epochs;
  if (total > UINT32_MAX || warmup > UINT32_MAX) {
    return Status::Error(Code::kInvalidArgument, "the run has %llu steps; a schedule covers at most %u",
                         static_cast<unsigned long long>(total), UINT32_MAX);
  }
  if (options.warmup_epochs >= options.epochs && config->schedule.kind != ScheduleKind::kConstant) {
    return Status::Error(Code::kInvalidArgument, "a warm-up of %u epochs leaves none of the %u epochs for the %s schedule",
                         options.warmup_epochs, options.epochs, schedule_name(config->schedule.kind));
  }
  config->schedule.total_steps = static_cast<uint32_t>(total);
  config->schedule.warmup_steps = static_cast<uint32_t>(warmup);
  return Status::Ok();
}

}  // namespace

Status run_training(const TrainConfig& requested, const DatasetView& full_train, const DatasetView* test,
                    const RunOptions& options, RunResult* result) {
  TrainConfig config = requested;
  if (options.threads > 0) config.threads = options.threads;
  *result = RunResult{};
  result->config = config;
  DatasetView train = full_train, validation;
  if (options.validation > 0) GCT_RETURN_IF_ERROR(split_validation(full_train, options.validation, &train, &validation));
  if (options.subset > 0 && options.subset < train.count) train.count = options.subset;
  result->train_samples = train.count;
  result->validation_samples = options.validation;
  GCT_RETURN_IF_ERROR(plan_schedule(options, train.count, &config));
  result->config = config;

  Run run(options, result);
  GCT_RETURN_IF_ERROR(run.setup(config, train));
  if (options.resume) GCT_RETURN_IF_ERROR(run.resume());
  Status s = run.train_epochs(train, test, options.validation > 0 ? &validation : nullptr);
  result->parameters_crc32 = run.parameters_crc32();
  if (s.ok() && !result->interrupted && !options.save_model_path.empty()) {
    s = run.save_model(options.save_model_path);
    result->model_saved = s.ok();
  }
  return s;
}

}  // namespace gct::host
