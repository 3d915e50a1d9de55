// qbench/quantization/quant_math.h — linear quantization parameters (scale, zero_point) and the
// quantization of weights (per-tensor, per-channel) and biases (int32).
//
// Quantization relation (ONNX QuantizeLinear / DequantizeLinear, opset 10+):
//   q = saturate(round_half_to_even(r / scale) + zero_point),   r' = (q - zero_point) · scale
// Parameters from a real range [rmin, rmax] as in ONNX Runtime's
// onnxruntime/python/tools/quantization/quant_utils.py (compute_scale_zp): the range is widened to
// include 0 so that 0.0 is exactly representable (zero padding stays exact); symmetric types use
// [-absmax, +absmax] and zero_point 0.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "qbench/core/tensor.h"

namespace qbench {

/// Integer range of a quantized type. uint8: [0, 255]; int8 asymmetric: [-128, 127]; int8
/// symmetric: [-127, 127] (the restricted range ORT uses so that -q never overflows).
struct QuantRange {
  std::int32_t qmin = 0;
  std::int32_t qmax = 255;
};

/// Returns the range for `dtype` (DType::kUint8 or DType::kInt8). `reduce_range` (ORT's option,
/// quant_utils.get_qmin_qmax_for_qType): int8 [-64, 64] (symmetric or not), uint8 [0, 127] — 7-bit
/// weights for x86 CPUs without VNNI (qbench/quantization/weight_range.h). Throws
/// Error(kInvalidArgument) for any other dtype.
QuantRange QuantRangeFor(DType dtype, bool symmetric, bool reduce_range = false);

/// One (scale, zero_point) pair: r = (q - zero_point) · scale. `scale` is a float32 > 0.
struct QuantParams {
  float scale = 1.0f;
  std::int32_t zero_point = 0;
};

/// Smallest scale qbench ever emits: the float32 smallest normal number (numpy finfo(float32).tiny,
/// the threshold ORT's compute_scale_zp uses). A range narrower than this quantizes with scale 1.0
/// and zero_point 0, so every value (0, subnormal) becomes q = zero_point and dequantizes to 0.
constexpr float kMinScale = 1.17549435e-38f;

/// Scale and zero point for real values in [rmin, rmax] (any order of magnitude, rmin <= rmax).
///   rmin' = min(rmin, 0), rmax' = max(rmax, 0); symmetric: rmax' = max(|rmin'|, |rmax'|), rmin' = -rmax'
///   scale = (rmax' - rmin') / (qmax - qmin)  (computed in double, stored as float32)
///   zero_point = round(qmin - rmin' / scale), clamped to [qmin, qmax]  (symmetric: 0 for int8,
///   128 for uint8)
///   scale < kMinScale (an all-zero or subnormal range) → scale 1.0, zero_point as above with r = 0.
/// Source: quant_utils.compute_scale_zp in ONNX Runtime. Non-finite bounds throw
/// Error(kInvalidArgument) naming the values (a NaN range means calibration saw NaN activations).
/// `reduce_range`: the range of QuantRangeFor(dtype, symmetric, true), e.g. int8 symmetric
/// scale = 2·absmax / 128 = absmax / 64.
QuantParams ComputeQuantParams(float rmin, float rmax, DType dtype, bool symmetric, bool reduce_range = false);

/// q = saturate(round_half_to_even(value / scale) + zero_point) in [range.qmin, range.qmax]
/// (ONNX QuantizeLinear). Returns the integer as int32.
std::int32_t QuantizeValue(float value, const QuantParams& params, const QuantRange& range);

/// Per-tensor or per-channel parameters of one weight tensor.
struct WeightQuantParams {
  DType dtype = DType::kInt8;     ///< kInt8 or kUint8
  bool symmetric = true;
  bool reduce_range = false;      ///< 7-bit range (QuantRangeFor): int8 [-64, 64]
  int axis = -1;                  ///< channel axis; -1 = per-tensor (one entry in the vectors)
  std::vector<float> scales;      ///< one per channel along `axis` (or one)
  std::vector<std::int32_t> zero_points;
  /// Per channel: true when the range was narrower than kMinScale (all zeros, or subnormal values
  /// such as 1e-40): the channel's values all quantize to zero_point whatever the scale, so the
  /// scale is free to be chosen for the bias (see AdjustWeightScalesForInt32Bias).
  std::vector<bool> degenerate;
};

/// Computes the parameters of a float32 weight: per-tensor (axis = -1) over all values, or one
/// pair per index along `axis` (e.g. Conv W [C_out, C_in/g, kH, kW] → axis 0; ConvTranspose W
/// [C_in, C_out/g, kH, kW] → axis 1; MatMul B [K, N] → axis 1; Gemm B with transB=1 [N, K] → axis 0).
/// Throws Error(kInvalidArgument) when `w` is not float32 or axis is out of range, and
/// Error(kInvalidInput) naming `name` when the weight holds NaN or Inf.
/// `reduce_range`: quantize to the 7-bit range of QuantRangeFor (stored in the result).
WeightQuantParams ComputeWeightQuantParams(const HostTensor& w, int axis, DType dtype, bool symmetric,
                                           const std::string& name = "weight", bool reduce_range = false);

/// Quantizes a float32 tensor with the given parameters (same shape; dtype params.dtype).
/// Throws Error(kInvalidArgument) when the number of channels does not match.
HostTensor QuantizeWeight(const HostTensor& w, const WeightQuantParams& params);

/// Stores an s8 weight as u8 with the same real values: q' = q + 128, zero_point' = zero_point + 128
/// (ORT's U8U8 format, whose x86 kernel does not saturate; qbench/quantization/weight_range.h).
/// `q` and `params` must be int8 with zero points in [-128, 127]; both are changed in place
/// (params->dtype becomes kUint8). Throws Error(kInvalidArgument) otherwise.
void ShiftWeightToUint8(HostTensor* q, WeightQuantParams* params);

/// Dequantizes an int8/uint8/int32 tensor with per-tensor or per-channel (axis) parameters into float32.
HostTensor DequantizeTensor(const HostTensor& q, const std::vector<float>& scales,
                            const std::vector<std::int32_t>& zero_points, int axis);

/// Headroom target for int32 biases: |bias_q| is kept <= 2^30, half of the int32 range, so that the
/// int32 accumulator (bias + sum of x_q·w_q) of an integer kernel cannot overflow.
constexpr double kMaxBiasMagnitudeQ = 1073741824.0;  // 2^30

/// Fixes int32 bias overflow/underflow before the bias is quantized with scale x_scale·w_scale[i]
/// (ONNX Runtime PR #21645/#22020, qdq_quantizer.py _adjust_weight_scale_for_int32_bias; TFLite's
/// FakeQuantSupport does the same). Per channel i (per-tensor: one channel, bias absmax):
///  - when |bias[i]| / (input_scale·w_scale[i]) > kMaxBiasMagnitudeQ (a near-zero channel with a
///    large folded BatchNorm bias: ORT issue #21000, case c02), w_scale[i] is enlarged to
///    |bias[i]| / (input_scale · kMaxBiasMagnitudeQ) so the bias fits;
///  - a degenerate channel (all weights 0 or subnormal, case c15) takes that same bias-exact scale
///    (its weights stay exactly 0), or keeps 1.0 when its bias is 0;
///  - finally every w_scale[i] is raised so that input_scale·w_scale[i] >= kMinScale (no subnormal
///    or zero bias scale).
/// Only scales grow, so weights never clip. Returns the number of channels changed. `bias` has one
/// value per channel (per-tensor: any length). Throws Error(kInvalidArgument) for a size mismatch
/// or input_scale <= 0.
int AdjustWeightScalesForInt32Bias(const std::vector<float>& bias, float input_scale, WeightQuantParams* weight);

/// An int32 bias: values round(bias / (input_scale·w_scale[i])) saturated to int32, scales
/// input_scale·w_scale[i] (float32 products, one per channel or one), zero point 0.
struct QuantizedBias {
  HostTensor data;  ///< int32, same shape as the float bias
  std::vector<float> scales;
};

/// Quantizes a bias with scale = input_scale × weight_scale (ONNX QLinearConv / QDQ convention).
/// `weight_scales` has one entry (per-tensor) or bias.size() entries (per-channel).
/// Throws Error(kInvalidArgument) for a size mismatch.
QuantizedBias QuantizeBias(const std::vector<float>& bias, float input_scale, const std::vector<float>& weight_scales);

/// Signal-to-quantization-noise ratio in dB: 10·log10(Σref² / Σ(test−ref)²), sums in double
/// (the definition in ../shared/cases/README.md). Returns +infinity when test == ref exactly.
/// Throws Error(kInvalidArgument) when the sizes differ.
double SqnrDb(const std::vector<float>& reference, const std::vector<float>& test);

}  // namespace qbench
