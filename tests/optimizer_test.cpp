// Each optimizer against hand-computed values and against a straightforward double-precision
// reference loop written from PyTorch's documented update equations (not from the engine's code).
#include "gctrain/optimizer.hpp"
#include "tensors.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <utility>
#include <vector>

#include "gctrain/rng.hpp"
#include "model_fixture.hpp"

using namespace gct;
using testing::ModelFixture;

namespace {

// One step on a 1x1 model ("1,1": one weight, one bias) with gradient g for both.
std::vector<float> scalar_steps(OptimizerKind kind, OptimizerParams hp, std::vector<float> grads) {
  ModelFixture f("1,1", 1, kind);
  float_tensors(f.mlp).layer[0].w[0] = 1.0f;
  float_tensors(f.mlp).layer[0].b[0] = 1.0f;
  optimizer_reset(&f.opt, f.mlp, hp);
  std::vector<float> w;
  for (float g : grads) {
    float_tensors(f.mlp).layer[0].dw[0] = g;
    float_tensors(f.mlp).layer[0].db[0] = g;
    REQUIRE(optimizer_step(&f.opt, &f.mlp, hp, GcMode::kOff).ok());
    w.push_back(float_tensors(f.mlp).layer[0].w[0]);
    CHECK(float_tensors(f.mlp).layer[0].b[0] == float_tensors(f.mlp).layer[0].w[0]);
  }
  return w;
}

}  // namespace

TEST_CASE("hand-computed first steps (w = 1, g = 0.5, lr = 0.1)") {
  OptimizerParams hp;
  hp.lr = 0.1f;
  SUBCASE("sgd") { CHECK(scalar_steps(OptimizerKind::kSgd, hp, {0.5f})[0] == doctest::Approx(0.95)); }
  SUBCASE("momentum: b1 = g, b2 = 0.9*0.5 + 0.5") {
    auto w = scalar_steps(OptimizerKind::kSgdMomentum, hp, {0.5f, 0.5f});
    CHECK(w[0] == doctest::Approx(0.95));
    CHECK(w[1] == doctest::Approx(0.95 - 0.1 * 0.95));
  }
  SUBCASE("nesterov: w -= lr (g + mu b)") {
    hp.nesterov = true;
    auto w = scalar_steps(OptimizerKind::kSgdMomentum, hp, {0.5f});
    CHECK(w[0] == doctest::Approx(1.0 - 0.1 * (0.5 + 0.9 * 0.5)));
  }
  SUBCASE("adagrad: s = 0.25, step = lr") {
    hp.eps = 1e-10f;
    CHECK(scalar_steps(OptimizerKind::kAdagrad, hp, {0.5f})[0] == doctest::Approx(0.9));
  }
  SUBCASE("rmsprop: v = 0.01 * 0.25, step = lr * 0.5 / 0.05") {
    CHECK(scalar_steps(OptimizerKind::kRmsprop, hp, {0.5f})[0] == doctest::Approx(0.0).epsilon(1e-5));
  }
  SUBCASE("adam: bias correction makes the first step exactly lr * sign(g)") {
    auto w = scalar_steps(OptimizerKind::kAdam, hp, {0.5f, -0.25f});
    CHECK(w[0] == doctest::Approx(0.9));
    // t = 2: m = 0.9*0.05 + 0.1*(-0.25) = 0.02, v = 0.999*0.00025 + 0.001*0.0625 = 0.00031225
    const double m_hat = 0.02 / (1 - 0.81), v_hat = 0.00031225 / (1 - 0.998001);
    CHECK(w[1] == doctest::Approx(0.9 - 0.1 * m_hat / (std::sqrt(v_hat) + 1e-8)));
  }
}

