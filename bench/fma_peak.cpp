// The machine's single-core FP32 FMA peak, measured: independent chains of vector FMAs (enough to
// hide the unit's latency), the widest vectors this CPU runs. Benchmarks report their FLOP rate
// against this figure taken in the same run, since hosts differ (docs/performance.md).
//   fma_peak            prints {"gflops": G, "isa": "avx512" | "avx2" | "scalar"}
//   fma_peak avx2       the AVX2 peak even where AVX-512 runs (a comparison of AVX2 builds)
#include <chrono>
#include <cstdio>
#include <cstring>

namespace {

constexpr long kIters = 40'000'000;

typedef float V16 __attribute__((vector_size(64)));
typedef float V8 __attribute__((vector_size(32)));
typedef float V4 __attribute__((vector_size(16)));

// Chains x Lanes x 2 FLOP per iteration; the chains' sum is printed so that nothing is dropped.
// Inlined into each caller, so that it is compiled for that caller's instruction set. The chains
// and both operands must fit the registers: 16 + 2 of AVX-512's 32, 12 + 2 of AVX2's 16 (with 16
// chains there the accumulators spill, and the figure fell to a third of the true peak).
template <typename Vec, int kChains>
[[gnu::always_inline]] inline double run() {
  constexpr int Lanes = sizeof(Vec) / 4;
  Vec acc[kChains], mul, add;
  for (int i = 0; i < Lanes; ++i) {
    mul[i] = 0.999999f;
    add[i] = 1e-7f;
  }
  for (auto& a : acc) a = add;
  const auto start = std::chrono::steady_clock::now();
  for (long it = 0; it < kIters; ++it) {
#pragma GCC unroll 16
    for (int c = 0; c < kChains; ++c) acc[c] = acc[c] * mul + add;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  float sum = 0;
  for (auto& a : acc) {
    for (int i = 0; i < Lanes; ++i) sum += a[i];
  }
  std::fprintf(stderr, "(checksum %g)\n", static_cast<double>(sum));
  return 2.0 * kChains * Lanes * static_cast<double>(kIters) / seconds / 1e9;
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target("avx512f,fma"))) double run_avx512() { return run<V16, 16>(); }
__attribute__((target("avx2,fma"))) double run_avx2() { return run<V8, 12>(); }
#endif

}  // namespace

int main(int argc, char** argv) {
  double best = 0;
  const char* isa = "scalar";
  const bool avx2_only = argc > 1 && std::strcmp(argv[1], "avx2") == 0;
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
  if (__builtin_cpu_supports("avx512f") && !avx2_only) {
    isa = "avx512";
    for (int i = 0; i < 3; ++i) best = best > run_avx512() ? best : run_avx512();
  } else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    isa = "avx2";
    for (int i = 0; i < 3; ++i) best = best > run_avx2() ? best : run_avx2();
  }
#endif
  if (best == 0) {
    for (int i = 0; i < 3; ++i) {
      const double g = run<V4, 12>();
      best = best > g ? best : g;
    }
  }
  std::printf("{\"gflops\": %.2f, \"isa\": \"%s\"}\n", best, isa);
  return 0;
}
