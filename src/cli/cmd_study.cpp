// gctrain study: the GC study - every optimizer without and with GC over several seeds - run in
// this process (--jobs J in parallel), or planned as independent jobs for a cluster
// (--plan-only, --run-job N, --collect).
#include <fmt/core.h>
#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <memory>
#include <mutex>
#include <thread>

#include "commands.hpp"
#include "host/data.hpp"
#include "host/mapped_file.hpp"
#include "host/progress.hpp"
#include "host/resources.hpp"
#include "host/signals.hpp"
#include "host/stats.hpp"
#include "host/study.hpp"
#include "options.hpp"

namespace gct::cli {
namespace {

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

std::string now_iso() {
  std::time_t t = std::time(nullptr);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", std::gmtime(&t));
  return buf;
}

struct StudyCommand {
  std::string data, out, optimizers = "sgd,sgdm,adagrad,rmsprop,adam", gc = "grad";
  ModelOptions model;  // the model of every run (the train command's options)
  std::string layers_grid;
  std::vector<std::string> lr_overrides, lr_grids;
  uint32_t seeds = 3, epochs = 10, subset = 0, jobs = 1;
  uint64_t first_seed = 1;
  float weight_decay = 0;
  RecipeOptions recipe;
  uint32_t tune_seeds = 1;
  bool tune = false;
  bool nesterov = false, plan_only = false, collect = false, quiet = false, ignore_memory_limit = false;
  int64_t run_job = -1;
  std::string exe;

  static std::vector<float> default_tuning_grid(OptimizerKind k) {
    switch (k) {
      // Under the default cosine schedule plain SGD and SGDM want larger rates than under a constant
      // one (their best was the top of grids half a decade lower).
      case OptimizerKind::kSgd: return {0.03f, 0.1f, 0.3f, 1.0f};
      case OptimizerKind::kSgdMomentum: return {0.003f, 0.01f, 0.03f, 0.1f};
      case OptimizerKind::kAdagrad: return {0.001f, 0.003f, 0.01f, 0.03f};
      case OptimizerKind::kRmsprop:
      case OptimizerKind::kAdam: return {1e-4f, 3e-4f, 1e-3f, 3e-3f};
    }
    return {};
  }

  // Returns a usage error message, or "" on success.
  std::string add_optimizers(host::StudySpec* spec) const {
    for (const std::string& name : split(optimizers, ',')) {
      OptimizerKind k;
      if (!parse_optimizer(name.c_str(), &k)) return "unknown optimizer '" + name + "' in --optimizers";
      for (const host::StudyOptimizer& seen : spec->optimizers) {
        if (seen.kind == k) return "optimizer '" + name + "' listed twice";
      }
      OptimizerParams hp = optimizer_defaults(k);
      hp.weight_decay = weight_decay;
      hp.nesterov = nesterov && k == OptimizerKind::kSgdMomentum;
      spec->optimizers.push_back(host::StudyOptimizer{k, hp, {hp.lr}});
    }
    return "";
  }

  // The optimizer an "OPTIMIZER=..." option names, if the study has it.
  static host::StudyOptimizer* named_optimizer(host::StudySpec* spec, const std::string& option) {
    const size_t eq = option.find('=');
    if (eq == std::string::npos) return nullptr;
    for (host::StudyOptimizer& o : spec->optimizers) {
      if (option.compare(0, eq, optimizer_name(o.kind)) == 0 && std::strlen(optimizer_name(o.kind)) == eq) return &o;
    }
    return nullptr;
  }

  static bool parse_rate(const std::string& text, float* out) {
    try {
      *out = std::stof(text);
      return *out > 0;
    } catch (const std::exception&) {
      return false;
    }
  }

