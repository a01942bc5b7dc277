#include "host/stats.hpp"

#include <boost/math/distributions/students_t.hpp>

#include <cmath>

namespace gct::host {

Summary summarize(const std::vector<double>& v) {
  Summary s;
  s.n = v.size();
  if (s.n == 0) return s;
  double sum = 0;
  for (double x : v) sum += x;
  s.mean = sum / static_cast<double>(s.n);
  if (s.n > 1) {
    double ss = 0;
    for (double x : v) ss += (x - s.mean) * (x - s.mean);
    s.stddev = std::sqrt(ss / static_cast<double>(s.n - 1));
  }
  return s;
}

double student_t_quantile_two_sided(double alpha, double df) {
  boost::math::students_t dist(df);
  return boost::math::quantile(boost::math::complement(dist, alpha / 2));
}

double student_t_two_sided_p(double t, double df) {
  boost::math::students_t dist(df);
  return 2.0 * boost::math::cdf(boost::math::complement(dist, std::fabs(t)));
}

double minimum_detectable_effect(double sd, size_t n, double alpha, double power) {
  if (n < 2) return 0.0;
  const double df = static_cast<double>(n - 1);
  // t_{power, df} is the two-sided critical value at 2 (1 - power).
  return (student_t_quantile_two_sided(alpha, df) + student_t_quantile_two_sided(2 * (1 - power), df)) * sd /
         std::sqrt(static_cast<double>(n));
}

PairedTest paired_t_test(const std::vector<double>& with, const std::vector<double>& without) {
  PairedTest r;
  // Pairs are matched by the caller (by seed); lists of different lengths mean that matching went
  // wrong, and cutting them to the shorter one would pair the wrong runs.
  if (with.size() != without.size()) {
    r.unequal = true;
    return r;
  }
  const size_t n = with.size();
  r.n = n;
  if (n == 0) return r;
  std::vector<double> d(n);
  for (size_t i = 0; i < n; ++i) d[i] = with[i] - without[i];
  const Summary s = summarize(d);
  r.mean_diff = s.mean;
  r.sd_diff = s.stddev;
  if (n < 2) return r;
  const double df = static_cast<double>(n - 1);
  const double se = s.stddev / std::sqrt(static_cast<double>(n));
  if (se == 0.0) {
    r.ci_low = r.ci_high = s.mean;
    r.t = s.mean == 0.0 ? 0.0 : (s.mean > 0 ? INFINITY : -INFINITY);
    r.p = s.mean == 0.0 ? 1.0 : 0.0;
    r.valid = true;
    return r;
  }
  const double q = student_t_quantile_two_sided(0.05, df);
  r.ci_low = s.mean - q * se;
  r.ci_high = s.mean + q * se;
  r.t = s.mean / se;
  r.p = student_t_two_sided_p(r.t, df);
  r.valid = true;
  return r;
}

}  // namespace gct::host
