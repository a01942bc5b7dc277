// libFuzzer target: checkpoint_load on arbitrary bytes must never crash and must leave the trainer
// untouched unless it succeeds; a loaded trainer must be able to take steps.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "gctrain/checkpoint.hpp"
#include "gctrain/crc32.hpp"
#include "fixture.hpp"

namespace {

void put32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

int load(const uint8_t* data, size_t size);

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  load(data, size);
  // Again with both checksums made right (header CRC at 252, payload CRC at 248).
  if (size >= 256) {
    std::vector<uint8_t> fixed(data, data + size);
    put32(fixed.data() + 248, gct::crc32_update(0, fixed.data() + 256, size - 256));
    put32(fixed.data() + 252, gct::crc32_update(0, fixed.data(), 252));
    load(fixed.data(), size);
  }
  return 0;
}

namespace {

int load(const uint8_t* data, size_t size) {
  static fuzzing::TrainerFixture f;
  const uint32_t before = gct::trainer_parameters_crc32(f.trainer);
  if (!gct::checkpoint_load(&f.trainer, data, size, nullptr).ok()) {
    if (gct::trainer_parameters_crc32(f.trainer) != before) std::abort();  // half-loaded
    return 0;
  }
  for (int i = 0; i < 3; ++i) {
    if (gct::trainer_epoch_done(f.trainer)) gct::trainer_begin_epoch(&f.trainer);
    gct::StepResult r;
    (void)gct::trainer_step(&f.trainer, &r);
  }
  return 0;
}

}  // namespace
