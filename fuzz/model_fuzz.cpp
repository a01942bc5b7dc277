// libFuzzer target: model_open on arbitrary bytes must never crash; a model it accepts must plan,
// set up a predictor and predict without reading outside the file.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "gctrain/crc32.hpp"
#include "gctrain/model.hpp"
#include "gctrain/predictor.hpp"

namespace {

void put32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

void try_model(const uint8_t* data, size_t size) {
  // model_open needs 4-byte alignment; an exact-size copy lets ASan see any read past the end.
  std::vector<uint32_t> words((size + 3) / 4);
  auto* bytes = reinterpret_cast<uint8_t*>(words.data());
  for (size_t i = 0; i < size; ++i) bytes[i] = data[i];
  gct::ModelView model;
  if (!gct::model_open(bytes, size, &model).ok()) return;
  gct::MemoryPlan plan;
  if (!gct::predictor_plan(model, 1, &plan).ok() || plan.total > (size_t{64} << 20)) return;
  void* arena = std::aligned_alloc(64, (plan.total + 63) / 64 * 64);
  gct::Predictor p;
  if (gct::predictor_setup(&p, model, 1, arena, plan.total).ok()) {
    std::vector<uint8_t> pixels(model.format.sample_size(), 128);
    gct::Samples s;
    s.pixels = pixels.data();
    s.rows = 1;
    uint16_t best = 0;
    gct::Prediction out;
    out.top = &best;
    out.k = 1;
    if (gct::predictor_run(&p, s, out).ok() && best >= model.format.num_fine) std::abort();
  }
  std::free(arena);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try_model(data, size);
  // Again with both checksums made right (payload CRC at 248, header CRC at 252).
  if (size >= gct::kModelHeaderBytes) {
    std::vector<uint8_t> fixed(data, data + size);
    put32(fixed.data() + 248, gct::crc32_update(0, fixed.data() + 256, size - 256));
    put32(fixed.data() + 252, gct::crc32_update(0, fixed.data(), 252));
    try_model(fixed.data(), size);
  }
  return 0;
}
