// The optimizer pass in float32: one row rule per optimizer (optim/*.cpp), weight decay and GC
// fused in, weight rows in blocks across threads.
#include <cmath>
#include <cstring>

#include "../finite.hpp"
#include "../optim/rules.hpp"
#include "../row_blocks.hpp"
#include "../carve.hpp"
#include "../path.hpp"
#include "state.hpp"
#include "../gc.hpp"
#include "../decimal.hpp"

namespace gct::float_path {

void optimizer_layout(OptimizerState* opt, const Mlp& mlp, Arena* arena) {
  OptimizerTensors& o = *new (opt->arithmetic) OptimizerTensors{};
  carve_optimizer(mlp, opt->kind, arena, [&](Piece p, int l, void* at, size_t bytes) {
    place_optimizer_piece(o, p, l, at, bytes, mlp.threads);
  });
}

static void fill(float* p, size_t n, float value) {
  for (size_t i = 0; i < n; ++i) p[i] = value;
}

static void fill(const StateTensors& t, const Layer& d, float value) {
  if (t.w == nullptr) return;
  fill(t.w, size_t{d.out} * d.in, value);
  fill(t.b, d.out, value);
}

void optimizer_reset(OptimizerState* opt, const Mlp& mlp, const OptimizerParams& hp) {
  OptimizerTensors& o = state(*opt);
  const float initial = opt->kind == OptimizerKind::kAdagrad ? hp.initial_accumulator : 0.0f;
  for (int l = mlp.frozen; l < mlp.num_layers; ++l) {
    const Layer& d = state(mlp).layer[l];
    fill(o.first[l], d, 0.0f);
    fill(o.second[l], d, initial);
  }
  opt->step = 0;
}

static optim::RowRule rule_for(OptimizerKind kind) {
  switch (kind) {
    case OptimizerKind::kSgd: return optim::sgd_row;
    case OptimizerKind::kSgdMomentum: return optim::momentum_row;
    case OptimizerKind::kAdagrad: return optim::adagrad_row;
    case OptimizerKind::kRmsprop: return optim::rmsprop_row;
    case OptimizerKind::kAdam: return optim::adam_row;
  }
  return optim::sgd_row;
}

// Updates a [rows x cols] parameter from its gradient; `centre` selects GC for this tensor.
// Returns 0 if all is finite, 1 if a gradient, 2 if an updated parameter is NaN or infinite.
// Only the updated row is checked on the fast path: a non-finite gradient makes it non-finite too,
// and then the (untouched) gradient row tells which of the two went bad first.
static int update_tensor(optim::RowRule rule, optim::RowContext ctx, const OptimizerParams& hp,
                          GcMode gc, bool centre, float* w, const float* grad, float* m, float* v,
                          uint32_t rows, uint32_t cols, float* g) {
  const bool gc_grad = centre && gc == GcMode::kGrad;
  const bool gc_update = centre && gc == GcMode::kUpdate;
  ctx.emit_update = gc_update;
  const float wd = hp.weight_decay;
  for (uint32_t i = 0; i < rows; ++i) {
    const size_t off = size_t{i} * cols;
    float* wr = w + off;
    const float* dr = grad + off;
    // The row the rule reads: built in g only when it differs from dW's row or the rule writes
    // its update into it (gc == update); otherwise dW's row itself, saving a copy per row.
    float* src = g;
    if (wd != 0.0f) {
      for (uint32_t j = 0; j < cols; ++j) g[j] = dr[j] + wd * wr[j];
      if (gc_grad) {
        const float mean = row_mean(g, cols);
        for (uint32_t j = 0; j < cols; ++j) g[j] -= mean;
      }
    } else if (gc_grad) {
      const float mean = row_mean(dr, cols);
      for (uint32_t j = 0; j < cols; ++j) g[j] = dr[j] - mean;
    } else if (gc_update) {
      std::memcpy(g, dr, sizeof(float) * cols);
    } else {
      src = const_cast<float*>(dr);  // rules write g only when emit_update is set
    }
    rule(ctx, optim::Row{wr, src, m ? m + off : nullptr, v ? v + off : nullptr}, cols);
    if (gc_update) {
      const float mean = row_mean(g, cols);
      for (uint32_t j = 0; j < cols; ++j) wr[j] -= g[j] - mean;
    }
    if (any_non_finite(wr, cols)) return any_non_finite(dr, cols) ? 1 : 2;
  }
  return 0;
}

Status optimizer_step(OptimizerState* opt, Mlp* mlp, const OptimizerParams& hp, GcMode gc) {
  const OptimizerTensors& o = state(*opt);
  const uint64_t t = opt->step + 1;
  optim::RowContext ctx{&hp, hp.lr, 1.0f, false};
  if (opt->kind == OptimizerKind::kAdam) {
    const double bc1 = 1.0 - std::pow(static_cast<double>(hp.beta1), static_cast<double>(t));
    const double bc2 = 1.0 - std::pow(static_cast<double>(hp.beta2), static_cast<double>(t));
    ctx.step_size = static_cast<float>(static_cast<double>(hp.lr) / bc1);
    ctx.bias_correction2_sqrt = static_cast<float>(std::sqrt(bc2));
  }
  const optim::RowRule rule = rule_for(opt->kind);
  for (int l = mlp->frozen; l < mlp->num_layers; ++l) {
    const Layer& d = state(*mlp).layer[l];
    const StateTensors m = o.first[l], v = o.second[l];
    // Weight rows in blocks, one row buffer each; the first bad row in row order is reported.
    int bad_in_block[kMaxThreads] = {};
    auto weights = [&](uint32_t begin, uint32_t end, uint32_t block) {
      const size_t off = size_t{begin} * d.in;
      bad_in_block[block] = update_tensor(rule, ctx, hp, gc, true, d.w + off, d.dw + off, m.w ? m.w + off : nullptr,
                                          v.w ? v.w + off : nullptr, end - begin, d.in,
                                          o.row + size_t{block} * o.row_stride);
    };
    for_row_blocks(*mlp, d.out, weights);
    int bad = 0;
    for (int b : bad_in_block) {
      if (bad == 0) bad = b;
    }
    const char* tensor = "weights";
    if (bad == 0) {
      bad = update_tensor(rule, ctx, hp, gc, false, d.b, d.db, m.b, v.b, 1, d.out, o.row);
      tensor = "biases";
    }
    if (bad != 0) {
      const Decimal step = decimal(t);
      if (bad == 1) {
        return Status::Error(Code::kNumericalError, "step %s: the gradient of layer %d %s is NaN or infinite",
                             step.text, l + 1, tensor);
      }
      return Status::Error(Code::kNumericalError, "step %s: layer %d %s became NaN or infinite in the update",
                           step.text, l + 1, tensor);
    }
  }
  opt->step = t;
  return Status::Ok();
}

}  // namespace gct::float_path
