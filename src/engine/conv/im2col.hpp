// Private: a convolution's data movement, written once for both arithmetics (float32 and the
// int32 Q formats): a sample's columns (im2col), their gradient folded back onto the image
// (col2im) and the choice of a 2x2 window's maximum.
#pragma once

#include <cstdint>
#include <cstring>

#include "gctrain/config.hpp"

namespace gct::conv {

// The output columns [lo, hi) of kernel column kx whose input column ox * stride - pad + kx lies
// inside the image; the others read the zero padding.
struct Span {
  int lo, hi;
};
inline Span inside(const ConvShape& g, int kx) {
  const int w = g.in_width, s = g.stride, p = g.pad, ow = static_cast<int>(g.conv_width());
  int lo = p - kx > 0 ? (p - kx + s - 1) / s : 0;
  int hi = w - 1 + p - kx >= 0 ? (w - 1 + p - kx) / s + 1 : 0;
  lo = lo < ow ? lo : ow;
  hi = hi < ow ? hi : ow;
  return {lo, hi < lo ? lo : hi};
}

// Calls f(f_index, c, ky, kx) for the columns' rows [f0, f1): input channel, kernel row, column.
template <typename F>
void each_filter_tap(const ConvShape& g, uint32_t f0, uint32_t f1, F&& f) {
  const uint32_t kk = uint32_t{g.kernel} * g.kernel;
  for (uint32_t i = f0; i < f1; ++i) f(i, i / kk, static_cast<int>(i % kk / g.kernel), static_cast<int>(i % g.kernel));
}

// One row of the columns for a "same" convolution (stride 1, output as wide as the input): the
// input plane shifted by d = kx - pad along its rows, so the valid rows are one contiguous copy;
// then the values that wrapped in from the neighbouring row are the padding's zeros. A copy per
// row of 8 to 32 values cost a fifth of an epoch.
template <typename T>
void im2col_same_row(const ConvShape& g, const T* plane, int ky, int kx, T* row) {
  const int h = g.in_height, w = g.in_width, d = kx - g.pad;
  const int y0 = g.pad - ky > 0 ? g.pad - ky : 0;               // first output row inside the image
  const int y1 = h + g.pad - ky < h ? h + g.pad - ky : h;       // one past the last
  if (y1 <= y0) {
    std::memset(row, 0, sizeof(T) * size_t(h) * w);
    return;
  }
  std::memset(row, 0, sizeof(T) * size_t(y0) * w);
  std::memset(row + size_t(y1) * w, 0, sizeof(T) * size_t(h - y1) * w);
  // Values [y0 * w, y1 * w) of the row read plane[(oy + ky - pad) * w + ox + d]; the first -d (or
  // last d) of them would read before (after) the plane and are zeros anyway.
  const int64_t first = int64_t{y0} * w + (d < 0 ? -d : 0), last = int64_t{y1} * w - (d > 0 ? d : 0);
  const int64_t shift = int64_t{ky - g.pad} * w + d;
  if (last > first) std::memcpy(row + first, plane + first + shift, sizeof(T) * size_t(last - first));
  for (int oy = y0; oy < y1; ++oy) {
    T* r = row + size_t(oy) * w;
    for (int ox = 0; ox < -d; ++ox) r[ox] = T{0};
    for (int ox = w - d; ox < w; ++ox) r[ox] = T{0};
  }
}

// cols[f - f0][oy * OW + ox] = x[c][oy * S - pad + ky][ox * S - pad + kx] (0 outside the image)
// for the rows f = (c, ky, kx) in [f0, f1) of the sample's columns.
template <typename T>
void im2col(const ConvShape& g, const T* x, uint32_t f0, uint32_t f1, T* cols) {
  const int oh = static_cast<int>(g.conv_height()), ow = static_cast<int>(g.conv_width());
  const int h = g.in_height, w = g.in_width, s = g.stride, p = g.pad;
  if (s == 1 && oh == h && ow == w) {
    each_filter_tap(g, f0, f1, [&](uint32_t f, uint32_t c, int ky, int kx) {
      im2col_same_row(g, x + size_t{c} * h * w, ky, kx, cols + size_t{f - f0} * oh * ow);
    });
    return;
  }
  each_filter_tap(g, f0, f1, [&](uint32_t f, uint32_t c, int ky, int kx) {
    const Span span = inside(g, kx);
    const T* plane = x + size_t{c} * h * w;
    T* row = cols + size_t{f - f0} * oh * ow;
    for (int oy = 0; oy < oh; ++oy, row += ow) {
      const int iy = oy * s - p + ky;
      if (iy < 0 || iy >= h) {
        std::memset(row, 0, sizeof(T) * ow);
        continue;
      }
      const T* src = plane + size_t(iy) * w - p + kx;
      for (int ox = 0; ox < span.lo; ++ox) row[ox] = T{0};
      if (s == 1) {
        for (int ox = span.lo; ox < span.hi; ++ox) row[ox] = src[ox];  // rows are short: no memcpy call
      } else {
        for (int ox = span.lo; ox < span.hi; ++ox) row[ox] = src[ox * s];
      }
      for (int ox = span.hi; ox < ow; ++ox) row[ox] = T{0};
    }
  });
}

// dx[c][iy][ix] = sum of dcols[f][pixel] over every (f, pixel) that read x[c][iy][ix], summed in
// Acc in a fixed order.
template <typename T, typename Acc>
void col2im(const ConvShape& g, const T* dcols, Acc* dx) {
  const int oh = static_cast<int>(g.conv_height()), ow = static_cast<int>(g.conv_width());
  const int h = g.in_height, w = g.in_width, s = g.stride, p = g.pad;
  std::memset(dx, 0, sizeof(Acc) * g.inputs());
  each_filter_tap(g, 0, g.fan_in(), [&](uint32_t f, uint32_t c, int ky, int kx) {
    const Span span = inside(g, kx);
    const T* row = dcols + size_t{f} * oh * ow;
    Acc* plane = dx + size_t{c} * h * w;
    for (int oy = 0; oy < oh; ++oy, row += ow) {
      const int iy = oy * s - p + ky;
      if (iy < 0 || iy >= h) continue;
      Acc* dst = plane + size_t(iy) * w - p + kx;
      if (s == 1) {
        for (int ox = span.lo; ox < span.hi; ++ox) dst[ox] += row[ox];
      } else {
        for (int ox = span.lo; ox < span.hi; ++ox) dst[ox * s] += row[ox];
      }
    }
  });
}

// Which of a 2x2 window's values (a b on the top row, d e below) is its maximum: the first, in
// row-major order, of equal ones, as PyTorch picks. One bit per value (kMaxA ... kMaxE), from
// bitwise logic without branches: the comparisons are unpredictable, and a loop over windows that
// tests these bits vectorises (it did not with a struct of bools).
constexpr uint32_t kMaxA = 1, kMaxB = 2, kMaxD = 4, kMaxE = 8;
template <typename T>
inline uint32_t window_max(T a, T b, T d, T e) {
  const bool ma = (a >= b) & (a >= d) & (a >= e);
  const bool mb = !ma & (b >= d) & (b >= e);
  const bool md = !ma & !mb & (d >= e);
  const bool me = !ma & !mb & !md;
  return uint32_t{ma} * kMaxA | uint32_t{mb} * kMaxB | uint32_t{md} * kMaxD | uint32_t{me} * kMaxE;
}

}  // namespace gct::conv
