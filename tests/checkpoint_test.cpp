#include "gctrain/checkpoint.hpp"
#include "tensors.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "gctrain/crc32.hpp"
#include "synthetic.hpp"
#include "trainer_fixture.hpp"

using namespace gct;
using testing::AlignedBuffer;

namespace {

std::unique_ptr<testing::TrainerRun> setup(const TrainConfig& c, const DatasetView& d) {
  return testing::make_trainer(c, d);
}

// Runs `steps` steps, beginning epochs as needed.
void steps(Trainer* t, int n) {
  for (int i = 0; i < n; ++i) {
    if (trainer_epoch_done(*t)) trainer_begin_epoch(t);
    StepResult r;
    REQUIRE(trainer_step(t, &r).ok());
  }
}

}  // namespace

TEST_CASE("save mid-epoch, load into a fresh trainer, continue: bit-identical to never stopping") {
  auto data = testing::make_separable(100, 6, 1, 4, 4, 3);
  for (auto kind : {OptimizerKind::kSgdMomentum, OptimizerKind::kAdam, OptimizerKind::kAdagrad}) {
    TrainConfig c = testing::config_for(data.view, {10, 8}, 16, kind, GcMode::kGrad, 5);
    if (kind == OptimizerKind::kAdam) {  // augmented batches and a scheduled rate resume exactly too
      c.augment = kAugmentCrop | kAugmentFlip;
      c.schedule = {ScheduleKind::kCosine, 4, 30};
    }
    if (kind == OptimizerKind::kAdagrad) c.freeze = 1;  // and a model whose first layer is frozen
    auto whole = setup(c, data.view);
    steps(&whole->t, 23);  // 100 / 16 = 7 steps per epoch: stops inside epoch 4

    auto first = setup(c, data.view);
    steps(&first->t, 10);
    std::vector<uint8_t> ckpt(checkpoint_size(first->t));
    uint8_t host[kCheckpointHostBytes];
    for (size_t i = 0; i < sizeof host; ++i) host[i] = static_cast<uint8_t>(i * 3);
    REQUIRE(checkpoint_save(first->t, host, ckpt.data(), ckpt.size()).ok());

    TrainConfig other_seed = c;
    other_seed.seed = 99;  // the checkpoint, not the seed, decides the state
    auto second = setup(other_seed, data.view);
    second->t.config.seed = c.seed;
    uint8_t host_back[kCheckpointHostBytes] = {};
    Status s = checkpoint_load(&second->t, ckpt.data(), ckpt.size(), host_back);
    REQUIRE_MESSAGE(s.ok(), s.message());
    CHECK(std::memcmp(host, host_back, sizeof host) == 0);
    steps(&second->t, 13);
    CHECK(trainer_parameters_crc32(second->t) == trainer_parameters_crc32(whole->t));
    CHECK(second->t.steps == whole->t.steps);
    CHECK(second->t.epoch == whole->t.epoch);
  }
}

