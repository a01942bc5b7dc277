// Private: carving a model's and an optimizer's pieces from the arena by walking the layout
// (gctrain/layout.hpp). Each arithmetic says only which of its pointers receives which piece.
#pragma once

#include <type_traits>

#include "gctrain/layout.hpp"
#include "gctrain/mlp.hpp"
#include "gctrain/optimizer.hpp"

namespace gct {

inline LayoutShape layout_shape_of(const Mlp& m) {
  LayoutShape s;
  s.sizes = m.sizes.size;
  s.conv = m.sizes.conv;
  s.layers = m.num_layers;
  s.batch = m.batch;
  s.threads = m.threads;
  s.scalar = m.scalar;
  s.frozen = m.frozen;
  s.weights_in_place = m.weights_in_place;
  return s;
}

// The model's pieces: place(piece, layer, memory) for each tensor, products() for the products'
// working memory, which the arithmetic's kernels carve themselves.
template <class Place, class Products>
void carve_model(const Mlp& m, Arena* arena, Place&& place, Products&& products) {
  walk_model_layout(layout_shape_of(m), [&](Piece p, int layer, uint64_t bytes) {
    if (p == Piece::kProducts) {
      products();
    } else {
      place(p, layer, arena_alloc(arena, bytes, category_of(p)));
    }
  });
}

// A model state's tensor pointers (layer[l].w, b, dw, db and act[l], of one element type).
template <class State>
void place_model_piece(State& s, Piece p, int l, void* at) {
  using T = std::remove_pointer_t<decltype(s.layer[0].w)>;
  T* t = static_cast<T*>(at);
  switch (p) {
    case Piece::kWeights: s.layer[l].w = t; break;
    case Piece::kBiases: s.layer[l].b = t; break;
    case Piece::kWeightGradient: s.layer[l].dw = t; break;
    case Piece::kBiasGradient: s.layer[l].db = t; break;
    case Piece::kInputBatch:
    case Piece::kActivations: s.act[l] = t; break;
    default: break;
  }
}

// The optimizer's pieces for the model m; place(piece, layer, memory, bytes).
template <class Place>
void carve_optimizer(const Mlp& m, OptimizerKind kind, Arena* arena, Place&& place) {
  LayoutShape s = layout_shape_of(m);
  s.optimizer = kind;
  walk_optimizer_layout(s, [&](Piece p, int layer, uint64_t bytes) {
    place(p, layer, arena_alloc(arena, bytes, category_of(p)), static_cast<size_t>(bytes));
  });
}

// An optimizer state's pointers: first[l].w/b, second[l].w/b and the row buffers, `threads` rows of
// `bytes / threads` each.
template <class Tensors>
void place_optimizer_piece(Tensors& o, Piece p, int l, void* at, size_t bytes, uint32_t threads) {
  auto set = [at](auto*& field) { field = static_cast<std::remove_reference_t<decltype(field)>>(at); };
  switch (p) {
    case Piece::kFirstMomentWeights: set(o.first[l].w); break;
    case Piece::kFirstMomentBiases: set(o.first[l].b); break;
    case Piece::kSecondMomentWeights: set(o.second[l].w); break;
    case Piece::kSecondMomentBiases: set(o.second[l].b); break;
    case Piece::kOptimizerRow:
      set(o.row);
      o.row_stride = static_cast<uint32_t>(bytes / threads / sizeof(*o.row));
      break;
    default: break;
  }
}

}  // namespace gct
