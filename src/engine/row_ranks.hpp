// Private: order statistics of one row of logits, for any scalar type (float32 and fixed point
// share them). Not part of the public API.
#pragma once

#include <cstdint>

namespace gct::detail {

template <typename T>
T row_max(const T* z, uint32_t n) {
  T m = z[0];
  for (uint32_t j = 1; j < n; ++j) m = z[j] > m ? z[j] : m;
  return m;
}

// Classes ranked above the label: higher logits, and equal ones with a smaller index (like argmax).
template <typename T>
uint32_t label_rank(const T* z, uint32_t classes, uint32_t label) {
  const T target = z[label];
  uint32_t rank = 0;
  for (uint32_t j = 0; j < classes; ++j) {
    if (z[j] > target || (z[j] == target && j < label)) ++rank;
  }
  return rank;
}

template <typename T>
uint32_t argmax(const T* z, uint32_t classes) {
  uint32_t best = 0;
  for (uint32_t j = 1; j < classes; ++j) {
    if (z[j] > z[best]) best = j;
  }
  return best;
}

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

}  // namespace gct::detail