  // --lr and --lr-grid, then the default grids of a tuned study.
  std::string set_rates(host::StudySpec* spec) const {
    bool rate_given[kNumOptimizers] = {};  // by --lr: not tuned
    for (const std::string& o : lr_overrides) {
      host::StudyOptimizer* opt = named_optimizer(spec, o);
      if (opt == nullptr) return "--lr wants OPTIMIZER=VALUE for an optimizer of the study, got '" + o + "'";
      float v;
      if (!parse_rate(o.substr(o.find('=') + 1), &v)) return "bad learning rate in --lr '" + o + "'";
      opt->hp.lr = v;
      opt->lr_grid = {v};
      rate_given[static_cast<int>(opt->kind)] = true;
    }
    for (const std::string& o : lr_grids) {
      host::StudyOptimizer* opt = named_optimizer(spec, o);
      if (opt == nullptr) return "--lr-grid wants OPTIMIZER=V1,V2,... for an optimizer of the study, got '" + o + "'";
      std::vector<float> grid;
      for (const std::string& v : split(o.substr(o.find('=') + 1), ',')) {
        float f;
        if (!parse_rate(v, &f)) return "bad learning rate '" + v + "' in --lr-grid";
        grid.push_back(f);
      }
      opt->lr_grid = grid;
      opt->hp.lr = grid[0];
    }
    // Tuning without a grid of one's own (--lr-grid) or a rate (--lr): four rates half a decade
    // apart around the usual ones, written out so that a study is reproduced by its command.
    if (tune) {
      for (host::StudyOptimizer& o : spec->optimizers) {
        if (o.lr_grid.size() > 1 || rate_given[static_cast<int>(o.kind)]) continue;
        o.lr_grid = default_tuning_grid(o.kind);
        o.hp.lr = o.lr_grid[0];
      }
    }
    return "";
  }

  std::string build_spec(host::StudySpec* spec) {
    spec->data_dir = std::filesystem::absolute(data).lexically_normal().string();
    spec->data_as_given = data;
    std::string err = add_optimizers(spec);
    if (err.empty()) err = set_rates(spec);
    if (!err.empty()) return err;
    if (!parse_gc_mode(gc.c_str(), &spec->gc_mode) || spec->gc_mode == GcMode::kOff) {
      return "--gc must be grad or update (the mode compared against off)";
    }
    spec->seeds = seeds;
    spec->first_seed = first_seed;
    spec->epochs = epochs;
    spec->batch = model.batch;
    spec->subset = subset;
    if (!parse_scalar(model.scalar.c_str(), &spec->scalar)) return "--scalar must be float or fixed";
    if (!parse_init(model.init.c_str(), &spec->init)) return "unknown --init '" + model.init + "'";
    // The grid is every model of the study: a --net or --layers beside it would be dropped unseen.
    for (const CLI::Option* given : {model.net_opt, model.layers_opt}) {
      if (!layers_grid.empty() && given != nullptr && given->count() > 0) {
        return given->get_name() + " and --layers-grid cannot be combined: --layers-grid lists every model of the "
               "study (a network with convolutions as CxHxW:SPEC, e.g. '3x32x32:conv3x3:8,dense:100;3072,64,100')";
      }
    }
    for (const std::string& text : layers_grid.empty() ? std::vector<std::string>{model.layers_or_net()} : split(layers_grid, ';')) {
      LayerSizes sizes;
      const Status parsed = parse_layer_sizes(text.c_str(), &sizes);
      if (!parsed.ok()) return std::string(!layers_grid.empty() ? "--layers-grid: " : model.net_opt->count() ? "--net: " : "--layers: ") + parsed.message();
      spec->layers_grid.push_back(sizes);
    }
    TrainConfig recipe_config;
    const Status recipe_ok = recipe.apply(&recipe_config);
    if (!recipe_ok.ok()) return recipe_ok.message();
    spec->schedule = recipe_config.schedule.kind;
    spec->augment = recipe_config.augment;
    spec->warmup_epochs = recipe.warmup;
    spec->validation = recipe.validation;
    spec->tune = tune;
    spec->tune_seeds = tune_seeds;
    const Status valid = host::validate_study_spec(*spec);
    return valid.ok() ? "" : valid.message();
  }

