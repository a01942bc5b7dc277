// The two arithmetics' tables, each in its own section of a firmware (-fdata-sections), so that
// the one a build never selects is dropped with its code.
#include "path.hpp"

#include "fixed/fixed_path.hpp"
#include "float/float_path.hpp"

namespace gct {

const ArithmeticPath kFloatPath = {
    float_path::mlp_layout,       float_path::mlp_init_params,  float_path::mlp_forward,
    float_path::mlp_backward,     float_path::backward_products, float_path::optimizer_layout,
    float_path::optimizer_reset,  float_path::optimizer_step,
    float_path::weights,          float_path::biases,            float_path::use_parameters,
    float_path::each_state_tensor, float_path::mean_loss,        true, float_path::first_non_finite_layer,
    float_path::input_normalisation, float_path::load_sample,    float_path::load_inputs,
    float_path::score_row,        float_path::top_k,             float_path::logits_as_float,
};

const ArithmeticPath kFixedPath = {
    fixed_path::mlp_layout,       fixed_path::mlp_init_params,  fixed_path::mlp_forward,
    fixed_path::mlp_backward,     fixed_path::backward_products, fixed_path::optimizer_layout,
    fixed_path::optimizer_reset,  fixed_path::optimizer_step,
    fixed_path::weights,          fixed_path::biases,            fixed_path::use_parameters,
    fixed_path::each_state_tensor, fixed_path::mean_loss,        false, fixed_path::first_non_finite_layer,
    fixed_path::input_normalisation, fixed_path::load_sample,    fixed_path::load_inputs,
    fixed_path::score_row,        fixed_path::top_k,             fixed_path::logits_as_float,
};

}  // namespace gct
