// collect_study: the study's results.csv, epochs.csv, report.md and plots from runs/N.json.
#include <fmt/core.h>
#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "host/atomic_file.hpp"
#include "host/stats.hpp"
#include "host/study.hpp"
#include "host/svg_plot.hpp"
#include "text_file.hpp"

namespace gct::host {
namespace {

// The runs of one compared configuration: optimizer x learning rate x model, both GC modes.
struct Group {
  std::string key;  // "sgdm lr=0.01 3072,512,256,100"
  OptimizerKind optimizer;
  float lr;
  std::string layers;
  OptimizerParams hp;
  std::map<uint64_t, const StudyRun*> off, on;  // finished runs, by seed
  std::map<uint64_t, const StudyRun*> diverged_off, diverged_on;
};

bool diverged(const StudyRun& r) { return r.result.diverged_at_step > 0; }

// " (1 of 3 diverged)" after a cell, or nothing.
std::string diverged_note(const std::map<uint64_t, const StudyRun*>& finished,
                          const std::map<uint64_t, const StudyRun*>& failed) {
  if (failed.empty()) return "";
  return fmt::format(" ({} of {} diverged)", failed.size(), finished.size() + failed.size());
}


double pct(double v) { return 100.0 * v; }

// Only what the study used: a crop alone is no flip, nor a flip alone a crop.
std::string augment_description(uint8_t flags) {
  if (flags == kAugmentNone) return "none";
  std::string what;
  if (flags & kAugmentCrop) what = "random crop of the image padded by 4 pixels";
  if (flags & kAugmentFlip) what += std::string(what.empty() ? "" : ", ") + "horizontal flip of half the images";
  return fmt::format("{} ({})", augment_name(flags), what);
}

std::string mean_std(const std::vector<double>& v, int digits = 2, double scale = 100.0) {
  const Summary s = summarize(v);
  if (s.n == 0) return "—";
  if (s.n == 1) return fmt::format("{:.{}f}", scale * s.mean, digits);
  return fmt::format("{:.{}f} ± {:.{}f}", scale * s.mean, digits, scale * s.stddev, digits);
}

std::string format_p(double p) {
  if (p < 0.001) return "< 0.001";
  return fmt::format("{:.3f}", p);
}

// "p < 0.001" or "p = 0.118", for sentences.
std::string p_phrase(double p) { return p < 0.001 ? "p < 0.001" : "p = " + format_p(p); }

const EpochRecord& last_epoch(const StudyRun* r) { return r->result.epochs.back(); }

std::vector<double> metric(const std::map<uint64_t, const StudyRun*>& runs,
                           double (*f)(const StudyRun*)) {
  std::vector<double> v;
  for (const auto& [seed, r] : runs) v.push_back(f(r));
  return v;
}

double top1_of(const StudyRun* r) { return last_epoch(r).test.top1_acc(); }
double top5_of(const StudyRun* r) { return last_epoch(r).test.top5_acc(); }
double coarse_of(const StudyRun* r) { return last_epoch(r).test.coarse_top1_acc(); }
double test_loss_of(const StudyRun* r) { return last_epoch(r).test.loss(); }
double train_loss_of(const StudyRun* r) { return last_epoch(r).train_loss; }
double time_of(const StudyRun* r) { return r->result.train_seconds; }
double elementwise_of(const StudyRun* r) { return last_epoch(r).test.elementwise_acc(); }

// Paired values (seeds present in both modes), in seed order.
void paired(const Group& g, double (*f)(const StudyRun*), std::vector<double>* with, std::vector<double>* without) {
  for (const auto& [seed, r] : g.on) {
    auto it = g.off.find(seed);
    if (it == g.off.end()) continue;
    with->push_back(f(r));
    without->push_back(f(it->second));
  }
}

std::string reading(const Group& g, const PairedTest& t, const char* gc_name, size_t comparisons) {
  std::string rates = fmt::format("lr {:g}", g.lr);
  if (g.lr == 0.0f) {  // tuned: one rate per GC mode, as chosen
    auto chosen = [](const std::map<uint64_t, const StudyRun*>& runs) {
      return runs.empty() ? std::string("?") : fmt::format("{:g}", runs.begin()->second->job.hp.lr);
    };
    rates = fmt::format("lr tuned: {} without GC, {} with", chosen(g.off), chosen(g.on));
  }
  const std::string who = fmt::format("**{}** ({})", optimizer_name(g.optimizer), rates);
  if (t.n < 2) {
    return fmt::format("{}: only {} paired seed(s): no test possible; the difference {:+.2f} points is one observation.",
                       who, t.n, pct(t.mean_diff));
  }
  const bool significant = t.valid && t.p < 0.05 && (t.ci_low > 0 || t.ci_high < 0);
  if (significant) {
    return fmt::format(
        "{}: GC ({}) {} top-1 by {:.2f} points on average (95 % CI {:+.2f} to {:+.2f}, {}, {} seeds). "
        "{}",
        who, gc_name, t.mean_diff > 0 ? "raised" : "lowered", std::fabs(pct(t.mean_diff)), pct(t.ci_low),
        pct(t.ci_high), p_phrase(t.p), t.n,
        t.p * comparisons < 0.05 ? "This holds after a Bonferroni correction for the comparisons in this report."
                                 : fmt::format("With {} comparisons in this report, it does not survive a Bonferroni correction; treat it as suggestive.", comparisons));
  }
  return fmt::format(
      "{}: no detectable effect of GC ({}) on top-1: mean difference {:+.2f} points, 95 % CI {:+.2f} to {:+.2f} "
      "({}, {} seeds). The data are consistent with no effect and with effects of the sizes in the interval; "
      "with {} seeds and this spread, an effect would have needed about {:.2f} points to be detected (80 % power).",
      who, gc_name, pct(t.mean_diff), pct(t.ci_low), pct(t.ci_high), p_phrase(t.p), t.n, t.n,
      pct(minimum_detectable_effect(t.sd_diff, t.n)));
}

// Seeds that finished in one GC mode only, as "adam seed 3 (no run with GC grad)".
template <typename Label>
std::string unpaired_runs(const std::vector<Group>& groups, const Label& label, const char* gc_name) {
  std::string out;
  auto add = [&](const Group& g, uint64_t seed, const std::string& lacking) {
    out += fmt::format("{}{} seed {} (no run {})", out.empty() ? "" : "; ", label(g), seed, lacking);
  };
  for (const Group& g : groups) {
    for (const auto& [seed, r] : g.off) {
      if (!g.on.count(seed)) add(g, seed, std::string(g.diverged_on.count(seed) ? "with GC that did not diverge, " : "") + "with GC " + gc_name);
    }
    for (const auto& [seed, r] : g.on) {
      if (!g.off.count(seed)) add(g, seed, std::string(g.diverged_off.count(seed) ? "that did not diverge, " : "") + "without GC");
    }
  }
  return out;
}

// Every diverged run with where and why; diverged runs count in the tables only as "k of n diverged".
template <typename Label>
std::string diverged_section(const std::vector<Group>& groups, const Label& label, const char* gc_name) {
  std::string out;
  for (const Group& g : groups) {
    for (int mode = 0; mode < 2; ++mode) {
      for (const auto& [seed, r] : mode == 0 ? g.diverged_off : g.diverged_on) {
        out += fmt::format("| {} | {} | {} | {} | {} | {} |\n", label(g), mode == 0 ? "off" : gc_name, seed,
                           r->result.diverged_at_step, r->result.diverged_in_epoch, r->result.diverged_message);
      }
    }
  }
  if (out.empty()) return "";
  return "\n## Diverged runs\n\nThese runs stopped when their loss, a gradient or a weight became NaN or infinite; they "
         "have no final metrics and are left out of the means and the paired tests (each is a result: this learning "
         "rate does not train this seed).\n\n| optimizer | GC | seed | step | epoch | message |\n|---|---|---|---|---|---|\n" +
         out;
}

// Per-seed top-1 at epoch e (0-based) of the seeds present in both modes with at least e + 1 epochs.
void paired_at_epoch(const Group& g, size_t e, std::vector<double>* with, std::vector<double>* without) {
  for (const auto& [seed, r] : g.on) {
    auto it = g.off.find(seed);
    if (it == g.off.end() || r->result.epochs.size() <= e || it->second->result.epochs.size() <= e) continue;
    with->push_back(r->result.epochs[e].test.top1_acc());
    without->push_back(it->second->result.epochs[e].test.top1_acc());
  }
}

size_t common_epochs(const Group& g) {
  size_t n = SIZE_MAX;
  for (const auto* m : {&g.off, &g.on}) {
    for (const auto& [seed, r] : *m) n = std::min(n, r->result.epochs.size());
  }
  return n == SIZE_MAX ? 0 : n;
}

// GC was proposed to speed training up: its paired effect on top-1 after every epoch, as a table
// (one column per configuration) and as panels of the difference with its 95 % band.
template <typename Label>
std::string effect_over_epochs(const std::vector<Group>& groups, const Label& label, std::vector<LinePanel>* panels) {
  size_t epochs = 0;
  for (const Group& g : groups) epochs = std::max(epochs, common_epochs(g));
  if (epochs == 0) return "";
  std::string md = "\n## GC's effect over the epochs\n\nPaired difference of test top-1 (with GC − without, percentage points) after each epoch: mean over seeds and 95 % CI. A lead that shrinks by the last epoch means GC sped training up without changing where it ends.\n\n| epoch |";
  for (const Group& g : groups) md += " " + label(g) + " |";
  md += "\n|---|";
  for (size_t i = 0; i < groups.size(); ++i) md += "---|";
  md += "\n";
  for (const Group& g : groups) {
    LineSeries d;
    d.label = "GC − no GC";
    d.color = "#2ca02c";
    panels->push_back(LinePanel{label(g), {}});
    panels->back().series.push_back(d);
  }
  for (size_t e = 0; e < epochs; ++e) {
    md += fmt::format("| {} |", e + 1);
    for (size_t k = 0; k < groups.size(); ++k) {
      std::vector<double> with, without;
      paired_at_epoch(groups[k], e, &with, &without);
      const PairedTest t = paired_t_test(with, without);
      if (t.n == 0) {
        md += " — |";
        continue;
      }
      md += t.valid ? fmt::format(" {:+.2f} ({:+.2f} to {:+.2f}) |", pct(t.mean_diff), pct(t.ci_low), pct(t.ci_high))
                    : fmt::format(" {:+.2f} |", pct(t.mean_diff));
      LineSeries& d = (*panels)[k].series.back();
      d.x.push_back(static_cast<double>(e + 1));
      d.y.push_back(pct(t.mean_diff));
      d.lo.push_back(pct(t.valid ? t.ci_low : t.mean_diff));
      d.hi.push_back(pct(t.valid ? t.ci_high : t.mean_diff));
    }
    md += "\n";
  }
  return md;
}

// Per seed: the best epoch's top-1 and that epoch, and the first epoch reaching `target` (0: never).
struct Trajectory {
  std::vector<double> best, best_epoch, reached;
  int never = 0;
};
Trajectory trajectories(const std::map<uint64_t, const StudyRun*>& runs, double target) {
  Trajectory t;
  for (const auto& [seed, r] : runs) {
    double best = -1, best_epoch = 0, reached = 0;
    for (const EpochRecord& e : r->result.epochs) {
      const double top1 = e.test.top1_acc();
      if (top1 > best) {
        best = top1;
        best_epoch = e.epoch;
      }
      if (reached == 0 && top1 >= target) reached = e.epoch;
    }
    t.best.push_back(best);
    t.best_epoch.push_back(best_epoch);
    if (reached > 0) {
      t.reached.push_back(reached);
    } else {
      ++t.never;
    }
  }
  return t;
}

// The best epoch beside the last, and how many epochs each mode needs to reach 90 % of the final
// top-1 without GC.
template <typename Label>
std::string best_and_speed(const std::vector<Group>& groups, const Label& label, const char* gc_name) {
  std::string md = "\n## Best epoch and epochs to a target\n\nPer seed, the best epoch's test top-1 (a run that over-fits ends below it) and the first epoch that reached the target: 90 % of the configuration's final top-1 without GC. Mean ± std over seeds.\n\n| optimizer | GC | final top-1 | best top-1 | best epoch | target | epochs to the target |\n|---|---|---|---|---|---|---|\n";
  for (const Group& g : groups) {
    const Summary final_off = summarize(metric(g.off, top1_of));
    if (final_off.n == 0) continue;
    const double target = 0.9 * final_off.mean;
    for (int mode = 0; mode < 2; ++mode) {
      const auto& m = mode == 0 ? g.off : g.on;
      if (m.empty()) continue;
      const Trajectory t = trajectories(m, target);
      md += fmt::format("| {} | {} | {} | {} | {} | {:.2f} | {}{} |\n", label(g), mode == 0 ? "off" : gc_name,
                        mean_std(metric(m, top1_of)), mean_std(t.best), mean_std(t.best_epoch, 1, 1.0), pct(target),
                        t.reached.empty() ? "—" : mean_std(t.reached, 1, 1.0),
                        t.never ? fmt::format(" ({} of {} never)", t.never, m.size()) : "");
    }
  }
  return md;
}

std::string csv_number(double v) { return std::isfinite(v) ? fmt::format("{:.6g}", v) : ""; }

// Layer sizes are written 3072-512-256-100 in CSV so that they stay one field; a network's commas
// become spaces.
std::string csv_layers(const LayerSizes& sizes) {
  char text[256];
  format_layer_sizes(sizes, text, sizeof text);
  std::string out = text;
  for (char& c : out) c = c == ',' ? ' ' : c;
  return out;
}

// The code and float kernels the runs were made with, as they recorded them: a study run across
// machines may mix kernels, whose results are not bit-comparable.
std::string runs_code(const std::vector<StudyRun>& runs, const std::vector<StudyRun>& tuning_runs) {
  std::map<std::string, int> builds;
  for (const auto* list : {&tuning_runs, &runs}) {
    for (const StudyRun& r : *list) ++builds[r.build.empty() ? std::string("not recorded") : r.build];
  }
  if (builds.empty()) return "";
  std::string md = "- Runs made by: ";
  bool first = true;
  for (const auto& [build, n] : builds) {
    md += fmt::format("{}{} ({} run{})", first ? "" : "; ", build, n, n == 1 ? "" : "s");
    first = false;
  }
  md += builds.size() > 1 ? " — **mixed builds or kernels**: runs made by different ones round differently, so "
                            "paired runs are comparable only when both sides share one\n"
                          : "\n";
  return md;
}

// The tuning runs' validation scores per optimizer, model and GC mode, and the rates chosen.
std::string tuning_section(const StudySpec& spec, const std::vector<StudyRun>& tuning_runs) {
  if (!spec.tune) return "";
  const char* gc_name = gc_mode_name(spec.gc_mode);
  std::string md = fmt::format(
      "\n## Learning rates chosen on validation data\n\nEach optimizer's rate was chosen separately without and with "
      "GC (GC changes the effective step size): tuning runs held out the last {} training samples, trained {} epochs on "
      "the rest with every rate of the grid ({} seed{}), and the rate with the highest validation top-1 after the last "
      "epoch was taken (a rate that diverged for any seed is never taken; the smaller rate wins a tie). The study's runs "
      "then trained on the whole training split with that rate; the test set played no part in the choice.\n\n",
      spec.validation, spec.epochs, spec.tune_seeds, spec.tune_seeds == 1 ? "" : "s, mean");
  md += fmt::format("| optimizer | lr | validation top-1, GC off (%) | validation top-1, GC {} (%) |\n|---|---|---|---|\n", gc_name);
  std::string edges;
  for (const LayerSizes& layers : spec.layers_grid) {
    for (const StudyOptimizer& o : spec.optimizers) {
      std::vector<TuningScore> scores[2];
      for (const StudyRun& r : tuning_runs) {
        if (r.job.optimizer == o.kind && same_layers(r.job.layers, layers)) {
          tally_tuning_run(&scores[r.job.gc == GcMode::kOff ? 0 : 1], r.job.hp.lr, r.result);
        }
      }
      const TuningScore* best[2];
      for (int m = 0; m < 2; ++m) {
        tuning_means(&scores[m]);
        best[m] = best_tuning_score(scores[m]);
      }
      const std::string label = std::string(optimizer_name(o.kind)) +
                                (spec.layers_grid.size() > 1 ? " " + layers_text(layers) : "");
      for (float lr : o.lr_grid) {
        std::string cell[2];
        for (int m = 0; m < 2; ++m) {
          auto it = std::find_if(scores[m].begin(), scores[m].end(), [&](const TuningScore& t) { return t.lr == lr; });
          if (it == scores[m].end()) {
            cell[m] = "not run";
            continue;
          }
          cell[m] = it->runs ? fmt::format("{:.2f}", 100 * it->val_top1) : "—";
          if (it->diverged) cell[m] += fmt::format(" ({} diverged)", it->diverged);
          if (best[m] == &*it) cell[m] = "**" + cell[m] + "** chosen";
        }
        md += fmt::format("| {} | {:g} | {} | {} |\n", label, lr, cell[0], cell[1]);
      }
      const auto [lo, hi] = std::minmax_element(o.lr_grid.begin(), o.lr_grid.end());
      for (int m = 0; m < 2; ++m) {
        if (best[m] != nullptr && o.lr_grid.size() > 1 && (best[m]->lr == *lo || best[m]->lr == *hi)) {
          edges += fmt::format("{}{} with GC {} ({:g})", edges.empty() ? "" : ", ", label, m == 0 ? "off" : gc_name,
                               best[m]->lr);
        }
      }
    }
  }
  if (!edges.empty()) {
    md += fmt::format("\nChosen at an end of the grid, so a better rate may lie beyond it: {}. Extend the grid "
                      "(`--lr-grid`) to be sure.\n", edges);
  }
  return md;
}

// The finished runs of the plan, tuning runs apart; the jobs without a result in `missing`.
void load_runs(const std::string& outdir, const std::vector<StudyJob>& jobs, std::vector<StudyRun>* runs,
               std::vector<StudyRun>* tuning_runs, std::vector<uint32_t>* missing) {
  runs->reserve(jobs.size());
  missing->clear();
  for (const StudyJob& job : jobs) {
    std::string text;
    StudyRun run;
    if (read_text_file(run_path(outdir, job.index), &text) && parse_run_json(text, &run).ok() &&
        run.job.index == job.index && (!run.result.epochs.empty() || diverged(run))) {
      const float chosen = run.job.hp.lr;
      run.job = job;  // the plan is authoritative for the job's identity
      if (job.tuned) run.job.hp.lr = chosen;  // the rate the tuning runs chose
      (job.tuning ? tuning_runs : runs)->push_back(run);
      continue;
    }
    missing->push_back(job.index);
  }
}

// results.csv (one row per run) and epochs.csv (one row per run and epoch), tuning runs first.
Status write_run_tables(const std::string& outdir, const std::vector<StudyRun>& runs,
                        const std::vector<StudyRun>& tuning_runs) {
  std::string results =
      "job,optimizer,gc,seed,layers,batch,epochs,lr,momentum,nesterov,alpha,beta1,beta2,eps,weight_decay,"
      "train_samples,arena_bytes,train_seconds,seconds_per_epoch,top1,top5,coarse_top1,final_train_loss,"
      "test_loss,elementwise_acc,diverged_at_step,phase,validation_samples,val_top1\n";
  std::string epochs = "job,optimizer,gc,seed,lr,layers,epoch,train_loss,test_loss,test_top1,test_top5,test_coarse_top1,seconds,"
                       "epoch_lr,val_top1,phase\n";
  std::vector<const StudyRun*> every_run;
  for (const StudyRun& r : tuning_runs) every_run.push_back(&r);
  for (const StudyRun& r : runs) every_run.push_back(&r);
  for (const StudyRun* rp : every_run) {
    const StudyRun& r = *rp;
    const char* phase = r.job.tuning ? "tuning" : "study";
    const auto val_top1 = [](const EpochRecord& e) { return e.validation.count ? csv_number(e.validation.top1_acc()) : ""; };
    const StudyJob& j = r.job;
    const OptimizerParams& p = j.hp;
    results += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},", j.index, optimizer_name(j.optimizer),
                           gc_mode_name(j.gc), j.seed, csv_layers(j.layers), r.result.config.batch,
                           r.result.epochs.size(), csv_number(p.lr), csv_number(p.momentum), p.nesterov ? 1 : 0,
                           csv_number(p.alpha), csv_number(p.beta1), csv_number(p.beta2), csv_number(p.eps),
                           csv_number(p.weight_decay), r.result.train_samples, r.result.arena_bytes,
                           csv_number(r.result.train_seconds));
    if (diverged(r)) {
      // No final result: the metrics stay empty, the step says when it diverged.
      results += fmt::format(",,,,,,,{},{},{},\n", r.result.diverged_at_step, phase, r.result.validation_samples);
    } else {
      const EpochRecord& last = r.result.epochs.back();
      results += fmt::format("{},{},{},{},{},{},{},,{},{},{}\n", csv_number(r.result.train_seconds / r.result.epochs.size()),
                             csv_number(last.test.top1_acc()), csv_number(last.test.top5_acc()),
                             last.test.has_coarse ? csv_number(last.test.coarse_top1_acc()) : "",
                             csv_number(last.train_loss), csv_number(last.test.loss()),
                             csv_number(last.test.elementwise_acc()), phase, r.result.validation_samples, val_top1(last));
    }
    for (const EpochRecord& e : r.result.epochs) {
      epochs += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", j.index, optimizer_name(j.optimizer),
                            gc_mode_name(j.gc), j.seed, csv_number(p.lr), csv_layers(j.layers), e.epoch,
                            csv_number(e.train_loss), csv_number(e.test.loss()), csv_number(e.test.top1_acc()),
                            csv_number(e.test.top5_acc()),
                            e.test.has_coarse ? csv_number(e.test.coarse_top1_acc()) : "", csv_number(e.seconds),
                            csv_number(e.lr), val_top1(e), phase);
    }
  }
  GCT_RETURN_IF_ERROR(write_file_atomic(outdir + "/results.csv", results));
  return write_file_atomic(outdir + "/epochs.csv", epochs);
}