  int run() {
    exe = std::filesystem::canonical("/proc/self/exe").string();
    out = std::filesystem::absolute(out).lexically_normal().string();
    host::install_bus_error_handler();
    if (collect || run_job >= 0) return run_from_plan();
    if (data.empty()) {
      print_error("study", "--data is required to plan or run a study");
      return kExitUsage;
    }
    host::StudySpec spec;
    const std::string err = build_spec(&spec);
    if (!err.empty()) {
      print_error("study", err);
      return kExitUsage;
    }
    host::DataFolder folder;
    Status s = host::open_data_folder(data, &folder, true);
    if (!s.ok()) {
      print_error("study", s);
      return kExitFailure;
    }
    // Every run's shape against the data before the folder is made: a study whose runs would all fail
    // must leave nothing that a corrected command is then refused by ("holds a different study").
    for (const host::StudyJob& job : host::study_jobs(spec)) {
      MemoryPlan plan;
      const TrainConfig job_config = host::job_config(spec, job);
      s = trainer_plan(job_config, data_shape_of(folder.train.data), &plan);
      // Each run refuses an arena larger than the memory available, so every run here would; a plan
      // for a cluster (--plan-only) runs on other machines, whose memory is theirs to check.
      if (s.ok() && !ignore_memory_limit && !plan_only) s = host::check_memory_for(plan.total, "the arena of one run");
      if (!s.ok()) {
        print_error("study", s);
        return kExitFailure;
      }
    }
    // An existing study folder may be resumed only with the same specification.
    host::StudySpec existing;
    if (std::filesystem::exists(out + "/study.json")) {
      s = host::load_study_spec(out, &existing);
      if (!s.ok()) {
        print_error("study", fmt::format("{}; choose another --out, or mend or remove it", s.message()));
        return kExitFailure;
      }
      spec.data_as_given = existing.data_as_given;  // the same folder may be spelt from elsewhere
      if (host::study_spec_json(existing) != host::study_spec_json(spec)) {
        print_error("study", fmt::format("{} holds a different study; choose another --out or remove it", out));
        return kExitUsage;
      }
    }
    s = host::write_study_plan(out, spec, exe);
    if (!s.ok()) {
      print_error("study", s);
      return kExitFailure;
    }
    const auto jobs_list = host::study_jobs(spec);
    if (plan_only) {
      fmt::print("planned {} runs in {}: study.json, jobs.tsv\n", jobs_list.size(), out);
      fmt::print("run one:  {} study --out {} --run-job N   (N = 0..{})\n", exe, out, jobs_list.size() - 1);
      fmt::print("collect:  {} study --out {} --collect\n", exe, out);
      return stdout_ok("study") ? 0 : kExitFailure;
    }
    return execute(spec, folder, jobs_list);
  }

  // Tuning runs, then the study's runs (which take their rates from the tuning runs).
  int execute(const host::StudySpec& spec, const host::DataFolder& folder, const std::vector<host::StudyJob>& jobs_list) {
    host::install_stop_handlers();
    const auto start = std::chrono::steady_clock::now();
    int failures = 0;
    for (bool tuning : {true, false}) {
      std::vector<host::StudyJob> phase;
      for (const host::StudyJob& j : jobs_list) {
        if (j.tuning == tuning) phase.push_back(j);
      }
      if (phase.empty()) continue;
      failures += execute_phase(spec, folder, phase, tuning);
      if (host::stop_requested().load()) break;
    }
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return finish(spec, wall, folder.train.data.count, folder.test.data.count, failures, host::stop_requested().load());
  }

  // What a phase is about to run, in one line.
  std::string phase_banner(const host::StudySpec& spec, size_t total, bool tuning) const {
    const char* models = spec.layers_grid.size() > 1 ? " x models" : "";
    if (tuning) {
      return fmt::format("tuning: {} runs (each optimizer's learning rates x {} seeds x GC off/{}{}) "
                         "on {} held-out samples, {} epochs each, {} at a time -> {}",
                         total, spec.tune_seeds, gc_mode_name(spec.gc_mode), models, spec.validation, spec.epochs,
                         jobs, out);
    }
    return fmt::format("study: {} runs ({} optimizers x {} seeds x GC off/{}{}), {} epochs each, {} at a time -> {}",
                       total, spec.optimizers.size(), spec.seeds, gc_mode_name(spec.gc_mode), models, spec.epochs,
                       jobs, out);
  }

