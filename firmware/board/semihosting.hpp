// ARM semihosting: console output and exit status through the debugger or emulator (qemu's
// -semihosting-config). Works on any Cortex-M without a UART driver.
#pragma once

#include <cstdint>

namespace fw {

void write(const char* text);
// Writes value with `decimals` digits after the point (no printf: newlib's float formatting
// allocates).
void write_fixed(double value, int decimals);
void write_uint(uint64_t value);
[[noreturn]] void exit(int code);

}  // namespace fw
