// The straightforward form of qgemm (int64 sums of the same quantised operands, one rounding per
// dot product): what every qgemm kernel must equal bit for bit. Not part of the API.
#pragma once

#include <cstdint>

#include "qgemm.hpp"

namespace gct {

void qgemm_reference(int64_t m, int64_t n, int64_t k, const QOperand& a, const QOperand& b, int32_t* c,
                     int64_t ldc, const QEpilogue& epilogue);

}  // namespace gct
