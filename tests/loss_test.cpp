#include "engine/loss.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <vector>

using namespace gct;

TEST_CASE("cross-entropy is finite and exact for huge logits") {
  std::vector<float> z = {1000.0f, 0.0f, -1000.0f};
  CHECK(softmax_cross_entropy_row(z.data(), 3, 0) == doctest::Approx(0.0));
  CHECK(softmax_cross_entropy_row(z.data(), 3, 1) == doctest::Approx(1000.0));
  std::vector<float> g = z;
  const double loss = softmax_cross_entropy_grad_row(g.data(), 3, 2, 1.0f);
  CHECK(loss == doctest::Approx(2000.0));
  CHECK(g[0] == doctest::Approx(1.0));
  CHECK(g[2] == doctest::Approx(-1.0));
}

TEST_CASE("gradient is scale * (softmax - onehot)") {
  std::vector<float> z = {0.5f, -1.0f, 2.0f, 0.0f};
  double sum = 0;
  for (float v : z) sum += std::exp(double(v));
  std::vector<float> g = z;
  const double loss = softmax_cross_entropy_grad_row(g.data(), 4, 1, 0.25f);
  CHECK(loss == doctest::Approx(std::log(sum) - z[1]));
  for (int j = 0; j < 4; ++j) {
    const double p = std::exp(double(z[j])) / sum;
    CHECK(g[j] == doctest::Approx(0.25 * (p - (j == 1 ? 1.0 : 0.0))));
  }
}

TEST_CASE("rank-based top-k breaks ties like argmax") {
  std::vector<float> z = {0.1f, 0.9f, 0.9f, 0.3f, 0.2f, 0.0f, 0.05f};
  CHECK(argmax(z.data(), 7) == 1);
  CHECK(label_rank(z.data(), 7, 1) == 0);
  CHECK(label_rank(z.data(), 7, 2) == 1);  // tied with class 1, which comes first
  CHECK(label_rank(z.data(), 7, 3) == 2);
  CHECK(label_rank(z.data(), 7, 5) == 6);
}

TEST_CASE("the old element-wise score is 0.99 for a network that knows nothing") {
  // Uniform logits over 100 classes: softmax 0.01 everywhere, never above 0.5.
  std::vector<float> z(100, 0.0f);
  CHECK(elementwise_agreements(z.data(), 100, 42) == 99);
  CHECK(label_rank(z.data(), 100, 42) == 42);  // and top-1 says: wrong
}
