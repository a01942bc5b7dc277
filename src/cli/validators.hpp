// Option checks whose messages state the rule in words ("must be greater than 0, got 0"); CLI11's
// own print the limits of a double (a 309-digit number). Each refuses a minus sign where the rule
// does, so that an unsigned option never wraps "-1" around.
#pragma once

#include <CLI/CLI.hpp>

namespace gct::cli {

CLI::Validator greater_than(double lo);
CLI::Validator at_least(double lo);
CLI::Validator from_to(double lo, double hi);
CLI::Validator not_empty();

}  // namespace gct::cli
