// Learning-rate schedules in integer arithmetic: a libm cosine may differ in its last bit between
// targets, and fixed point promises the same learning rate - hence the same weights - on all.
#include <cstdint>

#include "gctrain/config.hpp"

namespace gct {
namespace {

constexpr int64_t kOne = int64_t{1} << 30;            // 1.0 in Q30
constexpr int64_t kHalfPi = 1686629713;               // round(pi / 2 * 2^30)
constexpr uint32_t kTenth = 107374182, kHundredth = 10737418;  // round(0.1 * 2^30), round(0.01 * 2^30)

// cos(x) for x in [0, pi/2], Q30 in and out: Taylor series to x^18 (truncation below 1e-10 there;
// each term's rounding ~1e-9).
int64_t cos_q30(int64_t x) {
  const int64_t x2 = x * x / kOne;
  int64_t term = kOne, sum = kOne;
  for (int64_t k = 1; k <= 9; ++k) {
    term = -(term * x2 / kOne) / ((2 * k - 1) * (2 * k));
    sum += term;
  }
  return sum < 0 ? 0 : (sum > kOne ? kOne : sum);
}

// 0.5 * (1 + cos(pi * d / n)) = cos(pi/2 * d / n)^2, for 0 <= d < n.
uint32_t cosine_q30(uint64_t d, uint64_t n) {
  const int64_t c = cos_q30(static_cast<int64_t>(d * static_cast<uint64_t>(kHalfPi) / n));
  return static_cast<uint32_t>(c * c / kOne);
}

}  // namespace

uint32_t schedule_factor_q30(const Schedule& s, uint64_t step) {
  if (step < s.warmup_steps) return static_cast<uint32_t>((step + 1) * static_cast<uint64_t>(kOne) / s.warmup_steps);
  if (s.kind == ScheduleKind::kConstant || s.total_steps <= s.warmup_steps) return static_cast<uint32_t>(kOne);
  const uint64_t n = s.total_steps - s.warmup_steps;
  uint64_t d = step - s.warmup_steps;
  if (d >= n) d = n - 1;  // a run resumed past its planned length keeps the last rate
  if (s.kind == ScheduleKind::kStep) {
    if (4 * d < 2 * n) return static_cast<uint32_t>(kOne);
    return 4 * d < 3 * n ? kTenth : kHundredth;
  }
  return cosine_q30(d, n);
}

float scheduled_lr(const TrainConfig& config, uint64_t step) {
  const uint32_t f = schedule_factor_q30(config.schedule, step);
  if (f == kOne) return config.hp.lr;
  return static_cast<float>(static_cast<double>(config.hp.lr) * f / static_cast<double>(kOne));
}

}  // namespace gct
