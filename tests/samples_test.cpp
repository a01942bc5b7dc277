// The on-device side of the trainer: training on the caller's samples, predictions (input.cpp,
// prediction.cpp and their entry points in trainer.cpp).
#include "gctrain/samples.hpp"
#include "tensors.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "gctrain/trainer.hpp"
#include "synthetic.hpp"
#include "trainer_fixture.hpp"

using namespace gct;
using testing::config_for;
using testing::make_separable;
using testing::make_trainer;

namespace {

// The pixels and labels of the rows trainer_step would take next.
void next_batch_samples(const Trainer& t, std::vector<uint8_t>* pixels, std::vector<uint8_t>* labels) {
  const uint32_t* idx;
  const uint32_t rows = trainer_next_batch(t, &idx);
  const uint32_t d = t.train.sample_size();
  pixels->assign(size_t{rows} * d, 0);
  labels->assign(rows, 0);
  for (uint32_t r = 0; r < rows; ++r) {
    std::memcpy(pixels->data() + size_t{r} * d, t.train.pixels + size_t{idx[r]} * d, d);
    (*labels)[r] = t.train.fine[idx[r]];
  }
}

std::string message_of(const Status& s) { return s.message(); }

}  // namespace

TEST_CASE("the caller's samples train exactly as trainer_step's batch, partial batches included") {
  auto data = make_separable(70, 5, 2, 3, 4, 5);  // 70 = 4 batches of 16 and one of 6
  for (ScalarKind scalar : {ScalarKind::kFloat, ScalarKind::kFixed}) {
    CAPTURE(static_cast<int>(scalar));
    TrainConfig c = config_for(data.view, {9}, 16, OptimizerKind::kAdam, GcMode::kGrad, 8);
    c.scalar = scalar;
    c.threads = 2;
    auto stepped = make_trainer(c, data.view);
    auto fed = make_trainer(c, data.view);
    for (int epoch = 0; epoch < 2; ++epoch) {
      trainer_begin_epoch(&stepped->t);
      while (!trainer_epoch_done(stepped->t)) {
        std::vector<uint8_t> pixels, labels;
        next_batch_samples(stepped->t, &pixels, &labels);
        Samples s;
        s.pixels = pixels.data();
        s.labels = labels.data();
        s.rows = static_cast<uint32_t>(labels.size());
        StepResult a, b;
        REQUIRE(trainer_step(&stepped->t, &a).ok());
        const Status st = trainer_train_samples(&fed->t, s, &b);
        REQUIRE_MESSAGE(st.ok(), message_of(st));
        CHECK(a.loss == b.loss);
        CHECK(a.rows == b.rows);
      }
    }
    CHECK(trainer_parameters_crc32(fed->t) == trainer_parameters_crc32(stepped->t));
    CHECK(fed->t.steps == stepped->t.steps);
    CHECK(fed->t.epoch == 0);  // the caller's samples never begin an epoch
  }
}

TEST_CASE("inputs already normalised train like the pixels they came from (float)") {
  auto data = make_separable(40, 4, 1, 4, 4, 6);
  TrainConfig c = config_for(data.view, {7}, 8, OptimizerKind::kSgdMomentum, GcMode::kOff, 2);
  auto a = make_trainer(c, data.view);
  auto b = make_trainer(c, data.view);
  const uint32_t d = data.view.sample_size();
  std::vector<float> inputs(size_t{8} * d);
  const float* norm = static_cast<const float*>(a->t.norm);
  for (uint32_t i = 0; i < inputs.size(); ++i) {  // x = byte * scale + offset, as the engine normalises
    inputs[i] = static_cast<float>(data.pixels[i]) * norm[0] + norm[1];
  }
  Samples px, in;
  px.pixels = data.pixels.data();
  in.inputs = inputs.data();
  px.labels = in.labels = data.fine.data();
  px.rows = in.rows = 8;
  StepResult ra, rb;
  REQUIRE(trainer_train_samples(&a->t, px, &ra).ok());
  REQUIRE(trainer_train_samples(&b->t, in, &rb).ok());
  CHECK(ra.loss == rb.loss);
  CHECK(trainer_parameters_crc32(a->t) == trainer_parameters_crc32(b->t));
}

