// Soft-float call counter of the fixed-point firmware (see softfloat_guard.cpp).
#pragma once

#include <cstdint>

extern volatile uint32_t g_soft_float_calls;
