// A small end-to-end study on synthetic blobs: every output file, with the right columns.
#include "host/study.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <tuple>
#include <sstream>
#include <utility>

#include "host/atomic_file.hpp"
#include "host/blob_writer.hpp"
#include "host/data.hpp"
#include "synthetic.hpp"

namespace fs = std::filesystem;
using namespace gct;

namespace {

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_blob(const std::string& path, const testing::SyntheticData& d, BlobSplit split) {
  host::ImageSet set;
  set.channels = d.view.channels;
  set.height = d.view.height;
  set.width = d.view.width;
  set.pixels = d.pixels;
  set.fine = d.fine;
  set.coarse = d.coarse;
  host::BlobMeta meta;
  meta.split = split;
  meta.num_fine = d.view.num_fine;
  meta.num_coarse = d.view.num_coarse;
  meta.fine_to_coarse = d.fine_to_coarse;
  meta.mean[0] = 0.5f;
  meta.stddev[0] = 0.25f;
  const auto bytes = host::build_blob(set, meta);
  REQUIRE(host::write_file_atomic(path, std::string(bytes.begin(), bytes.end())).ok());
}

// Blobs of 120 training and 40 test samples (5 classes, 4x4 gray) in a new folder, opened.
struct SmallData {
  std::string dir, data, out;
  host::DataFolder folder;
};
std::unique_ptr<SmallData> small_data(const char* folder_template) {
  auto d = std::make_unique<SmallData>();
  std::string tmpl = folder_template;
  d->dir = mkdtemp(tmpl.data());
  d->data = d->dir + "/data";
  d->out = d->dir + "/out";
  fs::create_directories(d->data);
  auto train = testing::make_separable(120, 5, 1, 4, 4, 1, 40, 2);
  auto test = testing::make_separable(40, 5, 1, 4, 4, 1, 40, 2);
  write_blob(d->data + "/train.blob", train, BlobSplit::kTrain);
  write_blob(d->data + "/test.blob", test, BlobSplit::kTest);
  REQUIRE(host::open_data_folder(d->data, &d->folder, true).ok());
  return d;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  std::string l;
  while (std::getline(ss, l)) out.push_back(l);
  return out;
}

LayerSizes sizes_of(const char* text) {
  LayerSizes sizes;
  REQUIRE(parse_layer_sizes(text, &sizes).ok());
  return sizes;
}

// An optimizer of a study at its default hyper-parameters, with these learning rates.
host::StudyOptimizer study_optimizer(OptimizerKind kind, std::vector<float> lr_grid) {
  return host::StudyOptimizer{kind, optimizer_defaults(kind), std::move(lr_grid)};
}

}  // namespace

TEST_CASE("jobs come in pairs that differ only in GC") {
  host::StudySpec spec;
  spec.optimizers = {study_optimizer(OptimizerKind::kSgd, {0.1f, 0.05f}), study_optimizer(OptimizerKind::kAdam, {1e-3f})};
  spec.seeds = 3;
  spec.layers_grid = {sizes_of("16,8,4")};
  spec.init = InitScheme::kXavierUniform;
  const auto jobs = host::study_jobs(spec);
  REQUIRE(jobs.size() == (2 + 1) * 3 * 2);
  for (size_t i = 0; i < jobs.size(); i += 2) {
    CHECK(jobs[i].index == i);
    CHECK(jobs[i].gc == GcMode::kOff);
    CHECK(jobs[i + 1].gc == GcMode::kGrad);
    CHECK(jobs[i].seed == jobs[i + 1].seed);
    CHECK(jobs[i].optimizer == jobs[i + 1].optimizer);
    CHECK(jobs[i].hp.lr == jobs[i + 1].hp.lr);
  }
  host::StudySpec back;
  REQUIRE(host::parse_study_spec(host::study_spec_json(spec), &back).ok());
  CHECK(host::study_spec_json(back) == host::study_spec_json(spec));
  CHECK(back.init == InitScheme::kXavierUniform);
  CHECK(host::job_config(back, jobs[0]).init == InitScheme::kXavierUniform);
}

