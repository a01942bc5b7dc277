// Convolutional networks: the --net grammar, every layer type's gradients against central finite
// differences of a double-precision reference written independently of the engine (direct
// convolution loops, no im2col), thread-count independence, GC on filters, and training.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "gctrain/mlp.hpp"
#include "gctrain/optimizer.hpp"
#include "gctrain/plan_bound.hpp"
#include "gctrain/rng.hpp"
#include "gctrain/trainer.hpp"
#include "synthetic.hpp"
#include "tensors.hpp"

using namespace gct;

namespace {

LayerSizes net(const char* spec, uint32_t c, uint32_t h, uint32_t w) {
  LayerSizes s;
  const Status st = parse_net(spec, c, h, w, &s);
  const std::string what = std::string(spec) + ": " + st.message();
  INFO(what);
  REQUIRE(st.ok());
  return s;
}

std::string formatted(const LayerSizes& s) {
  char buf[256];
  format_layer_sizes(s, buf, sizeof buf);
  return buf;
}

// ---- the double reference: one sample at a time, straight from the definitions ----

struct RefNet {
  LayerSizes sizes;
  std::vector<std::vector<double>> w, b;
};

std::vector<double> ref_conv(const ConvShape& g, const std::vector<double>& x, const std::vector<double>& w,
                             const std::vector<double>& b) {
  const int oh = g.conv_height(), ow = g.conv_width(), k = g.kernel;
  std::vector<double> z(g.conv_outputs());
  for (int o = 0; o < g.channels; ++o) {
    for (int oy = 0; oy < oh; ++oy) {
      for (int ox = 0; ox < ow; ++ox) {
        double s = b[o];
        for (int c = 0; c < g.in_channels; ++c) {
          for (int ky = 0; ky < k; ++ky) {
            for (int kx = 0; kx < k; ++kx) {
              const int iy = oy * g.stride - g.pad + ky, ix = ox * g.stride - g.pad + kx;
              if (iy < 0 || iy >= g.in_height || ix < 0 || ix >= g.in_width) continue;
              s += w[((o * g.in_channels + c) * k + ky) * k + kx] * x[(c * g.in_height + iy) * g.in_width + ix];
            }
          }
        }
        z[(o * oh + oy) * ow + ox] = std::fmax(s, 0.0);
      }
    }
  }
  return z;
}

std::vector<double> ref_pool(const ConvShape& g, const std::vector<double>& z) {
  if (g.pool == PoolKind::kNone) return z;
  const int h = g.conv_height(), w = g.conv_width(), oh = g.out_height(), ow = g.out_width();
  std::vector<double> out(g.outputs());
  for (int c = 0; c < g.channels; ++c) {
    const double* zc = z.data() + c * h * w;
    if (g.pool == PoolKind::kGlobalAvg) {
      double s = 0;
      for (int i = 0; i < h * w; ++i) s += zc[i];
      out[c] = s / (h * w);
      continue;
    }
    for (int y = 0; y < oh; ++y) {
      for (int x = 0; x < ow; ++x) {
        const double v[4] = {zc[2 * y * w + 2 * x], zc[2 * y * w + 2 * x + 1], zc[(2 * y + 1) * w + 2 * x],
                             zc[(2 * y + 1) * w + 2 * x + 1]};
        out[(c * oh + y) * ow + x] = g.pool == PoolKind::kAvg2 ? (v[0] + v[1] + v[2] + v[3]) / 4
                                                               : std::fmax(std::fmax(v[0], v[1]), std::fmax(v[2], v[3]));
      }
    }
  }
  return out;
}

std::vector<double> ref_logits(const RefNet& m, std::vector<double> a) {
  const int L = m.sizes.num_layers();
  for (int l = 0; l < L; ++l) {
    const ConvShape& g = m.sizes.conv[l];
    if (g.is_conv()) {
      a = ref_pool(g, ref_conv(g, a, m.w[l], m.b[l]));
      continue;
    }
    const uint32_t in = m.sizes.size[l], out = m.sizes.size[l + 1];
    std::vector<double> z(out);
    for (uint32_t i = 0; i < out; ++i) {
      double s = m.b[l][i];
      for (uint32_t j = 0; j < in; ++j) s += m.w[l][i * in + j] * a[j];
      z[i] = l + 1 < L ? std::fmax(s, 0.0) : s;
    }
    a = z;
  }
  return a;
}

double ref_loss(const RefNet& m, const std::vector<double>& x, const std::vector<uint8_t>& y, uint32_t rows) {
  double total = 0;
  const uint32_t n = m.sizes.input();
  for (uint32_t r = 0; r < rows; ++r) {
    const std::vector<double> z = ref_logits(m, std::vector<double>(x.begin() + r * n, x.begin() + (r + 1) * n));
    double mx = z[0], se = 0;
    for (double v : z) mx = std::fmax(mx, v);
    for (double v : z) se += std::exp(v - mx);
    total += std::log(se) + mx - z[y[r]];
  }
  return total / rows;
}

// A model laid out in an arena of exactly its plan, with random weights and biases.
struct Model {
  testing::AlignedBuffer buffer;
  Mlp mlp;
  Model(const LayerSizes& sizes, uint32_t batch, uint32_t threads, uint64_t seed) : buffer(plan(sizes, batch, threads)) {
    Arena arena;
    REQUIRE(arena_init(&arena, buffer.data, buffer.size).ok());
    mlp_layout(&mlp, sizes, batch, &arena, threads);
    REQUIRE_FALSE(arena.exhausted);
    REQUIRE(arena.used == buffer.size);
    Rng rng;
    rng_seed(&rng, seed, RngStream::kApplication);
    mlp_init_params(&mlp, &rng, InitScheme::kTorch);
  }
  static size_t plan(const LayerSizes& sizes, uint32_t batch, uint32_t threads) {
    Arena counting;
    arena_init_counting(&counting);
    Mlp probe;
    mlp_layout(&probe, sizes, batch, &counting, threads);
    return counting.used;
  }
};

RefNet reference_of(const Mlp& mlp) {
  RefNet ref;
  ref.sizes = mlp.sizes;
  for (int l = 0; l < mlp.num_layers; ++l) {
    const auto& d = float_tensors(mlp).layer[l];
    ref.w.emplace_back(d.w, d.w + size_t{d.out} * d.in);
    ref.b.emplace_back(d.b, d.b + d.out);
  }
  return ref;
}

// The largest relative error of the engine's dW and db against central differences.
double worst_gradient_error(const Mlp& mlp, RefNet ref, const std::vector<double>& x, const std::vector<uint8_t>& y,
                            uint32_t rows) {
  const double h = 1e-6;
  double worst = 0;
  auto check = [&](std::vector<double>& p, const float* analytic) {
    for (size_t i = 0; i < p.size(); ++i) {
      const double keep = p[i];
      p[i] = keep + h;
      const double up = ref_loss(ref, x, y, rows);
      p[i] = keep - h;
      const double down = ref_loss(ref, x, y, rows);
      p[i] = keep;
      const double numeric = (up - down) / (2 * h);
      worst = std::fmax(worst, std::fabs(numeric - analytic[i]) / std::fmax(1e-3, std::fabs(numeric)));
    }
  };
  for (int l = 0; l < mlp.num_layers; ++l) {
    check(ref.w[l], float_tensors(mlp).layer[l].dw);
    check(ref.b[l], float_tensors(mlp).layer[l].db);
  }
  return worst;
}

}  // namespace

