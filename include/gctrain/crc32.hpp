// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), the checksum of zlib, gzip and PNG.
// Table-driven, slice-by-8; the tables are computed at compile time and live in read-only memory.
#pragma once

#include <cstddef>
#include <cstdint>

namespace gct {

// Continues a CRC: crc32_update(0, data, n) is the CRC of data; chaining over pieces equals the CRC
// of their concatenation.
uint32_t crc32_update(uint32_t crc, const void* data, size_t size);

}  // namespace gct
