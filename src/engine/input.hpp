// How samples become the model's input: per-channel normalisation of uint8 pixels, plain or with
// the training augmentation. Shared by the trainer (its batches, evaluation, the caller's samples)
// and the predictor. Private to the engine.
#pragma once

#include <cstddef>
#include <cstdint>

#include "arithmetic.hpp"
#include "gctrain/config.hpp"
#include "gctrain/dataset.hpp"
#include "fixed/fixed.hpp"
#include "gctrain/mlp.hpp"
#include "gctrain/samples.hpp"
#include "gctrain/status.hpp"

namespace gct {

// One sample's augmentation: crop offsets in [0, 2 * kAugmentPad] and the flip.
struct Augment {
  uint32_t dx = kAugmentPad, dy = kAugmentPad;
  bool flip = false;
};

// The input normalisation: x = byte * scale + offset per channel. Fixed point: Q24 constants, Q16
// input, (byte * scale + offset) / 2^8 rounded.
struct FloatInput {
  const float* norm;
  float* dst;
  void operator()(uint32_t c, size_t at, uint8_t v) const {
    dst[at] = static_cast<float>(v) * norm[2 * c] + norm[2 * c + 1];
  }
  // Consecutive values of one channel, with the constants in registers so that the loop vectorises.
  void span(uint32_t c, size_t at, const uint8_t* v, uint32_t n) const {
    const float scale = norm[2 * c], offset = norm[2 * c + 1];
    float* o = dst + at;
    for (uint32_t i = 0; i < n; ++i) o[i] = static_cast<float>(v[i]) * scale + offset;
  }
};
struct FixedInput {
  const int32_t* qnorm;
  int32_t* dst;
  void operator()(uint32_t c, size_t at, uint8_t v) const {
    dst[at] = fixed_path::sat32(fixed_path::shift_round(int64_t{v} * qnorm[2 * c] + qnorm[2 * c + 1], 8));
  }
  void span(uint32_t c, size_t at, const uint8_t* v, uint32_t n) const {
    for (uint32_t i = 0; i < n; ++i) (*this)(c, at + i, v[i]);
  }
};

// One sample as it is.
template <typename Put>
void load_plain(const DatasetView& data, const uint8_t* src, Put put) {
  const uint32_t plane = uint32_t{data.height} * data.width;
  if (data.layout == PixelLayout::kPlanar) {
    for (uint32_t c = 0; c < data.channels; ++c) {
      put.span(c, size_t{c} * plane, src + size_t{c} * plane, plane);
    }
    return;
  }
  for (uint32_t p = 0; p < plane; ++p) {
    for (uint32_t c = 0; c < data.channels; ++c) put(c, size_t{p} * data.channels + c, src[size_t{p} * data.channels + c]);
  }
}

// One sample augmented: out(c, y, x) = in(c, y + dy - pad, x' + dx - pad) with x' = x, or W - 1 - x
// when flipped; byte 0 outside the image.
template <typename Put>
void load_augmented(const DatasetView& data, const uint8_t* src, Augment a, Put put) {
  const int32_t h = data.height, w = data.width, pad = kAugmentPad;
  const bool planar = data.layout == PixelLayout::kPlanar;
  const size_t cs = planar ? size_t(h) * w : 1, ys = planar ? size_t(w) : size_t(w) * data.channels,
               xs = planar ? 1 : data.channels;
  for (uint32_t c = 0; c < data.channels; ++c) {
    for (int32_t y = 0; y < h; ++y) {
      const int32_t sy = y + static_cast<int32_t>(a.dy) - pad;
      const size_t row = c * cs + size_t(y) * ys;
      for (int32_t x = 0; x < w; ++x) {
        const int32_t sx = (a.flip ? w - 1 - x : x) + static_cast<int32_t>(a.dx) - pad;
        const bool inside = sy >= 0 && sy < h && sx >= 0 && sx < w;
        put(c, row + size_t(x) * xs, inside ? src[c * cs + size_t(sy) * ys + size_t(sx) * xs] : uint8_t{0});
      }
    }
  }
}

// The constants of the input normalisation, x = byte * norm[2c] + norm[2c + 1] for channel c, from
// the statistics of the training split (or a model file), are made by the model's arithmetic path
// (float32; fixed point: Q24 for a Q16 input) and passed around as `norm`.

// Loads `rows` samples of `data` from record `first` on, unaugmented, into the model's input.
void load_consecutive(Mlp* mlp, const DatasetView& data, const void* norm, uint32_t first, uint32_t rows);
// Loads the caller's samples (pixels in `format`'s shape and layout, or inputs already normalised)
// into the model's input; checks rows (1..batch) and that exactly one of pixels and inputs is given.
Status load_samples(Mlp* mlp, const DatasetView& format, const void* norm, const Samples& samples);

}  // namespace gct