TEST_CASE("parse_net reads the grammar and derives every shape") {
  const LayerSizes s = net("conv3x3:32,maxpool2,conv3x3:64,maxpool2,conv3x3:128,maxpool2,dense:256,dense:100", 3, 32, 32);
  REQUIRE(s.num_layers() == 5);
  CHECK(s.size[0] == 3072);
  CHECK(s.size[1] == 32 * 16 * 16);
  CHECK(s.size[2] == 64 * 8 * 8);
  CHECK(s.size[3] == 128 * 4 * 4);
  CHECK(s.size[4] == 256);
  CHECK(s.size[5] == 100);
  CHECK(s.weight_rows(0) == 32);
  CHECK(s.weight_cols(0) == 27);
  CHECK(s.weight_cols(2) == 576);
  CHECK(s.weight_rows(3) == 256);
  CHECK(s.weight_cols(3) == 2048);
  // PyTorch's parameter count of the same network.
  CHECK(parameter_count(s) == (32 * 27 + 32) + (64 * 288 + 64) + (128 * 576 + 128) + (256 * 2048 + 256) + (100 * 256 + 100));
  CHECK(formatted(s) == "3x32x32:conv3x3:32,maxpool2,conv3x3:64,maxpool2,conv3x3:128,maxpool2,dense:256,dense:100");

  const LayerSizes t = net("conv3x3:8/s2,avgpool2,flatten,dense:10", 1, 9, 7);
  // 9x7 -> stride 2, padding 1: 5x4 -> 2x2 (the odd row dropped)
  CHECK(t.conv[0].conv_height() == 5);
  CHECK(t.conv[0].conv_width() == 4);
  CHECK(t.size[1] == 8 * 2 * 2);
  CHECK(formatted(t) == "1x9x7:conv3x3:8/s2,avgpool2,dense:10");
  const LayerSizes u = net("conv1x1:4,gap,dense:3", 2, 5, 5);
  CHECK(u.size[1] == 4);
  CHECK(formatted(u) == "2x5x5:conv1x1:4,gap,dense:3");
  // The formatted network reads back as the same layers, geometry included.
  for (const LayerSizes* n : {&s, &t, &u}) {
    LayerSizes back;
    REQUIRE(parse_layer_sizes(formatted(*n).c_str(), &back).ok());
    CHECK(formatted(back) == formatted(*n));
    CHECK(std::memcmp(back.conv, n->conv, sizeof back.conv) == 0);
    CHECK(std::memcmp(back.size, n->size, sizeof back.size) == 0);
  }
  LayerSizes bad;
  CHECK_FALSE(parse_layer_sizes("3x32:conv3x3:4,dense:3", &bad).ok());
  CHECK_FALSE(parse_layer_sizes("0x32x32:conv3x3:4,dense:3", &bad).ok());
  // Plain dense layers still format as sizes.
  CHECK(formatted(net("dense:20,dense:10", 3, 4, 4)) == "48-20-10");
}

