// Private: Softmax cross-entropy and the classification metrics computed from logits.
//
// Numerically stable: log-sum-exp subtracts the row maximum first, so logits of any magnitude
// give a finite loss. Metrics are exact counts, not thresholded scores.
#pragma once

#include <cstdint>

namespace gct {

// Loss of one row: log(sum_j exp(z_j)) - z_label.
double softmax_cross_entropy_row(const float* logits, uint32_t classes, uint32_t label);
// Replaces the logits of one row by scale * (softmax(z) - onehot(label)); returns the row's loss.
double softmax_cross_entropy_grad_row(float* logits, uint32_t classes, uint32_t label, float scale);

// Rank of the true class: the number of classes ranked ahead of it, ties broken by class index
// (as argmax picks the first maximum). Top-k is correct iff rank < k.
uint32_t label_rank(const float* logits, uint32_t classes, uint32_t label);
// Index of the first maximum.
uint32_t argmax(const float* logits, uint32_t classes);
// The old study's "accuracy": over all classes, (softmax > 0.5) == onehot. Returns the number of
// agreeing entries of this row (0..classes).
uint32_t elementwise_agreements(const float* logits, uint32_t classes, uint32_t label);

// Fixed point, logits in Q15.16 (fixed.hpp). The losses are returned in Q16. The gradient variant
// overwrites the row with dLoss/dz = (softmax(z) - onehot) / rows in Q1.30.
int64_t softmax_cross_entropy_row(const int32_t* logits, uint32_t classes, uint32_t label);
int64_t softmax_cross_entropy_grad_row(int32_t* logits, uint32_t classes, uint32_t label, uint32_t rows);
uint32_t label_rank(const int32_t* logits, uint32_t classes, uint32_t label);
uint32_t argmax(const int32_t* logits, uint32_t classes);
uint32_t elementwise_agreements(const int32_t* logits, uint32_t classes, uint32_t label);

}  // namespace gct
