// The whole conversion, callable from main() and from tests.
#pragma once

#include <string>
#include <vector>

#include "formats.hpp"
#include "transform.hpp"

namespace c2b {

struct ConvertOptions {
  std::string input, outdir;
  Format format = Format::kAuto;
  TransformOptions transform;
  bool c_array = false;
  std::string c_name_prefix = "gct";
  bool quiet = false;
};

struct ConvertSummary {
  struct Split {
    std::string path;
    uint32_t records = 0;
    uint64_t bytes = 0;
  };
  std::vector<Split> splits;
  uint16_t channels = 0, height = 0, width = 0, num_fine = 0, num_coarse = 0;
  float mean[4] = {}, stddev[4] = {};
  bool stats_from_train = true;
  double seconds = 0;
};

// Throws ConvertError. Writes OUTDIR/train.blob and/or OUTDIR/test.blob atomically.
ConvertSummary convert(const ConvertOptions& options);

}  // namespace c2b
