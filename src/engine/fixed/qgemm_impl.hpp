// The integer GEMM's packing, kernels and stores, included once per instruction set by
// qgemm.cpp (portable C++, or the Cortex-M DSP extension), qgemm_avx512.cpp and qgemm_vnni.cpp, each
// in its own namespace (GCT_QGEMM_NS): one binary carries every x86-64 variant and qgemm() picks the
// one the CPU runs. All variants give the same bits. The including file provides the headers and
// sets GCT_QGEMM_AVX512 / GCT_QGEMM_MCU (Cortex-M) and GCT_QGEMM_DSP (Cortex-M with the DSP extension).
// No include guard: meant to be included more than once.

namespace gct {
namespace GCT_QGEMM_NS {
namespace {

constexpr int kMr = kQGemmPanelRows;
constexpr int kNr = kQGemmPanelCols;
constexpr int64_t kKAlign = kQGemmKAlign;
static_assert(kQGemmKAlign == 2 * fixed_path::kChunkPairs, "k is padded to whole chunks of pairs");
// The AVX-512 kernel runs whole chunks of pairs, zero-padded past k; the others stop at k, which on
// small products (k of 10 or 16 on a microcontroller) saves up to two thirds of the work.
#if GCT_QGEMM_AVX512
constexpr bool kKernelReadsPadding = true;
#else
constexpr bool kKernelReadsPadding = false;
#endif

using Index = std::ptrdiff_t;

int64_t round_up(int64_t x, int64_t to) { return (x + to - 1) / to * to; }

int operand_shift(const QOperand& op, int64_t rows, int64_t cols) {
  return op.shift >= 0 ? op.shift : qgemm_operand_shift(op.data, static_cast<uint64_t>(rows * cols));
}

// x * 2^-s rounded to nearest and clamped to +-kOperandMax (s >= 0), as the bits of one half of a
// packed int32 pair. (x + 2^(s-1)) >> s is (x >> s) plus bit s-1 of x: the same value without the
// 64-bit sum that x + 2^(s-1) would need near the int32 limit.
inline uint32_t quantise_bits(int32_t x, int s) {
  int32_t q = s > 0 ? (x >> s) + ((x >> (s - 1)) & 1) : x;
  q = q > fixed_path::kOperandMax ? fixed_path::kOperandMax : (q < -fixed_path::kOperandMax ? -fixed_path::kOperandMax : q);
  return static_cast<uint16_t>(static_cast<int16_t>(q));
}
inline int32_t make_pair(uint32_t lo, uint32_t hi) { return static_cast<int32_t>(lo | hi << 16); }

// Two values quantised by the same shift into one packed pair: quantise_bits on each.
struct Quantiser {
  int s;
#if GCT_QGEMM_DSP
  // x * 2^-s rounded is (x + 2^(s-1)) >> s, and QADD's saturation of that sum at INT32_MAX cannot
  // change the clamped result while s <= 18 (INT32_MAX >> 18 is still above kOperandMax). A shift
  // from qgemm_operand_shift is at most 31 - kOperandBits = 18; a larger one takes the portable
  // form. SSAT clamps both values to [-8192, 8191] and a halfword compare and select raises -8192
  // to -kOperandMax in both halves at once: 4.5 instructions a value, 7.5 with the packing loop's
  // loads and stores, where the compare-and-select form took about 15.
  static_assert(fixed_path::kOperandMax == 8191, "SSAT #14 and the select clamp to +-8191");
  int32_t half;
  explicit Quantiser(int shift) : s(shift), half(shift > 0 ? int32_t{1} << (shift - 1) : 0) {}
  int32_t operator()(int32_t x0, int32_t x1) const {
    if (s > 18) return make_pair(quantise_bits(x0, s), quantise_bits(x1, s));
    const int32_t q0 = __ssat(__qadd(x0, half) >> s, 14), q1 = __ssat(__qadd(x1, half) >> s, 14);
    int32_t pair;
    __asm__("pkhbt %0, %1, %2, lsl #16" : "=r"(pair) : "r"(q0), "r"(q1));  // GCC's ACLE has no __pkhbt
    constexpr int32_t kLow = static_cast<int32_t>(0xE001E001u);  // -8191 in both halves
    __ssub16(pair, kLow);  // GE flags: which halves are >= -8191
    return static_cast<int32_t>(__sel(pair, kLow));
  }
#else
  explicit Quantiser(int shift) : s(shift) {}
  int32_t operator()(int32_t x0, int32_t x1) const { return make_pair(quantise_bits(x0, s), quantise_bits(x1, s)); }
#endif
  int32_t operator()(int32_t x0) const { return make_pair(quantise_bits(x0, s), 0); }
};

// dst[(panel * kp2 + k / 2) * W + r] = pair(q(src(panel * W + r, k)), q(src(..., k + 1))) for a
// W-wide panel along `outer`, zero-padded. `rs` steps along the panel's width, `cs` along k.
// Pointer-sized indices: 64-bit arithmetic for every element index is the slowest part of a 32-bit
// core's packing (the sizes always fit).
template <int W>
void pack(const int32_t* src, Index rs, Index cs, Index outer, Index k, Index kp, int s, int32_t* dst) {
  const Index panels = (outer + W - 1) / W;
  // Panels are kp / 2 pairs apart; the pairs past k are written only for a kernel that reads them.
  const Index stride2 = kp / 2, kp2 = kKernelReadsPadding ? stride2 : (k + 1) / 2;
  const Index full = k / 2;  // pairs with both halves inside k
  const Quantiser q(s);
  for (Index p = 0; p < panels; ++p) {
    int32_t* panel = dst + p * stride2 * W;
    const Index width = outer - p * W < W ? outer - p * W : W;
    if (cs == 1) {
      // k is contiguous in the source: walk each line along k.
      for (Index r = 0; r < width; ++r) {
        const int32_t* line = src + (p * W + r) * rs;
        const int32_t* x = line;
        int32_t* o = panel + r;
        for (const int32_t* end = line + 2 * full; x != end; x += 2, o += W) *o = q(x[0], x[1]);
        for (Index q2 = full; q2 < kp2; ++q2) {
          panel[q2 * W + r] = 2 * q2 < k ? q(line[2 * q2]) : 0;
        }
      }
      for (Index r = width; r < W; ++r) {
        for (Index q2 = 0; q2 < kp2; ++q2) panel[q2 * W + r] = 0;
      }
    } else {
      // The panel's width is contiguous (rs == 1, since one of rs and cs is): two source rows give
      // one row of pairs.
      for (Index q2 = 0; q2 < kp2; ++q2) {
        int32_t* out = panel + q2 * W;
        const int32_t* l0 = src + 2 * q2 * cs + p * W * rs;
        const int32_t* l1 = l0 + cs;
        if (q2 < full) {
          for (Index r = 0; r < width; ++r) out[r] = q(l0[r], l1[r]);
        } else if (2 * q2 < k) {
          for (Index r = 0; r < width; ++r) out[r] = q(l0[r]);
        } else {
          for (Index r = 0; r < width; ++r) out[r] = 0;
        }
        for (Index r = width; r < W; ++r) out[r] = 0;
      }
    }
  }
}

#if GCT_QGEMM_MCU
// A 2x2 block's sums over one chunk (chunk_2x2 below: SMLAD with the DSP extension, portable C without).
struct Sums2x2 {
  int32_t s00, s01, s10, s11;
};
#endif

// Exact sums of one kMr x kNr tile over kp2 pairs (the last chunk may be partial, except for the
// AVX-512 kernel, which is given whole chunks): one kernel per instruction set, kernel() below
// picks this build's. A Cortex-M build has none: its chunk_2x2 feeds the row-pair path further down.
#if GCT_QGEMM_AVX512
void kernel_avx512(const int32_t* a, const int32_t* b, int64_t kp2, int64_t out[kMr][kNr]) {
  __m512i w00 = _mm512_setzero_si512(), w01 = w00, w10 = w00, w11 = w00, w20 = w00, w21 = w00, w30 = w00,
          w31 = w00, w40 = w00, w41 = w00, w50 = w00, w51 = w00, w60 = w00, w61 = w00, w70 = w00, w71 = w00;
  for (int64_t c = 0; c < kp2; c += fixed_path::kChunkPairs) {
    __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
    const int32_t* bp = b + c * kNr;
    const int32_t* ap = a + c * kMr;
#pragma GCC unroll 4
    for (int p = 0; p < fixed_path::kChunkPairs; ++p) {
      const __m512i bv = _mm512_load_si512(bp + p * kNr);
      const int32_t* q = ap + p * kMr;
#if defined(__AVX512VNNI__) || defined(GCT_QGEMM_VNNI)
#define GCT_MAC(acc, r) acc = _mm512_dpwssd_epi32(acc, bv, _mm512_set1_epi32(q[r]))
#else
#define GCT_MAC(acc, r) acc = _mm512_add_epi32(acc, _mm512_madd_epi16(bv, _mm512_set1_epi32(q[r])))
#endif
      GCT_MAC(a0, 0);
      GCT_MAC(a1, 1);
      GCT_MAC(a2, 2);
      GCT_MAC(a3, 3);
      GCT_MAC(a4, 4);
      GCT_MAC(a5, 5);
      GCT_MAC(a6, 6);
      GCT_MAC(a7, 7);
#undef GCT_MAC
    }
#define GCT_WIDEN(lo, hi, acc)                                                                  \
  lo = _mm512_add_epi64(lo, _mm512_cvtepi32_epi64(_mm512_castsi512_si256(acc)));               \
  hi = _mm512_add_epi64(hi, _mm512_cvtepi32_epi64(_mm512_extracti64x4_epi64(acc, 1)))
    GCT_WIDEN(w00, w01, a0);
    GCT_WIDEN(w10, w11, a1);
    GCT_WIDEN(w20, w21, a2);
    GCT_WIDEN(w30, w31, a3);
    GCT_WIDEN(w40, w41, a4);
    GCT_WIDEN(w50, w51, a5);
    GCT_WIDEN(w60, w61, a6);
    GCT_WIDEN(w70, w71, a7);
#undef GCT_WIDEN
  }
  const __m512i wide[kMr][2] = {{w00, w01}, {w10, w11}, {w20, w21}, {w30, w31},
                                {w40, w41}, {w50, w51}, {w60, w61}, {w70, w71}};
  for (int r = 0; r < kMr; ++r) {
    _mm512_storeu_si512(out[r], wide[r][0]);
    _mm512_storeu_si512(out[r] + 8, wide[r][1]);
  }
}
#elif GCT_QGEMM_DSP
// One chunk (at most kChunkPairs pairs) of a 2x2 block: rows r, r + 1 of an A panel, columns j,
// j + 1 of a B panel, read in place. In assembly because the compiler, short of registers around
// it, split the LDRDs and spilled: two post-indexed LDRDs and four SMLADs a pair, unrolled twice
// (7 instructions per 8 multiply-accumulates). It declares no memory operand or clobber: either
// would cost registers or reloads around each call, and neither is needed, since the panels it
// reads are complete before the tasks start (run_tasks is an opaque call) and nothing writes them
// while the tasks run.
inline Sums2x2 chunk_2x2(const int32_t* ap, const int32_t* bp, int len) {
  int32_t s00 = 0, s01 = 0, s10 = 0, s11 = 0;
  if (len & 1) {
    s00 = __smlad(ap[0], bp[0], 0);
    s01 = __smlad(ap[0], bp[1], 0);
    s10 = __smlad(ap[1], bp[0], 0);
    s11 = __smlad(ap[1], bp[1], 0);
    ap += kMr;
    bp += kNr;
  }
  const int32_t* const end = ap + (len & ~1) * kMr;
  if (ap == end) return {s00, s01, s10, s11};
  int32_t a0, a1, b0, b1;
  __asm__ volatile(
      "1:\n\t"
      ".rept 2\n\t"
      "ldrd %[a0], %[a1], [%[ap]], %[sa]\n\t"
      "ldrd %[b0], %[b1], [%[bp]], %[sb]\n\t"
      "smlad %[s00], %[a0], %[b0], %[s00]\n\t"
      "smlad %[s01], %[a0], %[b1], %[s01]\n\t"
      "smlad %[s10], %[a1], %[b0], %[s10]\n\t"
      "smlad %[s11], %[a1], %[b1], %[s11]\n\t"
      ".endr\n\t"
      "cmp %[ap], %[end]\n\t"
      "bne 1b\n\t"
      : [ap] "+r"(ap), [bp] "+r"(bp), [s00] "+r"(s00), [s01] "+r"(s01), [s10] "+r"(s10), [s11] "+r"(s11),
        [a0] "=&r"(a0), [a1] "=&r"(a1), [b0] "=&r"(b0), [b1] "=&r"(b1)
      : [end] "r"(end), [sa] "I"(4 * kMr), [sb] "I"(4 * kNr)
      : "cc");
  return {s00, s01, s10, s11};
}

#elif GCT_QGEMM_MCU
// chunk_2x2 of the DSP build in portable C: SMLAD's two products of int16 halves, unpacked.
inline Sums2x2 chunk_2x2(const int32_t* ap, const int32_t* bp, int len) {
  int32_t s00 = 0, s01 = 0, s10 = 0, s11 = 0;
  for (const int32_t* const end = ap + len * kMr; ap != end; ap += kMr, bp += kNr) {
    const int32_t a0l = static_cast<int16_t>(ap[0]), a0h = ap[0] >> 16;
    const int32_t a1l = static_cast<int16_t>(ap[1]), a1h = ap[1] >> 16;
    const int32_t b0l = static_cast<int16_t>(bp[0]), b0h = bp[0] >> 16;
    s00 += a0l * b0l + a0h * b0h;
    s10 += a1l * b0l + a1h * b0h;
    const int32_t b1l = static_cast<int16_t>(bp[1]), b1h = bp[1] >> 16;
    s01 += a0l * b1l + a0h * b1h;
    s11 += a1l * b1l + a1h * b1h;
  }
  return {s00, s01, s10, s11};
}
#else
void kernel_portable(const int32_t* a, const int32_t* b, int64_t kp2, int64_t out[kMr][kNr]) {
  for (int r = 0; r < kMr; ++r) {
    for (int j = 0; j < kNr; ++j) out[r][j] = 0;
  }
  for (int64_t c = 0; c < kp2; c += fixed_path::kChunkPairs) {
    int32_t acc[kMr][kNr] = {};
    const int64_t chunk_end = kp2 - c < fixed_path::kChunkPairs ? kp2 : c + fixed_path::kChunkPairs;
    for (int64_t p = c; p < chunk_end; ++p) {
      const int32_t* bp = b + p * kNr;
      const int32_t* ap = a + p * kMr;
      for (int r = 0; r < kMr; ++r) {
        const int32_t a0 = static_cast<int16_t>(ap[r] & 0xFFFF), a1 = ap[r] >> 16;
        for (int j = 0; j < kNr; ++j) {
          acc[r][j] += a0 * static_cast<int16_t>(bp[j] & 0xFFFF) + a1 * (bp[j] >> 16);
        }
      }
    }
    for (int r = 0; r < kMr; ++r) {
      for (int j = 0; j < kNr; ++j) out[r][j] += acc[r][j];
    }
  }
}
#endif

#if !GCT_QGEMM_MCU
void kernel(const int32_t* a, const int32_t* b, int64_t kp2, int64_t out[kMr][kNr]) {
#if GCT_QGEMM_AVX512
  kernel_avx512(a, b, kp2, out);
#else
  kernel_portable(a, b, kp2, out);
#endif
}
#endif

inline void store(int64_t sum, int shift, int64_t i, int64_t j, int32_t* c, int64_t ldc, const QEpilogue& ep) {
  int64_t v = fixed_path::shift_round(sum, shift);
  if (ep.bias != nullptr) v += fixed_path::shift_round(ep.bias[j], ep.bias_frac - ep.out_frac);
  int32_t out = fixed_path::sat32(v);
  int32_t* dst = c + i * ldc + j;
  if (ep.relu && out < 0) out = 0;
  if (ep.mask_in_place && *dst <= 0) out = 0;
  *dst = out;
}

struct Job {
  const int32_t* pa;
  const int32_t* pb;
  int64_t m, n, kp2;  // panels are kp2 pairs apart
  int64_t pairs;      // pairs the kernel sums
  int shift;
  int32_t* c;
  int64_t ldc;
  const QEpilogue* ep;
  uint32_t blocks;
  bool vector_store;  // shifts in [1, 62]: store_tile_* give exactly store()'s results
};

#if !GCT_QGEMM_MCU
// store() for a tile when the shifts are in [1, 62]: shift_round() is then one add and one shift,
// and the bias is rounded once per column instead of once per element. (On a 32-bit core the general
// shift_round of every element cost more than the tile's multiply-accumulates.)
void store_tile_shifted(const int64_t tile[kMr][kNr], int64_t i0, int64_t j0, const Job& job) {
  const QEpilogue& ep = *job.ep;
  const int shift = job.shift;
  const int64_t half = int64_t{1} << (shift - 1);
  const int cols = static_cast<int>(job.n - j0 < kNr ? job.n - j0 : kNr);
  const Index ldc = static_cast<Index>(job.ldc);
  int64_t bias[kNr] = {};
  if (ep.bias != nullptr) {
    for (int j = 0; j < cols; ++j) bias[j] = fixed_path::shift_round(ep.bias[j0 + j], ep.bias_frac - ep.out_frac);
  }
  for (int r = 0; r < kMr && i0 + r < job.m; ++r) {
    int32_t* dst = job.c + static_cast<Index>(i0 + r) * ldc + static_cast<Index>(j0);
    for (int j = 0; j < cols; ++j) {
      int32_t out = fixed_path::sat32(((tile[r][j] + half) >> shift) + bias[j]);
      if (ep.relu && out < 0) out = 0;
      if (ep.mask_in_place && dst[j] <= 0) out = 0;
      dst[j] = out;
    }
  }
}

#endif

#if GCT_QGEMM_AVX512
inline __m512i shr_round_v(__m512i x, int s) {
  return _mm512_srai_epi64(_mm512_add_epi64(x, _mm512_set1_epi64(int64_t{1} << (s - 1))), s);
}

// store() for a full-width tile, 8 values at a time.
void store_tile_avx512(const int64_t tile[kMr][kNr], int64_t i0, int64_t j0, const Job& job) {
  const QEpilogue& ep = *job.ep;
  __m512i bias[2] = {_mm512_setzero_si512(), _mm512_setzero_si512()};
  if (ep.bias != nullptr) {
    for (int h = 0; h < 2; ++h) {
      const __m512i b = _mm512_cvtepi32_epi64(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(ep.bias + j0 + 8 * h)));
      bias[h] = shr_round_v(b, ep.bias_frac - ep.out_frac);
    }
  }
  for (int r = 0; r < kMr && i0 + r < job.m; ++r) {
    int32_t* dst = job.c + (i0 + r) * job.ldc + j0;
    for (int h = 0; h < 2; ++h) {
      const __m512i v = _mm512_add_epi64(shr_round_v(_mm512_loadu_si512(tile[r] + 8 * h), job.shift), bias[h]);
      __m256i out = _mm512_cvtsepi64_epi32(v);
      if (ep.relu) out = _mm256_max_epi32(out, _mm256_setzero_si256());
      if (ep.mask_in_place) {
        const __m256i old = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(dst + 8 * h));
        out = _mm256_and_si256(out, _mm256_cmpgt_epi32(old, _mm256_setzero_si256()));
      }
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + 8 * h), out);
    }
  }
}
#endif

