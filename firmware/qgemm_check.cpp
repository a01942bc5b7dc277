// The integer products checked on the board itself: the Cortex-M DSP kernels (SMLAD, packing with
// SSAT/SEL) are compiled only for these targets, so the host's tests never run them. Runs qgemm
// against qgemm_reference on products of odd shapes, both operand layouts, every epilogue, none to
// three chunks of pairs, the quantiser's clamp and slow path, the 64-bit and the general store. Exit code 0 when
// every product is equal bit for bit, 1 at the first difference, which it names.
#include <cstdint>

#include "engine/fixed/qgemm.hpp"
#include "engine/fixed/qgemm_reference.hpp"
#include "board_check.hpp"

namespace fw {
namespace {

constexpr int kMaxValues = 2048;  // per operand and per result
constexpr int kMaxColumns = 64;
int32_t g_a[kMaxValues], g_b[kMaxValues], g_bias[kMaxColumns], g_want[kMaxValues], g_got[kMaxValues];
alignas(64) int32_t g_pack_a[kMaxValues], g_pack_b[2 * kMaxValues];

struct Case {
  int m, n, k;
  int layout;     // bit 0: A stored transposed, bit 1: B stored transposed
  int epilogue;   // 0 none, 1 bias, 2 bias + ReLU, 3 backward ReLU, 4 bias + backward ReLU,
                  // 5 ReLU + backward ReLU
  int bits;       // magnitude of the drawn values; 32: every value INT32_MIN
  int out_frac;   // -24 with 31-bit values: a rounding shift of 32 (the 64-bit store); 40: a
                  // negative shift (the general store)
  int given_shift;  // >= 0: both operands' shift given, past the fast quantiser's range
};

// The firmware's own product shapes, odd ones, one to three chunks of pairs, an empty sum.
constexpr Case kCases[] = {
    {16, 32, 64, 0, 2, 20, 16, -1}, {16, 10, 32, 0, 1, 22, 16, -1}, {10, 32, 16, 1, 0, 26, 28, -1},
    {16, 32, 10, 0, 3, 24, 30, -1}, {32, 30, 16, 3, 0, 18, 28, -1}, {5, 7, 3, 2, 1, 31, 16, -1},
    {11, 21, 45, 1, 3, 29, 16, -1}, {7, 17, 33, 3, 2, 25, 16, -1}, {3, 3, 70, 0, 0, 32, 12, -1},
    {9, 13, 65, 2, 0, 32, -24, -1}, {9, 13, 65, 1, 1, 31, -24, -1}, {6, 19, 12, 1, 1, 31, 16, 20},
    {13, 9, 31, 0, 3, 14, 16, -1}, {7, 11, 20, 1, 4, 24, 16, -1}, {12, 5, 40, 2, 5, 27, 16, -1},
    {5, 18, 24, 0, 1, 20, 40, -1}, {4, 6, 0, 0, 2, 20, 16, -1},
};

void draw(int32_t* x, int count, int bits, gct::Rng* rng) {
  for (int i = 0; i < count; ++i) {
    x[i] = bits >= 32 ? INT32_MIN : static_cast<int32_t>(gct::rng_next_u32(rng)) >> (32 - bits);
  }
}

bool run_case(int index, const Case& c, gct::Rng* rng) {
  gct::QGemmWorkspace ws;
  gct::qgemm_workspace_require(&ws, c.m, c.n, c.k);
  if (c.m * c.k > kMaxValues || c.k * c.n > kMaxValues || c.m * c.n > kMaxValues || c.n > kMaxColumns ||
      ws.a_pairs > sizeof g_pack_a / 4 || ws.b_pairs > sizeof g_pack_b / 4) {
    write("qgemm check: product ");
    write_uint(index);
    write(" is too large for the check's buffers\n");
    return false;
  }
  ws.pack_a = g_pack_a;
  ws.pack_b = g_pack_b;
  draw(g_a, c.m * c.k, c.bits, rng);
  draw(g_b, c.k * c.n, c.bits, rng);
  draw(g_bias, c.n, 28, rng);
  for (int i = 0; i < c.m * c.n; ++i) g_want[i] = g_got[i] = i % 3 == 0 ? -4 : (i % 3 == 1 ? 0 : 9);  // the mask
  const gct::QOperand a = (c.layout & 1) ? gct::QOperand{g_a, 1, c.m, 16, c.given_shift}
                                         : gct::QOperand{g_a, c.k, 1, 16, c.given_shift};
  const gct::QOperand b = (c.layout & 2) ? gct::QOperand{g_b, 1, c.k, 28, c.given_shift}
                                         : gct::QOperand{g_b, c.n, 1, 28, c.given_shift};
  gct::QEpilogue ep;
  ep.out_frac = c.out_frac;
  ep.bias = c.epilogue == 1 || c.epilogue == 2 || c.epilogue == 4 ? g_bias : nullptr;
  ep.bias_frac = 28;
  ep.relu = c.epilogue == 2 || c.epilogue == 5;
  ep.mask_in_place = c.epilogue >= 3;
  gct::qgemm_reference(c.m, c.n, c.k, a, b, g_want, c.n, ep);
  if (!gct::qgemm(ws, nullptr, 1, c.m, c.n, c.k, a, b, g_got, c.n, ep)) return false;
  return equal_or_report("qgemm check", index, g_got, g_want, c.m, c.n, "got", [](int32_t v) { return int64_t{v}; });
}

}  // namespace
}  // namespace fw

int main() {
  return fw::run_checks("qgemm check", fw::kCases, 19, fw::run_case, " products equal the reference bit for bit");
}
