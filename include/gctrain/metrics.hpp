// Classification metrics, computed honestly: exact counts over every evaluated sample.
#pragma once

#include <cstdint>

namespace gct {

struct EvalResult {
  uint32_t count = 0;          // samples evaluated
  double loss_sum = 0.0;       // sum of per-sample cross-entropy
  uint32_t top1 = 0;           // true class ranked first
  uint32_t top5 = 0;           // true class among the five highest logits
  uint32_t coarse_top1 = 0;    // superclass of the top-1 prediction equals the true superclass
  bool has_coarse = false;
  uint64_t elementwise_agree = 0;  // old study's score numerator: (softmax > 0.5) == onehot
  uint32_t classes = 0;

  double loss() const { return count ? loss_sum / count : 0.0; }
  double top1_acc() const { return count ? static_cast<double>(top1) / count : 0.0; }
  double top5_acc() const { return count ? static_cast<double>(top5) / count : 0.0; }
  double coarse_top1_acc() const { return count ? static_cast<double>(coarse_top1) / count : 0.0; }
  double elementwise_acc() const {
    return count ? static_cast<double>(elementwise_agree) / (static_cast<double>(count) * classes) : 0.0;
  }
  // Adds the results of another part of the same split (evaluation in slices).
  void add(const EvalResult& part) {
    count += part.count;
    loss_sum += part.loss_sum;
    top1 += part.top1;
    top5 += part.top5;
    coarse_top1 += part.coarse_top1;
    has_coarse = part.has_coarse;
    elementwise_agree += part.elementwise_agree;
    classes = part.classes;
  }
};

}  // namespace gct
