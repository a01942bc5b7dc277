// Private: numbers as decimal text for messages. The boards' C library (newlib-nano) has no %zu or
// %ll conversions and prints "zu" or "lu" in their place, so a size or a 64-bit count that an error
// names is formatted here with integer operations and passed as %s:
//   Status::Error(code, "needs %s bytes", decimal(n).text)
// The temporary lives until the end of the call.
#pragma once

#include <cstdint>

namespace gct {

struct Decimal {
  char text[22];  // a sign, 20 digits, the NUL
};

inline Decimal decimal(uint64_t v) {
  char digits[20];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  Decimal d;
  for (int i = 0; i < n; ++i) d.text[i] = digits[n - 1 - i];
  d.text[n] = '\0';
  return d;
}

inline Decimal decimal_signed(int64_t v) {
  if (v >= 0) return decimal(static_cast<uint64_t>(v));
  const Decimal magnitude = decimal(0 - static_cast<uint64_t>(v));  // INT64_MIN included
  Decimal d;
  d.text[0] = '-';
  for (int i = 0; i < 21; ++i) d.text[i + 1] = magnitude.text[i];
  return d;
}

}  // namespace gct
