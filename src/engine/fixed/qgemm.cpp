#include "gctrain/qgemm.hpp"

#include <cstring>

#include "gctrain/fixed.hpp"

#if defined(__AVX512BW__) && defined(__AVX512F__)
// GCC 12 flags its own _mm512_undefined_* helpers as maybe-uninitialized.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#define GCT_QGEMM_AVX512 1
#endif

namespace gct {
namespace {

constexpr int kMr = 8;
constexpr int kNr = 16;
constexpr int64_t kKAlign = 2 * fx::kChunkPairs;

int64_t round_up(int64_t x, int64_t to) { return (x + to - 1) / to * to; }

// Shift that brings the tensor's largest magnitude within kOperandMax.
int operand_shift(const QOperand& op, int64_t rows, int64_t cols) {
  const uint32_t m = fx::max_abs(op.data, static_cast<uint64_t>(rows * cols));
  const int s = fx::bit_length(m) - fx::kOperandBits;
  return s > 0 ? s : 0;
}

inline int16_t quantise(int32_t x, int s) {
  int64_t q = fx::shift_round(x, s);
  q = q > fx::kOperandMax ? fx::kOperandMax : (q < -fx::kOperandMax ? -fx::kOperandMax : q);
  return static_cast<int16_t>(q);
}

// dst[(panel * kp2 + k / 2) * 2W + r * 2 + (k & 1)] = q(src(panel * W + r, k)) for a W-wide panel
// along `outer`, zero-padded. `rs` steps along the panel's width, `cs` along k.
template <int W>
void pack(const int32_t* src, int64_t rs, int64_t cs, int64_t outer, int64_t k, int64_t kp, int s,
          int16_t* dst) {
  const int64_t panels = (outer + W - 1) / W;
  const int64_t kp2 = kp / 2;
  std::memset(dst, 0, sizeof(int16_t) * static_cast<size_t>(panels * kp * W));
  for (int64_t p = 0; p < panels; ++p) {
    int16_t* panel = dst + p * kp2 * 2 * W;
    const int64_t width = outer - p * W < W ? outer - p * W : W;
    if (cs == 1) {
      for (int64_t r = 0; r < width; ++r) {
        const int32_t* row = src + (p * W + r) * rs;
        for (int64_t kk = 0; kk < k; ++kk) panel[(kk >> 1) * 2 * W + r * 2 + (kk & 1)] = quantise(row[kk], s);
      }
    } else {
      for (int64_t kk = 0; kk < k; ++kk) {
        const int32_t* line = src + kk * cs + p * W * rs;
        int16_t* out = panel + (kk >> 1) * 2 * W + (kk & 1);
        for (int64_t r = 0; r < width; ++r) out[r * 2] = quantise(line[r * rs], s);
      }
    }
  }
}

// Exact sums of one kMr x kNr tile over kp2 pairs.
void kernel(const int16_t* a, const int16_t* b, int64_t kp2, int64_t out[kMr][kNr]) {
#if GCT_QGEMM_AVX512
  __m512i wide[kMr][2];
  for (int r = 0; r < kMr; ++r) wide[r][0] = wide[r][1] = _mm512_setzero_si512();
  for (int64_t c = 0; c < kp2; c += fx::kChunkPairs) {
    __m512i acc[kMr];
    for (int r = 0; r < kMr; ++r) acc[r] = _mm512_setzero_si512();
    for (int64_t p = c; p < c + fx::kChunkPairs; ++p) {
      const __m512i bv = _mm512_load_si512(b + p * 2 * kNr);
      const int16_t* ap = a + p * 2 * kMr;
      for (int r = 0; r < kMr; ++r) {
        int32_t pair;
        std::memcpy(&pair, ap + 2 * r, 4);
        const __m512i av = _mm512_set1_epi32(pair);
#if defined(__AVX512VNNI__)
        acc[r] = _mm512_dpwssd_epi32(acc[r], bv, av);
#else
        acc[r] = _mm512_add_epi32(acc[r], _mm512_madd_epi16(bv, av));
#endif
      }
    }
    for (int r = 0; r < kMr; ++r) {
      wide[r][0] = _mm512_add_epi64(wide[r][0], _mm512_cvtepi32_epi64(_mm512_castsi512_si256(acc[r])));
      wide[r][1] = _mm512_add_epi64(wide[r][1], _mm512_cvtepi32_epi64(_mm512_extracti64x4_epi64(acc[r], 1)));
    }
  }
  for (int r = 0; r < kMr; ++r) {
    _mm512_storeu_si512(out[r], wide[r][0]);
    _mm512_storeu_si512(out[r] + 8, wide[r][1]);
  }
#else
  for (int r = 0; r < kMr; ++r) {
    for (int j = 0; j < kNr; ++j) out[r][j] = 0;
  }
  for (int64_t c = 0; c < kp2; c += fx::kChunkPairs) {
    int32_t acc[kMr][kNr] = {};
    for (int64_t p = c; p < c + fx::kChunkPairs; ++p) {
      const int16_t* bp = b + p * 2 * kNr;
      const int16_t* ap = a + p * 2 * kMr;
      for (int r = 0; r < kMr; ++r) {
        const int32_t a0 = ap[2 * r], a1 = ap[2 * r + 1];
        for (int j = 0; j < kNr; ++j) acc[r][j] += a0 * bp[2 * j] + a1 * bp[2 * j + 1];
      }
    }
    for (int r = 0; r < kMr; ++r) {
      for (int j = 0; j < kNr; ++j) out[r][j] += acc[r][j];
    }
  }
#endif
}

inline void store(int64_t sum, int shift, int64_t i, int64_t j, int32_t* c, int64_t ldc, const QEpilogue& ep) {
  int64_t v = fx::shift_round(sum, shift);
  if (ep.bias != nullptr) v += fx::shift_round(ep.bias[j], ep.bias_frac - ep.out_frac);
  int32_t out = fx::sat32(v);
  int32_t* dst = c + i * ldc + j;
  if (ep.relu && out < 0) out = 0;
  if (ep.mask_in_place && *dst <= 0) out = 0;
  *dst = out;
}

struct Job {
  const int16_t* pa;
  const int16_t* pb;
  int64_t m, n, kp2;
  int shift;
  int32_t* c;
  int64_t ldc;
  const QEpilogue* ep;
  uint32_t blocks;
};

void run_block(void* arg, uint32_t index) {
  const Job& job = *static_cast<const Job*>(arg);
  const int64_t panels_n = (job.n + kNr - 1) / kNr;
  const int64_t panels_m = (job.m + kMr - 1) / kMr;
  const int64_t per = (panels_n + job.blocks - 1) / job.blocks;
  const int64_t begin = per * index;
  const int64_t end = begin + per < panels_n ? begin + per : panels_n;
  alignas(64) int64_t tile[kMr][kNr];
  for (int64_t jp = begin; jp < end; ++jp) {
    const int16_t* bpanel = job.pb + jp * job.kp2 * 2 * kNr;
    for (int64_t ip = 0; ip < panels_m; ++ip) {
      kernel(job.pa + ip * job.kp2 * 2 * kMr, bpanel, job.kp2, tile);
      for (int r = 0; r < kMr && ip * kMr + r < job.m; ++r) {
        for (int j = 0; j < kNr && jp * kNr + j < job.n; ++j) {
          store(tile[r][j], job.shift, ip * kMr + r, jp * kNr + j, job.c, job.ldc, *job.ep);
        }
      }
    }
  }
}

}  // namespace

void qgemm_workspace_require(QGemmWorkspace* ws, int64_t m, int64_t n, int64_t k) {
  const int64_t kp = round_up(k, kKAlign);
  const size_t a = static_cast<size_t>(round_up(m, kMr) * kp);
  const size_t b = static_cast<size_t>(round_up(n, kNr) * kp);
  if (a > ws->a_elems) ws->a_elems = a;
  if (b > ws->b_elems) ws->b_elems = b;
}

void qgemm_workspace_layout(QGemmWorkspace* ws, Arena* arena) {
  ws->pack_a = arena_alloc_array<int16_t>(arena, ws->a_elems, MemCategory::kGemmWorkspace);
  ws->pack_b = arena_alloc_array<int16_t>(arena, ws->b_elems, MemCategory::kGemmWorkspace);
}

bool qgemm(const QGemmWorkspace& ws, const TaskRunner* runner, uint32_t threads, int64_t m, int64_t n,
           int64_t k, const QOperand& a, const QOperand& b, int32_t* c, int64_t ldc,
           const QEpilogue& epilogue) {
  const int64_t kp = round_up(k, kKAlign);
  if (static_cast<size_t>(round_up(m, kMr) * kp) > ws.a_elems ||
      static_cast<size_t>(round_up(n, kNr) * kp) > ws.b_elems) {
    return false;
  }
  const int sa = operand_shift(a, m, k);
  const int sb = operand_shift(b, k, n);
  pack<kMr>(a.data, a.rs, a.cs, m, k, kp, sa, ws.pack_a);
  // B's panels run along its columns: the panel width steps by cs, k by rs.
  pack<kNr>(b.data, b.cs, b.rs, n, k, kp, sb, ws.pack_b);
  const int sum_frac = a.frac - sa + b.frac - sb;
  const int64_t panels_n = (n + kNr - 1) / kNr;
  uint32_t blocks = threads < 1 ? 1 : threads;
  if (blocks > panels_n) blocks = static_cast<uint32_t>(panels_n);
  Job job{ws.pack_a, ws.pack_b, m, n, kp / 2, sum_frac - epilogue.out_frac, c, ldc, &epilogue, blocks};
  run_tasks(runner, run_block, &job, blocks);
  return true;
}

void qgemm_reference(int64_t m, int64_t n, int64_t k, const QOperand& a, const QOperand& b, int32_t* c,
                     int64_t ldc, const QEpilogue& epilogue) {
  const int sa = operand_shift(a, m, k);
  const int sb = operand_shift(b, k, n);
  const int shift = a.frac - sa + b.frac - sb - epilogue.out_frac;
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      int64_t sum = 0;
      for (int64_t kk = 0; kk < k; ++kk) {
        sum += int64_t{quantise(a.data[i * a.rs + kk * a.cs], sa)} * quantise(b.data[kk * b.rs + j * b.cs], sb);
      }
      store(sum, shift, i, j, c, ldc, epilogue);
    }
  }
}

}  // namespace gct
