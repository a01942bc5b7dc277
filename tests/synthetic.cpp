#include "synthetic.hpp"

#include <cstdlib>

#include "gctrain/rng.hpp"

namespace gct::testing {

SyntheticData make_separable(uint32_t count, uint16_t classes, uint16_t channels, uint16_t height,
                             uint16_t width, uint32_t seed, int noise, uint16_t coarse_classes,
                             PixelLayout layout) {
  SyntheticData d;
  const uint32_t size = uint32_t{channels} * height * width;
  Rng rng;
  rng_seed(&rng, seed, RngStream::kApplication);
  std::vector<uint8_t> prototypes(size_t{classes} * size);
  for (auto& p : prototypes) p = static_cast<uint8_t>(rng_below(&rng, 256));
  d.pixels.resize(size_t{count} * size);
  d.fine.resize(count);
  d.coarse.resize(count);
  for (uint32_t i = 0; i < count; ++i) {
    const uint32_t label = rng_below(&rng, classes);
    d.fine[i] = static_cast<uint8_t>(label);
    d.coarse[i] = static_cast<uint8_t>(label % coarse_classes);
    for (uint32_t j = 0; j < size; ++j) {
      int v = prototypes[size_t{label} * size + j] +
              static_cast<int>(rng_below(&rng, 2 * noise + 1)) - noise;
      v = v < 0 ? 0 : (v > 255 ? 255 : v);
      d.pixels[size_t{i} * size + j] = static_cast<uint8_t>(v);
    }
  }
  d.fine_to_coarse.resize(classes);
  for (uint16_t f = 0; f < classes; ++f) d.fine_to_coarse[f] = static_cast<uint8_t>(f % coarse_classes);
  DatasetView& v = d.view;
  v.pixels = d.pixels.data();
  v.fine = d.fine.data();
  v.coarse = d.coarse.data();
  v.fine_to_coarse = d.fine_to_coarse.data();
  v.count = count;
  v.channels = channels;
  v.height = height;
  v.width = width;
  v.layout = layout;
  v.num_fine = classes;
  v.num_coarse = coarse_classes;
  for (int c = 0; c < channels; ++c) {
    v.mean[c] = 0.5f;
    v.stddev[c] = 0.25f;
  }
  return d;
}

TrainConfig config_for(const DatasetView& data, std::vector<uint32_t> hidden, uint32_t batch,
                       OptimizerKind optimizer, GcMode gc, uint64_t seed) {
  TrainConfig c;
  c.layers.count = 0;
  c.layers.size[c.layers.count++] = data.sample_size();
  for (uint32_t h : hidden) c.layers.size[c.layers.count++] = h;
  c.layers.size[c.layers.count++] = data.num_fine;
  c.batch = batch;
  c.optimizer = optimizer;
  c.hp = optimizer_defaults(optimizer);
  c.gc = gc;
  c.seed = seed;
  // The engine's suites were written, and their hashes recorded, with He-normal weights and these
  // rates (the defaults of that time; the defaults now come from tuning on CIFAR-100).
  c.init = InitScheme::kHeNormal;
  constexpr float kSuiteRates[kNumOptimizers] = {0.05f, 0.01f, 0.005f, 3e-4f, 3e-4f};
  c.hp.lr = kSuiteRates[static_cast<int>(optimizer)];
  return c;
}

AlignedBuffer::AlignedBuffer(size_t bytes) : size(bytes) {
  data = std::aligned_alloc(64, (bytes + 63) / 64 * 64 + 64);
}
AlignedBuffer::~AlignedBuffer() { std::free(data); }

}  // namespace gct::testing
