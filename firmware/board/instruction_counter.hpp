// Counts executed instructions on QEMU's Cortex-M machines run with `-icount shift=0`: virtual time
// then advances one nanosecond per instruction, and SysTick, clocked from it, counts them (one tick
// per ns_per_tick instructions; found at start by timing a loop of known length). On a real board the
// same counter counts core clock cycles divided by the SysTick prescale instead.
#pragma once

#include <cstdint>

namespace fw {

// Starts SysTick free-running (24 bits, with an interrupt per wrap for the upper bits) and
// calibrates instructions per tick. Call once, before any instructions().
void counter_start();
// Instructions executed since counter_start(), to within one tick (about 40 instructions).
uint64_t instructions();
// Instructions per SysTick tick found by the calibration (40 on mps2 boards: 25 MHz at 1 GHz).
uint32_t instructions_per_tick();

}  // namespace fw
