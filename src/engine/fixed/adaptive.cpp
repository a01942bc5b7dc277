#include "adaptive.hpp"

#include "../isa.hpp"
#include "fixed_inline.hpp"

// The vector loop is compiled where the build targets AVX-512, or for AVX-512 alone on x86-64 GCC
// builds below it (chosen at run time; the helpers and the headers above stay at the build's level).
#if (defined(__AVX512F__) && defined(__AVX512DQ__) && defined(__AVX512CD__)) || GCT_X86_DISPATCH
// GCC 12 flags its own _mm512_undefined_* helpers as maybe-uninitialized.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>
#define GCT_ADAPTIVE_AVX512 1
#endif
#if GCT_ADAPTIVE_AVX512 && !(defined(__AVX512F__) && defined(__AVX512DQ__) && defined(__AVX512CD__))
#define GCT_ADAPTIVE_DISPATCH 1
#else
#define GCT_ADAPTIVE_DISPATCH 0
#endif

namespace gct::fixed_path {
namespace {

inline int32_t update_one(int64_t v, int32_t x, const Coef& c, const Coef* inv, uint64_t eps) {
  uint64_t root = sqrt_fast(static_cast<uint64_t>(v), kSqFrac, kDenFrac);
  if (inv != nullptr) root = static_cast<uint64_t>(mul_coef64(static_cast<int64_t>(root), *inv));
  return sat32(ratio(x, root + eps, c));
}

#if GCT_ADAPTIVE_AVX512
#if GCT_ADAPTIVE_DISPATCH
#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq,avx512cd,avx512vl,avx512bw,avx2,fma")
#endif
// The scalar functions of fixed_inline.hpp, lane by lane: every select becomes a mask, every shift
// by a per-element amount a variable shift; the tables are read with gathers.
inline __m512i set1(int64_t x) { return _mm512_set1_epi64(x); }

// (x + ((1 << d) >> 1)) >> d for 0 <= d <= 63 per lane (arithmetic).
inline __m512i shr_round_v(__m512i x, __m512i d) {
  const __m512i half = _mm512_srli_epi64(_mm512_sllv_epi64(set1(1), d), 1);
  return _mm512_srav_epi64(_mm512_add_epi64(x, half), d);
}

inline __m512i bit_length_v(__m512i x) { return _mm512_sub_epi64(set1(64), _mm512_lzcnt_epi64(x)); }

inline __m512i sqrt_v(__m512i v) {
  const __mmask8 zero = _mm512_cmpeq_epi64_mask(v, _mm512_setzero_si512());
  const __m512i safe = _mm512_mask_mov_epi64(v, zero, set1(int64_t{1} << 30));
  const __m512i e = _mm512_sub_epi64(set1(63), _mm512_lzcnt_epi64(safe));
  const __m512i sh = _mm512_and_si512(_mm512_sub_epi64(e, set1(30)), set1(~int64_t{1}));
  const __m512i right = _mm512_max_epi64(sh, _mm512_setzero_si512());
  const __m512i left = _mm512_max_epi64(_mm512_sub_epi64(_mm512_setzero_si512(), sh), _mm512_setzero_si512());
  const __m512i m = _mm512_sllv_epi64(_mm512_srlv_epi64(safe, right), left);
  const __m512i i = _mm512_sub_epi64(_mm512_srli_epi64(m, 24), set1(64));
  const __m512i f = _mm512_and_si512(_mm512_srli_epi64(m, 8), set1(0xFFFF));
  const __m512i t0 = _mm512_i64gather_epi64(i, reinterpret_cast<const long long*>(tables::kSqrt.v), 8);
  const __m512i t1 = _mm512_i64gather_epi64(i, reinterpret_cast<const long long*>(tables::kSqrt.v + 1), 8);
  const __m512i r = _mm512_add_epi64(t0, _mm512_srli_epi64(_mm512_mullo_epi64(_mm512_sub_epi64(t1, t0), f), 16));
  // s = 16 + 56/2 - 36 - sh/2 = 8 - sh/2; scale_small(r, s).
  const __m512i s = _mm512_sub_epi64(set1(16 + kSqFrac / 2 - kDenFrac), _mm512_srai_epi64(sh, 1));
  const __m512i down = _mm512_max_epi64(s, _mm512_setzero_si512());
  const __m512i up = _mm512_max_epi64(_mm512_sub_epi64(_mm512_setzero_si512(), s), _mm512_setzero_si512());
  const __m512i out = _mm512_sllv_epi64(shr_round_v(r, down), up);
  return _mm512_maskz_mov_epi64(static_cast<__mmask8>(~zero), out);
}

// mul_coef64 for a broadcast coefficient: scale_small(hi * mant, shift - 32) + shr_round(lo * mant, shift).
inline __m512i mul_coef64_v(__m512i x, const Coef& c) {
  const __m512i mant = set1(c.mant);
  const __m512i hi = _mm512_mullo_epi64(_mm512_srai_epi64(x, 32), mant);
  const __m512i lo = _mm512_mullo_epi64(_mm512_and_si512(x, set1(0xFFFFFFFF)), mant);
  const int s = c.shift - 32;
  const __m512i down = set1(s > 0 ? s : 0), up = set1(s < 0 ? -s : 0);
  const __m512i high = _mm512_sllv_epi64(shr_round_v(hi, down), up);
  return _mm512_add_epi64(high, shr_round_v(lo, set1(c.shift)));
}

inline __m512i recip_v(__m512i d) {
  const __mmask8 zero = _mm512_cmpeq_epi64_mask(d, _mm512_setzero_si512());
  const __m512i safe = _mm512_mask_mov_epi64(d, zero, set1(1));
  const __m512i b = bit_length_v(safe);
  const __m512i right = _mm512_max_epi64(_mm512_sub_epi64(b, set1(32)), _mm512_setzero_si512());
  const __m512i left = _mm512_max_epi64(_mm512_sub_epi64(set1(32), b), _mm512_setzero_si512());
  const __m512i m = _mm512_sllv_epi64(_mm512_srlv_epi64(safe, right), left);
  const __m512i i = _mm512_sub_epi64(_mm512_srli_epi64(m, 24), set1(128));
  const __m512i f = _mm512_and_si512(_mm512_srli_epi64(m, 8), set1(0xFFFF));
  const __m512i t0 = _mm512_i64gather_epi64(i, reinterpret_cast<const long long*>(tables::kRecip.v), 8);
  const __m512i t1 = _mm512_i64gather_epi64(i, reinterpret_cast<const long long*>(tables::kRecip.v + 1), 8);
  return _mm512_sub_epi64(t0, _mm512_srli_epi64(_mm512_mullo_epi64(_mm512_sub_epi64(t0, t1), f), 16));
}

inline __m512i ratio_v(__m512i x, __m512i den, const Coef& c) {
  const __m512i ax = _mm512_abs_epi64(x);
  const __m512i bx = bit_length_v(_mm512_or_si512(ax, set1(1)));
  const __m512i right = _mm512_max_epi64(_mm512_sub_epi64(bx, set1(31)), _mm512_setzero_si512());
  const __m512i left = _mm512_max_epi64(_mm512_sub_epi64(set1(31), bx), _mm512_setzero_si512());
  const __m512i xn = _mm512_sllv_epi64(_mm512_srlv_epi64(ax, right), left);
  const __m512i r = recip_v(den);
  const __m512i p = _mm512_srli_epi64(_mm512_mullo_epi64(xn, _mm512_srli_epi64(r, 1)), 31);
  const __m512i b = bit_length_v(_mm512_or_si512(den, set1(1)));
  const __m512i pm = _mm512_mullo_epi64(p, set1(c.mant));
  const __m512i s = _mm512_sub_epi64(_mm512_add_epi64(b, set1(c.shift - 6)), bx);
  const __mmask8 negative_s = _mm512_cmplt_epi64_mask(s, _mm512_setzero_si512());
  const __m512i rounded = shr_round_v(pm, _mm512_min_epi64(_mm512_max_epi64(s, _mm512_setzero_si512()), set1(62)));
  const __mmask8 x_zero = _mm512_cmpeq_epi64_mask(ax, _mm512_setzero_si512());
  __m512i u = _mm512_mask_mov_epi64(rounded, negative_s, set1(int64_t{1} << 40));
  u = _mm512_mask_mov_epi64(u, static_cast<__mmask8>(negative_s & x_zero), _mm512_setzero_si512());
  const __mmask8 x_negative = _mm512_cmplt_epi64_mask(x, _mm512_setzero_si512());
  return _mm512_mask_sub_epi64(u, x_negative, _mm512_setzero_si512(), u);
}

// The whole groups of 8 of adaptive_update; returns how many elements it did.
uint32_t adaptive_update_avx512(const int64_t* v, const int32_t* x, const Coef& c, const Coef* inv,
                                uint64_t eps, int32_t* out, uint32_t n) {
  uint32_t j = 0;
  const __m512i eps_v = _mm512_set1_epi64(static_cast<int64_t>(eps));
  for (; j + 8 <= n; j += 8) {
    const __m512i vv = _mm512_loadu_si512(v + j);
    const __m512i xv = _mm512_cvtepi32_epi64(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + j)));
    __m512i root = sqrt_v(vv);
    if (inv != nullptr) root = mul_coef64_v(root, *inv);
    const __m512i u = ratio_v(xv, _mm512_add_epi64(root, eps_v), c);
    // sat32: _mm512_cvtsepi64_epi32 narrows with signed saturation.
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + j), _mm512_cvtsepi64_epi32(u));
  }
  return j;
}
#if GCT_ADAPTIVE_DISPATCH
#pragma GCC pop_options
#endif
#endif

}  // namespace

void adaptive_update(const int64_t* v, const int32_t* x, const Coef& c, const Coef* inv, uint64_t eps,
                     int32_t* out, uint32_t n) {
  uint32_t j = 0;
#if GCT_ADAPTIVE_DISPATCH
  if (cpu_has_avx512_v4()) j = adaptive_update_avx512(v, x, c, inv, eps, out, n);
#elif GCT_ADAPTIVE_AVX512
  j = adaptive_update_avx512(v, x, c, inv, eps, out, n);
#endif
  for (; j < n; ++j) out[j] = update_one(v[j], x[j], c, inv, eps);
}

}  // namespace gct::fixed_path
