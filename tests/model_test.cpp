// Model files (model.cpp) and the predictor that reads them in place (predictor.cpp).
#include "gctrain/model.hpp"
#include "tensors.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "gctrain/crc32.hpp"
#include "gctrain/plan_bound.hpp"
#include "gctrain/predictor.hpp"
#include "gctrain/trainer.hpp"
#include "synthetic.hpp"
#include "trainer_fixture.hpp"

using namespace gct;
using testing::config_for;
using testing::make_separable;
using testing::make_trainer;

namespace {

// 4-byte aligned storage for a model file (a std::vector<uint8_t> promises only 1).
struct ModelBytes {
  std::vector<uint32_t> words;
  size_t size = 0;
  uint8_t* data() { return reinterpret_cast<uint8_t*>(words.data()); }
  const uint8_t* data() const { return reinterpret_cast<const uint8_t*>(words.data()); }
};

ModelBytes save(const Trainer& t) {
  ModelBytes m;
  m.size = model_file_size(t.config.layers);
  m.words.assign((m.size + 3) / 4, 0);
  const Status s = model_save(t, m.data(), m.size);
  REQUIRE_MESSAGE(s.ok(), std::string(s.message()));
  return m;
}

struct PredictorRun {
  std::unique_ptr<testing::AlignedBuffer> buffer;
  Predictor p;
  MemoryPlan plan;
};

std::unique_ptr<PredictorRun> make_predictor(const ModelView& model, uint32_t batch) {
  auto run = std::make_unique<PredictorRun>();
  REQUIRE(predictor_plan(model, batch, &run->plan).ok());
  run->buffer = std::make_unique<testing::AlignedBuffer>(run->plan.total);
  const Status s = predictor_setup(&run->p, model, batch, run->buffer->data, run->plan.total);
  REQUIRE_MESSAGE(s.ok(), std::string(s.message()));
  return run;
}

size_t category(const MemoryPlan& plan, MemCategory c) { return plan.by_category[static_cast<int>(c)]; }

}  // namespace