  // The runs of a phase as the worker threads share them: which job is next, how far each one is
  // (for the ETA) and what each slot runs, for the status line.
  struct PhaseProgress {
    host::Progress& progress;
    size_t total;
    std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
    std::atomic<size_t> next{0}, done{0};
    std::atomic<int> failures{0};
    std::mutex mutex;
    std::vector<double> fraction;
    // What each slot runs, kept as figures and formatted only when the line is shown: this is
    // called after every step of every run.
    struct Slot {
      const std::string* name = nullptr;  // null: idle
      uint32_t epoch = 0, epochs = 0;
      double loss = 0;
    };
    std::vector<Slot> running;

    PhaseProgress(host::Progress& p, size_t jobs_total, uint32_t slots)
        : progress(p), total(jobs_total), fraction(jobs_total, 0.0), running(slots) {}

    void step(size_t i, uint32_t slot, const std::string& name, const host::RunProgress& p) {
      std::lock_guard<std::mutex> lock(mutex);
      fraction[i] = (p.epoch - 1 + static_cast<double>(p.step) / p.steps) / p.epochs;
      running[slot] = Slot{&name, p.epoch, p.epochs, p.loss};
      if (!progress.status_due()) return;
      double finished = 0;
      for (double f : fraction) finished += f;
      const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      fmt::memory_buffer line;
      fmt::format_to(std::back_inserter(line), "[{}/{} runs]", done.load(), total);
      for (size_t k = 0; k < running.size(); ++k) {
        const Slot& r = running[k];
        fmt::format_to(std::back_inserter(line), "{}", k ? " | " : " ");
        if (r.name) fmt::format_to(std::back_inserter(line), "{} ep {}/{} loss {:.3f}", *r.name, r.epoch, r.epochs, r.loss);
      }
      fmt::format_to(std::back_inserter(line), " | elapsed {} eta {}", host::format_duration(elapsed),
                     host::format_duration(elapsed / finished * (total - finished)));
      line.push_back('\0');
      progress.status(line.data());
    }

    void finished(size_t i, uint32_t slot, const host::StudyJob& job, const std::string& name, const Status& s,
                  bool run_recorded, bool skipped, const std::string& diverged) {
      std::lock_guard<std::mutex> lock(mutex);
      fraction[i] = 1.0;
      running[slot] = Slot{};
      if (!s.ok()) {
        ++failures;
        progress.println(fmt::format("run {} ({}) failed: {}", job.index, name, s.message()));
      } else if (run_recorded) {
        ++done;
        progress.println(fmt::format("run {:>3}/{} {} {}", done.load(), total, name,
                                     skipped ? "already finished, kept"
                                     : diverged.empty() ? "finished"
                                                        : "diverged (recorded as such): " + diverged));
      }
    }
  };

  // Runs the jobs on `jobs` threads; returns the number that failed.
  int execute_phase(const host::StudySpec& spec, const host::DataFolder& folder,
                    const std::vector<host::StudyJob>& jobs_list, bool tuning) {
    const auto& stop = host::stop_requested();
    host::Progress progress(!quiet);
    PhaseProgress phase(progress, jobs_list.size(), jobs);
    progress.println(phase_banner(spec, jobs_list.size(), tuning));
    auto worker = [&](uint32_t slot) {
      while (!stop.load()) {
        const size_t i = phase.next.fetch_add(1);
        if (i >= jobs_list.size()) break;
        const host::StudyJob& job = jobs_list[i];
        const std::string name = fmt::format("{}{}/{}/seed{}", optimizer_name(job.optimizer),
                                             job.tuning ? fmt::format(" lr={:g}", job.hp.lr) : "", gc_mode_name(job.gc),
                                             job.seed);
        host::RunOptions options;
        options.stop = &stop;
        options.threads = model.threads;
        options.check_memory = !ignore_memory_limit;
        options.on_step = [&, i, slot, name](const host::RunProgress& p) { phase.step(i, slot, name, p); };
        bool skipped = false;
        std::string diverged;
        const Status s =
            host::run_study_job(out, spec, job, folder.train.data, folder.test.data, options, &skipped, &diverged);
        phase.finished(i, slot, job, name, s, s.ok() && host::run_finished(out, job.index), skipped, diverged);
      }
    };
    std::vector<std::thread> threads;
    for (uint32_t t = 0; t < jobs; ++t) threads.emplace_back(worker, t);
    for (auto& th : threads) th.join();
    progress.finish();
    return phase.failures.load();
  }

