// The Mlp in float32: tensors carved from the arena, products through dense/ (Eigen, the AVX-512
// kernels or the Cortex-M loops, whichever this build has).
#include <cmath>
#include <cstring>

#include "../conv/conv.hpp"
#include "../dense/products.hpp"
#include "../carve.hpp"
#include "../path.hpp"
#include "state.hpp"
#include "../loss.hpp"

namespace gct::float_path {

void mlp_layout(Mlp* mlp, Arena* arena) {
  MlpState& s = *new (mlp->arithmetic) MlpState{};
  for (int l = 0; l < mlp->num_layers; ++l) {
    s.layer[l].in = mlp->sizes.weight_cols(l);
    s.layer[l].out = mlp->sizes.weight_rows(l);
  }
  carve_model(
      *mlp, arena,
      [&](Piece p, int l, void* at) {
        if (p == Piece::kConvOutput) {
          s.layer[l].pre = static_cast<float*>(at);
        } else if (p == Piece::kConvWorkspace) {
          if (kWithConv) conv::place_workspace(mlp, at);
        } else {
          place_model_piece(s, p, l, at);
        }
      },
      [&] { dense::layout(mlp, arena); });
  for (int l = 0; l < mlp->num_layers; ++l) {
    if (s.layer[l].pre == nullptr) s.layer[l].pre = s.act[l + 1];
  }
}

// A uniform deviate in (-1, 1), symmetric: the 32-bit draw's midpoint.
static double uniform_pm1(Rng* rng) {
  return (static_cast<double>(rng_next_u32(rng)) + 0.5) * (2.0 / 4294967296.0) - 1.0;
}

void mlp_init_params(Mlp* mlp, Rng* rng, InitScheme scheme) {
  MlpState& s = state(*mlp);
  for (int l = 0; l < mlp->num_layers; ++l) {
    Layer& d = s.layer[l];
    const size_t n = size_t{d.out} * d.in;
    const uint32_t taps = mlp->sizes.conv[l].is_conv() ? uint32_t{mlp->sizes.conv[l].kernel} * mlp->sizes.conv[l].kernel : 1;
    const double fan_in = d.in, fan_out = static_cast<double>(d.out) * taps;  // PyTorch's fans of a convolution
    if (scheme == InitScheme::kHeNormal) {
      const float std_dev = std::sqrt(2.0f / static_cast<float>(d.in));
      for (size_t i = 0; i < n; ++i) d.w[i] = std_dev * rng_normal(rng);
    } else {
      const double bound = scheme == InitScheme::kHeUniform       ? std::sqrt(6.0 / fan_in)
                           : scheme == InitScheme::kXavierUniform ? std::sqrt(6.0 / (fan_in + fan_out))
                                                                  : 1.0 / std::sqrt(fan_in);
      for (size_t i = 0; i < n; ++i) d.w[i] = static_cast<float>(bound * uniform_pm1(rng));
    }
    if (scheme == InitScheme::kTorch) {
      const double bound = 1.0 / std::sqrt(fan_in);
      for (uint32_t i = 0; i < d.out; ++i) d.b[i] = static_cast<float>(bound * uniform_pm1(rng));
    } else {
      std::memset(d.b, 0, sizeof(float) * d.out);
    }
  }
}

static Status gemm_failed(const char* what, int layer) {
  return Status::Error(Code::kArenaTooSmall, "%s product of layer %d needs more GEMM workspace than planned",
                       what, layer + 1);
}

Status mlp_forward(Mlp* mlp, uint32_t rows) {
  for (int l = 0; l < mlp->num_layers; ++l) {
    if (conv_layer(mlp->sizes, l)) {
      if (!conv::forward(mlp, l, rows)) return gemm_failed("forward", l);
    } else if (!dense::forward(mlp, l, rows)) {
      return gemm_failed("forward", l);
    }
  }
  return Status::Ok();
}

Status mlp_backward(Mlp* mlp, const uint8_t* labels, uint32_t rows, BatchLoss* loss) {
  MlpState& s = state(*mlp);
  const int L = mlp->num_layers;
  const uint32_t classes = mlp->sizes.output();
  float* logits = s.act[L];
  const float scale = 1.0f / static_cast<float>(rows);
  double loss_sum = 0.0;
  for (uint32_t r = 0; r < rows; ++r) {
    if (labels[r] >= classes) {
      return Status::Error(Code::kCorruptData, "label %u out of range (model has %u classes)",
                           labels[r], static_cast<unsigned>(classes));
    }
    loss_sum += softmax_cross_entropy_grad_row(logits + size_t{r} * classes, classes, labels[r], scale);
  }
  loss->loss_sum = loss_sum;
  loss->rows = rows;
  return backward_products(mlp, rows);
}

Status backward_products(Mlp* mlp, uint32_t rows) {
  for (int l = mlp->num_layers - 1; l >= mlp->frozen; --l) {
    if (conv_layer(mlp->sizes, l)) {
      if (!conv::weight_grad(mlp, l, rows)) return gemm_failed("weight-gradient", l);
      if (l > mlp->frozen && !conv::input_grad(mlp, l, rows)) return gemm_failed("input-gradient", l);
      continue;
    }
    if (!dense::weight_grad(mlp, l, rows)) return gemm_failed("weight-gradient", l);
    // The input gradient of the lowest trainable layer would feed only frozen layers (or, for layer 1,
    // the data): nothing consumes it.
    if (l > mlp->frozen && !dense::input_grad(mlp, l, rows)) return gemm_failed("input-gradient", l);
  }
  return Status::Ok();
}

}  // namespace gct::float_path
