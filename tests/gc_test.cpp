#include "engine/gc.hpp"
#include "tensors.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "gctrain/rng.hpp"
#include "model_fixture.hpp"

using namespace gct;
using testing::ModelFixture;

// The mean measured independently of the engine's row_mean: one double-precision running sum.
static double mean_of(const float* x, uint32_t n) {
  double sum = 0;
  for (uint32_t j = 0; j < n; ++j) sum += x[j];
  return sum / n;
}

static void random_gradients(Mlp* mlp, Rng* rng) {
  for (int l = 0; l < mlp->num_layers; ++l) {
    auto& d = float_tensors(*mlp).layer[l];
    for (uint32_t i = 0; i < d.out * d.in; ++i) d.dw[i] = rng_normal(rng) + 0.3f;
    for (uint32_t i = 0; i < d.out; ++i) d.db[i] = rng_normal(rng) + 0.3f;
  }
}

// GC on every weight gradient of the model, biases left as they are (what the fused optimizer pass
// must be equivalent to).
static void gc_apply(Mlp* mlp) {
  for (int l = 0; l < mlp->num_layers; ++l) {
    const uint32_t in = mlp->sizes.size[l], out = mlp->sizes.size[l + 1];
    if (mlp->scalar == ScalarKind::kFixed) {
      gc_centralize_rows(fixed_tensors(*mlp).layer[l].dw, out, in);
    } else {
      gc_centralize_rows(float_tensors(*mlp).layer[l].dw, out, in);
    }
  }
}

TEST_CASE("every row of a centralised gradient sums to zero, one mean per output unit") {
  // [2 x 3]: row means 2 and 20.
  std::vector<float> g = {1, 2, 3, 10, 20, 30};
  gc_centralize_rows(g.data(), 2, 3);
  CHECK(g == std::vector<float>{-1, 0, 1, -10, 0, 10});

  ModelFixture f("40,30,20,10", 4, OptimizerKind::kSgd);
  Rng rng;
  rng_seed(&rng, 5, RngStream::kApplication);
  random_gradients(&f.mlp, &rng);
  gc_apply(&f.mlp);
  for (int l = 0; l < f.mlp.num_layers; ++l) {
    const auto& d = float_tensors(f.mlp).layer[l];
    for (uint32_t i = 0; i < d.out; ++i) {
      double sum = 0, abs_sum = 0;
      for (uint32_t j = 0; j < d.in; ++j) {
        sum += d.dw[i * d.in + j];
        abs_sum += std::fabs(d.dw[i * d.in + j]);
      }
      CHECK(std::fabs(sum) < 1e-5 * abs_sum);
    }
  }
}

TEST_CASE("GC is idempotent and leaves biases untouched") {
  ModelFixture f("16,8,4", 2, OptimizerKind::kSgd);
  Rng rng;
  rng_seed(&rng, 6, RngStream::kApplication);
  random_gradients(&f.mlp, &rng);
  std::vector<float> bias_before(float_tensors(f.mlp).layer[0].db, float_tensors(f.mlp).layer[0].db + 8);
  gc_apply(&f.mlp);
  std::vector<float> once(float_tensors(f.mlp).layer[0].dw, float_tensors(f.mlp).layer[0].dw + 8 * 16);
  gc_apply(&f.mlp);
  for (size_t i = 0; i < once.size(); ++i) CHECK(float_tensors(f.mlp).layer[0].dw[i] == doctest::Approx(once[i]).epsilon(1e-6));
  CHECK(std::vector<float>(float_tensors(f.mlp).layer[0].db, float_tensors(f.mlp).layer[0].db + 8) == bias_before);
}

