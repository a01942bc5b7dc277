#include "engine/trainer_internal.hpp"
#include "gctrain/trainer.hpp"
#include "tensors.hpp"

#include <doctest/doctest.h>

#include <array>
#include <utility>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "gctrain/gctrain.h"
#include "gctrain/plan_bound.hpp"
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
    const auto& d = float_tensors(t.mlp).layer[l];
    w.insert(w.end(), d.w, d.w + d.out * d.in);
    w.insert(w.end(), d.b, d.b + d.out);
  }
  return w;
}

}  // namespace

TEST_CASE("the plan's bytes per category, worked out by hand for a small model") {
  // 48-10-6, batch 7. Every buffer starts on a 64-byte boundary and the padding before a buffer
  // counts to its category. Parameters: W1 48x10 floats 1920 B, b1 40 B, 24 B padding, W2 10x6
  // 240 B, 16 B padding, b2 24 B = 2264 B. Gradients: the same after 40 B of padding = 2304 B. Each
  // optimizer state tensor repeats the parameters' layout (Adam's second after 40 B of padding); what
  // precedes the first depends on the build's product workspace, so up to 63 B of padding lead.
  // Shuffle order: 57 B padding + 50000 x 4 B.
  TrainConfig c = default_train_config();
  c.layers.count = 3;
  c.layers.size[0] = 48;
  c.layers.size[1] = 10;
  c.layers.size[2] = 6;
  c.batch = 7;
  const DataShape shape{3, 48, 50000, 6};
  const std::pair<OptimizerKind, size_t> state_bytes[] = {
      {OptimizerKind::kSgd, 0}, {OptimizerKind::kSgdMomentum, 2264}, {OptimizerKind::kAdagrad, 2264},
      {OptimizerKind::kRmsprop, 2264}, {OptimizerKind::kAdam, 4568}};
  for (const auto& [kind, state] : state_bytes) {
    CAPTURE(optimizer_name(kind));
    c.optimizer = kind;
    c.hp = optimizer_defaults(kind);
    MemoryPlan plan;
    REQUIRE(trainer_plan(c, shape, &plan).ok());
    CHECK(plan.by_category[static_cast<int>(MemCategory::kParameters)] == 2264);
    CHECK(plan.by_category[static_cast<int>(MemCategory::kGradients)] == 2304);
    const size_t state_bytes_planned = plan.by_category[static_cast<int>(MemCategory::kOptimizerState)];
    CHECK(state_bytes_planned >= state);
    CHECK(state_bytes_planned < (state ? state + 64 : 1));
    CHECK(plan.by_category[static_cast<int>(MemCategory::kIndices)] == 200057);
    size_t sum = 0;
    for (size_t v : plan.by_category) sum += v;
    CHECK(sum == plan.total);
  }
}

