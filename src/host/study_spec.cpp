#include <fmt/core.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "gctrain/host/atomic_file.hpp"
#include "gctrain/host/study.hpp"
#include "hyperparameters_json.hpp"
#include "text_file.hpp"

namespace gct::host {

using nlohmann::json;

std::vector<StudyJob> study_jobs(const StudySpec& spec) {
  std::vector<StudyJob> jobs;
  for (const std::string& layers : spec.layers_grid) {
    for (size_t o = 0; o < spec.optimizers.size(); ++o) {
      for (float lr : spec.lr_grid[o]) {
        for (uint32_t s = 0; s < spec.seeds; ++s) {
          for (GcMode gc : {GcMode::kOff, spec.gc_mode}) {
            StudyJob j;
            j.index = static_cast<uint32_t>(jobs.size());
            j.optimizer = spec.optimizers[o];
            j.gc = gc;
            j.seed = spec.first_seed + s;
            j.layers = layers;
            j.hp = spec.hp[o];
            j.hp.lr = lr;
            jobs.push_back(j);
          }
        }
      }
    }
  }
  return jobs;
}

TrainConfig job_config(const StudySpec& spec, const StudyJob& job) {
  TrainConfig c;
  (void)parse_layer_sizes(job.layers.c_str(), &c.layers);
  c.batch = spec.batch;
  c.optimizer = job.optimizer;
  c.hp = job.hp;
  c.gc = job.gc;
  c.seed = job.seed;
  c.scalar = spec.scalar;
  return c;
}

std::string study_spec_json(const StudySpec& spec) {
  json opts = json::array();
  for (size_t o = 0; o < spec.optimizers.size(); ++o) {
    opts.push_back(json{{"name", optimizer_name(spec.optimizers[o])},
                        {"hyperparameters", hyperparameters_to_json(spec.hp[o])},
                        {"lr_grid", spec.lr_grid[o]}});
  }
  json j{{"format", "gctrain-study"}, {"version", 1},
         {"data", spec.data_dir},     {"optimizers", opts},
         {"gc", gc_mode_name(spec.gc_mode)}, {"seeds", spec.seeds},
         {"first_seed", spec.first_seed}, {"epochs", spec.epochs},
         {"batch", spec.batch},       {"subset", spec.subset},
         {"scalar", scalar_name(spec.scalar)},
         {"layers_grid", spec.layers_grid}};
  return j.dump(2) + "\n";
}

Status parse_study_spec(const std::string& text, StudySpec* out) {
  try {
    const json j = json::parse(text);
    if (j.at("format") != "gctrain-study" || j.at("version") != 1) {
      return Status::Error(Code::kCorruptData, "not a gctrain study specification (version 1)");
    }
    StudySpec s;
    s.data_dir = j.at("data").get<std::string>();
    for (const auto& o : j.at("optimizers")) {
      OptimizerKind k;
      if (!parse_optimizer(o.at("name").get<std::string>().c_str(), &k)) {
        return Status::Error(Code::kCorruptData, "unknown optimizer in study.json");
      }
      s.optimizers.push_back(k);
      s.hp.push_back(hyperparameters_from_json(o.at("hyperparameters")));
      s.lr_grid.push_back(o.at("lr_grid").get<std::vector<float>>());
    }
    if (!parse_gc_mode(j.at("gc").get<std::string>().c_str(), &s.gc_mode) || s.gc_mode == GcMode::kOff) {
      return Status::Error(Code::kCorruptData, "bad gc mode in study.json");
    }
    s.seeds = j.at("seeds").get<uint32_t>();
    s.first_seed = j.at("first_seed").get<uint64_t>();
    s.epochs = j.at("epochs").get<uint32_t>();
    s.batch = j.at("batch").get<uint32_t>();
    s.subset = j.at("subset").get<uint32_t>();
    // Absent in studies planned before fixed point existed: float.
    if (j.contains("scalar") && !parse_scalar(j.at("scalar").get<std::string>().c_str(), &s.scalar)) {
      return Status::Error(Code::kCorruptData, "bad scalar kind in study.json");
    }
    s.layers_grid = j.at("layers_grid").get<std::vector<std::string>>();
    if (s.optimizers.empty() || s.layers_grid.empty() || s.seeds == 0 || s.epochs == 0) {
      return Status::Error(Code::kCorruptData, "study.json describes no runs");
    }
    *out = s;
    return Status::Ok();
  } catch (const std::exception& e) {
    return Status::Error(Code::kCorruptData, "study.json: %s", e.what());
  }
}

static std::string shell_quote(const std::string& s) {
  std::string o = "'";
  for (char c : s) o += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return o + "'";
}

Status write_study_plan(const std::string& outdir, const StudySpec& spec, const std::string& exe) {
  mkdir(outdir.c_str(), 0755);
  const std::string runs = outdir + "/runs";
  if (mkdir(runs.c_str(), 0755) != 0 && errno != EEXIST) {
    return Status::Error(Code::kIoError, "cannot create %s: %s", runs.c_str(), std::strerror(errno));
  }
  GCT_RETURN_IF_ERROR(write_file_atomic(outdir + "/study.json", study_spec_json(spec)));
  std::string tsv = "# job\toptimizer\tgc\tseed\tlr\tlayers\tcommand\n";
  for (const StudyJob& j : study_jobs(spec)) {
    tsv += fmt::format("{}\t{}\t{}\t{}\t{:g}\t{}\t{} study --out {} --run-job {}\n", j.index,
                       optimizer_name(j.optimizer), gc_mode_name(j.gc), j.seed, j.hp.lr, j.layers,
                       shell_quote(exe), shell_quote(outdir), j.index);
  }
  return write_file_atomic(outdir + "/jobs.tsv", tsv);
}

Status load_study_spec(const std::string& outdir, StudySpec* spec) {
  const std::string path = outdir + "/study.json";
  std::string text;
  if (!read_text_file(path, &text)) {
    return Status::Error(Code::kIoError, "cannot read %s (plan the study first)", path.c_str());
  }
  Status s = parse_study_spec(text, spec);
  if (!s.ok()) return Status::Error(s.code(), "%s: %s", path.c_str(), s.message());
  return Status::Ok();
}

std::string machine_description() {
  std::string model = "unknown CPU";
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("model name", 0) == 0) {
      model = line.substr(line.find(':') + 2);
      break;
    }
  }
  struct utsname u {};
  uname(&u);
  return fmt::format("{}, {} logical CPUs, {} {} {}", model, sysconf(_SC_NPROCESSORS_ONLN), u.sysname,
                     u.release, u.machine);
}

std::string build_description() {
#if defined(__clang__)
  std::string compiler = fmt::format("clang {}.{}.{}", __clang_major__, __clang_minor__, __clang_patchlevel__);
#elif defined(__GNUC__)
  std::string compiler = fmt::format("g++ {}.{}.{}", __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__);
#else
  std::string compiler = "unknown compiler";
#endif
#ifdef GCT_BUILD_FLAGS
  compiler += ", " GCT_BUILD_FLAGS;
#endif
#ifdef __AVX512F__
  compiler += ", AVX-512";
#elif defined(__AVX2__)
  compiler += ", AVX2";
#endif
  return compiler;
}

}  // namespace gct::host
