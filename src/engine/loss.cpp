#include "loss.hpp"

#include <cmath>

#include "row_ranks.hpp"

namespace gct {

using detail::row_max;

double softmax_cross_entropy_row(const float* z, uint32_t classes, uint32_t label) {
  const float m = row_max(z, classes);
  double sum = 0.0;
  for (uint32_t j = 0; j < classes; ++j) sum += std::exp(static_cast<double>(z[j] - m));
  return std::log(sum) + static_cast<double>(m) - static_cast<double>(z[label]);
}

double softmax_cross_entropy_grad_row(float* z, uint32_t classes, uint32_t label, float scale) {
  const float m = row_max(z, classes);
  const float shifted_label = z[label] - m;
  float sum = 0.0f;
  for (uint32_t j = 0; j < classes; ++j) {
    z[j] = std::exp(z[j] - m);
    sum += z[j];
  }
  const double loss = std::log(static_cast<double>(sum)) - static_cast<double>(shifted_label);
  const float inv = scale / sum;
  for (uint32_t j = 0; j < classes; ++j) z[j] *= inv;
  z[label] -= scale;
  return loss;
}

uint32_t label_rank(const float* z, uint32_t classes, uint32_t label) {
  return detail::label_rank(z, classes, label);
}

uint32_t argmax(const float* z, uint32_t classes) { return detail::argmax(z, classes); }

uint32_t elementwise_agreements(const float* z, uint32_t classes, uint32_t label) {
  const float m = row_max(z, classes);
  double sum = 0.0;
  for (uint32_t j = 0; j < classes; ++j) sum += std::exp(static_cast<double>(z[j] - m));
  uint32_t agree = 0;
  for (uint32_t j = 0; j < classes; ++j) {
    const double p = std::exp(static_cast<double>(z[j] - m)) / sum;
    const bool predicted = p > 0.5;
    const bool truth = j == label;
    agree += predicted == truth ? 1u : 0u;
  }
  return agree;
}

}  // namespace gct
