#include "prediction.hpp"

#include <cmath>

#include "input.hpp"
#include "path.hpp"

namespace gct {

Status check_prediction(const Prediction& out, uint32_t classes) {
  if (out.top != nullptr && (out.k == 0 || out.k > classes)) {
    return Status::Error(Code::kInvalidArgument, "top-%u asked of a model with %u classes",
                         static_cast<unsigned>(out.k), static_cast<unsigned>(classes));
  }
  return Status::Ok();
}

namespace {

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
  const ArithmeticPath& path = arithmetic_path(mlp.scalar);
  for (uint32_t r = 0; r < rows; ++r) {
    const size_t row = size_t{r} * classes;
    if (out.top != nullptr) path.top_k(mlp, r, out.k, out.top + size_t{r} * out.k);
    if (out.logits == nullptr && out.probabilities == nullptr) continue;
    float* z = out.logits != nullptr ? out.logits + row : out.probabilities + row;
    path.logits_as_float(mlp, r, z);
    if (out.probabilities != nullptr) softmax(z, classes, out.probabilities + row);
  }
}

Status predict_samples(Mlp* mlp, const DatasetView& format, const void* norm,
                       const Samples& samples, const Prediction& out) {
  GCT_RETURN_IF_ERROR(check_prediction(out, mlp->sizes.output()));
  GCT_RETURN_IF_ERROR(load_samples(mlp, format, norm, samples));
  GCT_RETURN_IF_ERROR(mlp_forward(mlp, samples.rows));
  write_prediction(*mlp, samples.rows, out);
  return Status::Ok();
}

}  // namespace gct
