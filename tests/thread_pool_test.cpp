#include "host/thread_pool.hpp"

#include <doctest/doctest.h>

#include <string>

#include <atomic>
#include <memory>
#include <vector>

#include "gctrain/trainer.hpp"
#include "synthetic.hpp"

using namespace gct;

namespace {

struct Counts {
  std::vector<std::atomic<int>> hits = std::vector<std::atomic<int>>(64);
};

void count_task(void* arg, uint32_t i) { static_cast<Counts*>(arg)->hits[i]++; }

uint32_t train_crc(uint32_t threads, host::ThreadPool* pool) {
  auto data = testing::make_separable(300, 10, 3, 8, 8, 2);
  TrainConfig c = testing::config_for(data.view, {96, 40}, 64, OptimizerKind::kAdam, GcMode::kGrad, 4);
  c.threads = threads;
  MemoryPlan plan;
  REQUIRE(trainer_plan(c, data_shape_of(data.view), &plan).ok());
  testing::AlignedBuffer buffer(plan.total);
  Trainer t;
  REQUIRE(trainer_setup(&t, c, data.view, buffer.data, plan.total).ok());
  if (pool) trainer_set_runner(&t, pool->runner());
  for (int e = 0; e < 3; ++e) {
    trainer_begin_epoch(&t);
    while (!trainer_epoch_done(t)) {
      StepResult r;
      REQUIRE(trainer_step(&t, &r).ok());
    }
  }
  return trainer_parameters_crc32(t);
}

}  // namespace

TEST_CASE("every task index runs exactly once, over many dispatches") {
  for (uint32_t threads : {1u, 2u, 4u}) {
    host::ThreadPool pool(threads);
    for (int round = 0; round < 500; ++round) {
      Counts counts;
      const uint32_t n = 1 + static_cast<uint32_t>(round % 37);
      pool.run(count_task, &counts, n);
      for (uint32_t i = 0; i < 64; ++i) CHECK(counts.hits[i].load() == (i < n ? 1 : 0));
    }
  }
}

TEST_CASE("training results do not depend on the thread count") {
  const uint32_t one = train_crc(1, nullptr);
  host::ThreadPool two(2), three(3);
  CHECK(train_crc(2, &two) == one);
  CHECK(train_crc(3, &three) == one);
  CHECK(train_crc(4, nullptr) == one);  // four row blocks run one after another
}

TEST_CASE("the plan charges working memory per thread only where the kernels need it") {
  TrainConfig c = default_train_config();
  DataShape shape{3, 3072, 50000, 100};
  MemoryPlan one, four;
  REQUIRE(trainer_plan(c, shape, &one).ok());
  c.threads = 4;
  REQUIRE(trainer_plan(c, shape, &four).ok());
  const int ws = static_cast<int>(MemCategory::kGemmWorkspace);
  REQUIRE(one.by_category[ws] > 0);
  if (std::string(mlp_float_kernels()) == "avx512") {
    // Own kernels: one transposed input and one transposed output, shared by the row blocks.
    CHECK(four.by_category[ws] == one.by_category[ws]);
    CHECK(one.by_category[ws] == (3072 + 512) * 128 * 4);
  } else {
    // Eigen: every row block packs its own operands.
    CHECK(four.by_category[ws] >= 4 * one.by_category[ws] - 4 * 128);
  }
  // The optimizer updates row blocks at once, each with its own row buffer (3072 floats here).
  const int scratch = static_cast<int>(MemCategory::kScratch);
  CHECK(four.by_category[scratch] == one.by_category[scratch] + 3 * 3072 * 4);
  CHECK(four.total - four.by_category[ws] - four.by_category[scratch] ==
        one.total - one.by_category[ws] - one.by_category[scratch]);
}