TEST_CASE("a corrupt, truncated or mismatched checkpoint is refused and changes nothing") {
  auto data = testing::make_separable(50, 4, 1, 3, 3, 4);
  TrainConfig c = testing::config_for(data.view, {6}, 8, OptimizerKind::kAdam, GcMode::kOff, 1);
  auto a = setup(c, data.view);
  steps(&a->t, 5);
  std::vector<uint8_t> good(checkpoint_size(a->t));
  REQUIRE(checkpoint_save(a->t, nullptr, good.data(), good.size()).ok());
  auto b = setup(c, data.view);
  const uint32_t before = trainer_parameters_crc32(b->t);
  for (size_t pos = 0; pos < good.size(); pos += (pos < 256 ? 1 : 13)) {
    auto bad = good;
    bad[pos] ^= 0x10;
    CHECK_MESSAGE(!checkpoint_load(&b->t, bad.data(), bad.size(), nullptr).ok(), "byte ", pos);
  }
  for (size_t n : {size_t{0}, size_t{100}, size_t{256}, good.size() - 1}) {
    CHECK_FALSE(checkpoint_load(&b->t, good.data(), n, nullptr).ok());
  }
  CHECK(trainer_parameters_crc32(b->t) == before);
  CHECK(b->t.steps == 0);

  struct Variant { const char* what; TrainConfig config; };
  TrainConfig layers = testing::config_for(data.view, {7}, 8, OptimizerKind::kAdam, GcMode::kOff, 1);
  TrainConfig opt = testing::config_for(data.view, {6}, 8, OptimizerKind::kRmsprop, GcMode::kOff, 1);
  TrainConfig batch = testing::config_for(data.view, {6}, 9, OptimizerKind::kAdam, GcMode::kOff, 1);
  TrainConfig seed = testing::config_for(data.view, {6}, 8, OptimizerKind::kAdam, GcMode::kOff, 7);
  TrainConfig gc = testing::config_for(data.view, {6}, 8, OptimizerKind::kAdam, GcMode::kGrad, 1);
  TrainConfig lr = c;
  lr.hp.lr = 0.5f;
  TrainConfig augment = c;
  augment.augment = kAugmentCrop | kAugmentFlip;
  TrainConfig schedule = c;
  schedule.schedule = {ScheduleKind::kCosine, 2, 40};
  TrainConfig freeze = c;
  freeze.freeze = 1;
  for (const Variant& v : {Variant{"made with layers 9-6-4, this run has 9-7-4", layers},
                           Variant{"made with optimizer adam, this run has rmsprop", opt},
                           Variant{"made with batch 8, this run has 9", batch},
                           Variant{"made with seed 1, this run has 7", seed},
                           Variant{"made with GC mode off, this run has grad", gc},
                           Variant{"made with lr 0.0003, this run has 0.5", lr},
                           Variant{"made with augmentation none, this run has crop,flip", augment},
                           Variant{"made with learning-rate schedule constant over 0 steps with 0 of warm-up, "
                                   "this run has cosine over 40 steps with 2 of warm-up", schedule},
                           Variant{"made with frozen layers 0, this run has 1", freeze}}) {
    auto other = setup(v.config, data.view);
    Status s = checkpoint_load(&other->t, good.data(), good.size(), nullptr);
    CHECK(s.code() == Code::kShapeMismatch);
    CHECK_MESSAGE(std::strstr(s.message(), v.what) != nullptr, std::string(s.message()));
  }
  REQUIRE(checkpoint_load(&b->t, good.data(), good.size(), nullptr).ok());
  CHECK(trainer_parameters_crc32(b->t) == trainer_parameters_crc32(a->t));
}

namespace {

// Makes a checkpoint's checksums valid again after its bytes were changed: what a crafted file has.
void reseal(std::vector<uint8_t>* ckpt, size_t header) {
  const uint32_t payload = crc32_update(0, ckpt->data() + header, ckpt->size() - header);
  std::memcpy(ckpt->data() + 248, &payload, 4);
  const uint32_t head = crc32_update(0, ckpt->data(), 252);
  std::memcpy(ckpt->data() + 252, &head, 4);
}

}  // namespace

