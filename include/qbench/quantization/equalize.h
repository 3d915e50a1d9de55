// qbench/quantization/equalize.h — cross-layer equalization (CLE) of an fp32 model before quantizing.
//
// Source: M. Nagel, M. van Baalen, T. Blankevoort, M. Welling, "Data-Free Quantization Through Weight
// Equalization and Bias Correction", ICCV 2019, §4.1 (arXiv:1906.04721); the same rule as AIMET's
// cross_layer_equalization (quic/aimet: scale factor s = sqrt(r1·r2) / r2 per channel).
//
// For two convolutions joined by a positively homogeneous function f (f(s·x) = s·f(x) for s > 0:
// nothing, Relu, LeakyRelu, Clip(0, +inf)), y = W2·f(W1·x + b1) + b2 is unchanged when output
// channel i of W1 (and b1[i]) is divided by s_i > 0 and input channel i of W2 is multiplied by s_i.
// With r1_i = max|W1[i, ...]| and r2_i = max|W2[:, i, ...]| (for a grouped/depthwise W2 the output
// channels of the group that reads channel i), s_i = sqrt(r1_i · r2_i) / r2_i makes both ranges
// sqrt(r1_i · r2_i): the per-channel weight ranges of each pair become equal, so a per-tensor int8
// scale fits every channel. Chains (conv → depthwise → conv share the middle layer) are equalized
// pair by pair in graph order, sweeping until every s_i is within `tolerance` of 1 (the paper's
// iteration). Channels with a zero range keep s = 1.
//
// ReLU6 (Clip(0, 6)) is not homogeneous: relu6(x / s)·s ≠ relu6(x). The paper replaces ReLU6 by ReLU
// before equalizing, which changes the function (activations above 6 are no longer clipped); qbench
// does that only when asked (relu6_as_relu), as a candidate whose fidelity is then measured.
#pragma once

#include <string>
#include <vector>

#include "qbench/model/model.h"

namespace qbench {

/// What `quantize --equalize` asks for: off; pairs joined by nothing/Relu/LeakyRelu/Clip(0,inf)
/// (exact); also pairs joined by ReLU6, replaced by Relu (the paper's choice, changes the function).
enum class CrossLayerEqualization { kOff, kRelu, kRelu6AsRelu };
/// "off", "relu", "relu6" ↔ the value. Parse throws Error(kInvalidArgument) listing the choices.
const char* CrossLayerEqualizationName(CrossLayerEqualization mode);
CrossLayerEqualization ParseCrossLayerEqualization(const std::string& name);

struct EqualizeOptions {
  /// Also equalize pairs joined by Clip(0, m) with a finite m (ReLU6), replacing that Clip by Relu
  /// (the paper's choice; changes the model's function). false: such pairs are left alone.
  bool relu6_as_relu = false;
  int max_sweeps = 50;        ///< passes over all pairs at most
  double tolerance = 1e-4;    ///< stop when every |s_i − 1| ≤ tolerance in a pass
};

/// One equalized pair: the first and second Conv and what joins them ("" / "Relu" / "LeakyRelu" /
/// "Clip(0,inf)" / "Clip(0,6)->Relu").
struct EqualizedPair {
  std::string first, second, activation;
};

struct EqualizeReport {
  std::vector<EqualizedPair> pairs;
  int sweeps = 0;                 ///< passes run
  int clips_replaced = 0;         ///< Clip(0, m) nodes turned into Relu (relu6_as_relu)
  /// Largest max(r1_i, r2_i) / min(r1_i, r2_i) over the pairs' channels, before and after (1 = equal).
  double worst_ratio_before = 1.0, worst_ratio_after = 1.0;
  std::vector<std::string> hygiene;  ///< PrepareModelForQuantization's actions (BatchNorm folded, ...)
  /// "equalized N Conv pair(s) in K sweep(s) (...)", or why nothing was equalized.
  std::string Describe() const;
};

/// s_i = sqrt(r1_i · r2_i) / r2_i per channel (Nagel et al. 2019, "Data-Free Quantization"). r1, r2:
/// per-channel max |weight| of the first layer's outputs and the second layer's inputs, same
/// length. s_i = 1 where r1_i or r2_i is below kEqualizeDeadChannel × its layer's largest range (0
/// included): a near-dead channel's output is its bias, which 1/s_i would blow up by orders of
/// magnitude and with it the shared activation range of every other channel.
constexpr float kEqualizeDeadChannel = 1e-3f;

/// QuantizeModel warns (equalize_changed_model) when the equalized fp32 model's output 0 has an SQNR
/// below this (dB) against the model given: exact equalization changes only rounding (> 100 dB);
/// --equalize relu6 (ReLU6 → Relu) changes the function where activations exceed 6.
constexpr double kEqualizeMinFp32SqnrDb = 30.0;
std::vector<float> EqualizationScales(const std::vector<float>& r1, const std::vector<float>& r2);

/// The equalized copy of `model` (the input is never modified): PrepareModelForQuantization first
/// (BatchNormalization folded into its Conv, Constant nodes to initializers, unnamed nodes named
/// "#<index>"), then every eligible Conv → [f] → Conv pair rescaled as above. Eligible: both Convs in
/// the default domain with float32 initializer weights (and bias) read by that node only; the first
/// Conv's output and f's output each read by the next node only (not graph outputs); the second
/// Conv's input channels = the first's output channels. Gemm/MatMul pairs are not equalized.
/// `report` (optional) receives the pairs and ranges. Throws what PrepareModelForQuantization throws.
Model EqualizeCrossLayer(const Model& model, const EqualizeOptions& options, EqualizeReport* report = nullptr);

}  // namespace qbench
