// Option checks whose messages state the rule in words ("must be greater than 0, got 0"); CLI11's
// own print the limits of a double (a 309-digit number). Each refuses a minus sign where the rule
// does, so that an unsigned option never wraps "-1" around.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <limits>

namespace gct::cli {

CLI::Validator greater_than(double lo);
CLI::Validator at_least(double lo);
CLI::Validator from_to(double lo, double hi);
CLI::Validator not_empty();

// Integer options: digits only, within [lo, hi]. CLI11 itself would read 18446744073709551616 into a
// uint64_t as 2^64-1 without a word, and say only "Could not convert" for 4294967296 in a uint32_t.
// The messages name the rule as at_least/from_to do ("must be at least 1, got 0").
CLI::Validator whole_from_to(uint64_t lo, uint64_t hi);
template <typename T>
CLI::Validator whole_at_least(uint64_t lo) {
  return whole_from_to(lo, static_cast<uint64_t>(std::numeric_limits<T>::max()));
}

}  // namespace gct::cli
