#include "gctrain/config.hpp"

#include <doctest/doctest.h>

#include <cstring>
#include <initializer_list>
#include <string>

#include "engine/decimal.hpp"

using namespace gct;

TEST_CASE("layer sizes parse and print") {
  LayerSizes s;
  REQUIRE(parse_layer_sizes("3072,512,256,100", &s).ok());
  CHECK(s.count == 4);
  CHECK(s.input() == 3072);
  CHECK(s.output() == 100);
  char buf[64];
  format_layer_sizes(s, buf, sizeof buf);
  CHECK(std::strcmp(buf, "3072-512-256-100") == 0);
  CHECK(parameter_count(s) == 1730404);  // 3072·512 + 512 + 512·256 + 256 + 256·100 + 100
}

TEST_CASE("bad layer sizes are refused with a message") {
  LayerSizes s;
  for (const char* bad : {"", "3072", "3072,,100", "3072,0,100", "3072,x", "1,2,3,4,5,6,7,8,9,10",
                          "99999999999,10", "3072,512,"}) {
    Status st = parse_layer_sizes(bad, &s);
    CHECK_MESSAGE(!st.ok(), bad);
    CHECK(std::strlen(st.message()) > 0);
  }
}

TEST_CASE("optimizer and GC names round-trip") {
  for (int i = 0; i < kNumOptimizers; ++i) {
    OptimizerKind k{};
    REQUIRE(parse_optimizer(optimizer_name(static_cast<OptimizerKind>(i)), &k));
    CHECK(k == static_cast<OptimizerKind>(i));
  }
  OptimizerKind k{};
  CHECK_FALSE(parse_optimizer("adamw", &k));
  GcMode g{};
  CHECK(parse_gc_mode("update", &g));
  CHECK(g == GcMode::kUpdate);
  CHECK_FALSE(parse_gc_mode("on", &g));
}

TEST_CASE("defaults follow PyTorch's constants") {
  CHECK(optimizer_defaults(OptimizerKind::kAdagrad).eps == doctest::Approx(1e-10));
  CHECK(optimizer_defaults(OptimizerKind::kRmsprop).alpha == doctest::Approx(0.99));
  CHECK(optimizer_defaults(OptimizerKind::kAdam).beta2 == doctest::Approx(0.999));
  CHECK(optimizer_defaults(OptimizerKind::kSgdMomentum).momentum == doctest::Approx(0.9));
}

TEST_CASE("invalid hyper-parameters are refused") {
  TrainConfig c = default_train_config();
  CHECK(validate_train_config(c).ok());
  c.hp.lr = -1.0f;
  CHECK_FALSE(validate_train_config(c).ok());
  c = default_train_config();
  c.hp.momentum = 1.0f;
  CHECK_FALSE(validate_train_config(c).ok());
  c = default_train_config();
  c.hp.nesterov = true;  // plain SGD
  CHECK_FALSE(validate_train_config(c).ok());
  c = default_train_config();
  c.batch = 0;
  CHECK_FALSE(validate_train_config(c).ok());
  c = default_train_config();
  c.layers.size[3] = 300;  // uint8 labels
  CHECK_FALSE(validate_train_config(c).ok());
}

TEST_CASE("the default recipe: PyTorch's initialisation, a constant rate, no augmentation") {
  const TrainConfig c = default_train_config();
  CHECK(c.init == InitScheme::kTorch);
  CHECK(TrainConfig{}.init == InitScheme::kTorch);
  CHECK(c.schedule.kind == ScheduleKind::kConstant);
  CHECK(c.schedule.warmup_steps == 0);
  CHECK(c.augment == kAugmentNone);
}

TEST_CASE("messages print sizes and 64-bit counts as decimal text, without %zu or %ll") {
  CHECK(std::string(decimal(0).text) == "0");
  CHECK(std::string(decimal(4294967296u).text) == "4294967296");
  CHECK(std::string(decimal(UINT64_MAX).text) == "18446744073709551615");
  CHECK(std::string(decimal_signed(-1).text) == "-1");
  CHECK(std::string(decimal_signed(INT64_MIN).text) == "-9223372036854775808");
  CHECK(std::string(decimal_signed(INT64_MAX).text) == "9223372036854775807");
}