// The study's runs in groups of one optimizer, rate and model, in plan order; each group keeps its
// runs without and with GC by seed.
std::vector<Group> group_runs(const std::vector<StudyRun>& runs) {
  std::vector<Group> groups;
  for (const StudyRun& r : runs) {
    // Tuned runs of one optimizer form one group whatever rates were chosen (GC off and on may differ).
    const float group_lr = r.job.tuned ? 0.0f : r.job.hp.lr;
    const std::string key = fmt::format("{} lr={:g} {}", optimizer_name(r.job.optimizer), group_lr, layers_text(r.job.layers));
    auto it = std::find_if(groups.begin(), groups.end(), [&](const Group& g) { return g.key == key; });
    if (it == groups.end()) {
      groups.push_back(Group{key, r.job.optimizer, group_lr, layers_text(r.job.layers), r.job.hp, {}, {}, {}, {}});
      it = groups.end() - 1;
    }
    if (diverged(r)) {
      (r.job.gc == GcMode::kOff ? it->diverged_off : it->diverged_on)[r.job.seed] = &r;
    } else {
      (r.job.gc == GcMode::kOff ? it->off : it->on)[r.job.seed] = &r;
    }
  }
  return groups;
}

bool study_has_conv(const StudySpec& spec) {
  return std::any_of(spec.layers_grid.begin(), spec.layers_grid.end(), [](const LayerSizes& l) { return l.has_conv(); });
}

