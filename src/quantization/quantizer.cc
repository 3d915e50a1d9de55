// Scheme table look-ups (the rows: schemes/table.cc) and the quantization pipeline (checks → hygiene → calibration → rewrite).
#include "qbench/core/text.h"
#include "qbench/quantization/quantizer.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <memory>
#include <set>

#include "qbench/core/error.h"
#include "qbench/model/compat.h"
#include "qbench/quantization/bias_correction.h"
#include "qbench/quantization/equalize.h"
#include "qbench/runtime/ort_limits.h"
#include "qbench/runtime/runner.h"
#include "quantization/graph_util.h"
#include "quantization/scheme_util.h"

namespace qbench {
namespace {

/// "'path/model.onnx'", or "<in-memory model>" for a model built in code.
std::string ModelName(const Model& model) {
  return model.path.empty() ? "<in-memory model>" : "'" + model.path + "'";
}

std::string Join(const std::vector<std::string>& v, const std::string& sep) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? sep : "") + v[i];
  return s;
}

void ValidateOptions(const QuantizeOptions& options, const SchemeInfo& scheme) {
  if (scheme.granularity == Granularity::kNone && options.granularity != WeightGranularity::kDefault)
    throw Error(ErrorCode::kInvalidArgument, std::string("--per-channel/--per-tensor do not apply to --mode ") + scheme.name +
                                                 ": its " + PrecisionName(scheme.weight_precision) + " weights have no scales");
  bool ok = scheme.activation_types.empty();  // float activations: activation_type does not apply
  std::vector<std::string> accepted;
  for (DType t : scheme.activation_types) {
    ok = ok || t == options.activation_type;
    accepted.push_back(quant_internal::ShortTypeName(t));
  }
  if (!ok)
    throw Error(ErrorCode::kInvalidArgument, "--activation-type " + quant_internal::ShortTypeName(options.activation_type) +
                                                 " is not supported by --mode " + scheme.name + "; expected one of: " +
                                                 Join(accepted, ", "));
  if (options.RewritesWeights() && !scheme.needs_calibration)
    throw Error(ErrorCode::kInvalidArgument, std::string("--equalize/--bias-correction apply to --mode static, not --mode ") +
                                                 scheme.name);
  quant_internal::ExcludeMatcher check(options.exclude);  // throws on a bad pattern
  (void)check;
}

}  // namespace

void SummarizeCoverage(QuantizeReport* r) {
  std::map<std::string, OpTypeCoverage> by;
  std::vector<std::string> order;
  for (const auto& d : r->nodes) {
    auto it = by.find(d.op_type);
    if (it == by.end()) {
      order.push_back(d.op_type);
      it = by.emplace(d.op_type, OpTypeCoverage{d.op_type, 0, 0, {}}).first;
    }
    if (d.quantized) {
      ++it->second.quantized;
    } else {
      ++it->second.kept_float;
      auto& rs = it->second.reasons;
      if (std::find(rs.begin(), rs.end(), d.reason) == rs.end()) rs.push_back(d.reason);
    }
  }
  r->by_op_type.clear();
  for (const auto& op : order) r->by_op_type.push_back(by[op]);
}

namespace {

// Passes the calibration batches through and keeps them (for bias correction after the rewrite).
class RecordingReader : public CalibrationDataReader {
 public:
  RecordingReader(CalibrationDataReader& inner, bool keep) : inner_(inner), keep_(keep) {}
  bool Next(std::vector<HostTensor>* feeds) override {
    if (!inner_.Next(feeds)) return false;
    if (keep_) batches.push_back(*feeds);
    return true;
  }
  std::string Describe() const override { return inner_.Describe(); }
  std::vector<std::vector<HostTensor>> batches;

