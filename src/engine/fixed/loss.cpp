// Softmax cross-entropy in fixed point: exp through exp2 (a table), log through a bit-by-bit log2,
// one reciprocal per row.
#include "fixed.hpp"
#include "../loss.hpp"
#include "../row_ranks.hpp"

namespace gct {
namespace {

constexpr int64_t kLog2eQ30 = 1549082005;  // log2(e) * 2^30
constexpr int64_t kLn2Q30 = 744261118;     // ln(2) * 2^30

using detail::row_max;

// e^(z - m) in Q30 for z <= m (Q16 inputs).
inline int64_t exp_shifted(int32_t z, int32_t m) {
  const int64_t d = int64_t{z} - m;  // <= 0, Q16
  return fixed_path::exp2_neg_q16(fixed_path::shift_round(d * kLog2eQ30, 30));
}

// ln(sum in Q30) - (z_label - m) in Q16.
inline int64_t loss_q16(int64_t sum, int32_t z_label, int32_t m) {
  const int64_t ln_sum = fixed_path::shift_round(fixed_path::log2_q16(static_cast<uint64_t>(sum), 30) * kLn2Q30, 30);
  return ln_sum - (int64_t{z_label} - m);
}

}  // namespace

int64_t softmax_cross_entropy_row(const int32_t* z, uint32_t classes, uint32_t label) {
  const int32_t m = row_max(z, classes);
  int64_t sum = 0;
  for (uint32_t j = 0; j < classes; ++j) sum += exp_shifted(z[j], m);
  return loss_q16(sum, z[label], m);
}

int64_t softmax_cross_entropy_grad_row(int32_t* z, uint32_t classes, uint32_t label, uint32_t rows) {
  const int32_t m = row_max(z, classes);
  const int32_t z_label = z[label];
  int64_t sum = 0;  // >= 2^30: the largest logit contributes e^0
  for (uint32_t j = 0; j < classes; ++j) {
    const int64_t e = exp_shifted(z[j], m);
    z[j] = static_cast<int32_t>(e);
    sum += e;
  }
  const int64_t loss = loss_q16(sum, z_label, m);
  // p_j / rows = e_j / (sum * rows); with R = 2^62 / (sum * rows), e_j * R / 2^32 is in Q30.
  const uint64_t den = static_cast<uint64_t>(sum) * rows;
  const uint64_t r = ((uint64_t{1} << 62) + den / 2) / den;  // <= 2^32
  for (uint32_t j = 0; j < classes; ++j) {
    z[j] = static_cast<int32_t>((static_cast<uint64_t>(z[j]) * r + (uint64_t{1} << 31)) >> 32);
  }
  const int64_t one_over_rows = ((int64_t{1} << 30) + rows / 2) / rows;
  z[label] = static_cast<int32_t>(z[label] - one_over_rows);
  return loss;
}

uint32_t label_rank(const int32_t* z, uint32_t classes, uint32_t label) {
  return detail::label_rank(z, classes, label);
}

uint32_t argmax(const int32_t* z, uint32_t classes) { return detail::argmax(z, classes); }

uint32_t elementwise_agreements(const int32_t* z, uint32_t classes, uint32_t label) {
  const int32_t m = row_max(z, classes);
  int64_t sum = 0;
  for (uint32_t j = 0; j < classes; ++j) sum += exp_shifted(z[j], m);
  uint32_t agree = 0;
  for (uint32_t j = 0; j < classes; ++j) {
    const bool predicted = 2 * exp_shifted(z[j], m) > sum;  // p > 0.5
    agree += predicted == (j == label) ? 1u : 0u;
  }
  return agree;
}

}  // namespace gct