// As the user gave it, but an absolute path by its last component only: a report is read on
// other machines, where this one's directories mean nothing.
std::string data_for_report(const StudySpec& spec) {
  const std::string& data = spec.data_as_given.empty() ? spec.data_dir : spec.data_as_given;
  std::filesystem::path path(data);
  if (!path.is_absolute()) return data;
  path = path.lexically_normal();
  return (path.has_filename() ? path : path.parent_path()).filename().string();
}

std::string gc_description(const StudySpec& spec) {
  const char* what = spec.gc_mode == GcMode::kGrad ? "gradient" : "final update";
  const char* when = spec.gc_mode == GcMode::kGrad ? ", after weight decay, before the optimizer's state update" : "";
  if (!study_has_conv(spec)) return fmt::format("the {} of every weight matrix is centred per output unit{}", what, when);
  return fmt::format("the {} of every convolution filter is centred over its fan-in, input channels x kernel height x kernel width, and that of every dense layer per output unit{}",
                     what, when);
}

// What the study trains: data, model, arithmetic, epochs, recipe and the comparison.
std::string setup_lines(const StudySpec& spec, const StudyEnvironment& env) {
  const char* gc_name = gc_mode_name(spec.gc_mode);
  std::string md;
  md += fmt::format("- Data: `{}` — {} training samples{}, {} test samples\n", data_for_report(spec),
                    env.train_count ? std::to_string(spec.subset ? std::min(spec.subset, env.train_count) : env.train_count) : "?",
                    spec.subset ? " (subset)" : " (full training set)", env.test_count ? std::to_string(env.test_count) : "?");
  std::string layers_list;
  for (const LayerSizes& l : spec.layers_grid) layers_list += (layers_list.empty() ? "" : " / ") + layers_text(l);
  md += fmt::format("- Model: {} {} (ReLU, softmax cross-entropy, {} initialisation{}), batch {}\n",
                    study_has_conv(spec) ? "CNN" : "MLP", layers_list, init_name(spec.init),
                    spec.init == InitScheme::kTorch ? ": weights and biases uniform in ±1/√fan_in" : ", zero biases",
                    spec.batch);
  md += fmt::format("- Arithmetic: {}\n", spec.scalar == ScalarKind::kFixed
                                               ? "integer fixed point (`--scalar fixed`; formats in the README, \"Fixed point\")"
                                               : "float32");
  md += fmt::format("- Epochs: {} per run, evaluated on the test set after every epoch; seeds {}..{} ({} per configuration)\n",
                    spec.epochs, spec.first_seed, spec.first_seed + spec.seeds - 1, spec.seeds);
  md += fmt::format("- Learning rate: {}{}; augmentation: {}\n",
                    spec.schedule == ScheduleKind::kConstant ? "constant"
                    : spec.schedule == ScheduleKind::kStep   ? "step schedule (x0.1 after half of the steps, x0.01 after three quarters)"
                                                             : "cosine schedule (0.5 (1 + cos(pi t / T)) per step)",
                    spec.warmup_epochs ? fmt::format(", after {} epochs of linear warm-up", spec.warmup_epochs) : "",
                    augment_description(spec.augment));
  if (spec.validation > 0 && !spec.tune) {
    md += fmt::format("- Validation: the last {} training samples were held out of every run and scored after every epoch (`epochs.csv`)\n",
                      spec.validation);
  }
  md += fmt::format("- GC compared: `{}` ({}) against `off`. Paired design: for one seed, both runs start from identical weights and see identical batches, so their difference is GC's alone.\n",
                    gc_name, gc_description(spec));
  return md;
}

