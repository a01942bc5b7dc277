// The arena's layout as data: every piece a trainer or a predictor takes from its arena, in order,
// with its size. The setup carves by walking this description (each arithmetic only says which of
// its pointers receives which piece), trainer_plan() walks it over a counting arena, and the
// compile-time bounds of plan_bound.hpp walk it adding sizes, so none of them can drift from
// another. The one part that depends on the build and the machine, the products' working memory,
// is a single piece whose size the walker decides: the arithmetic's kernels at run time, an upper
// bound at compile time.
//
//   per layer, unless the weights stay in place:  weights [out x in], biases [out]
//   per trainable layer (l >= frozen):            weight gradient, bias gradient
//   input batch [batch x n0], activations [batch x n_l] for l = 1..L
//   per convolution followed by pooling: its output before the pooling [batch x C x H x W]
//   the products' working memory
//   with convolutions, per thread: one sample's columns [fan_in x H x W] (im2col), and where an
//   input gradient is formed, one sample's input gradient
//   optimizer (trainer only), per trainable layer: first moment (w, b) and second (w, b), where kept
//   optimizer row: the widest trainable parameter row, once per thread
//   trainer: normalisation [channels x 2], batch labels [batch], shuffle order [train_count]
//   predictor: normalisation
//
// Every value takes 4 bytes (float32 or an int32 Q format) except fixed point's second moments
// (int64) and the labels (one byte). Sizes are 64-bit whatever the target: a piece too large for a
// 32-bit target's size_t reaches the arena whole, which refuses it (arena_status) instead of
// carving a wrapped size.
#pragma once

#include <cstddef>
#include <cstdint>

#include "gctrain/arena.hpp"
#include "gctrain/config.hpp"

