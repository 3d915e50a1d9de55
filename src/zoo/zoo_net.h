// src/zoo/zoo_net.h — builds a zoo architecture layer by layer: the ONNX graph, the parameter and
// MAC counts, and (with weights) the calibrated weights (internal to the zoo module).
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "qbench/model/graph_builder.h"
#include "qbench/zoo/zoo.h"
#include "zoo/forward.h"

namespace qbench::zoo_internal {

/// splitmix64 (Steele, Lea, Flood 2014; the reference code of Vigna's xoshiro page): a tiny
/// 64-bit generator whose output is fully specified, so weights do not depend on the C++ library
/// (std::normal_distribution differs between libstdc++ and libc++).
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t Next();
  /// Uniform in [0, 1) with 53 random bits.
  double Uniform();
  /// Standard normal by the ziggurat method (Marsaglia & Tsang 2000), 128 layers.
  double Normal();

 private:
  std::uint64_t state_;
};

/// A seed for one named layer: mixes the model seed with a hash (FNV-1a) of the name.
std::uint64_t LayerSeed(std::uint64_t seed, const std::string& name);

/// Activation functions as torchvision uses them.
enum class Activation { kNone, kRelu, kRelu6, kHardSwish, kHardSigmoid };

/// A tensor flowing through the network being built.
struct Value {
  std::string name;            ///< ONNX value name
  int c = 0;                   ///< channels (features for rank 2)
  std::int64_t h = 0, w = 0;   ///< spatial size at the nominal input size (for MACs); 1 × 1 for rank 2
  Act act;                     ///< the calibration activation (empty when building without weights)
};

/// The builder. Layer helpers mirror torchvision modules; `path` is the torchvision module path
/// ("layer1.0.conv1", "features.3.block.1.0") and names the ONNX nodes and initializers.
class ZooNet {
 public:
  /// `with_weights` false: graph structure and counts only (no weights, no calibration forward).
  /// `calibration_size`: H = W of the calibration image the weights are normalised on.
  ZooNet(const std::string& name, const ZooOptions& options, bool with_weights, int calibration_size = 64);

  /// The graph input "input" float32 [N,3,H,W].
  Value Input();
  /// torchvision Conv2dNormActivation: Conv (no bias) + BatchNorm (folded) + activation.
  /// Padding (k − 1) / 2. The BatchNorm counts 2·cout parameters. `gamma_scale` scales the
  /// BatchNorm's target std: kResidualGamma for the last BatchNorm of a residual branch.
  Value ConvBn(const Value& x, const std::string& path, int cout, int kernel, int stride, int groups, Activation act,
               double gamma_scale = 1.0);
  /// nn.Conv2d with bias (SqueezeNet, SE). `per_tensor` normalises with one scale for the whole
  /// output (layers whose output is [N,C,1,1], where per-channel statistics mean nothing).
  Value ConvBias(const Value& x, const std::string& path, int cout, int kernel, int stride, int pad, bool per_tensor);
  /// nn.Linear as Gemm(transB = 1) on a rank-2 input.
  Value Gemm(const Value& x, const std::string& path, int out_features);
  /// Activation nodes named after `path`.
  Value Activate(const Value& x, const std::string& path, Activation act);
  Value Add(const Value& a, const Value& b, const std::string& path);
  /// x · gate (gate [N,C,1,1] broadcast, or same shape).
  Value Mul(const Value& x, const Value& gate, const std::string& path);
  Value MaxPool(const Value& x, const std::string& path, int kernel, int stride, int pad, bool ceil_mode);
  Value GlobalAveragePool(const Value& x, const std::string& path);
  Value Concat(const Value& a, const Value& b, const std::string& path);
  Value Flatten(const Value& x, const std::string& path);
  /// torchvision SqueezeExcitation with a hardsigmoid gate: avgpool, fc1, ReLU, fc2, HardSigmoid, Mul.
  Value SqueezeExcitation(const Value& x, const std::string& path, int squeeze_channels);

  /// Renames `logits`' producer output to "logits", declares the graph output and the metadata.
  Model Finish(const Value& logits);
  const ZooModelStats& stats() const { return stats_; }
  const ZooOptions& options() const { return options_; }

 private:
  /// "/PATH/OP", unique in the graph (a repeated name is a builder bug: throws Error(kRuntime)).
  std::string NodeName(const std::string& path, const std::string& op);
  /// Adds a node named NodeName(path, op) with one output NodeName(...) + "_output_0"; returns it.
  std::string AddNode(const std::string& op, const std::string& path, const std::vector<std::string>& inputs,
                      const std::vector<Attribute>& attributes = {});
  /// A Constant node holding a float32 scalar (as torch.onnx.export writes Clip's min/max).
  std::string AddScalarConstant(const std::string& path, const std::string& suffix, float value);
  /// Stores a float32 initializer (little-endian raw_data, as FillTensorProto writes it); Finish
  /// moves them into the model so the weights are copied only once.
  void AddInitializer(const std::string& name, const std::vector<std::int64_t>& dims, const std::vector<float>& values);
  /// One Conv node of `cout` output channels with a bias (ConvBn's folded BatchNorm or ConvBias's
  /// own): counts its MACs, output activations, weight parameters and initializers (callers add
  /// the torchvision parameters beyond the weight) and, with weights, normalises its output
  /// (Normalize with `per_tensor`, `random_affine`, `gamma_scale`) into weight
  /// [cout, x.c / groups, kernel, kernel] and bias [cout].
  Value Conv(const Value& x, const std::string& path, int cout, int kernel, int stride, int pad, int groups,
             bool per_tensor, bool random_affine, double gamma_scale);
  std::vector<float> HeNormal(const std::string& path, std::int64_t count, std::int64_t fan_in) const;
  /// Normalises `y` (the layer's output without bias) in place, as BatchNorm in training mode with
  /// the calibration batch's statistics, and folds the affine map into `weight` ([cout, ...]
  /// row-major) and `bias` (cout): per channel, mean → beta_c (shrunk toward the layer mean when
  /// the channel has few samples) and the layer's std → gamma_c · gamma_scale. `per_tensor`: one
  /// mean and variance over every element (for [N,C,1,1] and [N,C] outputs). `random_affine`
  /// false: gamma_c = 1.
  void Normalize(const std::string& path, bool per_tensor, bool random_affine, double gamma_scale, Act& y,
                 std::vector<float>& weight, std::vector<float>& bias) const;

  std::string name_;
  ZooOptions options_;
  bool with_weights_;
  int calibration_size_;
  GraphBuilder builder_;
  ZooModelStats stats_;
  std::set<std::string> node_names_;
  std::vector<onnx::TensorProto> initializers_;
};

/// Target std of the last BatchNorm of a residual branch (relative to 1): each Add then grows the
/// variance by 0.25 instead of 1, so deep stages do not drift upward (trained ResNets and MobileNets
/// have small gammas there too; Goyal et al. 2017 even start them at 0).
inline constexpr double kResidualGamma = 0.5;

/// Architecture builders (one per torchvision constructor); each returns the logits Value.
Value BuildResNet(ZooNet& net, const std::string& name);
Value BuildMobileNetV2(ZooNet& net);
Value BuildMobileNetV3(ZooNet& net, bool large);
Value BuildSqueezeNet(ZooNet& net, bool version_1_1);

/// torchvision's _make_divisible(v, divisor = 8): rounds channels to a multiple of 8, never
/// more than 10 % down.
int MakeDivisible(double v, int divisor = 8);

}  // namespace qbench::zoo_internal
