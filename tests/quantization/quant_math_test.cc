// Scale/zero-point math on hand-computed values (ORT quant_utils.compute_scale_zp conventions).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "qbench/core/error.h"
#include "qbench/quantization/quant_math.h"

namespace qbench {
namespace {

HostTensor Floats(const std::vector<std::int64_t>& shape, const std::vector<float>& v) {
  HostTensor t = HostTensor::Zeros(DType::kFloat32, shape);
  std::memcpy(t.bytes.data(), v.data(), v.size() * sizeof(float));
  return t;
}

TEST(QuantMath, RangesPerType) {
  EXPECT_EQ(QuantRangeFor(DType::kUint8, false).qmin, 0);
  EXPECT_EQ(QuantRangeFor(DType::kUint8, false).qmax, 255);
  EXPECT_EQ(QuantRangeFor(DType::kInt8, true).qmin, -127);
  EXPECT_EQ(QuantRangeFor(DType::kInt8, false).qmin, -128);
  EXPECT_THROW(QuantRangeFor(DType::kInt32, false), Error);
}

TEST(QuantMath, AsymmetricUint8) {
  // [-1, 3]: scale = 4/255, zero_point = round(0 - (-1)/(4/255)) = round(63.75) = 64.
  QuantParams p = ComputeQuantParams(-1.0f, 3.0f, DType::kUint8, false);
  EXPECT_FLOAT_EQ(p.scale, 4.0f / 255.0f);
  EXPECT_EQ(p.zero_point, 64);
  // [0.5, 2] is widened to [0, 2]: zero_point 0, scale 2/255.
  p = ComputeQuantParams(0.5f, 2.0f, DType::kUint8, false);
  EXPECT_FLOAT_EQ(p.scale, 2.0f / 255.0f);
  EXPECT_EQ(p.zero_point, 0);
  // [-2, -0.5] is widened to [-2, 0]: zero_point 255.
  p = ComputeQuantParams(-2.0f, -0.5f, DType::kUint8, false);
  EXPECT_FLOAT_EQ(p.scale, 2.0f / 255.0f);
  EXPECT_EQ(p.zero_point, 255);
  // 0.0 is exactly representable: q(0) = zero_point.
  p = ComputeQuantParams(-1.0f, 3.0f, DType::kUint8, false);
  EXPECT_EQ(QuantizeValue(0.0f, p, QuantRangeFor(DType::kUint8, false)), 64);
}

TEST(QuantMath, Int8SymmetricAndAsymmetric) {
  // Symmetric: absmax 1.27 → scale 2·1.27/254 = 0.01, zero_point 0.
  QuantParams p = ComputeQuantParams(-0.5f, 1.27f, DType::kInt8, true);
  EXPECT_FLOAT_EQ(p.scale, 0.01f);
  EXPECT_EQ(p.zero_point, 0);
  // Asymmetric int8 [-1, 3]: zero_point = round(-128 + 63.75) = -64.
  p = ComputeQuantParams(-1.0f, 3.0f, DType::kInt8, false);
  EXPECT_FLOAT_EQ(p.scale, 4.0f / 255.0f);
  EXPECT_EQ(p.zero_point, -64);
}

TEST(QuantMath, DegenerateRangesGetScaleOne) {
  QuantParams p = ComputeQuantParams(0.0f, 0.0f, DType::kUint8, false);
  EXPECT_EQ(p.scale, 1.0f);
  EXPECT_EQ(p.zero_point, 0);
  p = ComputeQuantParams(-1e-40f, 1e-40f, DType::kInt8, true);  // subnormal: scale would be 7.9e-43
  EXPECT_EQ(p.scale, 1.0f);
  EXPECT_EQ(QuantizeValue(1e-40f, p, QuantRangeFor(DType::kInt8, true)), 0);
  EXPECT_THROW(ComputeQuantParams(0.0f, std::numeric_limits<float>::quiet_NaN(), DType::kUint8, false), Error);
  EXPECT_THROW(ComputeQuantParams(-std::numeric_limits<float>::infinity(), 1.0f, DType::kUint8, false), Error);
}

TEST(QuantMath, QuantizeRoundsHalfToEvenAndSaturates) {
  const QuantParams unit{1.0f, 0};
  const QuantRange u8 = QuantRangeFor(DType::kUint8, false), s8 = QuantRangeFor(DType::kInt8, true);
  EXPECT_EQ(QuantizeValue(2.5f, unit, u8), 2);
  EXPECT_EQ(QuantizeValue(3.5f, unit, u8), 4);
  EXPECT_EQ(QuantizeValue(-2.5f, unit, s8), -2);
  EXPECT_EQ(QuantizeValue(300.0f, unit, u8), 255);
  EXPECT_EQ(QuantizeValue(-3.0f, unit, u8), 0);
  EXPECT_EQ(QuantizeValue(-300.0f, unit, s8), -127);
  EXPECT_EQ(QuantizeValue(10.0f, QuantParams{0.5f, 3}, u8), 23);  // 10/0.5 + 3
}

TEST(QuantMath, PerChannelAxis0) {
  // Conv-like W [2, 1, 1, 2]: channel 0 absmax 1.27 → 0.01; channel 1 absmax 0.254 → 0.002.
  const HostTensor w = Floats({2, 1, 1, 2}, {0.5f, -1.27f, 0.254f, 0.1f});
  const WeightQuantParams p = ComputeWeightQuantParams(w, 0, DType::kInt8, true);
  ASSERT_EQ(p.scales.size(), 2u);
  EXPECT_FLOAT_EQ(p.scales[0], 0.01f);
  EXPECT_FLOAT_EQ(p.scales[1], 0.002f);
  const HostTensor q = QuantizeWeight(w, p);
  ASSERT_EQ(q.dtype, DType::kInt8);
  const std::int8_t* v = q.data<std::int8_t>();
  EXPECT_EQ(v[0], 50);
  EXPECT_EQ(v[1], -127);
  EXPECT_EQ(v[2], 127);
  EXPECT_EQ(v[3], 50);
  const HostTensor back = DequantizeTensor(q, p.scales, p.zero_points, 0);
  EXPECT_FLOAT_EQ(back.data<float>()[0], 0.5f);
  EXPECT_FLOAT_EQ(back.data<float>()[3], 0.1f);
}

TEST(QuantMath, PerChannelAxis1LikeConvTranspose) {
  // ConvTranspose-like W [C_in=2, C_out=3, 1, 1]: channels along axis 1 → absmax 4, 2, 3.
  const HostTensor w = Floats({2, 3, 1, 1}, {1.0f, 2.0f, 3.0f, -4.0f, 0.5f, 0.0f});
  const WeightQuantParams p = ComputeWeightQuantParams(w, 1, DType::kInt8, true);
  ASSERT_EQ(p.scales.size(), 3u);
  EXPECT_FLOAT_EQ(p.scales[0], 4.0f / 127.0f);
  EXPECT_FLOAT_EQ(p.scales[1], 2.0f / 127.0f);
  EXPECT_FLOAT_EQ(p.scales[2], 3.0f / 127.0f);
  const HostTensor q = QuantizeWeight(w, p);
  EXPECT_EQ(q.data<std::int8_t>()[3], -127);  // -4 in channel 0
  EXPECT_EQ(q.data<std::int8_t>()[1], 127);   // 2 in channel 1
  EXPECT_EQ(q.data<std::int8_t>()[2], 127);   // 3 in channel 2
  EXPECT_THROW(ComputeWeightQuantParams(w, 4, DType::kInt8, true), Error);
}

TEST(QuantMath, BiasScaleIsInputTimesWeightScale) {
  const QuantizedBias b = QuantizeBias({0.5f, -0.3f}, 0.1f, {0.01f, 0.02f});
  ASSERT_EQ(b.scales.size(), 2u);
  EXPECT_FLOAT_EQ(b.scales[0], 0.001f);
  EXPECT_FLOAT_EQ(b.scales[1], 0.002f);
  EXPECT_EQ(b.data.data<std::int32_t>()[0], 500);
  EXPECT_EQ(b.data.data<std::int32_t>()[1], -150);
  EXPECT_THROW(QuantizeBias({1.0f, 2.0f, 3.0f}, 0.1f, {0.1f, 0.2f}), Error);
}

TEST(QuantMath, NearZeroChannelWithLargeBiasGetsLargerWeightScale) {
  // c02: weight scale 1e-9 and input scale 0.05 make the bias scale 5e-11; a bias of 4.0 would need
  // 8e10 > int32 max and saturates to 2147483647·5e-11 = 0.107.
  WeightQuantParams w;
  w.axis = 0;
  w.scales = {0.01f, 1e-9f};
  w.zero_points = {0, 0};
  w.degenerate = {false, false};
  const std::vector<float> bias = {0.5f, 4.0f};
  const QuantizedBias naive = QuantizeBias(bias, 0.05f, w.scales);
  EXPECT_NEAR(naive.data.data<std::int32_t>()[1] * double(naive.scales[1]), 0.107, 0.001);
  EXPECT_EQ(AdjustWeightScalesForInt32Bias(bias, 0.05f, &w), 1);
  EXPECT_FLOAT_EQ(w.scales[0], 0.01f);  // untouched
  // New scale: |b| / (x_scale · 2^30) · 1.0001 = 4 / (0.05 · 2^30) · 1.0001 = 7.4513e-8.
  EXPECT_NEAR(w.scales[1], 4.0 / (0.05 * 1073741824.0) * 1.0001, 1e-13);
  const QuantizedBias fixed = QuantizeBias(bias, 0.05f, w.scales);
  const std::int32_t q = fixed.data.data<std::int32_t>()[1];
  EXPECT_LE(std::abs(q), 1 << 30);  // headroom for the int32 accumulator
  EXPECT_NEAR(q * double(fixed.scales[1]), 4.0, 1e-5);
}

TEST(QuantMath, ZeroAndSubnormalChannelsStayExactAndBiasIsPrecise) {
  // c15: channel 0 normal, channel 1 all zero, channel 2 subnormal (1e-40).
  const HostTensor w = Floats({3, 2}, {0.5f, -0.25f, 0.0f, 0.0f, 1e-40f, -1e-40f});
  WeightQuantParams p = ComputeWeightQuantParams(w, 0, DType::kInt8, true);
  EXPECT_FALSE(p.degenerate[0]);
  EXPECT_TRUE(p.degenerate[1]);
  EXPECT_TRUE(p.degenerate[2]);
  EXPECT_EQ(p.scales[1], 1.0f);
  EXPECT_EQ(p.scales[2], 1.0f);
  const std::vector<float> bias = {0.1f, 0.0f, -0.2f};
  AdjustWeightScalesForInt32Bias(bias, 0.02f, &p);
  EXPECT_EQ(p.scales[1], 1.0f);  // no bias: the free scale stays 1.0
  for (float s : p.scales) {
    EXPECT_TRUE(std::isfinite(s));
    EXPECT_GE(s, kMinScale);
  }
  const HostTensor q = QuantizeWeight(w, p);
  const HostTensor back = DequantizeTensor(q, p.scales, p.zero_points, 0);
  for (int i = 2; i < 6; ++i) EXPECT_EQ(back.data<float>()[i], 0.0f) << i;  // exactly 0
  const QuantizedBias b = QuantizeBias(bias, 0.02f, p.scales);
  EXPECT_NEAR(b.data.data<std::int32_t>()[2] * double(b.scales[2]), -0.2, 1e-6);
  for (float s : b.scales) EXPECT_GE(s, kMinScale);  // no subnormal bias scale
}

TEST(QuantMath, Sqnr) {
  EXPECT_NEAR(SqnrDb({1.0f, 2.0f}, {1.0f, 2.5f}), 10.0 * std::log10(5.0 / 0.25), 1e-9);  // 13.0103 dB
  EXPECT_TRUE(std::isinf(SqnrDb({1.0f}, {1.0f})));
  EXPECT_THROW(SqnrDb({1.0f}, {1.0f, 2.0f}), Error);
}

}  // namespace
}  // namespace qbench
