#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "host/atomic_file.hpp"
#include "host/study.hpp"
#include "gctrain/mlp.hpp"
#include "hyperparameters_json.hpp"
#include "text_file.hpp"

namespace gct::host {

using nlohmann::json;

std::string run_path(const std::string& outdir, uint32_t index) {
  return outdir + "/runs/" + std::to_string(index) + ".json";
}


bool run_finished(const std::string& outdir, uint32_t index) {
  std::string text;
  StudyRun run;
  return read_text_file(run_path(outdir, index), &text) && parse_run_json(text, &run).ok() &&
         run.job.index == index;
}

std::string run_json(const StudyJob& job, const RunResult& r) {
  json epochs = json::array();
  for (const EpochRecord& e : r.epochs) {
    epochs.push_back(json{{"epoch", e.epoch},
                          {"train_loss", e.train_loss},
                          {"test_loss", e.test.loss()},
                          {"top1", e.test.top1_acc()},
                          {"top5", e.test.top5_acc()},
                          {"coarse_top1", e.test.has_coarse ? e.test.coarse_top1_acc() : -1.0},
                          {"elementwise_acc", e.test.elementwise_acc()},
                          {"elementwise_agree", e.test.elementwise_agree},
                          {"classes", e.test.classes},
                          {"test_count", e.test.count},
                          {"seconds", e.seconds},
                          {"eval_seconds", e.eval_seconds},
                          {"lr", e.lr}});
    if (e.validation.count > 0) {
      epochs.back()["val_top1"] = e.validation.top1_acc();
      epochs.back()["val_loss"] = e.validation.loss();
      epochs.back()["val_count"] = e.validation.count;
    }
  }
  json diverged = nullptr;
  if (r.diverged_at_step > 0) {
    diverged = json{{"step", r.diverged_at_step}, {"epoch", r.diverged_in_epoch}, {"message", r.diverged_message}};
  }
  json j{{"format", "gctrain-run"},
         {"version", 1},
         {"job", job.index},
         {"tuning", job.tuning},
         {"tuned", job.tuned},
         {"optimizer", optimizer_name(job.optimizer)},
         {"gc", gc_mode_name(job.gc)},
         {"seed", job.seed},
         {"layers", layers_text(job.layers)},
         {"batch", r.config.batch},
         {"hyperparameters", hyperparameters_to_json(job.hp)},
         {"train_samples", r.train_samples},
         {"validation_samples", r.validation_samples},
         {"arena_bytes", r.arena_bytes},
         {"train_seconds", r.train_seconds},
         {"diverged", diverged},
         {"build", build_description()},
         {"kernels", mlp_float_kernels()},
         {"epochs", epochs}};
  return j.dump(1) + "\n";
}

namespace {

// One epoch's record; exact counts are rebuilt from the stored rates (counts are integers, the
// rates exact ratios).
EpochRecord epoch_from_json(const json& e, float planned_lr) {
  EpochRecord rec;
  rec.epoch = e.at("epoch").get<uint32_t>();
  rec.train_loss = e.at("train_loss").get<double>();
  rec.seconds = e.at("seconds").get<double>();
  rec.eval_seconds = e.at("eval_seconds").get<double>();
  EvalResult& t = rec.test;
  t.count = e.at("test_count").get<uint32_t>();
  t.classes = e.at("classes").get<uint32_t>();
  t.loss_sum = e.at("test_loss").get<double>() * t.count;
  t.top1 = static_cast<uint32_t>(std::llround(e.at("top1").get<double>() * t.count));
  t.top5 = static_cast<uint32_t>(std::llround(e.at("top5").get<double>() * t.count));
  const double coarse = e.at("coarse_top1").get<double>();
  t.has_coarse = coarse >= 0;
  t.coarse_top1 = t.has_coarse ? static_cast<uint32_t>(std::llround(coarse * t.count)) : 0;
  t.elementwise_agree = e.at("elementwise_agree").get<uint64_t>();
  rec.lr = e.contains("lr") ? e.at("lr").get<float>() : planned_lr;
  if (e.contains("val_count")) {
    EvalResult& v = rec.validation;
    v.count = e.at("val_count").get<uint32_t>();
    v.classes = t.classes;
    v.loss_sum = e.at("val_loss").get<double>() * v.count;
    v.top1 = static_cast<uint32_t>(std::llround(e.at("val_top1").get<double>() * v.count));
  }
  return rec;
}

// What the run was: job, optimizer, GC mode, seed, model, hyperparameters and the build.
Status job_from_json(const json& j, StudyRun* r) {
  r->job.index = j.at("job").get<uint32_t>();
  // Absent in runs written before tuning existed: a study run with its planned rate.
  r->job.tuning = j.contains("tuning") && j.at("tuning").get<bool>();
  r->job.tuned = j.contains("tuned") && j.at("tuned").get<bool>();
  if (!parse_optimizer(j.at("optimizer").get<std::string>().c_str(), &r->job.optimizer) ||
      !parse_gc_mode(j.at("gc").get<std::string>().c_str(), &r->job.gc)) {
    return Status::Error(Code::kCorruptData, "bad optimizer or gc");
  }
  r->job.seed = j.at("seed").get<uint64_t>();
  const std::string layers = j.at("layers").get<std::string>();
  const Status parsed = parse_layer_sizes(layers.c_str(), &r->job.layers);
  if (!parsed.ok()) return Status::Error(Code::kCorruptData, "layers: %s", parsed.message());
  r->job.hp = hyperparameters_from_json(j.at("hyperparameters"));
  if (j.contains("build")) r->build = j.at("build").get<std::string>();
  if (j.contains("kernels")) r->kernels = j.at("kernels").get<std::string>();
  return Status::Ok();
}

// How it went: sizes, time, divergence and every epoch.
Status result_from_json(const json& j, float planned_lr, RunResult* res) {
  res->config.batch = j.at("batch").get<uint32_t>();
  res->train_samples = j.at("train_samples").get<uint32_t>();
  res->validation_samples = j.contains("validation_samples") ? j.at("validation_samples").get<uint32_t>() : 0;
  res->arena_bytes = j.at("arena_bytes").get<size_t>();
  res->train_seconds = j.at("train_seconds").get<double>();
  // Absent in runs written before diverged runs were results: none diverged.
  if (j.contains("diverged") && !j.at("diverged").is_null()) {
    const json& d = j.at("diverged");
    res->diverged_at_step = d.at("step").get<uint64_t>();
    res->diverged_in_epoch = d.at("epoch").get<uint32_t>();
    res->diverged_message = d.at("message").get<std::string>();
    if (res->diverged_at_step == 0) return Status::Error(Code::kCorruptData, "diverged at step 0");
  }
  for (const json& e : j.at("epochs")) res->epochs.push_back(epoch_from_json(e, planned_lr));
  return Status::Ok();
}

}  // namespace

Status parse_run_json(const std::string& text, StudyRun* run) {
  try {
    const json j = json::parse(text);
    if (j.at("format") != "gctrain-run" || j.at("version") != 1) {
      return Status::Error(Code::kCorruptData, "not a gctrain run result");
    }
    StudyRun r;
    GCT_RETURN_IF_ERROR(job_from_json(j, &r));
    GCT_RETURN_IF_ERROR(result_from_json(j, static_cast<float>(r.job.hp.lr), &r.result));
    *run = r;
    return Status::Ok();
  } catch (const std::exception& e) {
    return Status::Error(Code::kCorruptData, "%s", e.what());
  }
}

Status run_study_job(const std::string& outdir, const StudySpec& spec, const StudyJob& job,
                     const DatasetView& train, const DatasetView& test, RunOptions options,
                     bool* skipped, std::string* diverged_message) {
  *skipped = false;
  if (run_finished(outdir, job.index)) {
    *skipped = true;
    return Status::Ok();
  }
  options.epochs = spec.epochs;
  options.subset = spec.subset;
  options.validation = job_validation(spec, job);
  options.warmup_epochs = spec.warmup_epochs;
  StudyJob planned = job;
  if (job.tuned) GCT_RETURN_IF_ERROR(choose_tuned_lr(outdir, spec, job, &planned.hp.lr));
  RunResult result;
  const Status s = run_training(job_config(spec, planned), train, &test, options, &result);
  // A diverged run is a result of the study (this learning rate does not work for this seed): it
  // is recorded, not left to be run again into the same divergence.
  const bool diverged = s.code() == Code::kNumericalError && result.diverged_at_step > 0;
  if (!s.ok() && !diverged) return s;
  if (diverged && diverged_message != nullptr) *diverged_message = result.diverged_message;
  if (!diverged && (result.interrupted || result.epochs.size() != spec.epochs)) return Status::Ok();
  mkdir((outdir + "/runs").c_str(), 0755);
  return write_file_atomic(run_path(outdir, job.index), run_json(planned, result));
}

void tally_tuning_run(std::vector<TuningScore>* scores, float lr, const RunResult& run) {
  auto it = std::find_if(scores->begin(), scores->end(), [&](const TuningScore& s) { return s.lr == lr; });
  if (it == scores->end()) it = scores->insert(scores->end(), TuningScore{lr, 0.0, 0, 0});
  if (run.diverged_at_step > 0 || run.epochs.empty()) {
    ++it->diverged;
    return;
  }
  it->val_top1 += run.epochs.back().validation.top1_acc();
  ++it->runs;
}

void tuning_means(std::vector<TuningScore>* scores) {
  for (TuningScore& s : *scores) {
    if (s.runs > 0) s.val_top1 /= s.runs;
  }
}

const TuningScore* best_tuning_score(const std::vector<TuningScore>& scores) {
  const TuningScore* best = nullptr;
  for (const TuningScore& s : scores) {
    if (s.runs == 0 || s.diverged > 0) continue;
    if (best == nullptr || s.val_top1 > best->val_top1 || (s.val_top1 == best->val_top1 && s.lr < best->lr)) best = &s;
  }
  return best;
}

Status choose_tuned_lr(const std::string& outdir, const StudySpec& spec, const StudyJob& job, float* lr,
                       std::vector<TuningScore>* scores_out) {
  std::vector<TuningScore> scores;
  std::string unfinished;
  for (const StudyJob& t : study_jobs(spec)) {
    if (!t.tuning || t.optimizer != job.optimizer || t.gc != job.gc || !same_layers(t.layers, job.layers)) continue;
    std::string text;
    StudyRun run;
    if (!read_text_file(run_path(outdir, t.index), &text) || !parse_run_json(text, &run).ok() ||
        run.job.index != t.index) {
      unfinished += (unfinished.empty() ? "" : ", ") + std::to_string(t.index);
      continue;
    }
    tally_tuning_run(&scores, t.hp.lr, run.result);
  }
  if (!unfinished.empty()) {
    return Status::Error(Code::kInvalidArgument, "job %u takes its learning rate from tuning runs that have not finished: %s",
                         job.index, unfinished.c_str());
  }
  tuning_means(&scores);
  const TuningScore* best = best_tuning_score(scores);
  if (best == nullptr) {
    return Status::Error(Code::kNumericalError, "every learning rate tried for %s with GC %s diverged in tuning; try smaller ones",
                         optimizer_name(job.optimizer), gc_mode_name(job.gc));
  }
  *lr = best->lr;
  if (scores_out != nullptr) *scores_out = scores;
  return Status::Ok();
}

}  // namespace gct::host
