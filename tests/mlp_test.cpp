// Finite-difference check of the whole MLP + softmax cross-entropy against a double-precision
// reference implementation written independently of the engine.
#include "gctrain/mlp.hpp"
#include "tensors.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <vector>

#include "gctrain/rng.hpp"
#include "synthetic.hpp"

using namespace gct;

namespace {

struct RefModel {
  std::vector<uint32_t> sizes;
  std::vector<std::vector<double>> w, b;
};

double ref_loss(const RefModel& m, const std::vector<double>& x, const std::vector<uint8_t>& y,
                uint32_t rows) {
  double total = 0;
  const size_t L = m.sizes.size() - 1;
  for (uint32_t r = 0; r < rows; ++r) {
    std::vector<double> a(x.begin() + r * m.sizes[0], x.begin() + (r + 1) * m.sizes[0]);
    for (size_t l = 0; l < L; ++l) {
      std::vector<double> z(m.sizes[l + 1]);
      for (uint32_t i = 0; i < m.sizes[l + 1]; ++i) {
        double s = m.b[l][i];
        for (uint32_t j = 0; j < m.sizes[l]; ++j) s += m.w[l][i * m.sizes[l] + j] * a[j];
        z[i] = (l + 1 < L) ? std::fmax(s, 0.0) : s;
      }
      a = z;
    }
    double mx = a[0];
    for (double v : a) mx = std::fmax(mx, v);
    double se = 0;
    for (double v : a) se += std::exp(v - mx);
    total += std::log(se) + mx - a[y[r]];
  }
  return total / rows;
}

}  // namespace

TEST_CASE("analytic gradients match central finite differences of a double reference") {
  const std::vector<uint32_t> sizes = {7, 6, 5, 4};
  const uint32_t batch = 5, rows = 4;  // a partial batch on purpose
  LayerSizes ls;
  for (uint32_t s : sizes) ls.size[ls.count++] = s;

  Arena counting;
  arena_init_counting(&counting);
  Mlp probe;
  mlp_layout(&probe, ls, batch, &counting);
  testing::AlignedBuffer buffer(counting.used);
  Arena arena;
  REQUIRE(arena_init(&arena, buffer.data, counting.used).ok());
  Mlp mlp;
  mlp_layout(&mlp, ls, batch, &arena);
  REQUIRE_FALSE(arena.exhausted);
  REQUIRE(arena.used == counting.used);

  Rng rng;
  rng_seed(&rng, 3, RngStream::kApplication);
  mlp_init_params(&mlp, &rng);
  for (int l = 0; l < mlp.num_layers; ++l)
    for (uint32_t i = 0; i < float_tensors(mlp).layer[l].out; ++i) float_tensors(mlp).layer[l].b[i] = 0.1f * rng_normal(&rng);

  std::vector<double> x(rows * sizes[0]);
  for (auto& v : x) v = rng_normal(&rng);
  std::vector<uint8_t> y = {0, 3, 1, 3};

  RefModel ref;
  ref.sizes = sizes;
  for (int l = 0; l < mlp.num_layers; ++l) {
    const auto& d = float_tensors(mlp).layer[l];
    ref.w.emplace_back(d.w, d.w + d.out * d.in);
    ref.b.emplace_back(d.b, d.b + d.out);
  }

  const std::vector<float> xf(x.begin(), x.end());
  mlp_load_inputs(&mlp, xf.data(), rows);
  REQUIRE(mlp_forward(&mlp, rows).ok());
  // The logits as the public API reads them give the reference's loss.
  double logits_loss = 0;
  for (uint32_t r = 0; r < rows; ++r) {
    std::vector<float> z(sizes.back());
    mlp_logits(mlp, r, z.data());
    double m = z[0], sum = 0;
    for (float v : z) m = std::fmax(m, v);
    for (float v : z) sum += std::exp(v - m);
    logits_loss += m + std::log(sum) - z[y[r]];
  }
  CHECK(logits_loss / rows == doctest::Approx(ref_loss(ref, x, y, rows)).epsilon(1e-5));
  BatchLoss loss;
  REQUIRE(mlp_backward(&mlp, y.data(), rows, &loss).ok());
  CHECK(loss.loss_sum / rows == doctest::Approx(ref_loss(ref, x, y, rows)).epsilon(1e-5));

  const double h = 1e-6;
  double worst = 0;
  for (int l = 0; l < mlp.num_layers; ++l) {
    const auto& d = float_tensors(mlp).layer[l];
    for (size_t i = 0; i < ref.w[l].size(); ++i) {
      const double keep = ref.w[l][i];
      ref.w[l][i] = keep + h;
      const double up = ref_loss(ref, x, y, rows);
      ref.w[l][i] = keep - h;
      const double down = ref_loss(ref, x, y, rows);
      ref.w[l][i] = keep;
      const double numeric = (up - down) / (2 * h);
      const double err = std::fabs(numeric - d.dw[i]) / std::fmax(1e-3, std::fabs(numeric));
      worst = std::fmax(worst, err);
    }
    for (size_t i = 0; i < ref.b[l].size(); ++i) {
      const double keep = ref.b[l][i];
      ref.b[l][i] = keep + h;
      const double up = ref_loss(ref, x, y, rows);
      ref.b[l][i] = keep - h;
      const double down = ref_loss(ref, x, y, rows);
      ref.b[l][i] = keep;
      const double numeric = (up - down) / (2 * h);
      const double err = std::fabs(numeric - d.db[i]) / std::fmax(1e-3, std::fabs(numeric));
      worst = std::fmax(worst, err);
    }
  }
  CHECK(worst < 1e-3);
}

