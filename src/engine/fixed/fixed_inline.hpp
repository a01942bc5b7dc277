// Private: the table functions of fixed.hpp as inline, branch-free code (selects instead of
// branches, so that the optimizer's per-element loops can be vectorised). Not part of the public API.
#pragma once

#include "fixed.hpp"

namespace gct::fixed_path {
namespace tables {

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
inline constexpr SqrtTable kSqrt;

// 2^63 / m at m = (128 + i) * 2^24, i = 0..128: m covers [2^31, 2^32).
struct RecipTable {
  uint64_t v[129];
  constexpr RecipTable() : v() {
    for (int i = 0; i <= 128; ++i) v[i] = (uint64_t{1} << 39) / uint64_t(128 + i);
  }
};
inline constexpr RecipTable kRecip;

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
inline constexpr Exp2Table kExp2;

}  // namespace tables

// x * 2^-s rounded to nearest, for 0 <= s <= 62 (no saturation: the caller bounds x).
inline int64_t shr_round(int64_t x, int s) { return (x + ((int64_t{1} << s) >> 1)) >> s; }

// x * 2^-s for a small |s| (the caller guarantees x * 2^-s fits): arithmetic, no branches.
inline int64_t scale_small(int64_t x, int s) {
  const int down = s > 0 ? s : 0;
  const int up = s < 0 ? -s : 0;
  return shr_round(x, down) * (int64_t{1} << up);
}

// A coefficient brought to 1 <= shift <= 62 (values >= 2^30 saturate; those below 2^-31 lose bits),
// so that multiplying by it needs no branch.
inline Coef coef_normalised(Coef c) {
  if (c.mant == 0) return Coef{0, 1};
  while (c.shift < 1) {
    if (c.mant >= (int64_t{1} << 30)) return Coef{(int64_t{1} << 31) - 1, 1};
    c.mant <<= 1;
    ++c.shift;
  }
  while (c.shift > 62) {
    c.mant >>= 1;
    --c.shift;
  }
  return c;
}
inline int64_t mul_down(int64_t x, const Coef& c) { return shr_round(x * c.mant, c.shift); }

inline uint64_t sqrt_fast(uint64_t v, int in_frac, int out_frac) {
  const uint64_t safe = v == 0 ? uint64_t{1} << 30 : v;
  const int e = 63 - __builtin_clzll(safe);
  const int sh = (e - 30) & ~1;  // even; negative means a left shift
  const uint64_t m = sh >= 0 ? safe >> (sh & 63) : safe << ((-sh) & 63);  // [2^30, 2^32)
  const uint32_t i = static_cast<uint32_t>(m >> 24) - 64;
  const uint64_t f = (m >> 8) & 0xFFFF;
  const uint64_t r = tables::kSqrt.v[i] + (((tables::kSqrt.v[i + 1] - tables::kSqrt.v[i]) * f) >> 16);
  const int64_t out = scale_small(static_cast<int64_t>(r), 16 + in_frac / 2 - out_frac - sh / 2);
  return v == 0 ? 0 : static_cast<uint64_t>(out);
}

inline uint64_t recip_fast(uint64_t d) {
  const uint64_t safe = d == 0 ? 1 : d;
  const int b = 64 - __builtin_clzll(safe);
  const uint64_t m = b > 32 ? safe >> ((b - 32) & 63) : safe << ((32 - b) & 63);
  const uint32_t i = static_cast<uint32_t>(m >> 24) - 128;
  const uint64_t f = (m >> 8) & 0xFFFF;
  return tables::kRecip.v[i] - (((tables::kRecip.v[i] - tables::kRecip.v[i + 1]) * f) >> 16);
}

inline int64_t exp2_fast(int64_t x) {
  if (x > 0) x = 0;
  const int64_t whole = x >> 16;
  const uint64_t frac = static_cast<uint64_t>(x - whole * 65536);
  const uint32_t i = static_cast<uint32_t>(frac >> 8);
  const uint64_t f = frac & 0xFF;
  const uint64_t e = tables::kExp2.v[i] + (((tables::kExp2.v[i + 1] - tables::kExp2.v[i]) * f) >> 8);
  return shift_round(static_cast<int64_t>(e), static_cast<int>(-whole > 63 ? 63 : -whole));
}

// x * c for |x| < 2^62: the low 32 bits and the rest are scaled separately (two roundings).
inline int64_t mul_coef64(int64_t x, const Coef& c) {
  const int64_t hi = x >> 32;
  const int64_t lo = x & 0xFFFFFFFF;
  return scale_small(hi * c.mant, c.shift - 32) + shr_round(lo * c.mant, c.shift);
}

// c * x / den with den in Q36 (> 0); with x in Q28 the result is in Q28. Normalising x first keeps the
// precision of small values: u = |x| r 2^(5 - b) c with 1/den = r 2^-(31 + b).
inline int64_t ratio(int64_t x, uint64_t den, const Coef& c) {
  const uint64_t ax = static_cast<uint64_t>(x < 0 ? -x : x);
  const int bx = 64 - __builtin_clzll(ax | 1);
  const uint64_t xn = bx > 31 ? ax >> ((bx - 31) & 63) : ax << ((31 - bx) & 63);  // [2^30, 2^31) or 0
  const uint64_t r = recip_fast(den);
  const uint64_t p = (xn * (r >> 1)) >> 31;  // < 2^32
  const int b = 64 - __builtin_clzll(den | 1);
  const int64_t pm = static_cast<int64_t>(p) * c.mant;
  const int s = b + c.shift - bx - 6;
  // s < 0 means |u| >= 2^31 (or x == 0): saturate, the caller narrows to int32.
  const int64_t u = s < 0 ? (ax == 0 ? 0 : int64_t{1} << 40) : shr_round(pm, s > 62 ? 62 : s);
  return x < 0 ? -u : u;
}

}  // namespace gct::fixed_path
