// Validators shared by the command-line programs (gctrain, cifar2blob).
#include "validators.hpp"

#include <fmt/core.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace gct::cli {
namespace {

// A number check: "" when `text` is a number that `ok` accepts, else the message.
template <typename Ok>
CLI::Validator number_rule(std::string rule, Ok ok) {
  return CLI::Validator(
      [rule, ok](std::string& text) -> std::string {
        char* end = nullptr;
        errno = 0;
        const double v = std::strtod(text.c_str(), &end);
        if (text.empty() || end != text.c_str() + text.size() || errno == ERANGE || !std::isfinite(v)) {
          return "must be a number " + rule + ", got '" + text + "'";
        }
        return ok(v) ? std::string() : "must be " + rule + ", got " + text;
      },
      rule);
}

std::string g(double v) { return fmt::format("{:g}", v); }

}  // namespace

CLI::Validator greater_than(double lo) {
  return number_rule("greater than " + g(lo), [lo](double v) { return v > lo; });
}

CLI::Validator at_least(double lo) {
  return number_rule("at least " + g(lo), [lo](double v) { return v >= lo; });
}

CLI::Validator from_to(double lo, double hi) {
  return number_rule("from " + g(lo) + " to " + g(hi), [lo, hi](double v) { return v >= lo && v <= hi; });
}

CLI::Validator not_empty() {
  return CLI::Validator([](std::string& text) { return text.empty() ? std::string("must not be empty") : std::string(); },
                        "not empty");
}

}  // namespace gct::cli
