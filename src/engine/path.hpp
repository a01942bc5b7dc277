// Private: the two arithmetics behind one table of functions. A model's scalar kind picks its path
// once, and the shared entry points (mlp.cpp, optimizer.cpp) call through it instead of branching
// on the kind - in the spirit of TFLM's kernel registrations and AIfES's per-dtype tables. Each path
// owns its state (float/state.hpp, fixed/state.hpp): float/ lays out float32 tensors, fixed/ int32
// ones, and nothing outside a path names them.
#pragma once

#include <cstddef>
#include <cstdint>

#include "arithmetic.hpp"
#include "gctrain/dataset.hpp"
#include "gctrain/mlp.hpp"
#include "gctrain/optimizer.hpp"
#include "input.hpp"

namespace gct {

// One row of logits scored against its label.
struct RowScore {
  double loss = 0;           // softmax cross-entropy
  uint32_t rank = 0;         // classes ranked above the label
  uint32_t predicted = 0;    // argmax
  uint32_t elementwise = 0;  // classes where p > 0.5 agrees with the one-hot label
};

// What a stored tensor holds, for the checks a file's values pass before they are restored.
enum class TensorRole : uint8_t { kParameters, kFirstMoment, kSecondMoment };
using TensorVisit = void (*)(void* context, void* data, size_t bytes, TensorRole role);

struct ArithmeticPath {
  // The model's own state (its struct in Mlp::arithmetic, its tensors in the arena), after the shared
  // fields (sizes, batch, threads, frozen layers) are set.
  void (*mlp_layout)(Mlp* mlp, Arena* arena);
  void (*mlp_init_params)(Mlp* mlp, Rng* rng, InitScheme scheme);
  Status (*mlp_forward)(Mlp* mlp, uint32_t rows);
  Status (*mlp_backward)(Mlp* mlp, const uint8_t* labels, uint32_t rows, BatchLoss* loss);
  Status (*backward_products)(Mlp* mlp, uint32_t rows);
  // The optimizer's state (its struct in OptimizerState::arithmetic), after its kind is set.
  void (*optimizer_layout)(OptimizerState* state, const Mlp& mlp, Arena* arena);
  void (*optimizer_reset)(OptimizerState* state, const Mlp& mlp, const OptimizerParams& hp);
  Status (*optimizer_step)(OptimizerState* state, Mlp* mlp, const OptimizerParams& hp, GcMode gc);

  // What the shared code reads and writes. Parameters and normalisation constants have 4-byte
  // elements in either arithmetic (float32, or an int32 Q format), so files and checksums treat
  // them as bytes.
  void* (*weights)(const Mlp& mlp, int layer);
  void* (*biases)(const Mlp& mlp, int layer);
  // Points the layer at parameters kept elsewhere (a model file, read in place).
  void (*use_parameters)(Mlp* mlp, int layer, const void* weights, const void* biases);
  // Every optimizer-state tensor of the trainable layers, in the checkpoints' order.
  void (*each_state_tensor)(const OptimizerState& state, const Mlp& mlp, TensorVisit visit, void* context);
  // Null if the `bytes` of a stored tensor (a checkpoint's or a model file's, little-endian, any
  // alignment) are values of this arithmetic in their role: what the rules assume of their state
  // (a second moment is never negative), so a crafted file cannot drive a step out of its range.
  // Otherwise what is wrong, for the message.
  const char* (*check_stored)(TensorRole role, const uint8_t* bytes, size_t n);
  // The step's mean loss.
  double (*mean_loss)(const BatchLoss& loss, uint32_t rows);
  // Floating point, whose loss and parameters can become NaN or infinite: the first layer whose
  // parameters are not finite (0: none). Null for an arithmetic that cannot overflow, so that the
  // shared code does not even ask whether its loss is finite (a double test would cost a soft-float
  // call on a core without an FPU).
  int (*first_non_finite_layer)(const Mlp& mlp);

  // The input: constants x = byte * scale + offset per channel (2 per channel), one sample of
  // `data` into row `row` of the input batch (augmented when `augment` is given), and inputs the
  // caller normalised already.
  void (*input_normalisation)(const DatasetView& format, void* norm);
  void (*load_sample)(Mlp* mlp, const void* norm, const DatasetView& data, const uint8_t* sample, uint32_t row,
                      const Augment* augment);
  void (*load_inputs)(Mlp* mlp, const float* inputs, size_t count);

  // The output: row `row` of the last forward pass's logits.
  RowScore (*score_row)(const Mlp& mlp, uint32_t row, uint32_t label);
  void (*top_k)(const Mlp& mlp, uint32_t row, uint32_t k, uint16_t* top);
  void (*logits_as_float)(const Mlp& mlp, uint32_t row, float* z);
};

// Each path's entries, declared once for both: float/ defines them in gct::float_path, fixed/ in
// gct::fixed_path, and path.cpp puts them in the tables.
#define GCT_ARITHMETIC_PATH_ENTRIES                                                                      \
  void mlp_layout(Mlp* mlp, Arena* arena);                                                               \
  void mlp_init_params(Mlp* mlp, Rng* rng, InitScheme scheme);                                           \
  Status mlp_forward(Mlp* mlp, uint32_t rows);                                                           \
  Status mlp_backward(Mlp* mlp, const uint8_t* labels, uint32_t rows, BatchLoss* loss);                  \
  Status backward_products(Mlp* mlp, uint32_t rows);                                                     \
  void optimizer_layout(OptimizerState* state, const Mlp& mlp, Arena* arena);                            \
  void optimizer_reset(OptimizerState* state, const Mlp& mlp, const OptimizerParams& hp);                \
  Status optimizer_step(OptimizerState* state, Mlp* mlp, const OptimizerParams& hp, GcMode gc);          \
  void* weights(const Mlp& mlp, int layer);                                                              \
  void* biases(const Mlp& mlp, int layer);                                                               \
  void use_parameters(Mlp* mlp, int layer, const void* weights, const void* biases);                     \
  void each_state_tensor(const OptimizerState& state, const Mlp& mlp, TensorVisit visit, void* context); \
  const char* check_stored(TensorRole role, const uint8_t* bytes, size_t n);                             \
  double mean_loss(const BatchLoss& loss, uint32_t rows);                                                \
  void input_normalisation(const DatasetView& format, void* norm);                                       \
  void load_sample(Mlp* mlp, const void* norm, const DatasetView& data, const uint8_t* sample,           \
                   uint32_t row, const Augment* augment);                                                \
  void load_inputs(Mlp* mlp, const float* inputs, size_t count);                                         \
  RowScore score_row(const Mlp& mlp, uint32_t row, uint32_t label);                                      \
  void top_k(const Mlp& mlp, uint32_t row, uint32_t k, uint16_t* top);                                   \
  void logits_as_float(const Mlp& mlp, uint32_t row, float* z);

namespace float_path {
GCT_ARITHMETIC_PATH_ENTRIES
int first_non_finite_layer(const Mlp& mlp);
}  // namespace float_path
namespace fixed_path {
GCT_ARITHMETIC_PATH_ENTRIES
}  // namespace fixed_path
#undef GCT_ARITHMETIC_PATH_ENTRIES

extern const ArithmeticPath kFloatPath;  // float/
extern const ArithmeticPath kFixedPath;  // fixed/

// In a build with one arithmetic (-Darithmetic=float|fixed) this is a constant, so the other
// path's table, and with it all its code, is never referenced and the linker drops it.
inline const ArithmeticPath& arithmetic_path(ScalarKind kind) { return is_fixed(kind) ? kFixedPath : kFloatPath; }

}  // namespace gct
