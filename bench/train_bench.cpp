// Training-step benchmark: samples/s, seconds per CIFAR-100 epoch and GFLOP/s of the step for each
// optimizer, next to the same matrix products run bare in the same process (Eigen's blocked GEMM,
// gctrain's AVX-512 kernels where built, OpenBLAS's sgemm when built with it). The fastest bare path
// is timed again in every repetition right before the steps, so the step's efficiency is a ratio
// of two medians taken side by side. Not a test: numbers on a shared machine vary; compare within
// one run.
//
//   train_bench [--steps N] [--reps R] [--data DIR] [--layers 3072,512,256,100] [--batch 128]
#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "engine/dense/fgemm.hpp"
#include "engine/dense/gemm.hpp"
#include "host/data.hpp"
#include "gctrain/rng.hpp"
#include "engine/fixed/qgemm.hpp"
#include "gctrain/trainer.hpp"

#ifdef GCT_HAVE_OPENBLAS
#include <cblas.h>
#endif

using namespace gct;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

double median(std::vector<double> t) {
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

template <typename F>
double median_seconds(int reps, F&& f) {
  std::vector<double> t;
  for (int r = 0; r < reps; ++r) {
    const auto s = Clock::now();
    f();
    t.push_back(seconds_since(s));
  }
  return median(t);
}

struct Product {
  Trans ta, tb;
  int64_t m, n, k;
};

// The products of one training step (forward, weight gradient, input gradient but the first).
std::vector<Product> step_products(const LayerSizes& s, uint32_t batch, bool backward) {
  std::vector<Product> p;
  for (int l = 0; l + 1 < s.count; ++l) {
    const int64_t in = s.size[l], out = s.size[l + 1];
    p.push_back({Trans::kNo, Trans::kYes, batch, out, in});
    if (backward) {
      p.push_back({Trans::kYes, Trans::kNo, out, in, batch});
      if (l > 0) p.push_back({Trans::kNo, Trans::kNo, batch, in, out});
    }
  }
  return p;
}

double flops(const std::vector<Product>& ps) {
  double f = 0;
  for (const auto& p : ps) f += 2.0 * p.m * p.n * p.k;
  return f;
}

struct Buffers {
  std::vector<float> a, b, c;
};

Buffers buffers_for(const std::vector<Product>& ps) {
  size_t a = 0, b = 0, c = 0;
  for (const auto& p : ps) {
    a = std::max<size_t>(a, p.m * p.k);
    b = std::max<size_t>(b, p.k * p.n);
    c = std::max<size_t>(c, p.m * p.n);
  }
  Buffers buf{std::vector<float>(a, 0.5f), std::vector<float>(b, 0.25f), std::vector<float>(c, 0.0f)};
  return buf;
}

double bare_gctrain_gemm(const std::vector<Product>& ps, int reps) {
  GemmWorkspace ws;
  std::vector<GemmBlocking> blocking;
  for (const auto& p : ps) blocking.push_back(gemm_workspace_require(&ws, p.m, p.n, p.k));
  Arena counting;
  arena_init_counting(&counting);
  GemmWorkspace probe = ws;
  gemm_workspace_layout(&probe, &counting);
  void* mem = std::aligned_alloc(64, (counting.used + 63) / 64 * 64);
  Arena arena;
  (void)arena_init(&arena, mem, (counting.used + 63) / 64 * 64);
  gemm_workspace_layout(&ws, &arena);
  Buffers buf = buffers_for(ps);
  const double t = median_seconds(reps, [&] {
    for (size_t i = 0; i < ps.size(); ++i) {
      const Product& p = ps[i];
      const int64_t lda = p.ta == Trans::kNo ? p.k : p.m, ldb = p.tb == Trans::kNo ? p.n : p.k;
      gemm(ws, blocking[i], p.ta, p.tb, p.m, p.n, p.k, 1.0f, buf.a.data(), lda, buf.b.data(), ldb, buf.c.data(), p.n);
    }
  });
  std::free(mem);
  return t;
}

#if GCT_FGEMM_AVX512
// The same products on the kernels the float step uses on this build (fgemm.hpp), in the operand
// layouts the step gives them: forward Z^T = W X^T (X^T already formed), dW = dZ^T X, dX = dZ W.
double bare_fgemm(const std::vector<Product>& ps, int reps) {
  Buffers buf = buffers_for(ps);
  return median_seconds(reps, [&] {
    for (const Product& p : ps) {
      if (p.tb == Trans::kYes) {  // forward: m = batch, n = out, k = in
        fgemm(p.n, p.m, p.k, buf.b.data(), p.k, 1, buf.a.data(), p.m, buf.c.data(), p.m, false, FgemmStore::kPlain);
      } else if (p.ta == Trans::kYes) {  // weight gradient: m = out, n = in, k = batch
        fgemm(p.m, p.n, p.k, buf.a.data(), 1, p.m, buf.b.data(), p.n, buf.c.data(), p.n, false, FgemmStore::kPlain);
      } else {  // input gradient: m = batch, n = in, k = out
        fgemm(p.m, p.n, p.k, buf.a.data(), p.k, 1, buf.b.data(), p.n, buf.c.data(), p.n, false, FgemmStore::kPlain);
      }
    }
  });
}
#endif

#ifdef GCT_HAVE_OPENBLAS
double bare_openblas(const std::vector<Product>& ps, int reps) {
  Buffers buf = buffers_for(ps);
  return median_seconds(reps, [&] {
    for (const Product& p : ps) {
      const int64_t lda = p.ta == Trans::kNo ? p.k : p.m, ldb = p.tb == Trans::kNo ? p.n : p.k;
      cblas_sgemm(CblasRowMajor, p.ta == Trans::kNo ? CblasNoTrans : CblasTrans,
                  p.tb == Trans::kNo ? CblasNoTrans : CblasTrans, p.m, p.n, p.k, 1.0f, buf.a.data(), lda,
                  buf.b.data(), ldb, 1.0f, buf.c.data(), p.n);
    }
  });
}
#endif

// The benchmarked configuration: the optimizer's defaults with GC on the gradient.
TrainConfig bench_config(const LayerSizes& sizes, uint32_t batch, OptimizerKind kind) {
  TrainConfig c;
  c.layers = sizes;
  c.batch = batch;
  c.optimizer = kind;
  c.hp = optimizer_defaults(kind);
  c.gc = GcMode::kGrad;
  return c;
}

// A trainer in its own arena that can run full-sized steps.
struct BenchTrainer {
  void* mem = nullptr;
  Trainer t;
  uint32_t batch = 0;
  BenchTrainer(const TrainConfig& c, const DatasetView& train) : batch(c.batch) {
    MemoryPlan plan;
    Status s = trainer_plan(c, data_shape_of(train), &plan);
    if (s.ok()) {
      mem = std::aligned_alloc(64, (plan.total + 63) / 64 * 64);
      s = trainer_setup(&t, c, train, mem, plan.total);
    }
    if (!s.ok()) {
      fmt::print(stderr, "train_bench: {}\n", s.message());
      std::exit(1);
    }
  }
  ~BenchTrainer() { std::free(mem); }
  void run_steps(int n) {
    for (int i = 0; i < n; ++i) {
      // Keep every measured batch full-sized.
      if (trainer_epoch_done(t) || t.train.count - t.cursor < batch) trainer_begin_epoch(&t);
      StepResult r;
      if (!trainer_step(&t, &r).ok()) std::abort();
    }
  }
};

// Packing space outside an arena, 64-byte aligned like the arena's.
struct PackBuffers {
  std::vector<int32_t> a, b;
  explicit PackBuffers(QGemmWorkspace* ws) : a(ws->a_pairs + 16), b(ws->b_pairs + 16) {
    ws->pack_a = reinterpret_cast<int32_t*>((reinterpret_cast<uintptr_t>(a.data()) + 63) & ~uintptr_t{63});
    ws->pack_b = reinterpret_cast<int32_t*>((reinterpret_cast<uintptr_t>(b.data()) + 63) & ~uintptr_t{63});
  }
};

// The same products on the fixed-point path's integer kernels (int32 tensors in, int32 out).
double bare_qgemm(const std::vector<Product>& ps, int reps) {
  QGemmWorkspace ws;
  for (const auto& p : ps) qgemm_workspace_require(&ws, p.m, p.n, p.k);
  PackBuffers packing(&ws);
  size_t a = 0, b = 0, c = 0;
  for (const auto& p : ps) {
    a = std::max<size_t>(a, p.m * p.k);
    b = std::max<size_t>(b, p.k * p.n);
    c = std::max<size_t>(c, p.m * p.n);
  }
  std::vector<int32_t> av(a, 3 << 20), bv(b, -(5 << 18)), cv(c, 0);
  QEpilogue ep;
  ep.out_frac = 16;
  return median_seconds(reps, [&] {
    for (const Product& p : ps) {
      const QOperand qa = p.ta == Trans::kNo ? QOperand{av.data(), p.k, 1, 16} : QOperand{av.data(), 1, p.m, 16};
      const QOperand qb = p.tb == Trans::kNo ? QOperand{bv.data(), p.n, 1, 28} : QOperand{bv.data(), 1, p.k, 28};
      if (!qgemm(ws, nullptr, 1, p.m, p.n, p.k, qa, qb, cv.data(), p.n, ep)) std::abort();
    }
  });
}

}  // namespace

