// Rng: the engine's only source of randomness (PCG32, O'Neill 2014).
//
// Small state, no tables, identical output on every platform. Each use (initialisation,
// shuffling) gets its own stream derived from the user's seed, so changing one use never shifts
// another: the paired GC/no-GC runs of a study see identical weights and batch order.
#pragma once

#include <cstdint>

namespace gct {

struct Rng {
  uint64_t state = 0;
  uint64_t inc = 1;
};

// kApplication: for the draws of a program that uses the engine (its own sampling, test data); the
// engine never draws from it.
enum class RngStream : uint64_t { kInit = 1, kShuffle = 2, kApplication = 3 };

void rng_seed(Rng* rng, uint64_t seed, RngStream stream);
uint32_t rng_next_u32(Rng* rng);
// Uniform integer in [0, bound), unbiased (Lemire's method). bound > 0.
uint32_t rng_below(Rng* rng, uint32_t bound);
// Uniform float in [0, 1).
float rng_uniform(Rng* rng);
// Standard normal (Box-Muller, one value per two draws).
float rng_normal(Rng* rng);

}  // namespace gct
