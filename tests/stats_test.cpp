// Reference values computed independently: the t-distribution tail by numerical integration of
// its density (Simpson's rule), the critical values from standard tables.
#include "gctrain/host/stats.hpp"

#include <doctest/doctest.h>

#include <cmath>

using namespace gct::host;

TEST_CASE("mean and sample standard deviation") {
  const Summary s = summarize({2, 4, 4, 4, 5, 5, 7, 9});
  CHECK(s.n == 8);
  CHECK(s.mean == doctest::Approx(5.0));
  CHECK(s.stddev == doctest::Approx(2.138089935299395));  // sqrt(32 / 7)
  CHECK(summarize({3.5}).stddev == 0.0);
  CHECK(summarize({}).n == 0);
}

TEST_CASE("Student's t critical values match tables") {
  CHECK(student_t_quantile_two_sided(0.05, 1) == doctest::Approx(12.706204736174698));
  CHECK(student_t_quantile_two_sided(0.05, 2) == doctest::Approx(4.302652729911275));
  CHECK(student_t_quantile_two_sided(0.05, 4) == doctest::Approx(2.7764451051977987));
  CHECK(student_t_quantile_two_sided(0.05, 1e6) == doctest::Approx(1.959964).epsilon(1e-5));
}

TEST_CASE("paired t-test against an independent computation") {
  // d = {0.01, 0.02, 0.00, 0.03, 0.03}: mean 0.018, sd 0.0130384, t = 3.086975, df 4.
  const PairedTest t = paired_t_test({0.25, 0.27, 0.26, 0.30, 0.28}, {0.24, 0.25, 0.26, 0.27, 0.25});
  REQUIRE(t.valid);
  CHECK(t.n == 5);
  CHECK(t.mean_diff == doctest::Approx(0.018));
  CHECK(t.sd_diff == doctest::Approx(0.013038404810405297));
  CHECK(t.t == doctest::Approx(3.086974532565159));
  CHECK(t.p == doctest::Approx(0.03668198939973342).epsilon(1e-6));
  const double half = 2.7764451051977987 * 0.013038404810405297 / std::sqrt(5.0);
  CHECK(t.ci_low == doctest::Approx(0.018 - half));
  CHECK(t.ci_high == doctest::Approx(0.018 + half));
}

TEST_CASE("degenerate paired tests") {
  CHECK_FALSE(paired_t_test({0.5}, {0.4}).valid);  // one pair: no test
  const PairedTest same = paired_t_test({0.5, 0.6}, {0.5, 0.6});
  CHECK(same.valid);
  CHECK(same.p == 1.0);
  const PairedTest shift = paired_t_test({0.6, 0.7}, {0.5, 0.6});
  CHECK(shift.p == 0.0);
  CHECK(shift.ci_low == doctest::Approx(0.1));
}
