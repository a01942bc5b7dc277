#include <algorithm>
#include <cstring>
#include <sstream>

#include "error.hpp"
#include "formats.hpp"

namespace c2b {
namespace {

constexpr uint32_t kPixels = 3072;

std::vector<std::string> read_names(const Entry& e) {
  std::vector<std::string> names;
  std::string text(e.bytes.begin(), e.bytes.end());
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty()) names.push_back(line);
  }
  return names;
}

Entry* find(std::vector<Entry>& entries, const std::string& name) {
  for (auto& e : entries) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

bool is_test_name(const std::string& name) { return name.find("test") != std::string::npos; }

// Appends the records of one file; label_bytes is 2 (CIFAR-100: coarse, fine) or 1 (CIFAR-10).
// The entry's buffer is consumed: for the first file of a split it becomes the pixel array,
// compacted in place, so a 150 MB split is never copied a second time.
void append_records(Entry& e, int label_bytes, uint16_t num_fine, uint16_t num_coarse,
                    gct::host::ImageSet* set) {
  const size_t record = label_bytes + kPixels;
  if (e.bytes.empty()) fail(e.origin, "file is empty");
  if (e.bytes.size() % record != 0) {
    fail(e.origin, "size " + std::to_string(e.bytes.size()) + " is not a multiple of the " +
                       std::to_string(record) + "-byte record (truncated or not this format)");
  }
  const size_t n = e.bytes.size() / record;
  set->channels = 3;
  set->height = 32;
  set->width = 32;
  set->layout = gct::PixelLayout::kPlanar;
  const size_t base = set->fine.size();
  set->fine.resize(base + n);
  if (label_bytes == 2) set->coarse.resize(base + n);
  for (size_t i = 0; i < n; ++i) {
    const uint8_t* r = e.bytes.data() + i * record;
    const uint8_t fine = label_bytes == 2 ? r[1] : r[0];
    if (fine >= num_fine) {
      fail(e.origin, "record " + std::to_string(i) + ": label " + std::to_string(fine) +
                         " out of range (0.." + std::to_string(num_fine - 1) + ")");
    }
    if (label_bytes == 2 && r[0] >= num_coarse) {
      fail(e.origin, "record " + std::to_string(i) + ": coarse label " + std::to_string(r[0]) +
                         " out of range (0.." + std::to_string(num_coarse - 1) + ")");
    }
    set->fine[base + i] = fine;
    if (label_bytes == 2) set->coarse[base + i] = r[0];
  }
  if (base == 0) {
    std::vector<uint8_t> buf = std::move(e.bytes);
    for (size_t i = 0; i < n; ++i) std::memmove(buf.data() + i * kPixels, buf.data() + i * record + label_bytes, kPixels);
    buf.resize(n * kPixels);
    set->pixels = std::move(buf);
  } else {
    set->pixels.resize((base + n) * kPixels);
    for (size_t i = 0; i < n; ++i) {
      std::memcpy(set->pixels.data() + (base + i) * kPixels, e.bytes.data() + i * record + label_bytes, kPixels);
    }
    e.bytes = {};
  }
}

void check_names(const std::vector<std::string>& names, size_t expected, const std::string& what,
                 const std::string& origin) {
  if (!names.empty() && names.size() != expected) {
    fail(origin, what + " has " + std::to_string(names.size()) + " names, expected " +
                     std::to_string(expected));
  }
}

}  // namespace

SourceData parse_cifar100(std::vector<Entry>& entries, const std::string& input) {
  SourceData d;
  d.source = gct::BlobSource::kCifar100;
  d.num_fine = 100;
  d.num_coarse = 20;
  Entry* train = find(entries, "train.bin");
  Entry* test = find(entries, "test.bin");
  if (train == nullptr && test == nullptr && entries.size() == 1 && entries[0].name.find(".txt") == std::string::npos) {
    (is_test_name(entries[0].name) ? test : train) = &entries[0];  // a single file given by path
  }
  if (train == nullptr && test == nullptr) fail(input, "no train.bin or test.bin found (not CIFAR-100 binary?)");
  if (train) {
    append_records(*train, 2, 100, 20, &d.train);
    d.has_train = true;
  }
  if (test) {
    append_records(*test, 2, 100, 20, &d.test);
    d.has_test = true;
  }
  if (const Entry* e = find(entries, "fine_label_names.txt")) {
    d.fine_names = read_names(*e);
    check_names(d.fine_names, 100, "fine_label_names.txt", e->origin);
  }
  if (const Entry* e = find(entries, "coarse_label_names.txt")) {
    d.coarse_names = read_names(*e);
    check_names(d.coarse_names, 20, "coarse_label_names.txt", e->origin);
  }
  // The fine->coarse map is implied by the records; it must be consistent.
  d.fine_to_coarse.assign(100, 0xFF);
  for (const auto* set : {&d.train, &d.test}) {
    for (size_t i = 0; i < set->fine.size(); ++i) {
      uint8_t& m = d.fine_to_coarse[set->fine[i]];
      if (m != 0xFF && m != set->coarse[i]) {
        fail(input, "fine label " + std::to_string(set->fine[i]) + " appears under coarse labels " +
                        std::to_string(m) + " and " + std::to_string(set->coarse[i]));
      }
      m = set->coarse[i];
    }
  }
  for (auto& m : d.fine_to_coarse) {
    if (m == 0xFF) m = 0;  // a fine class absent from the data: any valid superclass
  }
  return d;
}

SourceData parse_cifar10(std::vector<Entry>& entries, const std::string& input) {
  SourceData d;
  d.source = gct::BlobSource::kCifar10;
  d.num_fine = 10;
  d.num_coarse = 0;
  std::vector<Entry*> train;
  Entry* test = find(entries, "test_batch.bin");
  for (int i = 1; i <= 5; ++i) {
    if (Entry* e = find(entries, "data_batch_" + std::to_string(i) + ".bin")) train.push_back(e);
  }
  if (train.empty() && test == nullptr && entries.size() == 1) {
    if (is_test_name(entries[0].name)) test = &entries[0]; else train.push_back(&entries[0]);
  }
  if (train.empty() && test == nullptr) fail(input, "no data_batch_*.bin or test_batch.bin found");
  for (Entry* e : train) append_records(*e, 1, 10, 0, &d.train);
  d.has_train = !train.empty();
  if (test) {
    append_records(*test, 1, 10, 0, &d.test);
    d.has_test = true;
  }
  if (const Entry* e = find(entries, "batches.meta.txt")) {
    d.fine_names = read_names(*e);
    check_names(d.fine_names, 10, "batches.meta.txt", e->origin);
  }
  return d;
}

}  // namespace c2b
