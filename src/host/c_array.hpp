// Bytes as C source: an aligned const array that firmware links into flash (a blob from
// cifar2blob --c-array, a model from gctrain export --c-array), and its header.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace gct::host {

// The text of a C file defining `const uint8_t NAME[]` (64-byte aligned: the engine reads blobs and
// models in place) and `const size_t NAME_size`; `what` says what the bytes are, in its first
// comment. Compiles as C and as C++ (extern "C" linkage).
std::string c_array_source(const std::vector<uint8_t>& bytes, const std::string& name, const std::string& what);

// The matching header: the declarations and NAME_SIZE, then each constant as an upper-case
// NAME_KEY macro, usable in constant expressions (e.g. to size a static arena at compile time).
std::string c_array_header(const std::string& name, uint64_t size, const std::string& what,
                           const std::vector<std::pair<std::string, uint64_t>>& constants);

}  // namespace gct::host