TEST_CASE("a crafted checkpoint whose state no step could make is refused, in either arithmetic") {
  auto data = testing::make_separable(40, 4, 1, 3, 3, 6);
  for (ScalarKind scalar : {ScalarKind::kFloat, ScalarKind::kFixed}) {
    for (OptimizerKind kind : {OptimizerKind::kAdam, OptimizerKind::kAdagrad, OptimizerKind::kRmsprop}) {
      CAPTURE(static_cast<int>(scalar));
      CAPTURE(static_cast<int>(kind));
      TrainConfig c = testing::config_for(data.view, {6}, 8, kind, GcMode::kGrad, 1);
      c.scalar = scalar;
      auto a = setup(c, data.view);
      steps(&a->t, 4);
      std::vector<uint8_t> good(checkpoint_size(a->t));
      REQUIRE(checkpoint_save(a->t, nullptr, good.data(), good.size()).ok());
      // Payload: W1 [6 x 9], b1 [6], W2 [4 x 6], b2 [4], then per layer the first moment (Adam) and
      // the second; 4-byte values but fixed point's int64 second moments.
      const size_t params = 4 * (6 * 9 + 6 + 4 * 6 + 4);
      const size_t first = kind == OptimizerKind::kAdam ? 4 * (6 * 9 + 6) : 0;
      const size_t second_at = 256 + params + first + (scalar == ScalarKind::kFixed ? 8 : 4) * 5;
      auto b = setup(c, data.view);
      const uint32_t before = trainer_parameters_crc32(b->t);
      std::vector<uint8_t> negative = good;
      if (scalar == ScalarKind::kFixed) {
        const int64_t v = -(int64_t{1} << 40);
        std::memcpy(negative.data() + second_at, &v, 8);
      } else {
        const float v = -0.25f;
        std::memcpy(negative.data() + second_at, &v, 4);
      }
      reseal(&negative, 256);
      Status s = checkpoint_load(&b->t, negative.data(), negative.size(), nullptr);
      CHECK(s.code() == Code::kCorruptData);
      CHECK_MESSAGE(std::strstr(s.message(), "negative second moment") != nullptr, std::string(s.message()));
      CHECK(trainer_parameters_crc32(b->t) == before);
      CHECK(b->t.steps == 0);
      if (scalar == ScalarKind::kFixed) {  // a square's sum is at most 2^62 (the rules saturate there)
        std::vector<uint8_t> huge = good;
        const int64_t v = INT64_MAX;
        std::memcpy(huge.data() + second_at, &v, 8);
        reseal(&huge, 256);
        s = checkpoint_load(&b->t, huge.data(), huge.size(), nullptr);
        CHECK_MESSAGE(std::strstr(s.message(), "above 2^62") != nullptr, std::string(s.message()));
      } else {  // a NaN anywhere, an infinite weight or first moment, a second moment of -inf
        struct Bad {
          size_t at;
          float value;
          const char* says;
        };
        std::vector<Bad> bad = {{256 + 12, NAN, "a NaN"}, {256 + 12, INFINITY, "an infinite value"},
                                {second_at + 4, NAN, "a NaN"}, {second_at + 4, -INFINITY, "negative second moment"}};
        if (kind == OptimizerKind::kAdam) bad.push_back({256 + params + 8, -INFINITY, "an infinite value"});
        for (const Bad& x : bad) {
          std::vector<uint8_t> crafted = good;
          std::memcpy(crafted.data() + x.at, &x.value, 4);
          reseal(&crafted, 256);
          s = checkpoint_load(&b->t, crafted.data(), crafted.size(), nullptr);
          CHECK_MESSAGE(std::strstr(s.message(), x.says) != nullptr, std::string(s.message()));
        }
        // +inf is a second moment a step can store (g * g overflowed; the update is m / inf = 0).
        std::vector<uint8_t> overflowed = good;
        const float inf = INFINITY;
        std::memcpy(overflowed.data() + second_at + 4, &inf, 4);
        reseal(&overflowed, 256);
        auto c2 = setup(c, data.view);
        s = checkpoint_load(&c2->t, overflowed.data(), overflowed.size(), nullptr);
        CHECK_MESSAGE(s.ok(), std::string(s.message()));
      }
      CHECK(trainer_parameters_crc32(b->t) == before);
      // The untouched file, resealed the same way, still loads: the checks refuse values, not files.
      std::vector<uint8_t> same = good;
      reseal(&same, 256);
      REQUIRE(same == good);
      s = checkpoint_load(&b->t, same.data(), same.size(), nullptr);
      REQUIRE_MESSAGE(s.ok(), std::string(s.message()));
      steps(&b->t, 2);  // and trains on
    }
  }
}

TEST_CASE("a float step whose squared gradients overflow leaves +inf second moments, and its checkpoint resumes") {
  auto data = testing::make_separable(8, 2, 1, 2, 2, 3);
  TrainConfig c = testing::config_for(data.view, {4}, 1, OptimizerKind::kAdam, GcMode::kOff, 1);
  auto a = setup(c, data.view);
  const std::vector<float> x = {1e30f, -1e30f, 1e30f, 1e30f};
  const uint8_t label = 0;
  Samples huge;
  huge.inputs = x.data();
  huge.labels = &label;
  huge.rows = 1;
  StepResult r;
  const Status step = trainer_train_samples(&a->t, huge, &r);
  REQUIRE_MESSAGE(step.ok(), step.message());
  std::vector<uint8_t> ckpt(checkpoint_size(a->t));
  REQUIRE(checkpoint_save(a->t, nullptr, ckpt.data(), ckpt.size()).ok());
  // The payload holds an infinite second moment (else this test shows nothing).
  bool infinite = false;
  for (size_t at = 256; at + 4 <= ckpt.size(); at += 4) {
    float v;
    std::memcpy(&v, ckpt.data() + at, 4);
    infinite = infinite || std::isinf(v);
  }
  REQUIRE(infinite);
  auto b = setup(c, data.view);
  const Status s = checkpoint_load(&b->t, ckpt.data(), ckpt.size(), nullptr);
  CHECK_MESSAGE(s.ok(), s.message());
  CHECK(trainer_parameters_crc32(b->t) == trainer_parameters_crc32(a->t));
}

