// Test data made by the tests themselves: small labelled uint8 image sets with known structure.
#pragma once

#include <cstdint>
#include <vector>

#include "gctrain/config.hpp"
#include "gctrain/dataset.hpp"

namespace gct::testing {

// Owns the bytes behind a DatasetView.
struct SyntheticData {
  std::vector<uint8_t> pixels, fine, coarse, fine_to_coarse;
  DatasetView view;
};

// `count` samples of `classes` classes; every class has a random prototype image and each sample is
// the prototype plus uniform noise of +-noise, so the problem is separable for small noise.
// Superclass of fine label f is f % coarse_classes.
SyntheticData make_separable(uint32_t count, uint16_t classes, uint16_t channels, uint16_t height,
                             uint16_t width, uint32_t seed, int noise = 40,
                             uint16_t coarse_classes = 2,
                             PixelLayout layout = PixelLayout::kPlanar);

// A model configuration for the data: sizes input-hidden...-classes.
TrainConfig config_for(const DatasetView& data, std::vector<uint32_t> hidden, uint32_t batch,
                       OptimizerKind optimizer, GcMode gc, uint64_t seed);

// 64-byte aligned heap buffer for an arena (tests are hosts; the engine never sees the heap).
struct AlignedBuffer {
  explicit AlignedBuffer(size_t bytes);
  ~AlignedBuffer();
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;
  void* data = nullptr;
  size_t size = 0;
};

}  // namespace gct::testing