namespace {

struct RefTensor {
  std::vector<double> w, s0, s1;
};

// Reference update of a [rows x cols] tensor, straight from the equations.
void reference_step(OptimizerKind kind, const OptimizerParams& hp, GcMode gc, bool is_weight,
                    int t, RefTensor* p, const std::vector<double>& grad, uint32_t rows,
                    uint32_t cols) {
  for (uint32_t i = 0; i < rows; ++i) {
    std::vector<double> g(cols), u(cols);
    for (uint32_t j = 0; j < cols; ++j) g[j] = grad[i * cols + j] + hp.weight_decay * p->w[i * cols + j];
    if (is_weight && gc == GcMode::kGrad) {
      double mean = 0;
      for (double v : g) mean += v / cols;
      for (double& v : g) v -= mean;
    }
    for (uint32_t j = 0; j < cols; ++j) {
      const size_t k = i * cols + j;
      switch (kind) {
        case OptimizerKind::kSgd: u[j] = hp.lr * g[j]; break;
        case OptimizerKind::kSgdMomentum:
          p->s0[k] = hp.momentum * p->s0[k] + g[j];
          u[j] = hp.lr * (hp.nesterov ? g[j] + hp.momentum * p->s0[k] : p->s0[k]);
          break;
        case OptimizerKind::kAdagrad:
          p->s0[k] += g[j] * g[j];
          u[j] = hp.lr * g[j] / (std::sqrt(p->s0[k]) + hp.eps);
          break;
        case OptimizerKind::kRmsprop:
          p->s0[k] = hp.alpha * p->s0[k] + (1 - hp.alpha) * g[j] * g[j];
          u[j] = hp.lr * g[j] / (std::sqrt(p->s0[k]) + hp.eps);
          break;
        case OptimizerKind::kAdam: {
          p->s0[k] = hp.beta1 * p->s0[k] + (1 - hp.beta1) * g[j];
          p->s1[k] = hp.beta2 * p->s1[k] + (1 - hp.beta2) * g[j] * g[j];
          const double m_hat = p->s0[k] / (1 - std::pow(double(hp.beta1), t));
          const double v_hat = p->s1[k] / (1 - std::pow(double(hp.beta2), t));
          u[j] = hp.lr * m_hat / (std::sqrt(v_hat) + hp.eps);
          break;
        }
      }
    }
    if (is_weight && gc == GcMode::kUpdate) {
      double mean = 0;
      for (double v : u) mean += v / cols;
      for (double& v : u) v -= mean;
    }
    for (uint32_t j = 0; j < cols; ++j) p->w[i * cols + j] -= u[j];
  }
}

}  // namespace

TEST_CASE("every optimizer, GC mode and weight decay matches the reference over several steps") {
  for (int k = 0; k < kNumOptimizers; ++k) {
    const auto kind = static_cast<OptimizerKind>(k);
    for (GcMode gc : {GcMode::kOff, GcMode::kGrad, GcMode::kUpdate}) {
      for (bool nesterov : {false, true}) {
        if (nesterov && kind != OptimizerKind::kSgdMomentum) continue;
        CAPTURE(k);
        CAPTURE(static_cast<int>(gc));
        CAPTURE(nesterov);
        OptimizerParams hp = optimizer_defaults(kind);
        hp.lr = kind == OptimizerKind::kSgd ? 0.1f : 0.01f;
        hp.weight_decay = 1e-2f;
        hp.nesterov = nesterov;
        ModelFixture f("6,5,3", 2, kind);
        Rng rng;
        rng_seed(&rng, 11, RngStream::kApplication);
        mlp_init_params(&f.mlp, &rng);
        optimizer_reset(&f.opt, f.mlp, hp);
        std::vector<RefTensor> ref_w, ref_b;
        for (int l = 0; l < f.mlp.num_layers; ++l) {
          const auto& d = float_tensors(f.mlp).layer[l];
          RefTensor w{{d.w, d.w + d.out * d.in}, std::vector<double>(d.out * d.in), std::vector<double>(d.out * d.in)};
          RefTensor b{{d.b, d.b + d.out}, std::vector<double>(d.out), std::vector<double>(d.out)};
          ref_w.push_back(w);
          ref_b.push_back(b);
        }
        for (int t = 1; t <= 6; ++t) {
          for (int l = 0; l < f.mlp.num_layers; ++l) {
            auto& d = float_tensors(f.mlp).layer[l];
            std::vector<double> gw(d.out * d.in), gb(d.out);
            for (uint32_t i = 0; i < d.out * d.in; ++i) gw[i] = d.dw[i] = rng_normal(&rng) * 0.1f;
            for (uint32_t i = 0; i < d.out; ++i) gb[i] = d.db[i] = rng_normal(&rng) * 0.1f;
            reference_step(kind, hp, gc, true, t, &ref_w[l], gw, d.out, d.in);
            reference_step(kind, hp, gc, false, t, &ref_b[l], gb, 1, d.out);
          }
          REQUIRE(optimizer_step(&f.opt, &f.mlp, hp, gc).ok());
        }
        double worst = 0;
        for (int l = 0; l < f.mlp.num_layers; ++l) {
          const auto& d = float_tensors(f.mlp).layer[l];
          for (uint32_t i = 0; i < d.out * d.in; ++i) worst = std::fmax(worst, std::fabs(d.w[i] - ref_w[l].w[i]));
          for (uint32_t i = 0; i < d.out; ++i) worst = std::fmax(worst, std::fabs(d.b[i] - ref_b[l].w[i]));
        }
        // Float rounding over six steps leaves at most 2.3e-7 here; a rule off by one term (e.g. Adam's
        // eps before the bias correction: 2.2e-6) must not fit under the tolerance.
        CHECK(worst < 4e-7);
        CHECK(f.opt.step == 6);
      }
    }
  }
}

