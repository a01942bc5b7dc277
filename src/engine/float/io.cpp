// What the shared code reads and writes through the float32 path: parameters, optimizer state,
// the input batch and the logits.
#include <cstring>
#include <initializer_list>

#include "../finite.hpp"
#include "../row_ranks.hpp"
#include "../path.hpp"
#include "state.hpp"
#include "../loss.hpp"

namespace gct::float_path {

void* weights(const Mlp& m, int l) { return state(m).layer[l].w; }
void* biases(const Mlp& m, int l) { return state(m).layer[l].b; }

void use_parameters(Mlp* m, int l, const void* w, const void* b) {
  Layer& d = state(*m).layer[l];
  d.w = static_cast<float*>(const_cast<void*>(w));
  d.b = static_cast<float*>(const_cast<void*>(b));
}

// First moments, then second, as the fixed-point path and the checkpoints order them.
void each_state_tensor(const OptimizerState& opt, const Mlp& m, TensorVisit visit, void* context) {
  const MlpState& s = state(m);
  const OptimizerTensors& o = state(opt);
  for (int l = m.frozen; l < m.num_layers; ++l) {  // frozen layers keep no optimizer state
    const Layer& d = s.layer[l];
    const TensorRole roles[2] = {TensorRole::kFirstMoment, TensorRole::kSecondMoment};
    const StateTensors tensors[2] = {o.first[l], o.second[l]};
    for (int i = 0; i < 2; ++i) {
      if (tensors[i].w == nullptr) continue;
      visit(context, tensors[i].w, size_t{d.out} * d.in * sizeof(float), roles[i]);
      visit(context, tensors[i].b, size_t{d.out} * sizeof(float), roles[i]);
    }
  }
}

// A second moment may be +inf: a step whose g * g overflows stores it and updates by m / inf = 0,
// and the weights stay finite. NaN, a negative second moment or an infinite weight or first moment
// no successful step leaves (the step refuses non-finite weights).
const char* check_stored(TensorRole role, const uint8_t* bytes, size_t n) {
  constexpr uint32_t kInf = 0x7F800000u;
  uint32_t nan = 0, infinite = 0, negative = 0;
  for (size_t j = 0; j + 4 <= n; j += 4) {
    uint32_t bits;
    std::memcpy(&bits, bytes + j, sizeof bits);
    const uint32_t magnitude = bits & 0x7FFFFFFFu;
    nan |= static_cast<uint32_t>(magnitude > kInf);
    infinite |= static_cast<uint32_t>(magnitude == kInf);
    negative |= static_cast<uint32_t>(bits > 0x80000000u);  // below zero, -inf too; -0 is zero
  }
  if (nan) return "a NaN";
  if (role == TensorRole::kSecondMoment) return negative ? "a negative second moment" : nullptr;
  return infinite ? "an infinite value" : nullptr;
}

double mean_loss(const BatchLoss& loss, uint32_t rows) { return loss.loss_sum / rows; }

int first_non_finite_layer(const Mlp& m) {
  const MlpState& s = state(m);
  for (int l = 0; l < m.num_layers; ++l) {
    const Layer& d = s.layer[l];
    if (any_non_finite(d.w, uint64_t{d.out} * d.in) || any_non_finite(d.b, d.out)) return l + 1;
  }
  return 0;
}

void input_normalisation(const DatasetView& format, void* out) {
  // x = (v / 255 - mean) / std = v * scale + offset: one multiply-add per pixel, which vectorises
  // (a 256-entry table lookup per pixel does not, and cost 8 % of a step).
  float* norm = static_cast<float*>(out);
  for (int c = 0; c < format.channels; ++c) {
    const float inv_std = 1.0f / format.stddev[c];
    norm[2 * c] = inv_std / 255.0f;
    norm[2 * c + 1] = -format.mean[c] * inv_std;
  }
}

void load_sample(Mlp* mlp, const void* norm, const DatasetView& data, const uint8_t* sample, uint32_t row,
                 const Augment* augment) {
  MlpState& s = state(*mlp);
  const FloatInput put{static_cast<const float*>(norm), s.act[0] + size_t{row} * data.sample_size()};
  if (augment != nullptr) {
    load_augmented(data, sample, *augment, put);
  } else {
    load_plain(data, sample, put);
  }
}

void load_inputs(Mlp* mlp, const float* inputs, size_t count) {
  std::memcpy(state(*mlp).act[0], inputs, count * sizeof(float));
}

static const float* logits_row(const Mlp& m, uint32_t row) {
  const MlpState& s = state(m);
  return s.act[m.num_layers] + size_t{row} * m.sizes.output();
}

RowScore score_row(const Mlp& m, uint32_t row, uint32_t label) {
  const uint32_t classes = m.sizes.output();
  const float* z = logits_row(m, row);
  return RowScore{softmax_cross_entropy_row(z, classes, label), label_rank(z, classes, label), argmax(z, classes),
                  elementwise_agreements(z, classes, label)};
}

void top_k(const Mlp& m, uint32_t row, uint32_t k, uint16_t* top) {
  detail::top_k(logits_row(m, row), m.sizes.output(), k, top);
}

void logits_as_float(const Mlp& m, uint32_t row, float* z) {
  std::memcpy(z, logits_row(m, row), sizeof(float) * m.sizes.output());
}

}  // namespace gct::float_path
