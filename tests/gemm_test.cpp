#include "engine/dense/gemm.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "gctrain/rng.hpp"
#include "synthetic.hpp"

using namespace gct;

namespace {

struct Workspace {
  GemmWorkspace ws;
  testing::AlignedBuffer* buffer = nullptr;
  Arena arena;
  ~Workspace() { delete buffer; }
  void layout() {
    Arena counting;
    arena_init_counting(&counting);
    GemmWorkspace probe = ws;
    gemm_workspace_layout(&probe, &counting);
    buffer = new testing::AlignedBuffer(counting.used);
    REQUIRE(arena_init(&arena, buffer->data, counting.used).ok());
    gemm_workspace_layout(&ws, &arena);
    REQUIRE_FALSE(arena.exhausted);
  }
};

std::vector<float> random_matrix(size_t n, Rng* rng) {
  std::vector<float> m(n);
  for (auto& v : m) v = rng_uniform(rng) * 2.0f - 1.0f;
  return m;
}

// C[m x n] += op(A) op(B), straightforward loops in double.
void reference(Trans ta, Trans tb, int m, int n, int k, const std::vector<float>& a, int lda,
               const std::vector<float>& b, int ldb, std::vector<double>& c, int ldc) {
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j) {
      double s = 0;
      for (int p = 0; p < k; ++p) {
        const double av = ta == Trans::kNo ? a[i * lda + p] : a[p * lda + i];
        const double bv = tb == Trans::kNo ? b[p * ldb + j] : b[j * ldb + p];
        s += av * bv;
      }
      c[i * ldc + j] += s;
    }
}

}  // namespace

TEST_CASE("gemm matches a reference for every transpose combination and for large shapes") {
  Rng rng;
  rng_seed(&rng, 7, RngStream::kApplication);
  struct Shape { int m, n, k; };
  for (Shape s : {Shape{3, 5, 7}, Shape{128, 512, 3072}, Shape{37, 100, 256}, Shape{256, 300, 128}}) {
    for (Trans ta : {Trans::kNo, Trans::kYes}) {
      for (Trans tb : {Trans::kNo, Trans::kYes}) {
        Workspace w;
        const GemmBlocking blocking = gemm_workspace_require(&w.ws, s.m, s.n, s.k);
        w.layout();
        const int lda = ta == Trans::kNo ? s.k : s.m;
        const int ldb = tb == Trans::kNo ? s.n : s.k;
        auto a = random_matrix(size_t(s.m) * s.k, &rng);
        auto b = random_matrix(size_t(s.k) * s.n, &rng);
        auto c = random_matrix(size_t(s.m) * s.n, &rng);
        std::vector<double> expect(c.begin(), c.end());
        reference(ta, tb, s.m, s.n, s.k, a, lda, b, ldb, expect, s.n);
        REQUIRE(gemm(w.ws, blocking, ta, tb, s.m, s.n, s.k, 1.0f, a.data(), lda, b.data(), ldb,
                     c.data(), s.n));
        double worst = 0;
        for (size_t i = 0; i < c.size(); ++i) worst = std::fmax(worst, std::fabs(c[i] - expect[i]));
        CHECK_MESSAGE(worst < 1e-3 * std::sqrt(double(s.k)), "m=", s.m, " n=", s.n, " k=", s.k);
      }
    }
  }
}

TEST_CASE("fewer rows than planned reuse the planned blocking") {
  Workspace w;
  const GemmBlocking blocking = gemm_workspace_require(&w.ws, 128, 64, 300);
  w.layout();
  Rng rng;
  rng_seed(&rng, 9, RngStream::kApplication);
  auto a = random_matrix(5 * 300, &rng);
  auto b = random_matrix(64 * 300, &rng);
  std::vector<float> c(5 * 64, 0.0f);
  std::vector<double> expect(5 * 64, 0.0);
  reference(Trans::kNo, Trans::kYes, 5, 64, 300, a, 300, b, 300, expect, 64);
  REQUIRE(gemm(w.ws, blocking, Trans::kNo, Trans::kYes, 5, 64, 300, 1.0f, a.data(), 300, b.data(),
               300, c.data(), 64));
  for (size_t i = 0; i < c.size(); ++i) CHECK(c[i] == doctest::Approx(expect[i]).epsilon(1e-4));
}

TEST_CASE("a product larger than the planned workspace is refused, not allocated") {
  Workspace w;
  gemm_workspace_require(&w.ws, 4, 4, 4);
  w.layout();
  const GemmBlocking big = gemm_blocking(512, 512, 512);
  std::vector<float> a(512 * 512), b(512 * 512), c(512 * 512);
  CHECK_FALSE(gemm(w.ws, big, Trans::kNo, Trans::kNo, 512, 512, 512, 1.0f, a.data(), 512, b.data(),
                   512, c.data(), 512));
}
