// MobileNetV2 and MobileNetV3 (small, large) as torchvision.models builds them, width 1.0
// (Sandler et al. 2018, "MobileNetV2: Inverted Residuals and Linear Bottlenecks"; Howard et al.
// 2019, "Searching for MobileNetV3"). Dropout is omitted (eval mode).
#include <cmath>

#include "zoo/zoo_net.h"

namespace qbench::zoo_internal {
namespace {

// MobileNetV2 InvertedResidual: [expand 1×1 + ReLU6] → depthwise 3×3 + ReLU6 → project 1×1 (linear),
// + input when stride 1 and the channels match. Module paths follow torchvision's `conv` Sequential.
Value InvertedResidualV2(ZooNet& net, const Value& x, const std::string& path, int out, int stride, int expand_ratio) {
  const int hidden = static_cast<int>(std::lround(x.c * static_cast<double>(expand_ratio)));
  int i = 0;
  Value y = x;
  if (expand_ratio != 1)
    y = net.ConvBn(y, path + ".conv." + std::to_string(i++) + ".0", hidden, 1, 1, 1, Activation::kRelu6);
  y = net.ConvBn(y, path + ".conv." + std::to_string(i++) + ".0", hidden, 3, stride, hidden, Activation::kRelu6);
  const bool residual = stride == 1 && x.c == out;
  y = net.ConvBn(y, path + ".conv." + std::to_string(i), out, 1, 1, 1, Activation::kNone, residual ? kResidualGamma : 1.0);
  return residual ? net.Add(x, y, path) : y;  // torchvision: x + self.conv(x)
}

struct V3Block {  // torchvision InvertedResidualConfig at width 1.0
  int kernel, expanded, out;
  bool se, hardswish;
  int stride;
};

// MobileNetV3 InvertedResidual: [expand 1×1] → depthwise k×k → [SE] → project 1×1 (linear),
// + input when stride 1 and the channels match. Module paths follow torchvision's `block` Sequential.
Value InvertedResidualV3(ZooNet& net, const Value& x, const std::string& path, const V3Block& b) {
  const Activation act = b.hardswish ? Activation::kHardSwish : Activation::kRelu;
  int i = 0;
  Value y = x;
  auto part = [&] { return path + ".block." + std::to_string(i++); };
  if (b.expanded != x.c) y = net.ConvBn(y, part() + ".0", b.expanded, 1, 1, 1, act);
  y = net.ConvBn(y, part() + ".0", b.expanded, b.kernel, b.stride, b.expanded, act);
  if (b.se) y = net.SqueezeExcitation(y, part(), MakeDivisible(b.expanded / 4));
  const bool residual = b.stride == 1 && x.c == b.out;
  y = net.ConvBn(y, part() + ".0", b.out, 1, 1, 1, Activation::kNone, residual ? kResidualGamma : 1.0);
  return residual ? net.Add(y, x, path) : y;  // torchvision: result += input
}

}  // namespace

Value BuildMobileNetV2(ZooNet& net) {
  struct Stage {
    int t, c, n, s;  // expansion, output channels, repeats, first stride (the paper's Table 2)
  };
  const Stage stages[] = {{1, 16, 1, 1}, {6, 24, 2, 2}, {6, 32, 3, 2}, {6, 64, 4, 2},
                          {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};
  Value x = net.ConvBn(net.Input(), "features.0.0", 32, 3, 2, 1, Activation::kRelu6);
  int index = 1;
  for (const Stage& st : stages)
    for (int i = 0; i < st.n; ++i, ++index)
      x = InvertedResidualV2(net, x, "features." + std::to_string(index), st.c, i == 0 ? st.s : 1, st.t);
  x = net.ConvBn(x, "features." + std::to_string(index) + ".0", 1280, 1, 1, 1, Activation::kRelu6);
  x = net.Flatten(net.GlobalAveragePool(x, "avgpool"), "flatten");
  return net.Gemm(x, "classifier.1", net.options().num_classes);
}

Value BuildMobileNetV3(ZooNet& net, bool large) {
  // torchvision _mobilenet_v3_conf: kernel, expanded, out, SE, hardswish ("HS") else ReLU, stride.
  const std::vector<V3Block> small_blocks = {
      {3, 16, 16, true, false, 2},   {3, 72, 24, false, false, 2},  {3, 88, 24, false, false, 1},
      {5, 96, 40, true, true, 2},    {5, 240, 40, true, true, 1},   {5, 240, 40, true, true, 1},
      {5, 120, 48, true, true, 1},   {5, 144, 48, true, true, 1},   {5, 288, 96, true, true, 2},
      {5, 576, 96, true, true, 1},   {5, 576, 96, true, true, 1}};
  const std::vector<V3Block> large_blocks = {
      {3, 16, 16, false, false, 1},  {3, 64, 24, false, false, 2},  {3, 72, 24, false, false, 1},
      {5, 72, 40, true, false, 2},   {5, 120, 40, true, false, 1},  {5, 120, 40, true, false, 1},
      {3, 240, 80, false, true, 2},  {3, 200, 80, false, true, 1},  {3, 184, 80, false, true, 1},
      {3, 184, 80, false, true, 1},  {3, 480, 112, true, true, 1},  {3, 672, 112, true, true, 1},
      {5, 672, 160, true, true, 2},  {5, 960, 160, true, true, 1},  {5, 960, 160, true, true, 1}};
  Value x = net.ConvBn(net.Input(), "features.0.0", 16, 3, 2, 1, Activation::kHardSwish);
  int index = 1;
  for (const V3Block& b : large ? large_blocks : small_blocks)
    x = InvertedResidualV3(net, x, "features." + std::to_string(index++), b);
  x = net.ConvBn(x, "features." + std::to_string(index) + ".0", 6 * x.c, 1, 1, 1, Activation::kHardSwish);
  x = net.Flatten(net.GlobalAveragePool(x, "avgpool"), "flatten");
  x = net.Gemm(x, "classifier.0", large ? 1280 : 1024);
  x = net.Activate(x, "classifier.1", Activation::kHardSwish);
  return net.Gemm(x, "classifier.3", net.options().num_classes);
}

}  // namespace qbench::zoo_internal
