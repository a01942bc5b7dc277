// Float products for the dense layers that need no packing of the big operand.
//
//   C[m x n] (=, or += with `accumulate`) A[m x k] B[k x n]
//   A(i, p) = a[i * rsa + p * csa]   any strides: A is read one element at a time and broadcast
//   B(p, j) = b[p * ldb + j]         rows contiguous: read as vectors along j
//   C(i, j) = c[i * ldc + j]
//
// Each of a layer's products can be put in this form without moving its large operand: the
// forward product reads W's rows as A, the weight gradient reads the input batch's rows as B, the
// input gradient reads W's rows as B. Only the forward needs one small operand transposed (the
// input batch, a quarter of the first layer's weights; Eigen packs the weights instead).
//
// Every element is one running sum over p = 0..k-1 in order (starting from C's value when
// accumulating), whatever the tile, k-slice, block or thread it falls into, so results do not
// depend on how the product is split.
//
// Compiled into every x86-64 build made with GCC (GCT_FGEMM_AVX512) for AVX-512F, whatever ISA level
// the rest of the build targets, and used when the CPU running it has AVX-512 (cpu_has_avx512):
// one binary for every node of a cluster. Clang compiles them only when the whole build targets
// AVX-512. Elsewhere the engine uses Eigen's products (gemm.hpp); GCT_EIGEN_PRODUCTS forces those,
// so that an AVX-512 machine can test that path too.
#pragma once

#include <cstdint>

#include "../isa.hpp"

#if !defined(GCT_EIGEN_PRODUCTS) && (defined(__AVX512F__) || GCT_X86_DISPATCH)
#define GCT_FGEMM_AVX512 1
#else
#define GCT_FGEMM_AVX512 0
#endif

// The files that hold AVX-512 code compile it for AVX-512F alone (functions defined between
// GCT_AVX512_BEGIN and GCT_AVX512_END), not the whole file: inline functions of shared headers must
// stay at the build's ISA level, or the linker could keep an AVX-512 copy for every caller.
#if GCT_FGEMM_AVX512 && !defined(__AVX512F__)
#define GCT_AVX512_BEGIN _Pragma("GCC push_options") _Pragma("GCC target(\"avx512f,avx2,fma\")")
#define GCT_AVX512_END _Pragma("GCC pop_options")
#else
#define GCT_AVX512_BEGIN
#define GCT_AVX512_END
#endif

namespace gct {

#if GCT_FGEMM_AVX512
// True when this CPU runs these kernels.
inline bool cpu_has_avx512() {
#if defined(__AVX512F__)
  return true;
#else
  return cpu_has_avx512f();
#endif
}
#endif

enum class FgemmStore : uint8_t {
  kPlain,       // C = product (or C += product)
  kReluMaskOld  // C = C_old > 0 ? product : 0  (the backward ReLU, in place of the activation);
                // `accumulate` is ignored
};

#if GCT_FGEMM_AVX512
void fgemm(int64_t m, int64_t n, int64_t k, const float* a, int64_t rsa, int64_t csa, const float* b,
           int64_t ldb, float* c, int64_t ldc, bool accumulate, FgemmStore store);

// dst[j * ldd + i] = src[i * lds + j] for i < rows, j < cols.
void transpose(const float* src, int64_t lds, int64_t rows, int64_t cols, float* dst, int64_t ldd);
#endif

}  // namespace gct