#if GCT_QGEMM_MCU
// Cortex-M: no int64 tile. A pair of rows is summed in int32 (in int64 only when the sums
// span chunks) and finished at once, so the 8x16 int64 tile, its zeroing and its second pass never
// exist: on a 16-row batch they cost more than the multiply-accumulates. For the shifts of
// store_tile_shifted; when the sum is one chunk and the shift at most 31, it is rounded and biased
// in 32-bit arithmetic, exactly as store() does in 64 bits.

// round(s * 2^-shift) for shift in [1, 31] without a 64-bit sum: ceil(floor(s / 2^(shift-1)) / 2)
// is floor((s + 2^(shift-1)) / 2^shift).
inline int32_t round_shift(int32_t s, int shift) {
  const int32_t t = s >> (shift - 1);
  return (t >> 1) + (t & 1);
}
inline int64_t round_shift(int64_t s, int shift) { return (s + (int64_t{1} << (shift - 1))) >> shift; }

// The epilogue, its choices fixed at compile time: the rounded sum plus the column's rounded bias,
// saturated (exactly sat32 of the sum: QADD on a DSP core), then ReLU or the backward ReLU against
// the value it overwrites.
inline int32_t add_saturated(int32_t a, int32_t b) {
#if GCT_QGEMM_DSP
  return __qadd(a, b);
#else
  return fixed_path::sat32(int64_t{a} + b);
#endif
}

