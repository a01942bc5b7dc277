// Private: which x86-64 instruction sets this process may use beyond the build's ISA level.
//
// x86-64 builds made with GCC carry kernels for AVX-512 compiled alongside the rest (each kernel
// file marks its own functions for the wider target, never the shared headers it includes: the
// linker keeps one copy of an inline function for every caller, and it must run everywhere). The
// engine asks the CPU once and takes the widest kernels it runs. Other builds have one set of
// kernels, chosen at compile time.
#pragma once

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define GCT_X86_DISPATCH 1
#else
#define GCT_X86_DISPATCH 0
#endif

// Element-wise loops that AVX-512 runs twice as wide (divisions, square roots, 64-bit integer
// multiplies): compiled for the build's level and for AVX-512, the copy picked when the program is
// loaded (GCC's target_clones; needs the loader's IFUNC support: Linux). Element-wise loops give
// the same bits either way for integers; for float only when both copies may contract a * b + c
// into one FMA, i.e. when the build's level has FMA.
#if GCT_X86_DISPATCH && defined(__linux__) && !defined(__AVX512F__)
#define GCT_CLONE_FOR_AVX512 __attribute__((target_clones("default", "arch=x86-64-v4")))
#else
#define GCT_CLONE_FOR_AVX512
#endif
#if defined(__FMA__)
#define GCT_CLONE_FOR_AVX512_FLOAT GCT_CLONE_FOR_AVX512
#else
#define GCT_CLONE_FOR_AVX512_FLOAT
#endif

namespace gct {

#if GCT_X86_DISPATCH
// AVX-512F; the x86-64-v4 level (F, BW, DQ, CD, VL); VNNI (dot products of 16-bit pairs). Each
// also checks that the operating system saves the registers.
bool cpu_has_avx512f();
bool cpu_has_avx512_v4();
bool cpu_has_avx512vnni();
#endif

}  // namespace gct