TEST_CASE("parse_net refuses what it cannot build, naming the layer") {
  LayerSizes s;
  auto refused = [&](const char* spec, const char* words) {
    const Status st = parse_net(spec, 3, 8, 8, &s);
    const std::string what = std::string(spec) + " -> " + st.message();
    INFO(what);
    CHECK_FALSE(st.ok());
    CHECK(std::string(st.message()).find(words) != std::string::npos);
  };
  refused("", "empty");
  refused("maxpool2,dense:10", "pooling must follow a convolution");
  refused("conv3x3:4,maxpool2,maxpool2,dense:10", "one pooling");
  refused("dense:10,conv3x3:4,dense:3", "cannot follow a dense layer");
  refused("conv3x3:4", "must end with a dense layer");
  refused("conv3x3:4,maxpool2", "must end with a dense layer");
  refused("conv3x2:4,dense:10", "square kernel");
  refused("conv3x3:0,dense:10", "output channels");
  refused("conv3x3:4/s9,dense:10", "stride");
  refused("conv3x3:4/x2,dense:10", "stride");
  refused("conv3x3:4,,dense:10", "empty layer");
  refused("conv3x3:4,pool,dense:10", "expected convKxK");
  refused("dense:", "dense:N");
  refused("conv1x1:2/s4,conv1x1:2/s4,maxpool2,dense:3", "too small for 2x2 pooling");
  refused("dense:2,dense:2,dense:2,dense:2,dense:2,dense:2,dense:2,dense:2,dense:2", "too many");
}