 private:
  CalibrationDataReader& inner_;
  bool keep_;
};

// "fp32 output 0 after equalization vs before: SQNR X dB on N calibration batch(es)": how much the
// equalized fp32 model differs (exact pairs: rounding only; ReLU6 replaced by Relu: the change).
std::string CompareFp32(const Model& before, const Model& after, const std::vector<std::vector<HostTensor>>& batches,
                        int threads, double* sqnr_db) {
  SessionConfig config;
  config.intra_op_threads = threads;
  auto a = OrtRunner::Create(before, config), b = OrtRunner::Create(after, config);
  double signal = 0, noise = 0;
  const std::size_t n = std::min<std::size_t>(batches.size(), 16);
  for (std::size_t i = 0; i < n; ++i) {
    const auto x = a->Run(batches[i])[0].ToFloatVector(), y = b->Run(batches[i])[0].ToFloatVector();
    for (std::size_t k = 0; k < x.size() && k < y.size(); ++k) {
      signal += static_cast<double>(x[k]) * x[k];
      noise += (static_cast<double>(x[k]) - y[k]) * (static_cast<double>(x[k]) - y[k]);
    }
  }
  *sqnr_db = noise > 0 ? 10 * std::log10(signal / noise) : std::numeric_limits<double>::infinity();
  const std::string db = noise > 0 ? fmt::format("{:.1f} dB", *sqnr_db) : "inf dB";
  return fmt::format("fp32 output 0 after equalization vs before: SQNR {} on {} calibration batch(es)", db, n);
}

// QuantizeReport::weights checked against the written file (ReadInt8Storage): `planned` is the
// scheme's DescribeWeights plus what its writer stored otherwise, each with why (e.g. the static
// scheme's depthwise weights at 8 bits under --weight-range reduced). A form the file holds that it
// does not name is added from the file, so the line never leaves out what was written.
std::string WeightsAsWritten(const std::string& planned, const Int8Storage& stored) {
  if (stored.weight_elements.empty()) return "none stored as int8 (no weight was quantized)";
  std::string unplanned;
  for (const auto& [form, elements] : stored.weight_elements)
    if (planned.find(form) == std::string::npos) unplanned += fmt::format("{}{} ({} elements)", unplanned.empty() ? "" : ", ", form, elements);
  return unplanned.empty() ? planned : planned + "; the file also holds " + unplanned + ", which this description does not name";
}

QuantizeResult Run(const Model& model, const QuantizeOptions& options, CalibrationDataReader* reader,
                   const CalibrationTable* given, WarningList* warnings) {
  const SchemeInfo& scheme = FindQuantizationScheme(options.scheme);
  ValidateOptions(options, scheme);
  if (given && options.RewritesWeights())
    throw Error(ErrorCode::kInvalidArgument, "cross-layer equalization and bias correction need calibration data: ranges "
                                             "given for the model as it is do not fit the equalized model, and bias "
                                             "correction measures samples (use QuantizeModel with a reader)");
  CheckQuantizable(model, scheme);
  QuantizeResult result;
  QuantizeReport& report = result.report;
  report.scheme = scheme.name;
  for (const auto& bn : TrainingModeBatchNorms(model))
    report.warnings.push_back({"training_mode_batchnorm",
                               "node " + bn + " is in training mode: it normalizes each batch with the batch's own "
                               "statistics, so it is kept fp32 and not folded into the Conv before it (its running "
                               "statistics would change the model); re-export in inference mode (PyTorch: "
                               "model.eval()) to fold and quantize it"});
  const auto impl = scheme.factory();
  QuantizeOptions resolved = options;
  if (IsIntegerPrecision(scheme.weight_precision)) {
    // kAuto resolved once here, so the scheme and the report see the same choice.
    const WeightRangeDecision range = ResolveWeightRange(options.weight_range, options.activation_type);
    resolved.weight_range = range.range;
    report.weight_range = WeightRangeName(range.range);
    report.weight_range_reason = range.reason;
  }
  report.weights = impl->DescribeWeights(resolved);
  Model prepared = PrepareModelForQuantization(model, &report.hygiene, scheme.min_opset);
  Model unequalized;
  if (options.equalize != CrossLayerEqualization::kOff) {
    unequalized = prepared;
    EqualizeOptions eo;
    eo.relu6_as_relu = options.equalize == CrossLayerEqualization::kRelu6AsRelu;
    EqualizeReport er;
    prepared = EqualizeCrossLayer(prepared, eo, &er);
    report.hygiene.push_back(er.Describe());
  }
  // ORT's version limits after the opset upgrade (load → compat → limits; UpgradeForQuantization).
  CheckOrtCanLoad(prepared, "model " + ModelName(model));
  // External data counts too: measure the inlined copy then.
  report.size_before_bytes = HasExternalData(model) ? prepared.proto.ByteSizeLong() : model.proto.ByteSizeLong();

  CalibrationTable ranges;
  std::unique_ptr<RecordingReader> recorder;
  if (reader)
    recorder = std::make_unique<RecordingReader>(*reader, options.bias_correction ||
                                                              options.equalize != CrossLayerEqualization::kOff);
  if (scheme.needs_calibration) {
    const auto tensors = impl->TensorsToCalibrate(prepared, options);
    report.calibrated_tensors = static_cast<int>(tensors.size());
    const std::string method = [&] {
      for (const auto& m : CalibrationMethods())
        if (m.method == options.calibration.method) return std::string(m.name);
      return std::string("?");
    }();
    if (given) {
      ranges = *given;
      report.calibration = method + " (ranges given)";
    } else {
      if (!reader)
        throw Error(ErrorCode::kInvalidArgument, std::string("--mode ") + scheme.name +
                                                     " needs calibration data (--calibration-data PATH, or none for seeded random input)");
      report.calibration = method + " over " + reader->Describe();
      if (!tensors.empty()) ranges = CalibrateModel(prepared, tensors, *recorder, options.calibration, options.intra_op_threads);
    }
  }
  report.activations = impl->DescribeActivations(options, report.calibration);
  if (options.equalize != CrossLayerEqualization::kOff && recorder && !recorder->batches.empty()) {
    double sqnr = 0;
    report.hygiene.back() += " (" + CompareFp32(unequalized, prepared, recorder->batches, options.intra_op_threads, &sqnr) + ")";
    // Exact pairs change only rounding (> 100 dB); ReLU6 → Relu changes the function where
    // activations exceed 6. Below 30 dB the fp32 model itself is no longer the one given.
    if (sqnr < kEqualizeMinFp32SqnrDb)
      report.warnings.push_back({"equalize_changed_model",
                                 fmt::format("cross-layer equalization changed the fp32 model itself: its output 0 has "
                                             "SQNR {:.1f} dB against the model given (< {:.0f} dB){}; drop --equalize",
                                             sqnr, kEqualizeMinFp32SqnrDb,
                                             options.equalize == CrossLayerEqualization::kRelu6AsRelu
                                                 ? " (relu6 replaces ReLU6 by Relu, wrong where activations exceed 6)"
                                                 : "")});
  }
  result.model = impl->Quantize(prepared, resolved, ranges, &report);
  if (options.bias_correction) {
    std::vector<HostTensor> feeds;
    while (recorder->Next(&feeds)) {  // the samples calibration did not read (none when nothing was calibrated)
    }
    BiasCorrectionOptions bo;
    bo.intra_op_threads = options.intra_op_threads;
    BiasCorrectionReport br;
    CorrectBias(prepared, &result.model, recorder->batches, bo, &br);
    report.notes.push_back(br.Describe());
  }
  if (IsIntegerPrecision(scheme.weight_precision) && quant_internal::UsesU8S8Kernels(result.model, options.activation_type) &&
      OrtU8S8KernelsSaturate())
    report.warnings.push_back(
        {"u8s8_saturation", "this CPU's ONNX Runtime u8 x s8 integer kernels saturate (x86 AVX2 without VNNI adds pairs of "
                            "products in int16): layers with int8 weights can lose 20-30 dB of SQNR here "
                            "(docs/quantized_graphs.md); --weight-range auto (the default), u8 or reduced avoids it"});
  quant_internal::RemoveUnusedInitializers(result.model.proto.mutable_graph());
  if (IsIntegerPrecision(scheme.weight_precision))
    report.weights = WeightsAsWritten(report.weights, ReadInt8Storage(result.model.proto.graph()));
  CheckOrtCanLoad(result.model, "the quantized model");  // never hand back a file ORT cannot load
  result.model.path = model.path;
  report.size_after_bytes = result.model.proto.ByteSizeLong();
  SummarizeCoverage(&report);
  if (warnings)
    for (const auto& w : report.warnings) warnings->Add(w.code, w.message);
  return result;
}

}  // namespace