template <bool kRelu, bool kMask>
inline void finish(int32_t v, int32_t bias, int32_t* dst) {
  int32_t out = add_saturated(v, bias);
  if (kRelu && out < 0) out = 0;
  if (kMask && *dst <= 0) out = 0;
  *dst = out;
}
template <bool kRelu, bool kMask>
inline void finish(int64_t v, int32_t bias, int32_t* dst) {
  int32_t out = fixed_path::sat32(v + bias);
  if (kRelu && out < 0) out = 0;
  if (kMask && *dst <= 0) out = 0;
  *dst = out;
}

// Where one panel pair's results go: rows x cols values of C from d, the columns' rounded biases.
struct TileOut {
  int32_t* d;
  Index ldc;
  int rows, cols, shift;
  const int32_t* bias;
};

// The sums of a pair of rows, 2x2 block by block, into a small buffer that finish_row reads next:
// finishing each block as it was summed kept a dozen values live beside the kernel's eleven
// registers and spilled them (twice the instructions per value). kWide: the sums span chunks (or
// the shift is above 31), and each chunk's int32 sums are added into int64 ones.
template <bool kWide>
void sum_row_pair(const int32_t* a, const int32_t* b, int pairs, int pairs_cols, int32_t (*sums)[kNr],
                  int64_t (*wide)[kNr]) {
  if (kWide && pairs == 0) {  // k = 0 (the narrow form is never given it): every sum is empty
    for (int h = 0; h < 2; ++h) {
      for (int j = 0; j < pairs_cols; ++j) wide[h][j] = 0;
    }
    return;
  }
  for (int c = 0; c < pairs; c += fixed_path::kChunkPairs) {
    const int len = pairs - c < fixed_path::kChunkPairs ? pairs - c : fixed_path::kChunkPairs;
    for (int j = 0; j < pairs_cols; j += 2) {
      const Sums2x2 s = chunk_2x2(a + c * kMr, b + c * kNr + j, len);
      sums[0][j] = s.s00;
      sums[0][j + 1] = s.s01;
      sums[1][j] = s.s10;
      sums[1][j + 1] = s.s11;
    }
    if (!kWide) return;
    for (int h = 0; h < 2; ++h) {
      for (int j = 0; j < pairs_cols; ++j) wide[h][j] = c == 0 ? sums[h][j] : wide[h][j] + sums[h][j];
    }
  }
}

