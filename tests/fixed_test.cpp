// The integer arithmetic of fixed.hpp and the exact products of qgemm.hpp.
#include "engine/fixed/fixed.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "engine/fixed/qgemm_reference.hpp"
#include "engine/fixed/qgemm.hpp"
#include "gctrain/rng.hpp"
#include "synthetic.hpp"

using namespace gct;

namespace {
// Packing space for a qgemm outside an arena, 64-byte aligned like the arena's.
struct PackBuffers {
  std::vector<int32_t> a, b;
  explicit PackBuffers(QGemmWorkspace* ws) : a(ws->a_pairs + 16), b(ws->b_pairs + 16) {
    ws->pack_a = reinterpret_cast<int32_t*>((reinterpret_cast<uintptr_t>(a.data()) + 63) & ~uintptr_t{63});
    ws->pack_b = reinterpret_cast<int32_t*>((reinterpret_cast<uintptr_t>(b.data()) + 63) & ~uintptr_t{63});
  }
};
}  // namespace

namespace {

uint64_t random_u64(Rng* rng) { return uint64_t{rng_next_u32(rng)} << 32 | rng_next_u32(rng); }

double rel_err(double got, double want) { return std::fabs(got - want) / std::fabs(want); }

}  // namespace

TEST_CASE("shift_round rounds to nearest and saturates instead of wrapping") {
  CHECK(fixed_path::shift_round(5, 1) == 3);    // 2.5 -> 3
  CHECK(fixed_path::shift_round(-5, 1) == -2);  // -2.5 -> -2 (ties towards +infinity)
  CHECK(fixed_path::shift_round(7, 2) == 2);
  CHECK(fixed_path::shift_round(-7, 2) == -2);
  CHECK(fixed_path::shift_round(123, 0) == 123);
  CHECK(fixed_path::shift_round(3, -4) == 48);
  CHECK(fixed_path::shift_round(int64_t{1} << 40, -30) == int64_t{1} << 62);
  CHECK(fixed_path::shift_round(-(int64_t{1} << 40), -30) == -(int64_t{1} << 62));
  CHECK(fixed_path::shift_round(int64_t{1} << 61, 70) == 0);
  CHECK(fixed_path::sat32(int64_t{1} << 40) == INT32_MAX);
  CHECK(fixed_path::sat32(-(int64_t{1} << 40)) == INT32_MIN);
  CHECK(fixed_path::sat32(-17) == -17);
}

TEST_CASE("q_to_double builds the exact double from integer operations") {
  Rng rng;
  rng_seed(&rng, 4, RngStream::kApplication);
  CHECK(fixed_path::q_to_double(0, 16) == 0.0);
  CHECK(fixed_path::q_to_double(-65536, 16) == -1.0);
  for (int i = 0; i < 10000; ++i) {
    const int64_t v = static_cast<int64_t>(random_u64(&rng) >> (11 + rng_below(&rng, 50))) * (i % 2 ? -1 : 1);
    const int frac = static_cast<int>(rng_below(&rng, 60));
    CHECK(fixed_path::q_to_double(v, frac) == std::ldexp(static_cast<double>(v), -frac));
  }
}

TEST_CASE("coef_from_float is exact and coef_ratio keeps 30 significant bits") {
  Rng rng;
  rng_seed(&rng, 5, RngStream::kApplication);
  for (int i = 0; i < 1000; ++i) {
    const float v = std::ldexp(static_cast<float>(rng_uniform(&rng)) + 0.001f, -static_cast<int>(rng_below(&rng, 40)));
    const fixed_path::Coef c = fixed_path::coef_from_float(v);
    CHECK(std::ldexp(static_cast<double>(c.mant), -c.shift) == static_cast<double>(v));
    const uint64_t num = 1 + rng_next_u32(&rng), den = 1 + random_u64(&rng) % (uint64_t{1} << 50);
    const fixed_path::Coef r = fixed_path::coef_ratio(num, 10, den, 20);
    CHECK(r.mant < (int64_t{1} << 31));
    const double want = std::ldexp(static_cast<double>(num), -10) / std::ldexp(static_cast<double>(den), -20);
    CHECK(rel_err(std::ldexp(static_cast<double>(r.mant), -r.shift), want) < 2e-9);
  }
}