// What ran: arena, machine, build, how to rerun, when, how long and how many runs.
std::string run_lines(const StudySpec& spec, const StudyEnvironment& env, const std::vector<StudyRun>& runs,
                      const std::vector<StudyRun>& tuning_runs, size_t jobs, bool incomplete) {
  std::string md;
  size_t arena_min = SIZE_MAX, arena_max = 0;
  for (const StudyRun& r : runs) {
    arena_min = std::min(arena_min, r.result.arena_bytes);
    arena_max = std::max(arena_max, r.result.arena_bytes);
  }
  if (!runs.empty()) {
    md += fmt::format("- Arena per run: {} bytes{} (every buffer of training; SGD needs no optimizer state, Adam two tensors)\n",
                      arena_min, arena_max != arena_min ? fmt::format(" to {} bytes", arena_max) : "");
  }
  md += fmt::format("- Machine: {}\n- Build: {}\n", env.machine, env.build);
  md += runs_code(runs, tuning_runs);
  if (!env.date.empty()) md += fmt::format("- Date: {}\n", env.date);
  if (env.wall_seconds > 0) md += fmt::format("- Wall time of the whole study: {:.0f} s ({:.1f} min)\n", env.wall_seconds, env.wall_seconds / 60);
  md += fmt::format("- Runs: {} of {} finished{}{}\n\n", runs.size() + tuning_runs.size(), jobs,
                    spec.tune ? fmt::format(" ({} tuning runs, {} study runs)", tuning_runs.size(), runs.size()) : "",
                    !incomplete ? "" : " — **incomplete study**, see the end of this report");
  return md;
}