TEST_CASE("every layer type's gradients match central finite differences of a double reference") {
  // Odd image sizes, stride 2, padding, each pooling, 1x1 kernels, a convolution above another
  // unpooled one, and a partial batch.
  const struct {
    const char* spec;
    uint32_t c, h, w;
  } nets[] = {
      {"conv3x3:4,maxpool2,dense:5", 2, 7, 5},
      {"conv3x3:3/s2,avgpool2,conv1x1:4,gap,dense:6,dense:5", 2, 9, 11},
      {"conv3x3:4/s2,conv3x3:3,maxpool2,dense:5", 3, 7, 7},
      {"conv1x1:3,conv3x3:2/s2,dense:4,dense:5", 1, 6, 5},
      {"conv5x5:2,gap,dense:5", 2, 5, 6},
  };
  for (const auto& n : nets) {
    const std::string what = n.spec;
    INFO(what);
    const LayerSizes sizes = net(n.spec, n.c, n.h, n.w);
    const uint32_t batch = 4, rows = 3;
    Model m(sizes, batch, 1, 7);
    Rng rng;
    rng_seed(&rng, 11, RngStream::kApplication);
    std::vector<double> x(rows * sizes.input());
    for (auto& v : x) v = rng_normal(&rng);
    const std::vector<uint8_t> y = {0, 4, 2};
    const RefNet ref = reference_of(m.mlp);

    const std::vector<float> xf(x.begin(), x.end());
    mlp_load_inputs(&m.mlp, xf.data(), rows);
    REQUIRE(mlp_forward(&m.mlp, rows).ok());
    for (uint32_t r = 0; r < rows; ++r) {
      std::vector<float> z(sizes.output());
      mlp_logits(m.mlp, r, z.data());
      const std::vector<double> want =
          ref_logits(ref, std::vector<double>(x.begin() + r * sizes.input(), x.begin() + (r + 1) * sizes.input()));
      for (size_t i = 0; i < z.size(); ++i) CHECK(z[i] == doctest::Approx(want[i]).epsilon(1e-4));
    }
    BatchLoss loss;
    REQUIRE(mlp_backward(&m.mlp, y.data(), rows, &loss).ok());
    CHECK(loss.loss_sum / rows == doctest::Approx(ref_loss(ref, x, y, rows)).epsilon(1e-5));
    CHECK(worst_gradient_error(m.mlp, ref, x, y, rows) < 2e-3);
  }
}

TEST_CASE("max pooling gives a tie's gradient to the first value of its window, as PyTorch does") {
  // One 1x1 filter reading channel 0 only: its output is 1 at every pixel (a four-way tie), while
  // channel 1 numbers the pixels, so dW[1] = g * (channel 1 at the pixel that got the gradient).
  const LayerSizes sizes = net("conv1x1:1,maxpool2,dense:2", 2, 2, 2);
  Model m(sizes, 1, 1, 1);
  auto& conv = float_tensors(m.mlp).layer[0];
  conv.w[0] = 1.0f;
  conv.w[1] = 0.0f;
  conv.b[0] = 0.0f;
  const std::vector<float> x = {1, 1, 1, 1, 1, 2, 3, 4};
  mlp_load_inputs(&m.mlp, x.data(), 1);
  REQUIRE(mlp_forward(&m.mlp, 1).ok());
  const uint8_t y = 0;
  BatchLoss loss;
  REQUIRE(mlp_backward(&m.mlp, &y, 1, &loss).ok());
  REQUIRE(conv.db[0] != 0.0f);
  CHECK(conv.dw[1] == doctest::Approx(conv.db[0] * 1.0f));
}

TEST_CASE("a convolutional network's forward and gradients do not depend on the thread count") {
  const LayerSizes sizes = net("conv3x3:20,maxpool2,conv3x3:24/s2,avgpool2,dense:16,dense:10", 3, 18, 18);
  const uint32_t batch = 9, rows = 7;
  std::vector<float> x(batch * sizes.input());
  Rng rng;
  rng_seed(&rng, 5, RngStream::kApplication);
  for (auto& v : x) v = rng_normal(&rng);
  const std::vector<uint8_t> y = {1, 2, 3, 4, 5, 6, 7};
  std::vector<std::vector<float>> first;
  for (uint32_t threads : {1u, 2u, 3u, 5u}) {
    INFO("threads ", threads);
    Model m(sizes, batch, threads, 3);
    mlp_load_inputs(&m.mlp, x.data(), rows);
    REQUIRE(mlp_forward(&m.mlp, rows).ok());
    BatchLoss loss;
    REQUIRE(mlp_backward(&m.mlp, y.data(), rows, &loss).ok());
    std::vector<std::vector<float>> grads;
    for (int l = 0; l < m.mlp.num_layers; ++l) {
      const auto& d = float_tensors(m.mlp).layer[l];
      grads.emplace_back(d.dw, d.dw + size_t{d.out} * d.in);
      grads.back().insert(grads.back().end(), d.db, d.db + d.out);
    }
    if (first.empty()) {
      first = grads;
      continue;
    }
    for (size_t l = 0; l < grads.size(); ++l) {
      CHECK(std::memcmp(grads[l].data(), first[l].data(), grads[l].size() * sizeof(float)) == 0);
    }
  }
}

