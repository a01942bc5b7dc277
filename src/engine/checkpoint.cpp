#include "gctrain/checkpoint.hpp"

#include <cstdio>
#include <cstring>
#include <type_traits>

#include "bytes.hpp"
#include "net_bytes.hpp"
#include "gctrain/blob.hpp"
#include "gctrain/crc32.hpp"
#include "path.hpp"
#include "trainer_internal.hpp"
#include "decimal.hpp"

namespace gct {
namespace {

constexpr char kMagic[8] = {'G', 'C', 'T', 'C', 'K', 'P', 'T', '1'};
// Version 1: a 256-byte header. Version 2, written for networks with convolutions only (so that a
// dense model's checkpoint is what it always was): the same fields, then each convolution's
// geometry (net_bytes.hpp) at byte 256, its CRC-32 in the first reserved word.
constexpr uint32_t kVersion = 1;
constexpr size_t kHeader = 256;
constexpr uint32_t kVersionConv = 2;
constexpr size_t kHeaderConv = 384;
constexpr size_t kGeometryAt = 256;
static_assert(kGeometryAt + kNetGeometryBytes <= kHeaderConv);

size_t header_bytes(const LayerSizes& layers) { return layers.has_conv() ? kHeaderConv : kHeader; }

namespace off {
constexpr size_t kMagic = 0, kVersion = 8, kHeaderSize = 12, kTotal = 16, kLayerCount = 24,
                 kLayers = 28, kBatch = 64, kOptimizer = 68, kGc = 69, kScalar = 70, kNesterov = 71,
                 kHp = 72, kSeed = 104, kTrainCount = 112, kEpoch = 116, kSteps = 120, kCursor = 128,
                 kOptStep = 136, kRngState = 144, kRngInc = 152, kHost = 160, kSchedule = 224,
                 kAugment = 225, kFreeze = 226, kUnused = 227, kWarmup = 228, kScheduleSteps = 232, kReserved = 236,
                 kPayloadCrc = 248, kHeaderCrc = 252;
}  // namespace off

using bytes::get32;
using bytes::get64;
using bytes::getf;
using bytes::host_is_little_endian;
using bytes::put32;
using bytes::put64;
using bytes::putf;

// The payload as a list of (pointer, bytes, role) in a fixed order; visited for size, save, check
// and load. The role is null for the shuffle order, which is checked on its own.
template <typename F>
void for_each_tensor(const Trainer& t, F&& f) {
  const Mlp& m = t.mlp;
  auto bytes = [](const void* p) { return reinterpret_cast<uint8_t*>(const_cast<void*>(p)); };
  const ArithmeticPath& path = arithmetic_path(m.scalar);
  constexpr TensorRole kParameters = TensorRole::kParameters;
  for (int l = 0; l < m.num_layers; ++l) {
    const size_t in = m.sizes.weight_cols(l), out = m.sizes.weight_rows(l);
    f(bytes(path.weights(m, l)), out * in * 4, &kParameters);
    f(bytes(path.biases(m, l)), out * 4, &kParameters);
  }
  path.each_state_tensor(t.opt, m, [](void* context, void* data, size_t size, TensorRole role) {
    (*static_cast<std::remove_reference_t<F>*>(context))(static_cast<uint8_t*>(data), size, &role);
  }, &f);
  f(bytes(t.order), size_t{t.train.count} * sizeof(uint32_t), static_cast<const TensorRole*>(nullptr));
}

// Every stored value one this arithmetic's state can hold (path.hpp, check_stored).
Status check_stored_values(const Trainer& t, const uint8_t* bytes, size_t header) {
  const ArithmeticPath& path = arithmetic_path(t.mlp.scalar);
  size_t pos = header;
  int index = 0;
  const char* bad = nullptr;
  int bad_index = 0;
  for_each_tensor(t, [&](uint8_t*, size_t n, const TensorRole* role) {
    if (bad == nullptr && role != nullptr) {
      bad = path.check_stored(*role, bytes + pos, n);
      bad_index = index;
    }
    pos += n;
    ++index;
  });
  if (bad == nullptr) return Status::Ok();
  return Status::Error(Code::kCorruptData, "checkpoint tensor %d (in the payload's order) holds %s (corrupt or crafted)",
                       bad_index + 1, bad);
}

void write_header(const Trainer& t, const uint8_t* host, uint8_t* h, size_t total) {
  const bool conv = t.config.layers.has_conv();
  std::memset(h, 0, header_bytes(t.config.layers));
  std::memcpy(h + off::kMagic, kMagic, 8);
  put32(h + off::kVersion, conv ? kVersionConv : kVersion);
  put32(h + off::kHeaderSize, static_cast<uint32_t>(header_bytes(t.config.layers)));
  put64(h + off::kTotal, total);
  const TrainConfig& c = t.config;
  put32(h + off::kLayerCount, static_cast<uint32_t>(c.layers.count));
  for (int i = 0; i < c.layers.count; ++i) put32(h + off::kLayers + 4 * i, c.layers.size[i]);
  put32(h + off::kBatch, c.batch);
  h[off::kOptimizer] = static_cast<uint8_t>(c.optimizer);
  h[off::kGc] = static_cast<uint8_t>(c.gc);
  h[off::kScalar] = static_cast<uint8_t>(c.scalar);  // 0 float32, 1 fixed point
  h[off::kNesterov] = c.hp.nesterov ? 1 : 0;
  const float hp[8] = {c.hp.lr,  c.hp.momentum, c.hp.alpha, c.hp.beta1, c.hp.beta2,
                       c.hp.eps, c.hp.initial_accumulator, c.hp.weight_decay};
  for (int i = 0; i < 8; ++i) putf(h + off::kHp + 4 * i, hp[i]);
  put64(h + off::kSeed, c.seed);
  put32(h + off::kTrainCount, t.train.count);
  put32(h + off::kEpoch, t.epoch);
  put64(h + off::kSteps, t.steps);
  put32(h + off::kCursor, t.cursor);
  put64(h + off::kOptStep, t.opt.step);
  put64(h + off::kRngState, t.shuffle_rng.state);
  put64(h + off::kRngInc, t.shuffle_rng.inc);
  if (host != nullptr) std::memcpy(h + off::kHost, host, kCheckpointHostBytes);
  // Zero for a constant rate without warm-up and no augmentation: what checkpoints made before
  // these fields existed hold in their place.
  h[off::kSchedule] = static_cast<uint8_t>(c.schedule.kind);
  h[off::kAugment] = c.augment;
  h[off::kFreeze] = c.freeze;
  put32(h + off::kWarmup, c.schedule.warmup_steps);
  put32(h + off::kScheduleSteps, c.schedule.kind == ScheduleKind::kConstant ? 0 : c.schedule.total_steps);
  if (conv) {
    put_net_geometry(c.layers, h + kGeometryAt);
    put32(h + off::kReserved, crc32_update(0, h + kGeometryAt, kNetGeometryBytes));
  }
}

bool is_conv_header(const uint8_t* h) { return get32(h + off::kVersion) == kVersionConv; }

Status check_header(const uint8_t* bytes, size_t size) {
  if (!host_is_little_endian()) return Status::Error(Code::kUnsupported, "checkpoints need a little-endian host");
  if (size < kHeader) return Status::Error(Code::kCorruptData, "checkpoint truncated: %s bytes", decimal(size).text);
  if (std::memcmp(bytes, kMagic, 8) != 0) return Status::Error(Code::kCorruptData, "not a gctrain checkpoint");
  if (crc32_update(0, bytes, off::kHeaderCrc) != get32(bytes + off::kHeaderCrc)) {
    return Status::Error(Code::kCorruptData, "checkpoint header checksum mismatch (corrupt)");
  }
  const uint32_t version = get32(bytes + off::kVersion);
  if (!(version == kVersion && get32(bytes + off::kHeaderSize) == kHeader) &&
      !(version == kVersionConv && get32(bytes + off::kHeaderSize) == kHeaderConv)) {
    return Status::Error(Code::kUnsupported, "checkpoint format version %u, this build reads %u and %u",
                         static_cast<unsigned>(version), static_cast<unsigned>(kVersion),
                         static_cast<unsigned>(kVersionConv));
  }
  if (version == kVersionConv &&
      (size < kHeaderConv || crc32_update(0, bytes + kGeometryAt, kNetGeometryBytes) != get32(bytes + off::kReserved))) {
    return Status::Error(Code::kCorruptData, "checkpoint network geometry checksum mismatch (corrupt)");
  }
  return Status::Ok();
}

// "3072-512-100", or a network with its convolutions, into `out`.
void layers_text(const uint8_t* h, char* out, size_t n) {
  LayerSizes s;
  const uint32_t count = get32(h + off::kLayerCount);
  s.count = count <= kMaxLayers + 1 ? static_cast<int>(count) : 0;
  for (int i = 0; i < s.count; ++i) s.size[i] = get32(h + off::kLayers + 4 * i);
  if (is_conv_header(h) && !get_net_geometry(h + kGeometryAt, "checkpoint", &s).ok()) {
    std::snprintf(out, n, "an unreadable network");
    return;
  }
  if (s.count == 0) {
    std::snprintf(out, n, "none");
    return;
  }
  format_layer_sizes(s, out, n);
}

// A stored header beside the one this trainer would write.
struct HeaderPair {
  const uint8_t* stored;
  const uint8_t* expect;
  bool differs(size_t at, size_t len) const { return std::memcmp(stored + at, expect + at, len) != 0; }
};

Status mismatch(const char* what, const char* was, const char* is) {
  return Status::Error(Code::kShapeMismatch, "checkpoint was made with %s %s, this run has %s", what, was, is);
}

// What shapes the payload or the run: layers, batch, data, seed, optimizer, GC, arithmetic,
// augmentation and frozen layers.
Status compare_run(const HeaderPair& h, const TrainConfig& config) {
  char a[256], b[256];
  const bool geometry_differs = is_conv_header(h.stored) != is_conv_header(h.expect) ||
                                (is_conv_header(h.stored) && h.differs(kGeometryAt, kNetGeometryBytes));
  if (geometry_differs || h.differs(off::kLayerCount, off::kBatch - off::kLayerCount)) {
    layers_text(h.stored, a, sizeof a);
    layers_text(h.expect, b, sizeof b);
    return mismatch("layers", a, b);
  }
  struct Number { size_t at, len; const char* what; };
  const Number numbers[] = {{off::kBatch, 4, "batch"}, {off::kTrainCount, 4, "training-set size"}, {off::kSeed, 8, "seed"}};
  for (const Number& f : numbers) {
    if (!h.differs(f.at, f.len)) continue;
    return mismatch(f.what, decimal(f.len == 8 ? get64(h.stored + f.at) : get32(h.stored + f.at)).text,
                    decimal(f.len == 8 ? get64(h.expect + f.at) : get32(h.expect + f.at)).text);
  }
  if (h.differs(off::kOptimizer, 1)) {
    const uint8_t k = h.stored[off::kOptimizer];
    return mismatch("optimizer", k < kNumOptimizers ? optimizer_name(static_cast<OptimizerKind>(k)) : "unknown",
                    optimizer_name(config.optimizer));
  }
  if (h.differs(off::kGc, 1)) {
    const uint8_t g = h.stored[off::kGc];
    return mismatch("GC mode", g <= static_cast<uint8_t>(GcMode::kUpdate) ? gc_mode_name(static_cast<GcMode>(g)) : "unknown",
                    gc_mode_name(config.gc));
  }
  if (h.differs(off::kScalar, 1)) {
    return mismatch("arithmetic", h.stored[off::kScalar] ? "fixed" : "float", scalar_name(config.scalar));
  }
  if (h.differs(off::kAugment, 1)) {
    return mismatch("augmentation", augment_name(h.stored[off::kAugment]), augment_name(config.augment));
  }
  if (h.differs(off::kFreeze, 1)) {  // frozen layers keep no optimizer state: the payload differs
    std::snprintf(a, sizeof a, "%u", static_cast<unsigned>(h.stored[off::kFreeze]));
    std::snprintf(b, sizeof b, "%u", static_cast<unsigned>(config.freeze));
    return mismatch("frozen layers", a, b);
  }
  return Status::Ok();
}

// What an exact resume must also share: the learning-rate schedule and the hyperparameters. A
// constant schedule is stored with length 0 (its length changes no rate): a run may be resumed for
// more epochs.
Status compare_recipe(const HeaderPair& h, const TrainConfig& config) {
  char a[128], b[128];
  if (h.differs(off::kSchedule, 1) || h.differs(off::kWarmup, 8)) {
    const uint8_t k = h.stored[off::kSchedule];
    std::snprintf(a, sizeof a, "%s over %u steps with %u of warm-up",
                  k <= static_cast<uint8_t>(ScheduleKind::kCosine) ? schedule_name(static_cast<ScheduleKind>(k)) : "unknown",
                  static_cast<unsigned>(get32(h.stored + off::kScheduleSteps)), static_cast<unsigned>(get32(h.stored + off::kWarmup)));
    std::snprintf(b, sizeof b, "%s over %u steps with %u of warm-up", schedule_name(config.schedule.kind),
                  static_cast<unsigned>(get32(h.expect + off::kScheduleSteps)), static_cast<unsigned>(get32(h.expect + off::kWarmup)));
    return mismatch("learning-rate schedule", a, b);
  }
  if (h.differs(off::kNesterov, 1) || h.differs(off::kHp, 32)) {
    static const char* const kNames[8] = {"lr", "momentum", "alpha", "beta1", "beta2", "eps", "initial accumulator", "weight decay"};
    for (int i = 0; i < 8; ++i) {
      if (!h.differs(off::kHp + 4 * i, 4)) continue;
      std::snprintf(a, sizeof a, "%g", static_cast<double>(getf(h.stored + off::kHp + 4 * i)));
      std::snprintf(b, sizeof b, "%g", static_cast<double>(getf(h.expect + off::kHp + 4 * i)));
      return mismatch(kNames[i], a, b);
    }
    return mismatch("nesterov", h.stored[off::kNesterov] ? "on" : "off", config.hp.nesterov ? "on" : "off");
  }
  return Status::Ok();
}

// Compares what `stored` was made with against the header this trainer would write; the message
// names both values.
Status compare_config(const uint8_t* stored, const Trainer& t, size_t total, CheckpointResume mode) {
  uint8_t expect[kHeaderConv];
  write_header(t, nullptr, expect, total);
  const HeaderPair h{stored, expect};
  GCT_RETURN_IF_ERROR(compare_run(h, t.config));
  return mode == CheckpointResume::kExact ? compare_recipe(h, t.config) : Status::Ok();
}

}  // namespace

Status checkpoint_info(const uint8_t* bytes, size_t size, CheckpointInfo* info) {
  if (bytes == nullptr || info == nullptr) return Status::Error(Code::kInvalidArgument, "checkpoint_info: a NULL pointer");
  GCT_RETURN_IF_ERROR(check_header(bytes, size));
  CheckpointInfo i;
  OptimizerParams& hp = i.hp;
  hp.lr = getf(bytes + off::kHp);
  hp.momentum = getf(bytes + off::kHp + 4);
  hp.alpha = getf(bytes + off::kHp + 8);
  hp.beta1 = getf(bytes + off::kHp + 12);
  hp.beta2 = getf(bytes + off::kHp + 16);
  hp.eps = getf(bytes + off::kHp + 20);
  hp.initial_accumulator = getf(bytes + off::kHp + 24);
  hp.weight_decay = getf(bytes + off::kHp + 28);
  hp.nesterov = bytes[off::kNesterov] != 0;
  if (bytes[off::kSchedule] <= static_cast<uint8_t>(ScheduleKind::kCosine)) {
    i.schedule.kind = static_cast<ScheduleKind>(bytes[off::kSchedule]);
  }
  i.schedule.warmup_steps = get32(bytes + off::kWarmup);
  i.schedule.total_steps = get32(bytes + off::kScheduleSteps);
  i.seed = get64(bytes + off::kSeed);
  i.epoch = get32(bytes + off::kEpoch);
  i.steps = get64(bytes + off::kSteps);
  *info = i;
  return Status::Ok();
}

size_t checkpoint_size(const Trainer& t) {
  size_t total = header_bytes(t.config.layers);
  for_each_tensor(t, [&](uint8_t*, size_t n, const TensorRole*) { total += n; });
  return total;
}

Status checkpoint_save(const Trainer& t, const uint8_t* host_data, uint8_t* out, size_t size) {
  GCT_RETURN_IF_ERROR(check_trainer(&t, "checkpoint_save"));
  if (out == nullptr) return Status::Error(Code::kInvalidArgument, "checkpoint_save: no output buffer");
  if (!host_is_little_endian()) return Status::Error(Code::kUnsupported, "checkpoints need a little-endian host");
  const size_t total = checkpoint_size(t);
  if (size < total) {
    return Status::Error(Code::kArenaTooSmall, "checkpoint needs %s bytes, %s given", decimal(total).text,
                         decimal(size).text);
  }
  size_t pos = header_bytes(t.config.layers);
  uint32_t crc = 0;
  for_each_tensor(t, [&](uint8_t* p, size_t n, const TensorRole*) {
    std::memcpy(out + pos, p, n);
    crc = crc32_update(crc, p, n);
    pos += n;
  });
  write_header(t, host_data, out, total);
  put32(out + off::kPayloadCrc, crc);
  put32(out + off::kHeaderCrc, crc32_update(0, out, off::kHeaderCrc));
  return Status::Ok();
}

Status checkpoint_load(Trainer* t, const uint8_t* bytes, size_t size, uint8_t* host_data, CheckpointResume mode) {
  GCT_RETURN_IF_ERROR(check_trainer(t, "checkpoint_load"));
  if (bytes == nullptr) return Status::Error(Code::kInvalidArgument, "checkpoint_load: no checkpoint bytes");
  GCT_RETURN_IF_ERROR(check_header(bytes, size));
  const size_t total = checkpoint_size(*t);
  if (get64(bytes + off::kTotal) != size) {
    return Status::Error(Code::kCorruptData, "checkpoint is %s bytes, its header says %s (truncated?)", decimal(size).text,
                         decimal(get64(bytes + off::kTotal)).text);
  }
  GCT_RETURN_IF_ERROR(compare_config(bytes, *t, total, mode));
  if (size != total) {
    return Status::Error(Code::kShapeMismatch, "checkpoint holds %s bytes, this configuration needs %s",
                         decimal(size).text, decimal(total).text);
  }
  // Version 2 keeps its geometry's checksum in the first reserved word.
  const size_t reserved_from = is_conv_header(bytes) ? off::kReserved + 4 : off::kReserved;
  for (size_t i = off::kUnused; i < off::kPayloadCrc; ++i) {
    if ((i < off::kWarmup || i >= reserved_from) && bytes[i] != 0) return Status::Error(Code::kCorruptData, "checkpoint reserved bytes are not zero");
  }
  const size_t header = header_bytes(t->config.layers);
  for (size_t i = kGeometryAt + kNetGeometryBytes; i < header; ++i) {
    if (bytes[i] != 0) return Status::Error(Code::kCorruptData, "checkpoint reserved bytes are not zero");
  }
  if (crc32_update(0, bytes + header, size - header) != get32(bytes + off::kPayloadCrc)) {
    return Status::Error(Code::kCorruptData, "checkpoint payload checksum mismatch (corrupt)");
  }
  const uint32_t cursor = get32(bytes + off::kCursor);
  if (cursor > t->train.count) return Status::Error(Code::kCorruptData, "checkpoint position out of range");
  // PCG's increment is always odd; an even one (e.g. zero) could make the shuffle loop forever.
  if ((get64(bytes + off::kRngInc) & 1u) == 0) {
    return Status::Error(Code::kCorruptData, "checkpoint PRNG state invalid");
  }
  // Every index must be in range, or later steps would read outside the data set.
  const uint8_t* order_bytes = bytes + size - size_t{t->train.count} * sizeof(uint32_t);
  for (uint32_t i = 0; i < t->train.count; ++i) {
    if (get32(order_bytes + 4 * size_t{i}) >= t->train.count) {
      return Status::Error(Code::kCorruptData, "checkpoint shuffle order out of range");
    }
  }
  GCT_RETURN_IF_ERROR(check_stored_values(*t, bytes, header));
  // Everything checked: now restore.
  size_t pos = header;
  for_each_tensor(*t, [&](uint8_t* p, size_t n, const TensorRole*) {
    std::memcpy(p, bytes + pos, n);
    pos += n;
  });
  t->epoch = get32(bytes + off::kEpoch);
  t->steps = get64(bytes + off::kSteps);
  t->cursor = cursor;
  t->opt.step = get64(bytes + off::kOptStep);
  t->shuffle_rng.state = get64(bytes + off::kRngState);
  t->shuffle_rng.inc = get64(bytes + off::kRngInc);
  if (host_data != nullptr) std::memcpy(host_data, bytes + off::kHost, kCheckpointHostBytes);
  return Status::Ok();
}

}  // namespace gct
