#include "host/c_array.hpp"

namespace gct::host {

static std::string upper(const std::string& s) {
  std::string out;
  for (char c : s) out += static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  return out;
}

std::string c_array_source(const std::vector<uint8_t>& bytes, const std::string& name, const std::string& what) {
  static const char* const kHex = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 5 + 512);
  out += "/* Generated: " + what + ". Do not edit. */\n";
  out += "#include <stddef.h>\n#include <stdint.h>\n\n";
  out += "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n";
  out += "extern const uint8_t " + name + "[];\nextern const size_t " + name + "_size;\n\n";
  out += "__attribute__((aligned(64))) const uint8_t " + name + "[" + std::to_string(bytes.size()) + "] = {\n";
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i % 16 == 0) out += "  ";
    out += "0x";
    out += kHex[bytes[i] >> 4];
    out += kHex[bytes[i] & 15];
    out += (i + 1 == bytes.size()) ? "\n" : ((i % 16 == 15) ? ",\n" : ", ");
  }
  out += "};\nconst size_t " + name + "_size = " + std::to_string(bytes.size()) + ";\n\n";
  out += "#ifdef __cplusplus\n}\n#endif\n";
  return out;
}

std::string c_array_header(const std::string& name, uint64_t size, const std::string& what,
                           const std::vector<std::pair<std::string, uint64_t>>& constants) {
  const std::string prefix = upper(name);
  std::string out = "/* Generated: " + what + ". Do not edit. */\n#pragma once\n#include <stddef.h>\n#include <stdint.h>\n\n";
  out += "#define " + prefix + "_SIZE " + std::to_string(size) + "u\n";
  for (const auto& [key, value] : constants) out += "#define " + prefix + "_" + upper(key) + " " + std::to_string(value) + "u\n";
  out += "\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n";
  out += "extern const uint8_t " + name + "[" + std::to_string(size) + "];\nextern const size_t " + name + "_size;\n";
  out += "#ifdef __cplusplus\n}\n#endif\n";
  return out;
}

}  // namespace gct::host
