// src/quantization/range_rules.h — tensors the static scheme keeps in fp32 because of their
// calibrated ranges: sentinel values (additive attention masks), Softmax inputs wider than int8
// can resolve, Concat/Add joins of very different ranges, tensors without calibration data.
// The rules and the derivation of each threshold: docs/quantization.md "Ranges that are not
// quantized as they come".
#pragma once

#include <map>
#include <string>
#include <vector>

#include "qbench/calibration/calibrator.h"
#include "qbench/model/model.h"
#include "quantization/static_plan.h"

namespace qbench::quant_internal {

/// |x| at or above this is a sentinel (an additive mask's -1e9 / -3.4e38 / float lowest, fp16's
/// -65504), not an activation: float16's largest finite value, which no activation of a network
/// that also runs in fp16 reaches.
constexpr double kSentinelMagnitude = 65504.0;
/// Softmax/LogSoftmax input: the largest quantization step (in logit units) allowed. Rounding moves
/// a logit by up to step/2 = 0.125, i.e. a probability by up to e^0.125 − 1 ≈ 13 %; over 255 steps
/// this allows a range 63.75 wide, far above real attention logits and far below any mask (-1e4).
constexpr double kSoftmaxMaxStep = 0.25;
/// Concat/Add: the fewest of the 255 steps of the output's one scale that the narrowest input must
/// keep (16 levels = 4 bits, ≈ 30 dB SQNR for a uniform signal); i.e. the output range may be at
/// most 255/16 ≈ 15.9× the narrowest input's range.
constexpr double kJoinMinLevels = 16.0;

/// Tensors to keep fp32, each with the reason the report gives.
struct RangeRuleResult {
  std::map<std::string, std::string> keep_float;  ///< tensor → why it is not quantized
  std::vector<std::string> notes;                  ///< one line per rule that fired (tensors listed)
  std::vector<Warning> warnings;                   ///< one per rule that fired: codes sentinel_range,
                                                   ///< softmax_input_range, join_ranges_differ, no_calibration_data
};

/// Applies the range rules to `model` (after DecomposeHardSigmoid) given `plan`, the plan built
/// without range rules (BuildStaticPlan with no keep set), and the calibrated `ranges`:
///  1. no data: a planned tensor whose range is `empty`;
///  2. sentinel: a planned tensor, or a constant input of a quantized Add/Mul/Concat, whose data
///     extent (DataExtent: independent of the calibration method) reaches kSentinelMagnitude;
///  3. Softmax input: the tensor a Softmax/LogSoftmax reads (through Reshape/Transpose/Flatten/
///     Squeeze/Unsqueeze) when its data extent, widened to include 0, exceeds 255·kSoftmaxMaxStep;
///  4. joins: the output of a quantized Concat (all inputs) or Add (activation inputs) when the
///     narrowest non-zero input range keeps fewer than kJoinMinLevels of the output's 255 steps.
/// BuildStaticPlan then refuses every node that reads or writes a kept tensor.
RangeRuleResult ApplyRangeRules(const Model& model, const StaticPlan& plan, const CalibrationTable& ranges);

}  // namespace qbench::quant_internal
