// Proves that training steps and evaluation perform no heap allocation, at the default
// 3072-512-256-100 shapes and batch 128, in whatever build type this binary was built with.
//
// Every allocation entry point of the process is replaced here: operator new/delete (all forms)
// and malloc/calloc/realloc/aligned_alloc/posix_memalign/memalign (forwarded to glibc's
// __libc_* functions). The counter only counts while armed, so doctest's own allocations
// outside the measured region do not matter.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#ifndef GCT_NO_HOST
#include "host/thread_pool.hpp"
#endif
#include "gctrain/model.hpp"
#include "gctrain/predictor.hpp"
#include "gctrain/trainer.hpp"
#include "synthetic.hpp"

extern "C" {
void* __libc_malloc(size_t);
void* __libc_calloc(size_t, size_t);
void* __libc_realloc(void*, size_t);
void* __libc_memalign(size_t, size_t);
void __libc_free(void*);
}

namespace {
std::atomic<bool> g_armed{false};
std::atomic<long> g_allocations{0};
inline void note() {
  if (g_armed.load(std::memory_order_relaxed)) g_allocations.fetch_add(1);
}
}  // namespace

extern "C" {
void* malloc(size_t n) { note(); return __libc_malloc(n); }
void* calloc(size_t a, size_t b) { note(); return __libc_calloc(a, b); }
void* realloc(void* p, size_t n) { note(); return __libc_realloc(p, n); }
void free(void* p) { __libc_free(p); }
void* aligned_alloc(size_t al, size_t n) { note(); return __libc_memalign(al, n); }
void* memalign(size_t al, size_t n) { note(); return __libc_memalign(al, n); }
int posix_memalign(void** out, size_t al, size_t n) {
  note();
  *out = __libc_memalign(al, n);
  return *out ? 0 : 12;
}
}