TEST_CASE("GC centres each filter's gradient over its fan-in (C_in x k x k)") {
  const LayerSizes sizes = net("conv3x3:6,maxpool2,conv3x3:5,dense:7", 3, 8, 8);
  const uint32_t batch = 4;
  Model m(sizes, batch, 1, 9);
  Arena counting;
  arena_init_counting(&counting);
  OptimizerState probe;
  optimizer_layout(&probe, OptimizerKind::kSgd, m.mlp, &counting);
  testing::AlignedBuffer opt_buffer(counting.used);
  Arena arena;
  REQUIRE(arena_init(&arena, opt_buffer.data, opt_buffer.size).ok());
  OptimizerState opt;
  optimizer_layout(&opt, OptimizerKind::kSgd, m.mlp, &arena);
  OptimizerParams hp = optimizer_defaults(OptimizerKind::kSgd);
  hp.lr = 0.05f;
  optimizer_reset(&opt, m.mlp, hp);

  std::vector<float> x(batch * sizes.input());
  Rng rng;
  rng_seed(&rng, 2, RngStream::kApplication);
  for (auto& v : x) v = rng_normal(&rng);
  const std::vector<uint8_t> y = {0, 1, 2, 6};
  mlp_load_inputs(&m.mlp, x.data(), batch);
  REQUIRE(mlp_forward(&m.mlp, batch).ok());
  BatchLoss loss;
  REQUIRE(mlp_backward(&m.mlp, y.data(), batch, &loss).ok());
  std::vector<std::vector<double>> want;
  for (int l = 0; l < m.mlp.num_layers; ++l) {
    const auto& d = float_tensors(m.mlp).layer[l];
    std::vector<double> w(d.w, d.w + size_t{d.out} * d.in);
    for (uint32_t o = 0; o < d.out; ++o) {
      double mean = 0;  // computed directly: the filter's gradient summed over (C_in, ky, kx)
      for (uint32_t f = 0; f < d.in; ++f) mean += d.dw[o * d.in + f];
      mean /= d.in;
      for (uint32_t f = 0; f < d.in; ++f) w[o * d.in + f] -= hp.lr * (d.dw[o * d.in + f] - mean);
    }
    want.push_back(w);
  }
  CHECK(sizes.weight_cols(0) == 27);
  CHECK(sizes.weight_cols(1) == 54);
  REQUIRE(optimizer_step(&opt, &m.mlp, hp, GcMode::kGrad).ok());
  for (int l = 0; l < m.mlp.num_layers; ++l) {
    const auto& d = float_tensors(m.mlp).layer[l];
    for (size_t i = 0; i < want[l].size(); ++i) CHECK(d.w[i] == doctest::Approx(want[l][i]).epsilon(1e-6));
  }
}

TEST_CASE("a small CNN trains: exact plan, loss falls, same seed same weights") {
  testing::SyntheticData data = testing::make_separable(192, 4, 3, 12, 10, 21, 60);
  TrainConfig config = default_train_config();
  REQUIRE(parse_net("conv3x3:8,maxpool2,conv3x3:12/s2,gap,dense:4", 3, 12, 10, &config.layers).ok());
  config.batch = 16;
  config.optimizer = OptimizerKind::kAdam;
  config.hp = optimizer_defaults(OptimizerKind::kAdam);
  config.hp.lr = 0.01f;
  config.gc = GcMode::kGrad;
  uint32_t crc[2] = {};
  for (int run = 0; run < 2; ++run) {
    MemoryPlan plan;
    REQUIRE(trainer_plan(config, data_shape_of(data.view), &plan).ok());
    testing::AlignedBuffer buffer(plan.total);
    Trainer t;
    REQUIRE(trainer_setup(&t, config, data.view, buffer.data, buffer.size).ok());
    CHECK(t.arena.used == plan.total);
    double first = 0, last = 0;
    for (int epoch = 0; epoch < 12; ++epoch) {
      trainer_begin_epoch(&t);
      double sum = 0;
      int steps = 0;
      while (!trainer_epoch_done(t)) {
        StepResult r;
        REQUIRE(trainer_step(&t, &r).ok());
        sum += r.loss;
        ++steps;
      }
      if (epoch == 0) first = sum / steps;
      last = sum / steps;
    }
    CHECK(last < 0.5 * first);
    EvalResult ev;
    REQUIRE(trainer_evaluate(&t, data.view, &ev).ok());
    CHECK(ev.top1_acc() > 0.9);
    crc[run] = trainer_parameters_crc32(t);
  }
  CHECK(crc[0] == crc[1]);
}