// One row of results: rounded, biased, saturated, masked, stored.
template <bool kBias, bool kRelu, bool kMask, typename Sum>
void finish_row(const Sum* sums, const TileOut& t, int32_t* d) {
  const int shift = t.shift;
#pragma GCC unroll 2
  for (int j = 0; j < t.cols; ++j) {
    finish<kRelu, kMask>(round_shift(sums[j], shift), kBias ? t.bias[j] : 0, d + j);
  }
}

// One panel pair's rows x cols results (the panels' zero padding fills a row or column pair). Not
// inlined: the caller's live values would crowd out the kernel's registers.
template <bool kBias, bool kRelu, bool kMask, bool kWide>
__attribute__((noinline)) void tile_mcu(const int32_t* a, const int32_t* b, int pairs, const TileOut& t) {
  alignas(8) int32_t sums[2][kNr];
  alignas(8) int64_t wide[kWide ? 2 : 1][kNr];
  const int pairs_cols = (t.cols + 1) & ~1;
  for (int r = 0; r < t.rows; r += 2) {
    sum_row_pair<kWide>(a + r, b, pairs, pairs_cols, sums, wide);
    for (int h = 0; h < 2 && r + h < t.rows; ++h) {
      int32_t* d = t.d + (r + h) * t.ldc;
      if (kWide) {
        finish_row<kBias, kRelu, kMask>(wide[h], t, d);
      } else {
        finish_row<kBias, kRelu, kMask>(sums[h], t, d);
      }
    }
  }
}

