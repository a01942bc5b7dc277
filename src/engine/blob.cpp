#include "gctrain/blob.hpp"

#include <cmath>
#include <cstring>

#include "bytes.hpp"
#include "gctrain/crc32.hpp"
#include "decimal.hpp"

namespace gct {
namespace {

using bytes::get16;
using bytes::get32;
using bytes::get64;
using bytes::getf;
using bytes::host_is_little_endian;

bool all_zero(const uint8_t* p, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (p[i] != 0) return false;
  }
  return true;
}

const char* section_name(int s) {
  static const char* const names[kNumSections] = {"pixels",          "fine labels",
                                                  "coarse labels",   "fine->coarse map",
                                                  "fine names",      "coarse names"};
  return names[s];
}

// Names: exactly `count` NUL-terminated strings filling the section.
bool names_valid(const uint8_t* p, uint64_t size, uint32_t count) {
  if (size == 0) return true;
  if (p[size - 1] != 0) return false;
  uint32_t strings = 0;
  for (uint64_t i = 0; i < size; ++i) strings += p[i] == 0 ? 1u : 0u;
  return strings == count;
}

namespace o = blob_offset;

// The header's own fields: magic, checksum, version, sizes and the reserved bytes.
Status check_header(const uint8_t* bytes, size_t size) {
  if (!host_is_little_endian()) {
    return Status::Error(Code::kUnsupported, "blob reader needs a little-endian host");
  }
  if (bytes == nullptr || size < kBlobHeaderSize) {
    return Status::Error(Code::kCorruptData, "truncated: %s bytes, a blob header alone is %u",
                         decimal(size).text, static_cast<unsigned>(kBlobHeaderSize));
  }
  if (std::memcmp(bytes, kBlobMagic, sizeof kBlobMagic) != 0) {
    return Status::Error(Code::kCorruptData, "not a gctrain blob (bad magic)");
  }
  const uint32_t header_crc = get32(bytes + o::kHeaderCrc);
  if (crc32_update(0, bytes, o::kHeaderCrc) != header_crc) {
    return Status::Error(Code::kCorruptData, "header checksum mismatch (header corrupt)");
  }
  const uint32_t version = get32(bytes + o::kVersion);
  if (version != kBlobVersion) {
    return Status::Error(Code::kUnsupported, "blob format version %u, this reader knows %u",
                         static_cast<unsigned>(version), static_cast<unsigned>(kBlobVersion));
  }
  if (get32(bytes + o::kHeaderSize) != kBlobHeaderSize) {
    return Status::Error(Code::kCorruptData, "bad header size %u", static_cast<unsigned>(get32(bytes + o::kHeaderSize)));
  }
  const uint64_t file_size = get64(bytes + o::kFileSize);
  if (file_size != size) {
    return Status::Error(Code::kCorruptData, "%s: file is %s bytes, header says %s",
                         size < file_size ? "truncated" : "trailing bytes", decimal(size).text,
                         decimal(file_size).text);
  }
  if (!all_zero(bytes + o::kReserved0, 4) || !all_zero(bytes + o::kReserved1, o::kHeaderCrc - o::kReserved1)) {
    return Status::Error(Code::kCorruptData, "reserved header bytes are not zero");
  }
  return Status::Ok();
}

// The records' format: count, image shape, pixel layout, classes, split, source and statistics.
Status read_format(const uint8_t* bytes, BlobView* out) {
  DatasetView& d = out->data;
  d.count = get32(bytes + o::kCount);
  d.channels = get16(bytes + o::kChannels);
  d.height = get16(bytes + o::kHeight);
  d.width = get16(bytes + o::kWidth);
  const uint8_t layout = bytes[o::kLayout];
  const uint8_t split = bytes[o::kSplit];
  d.num_fine = get16(bytes + o::kNumFine);
  d.num_coarse = get16(bytes + o::kNumCoarse);
  const uint32_t source = get32(bytes + o::kSource);
  if (layout > 1) return Status::Error(Code::kCorruptData, "unknown pixel layout %u", layout);
  if (split > 1) return Status::Error(Code::kCorruptData, "unknown split %u", split);
  if (source < 1 || source > 3) return Status::Error(Code::kCorruptData, "unknown source %u", static_cast<unsigned>(source));
  if (d.channels == 0 || d.channels > kMaxChannels || d.height == 0 || d.width == 0) {
    return Status::Error(Code::kCorruptData, "bad image shape %ux%ux%u", d.channels, d.height, d.width);
  }
  if (d.num_fine == 0 || d.num_fine > 256 || d.num_coarse > 256) {
    return Status::Error(Code::kCorruptData, "bad class counts %u/%u", d.num_fine, d.num_coarse);
  }
  d.layout = static_cast<PixelLayout>(layout);
  out->split = static_cast<BlobSplit>(split);
  out->source = static_cast<BlobSource>(source);
  for (int c = 0; c < kMaxChannels; ++c) {
    d.mean[c] = getf(bytes + o::kMean + 4 * c);
    d.stddev[c] = getf(bytes + o::kStd + 4 * c);
    if (c < d.channels && !(std::isfinite(d.mean[c]) && std::isfinite(d.stddev[c]) && d.stddev[c] > 0.0f)) {
      return Status::Error(Code::kCorruptData, "channel %d: bad statistics", c);
    }
  }
  return Status::Ok();
}

struct Sections {
  uint64_t offset[kNumSections], length[kNumSections];
};

// The section table: in order, aligned, inside the file, and as long as the format says.
Status read_sections(const uint8_t* bytes, uint64_t file_size, const DatasetView& d, Sections* out) {
  const uint64_t expected[kNumSections] = {
      uint64_t{d.count} * d.channels * d.height * d.width, uint64_t{d.count},
      d.num_coarse ? uint64_t{d.count} : 0u, d.num_coarse ? uint64_t{d.num_fine} : 0u, 0u, 0u};
  uint64_t previous_end = kBlobHeaderSize;
  for (int s = 0; s < kNumSections; ++s) {
    const uint64_t offset = get64(bytes + o::kSections + 16 * s);
    const uint64_t length = get64(bytes + o::kSections + 16 * s + 8);
    if (offset % kBlobAlignment != 0 || offset < previous_end || offset > file_size || length > file_size - offset) {
      return Status::Error(Code::kCorruptData, "%s section out of bounds or misaligned", section_name(s));
    }
    if (s < kSectionFineNames && length != expected[s]) {
      return Status::Error(Code::kCorruptData, "%s section is %s bytes, expected %s", section_name(s),
                           decimal(length).text, decimal(expected[s]).text);
    }
    out->offset[s] = offset;
    out->length[s] = length;
    previous_end = offset + length;
  }
  return Status::Ok();
}

// The payload's checksum, in chunks that the hook sees as they are read.
Status verify_payload(const uint8_t* bytes, size_t size, const BlobChunkHook* hook) {
  uint32_t payload_crc = 0;
  for (size_t at = kBlobHeaderSize; at < size; at += kBlobVerifyChunk) {
    const size_t n = size - at < kBlobVerifyChunk ? size - at : kBlobVerifyChunk;
    payload_crc = crc32_update(payload_crc, bytes + at, n);
    if (hook != nullptr && hook->after_chunk != nullptr) hook->after_chunk(hook->context, bytes + at, n);
  }
  if (payload_crc != get32(bytes + o::kPayloadCrc)) {
    return Status::Error(Code::kCorruptData, "payload checksum mismatch (data corrupt)");
  }
  return Status::Ok();
}

}  // namespace