TEST_CASE("a network whose image does not match the data is refused") {
  testing::SyntheticData data = testing::make_separable(32, 4, 3, 8, 8, 1);
  TrainConfig config = default_train_config();
  REQUIRE(parse_net("conv3x3:4,dense:4", 3, 4, 16, &config.layers).ok());  // 3x4x16: same size, other shape
  config.batch = 8;
  // The plan refuses what the setup would, with the same message.
  MemoryPlan plan;
  const Status planned = trainer_plan(config, data_shape_of(data.view), &plan);
  CHECK_FALSE(planned.ok());
  CHECK(std::string(planned.message()) == "the network reads 3x4x16 images, the data has 3x8x8");
  DataShape sizes_only = data_shape_of(data.view);  // a shape without its image: only sizes to check
  sizes_only.height = sizes_only.width = 0;
  REQUIRE(trainer_plan(config, sizes_only, &plan).ok());
  testing::AlignedBuffer buffer(plan.total);
  Trainer t;
  const Status st = trainer_setup(&t, config, data.view, buffer.data, buffer.size);
  CHECK_FALSE(st.ok());
  CHECK(std::string(st.message()) == planned.message());
  // Another image of another size: the images are named, not their products.
  REQUIRE(parse_net("conv3x3:4,dense:4", 1, 8, 8, &config.layers).ok());
  const Status other = trainer_plan(config, data_shape_of(data.view), &plan);
  CHECK(std::string(other.message()) == "the network reads 1x8x8 images, the data has 3x8x8");
}

namespace {

// A fixed-point model with the float model's weights, rounded into Q28.
void copy_weights_to_fixed(const Mlp& from, Mlp* to) {
  for (int l = 0; l < from.num_layers; ++l) {
    const auto& f = float_tensors(from).layer[l];
    auto& q = fixed_tensors(*to).layer[l];
    for (size_t i = 0; i < size_t{f.out} * f.in; ++i) q.w[i] = static_cast<int32_t>(std::lround(f.w[i] * 268435456.0));
    for (uint32_t i = 0; i < f.out; ++i) q.b[i] = static_cast<int32_t>(std::lround(f.b[i] * 268435456.0));
  }
}

struct FixedModel {
  testing::AlignedBuffer buffer;
  Mlp mlp;
  FixedModel(const LayerSizes& sizes, uint32_t batch, uint32_t threads) : buffer(plan(sizes, batch, threads)) {
    Arena arena;
    REQUIRE(arena_init(&arena, buffer.data, buffer.size).ok());
    mlp_layout(&mlp, sizes, batch, &arena, threads, ScalarKind::kFixed);
    REQUIRE_FALSE(arena.exhausted);
    REQUIRE(arena.used == buffer.size);
  }
  static size_t plan(const LayerSizes& sizes, uint32_t batch, uint32_t threads) {
    Arena counting;
    arena_init_counting(&counting);
    Mlp probe;
    mlp_layout(&probe, sizes, batch, &counting, threads, ScalarKind::kFixed);
    return counting.used;
  }
};

}  // namespace

