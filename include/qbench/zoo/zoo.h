// qbench/zoo/zoo.h — the builtin architectures, generated as ONNX graphs in code, and the
// `zoo:NAME` model spec accepted wherever a model path is.
//
// Each zoo model has torchvision's exact layer structure and parameter count, and a graph shaped
// like `torch.onnx.export` of the eval-mode model (opset 13): BatchNorm folded into the Conv weight
// and bias, ReLU as Relu, ReLU6 as Clip(0, 6) with Constant min/max, hardswish as
// x · HardSigmoid(x), squeeze-and-excitation as GlobalAveragePool → Conv → Relu → Conv →
// HardSigmoid → Mul, residuals as Add, head GlobalAveragePool → Flatten → Gemm, dropout removed.
// Input "input" float32 [N,3,H,W], output "logits" float32 [N,num_classes]; N, H and W dynamic.
//
// Weights are random but deterministic from the seed, and scaled so that activations stay in a
// realistic range through the whole depth (see BuildZooModel).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "qbench/model/model.h"
#include "qbench/model/shapes.h"

namespace qbench {

struct ZooOptions {
  int input_size = 224;        ///< nominal spatial size H = W, recorded in metadata; the graph's H/W stay dynamic
  int num_classes = 1000;      ///< size of the classifier output
  std::uint64_t seed = 0;      ///< weights are a pure function of (name, num_classes, seed)
};

/// One builtin architecture, as listed by `qbench zoo list`.
struct ZooModelInfo {
  std::string name;         ///< e.g. "resnet18" (the torchvision constructor's name)
  std::string description;  ///< one line: family, paper, what is characteristic for quantization
};

/// Counts derived from an architecture's definition (no weights needed).
struct ZooModelStats {
  /// Parameters as torchvision counts them (`sum(p.numel() for p in model.parameters())`):
  /// BatchNorm weight and bias included, 2 per channel. E.g. resnet18 at 1000 classes: 11,689,512.
  std::int64_t torchvision_params = 0;
  /// Values stored in the ONNX initializers: BatchNorm folded into the Conv, so a conv+BN keeps
  /// C_out bias values instead of 2·C_out: torchvision_params − (number of BatchNorm channels).
  std::int64_t initializer_elements = 0;
  /// Conv + Gemm multiply-accumulates for one image of input_size × input_size.
  std::int64_t macs = 0;
  /// Elements of the Conv and Gemm outputs for one image (the activations calibration reads).
  std::int64_t activation_elements = 0;
};

/// Metadata keys (ModelProto.metadata_props) written on every zoo model.
inline constexpr const char* kZooNameKey = "qbench_zoo_name";                ///< "resnet18"
inline constexpr const char* kZooSeedKey = "qbench_zoo_seed";                ///< decimal seed
inline constexpr const char* kZooInputSizeKey = "qbench_zoo_input_size";      ///< nominal H = W, decimal
/// torchvision's parameter count (decimal): the number `qbench inspect` reports as the
/// model's parameters, next to the initializer element count (see ZooModelStats).
inline constexpr const char* kTorchvisionParamsKey = "torchvision_params";

/// The builtin architectures, in listing order: resnet18, resnet50, mobilenet_v2,
/// mobilenet_v3_small, mobilenet_v3_large, squeezenet1_0, squeezenet1_1.
const std::vector<ZooModelInfo>& ZooModels();

/// True when `spec` starts with "zoo:".
bool IsZooSpec(const std::string& spec);

/// Parameter and MAC counts of architecture `name` at options.input_size / options.num_classes,
/// from its definition alone (fast: no weights generated).
/// Throws Error(kNotFound) for an unknown name (listing the names), Error(kInvalidArgument) for
/// options out of range (see BuildZooModel).
ZooModelStats ZooArchitectureStats(const std::string& name, const ZooOptions& options = {});

/// Builds zoo model `name` with weights. Deterministic: the same (name, options) gives
/// byte-identical SerializeModel output; another seed gives other weights.
///
/// Weights: each conv/linear weight is drawn N(0, 2/fan_in) (He et al. 2015, "Delving deep into
/// rectifiers") from a splitmix64 stream seeded by (seed, layer name), normal values by the
/// ziggurat method (Marsaglia & Tsang 2000).
/// Then, layer by layer in graph order, the network is run in float32 on a seeded standard-normal
/// calibration image (float32 [1,3,S,S]: S = 224 for the MobileNets, whose 5×5 depthwise kernels
/// meet 7×7 maps; 128 for the SqueezeNets; 64 for the ResNets) and each layer's output is
/// normalised as BatchNorm does in training (data-dependent init: Krähenbühl et al. 2016; LSUV,
/// Mishkin & Matas 2016): per output channel the mean goes to beta_c ~ N(0, 0.3²) and the layer's
/// std to gamma_c ~ logN(0, 0.25²), ×0.5 for the last BatchNorm of a residual branch so that Adds
/// do not pile up variance; SE convs and Gemm get one scale per tensor. Mean and scale are folded
/// into the Conv/Gemm weight and bias. So on a standard-normal input every Conv/Add/Gemm output has
/// a std of order 1 (0.19 … 3.0 measured over seeds 0–3 at 128 and 224) and the logits differ;
/// plain random init with BatchNorm at its initial running statistics would make MobileNet's
/// logits collapse to ~1e-9. See docs/zoo.md.
///
/// The Model has path "" and graph name `name`; metadata_props carry kZooNameKey, kZooSeedKey,
/// kZooInputSizeKey and kTorchvisionParamsKey.
/// Throws Error(kNotFound) for an unknown name (listing the names), Error(kInvalidArgument) when
/// input_size is outside [32, 4096] or num_classes outside [1, 1000000].
Model BuildZooModel(const std::string& name, const ZooOptions& options = {});

/// Loads `spec`: "zoo:NAME" builds a zoo model (Model::path stays "" and Model::proto's
/// graph name is NAME); anything else is a file path given to LoadModel.
/// Throws Error(kInvalidArgument) for an unknown zoo name (a bad value for a model argument, as in
/// `qbench zoo export`; the message lists the names), else as LoadModel.
Model LoadModelOrZoo(const std::string& spec, const ZooOptions& options = {});

/// A short display name: the zoo name for "zoo:NAME", else the file name without folder/extension;
/// a file named "model.onnx" takes its folder's name ("cases/c11_fixed_batch/model.onnx" →
/// "c11_fixed_batch"; a bare "model.onnx" stays "model").
std::string ModelDisplayName(const std::string& spec);

/// Display names for several specs, distinct: ModelDisplayName, and where two or more share a
/// name, each file's is prefixed by its folder ("zoo:squeezenet1_1" and
/// "models/fmnist/squeezenet1_1.onnx" → "squeezenet1_1", "fmnist/squeezenet1_1") when that tells
/// them all apart; otherwise repeats get "_2", "_3", ... in order (the first keeps its name).
std::vector<std::string> UniqueDisplayNames(const std::vector<std::string>& specs);

/// For a model built by the zoo: the values of its symbolic input dimensions at the nominal size,
/// {"H": input_size, "W": input_size}, read from metadata (usable as ShapeOverrides::dim_values).
/// Empty for any other model.
std::map<std::string, std::int64_t> ZooDefaultDims(const Model& model);

/// `overrides` plus, for a zoo model, ZooDefaultDims(model) for each of H and W that the user set
/// neither by --dim nor through any --shape; any other model's `overrides` come back unchanged.
/// Lets every command run "zoo:NAME" without --dim flags (at the nominal size, 224 by default).
ShapeOverrides WithZooDefaultDims(const Model& model, ShapeOverrides overrides);

}  // namespace qbench
