// Blob: the on-disk (and in-flash) form of one split of a labelled image set, and its reader.
//
// A blob is used in place: the reader validates it and returns views that point into the bytes.
// Nothing is copied and nothing is allocated, so the bytes can be an mmap'ed file or a const array.
//
// Layout (little-endian, explicit widths; every section starts on a 64-byte boundary):
//
//   offset  size  field
//        0     8  magic "GCTBLOB1"
//        8     4  format version (1)
//       12     4  header size (256)
//       16     8  file size in bytes (header + every section + padding)
//       24     4  record count
//       28     2  channels         30  2  height        32  2  width
//       34     1  pixel layout (0 planar, 1 interleaved)
//       35     1  split (0 train, 1 test)
//       36     2  fine classes     38  2  coarse classes (0: none)
//       40    16  per-channel mean, float32 x 4 (0..1 scale, of the TRAINING split)
//       56    16  per-channel std,  float32 x 4
//       72     4  source format (1 CIFAR-100, 2 CIFAR-10, 3 IDX)
//       76     4  reserved, zero
//       80    96  section table: 6 x {u64 offset, u64 size}, in this order:
//                 pixels [count x C x H x W] | fine labels [count] | coarse labels [count or 0] |
//                 fine->coarse map [fine or 0] | fine names | coarse names
//                 (names: one NUL-terminated string per class, or size 0)
//      176     4  CRC-32 of the payload: bytes [256, file size)
//      180    72  reserved, zero
//      252     4  CRC-32 of header bytes [0, 252)
//      256        pixels ...
//
// Sections are in table order, do not overlap, and padding between them is zero.
#pragma once

#include <cstddef>
#include <cstdint>

#include "gctrain/dataset.hpp"
#include "gctrain/status.hpp"

namespace gct {

constexpr char kBlobMagic[8] = {'G', 'C', 'T', 'B', 'L', 'O', 'B', '1'};
constexpr uint32_t kBlobVersion = 1;
constexpr uint32_t kBlobHeaderSize = 256;
constexpr uint32_t kBlobAlignment = 64;

enum class BlobSplit : uint8_t { kTrain = 0, kTest = 1 };
enum class BlobSource : uint32_t { kCifar100 = 1, kCifar10 = 2, kIdx = 3 };

enum BlobSection : int {
  kSectionPixels = 0,
  kSectionFine,
  kSectionCoarse,
  kSectionFineToCoarse,
  kSectionFineNames,
  kSectionCoarseNames,
  kNumSections
};

// Header field offsets (shared by reader and writer).
namespace blob_offset {
constexpr size_t kMagic = 0, kVersion = 8, kHeaderSize = 12, kFileSize = 16, kCount = 24,
                 kChannels = 28, kHeight = 30, kWidth = 32, kLayout = 34, kSplit = 35,
                 kNumFine = 36, kNumCoarse = 38, kMean = 40, kStd = 56, kSource = 72,
                 kReserved0 = 76, kSections = 80, kPayloadCrc = 176, kReserved1 = 180,
                 kHeaderCrc = 252;
}  // namespace blob_offset

struct BlobView {
  DatasetView data;
  BlobSplit split = BlobSplit::kTrain;
  BlobSource source = BlobSource::kCifar100;
  const char* fine_names = nullptr;    // num_fine NUL-terminated strings, or null
  const char* coarse_names = nullptr;  // num_coarse NUL-terminated strings, or null
};

// Validates everything (header, CRCs, bounds, label ranges) and fills `out` with views into
// `bytes`. `bytes` must stay alive and unchanged while the views are used. Refuses to run on a
// big-endian host. Pixel data need not be aligned, but sections are 64-byte aligned in the file.
// Called after each checksummed chunk of the payload (e.g. to let a host drop those pages again, so
// that verifying a large mapped blob does not leave it all resident).
struct BlobChunkHook {
  void (*after_chunk)(void* context, const uint8_t* chunk, size_t size) = nullptr;
  void* context = nullptr;
};
constexpr size_t kBlobVerifyChunk = size_t{8} << 20;

Status blob_open(const uint8_t* bytes, size_t size, BlobView* out, const BlobChunkHook* hook = nullptr);
// Name of class `index` (names is fine_names or coarse_names); "" if absent.
const char* blob_class_name(const char* names, uint32_t count, uint32_t index);

}  // namespace gct
