#include "gctrain/layout.hpp"

#include <doctest/doctest.h>

#include <array>
#include <vector>

#include "gctrain/plan_bound.hpp"
#include "gctrain/trainer.hpp"

using namespace gct;

namespace {

struct Seen {
  Piece piece;
  int layer;
  size_t bytes;
  bool operator==(const Seen& o) const { return piece == o.piece && layer == o.layer && bytes == o.bytes; }
};

std::vector<Seen> walk(const LayoutShape& s) {
  std::vector<Seen> seen;
  walk_trainer_layout(s, [&](Piece p, int l, size_t bytes) { seen.push_back({p, l, bytes}); });
  return seen;
}

}  // namespace

TEST_CASE("the trainer's layout, piece by piece: 5-3-2, batch 4, adam in fixed point, layer 1 frozen") {
  const uint32_t sizes[] = {5, 3, 2};
  LayoutShape s;
  s.sizes = sizes;
  s.layers = 2;
  s.batch = 4;
  s.threads = 2;
  s.scalar = ScalarKind::kFixed;
  s.frozen = 1;
  s.optimizer = OptimizerKind::kAdam;
  s.channels = 1;
  s.train_count = 10;
  const std::vector<Seen> expect = {
      {Piece::kWeights, 0, 3 * 5 * 4}, {Piece::kBiases, 0, 3 * 4},           // every layer's parameters
      {Piece::kWeights, 1, 2 * 3 * 4}, {Piece::kBiases, 1, 2 * 4},
      {Piece::kWeightGradient, 1, 2 * 3 * 4}, {Piece::kBiasGradient, 1, 2 * 4},  // the trainable layer's only
      {Piece::kInputBatch, 0, 4 * 5 * 4}, {Piece::kActivations, 1, 4 * 3 * 4}, {Piece::kActivations, 2, 4 * 2 * 4},
      {Piece::kProducts, -1, 0},
      {Piece::kFirstMomentWeights, 1, 2 * 3 * 4}, {Piece::kFirstMomentBiases, 1, 2 * 4},
      {Piece::kSecondMomentWeights, 1, 2 * 3 * 8}, {Piece::kSecondMomentBiases, 1, 2 * 8},  // int64 in fixed point
      {Piece::kOptimizerRow, -1, 3 * 4 * 2},  // the widest trainable row (3), once per thread
      {Piece::kNormalisation, -1, 1 * 2 * 4}, {Piece::kLabels, -1, 4}, {Piece::kOrder, -1, 10 * 4},
  };
  CHECK(walk(s) == expect);

  // Float32 keeps 4-byte second moments; sgd keeps no state at all.
  s.scalar = ScalarKind::kFloat;
  for (const Seen& p : walk(s)) {
    if (p.piece == Piece::kSecondMomentWeights) CHECK(p.bytes == 2 * 3 * 4);
  }
  s.optimizer = OptimizerKind::kSgd;
  for (const Seen& p : walk(s)) {
    CHECK(category_of(p.piece) != MemCategory::kOptimizerState);
  }
}

TEST_CASE("a predictor's layout: no parameters (they stay in the model), no gradients, no optimizer") {
  const uint32_t sizes[] = {5, 3, 2};
  LayoutShape s;
  s.sizes = sizes;
  s.layers = 2;
  s.batch = 1;
  s.channels = 3;
  std::vector<Piece> pieces;
  walk_predictor_layout(s, [&](Piece p, int, size_t) { pieces.push_back(p); });
  CHECK(pieces == std::vector<Piece>{Piece::kInputBatch, Piece::kActivations, Piece::kActivations, Piece::kProducts,
                                     Piece::kNormalisation});
}

TEST_CASE("the setup carves what the layout lists: the plan by category is the walk's, the products apart") {
  // The arena charges each piece's alignment padding to the piece after it. With every piece but the
  // normalisation a multiple of 64 bytes there is none, except after the normalisation and after the
  // products' working memory, whose size the build decides (Eigen's blocks): the optimizer state,
  // which follows it, may carry up to 63 bytes.
  const std::array<uint32_t, 4> sizes = {64, 32, 16, 16};
  for (ScalarKind scalar : {ScalarKind::kFloat, ScalarKind::kFixed}) {
    for (OptimizerKind kind : {OptimizerKind::kSgd, OptimizerKind::kSgdMomentum, OptimizerKind::kAdam}) {
      for (int freeze = 0; freeze < 3; ++freeze) {
        CAPTURE(static_cast<int>(scalar));
        CAPTURE(static_cast<int>(kind));
        CAPTURE(freeze);
        TrainConfig c;
        c.layers.count = 0;
        for (uint32_t v : sizes) c.layers.size[c.layers.count++] = v;
        c.batch = 64;
        c.optimizer = kind;
        c.hp = optimizer_defaults(kind);
        c.scalar = scalar;
        c.freeze = static_cast<uint8_t>(freeze);
        c.threads = 2;
        MemoryPlan plan;
        REQUIRE(trainer_plan(c, DataShape{4, 64, 32, 16}, &plan).ok());
        LayoutShape s;
        s.sizes = sizes.data();
        s.layers = 3;
        s.batch = 64;
        s.threads = 2;
        s.scalar = scalar;
        s.frozen = freeze;
        s.optimizer = kind;
        s.channels = 4;
        s.train_count = 32;
        size_t by_category[static_cast<int>(MemCategory::kCount)] = {};
        walk_trainer_layout(s, [&](Piece p, int, size_t bytes) {
          if (p != Piece::kProducts) by_category[static_cast<int>(category_of(p))] += bytes;
        });
        auto planned = [&](MemCategory m) { return plan.by_category[static_cast<int>(m)]; };
        auto walked = [&](MemCategory m) { return by_category[static_cast<int>(m)]; };
        for (MemCategory m : {MemCategory::kParameters, MemCategory::kGradients, MemCategory::kActivations,
                              MemCategory::kIndices}) {
          CAPTURE(mem_category_name(m));
          CHECK(planned(m) == walked(m));
        }
        CHECK(planned(MemCategory::kOptimizerState) >= walked(MemCategory::kOptimizerState));
        CHECK(planned(MemCategory::kOptimizerState) < walked(MemCategory::kOptimizerState) + 64);
        // Input batch, normalisation (32 bytes: the labels after it carry the padding) and labels.
        CHECK(planned(MemCategory::kInputBatch) == walked(MemCategory::kInputBatch) + 32);
      }
    }
  }
}