TEST_CASE("with SGD and GC the mean of every weight row stays at its initial value") {
  for (GcMode mode : {GcMode::kGrad, GcMode::kUpdate}) {
    ModelFixture f("32,16,8", 4, OptimizerKind::kSgd);
    Rng rng;
    rng_seed(&rng, 8, RngStream::kApplication);
    mlp_init_params(&f.mlp, &rng);
    OptimizerParams hp = optimizer_defaults(OptimizerKind::kSgd);
    hp.lr = 0.1f;
    optimizer_reset(&f.opt, f.mlp, hp);
    std::vector<std::vector<double>> initial_means;
    for (int l = 0; l < f.mlp.num_layers; ++l) {
      const auto& d = float_tensors(f.mlp).layer[l];
      std::vector<double> means(d.out);
      for (uint32_t i = 0; i < d.out; ++i) means[i] = mean_of(d.w + i * d.in, d.in);
      initial_means.push_back(means);
    }
    std::vector<float> bias0(float_tensors(f.mlp).layer[1].b, float_tensors(f.mlp).layer[1].b + 8);
    for (int step = 0; step < 200; ++step) {
      random_gradients(&f.mlp, &rng);
      REQUIRE(optimizer_step(&f.opt, &f.mlp, hp, mode).ok());
    }
    for (int l = 0; l < f.mlp.num_layers; ++l) {
      const auto& d = float_tensors(f.mlp).layer[l];
      for (uint32_t i = 0; i < d.out; ++i) {
        CHECK(mean_of(d.w + i * d.in, d.in) == doctest::Approx(initial_means[l][i]).epsilon(1e-4).scale(1.0));
      }
    }
    // Biases are not centred, so with a mean gradient of 0.3 they move.
    CHECK(std::fabs(float_tensors(f.mlp).layer[1].b[0] - bias0[0]) > 1.0f);
  }
}

TEST_CASE("without GC the row means drift (the check above can fail)") {
  ModelFixture f("32,16,8", 4, OptimizerKind::kSgd);
  Rng rng;
  rng_seed(&rng, 8, RngStream::kApplication);
  mlp_init_params(&f.mlp, &rng);
  OptimizerParams hp = optimizer_defaults(OptimizerKind::kSgd);
  hp.lr = 0.1f;
  optimizer_reset(&f.opt, f.mlp, hp);
  const double before = mean_of(float_tensors(f.mlp).layer[0].w, 32);
  for (int step = 0; step < 50; ++step) {
    random_gradients(&f.mlp, &rng);
    REQUIRE(optimizer_step(&f.opt, &f.mlp, hp, GcMode::kOff).ok());
  }
  CHECK(std::fabs(mean_of(float_tensors(f.mlp).layer[0].w, 32) - before) > 0.5);
}

TEST_CASE("row_mean equals a double-precision mean for every length, the tail past 32 included") {
  Rng rng;
  rng_seed(&rng, 12, RngStream::kApplication);
  std::vector<float> x(200);
  for (uint32_t n = 1; n <= 200; ++n) {
    for (uint32_t j = 0; j < n; ++j) x[j] = rng_normal(&rng) + (j % 7 == 0 ? 100.0f : 0.0f);
    CAPTURE(n);
    CHECK(row_mean(x.data(), n) == doctest::Approx(mean_of(x.data(), n)).epsilon(1e-6));
  }
  // Only the last element non-zero: the tail must be summed.
  std::vector<float> tail(65, 0.0f);
  tail[64] = 65.0f;
  CHECK(row_mean(tail.data(), 65) == 1.0f);
}

TEST_CASE("GC on a gradient centres each row over its inputs, against a direct computation") {
  // [3 x 37] (37: past one group of 32), rows with different offsets.
  Rng rng;
  rng_seed(&rng, 13, RngStream::kApplication);
  std::vector<float> g(3 * 37);
  for (uint32_t i = 0; i < g.size(); ++i) g[i] = rng_normal(&rng) + 5.0f * static_cast<float>(i / 37);
  std::vector<float> c = g;
  gc_centralize_rows(c.data(), 3, 37);
  for (uint32_t i = 0; i < 3; ++i) {
    const double mean = mean_of(g.data() + i * 37, 37);
    for (uint32_t j = 0; j < 37; ++j) CHECK(c[i * 37 + j] == doctest::Approx(g[i * 37 + j] - mean).epsilon(1e-6).scale(1.0));
  }
}
