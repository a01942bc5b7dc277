#include "gctrain/status.hpp"

#include <cstdarg>
#include <cstdio>

namespace gct {

const char* code_name(Code code) {
  switch (code) {
    case Code::kOk: return "ok";
    case Code::kInvalidArgument: return "invalid argument";
    case Code::kArenaTooSmall: return "arena too small";
    case Code::kShapeMismatch: return "shape mismatch";
    case Code::kCorruptData: return "corrupt data";
    case Code::kUnsupported: return "unsupported";
    case Code::kNumericalError: return "numerical error";
    case Code::kIoError: return "i/o error";
  }
  return "unknown";
}

Status Status::Error(Code code, const char* format, ...) {
  Status s;
  s.code_ = code == Code::kOk ? Code::kInvalidArgument : code;
  va_list args;
  va_start(args, format);
  std::vsnprintf(s.message_, kMaxMessage, format, args);
  va_end(args);
  return s;
}

}  // namespace gct
