// The random number generator's output: the published PCG32 sequence, and the distributions the
// engine draws from it, with bounds a wrong constant or a biased mapping fails.
#include "gctrain/rng.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <vector>

using namespace gct;

namespace {

// |value - want| <= rel * |want|: doctest's Approx adds an absolute scale of 1, too loose for the
// small quantities of a distribution test.
bool within(double value, double want, double rel) { return std::fabs(value - want) <= rel * std::fabs(want); }

// Pearson's chi-square statistic of counts against equal expected counts.
double chi_square(const std::vector<uint64_t>& counts, uint64_t draws) {
  const double expected = static_cast<double>(draws) / counts.size();
  double chi2 = 0;
  for (uint64_t c : counts) chi2 += (c - expected) * (c - expected) / expected;
  return chi2;
}

}  // namespace

TEST_CASE("rng_next_u32 is PCG32 (XSH RR): a raw state steps by the LCG and outputs by rotation") {
  // From the definition: out = rotr32(((s >> 18) ^ s) >> 27, s >> 59), then s = s * A + inc.
  Rng rng{0x853c49e6748fea9bULL, 0xda3e39cb94b95bdbULL};
  uint64_t s = rng.state;
  for (int i = 0; i < 1000; ++i) {
    const uint32_t x = static_cast<uint32_t>(((s >> 18u) ^ s) >> 27u);
    const uint32_t r = static_cast<uint32_t>(s >> 59u);
    const uint32_t expect = r == 0 ? x : (x >> r) | (x << (32u - r));
    s = s * 6364136223846793005ULL + 0xda3e39cb94b95bdbULL;
    if (rng_next_u32(&rng) != expect) FAIL("draw " << i << " differs from the definition");
  }
}

TEST_CASE("streams and seeds give different sequences") {
  Rng a, b, c;
  rng_seed(&a, 1, RngStream::kInit);
  rng_seed(&b, 1, RngStream::kShuffle);
  rng_seed(&c, 2, RngStream::kInit);
  int same_ab = 0, same_ac = 0;
  for (int i = 0; i < 100; ++i) {
    const uint32_t x = rng_next_u32(&a);
    same_ab += x == rng_next_u32(&b);
    same_ac += x == rng_next_u32(&c);
  }
  CHECK(same_ab == 0);
  CHECK(same_ac == 0);
}

TEST_CASE("rng_uniform is uniform on [0, 1): chi-square over 64 bins, moments, range") {
  Rng rng;
  rng_seed(&rng, 21, RngStream::kApplication);
  const uint64_t n = 640000;
  std::vector<uint64_t> bins(64);
  double sum = 0, sum2 = 0, lo = 1, hi = 0;
  for (uint64_t i = 0; i < n; ++i) {
    const float u = rng_uniform(&rng);
    if (u < 0.0f || u >= 1.0f) FAIL("rng_uniform returned " << u);
    bins[static_cast<size_t>(u * 64)]++;
    sum += u;
    sum2 += double{u} * u;
    lo = std::fmin(lo, u);
    hi = std::fmax(hi, u);
  }
  // 63 degrees of freedom: P(chi2 > 110) is about 2e-4 for a uniform source.
  CHECK(chi_square(bins, n) < 110);
  CHECK(within(sum / n, 0.5, 0.003));                               // sd of the mean 3.6e-4
  CHECK(within(sum2 / n - (sum / n) * (sum / n), 1.0 / 12, 0.005));  // sd of the variance 0.1 %
  CHECK(lo < 1e-4);
  CHECK(hi > 1 - 1e-4);
}

TEST_CASE("rng_below is unbiased for bounds that do not divide 2^32") {
  Rng rng;
  rng_seed(&rng, 22, RngStream::kApplication);
  for (uint32_t bound : {3u, 10u, 100u}) {
    CAPTURE(bound);
    const uint64_t n = 100000ull * bound / 10 + 100000;
    std::vector<uint64_t> counts(bound);
    for (uint64_t i = 0; i < n; ++i) {
      const uint32_t v = rng_below(&rng, bound);
      if (v >= bound) FAIL("rng_below returned " << v);
      counts[v]++;
    }
    // Critical values at about p = 1e-4 for 2, 9 and 99 degrees of freedom.
    const double limit = bound == 3 ? 18.4 : bound == 10 ? 33.7 : 160;
    CHECK(chi_square(counts, n) < limit);
  }
  // A bound close to 2^32 exercises the rejection: values stay below it.
  uint32_t largest = 0;
  for (int i = 0; i < 1000; ++i) largest = std::max(largest, rng_below(&rng, 0xC0000001u));
  CHECK(largest < 0xC0000001u);
  CHECK(largest > 0xB0000000u);
}

TEST_CASE("rng_normal has mean 0, variance 1 and normal tails") {
  Rng rng;
  rng_seed(&rng, 23, RngStream::kApplication);
  const int n = 400000;
  double sum = 0, sum2 = 0, sum4 = 0;
  int within1 = 0, beyond3 = 0;
  for (int i = 0; i < n; ++i) {
    const double x = rng_normal(&rng);
    if (!std::isfinite(x)) FAIL("rng_normal returned " << x);
    sum += x;
    sum2 += x * x;
    sum4 += x * x * x * x;
    within1 += std::fabs(x) < 1;
    beyond3 += std::fabs(x) > 3;
  }
  CHECK(std::fabs(sum / n) < 4 / std::sqrt(double{n}));         // 4 standard errors
  CHECK(within(sum2 / n, 1.0, 4 * std::sqrt(2.0 / n)));
  CHECK(within(sum4 / n, 3.0, 0.03));  // kurtosis of a normal (sd of the estimate about 0.8 %)
  CHECK(within(within1 / double{n}, 0.682689, 0.005));
  CHECK(within(beyond3 / double{n}, 0.0026998, 0.15));
}
