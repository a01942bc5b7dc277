// The engine built without convolutions (-Dconvolutions=false, here net.cpp compiled with
// GCT_WITH_CONV=0): a network with a convolution is refused with a message naming the layer and the
// build option, from the --net grammar and from a LayerSizes read back from a file alike; dense
// networks are unaffected.
#include <doctest/doctest.h>

#include <cstring>

#include "gctrain/config.hpp"

namespace gct {
namespace {

TEST_CASE("a build without convolutions refuses them and keeps dense networks") {
  LayerSizes net;
  const Status conv = parse_net("conv3x3:8,maxpool2,dense:10", 1, 8, 8, &net);
  REQUIRE_FALSE(conv.ok());
  CHECK(conv.code() == Code::kUnsupported);
  CHECK(std::strstr(conv.message(), "layer 1 is a convolution") != nullptr);
  CHECK(std::strstr(conv.message(), "-Dconvolutions=false") != nullptr);

  const Status dense = parse_net("dense:32,dense:10", 1, 8, 8, &net);
  REQUIRE(dense.ok());
  CHECK(net.count == 3);
  CHECK(net.size[0] == 64);
  CHECK(net.size[1] == 32);
  CHECK(net.size[2] == 10);
  CHECK_FALSE(net.has_conv());
  CHECK(validate_net(net).ok());

  // A network whose geometry came from elsewhere (a checkpoint, a model file): the second layer.
  LayerSizes made = net;
  made.size[1] = 8 * 4 * 4;
  made.conv[0] = ConvShape{};
  made.conv[1].in_channels = 8;
  made.conv[1].in_height = 4;
  made.conv[1].in_width = 4;
  made.conv[1].channels = 2;
  made.conv[1].kernel = 3;
  made.conv[1].stride = 1;
  made.conv[1].pad = 1;
  const Status read = validate_net(made);
  REQUIRE_FALSE(read.ok());
  CHECK(std::strstr(read.message(), "layer 2 is a convolution") != nullptr);
}

}  // namespace
}  // namespace gct
