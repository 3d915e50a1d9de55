// qbench/model/compat.h — what a model file holds that decides whether and how it can be quantized
// (quantized content, float16 tensors, training-mode BatchNormalization), and the conversions that
// make older and float16 exports quantizable: an opset upgrade with ONNX's version converter and a
// float16 → float32 upcast that keeps the model's interface.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "qbench/model/model.h"

namespace qbench {

/// Quantized content already in a model (top-level graph).
struct QuantizedContent {
  /// "" when none. Otherwise, by the first kind present in this order:
  ///  - "QOperator": QLinearConv, QLinearMatMul, QLinearAdd, ..., com.microsoft QGemm/QAttention
  ///    (ORT's operator-oriented format, e.g. the ONNX Model Zoo's *-int8.onnx files);
  ///  - "integer ops": ConvInteger, MatMulInteger, DynamicQuantizeLinear, DynamicQuantizeMatMul,
  ///    MatMulIntegerToFloat, DynamicQuantizeLSTM (ORT's dynamic quantization);
  ///  - "weight-only": MatMulNBits, MatMulBnb4 (4-bit weight-only formats);
  ///  - "QDQ": QuantizeLinear / DequantizeLinear around float ops.
  std::string format;
  int quantized_nodes = 0;  ///< nodes of any of the op types above
  std::string first_node;   ///< "'name' (op)" (or "#index (op)" when unnamed) of the first such node
  bool empty() const { return format.empty(); }
  /// "int8 QOperator: 105 quantized nodes, first 'conv1' (QLinearConv)".
  std::string Describe() const;
};

/// Finds quantized op types (any domain) in the top-level graph. Never throws.
QuantizedContent DetectQuantizedContent(const Model& model);

/// Float16 tensors in a model: graph inputs, outputs and constants (initializers, Constant nodes).
struct Float16Content {
  int inputs = 0, outputs = 0, constants = 0;
  int float32_constants = 0;  ///< float32 initializers and Constant values, for comparison
  bool any() const { return inputs + outputs + constants > 0; }
  /// A float16 model (as `quantize --mode fp16` writes, or exported in half precision): float16
  /// constants, and at least as many as float32 ones (kept-fp32 islands leave a few float32 weights).
  bool mostly_float16() const { return constants > 0 && constants >= float32_constants; }
};
/// Counts float16 graph inputs/outputs and constant tensors (top-level graph). Never throws.
Float16Content DetectFloat16(const Model& model);

/// A copy of `model` that computes in float32 (subgraphs of Loop/If/Scan included): float16
/// initializers and Constant values become float32 (exact: every float16 is a float32), Cast(to =
/// float16) becomes Cast(to = float), the dtype attributes of ConstantOfShape, EyeLike and the Random*
/// ops likewise, and value_info types follow. The interface is kept: a float16 graph input is cast to
/// float32 right after it (Cast node "<input>_to_fp32"), a float16 graph output is produced by a Cast
/// from float32 at the end, so callers feed and receive float16 as before. Returns `model` unchanged
/// (and leaves `note` empty) when there is no float16 tensor; else `note` says what changed, e.g.
/// "float16 model computed in float32: 12 constants upcast; Cast at the edges keep the float16
/// interface (1 input, 1 output)". Never throws.
Model UpcastFloat16(const Model& model, std::string* note);

/// BatchNormalization nodes in training mode (top-level graph): training_mode = 1 (opset 14+), more
/// than one output (the batch/running statistics of opsets 9–13), or is_test = 0 (opsets ≤ 6).
/// Such a node normalizes with the batch's own statistics; folding it with its running mean and
/// variance would change what the model computes. Returns "'name' (BatchNormalization)" labels.
std::vector<std::string> TrainingModeBatchNorms(const Model& model);
/// The rule TrainingModeBatchNorms applies to one node: an ai.onnx BatchNormalization with
/// training_mode = 1, more than one output, or is_test = 0.
bool IsTrainingModeBatchNorm(const onnx::NodeProto& node);

/// Upgrades the ai.onnx opset of `model` to `target_opset` with ONNX's C++ version converter
/// (libonnx 1.12, onnx::version_conversion::ConvertVersion, as onnx.version_converter in Python:
/// e.g. Upsample-9 → Resize-10 → Resize-11 with roi/scales inputs, BatchNormalization-7 → 9 → 14,
/// Dropout-12's ratio as an input). Other domains (ai.onnx.ml, com.microsoft) keep their versions;
/// the IR version is raised to at least 7 (what opset 13 needs). The converter runs in a child
/// process (it aborts or crashes on some graphs) and its output is checked: same graph inputs and
/// outputs, opset_import updated. Returns a copy of `model` when its opset is already >= target.
/// `note` (optional) gets "upgraded ai.onnx opset 9 → 13 with ONNX's version converter (Upsample →
/// Resize)". Throws Error(kUnsupported) in one line naming the first node whose op the converter
/// cannot adapt (or, when the converter's message names none, the opsets and the converter's reason).
Model UpgradeOpset(const Model& model, std::int64_t target_opset, std::string* note = nullptr);

}  // namespace qbench
