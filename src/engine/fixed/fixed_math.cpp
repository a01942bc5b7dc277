#include <cstring>

#include "fixed_inline.hpp"

namespace gct::fixed_path {

Coef coef_from_float(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, 4);
  const int exponent = static_cast<int>((bits >> 23) & 0xFF);
  uint32_t mant = bits & 0x7FFFFF;
  Coef c;
  if (exponent == 0) {
    c.mant = mant;
    c.shift = 149;
  } else {
    c.mant = mant | 0x800000u;
    c.shift = 150 - exponent;
  }
  if (c.mant == 0) c.shift = 0;
  return c;
}

Coef coef_ratio(uint64_t num, int num_frac, uint64_t den, int den_frac) {
  Coef c;
  if (num == 0 || den == 0) return c;
  int exp = num_frac - den_frac;  // value = (num / den) * 2^-exp
  const int dl = bit_length(den);
  if (dl > 31) {
    den >>= dl - 31;
    exp += dl - 31;
  }
  const int ns = 63 - bit_length(num);
  num <<= ns;  // top bit at 62
  exp += ns;
  uint64_t q = num / den;  // > 2^31 since den < 2^31
  while (q >= (uint64_t{1} << 31)) {
    q >>= 1;
    --exp;
  }
  c.mant = static_cast<int64_t>(q);
  c.shift = exp;
  return c;
}

int64_t log2_q16(uint64_t x, int frac) {
  if (x == 0) return INT64_MIN / 2;
  const int b = bit_length(x);
  // y = x / 2^(b-1) in [1, 2), Q30.
  uint64_t y = b > 31 ? x >> (b - 31) : x << (31 - b);
  int64_t result = int64_t{b - 1 - frac} * 65536;
  // Bit-by-bit: squaring y doubles its log; each time it passes 2 one bit of the fraction is 1.
  for (int k = 15; k >= 0; --k) {
    y = (y * y + (uint64_t{1} << 29)) >> 30;
    if (y >= (uint64_t{2} << 30)) {
      y >>= 1;
      result += int64_t{1} << k;
    }
  }
  return result;
}

uint64_t sqrt_q(uint64_t v, int in_frac, int out_frac) { return sqrt_fast(v, in_frac, out_frac); }
uint64_t recip_mantissa(uint64_t d) { return recip_fast(d); }
int64_t exp2_neg_q16(int64_t x) { return exp2_fast(x); }

double q_to_double(int64_t v, int frac) {
  if (v == 0) return 0.0;
  const uint64_t sign = v < 0 ? uint64_t{1} << 63 : 0;
  uint64_t a = v < 0 ? static_cast<uint64_t>(0) - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  const int top = bit_length(a) - 1;  // a = 1.f * 2^top
  const uint64_t mant = top > 52 ? a >> (top - 52) : a << (52 - top);
  const uint64_t exponent = static_cast<uint64_t>(top - frac + 1023);
  const uint64_t bits = sign | exponent << 52 | (mant & ((uint64_t{1} << 52) - 1));
  double d;
  std::memcpy(&d, &bits, 8);
  return d;
}

int magnitude_bits(const int32_t* x, size_t n) {
  // bit_length(max |x|) is the highest bit set in any |x|: an OR of exact magnitudes (three
  // instructions an element on a Cortex-M) instead of a running maximum and minimum. Unsigned, so
  // that |INT32_MIN| = 2^31 wraps to itself instead of overflowing; it counts as INT32_MAX.
  uint32_t bits = 0;
#pragma GCC unroll 4
  for (const int32_t* end = x + n; x != end; ++x) {
    const uint32_t v = static_cast<uint32_t>(*x);
    const uint32_t sign = static_cast<uint32_t>(*x >> 31);
    bits |= (v ^ sign) - sign;
  }
  const int length = bit_length(bits);
  return length > 31 ? 31 : length;
}

}  // namespace gct::fixed_path
