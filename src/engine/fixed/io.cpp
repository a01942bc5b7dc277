// What the shared code reads and writes through the fixed-point path: parameters, optimizer state,
// the input batch (Q16) and the logits (Q16).
#include <cmath>
#include <cstring>

#include "../row_ranks.hpp"
#include "fixed.hpp"
#include "../loss.hpp"
#include "../path.hpp"
#include "state.hpp"

namespace gct::fixed_path {

void* weights(const Mlp& m, int l) { return state(m).layer[l].w; }
void* biases(const Mlp& m, int l) { return state(m).layer[l].b; }

void use_parameters(Mlp* m, int l, const void* w, const void* b) {
  Layer& d = state(*m).layer[l];
  d.w = static_cast<int32_t*>(const_cast<void*>(w));
  d.b = static_cast<int32_t*>(const_cast<void*>(b));
}

// First moments, then second, as the float32 path and the checkpoints order them.
void each_state_tensor(const OptimizerState& opt, const Mlp& m, TensorVisit visit, void* context) {
  const OptimizerTensors& o = state(opt);
  for (int l = m.frozen; l < m.num_layers; ++l) {  // frozen layers keep no optimizer state
    const Layer& d = state(m).layer[l];
    if (o.first[l].w != nullptr) {
      visit(context, o.first[l].w, size_t{d.out} * d.in * sizeof(int32_t), TensorRole::kFirstMoment);
      visit(context, o.first[l].b, size_t{d.out} * sizeof(int32_t), TensorRole::kFirstMoment);
    }
    if (o.second[l].w != nullptr) {
      visit(context, o.second[l].w, size_t{d.out} * d.in * sizeof(int64_t), TensorRole::kSecondMoment);
      visit(context, o.second[l].b, size_t{d.out} * sizeof(int64_t), TensorRole::kSecondMoment);
    }
  }
}

// Every int32 is a parameter or a first moment of its Q format (the rules saturate to it); a second
// moment is a sum or mean of squares, in [0, 2^62] (optimizer.cpp's sat_add64), which keeps the
// rules' int64 differences from overflowing.
const char* check_stored(TensorRole role, const uint8_t* bytes, size_t n) {
  if (role != TensorRole::kSecondMoment) return nullptr;
  constexpr int64_t kMax = int64_t{1} << 62;
  for (size_t j = 0; j + 8 <= n; j += 8) {
    int64_t v;
    std::memcpy(&v, bytes + j, sizeof v);
    if (v < 0) return "a negative second moment";
    if (v > kMax) return "a second moment above 2^62";
  }
  return nullptr;
}

// No floating point in the step, not even for the reported loss (Q16 sum -> Q32 mean, assembled as
// a double from bits); it cannot be NaN, and the parameters cannot be either.
double mean_loss(const BatchLoss& loss, uint32_t rows) { return q_to_double(loss.loss_q16 * 65536 / rows, 32); }

void input_normalisation(const DatasetView& format, void* out) {
  // Single correctly rounded IEEE operations and an exact rounding: the same integers on every
  // target. Training itself never touches floating point.
  int32_t* qnorm = static_cast<int32_t*>(out);
  for (int c = 0; c < format.channels; ++c) {
    const double std_dev = static_cast<double>(format.stddev[c]);
    qnorm[2 * c] = static_cast<int32_t>(std::llround(16777216.0 / (255.0 * std_dev)));
    qnorm[2 * c + 1] = static_cast<int32_t>(std::llround(-16777216.0 * static_cast<double>(format.mean[c]) / std_dev));
  }
}

void load_sample(Mlp* mlp, const void* norm, const DatasetView& data, const uint8_t* sample, uint32_t row,
                 const Augment* augment) {
  MlpState& s = state(*mlp);
  const FixedInput put{static_cast<const int32_t*>(norm), s.act[0] + size_t{row} * data.sample_size()};
  if (augment != nullptr) {
    load_augmented(data, sample, *augment, put);
  } else {
    load_plain(data, sample, put);
  }
}

// Inputs already normalised, rounded into the input format (Q16).
void load_inputs(Mlp* mlp, const float* inputs, size_t count) {
  MlpState& s = state(*mlp);
  const double one = static_cast<double>(int64_t{1} << kActFrac);
  for (size_t i = 0; i < count; ++i) {
    const double v = static_cast<double>(inputs[i]) * one;  // NaN becomes 0, the rest saturates
    const double c = !(v == v) ? 0.0 : (v < -2147483648.0 ? -2147483648.0 : (v > 2147483647.0 ? 2147483647.0 : v));
    s.act[0][i] = static_cast<int32_t>(std::llround(c));
  }
}

static const int32_t* logits_row(const Mlp& m, uint32_t row) {
  const MlpState& s = state(m);
  return s.act[m.num_layers] + size_t{row} * m.sizes.output();
}

RowScore score_row(const Mlp& m, uint32_t row, uint32_t label) {
  const uint32_t classes = m.sizes.output();
  const int32_t* z = logits_row(m, row);
  return RowScore{static_cast<double>(softmax_cross_entropy_row(z, classes, label)) / 65536.0,
                  label_rank(z, classes, label), argmax(z, classes), elementwise_agreements(z, classes, label)};
}

void top_k(const Mlp& m, uint32_t row, uint32_t k, uint16_t* top) {
  detail::top_k(logits_row(m, row), m.sizes.output(), k, top);
}

// The Q16 logits as floats, the only floating point a prediction needs.
void logits_as_float(const Mlp& m, uint32_t row, float* z) {
  const int32_t* q = logits_row(m, row);
  for (uint32_t j = 0; j < m.sizes.output(); ++j) z[j] = static_cast<float>(q[j]) / static_cast<float>(1 << kActFrac);
}

}  // namespace gct::fixed_path
