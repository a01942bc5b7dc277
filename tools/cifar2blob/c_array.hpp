// Emits a blob as C source: an aligned const array that firmware links into flash.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace c2b {

// The text of a C file defining `const uint8_t NAME[]` (64-byte aligned) and `const size_t NAME_size`.
// Compiles as C and as C++ (extern "C" linkage).
std::string c_array_source(const std::vector<uint8_t>& bytes, const std::string& name);

struct CArrayShape {
  uint32_t records = 0, channels = 0, height = 0, width = 0, classes = 0;
};
// The matching header: the declarations, and the shape as constants usable in constant
// expressions (e.g. to size a static arena with gct::trainer_arena_bound at compile time).
std::string c_array_header(const std::string& name, uint64_t size, const CArrayShape& shape);

}  // namespace c2b
