#include <fmt/core.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <filesystem>
#include <stdexcept>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "host/atomic_file.hpp"
#include "host/study.hpp"
#include "gctrain/mlp.hpp"
#include "version.hpp"
#include "hyperparameters_json.hpp"
#include "text_file.hpp"

namespace gct::host {

using nlohmann::json;

// nlohmann's messages start with "[json.exception.type_error.302] "; people need only the rest.
static std::string strip_json_id(const char* what) {
  const char* end = std::strchr(what, ']');
  return end != nullptr && end[1] == ' ' ? std::string(end + 2) : std::string(what);
}

std::string layers_text(const LayerSizes& sizes) {
  if (sizes.has_conv()) {
    char text[256];
    format_layer_sizes(sizes, text, sizeof text);
    return text;
  }
  std::string out;
  for (int i = 0; i < sizes.count; ++i) {
    if (i > 0) out += ',';
    out += std::to_string(sizes.size[i]);
  }
  return out;
}

bool same_layers(const LayerSizes& a, const LayerSizes& b) {
  if (a.count != b.count) return false;
  for (int i = 0; i < a.count; ++i) {
    if (a.size[i] != b.size[i]) return false;
  }
  return std::memcmp(a.conv, b.conv, sizeof a.conv) == 0;
}

std::vector<StudyJob> study_jobs(const StudySpec& spec) {
  std::vector<StudyJob> jobs;
  auto add = [&](const LayerSizes& layers, const StudyOptimizer& o, float lr, uint64_t seed, GcMode gc, bool tuning) {
    StudyJob j;
    j.index = static_cast<uint32_t>(jobs.size());
    j.tuning = tuning;
    j.tuned = spec.tune && !tuning;
    j.optimizer = o.kind;
    j.gc = gc;
    j.seed = seed;
    j.layers = layers;
    j.hp = o.hp;
    j.hp.lr = j.tuned ? 0.0f : lr;
    jobs.push_back(j);
  };
  for (int phase = spec.tune ? 0 : 1; phase < 2; ++phase) {
    const bool tuning = phase == 0;
    for (const LayerSizes& layers : spec.layers_grid) {
      for (const StudyOptimizer& o : spec.optimizers) {
        // Tuning runs try every rate; tuned study runs take one each (chosen when they run).
        const std::vector<float> rates = spec.tune && !tuning ? std::vector<float>{0.0f} : o.lr_grid;
        const uint32_t seeds = tuning ? spec.tune_seeds : spec.seeds;
        for (float lr : rates) {
          for (uint32_t s = 0; s < seeds; ++s) {
            for (GcMode gc : {GcMode::kOff, spec.gc_mode}) add(layers, o, lr, spec.first_seed + s, gc, tuning);
          }
        }
      }
    }
  }
  return jobs;
}

TrainConfig job_config(const StudySpec& spec, const StudyJob& job) {
  TrainConfig c;
  c.layers = job.layers;
  c.batch = spec.batch;
  c.optimizer = job.optimizer;
  c.hp = job.hp;
  // A tuned run before its rate is chosen: the grid's first, so that its plan and checks can be made.
  if (job.tuned && c.hp.lr == 0.0f) {
    for (const StudyOptimizer& o : spec.optimizers) {
      if (o.kind == job.optimizer) c.hp.lr = o.lr_grid[0];
    }
  }
  c.gc = job.gc;
  c.seed = job.seed;
  c.scalar = spec.scalar;
  c.init = spec.init;
  c.schedule.kind = spec.schedule;
  // The run sets the schedule's length from its epochs and samples; until then one that passes the
  // checks, so that the job can be planned and validated.
  c.schedule.total_steps = spec.schedule == ScheduleKind::kConstant ? 0 : UINT32_MAX;
  c.augment = spec.augment;
  return c;
}

uint32_t job_validation(const StudySpec& spec, const StudyJob& job) { return job.tuned ? 0 : spec.validation; }

std::string study_spec_json(const StudySpec& spec) {
  std::vector<std::string> layers_grid;
  for (const LayerSizes& l : spec.layers_grid) layers_grid.push_back(layers_text(l));
  json opts = json::array();
  for (const StudyOptimizer& o : spec.optimizers) {
    opts.push_back(json{{"name", optimizer_name(o.kind)},
                        {"hyperparameters", hyperparameters_to_json(o.hp)},
                        {"lr_grid", o.lr_grid}});
  }
  json j{{"format", "gctrain-study"}, {"version", 1},
         {"data", spec.data_dir},     {"data_as_given", spec.data_as_given}, {"optimizers", opts},
         {"gc", gc_mode_name(spec.gc_mode)}, {"seeds", spec.seeds},
         {"first_seed", spec.first_seed}, {"epochs", spec.epochs},
         {"batch", spec.batch},       {"subset", spec.subset},
         {"scalar", scalar_name(spec.scalar)},
         {"init", init_name(spec.init)},
         {"layers_grid", layers_grid},
         {"schedule", schedule_name(spec.schedule)},
         {"warmup_epochs", spec.warmup_epochs},
         {"augment", augment_name(spec.augment)},
         {"validation", spec.validation},
         {"tune", spec.tune},
         {"tune_seeds", spec.tune_seeds}};
  return j.dump(2) + "\n";
}

Status validate_study_spec(const StudySpec& s) {
  auto bad = [](const char* fmt_text, auto... args) { return Status::Error(Code::kInvalidArgument, fmt_text, args...); };
  if (s.optimizers.empty()) return bad("the study has no optimizer");
  for (size_t o = 0; o < s.optimizers.size(); ++o) {
    const std::vector<float>& grid = s.optimizers[o].lr_grid;
    const char* name = optimizer_name(s.optimizers[o].kind);
    for (size_t p = 0; p < o; ++p) {
      if (s.optimizers[p].kind == s.optimizers[o].kind) return bad("optimizer %s is listed twice", name);
    }
    if (grid.empty()) return bad("optimizer %s has no learning rate", name);
    for (size_t i = 0; i < grid.size(); ++i) {
      const float lr = grid[i];
      if (!(lr > 0.0f) || !std::isfinite(lr)) return bad("learning rate %g of %s must be a number greater than 0", lr, name);
      for (size_t k = 0; k < i; ++k) {
        if (grid[k] == lr) return bad("learning rate %g is listed twice for %s", lr, name);
      }
    }
  }
  if (s.gc_mode == GcMode::kOff) return bad("the GC mode compared against off must be grad or update");
  if (s.seeds < 1 || s.seeds > 1000) return bad("seeds must be from 1 to 1000, got %u", s.seeds);
  if (s.epochs < 1 || s.epochs > 100000) return bad("epochs must be from 1 to 100000, got %u", s.epochs);
  if (s.batch < 1 || s.batch > 65536) return bad("batch must be from 1 to 65536, got %u", s.batch);
  if (s.layers_grid.empty()) return bad("the study has no model (layers_grid is empty)");
  for (const LayerSizes& l : s.layers_grid) {
    if (l.count < 2) return bad("a model of the study has %d layer sizes (2 or more)", l.count);
  }
  if (s.warmup_epochs >= s.epochs && s.schedule != ScheduleKind::kConstant) {
    return bad("a warm-up of %u epochs leaves none of the %u epochs for the %s schedule", s.warmup_epochs, s.epochs,
               schedule_name(s.schedule));
  }
  if (s.tune && s.validation == 0) return bad("tuning chooses learning rates on a validation split: give its size (--val N)");
  if (s.tune_seeds < 1 || s.tune_seeds > 1000) return bad("tuning seeds must be from 1 to 1000, got %u", s.tune_seeds);
  for (const StudyJob& j : study_jobs(s)) {
    const Status v = validate_train_config(job_config(s, j));
    if (!v.ok()) {
      return Status::Error(v.code(), "%s (job %u: %s, lr %g)", v.message(), j.index, optimizer_name(j.optimizer),
                           static_cast<double>(j.hp.lr));
    }
  }
  return Status::Ok();
}

namespace {

// A whole number within [lo, hi], read without letting a negative value wrap around.
template <typename T>
T whole(const json& j, const char* key, uint64_t lo, uint64_t hi) {
  const json& v = j.at(key);
  bool ok = v.is_number_integer();
  if (ok && v.is_number_unsigned()) {
    ok = v.get<uint64_t>() >= lo && v.get<uint64_t>() <= hi;
  } else if (ok) {
    const int64_t x = v.get<int64_t>();
    ok = x >= 0 && static_cast<uint64_t>(x) >= lo && static_cast<uint64_t>(x) <= hi;
  }
  if (!ok) throw std::invalid_argument(fmt::format("'{}' must be a whole number from {} to {}, got {}", key, lo, hi, v.dump()));
  return static_cast<T>(v.get<uint64_t>());
}

std::string text_field(const json& j, const char* key) {
  const json& v = j.at(key);
  if (!v.is_string()) throw std::invalid_argument(fmt::format("'{}' must be a string, got {}", key, v.dump()));
  return v.get<std::string>();
}

Status read_optimizers(const json& j, StudySpec* s) {
  for (const auto& o : j.at("optimizers")) {
    OptimizerKind k;
    const std::string name = text_field(o, "name");
    if (!parse_optimizer(name.c_str(), &k)) {
      return Status::Error(Code::kCorruptData, "unknown optimizer '%s'", name.c_str());
    }
    s->optimizers.push_back(
        StudyOptimizer{k, hyperparameters_from_json(o.at("hyperparameters")), o.at("lr_grid").get<std::vector<float>>()});
  }
  const std::string gc = text_field(j, "gc");
  if (!parse_gc_mode(gc.c_str(), &s->gc_mode)) {
    return Status::Error(Code::kCorruptData, "unknown GC mode '%s'", gc.c_str());
  }
  return Status::Ok();
}

// The arithmetic, the initialisation and the models.
Status read_models(const json& j, StudySpec* s) {
  // Absent in studies planned before fixed point existed: float.
  if (j.contains("scalar") && !parse_scalar(text_field(j, "scalar").c_str(), &s->scalar)) {
    return Status::Error(Code::kCorruptData, "unknown scalar kind %s", j.at("scalar").dump().c_str());
  }
  // Absent in studies planned before the choice existed: He-normal, as they used.
  if (!j.contains("init")) s->init = InitScheme::kHeNormal;
  if (j.contains("init") && !parse_init(text_field(j, "init").c_str(), &s->init)) {
    return Status::Error(Code::kCorruptData, "unknown initialisation %s", j.at("init").dump().c_str());
  }
  for (const std::string& text : j.at("layers_grid").get<std::vector<std::string>>()) {
    LayerSizes sizes;
    const Status parsed = parse_layer_sizes(text.c_str(), &sizes);
    if (!parsed.ok()) return Status::Error(Code::kCorruptData, "layers_grid: %s", parsed.message());
    s->layers_grid.push_back(sizes);
  }
  return Status::Ok();
}

// Schedule, augmentation, validation split and tuning; absent in studies planned before they
// existed: none of them.
Status read_recipe(const json& j, StudySpec* s) {
  if (j.contains("schedule") && !parse_schedule(text_field(j, "schedule").c_str(), &s->schedule)) {
    return Status::Error(Code::kCorruptData, "unknown schedule %s", j.at("schedule").dump().c_str());
  }
  if (j.contains("augment") && !parse_augment(text_field(j, "augment").c_str(), &s->augment)) {
    return Status::Error(Code::kCorruptData, "unknown augmentation %s", j.at("augment").dump().c_str());
  }
  if (j.contains("warmup_epochs")) s->warmup_epochs = whole<uint32_t>(j, "warmup_epochs", 0, 100000);
  if (j.contains("validation")) s->validation = whole<uint32_t>(j, "validation", 0, UINT32_MAX);
  if (j.contains("tune")) {
    if (!j.at("tune").is_boolean()) throw std::invalid_argument("'tune' must be true or false, got " + j.at("tune").dump());
    s->tune = j.at("tune").get<bool>();
  }
  if (j.contains("tune_seeds")) s->tune_seeds = whole<uint32_t>(j, "tune_seeds", 1, 1000);
  return Status::Ok();
}

// The specification's fields; throws on a missing field or one of the wrong type.
Status read_spec(const json& j, StudySpec* s) {
  s->data_dir = text_field(j, "data");
  // Absent in studies planned before it was recorded: the absolute folder.
  s->data_as_given = j.contains("data_as_given") ? text_field(j, "data_as_given") : s->data_dir;
  GCT_RETURN_IF_ERROR(read_optimizers(j, s));
  s->seeds = whole<uint32_t>(j, "seeds", 1, 1000);
  s->first_seed = whole<uint64_t>(j, "first_seed", 0, UINT64_MAX);
  s->epochs = whole<uint32_t>(j, "epochs", 1, 100000);
  s->batch = whole<uint32_t>(j, "batch", 1, 65536);
  s->subset = whole<uint32_t>(j, "subset", 0, UINT32_MAX);
  GCT_RETURN_IF_ERROR(read_models(j, s));
  return read_recipe(j, s);
}

}  // namespace

Status parse_study_spec(const std::string& text, StudySpec* out) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::parse_error& e) {
    return Status::Error(Code::kCorruptData, "is not valid JSON at byte %zu (truncated or edited?)", e.byte);
  }
  try {
    if (!j.is_object() || !j.contains("format") || j.at("format") != "gctrain-study" || !j.contains("version") ||
        j.at("version") != 1) {
      return Status::Error(Code::kCorruptData, "is not a gctrain study specification (format gctrain-study, version 1)");
    }
    StudySpec s;
    GCT_RETURN_IF_ERROR(read_spec(j, &s));
    const Status valid = validate_study_spec(s);
    if (!valid.ok()) return Status::Error(Code::kCorruptData, "%s", valid.message());
    *out = s;
    return Status::Ok();
  } catch (const json::out_of_range& e) {
    return Status::Error(Code::kCorruptData, "lacks a field the study needs (%s)", strip_json_id(e.what()).c_str());
  } catch (const json::type_error& e) {
    return Status::Error(Code::kCorruptData, "has a field of the wrong type (%s)", strip_json_id(e.what()).c_str());
  } catch (const std::exception& e) {
    return Status::Error(Code::kCorruptData, "%s", e.what());
  }
}

