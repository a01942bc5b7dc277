// Splits the rows of a parameter tensor into contiguous blocks run on the model's task runner, for
// the passes (optimizer, GC) whose rows are independent: each row's arithmetic is the same in any
// block, so results do not depend on the thread count.
#pragma once

#include <cstdint>

#include "gctrain/mlp.hpp"

namespace gct {

// Blocks worth splitting `rows` into: one per thread, unless the tensor is too small to pay for
// waking the threads.
inline uint32_t row_block_count(const Mlp& mlp, uint32_t rows) {
  constexpr uint32_t kMinRowsPerBlock = 8;
  return rows >= kMinRowsPerBlock * mlp.threads ? mlp.threads : 1;
}

// Calls fn(begin, end, block) for blocks [0, row_block_count) of rows [0, rows), possibly at once.
template <typename Fn>
void for_row_blocks(const Mlp& mlp, uint32_t rows, Fn& fn) {
  struct Job {
    Fn* fn;
    uint32_t rows, blocks;
  };
  Job job{&fn, rows, row_block_count(mlp, rows)};
  run_tasks(
      mlp.runner,
      [](void* arg, uint32_t i) {
        const Job& j = *static_cast<const Job*>(arg);
        const uint32_t per = (j.rows + j.blocks - 1) / j.blocks;
        const uint32_t begin = per * i < j.rows ? per * i : j.rows;
        const uint32_t end = begin + per < j.rows ? begin + per : j.rows;
        if (begin < end) (*j.fn)(begin, end, i);
      },
      &job, job.blocks);
}

}  // namespace gct