std::string hyperparameter_table(const StudySpec& spec) {
  std::string md;
  md += "### Hyper-parameters (PyTorch's equations; the values actually used)\n\n";
  md += "| optimizer | lr | momentum | nesterov | alpha | beta1 | beta2 | eps | weight decay |\n|---|---|---|---|---|---|---|---|---|\n";
  for (const StudyOptimizer& o : spec.optimizers) {
    const OptimizerParams& p = o.hp;
    const OptimizerKind k = o.kind;
    std::string lrs;
    for (float lr : o.lr_grid) lrs += (lrs.empty() ? "" : ", ") + fmt::format("{:g}", lr);
    if (spec.tune) lrs = "tuned from " + lrs;
    md += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} | {:g} |\n", optimizer_name(k), lrs,
                      k == OptimizerKind::kSgdMomentum ? fmt::format("{:g}", p.momentum) : "—",
                      k == OptimizerKind::kSgdMomentum ? (p.nesterov ? "yes" : "no") : "—",
                      k == OptimizerKind::kRmsprop ? fmt::format("{:g}", p.alpha) : "—",
                      k == OptimizerKind::kAdam ? fmt::format("{:g}", p.beta1) : "—",
                      k == OptimizerKind::kAdam ? fmt::format("{:g}", p.beta2) : "—",
                      (k == OptimizerKind::kSgd || k == OptimizerKind::kSgdMomentum) ? "—" : fmt::format("{:g}", p.eps),
                      p.weight_decay);
  }
  return md + "\n";
}

