// Private to the host library: reading a whole (small) text file.
#pragma once

#include <fstream>
#include <sstream>
#include <string>

namespace gct::host {

inline bool read_text_file(const std::string& path, std::string* out) {
  std::ifstream in(path);
  if (!in) return false;
  std::stringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

}  // namespace gct::host