  int finish(const host::StudySpec& spec, double wall, uint32_t train_count, uint32_t test_count, int failures, bool stopped) {
    host::StudyEnvironment env;
    env.machine = host::machine_description();
    env.build = host::build_description();
    env.date = now_iso();
    env.wall_seconds = wall;
    env.train_count = train_count;
    env.test_count = test_count;
    std::vector<uint32_t> missing;
    std::vector<host::StudyGroupSummary> summary;
    Status s = host::collect_study(out, spec, env, &missing, &summary);
    if (!s.ok()) {
      print_error("study", s);
      return kExitFailure;
    }
    if (!quiet) print_summary(spec, summary);
    fmt::print("wrote {0}/report.md, {0}/results.csv, {0}/epochs.csv, {0}/plots/ ({1} of {2} runs{3})\n", out,
               host::study_jobs(spec).size() - missing.size(), host::study_jobs(spec).size(),
               wall > 0 ? fmt::format(", wall time {:.0f} s", wall) : "");
    if (!missing.empty()) {
      fmt::print("missing runs ({}): run each with\n", missing.size());
      for (uint32_t m : missing) fmt::print("  {} study --out {} --run-job {}\n", exe, out, m);
    }
    if (!stdout_ok("study")) return kExitFailure;
    if (failures > 0) return kExitFailure;
    if (stopped) return kExitStopped;
    return missing.empty() ? 0 : kExitIncomplete;
  }

  // The final top-1 per configuration, from the aggregates the report was made from.
  static void print_summary(const host::StudySpec& spec, const std::vector<host::StudyGroupSummary>& summary) {
    auto cell = [](const std::vector<double>& v, uint32_t diverged) {
      const host::Summary s = host::summarize(v);
      std::string text = s.n ? fmt::format("{:.2f} ± {:.2f} (n={})", 100 * s.mean, 100 * s.stddev, s.n) : "—";
      return diverged ? text + fmt::format(", {} diverged", diverged) : text;
    };
    fmt::print("{:<10} {:>20} {:>20}\n", "top-1 %", "GC off", fmt::format("GC {}", gc_mode_name(spec.gc_mode)));
    for (const host::StudyGroupSummary& g : summary) {
      fmt::print("{:<10} {:>20} {:>20}\n", g.label, cell(g.top1_off, g.diverged_off), cell(g.top1_on, g.diverged_on));
    }
  }

