// Private: which arithmetics this build of the engine has. A firmware that trains in one of them
// builds the engine with -Darithmetic=float or fixed; arithmetic_path() (path.hpp) asks is_fixed(),
// which is then a constant, so the other arithmetic's code is never referenced and the linker drops it.
#pragma once

#include "gctrain/config.hpp"

#ifndef GCT_WITH_FLOAT
#define GCT_WITH_FLOAT 1
#endif
#ifndef GCT_WITH_FIXED
#define GCT_WITH_FIXED 1
#endif

namespace gct {

constexpr bool kWithFloat = GCT_WITH_FLOAT != 0;
constexpr bool kWithFixed = GCT_WITH_FIXED != 0;
static_assert(kWithFloat || kWithFixed, "the engine needs at least one arithmetic");

inline bool is_fixed(ScalarKind k) { return !kWithFloat || (kWithFixed && k == ScalarKind::kFixed); }

}  // namespace gct
