// qbench/quantization/quantizer.h — fp32 → int8 ONNX quantization: the scheme table, options, the
// pipeline (checks, model hygiene, calibration, rewrite) and the coverage report.
//
// Schemes (one typed row each in the scheme table, qbench/quantization/scheme.h; the CLI's --mode
// choices, validation and help, the lab's variants and the report read that table only):
//  - dynamic: weights int8 offline, activations quantized at run time (DynamicQuantizeLinear):
//    MatMul/Gemm → MatMulInteger, Conv → ConvInteger, LSTM → com.microsoft.DynamicQuantizeLSTM,
//    as ONNX Runtime's onnxruntime/python/tools/quantization/operators/{matmul,conv,lstm}.py.
//  - static: QDQ format (QuantizeLinear/DequantizeLinear pairs, int8 weight initializers, int32
//    biases) that ONNX Runtime's CPU provider fuses into QLinearConv, QGemm, QLinearAdd, ...
//    following ORT's qdq_quantizer.py and the recipe in docs/measurement.md; needs calibration ranges.
// Adding a scheme = one SchemeInfo row + one QuantizationScheme implementation file (scheme.h).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "qbench/calibration/calibrator.h"
#include "qbench/core/log.h"
#include "qbench/model/model.h"
#include "qbench/model/shapes.h"
#include "qbench/quantization/equalize.h"
#include "qbench/quantization/scheme.h"
#include "qbench/quantization/weight_range.h"

namespace qbench {

/// Per-tensor vs per-channel weights. kDefault: the scheme's default (static: per-channel for Conv,
/// per-tensor for Gemm/MatMul, the fully fused recipe; ConvTranspose stays float; dynamic: per-tensor).
/// kPerChannel: every weight per output channel. kPerTensor: every weight per tensor.
enum class WeightGranularity { kDefault, kPerChannel, kPerTensor };

/// Static scheme: how HardSigmoid(x) = clip(alpha·x + beta, 0, 1) is handled.
enum class HardSigmoidPolicy {
  /// Rewritten as Mul(x, alpha) → Add(beta) → Clip(0, 1), all of which ORT runs in int8
  /// (QLinearMul, QLinearAdd, the Clip folded into the Add's output range); the ranges of the new
  /// tensors follow exactly from x's calibrated range. HardSigmoid nodes matched by --exclude are
  /// left alone (fp32).
  kDecompose,
  /// ORT's recipe: HardSigmoid stays fp32 between a DQ and a Q, the Mul that uses it is quantized.
  kQdqAround,
  /// HardSigmoid and the Mul nodes it feeds stay fp32 (one DQ before, one Q after).
  kFloat,
};
/// "decompose", "qdq", "float" ↔ the policy. Parse throws Error(kInvalidArgument) listing them.
const char* HardSigmoidPolicyName(HardSigmoidPolicy policy);
HardSigmoidPolicy ParseHardSigmoidPolicy(const std::string& name);

/// What to quantize and how. Plain data; validated by QuantizeModel (Error(kInvalidArgument)).
struct QuantizeOptions {
  std::string scheme = "static";        ///< a SchemeInfo::name (QuantizationSchemes())
  WeightGranularity granularity = WeightGranularity::kDefault;
  /// How symmetric int8 weights (static QDQ, dynamic MatMulInteger / per-channel ConvInteger /
  /// LSTM) are stored: full s8, 7-bit s8 (ORT's reduce_range) or u8 with zero point 128 (ORT's
  /// U8U8). Dynamic per-tensor ConvInteger weights are u8 asymmetric whatever this says (the u8u8
  /// kernel is exact). kAuto: by this CPU (qbench/quantization/weight_range.h); QuantizeModel
  /// resolves it and reports the choice.
  WeightRange weight_range = WeightRange::kAuto;
  DType activation_type = DType::kUint8;  ///< static: kUint8 (asymmetric, default) or kInt8
  /// Nodes kept in fp32: "op:Gemm" (op type), "re:^fc" (ECMAScript regex searched in the node
  /// name), anything else = an exact node name. An unnamed node is named "#<index>" (its index in
  /// the input graph, see PrepareModelForQuantization), so "#12" excludes it.
  std::vector<std::string> exclude;
  /// Static only: what to do with HardSigmoid (MobileNetV3's hardswish x·HardSigmoid(x) and its
  /// squeeze-excitation gates), which has no int8 kernel in ORT (docs/measurement.md: the plain QDQ
  /// recipe makes MobileNetV3-small slower than fp32).
  HardSigmoidPolicy hard_sigmoid = HardSigmoidPolicy::kDecompose;
  /// Static only: Concat inputs produced only for that Concat take the Concat output's scale and
  /// zero point, so ORT's QLinearConcat copies instead of requantizing (TFLite's rule).
  bool share_concat_scales = true;
  /// Static only. false (default): graph outputs stay float — no Q→DQ on them, so the model's
  /// outputs carry no output-quantization error (the textbook scheme of ../shared/cases); a final
  /// Conv then runs in float in ORT (a final Gemm/MatMul still gets an integer kernel with float
  /// output). true: graph outputs are quantized too, so ORT can fuse the last node as well.
  bool quantize_graph_outputs = false;
  CalibrationOptions calibration;       ///< method, percentile, bins (static)
  /// Static only: cross-layer equalization of the prepared fp32 model before calibration
  /// (EqualizeCrossLayer, qbench/quantization/equalize.h). Not with QuantizeModelWithRanges (ranges
  /// of the unequalized model do not fit the equalized one).
  CrossLayerEqualization equalize = CrossLayerEqualization::kOff;
  /// Static only: empirical bias correction after the rewrite (CorrectBias,
  /// qbench/quantization/bias_correction.h) on the calibration samples. Needs a reader.
  bool bias_correction = false;
  int intra_op_threads = 0;             ///< ORT threads for calibration / coverage sessions (0 = default)