// int32 sums when one chunk holds them and the shift fits 32-bit rounding.
template <bool kBias, bool kRelu, bool kMask>
void tile_mcu(const int32_t* a, const int32_t* b, int pairs, const TileOut& t) {
  if (pairs > 0 && pairs <= fixed_path::kChunkPairs && t.shift <= 31) {
    tile_mcu<kBias, kRelu, kMask, false>(a, b, pairs, t);
  } else {
    tile_mcu<kBias, kRelu, kMask, true>(a, b, pairs, t);
  }
}

// Any other epilogue or shift: int64 sums through the general store().
__attribute__((noinline)) void tile_mcu_general(const int32_t* a, const int32_t* b, int64_t i0, int64_t j0,
                                                const Job& job) {
  alignas(8) int32_t sums[2][kNr];
  alignas(8) int64_t wide[2][kNr];
  const int rows = static_cast<int>(job.m - i0 < kMr ? job.m - i0 : kMr);
  const int cols = static_cast<int>(job.n - j0 < kNr ? job.n - j0 : kNr);
  for (int r = 0; r < rows; r += 2) {
    sum_row_pair<true>(a + r, b, static_cast<int>(job.pairs), (cols + 1) & ~1, sums, wide);
    for (int h = 0; h < 2 && r + h < rows; ++h) {
      for (int j = 0; j < cols; ++j) store(wide[h][j], job.shift, i0 + r + h, j0 + j, job.c, job.ldc, *job.ep);
    }
  }
}

