// A small Mlp with optimizer state, laid out in its own arena, for tests of GC and optimizers.
#pragma once

#include <memory>

#include "gctrain/mlp.hpp"
#include "gctrain/optimizer.hpp"
#include "synthetic.hpp"

namespace gct::testing {

struct ModelFixture {
  Mlp mlp;
  OptimizerState opt;
  std::unique_ptr<AlignedBuffer> buffer;

  ModelFixture(const char* sizes, uint32_t batch, OptimizerKind kind) {
    LayerSizes ls;
    if (!parse_layer_sizes(sizes, &ls).ok()) throw "bad sizes";
    Arena counting;
    arena_init_counting(&counting);
    mlp_layout(&mlp, ls, batch, &counting);
    optimizer_layout(&opt, kind, mlp, &counting);
    buffer = std::make_unique<AlignedBuffer>(counting.used);
    Arena arena;
    if (!arena_init(&arena, buffer->data, counting.used).ok()) throw "arena";
    mlp_layout(&mlp, ls, batch, &arena);
    optimizer_layout(&opt, kind, mlp, &arena);
    if (arena.exhausted) throw "exhausted";
  }
};

}  // namespace gct::testing
