#include "evaluate.hpp"

#include <cmath>

#include "arithmetic.hpp"
#include "gctrain/loss.hpp"
#include "input.hpp"

namespace gct {

Status evaluate_split(Mlp* mlp, const DatasetView& format, const float* norm, const int32_t* qnorm,
                      const DatasetView& data, EvalResult* result) {
  *result = EvalResult{};
  if (data.sample_size() != format.sample_size() || data.channels != format.channels ||
      data.layout != format.layout) {
    return Status::Error(Code::kShapeMismatch,
                         "evaluation data has %ux%ux%u samples, the model's %ux%ux%u",
                         data.channels, data.height, data.width, format.channels,
                         format.height, format.width);
  }
  if (data.num_fine != format.num_fine) {
    return Status::Error(Code::kShapeMismatch, "evaluation data has %u classes, the model %u",
                         data.num_fine, format.num_fine);
  }
  const uint32_t classes = mlp->sizes.output();
  const bool has_coarse = data.coarse != nullptr && data.fine_to_coarse != nullptr;
  result->has_coarse = has_coarse;
  result->classes = classes;
  const bool fixed = is_fixed(mlp->scalar);
  const float* logits_base = mlp->act[mlp->num_layers];
  const int32_t* qlogits_base = mlp->qact[mlp->num_layers];
  for (uint32_t first = 0; first < data.count; first += mlp->batch) {
    const uint32_t left = data.count - first;
    const uint32_t rows = left < mlp->batch ? left : mlp->batch;
    load_consecutive(mlp, data, norm, qnorm, first, rows);
    GCT_RETURN_IF_ERROR(mlp_forward(mlp, rows));
    for (uint32_t r = 0; r < rows; ++r) {
      const uint32_t label = data.fine[first + r];
      if (label >= classes) {
        return Status::Error(Code::kCorruptData, "record %u: label %u out of range (0..%u)",
                             static_cast<unsigned>(first + r), static_cast<unsigned>(label), static_cast<unsigned>(classes - 1));
      }
      uint32_t rank, predicted;
      if (fixed) {
        const int32_t* z = qlogits_base + size_t{r} * classes;
        result->loss_sum += static_cast<double>(softmax_cross_entropy_row_q(z, classes, label)) / 65536.0;
        rank = label_rank(z, classes, label);
        predicted = argmax(z, classes);
        result->elementwise_agree += elementwise_agreements(z, classes, label);
      } else {
        const float* z = logits_base + size_t{r} * classes;
        result->loss_sum += softmax_cross_entropy_row(z, classes, label);
        rank = label_rank(z, classes, label);
        predicted = argmax(z, classes);
        result->elementwise_agree += elementwise_agreements(z, classes, label);
      }
      result->top1 += rank == 0 ? 1u : 0u;
      result->top5 += rank < 5 ? 1u : 0u;
      if (has_coarse) {
        result->coarse_top1 += data.fine_to_coarse[predicted] == data.coarse[first + r] ? 1u : 0u;
      }
    }
    result->count += rows;
  }
  if (!std::isfinite(result->loss_sum)) {
    return Status::Error(Code::kNumericalError, "the loss is not finite (the weights overflowed)");
  }
  return Status::Ok();
}


}  // namespace gct
