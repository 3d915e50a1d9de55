// The zoo's table of architectures: one row per model, which drives listing, validation and building.
#include <functional>

#include "qbench/core/text.h"
#include "qbench/core/error.h"
#include "qbench/zoo/zoo.h"
#include "zoo/zoo_net.h"

namespace qbench {
namespace {

using zoo_internal::Value;
using zoo_internal::ZooNet;

struct ZooEntry {
  ZooModelInfo info;
  std::function<Value(ZooNet&)> build;
  /// H = W of the calibration image. Its deepest maps must be large enough for the statistics to
  /// hold at 224: MobileNets (5×5 depthwise kernels on their 7×7 maps) are calibrated at 224,
  /// the cheaper-to-normalise but costlier-to-run ResNets and SqueezeNets at 64.
  int calibration_size;
};

const std::vector<ZooEntry>& Entries() {
  static const std::vector<ZooEntry> entries = {
      {{"resnet18", "ResNet-18 (He et al. 2015): basic residual blocks, ReLU, 7x7 stem + max-pool"},
       [](ZooNet& n) { return zoo_internal::BuildResNet(n, "resnet18"); }, 64},
      {{"resnet50", "ResNet-50 v1.5: bottleneck residual blocks (stride in the 3x3), ReLU"},
       [](ZooNet& n) { return zoo_internal::BuildResNet(n, "resnet50"); }, 64},
      {{"mobilenet_v2", "MobileNetV2 (Sandler et al. 2018): inverted residuals, depthwise 3x3, ReLU6 as Clip"},
       [](ZooNet& n) { return zoo_internal::BuildMobileNetV2(n); }, 224},
      {{"mobilenet_v3_small", "MobileNetV3-Small (Howard et al. 2019): depthwise 3x3/5x5, hardswish, squeeze-excitation"},
       [](ZooNet& n) { return zoo_internal::BuildMobileNetV3(n, false); }, 224},
      {{"mobilenet_v3_large", "MobileNetV3-Large (Howard et al. 2019): depthwise 3x3/5x5, hardswish, squeeze-excitation"},
       [](ZooNet& n) { return zoo_internal::BuildMobileNetV3(n, true); }, 224},
      {{"squeezenet1_0", "SqueezeNet 1.0 (Iandola et al. 2016): Fire modules, no BatchNorm, 7x7 stem"},
       [](ZooNet& n) { return zoo_internal::BuildSqueezeNet(n, false); }, 128},
      {{"squeezenet1_1", "SqueezeNet 1.1: Fire modules, no BatchNorm, 3x3 stem, 2.4x fewer MACs than 1.0"},
       [](ZooNet& n) { return zoo_internal::BuildSqueezeNet(n, true); }, 128},
  };
  return entries;
}

const ZooEntry& FindEntry(const std::string& name) {
  std::vector<std::string> names;
  for (const auto& e : Entries()) {
    if (e.info.name == name) return e;
    names.push_back(e.info.name);
  }
  throw Error(ErrorCode::kNotFound, UnknownChoice("zoo model", name, names));
}

void CheckOptions(const ZooOptions& options) {
  if (options.input_size < 32 || options.input_size > 4096)
    throw Error(ErrorCode::kInvalidArgument, "zoo input size " + std::to_string(options.input_size) +
                                                 " is out of range; use 32..4096 (e.g. --input-size 224)");
  if (options.num_classes < 1 || options.num_classes > 1000000)
    throw Error(ErrorCode::kInvalidArgument, "zoo number of classes " + std::to_string(options.num_classes) +
                                                 " is out of range; use 1..1000000 (e.g. --num-classes 1000)");
}

}  // namespace

const std::vector<ZooModelInfo>& ZooModels() {
  static const std::vector<ZooModelInfo> infos = [] {
    std::vector<ZooModelInfo> v;
    for (const auto& e : Entries()) v.push_back(e.info);
    return v;
  }();
  return infos;
}

bool IsZooSpec(const std::string& spec) { return spec.rfind("zoo:", 0) == 0; }

ZooModelStats ZooArchitectureStats(const std::string& name, const ZooOptions& options) {
  const ZooEntry& entry = FindEntry(name);
  CheckOptions(options);
  ZooNet net(name, options, /*with_weights=*/false);
  entry.build(net);
  return net.stats();
}

Model BuildZooModel(const std::string& name, const ZooOptions& options) {
  const ZooEntry& entry = FindEntry(name);
  CheckOptions(options);
  ZooNet net(name, options, /*with_weights=*/true, entry.calibration_size);
  const Value logits = entry.build(net);
  return net.Finish(logits);
}

}  // namespace qbench
