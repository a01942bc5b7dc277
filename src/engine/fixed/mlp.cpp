// The Mlp in fixed point: the same layout and passes as float/mlp.cpp, with int32 tensors and the
// integer products of qgemm.cpp. Bias and ReLU are fused into the forward product's store, the
// backward ReLU into the input-gradient product's store.
#include <cstring>

#include "fixed.hpp"
#include "../loss.hpp"
#include "../carve.hpp"
#include "../path.hpp"
#include "conv.hpp"
#include "state.hpp"

namespace gct::fixed_path {

void mlp_layout(Mlp* mlp, Arena* arena) {
  MlpState& s = *new (mlp->arithmetic) MlpState{};
  for (int l = 0; l < mlp->num_layers; ++l) {
    s.layer[l].in = mlp->sizes.weight_cols(l);
    s.layer[l].out = mlp->sizes.weight_rows(l);
  }
  auto products = [&] {
    const PackedPairs pairs = fixed_products_pairs(layout_shape_of(*mlp));
    s.qgemm.a_pairs = pairs.a;
    s.qgemm.b_pairs = pairs.b;
    qgemm_workspace_layout(&s.qgemm, arena);
  };
  auto place = [&](Piece p, int l, void* at) {
    if (p == Piece::kConvOutput) {
      s.layer[l].pre = static_cast<int32_t*>(at);
    } else if (p == Piece::kConvWorkspace) {
      if (kWithConv) place_conv_workspace(mlp, at);
    } else {
      place_model_piece(s, p, l, at);
    }
  };
  carve_model(*mlp, arena, place, products);
  for (int l = 0; l < mlp->num_layers; ++l) {
    if (s.layer[l].pre == nullptr) s.layer[l].pre = s.act[l + 1];
  }
}

// Irwin-Hall: the sum of 12 uniforms minus 6 has mean 0 and variance 1 (range +-6), Q24.
static int64_t normal_q24(Rng* rng) {
  int64_t sum = 0;
  for (int i = 0; i < 12; ++i) sum += rng_next_u32(rng);
  return (sum - (int64_t{6} << 32)) >> 8;
}

// sqrt(num / den) in Q28, with integer operations only.
static int64_t sqrt_ratio_q28(uint64_t num, uint64_t den) {
  return static_cast<int64_t>(sqrt_q((num << kSqFrac) / den, kSqFrac, 28));
}

// A uniform deviate in [-bound, bound) in Q28: a 32-bit draw, centred and scaled.
static int32_t uniform_q28(Rng* rng, int64_t bound_q28) {
  const int64_t centred = static_cast<int64_t>(rng_next_u32(rng)) - (int64_t{1} << 31);
  return sat32(shift_round(centred * bound_q28, 31));
}

void mlp_init_params(Mlp* mlp, Rng* rng, InitScheme scheme) {
  MlpState& s = state(*mlp);
  for (int l = 0; l < mlp->num_layers; ++l) {
    Layer& d = s.layer[l];
    const size_t n = size_t{d.out} * d.in;
    const ConvShape& g = mlp->sizes.conv[l];
    const uint64_t fan_out = uint64_t{d.out} * (g.is_conv() ? uint64_t{g.kernel} * g.kernel : 1);  // PyTorch's
    if (scheme == InitScheme::kHeNormal) {
      const int64_t std_q28 = sqrt_ratio_q28(2, d.in);
      for (size_t i = 0; i < n; ++i) d.w[i] = sat32(shift_round(normal_q24(rng) * std_q28, 24));
    } else {
      const int64_t bound = scheme == InitScheme::kHeUniform       ? sqrt_ratio_q28(6, d.in)
                            : scheme == InitScheme::kXavierUniform ? sqrt_ratio_q28(6, uint64_t{d.in} + fan_out)
                                                                   : sqrt_ratio_q28(1, d.in);
      for (size_t i = 0; i < n; ++i) d.w[i] = uniform_q28(rng, bound);
    }
    if (scheme == InitScheme::kTorch) {
      const int64_t bound = sqrt_ratio_q28(1, d.in);
      for (uint32_t i = 0; i < d.out; ++i) d.b[i] = uniform_q28(rng, bound);
    } else {
      std::memset(d.b, 0, sizeof(int32_t) * d.out);
    }
  }
}

static Status gemm_failed(const char* what, int layer) {
  return Status::Error(Code::kArenaTooSmall, "%s product of layer %d needs more GEMM workspace than planned",
                       what, layer + 1);
}

Status mlp_forward(Mlp* mlp, uint32_t rows) {
  MlpState& s = state(*mlp);
  const int L = mlp->num_layers;
  for (int l = 0; l < L; ++l) {
    const Layer& d = s.layer[l];
    if (conv_layer(mlp->sizes, l)) {
      if (!conv_forward(mlp, l, rows)) return gemm_failed("forward", l);
      continue;
    }
    s.shift_act[l] = static_cast<int8_t>(qgemm_operand_shift(s.act[l], uint64_t{rows} * d.in));
    s.shift_w[l] = static_cast<int8_t>(qgemm_operand_shift(d.w, uint64_t{d.out} * d.in));
    const QOperand x{s.act[l], d.in, 1, kActFrac, s.shift_act[l]};
    const QOperand wt{d.w, 1, d.in, kParamFrac, s.shift_w[l]};  // W^T: element (k, j) = W[j][k]
    QEpilogue ep;
    ep.out_frac = kActFrac;
    ep.bias = d.b;
    ep.bias_frac = kParamFrac;
    ep.relu = l + 1 < L;
    if (!qgemm(s.qgemm, mlp->runner, mlp->threads, rows, d.out, d.in, x, wt, s.act[l + 1], d.out, ep)) {
      return gemm_failed("forward", l);
    }
  }
  return Status::Ok();
}

Status mlp_backward(Mlp* mlp, const uint8_t* labels, uint32_t rows, BatchLoss* loss) {
  MlpState& s = state(*mlp);
  const int L = mlp->num_layers;
  const uint32_t classes = mlp->sizes.output();
  int32_t* logits = s.act[L];
  int64_t loss_q16 = 0;
  for (uint32_t r = 0; r < rows; ++r) {
    if (labels[r] >= classes) {
      return Status::Error(Code::kCorruptData, "label %u out of range (model has %u classes)", labels[r],
                           static_cast<unsigned>(classes));
    }
    loss_q16 += softmax_cross_entropy_grad_row(logits + size_t{r} * classes, classes, labels[r], rows);
  }
  loss->loss_q16 = loss_q16;
  loss->loss_sum = q_to_double(loss_q16, 16);  // integer operations only
  loss->rows = rows;
  return backward_products(mlp, rows);
}

Status backward_products(Mlp* mlp, uint32_t rows) {
  MlpState& s = state(*mlp);
  for (int l = mlp->num_layers - 1; l >= mlp->frozen; --l) {
    Layer& d = s.layer[l];
    if (conv_layer(mlp->sizes, l)) {
      if (!conv_weight_grad(mlp, l, rows)) return gemm_failed("weight-gradient", l);
      if (l > mlp->frozen && !conv_input_grad(mlp, l, rows)) return gemm_failed("input-gradient", l);
      continue;
    }
    const int32_t* dz = s.act[l + 1];  // [rows x out], Q30
    const int dz_shift = qgemm_operand_shift(dz, uint64_t{rows} * d.out);  // for both products
    // dW = dZ^T X
    const QOperand dzt{dz, 1, d.out, kDzFrac, dz_shift};
    const QOperand x{s.act[l], d.in, 1, kActFrac, s.shift_act[l]};
    QEpilogue to_param;
    to_param.out_frac = kParamFrac;
    if (!qgemm(s.qgemm, mlp->runner, mlp->threads, d.out, d.in, rows, dzt, x, d.dw, d.in, to_param)) {
      return gemm_failed("weight-gradient", l);
    }
    for (uint32_t j = 0; j < d.out; ++j) {
      int64_t sum = 0;
      for (uint32_t r = 0; r < rows; ++r) sum += dz[size_t{r} * d.out + j];
      d.db[j] = sat32(shift_round(sum, kDzFrac - kParamFrac));
    }
    if (l == mlp->frozen) break;  // nothing below consumes this layer's input gradient
    // dZ_{l-1} = (dZ W) * (act > 0), stored over the activation.
    const QOperand dzm{dz, d.out, 1, kDzFrac, dz_shift};
    const QOperand w{d.w, d.in, 1, kParamFrac, s.shift_w[l]};
    QEpilogue masked;
    masked.out_frac = kDzFrac;
    masked.mask_in_place = true;
    if (!qgemm(s.qgemm, mlp->runner, mlp->threads, rows, d.in, d.out, dzm, w, s.act[l], d.in, masked)) {
      return gemm_failed("input-gradient", l);
    }
  }
  return Status::Ok();
}

}  // namespace gct::fixed_path
