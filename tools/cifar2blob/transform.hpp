// Transformations that make a data set fit a small board, and the statistics stored in blobs.
#pragma once

#include <cstdint>

#include "formats.hpp"

namespace c2b {

struct TransformOptions {
  uint16_t classes = 0;      // keep fine labels < classes (0: all)
  uint32_t limit = 0;        // first N records per split after the class filter (0: all)
  uint16_t height = 0, width = 0;  // area-averaging resize (0: keep)
  bool grayscale = false;    // ITU-R BT.601 luma of R, G, B
  gct::PixelLayout layout = gct::PixelLayout::kPlanar;
};

// Applies, in order: class filter, limit, resize, grayscale, layout.
void apply_transforms(SourceData* data, const TransformOptions& options);
// Area-averaging resize of one planar image [C x H x W] to [C x h x w] (exposed for tests).
void resize_area(const uint8_t* src, uint16_t channels, uint16_t height, uint16_t width, uint8_t* dst,
                 uint16_t out_height, uint16_t out_width);
// Per-channel mean and population std of the pixels on the 0..1 scale.
void channel_stats(const gct::host::ImageSet& set, float* mean, float* stddev);

}  // namespace c2b