int main(int argc, char** argv) {
  int steps = 40, reps = 5;
  std::string data_dir, layers = "3072,512,256,100";
  uint32_t batch = 128;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
    if (a == "--steps") steps = std::atoi(next().c_str());
    else if (a == "--reps") reps = std::atoi(next().c_str());
    else if (a == "--data") data_dir = next();
    else if (a == "--layers") layers = next();
    else if (a == "--batch") batch = static_cast<uint32_t>(std::atoi(next().c_str()));
    else {
      fmt::print(stderr, "usage: train_bench [--steps N] [--reps R] [--data DIR] [--layers L] [--batch B]\n");
      return 2;
    }
  }
  LayerSizes sizes;
  if (!parse_layer_sizes(layers.c_str(), &sizes).ok() || steps < 1 || reps < 1 || batch < 1) {
    fmt::print(stderr, "train_bench: bad arguments\n");
    return 2;
  }

  // Data: real blobs if given, else random pixels in the CIFAR-100 shape.
  host::DataFolder folder;
  DatasetView train;
  std::vector<uint8_t> pixels, labels;
  if (!data_dir.empty()) {
    Status s = host::open_data_folder(data_dir, &folder, true);
    if (!s.ok()) {
      fmt::print(stderr, "train_bench: {}\n", s.message());
      return 1;
    }
    train = folder.train.data;
  } else {
    const uint32_t n = batch * 64;
    Rng rng;
    rng_seed(&rng, 1, RngStream::kApplication);
    pixels.resize(size_t{n} * sizes.input());
    labels.resize(n);
    for (auto& p : pixels) p = static_cast<uint8_t>(rng_next_u32(&rng));
    for (auto& l : labels) l = static_cast<uint8_t>(rng_below(&rng, sizes.output()));
    train.pixels = pixels.data();
    train.fine = labels.data();
    train.count = n;
    train.channels = 1;
    train.height = 1;
    train.width = static_cast<uint16_t>(sizes.input());
    train.num_fine = static_cast<uint16_t>(sizes.output());
    train.mean[0] = 0.5f;
    train.stddev[0] = 0.25f;
  }

  const auto products = step_products(sizes, batch, true);
  const auto forward = step_products(sizes, batch, false);
  const double step_flops = flops(products), fwd_flops = flops(forward);
  fmt::print("gctrain step benchmark: MLP {} batch {}, {} steps x {} reps (median), {:.2f} MFLOP per sample\n",
             layers, batch, steps, reps, step_flops / batch / 1e6);
  // Every bare path once, to find the fastest; it is then measured again beside each optimizer's
  // steps, repetition by repetition, so that the step's efficiency is a ratio of two medians taken
  // under the same load (this machine is shared, and its speed drifts during a run).
  const double bare = bare_gctrain_gemm(products, reps * 4);
  fmt::print("bare GEMMs of one step, Eigen (gctrain's path without AVX-512, arena packing): {:.2f} ms  {:.1f} GFLOP/s\n",
             bare * 1e3, step_flops / bare / 1e9);
  double fastest = bare;
  std::function<double(const std::vector<Product>&)> best = [&](const std::vector<Product>& ps) {
    return bare_gctrain_gemm(ps, 3);
  };
