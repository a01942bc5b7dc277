#include "gctrain/crc32.hpp"

#include <doctest/doctest.h>
#include <zlib.h>

#include <vector>

#include "gctrain/rng.hpp"

TEST_CASE("CRC-32 check value and agreement with zlib") {
  CHECK(gct::crc32_update(0, "123456789", 9) == 0xCBF43926u);
  CHECK(gct::crc32_update(0, "", 0) == 0u);
  gct::Rng rng;
  gct::rng_seed(&rng, 1, gct::RngStream::kApplication);
  for (size_t n : {1u, 7u, 8u, 9u, 63u, 1000u, 4099u}) {
    std::vector<uint8_t> data(n);
    for (auto& b : data) b = static_cast<uint8_t>(gct::rng_next_u32(&rng));
    const uint32_t ours = gct::crc32_update(0, data.data(), n);
    CHECK(ours == static_cast<uint32_t>(crc32(0, data.data(), static_cast<uInt>(n))));
    // Chaining over pieces equals the whole.
    const uint32_t chained = gct::crc32_update(gct::crc32_update(0, data.data(), n / 3), data.data() + n / 3, n - n / 3);
    CHECK(chained == ours);
  }
}