TEST_CASE("a saved model predicts and evaluates exactly as the trainer that saved it") {
  auto data = make_separable(90, 6, 3, 4, 4, 31, 50, 3, PixelLayout::kInterleaved);
  for (ScalarKind scalar : {ScalarKind::kFloat, ScalarKind::kFixed}) {
    CAPTURE(static_cast<int>(scalar));
    TrainConfig c = config_for(data.view, {20, 11}, 16, OptimizerKind::kAdam, GcMode::kGrad, 6);
    c.scalar = scalar;
    c.threads = 2;
    auto run = make_trainer(c, data.view);
    testing::train_epochs(&run->t, 3);
    const ModelBytes file = save(run->t);
    CHECK(file.size == model_file_size(c.layers));
    ModelView model;
    Status s = model_open(file.data(), file.size, &model);
    REQUIRE_MESSAGE(s.ok(), std::string(s.message()));
    CHECK(model.scalar == scalar);
    CHECK(model.layers.count == 4);
    CHECK(model.layers.size[1] == 20);
    CHECK(model.format.layout == PixelLayout::kInterleaved);
    CHECK(model.format.channels == 3);
    CHECK(model.format.num_fine == 6);
    CHECK(model.format.mean[2] == data.view.mean[2]);
    CHECK(model.steps == run->t.steps);
    CHECK(model.batch == 16);
    // In place: the views point into the file.
    CHECK(model.weights[0] == file.data() + kModelHeaderBytes);
    // The fingerprint is the header's checksum (which covers the payload's).
    CHECK(model.fingerprint == crc32_update(0, file.data(), kModelHeaderBytes - 4));

    EvalResult want, got;
    REQUIRE(trainer_evaluate(&run->t, data.view, &want).ok());
    for (uint32_t batch : {1u, 7u, 16u, 64u}) {
      CAPTURE(batch);
      auto pred = make_predictor(model, batch);
      REQUIRE(predictor_evaluate(&pred->p, data.view, &got).ok());
      // Bit for bit at the training batch. At another: the AVX-512 float kernels sum every row in
      // one order whatever the batch, but Eigen's blocking follows the planned batch, and fixed
      // point quantises a batch's activations with one shift; both round the last bits otherwise.
      const bool exact = batch == c.batch ||
                         (scalar == ScalarKind::kFloat && std::strcmp(mlp_float_kernels(), "avx512") == 0);
      if (exact) {
        CHECK(got.top1 == want.top1);
        CHECK(got.top5 == want.top5);
        CHECK(got.loss_sum == want.loss_sum);
      } else {
        CHECK(std::fabs(got.loss_sum - want.loss_sum) < 1e-4 * want.loss_sum);
        CHECK(got.top1 + 2 >= want.top1);
        CHECK(got.top1 <= want.top1 + 2);
      }
      // The same logits for a single sample.
      Samples one;
      one.pixels = data.pixels.data() + 5 * data.view.sample_size();
      one.rows = 1;
      float a[6], b[6];
      Prediction pa, pb;
      pa.logits = a;
      pb.logits = b;
      REQUIRE(predictor_run(&pred->p, one, pa).ok());
      REQUIRE(trainer_predict(&run->t, one, pb).ok());
      if (exact) {
        CHECK(std::memcmp(a, b, sizeof a) == 0);
      } else {
        for (int j = 0; j < 6; ++j) CHECK(std::fabs(a[j] - b[j]) <= 1e-4f * (1.0f + std::fabs(b[j])));
      }
    }
    // The predictor's arena: activations, products' memory and normalisation only.
    auto pred = make_predictor(model, 16);
    CHECK(category(pred->plan, MemCategory::kParameters) == 0);
    CHECK(category(pred->plan, MemCategory::kGradients) == 0);
    CHECK(category(pred->plan, MemCategory::kOptimizerState) == 0);
    CHECK(category(pred->plan, MemCategory::kIndices) == 0);
    CHECK(pred->plan.total < run->plan.total / 2);
    CHECK(crc32_update(0, file.data(), file.size) == crc32_update(0, save(run->t).data(), file.size));
  }
}

