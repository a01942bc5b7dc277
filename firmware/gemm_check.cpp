// The float products the convolutions use, checked on the board itself: the register-blocked loops
// of a Cortex-M FPU (dense::gemm) are compiled only for these targets, so the host's tests never
// run them. Each element must be the reference's single running sum - fmaf over p in order,
// starting from 0 or, accumulating, from C's value - bit for bit, for odd shapes that reach every
// block size and edge, both walks of A and an empty sum. Exit code 0 when every product is equal,
// 1 at the first difference, which it names.
#include <cstdint>
#include <cstring>

#include "engine/dense/products.hpp"
#include "board_check.hpp"

#if !GCT_DENSE_MCU
#error "gemm_check is for Cortex-M cores with a single-precision FPU"
#endif

namespace fw {
namespace {

constexpr int kMaxValues = 1280;  // per operand and per result
float g_a[kMaxValues], g_b[kMaxValues], g_want[kMaxValues], g_got[kMaxValues];

struct Case {
  int m, n, k;
  bool a_transposed;  // A stored [k x m], read down its columns
  bool accumulate;
};

// The CNN firmware's shapes, then every edge combination of 4 + 2 + 1 rows and columns.
constexpr Case kCases[] = {
    {8, 64, 9, false, false}, {16, 16, 72, false, false}, {16, 9, 16, false, true}, {72, 16, 16, true, false},
    {7, 7, 5, false, false},  {7, 7, 5, true, true},      {6, 11, 1, false, true},  {1, 1, 13, true, false},
    {3, 5, 17, true, false},  {5, 3, 2, false, true},     {9, 10, 31, true, true},  {2, 4, 0, false, false},
    {3, 3, 0, true, true},
};

uint32_t float_bits(float v) {
  uint32_t bits;
  std::memcpy(&bits, &v, 4);
  return bits;
}

void draw(float* x, int count, gct::Rng* rng) {
  // Values in [-2, 2) with every mantissa bit used, so that a changed order or rounding shows.
  for (int i = 0; i < count; ++i) x[i] = static_cast<float>(gct::rng_next_u32(rng) >> 8) * 0x1p-22f - 2.0f;
}

void reference(const Case& c, const float* a, const float* b, float* out) {
  for (int i = 0; i < c.m; ++i) {
    for (int j = 0; j < c.n; ++j) {
      float sum = c.accumulate ? out[i * c.n + j] : 0.0f;
      for (int p = 0; p < c.k; ++p) sum = __builtin_fmaf(c.a_transposed ? a[p * c.m + i] : a[i * c.k + p], b[p * c.n + j], sum);
      out[i * c.n + j] = sum;
    }
  }
}

bool run_case(int index, const Case& c, gct::Rng* rng) {
  if (c.m * c.k > kMaxValues || c.k * c.n > kMaxValues || c.m * c.n > kMaxValues) {
    write("gemm check: product ");
    write_uint(index);
    write(" is too large for the check's buffers\n");
    return false;
  }
  draw(g_a, c.m * c.k, rng);
  draw(g_b, c.k * c.n, rng);
  draw(g_want, c.m * c.n, rng);
  std::memcpy(g_got, g_want, sizeof(float) * c.m * c.n);
  reference(c, g_a, g_b, g_want);
  const uint32_t rsa = c.a_transposed ? 1 : c.k, csa = c.a_transposed ? c.m : 1;
  gct::dense::gemm(c.m, c.n, c.k, g_a, rsa, csa, g_b, c.n, g_got, c.n, c.accumulate);
  return equal_or_report("gemm check", index, g_got, g_want, c.m, c.n, "bits", float_bits);
}

}  // namespace
}  // namespace fw

int main() {
  return fw::run_checks("gemm check", fw::kCases, 23, fw::run_case, " float products equal the reference bit for bit");
}
