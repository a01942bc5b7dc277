#include "gctrain/dataset.hpp"

#include <cmath>

#include "gctrain/config.hpp"
#include "decimal.hpp"

namespace gct {

const char* layout_name(PixelLayout layout) {
  return layout == PixelLayout::kPlanar ? "planar" : layout == PixelLayout::kInterleaved ? "interleaved" : "unknown";
}

Status dataset_validate_format(const DatasetView& d) {
  if (d.layout != PixelLayout::kPlanar && d.layout != PixelLayout::kInterleaved) {
    return Status::Error(Code::kInvalidArgument, "unknown pixel layout %u (0 planar, 1 interleaved)",
                         static_cast<unsigned>(d.layout));
  }
  if (d.channels == 0 || d.channels > kMaxChannels || d.height == 0 || d.width == 0) {
    return Status::Error(Code::kShapeMismatch, "bad image shape %ux%ux%u", d.channels, d.height,
                         d.width);
  }
  // In 64 bits: 2x65535x32769 wraps a 32-bit product to 65534.
  const uint64_t values = uint64_t{d.channels} * d.height * d.width;
  if (values > kMaxLayerWidth) {
    return Status::Error(Code::kShapeMismatch, "images of %ux%ux%u are %s values, more than a model takes (%u)",
                         d.channels, d.height, d.width, decimal(values).text, kMaxLayerWidth);
  }
  if (d.num_fine == 0 || d.num_fine > 256 || d.num_coarse > 256) {
    return Status::Error(Code::kInvalidArgument, "bad class counts: %u fine, %u coarse",
                         d.num_fine, d.num_coarse);
  }
  for (int c = 0; c < d.channels; ++c) {
    if (!(std::isfinite(d.mean[c]) && std::isfinite(d.stddev[c]) && d.stddev[c] > 0.0f)) {
      return Status::Error(Code::kInvalidArgument, "channel %d has no usable mean/std", c);
    }
  }
  return Status::Ok();
}

Status dataset_validate(const DatasetView& d) {
  if (d.pixels == nullptr || d.fine == nullptr) {
    return Status::Error(Code::kInvalidArgument, "data set has no pixels or no labels");
  }
  if (d.count == 0) return Status::Error(Code::kInvalidArgument, "data set is empty");
  GCT_RETURN_IF_ERROR(dataset_validate_format(d));
  for (uint32_t i = 0; i < d.count; ++i) {
    if (d.fine[i] >= d.num_fine) {
      return Status::Error(Code::kCorruptData, "record %u: fine label %u out of range (0..%u)",
                           static_cast<unsigned>(i), static_cast<unsigned>(d.fine[i]), static_cast<unsigned>(d.num_fine - 1));
    }
    if (d.coarse != nullptr && d.coarse[i] >= d.num_coarse) {
      return Status::Error(Code::kCorruptData, "record %u: coarse label %u out of range (0..%u)",
                           static_cast<unsigned>(i), static_cast<unsigned>(d.coarse[i]), static_cast<unsigned>(d.num_coarse - 1));
    }
  }
  if (d.fine_to_coarse != nullptr) {
    for (uint32_t f = 0; f < d.num_fine; ++f) {
      if (d.fine_to_coarse[f] >= d.num_coarse) {
        return Status::Error(Code::kCorruptData, "fine label %u maps to coarse %u, out of range",
                             static_cast<unsigned>(f), static_cast<unsigned>(d.fine_to_coarse[f]));
      }
    }
  }
  return Status::Ok();
}

}  // namespace gct