TEST_CASE("a model file loads into a trainer, and fine-tuning keeps its frozen layers") {
  auto data = make_separable(80, 5, 1, 4, 4, 40);
  TrainConfig c = config_for(data.view, {12, 8}, 16, OptimizerKind::kSgdMomentum, GcMode::kOff, 2);
  auto source = make_trainer(c, data.view);
  testing::train_epochs(&source->t, 2);
  const ModelBytes file = save(source->t);
  ModelView model;
  REQUIRE(model_open(file.data(), file.size, &model).ok());

  TrainConfig tune = c;
  tune.seed = 77;  // other initial weights: the model's replace them
  tune.freeze = 2;
  tune.optimizer = OptimizerKind::kAdam;
  tune.hp = optimizer_defaults(OptimizerKind::kAdam);
  DatasetView other_stats = data.view;
  other_stats.mean[0] = 0.3f;  // the model's statistics win
  auto target = make_trainer(tune, other_stats);
  Status s = trainer_load_model(&target->t, model);
  REQUIRE_MESSAGE(s.ok(), std::string(s.message()));
  CHECK(trainer_parameters_crc32(target->t) == trainer_parameters_crc32(source->t));
  CHECK(target->t.train.mean[0] == data.view.mean[0]);
  EvalResult a, b;
  REQUIRE(trainer_evaluate(&source->t, data.view, &a).ok());
  REQUIRE(trainer_evaluate(&target->t, data.view, &b).ok());
  CHECK(a.loss_sum == b.loss_sum);
  testing::train_epochs(&target->t, 2);
  for (int l = 0; l < 2; ++l) {
    const auto& d = float_tensors(target->t.mlp).layer[l];
    CHECK(std::memcmp(d.w, model.weights[l], 4 * size_t{d.out} * d.in) == 0);
    CHECK(std::memcmp(d.b, model.biases[l], 4 * size_t{d.out}) == 0);
  }
  CHECK(std::memcmp(float_tensors(target->t.mlp).layer[2].w, model.weights[2], 4 * 5 * 8) != 0);

  struct Mismatch {
    TrainConfig config;
    DatasetView data;
    const char* message;
  };
  TrainConfig layers = config_for(data.view, {12, 9}, 16, OptimizerKind::kSgd, GcMode::kOff, 2);
  TrainConfig fixed = c;
  fixed.scalar = ScalarKind::kFixed;
  auto flipped = make_separable(80, 5, 1, 2, 8, 40);  // same sample size, another shape
  TrainConfig flipped_config = config_for(flipped.view, {12, 8}, 16, OptimizerKind::kSgd, GcMode::kOff, 2);
  for (const Mismatch& m : {Mismatch{layers, data.view, "the model file has layers 16-12-8-5, this run 16-12-9-5"},
                            Mismatch{fixed, data.view, "the model file is in float, this run trains in fixed"},
                            Mismatch{flipped_config, flipped.view,
                                     "the model file takes 1x4x4 planar samples, this data has 1x2x8 planar"}}) {
    auto other = make_trainer(m.config, m.data);
    const uint32_t before = trainer_parameters_crc32(other->t);
    s = trainer_load_model(&other->t, model);
    CHECK(s.code() == Code::kShapeMismatch);
    CHECK_MESSAGE(std::strstr(s.message(), m.message) != nullptr, std::string(s.message()));
    CHECK(trainer_parameters_crc32(other->t) == before);
  }
}

TEST_CASE("a corrupt, truncated, misaligned or foreign model file is refused") {
  auto data = make_separable(30, 3, 1, 3, 3, 8);
  auto run = make_trainer(config_for(data.view, {6}, 8, OptimizerKind::kSgd, GcMode::kOff, 1), data.view);
  const ModelBytes good = save(run->t);
  ModelView m;
  for (size_t pos = 0; pos < good.size; pos += pos < kModelHeaderBytes ? 1 : 7) {
    ModelBytes bad = good;
    bad.data()[pos] ^= 0x04;
    CHECK_MESSAGE(!model_open(bad.data(), bad.size, &m).ok(), "byte ", pos);
  }
  for (size_t n : {size_t{0}, size_t{100}, kModelHeaderBytes, good.size - 4}) {
    CHECK_FALSE(model_open(good.data(), n, &m).ok());
  }
  std::vector<uint32_t> shifted((good.size + 8) / 4);
  auto* odd = reinterpret_cast<uint8_t*>(shifted.data()) + 1;
  std::memcpy(odd, good.data(), good.size);
  Status s = model_open(odd, good.size, &m);
  CHECK_MESSAGE(std::strstr(s.message(), "4-byte aligned") != nullptr, std::string(s.message()));
  s = model_open(data.pixels.data(), 300, &m);
  CHECK_MESSAGE(std::strstr(s.message(), "not a gctrain model file") != nullptr, std::string(s.message()));
  std::vector<uint8_t> wrong_size(model_file_size(run->t.config.layers) + 64);
  CHECK(model_save(run->t, wrong_size.data(), wrong_size.size()).code() == Code::kInvalidArgument);

  // A too small arena for the predictor names both sizes.
  REQUIRE(model_open(good.data(), good.size, &m).ok());
  MemoryPlan plan;
  REQUIRE(predictor_plan(m, 4, &plan).ok());
  testing::AlignedBuffer buffer(plan.total);
  Predictor p;
  s = predictor_setup(&p, m, 4, buffer.data, plan.total - 1);
  CHECK(s.code() == Code::kArenaTooSmall);
  CHECK_MESSAGE(std::strstr(s.message(), ("needs " + std::to_string(plan.total) + " bytes").c_str()),
                std::string(s.message()));
}

