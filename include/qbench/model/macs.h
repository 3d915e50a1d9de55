// qbench/model/macs.h — the shapes of a graph's values and the one MAC count per node, used by
// `inspect` (InspectModel), the runtime coverage of ORT's optimized graph (AnalyzeRuntimeCoverage),
// the lab's dry-run, roofline and report.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "qbench/model/model.h"

namespace qbench {

/// Shapes by value name; -1 for a dim that stays unknown; a name is absent when even its rank is unknown.
using ValueShapes = std::unordered_map<std::string, std::vector<std::int64_t>>;

/// Shapes of every value of `model` (graph inputs, node outputs, graph outputs, initializers, Constant
/// values) with its graph inputs declared as `inputs` (each TensorInfo's shape, -1 dims kept symbolic by
/// their dim_names; an input absent from `inputs` keeps the file's declaration). ONNX shape inference
/// (libonnx, data propagation on, guarded and in a child process: guarded_inference.h) through a registry
/// that also sizes ONNX Runtime's com.microsoft quantized ops (QLinearAdd, QLinearMul,
/// QLinearGlobalAveragePool, QLinearAveragePool, QLinearConcat, QLinearSigmoid, QLinearLeakyRelu,
/// QLinearSoftmax, QLinearReduceMean, QGemm, DynamicQuantizeMatMul, MatMulIntegerToFloat, QuantizeLinear,
/// DequantizeLinear; their output shapes as in ORT's contrib schema definitions). Never throws for a
/// graph inference cannot size: when inference fails outright, `failure` (if given) says why and only
/// inputs, initializers and Constant values have shapes.
ValueShapes InferValueShapes(const Model& model, const std::vector<TensorInfo>& inputs, std::string* failure = nullptr);

/// The MACs of one node (multiply-accumulates per inference at the shapes given).
struct NodeMacCount {
  bool has_formula = false;  ///< the op type has a MAC formula (below)
  bool integer = false;      ///< an integer kernel (QLinearConv, ConvInteger, MatMulInteger, QGemm, ...)
  std::int64_t macs = 0;     ///< -1 when has_formula and the shapes it needs are unknown
};

/// MACs of `node` from `shapes` (op types keyed "op" in the default domain, "domain.op" otherwise):
///  - Conv, ConvInteger, QLinearConv, com.microsoft FusedConv / NhwcQLinearConv:
///    elements(Y) · elements(W) / W[0] (= C_in/group · kernel elements per output value);
///  - ConvTranspose: elements(X) · elements(W) / W[0];
///  - Gemm, com.microsoft QGemm / FusedGemm: M · N · K (transA/transB);
///  - MatMul, MatMulInteger, QLinearMatMul, com.microsoft DynamicQuantizeMatMul / MatMulIntegerToFloat:
///    numpy matmul, batch · M · N · K; com.microsoft FusedMatMul: elements(Y) · K;
///  - LSTM, GRU, RNN, com.microsoft DynamicQuantizeLSTM: seq · batch · (elements(W) + elements(R)).
/// Element-wise ops, pooling, normalization: no formula (their cost is memory traffic, not MACs).
/// Counts stay below 2^62 (larger products of crafted dims are reported unknown).
NodeMacCount CountNodeMacs(const onnx::NodeProto& node, const ValueShapes& shapes);

}  // namespace qbench