TEST_CASE("out-of-range labels are refused") {
  LayerSizes ls;
  REQUIRE(parse_layer_sizes("4,3", &ls).ok());
  Arena counting;
  arena_init_counting(&counting);
  Mlp probe;
  mlp_layout(&probe, ls, 2, &counting);
  testing::AlignedBuffer buffer(counting.used);
  Arena arena;
  REQUIRE(arena_init(&arena, buffer.data, counting.used).ok());
  Mlp mlp;
  mlp_layout(&mlp, ls, 2, &arena);
  Rng rng;
  rng_seed(&rng, 1, RngStream::kApplication);
  mlp_init_params(&mlp, &rng);
  const float half[8] = {0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f};
  mlp_load_inputs(&mlp, half, 2);
  REQUIRE(mlp_forward(&mlp, 2).ok());
  const uint8_t labels[2] = {0, 3};
  BatchLoss loss;
  Status s = mlp_backward(&mlp, labels, 2, &loss);
  CHECK(s.code() == Code::kCorruptData);
  CHECK(mlp_forward(&mlp, 3).code() == Code::kInvalidArgument);  // more rows than planned
}

namespace {

// A model laid out in its own buffer, in either arithmetic.
struct InitModel {
  Mlp mlp;
  std::unique_ptr<testing::AlignedBuffer> buffer;
  InitModel(const char* sizes, ScalarKind scalar) {
    LayerSizes ls;
    REQUIRE(parse_layer_sizes(sizes, &ls).ok());
    Arena counting;
    arena_init_counting(&counting);
    mlp_layout(&mlp, ls, 1, &counting, 1, scalar);
    buffer = std::make_unique<testing::AlignedBuffer>(counting.used);
    Arena arena;
    REQUIRE(arena_init(&arena, buffer->data, counting.used).ok());
    mlp_layout(&mlp, ls, 1, &arena, 1, scalar);
  }
  double weight(int l, size_t i) const { return weight_value(mlp, l, i); }
  double bias(int l, size_t i) const { return bias_value(mlp, l, i); }
};

}  // namespace