namespace {

// A crafted file: fields changed in place, then both checksums made valid again, so that only the
// model file's own validation stands between the bytes and the engine.
void put16_at(ModelBytes* m, size_t at, uint16_t v) { std::memcpy(m->data() + at, &v, 2); }
void put32_at(ModelBytes* m, size_t at, uint32_t v) { std::memcpy(m->data() + at, &v, 4); }
void reseal(ModelBytes* m) {
  put32_at(m, 248, crc32_update(0, m->data() + kModelHeaderBytes, m->size - kModelHeaderBytes));
  put32_at(m, 252, crc32_update(0, m->data(), 252));
}
// Header offsets (model.cpp): the image, the widths, and layer l's convolution geometry.
constexpr size_t kHeight = 30, kWidth = 32, kSizes = 36;
constexpr size_t conv_at(int l) { return 116 + 12 * static_cast<size_t>(l); }

ModelBytes cnn_file(const char* net, uint16_t channels, uint16_t height, uint16_t width) {
  auto data = make_separable(16, 4, channels, height, width, 77);
  TrainConfig c = config_for(data.view, {4}, 8, OptimizerKind::kSgd, GcMode::kOff, 1);
  REQUIRE(parse_net(net, channels, height, width, &c.layers).ok());
  auto run = make_trainer(c, data.view);
  testing::train_epochs(&run->t, 1);
  return save(run->t);
}

std::string open_message(const ModelBytes& m) {
  ModelView view;
  const Status s = model_open(m.data(), m.size, &view);
  return s.ok() ? "ok" : s.message();
}

}  // namespace

TEST_CASE("crafted model files whose geometry the grammar could not write are refused before any use") {
  // 1x4096x4096 with a 1x1 convolution of 256 filters and global pooling: the weights are those of
  // the 1x8x8 network the file was made from, but 256 x 2^24 values before pooling wrap 32 bits.
  ModelBytes big = cnn_file("conv1x1:256,gap,dense:4", 1, 8, 8);
  REQUIRE(open_message(big) == "ok");
  put16_at(&big, kHeight, 4096);
  put16_at(&big, kWidth, 4096);
  put32_at(&big, kSizes, 4096u * 4096u);
  put16_at(&big, conv_at(0) + 2, 4096);
  put16_at(&big, conv_at(0) + 4, 4096);
  reseal(&big);
  std::string message = open_message(big);
  CHECK_MESSAGE(message.find("4294967296 values per sample before pooling") != std::string::npos, message);
  // The same network is what --net refuses.
  LayerSizes net;
  CHECK_FALSE(parse_net("conv1x1:256,gap,dense:4", 1, 4096, 4096, &net).ok());

  // Padding 2 on a 3x3 kernel: the sizes still agree (global pooling), the grammar pads K/2.
  ModelBytes padded = cnn_file("conv3x3:4,gap,dense:4", 1, 8, 8);
  padded.data()[conv_at(0) + 10] = 2;
  reseal(&padded);
  message = open_message(padded);
  CHECK_MESSAGE(message.find("padding 2") != std::string::npos, message);

  // A convolution reading 8x4x16 above one that gives 8x8x8: 512 values either way.
  ModelBytes chained = cnn_file("conv3x3:8,conv1x1:4,gap,dense:4", 1, 8, 8);
  put16_at(&chained, conv_at(1) + 2, 4);
  put16_at(&chained, conv_at(1) + 4, 16);
  reseal(&chained);
  message = open_message(chained);
  CHECK_MESSAGE(message.find("reading 8x4x16 images above one that gives 8x8x8") != std::string::npos, message);

  // A network over another image than the file's samples (same number of values).
  ModelBytes other = cnn_file("conv3x3:4,gap,dense:4", 1, 8, 8);
  put16_at(&other, conv_at(0) + 2, 4);
  put16_at(&other, conv_at(0) + 4, 16);
  reseal(&other);
  message = open_message(other);
  CHECK_MESSAGE(message.find("the network reads 1x4x16 images, its samples are 1x8x8") != std::string::npos, message);
}

