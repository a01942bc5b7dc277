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

}  // namespace gct::detail
