// The input formats the converter understands, each parsed into planar uint8 image sets.
//
//   CIFAR-100 binary: records of <coarse label><fine label><3072 pixels: R, G, B planes of 32x32>
//                     in train.bin / test.bin, names in fine_label_names.txt, coarse_label_names.txt
//   CIFAR-10 binary:  records of <label><3072 pixels> in data_batch_1..5.bin / test_batch.bin,
//                     names in batches.meta.txt
//   IDX (MNIST, Fashion-MNIST): train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-...,
//                     big-endian headers with magic 0x00000803 / 0x00000801; gzipped or not
#pragma once

#include <string>
#include <vector>

#include "host/blob_writer.hpp"
#include "input.hpp"

namespace c2b {

enum class Format { kAuto, kCifar100, kCifar10, kIdx };

struct SourceData {
  gct::BlobSource source = gct::BlobSource::kCifar100;
  bool has_train = false, has_test = false;
  gct::host::ImageSet train, test;
  uint16_t num_fine = 0, num_coarse = 0;
  std::vector<std::string> fine_names, coarse_names;
  std::vector<uint8_t> fine_to_coarse;
};

bool wanted_entry(const std::string& base_name);
// The parsers consume the entries' buffers.
// Chooses the format from entry names, then from content; `forced` overrides.
Format detect_format(const std::vector<Entry>& entries, Format forced, const std::string& input);
SourceData parse_cifar100(std::vector<Entry>& entries, const std::string& input);
SourceData parse_cifar10(std::vector<Entry>& entries, const std::string& input);
SourceData parse_idx(const std::vector<Entry>& entries, const std::string& input);

}  // namespace c2b