TEST_CASE("a crafted model file whose sample size wraps 32 bits, or whose weights are not numbers, is refused") {
  // Made from 2x1x32767 samples (65534 values); 2x65535x32769 is 4295032830 values, 65534 in uint32.
  auto data = make_separable(4, 2, 2, 1, 32767, 5);
  auto run = make_trainer(config_for(data.view, {2}, 4, OptimizerKind::kSgd, GcMode::kOff, 1), data.view);
  ModelBytes wrapped = save(run->t);
  put16_at(&wrapped, kHeight, 65535);
  put16_at(&wrapped, kWidth, 32769);
  reseal(&wrapped);
  const std::string message = open_message(wrapped);
  CHECK_MESSAGE(message.find("2x65535x32769 are 4295032830 values") != std::string::npos, message);
  DatasetView view = data.view;
  view.height = 65535;
  view.width = 32769;
  CHECK(dataset_validate_format(view).code() == Code::kShapeMismatch);

  ModelBytes nan = save(run->t);
  const float bad = NAN;
  std::memcpy(nan.data() + kModelHeaderBytes + 4 * 100, &bad, 4);
  reseal(&nan);
  CHECK(open_message(nan) == "model file: layer 1's parameters hold a NaN");
}

TEST_CASE("the predictor refuses non-finite inputs, another image shape or layout, and an object never set up") {
  auto data = make_separable(24, 3, 1, 4, 4, 12);
  for (ScalarKind scalar : {ScalarKind::kFloat, ScalarKind::kFixed}) {
    CAPTURE(static_cast<int>(scalar));
    TrainConfig c = config_for(data.view, {5}, 4, OptimizerKind::kSgd, GcMode::kOff, 1);
    c.scalar = scalar;
    auto run = make_trainer(c, data.view);
    const ModelBytes file = save(run->t);
    ModelView model;
    REQUIRE(model_open(file.data(), file.size, &model).ok());
    auto pred = make_predictor(model, 4);
    std::vector<float> inputs(2 * 16, 0.5f);
    float probabilities[2 * 3];
    Prediction out;
    out.probabilities = probabilities;
    Samples samples;
    samples.inputs = inputs.data();
    samples.rows = 2;
    REQUIRE(predictor_run(&pred->p, samples, out).ok());
    for (float v : {NAN, INFINITY, -INFINITY}) {
      inputs[16 + 7] = v;
      const Status s = predictor_run(&pred->p, samples, out);
      CHECK(s.code() == Code::kInvalidArgument);
      CHECK(std::string(s.message()) == "sample 1: an input is NaN or infinite");
      // The trainer refuses them the same way, before a step.
      samples.labels = data.fine.data();
      CHECK(std::string(trainer_train_samples(&run->t, samples, nullptr).message()) ==
            "sample 1: an input is NaN or infinite");
      samples.labels = nullptr;
      CHECK(run->t.steps == 0);
    }
    // 1x16x1 samples are not the model's 1x4x4 images, nor are interleaved ones planar.
    DatasetView column = data.view;
    column.height = 16;
    column.width = 1;
    EvalResult r;
    Status s = predictor_evaluate(&pred->p, column, &r);
    CHECK(std::string(s.message()) == "evaluation data has 1x16x1 planar samples, the model's are 1x4x4 planar");
    DatasetView interleaved = data.view;
    interleaved.layout = PixelLayout::kInterleaved;
    s = predictor_evaluate(&pred->p, interleaved, &r);
    CHECK(std::string(s.message()) == "evaluation data has 1x4x4 interleaved samples, the model's are 1x4x4 planar");
    s = trainer_evaluate(&run->t, column, &r);
    CHECK(s.code() == Code::kShapeMismatch);
  }

  // Objects that were never set up are refused by name before anything reads their empty layout.
  Predictor never;
  Samples one;
  const uint8_t pixels[16] = {};
  one.pixels = pixels;
  one.rows = 1;
  uint16_t top = 0;
  Prediction best;
  best.top = &top;
  best.k = 1;
  CHECK(std::string(predictor_run(&never, one, best).message()) ==
        "predictor_run on a predictor that was never set up (predictor_setup failed or was not called)");
  EvalResult r;
  CHECK(predictor_evaluate(&never, data.view, &r).code() == Code::kInvalidArgument);
  CHECK(predictor_run(nullptr, one, best).code() == Code::kInvalidArgument);
  Trainer unset;
  CHECK(std::string(trainer_predict(&unset, one, best).message()) ==
        "trainer_predict on a trainer that was never set up (trainer_setup failed or was not called)");
  StepResult step;
  CHECK(trainer_step(&unset, &step).code() == Code::kInvalidArgument);
  CHECK(trainer_evaluate(&unset, data.view, &r).code() == Code::kInvalidArgument);
  CHECK(trainer_train_samples(&unset, one, &step).code() == Code::kInvalidArgument);
  std::vector<uint8_t> bytes(4096);
  CHECK(model_save(unset, bytes.data(), bytes.size()).code() == Code::kInvalidArgument);
  ModelView empty;
  CHECK(trainer_load_model(&unset, empty).code() == Code::kInvalidArgument);
  CHECK(model_open(nullptr, 300, &empty).code() == Code::kInvalidArgument);
  CHECK(model_open(bytes.data(), bytes.size(), nullptr).code() == Code::kInvalidArgument);
}

