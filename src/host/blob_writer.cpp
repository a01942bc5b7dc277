#include "host/blob_writer.hpp"

#include <cmath>
#include <cstring>

#include "engine/bytes.hpp"
#include "gctrain/crc32.hpp"
#include "host/atomic_file.hpp"

namespace gct::host {
namespace {

void put16(std::vector<uint8_t>& b, size_t at, uint16_t v) { bytes::put16(b.data() + at, v); }
void put32(std::vector<uint8_t>& b, size_t at, uint32_t v) { bytes::put32(b.data() + at, v); }
void put64(std::vector<uint8_t>& b, size_t at, uint64_t v) { bytes::put64(b.data() + at, v); }
void putf(std::vector<uint8_t>& b, size_t at, float f) { bytes::putf(b.data() + at, f); }

std::vector<uint8_t> join_names(const std::vector<std::string>& names) {
  std::vector<uint8_t> out;
  for (const auto& n : names) {
    out.insert(out.end(), n.begin(), n.end());
    out.push_back(0);
  }
  return out;
}

}  // namespace

// The blob as a header plus a list of pieces (section bytes, or zero padding).
struct BlobPieces {
  std::vector<uint8_t> header;
  struct Piece {
    const uint8_t* data;  // null: `size` zero bytes
    size_t size;
  };
  std::vector<Piece> pieces;
  std::vector<uint8_t> fine_names, coarse_names, empty;
  uint64_t total = 0;
};

static void make_pieces(const ImageSet& set, const BlobMeta& meta, BlobPieces* p) {
  namespace o = blob_offset;
  p->fine_names = join_names(meta.fine_names);
  p->coarse_names = join_names(meta.coarse_names);
  const bool coarse = meta.num_coarse > 0;
  const std::vector<uint8_t>* sections[kNumSections] = {
      &set.pixels, &set.fine, coarse ? &set.coarse : &p->empty,
      coarse ? &meta.fine_to_coarse : &p->empty, &p->fine_names, &p->coarse_names};
  uint64_t offsets[kNumSections];
  uint64_t end = kBlobHeaderSize;
  uint32_t crc = 0;
  static const uint8_t zeros[kBlobAlignment] = {};
  for (int s = 0; s < kNumSections; ++s) {
    offsets[s] = (end + kBlobAlignment - 1) / kBlobAlignment * kBlobAlignment;
    if (offsets[s] > end) {
      p->pieces.push_back({nullptr, static_cast<size_t>(offsets[s] - end)});
      crc = crc32_update(crc, zeros, offsets[s] - end);
    }
    p->pieces.push_back({sections[s]->data(), sections[s]->size()});
    crc = crc32_update(crc, sections[s]->data(), sections[s]->size());
    end = offsets[s] + sections[s]->size();
  }
  p->total = end;
  std::vector<uint8_t>& b = p->header;
  b.assign(kBlobHeaderSize, 0);
  std::memcpy(b.data() + o::kMagic, kBlobMagic, sizeof kBlobMagic);
  put32(b, o::kVersion, kBlobVersion);
  put32(b, o::kHeaderSize, kBlobHeaderSize);
  put64(b, o::kFileSize, end);
  put32(b, o::kCount, set.count());
  put16(b, o::kChannels, set.channels);
  put16(b, o::kHeight, set.height);
  put16(b, o::kWidth, set.width);
  b[o::kLayout] = static_cast<uint8_t>(set.layout);
  b[o::kSplit] = static_cast<uint8_t>(meta.split);
  put16(b, o::kNumFine, meta.num_fine);
  put16(b, o::kNumCoarse, meta.num_coarse);
  for (int c = 0; c < kMaxChannels; ++c) {
    putf(b, o::kMean + 4 * c, meta.mean[c]);
    putf(b, o::kStd + 4 * c, meta.stddev[c]);
  }
  put32(b, o::kSource, static_cast<uint32_t>(meta.source));
  for (int s = 0; s < kNumSections; ++s) {
    put64(b, o::kSections + 16 * s, offsets[s]);
    put64(b, o::kSections + 16 * s + 8, sections[s]->size());
  }
  put32(b, o::kPayloadCrc, crc);
  put32(b, o::kHeaderCrc, crc32_update(0, b.data(), o::kHeaderCrc));
}

std::vector<uint8_t> build_blob(const ImageSet& set, const BlobMeta& meta) {
  BlobPieces p;
  make_pieces(set, meta, &p);
  std::vector<uint8_t> out;
  out.reserve(p.total);
  out.insert(out.end(), p.header.begin(), p.header.end());
  for (const auto& piece : p.pieces) {
    if (piece.data) {
      out.insert(out.end(), piece.data, piece.data + piece.size);
    } else {
      out.insert(out.end(), piece.size, uint8_t{0});
    }
  }
  return out;
}

Status write_blob(const ImageSet& set, const BlobMeta& meta, AtomicFile* file, uint64_t* bytes) {
  BlobPieces p;
  make_pieces(set, meta, &p);
  static const uint8_t zeros[kBlobAlignment] = {};
  GCT_RETURN_IF_ERROR(file->write(p.header.data(), p.header.size()));
  for (const auto& piece : p.pieces) {
    GCT_RETURN_IF_ERROR(file->write(piece.data ? piece.data : zeros, piece.size));
  }
  *bytes = p.total;
  return Status::Ok();
}

void channel_statistics(const uint8_t* pixels, uint64_t count, uint32_t c, uint32_t plane, PixelLayout layout,
                        float* mean, float* stddev) {
  std::vector<uint64_t> hist(size_t{c} * 256, 0);
  for (uint64_t i = 0; i < count; ++i) {
    const uint8_t* s = pixels + i * c * plane;
    for (uint32_t k = 0; k < c; ++k) {
      uint64_t* h = hist.data() + k * 256;
      for (uint32_t p = 0; p < plane; ++p) {
        const uint8_t v = layout == PixelLayout::kPlanar ? s[k * plane + p] : s[p * c + k];
        ++h[v];
      }
    }
  }
  for (uint32_t k = 0; k < c; ++k) {
    const uint64_t* h = hist.data() + k * 256;
    double n = 0, sum = 0;
    for (int v = 0; v < 256; ++v) {
      n += h[v];
      sum += h[v] * (v / 255.0);
    }
    const double m = sum / n;
    double var = 0;
    for (int v = 0; v < 256; ++v) var += h[v] * (v / 255.0 - m) * (v / 255.0 - m);
    mean[k] = static_cast<float>(m);
    stddev[k] = static_cast<float>(std::sqrt(var / n));
    if (!(stddev[k] > 0)) stddev[k] = 1.0f;
  }
}

}  // namespace gct::host
