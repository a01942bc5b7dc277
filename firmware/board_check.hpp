// What the board checks (gemm_check.cpp, qgemm_check.cpp) share: each runs its products against a
// reference and stops at the first element that differs, naming it.
#pragma once

#include <cstdint>

#include "gctrain/rng.hpp"
#include "semihosting.hpp"

namespace fw {

inline void write_int(int64_t v) {
  if (v < 0) write("-");
  write_uint(static_cast<uint64_t>(v < 0 ? -v : v));
}

// "<check>: product <index> differs at (<row>, <col>): <what> <got>, reference <want>"
inline void report_difference(const char* check, int index, int at, int cols, const char* what, int64_t got,
                              int64_t want) {
  write(check);
  write(": product ");
  write_uint(index);
  write(" differs at (");
  write_uint(at / cols);
  write(", ");
  write_uint(at % cols);
  write("): ");
  write(what);
  write(" ");
  write_int(got);
  write(", reference ");
  write_int(want);
  write("\n");
}

// True when the rows x cols results equal the reference's by key (the value, or a float's bits);
// otherwise the first difference is reported.
template <typename T, typename Key>
bool equal_or_report(const char* check, int index, const T* got, const T* want, int rows, int cols, const char* what,
                     Key key) {
  for (int i = 0; i < rows * cols; ++i) {
    if (key(got[i]) == key(want[i])) continue;
    report_difference(check, index, i, cols, what, key(got[i]), key(want[i]));
    return false;
  }
  return true;
}

// Runs run_case(index, case, rng) for every case with a generator seeded `seed`; exit code 0 when
// all pass, 1 at the first that does not (which has said why).
template <typename Case, int N, typename Run>
int run_checks(const char* check, const Case (&cases)[N], uint64_t seed, Run run_case, const char* passed) {
  gct::Rng rng;
  gct::rng_seed(&rng, seed, gct::RngStream::kApplication);
  for (int i = 0; i < N; ++i) {
    if (!run_case(i, cases[i], &rng)) return 1;
  }
  write(check);
  write(": ");
  write_uint(N);
  write(passed);
  write("\n");
  return 0;
}

}  // namespace fw