TEST_CASE("a trainer set up without records learns from the caller's samples one at a time") {
  auto data = make_separable(300, 4, 1, 5, 5, 9, 30);
  for (ScalarKind scalar : {ScalarKind::kFloat, ScalarKind::kFixed}) {
    CAPTURE(static_cast<int>(scalar));
    DatasetView format = data.view;  // shape, classes and statistics only
    format.pixels = nullptr;
    format.fine = format.coarse = format.fine_to_coarse = nullptr;
    format.count = 0;
    TrainConfig c = config_for(data.view, {12}, 4, OptimizerKind::kAdam, GcMode::kGrad, 3);
    c.scalar = scalar;
    c.hp.lr = 0.003f;
    MemoryPlan plan;
    REQUIRE(trainer_plan(c, data_shape_of(format), &plan).ok());
    CHECK(plan.by_category[static_cast<int>(MemCategory::kIndices)] < 64);  // no shuffle order: alignment only
    testing::AlignedBuffer buffer(plan.total);
    Trainer t;
    const Status st = trainer_setup(&t, c, format, buffer.data, plan.total);
    REQUIRE_MESSAGE(st.ok(), message_of(st));
    trainer_begin_epoch(&t);
    CHECK(trainer_epoch_done(t));
    EvalResult before, after;
    REQUIRE(trainer_evaluate(&t, data.view, &before).ok());
    const uint32_t d = data.view.sample_size();
    for (int pass = 0; pass < 3; ++pass) {
      for (uint32_t i = 0; i < 200; ++i) {  // the first 200 samples, one per step
        Samples s;
        s.pixels = data.pixels.data() + size_t{i} * d;
        s.labels = data.fine.data() + i;
        s.rows = 1;
        StepResult r;
        REQUIRE(trainer_train_samples(&t, s, &r).ok());
      }
    }
    CHECK(t.steps == 600);
    DatasetView held_out = data.view;  // the last 100, never trained on
    held_out.pixels += size_t{200} * d;
    held_out.fine += 200;
    held_out.coarse += 200;
    held_out.count = 100;
    REQUIRE(trainer_evaluate(&t, held_out, &after).ok());
    CHECK(after.top1_acc() > 0.9);
    CHECK(after.top1_acc() > before.top1_acc() + 0.3);
  }
}

TEST_CASE("predictions: logits as evaluation sees them, probabilities that sum to 1, top-k in order") {
  auto data = make_separable(64, 7, 1, 4, 4, 12, 60);
  for (ScalarKind scalar : {ScalarKind::kFloat, ScalarKind::kFixed}) {
    CAPTURE(static_cast<int>(scalar));
    TrainConfig c = config_for(data.view, {10}, 16, OptimizerKind::kSgdMomentum, GcMode::kOff, 4);
    c.scalar = scalar;
    auto run = make_trainer(c, data.view);
    testing::train_epochs(&run->t, 2);
    const uint32_t crc = trainer_parameters_crc32(run->t);
    const uint32_t classes = 7, k = 3;
    uint32_t top1 = 0;
    for (uint32_t first = 0; first < 64; first += 16) {
      Samples s;
      s.pixels = data.pixels.data() + size_t{first} * data.view.sample_size();
      s.rows = 16;
      std::vector<float> logits(16 * classes), probs(16 * classes), only_probs(16 * classes);
      std::vector<uint16_t> top(16 * k);
      Prediction p;
      p.logits = logits.data();
      p.probabilities = probs.data();
      p.top = top.data();
      p.k = k;
      REQUIRE(trainer_predict(&run->t, s, p).ok());
      // The logits are the model's own: float as computed, fixed point its Q16 values as real numbers.
      const int L = run->t.mlp.num_layers;
      for (uint32_t i = 0; i < 16 * classes; ++i) {
        if (scalar == ScalarKind::kFixed) {
          CHECK(static_cast<double>(logits[i]) * 65536.0 == static_cast<double>(fixed_tensors(run->t.mlp).act[L][i]));
        } else {
          CHECK(logits[i] == float_tensors(run->t.mlp).act[L][i]);
        }
      }
      Prediction q;  // probabilities alone come out the same
      q.probabilities = only_probs.data();
      REQUIRE(trainer_predict(&run->t, s, q).ok());
      CHECK(only_probs == probs);
      for (uint32_t r = 0; r < 16; ++r) {
        const float* z = logits.data() + r * classes;
        double sum = 0, max = z[0];
        for (uint32_t j = 0; j < classes; ++j) max = std::max<double>(max, z[j]);
        for (uint32_t j = 0; j < classes; ++j) sum += std::exp(z[j] - max);
        double total = 0;
        for (uint32_t j = 0; j < classes; ++j) {
          const double want = std::exp(z[j] - max) / sum;
          CHECK(std::fabs(probs[r * classes + j] - want) <= 1e-6 * want + 1e-12);
          total += probs[r * classes + j];
        }
        CHECK(std::fabs(total - 1.0) < 1e-5);
        // Top-k: sorted by logit, the lower class first among equals, as a stable sort gives.
        std::vector<uint16_t> order(classes);
        for (uint16_t j = 0; j < classes; ++j) order[j] = j;
        std::stable_sort(order.begin(), order.end(), [&](uint16_t a, uint16_t b) { return z[a] > z[b]; });
        for (uint32_t i = 0; i < k; ++i) CHECK(top[r * k + i] == order[i]);
        top1 += top[r * k] == data.fine[first + r] ? 1 : 0;
      }
    }
    EvalResult e;
    REQUIRE(trainer_evaluate(&run->t, data.view, &e).ok());
    CHECK(top1 == e.top1);
    CHECK(trainer_parameters_crc32(run->t) == crc);  // predictions train nothing
  }
}

