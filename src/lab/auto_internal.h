// Internal rules of `quantize --auto` (src/lab/auto_*.cc), separate from the search so that tests
// can check them on hand-made numbers.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "qbench/lab/auto_quantize.h"
#include "qbench/lab/op_profile.h"
#include "qbench/quantization/equalize.h"

namespace qbench::auto_internal {

/// SQNR (dB) of output 0 a candidate must reach when the model has no class scores (no agreement):
/// a sound int8 model gives 30–45 dB, a CNN ≥ 25 dB (docs/verification.md).
constexpr double kMinSqnrWithoutClassesDb = 25.0;

/// Calibration and evaluation data, disjoint (docs/auto.md "Data").
struct AutoData {
  CalibrationDataSpec calibration;
  std::unique_ptr<Dataset> evaluation;
};
/// Throws Error(kInvalidArgument) for a .npy calibration set without --eval-data (it cannot be split).
AutoData OpenAutoData(const Model& fp32, const AutoQuantizeOptions& options, WarningList* warnings);

/// Sets drop_points and within_budget: drop = 100·(1 − agreement) ≤ max_drop_points; a model
/// without class scores (agreement NaN): drop 0, within budget when SQNR ≥ kMinSqnrWithoutClassesDb.
void JudgeFidelity(const AutoQuantizeOptions& options, AutoCandidate* c);

/// Within budget first, then higher agreement, then higher SQNR, then fewer fp32 nodes.
bool MoreFaithful(const AutoCandidate& a, const AutoCandidate& b);

/// The nodes of `report` (quantized) whose int8 time exceeds their fp32 time plus the Q/DQ a fp32
/// island adds around them: q8 per-element Q/DQ cost × (the node's input + output elements from
/// `ref`). Nodes missing from either profile are left alone. In graph order.
std::vector<std::string> SlowerInInt8(const QuantizeReport& report, const ReferenceGraph& ref, const NodeTimes& fp32,
                                      const NodeTimes& int8);

/// A cross-layer equalized copy of the prepared model (EqualizeCrossLayer) and what it did.
struct EqualizedModel {
  Model model;
  EqualizeReport report;
};
/// True for a Conv whose group attribute is > 1 (depthwise or grouped).
bool IsGroupedConv(const onnx::NodeProto& node);
/// The equalized variants worth a candidate: relu when it finds pairs; relu6 when it finds more
/// pairs than relu (on a model without ReLU6 pairs it is the same model).
std::map<CrossLayerEqualization, EqualizedModel> EqualizedVariants(const Model& prepared);
/// `base` with each variant ("+cle-relu", "+cle-relu6"), then `base` with bias correction ("+bias-corr").
std::vector<AutoCandidate> EqualizationCandidates(const AutoCandidate& base,
                                                  const std::map<CrossLayerEqualization, EqualizedModel>& variants);
/// The most faithful equalized candidate without bias correction, with it ("... +bias-corr"); none
/// when no candidate is equalized.
std::optional<AutoCandidate> BiasCorrectedBestEqualized(const std::vector<AutoCandidate>& candidates);

/// True when `c`'s weights are stored as u8 (ORT's u8u8 kernels); false for s8 weights (its u8s8
/// kernels, reduced or full range). The two families run different integer kernels.
bool U8Weights(const AutoCandidate& c);
/// The integer kernels a candidate's graph runs in ONNX Runtime, by activation type and weight
/// storage (U8Weights): "u8 activations, u8 weights" (u8u8 GEMMs), "u8 activations, s8 weights"
/// (u8s8), "s8 activations, s8 weights" (s8s8: measured 0.85x fp32 on the real MobileNetV2 where
/// u8s8 ran 1.37x). Their speeds differ by far more than the calibration method's fidelity does.
std::string KernelFamily(const AutoCandidate& c);
/// For each kernel family other than `base`'s, the most faithful candidate without islands; within
/// the budget when `within_budget`; without bias correction or equalization when `plain`. Indexes
/// in candidate order.
std::vector<int> MostFaithfulOfOtherKernels(const std::vector<AutoCandidate>& candidates, const AutoCandidate& base,
                                            bool within_budget, bool plain);

/// "conv-per-channel" (kDefault: Conv weights per channel, Gemm/MatMul per tensor) or "all-per-channel".
const char* GranularityLabel(WeightGranularity g);

/// The kernels a candidate runs: activation type, weight granularity, HardSigmoid policy, weight
/// family (U8Weights) and the sorted fp32 nodes. The calibration method, equalization and bias
/// correction change values, not kernels, so they are not part of it.
std::string GraphKey(const AutoCandidate& c);

/// The candidates to time (indexes): within the budget, one per graph key (the most faithful),
/// best fidelity first (MoreFaithful), at most `max_timed`.
std::vector<int> CandidatesToTime(const std::vector<AutoCandidate>& candidates, std::size_t max_timed);

/// The sensitivity step (docs/auto.md): the layers `full` (the candidate fully quantized) quantizes
/// that have MACs are ranked by the fidelity lost when each alone is quantized
/// (RankLayerSensitivity, qbench/eval/sensitivity.h) and kept fp32 one at a time until the drop is
/// within options.max_drop_points (PlanFallback). `quantize` makes the candidate with those nodes kept
/// fp32; `progress(done, total)` is called per ranked layer and returns true to stop (out of time).
/// Returns the nodes to keep fp32 (empty: none helps, or no layer to rank), nullopt when stopped.
std::optional<std::vector<std::string>> SensitivityIslands(
    const Model& fp32, const QuantizeReport& full, const Dataset& evaluation, const AutoQuantizeOptions& options,
    const std::function<Model(const std::vector<std::string>&)>& quantize,
    const std::function<bool(std::size_t, std::size_t)>& progress);

/// Sets r->chosen (the fastest timed candidate within the budget whose speedup CI lies above 1, or
/// -1), each candidate's status and r->decision.
void ChooseCandidate(AutoQuantizeResult* r);

}  // namespace qbench::auto_internal