void tile_mcu(const int32_t* a, const int32_t* b, int64_t i0, int64_t j0, const Job& job) {
  const QEpilogue& ep = *job.ep;
  const bool biased = ep.bias != nullptr;
  // The epilogues the model asks for: forward (bias, and ReLU on hidden layers), weight gradient
  // (none) and input gradient (the backward ReLU, no bias); anything else the general way.
  if (!job.vector_store || (ep.mask_in_place && (biased || ep.relu))) {
    tile_mcu_general(a, b, i0, j0, job);
    return;
  }
  int32_t bias[kNr] = {};
  TileOut t{job.c + static_cast<Index>(i0) * static_cast<Index>(job.ldc) + static_cast<Index>(j0),
            static_cast<Index>(job.ldc), static_cast<int>(job.m - i0 < kMr ? job.m - i0 : kMr),
            static_cast<int>(job.n - j0 < kNr ? job.n - j0 : kNr), job.shift, bias};
  if (biased) {
    for (int j = 0; j < t.cols; ++j) {
      bias[j] = static_cast<int32_t>(fixed_path::shift_round(ep.bias[j0 + j], ep.bias_frac - ep.out_frac));
    }
  }
  const int pairs = static_cast<int>(job.pairs);
  if (ep.mask_in_place) {
    tile_mcu<false, false, true>(a, b, pairs, t);
  } else if (ep.relu) {
    biased ? tile_mcu<true, true, false>(a, b, pairs, t) : tile_mcu<false, true, false>(a, b, pairs, t);
  } else {
    biased ? tile_mcu<true, false, false>(a, b, pairs, t) : tile_mcu<false, false, false>(a, b, pairs, t);
  }
}
#endif