static std::string shell_quote(const std::string& s) {
  std::string o = "'";
  for (char c : s) o += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return o + "'";
}

Status write_study_plan(const std::string& outdir, const StudySpec& spec, const std::string& exe) {
  mkdir(outdir.c_str(), 0755);
  // The commands in jobs.tsv run from anywhere (GNU parallel, another node): absolute paths only.
  std::error_code ec;
  const std::string absolute_out = std::filesystem::absolute(outdir, ec).lexically_normal().string();
  const std::string runs = outdir + "/runs";
  if (mkdir(runs.c_str(), 0755) != 0 && errno != EEXIST) {
    return Status::Error(Code::kIoError, "cannot create %s: %s", runs.c_str(), std::strerror(errno));
  }
  GCT_RETURN_IF_ERROR(write_file_atomic(outdir + "/study.json", study_spec_json(spec)));
  // lr "tuned": chosen by the tuning runs ("tuning" in the first column's comment), which must
  // finish first.
  std::string tsv = "# job\toptimizer\tgc\tseed\tlr\tlayers\tcommand\n";
  for (const StudyJob& j : study_jobs(spec)) {
    tsv += fmt::format("{}\t{}\t{}\t{}\t{}\t{}\t{} study --out {} --run-job {}\n", j.index,
                       optimizer_name(j.optimizer), gc_mode_name(j.gc), j.seed,
                       j.tuned ? std::string("tuned") : fmt::format("{:g}", j.hp.lr), layers_text(j.layers),
                       shell_quote(exe), shell_quote(ec ? outdir : absolute_out), j.index);
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
  std::string out = fmt::format("clang {}.{}.{}", __clang_major__, __clang_minor__, __clang_patchlevel__);
#elif defined(__GNUC__)
  std::string out = fmt::format("g++ {}.{}.{}", __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__);
#else
  std::string out = "unknown compiler";
#endif
  return fmt::format("gctrain {} (commit {}), {}, {}, float kernels: {}", GCT_VERSION, GCT_COMMIT, out, GCT_BUILD_ISA,
                     mlp_float_kernels());
}

}  // namespace gct::host
