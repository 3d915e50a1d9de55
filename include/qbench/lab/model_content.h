// qbench/lab/model_content.h — what a model file contains (fp32, fp16, int8 in QDQ or QOperator
// form, dynamic int8), so that a model given to the lab is labelled by its content, never assumed fp32.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "qbench/model/inspect.h"
#include "qbench/quantization/scheme.h"

namespace qbench {

/// What a model holds, from its op types and constant-tensor dtypes (a ModelSummary of InspectModel).
struct ModelContent {
  /// "fp32", "fp16", "bf16", "fp64", "int8 QOperator" (QLinearConv, QGemm, QLinear*, … fused
  /// integer ops), "int8 QDQ" (DequantizeLinear feeding float ops, no fused integer op), "int8
  /// dynamic" (DynamicQuantizeLinear, ConvInteger, MatMulInteger, DynamicQuantizeMatMul,
  /// MatMulIntegerToFloat), or two joined with " + " ("int8 QOperator + dynamic") when both occur.
  std::string label = "fp32";
  bool quantized = false;       ///< one of the int8 forms
  int weight_bits = 32;         ///< 8 when quantized; else the float dtype holding most weight bytes
  std::string weight_precision = "fp32";      ///< "int8" (8-bit integer, s8 or u8), "fp16", "fp32", …
  /// For int8 content, how the file stores its int8 weights (Int8Storage::WeightsLabel: "u8 (zero
  /// point 128)", "s8 symmetric", "s8 7-bit (reduced range)", …); "" for float content.
  std::string weight_storage;
  /// The activations' dtype as the file's quantizing ops fix it (Int8Storage::ActivationsLabel: "u8
  /// (static, in the file)", "s8 (static, in the file)", "u8 (dynamic)", …; "int8 (…)" when no
  /// quantizing op says), or the float label ("fp16", "fp32", …).
  std::string activation_precision = "fp32";
  /// The label's facts typed, for the scheme table (SchemeLikeContent): the precision of the
  /// weights (std::nullopt for bf16 and fp64, which no Precision names) and, for int8 content,
  /// whether some activations carry scales fixed in the file (QDQ or QOperator ops; false: only
  /// run-time quantized, "int8 dynamic").
  std::optional<Precision> precision = Precision::kFloat32;
  bool fixed_activation_scales = false;
};

/// Classifies `summary` (op types may be domain-qualified, "com.microsoft.QGemm"). The quantize /
/// dequantize pair that a QOperator model keeps at its input and output does not make it QDQ: QDQ
/// means DequantizeLinear with no fused integer op. Float precision: the float dtype with most bytes
/// in weight_bytes_by_dtype (float32 when none).
ModelContent DescribeModelContent(const ModelSummary& summary);

/// The scheme table's row (qbench/quantization/scheme.h) whose output `content` is like: weights and
/// activations of content.precision and, for integer precision, activations with fixed scales
/// (calibrated: "static" today; "int8 QOperator + dynamic" counts as fixed) or quantized at run
/// time ("dynamic"). "fp16" content → the fp16 row. nullptr when no row matches (fp32, bf16, fp64).
/// The first matching row in table order.
const SchemeInfo* SchemeLikeContent(const ModelContent& content);

/// How the lab and its report name the baseline `variant` of a model whose file holds `content`
/// (ModelContent::label): the variant's own name when the file is what it says ("fp32" for "fp32", or
/// `content` empty), else "as given (int8 QOperator)", "as given (fp16)", … (never assumed fp32).
/// A scheme's variant chosen as the baseline (`--variants dynamic,fp32`: "dynamic") is a file qbench
/// made from the one given, never "as given": its own name whatever it holds.
std::string BaselineLabel(const std::string& content, const std::string& variant);

/// Why the lab's `variant` does not apply to a model whose file holds `content` (ModelContent::label
/// of the baseline as given), or "" when it applies: a variant made by a quantization scheme (static,
/// dynamic, auto, …: LabVariantInfo::scheme) of a file that is already int8 (any int8 form) is
/// "already int8 (QOperator)" (the form in parentheses) — the quantizer refuses it (CheckQuantizable),
/// and the lab records it as not applicable, not as a failure. A float scheme's variant (fp16) of a
/// file already in that precision is "already fp16": it would be the same model again, timed against
/// itself. Otherwise a float file (fp16, bf16) is quantized like fp32, and the baseline and external
/// variants always apply.
std::string VariantNotApplicable(const std::string& content, const std::string& variant);

/// The integer-kernel op types of `op_histogram` (QOperator and dynamic forms: QLinearConv, QGemm,
/// ConvInteger, …; domains kept as given) with their counts: what runs in int8 when the histogram
/// is of ORT's optimized graph (RuntimeCoverage::op_histogram).
std::map<std::string, std::int64_t> IntegerOps(const std::map<std::string, int>& op_histogram);

}  // namespace qbench
