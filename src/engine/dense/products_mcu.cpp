// The three float products of a dense layer on Cortex-M cores with a single-precision FPU (M4F,
// M7): register-blocked loops that read every operand where it lies - no packing, no working
// memory - with one VFMA per multiply-accumulate. A 4x4 block of the result keeps 16 sums and 8
// operands in the FPU's 32 registers; per step along the sum it loads 4 + 4 values for 16 MACs.
// Eigen's generic scalar path, used before, spent about 3.8 instructions per MAC here.
#include "products.hpp"

#if GCT_DENSE_MCU
#include <cstring>

namespace gct {
namespace dense {
namespace {

// How an operand's R (or C) block elements and its steps along the sum lie in memory:
//   kRows: element (i, p) at base[i * stride + p] - one pointer per block element, each stepping by 1;
//   kCols: element (i, p) at base[p * stride + i] - one pointer stepping by `stride`, the block's
//          elements at fixed offsets from it.
enum class Walk : uint8_t { kRows, kCols };

// What is done with a sum before it is stored in C (bias is indexed by the column).
enum class Epilogue : uint8_t {
  kPlain,     // C = sum
  kBias,      // C = sum + bias
  kBiasRelu,  // C = max(sum + bias, 0)
  kMaskOld,   // C = C_old > 0 ? sum : 0 (the backward ReLU, in place of the activation)
  kAccumulate,  // C = C_old + sum, as one running sum that starts from C_old
};

struct Out {
  float* c;
  uint32_t ldc;
  const float* bias;
};

// The R x C block of C at `out` from sum over p < k of A(i, p) * B(j, p). Its own function, with
// 32-bit counts and an end pointer: the 8 operand pointers need most of the 13 core registers, which
// the caller's loop state (or 64-bit indices, two registers each) would push onto the stack inside
// the loop. Sums are locals so that they stay in registers (C could alias an operand).
// The weight gradient's 4x4 block in assembly: both operands' four block elements are contiguous, so
// each is one VLDM (the compiler issues four VLDRs), and the result rows are one VSTM each - per
// step 22 instructions for 16 MACs instead of 28.
inline void block_4x4_cols_plain(const float* a, uint32_t sa, const float* b, uint32_t sb, uint32_t k, Out out) {
  static const float kZeros[16] = {};
  const float* end = a + k * sa;
  float* c0 = out.c;
  float* c1 = c0 + out.ldc;
  float* c2 = c1 + out.ldc;
  float* c3 = c2 + out.ldc;
  asm volatile(
      "vldmia %[zeros], {s8-s23}\n"
      "1:\n"
      "vldmia %[a], {s0-s3}\n"
      "vldmia %[b], {s4-s7}\n"
      "add %[a], %[a], %[sa]\n"
      "add %[b], %[b], %[sb]\n"
      "vfma.f32 s8, s0, s4\n vfma.f32 s9, s0, s5\n vfma.f32 s10, s0, s6\n vfma.f32 s11, s0, s7\n"
      "vfma.f32 s12, s1, s4\n vfma.f32 s13, s1, s5\n vfma.f32 s14, s1, s6\n vfma.f32 s15, s1, s7\n"
      "vfma.f32 s16, s2, s4\n vfma.f32 s17, s2, s5\n vfma.f32 s18, s2, s6\n vfma.f32 s19, s2, s7\n"
      "vfma.f32 s20, s3, s4\n vfma.f32 s21, s3, s5\n vfma.f32 s22, s3, s6\n vfma.f32 s23, s3, s7\n"
      "cmp %[a], %[end]\n"
      "bne 1b\n"
      "vstmia %[c0], {s8-s11}\n"
      "vstmia %[c1], {s12-s15}\n"
      "vstmia %[c2], {s16-s19}\n"
      "vstmia %[c3], {s20-s23}\n"
      : [a] "+r"(a), [b] "+r"(b)
      : [sa] "r"(sa * 4), [sb] "r"(sb * 4), [end] "r"(end), [zeros] "r"(kZeros), [c0] "r"(c0), [c1] "r"(c1),
        [c2] "r"(c2), [c3] "r"(c3)
      : "s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "s12", "s13", "s14", "s15",
        "s16", "s17", "s18", "s19", "s20", "s21", "s22", "s23", "cc", "memory");
}

template <int R, int C, Walk WA, Walk WB, Epilogue E>
__attribute__((noinline)) void block(const float* a, uint32_t sa, const float* b, uint32_t sb, uint32_t k, Out out) {
  if constexpr (R == 4 && C == 4 && WA == Walk::kCols && WB == Walk::kCols && E == Epilogue::kPlain) {
    block_4x4_cols_plain(a, sa, b, sb, k, out);
    return;
  }
  const float* pa[R];
  const float* pb[C];
  for (int i = 0; i < R; ++i) pa[i] = WA == Walk::kRows ? a + i * sa : a + i;
  for (int j = 0; j < C; ++j) pb[j] = WB == Walk::kRows ? b + j * sb : b + j;
  // The forward product starts from the bias: one add fewer per output than adding it at the end.
  float sum[R][C];
  for (int i = 0; i < R; ++i)
    for (int j = 0; j < C; ++j) {
      sum[i][j] = E == Epilogue::kBias || E == Epilogue::kBiasRelu ? out.bias[j]
                  : E == Epilogue::kAccumulate                    ? out.c[i * out.ldc + j]
                                                                  : 0.0f;
    }
  const float* const end = pa[0] + (WA == Walk::kRows ? k : k * sa);
  do {  // k >= 1: every layer has inputs, outputs and a row
    float va[R], vb[C];
    for (int i = 0; i < R; ++i) va[i] = WA == Walk::kRows ? *pa[i]++ : pa[0][i];
    for (int j = 0; j < C; ++j) vb[j] = WB == Walk::kRows ? *pb[j]++ : pb[0][j];
    if (WA == Walk::kCols) pa[0] += sa;
    if (WB == Walk::kCols) pb[0] += sb;
    for (int i = 0; i < R; ++i)
      for (int j = 0; j < C; ++j) sum[i][j] = __builtin_fmaf(va[i], vb[j], sum[i][j]);
  } while (pa[0] != end);
  for (int i = 0; i < R; ++i) {
    float* const row = out.c + i * out.ldc;
    for (int j = 0; j < C; ++j) {
      float v = sum[i][j];
      if (E == Epilogue::kBiasRelu) v = v > 0.0f ? v : 0.0f;
      if (E == Epilogue::kMaskOld) v = row[j] > 0.0f ? v : 0.0f;
      row[j] = v;
    }
  }
}

// C[m x n] (leading dimension ldc) from A (m rows of the result) and B (n columns): blocks of 4x4,
// edges of two (a 10-wide output is 4 + 4 + 2) and then of one.
template <Walk WA, Walk WB, Epilogue E>
void product(uint32_t m, uint32_t n, uint32_t k, const float* a, uint32_t sa, const float* b, uint32_t sb, float* c,
             uint32_t ldc, const float* bias = nullptr) {
  // Where block element i of A (j of B) starts, and the block at (i, j) of C.
  auto at_a = [&](uint32_t i) { return WA == Walk::kRows ? a + i * sa : a + i; };
  auto at_b = [&](uint32_t j) { return WB == Walk::kRows ? b + j * sb : b + j; };
  auto at_c = [&](uint32_t i, uint32_t j) { return Out{c + i * ldc + j, ldc, bias + j}; };
  uint32_t i = 0;
  for (; i + 4 <= m; i += 4) {
    uint32_t j = 0;
    for (; j + 4 <= n; j += 4) block<4, 4, WA, WB, E>(at_a(i), sa, at_b(j), sb, k, at_c(i, j));
    for (; j + 2 <= n; j += 2) block<4, 2, WA, WB, E>(at_a(i), sa, at_b(j), sb, k, at_c(i, j));
    for (; j < n; ++j) block<4, 1, WA, WB, E>(at_a(i), sa, at_b(j), sb, k, at_c(i, j));
  }
  for (; i + 2 <= m; i += 2) {
    uint32_t j = 0;
    for (; j + 4 <= n; j += 4) block<2, 4, WA, WB, E>(at_a(i), sa, at_b(j), sb, k, at_c(i, j));
    for (; j < n; ++j) block<2, 1, WA, WB, E>(at_a(i), sa, at_b(j), sb, k, at_c(i, j));
  }
  for (; i < m; ++i) {
    uint32_t j = 0;
    for (; j + 4 <= n; j += 4) block<1, 4, WA, WB, E>(at_a(i), sa, at_b(j), sb, k, at_c(i, j));
    for (; j < n; ++j) block<1, 1, WA, WB, E>(at_a(i), sa, at_b(j), sb, k, at_c(i, j));
  }
}

}  // namespace

void gemm(uint32_t m, uint32_t n, uint32_t k, const float* a, uint32_t rsa, uint32_t csa, const float* b,
          uint32_t ldb, float* c, uint32_t ldc, bool accumulate) {
  if (k == 0) {  // the blocks sum at least one product
    if (!accumulate) {
      for (uint32_t i = 0; i < m; ++i) std::memset(c + i * ldc, 0, sizeof(float) * n);
    }
    return;
  }
  // B(p, j) = b[p * ldb + j]: the columns of C walk B's rows.
  if (csa == 1) {
    if (accumulate) {
      product<Walk::kRows, Walk::kCols, Epilogue::kAccumulate>(m, n, k, a, rsa, b, ldb, c, ldc);
    } else {
      product<Walk::kRows, Walk::kCols, Epilogue::kPlain>(m, n, k, a, rsa, b, ldb, c, ldc);
    }
  } else if (accumulate) {
    product<Walk::kCols, Walk::kCols, Epilogue::kAccumulate>(m, n, k, a, csa, b, ldb, c, ldc);
  } else {
    product<Walk::kCols, Walk::kCols, Epilogue::kPlain>(m, n, k, a, csa, b, ldb, c, ldc);
  }
}

void layout(Mlp*, Arena*) {}  // the products need no working memory

bool forward(Mlp* mlp, int l, uint32_t rows) {
  MlpState& s = state(*mlp);
  const Layer& d = s.layer[l];
  // Y[r][o] = b[o] + sum_i X[r][i] W[o][i]: both operands read along their rows.
  if (l + 1 < mlp->num_layers) {
    product<Walk::kRows, Walk::kRows, Epilogue::kBiasRelu>(rows, d.out, d.in, s.act[l], d.in, d.w, d.in,
                                                           s.act[l + 1], d.out, d.b);
  } else {
    product<Walk::kRows, Walk::kRows, Epilogue::kBias>(rows, d.out, d.in, s.act[l], d.in, d.w, d.in,
                                                       s.act[l + 1], d.out, d.b);
  }
  return true;
}

bool weight_grad(Mlp* mlp, int l, uint32_t rows) {
  MlpState& s = state(*mlp);
  Layer& d = s.layer[l];
  const float* dz = s.act[l + 1];
  // dW[o][i] = sum_r dZ[r][o] X[r][i]: both read down their columns, a row of each per step.
  product<Walk::kCols, Walk::kCols, Epilogue::kPlain>(d.out, d.in, rows, dz, d.out, s.act[l], d.in, d.dw, d.in);
  // db[o] = sum_r dZ[r][o] in row order, as bias_gradient() sums it, with the sum in a register
  // (bias_gradient's row-by-row order suits vector units, not a core that keeps db in memory).
  for (uint32_t o = 0; o < d.out; ++o) {
    float sum = 0.0f;
    for (uint32_t r = 0; r < rows; ++r) sum += dz[r * d.out + o];
    d.db[o] = sum;
  }
  return true;
}

bool input_grad(Mlp* mlp, int l, uint32_t rows) {
  MlpState& s = state(*mlp);
  const Layer& d = s.layer[l];
  // dA[r][i] = sum_o dZ[r][o] W[o][i], masked by the activation it replaces (read before written:
  // each element is stored once, after its own sum).
  product<Walk::kRows, Walk::kCols, Epilogue::kMaskOld>(rows, d.in, d.out, s.act[l + 1], d.out, d.w, d.in,
                                                        s.act[l], d.in);
  return true;
}

}  // namespace dense

const char* mlp_float_kernels() { return "cortex-m"; }
}  // namespace gct

#endif
