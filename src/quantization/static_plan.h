// src/quantization/static_plan.h — which nodes and tensors the static QDQ scheme quantizes.
// Planning is separate from the rewrite so that the tensors to calibrate are known before any
// range exists (TensorsToCalibrate) and the same decisions drive the rewrite (Quantize).
#pragma once

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "qbench/model/model.h"
#include "qbench/quantization/quantizer.h"

namespace qbench::quant_internal {

/// How the static scheme treats an op type.
enum class StaticRole {
  kNone,         ///< no int8 kernel in this scheme: stays float
  kConv,         ///< Conv: weight per output channel (axis 0), int32 bias
  kConvTranspose,///< ConvTranspose: no int8 kernel in ORT's CPU provider (no QDQ fusion): stays float
  kGemm,         ///< Gemm: B per-tensor (or per output column), int32 C
  kMatMul,       ///< MatMul: constant B as weight, or two activations
  kBinary,       ///< Add, Mul → QLinearAdd / QLinearMul
  kConcat,       ///< Concat → QLinearConcat
  kPool,         ///< GlobalAveragePool, AveragePool → QLinear*AveragePool
  kPassthrough,  ///< MaxPool, Flatten, Reshape, Transpose, Resize, Squeeze, Unsqueeze: output reuses the input's scale/zero point
  kActivation,   ///< Relu, Clip: folded into the producer's output range when possible
  kHardSigmoid,  ///< no int8 kernel in ORT: stays float
};

struct StaticNodePlan {
  StaticRole role = StaticRole::kNone;
  bool quantized = false;
  bool folded = false;       ///< a Relu/Clip removed: its producer writes the activation's output
  int folded_into = -1;      ///< producer node index when folded
  std::string reason;        ///< why it stays float
  std::vector<int> act_inputs;    ///< input indices that read quantized activations (Q→DQ)
  std::vector<int> const_inputs;  ///< constant inputs quantized with the activation type
  int weight_input = -1;
  int bias_input = -1;
  int weight_axis = -1;      ///< -1 = per-tensor
};

struct StaticPlan {
  std::vector<StaticNodePlan> nodes;
  std::map<std::string, std::string> output_rename;  ///< producer output → folded activation's output
  std::map<std::string, std::pair<double, double>> clamp;  ///< tensor → bounds of the folded Relu/Clip
  std::vector<std::string> act_tensors;  ///< tensors that get one Q→DQ pair, in graph order
  std::set<std::string> act_set;
  std::map<std::string, std::string> share;  ///< tensor → tensor whose scale/zero point it reuses
  int hardsigmoid_nodes = 0;
  int hardsigmoid_muls_kept_float = 0;
  /// Conv/Add/Mul/Concat/pool nodes kept float because they write a graph output that stays float
  /// (no --quantize-outputs): ORT's QLinear* kernels need a quantized output.
  int graph_output_nodes_kept_float = 0;
};

/// A tensor the static scheme creates whose range follows from a calibrated one:
/// range(tensor) = scale · range(source) + offset.
struct DerivedRange {
  std::string source;
  double scale = 1.0;
  double offset = 0.0;
};

/// With HardSigmoidPolicy::kDecompose, rewrites every HardSigmoid(x; alpha, beta) as
/// Mul(x, alpha) → Add(beta) → Clip(0, 1) (the Clip writes the HardSigmoid's output, so consumers
/// are unchanged) and returns the derived ranges of the two new tensors. Other policies: no change.
std::map<std::string, DerivedRange> DecomposeHardSigmoid(Model* model, const QuantizeOptions& options);

/// Plans the static QDQ rewrite of `prepared`. Throws Error(kInvalidArgument) for a bad --exclude.
/// `unused_excludes` receives the patterns that matched no node. `keep_float` (may be null): tensors
/// that must stay fp32 (ApplyRangeRules), each with its reason: none gets a Q/DQ pair; a node that
/// reads one stays float with that reason, and so does one that writes one, except Gemm/MatMul,
/// which keep int8 inputs and weights with a float output (as for a float graph output).
StaticPlan BuildStaticPlan(const Model& prepared, const QuantizeOptions& options, std::vector<std::string>* unused_excludes,
                           const std::map<std::string, std::string>* keep_float = nullptr);

}  // namespace qbench::quant_internal