TEST_CASE("checkpoints of a trainer that was never set up are refused") {
  Trainer never;
  std::vector<uint8_t> out(4096);
  Status s = checkpoint_save(never, nullptr, out.data(), out.size());
  CHECK(s.code() == Code::kInvalidArgument);
  CHECK_MESSAGE(std::strstr(s.message(), "never set up") != nullptr, std::string(s.message()));
  s = checkpoint_load(&never, out.data(), out.size(), nullptr);
  CHECK_MESSAGE(std::strstr(s.message(), "never set up") != nullptr, std::string(s.message()));
}

TEST_CASE("new hyper-parameters may be taken on resume; nothing else may change") {
  auto data = testing::make_separable(50, 4, 1, 3, 3, 4);
  TrainConfig c = testing::config_for(data.view, {6}, 8, OptimizerKind::kAdam, GcMode::kGrad, 3);
  auto a = setup(c, data.view);
  steps(&a->t, 5);
  std::vector<uint8_t> bytes(checkpoint_size(a->t));
  REQUIRE(checkpoint_save(a->t, nullptr, bytes.data(), bytes.size()).ok());
  CheckpointInfo info;
  REQUIRE(checkpoint_info(bytes.data(), bytes.size(), &info).ok());
  CHECK(info.hp.lr == c.hp.lr);
  CHECK(info.hp.beta2 == c.hp.beta2);
  CHECK(info.seed == 3);
  CHECK(info.steps == 5);

  TrainConfig lower = c;
  lower.hp.lr = c.hp.lr / 10;
  lower.hp.beta1 = 0.8f;
  auto b = setup(lower, data.view);
  CHECK_FALSE(checkpoint_load(&b->t, bytes.data(), bytes.size(), nullptr).ok());
  REQUIRE(checkpoint_load(&b->t, bytes.data(), bytes.size(), nullptr, CheckpointResume::kNewHyperparameters).ok());
  CHECK(b->t.steps == 5);
  CHECK(trainer_parameters_crc32(b->t) == trainer_parameters_crc32(a->t));
  // The run continues with the new rate: its next step differs from the old run's.
  steps(&a->t, 1);
  steps(&b->t, 1);
  CHECK(trainer_parameters_crc32(b->t) != trainer_parameters_crc32(a->t));
  // So may a new schedule (its rate applies from the next step); augmentation may not change.
  TrainConfig scheduled = c;
  scheduled.schedule = {ScheduleKind::kStep, 0, 12};
  auto e = setup(scheduled, data.view);
  REQUIRE(checkpoint_load(&e->t, bytes.data(), bytes.size(), nullptr, CheckpointResume::kNewHyperparameters).ok());
  // A constant rate for longer is no change at all; a cosine of another length is one.
  TrainConfig longer = c;
  longer.schedule.total_steps = c.schedule.total_steps + 40;
  auto g = setup(longer, data.view);
  CHECK(checkpoint_info(bytes.data(), bytes.size(), &info).ok());
  CHECK(info.schedule.kind == ScheduleKind::kConstant);
  CHECK(checkpoint_load(&g->t, bytes.data(), bytes.size(), nullptr).ok());
  TrainConfig cosine = c;
  cosine.schedule = {ScheduleKind::kCosine, 2, 40};
  auto h = setup(cosine, data.view);
  std::vector<uint8_t> cosine_bytes(checkpoint_size(h->t));
  REQUIRE(checkpoint_save(h->t, nullptr, cosine_bytes.data(), cosine_bytes.size()).ok());
  REQUIRE(checkpoint_info(cosine_bytes.data(), cosine_bytes.size(), &info).ok());
  CHECK(info.schedule.kind == ScheduleKind::kCosine);
  CHECK(info.schedule.warmup_steps == 2);
  CHECK(info.schedule.total_steps == 40);
  TrainConfig cosine_longer = cosine;
  cosine_longer.schedule.total_steps = 60;
  auto k = setup(cosine_longer, data.view);
  CHECK(checkpoint_load(&k->t, cosine_bytes.data(), cosine_bytes.size(), nullptr).code() == Code::kShapeMismatch);
  TrainConfig augmented = c;
  augmented.augment = kAugmentFlip;
  auto f = setup(augmented, data.view);
  CHECK(checkpoint_load(&f->t, bytes.data(), bytes.size(), nullptr, CheckpointResume::kNewHyperparameters).code() ==
        Code::kShapeMismatch);
  // The shape-bearing settings stay refused.
  TrainConfig other_seed = lower;
  other_seed.seed = 4;
  auto d = setup(other_seed, data.view);
  CHECK(checkpoint_load(&d->t, bytes.data(), bytes.size(), nullptr, CheckpointResume::kNewHyperparameters).code() ==
        Code::kShapeMismatch);
  CHECK(checkpoint_info(bytes.data(), 100, &info).code() == Code::kCorruptData);
}