const char* HardSigmoidPolicyName(HardSigmoidPolicy policy) {
  switch (policy) {
    case HardSigmoidPolicy::kDecompose: return "decompose";
    case HardSigmoidPolicy::kQdqAround: return "qdq";
    case HardSigmoidPolicy::kFloat: return "float";
  }
  return "unknown";
}

HardSigmoidPolicy ParseHardSigmoidPolicy(const std::string& name) {
  for (auto p : {HardSigmoidPolicy::kDecompose, HardSigmoidPolicy::kQdqAround, HardSigmoidPolicy::kFloat})
    if (name == HardSigmoidPolicyName(p)) return p;
  throw Error(ErrorCode::kInvalidArgument, "unknown HardSigmoid policy '" + name + "'; expected one of: decompose, qdq, float");
}

const char* PrecisionName(Precision p) {
  switch (p) {
    case Precision::kFloat32: return "fp32";
    case Precision::kFloat16: return "fp16";
    case Precision::kInt8: return "int8";
  }
  return "?";
}

int PrecisionBytes(Precision p) {
  switch (p) {
    case Precision::kFloat32: return 4;
    case Precision::kFloat16: return 2;
    case Precision::kInt8: return 1;
  }
  return 4;
}

bool IsIntegerPrecision(Precision p) { return p == Precision::kInt8; }

