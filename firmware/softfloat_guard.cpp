// Counts calls of the ARM EABI soft-float routines (linked with -Wl,--wrap=... by meson.build), so
// the fixed-point firmware can prove that its training steps use no floating point at all. The
// flag-returning comparisons (__aeabi_cfcmple and friends) are only called from inside these.
#include "softfloat_guard.hpp"

volatile uint32_t g_soft_float_calls = 0;

// __wrap_X counts and calls __real_X, which the linker resolves to the library's X.
#define GCT_WRAP2(name, ret, arg)                         \
  ret __real___aeabi_##name(arg, arg);                    \
  ret __wrap___aeabi_##name(arg a, arg b) {               \
    g_soft_float_calls = g_soft_float_calls + 1;          \
    return __real___aeabi_##name(a, b);                   \
  }
#define GCT_WRAP1(name, ret, arg)                         \
  ret __real___aeabi_##name(arg);                         \
  ret __wrap___aeabi_##name(arg a) {                      \
    g_soft_float_calls = g_soft_float_calls + 1;          \
    return __real___aeabi_##name(a);                      \
  }

extern "C" {
GCT_WRAP2(fadd, float, float)
GCT_WRAP2(fsub, float, float)
GCT_WRAP2(frsub, float, float)
GCT_WRAP2(fmul, float, float)
GCT_WRAP2(fdiv, float, float)
GCT_WRAP2(dadd, double, double)
GCT_WRAP2(dsub, double, double)
GCT_WRAP2(drsub, double, double)
GCT_WRAP2(dmul, double, double)
GCT_WRAP2(ddiv, double, double)
GCT_WRAP2(fcmpeq, int, float)
GCT_WRAP2(fcmplt, int, float)
GCT_WRAP2(fcmple, int, float)
GCT_WRAP2(fcmpge, int, float)
GCT_WRAP2(fcmpgt, int, float)
GCT_WRAP2(fcmpun, int, float)
GCT_WRAP2(dcmpeq, int, double)
GCT_WRAP2(dcmplt, int, double)
GCT_WRAP2(dcmple, int, double)
GCT_WRAP2(dcmpge, int, double)
GCT_WRAP2(dcmpgt, int, double)
GCT_WRAP2(dcmpun, int, double)
GCT_WRAP1(f2d, double, float)
GCT_WRAP1(d2f, float, double)
GCT_WRAP1(i2f, float, int)
GCT_WRAP1(ui2f, float, unsigned)
GCT_WRAP1(l2f, float, long long)
GCT_WRAP1(ul2f, float, unsigned long long)
GCT_WRAP1(i2d, double, int)
GCT_WRAP1(ui2d, double, unsigned)
GCT_WRAP1(l2d, double, long long)
GCT_WRAP1(ul2d, double, unsigned long long)
GCT_WRAP1(f2iz, int, float)
GCT_WRAP1(f2uiz, unsigned, float)
GCT_WRAP1(f2lz, long long, float)
GCT_WRAP1(f2ulz, unsigned long long, float)
GCT_WRAP1(d2iz, int, double)
GCT_WRAP1(d2uiz, unsigned, double)
GCT_WRAP1(d2lz, long long, double)
GCT_WRAP1(d2ulz, unsigned long long, double)
}