// The report's configuration section: data, model, recipe, build and what ran.
std::string configuration_section(const StudySpec& spec, const StudyEnvironment& env, const std::vector<StudyRun>& runs,
                                  const std::vector<StudyRun>& tuning_runs, size_t jobs, bool incomplete) {
  return "## Configuration\n\n" + setup_lines(spec, env) + run_lines(spec, env, runs, tuning_runs, jobs, incomplete) +
         hyperparameter_table(spec);
}

// The four SVG plots in OUTDIR/plots.
template <typename Label>
Status write_plots(const std::string& outdir, const std::vector<Group>& groups, const Label& group_label,
                   const std::vector<LinePanel>& effect_panels, const char* gc_name) {
  const std::string plots = outdir + "/plots";
  mkdir(plots.c_str(), 0755);
  std::vector<LinePanel> acc_panels, loss_panels;
  std::vector<BarGroup> bars;
  for (const Group& g : groups) {
    LinePanel acc{group_label(g), {}}, loss{group_label(g), {}};
    BarGroup bar{group_label(g), {}, {}};
    for (int mode = 0; mode < 2; ++mode) {
      const auto& m = mode == 0 ? g.off : g.on;
      if (m.empty()) continue;
      LineSeries sa, sl;
      sa.label = sl.label = mode == 0 ? "GC off" : std::string("GC ") + gc_name;
      sa.color = sl.color = mode == 0 ? "#1f77b4" : "#d62728";
      sa.dashed = sl.dashed = mode == 0;
      size_t n_epochs = SIZE_MAX;
      for (const auto& [seed, r] : m) n_epochs = std::min(n_epochs, r->result.epochs.size());
      for (size_t e = 0; e < n_epochs; ++e) {
        std::vector<double> a, l;
        for (const auto& [seed, r] : m) {
          a.push_back(pct(r->result.epochs[e].test.top1_acc()));
          l.push_back(r->result.epochs[e].train_loss);
        }
        const Summary sa_s = summarize(a), sl_s = summarize(l);
        sa.x.push_back(static_cast<double>(e + 1));
        sl.x.push_back(static_cast<double>(e + 1));
        sa.y.push_back(sa_s.mean);
        sa.lo.push_back(sa_s.mean - sa_s.stddev);
        sa.hi.push_back(sa_s.mean + sa_s.stddev);
        sl.y.push_back(sl_s.mean);
        sl.lo.push_back(sl_s.mean - sl_s.stddev);
        sl.hi.push_back(sl_s.mean + sl_s.stddev);
      }
      acc.series.push_back(sa);
      loss.series.push_back(sl);
      const Summary top = summarize(metric(m, top1_of));
      bar.value.push_back(pct(top.mean));
      bar.err.push_back(pct(top.stddev));
    }
    acc_panels.push_back(acc);
    loss_panels.push_back(loss);
    bars.push_back(bar);
  }
  const int columns = std::min<int>(3, std::max<int>(1, static_cast<int>(groups.size())));
  GCT_RETURN_IF_ERROR(write_file_atomic(plots + "/test_top1.svg",
      line_panels_svg("Test top-1 accuracy per epoch (mean, band: ± 1 std over seeds)", "epoch", "top-1 (%)", acc_panels, columns)));
  GCT_RETURN_IF_ERROR(write_file_atomic(plots + "/train_loss.svg",
      line_panels_svg("Training loss per epoch (mean, band: ± 1 std over seeds)", "epoch", "cross-entropy", loss_panels, columns)));
  GCT_RETURN_IF_ERROR(write_file_atomic(plots + "/final_top1.svg",
      bar_chart_svg("Final test top-1 accuracy (mean ± std over seeds)", "top-1 (%)",
                    {"GC off", std::string("GC ") + gc_name}, {"#1f77b4", "#d62728"}, bars)));
  return write_file_atomic(plots + "/gc_effect.svg",
      line_panels_svg("GC's effect on test top-1 per epoch (mean paired difference, band: 95 % CI)", "epoch",
                      "top-1 difference (points)", effect_panels, columns));

}