void* operator new(size_t n) { note(); if (void* p = __libc_malloc(n ? n : 1)) return p; throw std::bad_alloc(); }
void* operator new[](size_t n) { note(); if (void* p = __libc_malloc(n ? n : 1)) return p; throw std::bad_alloc(); }
void* operator new(size_t n, std::align_val_t al) { note(); return __libc_memalign(static_cast<size_t>(al), n ? n : 1); }
void* operator new[](size_t n, std::align_val_t al) { note(); return __libc_memalign(static_cast<size_t>(al), n ? n : 1); }
void* operator new(size_t n, const std::nothrow_t&) noexcept { note(); return __libc_malloc(n ? n : 1); }
void* operator new[](size_t n, const std::nothrow_t&) noexcept { note(); return __libc_malloc(n ? n : 1); }
void operator delete(void* p) noexcept { __libc_free(p); }
void operator delete[](void* p) noexcept { __libc_free(p); }
void operator delete(void* p, size_t) noexcept { __libc_free(p); }
void operator delete[](void* p, size_t) noexcept { __libc_free(p); }
void operator delete(void* p, std::align_val_t) noexcept { __libc_free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { __libc_free(p); }
void operator delete(void* p, size_t, std::align_val_t) noexcept { __libc_free(p); }
void operator delete[](void* p, size_t, std::align_val_t) noexcept { __libc_free(p); }

using namespace gct;

TEST_CASE("the counter itself works: it sees a vector and a malloc") {
  g_allocations = 0;
  g_armed = true;
  void* p = std::malloc(10);
  auto* v = new std::vector<int>(1000);
  g_armed = false;
  delete v;
  std::free(p);
  CHECK(g_allocations.load() == 3);  // malloc, the vector object, its storage
}

// Two epochs of 300 samples (two full batches of 128 and a partial one), an evaluation, a step on
// the caller's samples and predictions, counting allocations throughout.
void check_training_allocates_nothing(TrainConfig c, const testing::SyntheticData& train,
                                      const testing::SyntheticData& test, int k) {
  (void)k;
#ifndef GCT_NO_HOST
  c.threads = k < 3 ? 1 : 2;  // the last two optimizers run their products on a thread pool
  gct::host::ThreadPool pool(c.threads);  // threads are created here, before counting starts
#endif
  MemoryPlan plan;
  REQUIRE(trainer_plan(c, data_shape_of(train.view), &plan).ok());
  testing::AlignedBuffer buffer(plan.total);
  Trainer t;
  REQUIRE(trainer_setup(&t, c, train.view, buffer.data, plan.total).ok());
#ifndef GCT_NO_HOST
  trainer_set_runner(&t, pool.runner());
#endif

  long steps = 0;
  g_allocations = 0;
  g_armed = true;
  for (int epoch = 0; epoch < 2; ++epoch) {
    trainer_begin_epoch(&t);  // 300 = 2 x 128 + 44: includes a partial batch
    while (!trainer_epoch_done(t)) {
      StepResult r;
      if (!trainer_step(&t, &r).ok()) break;
      ++steps;
    }
  }
  EvalResult eval;
  const bool eval_ok = trainer_evaluate(&t, test.view, &eval).ok();
  // The on-device calls: a step on the caller's samples, and predictions.
  Samples samples;
  samples.pixels = test.pixels.data();
  samples.labels = test.fine.data();
  samples.rows = 5;
  StepResult r;
  const bool samples_ok = trainer_train_samples(&t, samples, &r).ok();
  float probabilities[5 * 100];
  uint16_t top[5 * 3];
  Prediction out;
  out.probabilities = probabilities;
  out.top = top;
  out.k = 3;
  const bool predict_ok = trainer_predict(&t, samples, out).ok();
  g_armed = false;
  CHECK(eval_ok);
  CHECK(samples_ok);
  CHECK(predict_ok);
  CHECK(steps == 6);
  CHECK(eval.count == 200);
  CHECK(g_allocations.load() == 0);
}

// Optimizer k with a GC mode, augmentation, a schedule and frozen layers that vary with k.
TrainConfig varied(TrainConfig c, int k) {
  const auto kind = static_cast<OptimizerKind>(k);
  c.optimizer = kind;
  c.hp = optimizer_defaults(kind);
  constexpr GcMode kModes[] = {GcMode::kOff, GcMode::kGrad, GcMode::kUpdate};
  c.gc = kModes[k % 3];
  if (k % 2 == 1) {  // augmented batches and a scheduled rate allocate nothing either
    c.augment = kAugmentCrop | kAugmentFlip;
    c.schedule = {ScheduleKind::kCosine, 2, 6};
  }
  c.freeze = static_cast<uint8_t>(k % 3);  // nor do models with frozen layers
  return c;
}

TEST_CASE("training steps, epochs and evaluation at default shapes allocate nothing, float and fixed") {
  // 3072 = 3 x 32 x 32, 100 classes: the CIFAR-100 shapes, on synthetic pixels.
  auto train = testing::make_separable(300, 100, 3, 32, 32, 1, 40, 20);
  auto test = testing::make_separable(200, 100, 3, 32, 32, 2, 40, 20);
  // Every optimizer in float32, then every optimizer in fixed point.
  for (int run = 0; run < 2 * kNumOptimizers; ++run) {
    const int k = run % kNumOptimizers;
    CAPTURE(optimizer_name(static_cast<OptimizerKind>(k)));
    CAPTURE(run);
    TrainConfig c = default_train_config();
    c.scalar = run < kNumOptimizers ? ScalarKind::kFloat : ScalarKind::kFixed;
    if (c.scalar == ScalarKind::kFixed) {
      // The integer path has no size-dependent allocation (Eigen's packing threshold is the reason
      // the float runs use full shapes); narrower hidden layers keep the emulated cross runs short.
      (void)parse_layer_sizes("3072,64,32,100", &c.layers);
    }
    check_training_allocates_nothing(varied(c, k), train, test, k);
  }
}

TEST_CASE("a convolutional network at full CIFAR-100 shapes allocates nothing, float and fixed") {
  auto train = testing::make_separable(300, 100, 3, 32, 32, 1, 40, 20);
  auto test = testing::make_separable(200, 100, 3, 32, 32, 2, 40, 20);
#ifdef GCT_EMULATED
  // Under an emulator (cross builds): the same layer types with fewer filters.
  const char* const full = "conv3x3:8,maxpool2,conv3x3:8,avgpool2,conv3x3:8/s2,gap,dense:16,dense:100";
#else
  const char* const full = "conv3x3:32,maxpool2,conv3x3:64,maxpool2,conv3x3:128,maxpool2,dense:256,dense:100";
#endif
  for (int run = 0; run < 2 * kNumOptimizers; ++run) {
    const int k = run % kNumOptimizers;
    CAPTURE(optimizer_name(static_cast<OptimizerKind>(k)));
    CAPTURE(run);
    TrainConfig c = default_train_config();
    c.scalar = run < kNumOptimizers ? ScalarKind::kFloat : ScalarKind::kFixed;
    // Fixed point allocates nothing at any size either (see above); other layer types than the
    // float run's keep it short.
    const char* spec = c.scalar == ScalarKind::kFloat ? full : "conv3x3:8,avgpool2,conv3x3:8/s2,gap,dense:100";
    REQUIRE(parse_net(spec, 3, 32, 32, &c.layers).ok());
    check_training_allocates_nothing(varied(c, k), train, test, k);
  }
}

TEST_CASE("a predictor reading a model file in place allocates nothing, float and fixed") {
  auto test = testing::make_separable(200, 100, 3, 32, 32, 2, 40, 20);
  for (int v = 0; v < 3; ++v) {  // float32 and fixed-point MLPs, a float32 CNN
    TrainConfig c = default_train_config();
    c.scalar = v == 1 ? ScalarKind::kFixed : ScalarKind::kFloat;
    if (v == 2) REQUIRE(parse_net("conv3x3:16,maxpool2,conv3x3:32/s2,gap,dense:100", 3, 32, 32, &c.layers).ok());
    MemoryPlan plan;
    REQUIRE(trainer_plan(c, data_shape_of(test.view), &plan).ok());
    testing::AlignedBuffer buffer(plan.total);
    Trainer t;
    REQUIRE(trainer_setup(&t, c, test.view, buffer.data, plan.total).ok());
    std::vector<uint32_t> file((model_file_size(c.layers) + 3) / 4);
    auto* bytes = reinterpret_cast<uint8_t*>(file.data());
    REQUIRE(model_save(t, bytes, model_file_size(c.layers)).ok());

    g_allocations = 0;
    g_armed = true;
    ModelView model;
    const bool open_ok = model_open(bytes, model_file_size(c.layers), &model).ok();
    g_armed = false;
    REQUIRE(open_ok);
    MemoryPlan pplan;
    REQUIRE(predictor_plan(model, 32, &pplan).ok());
    testing::AlignedBuffer arena(pplan.total);
    Predictor p;
    g_armed = true;
    const bool setup_ok = predictor_setup(&p, model, 32, arena.data, pplan.total).ok();
    EvalResult eval;
    const bool eval_ok = setup_ok && predictor_evaluate(&p, test.view, &eval).ok();
    Samples one;
    one.pixels = test.pixels.data();
    one.rows = 1;
    uint16_t best = 0;
    Prediction out;
    out.top = &best;
    out.k = 1;
    const bool run_ok = setup_ok && predictor_run(&p, one, out).ok();
    g_armed = false;
    CHECK(eval_ok);
    CHECK(run_ok);
    CHECK(eval.count == 200);
    CHECK(g_allocations.load() == 0);
  }
}