void run_block(void* arg, uint32_t index) {
  const Job& job = *static_cast<const Job*>(arg);
  const int64_t panels_n = (job.n + kNr - 1) / kNr;
  const int64_t panels_m = (job.m + kMr - 1) / kMr;
  int64_t begin = 0, end = 0;
  row_block_range(panels_n, job.blocks, index, 1, &begin, &end);
#if !GCT_QGEMM_MCU
  alignas(64) int64_t tile[kMr][kNr];
#endif
  for (int64_t jp = begin; jp < end; ++jp) {
    const int32_t* bpanel = job.pb + jp * job.kp2 * kNr;
    for (int64_t ip = 0; ip < panels_m; ++ip) {
      const int64_t i0 = ip * kMr, j0 = jp * kNr;
#if GCT_QGEMM_MCU
      tile_mcu(job.pa + ip * job.kp2 * kMr, bpanel, i0, j0, job);
#else
      kernel(job.pa + ip * job.kp2 * kMr, bpanel, job.pairs, tile);
#if GCT_QGEMM_AVX512
      if (job.vector_store && j0 + kNr <= job.n) {
        store_tile_avx512(tile, i0, j0, job);
        continue;
      }
#endif
      if (job.vector_store) {
        store_tile_shifted(tile, i0, j0, job);
        continue;
      }
      for (int r = 0; r < kMr && i0 + r < job.m; ++r) {
        for (int j = 0; j < kNr && j0 + j < job.n; ++j) store(tile[r][j], job.shift, i0 + r, j0 + j, job.c, job.ldc, *job.ep);
      }
#endif
    }
  }
}

}  // namespace