TEST_CASE("the compile-time predictor bound covers the predictor's plan (fixed point: equals it)") {
  for (auto sizes : {std::vector<uint32_t>{64, 32, 10}, std::vector<uint32_t>{3072, 512, 256, 100},
                     std::vector<uint32_t>{10, 300, 200, 100, 5}}) {
    for (uint32_t batch : {1u, 16u, 128u}) {
      for (ScalarKind scalar : {ScalarKind::kFloat, ScalarKind::kFixed}) {
        ModelView m;
        m.layers.count = 0;
        for (uint32_t s : sizes) m.layers.size[m.layers.count++] = s;
        m.scalar = scalar;
        m.format.channels = 3;
        MemoryPlan plan;
        REQUIRE(predictor_plan(m, batch, &plan).ok());
        const size_t bound = predictor_arena_bound(sizes.data(), static_cast<int>(sizes.size()), batch, 3, scalar);
        if (scalar == ScalarKind::kFixed) {
          CHECK(bound == plan.total);
        } else {
          CHECK(bound >= plan.total);
        }
      }
    }
  }
}

TEST_CASE("a convolutional network's model file keeps its geometry, predicts as its trainer and fine-tunes") {
  auto data = make_separable(96, 5, 2, 9, 8, 41, 50, 2);
  TrainConfig c = config_for(data.view, {8}, 16, OptimizerKind::kSgdMomentum, GcMode::kGrad, 3);
  REQUIRE(parse_net("conv3x3:6,maxpool2,conv3x3:5/s2,gap,dense:7,dense:5", 2, 9, 8, &c.layers).ok());
  auto run = make_trainer(c, data.view);
  testing::train_epochs(&run->t, 2);
  const ModelBytes file = save(run->t);
  ModelView model;
  Status s = model_open(file.data(), file.size, &model);
  REQUIRE_MESSAGE(s.ok(), std::string(s.message()));
  CHECK(std::memcmp(model.layers.conv, c.layers.conv, sizeof c.layers.conv) == 0);
  CHECK(std::memcmp(model.layers.size, c.layers.size, sizeof c.layers.size) == 0);

  EvalResult want, got;
  REQUIRE(trainer_evaluate(&run->t, data.view, &want).ok());
  auto pred = make_predictor(model, 16);
  REQUIRE(predictor_evaluate(&pred->p, data.view, &got).ok());
  CHECK(got.top1 == want.top1);
  CHECK(got.loss_sum == want.loss_sum);

  // Fine-tuning from the file: a trainer of the same network takes its weights; the two layers
  // frozen keep them through training.
  TrainConfig tune = c;
  tune.freeze = 2;
  auto again = make_trainer(tune, data.view);
  REQUIRE(trainer_load_model(&again->t, model).ok());
  std::vector<uint8_t> conv_before(static_cast<const uint8_t*>(weights_of(again->t.mlp, 1)),
                                   static_cast<const uint8_t*>(weights_of(again->t.mlp, 1)) + 4 * 5 * 54);
  testing::train_epochs(&again->t, 1);
  CHECK(std::memcmp(conv_before.data(), weights_of(again->t.mlp, 1), conv_before.size()) == 0);

  // A network with the same widths but another geometry does not take these weights.
  TrainConfig other = c;
  REQUIRE(parse_net("conv3x3:6,avgpool2,conv3x3:5/s2,gap,dense:7,dense:5", 2, 9, 8, &other.layers).ok());
  auto third = make_trainer(other, data.view);
  CHECK_FALSE(trainer_load_model(&third->t, model).ok());

  // A geometry that does not fit the sizes is refused even with a valid checksum.
  ModelBytes bad = file;
  bad.data()[116 + 8] = 5;  // layer 1's kernel: 3 -> 5
  const uint32_t crc = crc32_update(0, bad.data(), kModelHeaderBytes - 4);
  std::memcpy(bad.data() + kModelHeaderBytes - 4, &crc, 4);
  s = model_open(bad.data(), bad.size, &model);
  CHECK_FALSE(s.ok());
  CHECK(std::string(s.message()).find("model file: layer 1") != std::string::npos);
}

