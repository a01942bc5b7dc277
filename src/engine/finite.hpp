// Private to the engine: the NaN/Inf test shared by the optimizer pass and the trainer's
// divergence report.
#pragma once

#include <cstdint>
#include <cstring>

namespace gct {

// True if any of the n values is NaN or infinite (all exponent bits set). Integer operations with
// no carried dependency, so the loop vectorises.
inline bool any_non_finite(const float* x, uint64_t n) {
  uint32_t bad = 0;
  for (uint64_t j = 0; j < n; ++j) {
    uint32_t bits;
    std::memcpy(&bits, x + j, sizeof bits);
    bad |= static_cast<uint32_t>((bits & 0x7F800000u) == 0x7F800000u);
  }
  return bad != 0;
}

}  // namespace gct