TEST_CASE("sqrt, reciprocal, exp2 and log2 stay within their documented error") {
  Rng rng;
  rng_seed(&rng, 6, RngStream::kApplication);
  double worst_sqrt = 0, worst_recip = 0, worst_exp = 0, worst_log = 0;
  for (int i = 0; i < 20000; ++i) {
    // Second moments from 1e-17 to 64 (Q56), the range the optimizers meet.
    const uint64_t v = 1 + (random_u64(&rng) >> (2 + rng_below(&rng, 60)));
    const double want = std::sqrt(std::ldexp(static_cast<double>(v), -56));
    const double got = std::ldexp(static_cast<double>(fixed_path::sqrt_q(v, 56, 36)), -36);
    // Relative error of the table, plus half a unit of the Q36 result (which dominates below 1e-6).
    worst_sqrt = std::max(worst_sqrt, std::fabs(got - want) / (want + std::ldexp(0.5, -36) / 2e-5));
    const uint64_t d = 1 + (random_u64(&rng) >> rng_below(&rng, 63));
    const double r = std::ldexp(static_cast<double>(fixed_path::recip_mantissa(d)), -(31 + fixed_path::bit_length(d)));
    worst_recip = std::max(worst_recip, rel_err(r, 1.0 / static_cast<double>(d)));
    const int64_t x = -static_cast<int64_t>(rng_below(&rng, 20 << 16));
    const double e = std::ldexp(static_cast<double>(fixed_path::exp2_neg_q16(x)), -30);
    worst_exp = std::max(worst_exp, std::fabs(e - std::exp2(std::ldexp(static_cast<double>(x), -16))));
    const double l = std::ldexp(static_cast<double>(fixed_path::log2_q16(v, 56)), -16);
    worst_log = std::max(worst_log, std::fabs(l - std::log2(std::ldexp(static_cast<double>(v), -56))));
  }
  MESSAGE("worst errors: sqrt ", worst_sqrt, ", reciprocal ", worst_recip, ", exp2 ", worst_exp, ", log2 ", worst_log);
  CHECK(worst_sqrt < 2e-5);
  CHECK(worst_recip < 2e-5);
  CHECK(worst_exp < 2e-6);
  CHECK(worst_log < 3.0 / 65536);
  CHECK(fixed_path::sqrt_q(0, 56, 36) == 0);
  CHECK(fixed_path::exp2_neg_q16(0) == int64_t{1} << 30);
  CHECK(fixed_path::exp2_neg_q16(-(int64_t{100} << 16)) == 0);
}

TEST_CASE("magnitude_bits is the bit length of the largest magnitude") {
  auto bits = [](std::vector<int32_t> v) { return fixed_path::magnitude_bits(v.data(), v.size()); };
  CHECK(bits({}) == 0);
  CHECK(bits({0, 0}) == 0);
  CHECK(bits({-1}) == 1);
  CHECK(bits({7, -7}) == 3);
  CHECK(bits({7, -8}) == 4);  // -8's magnitude is 8, not ~(-8) = 7
  CHECK(bits({-8192, 8191}) == 14);
  CHECK(bits({3, INT32_MIN, 7}) == 31);  // INT32_MIN counts as INT32_MAX
  CHECK(bits({INT32_MAX}) == 31);
  Rng rng;
  rng_seed(&rng, 11, RngStream::kApplication);
  for (int t = 0; t < 200; ++t) {
    std::vector<int32_t> v(1 + rng_next_u32(&rng) % 40);
    const int shift = static_cast<int>(rng_next_u32(&rng) % 32);
    int64_t largest = 0;
    for (auto& x : v) {
      x = static_cast<int32_t>(rng_next_u32(&rng)) >> shift;
      largest = std::max(largest, std::min<int64_t>(std::llabs(int64_t{x}), INT32_MAX));
    }
    CHECK(bits(v) == fixed_path::bit_length(static_cast<uint64_t>(largest)));
  }
}

namespace {

struct Matrices {
  std::vector<int32_t> a, b, bias;
};

Matrices random_matrices(int64_t m, int64_t n, int64_t k, Rng* rng, int bits) {
  Matrices x;
  x.a.resize(static_cast<size_t>(m * k));
  x.b.resize(static_cast<size_t>(k * n));
  x.bias.resize(static_cast<size_t>(n));
  auto draw = [&](int32_t& v) { v = static_cast<int32_t>(rng_next_u32(rng)) >> (32 - bits); };
  for (auto& v : x.a) draw(v);
  for (auto& v : x.b) draw(v);
  for (auto& v : x.bias) draw(v);
  return x;
}

}  // namespace

