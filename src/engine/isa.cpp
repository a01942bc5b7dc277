#include "isa.hpp"

#if GCT_X86_DISPATCH
namespace gct {
namespace {

struct Features {
  bool f, bw, vnni, v4;
};

const Features& features() {
  static const Features found = [] {
    __builtin_cpu_init();
    Features x{};
    x.f = __builtin_cpu_supports("avx512f") != 0;
    x.bw = x.f && __builtin_cpu_supports("avx512bw") != 0;
    x.vnni = x.bw && __builtin_cpu_supports("avx512vnni") != 0;
    x.v4 = x.bw && __builtin_cpu_supports("avx512dq") != 0 && __builtin_cpu_supports("avx512cd") != 0 &&
           __builtin_cpu_supports("avx512vl") != 0;
    return x;
  }();
  return found;
}

}  // namespace

bool cpu_has_avx512f() { return features().f; }
bool cpu_has_avx512vnni() { return features().vnni; }
bool cpu_has_avx512_v4() { return features().v4; }

}  // namespace gct
#endif
