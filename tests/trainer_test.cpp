#include "gctrain/trainer.hpp"

#include <doctest/doctest.h>

#include <array>
#include <cstring>
#include <memory>
#include <vector>

#include "synthetic.hpp"
#include "trainer_fixture.hpp"

using namespace gct;
using testing::AlignedBuffer;
using testing::config_for;
using testing::make_separable;
using testing::train_epochs;

static std::unique_ptr<testing::TrainerRun> setup(const TrainConfig& c, const DatasetView& data) {
  return testing::make_trainer(c, data);
}

namespace {

std::vector<float> weights_of(const Trainer& t) {
  std::vector<float> w;
  for (int l = 0; l < t.mlp.num_layers; ++l) {
    const DenseLayer& d = t.mlp.layer[l];
    w.insert(w.end(), d.w, d.w + d.out * d.in);
    w.insert(w.end(), d.b, d.b + d.out);
  }
  return w;
}

}  // namespace

TEST_CASE("the arena's used bytes equal the plan for several configurations") {
  auto data = make_separable(300, 10, 3, 4, 4, 1);
  for (auto kind : {OptimizerKind::kSgd, OptimizerKind::kSgdMomentum, OptimizerKind::kAdam}) {
    for (auto hidden : {std::vector<uint32_t>{}, std::vector<uint32_t>{32}, std::vector<uint32_t>{64, 17, 9}}) {
      for (uint32_t batch : {1u, 7u, 64u}) {
        auto run = setup(config_for(data.view, hidden, batch, kind, GcMode::kGrad, 1), data.view);
        CHECK(run->t.arena.used == run->plan.total);
        size_t sum = 0;
        for (size_t v : run->plan.by_category) sum += v;
        CHECK(sum == run->plan.total);
        for (int c = 0; c < static_cast<int>(MemCategory::kCount); ++c) {
          CHECK(run->t.arena.by_category[c] == run->plan.by_category[c]);
        }
      }
    }
  }
}

TEST_CASE("the default configuration's plan has the expected parameter and state bytes") {
  TrainConfig c = default_train_config();
  c.optimizer = OptimizerKind::kAdam;
  DataShape shape{3, 3072, 50000, 100};
  MemoryPlan plan;
  REQUIRE(trainer_plan(c, shape, &plan).ok());
  const size_t params = 1730404 * 4;
  // Six tensors, each padded to 64 bytes at most.
  CHECK(plan.by_category[static_cast<int>(MemCategory::kParameters)] >= params);
  CHECK(plan.by_category[static_cast<int>(MemCategory::kParameters)] < params + 6 * 64);
  CHECK(plan.by_category[static_cast<int>(MemCategory::kOptimizerState)] >= 2 * params);
  CHECK(plan.by_category[static_cast<int>(MemCategory::kIndices)] >= 50000 * 4);
  CHECK(plan.by_category[static_cast<int>(MemCategory::kGemmWorkspace)] > 0);
}

TEST_CASE("too small an arena is refused, naming bytes needed and given") {
  auto data = make_separable(100, 4, 1, 4, 4, 2);
  TrainConfig c = config_for(data.view, {16}, 8, OptimizerKind::kAdam, GcMode::kOff, 1);
  MemoryPlan plan;
  REQUIRE(trainer_plan(c, data_shape_of(data.view), &plan).ok());
  AlignedBuffer buffer(plan.total);
  Trainer t;
  Status s = trainer_setup(&t, c, data.view, buffer.data, plan.total - 1);
  CHECK(s.code() == Code::kArenaTooSmall);
  char expected[128];
  std::snprintf(expected, sizeof expected, "needs %zu bytes, %zu given", plan.total, plan.total - 1);
  CHECK_MESSAGE(std::strstr(s.message(), expected) != nullptr, s.message());
  CHECK(trainer_setup(&t, c, data.view, buffer.data, plan.total).ok());
}

TEST_CASE("shape mismatches and bad labels are refused") {
  auto data = make_separable(50, 4, 1, 4, 4, 3);
  TrainConfig c = config_for(data.view, {8}, 8, OptimizerKind::kSgd, GcMode::kOff, 1);
  MemoryPlan plan;
  c.layers.size[0] = 15;
  CHECK(trainer_plan(c, data_shape_of(data.view), &plan).code() == Code::kShapeMismatch);
  c = config_for(data.view, {8}, 8, OptimizerKind::kSgd, GcMode::kOff, 1);
  c.layers.size[2] = 5;
  CHECK(trainer_plan(c, data_shape_of(data.view), &plan).code() == Code::kShapeMismatch);
  c = config_for(data.view, {8}, 8, OptimizerKind::kSgd, GcMode::kOff, 1);
  data.fine[17] = 4;
  REQUIRE(trainer_plan(c, data_shape_of(data.view), &plan).ok());
  AlignedBuffer buffer(plan.total);
  Trainer t;
  Status s = trainer_setup(&t, c, data.view, buffer.data, plan.total);
  CHECK(s.code() == Code::kCorruptData);
  CHECK(std::strstr(s.message(), "record 17") != nullptr);
}

