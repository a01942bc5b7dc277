// The five optimizers, weight decay and GC in fixed point. Same order per row as float/optimizer.cpp:
// weight decay, GC on the gradient, the rule, GC on the update. The equations are PyTorch's; the
// integer forms are
//   sgdm:     b = mu b + g                         (int32 Q28, saturating)
//   adagrad:  s = s + g^2                          (int64 Q56: g^2 exact, saturating)
//   rmsprop:  v = v + (1 - alpha)(g^2 - v)
//   adam:     m = m + (1 - b1)(g - m)  (Q31);  v = v + (1 - b2)(g^2 - v)
// and every adaptive update u = c * x / (sqrt(v) + eps) is formed with a table square root into
// Q36 and a table reciprocal, normalising x first so that small values keep their precision.
#include <initializer_list>

#include "../isa.hpp"
#include "adaptive.hpp"
#include "fixed_inline.hpp"
#include "../gc.hpp"
#include "../carve.hpp"
#include "../path.hpp"
#include "state.hpp"
#include "../row_blocks.hpp"

namespace gct::fixed_path {
namespace {

struct RowContext {
  Coef lr, wd, momentum, one_minus_alpha, one_minus_b1, one_minus_b2, step_size, inv_bc2_sqrt;
  uint64_t eps = 0;  // Q36
  bool nesterov = false;
};

inline int64_t sat_add64(int64_t a, int64_t b) {
  // a (an accumulator) and b (a square) are in [0, 2^62]: their sum fits an unsigned 64-bit value.
  constexpr uint64_t kMax = uint64_t{1} << 62;
  const uint64_t s = static_cast<uint64_t>(a) + static_cast<uint64_t>(b);
  return static_cast<int64_t>(s > kMax ? kMax : s);
}

// One row of a parameter's gradient and its state, as in float32 (optim/rules.hpp): the first moment
// m and the second v, null where the optimizer keeps none.
struct Row {
  int32_t* g;
  int32_t* m;
  int64_t* v;
};

// The rules have float32's form, rule(ctx, row, n). Each writes its update u (saturated to int32)
// into g; update_tensor applies it and counts saturation. Keeping the rules free of that choice
// (and reading the context and the row into locals) lets the loops vectorise.
GCT_CLONE_FOR_AVX512 void sgd_row(const RowContext& ctx, const Row& row, uint32_t n) {
  int32_t* g = row.g;
  const Coef lr = ctx.lr;
  for (uint32_t j = 0; j < n; ++j) g[j] = sat32(mul_down(g[j], lr));
}

GCT_CLONE_FOR_AVX512 void momentum_row(const RowContext& ctx, const Row& row, uint32_t n) {
  int32_t* g = row.g;
  int32_t* b = row.m;
  const Coef lr = ctx.lr, mu = ctx.momentum;
  const bool nesterov = ctx.nesterov;
  for (uint32_t j = 0; j < n; ++j) {
    const int32_t bj = sat32(mul_down(b[j], mu) + g[j]);
    b[j] = bj;
    const int64_t step = nesterov ? g[j] + mul_down(bj, mu) : bj;
    g[j] = sat32(mul_down(step, lr));
  }
}

// Adaptive rules: a first pass updates the state (vectorises as it stands), the second forms the
// updates (adaptive.cpp).
GCT_CLONE_FOR_AVX512 void adagrad_row(const RowContext& ctx, const Row& row, uint32_t n) {
  int32_t* g = row.g;
  int64_t* s = row.v;
  for (uint32_t j = 0; j < n; ++j) s[j] = sat_add64(s[j], int64_t{g[j]} * g[j]);
  adaptive_update(s, g, ctx.lr, nullptr, ctx.eps, g, n);
}

GCT_CLONE_FOR_AVX512 void rmsprop_row(const RowContext& ctx, const Row& row, uint32_t n) {
  int32_t* g = row.g;
  int64_t* v = row.v;
  const Coef keep = ctx.one_minus_alpha;
  for (uint32_t j = 0; j < n; ++j) {
    const int64_t vj = v[j] + mul_coef64(int64_t{g[j]} * g[j] - v[j], keep);
    v[j] = vj < 0 ? 0 : vj;  // a rounding below zero would make the root meaningless
  }
  adaptive_update(v, g, ctx.lr, nullptr, ctx.eps, g, n);
}

GCT_CLONE_FOR_AVX512 void adam_row(const RowContext& ctx, const Row& row, uint32_t n) {
  int32_t* g = row.g;
  int32_t* m = row.m;
  int64_t* v = row.v;
  const Coef b1 = ctx.one_minus_b1, b2 = ctx.one_minus_b2;
  for (uint32_t j = 0; j < n; ++j) {
    // g in Q31, saturated to m's range (+-1): keeps (g31 - m) * coefficient inside int64.
    const int64_t g31 = sat32(int64_t{g[j]} * (1 << (kMomentFrac - kParamFrac)));
    m[j] = sat32(m[j] + mul_down(g31 - m[j], b1));
    const int64_t vj = v[j] + mul_coef64(int64_t{g[j]} * g[j] - v[j], b2);
    v[j] = vj < 0 ? 0 : vj;
  }
  adaptive_update(v, m, ctx.step_size, &ctx.inv_bc2_sqrt, ctx.eps, g, n);
}

using Rule = void (*)(const RowContext& ctx, const Row& row, uint32_t n);

Rule rule_for(OptimizerKind kind) {
  switch (kind) {
    case OptimizerKind::kSgd: return sgd_row;
    case OptimizerKind::kSgdMomentum: return momentum_row;
    case OptimizerKind::kAdagrad: return adagrad_row;
    case OptimizerKind::kRmsprop: return rmsprop_row;
    case OptimizerKind::kAdam: return adam_row;
  }
  return sgd_row;
}

uint64_t pow_q31(uint64_t base, uint64_t t) {
  uint64_t result = uint64_t{1} << 31;
  while (t > 0) {
    if (t & 1) result = (result * base + (uint64_t{1} << 30)) >> 31;
    base = (base * base + (uint64_t{1} << 30)) >> 31;
    t >>= 1;
  }
  return result;
}

// value * 2^frac, exactly as far as the float allows (rounded to nearest past that).
int64_t fixed_of(float value, int frac) {
  const Coef c = coef_from_float(value);
  return shift_round(c.mant, c.shift - frac);
}

Coef one_minus(float value) {
  const uint64_t q = static_cast<uint64_t>(fixed_of(value, 31));
  return coef_ratio((uint64_t{1} << 31) - q, 31, 1, 0);
}


// Returns how many of the tensor's values sit at the int32 limits after the update.
uint64_t update_tensor(Rule rule, const RowContext& ctx, GcMode gc, bool centre, int32_t* w, const int32_t* grad,
                       int32_t* m, int64_t* v, uint32_t rows, uint32_t cols, int32_t* g) {
  uint64_t saturated = 0;
  const bool gc_grad = centre && gc == GcMode::kGrad;
  const bool gc_update = centre && gc == GcMode::kUpdate;
  const Coef wd = ctx.wd;
  for (uint32_t i = 0; i < rows; ++i) {
    const size_t off = size_t{i} * cols;
    int32_t* wr = w + off;
    const int32_t* dr = grad + off;
    if (wd.mant != 0) {
      for (uint32_t j = 0; j < cols; ++j) g[j] = sat32(dr[j] + mul_down(wr[j], wd));
    } else {
      for (uint32_t j = 0; j < cols; ++j) g[j] = dr[j];
    }
    if (gc_grad) gc_centralize_rows(g, 1, cols);
    rule(ctx, Row{g, m ? m + off : nullptr, v ? v + off : nullptr}, cols);
    const int64_t mean = gc_update ? row_mean(g, cols) : 0;
    uint32_t at_limit = 0;
    for (uint32_t j = 0; j < cols; ++j) {
      const int32_t updated = sat32(int64_t{wr[j]} - (int64_t{g[j]} - mean));
      wr[j] = updated;
      at_limit += (updated == INT32_MAX) | (updated == INT32_MIN);
    }
    saturated += at_limit;
  }
  return saturated;
}

}  // namespace

void optimizer_layout(OptimizerState* opt, const Mlp& mlp, Arena* arena) {
  OptimizerTensors& o = *new (opt->arithmetic) OptimizerTensors{};
  carve_optimizer(mlp, opt->kind, arena, [&](Piece p, int l, void* at, size_t bytes) {
    place_optimizer_piece(o, p, l, at, bytes, mlp.threads);
  });
}

template <class T>
static void fill(T* p, size_t n, T value) {
  for (size_t i = 0; i < n; ++i) p[i] = value;
}

void optimizer_reset(OptimizerState* opt, const Mlp& mlp, const OptimizerParams& hp) {
  OptimizerTensors& o = state(*opt);
  const int64_t initial = opt->kind == OptimizerKind::kAdagrad ? fixed_of(hp.initial_accumulator, kSqFrac) : 0;
  for (int l = mlp.frozen; l < mlp.num_layers; ++l) {
    const Layer& d = state(mlp).layer[l];
    const size_t n = size_t{d.out} * d.in;
    if (o.first[l].w != nullptr) {
      fill<int32_t>(o.first[l].w, n, 0);
      fill<int32_t>(o.first[l].b, d.out, 0);
    }
    if (o.second[l].w != nullptr) {
      fill<int64_t>(o.second[l].w, n, initial);
      fill<int64_t>(o.second[l].b, d.out, initial);
    }
  }
  opt->step = 0;
}

Status optimizer_step(OptimizerState* opt, Mlp* mlp, const OptimizerParams& hp, GcMode gc) {
  const OptimizerTensors& o = state(*opt);
  const uint64_t t = opt->step + 1;
  RowContext ctx;
  ctx.lr = coef_from_float(hp.lr);
  ctx.wd = coef_from_float(hp.weight_decay);
  ctx.momentum = coef_from_float(hp.momentum);
  ctx.nesterov = hp.nesterov;
  ctx.one_minus_alpha = one_minus(hp.alpha);
  ctx.eps = static_cast<uint64_t>(fixed_of(hp.eps, kDenFrac));
  if (opt->kind == OptimizerKind::kAdam) {
    ctx.one_minus_b1 = one_minus(hp.beta1);
    ctx.one_minus_b2 = one_minus(hp.beta2);
    uint64_t bc1 = (uint64_t{1} << 31) - pow_q31(static_cast<uint64_t>(fixed_of(hp.beta1, 31)), t);
    uint64_t bc2 = (uint64_t{1} << 31) - pow_q31(static_cast<uint64_t>(fixed_of(hp.beta2, 31)), t);
    if (bc1 == 0) bc1 = 1;
    if (bc2 == 0) bc2 = 1;
    // m is Q31, the update Q28: the step size absorbs the difference.
    ctx.step_size = coef_ratio(static_cast<uint64_t>(ctx.lr.mant), ctx.lr.shift + kMomentFrac - kParamFrac, bc1, 31);
    const uint64_t root = sqrt_fast(bc2 << 31, 62, 31);
    ctx.inv_bc2_sqrt = coef_ratio(1, 0, root, 31);
  }
  for (Coef* c : {&ctx.lr, &ctx.wd, &ctx.momentum, &ctx.one_minus_alpha, &ctx.one_minus_b1, &ctx.one_minus_b2,
                  &ctx.step_size, &ctx.inv_bc2_sqrt}) {
    *c = coef_normalised(*c);
  }
  const Rule rule = rule_for(opt->kind);
  uint64_t saturated = 0;
  for (int l = mlp->frozen; l < mlp->num_layers; ++l) {
    const Layer& d = state(*mlp).layer[l];
    const FirstMoment m = o.first[l];
    const SecondMoment v = o.second[l];
    uint64_t saturated_in_block[kMaxThreads] = {};
    auto weights = [&](uint32_t begin, uint32_t end, uint32_t block) {
      const size_t off = size_t{begin} * d.in;
      saturated_in_block[block] = update_tensor(rule, ctx, gc, true, d.w + off, d.dw + off, m.w ? m.w + off : nullptr,
                                                v.w ? v.w + off : nullptr, end - begin, d.in,
                                                o.row + size_t{block} * o.row_stride);
    };
    for_row_blocks(*mlp, d.out, weights);
    for (uint64_t s : saturated_in_block) saturated += s;
    saturated += update_tensor(rule, ctx, gc, false, d.b, d.db, m.b, v.b, 1, d.out, o.row);
  }
  opt->step = t;
  opt->saturated = saturated;
  return Status::Ok();
}

}  // namespace gct::fixed_path
