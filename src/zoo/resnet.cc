// ResNet-18 / ResNet-50 as torchvision.models.resnet builds them (He et al. 2015, "Deep Residual
// Learning for Image Recognition"; torchvision's Bottleneck is "v1.5": the stride sits in the 3×3).
#include "zoo/zoo_net.h"

namespace qbench::zoo_internal {
namespace {

Value Shortcut(ZooNet& net, const Value& x, const std::string& path, int out_channels, int stride) {
  if (stride == 1 && x.c == out_channels) return x;
  return net.ConvBn(x, path + ".downsample.0", out_channels, 1, stride, 1, Activation::kNone);
}

// conv3×3-BN-ReLU, conv3×3-BN, + shortcut, ReLU.
Value BasicBlock(ZooNet& net, const Value& x, const std::string& path, int planes, int stride) {
  Value out = net.ConvBn(x, path + ".conv1", planes, 3, stride, 1, Activation::kRelu);
  out = net.ConvBn(out, path + ".conv2", planes, 3, 1, 1, Activation::kNone, kResidualGamma);
  const Value identity = Shortcut(net, x, path, planes, stride);
  return net.Activate(net.Add(out, identity, path), path, Activation::kRelu);
}

// conv1×1-BN-ReLU, conv3×3(stride)-BN-ReLU, conv1×1(×4)-BN, + shortcut, ReLU.
Value Bottleneck(ZooNet& net, const Value& x, const std::string& path, int planes, int stride) {
  Value out = net.ConvBn(x, path + ".conv1", planes, 1, 1, 1, Activation::kRelu);
  out = net.ConvBn(out, path + ".conv2", planes, 3, stride, 1, Activation::kRelu);
  out = net.ConvBn(out, path + ".conv3", planes * 4, 1, 1, 1, Activation::kNone, kResidualGamma);
  const Value identity = Shortcut(net, x, path, planes * 4, stride);
  return net.Activate(net.Add(out, identity, path), path, Activation::kRelu);
}

}  // namespace

Value BuildResNet(ZooNet& net, const std::string& name) {
  const bool bottleneck = name == "resnet50";
  const int blocks[4] = {bottleneck ? 3 : 2, bottleneck ? 4 : 2, bottleneck ? 6 : 2, bottleneck ? 3 : 2};
  Value x = net.ConvBn(net.Input(), "conv1", 64, 7, 2, 1, Activation::kRelu);
  x = net.MaxPool(x, "maxpool", 3, 2, 1, false);
  for (int layer = 0; layer < 4; ++layer) {
    const int planes = 64 << layer;
    for (int b = 0; b < blocks[layer]; ++b) {
      const std::string path = "layer" + std::to_string(layer + 1) + "." + std::to_string(b);
      const int stride = (layer > 0 && b == 0) ? 2 : 1;
      x = bottleneck ? Bottleneck(net, x, path, planes, stride) : BasicBlock(net, x, path, planes, stride);
    }
  }
  x = net.Flatten(net.GlobalAveragePool(x, "avgpool"), "flatten");
  return net.Gemm(x, "fc", net.options().num_classes);
}

}  // namespace qbench::zoo_internal
