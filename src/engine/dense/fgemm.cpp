#include "fgemm.hpp"

#if GCT_FGEMM_AVX512
// GCC 12 flags its own _mm512_undefined_* helpers as (maybe-)uninitialized.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include <immintrin.h>

namespace gct {

GCT_AVX512_BEGIN
namespace {

// A tile is kMr rows by up to kNv vectors of 16: 24 accumulators, leaving registers for the four B
// vectors and the broadcast A element. Per p: 4 loads of B, 6 broadcasts, 24 FMAs.
constexpr int kMr = 6;
constexpr int kNv = 4;
constexpr int64_t kNr = 16 * kNv;
// The k-slice of B a tile walks through and the columns it spans, sized so that the B block read
// by a row of tiles (kc x nc) stays in L2 while A's kMr x kc slice stays in L1.
constexpr int64_t kKc = 256;
constexpr int64_t kBlockFloats = 64 * 1024;

struct Tile {
  int64_t k;
  const float* a;
  int64_t rsa, csa;
  const float* b;
  int64_t ldb;
  float* c;
  int64_t ldc;
  __mmask16 last;  // lanes of the last vector inside n
  bool accumulate;
  FgemmStore store;
};

// GCC keeps the accumulator array in registers only when every loop over it is unrolled.
#define GCT_UNROLL _Pragma("GCC unroll 8")

template <int MR, int NV>
void tile(const Tile& t) {
  const int64_t k = t.k, csa = t.csa, ldb = t.ldb;
  const __mmask16 last = t.last;
  // Continuing from C's partial sums (rather than adding the slice's sum to them at the end) keeps
  // each element one running sum in k order across the k-slices.
  const bool resume = t.accumulate && t.store == FgemmStore::kPlain;
  __m512 acc[MR][NV];
  GCT_UNROLL for (int i = 0; i < MR; ++i) {
    GCT_UNROLL for (int v = 0; v < NV; ++v) {
      const __mmask16 lanes = v + 1 < NV ? __mmask16(0xFFFF) : last;
      acc[i][v] = resume ? _mm512_maskz_loadu_ps(lanes, t.c + i * t.ldc + 16 * v) : _mm512_setzero_ps();
    }
  }
  const float* ap[MR];
  GCT_UNROLL for (int i = 0; i < MR; ++i) ap[i] = t.a + i * t.rsa;
  const float* bp = t.b;
  for (int64_t p = 0; p < k; ++p, bp += ldb) {
    __m512 bv[NV];
    GCT_UNROLL for (int v = 0; v + 1 < NV; ++v) bv[v] = _mm512_loadu_ps(bp + 16 * v);
    bv[NV - 1] = _mm512_maskz_loadu_ps(last, bp + 16 * (NV - 1));
    GCT_UNROLL for (int i = 0; i < MR; ++i) {
      const __m512 av = _mm512_set1_ps(*ap[i]);
      ap[i] += csa;
      GCT_UNROLL for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_fmadd_ps(av, bv[v], acc[i][v]);
    }
  }
  GCT_UNROLL for (int i = 0; i < MR; ++i) {
    float* cr = t.c + i * t.ldc;
    GCT_UNROLL for (int v = 0; v < NV; ++v) {
      const __mmask16 lanes = v + 1 < NV ? __mmask16(0xFFFF) : last;
      __m512 r = acc[i][v];
      if (t.store == FgemmStore::kReluMaskOld) {
        const __m512 old = _mm512_maskz_loadu_ps(lanes, cr + 16 * v);
        const __mmask16 live = _mm512_cmp_ps_mask(old, _mm512_setzero_ps(), _CMP_GT_OQ);
        r = _mm512_maskz_mov_ps(live, r);
      }
      _mm512_mask_storeu_ps(cr + 16 * v, lanes, r);
    }
  }
}

using TileFn = void (*)(const Tile&);

template <int MR>
constexpr TileFn tile_of_width(int nv) {
  return nv == 1 ? tile<MR, 1> : nv == 2 ? tile<MR, 2> : nv == 3 ? tile<MR, 3> : tile<MR, 4>;
}

TileFn tile_fn(int mr, int nv) {
  switch (mr) {
    case 1: return tile_of_width<1>(nv);
    case 2: return tile_of_width<2>(nv);
    case 3: return tile_of_width<3>(nv);
    case 4: return tile_of_width<4>(nv);
    case 5: return tile_of_width<5>(nv);
    default: return tile_of_width<6>(nv);
  }
}

}  // namespace

void fgemm(int64_t m, int64_t n, int64_t k, const float* a, int64_t rsa, int64_t csa, const float* b,
           int64_t ldb, float* c, int64_t ldc, bool accumulate, FgemmStore store) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {  // an empty sum
    if (accumulate && store == FgemmStore::kPlain) return;
    for (int64_t i = 0; i < m; ++i) {
      for (int64_t j = 0; j < n; ++j) c[i * ldc + j] = 0.0f;
    }
    return;
  }
  // The masked store needs the whole sum at once: C holds the mask until then.
  const int64_t kc_max = store == FgemmStore::kReluMaskOld || k <= kKc ? k : kKc;
  int64_t nc = kBlockFloats / kc_max / kNr * kNr;
  if (nc < kNr) nc = kNr;
  for (int64_t jc = 0; jc < n; jc += nc) {
    const int64_t nb = n - jc < nc ? n - jc : nc;
    for (int64_t kb = 0; kb < k; kb += kc_max) {
      const int64_t kc = k - kb < kc_max ? k - kb : kc_max;
      Tile t{kc, nullptr, rsa, csa, nullptr, ldb, nullptr, ldc, 0, accumulate || kb > 0, store};
      for (int64_t i = 0; i < m; i += kMr) {
        const int mr = static_cast<int>(m - i < kMr ? m - i : kMr);
        for (int64_t j = jc; j < jc + nb; j += kNr) {
          const int64_t width = jc + nb - j < kNr ? jc + nb - j : kNr;
          const int nv = static_cast<int>((width + 15) / 16);
          const int tail = static_cast<int>(width - 16 * (nv - 1));
          t.last = static_cast<__mmask16>((1u << tail) - 1u);
          t.a = a + i * rsa + kb * csa;
          t.b = b + kb * ldb + j;
          t.c = c + i * ldc + j;
          tile_fn(mr, nv)(t);
        }
      }
    }
  }
}

