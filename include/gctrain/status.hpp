// Status: how every fallible engine call reports failure.
//
// Contract: the engine never throws and never aborts on bad input. A call that can fail returns a
// Status; `ok()` is true on success. On failure `message()` is a single line (no trailing newline)
// that names what was wrong with the numbers involved, e.g.
//   "arena too small: plan needs 28413440 bytes, 1048576 given".
// A Status is a plain value (no heap): it can be returned from code running on a microcontroller.
#pragma once

#include <cstddef>
#include <cstdint>

namespace gct {

enum class Code : uint8_t {
  kOk = 0,
  kInvalidArgument,   // a configuration or call argument is out of its domain
  kArenaTooSmall,     // the caller's buffer is smaller than the plan
  kShapeMismatch,     // data and model (or checkpoint) disagree on a size
  kCorruptData,       // bytes failed validation (magic, bounds, CRC, label range)
  kUnsupported,       // valid, but not supported by this build or host
  kNumericalError,    // NaN/Inf met during training
  kIoError,           // host-side only: a file could not be read or written
};

const char* code_name(Code code);

class [[nodiscard]] Status {
 public:
  static constexpr size_t kMaxMessage = 200;

  constexpr Status() : code_(Code::kOk), message_{} {}
  static Status Ok() { return Status(); }
  // printf-style message; truncated to kMaxMessage - 1 characters.
  static Status Error(Code code, const char* format, ...)
#if defined(__GNUC__)
      __attribute__((format(printf, 2, 3)))
#endif
      ;

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const char* message() const { return ok() ? "ok" : message_; }

 private:
  Code code_;
  char message_[kMaxMessage];
};

}  // namespace gct

// Propagates a failed Status to the caller.
#define GCT_RETURN_IF_ERROR(expr)           \
  do {                                      \
    ::gct::Status gct_status_ = (expr);     \
    if (!gct_status_.ok()) return gct_status_; \
  } while (0)
