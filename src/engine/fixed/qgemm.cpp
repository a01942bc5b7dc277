// The public integer GEMM: workspace sizes, the choice of kernels, and the reference. The kernels
// themselves are in qgemm_impl.hpp.
#include "qgemm.hpp"

#include <cstddef>

#include "../isa.hpp"
#include "../row_blocks.hpp"
#include "fixed.hpp"
#include "qgemm_reference.hpp"

#if defined(__AVX512BW__) && defined(__AVX512F__)
// A build for AVX-512 (native, x86-64-v4) compiles the wide kernels here, as its only ones.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>
#define GCT_QGEMM_AVX512 1
#elif defined(__ARM_ARCH_PROFILE) && __ARM_ARCH_PROFILE == 'M'
// Cortex-M: small products summed a pair of rows at a time; with the DSP extension (M4, M7) by
// SMLAD, without it (M0, M3) in portable C.
#include <type_traits>
#define GCT_QGEMM_MCU 1
#if defined(__ARM_FEATURE_DSP)
#include <arm_acle.h>
#define GCT_QGEMM_DSP 1
#endif
#endif

#define GCT_QGEMM_NS qgemm_base
#include "qgemm_impl.hpp"
#undef GCT_QGEMM_NS

namespace gct {

#if GCT_X86_DISPATCH && !GCT_QGEMM_AVX512
// qgemm_avx512.cpp, qgemm_vnni.cpp
namespace qgemm_avx512 {
void run(const QGemmWorkspace& ws, const TaskRunner* runner, uint32_t threads, int64_t m, int64_t n, int64_t k,
         const QOperand& a, const QOperand& b, int32_t* c, int64_t ldc, const QEpilogue& epilogue);
}
namespace qgemm_vnni {
void run(const QGemmWorkspace& ws, const TaskRunner* runner, uint32_t threads, int64_t m, int64_t n, int64_t k,
         const QOperand& a, const QOperand& b, int32_t* c, int64_t ldc, const QEpilogue& epilogue);
}
#endif

int qgemm_operand_shift(const int32_t* data, uint64_t count) {
  const int s = fixed_path::magnitude_bits(data, static_cast<size_t>(count)) - fixed_path::kOperandBits;
  return s > 0 ? s : 0;
}

void qgemm_workspace_require(QGemmWorkspace* ws, int64_t m, int64_t n, int64_t k) {
  const uint64_t a = qgemm_pack_a_pairs(static_cast<uint64_t>(m), static_cast<uint64_t>(k));
  const uint64_t b = qgemm_pack_b_pairs(static_cast<uint64_t>(n), static_cast<uint64_t>(k));
  if (a > ws->a_pairs) ws->a_pairs = a;
  if (b > ws->b_pairs) ws->b_pairs = b;
}

void qgemm_workspace_layout(QGemmWorkspace* ws, Arena* arena) {
  ws->pack_a = arena_alloc_array<int32_t>(arena, ws->a_pairs, MemCategory::kGemmWorkspace);
  ws->pack_b = arena_alloc_array<int32_t>(arena, ws->b_pairs, MemCategory::kGemmWorkspace);
}

bool qgemm(const QGemmWorkspace& ws, const TaskRunner* runner, uint32_t threads, int64_t m, int64_t n,
           int64_t k, const QOperand& a, const QOperand& b, int32_t* c, int64_t ldc,
           const QEpilogue& epilogue) {
  if (qgemm_pack_a_pairs(static_cast<uint64_t>(m), static_cast<uint64_t>(k)) > ws.a_pairs ||
      qgemm_pack_b_pairs(static_cast<uint64_t>(n), static_cast<uint64_t>(k)) > ws.b_pairs) {
    return false;
  }
#if GCT_X86_DISPATCH && !GCT_QGEMM_AVX512
  if (cpu_has_avx512_v4() && cpu_has_avx512vnni()) {
    qgemm_vnni::run(ws, runner, threads, m, n, k, a, b, c, ldc, epilogue);
    return true;
  }
  if (cpu_has_avx512_v4()) {
    qgemm_avx512::run(ws, runner, threads, m, n, k, a, b, c, ldc, epilogue);
    return true;
  }
#endif
  qgemm_base::run(ws, runner, threads, m, n, k, a, b, c, ldc, epilogue);
  return true;
}

void qgemm_reference(int64_t m, int64_t n, int64_t k, const QOperand& a, const QOperand& b, int32_t* c,
                     int64_t ldc, const QEpilogue& epilogue) {
  const int sa = qgemm_base::operand_shift(a, m, k);
  const int sb = qgemm_base::operand_shift(b, k, n);
  const int shift = a.frac - sa + b.frac - sb - epilogue.out_frac;
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      int64_t sum = 0;
      for (int64_t kk = 0; kk < k; ++kk) {
        const int16_t qa = static_cast<int16_t>(qgemm_base::quantise_bits(a.data[i * a.rs + kk * a.cs], sa));
        const int16_t qb = static_cast<int16_t>(qgemm_base::quantise_bits(b.data[kk * b.rs + j * b.cs], sb));
        sum += int64_t{qa} * qb;
      }
      qgemm_base::store(sum, shift, i, j, c, ldc, epilogue);
    }
  }
}

}  // namespace gct