TEST_CASE("qgemm equals the straightforward int64 reference bit for bit, for any thread count") {
  Rng rng;
  rng_seed(&rng, 7, RngStream::kApplication);
  const int64_t shapes[][3] = {{1, 1, 1}, {7, 5, 3}, {8, 16, 32}, {13, 33, 70}, {64, 100, 257}, {3, 40, 1000}};
  for (const auto& s : shapes) {
    const int64_t m = s[0], n = s[1], k = s[2];
    for (int transposed = 0; transposed < 4; ++transposed) {
      Matrices x = random_matrices(m, n, k, &rng, 20 + static_cast<int>(rng_below(&rng, 12)));
      // a as [m x k] or its transpose stored [k x m]; b as [k x n] or stored [n x k].
      const QOperand a = (transposed & 1) ? QOperand{x.a.data(), 1, m, 16} : QOperand{x.a.data(), k, 1, 16};
      const QOperand b = (transposed & 2) ? QOperand{x.b.data(), 1, k, 28} : QOperand{x.b.data(), n, 1, 28};
      QEpilogue ep;
      ep.out_frac = 16;
      ep.bias = transposed == 1 ? x.bias.data() : nullptr;
      ep.bias_frac = 28;
      ep.relu = transposed == 2;
      ep.mask_in_place = transposed == 3;
      QGemmWorkspace ws;
      qgemm_workspace_require(&ws, m, n, k);
      PackBuffers packing(&ws);
      std::vector<int32_t> want(static_cast<size_t>(m * n), 5);
      for (size_t i = 0; i < want.size(); ++i) want[i] = i % 3 == 0 ? -4 : (i % 3 == 1 ? 0 : 9);  // the ReLU mask
      std::vector<int32_t> got1(want), got3(want);
      qgemm_reference(m, n, k, a, b, want.data(), n, ep);
      REQUIRE(qgemm(ws, nullptr, 1, m, n, k, a, b, got1.data(), n, ep));
      REQUIRE(qgemm(ws, nullptr, 3, m, n, k, a, b, got3.data(), n, ep));
      CHECK(got1 == want);
      CHECK(got3 == want);
    }
  }
}

TEST_CASE("qgemm is exact at the worst case of its operand range and saturates its output") {
  // Every quantised operand at -kOperandMax: each dot product is k * 8191^2, far beyond int32.
  const int64_t m = 8, n = 16, k = 4096;
  std::vector<int32_t> a(static_cast<size_t>(m * k), INT32_MIN), b(static_cast<size_t>(k * n), INT32_MIN);
  QGemmWorkspace ws;
  qgemm_workspace_require(&ws, m, n, k);
  PackBuffers packing(&ws);
  // magnitude_bits counts INT32_MIN as INT32_MAX (31 bits): operands are shifted by 31 - 13 = 18 bits,
  // so the product has frac 2 * (30 - 18) = 24; frac 12 keeps the exact sum / 2^12.
  const QOperand qa{a.data(), k, 1, 30}, qb{b.data(), n, 1, 30};
  QEpilogue ep;
  ep.out_frac = 12;
  std::vector<int32_t> c(static_cast<size_t>(m * n));
  REQUIRE(qgemm(ws, nullptr, 1, m, n, k, qa, qb, c.data(), n, ep));
  const int64_t exact = k * int64_t{fixed_path::kOperandMax} * fixed_path::kOperandMax;  // (-8191)^2 per term
  CHECK(c[0] == fixed_path::sat32(fixed_path::shift_round(exact, 12)));
  CHECK(c[0] > 0);  // wrapped int32 sums would have gone negative
  ep.out_frac = 24;  // the exact sum itself does not fit int32: saturated, not wrapped
  REQUIRE(qgemm(ws, nullptr, 1, m, n, k, qa, qb, c.data(), n, ep));
  CHECK(c[5] == INT32_MAX);
  // A workspace planned for smaller shapes is refused.
  CHECK_FALSE(qgemm(ws, nullptr, 1, m, n, k + 64, qa, qb, c.data(), n, ep));
}

