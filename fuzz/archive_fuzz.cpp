// libFuzzer target: streaming a (possibly corrupt) tar.gz through libarchive into entries.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "error.hpp"
#include "formats.hpp"
#include "input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = "/tmp/gct_archive_fuzz_" + std::to_string(getpid()) + ".tar.gz";
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return 0;
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  try {
    auto entries = c2b::load_input(path, c2b::wanted_entry);
    (void)entries;
  } catch (const c2b::ConvertError&) {
  }
  return 0;
}
