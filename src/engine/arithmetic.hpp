// Private: which arithmetics and layers this build of the engine has. A firmware that trains in one
// arithmetic builds the engine with -Darithmetic=float or fixed; arithmetic_path() (path.hpp) asks
// is_fixed(), which is then a constant, so the other arithmetic's code is never referenced and the
// linker drops it. -Dconvolutions=false does the same for the convolutions' code (conv_layer()).
#pragma once

#include "gctrain/config.hpp"

#ifndef GCT_WITH_FLOAT
#define GCT_WITH_FLOAT 1
#endif
#ifndef GCT_WITH_FIXED
#define GCT_WITH_FIXED 1
#endif
#ifndef GCT_WITH_CONV
#define GCT_WITH_CONV 1
#endif

namespace gct {

constexpr bool kWithFloat = GCT_WITH_FLOAT != 0;
constexpr bool kWithFixed = GCT_WITH_FIXED != 0;
static_assert(kWithFloat || kWithFixed, "the engine needs at least one arithmetic");

constexpr bool kWithConv = GCT_WITH_CONV != 0;

inline bool is_fixed(ScalarKind k) { return !kWithFloat || (kWithFixed && k == ScalarKind::kFixed); }

// Layer l is a convolution (never in a build without them: validate_net refuses such a network).
inline bool conv_layer(const LayerSizes& s, int l) { return kWithConv && s.conv[l].is_conv(); }

}  // namespace gct
