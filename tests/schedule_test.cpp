#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include "gctrain/config.hpp"

using namespace gct;

namespace {

double factor(const Schedule& s, uint64_t step) { return schedule_factor_q30(s, step) / 1073741824.0; }

}  // namespace

TEST_CASE("constant: the factor is exactly one and the rate exactly hp.lr, after a linear warm-up") {
  TrainConfig c = default_train_config();
  c.hp.lr = 0.0123f;
  for (uint64_t t : {0ull, 1ull, 1000ull, 1ull << 40}) CHECK(scheduled_lr(c, t) == c.hp.lr);
  c.schedule.warmup_steps = 8;
  for (uint64_t t = 0; t < 8; ++t) {
    CAPTURE(t);
    CHECK(factor(c.schedule, t) == doctest::Approx((t + 1) / 8.0).epsilon(1e-9));
  }
  CHECK(scheduled_lr(c, 7) == c.hp.lr);
  CHECK(scheduled_lr(c, 8) == c.hp.lr);
  CHECK(scheduled_lr(c, 0) == static_cast<float>(0.0123f / 8.0));
}

TEST_CASE("step: x0.1 after half of the steps past the warm-up, x0.01 after three quarters") {
  Schedule s{ScheduleKind::kStep, 10, 110};  // 100 steps of decay
  CHECK(factor(s, 9) == 1.0);
  CHECK(factor(s, 10) == 1.0);
  CHECK(factor(s, 59) == 1.0);
  CHECK(factor(s, 60) == doctest::Approx(0.1).epsilon(1e-8));
  CHECK(factor(s, 84) == doctest::Approx(0.1).epsilon(1e-8));
  CHECK(factor(s, 85) == doctest::Approx(0.01).epsilon(1e-7));
  CHECK(factor(s, 109) == doctest::Approx(0.01).epsilon(1e-7));
  CHECK(factor(s, 5000) == doctest::Approx(0.01).epsilon(1e-7));  // past the end: the last rate
}

TEST_CASE("cosine: 0.5 (1 + cos(pi d / D)) within 1e-8 at every step (float32 resolves 6e-8), from 1 down to near 0") {
  for (uint32_t warmup : {0u, 5u}) {
    for (uint32_t decay : {1u, 2u, 7u, 390u, 3910u}) {
      Schedule s{ScheduleKind::kCosine, warmup, warmup + decay};
      double previous = 2.0;
      for (uint32_t d = 0; d < decay; ++d) {
        const double want = 0.5 * (1.0 + std::cos(M_PI * d / decay));
        const double got = factor(s, warmup + d);
        if (std::fabs(got - want) > 1e-8) FAIL_CHECK("decay " << decay << " step " << d << ": " << got << " vs " << want);
        CHECK(got <= previous);
        previous = got;
      }
      CHECK(factor(s, warmup) == 1.0);
      CHECK(factor(s, warmup + decay + 100) == factor(s, warmup + decay - 1));
    }
  }
}

TEST_CASE("schedules are validated and named") {
  TrainConfig c = default_train_config();
  c.schedule = {ScheduleKind::kCosine, 10, 10};
  Status s = validate_train_config(c);
  CHECK(s.code() == Code::kInvalidArgument);
  CHECK(std::string(s.message()) == "the cosine schedule needs more steps than its warm-up: 10 steps in all, 10 of warm-up");
  c.schedule.total_steps = 11;
  CHECK(validate_train_config(c).ok());
  c.schedule = {static_cast<ScheduleKind>(3), 0, 0};
  CHECK(!validate_train_config(c).ok());
  ScheduleKind k;
  CHECK(parse_schedule("cosine", &k));
  CHECK(k == ScheduleKind::kCosine);
  CHECK(!parse_schedule("linear", &k));
  uint8_t a = 0;
  CHECK(parse_augment("flip,crop", &a));
  CHECK(a == (kAugmentCrop | kAugmentFlip));
  CHECK(std::string(augment_name(a)) == "crop,flip");
  CHECK(parse_augment("none", &a));
  CHECK(a == kAugmentNone);
  CHECK(!parse_augment("crop,crop", &a));
  c.schedule = {};
  c.augment = 4;
  CHECK(!validate_train_config(c).ok());
}
