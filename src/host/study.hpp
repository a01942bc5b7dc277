// The GC study: for each optimizer (and, optionally, learning rate and model size), paired runs
// without and with Gradient Centralization over several seeds.
//
// A study is a list of independent jobs. Every way of running it - in one process with --jobs J
// threads, as a Slurm job array, with GNU parallel - executes jobs through run_study_job(), which
// writes OUTDIR/runs/N.json atomically; collect_study() turns the finished runs into the outputs.
//
//   OUTDIR/study.json      the full specification (written first)
//   OUTDIR/jobs.tsv        index, optimizer, gc, seed, lr, layers, and the command that runs it
//   OUTDIR/runs/N.json     one finished run, with its per-epoch rows
//   OUTDIR/results.csv, epochs.csv, report.md, plots/*.svg   made by collect
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "gctrain/config.hpp"
#include "host/run.hpp"
#include "gctrain/status.hpp"

namespace gct::host {

// One optimizer of a study: its hyper-parameters (lr: the grid's first) and the learning rates to
// run, or to tune from.
struct StudyOptimizer {
  OptimizerKind kind = OptimizerKind::kSgd;
  OptimizerParams hp;
  std::vector<float> lr_grid;
};

struct StudySpec {
  std::string data_dir;                        // absolute, for the jobs
  std::string data_as_given;                   // as the user typed it, for the report
  std::vector<StudyOptimizer> optimizers;
  GcMode gc_mode = GcMode::kGrad;              // compared against off
  uint32_t seeds = 3;
  uint64_t first_seed = 1;
  uint32_t epochs = 10;
  uint32_t batch = 128;
  uint32_t subset = 0;
  ScalarKind scalar = ScalarKind::kFloat;      // arithmetic of every run
  InitScheme init = InitScheme::kTorch;        // initialisation of every run
  std::vector<LayerSizes> layers_grid;          // the models; written "3072,512,256,100" in files
  ScheduleKind schedule = ScheduleKind::kConstant;
  uint32_t warmup_epochs = 0;
  uint8_t augment = kAugmentNone;
  // Samples held out at the end of the training split (0: none). Without tuning every run holds
  // them out and is scored on them too; with tuning only the tuning runs do.
  uint32_t validation = 0;
  // Tuning: the learning rate of each optimizer and GC mode is chosen from lr_grid by validation
  // top-1 after the last epoch (mean over tune_seeds seeds; the smaller rate wins a tie), in tuning
  // runs that hold out `validation` samples; the study's runs then train on the whole training
  // split with the chosen rate.
  bool tune = false;
  uint32_t tune_seeds = 1;
};

struct StudyJob {
  uint32_t index = 0;
  bool tuning = false;  // a tuning run; otherwise one of the study's runs
  bool tuned = false;   // a study run whose lr is chosen by the tuning runs (hp.lr is set when it runs)
  OptimizerKind optimizer = OptimizerKind::kSgd;
  GcMode gc = GcMode::kOff;
  uint64_t seed = 1;
  LayerSizes layers;
  OptimizerParams hp;
};

// "3072,512,256,100": layer sizes as --layers takes them and study files store them.
std::string layers_text(const LayerSizes& sizes);
bool same_layers(const LayerSizes& a, const LayerSizes& b);

// Tuning runs first (lowest indices), then the study's runs.
std::vector<StudyJob> study_jobs(const StudySpec& spec);
TrainConfig job_config(const StudySpec& spec, const StudyJob& job);  // layers parsed; validated later
uint32_t job_validation(const StudySpec& spec, const StudyJob& job);  // samples the run holds out

// The rules every study obeys, whether built from options or read from study.json: at least one
// optimizer, each once, with distinct learning rates > 0; seeds 1..1000, epochs 1..100000, batch
// 1..65536; every model valid. Messages name the field and the value.
Status validate_study_spec(const StudySpec& spec);

std::string study_spec_json(const StudySpec& spec);
Status parse_study_spec(const std::string& text, StudySpec* spec);
// Writes study.json and jobs.tsv (atomically) and creates OUTDIR/runs. The commands in jobs.tsv
// name OUTDIR by its absolute path.
Status write_study_plan(const std::string& outdir, const StudySpec& spec, const std::string& exe);
Status load_study_spec(const std::string& outdir, StudySpec* spec);

struct StudyRun {
  StudyJob job;
  RunResult result;
  // The code that ran it (build_description() of the process; empty in runs written before it was
  // recorded) and its float kernels: runs on other kernels round differently.
  std::string build, kernels;
};

std::string run_path(const std::string& outdir, uint32_t index);
bool run_finished(const std::string& outdir, uint32_t index);
// Runs one job (if not finished already) and writes runs/N.json atomically. An interrupted run
// writes nothing. A run that diverges is a result: it is written with where it diverged (and
// `diverged`, if given, receives the message), and the call succeeds. `skipped` tells whether a
// finished result was found.
Status run_study_job(const std::string& outdir, const StudySpec& spec, const StudyJob& job,
                     const DatasetView& train, const DatasetView& test, RunOptions options,
                     bool* skipped, std::string* diverged = nullptr);
// The learning rate the tuning runs choose for `job` (a tuned study run): its optimizer, GC mode
// and model, every rate of the grid. Fails naming the tuning jobs that have not finished.
struct TuningScore {
  float lr = 0;
  double val_top1 = 0;      // sum, then (tuning_means) mean over the tuning runs that did not diverge
  uint32_t runs = 0, diverged = 0;
};
// Adds one finished tuning run with rate `lr` to the scores.
void tally_tuning_run(std::vector<TuningScore>* scores, float lr, const RunResult& run);
void tuning_means(std::vector<TuningScore>* scores);
// The rule: the highest mean validation top-1 among the rates that diverged for no tuning seed (one
// that diverged once would diverge for some of the study's seeds too); the smaller rate on a tie.
// Null when every rate diverged.
const TuningScore* best_tuning_score(const std::vector<TuningScore>& scores);
Status choose_tuned_lr(const std::string& outdir, const StudySpec& spec, const StudyJob& job, float* lr,
                       std::vector<TuningScore>* scores = nullptr);

std::string run_json(const StudyJob& job, const RunResult& r);
Status parse_run_json(const std::string& text, StudyRun* run);

struct StudyEnvironment {
  std::string machine, build, date;
  double wall_seconds = 0;  // of the whole study, if known (0: unknown)
  uint32_t train_count = 0, test_count = 0;
};

// Final top-1 of one compared configuration (optimizer, learning rate, model), per GC mode, over the
// seeds that finished without diverging.
struct StudyGroupSummary {
  std::string label;  // as in the report: "sgd", "sgd lr=0.1", "sgd 3072,256,100"
  std::vector<double> top1_off, top1_on;
  uint32_t diverged_off = 0, diverged_on = 0;
};

// Reads every finished run and writes results.csv, epochs.csv, report.md and plots/*.svg.
// `missing` receives the indices of jobs without a result; `summary` (if given) the report's groups.
Status collect_study(const std::string& outdir, const StudySpec& spec, const StudyEnvironment& env,
                     std::vector<uint32_t>* missing, std::vector<StudyGroupSummary>* summary = nullptr);

std::string machine_description();
// Compiler, ISA level, gctrain version and commit, and the float kernels this process runs.
std::string build_description();

}  // namespace gct::host
