#include "input.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <sys/mman.h>

#include <algorithm>
#include <cstring>
#include <cstdint>
#include <filesystem>
#include <fstream>

#include "error.hpp"

namespace c2b {
namespace fs = std::filesystem;

std::string base_name(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  if (name.size() > 3 && name.compare(name.size() - 3, 3, ".gz") == 0) name.resize(name.size() - 3);
  return name;
}

namespace {

// libarchive may report an error without a message: never build a string from null.
std::string error_of(archive* a) {
  const char* e = archive_error_string(a);
  return e != nullptr ? e : "unknown libarchive error";
}

struct ArchiveReader {
  archive* a = archive_read_new();
  ~ArchiveReader() { archive_read_free(a); }
};

// Large buffers get transparent huge pages: filling 150 MB of fresh 4 KiB pages cost more page
// faults than the decompression itself.
void advise_huge_pages(std::vector<uint8_t>* buf) {
  const uintptr_t huge = uintptr_t{2} << 20;
  const uintptr_t begin = (reinterpret_cast<uintptr_t>(buf->data()) + huge - 1) & ~(huge - 1);
  const uintptr_t end = (reinterpret_cast<uintptr_t>(buf->data()) + buf->capacity()) & ~(huge - 1);
  if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
}

std::string mib(uint64_t bytes) { return std::to_string(bytes >> 20) + " MiB"; }

std::vector<uint8_t> read_data(archive* a, archive_entry* e, const std::string& origin, uint64_t limit) {
  std::vector<uint8_t> out;
  // A size the header declares beyond what the format can hold is refused before decompressing
  // (a small archive can expand to gigabytes); within the limit it is only a hint.
  size_t expected = 0;
  if (e != nullptr && archive_entry_size_is_set(e) && archive_entry_size(e) > 0) {
    if (static_cast<uint64_t>(archive_entry_size(e)) > limit) {
      fail(origin, "declares " + std::to_string(archive_entry_size(e)) + " bytes, more than a valid file of its kind can hold (" +
                       mib(limit) + "); refusing to decompress it");
    }
    expected = static_cast<size_t>(archive_entry_size(e));
  }
  out.reserve(expected + (size_t{1} << 16));
  if (expected >= (size_t{8} << 20)) advise_huge_pages(&out);
  out.resize(out.capacity());
  size_t used = 0;
  while (true) {
    // Decompress straight into the buffer; grow it only when the hint was short or missing.
    if (out.size() - used < (size_t{1} << 16)) out.resize(std::max(out.size() * 2, used + (size_t{1} << 20)));
    const la_ssize_t n = archive_read_data(a, out.data() + used, out.size() - used);
    if (n < 0) fail(origin, std::string("corrupt or truncated compressed data: ") + error_of(a));
    if (n == 0) break;
    used += static_cast<size_t>(n);
    if (used > limit) {
      fail(origin, "decompresses to more than " + mib(limit) + ", more than a valid file of its kind can hold; refusing it");
    }
  }
  out.resize(used);
  return out;
}

bool starts_with_gzip(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  unsigned char m[2] = {0, 0};
  in.read(reinterpret_cast<char*>(m), 2);
  return in.gcount() == 2 && m[0] == 0x1f && m[1] == 0x8b;
}

bool looks_like_tar(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char header[512];
  in.read(header, sizeof header);
  return in.gcount() == 512 && std::string(header + 257, 5) == "ustar";
}

std::vector<uint8_t> read_plain(const std::string& path, uint64_t limit) {
  std::error_code ec;
  const uintmax_t size = fs::file_size(path, ec);
  if (!ec && size > limit) {
    fail(path, "is " + std::to_string(size) + " bytes, more than a valid file of its kind can hold (" + mib(limit) + ")");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot open");
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) fail(path, "read error");
  return bytes;
}

// An archive (tar, possibly compressed) or a lone gzipped file.
std::vector<Entry> read_archive(const std::string& path, const WantFn& want) {
  ArchiveReader r;
  archive_read_support_filter_all(r.a);
  archive_read_support_format_tar(r.a);
  archive_read_support_format_gnutar(r.a);
  archive_read_support_format_raw(r.a);
  if (archive_read_open_filename(r.a, path.c_str(), 1 << 20) != ARCHIVE_OK) {
    fail(path, std::string("cannot read archive: ") + error_of(r.a));
  }
  std::vector<Entry> entries;
  archive_entry* e = nullptr;
  bool any = false;
  while (true) {
    const int rc = archive_read_next_header(r.a, &e);
    if (rc == ARCHIVE_EOF) break;
    if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) {
      fail(path, std::string("corrupt archive: ") + error_of(r.a));
    }
    any = true;
    const bool raw = archive_format(r.a) == ARCHIVE_FORMAT_RAW;
    const char* entry_path = archive_entry_pathname(e);
    const std::string inner = raw ? base_name(path) : (entry_path != nullptr ? entry_path : "");
    if (!raw && archive_entry_filetype(e) != AE_IFREG) continue;
    const std::string name = base_name(inner);
    if (!want(name)) {
      archive_read_data_skip(r.a);
      continue;
    }
    Entry entry{name, path + ":" + inner, {}};
    entry.bytes = read_data(r.a, raw ? nullptr : e, entry.origin, max_entry_bytes(name));
    // base_name() dropped a ".gz": a compressed member inside a tar would otherwise be parsed as
    // raw records and reported as a wrong record size.
    if (!raw && entry.bytes.size() >= 2 && entry.bytes[0] == 0x1f && entry.bytes[1] == 0x8b) {
      fail(entry.origin, "is itself gzip-compressed inside the archive; cifar2blob reads a compressed archive or a "
                         "compressed single file, not compressed members: decompress that member first");
    }
    entries.push_back(std::move(entry));
  }
  if (!any) fail(path, "empty archive");
  return entries;
}

// Two inputs of one name (two train.bin members, or train.bin beside train.bin.gz) leave the choice
// to chance: refused, naming both.
void refuse_duplicates(const std::vector<Entry>& entries, const std::string& path) {
  for (size_t i = 0; i < entries.size(); ++i) {
    for (size_t k = 0; k < i; ++k) {
      if (entries[i].name == entries[k].name) {
        fail(path, "holds two inputs named " + entries[i].name + " (" + entries[k].origin + " and " +
                       entries[i].origin + "); keep one");
      }
    }
  }
}

std::vector<Entry> load_files(const std::string& path, const WantFn& want) {
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st)) fail(path, "no such file or folder");
  std::vector<Entry> entries;
  if (fs::is_directory(st)) {
    std::vector<fs::path> files;
    for (const auto& d : fs::directory_iterator(path)) {
      if (d.is_regular_file()) files.push_back(d.path());
      if (d.is_directory()) {
        for (const auto& inner : fs::directory_iterator(d.path())) {
          if (inner.is_regular_file()) files.push_back(inner.path());
        }
      }
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      const std::string name = base_name(f.string());
      if (!want(name)) continue;
      if (starts_with_gzip(f.string())) {
        auto inner = read_archive(f.string(), want);
        for (auto& e : inner) entries.push_back(std::move(e));
      } else {
        entries.push_back(Entry{name, f.string(), read_plain(f.string(), max_entry_bytes(name))});
      }
    }
    return entries;
  }
  if (!fs::is_regular_file(st)) fail(path, "is not a regular file or a folder");
  if (starts_with_gzip(path) || looks_like_tar(path)) return read_archive(path, want);
  entries.push_back(Entry{base_name(path), path, read_plain(path, max_entry_bytes(base_name(path)))});
  return entries;
}

}  // namespace

uint64_t max_entry_bytes(const std::string& name) {
  const auto ends = [&](const char* tail) {
    const size_t n = std::strlen(tail);
    return name.size() >= n && name.compare(name.size() - n, n, tail) == 0;
  };
  if (ends(".txt")) return uint64_t{1} << 20;                        // label names
  if (ends(".bin")) return uint64_t{100000} * 3074;                  // CIFAR records
  return uint64_t{1} << 30;                                          // IDX and anything else
}

std::vector<Entry> load_input(const std::string& path, const WantFn& want) {
  std::vector<Entry> entries = load_files(path, want);
  refuse_duplicates(entries, path);
  return entries;
}

}  // namespace c2b
