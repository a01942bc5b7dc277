// Writes a small synthetic CIFAR-100 binary folder (train.bin, test.bin, label names) for the CLI
// tests: make_cifar100 DIR TRAIN_RECORDS TEST_RECORDS. Each fine class has a fixed random
// prototype image; samples are noisy copies, so a model can learn them.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "gctrain/rng.hpp"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: make_cifar100 DIR TRAIN TEST\n");
    return 2;
  }
  const std::string dir = argv[1];
  gct::Rng rng;
  gct::rng_seed(&rng, 2024, gct::RngStream::kApplication);
  std::vector<uint8_t> proto(100 * 3072);
  for (auto& p : proto) p = static_cast<uint8_t>(gct::rng_below(&rng, 256));
  for (int split = 0; split < 2; ++split) {
    const long n = std::atol(argv[2 + split]);
    const std::string path = dir + (split == 0 ? "/train.bin" : "/test.bin");
    FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) return 1;
    for (long i = 0; i < n; ++i) {
      const uint32_t fine = gct::rng_below(&rng, 100);
      std::fputc(static_cast<int>(fine % 20), f);
      std::fputc(static_cast<int>(fine), f);
      for (int j = 0; j < 3072; ++j) {
        int v = proto[fine * 3072 + j] + static_cast<int>(gct::rng_below(&rng, 61)) - 30;
        std::fputc(v < 0 ? 0 : (v > 255 ? 255 : v), f);
      }
    }
    std::fclose(f);
  }
  for (int kind = 0; kind < 2; ++kind) {
    FILE* f = std::fopen((dir + (kind == 0 ? "/fine_label_names.txt" : "/coarse_label_names.txt")).c_str(), "w");
    for (int i = 0; i < (kind == 0 ? 100 : 20); ++i) std::fprintf(f, "%s%d\n", kind == 0 ? "class" : "super", i);
    std::fclose(f);
  }
  return 0;
}