TEST_CASE("fixed point computes what float32 does, for every layer type, on any thread count") {
  // The integer products quantise each operand to 14 bits of its tensor's largest value
  // (docs/design.md, Products), so fixed point is float32 within that quantisation, not within one
  // rounding: the bounds are two to four times the worst measured over these networks and thread
  // counts (logits 1.2e-4 apart, the loss 3e-5 relative, a gradient 5.5e-4 of its layer's largest).
  const struct {
    const char* spec;
    uint32_t c, h, w;
  } nets[] = {
      {"conv3x3:6,maxpool2,dense:5", 2, 7, 5},
      {"conv3x3:5/s2,avgpool2,conv1x1:4,gap,dense:6,dense:5", 2, 9, 11},
      {"conv3x3:4/s2,conv3x3:3,maxpool2,dense:5", 3, 7, 7},
  };
  for (const auto& n : nets) {
    const std::string what = n.spec;
    INFO(what);
    const LayerSizes sizes = net(n.spec, n.c, n.h, n.w);
    const uint32_t batch = 4, rows = 3;
    Model f(sizes, batch, 1, 7);
    Rng rng;
    rng_seed(&rng, 11, RngStream::kApplication);
    std::vector<float> x(rows * sizes.input());
    for (auto& v : x) v = rng_normal(&rng);
    const std::vector<uint8_t> y = {0, 4, 2};
    mlp_load_inputs(&f.mlp, x.data(), rows);
    REQUIRE(mlp_forward(&f.mlp, rows).ok());
    std::vector<float> float_logits(rows * sizes.output());  // backward replaces them with their gradient
    for (uint32_t r = 0; r < rows; ++r) mlp_logits(f.mlp, r, float_logits.data() + r * sizes.output());
    BatchLoss floss;
    REQUIRE(mlp_backward(&f.mlp, y.data(), rows, &floss).ok());

    std::vector<std::vector<int32_t>> first;
    for (uint32_t threads : {1u, 3u}) {
      FixedModel q(sizes, batch, threads);
      copy_weights_to_fixed(f.mlp, &q.mlp);
      mlp_load_inputs(&q.mlp, x.data(), rows);
      REQUIRE(mlp_forward(&q.mlp, rows).ok());
      for (uint32_t r = 0; r < rows; ++r) {
        std::vector<float> zq(sizes.output());
        mlp_logits(q.mlp, r, zq.data());
        for (size_t i = 0; i < zq.size(); ++i) CHECK(std::fabs(zq[i] - float_logits[r * sizes.output() + i]) < 5e-4);
      }
      BatchLoss qloss;
      REQUIRE(mlp_backward(&q.mlp, y.data(), rows, &qloss).ok());
      CHECK(qloss.loss_sum == doctest::Approx(floss.loss_sum).epsilon(2e-4));
      std::vector<std::vector<int32_t>> grads;
      for (int l = 0; l < q.mlp.num_layers; ++l) {
        const auto& fl = float_tensors(f.mlp).layer[l];
        const auto& ql = fixed_tensors(q.mlp).layer[l];
        double scale = 0;
        for (size_t i = 0; i < size_t{fl.out} * fl.in; ++i) scale = std::fmax(scale, std::fabs(fl.dw[i]));
        for (size_t i = 0; i < size_t{fl.out} * fl.in; ++i) {
          CHECK(std::fabs(ql.dw[i] / 268435456.0 - fl.dw[i]) <= 1.2e-3 * scale + 1e-7);
        }
        for (uint32_t i = 0; i < fl.out; ++i) CHECK(std::fabs(ql.db[i] / 268435456.0 - fl.db[i]) <= 1.2e-3 * scale + 1e-7);
        grads.emplace_back(ql.dw, ql.dw + size_t{fl.out} * fl.in);
      }
      if (first.empty()) {
        first = grads;
      } else {
        CHECK(grads == first);
      }
    }
  }
}

TEST_CASE("a small CNN trains in fixed point") {
  testing::SyntheticData data = testing::make_separable(192, 4, 3, 12, 10, 21, 60);
  TrainConfig config = default_train_config();
  REQUIRE(parse_net("conv3x3:8,maxpool2,conv3x3:12/s2,gap,dense:4", 3, 12, 10, &config.layers).ok());
  config.batch = 16;
  config.scalar = ScalarKind::kFixed;
  config.optimizer = OptimizerKind::kAdam;
  config.hp = optimizer_defaults(OptimizerKind::kAdam);
  config.hp.lr = 0.01f;
  config.gc = GcMode::kGrad;
  MemoryPlan plan;
  REQUIRE(trainer_plan(config, data_shape_of(data.view), &plan).ok());
  testing::AlignedBuffer buffer(plan.total);
  Trainer t;
  REQUIRE(trainer_setup(&t, config, data.view, buffer.data, buffer.size).ok());
  CHECK(t.arena.used == plan.total);
  for (int epoch = 0; epoch < 12; ++epoch) {
    trainer_begin_epoch(&t);
    while (!trainer_epoch_done(t)) {
      StepResult r;
      REQUIRE(trainer_step(&t, &r).ok());
    }
  }
  EvalResult ev;
  REQUIRE(trainer_evaluate(&t, data.view, &ev).ok());
  CHECK(ev.top1_acc() > 0.9);
}