namespace {

// The 16 x 16 block at src (row stride lds) to dst (row stride ldd), transposed in registers: pairs
// of rows interleaved by 32 bits, then by 64 bits, then 128-bit lanes exchanged twice.
void transpose16(const float* src, int64_t lds, float* dst, int64_t ldd) {
  __m512 r[16], t[16];
  GCT_UNROLL for (int i = 0; i < 16; ++i) r[i] = _mm512_loadu_ps(src + i * lds);
  GCT_UNROLL for (int i = 0; i < 8; ++i) {
    t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  // s[g][q]: lane L holds column 4L + q of rows 4g..4g+3.
  __m512 s[4][4];
  GCT_UNROLL for (int g = 0; g < 4; ++g) {
    const __m512d a = _mm512_castps_pd(t[4 * g]), b = _mm512_castps_pd(t[4 * g + 2]);
    const __m512d c = _mm512_castps_pd(t[4 * g + 1]), d = _mm512_castps_pd(t[4 * g + 3]);
    s[g][0] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, b));
    s[g][1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, b));
    s[g][2] = _mm512_castpd_ps(_mm512_unpacklo_pd(c, d));
    s[g][3] = _mm512_castpd_ps(_mm512_unpackhi_pd(c, d));
  }
  GCT_UNROLL for (int q = 0; q < 4; ++q) {
    const __m512 v0 = _mm512_shuffle_f32x4(s[0][q], s[1][q], 0x44), v1 = _mm512_shuffle_f32x4(s[0][q], s[1][q], 0xEE);
    const __m512 v2 = _mm512_shuffle_f32x4(s[2][q], s[3][q], 0x44), v3 = _mm512_shuffle_f32x4(s[2][q], s[3][q], 0xEE);
    _mm512_storeu_ps(dst + (0 + q) * ldd, _mm512_shuffle_f32x4(v0, v2, 0x88));
    _mm512_storeu_ps(dst + (4 + q) * ldd, _mm512_shuffle_f32x4(v0, v2, 0xDD));
    _mm512_storeu_ps(dst + (8 + q) * ldd, _mm512_shuffle_f32x4(v1, v3, 0x88));
    _mm512_storeu_ps(dst + (12 + q) * ldd, _mm512_shuffle_f32x4(v1, v3, 0xDD));
  }
}

}  // namespace

void transpose(const float* src, int64_t lds, int64_t rows, int64_t cols, float* dst, int64_t ldd) {
  constexpr int64_t kB = 16;
  for (int64_t i0 = 0; i0 < rows; i0 += kB) {
    const int64_t i1 = i0 + kB < rows ? i0 + kB : rows;
    for (int64_t j0 = 0; j0 < cols; j0 += kB) {
      const int64_t j1 = j0 + kB < cols ? j0 + kB : cols;
      if (i1 - i0 == kB && j1 - j0 == kB) {
        transpose16(src + i0 * lds + j0, lds, dst + j0 * ldd + i0, ldd);
        continue;
      }
      for (int64_t i = i0; i < i1; ++i) {
        for (int64_t j = j0; j < j1; ++j) dst[j * ldd + i] = src[i * lds + j];
      }
    }
  }
}

GCT_AVX512_END

}  // namespace gct

#endif
