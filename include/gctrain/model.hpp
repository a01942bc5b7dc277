// Model files: a trained model apart from its training state - layer sizes, input format and
// normalisation, arithmetic, weights - for predicting on a board or fine-tuning from it.
//
// Read in place: model_open() checks the bytes and points into them (a const array in flash, a
// mapped file), so a predictor uses the weights where they lie and never copies them.
//
// Layout (little-endian, every field checked on open):
//      0   8  magic "GCTMODEL"
//      8   4  format version (1)                   12   4  header size (256)
//     16   8  file size in bytes
//     24   1  arithmetic (0 float32, 1 fixed point Q3.28)   25  1  pixel layout (0 planar, 1 interleaved)
//     26   1  number of layer sizes (3..9)         27   1  zero
//     28   2  channels  30  2  height  32  2  width  34  2  classes
//     36  36  layer sizes (9 x u32; unused ones zero)
//     72  16  per-channel mean (4 x f32)           88  16  per-channel standard deviation (4 x f32)
//    104   8  optimizer steps the weights were trained for
//    112   4  the batch they were trained with    116 132  zero
//    248   4  CRC-32 of the payload                252  4  CRC-32 of header bytes [0, 252)
//    256      per layer: W [out x in] row-major, then b [out]; each tensor starts at a multiple of
//             64 bytes (float32, or int32 in Q3.28)
#pragma once

#include <cstddef>
#include <cstdint>

#include "gctrain/config.hpp"
#include "gctrain/dataset.hpp"
#include "gctrain/status.hpp"

namespace gct {

struct Trainer;

constexpr size_t kModelHeaderBytes = 256;

// A checked model file, viewed in place.
struct ModelView {
  LayerSizes layers;
  ScalarKind scalar = ScalarKind::kFloat;
  DatasetView format;  // sample shape, pixel layout, classes and statistics; no records
  uint64_t steps = 0;
  uint32_t batch = 0;  // the training batch: a fixed-point predictor given it reproduces the trainer's numbers
  // The header's checksum, which covers the payload's: a file's identity, e.g. for a checkpoint to
  // record which model a run started from.
  uint32_t fingerprint = 0;
  // Each layer's weights and biases in the file: 4-byte elements, float32 or (fixed point) int32.
  const void* weights[kMaxLayers] = {};
  const void* biases[kMaxLayers] = {};
};

// Bytes of the model file for these layer sizes.
size_t model_file_size(const LayerSizes& layers);
// Writes the trainer's model (weights as they are now, its data's format and statistics); `size`
// must be model_file_size(t.config.layers).
Status model_save(const Trainer& t, uint8_t* out, size_t size);
// Checks everything (magic, version, CRCs, sizes, shapes, statistics) and views the file in place.
// `bytes` must be 4-byte aligned (a file read or mapped by a host is; give a const array in flash
// alignas(4) at least) and stay valid while the view is used.
Status model_open(const uint8_t* bytes, size_t size, ModelView* out);
// Copies a model's weights into a trainer set up with the same layer sizes, arithmetic and sample
// shape, and normalises its inputs with the model's statistics from now on (the layers it keeps
// frozen were trained on those); the optimizer state starts afresh. Call after trainer_setup.
Status trainer_load_model(Trainer* t, const ModelView& model);

}  // namespace gct
