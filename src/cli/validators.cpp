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

CLI::Validator whole_from_to(uint64_t lo, uint64_t hi) {
  // A bound equal to a type's maximum is no rule of the option's, only of its storage: "at least 1"
  // reads better than "from 1 to 4294967295" until the number is too large.
  const bool open_ended = hi == UINT32_MAX || hi == UINT64_MAX || hi == INT64_MAX || hi == UINT16_MAX;
  const std::string rule = open_ended ? fmt::format("at least {}", lo) : fmt::format("from {} to {}", lo, hi);
  return CLI::Validator(
      [lo, hi, rule](std::string& text) -> std::string {
        const bool negative = !text.empty() && text[0] == '-';
        const std::string digits = negative ? text.substr(1) : text;
        if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) {
          return "must be a whole number " + rule + ", got '" + text + "'";
        }
        if (negative) return "must be " + rule + ", got " + text;  // every integer option is 0 or more
        errno = 0;
        const unsigned long long v = std::strtoull(digits.c_str(), nullptr, 10);
        if (errno == ERANGE || v > hi) return fmt::format("must be at most {}, got {}", hi, text);
        return v >= lo ? std::string() : "must be " + rule + ", got " + text;
      },
      rule);
}

CLI::Validator not_empty() {
  return CLI::Validator([](std::string& text) { return text.empty() ? std::string("must not be empty") : std::string(); },
                        "not empty");
}

}  // namespace gct::cli