TEST_CASE("loading a model restores every channel's mean and standard deviation, in both arithmetics") {
  auto data = make_separable(60, 4, 3, 4, 4, 41, 50, 2, PixelLayout::kInterleaved);
  for (ScalarKind scalar : {ScalarKind::kFloat, ScalarKind::kFixed}) {
    CAPTURE(static_cast<int>(scalar));
    TrainConfig c = config_for(data.view, {10}, 16, OptimizerKind::kAdam, GcMode::kOff, 3);
    c.scalar = scalar;
    auto source = make_trainer(c, data.view);
    testing::train_epochs(&source->t, 2);
    const ModelBytes file = save(source->t);
    ModelView model;
    REQUIRE(model_open(file.data(), file.size, &model).ok());

    // Fine-tuning data whose every statistic differs from the model's.
    DatasetView other = data.view;
    for (int k = 0; k < 3; ++k) {
      other.mean[k] = data.view.mean[k] + 0.05f * static_cast<float>(k + 1);
      other.stddev[k] = data.view.stddev[k] * (1.1f + 0.1f * static_cast<float>(k));
    }
    auto target = make_trainer(c, other);
    REQUIRE(trainer_load_model(&target->t, model).ok());
    for (int k = 0; k < 3; ++k) {
      CAPTURE(k);
      CHECK(target->t.train.mean[k] == data.view.mean[k]);
      CHECK(target->t.train.stddev[k] == data.view.stddev[k]);
    }
    // The normalisation follows: the loaded trainer scores the model's data exactly as its source.
    EvalResult a, b;
    REQUIRE(trainer_evaluate(&source->t, data.view, &a).ok());
    REQUIRE(trainer_evaluate(&target->t, data.view, &b).ok());
    CHECK(a.loss_sum == b.loss_sum);
  }
}
