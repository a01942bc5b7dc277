#include "evaluate.hpp"

#include <cmath>

#include "input.hpp"
#include "path.hpp"

namespace gct {

Status evaluate_split(Mlp* mlp, const DatasetView& format, const void* norm,
                      const DatasetView& data, EvalResult* result) {
  *result = EvalResult{};
  // The whole shape and the layout, not only the sample's size: 1x16x1 pixels are not a 1x4x4
  // image, and interleaved pixels read as planar ones are noise with the right statistics.
  if (data.channels != format.channels || data.height != format.height || data.width != format.width ||
      data.layout != format.layout) {
    return Status::Error(Code::kShapeMismatch, "evaluation data has %ux%ux%u %s samples, the model's are %ux%ux%u %s",
                         data.channels, data.height, data.width, layout_name(data.layout), format.channels,
                         format.height, format.width, layout_name(format.layout));
  }
  if (data.num_fine != format.num_fine) {
    return Status::Error(Code::kShapeMismatch, "evaluation data has %u classes, the model %u",
                         data.num_fine, format.num_fine);
  }
  const uint32_t classes = mlp->sizes.output();
  const bool has_coarse = data.coarse != nullptr && data.fine_to_coarse != nullptr;
  result->has_coarse = has_coarse;
  result->classes = classes;
  const ArithmeticPath& path = arithmetic_path(mlp->scalar);
  for (uint32_t first = 0; first < data.count; first += mlp->batch) {
    const uint32_t left = data.count - first;
    const uint32_t rows = left < mlp->batch ? left : mlp->batch;
    load_consecutive(mlp, data, norm, first, rows);
    GCT_RETURN_IF_ERROR(mlp_forward(mlp, rows));
    for (uint32_t r = 0; r < rows; ++r) {
      const uint32_t label = data.fine[first + r];
      if (label >= classes) {
        return Status::Error(Code::kCorruptData, "record %u: label %u out of range (0..%u)",
                             static_cast<unsigned>(first + r), static_cast<unsigned>(label), static_cast<unsigned>(classes - 1));
      }
      const RowScore score = path.score_row(*mlp, r, label);
      result->loss_sum += score.loss;
      result->elementwise_agree += score.elementwise;
      result->top1 += score.rank == 0 ? 1u : 0u;
      result->top5 += score.rank < 5 ? 1u : 0u;
      if (has_coarse) {
        result->coarse_top1 += data.fine_to_coarse[score.predicted] == data.coarse[first + r] ? 1u : 0u;
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
