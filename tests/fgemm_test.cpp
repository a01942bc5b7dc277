// The AVX-512 float kernels (src/engine/dense/fgemm.cpp) against straightforward loops in double.
// On CPUs without AVX-512 the engine uses Eigen's products (gemm_test.cpp) and these cases are
// reported skipped; on builds without the kernels (clang below AVX-512, ARM) the suite's one case is.
#include "engine/dense/fgemm.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "gctrain/rng.hpp"

#if GCT_FGEMM_AVX512
using namespace gct;

namespace {

std::vector<float> random_values(size_t n, Rng* rng) {
  std::vector<float> v(n);
  for (auto& x : v) x = rng_uniform(rng) * 2.0f - 1.0f;
  return v;
}

struct Case {
  int64_t m, n, k;
  bool a_transposed;  // A read down its columns (rsa = 1), as the weight gradient reads dZ
};

// Worst |C - reference| relative to sum_p |A(i,p) B(p,j)|, the scale of float rounding in a k-sum.
double worst_error(const Case& s, const std::vector<float>& a, int64_t rsa, int64_t csa, const std::vector<float>& b,
                   int64_t ldb, const std::vector<float>& c, int64_t ldc, const std::vector<float>* c_before) {
  double worst = 0;
  for (int64_t i = 0; i < s.m; ++i) {
    for (int64_t j = 0; j < s.n; ++j) {
      double sum = c_before ? (*c_before)[i * ldc + j] : 0.0, scale = 1e-30;
      for (int64_t p = 0; p < s.k; ++p) {
        const double t = double(a[i * rsa + p * csa]) * b[p * ldb + j];
        sum += t;
        scale += std::fabs(t);
      }
      worst = std::fmax(worst, std::fabs(c[i * ldc + j] - sum) / scale);
    }
  }
  return worst;
}

}  // namespace

TEST_CASE("fgemm matches a reference for edge tiles, both A layouts, long k and accumulation" * doctest::skip(!cpu_has_avx512())) {
  Rng rng;
  rng_seed(&rng, 3, RngStream::kApplication);
  for (Case s : {Case{5, 20, 0, false}, Case{1, 1, 1, false}, Case{7, 17, 5, true}, Case{6, 64, 300, false}, Case{13, 65, 513, true},
                 Case{100, 128, 256, false}, Case{37, 200, 1030, true}, Case{512, 31, 3, false}}) {
    CAPTURE(s.m);
    CAPTURE(s.n);
    CAPTURE(s.k);
    const int64_t ldb = s.n + 3, ldc = s.n + 5;
    const auto a = random_values(size_t(s.m * s.k), &rng);
    const int64_t rsa = s.a_transposed ? 1 : s.k, csa = s.a_transposed ? s.m : 1;
    const auto b = random_values(size_t(s.k * ldb), &rng);
    std::vector<float> c(size_t(s.m * ldc), 7.0f);
    fgemm(s.m, s.n, s.k, a.data(), rsa, csa, b.data(), ldb, c.data(), ldc, false, FgemmStore::kPlain);
    CHECK(worst_error(s, a, rsa, csa, b, ldb, c, ldc, nullptr) < 2e-6);
    // Padding columns between rows are never written.
    for (int64_t i = 0; i < s.m; ++i) {
      for (int64_t j = s.n; j < ldc; ++j) CHECK(c[i * ldc + j] == 7.0f);
    }
    const std::vector<float> before = c;
    fgemm(s.m, s.n, s.k, a.data(), rsa, csa, b.data(), ldb, c.data(), ldc, true, FgemmStore::kPlain);
    CHECK(worst_error(s, a, rsa, csa, b, ldb, c, ldc, &before) < 4e-6);
  }
}

TEST_CASE("fgemm's masked store keeps the product where the old value was positive, else writes zero" * doctest::skip(!cpu_has_avx512())) {
  Rng rng;
  rng_seed(&rng, 4, RngStream::kApplication);
  const int64_t m = 11, n = 70, k = 600;  // k above the kernel's k-slice: one sum, still masked once
  const auto a = random_values(size_t(m * k), &rng);
  const auto b = random_values(size_t(k * n), &rng);
  std::vector<float> plain(size_t(m * n)), masked = random_values(size_t(m * n), &rng);
  masked[3] = 0.0f;  // ReLU's output at exactly zero passes no gradient
  const std::vector<float> mask = masked;
  fgemm(m, n, k, a.data(), k, 1, b.data(), n, plain.data(), n, false, FgemmStore::kPlain);
  fgemm(m, n, k, a.data(), k, 1, b.data(), n, masked.data(), n, false, FgemmStore::kReluMaskOld);
  for (size_t i = 0; i < masked.size(); ++i) CHECK(masked[i] == (mask[i] > 0.0f ? plain[i] : 0.0f));
}

TEST_CASE("fgemm gives every element the same bits however the rows are split" * doctest::skip(!cpu_has_avx512())) {
  Rng rng;
  rng_seed(&rng, 5, RngStream::kApplication);
  const int64_t m = 50, n = 90, k = 700;
  const auto a = random_values(size_t(m * k), &rng);
  const auto b = random_values(size_t(k * n), &rng);
  std::vector<float> whole(size_t(m * n)), split(size_t(m * n));
  fgemm(m, n, k, a.data(), k, 1, b.data(), n, whole.data(), n, false, FgemmStore::kPlain);
  for (int64_t begin : {int64_t{0}, int64_t{7}, int64_t{19}, int64_t{36}}) {
    const int64_t end = begin == 36 ? m : (begin == 0 ? 7 : (begin == 7 ? 19 : 36));
    fgemm(end - begin, n, k, a.data() + begin * k, k, 1, b.data(), n, split.data() + begin * n, n, false,
          FgemmStore::kPlain);
  }
  CHECK(std::memcmp(whole.data(), split.data(), whole.size() * sizeof(float)) == 0);
}

TEST_CASE("transpose moves every element and nothing else" * doctest::skip(!cpu_has_avx512())) {
  struct Shape { int64_t rows, cols, ldd; };
  for (Shape s : {Shape{37, 21, 40}, Shape{64, 48, 64}, Shape{128, 100, 131}, Shape{5, 3, 5}}) {
    std::vector<float> src(size_t(s.rows * s.cols));
    for (size_t i = 0; i < src.size(); ++i) src[i] = static_cast<float>(i);
    std::vector<float> dst(size_t(s.cols * s.ldd), -1.0f);
    transpose(src.data(), s.cols, s.rows, s.cols, dst.data(), s.ldd);
    for (int64_t j = 0; j < s.cols; ++j) {
      for (int64_t i = 0; i < s.ldd; ++i) CHECK(dst[j * s.ldd + i] == (i < s.rows ? src[i * s.cols + j] : -1.0f));
    }
  }
}
#else
TEST_CASE("AVX-512 float kernels: this build has none (it uses Eigen's products, see the gemm suite)" *
          doctest::skip()) {}
#endif