const char* GranularityName(Granularity g) {
  switch (g) {
    case Granularity::kNone: return "";
    case Granularity::kPerTensor: return "per-tensor";
    case Granularity::kPerChannel: return "per-channel";
  }
  return "";
}

std::string QuantizationSchemeNames() {
  std::vector<std::string> names;
  for (const auto& s : QuantizationSchemes()) names.push_back(s.name);
  return Join(names, ", ");
}

const SchemeInfo& FindQuantizationScheme(const std::string& name) {
  std::vector<std::string> names;
  for (const auto& s : QuantizationSchemes()) {
    if (name == s.name) return s;
    names.push_back(s.name);
  }
  throw Error(ErrorCode::kInvalidArgument, UnknownChoice("quantization mode", name, names));
}

DType ParseActivationType(const std::string& text) {
  if (text == "u8" || text == "uint8") return DType::kUint8;
  if (text == "s8" || text == "int8") return DType::kInt8;
  throw Error(ErrorCode::kInvalidArgument, "unknown activation type '" + text + "'; expected one of: u8, s8");
}

void CheckQuantizable(const Model& model, const SchemeInfo& scheme) {
  const std::string name = ModelName(model);
  const QuantizedContent quantized = DetectQuantizedContent(model);
  if (!quantized.empty())
    throw Error(ErrorCode::kInvalidInput, "model " + name + " is already quantized (" + quantized.Describe() +
                                              "); quantizing it again would add a second rounding error to the "
                                              "first: quantize the fp32 original instead, or bench/eval this file as it is");
  // Converting a float16 file to float16 again changes nothing but the Casts (G15).
  if (const Float16Content half = DetectFloat16(model); scheme.weight_precision == Precision::kFloat16 && half.mostly_float16())
    throw Error(ErrorCode::kInvalidInput,
                "model " + name + " is already float16 (" + std::to_string(half.constants) + " of " +
                    std::to_string(half.constants + half.float32_constants) +
                    " float constants are float16): --mode " + scheme.name +
                    " has nothing to convert; convert the fp32 original instead, or bench/eval this file as it is");
  const std::int64_t opset = model.OpsetVersion();
  if (opset > scheme.max_opset)
    throw Error(ErrorCode::kUnsupported, "model " + name + " uses ai.onnx opset " + std::to_string(opset) + "; --mode " +
                                             scheme.name + " supports opsets up to " + std::to_string(scheme.max_opset) +
                                             " (older opsets are upgraded to " + std::to_string(scheme.min_opset) +
                                             " automatically; export this one at opset " +
                                             std::to_string(scheme.max_opset) + " or lower)");
}

Model UpgradeForQuantization(const Model& model, const SchemeInfo& scheme, std::string* note) {
  CheckQuantizable(model, scheme);
  Model upgraded = UpgradeOpset(model, scheme.min_opset, note);
  CheckOrtCanLoad(upgraded, "model " + ModelName(model));
  return upgraded;
}

QuantizeResult QuantizeModel(const Model& model, const QuantizeOptions& options, CalibrationDataReader* reader,
                             WarningList* warnings) {
  return Run(model, options, reader, nullptr, warnings);
}

QuantizeResult QuantizeModelWithRanges(const Model& model, const QuantizeOptions& options, const CalibrationTable& ranges,
                                       WarningList* warnings) {
  return Run(model, options, nullptr, &ranges, warnings);
}

}  // namespace qbench