  /// Cross-layer equalization or bias correction is asked for: the weights change around the
  /// rewrite, so ranges calibrated on the model as given do not fit them (QuantizeModelWithRanges
  /// and the CLI's fallback refuse it) and a scheme without calibration cannot apply them.
  bool RewritesWeights() const { return equalize != CrossLayerEqualization::kOff || bias_correction; }
};

/// What happened to one node of the (prepared) input graph.
struct NodeDecision {
  std::string name;       ///< node name ("#index" when unnamed)
  std::string op_type;
  bool quantized = false;
  std::string how;        ///< when quantized: "QDQ s8 per-channel axis 0", "ConvInteger u8 per-tensor", "folded into conv1"
  std::string reason;     ///< when kept float: why (exclusion, no int8 kernel, not a weight, ...)
};

/// Per op type counts, from the decisions.
struct OpTypeCoverage {
  std::string op_type;
  int quantized = 0;
  int kept_float = 0;
  std::vector<std::string> reasons;  ///< distinct reasons for the float ones
};

/// What ONNX Runtime actually runs: the graph it optimized (SessionConfig::optimized_model_path).
/// Shapes and MACs as `inspect` counts them (qbench/model/macs.h: InferValueShapes on the given graph,
/// CountNodeMacs on each node of the optimized one).
struct RuntimeCoverage {
  bool analyzed = false;
  std::string note;                   ///< why it was not analyzed, or caveats
  std::string graph_optimization;     ///< the ORT level the graph was optimized at
  std::map<std::string, int> op_histogram;  ///< optimized graph: "QLinearConv" / "com.microsoft.QGemm" → count
  std::int64_t int8_macs = 0;         ///< MACs of integer kernels (QLinearConv, ConvInteger, MatMulInteger, QGemm, ...)
  std::int64_t float_macs = 0;        ///< MACs of float Conv/ConvTranspose/Gemm/MatMul/FusedConv/LSTM/...
  /// The part of float_macs whose node runs in float16 in the optimized graph (its first input or output
  /// is float16): what ORT's provider computes in float16; the rest of float_macs runs in float32.
  std::int64_t float16_macs = 0;
  int unknown_mac_nodes = 0;          ///< MAC-bearing nodes whose shapes were unknown (not counted)
  bool macs_complete = true;          ///< analyzed and unknown_mac_nodes == 0: int8_mac_share is the model's
  double int8_mac_share = 0.0;        ///< int8_macs / (int8_macs + float_macs), 0 when both are 0
  std::vector<std::string> float_mac_nodes;  ///< "name (op): N MACs" for each float MAC-bearing node
  /// The entries of float_mac_nodes whose node runs in float16 (as float16_macs counts them); the
  /// others run in float32. Empty in files written before it was recorded while float16_macs > 0.
  std::vector<std::string> float16_mac_nodes;
};

/// The coverage report `qbench quantize` prints and saves (--report FILE.json).
struct QuantizeReport {
  std::string scheme;
  std::string weights;            ///< e.g. "s8 symmetric; Conv per-channel, Gemm/MatMul per-tensor"
  std::string activations;        ///< e.g. "u8 asymmetric per-tensor (calibrated: minmax)"
  std::string weight_range;       ///< the resolved choice: "full", "reduced" or "u8" (never "auto")
  std::string weight_range_reason;  ///< WeightRangeDecision::reason, e.g. "7-bit weights: this CPU has no VNNI, ..."
  std::vector<std::string> hygiene;  ///< model hygiene actions before quantizing
  std::vector<NodeDecision> nodes;
  std::vector<OpTypeCoverage> by_op_type;  ///< derived from nodes
  int calibrated_tensors = 0;
  std::string calibration;        ///< method and data description ("" for dynamic)
  int bias_scale_adjustments = 0;  ///< weight channels whose scale was enlarged for an int32 bias
  std::vector<std::string> notes;  ///< things the user should know (HardSigmoid chains, dynamic conv speed)
  std::uint64_t size_before_bytes = 0;  ///< serialized fp32 model
  std::uint64_t size_after_bytes = 0;   ///< serialized quantized model
  RuntimeCoverage runtime;
  std::vector<Warning> warnings;
};

/// "u8" → kUint8, "s8" → kInt8 (also "uint8"/"int8"). Throws Error(kInvalidArgument) listing the choices.
DType ParseActivationType(const std::string& text);

/// The opset models below a scheme's min_opset are upgraded to before quantizing (the lowest opset
/// with per-channel QuantizeLinear/DequantizeLinear, which static QDQ needs).
constexpr std::int64_t kQuantizeUpgradeOpset = 13;

/// Refuses models the quantizer cannot handle, in this order, each in one line naming the model:
///  - already quantized (DetectQuantizedContent: QDQ, QOperator, integer ops, weight-only):
///    Error(kInvalidInput) naming the format, the count and the first node — quantizing int8 again
///    would stack a second quantization error on the first, and the fp32 original is the input;
///  - a float16 scheme (fp16) given a float16 file (Float16Content::mostly_float16): Error(kInvalidInput)
///    "is already float16 (N of M float constants are float16)" — there is nothing to convert;
///  - an ai.onnx opset above `scheme.max_opset`: Error(kUnsupported) naming the range (opsets below
///    min_opset pass: PrepareModelForQuantization upgrades them).
/// ONNX Runtime's own version limits (CheckOrtCanLoad) are checked after the opset upgrade, by
/// UpgradeForQuantization and QuantizeModel, since an old opset's ops may have no kernel in ORT today.
/// Training-mode BatchNormalization is not refused: QuantizeModel keeps it fp32, never folds it, and
/// warns (code "training_mode_batchnorm") naming the node.
void CheckQuantizable(const Model& model, const SchemeInfo& scheme);

/// The fp32 model as ONNX Runtime will run it next to its quantized form, in the order
/// load → compat → ORT's limits: CheckQuantizable(model, scheme); then an ai.onnx opset below
/// `scheme.min_opset` raised to it with ONNX's version converter (UpgradeOpset: the same function,
/// e.g. Gemm-6 → Gemm-13; ORT 1.30 has no kernel for many ops at opsets below 7, such as Add-6,
/// Gemm-6 or AveragePool-1, so the file as given may not load at all); then CheckOrtCanLoad on the
/// result. Callers run this model in ORT as the fp32 reference (load check, verification, fallback)
/// and hand the original to QuantizeModel, which upgrades it the same way and names unnamed nodes
/// by their index in the original graph first. `note` (optional) receives UpgradeOpset's note, ""
/// when nothing changed. Throws Error(kInvalidInput/kUnsupported) in one line naming the model.
Model UpgradeForQuantization(const Model& model, const SchemeInfo& scheme, std::string* note = nullptr);

/// Model hygiene before quantizing, on a copy (the input is never modified). In order:
/// external data inlined (Error(kUnsupported) above protobuf's 2 GiB); unnamed nodes named
/// "#<index>" (their index in the input graph, as inspect shows them); an ai.onnx opset below
/// `min_opset` upgraded to it with ONNX's version converter (UpgradeOpset; Error(kUnsupported)
/// naming the node it cannot convert); float16 tensors computed in float32 with Cast nodes at the
/// float16 inputs/outputs (UpcastFloat16); nodes sorted topologically
/// (a Loop/If/Scan after what its subgraphs read); Constant nodes → initializers (in subgraphs too); Cast of a float16/float64 initializer → float32 initializer;
/// Identity of an initializer → consumers read the initializer; BatchNormalization (inference mode)
/// folded into the Conv before it (constant parameters, single consumer); Gemm alpha/beta folded
/// into constant B/C; unused initializers dropped (an initializer read only inside a subgraph is
/// kept). Appends one line per kind of action to `actions`.
Model PrepareModelForQuantization(const Model& model, std::vector<std::string>* actions,
                                  std::int64_t min_opset = kQuantizeUpgradeOpset);

/// True when ONNX Runtime's u8·s8 integer kernels lose precision on this CPU: on x86 CPUs with AVX2
/// but no VNNI they add pairs of u8·s8 products in int16 with saturation (VPMADDUBSW), which ORT's
/// quantization docs address with 7-bit weights (reduce_range) or uint8 weights. Probed once per
/// process with a 16x16 MatMulInteger whose exact int32 result is known; false when the probe
/// cannot run. QuantizeModel warns ("u8s8_saturation") when its output relies on such kernels.
bool OrtU8S8KernelsSaturate();

/// The result of QuantizeModel: the quantized model and its report. The model keeps the input's
/// Model::path, so SaveModel refuses to write it over the input file.
struct QuantizeResult {
  Model model;
  QuantizeReport report;
};

/// The whole pipeline: validates options against the scheme table, CheckQuantizable, hygiene,
/// calibration (static: CalibrateModel over `reader`, which must then be non-null), rewrite,
/// removal of graph inputs backed by initializers that were quantized, and the size figures.
/// Does not run the runtime coverage (see AnalyzeRuntimeCoverage). Warnings go to `warnings` and
/// into the report. Throws Error(kInvalidArgument) for bad options (an unknown scheme, an invalid
/// --exclude regex, an activation type the scheme does not support, static without data),
/// CheckQuantizable's errors, and Error(kRuntime) when calibration fails.
QuantizeResult QuantizeModel(const Model& model, const QuantizeOptions& options, CalibrationDataReader* reader,
                             WarningList* warnings);

/// Same with ranges already known (tests, or a saved calibration): no ORT session is created.
QuantizeResult QuantizeModelWithRanges(const Model& model, const QuantizeOptions& options, const CalibrationTable& ranges,
                                       WarningList* warnings);

/// Lets ORT optimize `quantized` (CPU provider, level `graph_optimization`, default "extended":
/// every int8 fusion, without the NCHWc layout rewrite of "all" that renames tensors), reads back the
/// optimized graph, and counts integer vs float MACs there. Shapes come from ONNX shape inference
/// of `quantized` at the input shapes ResolveInputShapes(quantized, shapes) gives (dynamic dims → 1).
/// Never throws for an analysis problem: returns analyzed = false with `note` saying why.
RuntimeCoverage AnalyzeRuntimeCoverage(const Model& quantized, const ShapeOverrides& shapes = {},
                                       const std::string& graph_optimization = "extended", int intra_op_threads = 1);

/// Recomputes report->by_op_type from report->nodes (per op type: counts and distinct reasons).
void SummarizeCoverage(QuantizeReport* report);

/// The coverage table as text (per op type: quantized / kept float / reasons; the int8 MAC share
/// after ORT; sizes). For the CLI's stdout.
std::string FormatQuantizeReport(const QuantizeReport& report);
/// The report as JSON text (snake_case keys, sizes in bytes, MACs as integers).
std::string QuantizeReportToJson(const QuantizeReport& report);

}  // namespace qbench
