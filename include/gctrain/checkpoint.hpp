// Checkpoints: the complete state of a Trainer as bytes, so that training resumes bit-exactly.
//
// The engine side works on caller-provided byte buffers and allocates nothing, so firmware can keep
// a checkpoint in flash; hosts write the bytes atomically (host/atomic_file.hpp).
//
// Layout (little-endian):
//      0   8  magic "GCTCKPT1"
//      8   4  format version (1)          12  4  header size (256)
//     16   8  total size in bytes
//     24  36  layer sizes: count (u32) + up to 8 more u32 ... (see checkpoint.cpp)
//     ..      batch, optimizer, GC mode, scalar type, hyper-parameters, seed, training-set size,
//             step count, epoch, cursor, optimizer step, shuffle PRNG state, 64 bytes for the host,
//             learning-rate schedule, augmentation and frozen layers (zero in checkpoints made before
//             they existed)
//    248   4  CRC-32 of the payload       252  4  CRC-32 of header bytes [0, 252)
//    256      payload: weights and biases, optimizer state, shuffle order (float32 / uint32)
//
// A checkpoint is refused - never half-loaded - if it is truncated, corrupt, of another version,
// or made for another model shape, batch, optimizer, GC mode, scalar type, seed or training-set
// size, augmentation or frozen layers; the message names both values. Hyper-parameters and the learning-rate
// schedule must match too unless the caller resumes with new ones
// (CheckpointResume::kNewHyperparameters): the optimizer state's shape does not depend on them, so a
// run that diverged can continue from its last checkpoint with a lower lr.
#pragma once

#include <cstddef>
#include <cstdint>

#include "gctrain/status.hpp"
#include "gctrain/trainer.hpp"

namespace gct {

constexpr size_t kCheckpointHostBytes = 64;

enum class CheckpointResume : uint8_t {
  kExact,               // every hyper-parameter as stored
  kNewHyperparameters,  // the trainer's hyper-parameters apply from the next step
};

// What a checkpoint was made with and where it stands, read from its header alone (checked: magic,
// version, header CRC).
struct CheckpointInfo {
  OptimizerParams hp;
  Schedule schedule;  // the learning-rate schedule (constant in checkpoints made before schedules)
  uint64_t seed = 0;
  uint32_t epoch = 0;
  uint64_t steps = 0;
};
Status checkpoint_info(const uint8_t* bytes, size_t size, CheckpointInfo* info);

// Bytes a checkpoint of this trainer takes.
size_t checkpoint_size(const Trainer& t);
// Writes the checkpoint; `host_data` (kCheckpointHostBytes, may be null) is stored verbatim.
Status checkpoint_save(const Trainer& t, const uint8_t* host_data, uint8_t* out, size_t size);
// Validates `bytes` completely, then restores weights, optimizer state and position into `t`
// (already set up with the same configuration and data). On failure `t` is unchanged.
Status checkpoint_load(Trainer* t, const uint8_t* bytes, size_t size, uint8_t* host_data,
                       CheckpointResume mode = CheckpointResume::kExact);

}  // namespace gct
