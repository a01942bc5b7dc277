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

// cols[f - f0][oy * OW + ox] = x[c][oy * S - pad + ky][ox * S - pad + kx] (0 outside the image)
// for the rows f = (c, ky, kx) in [f0, f1) of the sample's columns.
template <typename T>
void im2col(const ConvShape& g, const T* x, uint32_t f0, uint32_t f1, T* cols) {
  const int oh = static_cast<int>(g.conv_height()), ow = static_cast<int>(g.conv_width());
  const int h = g.in_height, w = g.in_width, s = g.stride, p = g.pad;
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
// row-major order, of equal ones, as PyTorch picks. Bitwise logic, no branches: the comparisons
// are unpredictable.
struct WindowMax {
  bool a, b, d, e;
};
template <typename T>
inline WindowMax window_max(T a, T b, T d, T e) {
  WindowMax m;
  m.a = (a >= b) & (a >= d) & (a >= e);
  m.b = !m.a & (b >= d) & (b >= e);
  m.d = !m.a & !m.b & (d >= e);
  m.e = !m.a & !m.b & !m.d;
  return m;
}

}  // namespace gct::conv
