// The converter reports every failure as a ConvertError whose message names the file and what is
// wrong; main() prints it as one line and exits non-zero.
#pragma once

#include <stdexcept>
#include <string>

namespace c2b {

struct ConvertError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

[[noreturn]] inline void fail(const std::string& where, const std::string& what) {
  throw ConvertError(where.empty() ? what : where + ": " + what);
}

}  // namespace c2b
