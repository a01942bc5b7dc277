// Private: Fixed point: the number formats of the `--scalar fixed` path and the integer arithmetic it uses.
//
// Every tensor has a static Q format (value = integer * 2^-frac). Nothing in a training step uses
// floating point, so results are bit-identical on every target (x86-64, aarch64, armhf, Cortex-M).
//
//   tensor                                   storage  frac  range       resolution
//   input batch, hidden activations, logits  int32    16    +-32768     1.5e-5
//   dLoss/dZ (pre-activation gradients)      int32    30    +-2         9.3e-10
//   weights, biases, dW, db, SGD momentum    int32    28    +-8         3.7e-9
//   Adam's first moment m                    int32    31    +-1         4.7e-10  (m ~ 0.1 g: 3 more bits)
//   Adagrad sum / RMSProp, Adam second moment int64   56    +-128       1.4e-17  (g^2 is exact)
//   optimizer denominators sqrt(v) + eps     uint64   36    < 2^27      1.5e-11
//
// Matrix products quantise both operands to 14-bit signed integers (|q| <= kOperandMax) with a
// per-tensor shift chosen from the tensor's largest magnitude (block floating point), multiply in
// int16 x int16 -> int32 pairs, widen every kChunkPairs pairs to int64 and round once per dot
// product into the output format. kOperandMax and kChunkPairs are chosen so that an int32 partial
// sum cannot overflow for any input: the result is exact, not just "usually right".
//
// Rounding is to nearest (ties towards +infinity) by an arithmetic shift; every narrowing
// saturates instead of wrapping. Square roots and reciprocals use tables over the normalised
// mantissa (192 and 128 intervals) with linear interpolation (relative error < 2e-5), exp2 a
// 256-interval table (< 1e-6), log2 a bit-by-bit loop; the tables are computed at compile time with
// integer arithmetic only.
#pragma once

#include <cstddef>
#include <cstdint>

namespace gct::fixed_path {

constexpr int kActFrac = 16;
constexpr int kDzFrac = 30;
constexpr int kParamFrac = 28;
constexpr int kMomentFrac = 31;
constexpr int kSqFrac = 56;
constexpr int kDenFrac = 36;

constexpr int32_t kOperandMax = 8191;  // 13-bit magnitude
constexpr int kOperandBits = 13;
constexpr int kChunkPairs = 16;
static_assert(int64_t{kChunkPairs} * 2 * kOperandMax * kOperandMax <= INT32_MAX,
              "an int32 partial sum of one chunk must not overflow");

inline int32_t sat32(int64_t x) {
  return x > INT32_MAX ? INT32_MAX : (x < INT32_MIN ? INT32_MIN : static_cast<int32_t>(x));
}

// x * 2^-s rounded to nearest for s > 0 (0 for s >= 63); x * 2^-s saturated to +-2^62 for s <= 0.
// |x| < 2^62. Written with selects, not branches, so that loops using it vectorise.
inline int64_t shift_round(int64_t x, int s) {
  const int down = s < 0 ? 0 : (s > 63 ? 63 : s);
  const int up = s < 0 ? (-s > 62 ? 62 : -s) : 0;
  const int64_t rounded = (x + ((int64_t{1} << down) >> 1)) >> down;
  constexpr int64_t kLimit = int64_t{1} << 62;
  const int64_t lim = kLimit >> up;
  const int64_t raised = x > lim ? kLimit : (x < -lim ? -kLimit : x * (int64_t{1} << up));
  return s >= 0 ? (s > 62 ? 0 : rounded) : raised;
}

inline int bit_length(uint64_t x) { return x == 0 ? 0 : 64 - __builtin_clzll(x); }

// A non-negative constant as mantissa * 2^-shift, mantissa < 2^31: multiplying an int32-range
// value by it stays inside int64.
struct Coef {
  int64_t mant = 0;
  int shift = 0;
};
// Exact: a float has a 24-bit significand. The value must be finite and >= 0.
Coef coef_from_float(float value);
// value = num / den (den > 0), rounded to 31 significant bits.
Coef coef_ratio(uint64_t num, int num_frac, uint64_t den, int den_frac);
inline int64_t mul_coef(int64_t x, const Coef& c) { return shift_round(x * c.mant, c.shift); }

// sqrt(v) for v in Q(in_frac), result in Q(out_frac); relative error < 2e-5.
uint64_t sqrt_q(uint64_t v, int in_frac, int out_frac);
// Normalised reciprocal of d > 0: 1/d = r * 2^-(31 + bit_length(d)), r in (2^31, 2^32].
uint64_t recip_mantissa(uint64_t d);
// 2^x for x <= 0 in Q16, result in Q30 (0 when below resolution).
int64_t exp2_neg_q16(int64_t x);
// log2(x) for x > 0 in Q(frac); result in Q16.
int64_t log2_q16(uint64_t x, int frac);

// v * 2^-frac as a double, built from its bits with integer operations only (exact for |v| < 2^53):
// reporting a fixed-point loss needs no floating-point unit or soft-float call.
double q_to_double(int64_t v, int frac);

// bit_length of the largest |x| over n values (INT32_MIN counts as INT32_MAX: 31).
int magnitude_bits(const int32_t* x, size_t n);

}  // namespace gct::fixed_path
