// Reference values computed independently: the t-distribution tail by numerical integration of
// its density (Simpson's rule), the critical values from standard tables.
#include "host/stats.hpp"

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

TEST_CASE("paired t-tests of other sizes and signs against numerical integration of the t density") {
  // n = 3, d = {0.005, 0.010, 0.020}: t = 2.6457513, df 2 (closed form p = 1 - t / sqrt(t^2 + 2)).
  const PairedTest three = paired_t_test({0.240, 0.250, 0.260}, {0.235, 0.240, 0.240});
  REQUIRE(three.valid);
  CHECK(three.n == 3);
  CHECK(three.mean_diff == doctest::Approx(0.011666666666666678));
  CHECK(three.t == doctest::Approx(2.6457513110645903));
  CHECK(three.p == doctest::Approx(0.11808289631180341).epsilon(1e-6));
  CHECK(three.ci_low == doctest::Approx(0.011666666666666678 - 4.302652729911275 * 0.00763762615825974 / std::sqrt(3.0)));
  // n = 10, a negative mean difference: the sign is kept in the mean, t and the interval.
  const PairedTest ten = paired_t_test({0.21, 0.20, 0.22, 0.19, 0.20, 0.23, 0.21, 0.20, 0.22, 0.21},
                                       {0.22, 0.20, 0.21, 0.21, 0.22, 0.22, 0.22, 0.21, 0.22, 0.23});
  REQUIRE(ten.valid);
  CHECK(ten.mean_diff == doctest::Approx(-0.007));
  CHECK(ten.sd_diff == doctest::Approx(0.01159501808728406));
  CHECK(ten.t == doctest::Approx(-1.909090909090908));
  CHECK(ten.p == doctest::Approx(0.08859039531146644).epsilon(1e-6));
  const double half = 2.2621571627409915 * 0.01159501808728406 / std::sqrt(10.0);
  CHECK(ten.ci_low == doctest::Approx(-0.007 - half));
  CHECK(ten.ci_high == doctest::Approx(-0.007 + half));
  // Swapping the two lists flips every sign and keeps p.
  const PairedTest swapped = paired_t_test({0.235, 0.240, 0.240}, {0.240, 0.250, 0.260});
  CHECK(swapped.mean_diff == doctest::Approx(-three.mean_diff));
  CHECK(swapped.ci_high == doctest::Approx(-three.ci_low));
  CHECK(swapped.p == doctest::Approx(three.p));
}

TEST_CASE("lists of different lengths are not paired") {
  const PairedTest t = paired_t_test({0.25, 0.27, 0.26}, {0.24, 0.25});
  CHECK(t.unequal);
  CHECK_FALSE(t.valid);
  CHECK(t.n == 0);
  CHECK_FALSE(paired_t_test({0.25, 0.27}, {0.24, 0.25}).unequal);
}

TEST_CASE("minimum detectable effect from Student's t tables") {
  // n = 3: t_{0.975,2} = 4.302653, t_{0.80,2} = 1.060660; n = 10: 2.262157 and 0.883413.
  CHECK(minimum_detectable_effect(0.01, 3) == doctest::Approx((4.302653 + 1.060660) * 0.01 / std::sqrt(3.0)).epsilon(1e-5));
  CHECK(minimum_detectable_effect(0.01, 10) == doctest::Approx((2.262157 + 0.883413) * 0.01 / std::sqrt(10.0)).epsilon(1e-5));
  CHECK(minimum_detectable_effect(0.01, 1) == 0.0);
}
