// The two arithmetics' tables, each in its own section of a firmware (-fdata-sections), so that
// the one a build never selects is dropped with its code.
#include "path.hpp"

#include "fixed/qpath.hpp"
#include "float/float_path.hpp"

namespace gct {

const ArithmeticPath kFloatPath = {
    float_path::mlp_layout,       float_path::mlp_init_params,  float_path::mlp_forward,
    float_path::mlp_backward,     float_path::backward_products, float_path::optimizer_layout,
    float_path::optimizer_reset,  float_path::optimizer_step,
};

const ArithmeticPath kFixedPath = {
    fixed_path::mlp_layout,       fixed_path::mlp_init_params,  fixed_path::mlp_forward,
    fixed_path::mlp_backward,     fixed_path::backward_products, fixed_path::optimizer_layout,
    fixed_path::optimizer_reset,  fixed_path::optimizer_step,
};

}  // namespace gct