TEST_CASE("qgemm approximates the real product within the 14-bit operand precision") {
  Rng rng;
  rng_seed(&rng, 8, RngStream::kApplication);
  const int64_t m = 16, n = 24, k = 300;
  Matrices x = random_matrices(m, n, k, &rng, 24);
  const QOperand a{x.a.data(), k, 1, 20}, b{x.b.data(), n, 1, 24};
  QGemmWorkspace ws;
  qgemm_workspace_require(&ws, m, n, k);
  PackBuffers packing(&ws);
  QEpilogue ep;
  ep.out_frac = 16;
  std::vector<int32_t> c(static_cast<size_t>(m * n));
  REQUIRE(qgemm(ws, nullptr, 1, m, n, k, a, b, c.data(), n, ep));
  double amax = 0, bmax = 0;
  for (int32_t v : x.a) amax = std::max(amax, std::fabs(std::ldexp(static_cast<double>(v), -20)));
  for (int32_t v : x.b) bmax = std::max(bmax, std::fabs(std::ldexp(static_cast<double>(v), -24)));
  // Each operand is off by at most half a step of max/8191; the bound sums those errors over k.
  const double bound = static_cast<double>(k) * amax * bmax * (1.0 / 8191 + 1.0 / 8191) + std::ldexp(1.0, -16);
  double worst = 0;
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      double want = 0;
      for (int64_t kk = 0; kk < k; ++kk) {
        want += std::ldexp(static_cast<double>(x.a[i * k + kk]), -20) * std::ldexp(static_cast<double>(x.b[kk * n + j]), -24);
      }
      worst = std::max(worst, std::fabs(std::ldexp(static_cast<double>(c[i * n + j]), -16) - want));
    }
  }
  // The worst case above assumes every rounding error has the same sign. They are independent
  // roundings, each uniform within half a step, so a product's error a*e_b + b*e_a has variance at
  // most 2 (amax bmax / 8191)^2 / 12, and its sum over k a standard deviation of sqrt(k / 6) times
  // amax bmax / 8191. Five of those bound the worst of the 384 outputs (a quantiser twice as coarse
  // does not fit).
  const double typical = 5 * std::sqrt(static_cast<double>(k) / 6) * amax * bmax / 8191 + std::ldexp(1.0, -16);
  MESSAGE("worst absolute error ", worst, ", worst-case bound ", bound, ", statistical bound ", typical);
  CHECK(worst <= bound);
  CHECK(worst <= typical);
}

// The vectorised adaptive step (AVX-512 where built with it) against its scalar definition, over
// random and extreme values: zero and saturated moments, zero and extreme x, huge and tiny steps.
#include "engine/fixed/adaptive.hpp"
#include "engine/fixed/fixed_inline.hpp"

TEST_CASE("the adaptive update equals its scalar definition lane by lane") {
  Rng rng;
  rng_seed(&rng, 9, RngStream::kApplication);
  const uint32_t n = 4099;
  std::vector<int64_t> v(n);
  std::vector<int32_t> x(n), out(n);
  const int64_t special_v[] = {0, 1, INT64_C(1) << 62, 12345};
  const int32_t special_x[] = {0, 1, -1, INT32_MAX, INT32_MIN};
  for (uint32_t j = 0; j < n; ++j) {
    v[j] = j % 17 == 0 ? special_v[j % 4] : static_cast<int64_t>(random_u64(&rng) >> (2 + rng_below(&rng, 61)));
    x[j] = j % 13 == 0 ? special_x[j % 5] : static_cast<int32_t>(rng_next_u32(&rng)) >> rng_below(&rng, 31);
  }
  const fixed_path::Coef coefs[] = {fixed_path::coef_normalised(fixed_path::coef_from_float(3e-4f)), fixed_path::coef_normalised(fixed_path::coef_from_float(200.0f)),
                            fixed_path::coef_normalised(fixed_path::coef_from_float(1e-9f))};
  const fixed_path::Coef inv = fixed_path::coef_normalised(fixed_path::coef_ratio(1, 0, 67860, 31));  // 1/sqrt(0.001)-like
  for (const fixed_path::Coef& c : coefs) {
    for (int with_inv = 0; with_inv < 2; ++with_inv) {
      for (uint64_t eps : {uint64_t{0}, uint64_t{687}}) {
        fixed_path::adaptive_update(v.data(), x.data(), c, with_inv ? &inv : nullptr, eps, out.data(), n);
        uint32_t mismatches = 0;
        for (uint32_t j = 0; j < n; ++j) {
          uint64_t root = fixed_path::sqrt_fast(static_cast<uint64_t>(v[j]), fixed_path::kSqFrac, fixed_path::kDenFrac);
          if (with_inv) root = static_cast<uint64_t>(fixed_path::mul_coef64(static_cast<int64_t>(root), inv));
          mismatches += out[j] != fixed_path::sat32(fixed_path::ratio(x[j], root + eps, c)) ? 1u : 0u;
        }
        CHECK(mismatches == 0);
      }
    }
  }
}