namespace gct {

enum class Piece : uint8_t {
  kWeights,
  kBiases,
  kWeightGradient,
  kBiasGradient,
  kInputBatch,
  kActivations,
  kProducts,
  kConvOutput,
  kConvWorkspace,
  kFirstMomentWeights,
  kFirstMomentBiases,
  kSecondMomentWeights,
  kSecondMomentBiases,
  kOptimizerRow,
  kNormalisation,
  kLabels,
  kOrder,
};

constexpr MemCategory category_of(Piece p) {
  switch (p) {
    case Piece::kWeights:
    case Piece::kBiases: return MemCategory::kParameters;
    case Piece::kWeightGradient:
    case Piece::kBiasGradient: return MemCategory::kGradients;
    case Piece::kActivations:
    case Piece::kConvOutput: return MemCategory::kActivations;
    case Piece::kProducts:
    case Piece::kConvWorkspace: return MemCategory::kGemmWorkspace;
    case Piece::kFirstMomentWeights:
    case Piece::kFirstMomentBiases:
    case Piece::kSecondMomentWeights:
    case Piece::kSecondMomentBiases: return MemCategory::kOptimizerState;
    case Piece::kOptimizerRow: return MemCategory::kScratch;
    case Piece::kOrder: return MemCategory::kIndices;
    case Piece::kInputBatch:
    case Piece::kNormalisation:
    case Piece::kLabels: return MemCategory::kInputBatch;
  }
  return MemCategory::kScratch;
}

struct LayoutShape {
  const uint32_t* sizes = nullptr;  // layer widths, the input first: layers + 1 of them
  const ConvShape* conv = nullptr;  // per layer, or null: every layer is dense
  int layers = 0;
  uint32_t batch = 0;
  uint32_t threads = 1;
  ScalarKind scalar = ScalarKind::kFloat;
  int frozen = 0;                // layers [0, frozen) have no gradients and no optimizer state
  bool weights_in_place = false;  // the weights are read where they lie (a model file)
  OptimizerKind optimizer = OptimizerKind::kSgd;
  uint32_t channels = 0;
  uint32_t train_count = 0;
};

constexpr bool is_conv(const LayoutShape& s, int l) { return s.conv != nullptr && s.conv[l].is_conv(); }
// Layer l's weights are [rows x cols]; it has `rows` biases.
constexpr uint64_t weight_rows(const LayoutShape& s, int l) { return is_conv(s, l) ? s.conv[l].channels : s.sizes[l + 1]; }
constexpr uint64_t weight_cols(const LayoutShape& s, int l) { return is_conv(s, l) ? s.conv[l].fan_in() : s.sizes[l]; }

// The convolutions' working memory, in 4-byte values per set: one sample's columns, one sample's
// input gradient where a convolution above the lowest trainable layer forms it, and what the
// arithmetic needs besides. Float32 (a set per thread: threads take whole samples): the columns
// transposed too, for the weight gradient. Fixed point (one set: the integer products split
// themselves among the threads): the input gradient summed in int64, and one sample's weight
// gradient before it joins the batch's.
struct ConvWorkspace {
  uint64_t columns = 0, input_gradient = 0, product = 0;
  uint32_t sets = 1;
  constexpr uint64_t values() const { return columns + input_gradient + product; }
};
constexpr ConvWorkspace conv_workspace(const LayoutShape& s) {
  const bool fixed = s.scalar == ScalarKind::kFixed;
  ConvWorkspace w;
  w.sets = fixed || s.threads < 1 ? 1 : s.threads;
  for (int l = 0; l < s.layers; ++l) {
    if (!is_conv(s, l)) continue;
    const ConvShape& g = s.conv[l];
    const bool trainable = l >= s.frozen;
    const uint64_t columns = uint64_t{g.fan_in()} * g.conv_pixels() * (trainable && !fixed ? 2 : 1);
    const uint64_t input_gradient = l > s.frozen ? uint64_t{g.inputs()} * (fixed ? 2 : 1) : 0;
    const uint64_t product = trainable && fixed ? uint64_t{g.channels} * g.fan_in() : 0;
    w.columns = columns > w.columns ? (columns + 1) / 2 * 2 : w.columns;  // even: int64 values follow
    w.input_gradient = input_gradient > w.input_gradient ? input_gradient : w.input_gradient;
    w.product = product > w.product ? product : w.product;
  }
  return w;
}

// visit(piece, layer, bytes) for each piece in order; layer is -1 for pieces of the whole model.
// The products' piece comes with 0 bytes: its size is the walker's to decide.
template <class Visit>
constexpr void walk_model_layout(const LayoutShape& s, Visit&& visit) {
  for (int l = 0; l < s.layers && !s.weights_in_place; ++l) {
    visit(Piece::kWeights, l, weight_rows(s, l) * weight_cols(s, l) * 4);
    visit(Piece::kBiases, l, weight_rows(s, l) * 4);
  }
  for (int l = s.frozen; l < s.layers; ++l) {
    visit(Piece::kWeightGradient, l, weight_rows(s, l) * weight_cols(s, l) * 4);
    visit(Piece::kBiasGradient, l, weight_rows(s, l) * 4);
  }
  visit(Piece::kInputBatch, 0, uint64_t{s.batch} * s.sizes[0] * 4);
  for (int l = 1; l <= s.layers; ++l) visit(Piece::kActivations, l, uint64_t{s.batch} * s.sizes[l] * 4);
  for (int l = 0; l < s.layers; ++l) {
    if (is_conv(s, l) && s.conv[l].pool != PoolKind::kNone) {
      visit(Piece::kConvOutput, l, uint64_t{s.batch} * s.conv[l].conv_outputs() * 4);
    }
  }
  visit(Piece::kProducts, -1, uint64_t{0});
  const ConvWorkspace w = conv_workspace(s);
  if (w.values() > 0) visit(Piece::kConvWorkspace, -1, w.values() * 4 * w.sets);
}

template <class Visit>
constexpr void walk_optimizer_layout(const LayoutShape& s, Visit&& visit) {
  const OptimizerStateKept kept = optimizer_state_kept(s.optimizer);
  const uint64_t second_bytes = s.scalar == ScalarKind::kFixed ? 8 : 4;
  uint64_t widest = 0;
  for (int l = s.frozen; l < s.layers; ++l) {
    const uint64_t in = weight_cols(s, l), out = weight_rows(s, l);
    if (kept.first) {
      visit(Piece::kFirstMomentWeights, l, out * in * 4);
      visit(Piece::kFirstMomentBiases, l, out * 4);
    }
    if (kept.second) {
      visit(Piece::kSecondMomentWeights, l, out * in * second_bytes);
      visit(Piece::kSecondMomentBiases, l, out * second_bytes);
    }
    widest = in > widest ? in : widest;
    widest = out > widest ? out : widest;
  }
  visit(Piece::kOptimizerRow, -1, widest * 4 * (s.threads < 1 ? 1 : s.threads));
}

// What the trainer itself keeps after the model and the optimizer.
template <class Visit>
constexpr void walk_trainer_inputs(const LayoutShape& s, Visit&& visit) {
  visit(Piece::kNormalisation, -1, uint64_t{s.channels} * 2 * 4);
  visit(Piece::kLabels, -1, uint64_t{s.batch});
  visit(Piece::kOrder, -1, uint64_t{s.train_count} * 4);
}

template <class Visit>
constexpr void walk_trainer_layout(const LayoutShape& s, Visit&& visit) {
  walk_model_layout(s, visit);
  walk_optimizer_layout(s, visit);
  walk_trainer_inputs(s, visit);
}

// A predictor: the model laid out for inference (weights in place, every layer frozen), then what
// the predictor itself keeps.
template <class Visit>
constexpr void walk_predictor_inputs(const LayoutShape& s, Visit&& visit) {
  visit(Piece::kNormalisation, -1, uint64_t{s.channels} * 2 * 4);
}

template <class Visit>
constexpr void walk_predictor_layout(const LayoutShape& s, Visit&& visit) {
  LayoutShape inference = s;
  inference.frozen = s.layers;
  inference.weights_in_place = true;
  walk_model_layout(inference, visit);
  walk_predictor_inputs(s, visit);
}

}  // namespace gct
