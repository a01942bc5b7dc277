// Reading the user's INPUT: a .tar.gz/.tgz/.tar archive (streamed with libarchive, never extracted
// to disk), a folder (and its immediate subfolders), or a single, possibly gzipped, file.
// Only entries whose base name the caller wants are kept in memory.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace c2b {

struct Entry {
  std::string name;      // base name, without a trailing ".gz"
  std::string origin;    // where it came from, for messages ("archive.tar.gz:cifar-100-binary/train.bin")
  std::vector<uint8_t> bytes;
};

using WantFn = std::function<bool(const std::string& base_name)>;

std::vector<Entry> load_input(const std::string& path, const WantFn& want);
std::string base_name(const std::string& path);

}  // namespace c2b
