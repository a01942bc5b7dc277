#include "prediction.hpp"

#include <cmath>

#include "arithmetic.hpp"
#include "gctrain/fixed.hpp"
#include "input.hpp"

namespace gct {

Status check_prediction(const Prediction& out, uint32_t classes) {
  if (out.top != nullptr && (out.k == 0 || out.k > classes)) {
    return Status::Error(Code::kInvalidArgument, "top-%u asked of a model with %u classes",
                         static_cast<unsigned>(out.k), static_cast<unsigned>(classes));
  }
  return Status::Ok();
}

namespace {

// The k largest of z, largest first; of equal values the lower index, as argmax and label_rank
// count them. k passes over the row: k is small, and nothing needs sorting.
template <typename T>
void top_k(const T* z, uint32_t classes, uint32_t k, uint16_t* top) {
  for (uint32_t i = 0; i < k; ++i) {
    uint32_t best = classes;
    for (uint32_t j = 0; j < classes; ++j) {
      bool taken = false;
      for (uint32_t p = 0; p < i && !taken; ++p) taken = top[p] == j;
      if (!taken && (best == classes || z[j] > z[best])) best = j;
    }
    top[i] = static_cast<uint16_t>(best);
  }
}

void softmax(const float* z, uint32_t classes, float* p) {
  float max = z[0];
  for (uint32_t j = 1; j < classes; ++j) max = z[j] > max ? z[j] : max;
  double sum = 0.0;
  for (uint32_t j = 0; j < classes; ++j) sum += std::exp(static_cast<double>(z[j] - max));
  for (uint32_t j = 0; j < classes; ++j) p[j] = static_cast<float>(std::exp(static_cast<double>(z[j] - max)) / sum);
}

}  // namespace

void write_prediction(const Mlp& mlp, uint32_t rows, const Prediction& out) {
  const uint32_t classes = mlp.sizes.output();
  const bool fixed = is_fixed(mlp.scalar);
  const float* logits = mlp.act[mlp.num_layers];
  const int32_t* qlogits = mlp.qact[mlp.num_layers];
  for (uint32_t r = 0; r < rows; ++r) {
    const size_t row = size_t{r} * classes;
    if (out.top != nullptr) {
      if (fixed) {
        top_k(qlogits + row, classes, out.k, out.top + size_t{r} * out.k);
      } else {
        top_k(logits + row, classes, out.k, out.top + size_t{r} * out.k);
      }
    }
    if (out.logits == nullptr && out.probabilities == nullptr) continue;
    // Fixed point: the Q16 logits as floats, the only floating point a prediction needs.
    float* z = out.logits != nullptr ? out.logits + row : out.probabilities + row;
    for (uint32_t j = 0; j < classes; ++j) {
      z[j] = fixed ? static_cast<float>(qlogits[row + j]) / static_cast<float>(1 << fx::kActFrac) : logits[row + j];
    }
    if (out.probabilities != nullptr) softmax(z, classes, out.probabilities + row);
  }
}

Status predict_samples(Mlp* mlp, const DatasetView& format, const float* norm, const int32_t* qnorm,
                       const Samples& samples, const Prediction& out) {
  GCT_RETURN_IF_ERROR(check_prediction(out, mlp->sizes.output()));
  GCT_RETURN_IF_ERROR(load_samples(mlp, format, norm, qnorm, samples));
  GCT_RETURN_IF_ERROR(mlp_forward(mlp, samples.rows));
  write_prediction(*mlp, samples.rows, out);
  return Status::Ok();
}

}  // namespace gct
