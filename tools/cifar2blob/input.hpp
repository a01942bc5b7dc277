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

// Refuses two inputs of one name, and any input larger than its kind can be (max_entry_bytes),
// checked from the archive's header before decompressing and again while decompressing.
std::vector<Entry> load_input(const std::string& path, const WantFn& want);
// The most bytes a valid input of this name can hold: label names 1 MiB; CIFAR .bin files 100,000
// records (the real ones hold 10,000 to 50,000); IDX files and others 1 GiB.
uint64_t max_entry_bytes(const std::string& name);
std::string base_name(const std::string& path);

}  // namespace c2b