#if GCT_FGEMM_AVX512
  if (cpu_has_avx512()) {
    const double own = bare_fgemm(products, reps * 4);
    fmt::print("bare GEMMs of one step, gctrain's AVX-512 kernels (this CPU's path):          {:.2f} ms  {:.1f} GFLOP/s\n",
               own * 1e3, step_flops / own / 1e9);
    if (own < fastest) {
      fastest = own;
      best = [&](const std::vector<Product>& ps) { return bare_fgemm(ps, 3); };
    }
  }
#endif
#ifdef GCT_HAVE_OPENBLAS
  openblas_set_num_threads(1);
  const double ob = bare_openblas(products, reps * 4);
  fmt::print("bare GEMMs of one step, OpenBLAS sgemm (1 thread):                         {:.2f} ms  {:.1f} GFLOP/s\n", ob * 1e3,
             step_flops / ob / 1e9);
  if (ob < fastest) {
    fastest = ob;
    best = [&](const std::vector<Product>& ps) { return bare_openblas(ps, 3); };
  }
#endif
  fmt::print("\n{:<8} {:>11} {:>13} {:>9} {:>16} {:>13}\n", "optimizer", "samples/s", "s/epoch(50k)", "GFLOP/s",
             "fastest bare ms", "efficiency");
  for (int k = 0; k < kNumOptimizers; ++k) {
    TrainConfig c = bench_config(sizes, batch, static_cast<OptimizerKind>(k));
    BenchTrainer bt(c, train);
    bt.run_steps(3);
    std::vector<double> tb, ts;
    for (int r = 0; r < reps; ++r) {
      tb.push_back(best(products));
      const auto t0 = Clock::now();
      bt.run_steps(steps);
      ts.push_back(seconds_since(t0) / steps);
    }
    const double per_step = median(ts), bare_step = median(tb);
    fmt::print("{:<8} {:>11.0f} {:>13.2f} {:>9.1f} {:>16.2f} {:>12.0f}%\n", optimizer_name(c.optimizer), batch / per_step,
               50000.0 / (batch / per_step), step_flops / per_step / 1e9, bare_step * 1e3, 100 * bare_step / per_step);
    if (k == kNumOptimizers - 1) {
      // Evaluation: forward only, over 10,000 samples' worth of batches, beside the bare forward products.
      DatasetView eval = train;
      eval.count = std::min<uint32_t>(train.count, 10000);
      const double batches = static_cast<double>(eval.count) / batch;
      EvalResult result;
      std::vector<double> tf, te;
      for (int r = 0; r < reps; ++r) {
        tf.push_back(best(forward) * batches);
        const auto t0 = Clock::now();
        (void)trainer_evaluate(&bt.t, eval, &result);
        te.push_back(seconds_since(t0));
      }
      const double eval_s = median(te), bare_s = median(tf);
      fmt::print("\nevaluation of {} samples: {:.3f} s, {:.1f} GFLOP/s = {:.0f}% of the fastest bare forward products "
                 "({:.3f} s)\n",
                 eval.count, eval_s, fwd_flops * batches / eval_s / 1e9, 100 * bare_s / eval_s, bare_s);
    }
  }

  // Fixed point against float32: the two trainers alternate within each repetition so that both see
  // the same machine state.
  const double qbare = bare_qgemm(products, reps);
  fmt::print("\nfixed point (--scalar fixed): bare integer products of one step {:.2f} ms  {:.1f} GOP/s "
             "({:.0f}% of the fastest bare float products)\n",
             qbare * 1e3, step_flops / qbare / 1e9, 100 * fastest / qbare);
  fmt::print("{:<8} {:>15} {:>15} {:>12}\n", "optimizer", "float samples/s", "fixed samples/s", "fixed/float");
  for (int k = 0; k < kNumOptimizers; ++k) {
    TrainConfig c = bench_config(sizes, batch, static_cast<OptimizerKind>(k));
    BenchTrainer fl(c, train);
    c.scalar = ScalarKind::kFixed;
    BenchTrainer fx(c, train);
    fl.run_steps(2);
    fx.run_steps(2);
    std::vector<double> tf, tx;
    for (int r = 0; r < reps; ++r) {
      auto t0 = Clock::now();
      fl.run_steps(steps);
      tf.push_back(seconds_since(t0));
      t0 = Clock::now();
      fx.run_steps(steps);
      tx.push_back(seconds_since(t0));
    }
    const double f = median(tf) / steps, x = median(tx) / steps;
    fmt::print("{:<8} {:>15.0f} {:>15.0f} {:>11.2f}x\n", optimizer_name(c.optimizer), batch / f, batch / x, f / x);
  }
  return 0;
}
