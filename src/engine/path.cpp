// The two arithmetics' tables, each in its own section of a firmware (-fdata-sections), so that
// the one a build never selects is dropped with its code.
#include "path.hpp"

namespace gct {

// In the struct's order; `first_non_finite_layer`: null where values cannot become NaN or infinite.
#define GCT_PATH_TABLE(ns, first_non_finite_layer)                                                          \
  {                                                                                                        \
    ns::mlp_layout, ns::mlp_init_params, ns::mlp_forward, ns::mlp_backward, ns::backward_products,         \
        ns::optimizer_layout, ns::optimizer_reset, ns::optimizer_step, ns::weights, ns::biases,            \
        ns::use_parameters, ns::each_state_tensor, ns::check_stored, ns::mean_loss, first_non_finite_layer, \
        ns::input_normalisation, ns::load_sample, ns::load_inputs, ns::score_row, ns::top_k,               \
        ns::logits_as_float,                                                                               \
  }

const ArithmeticPath kFloatPath = GCT_PATH_TABLE(float_path, float_path::first_non_finite_layer);
const ArithmeticPath kFixedPath = GCT_PATH_TABLE(fixed_path, nullptr);

#undef GCT_PATH_TABLE

}  // namespace gct
