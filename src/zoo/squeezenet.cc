// SqueezeNet 1.0 / 1.1 as torchvision.models.squeezenet builds them (Iandola et al. 2016,
// "SqueezeNet: AlexNet-level accuracy with 50x fewer parameters"; 1.1 from the authors' repo).
// No BatchNorm: every Conv has its own bias. Head: Conv1×1 → ReLU → GlobalAveragePool → Flatten.
#include "zoo/zoo_net.h"

namespace qbench::zoo_internal {
namespace {

// squeeze 1×1 + ReLU, then expand 1×1 + ReLU and expand 3×3 + ReLU concatenated along C.
Value Fire(ZooNet& net, const Value& x, const std::string& path, int squeeze, int expand1x1, int expand3x3) {
  Value s = net.ConvBias(x, path + ".squeeze", squeeze, 1, 1, 0, false);
  s = net.Activate(s, path + ".squeeze_activation", Activation::kRelu);
  Value a = net.ConvBias(s, path + ".expand1x1", expand1x1, 1, 1, 0, false);
  a = net.Activate(a, path + ".expand1x1_activation", Activation::kRelu);
  Value b = net.ConvBias(s, path + ".expand3x3", expand3x3, 3, 1, 1, false);
  b = net.Activate(b, path + ".expand3x3_activation", Activation::kRelu);
  return net.Concat(a, b, path);
}

struct FireConf {
  int index, squeeze, expand;  // index in `features`; expand1x1 = expand3x3 = expand
};

}  // namespace

Value BuildSqueezeNet(ZooNet& net, bool version_1_1) {
  Value x = net.ConvBias(net.Input(), "features.0", version_1_1 ? 64 : 96, version_1_1 ? 3 : 7, 2, 0, false);
  x = net.Activate(x, "features.1", Activation::kRelu);
  x = net.MaxPool(x, "features.2", 3, 2, 0, true);
  // Fire modules and the indices of the max-pools between them.
  const std::vector<FireConf> fires_1_0 = {{3, 16, 64},   {4, 16, 64},   {5, 32, 128},  {7, 32, 128},
                                           {8, 48, 192},  {9, 48, 192},  {10, 64, 256}, {12, 64, 256}};
  const std::vector<FireConf> fires_1_1 = {{3, 16, 64},   {4, 16, 64},   {6, 32, 128},  {7, 32, 128},
                                           {9, 48, 192},  {10, 48, 192}, {11, 64, 256}, {12, 64, 256}};
  int next = 3;
  for (const FireConf& f : version_1_1 ? fires_1_1 : fires_1_0) {
    if (f.index != next) x = net.MaxPool(x, "features." + std::to_string(next), 3, 2, 0, true);
    x = Fire(net, x, "features." + std::to_string(f.index), f.squeeze, f.expand, f.expand);
    next = f.index + 1;
  }
  x = net.ConvBias(x, "classifier.1", net.options().num_classes, 1, 1, 0, false);
  x = net.Activate(x, "classifier.2", Activation::kRelu);
  return net.Flatten(net.GlobalAveragePool(x, "classifier.3"), "flatten");
}

}  // namespace qbench::zoo_internal
