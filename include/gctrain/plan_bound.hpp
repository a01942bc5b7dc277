// A compile-time upper bound of trainer_plan(), so firmware can size a static arena:
//
//   constexpr uint32_t kSizes[] = {64, 32, 10};
//   constexpr size_t kArena = gct::trainer_arena_bound(kSizes, 3, 16, gct::OptimizerKind::kAdam, 1, 500);
//   static_assert(kArena + kStack <= kBoardRam, "model does not fit the board");
//   alignas(64) static uint8_t arena[kArena];
//
// It walks the layout the setup carves (layout.hpp) with one difference: the products' working
// memory is bounded by that of Eigen's blocked GEMM, whose exact size depends on cache sizes known
// only at run time, by whole panels (kc <= k, mc <= n, nc <= m). A build with the AVX-512 kernels
// needs less (one transposed input and one transposed output, no scratch). Everything else is
// exact, and a test checks bound >= plan for many shapes.
// For ScalarKind::kFixed the layout has no cache-dependent part and the bound is exact; so is the
// float bound compiled for a Cortex-M with an FPU, whose products need no working memory.
#pragma once

#include <cstddef>
#include <cstdint>

#include "gctrain/config.hpp"
#include "gctrain/layout.hpp"

namespace gct {

// The fixed-point products pack their operands in int16 pairs, in panels of these sizes: stated
// here, read by the integer kernels (fixed/qgemm.cpp), the workspace they plan and the bound below.
constexpr int kQGemmPanelRows = 8;   // A
constexpr int kQGemmPanelCols = 16;  // B
constexpr int kQGemmKAlign = 32;     // 2 * fx::kChunkPairs (fixed/fixed.hpp checks it)
constexpr uint64_t qgemm_round_up(uint64_t x, uint64_t to) { return (x + to - 1) / to * to; }
// int32 pairs of the packed operands of an M x K by K x N product.
constexpr uint64_t qgemm_pack_a_pairs(uint64_t m, uint64_t k) {
  return qgemm_round_up(m, kQGemmPanelRows) * qgemm_round_up(k, kQGemmKAlign) / 2;
}
constexpr uint64_t qgemm_pack_b_pairs(uint64_t n, uint64_t k) {
  return qgemm_round_up(n, kQGemmPanelCols) * qgemm_round_up(k, kQGemmKAlign) / 2;
}

namespace plan_detail {

// The float products of a Cortex-M with an FPU (the engine's own kernels, dense/products.hpp) take
// no working memory from the arena.
#if defined(__ARM_ARCH_PROFILE) && __ARM_ARCH_PROFILE == 'M' && defined(__ARM_FP) && !defined(GCT_EIGEN_PRODUCTS)
constexpr bool kFloatProductsNeedNoMemory = true;
#else
constexpr bool kFloatProductsNeedNoMemory = false;
#endif

constexpr uint64_t alloc(uint64_t used, uint64_t bytes) { return (used + 63) / 64 * 64 + bytes; }
constexpr uint64_t max(uint64_t a, uint64_t b) { return a > b ? a : b; }
// Sums are taken in 64 bits whatever the target; a bound past what size_t counts comes out as
// SIZE_MAX, which no static array can take: a 32-bit firmware fails to compile instead of sizing
// its arena from a wrapped number.
constexpr size_t to_size(uint64_t bytes) { return bytes > SIZE_MAX ? SIZE_MAX : static_cast<size_t>(bytes); }

}  // namespace plan_detail

// The fixed-point products' working memory, exactly: room for the packed operands of the largest
// of each layer's products (forward; weight gradient where trainable; input gradient above the
// lowest trainable layer), in int32 pairs. The fixed path lays out exactly this.
struct PackedPairs {
  uint64_t a = 0, b = 0;
};
constexpr PackedPairs wider(const PackedPairs& x, const PackedPairs& y) {
  return {plan_detail::max(x.a, y.a), plan_detail::max(x.b, y.b)};
}

// A convolution's products, one sample at a time (fixed/conv.cpp): forward [filters x fan_in] by
// [fan_in x pixels]; weight gradient [filters x pixels] by [pixels x fan_in]; input gradient
// [fan_in x filters] by [filters x pixels].
constexpr PackedPairs conv_products_pairs(const ConvShape& g, bool weight_gradient, bool input_gradient) {
  using plan_detail::max;
  const uint64_t c = g.channels, f = g.fan_in(), p = g.conv_pixels();
  PackedPairs r{qgemm_pack_a_pairs(c, f), qgemm_pack_b_pairs(p, f)};
  if (weight_gradient) r = {max(r.a, qgemm_pack_a_pairs(c, p)), max(r.b, qgemm_pack_b_pairs(f, p))};
  if (input_gradient) r = {max(r.a, qgemm_pack_a_pairs(f, c)), max(r.b, qgemm_pack_b_pairs(p, c))};
  return r;
}

constexpr PackedPairs fixed_products_pairs(const LayoutShape& s) {
  using plan_detail::max;
  const uint64_t batch = s.batch;
  PackedPairs p;
  for (int l = 0; l < s.layers; ++l) {
    if (is_conv(s, l)) {
      p = wider(p, conv_products_pairs(s.conv[l], l >= s.frozen, l > s.frozen));
      continue;
    }
    const uint64_t in = s.sizes[l], out = s.sizes[l + 1];
    p.a = max(p.a, qgemm_pack_a_pairs(batch, in));  // forward: [batch x in] by [in x out]
    p.b = max(p.b, qgemm_pack_b_pairs(out, in));
    if (l < s.frozen) continue;
    p.a = max(p.a, qgemm_pack_a_pairs(out, batch));  // weight gradient: [out x batch] by [batch x in]
    p.b = max(p.b, qgemm_pack_b_pairs(in, batch));
    if (l > s.frozen) {
      p.a = max(p.a, qgemm_pack_a_pairs(batch, out));  // input gradient: [batch x out] by [out x in]
      p.b = max(p.b, qgemm_pack_b_pairs(in, out));
    }
  }
  return p;
}

namespace plan_detail {

// The products' working memory: exact in fixed point, an upper bound in float32 (Eigen's blocks
// by whole panels, which also covers the AVX-512 kernels' transposed input and output).
constexpr uint64_t products_bound(uint64_t used, const LayoutShape& s) {
  const uint32_t batch = s.batch;
  if (s.scalar == ScalarKind::kFixed) {
    const PackedPairs p = fixed_products_pairs(s);
    return alloc(alloc(used, p.a * 4), p.b * 4);
  }
  if (kFloatProductsNeedNoMemory) return used;
  uint64_t widest_hidden = 0;  // the scratch: the input gradient of a layer above the lowest trainable one
  for (int l = s.frozen + 1; l < s.layers; ++l) widest_hidden = is_conv(s, l) ? widest_hidden : max(widest_hidden, s.sizes[l]);
  if (widest_hidden > 0) used = alloc(used, uint64_t{batch} * widest_hidden * 4);
  uint64_t block_a = 0, block_b = 0;  // floats
  struct Product {
    uint64_t m, n, k;  // C[m x n] += A[m x k] B[k x n] packs at most k*n and k*m values
  };
  auto packs = [&](Product p) {
    block_a = max(block_a, p.k * p.n);
    block_b = max(block_b, p.k * p.m);
  };
  // Each layer's forward product, its weight gradient where it trains, its input gradient above the
  // lowest trainable layer.
  for (int l = 0; l < s.layers; ++l) {
    if (is_conv(s, l)) {  // one sample's products; the columns themselves are a piece of the layout
      const uint64_t filters = s.conv[l].channels, fan_in = s.conv[l].fan_in(), pixels = s.conv[l].conv_pixels();
      packs({filters, pixels, fan_in});
      if (l >= s.frozen) packs({filters, fan_in, pixels});
      if (l > s.frozen) packs({fan_in, pixels, filters});
      continue;
    }
    const uint64_t in = s.sizes[l], out = s.sizes[l + 1];
    packs({batch, out, in});
    block_a = max(block_a, out * batch);  // the AVX-512 kernels' transposed output
    if (l >= s.frozen) packs({out, in, batch});
    if (l > s.frozen) packs({batch, in, out});
  }
  for (uint32_t t = 0; t < (s.threads < 1 ? 1 : s.threads); ++t) used = alloc(alloc(used, block_a * 4), block_b * 4);
  return used;
}

// Walks a layout adding up its pieces, each 64-byte aligned.
struct Sum {
  const LayoutShape* shape;
  uint64_t used = 0;
  constexpr void operator()(Piece piece, int, uint64_t bytes) {
    used = piece == Piece::kProducts ? products_bound(used, *shape) : alloc(used, bytes);
  }
};

}  // namespace plan_detail

// The trainer arena of any network, convolutions included (a constexpr LayerSizes: its conv[] filled
// in), as trainer_plan() would lay it out at most.
constexpr size_t trainer_arena_bound(const LayerSizes& layers, uint32_t batch, OptimizerKind optimizer,
                                     uint32_t channels, uint32_t train_count, uint32_t threads = 1,
                                     ScalarKind scalar = ScalarKind::kFloat, int freeze = 0) {
  LayoutShape s;
  s.sizes = layers.size;
  s.conv = layers.conv;
  s.layers = layers.count - 1;
  s.batch = batch;
  s.threads = threads < 1 ? 1 : threads;
  s.scalar = scalar;
  s.frozen = freeze;
  s.optimizer = optimizer;
  s.channels = channels;
  s.train_count = train_count;
  plan_detail::Sum sum{&s};
  walk_trainer_layout(s, sum);
  return plan_detail::to_size(sum.used);
}


// An MLP of `count` widths.
constexpr size_t trainer_arena_bound(const uint32_t* sizes, int count, uint32_t batch,
                                     OptimizerKind optimizer, uint32_t channels,
                                     uint32_t train_count, uint32_t threads = 1,
                                     ScalarKind scalar = ScalarKind::kFloat, int freeze = 0) {
  LayerSizes layers;
  layers.count = count;
  for (int i = 0; i < count && i <= kMaxLayers; ++i) layers.size[i] = sizes[i];
  return trainer_arena_bound(layers, batch, optimizer, channels, train_count, threads, scalar, freeze);
}

// The same for a predictor (predictor.hpp): one batch of activations, the forward products'
// working memory and the normalisation; the weights stay in the model file.
constexpr size_t predictor_arena_bound(const uint32_t* sizes, int count, uint32_t batch, uint32_t channels,
                                       ScalarKind scalar = ScalarKind::kFloat) {
  LayoutShape s;
  s.sizes = sizes;
  s.layers = count - 1;
  s.batch = batch;
  s.scalar = scalar;
  s.channels = channels;
  LayoutShape inference = s;  // the products' bound reads the frozen layers from the shape walked
  inference.frozen = s.layers;
  plan_detail::Sum sum{&inference};
  walk_predictor_layout(s, sum);
  return plan_detail::to_size(sum.used);
}

}  // namespace gct