TEST_CASE("a small study produces every output, resumes, and reports missing runs") {
  const auto small = small_data("/tmp/gct_study_XXXXXX");
  const std::string &dir = small->dir, &data = small->data, &out = small->out;
  const host::DataFolder& folder = small->folder;

  host::StudySpec spec;
  spec.data_dir = data;
  spec.optimizers = {study_optimizer(OptimizerKind::kSgdMomentum, {0.01f}), study_optimizer(OptimizerKind::kAdam, {1e-3f})};
  spec.seeds = 2;
  spec.epochs = 1;
  spec.batch = 16;
  spec.layers_grid = {sizes_of("16,12,5")};
  REQUIRE(host::write_study_plan(out, spec, "/usr/bin/gctrain").ok());
  const auto jobs = host::study_jobs(spec);
  REQUIRE(jobs.size() == 8);
  for (const auto& job : jobs) {
    bool skipped = true;
    Status s = host::run_study_job(out, spec, job, folder.train.data, folder.test.data, {}, &skipped);
    REQUIRE_MESSAGE(s.ok(), s.message());
    CHECK_FALSE(skipped);
  }
  // Re-running a finished job does nothing.
  const auto before = fs::last_write_time(host::run_path(out, 3));
  bool skipped = false;
  REQUIRE(host::run_study_job(out, spec, jobs[3], folder.train.data, folder.test.data, {}, &skipped).ok());
  CHECK(skipped);
  CHECK(fs::last_write_time(host::run_path(out, 3)) == before);

  host::StudyEnvironment env;
  env.machine = "test machine";
  env.build = "test build";
  std::vector<uint32_t> missing;
  REQUIRE(host::collect_study(out, spec, env, &missing).ok());
  CHECK(missing.empty());

  const auto results = lines(read(out + "/results.csv"));
  REQUIRE(results.size() == 9);
  for (const char* column : {"optimizer", "gc", "seed", "epochs", "lr", "train_seconds", "seconds_per_epoch", "top1",
                             "top5", "coarse_top1", "final_train_loss", "test_loss", "elementwise_acc"}) {
    CHECK_MESSAGE(("," + results[0] + ",").find(std::string(",") + column + ",") != std::string::npos, column);
  }
  const size_t columns = static_cast<size_t>(std::count(results[0].begin(), results[0].end(), ','));
  for (const auto& row : results) CHECK(static_cast<size_t>(std::count(row.begin(), row.end(), ',')) == columns);
  const auto epochs = lines(read(out + "/epochs.csv"));
  CHECK(epochs.size() == 9);  // 8 runs x 1 epoch
  CHECK(epochs[0].find("train_loss,test_loss,test_top1") != std::string::npos);

  const std::string report = read(out + "/report.md");
  for (const char* heading : {"## Configuration", "## Results in the shape of the old report", "## Paired difference",
                              "## Reading", "## Plots", "plots/test_top1.svg", "| sgdm |", "| adam |"}) {
    CHECK_MESSAGE(report.find(heading) != std::string::npos, heading);
  }
  CHECK(report.find("Missing runs") == std::string::npos);
  for (const char* plot : {"test_top1.svg", "train_loss.svg", "final_top1.svg"}) {
    const std::string svg = read(out + "/plots/" + plot);
    CHECK(svg.rfind("<svg", 0) == 0);
    CHECK(svg.find("</svg>") != std::string::npos);
  }

  // A lost run is reported missing, with the command to run it.
  fs::remove(host::run_path(out, 5));
  REQUIRE(host::collect_study(out, spec, env, &missing).ok());
  CHECK(missing == std::vector<uint32_t>{5});
  CHECK(read(out + "/report.md").find("for N in: 5") != std::string::npos);
  CHECK(read(out + "/jobs.tsv").find("study --out '" + out + "' --run-job 5") != std::string::npos);
  fs::remove_all(dir);
}