  int run_from_plan() {
    if (out.empty()) {
      print_error("study", "--out is required");
      return kExitUsage;
    }
    host::StudySpec spec;
    Status s = host::load_study_spec(out, &spec);
    if (!s.ok()) {
      print_error("study", s);
      return kExitFailure;
    }
    const auto jobs_list = host::study_jobs(spec);
    if (collect) {
      uint32_t train_count = 0, test_count = 0;
      host::DataFolder folder;
      if (host::open_data_folder(spec.data_dir, &folder, true).ok()) {
        train_count = folder.train.data.count;
        test_count = folder.test.data.count;
      }
      return finish(spec, 0, train_count, test_count, 0, false);
    }
    if (run_job >= static_cast<int64_t>(jobs_list.size())) {
      print_error("study", fmt::format("--run-job {} out of range: the study has jobs 0..{}", run_job, jobs_list.size() - 1));
      return kExitUsage;
    }
    host::DataFolder folder;
    s = host::open_data_folder(spec.data_dir, &folder, true);
    if (!s.ok()) {
      print_error("study", s);
      return kExitFailure;
    }
    host::install_stop_handlers();
    host::Progress progress(!quiet);
    const host::StudyJob& job = jobs_list[static_cast<size_t>(run_job)];
    host::RunOptions options;
    options.stop = &host::stop_requested();
    options.threads = model.threads;
    options.check_memory = !ignore_memory_limit;
    options.on_epoch = [&](const host::EpochRecord& r) {
      progress.println(fmt::format("job {} {}/{}/seed{} epoch {} train loss {:.4f} test top-1 {:.2f}%", job.index,
                                   optimizer_name(job.optimizer), gc_mode_name(job.gc), job.seed, r.epoch,
                                   r.train_loss, 100 * r.test.top1_acc()));
    };
    bool skipped = false;
    std::string diverged;
    s = host::run_study_job(out, spec, job, folder.train.data, folder.test.data, options, &skipped, &diverged);
    if (!s.ok()) {
      print_error("study", s);
      return kExitFailure;
    }
    if (host::stop_requested().load() && !host::run_finished(out, job.index)) {
      fmt::print(stderr, "gctrain study: job {} interrupted, no result written\n", job.index);
      return kExitStopped;
    }
    fmt::print("job {} {}: {}\n", job.index,
               skipped ? "already finished" : diverged.empty() ? "finished" : "diverged (recorded as such): " + diverged,
               host::run_path(out, job.index));
    return stdout_ok("study") ? 0 : kExitFailure;
  }
};

}  // namespace

Runner add_study_command(CLI::App* app) {
  auto cmd = std::make_shared<StudyCommand>();
  CLI::App* sub = app->add_subcommand(
      "study", "the GC study: each optimizer without and with GC, several seeds, report and plots");
  sub->add_option("--data", cmd->data, "folder holding train.blob and test.blob")->check(not_empty());
  sub->add_option("--out", cmd->out, "output folder for results, report and plots")->required()->check(not_empty());
  sub->add_option("--optimizers", cmd->optimizers, "comma-separated subset of sgd,sgdm,adagrad,rmsprop,adam")
      ->capture_default_str();
  sub->add_option("--gc", cmd->gc, "GC mode compared against off: grad | update")
      ->check(CLI::IsMember({"grad", "update"}))->capture_default_str();
  sub->add_option("--seeds", cmd->seeds, "seeds per configuration")->check(whole_from_to(1, 1000))->capture_default_str();
  sub->add_option("--first-seed", cmd->first_seed, "first seed")->check(whole_at_least<uint64_t>(0))->capture_default_str();
  sub->add_option("--epochs", cmd->epochs, "epochs per run")->check(whole_from_to(1, 100000))->capture_default_str();
  cmd->model.add_to(sub);
  sub->add_option("--layers-grid", cmd->layers_grid, "several models, ';'-separated, e.g. '3072,512,100;3072,256,100'");
  sub->add_option("--subset", cmd->subset, "use only the first N training samples")->check(whole_at_least<uint32_t>(1));
  sub->add_option("--jobs,-j", cmd->jobs, "runs in parallel (threads, each with its own arena)")
      ->check(whole_from_to(1, 256))->capture_default_str();
  sub->add_option("--lr", cmd->lr_overrides, "learning rate of one optimizer, e.g. --lr adam=3e-4 (repeatable)");
  sub->add_option("--lr-grid", cmd->lr_grids, "several learning rates, e.g. --lr-grid sgd=0.01,0.05 (repeatable)");
  sub->add_option("--weight-decay", cmd->weight_decay, "L2 weight decay for every optimizer")->check(at_least(0));
  sub->add_flag("--nesterov", cmd->nesterov, "Nesterov momentum for sgdm");
  cmd->recipe.add_to(sub);
  sub->add_flag("--tune", cmd->tune,
                "choose each optimizer's learning rate, with and without GC separately, from its --lr-grid by "
                "validation top-1 (needs --val N); the study's runs then train on the whole training split");
  sub->add_option("--tune-seeds", cmd->tune_seeds, "seeds per learning rate in tuning")
      ->check(whole_from_to(1, 1000))->capture_default_str();
  CLI::Option* plan_only = sub->add_flag("--plan-only", cmd->plan_only, "write study.json and jobs.tsv and stop (for a cluster)");
  CLI::Option* run_job = sub->add_option("--run-job", cmd->run_job, "run job N of a planned study (OUTDIR/study.json)")
                             ->check(whole_at_least<int64_t>(0));
  CLI::Option* collect = sub->add_flag("--collect", cmd->collect, "merge finished runs into results, report and plots");
  plan_only->excludes(run_job)->excludes(collect);
  run_job->excludes(collect);
  sub->add_flag("--ignore-memory-limit", cmd->ignore_memory_limit,
                "allocate each run's arena even if it is larger than the memory available");
  sub->add_flag("-q,--quiet", cmd->quiet, "no progress output");
  return [cmd] { return cmd->run(); };
}

}  // namespace gct::cli
