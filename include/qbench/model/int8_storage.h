// qbench/model/int8_storage.h — how a file stores its int8 tensors, read back from the graph itself
// (never from the options that wrote it): the weights' dtype, zero points and range, and the
// activations' dtype from the zero points of the ops that quantize them. Every label that says what
// an int8 file holds (quantize's "weights:" line, the lab's Models table) comes from here.
//
// Why: on x86 without VNNI `--weight-range auto` stores u8 weights with zero point 128 (ORT's u8u8
// kernels; qbench/quantization/weight_range.h), elsewhere s8; a label taken from the scheme's name
// ("int8", "s8 weights") then describes a file qbench did not write.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include <onnx/onnx_pb.h>

namespace qbench {

/// Weight forms (Int8Storage::weight_elements keys).
inline constexpr const char* kWeightsU8ZeroPoint128 = "u8 (zero point 128)";  ///< uint8, every zero point 128
inline constexpr const char* kWeightsU8Asymmetric = "u8 asymmetric";          ///< uint8, other zero points
inline constexpr const char* kWeightsS8Symmetric = "s8 symmetric";            ///< int8, zero point 0, values beyond [-64, 64]
inline constexpr const char* kWeightsS8Reduced = "s8 7-bit (reduced range)";  ///< int8, zero point 0, values in [-64, 64]
inline constexpr const char* kWeightsS8Asymmetric = "s8 asymmetric";          ///< int8, some zero point != 0

/// What a graph's int8 tensors are.
struct Int8Storage {
  /// Quantized weights by form (the k* labels above) → elements. A weight is a constant (initializer or
  /// Constant node) of dtype int8/uint8 read as input 0 of a DequantizeLinear, or at the weight input of
  /// QLinearConv, QLinearMatMul, QGemm (input 3), ConvInteger, MatMulInteger, DynamicQuantizeMatMul,
  /// MatMulIntegerToFloat (input 1) or DynamicQuantizeLSTM (inputs 1 and 2), with its zero-point input
  /// (absent: 0). s8 with zero point 0 is "7-bit" when its largest |value| is at most 64 (ORT's
  /// reduce_range, quant_utils.get_qmin_qmax_for_qType) — a symmetric 8-bit weight reaches 127.
  /// A tensor with every value 0 (or unreadable values, e.g. external data not loaded) has no range to
  /// judge: it counts by its zero points alone ("s8 symmetric" for int8 with zero point 0).
  std::map<std::string, std::int64_t> weight_elements;
  /// Activations quantized with scales fixed in the file, by dtype ("u8", "s8") → ops: QuantizeLinear
  /// (the dtype of its zero point, input 2; uint8 when absent, as ONNX defines) and the input zero
  /// point (input 2) of QLinearConv, QLinearMatMul, QGemm.
  std::map<std::string, std::int64_t> static_activations;
  /// DynamicQuantizeLinear, DynamicQuantizeMatMul, MatMulIntegerToFloat and DynamicQuantizeLSTM nodes:
  /// activations quantized to u8 at run time (the only dtype ORT's dynamic ops produce).
  std::int64_t dynamic_activation_ops = 0;

  bool empty() const { return weight_elements.empty() && static_activations.empty() && dynamic_activation_ops == 0; }
  /// The weight forms, most elements first, joined with " + " ("u8 (zero point 128)",
  /// "u8 (zero point 128) + s8 7-bit (reduced range)"); "" when there are no int8 weights.
  std::string WeightsLabel() const;
  /// "u8 (static, in the file)", "s8 (static, in the file)", "u8 + s8 (static, in the file)",
  /// "u8 (dynamic)", "u8 (static and dynamic, in the file)"; "" when no activation is quantized.
  std::string ActivationsLabel() const;
};

/// The form (one of the k* labels above) of the int8/uint8 tensor `w` with zero point `zp` (nullptr:
/// none given, 0), by the rules of Int8Storage::weight_elements.
const char* Int8WeightForm(const onnx::TensorProto& w, const onnx::TensorProto* zp);

/// Reads `graph` (top level; subgraphs of If/Loop are not visited). Never throws for a valid graph:
/// values that cannot be read (external data not loaded) fall back to the zero points (see above).
Int8Storage ReadInt8Storage(const onnx::GraphProto& graph);

}  // namespace qbench
