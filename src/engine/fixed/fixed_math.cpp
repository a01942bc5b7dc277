#include <cstring>

#include "gctrain/fixed.hpp"

namespace gct::fx {
namespace {

constexpr uint64_t isqrt_exact(uint64_t v) {
  uint64_t r = 0;
  for (int b = 31; b >= 0; --b) {
    const uint64_t c = r | (uint64_t{1} << b);
    if (c * c <= v) r = c;
  }
  return r;
}

// sqrt(m) * 2^16 at m = (64 + i) * 2^24, i = 0..192: m covers [2^30, 2^32).
struct SqrtTable {
  uint64_t v[193];
  constexpr SqrtTable() : v() {
    for (int i = 0; i < 192; ++i) v[i] = isqrt_exact(uint64_t(64 + i) << 56);
    v[192] = uint64_t{1} << 32;
  }
};
constexpr SqrtTable kSqrt;

// 2^63 / m at m = (128 + i) * 2^24, i = 0..128: m covers [2^31, 2^32).
struct RecipTable {
  uint64_t v[129];
  constexpr RecipTable() : v() {
    for (int i = 0; i <= 128; ++i) v[i] = (uint64_t{1} << 39) / uint64_t(128 + i);
  }
};
constexpr RecipTable kRecip;

// 2^(i/256) in Q30, i = 0..256, from repeated integer square roots of 2 (no floating point).
struct Exp2Table {
  uint64_t v[257];
  constexpr Exp2Table() : v() {
    uint64_t root[8] = {};  // root[k] = 2^(2^-(k+1)) in Q30
    uint64_t r = uint64_t{2} << 30;
    for (int k = 0; k < 8; ++k) {
      r = isqrt_exact(r << 30);
      root[k] = r;
    }
    for (int i = 0; i <= 256; ++i) {
      uint64_t x = uint64_t{1} << 30;
      // i / 256 = sum of bits b_k 2^-(k+1) for the bits of i from the top.
      for (int k = 0; k < 8; ++k) {
        if (i & (128 >> k)) x = (x * root[k] + (uint64_t{1} << 29)) >> 30;
      }
      v[i] = i == 256 ? uint64_t{1} << 31 : x;
    }
  }
};
constexpr Exp2Table kExp2;

}  // namespace

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

uint64_t sqrt_q(uint64_t v, int in_frac, int out_frac) {
  if (v == 0) return 0;
  const int e = bit_length(v) - 1;
  uint64_t m;
  int sh;
  if (e >= 30) {
    sh = (e - 30) & ~1;
    m = v >> sh;
  } else {
    const int lsh = (31 - e) & ~1;
    m = v << lsh;
    sh = -lsh;
  }
  const uint32_t i = static_cast<uint32_t>(m >> 24) - 64;
  const uint64_t f = (m >> 8) & 0xFFFF;
  const uint64_t r = kSqrt.v[i] + (((kSqrt.v[i + 1] - kSqrt.v[i]) * f) >> 16);
  const int s = 16 + in_frac / 2 - out_frac - sh / 2;
  return static_cast<uint64_t>(shift_round(static_cast<int64_t>(r), s));
}

uint64_t recip_mantissa(uint64_t d) {
  const int b = bit_length(d);
  const uint64_t m = b > 32 ? d >> (b - 32) : d << (32 - b);
  const uint32_t i = static_cast<uint32_t>(m >> 24) - 128;
  const uint64_t f = (m >> 8) & 0xFFFF;
  return kRecip.v[i] - (((kRecip.v[i] - kRecip.v[i + 1]) * f) >> 16);
}

int64_t exp2_neg_q16(int64_t x) {
  if (x > 0) x = 0;
  const int64_t whole = x >> 16;  // floor, <= 0
  const uint64_t frac = static_cast<uint64_t>(x - whole * 65536);
  const uint32_t i = static_cast<uint32_t>(frac >> 8);
  const uint64_t f = frac & 0xFF;
  const uint64_t e = kExp2.v[i] + (((kExp2.v[i + 1] - kExp2.v[i]) * f) >> 8);
  if (-whole >= 62) return 0;
  return shift_round(static_cast<int64_t>(e), static_cast<int>(-whole));
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

uint32_t max_abs(const int32_t* x, uint64_t n) {
  int32_t hi = 0, lo = 0;
  for (uint64_t i = 0; i < n; ++i) {
    hi = x[i] > hi ? x[i] : hi;
    lo = x[i] < lo ? x[i] : lo;
  }
  const uint32_t neg = lo == INT32_MIN ? uint32_t{INT32_MAX} : static_cast<uint32_t>(-lo);
  return static_cast<uint32_t>(hi) > neg ? static_cast<uint32_t>(hi) : neg;
}

}  // namespace gct::fx
