// Networks with convolutions: the --net grammar (config.hpp) and the checks that a LayerSizes'
// widths agree with its convolutions' geometry.
#include <cstdio>
#include <cstring>

#include "arithmetic.hpp"
#include "gctrain/config.hpp"

#include "bytes.hpp"
#include "net_bytes.hpp"
#include "decimal.hpp"

namespace gct {
namespace {

constexpr uint32_t kMaxWidth = kMaxLayerWidth;
constexpr uint32_t kMaxKernel = 15;
constexpr uint32_t kMaxStride = 4;

// Reads a positive decimal number at *p (advancing it); 0 when there is none or it exceeds `limit`.
uint32_t read_number(const char** p, uint32_t limit) {
  uint64_t value = 0;
  const char* start = *p;
  while (**p >= '0' && **p <= '9') {
    value = value * 10 + static_cast<uint64_t>(**p - '0');
    if (value > limit) return 0;
    ++*p;
  }
  return *p == start ? 0 : static_cast<uint32_t>(value);
}

// The image a layer reads: the input, or the previous convolution's output.
struct Image {
  uint32_t channels, height, width;
  bool flat;  // a dense layer came before: no convolution can follow
};

Status bad_token(const char* token, size_t n, const char* why) {
  return Status::Error(Code::kInvalidArgument, "bad layer '%.*s' in the network: %s", static_cast<int>(n), token, why);
}

Status add_conv(const char* token, size_t n, const Image& in, LayerSizes* net) {
  const char* p = token + 4;
  const uint32_t k = read_number(&p, kMaxKernel);
  if (k == 0 || *p != 'x') return bad_token(token, n, "expected convKxK:C[/sS], K in 1..15");
  ++p;
  if (read_number(&p, kMaxKernel) != k || *p != ':') {
    return bad_token(token, n, "expected convKxK:C[/sS] with a square kernel");
  }
  ++p;
  const uint32_t c = read_number(&p, kMaxConvChannels);
  if (c == 0) return bad_token(token, n, "expected 1..4096 output channels after ':'");
  uint32_t stride = 1;
  if (p < token + n && *p == '/') {
    ++p;
    if (*p++ != 's' || (stride = read_number(&p, kMaxStride)) == 0) {
      return bad_token(token, n, "expected a stride /s1../s4 after the channels");
    }
  }
  if (p != token + n) return bad_token(token, n, "unexpected characters after the convolution");
  if (in.flat) return bad_token(token, n, "a convolution cannot follow a dense layer");
  ConvShape cs;
  cs.in_channels = static_cast<uint16_t>(in.channels);
  cs.in_height = static_cast<uint16_t>(in.height);
  cs.in_width = static_cast<uint16_t>(in.width);
  cs.channels = static_cast<uint16_t>(c);
  cs.kernel = static_cast<uint8_t>(k);
  cs.stride = static_cast<uint8_t>(stride);
  cs.pad = static_cast<uint8_t>(k / 2);
  if (in.height + 2 * cs.pad < k || in.width + 2 * cs.pad < k) {
    return Status::Error(Code::kInvalidArgument, "layer '%.*s': a %ux%u kernel does not fit a %ux%u image",
                         static_cast<int>(n), token, k, k, in.height, in.width);
  }
  if (uint64_t{cs.channels} * cs.conv_pixels() > kMaxWidth) {
    return Status::Error(Code::kInvalidArgument, "layer '%.*s' gives more than %u values per sample",
                         static_cast<int>(n), token, kMaxWidth);
  }
  net->conv[net->count - 1] = cs;
  net->size[net->count++] = cs.outputs();
  return Status::Ok();
}

Status add_pool(const char* token, size_t n, PoolKind kind, LayerSizes* net) {
  const int l = net->count - 2;
  if (l < 0 || !net->conv[l].is_conv()) return bad_token(token, n, "pooling must follow a convolution");
  ConvShape& cs = net->conv[l];
  if (cs.pool != PoolKind::kNone) return bad_token(token, n, "a convolution takes one pooling");
  if (kind != PoolKind::kGlobalAvg && (cs.conv_height() < 2 || cs.conv_width() < 2)) {
    return Status::Error(Code::kInvalidArgument, "layer '%.*s': a %ux%u image is too small for 2x2 pooling",
                         static_cast<int>(n), token, cs.conv_height(), cs.conv_width());
  }
  cs.pool = kind;
  net->size[l + 1] = cs.outputs();
  return Status::Ok();
}

Status add_dense(const char* token, size_t n, LayerSizes* net) {
  const char* p = token + 6;
  const uint32_t width = read_number(&p, kMaxWidth);
  if (width == 0 || p != token + n) return bad_token(token, n, "expected dense:N, N in 1..16777216");
  net->size[net->count++] = width;
  return Status::Ok();
}

bool is(const char* token, size_t n, const char* word) { return std::strlen(word) == n && std::strncmp(token, word, n) == 0; }

Status add_layer(const char* token, size_t n, LayerSizes* net) {
  if (is(token, n, "maxpool2")) return add_pool(token, n, PoolKind::kMax2, net);
  if (is(token, n, "avgpool2")) return add_pool(token, n, PoolKind::kAvg2, net);
  if (is(token, n, "gap")) return add_pool(token, n, PoolKind::kGlobalAvg, net);
  if (is(token, n, "flatten")) return Status::Ok();
  const bool conv = n > 4 && std::strncmp(token, "conv", 4) == 0;
  const bool dense = n > 6 && std::strncmp(token, "dense:", 6) == 0;
  if (!conv && !dense) {
    return bad_token(token, n, "expected convKxK:C[/sS], maxpool2, avgpool2, gap, flatten or dense:N");
  }
  if (net->count == kMaxLayers + 1) {
    return Status::Error(Code::kInvalidArgument, "too many weight layers in the network (at most %d)", kMaxLayers);
  }
  if (dense) return add_dense(token, n, net);
  const int l = net->count - 1;
  const bool after_dense = l > 0 && !net->conv[l - 1].is_conv();
  Image in{0, 0, 0, after_dense};
  if (l == 0) {
    in = Image{net->conv[0].in_channels, net->conv[0].in_height, net->conv[0].in_width, false};
  } else if (!after_dense) {
    const ConvShape& below = net->conv[l - 1];
    in = Image{below.channels, below.out_height(), below.out_width(), false};
  }
  return add_conv(token, n, in, net);
}

}  // namespace

Status parse_net(const char* text, uint32_t channels, uint32_t height, uint32_t width, LayerSizes* out) {
  if (text == nullptr || *text == '\0') return Status::Error(Code::kInvalidArgument, "the network is empty");
  if (channels == 0 || channels > 65535 || height == 0 || height > 65535 || width == 0 || width > 65535 ||
      uint64_t{channels} * height * width > kMaxWidth) {
    return Status::Error(Code::kInvalidArgument, "bad input image %ux%ux%u for a network", channels, height, width);
  }
  LayerSizes net;
  net.size[0] = channels * height * width;
  net.count = 1;
  // The input's shape rides in the first layer's slot until a layer takes it.
  net.conv[0].in_channels = static_cast<uint16_t>(channels);
  net.conv[0].in_height = static_cast<uint16_t>(height);
  net.conv[0].in_width = static_cast<uint16_t>(width);
  for (const char* p = text;;) {
    const char* end = std::strchr(p, ',');
    const size_t n = end ? static_cast<size_t>(end - p) : std::strlen(p);
    if (n == 0) return Status::Error(Code::kInvalidArgument, "empty layer in the network '%s'", text);
    GCT_RETURN_IF_ERROR(add_layer(p, n, &net));
    if (!end) break;
    p = end + 1;
  }
  if (net.count < 2 || net.conv[net.count - 2].is_conv()) {
    return Status::Error(Code::kInvalidArgument, "the network '%s' must end with a dense layer (the logits)", text);
  }
  if (!net.conv[0].is_conv()) net.conv[0] = ConvShape{};
  *out = net;
  return validate_net(net);
}

namespace {

// What parse_net would have made of this convolution, reading an image of in_c x in_h x in_w:
// the grammar's ranges and padding, and the 64-bit size of its output before pooling.
Status check_conv(const ConvShape& c, int layer) {
  const bool fits = c.kernel >= 1 && c.kernel <= kMaxKernel && c.stride >= 1 && c.stride <= kMaxStride &&
                    c.pad == c.kernel / 2 && c.channels <= kMaxConvChannels && c.in_channels > 0 &&
                    c.in_height > 0 && c.in_width > 0 && c.in_height + 2u * c.pad >= c.kernel &&
                    c.in_width + 2u * c.pad >= c.kernel && c.pool <= PoolKind::kGlobalAvg;
  if (!fits) {
    return Status::Error(Code::kInvalidArgument,
                         "layer %d: bad convolution (%ux%u kernel, stride %u, padding %u, %u filters, pooling %u, input "
                         "%ux%ux%u); the grammar's are 1..15, 1..4, K/2, 1..%u, 0..3",
                         layer + 1, c.kernel, c.kernel, c.stride, c.pad, c.channels, static_cast<unsigned>(c.pool),
                         c.in_channels, c.in_height, c.in_width, kMaxConvChannels);
  }
  const uint64_t inputs = uint64_t{c.in_channels} * c.in_height * c.in_width;
  const uint64_t conv_outputs = uint64_t{c.channels} * c.conv_height() * c.conv_width();
  if (inputs > kMaxLayerWidth) {
    return Status::Error(Code::kInvalidArgument, "layer %d: a convolution reading %ux%ux%u images takes %s values per "
                         "sample; at most %u", layer + 1, c.in_channels, c.in_height, c.in_width,
                         decimal(inputs).text, kMaxLayerWidth);
  }
  if (conv_outputs > kMaxLayerWidth) {
    return Status::Error(Code::kInvalidArgument,
                         "layer %d: a convolution of %ux%ux%u inputs gives %s values per sample before pooling; at "
                         "most %u",
                         layer + 1, c.in_channels, c.in_height, c.in_width, decimal(conv_outputs).text,
                         kMaxLayerWidth);
  }
  if ((c.pool == PoolKind::kMax2 || c.pool == PoolKind::kAvg2) && (c.conv_height() < 2 || c.conv_width() < 2)) {
    return Status::Error(Code::kInvalidArgument, "layer %d: a %ux%u image is too small for 2x2 pooling", layer + 1,
                         c.conv_height(), c.conv_width());
  }
  return Status::Ok();
}

}  // namespace

Status validate_net(const LayerSizes& s) {
  if (s.count < 2 || s.count > kMaxLayers + 1) {
    return Status::Error(Code::kInvalidArgument, "model needs 2 to %d layer sizes, got %d", kMaxLayers + 1, s.count);
  }
  for (int i = 0; i < s.count; ++i) {
    if (s.size[i] == 0 || s.size[i] > kMaxLayerWidth) {
      return Status::Error(Code::kInvalidArgument, "layer size %d is %u (1..%u)", i, static_cast<unsigned>(s.size[i]),
                           kMaxLayerWidth);
    }
  }
  for (int l = 0; l + 1 < s.count; ++l) {
    const ConvShape& c = s.conv[l];
    if (!c.is_conv()) continue;
    if (!kWithConv) {
      return Status::Error(Code::kUnsupported,
                           "layer %d is a convolution, and this build of the engine has none (built with -Dconvolutions=false)",
                           l + 1);
    }
    GCT_RETURN_IF_ERROR(check_conv(c, l));
    if (l == s.count - 2) {
      return Status::Error(Code::kInvalidArgument, "layer %d: the last layer (the logits) must be dense", l + 1);
    }
    if (l > 0 && !s.conv[l - 1].is_conv()) {
      return Status::Error(Code::kInvalidArgument, "layer %d: a convolution cannot follow a dense layer", l + 1);
    }
    if (l > 0) {
      const ConvShape& below = s.conv[l - 1];
      if (c.in_channels != below.channels || c.in_height != below.out_height() || c.in_width != below.out_width()) {
        return Status::Error(Code::kInvalidArgument,
                             "layer %d: a convolution reading %ux%ux%u images above one that gives %ux%ux%u",
                             l + 1, c.in_channels, c.in_height, c.in_width, below.channels, below.out_height(),
                             below.out_width());
      }
    }
    if (c.inputs() != s.size[l] || c.outputs() != s.size[l + 1]) {
      return Status::Error(Code::kInvalidArgument,
                           "layer %d: a convolution of %ux%ux%u inputs and %u outputs does not fit sizes %u and %u",
                           l + 1, c.in_channels, c.in_height, c.in_width, c.outputs(), s.size[l], s.size[l + 1]);
    }
  }
  return Status::Ok();
}

// The network in parse_net's form.
void format_net(const LayerSizes& s, char* buf, size_t buf_size) {
  if (buf_size == 0) return;
  buf[0] = '\0';
  size_t used = 0;
  auto put = [&](const char* fmt, unsigned a, unsigned b) {
    if (used + 1 >= buf_size) return;
    const int n = std::snprintf(buf + used, buf_size - used, fmt, a, b);
    if (n > 0) used = used + static_cast<size_t>(n) < buf_size ? used + static_cast<size_t>(n) : buf_size - 1;
  };
  static const char* const kPool[] = {"", ",maxpool2", ",avgpool2", ",gap"};
  const ConvShape& image = s.conv[0];
  put("%ux", image.in_channels, 0);
  put("%ux%u:", image.in_height, image.in_width);
  for (int l = 0; l + 1 < s.count; ++l) {
    if (l > 0) put(",", 0, 0);
    const ConvShape& c = s.conv[l];
    if (!c.is_conv()) {
      put("dense:%u", s.size[l + 1], 0);
      continue;
    }
    put("conv%ux", c.kernel, 0);
    put("%u:%u", c.kernel, c.channels);
    if (c.stride != 1) put("/s%u", c.stride, 0);
    put(kPool[static_cast<int>(c.pool)], 0, 0);
  }
}

void put_net_geometry(const LayerSizes& sizes, uint8_t* out) {
  std::memset(out, 0, kNetGeometryBytes);
  for (int l = 0; l < sizes.num_layers(); ++l) {
    const ConvShape& c = sizes.conv[l];
    if (!c.is_conv()) continue;
    uint8_t* g = out + kConvShapeBytes * l;
    bytes::put16(g, c.in_channels);
    bytes::put16(g + 2, c.in_height);
    bytes::put16(g + 4, c.in_width);
    bytes::put16(g + 6, c.channels);
    g[8] = c.kernel;
    g[9] = c.stride;
    g[10] = c.pad;
    g[11] = static_cast<uint8_t>(c.pool);
  }
}

Status get_net_geometry(const uint8_t* in, const char* what, LayerSizes* sizes) {
  for (int l = 0; l < kMaxLayers; ++l) {
    const uint8_t* g = in + kConvShapeBytes * l;
    ConvShape c;
    c.in_channels = bytes::get16(g);
    c.in_height = bytes::get16(g + 2);
    c.in_width = bytes::get16(g + 4);
    c.channels = bytes::get16(g + 6);
    c.kernel = g[8];
    c.stride = g[9];
    c.pad = g[10];
    c.pool = static_cast<PoolKind>(g[11]);
    if (!c.is_conv()) {
      for (size_t i = 0; i < kConvShapeBytes; ++i) {
        if (g[i] != 0) return Status::Error(Code::kCorruptData, "%s: layer %d's convolution has no filters", what, l + 1);
      }
      c = ConvShape{};
    } else if (l >= sizes->num_layers()) {
      return Status::Error(Code::kCorruptData, "%s: a convolution at layer %d of %d", what, l + 1, sizes->num_layers());
    }
    sizes->conv[l] = c;
  }
  const Status net = validate_net(*sizes);
  if (!net.ok()) return Status::Error(Code::kCorruptData, "%s: %s", what, net.message());
  return Status::Ok();
}

}  // namespace gct
