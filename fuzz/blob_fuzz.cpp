// libFuzzer target: the blob reader must refuse or accept any bytes without crashing, and an
// accepted blob must be safe to read completely.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "gctrain/blob.hpp"
#include "gctrain/crc32.hpp"

namespace {

void put32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

int check(const uint8_t* bytes, size_t size) {
  gct::BlobView v;
  if (!gct::blob_open(bytes, size, &v).ok()) return 0;
  unsigned sum = 0;
  const size_t n = size_t{v.data.count} * v.data.sample_size();
  for (size_t i = 0; i < n; ++i) sum += v.data.pixels[i];
  for (uint32_t i = 0; i < v.data.count; ++i) sum += v.data.fine[i] + (v.data.coarse ? v.data.coarse[i] : 0);
  for (uint32_t c = 0; c < v.data.num_fine; ++c) sum += static_cast<unsigned>(std::strlen(gct::blob_class_name(v.fine_names, v.data.num_fine, c)));
  return static_cast<int>(sum & 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Copy into an aligned buffer, as mmap would give.
  std::vector<uint64_t> aligned((size + 7) / 8 + 1);
  std::memcpy(aligned.data(), data, size);
  uint8_t* bytes = reinterpret_cast<uint8_t*>(aligned.data());
  check(bytes, size);
  // Again with both checksums made right, so the fuzzer also reaches the checks behind them.
  if (size >= gct::kBlobHeaderSize) {
    namespace o = gct::blob_offset;
    put32(bytes + o::kPayloadCrc, gct::crc32_update(0, bytes + gct::kBlobHeaderSize, size - gct::kBlobHeaderSize));
    put32(bytes + o::kHeaderCrc, gct::crc32_update(0, bytes, o::kHeaderCrc));
    check(bytes, size);
  }
  return 0;
}
