#include "gctrain/model.hpp"

#include <cmath>
#include <cstring>

#include "bytes.hpp"
#include "net_bytes.hpp"
#include "gctrain/crc32.hpp"
#include "gctrain/trainer.hpp"
#include "path.hpp"
#include "trainer_internal.hpp"
#include "decimal.hpp"

namespace gct {
namespace {

using bytes::get16;
using bytes::get32;
using bytes::get64;
using bytes::getf;
using bytes::put16;
using bytes::put32;
using bytes::put64;
using bytes::putf;

constexpr char kMagic[8] = {'G', 'C', 'T', 'M', 'O', 'D', 'E', 'L'};
constexpr uint32_t kVersion = 1;
constexpr size_t kHeader = kModelHeaderBytes;

namespace off {
constexpr size_t kMagic = 0, kVersion = 8, kHeaderSize = 12, kFileSize = 16, kScalar = 24, kLayout = 25,
                 kSizeCount = 26, kChannels = 28, kHeight = 30, kWidth = 32, kClasses = 34, kSizes = 36,
                 kMean = 72, kStd = 88, kSteps = 104, kBatch = 112, kConv = 116, kReserved = 212, kPayloadCrc = 248,
                 kHeaderCrc = 252;
// kConv: each convolution's geometry (net_bytes.hpp).
static_assert(kConv + kNetGeometryBytes == kReserved);
}  // namespace off

uint64_t align64(uint64_t x) { return (x + 63) / 64 * 64; }

// Offsets of each layer's W and b in the file; returns the file's size. In 64 bits: a header's
// sizes (each below 2^24) must not wrap a 32-bit target's size_t into a plausible file size.
uint64_t tensor_offsets(const LayerSizes& layers, uint64_t* w_at, uint64_t* b_at) {
  uint64_t at = kHeader;
  for (int l = 0; l < layers.num_layers(); ++l) {
    w_at[l] = at;
    at = align64(at + uint64_t{4} * layers.weight_rows(l) * layers.weight_cols(l));
    b_at[l] = at;
    at = align64(at + uint64_t{4} * layers.weight_rows(l));
  }
  return at;
}

Status check_header(const uint8_t* h, size_t size) {
  if (size < kHeader || std::memcmp(h + off::kMagic, kMagic, sizeof kMagic) != 0) {
    return Status::Error(Code::kCorruptData, "not a gctrain model file (%s bytes, no GCTMODEL header)", decimal(size).text);
  }
  if (crc32_update(0, h, off::kHeaderCrc) != get32(h + off::kHeaderCrc)) {
    return Status::Error(Code::kCorruptData, "model file header checksum mismatch (corrupt)");
  }
  if (get32(h + off::kVersion) != kVersion || get32(h + off::kHeaderSize) != kHeader) {
    return Status::Error(Code::kUnsupported, "model file format version %u, this build reads %u",
                         static_cast<unsigned>(get32(h + off::kVersion)), static_cast<unsigned>(kVersion));
  }
  if (get64(h + off::kFileSize) != size) {
    return Status::Error(Code::kCorruptData, "model file is %s bytes, its header says %s (truncated?)", decimal(size).text,
                         decimal(get64(h + off::kFileSize)).text);
  }
  bool zero = h[off::kSizeCount + 1] == 0;
  for (size_t i = off::kReserved; i < off::kPayloadCrc; ++i) zero = zero && h[i] == 0;
  if (!zero) return Status::Error(Code::kCorruptData, "model file reserved bytes are not zero");
  return Status::Ok();
}

// The header's description of the model, checked for consistency.
Status read_description(const uint8_t* h, ModelView* m) {
  if (h[off::kScalar] > 1 || h[off::kLayout] > 1) {
    return Status::Error(Code::kCorruptData, "model file: arithmetic %u or pixel layout %u unknown", h[off::kScalar],
                         h[off::kLayout]);
  }
  m->scalar = static_cast<ScalarKind>(h[off::kScalar]);
  if ((m->scalar == ScalarKind::kFloat && !kWithFloat) || (m->scalar == ScalarKind::kFixed && !kWithFixed)) {
    return Status::Error(Code::kUnsupported, "the model file is in %s, and this build of the engine has no %s arithmetic",
                         scalar_name(m->scalar), scalar_name(m->scalar));
  }
  m->layers.count = h[off::kSizeCount];
  if (m->layers.count < 2 || m->layers.count > kMaxLayers + 1) {
    return Status::Error(Code::kCorruptData, "model file: %d layer sizes (2..%d)", m->layers.count, kMaxLayers + 1);
  }
  for (int i = 0; i < kMaxLayers + 1; ++i) {
    const uint32_t s = get32(h + off::kSizes + 4 * i);
    if ((i < m->layers.count) != (s != 0) || s > (1u << 24)) {
      return Status::Error(Code::kCorruptData, "model file: layer size %d is %u", i, static_cast<unsigned>(s));
    }
    m->layers.size[i] = s;
  }
  GCT_RETURN_IF_ERROR(get_net_geometry(h + off::kConv, "model file", &m->layers));
  DatasetView& f = m->format;
  f.layout = static_cast<PixelLayout>(h[off::kLayout]);
  f.channels = get16(h + off::kChannels);
  f.height = get16(h + off::kHeight);
  f.width = get16(h + off::kWidth);
  f.num_fine = get16(h + off::kClasses);
  for (int c = 0; c < kMaxChannels; ++c) {
    f.mean[c] = getf(h + off::kMean + 4 * c);
    f.stddev[c] = getf(h + off::kStd + 4 * c);
  }
  const Status fits = model_layers_fit_format(m->layers, f);
  if (!fits.ok()) return Status::Error(Code::kCorruptData, "model file: %s", fits.message());
  m->steps = get64(h + off::kSteps);
  m->batch = get32(h + off::kBatch);
  if (m->batch == 0) return Status::Error(Code::kCorruptData, "model file: training batch 0");
  return Status::Ok();
}

}  // namespace

Status model_layers_fit_format(const LayerSizes& layers, const DatasetView& f) {
  GCT_RETURN_IF_ERROR(validate_net(layers));
  GCT_RETURN_IF_ERROR(dataset_validate_format(f));
  const ConvShape& first = layers.conv[0];
  if (first.is_conv() && (first.in_channels != f.channels || first.in_height != f.height || first.in_width != f.width)) {
    return Status::Error(Code::kShapeMismatch, "the network reads %ux%ux%u images, its samples are %ux%ux%u",
                         first.in_channels, first.in_height, first.in_width, f.channels, f.height, f.width);
  }
  if (first.is_conv() && f.layout != PixelLayout::kPlanar && f.channels > 1) {
    return Status::Error(Code::kShapeMismatch, "a convolution reads planar images; its %u channels are interleaved",
                         f.channels);
  }
  if (layers.input() != f.sample_size() || layers.output() != f.num_fine) {
    return Status::Error(Code::kShapeMismatch, "layers %u..%u do not fit %ux%ux%u samples of %u classes",
                         static_cast<unsigned>(layers.input()), static_cast<unsigned>(layers.output()), f.channels,
                         f.height, f.width, f.num_fine);
  }
  return Status::Ok();
}

Status check_model_view(const ModelView& model) {
  GCT_RETURN_IF_ERROR(model_layers_fit_format(model.layers, model.format));
  for (int l = 0; l < model.layers.num_layers(); ++l) {
    if (model.weights[l] == nullptr || model.biases[l] == nullptr) {
      return Status::Error(Code::kInvalidArgument, "the model view has no weights for layer %d (use model_open)", l + 1);
    }
  }
  return Status::Ok();
}

size_t model_file_size(const LayerSizes& layers) {
  uint64_t w_at[kMaxLayers], b_at[kMaxLayers];
  return static_cast<size_t>(tensor_offsets(layers, w_at, b_at));
}

Status model_save(const Trainer& t, uint8_t* out, size_t size) {
  GCT_RETURN_IF_ERROR(check_trainer(&t, "model_save"));
  if (out == nullptr) return Status::Error(Code::kInvalidArgument, "model_save: no output buffer");
  if (!bytes::host_is_little_endian()) return Status::Error(Code::kUnsupported, "model files need a little-endian host");
  const LayerSizes& layers = t.config.layers;
  uint64_t w_at[kMaxLayers], b_at[kMaxLayers];
  const uint64_t total = tensor_offsets(layers, w_at, b_at);
  if (size != total) {
    return Status::Error(Code::kInvalidArgument, "model file buffer is %s bytes, the model needs %s", decimal(size).text,
                         decimal(total).text);
  }
  std::memset(out, 0, size);
  uint8_t* h = out;
  std::memcpy(h + off::kMagic, kMagic, sizeof kMagic);
  put32(h + off::kVersion, kVersion);
  put32(h + off::kHeaderSize, kHeader);
  put64(h + off::kFileSize, total);
  h[off::kScalar] = static_cast<uint8_t>(t.config.scalar);
  h[off::kLayout] = static_cast<uint8_t>(t.train.layout);
  h[off::kSizeCount] = static_cast<uint8_t>(layers.count);
  put16(h + off::kChannels, t.train.channels);
  put16(h + off::kHeight, t.train.height);
  put16(h + off::kWidth, t.train.width);
  put16(h + off::kClasses, t.train.num_fine);
  for (int i = 0; i < layers.count; ++i) put32(h + off::kSizes + 4 * i, layers.size[i]);
  put_net_geometry(layers, h + off::kConv);
  for (int c = 0; c < t.train.channels; ++c) {
    putf(h + off::kMean + 4 * c, t.train.mean[c]);
    putf(h + off::kStd + 4 * c, t.train.stddev[c]);
  }
  put64(h + off::kSteps, t.steps);
  put32(h + off::kBatch, t.config.batch);
  const ArithmeticPath& path = arithmetic_path(t.mlp.scalar);
  for (int l = 0; l < t.mlp.num_layers; ++l) {
    const size_t in = t.mlp.sizes.weight_cols(l), outputs = t.mlp.sizes.weight_rows(l);
    std::memcpy(out + w_at[l], path.weights(t.mlp, l), 4 * outputs * in);
    std::memcpy(out + b_at[l], path.biases(t.mlp, l), 4 * outputs);
  }
  put32(h + off::kPayloadCrc, crc32_update(0, out + kHeader, size - kHeader));
  put32(h + off::kHeaderCrc, crc32_update(0, h, off::kHeaderCrc));
  return Status::Ok();
}

Status model_open(const uint8_t* bytes, size_t size, ModelView* out) {
  if (out == nullptr) return Status::Error(Code::kInvalidArgument, "model_open: no view to fill");
  *out = ModelView{};
  if (bytes == nullptr) return Status::Error(Code::kInvalidArgument, "model_open: no model bytes (%s given)", decimal(size).text);
  if (!bytes::host_is_little_endian()) return Status::Error(Code::kUnsupported, "model files need a little-endian host");
  if (reinterpret_cast<uintptr_t>(bytes) % 4 != 0) {
    return Status::Error(Code::kInvalidArgument, "model bytes must be 4-byte aligned to be read in place");
  }
  GCT_RETURN_IF_ERROR(check_header(bytes, size));
  ModelView m;
  GCT_RETURN_IF_ERROR(read_description(bytes, &m));
  uint64_t w_at[kMaxLayers], b_at[kMaxLayers];
  const uint64_t needed = tensor_offsets(m.layers, w_at, b_at);
  if (needed != size) {
    return Status::Error(Code::kCorruptData, "model file is %s bytes, its layer sizes need %s", decimal(size).text,
                         decimal(needed).text);
  }
  if (crc32_update(0, bytes + kHeader, size - kHeader) != get32(bytes + off::kPayloadCrc)) {
    return Status::Error(Code::kCorruptData, "model file payload checksum mismatch (corrupt)");
  }
  const ArithmeticPath& path = arithmetic_path(m.scalar);
  for (int l = 0; l < m.layers.num_layers(); ++l) {
    m.weights[l] = bytes + w_at[l];
    m.biases[l] = bytes + b_at[l];
    const size_t rows = m.layers.weight_rows(l), cols = m.layers.weight_cols(l);
    const char* bad = path.check_stored(TensorRole::kParameters, bytes + w_at[l], 4 * rows * cols);
    if (bad == nullptr) bad = path.check_stored(TensorRole::kParameters, bytes + b_at[l], 4 * rows);
    if (bad != nullptr) return Status::Error(Code::kCorruptData, "model file: layer %d's parameters hold %s", l + 1, bad);
  }
  m.fingerprint = get32(bytes + off::kHeaderCrc);
  *out = m;
  return Status::Ok();
}

Status trainer_load_model(Trainer* t, const ModelView& model) {
  GCT_RETURN_IF_ERROR(check_trainer(t, "trainer_load_model"));
  GCT_RETURN_IF_ERROR(check_model_view(model));
  char want[160], have[160];
  format_layer_sizes(model.layers, want, sizeof want);
  format_layer_sizes(t->config.layers, have, sizeof have);
  if (model.layers.count != t->config.layers.count ||
      std::memcmp(model.layers.size, t->config.layers.size, sizeof model.layers.size) != 0 ||
      std::memcmp(model.layers.conv, t->config.layers.conv, sizeof model.layers.conv) != 0) {
    return Status::Error(Code::kShapeMismatch, "the model file has layers %s, this run %s", want, have);
  }
  if (model.scalar != t->config.scalar) {
    return Status::Error(Code::kShapeMismatch, "the model file is in %s, this run trains in %s", scalar_name(model.scalar),
                         scalar_name(t->config.scalar));
  }
  const DatasetView& f = model.format;
  if (f.channels != t->train.channels || f.height != t->train.height || f.width != t->train.width ||
      f.layout != t->train.layout) {
    return Status::Error(Code::kShapeMismatch, "the model file takes %ux%ux%u %s samples, this data has %ux%ux%u %s",
                         f.channels, f.height, f.width, layout_name(f.layout), t->train.channels, t->train.height,
                         t->train.width, layout_name(t->train.layout));
  }
  const ArithmeticPath& path = arithmetic_path(model.scalar);
  for (int l = 0; l < t->mlp.num_layers; ++l) {
    const size_t in = t->mlp.sizes.weight_cols(l), out = t->mlp.sizes.weight_rows(l);
    std::memcpy(path.weights(t->mlp, l), model.weights[l], 4 * out * in);
    std::memcpy(path.biases(t->mlp, l), model.biases[l], 4 * out);
  }
  for (int c = 0; c < f.channels; ++c) {
    t->train.mean[c] = f.mean[c];
    t->train.stddev[c] = f.stddev[c];
  }
  path.input_normalisation(t->train, t->norm);
  optimizer_reset(&t->opt, t->mlp, t->config.hp);
  return Status::Ok();
}

}  // namespace gct
