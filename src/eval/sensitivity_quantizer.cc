// The quantizer behind the sensitivity ranking and the fallback search (see sensitivity_quantizer.h).
#include "qbench/eval/sensitivity_quantizer.h"

#include <map>

#include "qbench/core/error.h"
#include "qbench/model/inspect.h"

namespace qbench {

SensitivityQuantizer::SensitivityQuantizer(Model fp32, QuantizeOptions options, CalibrationDataSpec calibration,
                                           WarningList* warnings)
    : fp32_(std::move(fp32)), options_(std::move(options)), calibration_(std::move(calibration)), warnings_(warnings) {
  // Exclusions match node names: give unnamed nodes the "#<index>" name inspect and the quantize
  // report already show for them (the shared SqueezeNet 1.1 has no node names at all).
  auto* graph = fp32_.proto.mutable_graph();
  for (int i = 0; i < graph->node_size(); ++i) {
    if (graph->node(i).name().empty()) graph->mutable_node(i)->set_name("#" + std::to_string(i));
  }
  const SchemeInfo& scheme = FindQuantizationScheme(options_.scheme);
  CheckQuantizable(fp32_, scheme);
  needs_calibration_ = scheme.needs_calibration;
  std::vector<std::string> actions;
  prepared_ = PrepareModelForQuantization(fp32_, &actions, scheme.min_opset);
}

void SensitivityQuantizer::EnsureRanges(const QuantizeOptions& options) {
  if (!needs_calibration_) return;
  const SchemeInfo& scheme = FindQuantizationScheme(options.scheme);
  std::vector<std::string> missing;
  for (const auto& t : scheme.factory()->TensorsToCalibrate(prepared_, options)) {
    if (!ranges_.count(t)) missing.push_back(t);
  }
  if (missing.empty()) return;
  auto reader = MakeCalibrationDataReader(prepared_, calibration_, warnings_);
  calibration_description_ = reader->Describe();
  for (auto& kv : CalibrateModel(prepared_, missing, *reader, options.calibration, options.intra_op_threads)) {
    ranges_.insert(kv);
  }
}

Model SensitivityQuantizer::Quantize(const std::vector<std::string>& keep_float) {
  QuantizeOptions o = options_;
  o.exclude.insert(o.exclude.end(), keep_float.begin(), keep_float.end());
  EnsureRanges(o);
  return QuantizeModelWithRanges(fp32_, o, ranges_, nullptr).model;
}

QuantizeResult SensitivityQuantizer::QuantizeWithReport(const std::vector<std::string>& keep_float,
                                                       WarningList* warnings) {
  QuantizeOptions o = options_;
  o.exclude.insert(o.exclude.end(), keep_float.begin(), keep_float.end());
  EnsureRanges(o);
  QuantizeResult result = QuantizeModelWithRanges(fp32_, o, ranges_, warnings);
  result.model.path = fp32_.path;
  if (!calibration_description_.empty()) {
    // QuantizeModelWithRanges says "(ranges given)": name the data they were calibrated on instead.
    for (std::string* text : {&result.report.calibration, &result.report.activations}) {
      const auto at = text->find("(ranges given)");
      if (at != std::string::npos) text->replace(at, 14, "over " + calibration_description_);
    }
  }
  return result;
}

std::vector<LayerInfo> SensitivityQuantizer::QuantizableLayers(std::int64_t* total_macs,
                                                               std::vector<std::string>* other_quantized) {
  const ModelSummary summary = InspectModel(fp32_);
  std::map<std::string, std::int64_t> macs;
  for (const auto& n : summary.nodes) macs[n.name] = n.macs;
  if (total_macs) *total_macs = summary.macs;
  EnsureRanges(options_);
  const QuantizeResult full = QuantizeModelWithRanges(fp32_, options_, ranges_, warnings_);
  std::vector<LayerInfo> layers;
  for (const auto& d : full.report.nodes) {
    auto it = macs.find(d.name);
    if (!d.quantized || d.name.empty()) continue;
    if (it == macs.end() || it->second <= 0) {
      if (other_quantized) other_quantized->push_back(d.name);
      continue;
    }
    layers.push_back({d.name, d.op_type, it->second});
  }
  return layers;
}

QuantizeFn SensitivityQuantizer::Fn() {
  return [this](const std::vector<std::string>& keep_float) { return Quantize(keep_float); };
}

}  // namespace qbench