TEST_CASE("state kept per optimizer: first moment for sgdm and adam, second for adagrad, rmsprop and adam") {
  auto kept = [](OptimizerKind k) { return std::make_pair(optimizer_state_kept(k).first, optimizer_state_kept(k).second); };
  CHECK(kept(OptimizerKind::kSgd) == std::make_pair(false, false));
  CHECK(kept(OptimizerKind::kSgdMomentum) == std::make_pair(true, false));
  CHECK(kept(OptimizerKind::kAdagrad) == std::make_pair(false, true));
  CHECK(kept(OptimizerKind::kRmsprop) == std::make_pair(false, true));
  CHECK(kept(OptimizerKind::kAdam) == std::make_pair(true, true));
  CHECK(optimizer_state_kept(OptimizerKind::kAdam).tensors() == 2);
}

TEST_CASE("adagrad's initial accumulator is honoured") {
  OptimizerParams hp = optimizer_defaults(OptimizerKind::kAdagrad);
  hp.lr = 0.1f;
  hp.initial_accumulator = 0.75f;  // s = 0.75 + 0.25 = 1
  CHECK(scalar_steps(OptimizerKind::kAdagrad, hp, {0.5f})[0] == doctest::Approx(1.0 - 0.1 * 0.5));
}

TEST_CASE("eps-sensitive steps: tiny gradients (1e-3) against a large eps (1e-2), hand values") {
  OptimizerParams hp;
  hp.lr = 0.1f;
  hp.eps = 1e-2f;
  auto near = [](double v) { return doctest::Approx(v).epsilon(3e-7); };
  SUBCASE("sgd: w = 1 - 0.1 * 1e-3") {
    CHECK(scalar_steps(OptimizerKind::kSgd, hp, {1e-3f})[0] == near(0.9999));
  }
  SUBCASE("momentum: b = 1e-3, then 0.9e-3 + 1e-3") {
    auto w = scalar_steps(OptimizerKind::kSgdMomentum, hp, {1e-3f, 1e-3f});
    CHECK(w[0] == near(0.9999));
    CHECK(w[1] == near(0.9999 - 0.1 * 1.9e-3));
  }
  SUBCASE("nesterov: w -= lr (g + 0.9 b)") {
    hp.nesterov = true;
    CHECK(scalar_steps(OptimizerKind::kSgdMomentum, hp, {1e-3f})[0] == near(1 - 0.1 * 1.9e-3));
  }
  SUBCASE("adagrad: s = 1e-6, u = 0.1 * 1e-3 / (1e-3 + 1e-2), eps outside the root") {
    auto w = scalar_steps(OptimizerKind::kAdagrad, hp, {1e-3f, -2e-3f});
    CHECK(w[0] == near(1 - 1e-4 / 1.1e-2));
    // s = 1e-6 + 4e-6 = 5e-6
    CHECK(w[1] == near(w[0] + 2e-4 / (std::sqrt(5e-6) + 1e-2)));
  }
  SUBCASE("rmsprop: v = 0.01 * 1e-6, u = 0.1 * 1e-3 / (1e-4 + 1e-2), eps outside the root") {
    auto w = scalar_steps(OptimizerKind::kRmsprop, hp, {1e-3f, -2e-3f});
    CHECK(w[0] == near(1 - 1e-4 / 1.01e-2));
    const double v = 0.99 * 1e-8 + 0.01 * 4e-6;
    CHECK(w[1] == near(w[0] + 2e-4 / (std::sqrt(v) + 1e-2)));
  }
  SUBCASE("adam: m_hat = g, v_hat = g^2 at t = 1, eps after the bias correction") {
    auto w = scalar_steps(OptimizerKind::kAdam, hp, {1e-3f, -2e-3f});
    CHECK(w[0] == near(1 - 0.1 * 1e-3 / (1e-3 + 1e-2)));
    const double m = 0.9 * 1e-4 + 0.1 * -2e-3, v = 0.999 * 1e-9 + 0.001 * 4e-6;
    const double m_hat = m / (1 - 0.81), v_hat = v / (1 - 0.998001);
    CHECK(w[1] == near(w[0] - 0.1 * m_hat / (std::sqrt(v_hat) + 1e-2)));
  }
}