TEST_CASE("setup carves exactly the planned bytes, category by category") {
  auto data = make_separable(300, 10, 3, 4, 4, 1);
  for (auto kind : {OptimizerKind::kSgd, OptimizerKind::kAdam}) {
    for (auto hidden : {std::vector<uint32_t>{}, std::vector<uint32_t>{64, 17, 9}}) {
      for (uint32_t batch : {1u, 64u}) {
        auto run = setup(config_for(data.view, hidden, batch, kind, GcMode::kGrad, 1), data.view);
        CHECK(run->t.arena.used == run->plan.total);
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

TEST_CASE("a plan of the largest widths and batch is computed in 64 bits: exact, or refused on a 32-bit target") {
  // 2^24 x 2^24 weights (2^50 bytes) and a batch of 65536 such rows: every product of the layout
  // wraps a 32-bit size_t, so a 32-bit target must refuse it instead of planning a wrapped size.
  TrainConfig c = default_train_config();
  c.layers.count = 3;
  c.layers.size[0] = kMaxLayerWidth;
  c.layers.size[1] = kMaxLayerWidth;
  c.layers.size[2] = 10;
  c.batch = 65536;
  c.optimizer = OptimizerKind::kAdam;
  DataShape shape;
  shape.channels = 1;
  shape.sample_size = kMaxLayerWidth;
  shape.num_classes = 10;
  MemoryPlan plan;
  const Status s = trainer_plan(c, shape, &plan);
  // The compile-time bound sums in 64 bits too: where the layout does not fit size_t it is SIZE_MAX,
  // so that a firmware's static arena of that size fails to compile.
  const size_t bound = trainer_arena_bound(c.layers, c.batch, c.optimizer, 1, 0);
  if (sizeof(size_t) >= sizeof(uint64_t)) {
    REQUIRE_MESSAGE(s.ok(), s.message());
    CHECK(bound >= plan.total);
    CHECK(bound < SIZE_MAX);
    const uint64_t weights = uint64_t{4} << 48;
    CHECK(plan.by_category[static_cast<int>(MemCategory::kParameters)] >= weights);
    CHECK(plan.by_category[static_cast<int>(MemCategory::kGradients)] >= weights);
    CHECK(plan.by_category[static_cast<int>(MemCategory::kOptimizerState)] >= 2 * weights);
    CHECK(plan.by_category[static_cast<int>(MemCategory::kActivations)] >= (uint64_t{4} << 40));
  } else {
    CHECK(s.code() == Code::kArenaTooSmall);
    CHECK_MESSAGE(std::strstr(s.message(), "more than this target can address") != nullptr, s.message());
    CHECK(bound == SIZE_MAX);
  }
  // A width past the bound is refused as --net and the file readers refuse it.
  c.layers.size[1] = kMaxLayerWidth + 1;
  CHECK(std::string(trainer_plan(c, shape, &plan).message()) == "layer size 1 is 16777217 (1..16777216)");
}

TEST_CASE("the C API adds its handle to the plan without wrapping a 32-bit size_t") {
  // For each width, the largest batch whose layout fits size_t (found by bisection): on a 32-bit
  // target some of these layouts lie within a handle's size of SIZE_MAX, where layout + handle wraps
  // to a plan smaller than the handle. The C plan must exceed the layout, or refuse.
  int refused = 0;
  for (uint32_t w = 16384; w < 16584; ++w) {
    auto config = [&](uint32_t batch) {
      TrainConfig c = default_train_config();
      c.layers.count = 2;
      c.layers.size[0] = w;
      c.layers.size[1] = 2;
      c.batch = batch;
      return c;
    };
    DataShape shape;
    shape.channels = 1;
    shape.sample_size = w;
    shape.num_classes = 2;
    MemoryPlan plan;
    uint32_t lo = 1, hi = 65536;
    if (!trainer_plan(config(lo), shape, &plan).ok()) continue;
    while (lo < hi) {  // the largest batch that plans
      const uint32_t mid = lo + (hi - lo + 1) / 2;
      if (trainer_plan(config(mid), shape, &plan).ok()) lo = mid; else hi = mid - 1;
    }
    REQUIRE(trainer_plan(config(lo), shape, &plan).ok());
    const uint32_t sizes[] = {w, 2};
    gct_config cfg;
    gct_config_default(&cfg);
    cfg.layer_sizes = sizes;
    cfg.layer_count = 2;
    cfg.batch = lo;
    gct_format fmt = {1, 1, static_cast<uint16_t>(w), 2, GCT_PLANAR, {0.5f, 0, 0, 0}, {0.25f, 0, 0, 0}};
    size_t need = 0;
    gct_error err;
    const gct_status st = gct_trainer_plan(&cfg, &fmt, &need, &err);
    if (st == GCT_OK) {
      CHECK_MESSAGE(need > plan.total, "width ", w, " batch ", lo, ": C plan ", need, ", layout ", plan.total);
    } else {
      CHECK_MESSAGE(st == GCT_ARENA_TOO_SMALL, err.message);
      CHECK_MESSAGE(std::strstr(err.message, "more than this target can address") != nullptr, err.message);
      ++refused;
    }
    if (sizeof(size_t) >= sizeof(uint64_t)) break;  // nothing comes near SIZE_MAX: one width shows the sum
  }
  if (sizeof(size_t) < sizeof(uint64_t)) CHECK(refused > 0);  // the scan reached the wrapping case
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

namespace {

// Views of records [first, first + count) of a data set: a held-out split of the same problem.
DatasetView records(const DatasetView& all, uint32_t first, uint32_t count) {
  DatasetView v = all;
  v.pixels = all.pixels + size_t{first} * all.sample_size();
  v.fine = all.fine + first;
  v.coarse = all.coarse + first;
  v.count = count;
  return v;
}

}  // namespace

TEST_CASE("every optimizer, with and without GC, learns a separable problem and generalises") {
  // One draw of 900 samples (same class prototypes): 600 to train on, 300 held out.
  auto all = make_separable(900, 10, 1, 6, 6, 7, 60);
  const DatasetView train = records(all.view, 0, 600), held_out = records(all.view, 600, 300);
  for (int k = 0; k < kNumOptimizers; ++k) {
    for (GcMode gc : {GcMode::kOff, GcMode::kGrad, GcMode::kUpdate}) {
      const auto kind = static_cast<OptimizerKind>(k);
      CAPTURE(optimizer_name(kind));
      CAPTURE(gc_mode_name(gc));
      TrainConfig c = config_for(train, {32}, 32, kind, gc, 3);
      if (kind == OptimizerKind::kAdam || kind == OptimizerKind::kRmsprop) c.hp.lr = 1e-3f;
      auto run = setup(c, train);
      EvalResult before;
      REQUIRE(trainer_evaluate(&run->t, held_out, &before).ok());
      const double final_loss = train_epochs(&run->t, 8);
      EvalResult after;
      REQUIRE(trainer_evaluate(&run->t, held_out, &after).ok());
      CHECK(after.count == 300);
      CHECK(before.top1_acc() < 0.4);  // 10 classes: untrained is near chance
      CHECK(after.loss() < 0.5 * before.loss());
      CHECK(final_loss < 0.5 * before.loss());
      CHECK(after.top1_acc() > 0.9);
    }
  }
}

namespace {

// Nine hand-made samples whose logits are their pixels (a 6-6 identity layer, zero bias, input
// scaled by 1/4), with the counts worked out by hand. Ties rank the smaller class index first,
// like argmax. Superclasses of the six classes: 0 1 0 2 1 2.
struct HandCase {
  uint8_t px[6];
  uint8_t label;
};
constexpr HandCase kHandCases[] = {
    {{10, 50, 20, 30, 40, 0}, 1},  // rank 0; predicts 1 (super 1) = true super 1
    {{10, 50, 20, 30, 40, 0}, 5},  // rank 5 (last); predicts 1 (super 1) != 2
    {{30, 30, 30, 30, 30, 30}, 0}, // all tied: rank 0; predicts 0
    {{30, 30, 30, 30, 30, 30}, 5}, // all tied: rank 5; predicts 0 (super 0) != 2
    {{30, 30, 30, 30, 30, 30}, 4}, // all tied: rank 4; predicts 0 (super 0) != 1
    {{0, 0, 90, 0, 0, 90}, 5},     // tied with class 2, which has the smaller index: rank 1; super 0 != 2
    {{0, 0, 90, 0, 0, 0}, 0},      // rank 1 (class 1 ties but has a larger index); predicts 2, super 0 = 0
    {{20, 16, 12, 8, 4, 0}, 2},    // rank 2; predicts 0, super 0 = 0
    {{0, 0, 88, 88, 0, 84}, 0},    // rank 3; predicts 2, super 0 = 0; classes 2 and 3 at p = 0.42
};
constexpr uint8_t kHandSuper[6] = {0, 1, 0, 2, 1, 2};
constexpr uint32_t kHandTop1 = 2, kHandTop5 = 7, kHandSuperTop1 = 5;

struct HandData {
  std::vector<uint8_t> pixels, fine, coarse, map{std::begin(kHandSuper), std::end(kHandSuper)};
  DatasetView view;
};

HandData hand_data() {
  HandData d;
  for (const HandCase& h : kHandCases) {
    d.pixels.insert(d.pixels.end(), h.px, h.px + 6);
    d.fine.push_back(h.label);
    d.coarse.push_back(kHandSuper[h.label]);
  }
  DatasetView& v = d.view;
  v.pixels = d.pixels.data();
  v.fine = d.fine.data();
  v.coarse = d.coarse.data();
  v.fine_to_coarse = d.map.data();
  v.count = static_cast<uint32_t>(d.fine.size());
  v.channels = 1;
  v.height = 1;
  v.width = 6;
  v.num_fine = 6;
  v.num_coarse = 3;
  v.mean[0] = 0.0f;
  v.stddev[0] = 4.0f / 255.0f;  // x = byte / 4
  return d;
}

// Loss and element-wise score from the definitions, in double, on logits = pixels / 4.
void reference_scores(double* loss_sum, uint64_t* elementwise) {
  *loss_sum = 0;
  *elementwise = 0;
  for (const HandCase& h : kHandCases) {
    double sum = 0;
    for (uint8_t p : h.px) sum += std::exp(p / 4.0);
    *loss_sum += std::log(sum) - h.px[h.label] / 4.0;
    for (uint32_t j = 0; j < 6; ++j) *elementwise += ((std::exp(h.px[j] / 4.0) / sum > 0.5) == (j == h.label)) ? 1 : 0;
  }
}

}  // namespace

TEST_CASE("evaluation counts top-1, top-5 with ties, superclass, loss and element-wise score by hand") {
  HandData data = hand_data();
  double loss_sum;
  uint64_t elementwise;
  reference_scores(&loss_sum, &elementwise);
  // 54 entries: 6 for sample 0 (confident and right), 4 where a confident class is wrong (1, 6, 7),
  // 5 where no class passes 0.5 (2-5 and 8: only the true class disagrees).
  CHECK(elementwise == 43);
  for (ScalarKind scalar : {ScalarKind::kFloat, ScalarKind::kFixed}) {
    CAPTURE(scalar == ScalarKind::kFixed);
    TrainConfig c = config_for(data.view, {}, 4, OptimizerKind::kSgd, GcMode::kOff, 1);  // batches 4, 4, 1
    c.scalar = scalar;
    auto run = setup(c, data.view);
    for (uint32_t i = 0; i < 6; ++i) {
      for (uint32_t j = 0; j < 6; ++j) {
        if (scalar == ScalarKind::kFixed) {
          fixed_tensors(run->t.mlp).layer[0].w[i * 6 + j] = i == j ? int32_t{1} << 28 : 0;  // 1.0 in Q28
        } else {
          float_tensors(run->t.mlp).layer[0].w[i * 6 + j] = i == j ? 1.0f : 0.0f;
        }
      }
      if (scalar == ScalarKind::kFixed) {
        fixed_tensors(run->t.mlp).layer[0].b[i] = 0;
      } else {
        float_tensors(run->t.mlp).layer[0].b[i] = 0.0f;
      }
    }
    EvalResult r;
    REQUIRE(trainer_evaluate(&run->t, data.view, &r).ok());
    CHECK(r.count == 9);
    CHECK(r.classes == 6);
    CHECK(r.top1 == kHandTop1);
    CHECK(r.top5 == kHandTop5);
    CHECK(r.has_coarse);
    CHECK(r.coarse_top1 == kHandSuperTop1);
    CHECK(r.elementwise_agree == elementwise);
    CHECK(r.elementwise_acc() == doctest::Approx(43.0 / 54.0));
    CHECK(r.loss() == doctest::Approx(loss_sum / 9).epsilon(scalar == ScalarKind::kFixed ? 1e-4 : 1e-6));
    CHECK(r.top1_acc() == doctest::Approx(2.0 / 9));
    CHECK(r.top5_acc() == doctest::Approx(7.0 / 9));
    CHECK(r.coarse_top1_acc() == doctest::Approx(5.0 / 9));
  }
}

TEST_CASE("evaluation does not disturb training state") {
  auto data = make_separable(130, 4, 1, 3, 3, 8);
  auto run = setup(config_for(data.view, {8}, 64, OptimizerKind::kSgdMomentum, GcMode::kOff, 1), data.view);
  train_epochs(&run->t, 1);
  const auto w0 = weights_of(run->t);
  const uint64_t steps = run->t.opt.step;
  const uint32_t cursor = run->t.cursor;
  EvalResult r, again;
  REQUIRE(trainer_evaluate(&run->t, data.view, &r).ok());
  REQUIRE(trainer_evaluate(&run->t, data.view, &again).ok());
  CHECK(weights_of(run->t) == w0);
  CHECK(run->t.opt.step == steps);
  CHECK(run->t.cursor == cursor);
  CHECK(r.loss_sum == again.loss_sum);
  CHECK(r.top1 == again.top1);
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
        const float pv = float_tensors(a->t.mlp).act[0][i * 12 + c * 4 + p];
        const float iv = float_tensors(b->t.mlp).act[0][i * 12 + p * 3 + c];
        CHECK(pv == iv);
        const float expect = (planar.pixels[i * 12 + c * 4 + p] / 255.0f - planar.view.mean[c]) / planar.view.stddev[c];
        CHECK(pv == doctest::Approx(expect).epsilon(1e-5));
      }
}

#include "gctrain/plan_bound.hpp"

TEST_CASE("the compile-time arena bound covers the plan, with and without frozen layers") {
  static_assert(trainer_arena_bound(std::array<uint32_t, 3>{64, 32, 10}.data(), 3, 16, OptimizerKind::kAdam, 1, 500) > 0);
  for (auto kind : {OptimizerKind::kSgd, OptimizerKind::kSgdMomentum, OptimizerKind::kAdagrad, OptimizerKind::kRmsprop,
                    OptimizerKind::kAdam}) {
    for (auto sizes : {std::vector<uint32_t>{64, 32, 10}, std::vector<uint32_t>{3072, 512, 256, 100},
                       std::vector<uint32_t>{256, 7, 3}, std::vector<uint32_t>{10, 300, 200, 100, 5}}) {
      const int n = static_cast<int>(sizes.size());
      for (uint32_t batch : {1u, 16u, 128u}) {
        for (uint32_t threads : {1u, 3u}) {
          size_t unfrozen = 0;
          for (int freeze = 0; freeze < n - 1; ++freeze) {
            TrainConfig c;
            c.layers.count = 0;
            for (uint32_t s : sizes) c.layers.size[c.layers.count++] = s;
            c.batch = batch;
            c.optimizer = kind;
            c.hp = optimizer_defaults(kind);
            c.threads = threads;
            c.freeze = static_cast<uint8_t>(freeze);
            DataShape shape{1, sizes[0], 777, static_cast<uint16_t>(sizes.back())};
            MemoryPlan plan;
            REQUIRE(trainer_plan(c, shape, &plan).ok());
            const size_t bound = trainer_arena_bound(sizes.data(), n, batch, kind, 1, 777, threads, ScalarKind::kFloat, freeze);
            CHECK(bound >= plan.total);
            if (freeze == 0) unfrozen = plan.total;
            // Frozen layers keep no gradients: the plan shrinks by at least their weight gradients.
            size_t frozen_grads = 0;
            for (int l = 0; l < freeze; ++l) frozen_grads += size_t{4} * sizes[l + 1] * (sizes[l] + 1);
            CHECK(plan.total + frozen_grads <= unfrozen);
            // Fixed point has no cache-dependent blocking: the bound is the plan.
            c.scalar = ScalarKind::kFixed;
            REQUIRE(trainer_plan(c, shape, &plan).ok());
            CHECK(trainer_arena_bound(sizes.data(), n, batch, kind, 1, 777, threads, ScalarKind::kFixed, freeze) ==
                  plan.total);
          }
        }
      }
    }
  }
}

TEST_CASE("an evaluation that overflows names the step and epoch it followed") {
  auto data = make_separable(40, 4, 1, 3, 3, 11);
  auto run = setup(config_for(data.view, {6}, 8, OptimizerKind::kSgd, GcMode::kOff, 1), data.view);
  train_epochs(&run->t, 1);
  auto& last = float_tensors(run->t.mlp).layer[1];
  for (uint32_t i = 0; i < last.out * last.in; ++i) last.w[i] = (i % 2 ? -1 : 1) * 3e38f;  // finite weights, infinite logits
  EvalResult r;
  const Status s = trainer_evaluate(&run->t, data.view, &r);
  CHECK(s.code() == Code::kNumericalError);
  CHECK_MESSAGE(std::strstr(s.message(), "evaluation after step 5 (epoch 1): the loss is not finite") != nullptr,
                std::string(s.message()));
}

namespace {

// Sample `s` of `data` cropped from its image padded by kAugmentPad zero bytes at offset (dx, dy),
// then flipped horizontally if `flip`: the definition, written independently of the loader.
std::vector<uint8_t> augmented(const DatasetView& data, uint32_t s, uint32_t dx, uint32_t dy, bool flip) {
  const int C = data.channels, H = data.height, W = data.width, P = kAugmentPad;
  const bool planar = data.layout == PixelLayout::kPlanar;
  auto at = [&](int c, int y, int x) { return planar ? (c * H + y) * W + x : (y * W + x) * C + c; };
  const uint8_t* src = data.pixels + size_t{s} * data.sample_size();
  std::vector<uint8_t> padded(size_t(C) * (H + 2 * P) * (W + 2 * P), 0);
  auto pad_at = [&](int c, int y, int x) { return (c * (H + 2 * P) + y) * (W + 2 * P) + x; };
  for (int c = 0; c < C; ++c)
    for (int y = 0; y < H; ++y)
      for (int x = 0; x < W; ++x) padded[pad_at(c, y + P, x + P)] = src[at(c, y, x)];
  std::vector<uint8_t> out(data.sample_size());
  for (int c = 0; c < C; ++c)
    for (int y = 0; y < H; ++y)
      for (int x = 0; x < W; ++x) {
        const int cx = flip ? W - 1 - x : x;
        out[at(c, y, x)] = padded[pad_at(c, y + int(dy), cx + int(dx))];
      }
  return out;
}

// The bytes the trainer's input row r holds, recovered through the model's normalisation.
std::vector<uint8_t> loaded_bytes(const Trainer& t, uint32_t r) {
  const DatasetView& d = t.train;
  const uint32_t n = d.sample_size(), plane = uint32_t{d.height} * d.width;
  std::vector<uint8_t> out(n);
  const float* norm = static_cast<const float*>(t.norm);      // float32 models
  const int32_t* qnorm = static_cast<const int32_t*>(t.norm);  // fixed point: Q24
  for (uint32_t i = 0; i < n; ++i) {
    const uint32_t c = d.layout == PixelLayout::kPlanar ? i / plane : i % d.channels;
    double b;
    if (t.config.scalar == ScalarKind::kFixed) {
      b = (256.0 * fixed_tensors(t.mlp).act[0][size_t{r} * n + i] - qnorm[2 * c + 1]) / qnorm[2 * c];
    } else {
      b = (float_tensors(t.mlp).act[0][size_t{r} * n + i] - norm[2 * c + 1]) / norm[2 * c];
    }
    REQUIRE(std::fabs(b - std::lround(b)) < 0.02);
    out[i] = static_cast<uint8_t>(std::lround(b));
  }
  return out;
}

}  // namespace

TEST_CASE("augmentation: each training row is a crop and flip of its sample, all 162 equally likely") {
  for (ScalarKind scalar : {ScalarKind::kFloat, ScalarKind::kFixed}) {
    for (PixelLayout layout : {PixelLayout::kPlanar, PixelLayout::kInterleaved}) {
      CAPTURE(scalar_name(scalar));
      CAPTURE(static_cast<int>(layout));
      auto data = make_separable(500, 3, 2, 5, 7, 21, 120, 2, layout);
      TrainConfig c = config_for(data.view, {}, 500, OptimizerKind::kSgd, GcMode::kOff, 4);
      c.scalar = scalar;
      c.hp.lr = 1e-6f;
      c.augment = kAugmentCrop | kAugmentFlip;
      auto run = setup(c, data.view);
      std::array<int, 162> seen{};
      int unidentified = 0;
      for (int epoch = 0; epoch < 4; ++epoch) {
        trainer_begin_epoch(&run->t);
        const uint32_t* order = run->t.order;
        StepResult r;
        REQUIRE(trainer_step(&run->t, &r).ok());
        for (uint32_t row = 0; row < 500; ++row) {
          const std::vector<uint8_t> got = loaded_bytes(run->t, row);
          int found = -1;
          for (int k = 0; k < 162 && found < 0; ++k) {
            if (augmented(data.view, order[row], k % 9, k / 9 % 9, k >= 81) == got) found = k;
          }
          if (found < 0) ++unidentified; else ++seen[found];
        }
      }
      CHECK(unidentified == 0);
      // 2,000 draws over 162 cells: chi-square with 161 degrees of freedom, rejected at ~5 sd.
      double chi2 = 0;
      const double expect = 2000.0 / 162;
      for (int n : seen) chi2 += (n - expect) * (n - expect) / expect;
      CHECK(chi2 < 161 + 5 * std::sqrt(2 * 161.0));
      int flipped = 0;
      for (int k = 81; k < 162; ++k) flipped += seen[k];
      CHECK(std::abs(flipped - 1000) < 5 * std::sqrt(500.0));  // binomial(2000, 1/2): sd 22
    }
  }
}

TEST_CASE("augmentation: crop alone and flip alone, and evaluation never augmented") {
  auto data = make_separable(200, 3, 1, 6, 6, 22, 120);
  TrainConfig c = config_for(data.view, {5}, 200, OptimizerKind::kSgd, GcMode::kOff, 4);
  auto plain = setup(c, data.view);
  for (uint8_t flags : {uint8_t{kAugmentCrop}, uint8_t{kAugmentFlip}}) {
    c.augment = flags;
    auto run = setup(c, data.view);
    EvalResult a, b;
    REQUIRE(trainer_evaluate(&run->t, data.view, &a).ok());
    REQUIRE(trainer_evaluate(&plain->t, data.view, &b).ok());
    CHECK(a.loss_sum == b.loss_sum);
    CHECK(a.top1 == b.top1);
    trainer_begin_epoch(&run->t);
    StepResult r;
    REQUIRE(trainer_step(&run->t, &r).ok());
    int cropped = 0, flipped = 0;
    for (uint32_t row = 0; row < 200; ++row) {
      const std::vector<uint8_t> got = loaded_bytes(run->t, row);
      const uint32_t s = run->t.order[row];
      bool any = false;
      for (int k = 0; k < 162 && !any; ++k) {
        const bool flip = k >= 81;
        const uint32_t dx = k % 9, dy = k / 9 % 9;
        if (augmented(data.view, s, dx, dy, flip) != got) continue;
        any = true;
        if (flags == kAugmentFlip) CHECK((dx == kAugmentPad && dy == kAugmentPad));
        if (flags == kAugmentCrop) CHECK(!flip);
        cropped += (dx != kAugmentPad || dy != kAugmentPad) ? 1 : 0;
        flipped += flip ? 1 : 0;
      }
      CHECK(any);
    }
    if (flags == kAugmentCrop) CHECK(cropped > 150);   // 80 of 81 offsets move the image
    if (flags == kAugmentFlip) CHECK((flipped > 60 && flipped < 140));
  }
}

TEST_CASE("augmentation and schedules: staged rows train identically; each changes training") {
  auto data = make_separable(150, 4, 2, 4, 4, 23, 60);
  TrainConfig c = config_for(data.view, {9}, 32, OptimizerKind::kAdam, GcMode::kOff, 6);
  c.augment = kAugmentCrop | kAugmentFlip;
  c.schedule = {ScheduleKind::kCosine, 3, 25};
  auto a = setup(c, data.view);
  auto b = setup(c, data.view);
  std::vector<uint8_t> staging(32 * data.view.sample_size());
  for (int e = 0; e < 5; ++e) {
    trainer_begin_epoch(&a->t);
    trainer_begin_epoch(&b->t);
    while (!trainer_epoch_done(a->t)) {
      StepResult ra, rb;
      REQUIRE(trainer_step(&a->t, &ra).ok());
      const uint32_t* idx;
      const uint32_t rows = trainer_next_batch(b->t, &idx);
      for (uint32_t r = 0; r < rows; ++r) {
        std::memcpy(staging.data() + size_t{r} * data.view.sample_size(),
                    data.view.pixels + size_t{idx[r]} * data.view.sample_size(), data.view.sample_size());
      }
      REQUIRE(trainer_step_staged(&b->t, staging.data(), &rb).ok());
      CHECK(ra.loss == rb.loss);
    }
  }
  CHECK(trainer_parameters_crc32(a->t) == trainer_parameters_crc32(b->t));
  // Another schedule, or no augmentation, trains differently.
  for (int variant = 0; variant < 2; ++variant) {
    TrainConfig o = c;
    if (variant == 0) o.augment = kAugmentNone; else o.schedule = {};
    auto other = setup(o, data.view);
    train_epochs(&other->t, 5);
    CHECK(trainer_parameters_crc32(other->t) != trainer_parameters_crc32(a->t));
  }
}

namespace {

std::vector<uint8_t> layer_bytes(const Trainer& t, int l) {
  const size_t in = t.mlp.sizes.size[l], outputs = t.mlp.sizes.size[l + 1];
  const auto* w = static_cast<const uint8_t*>(weights_of(t.mlp, l));
  const auto* b = static_cast<const uint8_t*>(biases_of(t.mlp, l));
  std::vector<uint8_t> out(w, w + 4 * outputs * in);
  out.insert(out.end(), b, b + 4 * outputs);
  return out;
}

}  // namespace

TEST_CASE("frozen layers keep their weights; the layers above learn exactly as without freezing") {
  auto data = make_separable(96, 5, 1, 4, 4, 21);
  for (ScalarKind scalar : {ScalarKind::kFloat, ScalarKind::kFixed}) {
    for (uint32_t threads : {1u, 3u}) {
      CAPTURE(static_cast<int>(scalar));
      CAPTURE(threads);
      TrainConfig c = config_for(data.view, {12, 9}, 16, OptimizerKind::kAdam, GcMode::kGrad, 3);
      c.scalar = scalar;
      c.threads = threads;
      c.hp.lr = 0.01f;
      TrainConfig frozen = c;
      frozen.freeze = 2;
      auto all = setup(c, data.view);
      auto head = setup(frozen, data.view);
      CHECK(head->plan.by_category[static_cast<int>(MemCategory::kGradients)] <
            all->plan.by_category[static_cast<int>(MemCategory::kGradients)]);
      CHECK(head->plan.by_category[static_cast<int>(MemCategory::kOptimizerState)] <
            all->plan.by_category[static_cast<int>(MemCategory::kOptimizerState)]);
      CHECK(weight_gradient_of(head->t.mlp, 0) == nullptr);
      CHECK(weight_gradient_of(head->t.mlp, 1) == nullptr);
      CHECK(weight_gradient_of(head->t.mlp, 2) != nullptr);
      const auto first_before = layer_bytes(head->t, 0), second_before = layer_bytes(head->t, 1);
      // One step: the top layer's gradient does not depend on what happens below it, so its update
      // is the same bits in both runs; the frozen layers do not move.
      trainer_begin_epoch(&all->t);
      trainer_begin_epoch(&head->t);
      StepResult ra, rh;
      REQUIRE(trainer_step(&all->t, &ra).ok());
      REQUIRE(trainer_step(&head->t, &rh).ok());
      CHECK(ra.loss == rh.loss);
      CHECK(layer_bytes(head->t, 2) == layer_bytes(all->t, 2));
      CHECK(layer_bytes(head->t, 0) == first_before);
      CHECK(layer_bytes(head->t, 1) == second_before);
      CHECK(layer_bytes(all->t, 0) != first_before);
      // And over whole epochs the head alone still learns.
      const double first = train_epochs(&head->t, 1);
      const double later = train_epochs(&head->t, 6);
      CHECK(later < 0.75 * first);
      CHECK(layer_bytes(head->t, 0) == first_before);
    }
  }
  TrainConfig all_frozen = config_for(data.view, {12}, 16, OptimizerKind::kSgd, GcMode::kOff, 3);
  all_frozen.freeze = 2;
  MemoryPlan plan;
  const Status s = trainer_plan(all_frozen, data_shape_of(data.view), &plan);
  CHECK(s.code() == Code::kInvalidArgument);
  CHECK_MESSAGE(std::strstr(s.message(), "freezing 2 layers leaves nothing to train: the model has 2 weight layers"),
                std::string(s.message()));
}

TEST_CASE("the shuffle is uniform: every sample reaches every position, and stays in place as often as chance") {
  // Each epoch's shuffle starts from the previous order; resetting the order to the identity makes
  // every epoch one independent draw of a permutation of 6 samples.
  constexpr uint32_t n = 6;
  constexpr int draws = 12000;
  auto data = make_separable(n, 3, 1, 2, 2, 6);
  auto run = setup(config_for(data.view, {}, 2, OptimizerKind::kSgd, GcMode::kOff, 1), data.view);
  std::vector<int> at(n * n, 0);  // at[sample * n + position]
  long fixed_points = 0;
  for (int d = 0; d < draws; ++d) {
    for (uint32_t i = 0; i < n; ++i) run->t.order[i] = i;
    trainer_begin_epoch(&run->t);
    for (uint32_t p = 0; p < n; ++p) {
      at[run->t.order[p] * n + p]++;
      fixed_points += run->t.order[p] == p;
    }
  }
  // A uniform permutation's sample-by-position table: Pearson's statistic is chi-square with
  // (n - 1)^2 = 25 degrees of freedom (each row and column sums to the draws); rejected at ~5 sd.
  const double expect = static_cast<double>(draws) / n, df = (n - 1) * (n - 1);
  double chi2 = 0;
  for (int c : at) {
    CHECK(c > 0);
    chi2 += (c - expect) * (c - expect) / expect;
  }
  CHECK(chi2 < df + 5 * std::sqrt(2 * df));
  // A uniform permutation has one fixed point on average, with variance 1: within 4 standard errors.
  const double mean_fixed = static_cast<double>(fixed_points) / draws;
  CHECK(std::fabs(mean_fixed - 1.0) < 4.0 / std::sqrt(static_cast<double>(draws)));
}