TEST_CASE("same seed gives bit-identical weights; another seed does not") {
  auto data = make_separable(200, 5, 2, 3, 3, 4);
  for (auto kind : {OptimizerKind::kSgdMomentum, OptimizerKind::kAdam}) {
    TrainConfig c = config_for(data.view, {16, 8}, 32, kind, GcMode::kGrad, 42);
    auto a = setup(c, data.view);
    auto b = setup(c, data.view);
    c.seed = 43;
    auto other = setup(c, data.view);
    train_epochs(&a->t, 2);
    train_epochs(&b->t, 2);
    train_epochs(&other->t, 2);
    const auto wa = weights_of(a->t), wb = weights_of(b->t), wo = weights_of(other->t);
    CHECK(std::memcmp(wa.data(), wb.data(), wa.size() * sizeof(float)) == 0);
    CHECK(wa != wo);
  }
}

TEST_CASE("paired runs: with and without GC share initial weights and batch order") {
  auto data = make_separable(150, 5, 1, 4, 4, 5);
  TrainConfig off = config_for(data.view, {12}, 16, OptimizerKind::kAdam, GcMode::kOff, 9);
  TrainConfig on = off;
  on.gc = GcMode::kGrad;
  auto a = setup(off, data.view);
  auto b = setup(on, data.view);
  CHECK(weights_of(a->t) == weights_of(b->t));
  for (int e = 0; e < 3; ++e) {
    trainer_begin_epoch(&a->t);
    trainer_begin_epoch(&b->t);
    CHECK(std::memcmp(a->t.order, b->t.order, 150 * sizeof(uint32_t)) == 0);
    while (!trainer_epoch_done(a->t)) {
      StepResult r;
      REQUIRE(trainer_step(&a->t, &r).ok());
      REQUIRE(trainer_step(&b->t, &r).ok());
    }
  }
  CHECK(weights_of(a->t) != weights_of(b->t));  // GC did change the training
}

TEST_CASE("the shuffle is a permutation and changes between epochs") {
  auto data = make_separable(97, 3, 1, 2, 2, 6);
  auto run = setup(config_for(data.view, {}, 10, OptimizerKind::kSgd, GcMode::kOff, 1), data.view);
  trainer_begin_epoch(&run->t);
  std::vector<uint32_t> first(run->t.order, run->t.order + 97);
  trainer_begin_epoch(&run->t);
  std::vector<uint32_t> second(run->t.order, run->t.order + 97);
  CHECK(first != second);
  std::vector<int> seen(97, 0);
  for (uint32_t i : second) seen[i]++;
  for (int v : seen) CHECK(v == 1);
  CHECK(trainer_steps_per_epoch(run->t) == 10);
}

TEST_CASE("every optimizer, with and without GC, learns a separable problem") {
  auto train = make_separable(600, 10, 1, 6, 6, 7, 60);
  auto test = make_separable(300, 10, 1, 6, 6, 7, 60);  // same prototypes (same seed), new noise? no: same draw
  for (int k = 0; k < kNumOptimizers; ++k) {
    for (GcMode gc : {GcMode::kOff, GcMode::kGrad, GcMode::kUpdate}) {
      const auto kind = static_cast<OptimizerKind>(k);
      CAPTURE(optimizer_name(kind));
      CAPTURE(gc_mode_name(gc));
      TrainConfig c = config_for(train.view, {32}, 32, kind, gc, 3);
      if (kind == OptimizerKind::kAdam || kind == OptimizerKind::kRmsprop) c.hp.lr = 1e-3f;
      auto run = setup(c, train.view);
      EvalResult before;
      REQUIRE(trainer_evaluate(&run->t, train.view, &before).ok());
      const double final_loss = train_epochs(&run->t, 8);
      EvalResult after;
      REQUIRE(trainer_evaluate(&run->t, train.view, &after).ok());
      CHECK(after.loss() < 0.5 * before.loss());
      CHECK(final_loss < 0.5 * before.loss());
      CHECK(after.top1_acc() > 0.9);
      CHECK(after.top5_acc() >= after.top1_acc());
      CHECK(after.coarse_top1_acc() >= after.top1_acc());
    }
  }
}