// qgemm() on this variant's kernels, once its workspace has been checked.
void run(const QGemmWorkspace& ws, const TaskRunner* runner, uint32_t threads, int64_t m, int64_t n, int64_t k,
         const QOperand& a, const QOperand& b, int32_t* c, int64_t ldc, const QEpilogue& epilogue) {
  const int64_t kp = round_up(k, kKAlign);
  const int sa = operand_shift(a, m, k);
  const int sb = operand_shift(b, k, n);
  pack<kMr>(a.data, a.rs, a.cs, m, k, kp, sa, ws.pack_a);
  // B's panels run along its columns: the panel width steps by cs, k by rs.
  pack<kNr>(b.data, b.cs, b.rs, n, k, kp, sb, ws.pack_b);
  const int sum_frac = a.frac - sa + b.frac - sb;
  const int64_t panels_n = (n + kNr - 1) / kNr;
  uint32_t blocks = threads < 1 ? 1 : threads;
  if (blocks > panels_n) blocks = static_cast<uint32_t>(panels_n);
  const int shift = sum_frac - epilogue.out_frac;
  const int bias_shift = epilogue.bias_frac - epilogue.out_frac;
  const bool vector_store = shift >= 1 && shift <= 62 && (epilogue.bias == nullptr || (bias_shift >= 1 && bias_shift <= 62));
  Job job{ws.pack_a, ws.pack_b, m, n, kp / 2, kKernelReadsPadding ? kp / 2 : (k + 1) / 2, shift, c, ldc, &epilogue, blocks,
          vector_store};
  run_tasks(runner, run_block, &job, blocks);
}

}  // namespace GCT_QGEMM_NS
}  // namespace gct
