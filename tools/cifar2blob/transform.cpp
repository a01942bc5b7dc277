#include "transform.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "error.hpp"

namespace c2b {
namespace {

// Weights of source cells [0, n) covering output cell i of m, for area averaging along one axis.
struct Span {
  int first, last;              // inclusive source range
  std::vector<double> weight;   // per source cell, summing to 1
};

std::vector<Span> spans(int n, int m) {
  std::vector<Span> out(m);
  const double scale = static_cast<double>(n) / m;
  for (int i = 0; i < m; ++i) {
    const double lo = i * scale, hi = (i + 1) * scale;
    Span& s = out[i];
    s.first = static_cast<int>(std::floor(lo));
    s.last = std::min(n - 1, static_cast<int>(std::ceil(hi)) - 1);
    for (int k = s.first; k <= s.last; ++k) {
      const double overlap = std::min(hi, k + 1.0) - std::max(lo, static_cast<double>(k));
      s.weight.push_back(overlap / scale);
    }
  }
  return out;
}

void filter_classes(gct::host::ImageSet* set, uint16_t classes) {
  const uint32_t size = set->sample_size();
  size_t kept = 0;
  for (size_t i = 0; i < set->fine.size(); ++i) {
    if (set->fine[i] >= classes) continue;
    if (kept != i) {
      std::copy_n(set->pixels.begin() + i * size, size, set->pixels.begin() + kept * size);
      set->fine[kept] = set->fine[i];
      if (!set->coarse.empty()) set->coarse[kept] = set->coarse[i];
    }
    ++kept;
  }
  set->pixels.resize(kept * size);
  set->fine.resize(kept);
  if (!set->coarse.empty()) set->coarse.resize(kept);
}

void limit(gct::host::ImageSet* set, uint32_t n) {
  if (n == 0 || set->fine.size() <= n) return;
  set->pixels.resize(size_t{n} * set->sample_size());
  set->fine.resize(n);
  if (!set->coarse.empty()) set->coarse.resize(n);
}

void resize(gct::host::ImageSet* set, uint16_t h, uint16_t w) {
  if (h == 0 || (h == set->height && w == set->width)) return;
  const uint32_t in_size = set->sample_size();
  const uint32_t out_size = uint32_t{set->channels} * h * w;
  std::vector<uint8_t> out(set->fine.size() * size_t{out_size});
  for (size_t i = 0; i < set->fine.size(); ++i) {
    resize_area(set->pixels.data() + i * in_size, set->channels, set->height, set->width,
                out.data() + i * out_size, h, w);
  }
  set->pixels = std::move(out);
  set->height = h;
  set->width = w;
}

void grayscale(gct::host::ImageSet* set) {
  if (set->channels == 1) return;
  if (set->channels != 3) fail("", "grayscale needs 3 channels");
  const uint32_t plane = uint32_t{set->height} * set->width;
  std::vector<uint8_t> out(set->fine.size() * size_t{plane});
  for (size_t i = 0; i < set->fine.size(); ++i) {
    const uint8_t* src = set->pixels.data() + i * 3 * plane;
    for (uint32_t p = 0; p < plane; ++p) {
      const double y = 0.299 * src[p] + 0.587 * src[plane + p] + 0.114 * src[2 * plane + p];
      out[i * plane + p] = static_cast<uint8_t>(std::lround(std::min(255.0, y)));
    }
  }
  set->pixels = std::move(out);
  set->channels = 1;
}

void to_interleaved(gct::host::ImageSet* set) {
  if (set->layout == gct::PixelLayout::kInterleaved) return;
  set->layout = gct::PixelLayout::kInterleaved;
  if (set->channels == 1) return;
  const uint32_t c = set->channels, plane = uint32_t{set->height} * set->width;
  std::vector<uint8_t> sample(c * plane);
  for (size_t i = 0; i < set->fine.size(); ++i) {
    uint8_t* s = set->pixels.data() + i * c * plane;
    for (uint32_t p = 0; p < plane; ++p)
      for (uint32_t k = 0; k < c; ++k) sample[p * c + k] = s[k * plane + p];
    std::copy(sample.begin(), sample.end(), s);
  }
}

}  // namespace

void resize_area(const uint8_t* src, uint16_t channels, uint16_t height, uint16_t width, uint8_t* dst,
                 uint16_t out_height, uint16_t out_width) {
  const auto ys = spans(height, out_height), xs = spans(width, out_width);
  for (uint16_t c = 0; c < channels; ++c) {
    const uint8_t* plane = src + size_t{c} * height * width;
    for (int oy = 0; oy < out_height; ++oy) {
      for (int ox = 0; ox < out_width; ++ox) {
        double sum = 0;
        const Span& sy = ys[oy];
        const Span& sx = xs[ox];
        for (int y = sy.first; y <= sy.last; ++y)
          for (int x = sx.first; x <= sx.last; ++x)
            sum += sy.weight[y - sy.first] * sx.weight[x - sx.first] * plane[y * width + x];
        dst[size_t{c} * out_height * out_width + oy * out_width + ox] =
            static_cast<uint8_t>(std::lround(std::min(255.0, std::max(0.0, sum))));
      }
    }
  }
}

void channel_stats(const gct::host::ImageSet& set, float* mean, float* stddev) {
  gct::host::channel_statistics(set.pixels.data(), set.fine.size(), set.channels,
                                uint32_t{set.height} * set.width, set.layout, mean, stddev);
}

void apply_transforms(SourceData* d, const TransformOptions& o) {
  if (o.classes != 0) {
    if (o.classes > d->num_fine) {
      fail("", "--classes " + std::to_string(o.classes) + " but the data has only " +
                   std::to_string(d->num_fine) + " classes");
    }
    for (auto* set : {&d->train, &d->test}) filter_classes(set, o.classes);
    d->num_fine = o.classes;
    if (!d->fine_names.empty()) d->fine_names.resize(o.classes);
    if (!d->fine_to_coarse.empty()) d->fine_to_coarse.resize(o.classes);
  }
  for (auto* set : {&d->train, &d->test}) {
    limit(set, o.limit);
    if (o.height != 0) {
      if (o.height > set->height || o.width > set->width) {
        if (!set->fine.empty()) fail("", "--resize only shrinks images (area averaging)");
      }
      resize(set, o.height, o.width);
    }
    if (o.grayscale) grayscale(set);
    if (o.layout == gct::PixelLayout::kInterleaved) to_interleaved(set);
  }
}

}  // namespace c2b