TEST_CASE("every initialisation scheme: mean 0, its variance, its shape and bounds, its biases") {
  // Variance and bound of the weights (uniform on +-b: variance b^2 / 3), and of the biases.
  struct Expect { double var, bound, bias_var, bias_bound; };
  auto expect_for = [](InitScheme s, double in, double out) {
    switch (s) {
      case InitScheme::kHeNormal: return Expect{2 / in, 6 * std::sqrt(2 / in), 0, 0};  // Irwin-Hall: |z| <= 6
      case InitScheme::kHeUniform: return Expect{2 / in, std::sqrt(6 / in), 0, 0};
      case InitScheme::kXavierUniform: return Expect{2 / (in + out), std::sqrt(6 / (in + out)), 0, 0};
      case InitScheme::kTorch: return Expect{1 / (3 * in), 1 / std::sqrt(in), 1 / (3 * in), 1 / std::sqrt(in)};
    }
    return Expect{};
  };
  for (ScalarKind scalar : {ScalarKind::kFloat, ScalarKind::kFixed}) {
    for (InitScheme scheme : {InitScheme::kHeNormal, InitScheme::kHeUniform, InitScheme::kXavierUniform, InitScheme::kTorch}) {
      CAPTURE(scalar == ScalarKind::kFixed);
      CAPTURE(init_name(scheme));
      InitModel m("1000,300,50,10", scalar);
      Rng rng;
      rng_seed(&rng, 31, RngStream::kInit);
      mlp_init_params(&m.mlp, &rng, scheme);
      for (int l = 0; l < m.mlp.num_layers; ++l) {
        const struct { uint32_t in, out; } d{m.mlp.sizes.size[l], m.mlp.sizes.size[l + 1]};
        CAPTURE(l);
        const Expect e = expect_for(scheme, d.in, d.out);
        const size_t n = size_t{d.out} * d.in;
        double sum = 0, sum2 = 0, largest = 0;
        size_t within1 = 0;
        for (size_t i = 0; i < n; ++i) {
          const double w = m.weight(l, i);
          sum += w;
          sum2 += w * w;
          largest = std::fmax(largest, std::fabs(w));
          within1 += std::fabs(w) < std::sqrt(e.var);
        }
        // Four standard errors: of the mean sqrt(var / n); of the variance var * sqrt(2 / n) for a
        // normal and var * sqrt(0.8 / n) for a uniform (its fourth moment is 9/5 var^2).
        CHECK(std::fabs(sum / n) < 4 * std::sqrt(e.var / n));
        CHECK(std::fabs(sum2 / n - e.var) < 4 * e.var * std::sqrt(2.0 / n));
        CHECK(largest <= e.bound * 1.0001);
        // The share within one standard deviation tells a normal (0.6827) from a uniform (0.5774);
        // fixed point's normal deviates are Irwin-Hall sums of 12 uniforms (0.6785).
        const double p1 = scheme != InitScheme::kHeNormal  ? 1 / std::sqrt(3.0)
                          : scalar == ScalarKind::kFixed ? 0.6785459
                                                         : 0.6826895;
        CHECK(std::fabs(within1 / double(n) - p1) < 4 * std::sqrt(p1 * (1 - p1) / n));
        if (scheme != InitScheme::kHeNormal) CHECK(largest > e.bound * 0.99);  // the bound is reached
        double bias2 = 0, bias_largest = 0;
        for (uint32_t i = 0; i < d.out; ++i) {
          bias2 += m.bias(l, i) * m.bias(l, i);
          bias_largest = std::fmax(bias_largest, std::fabs(m.bias(l, i)));
        }
        CHECK(bias_largest <= e.bias_bound * 1.0001);
        // Biases: few draws per layer, so a loose bound - but one that zero biases or a wrong bound fail.
        if (e.bias_var > 0 && d.out >= 50) CHECK(std::fabs(bias2 / d.out - e.bias_var) < 0.5 * e.bias_var);
        if (e.bias_var == 0) CHECK(bias2 == 0.0);
      }
    }
  }
}

TEST_CASE("initialisation is a function of the seed alone") {
  InitModel a("64,16,4", ScalarKind::kFloat), b("64,16,4", ScalarKind::kFloat);
  Rng ra, rb;
  rng_seed(&ra, 5, RngStream::kInit);
  rng_seed(&rb, 6, RngStream::kInit);
  mlp_init_params(&a.mlp, &ra);
  mlp_init_params(&b.mlp, &rb);
  CHECK(std::memcmp(float_tensors(a.mlp).layer[0].w, float_tensors(b.mlp).layer[0].w, 64 * 16 * sizeof(float)) != 0);
  rng_seed(&rb, 5, RngStream::kInit);
  mlp_init_params(&b.mlp, &rb);
  CHECK(std::memcmp(float_tensors(a.mlp).layer[0].w, float_tensors(b.mlp).layer[0].w, 64 * 16 * sizeof(float)) == 0);
}