TEST_CASE("evaluation counts exactly and does not disturb training state") {
  auto data = make_separable(130, 4, 1, 3, 3, 8);
  auto run = setup(config_for(data.view, {8}, 64, OptimizerKind::kSgd, GcMode::kOff, 1), data.view);
  const auto w0 = weights_of(run->t);
  EvalResult r;
  REQUIRE(trainer_evaluate(&run->t, data.view, &r).ok());
  CHECK(r.count == 130);
  CHECK(r.top5 == 130);  // only 4 classes
  CHECK(r.top1 <= 130);
  CHECK(r.elementwise_acc() >= 0.0);
  CHECK(r.elementwise_acc() <= 1.0);
  CHECK(weights_of(run->t) == w0);
  CHECK(run->t.opt.step == 0);
}

TEST_CASE("interleaved and planar layouts normalise the same pixels identically") {
  auto planar = make_separable(4, 2, 3, 2, 2, 10);
  auto inter = planar;
  inter.view.pixels = inter.pixels.data();
  inter.view.fine = inter.fine.data();
  inter.view.coarse = inter.coarse.data();
  inter.view.fine_to_coarse = inter.fine_to_coarse.data();
  inter.view.layout = PixelLayout::kInterleaved;
  for (uint32_t i = 0; i < 4; ++i)
    for (uint32_t p = 0; p < 4; ++p)
      for (uint32_t c = 0; c < 3; ++c)
        inter.pixels[i * 12 + p * 3 + c] = planar.pixels[i * 12 + c * 4 + p];
  planar.view.mean[1] = 0.3f;
  inter.view.mean[1] = 0.3f;
  auto a = setup(config_for(planar.view, {}, 4, OptimizerKind::kSgd, GcMode::kOff, 1), planar.view);
  auto b = setup(config_for(inter.view, {}, 4, OptimizerKind::kSgd, GcMode::kOff, 1), inter.view);
  trainer_load_batch(&a->t, planar.view, nullptr, 0, 4);
  trainer_load_batch(&b->t, inter.view, nullptr, 0, 4);
  for (uint32_t i = 0; i < 4; ++i)
    for (uint32_t p = 0; p < 4; ++p)
      for (uint32_t c = 0; c < 3; ++c) {
        const float pv = a->t.mlp.act[0][i * 12 + c * 4 + p];
        const float iv = b->t.mlp.act[0][i * 12 + p * 3 + c];
        CHECK(pv == iv);
        const float expect = (planar.pixels[i * 12 + c * 4 + p] / 255.0f - planar.view.mean[c]) / planar.view.stddev[c];
        CHECK(pv == doctest::Approx(expect).epsilon(1e-5));
      }
}

#include "gctrain/plan_bound.hpp"

TEST_CASE("the compile-time arena bound covers the plan") {
  static_assert(trainer_arena_bound(std::array<uint32_t, 3>{64, 32, 10}.data(), 3, 16, OptimizerKind::kAdam, 1, 500) > 0);
  for (auto kind : {OptimizerKind::kSgd, OptimizerKind::kSgdMomentum, OptimizerKind::kAdagrad, OptimizerKind::kRmsprop,
                    OptimizerKind::kAdam}) {
    CHECK(plan_detail::state_buffers(kind) == optimizer_state_buffers(kind));
    for (auto sizes : {std::vector<uint32_t>{64, 32, 10}, std::vector<uint32_t>{3072, 512, 256, 100},
                       std::vector<uint32_t>{256, 7, 3}, std::vector<uint32_t>{10, 300, 200, 100, 5}}) {
      for (uint32_t batch : {1u, 16u, 128u}) {
        for (uint32_t threads : {1u, 3u}) {
          TrainConfig c;
          c.layers.count = 0;
          for (uint32_t s : sizes) c.layers.size[c.layers.count++] = s;
          c.batch = batch;
          c.optimizer = kind;
          c.hp = optimizer_defaults(kind);
          c.threads = threads;
          DataShape shape{1, sizes[0], 777, static_cast<uint16_t>(sizes.back())};
          MemoryPlan plan;
          REQUIRE(trainer_plan(c, shape, &plan).ok());
          const size_t bound = trainer_arena_bound(sizes.data(), static_cast<int>(sizes.size()), batch, kind, 1, 777, threads);
          CHECK(bound >= plan.total);
          // Fixed point has no cache-dependent blocking: the bound is the plan.
          c.scalar = ScalarKind::kFixed;
          REQUIRE(trainer_plan(c, shape, &plan).ok());
          CHECK(trainer_arena_bound(sizes.data(), static_cast<int>(sizes.size()), batch, kind, 1, 777, threads,
                                    ScalarKind::kFixed) == plan.total);
        }
      }
    }
  }
}
