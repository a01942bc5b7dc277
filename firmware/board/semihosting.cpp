#include "semihosting.hpp"

namespace fw {
namespace {

constexpr int kSysWrite0 = 0x04;
constexpr int kSysExit = 0x18;
constexpr int kSysExitExtended = 0x20;
constexpr uint32_t kApplicationExit = 0x20026;

int call(int op, const void* arg) {
  register int r0 asm("r0") = op;
  register const void* r1 asm("r1") = arg;
  asm volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

}  // namespace

void write(const char* text) { call(kSysWrite0, text); }

void write_uint(uint64_t value) {
  char buf[24];
  int i = sizeof buf - 1;
  buf[i] = '\0';
  do {
    buf[--i] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0);
  write(buf + i);
}

void write_fixed(double value, int decimals) {
  if (value < 0) {
    write("-");
    value = -value;
  }
  uint64_t scale = 1;
  for (int d = 0; d < decimals; ++d) scale *= 10;
  const uint64_t scaled = static_cast<uint64_t>(value * static_cast<double>(scale) + 0.5);
  write_uint(scaled / scale);
  if (decimals == 0) return;
  write(".");
  char frac[24];
  uint64_t f = scaled % scale;
  for (int d = decimals - 1; d >= 0; --d) {
    frac[d] = static_cast<char>('0' + f % 10);
    f /= 10;
  }
  frac[decimals] = '\0';
  write(frac);
}

void exit(int code) {
  const uint32_t block[2] = {kApplicationExit, static_cast<uint32_t>(code)};
  call(kSysExitExtended, block);
  call(kSysExit, reinterpret_cast<const void*>(code == 0 ? kApplicationExit : 0x20023u));
  for (;;) {
  }
}

}  // namespace fw
