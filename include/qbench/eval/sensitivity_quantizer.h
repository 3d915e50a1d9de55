// qbench/eval/sensitivity_quantizer.h — the quantizer behind the sensitivity ranking and the fallback
// search (qbench/eval/sensitivity.h, qbench/eval/fallback.h), used by `qbench sensitivity` and
// `qbench quantize --fallback-top K / --max-drop P`.
//
// Use:
//   auto q = std::make_shared<SensitivityQuantizer>(fp32, options, calibration_spec, &warnings);
//   std::int64_t total_macs = 0;
//   auto layers = q->QuantizableLayers(&total_macs, &so.also_float);
//   auto ranked = RankLayerSensitivity(fp32, layers, total_macs, q->Fn(), dataset, so);
//   auto plan = PlanFallback(fp32, ranked, total_macs, q->Fn(), dataset, {K, P}, so);
//   Model chosen = q->Quantize(plan.steps[plan.chosen].keep_float);
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "qbench/calibration/calibrator.h"
#include "qbench/core/log.h"
#include "qbench/eval/sensitivity.h"
#include "qbench/quantization/quantizer.h"

namespace qbench {

/// Quantizes `fp32` with `options` plus extra fp32 exclusions, calibrating lazily: the activations a
/// configuration needs are calibrated the first time they are needed (once each, over the same
/// `calibration` data), because keeping a layer fp32 changes which tensors the static plan
/// quantizes (e.g. a MaxPool output no longer shares its producer's scale). Ranges of one tensor do
/// not depend on which other tensors are collected with it, so the result equals a one-shot
/// calibration of that configuration.
class SensitivityQuantizer {
 public:
  /// `warnings` may be null; it must outlive this object. Unnamed nodes of `fp32` are named
  /// "#<index>" in this object's copy so that exclusions can name them.
  SensitivityQuantizer(Model fp32, QuantizeOptions options, CalibrationDataSpec calibration, WarningList* warnings);

  /// The quantized model with `keep_float` (exact node names) added to options.exclude.
  /// Throws what QuantizeModelWithRanges / MakeCalibrationDataReader / CalibrateModel throw.
  Model Quantize(const std::vector<std::string>& keep_float);

  /// The layers the full quantization quantizes that carry MACs (Conv, Gemm, MatMul, ...: the ones
  /// worth keeping fp32), in graph order, with their MACs at the model's own input shapes (dynamic
  /// dims = 1); `total_macs` (may be null) gets the whole model's MACs; `other_quantized` (may be
  /// null) the names of the other nodes it quantizes (for SensitivityOptions::also_float).
  /// Unnamed nodes of the file are named "#<index>" (graph order, as `qbench inspect` shows them).
  std::vector<LayerInfo> QuantizableLayers(std::int64_t* total_macs, std::vector<std::string>* other_quantized = nullptr);

  /// Like Quantize(), with the coverage report, for the model that gets written (`qbench quantize
  /// --fallback-top/--max-drop`): the same ranges as every evaluated candidate, so the written model
  /// is exactly the one whose fidelity was measured. The report's calibration text names the data
  /// the ranges came from. Quantizer warnings go to `warnings` (may be null).
  QuantizeResult QuantizeWithReport(const std::vector<std::string>& keep_float, WarningList* warnings);

  /// A QuantizeFn calling Quantize(); the object must outlive it.
  QuantizeFn Fn();

  /// Number of tensors calibrated so far.
  std::size_t calibrated_tensors() const { return ranges_.size(); }

 private:
  void EnsureRanges(const QuantizeOptions& options);
  Model fp32_, prepared_;
  QuantizeOptions options_;
  CalibrationDataSpec calibration_;
  WarningList* warnings_;
  bool needs_calibration_ = false;
  CalibrationTable ranges_;
  std::string calibration_description_;  ///< the reader's Describe() ("" before any calibration)
};

}  // namespace qbench
