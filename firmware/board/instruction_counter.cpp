#include "instruction_counter.hpp"

namespace fw {
namespace {

struct SysTickRegisters {
  volatile uint32_t csr, rvr, cvr, calib;
};
SysTickRegisters& systick() { return *reinterpret_cast<SysTickRegisters*>(0xE000E010u); }

constexpr uint32_t kReload = 0xFFFFFFu;
volatile uint32_t g_wraps = 0;
uint32_t g_per_tick = 1;

// The counter runs kReload, ..., 1, 0, kReload, ...: 2^24 ticks a period, and the wrap interrupt
// comes on the step to 0, one tick before the reload. So 0 is the last tick of the period just
// counted.
uint64_t ticks() {
  uint32_t before, value, after;
  do {  // a wrap between the two reads of g_wraps: read again
    before = g_wraps;
    value = systick().cvr;
    after = g_wraps;
  } while (before != after);
  return value == 0 ? (uint64_t{before} << 24) - 1 : (uint64_t{before} << 24) + (kReload - value);
}

}  // namespace

void counter_start() {
  systick().csr = 0;
  systick().rvr = kReload;
  systick().cvr = 0;
  systick().csr = 7;  // processor clock, interrupt on wrap, enabled
  while (systick().cvr == 0) {
  }  // the first tick loads the reload value (0 here is not a wrap)
  // Two instructions per iteration (subs, bne) for 2,000,000 instructions.
  uint32_t n = 1000000;
  const uint64_t t0 = ticks();
  asm volatile("1: subs %0, %0, #1\n\tbne 1b" : "+r"(n) : : "cc");
  const uint64_t t = ticks() - t0;
  g_per_tick = t ? static_cast<uint32_t>((2000000 + t / 2) / t) : 1;
}

uint64_t instructions() { return ticks() * g_per_tick; }

uint32_t instructions_per_tick() { return g_per_tick; }

}  // namespace fw

extern "C" void SysTick_Handler() { fw::g_wraps = fw::g_wraps + 1; }
