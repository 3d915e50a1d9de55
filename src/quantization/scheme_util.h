// src/quantization/scheme_util.h — pieces shared by the scheme implementations.
#pragma once

#include <onnx/onnx_pb.h>

#include <map>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "qbench/model/int8_storage.h"
#include "qbench/model/model.h"
#include "qbench/quantization/quant_math.h"
#include "qbench/quantization/quantizer.h"

namespace qbench::quant_internal {

/// --exclude patterns: "op:TYPE", "re:REGEX" (searched in the node name), or an exact node name.
class ExcludeMatcher {
 public:
  /// Throws Error(kInvalidArgument) for an empty pattern or an invalid regular expression.
  explicit ExcludeMatcher(const std::vector<std::string>& patterns);
  /// The first pattern matching `node` ("" when none) — recorded as used.
  std::string Match(const onnx::NodeProto& node) const;
  /// Patterns that matched no node so far.
  std::vector<std::string> Unused() const;

 private:
  struct Rule {
    std::string text;
    enum class Kind { kOpType, kRegex, kName } kind;
    std::string value;
    std::regex regex;
  };
  std::vector<Rule> rules_;
  mutable std::vector<bool> used_;
};

/// Element type (ONNX code) of every tensor: graph inputs/outputs, initializers, and what ONNX
/// shape inference derives for node outputs, in the main graph and in every subgraph (failures
/// are tolerated: unknown names are absent).
std::map<std::string, int> InferElemTypes(const Model& model);

/// Element type and shape of a tensor as ONNX shape inference sees it.
struct InferredTensor {
  int elem_type = 0;
  bool has_shape = false;             ///< rank known
  std::vector<std::int64_t> dims;     ///< -1 for a dimension without a fixed value
};
/// Same sources as InferElemTypes, with shapes.
std::map<std::string, InferredTensor> InferTensors(const Model& model);

/// True for the default ONNX domain ("" or "ai.onnx").
bool IsDefaultDomain(const onnx::NodeProto& node);

/// Node name for reports: the name, or "#<index>" when empty.
std::string DisplayName(const onnx::NodeProto& node, int index);

/// Appends a kept-float decision for every node inside `node`'s subgraphs (Loop/Scan body, If
/// branches; nested ones too), named "<label>/<attribute>/<node>" ("<attribute>[k]" for a GRAPHS
/// attribute), each with `reason`.
void ReportSubgraphNodesKeptFloat(const onnx::NodeProto& node, const std::string& label, const std::string& reason,
                                  std::vector<NodeDecision>* out);

/// Adds the com.microsoft opset import (version 1) when absent.
void EnsureMsDomain(onnx::ModelProto* model);

/// Transposes a 2-D float32 tensor [R, C] → [C, R].
HostTensor Transpose2D(const HostTensor& t);

/// Float weights and a quantized copy with its parameters, stored as initializers:
/// `<base>_quantized` (int8/uint8), `<base>_scale` (float32), `<base>_zero_point` (same dtype as
/// the data). `scale_shape` is the shape of scale/zero_point ({} for a scalar).
struct StoredWeight {
  std::string data, scale, zero_point;
};
StoredWeight StoreQuantizedWeight(onnx::GraphProto* graph, const std::string& data_name, const std::string& scale_name,
                                  const std::string& zp_name, const HostTensor& quantized, const WeightQuantParams& params,
                                  const std::vector<std::int64_t>& scale_shape);

/// A constant MatMul B [..., K, N] (rank >= 2) quantized symmetric per column of each matrix: one
/// scale per (leading index, n). `scale_shape` is [N] for rank 2 and [..., 1, N] above (e.g.
/// [heads, 1, N] for B [heads, K, N]): the only per-column shapes ONNX Runtime's MatMulInteger and
/// QLinearMatMul accept for a batched B (ONNX Runtime's onnxruntime/core/providers/cpu/quantization/matmul_integer_base.h,
/// IsBQuantParamSupported); a 1-D [N]
/// scale with a 3-D B fails at run time there. params.scales/zero_points are in row-major order of
/// scale_shape; params.axis is the last axis. Throws what ComputeWeightQuantParams throws.
struct ColumnQuantizedWeight {
  HostTensor quantized;
  WeightQuantParams params;
  std::vector<std::int64_t> scale_shape;
};
ColumnQuantizedWeight QuantizeMatMulColumns(const HostTensor& b, DType dtype, const std::string& name,
                                            bool reduce_range = false);

/// options.weight_range resolved (kAuto by this CPU and options.activation_type, ResolveWeightRange;
/// QuantizeModel passes it already resolved). Reduce: s8 weights in [-64, 64]. Unsigned: s8 weights
/// then stored as u8 (ShiftWeightToUint8), for kernels that accept u8 weights.
bool ReduceWeightRange(const QuantizeOptions& options);
bool UnsignedWeights(const QuantizeOptions& options);
/// "s8", "s8 7-bit [-64, 64]" or "u8 (zero point 128)" by options.weight_range, for NodeDecision::how.
std::string WeightTypeLabel(const QuantizeOptions& options);

/// True when `quantized` runs u8 activations against int8 weights with values beyond [-64, 64]
/// (MatMulInteger/ConvInteger with such a weight, DynamicQuantizeLSTM with such a W or R, or static
/// QDQ with such weights and `activation_type` u8, or QLinearConv/QLinearMatMul with a u8 input zero
/// point and such a weight), the kernels OrtU8S8KernelsSaturate() is about;
/// 7-bit weights (2·255·64 = 32640) and u8 weights cannot saturate. Subgraphs included.
bool UsesU8S8Kernels(const Model& quantized, DType activation_type);

/// How the weights are stored, by the resolved options.weight_range, in ReadInt8Storage's words
/// (qbench/model/int8_storage.h): "s8 symmetric", "s8 7-bit (reduced range)" or "u8 (zero point
/// 128)" — the start of QuantizeReport::weights, which the quantizer then checks against the file.
inline std::string WeightStorageText(const QuantizeOptions& options) {
  if (UnsignedWeights(options)) return kWeightsU8ZeroPoint128;
  return ReduceWeightRange(options) ? kWeightsS8Reduced : kWeightsS8Symmetric;
}

/// QuantizeReport::weights of --per-channel, the same for the static and dynamic schemes.
inline std::string PerChannelWeightsText(const QuantizeOptions& options) {
  return WeightStorageText(options) + " per output channel (Conv axis 0, ConvTranspose axis 1, Gemm/MatMul per column)";
}

/// "s8" / "u8" for reports.
std::string ShortTypeName(DType t);

}  // namespace qbench::quant_internal
