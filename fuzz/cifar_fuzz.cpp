// libFuzzer target: the converter's parsers (CIFAR-100, CIFAR-10, IDX) on arbitrary file contents.
// The first input byte picks the file name the bytes pretend to come from.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "error.hpp"
#include "formats.hpp"
#include "transform.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static const char* const kNames[] = {"train.bin", "test.bin", "data_batch_1.bin", "test_batch.bin",
                                       "train-images-idx3-ubyte", "fine_label_names.txt"};
  std::vector<c2b::Entry> entries;
  const int pick = data[0] % 6;
  c2b::Entry e{kNames[pick], "fuzz", std::vector<uint8_t>(data + 1, data + size)};
  entries.push_back(std::move(e));
  if (pick == 4 && size > 2) {
    // Half of the bytes as images, half as labels.
    const size_t half = (size - 1) / 2;
    entries[0].bytes.resize(half);
    entries.push_back(c2b::Entry{"train-labels-idx1-ubyte", "fuzz", std::vector<uint8_t>(data + 1 + half, data + size)});
  }
  try {
    const c2b::Format f = c2b::detect_format(entries, c2b::Format::kAuto, "fuzz");
    c2b::SourceData d = f == c2b::Format::kCifar100 ? c2b::parse_cifar100(entries, "fuzz")
                        : f == c2b::Format::kCifar10 ? c2b::parse_cifar10(entries, "fuzz")
                                                     : c2b::parse_idx(entries, "fuzz");
    c2b::TransformOptions o;
    o.height = d.has_train ? static_cast<uint16_t>((d.train.height + 1) / 2) : 0;
    o.width = d.has_train ? static_cast<uint16_t>((d.train.width + 1) / 2) : 0;
    if (d.has_train && d.has_test && (d.train.height != d.test.height)) o.height = o.width = 0;
    c2b::apply_transforms(&d, o);
  } catch (const c2b::ConvertError&) {
  }
  return 0;
}
