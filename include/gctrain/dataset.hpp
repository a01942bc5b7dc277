// DatasetView: a labelled uint8 image set that the engine reads in place and never copies.
//
// The bytes belong to someone else: an mmap'ed blob on a host, a const array in flash on a
// microcontroller, or a test's own buffer. Pixels stay uint8; the trainer normalises one batch
// at a time with the training split's per-channel mean and standard deviation.
#pragma once

#include <cstdint>

#include "gctrain/status.hpp"

namespace gct {

constexpr int kMaxChannels = 4;

enum class PixelLayout : uint8_t {
  kPlanar = 0,       // all of channel 0, then channel 1, ... (CIFAR's own order)
  kInterleaved = 1,  // per pixel: c0 c1 c2 ...
};

struct DatasetView {
  const uint8_t* pixels = nullptr;        // count * sample_size() bytes
  const uint8_t* fine = nullptr;          // count labels in [0, num_fine)
  const uint8_t* coarse = nullptr;        // count labels in [0, num_coarse), or null
  const uint8_t* fine_to_coarse = nullptr;  // num_fine entries, or null
  uint32_t count = 0;
  uint16_t channels = 0, height = 0, width = 0;
  PixelLayout layout = PixelLayout::kPlanar;
  uint16_t num_fine = 0, num_coarse = 0;
  float mean[kMaxChannels] = {};    // on the 0..1 scale, of the training split
  float stddev[kMaxChannels] = {};  // likewise; > 0

  uint32_t sample_size() const { return uint32_t{channels} * height * width; }
};

const char* layout_name(PixelLayout layout);  // "planar", "interleaved"

// Checks sizes, statistics and that every label is in range (one pass over the labels).
Status dataset_validate(const DatasetView& data);
// Checks only what describes a sample (shape, classes, statistics): for a view with no records.
Status dataset_validate_format(const DatasetView& data);

}  // namespace gct
