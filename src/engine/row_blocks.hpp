// Splits rows into contiguous blocks for the model's task runner: the rows of a product's result
// (row_block_range) and of a parameter tensor in the passes whose rows are independent
// (for_row_blocks: optimizer, GC). Each row's arithmetic is the same in any block, so results do
// not depend on the thread count.
#pragma once

#include <cstdint>

#include "gctrain/mlp.hpp"

namespace gct {

// Rows [*begin, *end) of block i when m rows are split into `blocks` contiguous blocks whose sizes
// are multiples of `align` (a kernel's tile height), all but the last of equal size; empty blocks
// come out as begin == end == m.
inline void row_block_range(int64_t m, uint32_t blocks, uint32_t i, int64_t align, int64_t* begin, int64_t* end) {
  const int64_t per = ((m + blocks - 1) / blocks + align - 1) / align * align;
  *begin = per * i < m ? per * i : m;
  *end = *begin + per < m ? *begin + per : m;
}

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
        int64_t begin = 0, end = 0;
        row_block_range(j.rows, j.blocks, i, 1, &begin, &end);
        if (begin < end) (*j.fn)(static_cast<uint32_t>(begin), static_cast<uint32_t>(end), i);
      },
      &job, job.blocks);
}

}  // namespace gct