TEST_CASE("the compile-time arena bound covers a CNN's plan (fixed point: equals it)") {
  testing::SyntheticData data = testing::make_separable(64, 10, 1, 8, 8, 3);
  for (const char* spec : {"conv3x3:8,maxpool2,conv3x3:16,gap,dense:10", "conv3x3:6/s2,avgpool2,dense:12,dense:10"}) {
    for (ScalarKind scalar : {ScalarKind::kFloat, ScalarKind::kFixed}) {
      for (int freeze : {0, 1}) {
        TrainConfig c = default_train_config();
        REQUIRE(parse_net(spec, 1, 8, 8, &c.layers).ok());
        c.batch = 16;
        c.scalar = scalar;
        c.freeze = static_cast<uint8_t>(freeze);
        c.optimizer = OptimizerKind::kAdam;
        MemoryPlan plan;
        REQUIRE(trainer_plan(c, data_shape_of(data.view), &plan).ok());
        const size_t bound = trainer_arena_bound(c.layers, 16, OptimizerKind::kAdam, 1, 64, 1, scalar, freeze);
        const std::string what = std::string(spec) + " " + scalar_name(scalar) + " freeze " + std::to_string(freeze);
        INFO(what);
        CHECK(bound >= plan.total);
        if (scalar == ScalarKind::kFixed) CHECK(bound == plan.total);
      }
    }
  }
}

TEST_CASE("a max-pool window the ReLU zeroed entirely passes no gradient, in float and fixed point") {
  // One 1x1 filter reading channel 0 only: the left window's values are positive, the right one's
  // all negative before the ReLU (dead). Channel 1 numbers the pixels, so a gradient sent into the
  // dead window would show in dW[1] with that window's pixel numbers. Two guards keep it out: the
  // layer above masks the gradient of a pooled zero, and the pooling's backward passes none into a
  // window without a live value; either alone suffices (so breaking one alone changes nothing).
  const LayerSizes sizes = net("conv1x1:1,maxpool2,dense:2", 2, 2, 4);
  Model m(sizes, 1, 1, 3);
  auto& conv = float_tensors(m.mlp).layer[0];
  conv.w[0] = 1.0f;
  conv.w[1] = 0.0f;
  conv.b[0] = 0.0f;
  const std::vector<float> x = {1, 2, -1, -2, 3, 4, -3, -4, 1, 2, 3, 4, 5, 6, 7, 8};
  const std::vector<double> xd(x.begin(), x.end());
  const RefNet ref = reference_of(m.mlp);
  const std::vector<double> pooled = ref_pool(sizes.conv[0], ref_conv(sizes.conv[0], xd, ref.w[0], ref.b[0]));
  REQUIRE(pooled == std::vector<double>{4, 0});  // the right window is dead
  const std::vector<uint8_t> y = {1};
  mlp_load_inputs(&m.mlp, x.data(), 1);
  REQUIRE(mlp_forward(&m.mlp, 1).ok());
  BatchLoss loss;
  REQUIRE(mlp_backward(&m.mlp, y.data(), 1, &loss).ok());
  // The left window's maximum is pixel (1,1), number 6: the only pixel the gradient reaches.
  REQUIRE(conv.db[0] != 0.0f);
  CHECK(conv.dw[0] == doctest::Approx(4.0 * conv.db[0]));
  CHECK(conv.dw[1] == doctest::Approx(6.0 * conv.db[0]));
  CHECK(worst_gradient_error(m.mlp, ref, xd, y, 1) < 2e-3);

  FixedModel q(sizes, 1, 1);
  copy_weights_to_fixed(m.mlp, &q.mlp);
  mlp_load_inputs(&q.mlp, x.data(), 1);
  REQUIRE(mlp_forward(&q.mlp, 1).ok());
  REQUIRE(mlp_backward(&q.mlp, y.data(), 1, &loss).ok());
  const auto& qc = fixed_tensors(q.mlp).layer[0];
  CHECK(qc.db[0] / 268435456.0 == doctest::Approx(conv.db[0]).epsilon(1e-3));
  CHECK(qc.dw[1] / 268435456.0 == doctest::Approx(conv.dw[1]).epsilon(1e-3));
}