// The old report's table and every metric per optimizer and GC mode.
template <typename Label>
std::string results_sections(const std::vector<Group>& groups, const Label& group_label, const char* gc_name) {
  std::string md = "\n## Results in the shape of the old report, with honest metrics\n\n";
  md += "Top-1 test accuracy (%) after the last epoch, mean ± standard deviation over seeds; training time is the sum of the epochs' training time (evaluation excluded), mean ± std over seeds.\n\n";
  md += fmt::format("| optimizer | top-1 without GC | top-1 with GC ({}) | train time without GC (s) | train time with GC (s) |\n|---|---|---|---|---|\n", gc_name);
  for (const Group& g : groups) {
    md += fmt::format("| {} | {}{} | {}{} | {} | {} |\n", group_label(g), mean_std(metric(g.off, top1_of)),
                      diverged_note(g.off, g.diverged_off), mean_std(metric(g.on, top1_of)),
                      diverged_note(g.on, g.diverged_on), mean_std(metric(g.off, time_of), 1, 1.0),
                      mean_std(metric(g.on, time_of), 1, 1.0));
  }
  md += "\n## All metrics\n\n";
  md += "Test set after the last epoch; accuracies in %, mean ± std over seeds. Superclass top-1: the superclass of the top-1 fine prediction equals the true superclass (20 superclasses).\n\n";
  md += "| optimizer | GC | seeds | top-1 | top-5 | superclass top-1 | test loss | final train loss |\n|---|---|---|---|---|---|---|---|\n";
  for (const Group& g : groups) {
    for (int mode = 0; mode < 2; ++mode) {
      const auto& m = mode == 0 ? g.off : g.on;
      if (m.empty()) continue;
      const auto& failed = mode == 0 ? g.diverged_off : g.diverged_on;
      md += fmt::format("| {} | {} | {}{} | {} | {} | {} | {} | {} |\n", group_label(g), mode == 0 ? "off" : gc_name,
                        m.size(), failed.empty() ? "" : fmt::format(" (+{} diverged)", failed.size()), mean_std(metric(m, top1_of)), mean_std(metric(m, top5_of)),
                        mean_std(metric(m, coarse_of)), mean_std(metric(m, test_loss_of), 3, 1.0),
                        mean_std(metric(m, train_loss_of), 3, 1.0));
    }
  }
  return md;
}

// The paired tests of every metric; the top-1 tests, one per group, for the reading.
template <typename Label>
std::string paired_section(const std::vector<Group>& groups, const Label& group_label, const char* gc_name,
                           std::vector<PairedTest>* top1_tests) {
  std::string md = "\n## Paired difference GC − no GC\n\n";
  md += "Per seed, d = metric(with GC) − metric(without GC): accuracies in percentage points, losses in nats. Mean of d, its 95 % confidence interval (Student's t, n − 1 degrees of freedom), the two-sided paired t-test p-value, and the minimum detectable effect: the smallest true difference this many seeds would detect at p < 0.05 with 80 % power, given the spread of d observed.\n\n";
  md += "| optimizer | metric | n | mean d | 95 % CI | p | detectable |\n|---|---|---|---|---|---|---|\n";
  for (const Group& g : groups) {
    struct M { const char* name; double (*f)(const StudyRun*); double scale; int digits; };
    for (M m : {M{"top-1", top1_of, 100, 2}, M{"top-5", top5_of, 100, 2}, M{"superclass top-1", coarse_of, 100, 2},
                M{"final train loss", train_loss_of, 1, 3}, M{"test loss", test_loss_of, 1, 3}}) {
      std::vector<double> with, without;
      paired(g, m.f, &with, &without);
      const PairedTest t = paired_t_test(with, without);
      if (m.f == top1_of) top1_tests->push_back(t);
      md += fmt::format("| {} | {} | {} | {:+.{}f} | {} | {} | {} |\n", group_label(g), m.name, t.n, m.scale * t.mean_diff,
                        m.digits,
                        t.valid ? fmt::format("{:+.{}f} to {:+.{}f}", m.scale * t.ci_low, m.digits, m.scale * t.ci_high, m.digits) : "—",
                        t.valid ? format_p(t.p) : "—",
                        t.n >= 2 ? fmt::format("{:.{}f}", m.scale * minimum_detectable_effect(t.sd_diff, t.n), m.digits) : "—");
    }
  }
  const std::string unpaired = unpaired_runs(groups, group_label, gc_name);
  if (!unpaired.empty()) {
    md += "\nUnpaired runs, left out of the paired tests above (a difference needs both runs of a seed): " +
          unpaired + ".\n";
  }
  return md;
}

