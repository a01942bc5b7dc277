// Building blob bytes on a host (the converter, tests). The format is documented in blob.hpp.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gctrain/blob.hpp"
#include "gctrain/dataset.hpp"
#include "host/atomic_file.hpp"

namespace gct::host {

// One split held in memory, as the converter produces it.
struct ImageSet {
  uint16_t channels = 0, height = 0, width = 0;
  PixelLayout layout = PixelLayout::kPlanar;
  std::vector<uint8_t> pixels;  // count x (C x H x W) in `layout`
  std::vector<uint8_t> fine, coarse;  // coarse empty when the data set has none
  uint32_t count() const { return static_cast<uint32_t>(fine.size()); }
  uint32_t sample_size() const { return uint32_t{channels} * height * width; }
};

struct BlobMeta {
  BlobSplit split = BlobSplit::kTrain;
  BlobSource source = BlobSource::kCifar100;
  uint16_t num_fine = 0, num_coarse = 0;
  std::vector<uint8_t> fine_to_coarse;  // num_fine entries when num_coarse > 0
  std::vector<std::string> fine_names, coarse_names;  // empty, or one per class
  float mean[kMaxChannels] = {}, stddev[kMaxChannels] = {};
};

// Serialises to the blob format, CRCs included.
// Per-channel mean and standard deviation on the 0..1 scale of `count` samples (the statistics a
// blob stores and the trainer normalises with), from a histogram per channel. A constant channel
// gets standard deviation 1, so that normalising never divides by zero.
void channel_statistics(const uint8_t* pixels, uint64_t count, uint32_t channels, uint32_t plane,
                        PixelLayout layout, float* mean, float* stddev);

std::vector<uint8_t> build_blob(const ImageSet& set, const BlobMeta& meta);
// The same bytes, written piece by piece into an open AtomicFile (no copy of the payload).
Status write_blob(const ImageSet& set, const BlobMeta& meta, AtomicFile* file, uint64_t* bytes);

}  // namespace gct::host
