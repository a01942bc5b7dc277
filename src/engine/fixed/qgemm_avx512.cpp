// The integer GEMM's kernels for AVX-512 (the x86-64-v4 level), chosen at run time by qgemm.cpp on CPUs that have it.
// The headers come first, at the build's ISA level; only the kernels below are compiled wider.
#include "../isa.hpp"

#if GCT_X86_DISPATCH && !(defined(__AVX512BW__) && defined(__AVX512F__))
#include <immintrin.h>

#include <cstddef>

#include "../row_blocks.hpp"
#include "fixed.hpp"
#include "qgemm.hpp"

#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512dq,avx512cd,avx2,fma")
#define GCT_QGEMM_AVX512 1
#define GCT_QGEMM_NS qgemm_avx512
#include "qgemm_impl.hpp"
#pragma GCC pop_options
#endif
