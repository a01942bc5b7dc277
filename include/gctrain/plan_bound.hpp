// A compile-time upper bound of trainer_plan(), so firmware can size a static arena:
//
//   constexpr uint32_t kSizes[] = {64, 32, 10};
//   constexpr size_t kArena = gct::trainer_arena_bound(kSizes, 3, 16, gct::OptimizerKind::kAdam, 1, 500);
//   static_assert(kArena + kStack <= kBoardRam, "model does not fit the board");
//   alignas(64) static uint8_t arena[kArena];
//
// It replays the layout of trainer.cpp with one difference: the products' working memory is
// bounded by that of Eigen's blocked GEMM, whose exact size depends on cache sizes known only at
// run time, by whole panels (kc <= k, mc <= n, nc <= m). A build with the AVX-512 kernels needs
// less (one transposed input and one transposed output, no scratch). Everything else is exact,
// and a test checks bound >= plan for many shapes.
// For ScalarKind::kFixed the layout has no cache-dependent part and the bound is exact; so is the
// float bound compiled for a Cortex-M with an FPU, whose products need no working memory.
#pragma once

#include <cstddef>
#include <cstdint>

#include "gctrain/config.hpp"

namespace gct {

// The fixed-point products pack their operands in int16 pairs, in panels of these sizes: stated
// here, read by the integer kernels (fixed/qgemm.cpp), the workspace they plan and the bound below.
constexpr int kQGemmPanelRows = 8;   // A
constexpr int kQGemmPanelCols = 16;  // B
constexpr int kQGemmKAlign = 32;     // 2 * fx::kChunkPairs (fixed.hpp checks it)
constexpr size_t qgemm_round_up(size_t x, size_t to) { return (x + to - 1) / to * to; }
// int32 pairs of the packed operands of an M x K by K x N product.
constexpr size_t qgemm_pack_a_pairs(size_t m, size_t k) {
  return qgemm_round_up(m, kQGemmPanelRows) * qgemm_round_up(k, kQGemmKAlign) / 2;
}
constexpr size_t qgemm_pack_b_pairs(size_t n, size_t k) {
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

constexpr size_t alloc(size_t used, size_t bytes) { return (used + 63) / 64 * 64 + bytes; }
constexpr size_t max(size_t a, size_t b) { return a > b ? a : b; }

}  // namespace plan_detail

constexpr size_t trainer_arena_bound(const uint32_t* sizes, int count, uint32_t batch,
                                     OptimizerKind optimizer, uint32_t channels,
                                     uint32_t train_count, uint32_t threads = 1,
                                     ScalarKind scalar = ScalarKind::kFloat, int freeze = 0) {
  using plan_detail::alloc;
  using plan_detail::max;
  size_t u = 0;
  const int layers = count - 1;
  const bool fixed = scalar == ScalarKind::kFixed;
  for (int pass = 0; pass < 2; ++pass) {  // parameters, then gradients (4 bytes a value either way)
    for (int l = pass == 0 ? 0 : freeze; l < layers; ++l) {
      u = alloc(u, size_t{sizes[l + 1]} * sizes[l] * 4);
      u = alloc(u, size_t{sizes[l + 1]} * 4);
    }
  }
  size_t widest_hidden = 0;
  for (int l = 0; l <= layers; ++l) {  // input batch, then activations
    u = alloc(u, size_t{batch} * sizes[l] * 4);
    if (l > freeze && l < layers) widest_hidden = max(widest_hidden, sizes[l]);
  }
  if (fixed) {
    // Integer packing space (qgemm.cpp) for the three products of every layer; no scratch.
    size_t pa = 0, pb = 0;
    for (int l = 0; l < layers; ++l) {
      const size_t in = sizes[l], out = sizes[l + 1];
      pa = max(pa, qgemm_pack_a_pairs(batch, in));
      pb = max(pb, qgemm_pack_b_pairs(out, in));
      if (l < freeze) continue;
      pa = max(pa, qgemm_pack_a_pairs(out, batch));
      pb = max(pb, qgemm_pack_b_pairs(in, batch));
      if (l > freeze) {
        pa = max(pa, qgemm_pack_a_pairs(batch, out));
        pb = max(pb, qgemm_pack_b_pairs(in, out));
      }
    }
    u = alloc(u, pa * 4);
    u = alloc(u, pb * 4);
  } else if (!plan_detail::kFloatProductsNeedNoMemory) {
    u = alloc(u, size_t{batch} * widest_hidden * 4);
    size_t block_a = 0, block_b = 0;  // floats; C[m x n] += A[m x k] B[k x n] needs <= k*n and k*m
    for (int l = 0; l < layers; ++l) {
      const size_t in = sizes[l], out = sizes[l + 1];
      block_a = max(block_a, in * out);      // forward: m = batch, n = out, k = in
      block_b = max(block_b, in * batch);
      if (l < freeze) continue;
      block_a = max(block_a, batch * in);    // weight gradient: m = out, n = in, k = batch
      block_b = max(block_b, batch * out);
      if (l > freeze) {
        block_a = max(block_a, out * in);    // input gradient: m = batch, n = in, k = out
        block_b = max(block_b, out * batch);
      }
    }
    for (uint32_t t = 0; t < (threads < 1 ? 1 : threads); ++t) {
      u = alloc(u, block_a * 4);
      u = alloc(u, block_b * 4);
    }
  }
  // Optimizer state per layer: float keeps 1 or 2 float tensors; fixed point a first moment of
  // int32 (sgdm, adam) and a second of int64 (adagrad, rmsprop, adam).
  const OptimizerStateKept kept = optimizer_state_kept(optimizer);
  size_t widest = 0;
  for (int l = freeze; l < layers; ++l) {
    const size_t out = sizes[l + 1];
    const size_t n = out * sizes[l];
    if (fixed) {
      if (kept.first) u = alloc(alloc(u, n * 4), out * 4);
      if (kept.second) u = alloc(alloc(u, n * 8), out * 8);
    } else {
      for (int k = 0; k < kept.tensors(); ++k) u = alloc(alloc(u, n * 4), out * 4);
    }
    widest = max(widest, max(sizes[l], sizes[l + 1]));
  }
  u = alloc(u, widest * 4 * (threads < 1 ? 1 : threads));  // optimizer row per thread
  u = alloc(u, size_t{channels} * 2 * 4);      // normalisation
  u = alloc(u, batch);                         // batch labels
  u = alloc(u, size_t{train_count} * 4);       // shuffle order
  return u;
}

// The same for a predictor (predictor.hpp): one batch of activations, the forward products'
// working memory and the normalisation; the weights stay in the model file.
constexpr size_t predictor_arena_bound(const uint32_t* sizes, int count, uint32_t batch, uint32_t channels,
                                       ScalarKind scalar = ScalarKind::kFloat) {
  using plan_detail::alloc;
  using plan_detail::max;
  size_t u = 0;
  const int layers = count - 1;
  for (int l = 0; l <= layers; ++l) u = alloc(u, size_t{batch} * sizes[l] * 4);  // input, then activations
  // Two buffers: fixed point's packed operands; float's Eigen blocks (k*n, k*m) or the AVX-512
  // kernels' transposed output and input (out*batch, in*batch).
  size_t pa = 0, pb = 0;
  for (int l = 0; l < layers; ++l) {
    const size_t in = sizes[l], out = sizes[l + 1];
    pa = max(pa, scalar == ScalarKind::kFixed ? qgemm_pack_a_pairs(batch, in) : max(in * out, out * batch));
    pb = max(pb, scalar == ScalarKind::kFixed ? qgemm_pack_b_pairs(out, in) : in * batch);
  }
  if (scalar == ScalarKind::kFixed || !plan_detail::kFloatProductsNeedNoMemory) {
    u = alloc(u, pa * 4);
    u = alloc(u, pb * 4);
  }
  return alloc(u, size_t{channels} * 2 * 4);  // normalisation
}

}  // namespace gct