TEST_CASE("divergence stops with a message naming the step and the layer") {
  auto data = testing::make_separable(64, 4, 1, 3, 3, 5);
  TrainConfig c = testing::config_for(data.view, {6}, 8, OptimizerKind::kSgd, GcMode::kOff, 1);
  auto r = setup(c, data.view);
  steps(&r->t, 2);
  float_tensors(r->t.mlp).layer[1].w[3] = INFINITY;  // as if an update had overflowed
  trainer_begin_epoch(&r->t);
  StepResult res;
  Status s = trainer_step(&r->t, &res);
  CHECK(s.code() == Code::kNumericalError);
  CHECK(std::strstr(s.message(), "step 3") != nullptr);
  CHECK_MESSAGE(std::strstr(s.message(), "layer 2") != nullptr, s.message());
}

TEST_CASE("a convolutional network resumes exactly; its geometry is checked and checksummed") {
  auto data = testing::make_separable(100, 6, 2, 8, 7, 3);
  TrainConfig c = testing::config_for(data.view, {10}, 16, OptimizerKind::kAdam, GcMode::kGrad, 5);
  REQUIRE(parse_net("conv3x3:5,maxpool2,conv3x3:4/s2,dense:9,dense:6", 2, 8, 7, &c.layers).ok());
  c.augment = kAugmentCrop | kAugmentFlip;
  auto whole = setup(c, data.view);
  steps(&whole->t, 17);
  auto first = setup(c, data.view);
  steps(&first->t, 9);
  std::vector<uint8_t> ckpt(checkpoint_size(first->t));
  REQUIRE(checkpoint_save(first->t, nullptr, ckpt.data(), ckpt.size()).ok());
  auto second = setup(c, data.view);
  Status s = checkpoint_load(&second->t, ckpt.data(), ckpt.size(), nullptr);
  REQUIRE_MESSAGE(s.ok(), s.message());
  steps(&second->t, 8);
  CHECK(trainer_parameters_crc32(second->t) == trainer_parameters_crc32(whole->t));

  // The same widths with another pooling: refused, naming both networks.
  TrainConfig other = c;
  REQUIRE(parse_net("conv3x3:5,avgpool2,conv3x3:4/s2,dense:9,dense:6", 2, 8, 7, &other.layers).ok());
  auto third = setup(other, data.view);
  s = checkpoint_load(&third->t, ckpt.data(), ckpt.size(), nullptr);
  CHECK_FALSE(s.ok());
  CHECK(std::string(s.message()).find("maxpool2") != std::string::npos);
  CHECK(std::string(s.message()).find("avgpool2") != std::string::npos);
  // Any changed byte of the header, the geometry included, is refused.
  for (size_t pos = 0; pos < 384; ++pos) {
    auto bad = ckpt;
    bad[pos] ^= 0x04;
    CHECK_MESSAGE(!checkpoint_load(&second->t, bad.data(), bad.size(), nullptr).ok(), "byte ", pos);
  }
  // A dense model's checkpoint keeps the format it always had.
  TrainConfig dense = testing::config_for(data.view, {10}, 16, OptimizerKind::kAdam, GcMode::kGrad, 5);
  auto d = setup(dense, data.view);
  std::vector<uint8_t> dense_ckpt(checkpoint_size(d->t));
  REQUIRE(checkpoint_save(d->t, nullptr, dense_ckpt.data(), dense_ckpt.size()).ok());
  CHECK(dense_ckpt[8] == 1);
  CHECK(ckpt[8] == 2);
}