namespace {

// A finished run with the given test top-1 after each epoch (of 1000 test samples), written as the
// job would write it.
void write_run(const std::string& out, const host::StudyJob& job, const std::vector<double>& top1_per_epoch) {
  host::RunResult r;
  r.config.batch = 16;
  r.train_samples = 100;
  r.arena_bytes = 4096;
  r.train_seconds = 1.0;
  for (size_t i = 0; i < top1_per_epoch.size(); ++i) {
    host::EpochRecord e;
    e.epoch = static_cast<uint32_t>(i + 1);
    e.train_loss = 1.0;
    e.test.count = 1000;
    e.test.classes = 5;
    e.test.top1 = static_cast<uint32_t>(std::llround(top1_per_epoch[i] * 1000));
    e.test.top5 = 1000;
    e.test.loss_sum = 1500;
    r.epochs.push_back(e);
  }
  REQUIRE(host::write_file_atomic(host::run_path(out, job.index), host::run_json(job, r)).ok());
}

void write_run(const std::string& out, const host::StudyJob& job, double top1) {
  write_run(out, job, std::vector<double>{top1});
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("the report's paired numbers, their sign and wording, computed from hand-made runs") {
  char tmpl[] = "/tmp/gct_report_XXXXXX";
  const std::string out = mkdtemp(tmpl);
  host::StudySpec spec;
  spec.data_dir = "data";
  spec.optimizers = {study_optimizer(OptimizerKind::kSgd, {0.05f}), study_optimizer(OptimizerKind::kSgdMomentum, {0.01f}), study_optimizer(OptimizerKind::kAdam, {1e-3f})};
  spec.seeds = 3;
  spec.epochs = 1;
  spec.batch = 16;
  spec.layers_grid = {sizes_of("16,12,5")};
  REQUIRE(host::write_study_plan(out, spec, "/usr/bin/gctrain").ok());
  // top-1 per seed 1, 2, 3: without GC, with GC. Differences (with - without), in points:
  //   sgd  +0.5 +1.0 +2.0: mean +1.17, sd 0.764, t 2.646, df 2, p 0.118 (not significant)
  //   sgdm +1.0 +1.5 +2.0: mean +1.50, sd 0.5,   t 5.196, p 0.0351 (significant, not after Bonferroni x3)
  //   adam -2.0 -1.9 -2.1: mean -2.00, sd 0.1,   t -34.64, p 0.00083 (significant after Bonferroni)
  // p from the closed form of Student's t with 2 degrees of freedom, p = 1 - |t| / sqrt(t^2 + 2).
  const std::map<OptimizerKind, std::pair<std::vector<double>, std::vector<double>>> top1 = {
      {OptimizerKind::kSgd, {{0.235, 0.240, 0.240}, {0.240, 0.250, 0.260}}},
      {OptimizerKind::kSgdMomentum, {{0.200, 0.210, 0.220}, {0.210, 0.225, 0.240}}},
      {OptimizerKind::kAdam, {{0.300, 0.310, 0.320}, {0.280, 0.291, 0.299}}},
  };
  const auto jobs = host::study_jobs(spec);
  REQUIRE(jobs.size() == 18);
  for (const host::StudyJob& job : jobs) {
    const auto& [without, with] = top1.at(job.optimizer);
    write_run(out, job, (job.gc == GcMode::kOff ? without : with)[job.seed - 1]);
  }
  host::StudyEnvironment env;
  std::vector<uint32_t> missing;
  REQUIRE(host::collect_study(out, spec, env, &missing).ok());
  CHECK(missing.empty());
  std::string report = read(out + "/report.md");
  // CI half-widths: t_{0.975,2} = 4.302653 times sd / sqrt(3).
  for (const char* row : {"| sgd | top-1 | 3 | +1.17 | -0.73 to +3.06 | 0.118 |",
                          "| sgdm | top-1 | 3 | +1.50 | +0.26 to +2.74 | 0.035 |",
                          "| adam | top-1 | 3 | -2.00 | -2.25 to -1.75 | < 0.001 |",
                          "| sgd | 23.83 ± 0.29 | 25.00 ± 1.00 |", "| adam | 31.00 ± 1.00 | 29.00 ± 0.95 |",
                          "**sgd** (lr 0.05): no detectable effect of GC (grad) on top-1: mean difference +1.17 points, "
                          "95 % CI -0.73 to +3.06 (p = 0.118, 3 seeds)",
                          "**sgdm** (lr 0.01): GC (grad) raised top-1 by 1.50 points on average (95 % CI +0.26 to +2.74, "
                          "p = 0.035, 3 seeds). With 3 comparisons in this report, it does not survive a Bonferroni correction",
                          "**adam** (lr 0.001): GC (grad) lowered top-1 by 2.00 points on average (95 % CI -2.25 to -1.75, "
                          "p < 0.001, 3 seeds). This holds after a Bonferroni correction"}) {
    CHECK_MESSAGE(contains(report, row), row);
  }
  CHECK_FALSE(contains(report, "Unpaired runs"));

  // A run lost from one side of a pair: listed, and the pair left out rather than cut silently.
  fs::remove(host::run_path(out, jobs[17].index));
  REQUIRE(jobs[17].optimizer == OptimizerKind::kAdam);
  REQUIRE(jobs[17].gc == GcMode::kGrad);
  REQUIRE(jobs[17].seed == 3);
  REQUIRE(host::collect_study(out, spec, env, &missing).ok());
  CHECK(missing == std::vector<uint32_t>{17});
  report = read(out + "/report.md");
  // Seeds 1 and 2 only: d = -2.0, -1.9: mean -1.95, sd 0.0707, t -39, df 1.
  CHECK_MESSAGE(contains(report, "| adam | top-1 | 2 | -1.95 | -2.59 to -1.31 | 0.016 |"), report);
  CHECK_MESSAGE(contains(report, "Unpaired runs, left out of the paired tests above (a difference needs both runs of a seed): "
                                 "adam seed 3 (no run with GC grad)."), report);
  fs::remove_all(out);
}

TEST_CASE("the report's effect per epoch, best epoch, epochs to a target and detectable effect") {
  char tmpl[] = "/tmp/gct_report_XXXXXX";
  const std::string out = mkdtemp(tmpl);
  host::StudySpec spec;
  spec.data_dir = "data";
  spec.optimizers = {study_optimizer(OptimizerKind::kSgd, {0.05f})};
  spec.seeds = 3;
  spec.epochs = 3;
  spec.batch = 16;
  spec.layers_grid = {sizes_of("16,12,5")};
  REQUIRE(host::write_study_plan(out, spec, "/usr/bin/gctrain").ok());
  // Top-1 after epochs 1-3, seeds 1-3. Differences (with - without), points:
  //   epoch 1: +5 +5 +4 (mean +4.67, sd 0.577, CI +-1.43); epoch 2: +3 +2 +3 (+2.67, CI +-1.43);
  //   epoch 3: -1 +1 -1 (-0.33, sd 1.155, CI +-2.87). GC leads early, not at the end.
  const std::vector<std::vector<double>> off = {{0.10, 0.20, 0.25}, {0.11, 0.21, 0.24}, {0.12, 0.19, 0.26}};
  const std::vector<std::vector<double>> on = {{0.15, 0.23, 0.24}, {0.16, 0.23, 0.25}, {0.16, 0.22, 0.25}};
  for (const host::StudyJob& job : host::study_jobs(spec)) {
    write_run(out, job, (job.gc == GcMode::kOff ? off : on)[job.seed - 1]);
  }
  std::vector<uint32_t> missing;
  REQUIRE(host::collect_study(out, spec, host::StudyEnvironment{}, &missing).ok());
  const std::string report = read(out + "/report.md");
  for (const char* row : {"| 1 | +4.67 (+3.23 to +6.10) |", "| 2 | +2.67 (+1.23 to +4.10) |", "| 3 | -0.33 (-3.20 to +2.54) |",
                          // target 90 % of 25.00: off reaches it in epoch 3 for every seed, on in 2, 2, 3
                          "| sgd | off | 25.00 ± 1.00 | 25.00 ± 1.00 | 3.0 ± 0.0 | 22.50 | 3.0 ± 0.0 |",
                          "| sgd | grad | 24.67 ± 0.58 | 24.67 ± 0.58 | 3.0 ± 0.0 | 22.50 | 2.3 ± 0.6 |",
                          // (t_{0.975,2} + t_{0.80,2}) * 1.1547 / sqrt(3)
                          "| sgd | top-1 | 3 | -0.33 | -3.20 to +2.54 | 0.667 | 3.58 |",
                          "an effect would have needed about 3.58 points to be detected"}) {
    CHECK_MESSAGE(contains(report, row), row);
  }
  const std::string svg = read(out + "/plots/gc_effect.svg");
  CHECK(svg.rfind("<svg", 0) == 0);
  fs::remove_all(out);
}

namespace {

// A finished tuning run: its validation top-1 (of 100 held-out samples) after its one epoch, or
// diverged.
void write_tuning_run(const std::string& out, const host::StudyJob& job, double val_top1, bool diverged = false) {
  host::RunResult r;
  r.config.batch = 16;
  r.train_samples = 100;
  r.validation_samples = 100;
  if (diverged) {
    r.diverged_at_step = 3;
    r.diverged_in_epoch = 1;
    r.diverged_message = "step 3: training loss is NaN";
  } else {
    host::EpochRecord e;
    e.epoch = 1;
    e.test.count = 1000;
    e.test.classes = 5;
    e.test.top1 = 999;  // the test set must play no part in the choice
    e.validation.count = 100;
    e.validation.classes = 5;
    e.validation.top1 = static_cast<uint32_t>(std::llround(val_top1 * 100));
    r.epochs.push_back(e);
  }
  REQUIRE(host::write_file_atomic(host::run_path(out, job.index), host::run_json(job, r)).ok());
}

host::StudySpec tuning_spec() {
  host::StudySpec spec;
  spec.data_dir = "data";
  spec.optimizers = {study_optimizer(OptimizerKind::kSgd, {0.1f, 0.01f, 0.03f}), study_optimizer(OptimizerKind::kAdam, {1e-4f, 1e-3f})};
  spec.seeds = 3;
  spec.epochs = 1;
  spec.batch = 16;
  spec.layers_grid = {sizes_of("16,12,5")};
  spec.validation = 100;
  spec.tune = true;
  spec.tune_seeds = 2;
  return spec;
}

}  // namespace

TEST_CASE("tuning: runs for every rate, seed and GC mode first, then the study's runs with rates to choose") {
  host::StudySpec spec = tuning_spec();
  const auto jobs = host::study_jobs(spec);
  const size_t tuning = (3 + 2) * 2 * 2, study = 2 * 3 * 2;
  REQUIRE(jobs.size() == tuning + study);
  for (size_t i = 0; i < jobs.size(); ++i) {
    CAPTURE(i);
    CHECK(jobs[i].index == i);
    CHECK(jobs[i].tuning == (i < tuning));
    CHECK(jobs[i].tuned == (i >= tuning));
    CHECK(host::job_validation(spec, jobs[i]) == (i < tuning ? 100u : 0u));
    CHECK(jobs[i].seed <= (i < tuning ? 2u : 3u));
    // A tuned run's plan and checks use a rate of its grid until the rate is chosen.
    CHECK(host::job_config(spec, jobs[i]).hp.lr > 0.0f);
  }
  host::StudySpec back;
  REQUIRE(host::parse_study_spec(host::study_spec_json(spec), &back).ok());
  CHECK(host::study_spec_json(back) == host::study_spec_json(spec));
  CHECK(back.tune);
  CHECK(back.tune_seeds == 2);
  CHECK(back.validation == 100);
  spec.schedule = ScheduleKind::kCosine;
  spec.warmup_epochs = 1;
  Status s = host::validate_study_spec(spec);
  CHECK(std::string(s.message()) == "a warm-up of 1 epochs leaves none of the 1 epochs for the cosine schedule");
  spec.epochs = 4;
  spec.augment = kAugmentFlip;
  REQUIRE(host::validate_study_spec(spec).ok());
  REQUIRE(host::parse_study_spec(host::study_spec_json(spec), &back).ok());
  CHECK(back.schedule == ScheduleKind::kCosine);
  CHECK(back.warmup_epochs == 1);
  CHECK(back.augment == kAugmentFlip);
  CHECK(host::job_config(back, jobs[0]).augment == kAugmentFlip);
  spec.validation = 0;
  s = host::validate_study_spec(spec);
  CHECK(std::string(s.message()) == "tuning chooses learning rates on a validation split: give its size (--val N)");
}

TEST_CASE("tuning: each GC mode's rate is chosen by validation top-1; divergence, ties and the report") {
  char tmpl[] = "/tmp/gct_tune_XXXXXX";
  const std::string out = mkdtemp(tmpl);
  const host::StudySpec spec = tuning_spec();
  REQUIRE(host::write_study_plan(out, spec, "/usr/bin/gctrain").ok());
  const auto jobs = host::study_jobs(spec);
  // Validation top-1 per (optimizer, GC mode, lr), seeds 1 and 2.
  //   sgd off:  0.1 -> 20, 22 (21)   0.01 -> 30, 31 (30.5)   0.03 -> 28, 30 (29)      chosen 0.01
  //   sgd grad: 0.1 -> 35, 36 (35.5) 0.01 -> 24, 24          0.03 -> 34, 37 (35.5)    tie: 0.03
  //   adam off: 1e-4 -> 40, 41       1e-3 -> 50, diverged                             chosen 1e-4
  //   adam grad: 1e-4 -> 40, 40      1e-3 -> 42, 44                                   chosen 1e-3
  std::map<std::tuple<OptimizerKind, GcMode, float>, std::vector<double>> val = {
      {{OptimizerKind::kSgd, GcMode::kOff, 0.1f}, {0.20, 0.22}},
      {{OptimizerKind::kSgd, GcMode::kOff, 0.01f}, {0.30, 0.31}},
      {{OptimizerKind::kSgd, GcMode::kOff, 0.03f}, {0.28, 0.30}},
      {{OptimizerKind::kSgd, GcMode::kGrad, 0.1f}, {0.35, 0.36}},
      {{OptimizerKind::kSgd, GcMode::kGrad, 0.01f}, {0.24, 0.24}},
      {{OptimizerKind::kSgd, GcMode::kGrad, 0.03f}, {0.34, 0.37}},
      {{OptimizerKind::kAdam, GcMode::kOff, 1e-4f}, {0.40, 0.41}},
      {{OptimizerKind::kAdam, GcMode::kOff, 1e-3f}, {0.50, -1}},
      {{OptimizerKind::kAdam, GcMode::kGrad, 1e-4f}, {0.40, 0.40}},
      {{OptimizerKind::kAdam, GcMode::kGrad, 1e-3f}, {0.42, 0.44}},
  };
  const host::StudyJob* first_study_job = nullptr;
  for (const host::StudyJob& job : jobs) {
    if (!job.tuning) {
      if (first_study_job == nullptr) first_study_job = &job;
      continue;
    }
    const double v = val.at({job.optimizer, job.gc, job.hp.lr})[job.seed - 1];
    if (job.index != 1) write_tuning_run(out, job, v, v < 0);  // job 1 is missing at first
  }
  float lr = 0;
  REQUIRE(jobs[1].optimizer == OptimizerKind::kSgd);
  REQUIRE(jobs[1].gc == GcMode::kGrad);
  host::StudyJob sgd_grad = *first_study_job;
  sgd_grad.gc = GcMode::kGrad;
  Status s = host::choose_tuned_lr(out, spec, sgd_grad, &lr);
  CHECK(s.code() == Code::kInvalidArgument);
  CHECK(std::string(s.message()).find("tuning runs that have not finished: 1") != std::string::npos);
  write_tuning_run(out, jobs[1], val.at({OptimizerKind::kSgd, GcMode::kGrad, 0.1f})[0]);

  const std::map<std::pair<OptimizerKind, GcMode>, float> chosen = {
      {{OptimizerKind::kSgd, GcMode::kOff}, 0.01f}, {{OptimizerKind::kSgd, GcMode::kGrad}, 0.03f},
      {{OptimizerKind::kAdam, GcMode::kOff}, 1e-4f}, {{OptimizerKind::kAdam, GcMode::kGrad}, 1e-3f}};
  for (const host::StudyJob& job : jobs) {
    if (job.tuning) continue;
    std::vector<host::TuningScore> scores;
    REQUIRE(host::choose_tuned_lr(out, spec, job, &lr, &scores).ok());
    CHECK(lr == chosen.at({job.optimizer, job.gc}));
    // The study's run as run_study_job writes it: with the chosen rate.
    host::StudyJob ran = job;
    ran.hp.lr = lr;
    write_run(out, ran, job.gc == GcMode::kOff ? 0.25 : 0.26);
  }
  host::StudyEnvironment env;
  std::vector<uint32_t> missing;
  std::vector<host::StudyGroupSummary> summary;
  REQUIRE(host::collect_study(out, spec, env, &missing, &summary).ok());
  CHECK(missing.empty());
  REQUIRE(summary.size() == 2);  // one group per optimizer, whatever rates GC off and on chose
  CHECK(summary[0].top1_off.size() == 3);
  CHECK(summary[0].top1_on.size() == 3);
  const std::string report = read(out + "/report.md");
  for (const char* row : {"| sgd | 0.1 | 21.00 | 35.50 |", "| sgd | 0.01 | **30.50** chosen | 24.00 |",
                          "| sgd | 0.03 | 29.00 | **35.50** chosen |", "| adam | 0.0001 | **40.50** chosen | 40.00 |",
                          "| adam | 0.001 | 50.00 (1 diverged) | **43.00** chosen |",
                          "**sgd** (lr tuned: 0.01 without GC, 0.03 with)",
                          "**adam** (lr tuned: 0.0001 without GC, 0.001 with)",
                          "Chosen at an end of the grid, so a better rate may lie beyond it: sgd with GC off (0.01), "
                          "adam with GC off (0.0001), adam with GC grad (0.001)"}) {
    CHECK_MESSAGE(report.find(row) != std::string::npos, std::string(row));
  }
  // The tuning runs are listed in the CSVs, marked, and kept out of the study's tables.
  const std::string results = read(out + "/results.csv");
  size_t tuning_rows = 0;
  for (const std::string& l : lines(results)) tuning_rows += l.find(",tuning,") != std::string::npos ? 1 : 0;
  CHECK(tuning_rows == 20);
  CHECK(report.find("- Runs: 32 of 32 finished (20 tuning runs, 12 study runs)") != std::string::npos);
  CHECK(report.find("| sgd | 25.00 ± 0.00 | 26.00 ± 0.00 |") != std::string::npos);
  fs::remove_all(out);
}

TEST_CASE("tuning end to end: held-out samples are never trained on; the study's runs use all with the chosen rate") {
  const auto small = small_data("/tmp/gct_tune_e2e_XXXXXX");
  const std::string &dir = small->dir, &data = small->data, &out = small->out;
  const host::DataFolder& folder = small->folder;
  host::StudySpec spec;
  spec.data_dir = data;
  spec.optimizers = {study_optimizer(OptimizerKind::kSgdMomentum, {1e-4f, 0.02f})};
  spec.seeds = 1;
  spec.epochs = 2;
  spec.batch = 16;
  spec.layers_grid = {sizes_of("16,12,5")};
  spec.validation = 30;
  spec.tune = true;
  REQUIRE(host::write_study_plan(out, spec, "/usr/bin/gctrain").ok());
  const auto jobs = host::study_jobs(spec);
  REQUIRE(jobs.size() == 2 * 2 + 2);
  bool skipped = false;
  Status s = host::run_study_job(out, spec, jobs[4], folder.train.data, folder.test.data, {}, &skipped);
  CHECK(s.code() == Code::kInvalidArgument);  // its tuning runs come first
  for (const auto& job : jobs) {
    s = host::run_study_job(out, spec, job, folder.train.data, folder.test.data, {}, &skipped);
    REQUIRE_MESSAGE(s.ok(), s.message());
  }
  for (const auto& job : jobs) {
    host::StudyRun run;
    REQUIRE(host::parse_run_json(read(host::run_path(out, job.index)), &run).ok());
    CAPTURE(job.index);
    CHECK(run.result.train_samples == (job.tuning ? 90u : 120u));
    CHECK(run.result.validation_samples == (job.tuning ? 30u : 0u));
    CHECK(run.result.epochs.back().validation.count == (job.tuning ? 30u : 0u));
    if (job.tuned) CHECK(run.job.hp.lr == 0.02f);  // 1e-4 barely moves in two epochs
  }
  // The held-out samples are the last 30: a tuning run on the first 90 alone trains identically.
  host::RunOptions options;
  options.epochs = 2;
  options.validation = 30;
  host::RunResult held_out, first_90;
  REQUIRE(host::run_training(host::job_config(spec, jobs[0]), folder.train.data, nullptr, options, &held_out).ok());
  DatasetView head = folder.train.data;
  head.count = 90;
  // The statistics of the first 90 samples, as the split computes them.
  DatasetView fit, validation;
  REQUIRE(host::split_validation(folder.train.data, 30, &fit, &validation).ok());
  head.mean[0] = fit.mean[0];
  head.stddev[0] = fit.stddev[0];
  options.validation = 0;
  REQUIRE(host::run_training(host::job_config(spec, jobs[0]), head, nullptr, options, &first_90).ok());
  CHECK(held_out.parameters_crc32 == first_90.parameters_crc32);
  fs::remove_all(dir);
}

TEST_CASE("split_validation: the last samples, statistics of the rest, refused when nothing is left") {
  auto d = testing::make_separable(10, 2, 2, 1, 2, 3, 40, 2);
  for (uint32_t i = 0; i < 10 * 4; ++i) d.pixels[i] = static_cast<uint8_t>(i < 32 ? i % 4 * 10 : 255);
  DatasetView fit, val;
  REQUIRE(host::split_validation(d.view, 2, &fit, &val).ok());
  CHECK(fit.count == 8);
  CHECK(val.count == 2);
  CHECK(val.pixels == d.view.pixels + 8 * 4);
  CHECK(val.fine == d.view.fine + 8);
  // Planar, 2 pixels per channel: channel 0 holds 0 and 10, channel 1 holds 20 and 30 in every fit
  // sample; the 255s of the held-out samples count for nothing.
  CHECK(fit.mean[0] == doctest::Approx(5.0 / 255));
  CHECK(fit.stddev[0] == doctest::Approx(5.0 / 255));
  CHECK(fit.mean[1] == doctest::Approx(25.0 / 255));
  CHECK(val.mean[1] == fit.mean[1]);
  Status s = host::split_validation(d.view, 10, &fit, &val);
  CHECK(std::string(s.message()) == "a validation split of 10 samples leaves none to train on (the training split has 10)");
}
