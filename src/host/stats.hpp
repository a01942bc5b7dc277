// Statistics for the study: summaries over seeds and the paired comparison GC vs no GC.
#pragma once

#include <cstddef>
#include <vector>

namespace gct::host {

struct Summary {
  size_t n = 0;
  double mean = 0.0;
  double stddev = 0.0;  // sample standard deviation (n - 1); 0 when n < 2
};
Summary summarize(const std::vector<double>& values);

// Paired t-test of differences d_i = with_i - without_i (same seed: same initial weights and
// batch order). CI is the two-sided 95 % interval of the mean difference (Student's t, n - 1
// degrees of freedom); p is the two-sided p-value of "mean difference = 0". When n < 2, or all
// differences are equal (zero variance), `valid` is false except that a zero-variance non-zero
// mean gives p = 0 and a zero-width interval. Lists of different lengths are not paired at all:
// `unequal` is set, n = 0 and `valid` false.
struct PairedTest {
  size_t n = 0;
  double mean_diff = 0.0;
  double sd_diff = 0.0;
  double ci_low = 0.0, ci_high = 0.0;
  double t = 0.0;
  double p = 1.0;
  bool valid = false;
  bool unequal = false;
};
PairedTest paired_t_test(const std::vector<double>& with, const std::vector<double>& without);

// The smallest true mean difference that a two-sided paired t-test at level alpha would detect with
// the given power, for n pairs whose differences have standard deviation sd:
// (t_{1-alpha/2, n-1} + t_{power, n-1}) * sd / sqrt(n). 0 when n < 2.
double minimum_detectable_effect(double sd, size_t n, double alpha = 0.05, double power = 0.8);

// Two-sided critical value t_{1 - alpha/2, df} and survival function, exposed for tests.
double student_t_quantile_two_sided(double alpha, double df);
double student_t_two_sided_p(double t, double df);

}  // namespace gct::host