TEST_CASE("top-k takes the lower class among equal logits") {
  auto data = make_separable(8, 5, 1, 2, 2, 1);
  TrainConfig c = config_for(data.view, {3}, 4, OptimizerKind::kSgd, GcMode::kOff, 1);
  auto run = make_trainer(c, data.view);
  auto& last = float_tensors(run->t.mlp).layer[1];
  for (uint32_t i = 0; i < last.out * last.in; ++i) last.w[i] = 0.0f;
  const float bias[5] = {0.5f, 2.0f, 0.5f, 2.0f, -1.0f};
  std::memcpy(last.b, bias, sizeof bias);
  Samples s;
  s.pixels = data.pixels.data();
  s.rows = 1;
  uint16_t top[5];
  Prediction p;
  p.top = top;
  p.k = 5;
  REQUIRE(trainer_predict(&run->t, s, p).ok());
  CHECK(std::vector<uint16_t>(top, top + 5) == std::vector<uint16_t>{1, 3, 0, 2, 4});
}

TEST_CASE("bad samples and requests are refused with what is wrong") {
  auto data = make_separable(20, 4, 1, 3, 3, 2);
  auto run = make_trainer(config_for(data.view, {5}, 4, OptimizerKind::kSgd, GcMode::kOff, 1), data.view);
  const uint32_t crc = trainer_parameters_crc32(run->t);
  float inputs[9 * 4] = {};
  uint8_t bad_label[4] = {0, 1, 4, 2};
  struct Case {
    Samples s;
    const char* message;
  };
  auto make = [&](const uint8_t* px, const float* in, const uint8_t* labels, uint32_t rows) {
    Samples s;
    s.pixels = px;
    s.inputs = in;
    s.labels = labels;
    s.rows = rows;
    return s;
  };
  const uint8_t* px = data.pixels.data();
  const uint8_t* lb = data.fine.data();
  for (const Case& c : {Case{make(px, nullptr, lb, 0), "0 samples given; the model was set up for 1..4 at a time"},
                        Case{make(px, nullptr, lb, 5), "5 samples given; the model was set up for 1..4 at a time"},
                        Case{make(nullptr, nullptr, lb, 2), "samples need either pixels or inputs (neither given)"},
                        Case{make(px, inputs, lb, 2), "samples need either pixels or inputs (both given)"},
                        Case{make(px, nullptr, nullptr, 2), "samples to train on need labels"},
                        Case{make(px, nullptr, bad_label, 4), "sample 2: label 4 out of range (the model has 4 classes)"}}) {
    StepResult r;
    const Status st = trainer_train_samples(&run->t, c.s, &r);
    CHECK(st.code() == Code::kInvalidArgument);
    CHECK_MESSAGE(std::strstr(st.message(), c.message) != nullptr, message_of(st));
  }
  CHECK(trainer_parameters_crc32(run->t) == crc);
  CHECK(run->t.steps == 0);
  uint16_t top[8];
  for (uint32_t k : {0u, 5u}) {
    Prediction p;
    p.top = top;
    p.k = k;
    const Status st = trainer_predict(&run->t, make(px, nullptr, nullptr, 1), p);
    CHECK(st.code() == Code::kInvalidArgument);
    CHECK_MESSAGE(std::strstr(st.message(), ("top-" + std::to_string(k) + " asked of a model with 4 classes").c_str()),
                  message_of(st));
  }
}
