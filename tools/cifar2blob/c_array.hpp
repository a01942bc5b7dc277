// Emits a blob as C source: an aligned const array that firmware links into flash.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace c2b {

// The text of a C file defining `const uint8_t NAME[]` (64-byte aligned) and `const size_t NAME_size`.
// Compiles as C and as C++ (extern "C" linkage).
std::string c_array_source(const std::vector<uint8_t>& bytes, const std::string& name);

}  // namespace c2b
