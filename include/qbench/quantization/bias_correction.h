// qbench/quantization/bias_correction.h — empirical (data-aware) bias correction of a quantized model.
//
// Source: M. Nagel, M. van Baalen, T. Blankevoort, M. Welling, "Data-Free Quantization Through Weight
// Equalization and Bias Correction", ICCV 2019, §4.2 (arXiv:1906.04721): quantization error is biased
// per channel, E[ỹ] − E[y] = ε·E[x] ≠ 0 (ε = W̃ − W), and the shift accumulates through the network;
// it is removed by subtracting it from the layer's bias. The paper derives E[x] from BatchNorm
// statistics (data-free); the empirical variant measures it on calibration samples (AIMET's
// `correct_bias` with empirical correction; Finkelstein et al., "Fighting Quantization Bias With
// Bias", 2019). qbench measures, per output channel c of every quantized Conv/Gemm, the layer's own
// shift on the calibration samples: E[y_twin][c] − E[y_quantized][c], where the twin is the same
// layer with the fp32 weight and bias reading the same (dequantized) input inside the quantized
// model — ε·x averaged exactly, zero padding included, with the inputs the int8 model really sees.
// Measuring the layer's shift against the fp32 model's output instead would count every upstream
// layer's shift again in each downstream layer (all layers corrected at once overshoot: on the
// Fashion-MNIST MobileNetV2 that made the shift 6x larger). Passes: each further pass re-measures
// the corrected model (downstream inputs then carry the upstream corrections) and adds what remains.
#pragma once

#include <string>
#include <vector>

#include "qbench/core/tensor.h"
#include "qbench/model/model.h"

namespace qbench {

struct BiasCorrectionOptions {
  int passes = 2;            ///< measure-and-correct passes, ≥ 1
  int intra_op_threads = 0;  ///< ORT threads (0 = ORT's default)
};

struct BiasCorrectionReport {
  int corrected_layers = 0;             ///< Conv/Gemm whose bias was shifted
  std::vector<std::string> skipped;     ///< "name: why" (no bias, bias not a constant, not in the reference)
  /// Per pass: mean over corrected channels of |E[y_fp32] − E[y_quantized]| before that pass's correction.
  std::vector<double> mean_abs_shift;
  std::string Describe() const;
};

/// Shifts the bias of every Conv/Gemm of `quantized` (a QDQ model from QuantizeModel, or any model
/// with the same node names) that also exists, by name and op type, in `reference` (the fp32 model
/// it was quantized from, after the same hygiene/equalization: the fp32 weights and biases are read
/// there), by the layer's own mean shift on `batches` (each one set of feeds for one run; ORT with
/// graph optimization off, each layer and its fp32 twin added as graph outputs). Channel axis: 1 (Conv: [N,
/// C, ...]; Gemm: [M, N]). Bias forms: an int32 initializer behind a DequantizeLinear (shifted by
/// round(shift / its scale), saturating at the int32 limits) or a float32 initializer; each read by
/// that node only. Layers without a bias are listed in `skipped` (no bias is added). Throws
/// Error(kInvalidArgument) for empty `batches` or passes < 1, Error(kRuntime) when ORT fails.
void CorrectBias(const Model& reference, Model* quantized, const std::vector<std::vector<HostTensor>>& batches,
                 const BiasCorrectionOptions& options, BiasCorrectionReport* report = nullptr);

}  // namespace qbench
