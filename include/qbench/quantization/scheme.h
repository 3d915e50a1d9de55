// qbench/quantization/scheme.h — the scheme table: every way qbench can convert an fp32 model, one
// typed row each (SchemeInfo), and the interface each row's implementation provides.
//
// The table is the only place a scheme lives: the CLI's --mode choices, help and validation, the
// lab's variants (LabVariants: one per row, plus one per lab_alternatives granularity, plus "auto"
// for the row with lab_auto_search), the lab's
// time estimate and traffic model, the models table and the report's observations all read it.
// Adding a scheme = one row in src/quantization/schemes/table.cc + one implementation file in
// src/quantization/schemes/ (docs/architecture.md, "How to add …").
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "qbench/calibration/calibrator.h"
#include "qbench/core/tensor.h"
#include "qbench/model/model.h"

namespace qbench {

struct QuantizeOptions;
struct QuantizeReport;

/// Element precision of weights or activations inside a converted graph.
enum class Precision { kFloat32, kFloat16, kInt8 };
/// "fp32", "fp16", "int8" (the names the lab's records and the report use).
const char* PrecisionName(Precision p);
/// Bytes per element: 4, 2, 1.
int PrecisionBytes(Precision p);
/// True for kInt8.
bool IsIntegerPrecision(Precision p);

/// How finely weights carry quantization parameters. kNone: the scheme has no scales (a float
/// precision such as fp16).
enum class Granularity { kNone, kPerTensor, kPerChannel };
/// "", "per-tensor", "per-channel".
const char* GranularityName(Granularity g);

/// A quantization scheme: one implementation per SchemeInfo row.
class QuantizationScheme {
 public:
  virtual ~QuantizationScheme() = default;
  /// Activation tensors (names in `prepared`) whose ranges Quantize needs; empty when the scheme
  /// needs no calibration.
  virtual std::vector<std::string> TensorsToCalibrate(const Model& prepared, const QuantizeOptions& options) const = 0;
  /// Rewrites `prepared` (after PrepareModelForQuantization) into the quantized model and fills
  /// report->nodes, notes and bias_scale_adjustments. `ranges` holds the calibrated ranges.
  virtual Model Quantize(const Model& prepared, const QuantizeOptions& options, const CalibrationTable& ranges,
                         QuantizeReport* report) const = 0;
  /// QuantizeReport::weights for these options, e.g. "s8 symmetric; Conv per output channel, …".
  virtual std::string DescribeWeights(const QuantizeOptions& options) const = 0;
  /// QuantizeReport::activations; `calibration` is QuantizeReport::calibration ("" when not calibrated).
  virtual std::string DescribeActivations(const QuantizeOptions& options, const std::string& calibration) const = 0;
};

/// A weight granularity other than a row's default that the lab also measures, as variant
/// "<name>-per-tensor" / "<name>-per-channel", with its own speed: ORT runs some granularities on
/// other kernels (dynamic per-channel s8 ConvInteger: 0.14x on ResNet18, per-tensor u8: 0.61x;
/// docs/measurement.md).
struct LabAlternative {
  Granularity granularity;
  double speed_vs_fp32;  ///< as SchemeInfo::speed_vs_fp32, for this granularity
};

/// One row of the scheme table.
struct SchemeInfo {
  const char* name;               ///< CLI name (--mode) and lab variant name
  const char* description;        ///< one line for --help and the lab's variant list
  Precision weight_precision;     ///< of the converted weights (MAC-bearing ops)
  Precision activation_precision; ///< of the activations between converted ops
  /// Activations carry scales fixed from calibration ranges (static QDQ): the quantizer then needs
  /// calibration data. False: not calibrated, i.e. integer activations quantized at run time from
  /// each tensor's own range (dynamic), or float activations with no scales (fp16).
  bool needs_calibration;
  Granularity granularity;        ///< of the weights with the default options
  /// Other weight granularities the lab measures as variants "<name>-per-tensor" / "<name>-per-channel".
  std::vector<LabAlternative> lab_alternatives;
  /// Op types the scheme converts. Empty: every default-domain op with float tensors, except those
  /// its implementation's documented kept-fp32 rule names (fp16).
  std::vector<std::string> op_types;
  std::int64_t min_opset;         ///< supported ai.onnx opset range, inclusive (lower ones are upgraded)
  std::int64_t max_opset;
  /// Accepted --activation-type values (first = default); empty when activations are not integer
  /// (QuantizeOptions::activation_type is then ignored and the CLI refuses the flag).
  std::vector<DType> activation_types;
  /// Rough speed of a model in this scheme relative to the same model in fp32 in ONNX Runtime's CPU
  /// provider (2 = twice as fast), for the lab's time estimate (lab.h VariantSpeedFactor; measured
  /// figures in docs/measurement.md "Duration estimate" and docs/quantization.md).
  double speed_vs_fp32;
  std::function<std::unique_ptr<QuantizationScheme>()> factory;  ///< the implementation
  /// The lab also measures variant "auto": `qbench quantize --auto`'s choice among this scheme's
  /// configurations (qbench/lab/auto_quantize.h), which may be the model unchanged. One row at most.
  bool lab_auto_search = false;

  /// Integer activations quantized at run time (not calibrated): the dynamic scheme.
  bool ActivationsQuantizedAtRunTime() const { return IsIntegerPrecision(activation_precision) && !needs_calibration; }
  /// Bytes per element a MAC-bearing node of this scheme moves, for the roofline's traffic model:
  /// its weights, its input activation and its output (an integer kernel fed by run-time
  /// quantization writes int32 accumulators, 4 bytes).
  int WeightBytes() const { return PrecisionBytes(weight_precision); }
  int InputBytes() const { return PrecisionBytes(activation_precision); }
  int OutputBytes() const { return ActivationsQuantizedAtRunTime() ? 4 : PrecisionBytes(activation_precision); }
};

/// The table: every scheme qbench knows, in --help order.
const std::vector<SchemeInfo>& QuantizationSchemes();
/// "dynamic, static".
std::string QuantizationSchemeNames();
/// The row named `name`. Throws Error(kInvalidArgument): "unknown quantization mode 'x'; expected one of: dynamic, static".
const SchemeInfo& FindQuantizationScheme(const std::string& name);

}  // namespace qbench
