#include "qbench/quantization/quant_math.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "qbench/core/error.h"

namespace qbench {
namespace {

// Round half to even, as ONNX QuantizeLinear and numpy.round do (default FE_TONEAREST mode).
double RoundHalfEven(double v) { return std::nearbyint(v); }

// The layout of a tensor around one axis: outer × channels × inner elements.
struct AxisLayout {
  std::int64_t outer = 1, channels = 1, inner = 1;
};

AxisLayout LayoutFor(const std::vector<std::int64_t>& shape, int axis) {
  AxisLayout l;
  if (axis < 0) {
    l.inner = NumElements(shape);
    return l;
  }
  for (int d = 0; d < axis; ++d) l.outer *= shape[static_cast<size_t>(d)];
  l.channels = shape[static_cast<size_t>(axis)];
  for (size_t d = static_cast<size_t>(axis) + 1; d < shape.size(); ++d) l.inner *= shape[d];
  return l;
}

}  // namespace

QuantRange QuantRangeFor(DType dtype, bool symmetric, bool reduce_range) {
  if (dtype == DType::kUint8) return reduce_range ? QuantRange{0, 127} : QuantRange{0, 255};
  if (dtype == DType::kInt8) return reduce_range ? QuantRange{-64, 64} : symmetric ? QuantRange{-127, 127} : QuantRange{-128, 127};
  throw Error(ErrorCode::kInvalidArgument, "quantized type must be uint8 or int8, got " + DTypeName(dtype));
}

QuantParams ComputeQuantParams(float rmin, float rmax, DType dtype, bool symmetric, bool reduce_range) {
  if (!std::isfinite(rmin) || !std::isfinite(rmax))
    throw Error(ErrorCode::kInvalidArgument, "cannot quantize the range [" + std::to_string(rmin) + ", " +
                                                 std::to_string(rmax) + "]: it is not finite (NaN or Inf values)");
  const QuantRange range = QuantRangeFor(dtype, symmetric, reduce_range);
  double lo = std::min<double>(rmin, 0.0);
  double hi = std::max<double>(rmax, 0.0);
  if (symmetric) {
    const double absmax = std::max(std::fabs(lo), std::fabs(hi));
    lo = -absmax;
    hi = absmax;
  }
  QuantParams p;
  p.scale = static_cast<float>((hi - lo) / static_cast<double>(range.qmax - range.qmin));
  if (!(p.scale >= kMinScale)) {  // all-zero or subnormal range (quant_utils: scale < tiny → 1.0)
    p.scale = 1.0f;
    lo = 0.0;
  }
  if (symmetric && dtype == DType::kInt8) {
    p.zero_point = 0;
  } else {
    const double zp = RoundHalfEven(range.qmin - lo / static_cast<double>(p.scale));
    p.zero_point = static_cast<std::int32_t>(std::clamp<double>(zp, range.qmin, range.qmax));
  }
  return p;
}

std::int32_t QuantizeValue(float value, const QuantParams& params, const QuantRange& range) {
  const double q = RoundHalfEven(static_cast<double>(value) / static_cast<double>(params.scale)) + params.zero_point;
  return static_cast<std::int32_t>(std::clamp<double>(q, range.qmin, range.qmax));
}

WeightQuantParams ComputeWeightQuantParams(const HostTensor& w, int axis, DType dtype, bool symmetric,
                                           const std::string& name, bool reduce_range) {
  if (w.dtype != DType::kFloat32)
    throw Error(ErrorCode::kInvalidArgument, "weight '" + name + "' is " + DTypeName(w.dtype) + ", expected float32");
  if (axis >= static_cast<int>(w.shape.size()) || axis < -1)
    throw Error(ErrorCode::kInvalidArgument, "weight '" + name + "' of shape " + ShapeToString(w.shape) +
                                                 " has no axis " + std::to_string(axis));
  WeightQuantParams p;
  p.dtype = dtype;
  p.symmetric = symmetric;
  p.reduce_range = reduce_range;
  p.axis = axis;
  const AxisLayout l = LayoutFor(w.shape, axis);
  const float* v = w.data<float>();
  for (std::int64_t c = 0; c < l.channels; ++c) {
    float lo = 0.0f, hi = 0.0f;  // the range always includes 0
    for (std::int64_t o = 0; o < l.outer; ++o) {
      const float* row = v + (o * l.channels + c) * l.inner;
      for (std::int64_t i = 0; i < l.inner; ++i) {
        if (!std::isfinite(row[i]))
          throw Error(ErrorCode::kInvalidInput, "weight '" + name + "' holds a non-finite value (NaN or Inf); "
                                                "fix the model before quantizing it");
        lo = std::min(lo, row[i]);
        hi = std::max(hi, row[i]);
      }
    }
    const QuantParams q = ComputeQuantParams(lo, hi, dtype, symmetric, reduce_range);
    const double span = symmetric ? 2.0 * std::max(std::fabs(double(lo)), std::fabs(double(hi))) : double(hi) - lo;
    const QuantRange r = QuantRangeFor(dtype, symmetric, reduce_range);
    p.scales.push_back(q.scale);
    p.zero_points.push_back(q.zero_point);
    p.degenerate.push_back(span / (r.qmax - r.qmin) < kMinScale);
  }
  return p;
}

HostTensor QuantizeWeight(const HostTensor& w, const WeightQuantParams& params) {
  const AxisLayout l = LayoutFor(w.shape, params.axis);
  if (static_cast<std::int64_t>(params.scales.size()) != l.channels || params.zero_points.size() != params.scales.size())
    throw Error(ErrorCode::kInvalidArgument, "weight quantization: " + std::to_string(params.scales.size()) +
                                                 " scales for " + std::to_string(l.channels) + " channels");
  const QuantRange range = QuantRangeFor(params.dtype, params.symmetric, params.reduce_range);
  HostTensor q = HostTensor::Zeros(params.dtype, w.shape);
  const float* v = w.data<float>();
  for (std::int64_t c = 0; c < l.channels; ++c) {
    const QuantParams qp{params.scales[static_cast<size_t>(c)], params.zero_points[static_cast<size_t>(c)]};
    for (std::int64_t o = 0; o < l.outer; ++o) {
      const std::int64_t base = (o * l.channels + c) * l.inner;
      for (std::int64_t i = 0; i < l.inner; ++i) {
        const std::int32_t x = QuantizeValue(v[base + i], qp, range);
        if (params.dtype == DType::kInt8)
          q.data<std::int8_t>()[base + i] = static_cast<std::int8_t>(x);
        else
          q.data<std::uint8_t>()[base + i] = static_cast<std::uint8_t>(x);
      }
    }
  }
  return q;
}

void ShiftWeightToUint8(HostTensor* q, WeightQuantParams* params) {
  if (q->dtype != DType::kInt8 || params->dtype != DType::kInt8)
    throw Error(ErrorCode::kInvalidArgument, "ShiftWeightToUint8 needs an int8 weight, got " + DTypeName(q->dtype));
  HostTensor u = HostTensor::Zeros(DType::kUint8, q->shape);
  for (std::int64_t i = 0; i < q->num_elements(); ++i)
    u.data<std::uint8_t>()[i] = static_cast<std::uint8_t>(q->data<std::int8_t>()[i] + 128);
  for (auto& zp : params->zero_points) {
    if (zp < -128 || zp > 127)
      throw Error(ErrorCode::kInvalidArgument, "ShiftWeightToUint8: zero point " + std::to_string(zp) + " is not int8");
    zp += 128;
  }
  params->dtype = DType::kUint8;
  *q = std::move(u);
}

HostTensor DequantizeTensor(const HostTensor& q, const std::vector<float>& scales,
                            const std::vector<std::int32_t>& zero_points, int axis) {
  const AxisLayout l = LayoutFor(q.shape, axis);
  if (static_cast<std::int64_t>(scales.size()) != l.channels || zero_points.size() != scales.size())
    throw Error(ErrorCode::kInvalidArgument, "dequantize: " + std::to_string(scales.size()) + " scales for " +
                                                 std::to_string(l.channels) + " channels");
  HostTensor out = HostTensor::Zeros(DType::kFloat32, q.shape);
  for (std::int64_t c = 0; c < l.channels; ++c) {
    for (std::int64_t o = 0; o < l.outer; ++o) {
      const std::int64_t base = (o * l.channels + c) * l.inner;
      for (std::int64_t i = 0; i < l.inner; ++i) {
        std::int64_t x = 0;
        switch (q.dtype) {
          case DType::kInt8: x = q.data<std::int8_t>()[base + i]; break;
          case DType::kUint8: x = q.data<std::uint8_t>()[base + i]; break;
          case DType::kInt32: x = q.data<std::int32_t>()[base + i]; break;
          default:
            throw Error(ErrorCode::kInvalidArgument, "dequantize: unsupported dtype " + DTypeName(q.dtype));
        }
        out.data<float>()[base + i] =
            static_cast<float>(static_cast<double>(x - zero_points[static_cast<size_t>(c)]) * scales[static_cast<size_t>(c)]);
      }
    }
  }
  return out;
}

int AdjustWeightScalesForInt32Bias(const std::vector<float>& bias, float input_scale, WeightQuantParams* weight) {
  if (!(input_scale > 0.0f) || !std::isfinite(input_scale))
    throw Error(ErrorCode::kInvalidArgument, "bias quantization needs an input scale > 0, got " + std::to_string(input_scale));
  const bool per_channel = weight->scales.size() > 1 || weight->axis >= 0;
  if (per_channel && bias.size() != weight->scales.size())
    throw Error(ErrorCode::kInvalidArgument, "bias has " + std::to_string(bias.size()) + " values but the weight has " +
                                                 std::to_string(weight->scales.size()) + " channel scales");
  double bias_absmax_all = 0.0;
  for (float b : bias) bias_absmax_all = std::max(bias_absmax_all, std::fabs(double(b)));
  int changed = 0;
  for (size_t i = 0; i < weight->scales.size(); ++i) {
    const double b = per_channel ? std::fabs(double(bias[i])) : bias_absmax_all;
    const double x = input_scale;
    const double s = weight->scales[i];
    double s_new = s;
    const double bias_exact_scale = b / (x * kMaxBiasMagnitudeQ) * 1.0001;  // ORT's multiplicative epsilon
    const bool degenerate = i < weight->degenerate.size() && weight->degenerate[i];
    if (degenerate) {
      if (b > 0.0) s_new = bias_exact_scale;
    } else if (b / (x * s) > kMaxBiasMagnitudeQ) {
      s_new = bias_exact_scale;
    }
    if (x * s_new < kMinScale) s_new = kMinScale / x * 1.0001;
    s_new = std::max<double>(s_new, kMinScale);
    const float s_new_f = static_cast<float>(s_new);
    if (!std::isfinite(s_new_f))
      throw Error(ErrorCode::kUnsupported, "bias of magnitude " + std::to_string(b) + " cannot be quantized to int32 "
                                               "with input scale " + std::to_string(input_scale));
    if (s_new_f != weight->scales[i]) {
      weight->scales[i] = s_new_f;
      ++changed;
    }
  }
  return changed;
}

QuantizedBias QuantizeBias(const std::vector<float>& bias, float input_scale, const std::vector<float>& weight_scales) {
  const bool per_channel = weight_scales.size() > 1;
  if (weight_scales.empty() || (per_channel && weight_scales.size() != bias.size()))
    throw Error(ErrorCode::kInvalidArgument, "bias has " + std::to_string(bias.size()) + " values but " +
                                                 std::to_string(weight_scales.size()) + " weight scales");
  QuantizedBias out;
  out.data = HostTensor::Zeros(DType::kInt32, {static_cast<std::int64_t>(bias.size())});
  for (float ws : weight_scales) out.scales.push_back(input_scale * ws);  // float32 product, as ORT
  constexpr double kLo = std::numeric_limits<std::int32_t>::min(), kHi = std::numeric_limits<std::int32_t>::max();
  for (size_t i = 0; i < bias.size(); ++i) {
    const double s = out.scales[per_channel ? i : 0];
    const double q = RoundHalfEven(static_cast<double>(bias[i]) / s);
    out.data.data<std::int32_t>()[i] = static_cast<std::int32_t>(std::clamp(q, kLo, kHi));
  }
  return out;
}

double SqnrDb(const std::vector<float>& reference, const std::vector<float>& test) {
  if (reference.size() != test.size())
    throw Error(ErrorCode::kInvalidArgument, "SQNR: reference has " + std::to_string(reference.size()) +
                                                 " values, test has " + std::to_string(test.size()));
  double signal = 0.0, noise = 0.0;
  for (size_t i = 0; i < reference.size(); ++i) {
    signal += double(reference[i]) * reference[i];
    const double d = double(test[i]) - reference[i];
    noise += d * d;
  }
  if (noise == 0.0) return std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(signal / noise);
}

}  // namespace qbench