std::string reading_section(const std::vector<Group>& groups, const char* gc_name,
                            const std::vector<PairedTest>& top1_tests, const StudySpec& spec) {
  std::string md = "\n## Reading\n\n";
  for (size_t i = 0; i < groups.size(); ++i) md += "- " + reading(groups[i], top1_tests[i], gc_name, groups.size()) + "\n";
  md += fmt::format("\n{} seeds per configuration give a test with little power: an interval that includes zero means \"not shown\", not \"no effect\". These results hold for this {}, these learning rates and {} epochs{}.\n",
                    spec.seeds, study_has_conv(spec) ? "network" : "MLP", spec.epochs,
                    study_has_conv(spec) ? "" : "; they say nothing about convolutional networks, where GC was proposed");
  return md;
}

template <typename Label>
std::string elementwise_section(const std::vector<Group>& groups, const Label& group_label, const char* gc_name) {
  std::string md = "\n## Why the old report's 0.98–0.99 \"accuracy\" meant nothing\n\n";
  md += "The old study scored the 100-wide one-hot matrix element-wise after a 0.5 threshold. A network that never outputs a probability above 0.5 scores 0.99. The same score for these runs, beside the real top-1:\n\n";
  md += "| optimizer | GC | element-wise score | real top-1 |\n|---|---|---|---|\n";
  for (const Group& g : groups) {
    for (int mode = 0; mode < 2; ++mode) {
      const auto& m = mode == 0 ? g.off : g.on;
      if (m.empty()) continue;
      md += fmt::format("| {} | {} | {} | {} % |\n", group_label(g), mode == 0 ? "off" : gc_name,
                        mean_std(metric(m, elementwise_of), 4, 1.0), mean_std(metric(m, top1_of)));
    }
  }
  return md;
}

std::string missing_section(const std::vector<uint32_t>& missing, size_t jobs) {
  if (missing.empty()) return "";
  std::string md = fmt::format("\n## Missing runs\n\n{} of {} runs have no result yet; the tables above use the finished ones only. Run them with `gctrain study --out OUTDIR --run-job N` for N in: ",
                               missing.size(), jobs);
  for (size_t i = 0; i < missing.size(); ++i) md += (i ? ", " : "") + std::to_string(missing[i]);
  return md + "\n";
}

}  // namespace

Status collect_study(const std::string& outdir, const StudySpec& spec, const StudyEnvironment& env,
                     std::vector<uint32_t>* missing, std::vector<StudyGroupSummary>* summary) {
  const std::vector<StudyJob> jobs = study_jobs(spec);
  std::vector<StudyRun> runs, tuning_runs;
  load_runs(outdir, jobs, &runs, &tuning_runs, missing);
  GCT_RETURN_IF_ERROR(write_run_tables(outdir, runs, tuning_runs));
  const std::vector<Group> groups = group_runs(runs);
  const bool multi_layers = spec.layers_grid.size() > 1;
  auto group_label = [&](const Group& g) {
    bool multi_lr = false;
    for (const Group& h : groups) multi_lr |= h.optimizer == g.optimizer && h.lr != g.lr;
    std::string label = optimizer_name(g.optimizer);
    if (multi_lr) label += fmt::format(" lr={:g}", g.lr);
    if (multi_layers) label += " " + g.layers;
    return label;
  };
  const char* gc_name = gc_mode_name(spec.gc_mode);
  if (summary != nullptr) {
    summary->clear();
    for (const Group& g : groups) {
      summary->push_back(StudyGroupSummary{group_label(g), metric(g.off, top1_of), metric(g.on, top1_of),
                                           static_cast<uint32_t>(g.diverged_off.size()),
                                           static_cast<uint32_t>(g.diverged_on.size())});
    }
  }

  std::string md = "# Gradient Centralization on CIFAR-100: does it help SGD, SGDM, Adagrad, RMSProp and Adam?\n\n";
  md += "Made by `gctrain study`. Every number below is computed from the runs in `runs/`; nothing is typed in by hand.\n\n";
  md += configuration_section(spec, env, runs, tuning_runs, jobs.size(), !missing->empty());
  md += tuning_section(spec, tuning_runs);
  md += results_sections(groups, group_label, gc_name);
  std::vector<PairedTest> top1_tests;
  md += paired_section(groups, group_label, gc_name, &top1_tests);
  std::vector<LinePanel> effect_panels;
  md += effect_over_epochs(groups, group_label, &effect_panels);
  md += best_and_speed(groups, group_label, gc_name);
  md += reading_section(groups, gc_name, top1_tests, spec);
  md += elementwise_section(groups, group_label, gc_name);
  GCT_RETURN_IF_ERROR(write_plots(outdir, groups, group_label, effect_panels, gc_name));
  md += "\n## Plots\n\n![Test top-1 per epoch](plots/test_top1.svg)\n\n![GC's effect per epoch](plots/gc_effect.svg)\n\n![Training loss per epoch](plots/train_loss.svg)\n\n![Final top-1](plots/final_top1.svg)\n";
  md += diverged_section(groups, group_label, gc_name);
  md += missing_section(*missing, jobs.size());
  md += "\nFiles: `results.csv` (one row per run), `epochs.csv` (one row per run and epoch), `runs/N.json` (each run), `study.json` (the specification).\n";
  return write_file_atomic(outdir + "/report.md", md);
}

}  // namespace gct::host
