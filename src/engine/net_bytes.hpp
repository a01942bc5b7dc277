// Private: a network's convolutions as bytes, as model files and checkpoints store them. Per weight
// layer, 12 bytes: input channels, height, width, filters (16 bits each, little-endian), kernel,
// stride, padding, pooling (8 bits each); all zero for a dense layer, which is what files written
// before convolutions existed hold there.
#pragma once

#include <cstddef>
#include <cstdint>

#include "gctrain/config.hpp"

namespace gct {

constexpr size_t kConvShapeBytes = 12;
constexpr size_t kNetGeometryBytes = kConvShapeBytes * kMaxLayers;

void put_net_geometry(const LayerSizes& sizes, uint8_t* out);
// Reads the geometry into sizes->conv (sizes->size and count already set) and checks it against
// the widths with validate_net; `what` starts the message ("model file").
Status get_net_geometry(const uint8_t* in, const char* what, LayerSizes* sizes);

}  // namespace gct
