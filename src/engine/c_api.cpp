// The C API (gctrain.h) over the C++ engine: handles placed at the start of the caller's arena.
#include "gctrain/gctrain.h"

#include <cmath>
#include <cstring>
#include <new>
#include <type_traits>

#include "gctrain/model.hpp"
#include "gctrain/predictor.hpp"
#include "gctrain/trainer.hpp"
#include "decimal.hpp"

struct gct_trainer {
  gct::Trainer t;
};

struct gct_predictor {
  gct::ModelView model;
  gct::Predictor p;
};

namespace {

using gct::Code;
using gct::Status;

static_assert(static_cast<int>(Code::kIoError) == GCT_IO_ERROR, "gct_status mirrors gct::Code");
static_assert(sizeof(gct_error{}.message) == Status::kMaxMessage, "gct_error holds any Status message");

constexpr size_t round64(size_t x) { return (x + 63) / 64 * 64; }

gct_status fail(const Status& s, gct_error* err) {
  if (err != nullptr) {
    err->code = static_cast<gct_status>(s.code());
    // A Status message fits (static_assert above); the bound only keeps the copy safe.
    const char* text = s.ok() ? "" : s.message();
    size_t n = 0;
    while (n < sizeof err->message - 1 && text[n] != '\0') ++n;
    std::memcpy(err->message, text, n);
    err->message[n] = '\0';
  }
  return static_cast<gct_status>(s.code());
}

// The model: the network's text over the sample format's image, or the MLP's sizes.
Status to_layers(const gct_config* c, const gct::DatasetView& f, gct::LayerSizes* out) {
  if (c->net != nullptr) return gct::parse_net(c->net, f.channels, f.height, f.width, out);
  if (c->layer_sizes == nullptr) return Status::Error(Code::kInvalidArgument, "no layer sizes and no network");
  if (c->layer_count < 2 || c->layer_count > gct::kMaxLayers + 1) {
    return Status::Error(Code::kInvalidArgument, "model needs 2 to %d layer sizes, got %d", gct::kMaxLayers + 1,
                         c->layer_count);
  }
  out->count = c->layer_count;
  for (int i = 0; i < c->layer_count; ++i) out->size[i] = c->layer_sizes[i];
  return Status::Ok();
}

// A C enum's value as its caller stored it: reading an out-of-range value through the enum type
// is undefined in C++, so the bytes are read as an integer, signed because compilers give these
// enums an unsigned type and (gct_optimizer)-1 would be named 4294967295.
template <class E>
long long raw(const E& e) {
  std::make_signed_t<std::underlying_type_t<E>> v;
  static_assert(sizeof v == sizeof e, "an enum is its underlying integer");
  std::memcpy(&v, &e, sizeof v);
  return static_cast<long long>(v);
}

Status to_config(const gct_config* c, const gct::DatasetView& f, gct::TrainConfig* out) {
  if (c == nullptr) return Status::Error(Code::kInvalidArgument, "no configuration");
  if (raw(c->optimizer) < GCT_SGD || raw(c->optimizer) > GCT_ADAM) {
    return Status::Error(Code::kInvalidArgument, "unknown optimizer %s (GCT_SGD 0 .. GCT_ADAM 4)", gct::decimal_signed(raw(c->optimizer)).text);
  }
  if (raw(c->gc) < GCT_GC_OFF || raw(c->gc) > GCT_GC_UPDATE) {
    return Status::Error(Code::kInvalidArgument, "unknown GC mode %s (GCT_GC_OFF 0 .. GCT_GC_UPDATE 2)", gct::decimal_signed(raw(c->gc)).text);
  }
  if (raw(c->arithmetic) < GCT_FLOAT || raw(c->arithmetic) > GCT_FIXED) {
    return Status::Error(Code::kInvalidArgument, "unknown arithmetic %s (GCT_FLOAT 0, GCT_FIXED 1)", gct::decimal_signed(raw(c->arithmetic)).text);
  }
  if (c->freeze > 255) {
    return Status::Error(Code::kInvalidArgument, "freeze %u: at most %d weight layers exist", static_cast<unsigned>(c->freeze),
                         gct::kMaxLayers);
  }
  // 0 is documented as the optimizer's default; anything else must be a rate.
  if (!(c->lr == 0.0f || (std::isfinite(c->lr) && c->lr > 0.0f))) {
    return Status::Error(Code::kInvalidArgument, "lr %g: a learning rate must be > 0 (or 0 for the optimizer's default)",
                         static_cast<double>(c->lr));
  }
  gct::TrainConfig t;
  GCT_RETURN_IF_ERROR(to_layers(c, f, &t.layers));
  t.batch = c->batch;
  t.optimizer = static_cast<gct::OptimizerKind>(c->optimizer);
  t.hp = gct::optimizer_defaults(t.optimizer);
  if (c->lr > 0.0f) t.hp.lr = c->lr;
  t.gc = static_cast<gct::GcMode>(c->gc);
  t.scalar = static_cast<gct::ScalarKind>(c->arithmetic);
  t.seed = c->seed;
  t.freeze = static_cast<uint8_t>(c->freeze);
  GCT_RETURN_IF_ERROR(gct::validate_train_config(t));
  *out = t;
  return Status::Ok();
}

// A view of no records: the trainer learns from the caller's samples alone.
Status to_format(const gct_format* f, gct::DatasetView* out) {
  if (f == nullptr) return Status::Error(Code::kInvalidArgument, "no sample format");
  if (raw(f->layout) != GCT_PLANAR && raw(f->layout) != GCT_INTERLEAVED) {
    return Status::Error(Code::kInvalidArgument, "unknown pixel layout %s (GCT_PLANAR 0, GCT_INTERLEAVED 1)",
                         gct::decimal_signed(raw(f->layout)).text);
  }
  gct::DatasetView v;
  v.channels = f->channels;
  v.height = f->height;
  v.width = f->width;
  v.num_fine = f->classes;
  v.layout = f->layout == GCT_INTERLEAVED ? gct::PixelLayout::kInterleaved : gct::PixelLayout::kPlanar;
  for (int c = 0; c < gct::kMaxChannels; ++c) {
    v.mean[c] = f->mean[c];
    v.stddev[c] = f->stddev[c];
  }
  GCT_RETURN_IF_ERROR(gct::dataset_validate_format(v));
  *out = v;
  return Status::Ok();
}

gct::Prediction to_prediction(float* probabilities, uint16_t* top, uint32_t k) {
  gct::Prediction p;
  p.probabilities = probabilities;
  p.top = top;
  p.k = top != nullptr ? k : 0;
  return p;
}

gct::Samples to_samples(const uint8_t* pixels, const uint8_t* labels, uint32_t rows) {
  gct::Samples s;
  s.pixels = pixels;
  s.labels = labels;
  s.rows = rows;
  return s;
}

// `needed` is what the plan call told the caller (handle included): the numbers they can compare.
Status check_arena(void* arena, size_t needed, size_t bytes, const char* plan_call) {
  if (arena == nullptr || reinterpret_cast<uintptr_t>(arena) % 64 != 0) {
    return Status::Error(Code::kInvalidArgument, "the arena must be 64-byte aligned");
  }
  if (bytes < needed) {
    return Status::Error(Code::kArenaTooSmall, "arena too small: %s says %s bytes, %s given", plan_call,
                         gct::decimal(needed).text, gct::decimal(bytes).text);
  }
  return Status::Ok();
}

// The arena's layout fits size_t (arena_status); with the handle in front it must still fit, or on a
// 32-bit target the sum wraps to a plan smaller than the handle and a tiny arena is taken.
Status with_handle(size_t handle, size_t layout, size_t* bytes) {
  if (layout > SIZE_MAX - handle) {
    return Status::Error(Code::kArenaTooSmall, "the arena needs %s + %s bytes, more than this target can address",
                         gct::decimal(handle).text, gct::decimal(layout).text);
  }
  *bytes = handle + layout;
  return Status::Ok();
}

Status no_pointer(const char* call, const char* what) {
  return Status::Error(Code::kInvalidArgument, "%s: %s is NULL", call, what);
}

}  // namespace