Status blob_open(const uint8_t* bytes, size_t size, BlobView* out, const BlobChunkHook* hook) {
  *out = BlobView{};
  GCT_RETURN_IF_ERROR(check_header(bytes, size));
  GCT_RETURN_IF_ERROR(read_format(bytes, out));
  Sections sec;
  GCT_RETURN_IF_ERROR(read_sections(bytes, size, out->data, &sec));
  GCT_RETURN_IF_ERROR(verify_payload(bytes, size, hook));
  DatasetView& d = out->data;
  if (!names_valid(bytes + sec.offset[kSectionFineNames], sec.length[kSectionFineNames], d.num_fine) ||
      !names_valid(bytes + sec.offset[kSectionCoarseNames], sec.length[kSectionCoarseNames], d.num_coarse)) {
    return Status::Error(Code::kCorruptData, "label names section malformed");
  }
  d.pixels = bytes + sec.offset[kSectionPixels];
  d.fine = bytes + sec.offset[kSectionFine];
  d.coarse = d.num_coarse ? bytes + sec.offset[kSectionCoarse] : nullptr;
  d.fine_to_coarse = d.num_coarse ? bytes + sec.offset[kSectionFineToCoarse] : nullptr;
  auto names = [&](int s) {
    return sec.length[s] ? reinterpret_cast<const char*>(bytes + sec.offset[s]) : nullptr;
  };
  out->fine_names = names(kSectionFineNames);
  out->coarse_names = names(kSectionCoarseNames);
  if (d.count == 0) return Status::Error(Code::kCorruptData, "blob holds no records");
  Status s = dataset_validate(d);
  if (!s.ok()) {
    *out = BlobView{};
    return s;
  }
  return Status::Ok();
}

const char* blob_class_name(const char* names, uint32_t count, uint32_t index) {
  if (names == nullptr || index >= count) return "";
  const char* p = names;
  for (uint32_t i = 0; i < index; ++i) p += std::strlen(p) + 1;
  return p;
}

}  // namespace gct
