#include "gctrain/rng.hpp"

#include <cmath>

namespace gct {

void rng_seed(Rng* rng, uint64_t seed, RngStream stream) {
  rng->state = 0;
  rng->inc = (static_cast<uint64_t>(stream) << 1u) | 1u;
  rng_next_u32(rng);
  rng->state += seed;
  rng_next_u32(rng);
}

uint32_t rng_next_u32(Rng* rng) {
  const uint64_t old = rng->state;
  rng->state = old * 6364136223846793005ULL + rng->inc;
  const uint32_t xorshifted = static_cast<uint32_t>(((old >> 18u) ^ old) >> 27u);
  const uint32_t rot = static_cast<uint32_t>(old >> 59u);
  return (xorshifted >> rot) | (xorshifted << ((32u - rot) & 31u));
}

uint32_t rng_below(Rng* rng, uint32_t bound) {
  uint64_t m = static_cast<uint64_t>(rng_next_u32(rng)) * bound;
  uint32_t low = static_cast<uint32_t>(m);
  if (low < bound) {
    const uint32_t threshold = (0u - bound) % bound;
    while (low < threshold) {
      m = static_cast<uint64_t>(rng_next_u32(rng)) * bound;
      low = static_cast<uint32_t>(m);
    }
  }
  return static_cast<uint32_t>(m >> 32u);
}

float rng_uniform(Rng* rng) {
  return static_cast<float>(rng_next_u32(rng) >> 8u) * (1.0f / 16777216.0f);
}

float rng_normal(Rng* rng) {
  // u1 in (0, 1] so the logarithm is finite.
  const double u1 = (static_cast<double>(rng_next_u32(rng)) + 1.0) / 4294967296.0;
  const double u2 = static_cast<double>(rng_next_u32(rng)) / 4294967296.0;
  return static_cast<float>(std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2));
}

}  // namespace gct
