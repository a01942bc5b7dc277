// Which float products this process runs: chosen once, from what the build compiled in and what
// the CPU has. The plan (layout) and the steps ask the same question, so they always agree.
#include "products.hpp"

#include "gctrain/mlp.hpp"

#if !GCT_DENSE_MCU
namespace gct {
namespace dense {
namespace {

bool use_avx512() {
#if GCT_FGEMM_AVX512
  return cpu_has_avx512();
#else
  return false;
#endif
}

}  // namespace

#if GCT_FGEMM_AVX512
#define GCT_DISPATCH(call) return use_avx512() ? avx512::call : eigen::call
#else
#define GCT_DISPATCH(call) return eigen::call
#endif

void layout(Mlp* mlp, Arena* arena) { GCT_DISPATCH(layout(mlp, arena)); }
bool forward(Mlp* mlp, int l, uint32_t rows) { GCT_DISPATCH(forward(mlp, l, rows)); }
bool weight_grad(Mlp* mlp, int l, uint32_t rows) { GCT_DISPATCH(weight_grad(mlp, l, rows)); }
bool input_grad(Mlp* mlp, int l, uint32_t rows) { GCT_DISPATCH(input_grad(mlp, l, rows)); }

#undef GCT_DISPATCH

}  // namespace dense

const char* mlp_float_kernels() { return dense::use_avx512() ? "avx512" : "eigen"; }

}  // namespace gct
#endif
