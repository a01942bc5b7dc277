#include "conv.hpp"

#include "../carve.hpp"
#include "../conv/im2col.hpp"
#include "../gc.hpp"
#include "fixed.hpp"
#include "state.hpp"

namespace gct::fixed_path {
namespace {

using conv::col2im;
using conv::im2col;
using conv::kMaxA;
using conv::kMaxB;
using conv::kMaxD;
using conv::kMaxE;
using conv::window_max;

// x / n rounded to nearest (ties away from zero): an average of integers.
int32_t divide_round(int64_t x, int64_t n) { return sat32(x >= 0 ? (x + n / 2) / n : -((-x + n / 2) / n)); }

void pool_forward(const ConvShape& g, const int32_t* z, int32_t* pooled) {
  const uint32_t h = g.conv_height(), w = g.conv_width(), oh = g.out_height(), ow = g.out_width();
  for (uint32_t c = 0; c < g.channels; ++c, z += size_t{h} * w, pooled += size_t{oh} * ow) {
    if (g.pool == PoolKind::kGlobalAvg) {
      pooled[0] = row_mean(z, h * w);
      continue;
    }
    for (uint32_t y = 0; y < oh; ++y) {
      const int32_t* r0 = z + size_t{2 * y} * w;
      const int32_t* r1 = r0 + w;
      for (uint32_t x = 0; x < ow; ++x) {
        const int32_t a = r0[2 * x], b = r0[2 * x + 1], d = r1[2 * x], e = r1[2 * x + 1];
        if (g.pool == PoolKind::kAvg2) {
          pooled[y * ow + x] = static_cast<int32_t>(shift_round(int64_t{a} + b + d + e, 2));
        } else {
          const int32_t top = a >= b ? a : b, bottom = d >= e ? d : e;
          pooled[y * ow + x] = top >= bottom ? top : bottom;
        }
      }
    }
  }
}

// z (the ReLU's output) becomes dLoss/dz from the pooled output's gradient, as the float path
// routes it (conv/conv.cpp).
void pool_backward(const ConvShape& g, const int32_t* grad, int32_t* z) {
  const uint32_t h = g.conv_height(), w = g.conv_width(), oh = g.out_height(), ow = g.out_width();
  for (uint32_t c = 0; c < g.channels; ++c, z += size_t{h} * w, grad += size_t{oh} * ow) {
    if (g.pool == PoolKind::kGlobalAvg) {
      const int32_t share = divide_round(grad[0], int64_t{h} * w);
      for (uint32_t i = 0; i < h * w; ++i) z[i] = z[i] > 0 ? share : 0;
      continue;
    }
    if (h > 2 * oh) {
      for (uint32_t x = 0; x < w; ++x) z[size_t{2 * oh} * w + x] = 0;
    }
    if (w > 2 * ow) {
      for (uint32_t y = 0; y < h; ++y) z[size_t{y} * w + w - 1] = 0;
    }
    for (uint32_t y = 0; y < oh; ++y) {
      int32_t* r0 = z + size_t{2 * y} * w;
      int32_t* r1 = r0 + w;
      for (uint32_t x = 0; x < ow; ++x) {
        const int32_t gv = grad[y * ow + x];
        int32_t* v[4] = {r0 + 2 * x, r0 + 2 * x + 1, r1 + 2 * x, r1 + 2 * x + 1};
        if (g.pool == PoolKind::kAvg2) {
          const int32_t quarter = static_cast<int32_t>(shift_round(gv, 2));
          for (int32_t* p : v) *p = *p > 0 ? quarter : 0;
          continue;
        }
        const uint32_t m = window_max(*v[0], *v[1], *v[2], *v[3]);
        const bool passed = (*v[0] > 0) | (*v[1] > 0) | (*v[2] > 0) | (*v[3] > 0);
        const int32_t routed = passed ? gv : 0;
        *v[0] = m & kMaxA ? routed : 0;
        *v[1] = m & kMaxB ? routed : 0;
        *v[2] = m & kMaxD ? routed : 0;
        *v[3] = m & kMaxE ? routed : 0;
      }
    }
  }
}

}  // namespace

void place_conv_workspace(Mlp* mlp, void* at) {
  MlpState& s = state(*mlp);
  const ConvWorkspace w = conv_workspace(layout_shape_of(*mlp));
  int32_t* base = static_cast<int32_t*>(at);
  s.conv_columns = base;
  s.conv_input_gradient = reinterpret_cast<int64_t*>(base + w.columns);  // columns: an even count
  s.conv_weight_gradient = base + w.columns + w.input_gradient;
}

bool conv_forward(Mlp* mlp, int l, uint32_t rows) {
  MlpState& s = state(*mlp);
  const Layer& d = s.layer[l];
  const ConvShape& g = mlp->sizes.conv[l];
  const uint32_t pixels = g.conv_pixels();
  s.shift_act[l] = static_cast<int8_t>(qgemm_operand_shift(s.act[l], uint64_t{rows} * g.inputs()));
  s.shift_w[l] = static_cast<int8_t>(qgemm_operand_shift(d.w, uint64_t{d.out} * d.in));
  const QOperand w{d.w, d.in, 1, kParamFrac, s.shift_w[l]};
  const QOperand cols{s.conv_columns, pixels, 1, kActFrac, s.shift_act[l]};
  QEpilogue plain;
  plain.out_frac = kActFrac;
  for (uint32_t r = 0; r < rows; ++r) {
    im2col(g, s.act[l] + size_t{r} * g.inputs(), 0, d.in, s.conv_columns);
    int32_t* z = d.pre + size_t{r} * g.conv_outputs();
    if (!qgemm(s.qgemm, mlp->runner, mlp->threads, d.out, pixels, d.in, w, cols, z, pixels, plain)) return false;
    for (uint32_t c = 0; c < d.out; ++c) {
      const int64_t bias = shift_round(d.b[c], kParamFrac - kActFrac);
      int32_t* zc = z + size_t{c} * pixels;
      for (uint32_t i = 0; i < pixels; ++i) {
        const int32_t v = sat32(zc[i] + bias);
        zc[i] = v > 0 ? v : 0;
      }
    }
    if (g.pool != PoolKind::kNone) pool_forward(g, z, s.act[l + 1] + size_t{r} * g.outputs());
  }
  return true;
}

bool conv_weight_grad(Mlp* mlp, int l, uint32_t rows) {
  MlpState& s = state(*mlp);
  Layer& d = s.layer[l];
  const ConvShape& g = mlp->sizes.conv[l];
  const uint32_t pixels = g.conv_pixels();
  if (g.pool != PoolKind::kNone) {
    for (uint32_t r = 0; r < rows; ++r) {
      pool_backward(g, s.act[l + 1] + size_t{r} * g.outputs(), d.pre + size_t{r} * g.conv_outputs());
    }
  }
  const int dz_shift = qgemm_operand_shift(d.pre, uint64_t{rows} * g.conv_outputs());  // for both products
  s.shift_dz_conv[l] = static_cast<int8_t>(dz_shift);
  // dW_r = dZ_r [filters x pixels] by the columns read down their rows [pixels x fan_in].
  const QOperand cols_t{s.conv_columns, 1, pixels, kActFrac, s.shift_act[l]};
  QEpilogue to_param;
  to_param.out_frac = kParamFrac;
  const size_t n = size_t{d.out} * d.in;
  for (uint32_t r = 0; r < rows; ++r) {
    im2col(g, s.act[l] + size_t{r} * g.inputs(), 0, d.in, s.conv_columns);
    const QOperand dz{d.pre + size_t{r} * g.conv_outputs(), pixels, 1, kDzFrac, dz_shift};
    int32_t* sample = r == 0 ? d.dw : s.conv_weight_gradient;
    if (!qgemm(s.qgemm, mlp->runner, mlp->threads, d.out, d.in, pixels, dz, cols_t, sample, d.in, to_param)) {
      return false;
    }
    if (r > 0) {
      for (size_t i = 0; i < n; ++i) d.dw[i] = sat32(int64_t{d.dw[i]} + sample[i]);
    }
  }
  for (uint32_t c = 0; c < d.out; ++c) {
    int64_t sum = 0;
    for (uint32_t r = 0; r < rows; ++r) {
      const int32_t* dz = d.pre + size_t{r} * g.conv_outputs() + size_t{c} * pixels;
      for (uint32_t p = 0; p < pixels; ++p) sum += dz[p];
    }
    d.db[c] = sat32(shift_round(sum, kDzFrac - kParamFrac));
  }
  return true;
}

bool conv_input_grad(Mlp* mlp, int l, uint32_t rows) {
  MlpState& s = state(*mlp);
  const Layer& d = s.layer[l];
  const ConvShape& g = mlp->sizes.conv[l];
  const uint32_t pixels = g.conv_pixels();
  // dcols_r = W^T [fan_in x filters] by dZ_r [filters x pixels], in Q30.
  const QOperand wt{d.w, 1, d.in, kParamFrac, s.shift_w[l]};
  QEpilogue to_dz;
  to_dz.out_frac = kDzFrac;
  for (uint32_t r = 0; r < rows; ++r) {
    const QOperand dz{d.pre + size_t{r} * g.conv_outputs(), pixels, 1, kDzFrac, s.shift_dz_conv[l]};
    if (!qgemm(s.qgemm, mlp->runner, mlp->threads, d.in, pixels, d.out, wt, dz, s.conv_columns, pixels, to_dz)) {
      return false;
    }
    col2im(g, s.conv_columns, s.conv_input_gradient);
    int32_t* a = s.act[l] + size_t{r} * g.inputs();
    for (uint32_t j = 0; j < g.inputs(); ++j) a[j] = a[j] > 0 ? sat32(s.conv_input_gradient[j]) : 0;
  }
  return true;
}

}  // namespace gct::fixed_path
