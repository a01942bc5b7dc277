#include "host/json.hpp"

#include <cmath>
#include <cstdio>

namespace gct::host {

std::string json_escape(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

void JsonWriter::separate() {
  if (need_comma_) out_ += ",";
  need_comma_ = true;
}

JsonWriter& JsonWriter::begin_object() { separate(); out_ += "{"; need_comma_ = false; return *this; }
JsonWriter& JsonWriter::end_object() { out_ += "}"; need_comma_ = true; return *this; }
JsonWriter& JsonWriter::begin_array() { separate(); out_ += "["; need_comma_ = false; return *this; }
JsonWriter& JsonWriter::end_array() { out_ += "]"; need_comma_ = true; return *this; }
JsonWriter& JsonWriter::key(std::string_view k) {
  separate();
  out_ += json_escape(k);
  out_ += ":";
  need_comma_ = false;
  return *this;
}
JsonWriter& JsonWriter::value(std::string_view s) { separate(); out_ += json_escape(s); return *this; }
JsonWriter& JsonWriter::value(double d) {
  separate();
  if (!std::isfinite(d)) {
    out_ += "null";
  } else {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.9g", d);
    out_ += buf;
  }
  return *this;
}
JsonWriter& JsonWriter::value(int64_t i) { separate(); out_ += std::to_string(i); return *this; }
JsonWriter& JsonWriter::value(uint64_t u) { separate(); out_ += std::to_string(u); return *this; }
JsonWriter& JsonWriter::value(bool b) { separate(); out_ += b ? "true" : "false"; return *this; }

}  // namespace gct::host