extern "C" {

gct_status gct_config_default(gct_config* config) {
  if (config == nullptr) return fail(no_pointer("gct_config_default", "config"), nullptr);
  std::memset(config, 0, sizeof *config);
  config->batch = 1;
  config->optimizer = GCT_SGD;
  config->gc = GCT_GC_OFF;
  config->arithmetic = GCT_FLOAT;
  config->seed = 1;
  return GCT_OK;
}

namespace {

Status trainer_plan_bytes(const gct_config* config, const gct_format* format, gct::TrainConfig* c, gct::DatasetView* f,
                          size_t* bytes) {
  GCT_RETURN_IF_ERROR(to_format(format, f));
  GCT_RETURN_IF_ERROR(to_config(config, *f, c));
  gct::MemoryPlan plan;
  GCT_RETURN_IF_ERROR(gct::trainer_plan(*c, gct::data_shape_of(*f), &plan));
  return with_handle(round64(sizeof(gct_trainer)), plan.total, bytes);
}

Status predictor_plan_bytes(const uint8_t* model, size_t model_bytes, uint32_t batch, gct::ModelView* view,
                            size_t* bytes) {
  GCT_RETURN_IF_ERROR(gct::model_open(model, model_bytes, view));
  gct::MemoryPlan plan;
  GCT_RETURN_IF_ERROR(gct::predictor_plan(*view, batch, &plan));
  return with_handle(round64(sizeof(gct_predictor)), plan.total, bytes);
}

}  // namespace

gct_status gct_trainer_plan(const gct_config* config, const gct_format* format, size_t* arena_bytes, gct_error* err) {
  if (arena_bytes == nullptr) return fail(no_pointer("gct_trainer_plan", "arena_bytes"), err);
  gct::TrainConfig c;
  gct::DatasetView f;
  return fail(trainer_plan_bytes(config, format, &c, &f, arena_bytes), err);
}

gct_trainer* gct_trainer_create(const gct_config* config, const gct_format* format, void* arena, size_t arena_bytes,
                                gct_error* err) {
  gct::TrainConfig c;
  gct::DatasetView f;
  const size_t handle = round64(sizeof(gct_trainer));
  size_t needed = 0;
  Status s = trainer_plan_bytes(config, format, &c, &f, &needed);
  if (s.ok()) s = check_arena(arena, needed, arena_bytes, "gct_trainer_plan");
  if (!s.ok()) {
    fail(s, err);
    return nullptr;
  }
  auto* t = new (arena) gct_trainer;
  s = gct::trainer_setup(&t->t, c, f, static_cast<uint8_t*>(arena) + handle, arena_bytes - handle);
  fail(s, err);
  return s.ok() ? t : nullptr;
}

gct_status gct_trainer_train(gct_trainer* t, const uint8_t* pixels, const uint8_t* labels, uint32_t rows, float* loss,
                             gct_error* err) {
  if (t == nullptr) return fail(Status::Error(Code::kInvalidArgument, "no trainer"), err);
  gct::StepResult r;
  const Status s = gct::trainer_train_samples(&t->t, to_samples(pixels, labels, rows), &r);
  if (s.ok() && loss != nullptr) *loss = static_cast<float>(r.loss);
  return fail(s, err);
}

gct_status gct_trainer_predict(gct_trainer* t, const uint8_t* pixels, uint32_t rows, float* probabilities,
                               uint16_t* top, uint32_t k, gct_error* err) {
  if (t == nullptr) return fail(Status::Error(Code::kInvalidArgument, "no trainer"), err);
  return fail(gct::trainer_predict(&t->t, to_samples(pixels, nullptr, rows), to_prediction(probabilities, top, k)), err);
}

gct_status gct_trainer_load_model(gct_trainer* t, const uint8_t* model, size_t model_bytes, gct_error* err) {
  if (t == nullptr) return fail(Status::Error(Code::kInvalidArgument, "no trainer"), err);
  gct::ModelView view;
  Status s = gct::model_open(model, model_bytes, &view);
  if (s.ok()) s = gct::trainer_load_model(&t->t, view);
  return fail(s, err);
}

size_t gct_trainer_model_bytes(const gct_trainer* t) { return t ? gct::model_file_size(t->t.config.layers) : 0; }

gct_status gct_trainer_save_model(const gct_trainer* t, uint8_t* out, size_t out_bytes, gct_error* err) {
  if (t == nullptr) return fail(Status::Error(Code::kInvalidArgument, "no trainer"), err);
  return fail(gct::model_save(t->t, out, out_bytes), err);
}

gct_status gct_predictor_plan(const uint8_t* model, size_t model_bytes, uint32_t batch, size_t* arena_bytes,
                              gct_error* err) {
  if (arena_bytes == nullptr) return fail(no_pointer("gct_predictor_plan", "arena_bytes"), err);
  gct::ModelView view;
  return fail(predictor_plan_bytes(model, model_bytes, batch, &view, arena_bytes), err);
}

gct_predictor* gct_predictor_create(const uint8_t* model, size_t model_bytes, uint32_t batch, void* arena,
                                    size_t arena_bytes, gct_error* err) {
  const size_t handle = round64(sizeof(gct_predictor));
  gct::ModelView view;
  size_t needed = 0;
  Status s = predictor_plan_bytes(model, model_bytes, batch, &view, &needed);
  if (s.ok()) s = check_arena(arena, needed, arena_bytes, "gct_predictor_plan");
  if (!s.ok()) {
    fail(s, err);
    return nullptr;
  }
  auto* p = new (arena) gct_predictor;
  p->model = view;
  s = gct::predictor_setup(&p->p, p->model, batch, static_cast<uint8_t*>(arena) + handle, arena_bytes - handle);
  fail(s, err);
  return s.ok() ? p : nullptr;
}

gct_status gct_predictor_run(gct_predictor* p, const uint8_t* pixels, uint32_t rows, float* probabilities,
                             uint16_t* top, uint32_t k, gct_error* err) {
  if (p == nullptr) return fail(Status::Error(Code::kInvalidArgument, "no predictor"), err);
  return fail(gct::predictor_run(&p->p, to_samples(pixels, nullptr, rows), to_prediction(probabilities, top, k)), err);
}

}  // extern "C"
