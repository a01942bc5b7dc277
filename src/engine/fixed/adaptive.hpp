// Private: the adaptive optimizers' shared step u = c * x / (sqrt(v) [* inv] + eps), the most
// expensive per-element work of the fixed-point path. One scalar definition (the reference) and an
// AVX-512 version that performs the same integer operations eight elements at a time; the
// cross-compiled tests' recorded weight hash proves the two agree bit for bit.
#pragma once

#include <cstdint>

#include "fixed.hpp"

namespace gct::fixed_path {

// out[j] = sat32(c * x[j] / den_j), den_j = sqrt(v[j]) (Q56 -> Q36), times `inv` if non-null, plus
// eps (Q36); x in Q(any), result in the same Q shifted by c (see fixed/optimizer.cpp).
void adaptive_update(const int64_t* v, const int32_t* x, const Coef& c, const Coef* inv, uint64_t eps,
                     int32_t* out, uint32_t n);

}  // namespace gct::fixed_path