TEST_CASE("every recorded hyper-parameter is reported, and an exact resume refuses each one changed, naming it") {
  auto data = testing::make_separable(50, 4, 1, 3, 3, 4);
  TrainConfig c = testing::config_for(data.view, {6}, 8, OptimizerKind::kSgdMomentum, GcMode::kOff, 5);
  // Distinct values in every field, none of them a default, so that a field read from its
  // neighbour's place shows.
  c.hp.lr = 0.02f;
  c.hp.momentum = 0.8f;
  c.hp.nesterov = true;
  c.hp.alpha = 0.7f;
  c.hp.beta1 = 0.6f;
  c.hp.beta2 = 0.95f;
  c.hp.eps = 1e-5f;
  c.hp.initial_accumulator = 0.3f;
  c.hp.weight_decay = 1e-4f;
  auto a = setup(c, data.view);
  steps(&a->t, 3);
  std::vector<uint8_t> bytes(checkpoint_size(a->t));
  REQUIRE(checkpoint_save(a->t, nullptr, bytes.data(), bytes.size()).ok());
  CheckpointInfo info;
  REQUIRE(checkpoint_info(bytes.data(), bytes.size(), &info).ok());
  CHECK(info.hp.lr == c.hp.lr);
  CHECK(info.hp.momentum == c.hp.momentum);
  CHECK(info.hp.alpha == c.hp.alpha);
  CHECK(info.hp.beta1 == c.hp.beta1);
  CHECK(info.hp.beta2 == c.hp.beta2);
  CHECK(info.hp.eps == c.hp.eps);
  CHECK(info.hp.initial_accumulator == c.hp.initial_accumulator);
  CHECK(info.hp.weight_decay == c.hp.weight_decay);
  CHECK(info.hp.nesterov);
  CHECK(info.seed == 5);
  CHECK(info.steps == 3);

  struct Change {
    const char* name;
    float OptimizerParams::*field;
  };
  for (const Change& ch : {Change{"lr", &OptimizerParams::lr}, Change{"momentum", &OptimizerParams::momentum},
                           Change{"alpha", &OptimizerParams::alpha}, Change{"beta1", &OptimizerParams::beta1},
                           Change{"beta2", &OptimizerParams::beta2}, Change{"eps", &OptimizerParams::eps},
                           Change{"initial accumulator", &OptimizerParams::initial_accumulator},
                           Change{"weight decay", &OptimizerParams::weight_decay}}) {
    CAPTURE(std::string(ch.name));
    TrainConfig other = c;
    other.hp.*ch.field *= 0.5f;
    auto b = setup(other, data.view);
    const Status s = checkpoint_load(&b->t, bytes.data(), bytes.size(), nullptr);
    CHECK(s.code() == Code::kShapeMismatch);
    CHECK_MESSAGE(std::strstr(s.message(), (std::string("made with ") + ch.name + " ").c_str()) != nullptr,
                  std::string(s.message()));
    // As new hyper-parameters it is taken, and the trainer resumes at the checkpoint's step.
    REQUIRE(checkpoint_load(&b->t, bytes.data(), bytes.size(), nullptr, CheckpointResume::kNewHyperparameters).ok());
    CHECK(b->t.steps == 3);
    CHECK(trainer_parameters_crc32(b->t) == trainer_parameters_crc32(a->t));
  }
  TrainConfig plain = c;
  plain.hp.nesterov = false;
  auto n = setup(plain, data.view);
  const Status s = checkpoint_load(&n->t, bytes.data(), bytes.size(), nullptr);
  CHECK_MESSAGE(std::strstr(s.message(), "made with nesterov on, this run has off") != nullptr, std::string(s.message()));
}
