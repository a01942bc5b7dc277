#include <algorithm>

#include "error.hpp"
#include "formats.hpp"

namespace c2b {
namespace {

uint32_t be32(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
}

const Entry* find_suffix(const std::vector<Entry>& entries, const std::string& prefix,
                         const std::string& suffix) {
  for (const auto& e : entries) {
    if (e.name.rfind(prefix, 0) == 0 && e.name.size() >= suffix.size() &&
        e.name.compare(e.name.size() - suffix.size(), suffix.size(), suffix) == 0) {
      return &e;
    }
  }
  return nullptr;
}

void parse_pair(const Entry& images, const Entry& labels, gct::host::ImageSet* set,
                uint16_t* max_label) {
  const auto& b = images.bytes;
  if (b.size() < 16 || be32(b.data()) != 0x00000803) {
    fail(images.origin, "not an IDX image file (magic must be 0x00000803: unsigned bytes, 3 dimensions)");
  }
  const uint32_t n = be32(b.data() + 4), rows = be32(b.data() + 8), cols = be32(b.data() + 12);
  if (n == 0 || rows == 0 || cols == 0 || rows > 4096 || cols > 4096) {
    fail(images.origin, "bad IDX dimensions " + std::to_string(n) + "x" + std::to_string(rows) + "x" + std::to_string(cols));
  }
  const uint64_t expected = 16 + uint64_t{n} * rows * cols;
  if (b.size() != expected) {
    fail(images.origin, "size " + std::to_string(b.size()) + " does not match its header (" +
                            std::to_string(expected) + " bytes expected; truncated?)");
  }
  const auto& l = labels.bytes;
  if (l.size() < 8 || be32(l.data()) != 0x00000801) {
    fail(labels.origin, "not an IDX label file (magic must be 0x00000801: unsigned bytes, 1 dimension)");
  }
  const uint32_t ln = be32(l.data() + 4);
  if (ln != n) fail(labels.origin, std::to_string(ln) + " labels for " + std::to_string(n) + " images");
  if (l.size() != 8 + uint64_t{n}) fail(labels.origin, "size does not match its header (truncated?)");
  set->channels = 1;
  set->height = static_cast<uint16_t>(rows);
  set->width = static_cast<uint16_t>(cols);
  set->layout = gct::PixelLayout::kPlanar;
  set->pixels.assign(b.begin() + 16, b.end());
  set->fine.assign(l.begin() + 8, l.end());
  for (uint8_t v : set->fine) *max_label = std::max<uint16_t>(*max_label, v);
}

}  // namespace

SourceData parse_idx(const std::vector<Entry>& entries, const std::string& input) {
  SourceData d;
  d.source = gct::BlobSource::kIdx;
  uint16_t max_label = 0;
  const Entry* train_images = find_suffix(entries, "train", "idx3-ubyte");
  const Entry* train_labels = find_suffix(entries, "train", "idx1-ubyte");
  const Entry* test_images = find_suffix(entries, "t10k", "idx3-ubyte");
  const Entry* test_labels = find_suffix(entries, "t10k", "idx1-ubyte");
  if ((train_images == nullptr) != (train_labels == nullptr) ||
      (test_images == nullptr) != (test_labels == nullptr)) {
    fail(input, "IDX images and labels come in pairs (train-images + train-labels, t10k-images + t10k-labels)");
  }
  if (train_images == nullptr && test_images == nullptr) {
    fail(input, "no IDX files found (expected train-images-idx3-ubyte and train-labels-idx1-ubyte)");
  }
  if (train_images) {
    parse_pair(*train_images, *train_labels, &d.train, &max_label);
    d.has_train = true;
  }
  if (test_images) {
    parse_pair(*test_images, *test_labels, &d.test, &max_label);
    d.has_test = true;
  }
  if (d.has_train && d.has_test &&
      (d.train.height != d.test.height || d.train.width != d.test.width)) {
    fail(input, "train and test images differ in size");
  }
  d.num_fine = static_cast<uint16_t>(max_label + 1);
  return d;
}

bool wanted_entry(const std::string& n) {
  if (n == "train.bin" || n == "test.bin" || n == "fine_label_names.txt" ||
      n == "coarse_label_names.txt" || n == "test_batch.bin" || n == "batches.meta.txt") {
    return true;
  }
  if (n.rfind("data_batch_", 0) == 0 && n.size() > 4 && n.compare(n.size() - 4, 4, ".bin") == 0) return true;
  return n.find("idx3-ubyte") != std::string::npos || n.find("idx1-ubyte") != std::string::npos;
}

Format detect_format(const std::vector<Entry>& entries, Format forced, const std::string& input) {
  if (forced != Format::kAuto) return forced;
  for (const auto& e : entries) {
    if (e.name == "train.bin" || e.name == "test.bin") return Format::kCifar100;
  }
  for (const auto& e : entries) {
    if (e.name.rfind("data_batch_", 0) == 0 || e.name == "test_batch.bin") return Format::kCifar10;
  }
  for (const auto& e : entries) {
    if (e.name.find("idx3-ubyte") != std::string::npos) return Format::kIdx;
  }
  if (entries.size() == 1) {
    const auto& b = entries[0].bytes;
    if (b.size() >= 4 && be32(b.data()) == 0x00000803) {
      fail(input, "an IDX image file needs its label file: give the folder or archive holding both");
    }
    const bool c100 = !b.empty() && b.size() % 3074 == 0;
    const bool c10 = !b.empty() && b.size() % 3073 == 0;
    if (c100 && !c10) return Format::kCifar100;
    if (c10 && !c100) return Format::kCifar10;
    if (c100 && c10) fail(input, "size fits both CIFAR-100 and CIFAR-10 records: choose with --format");
    fail(input, "size " + std::to_string(b.size()) +
                    " is not a multiple of a CIFAR record (3074 or 3073 bytes) and not IDX: truncated, or choose --format");
  }
  fail(input, "no CIFAR-100 (train.bin/test.bin), CIFAR-10 (data_batch_*.bin) or IDX files found");
}

}  // namespace c2b
