// float16 <-> float32 conversions (HalfToFloat, FloatToHalf) on hand-checked bit patterns.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "qbench/core/tensor.h"

namespace qbench {
namespace {

TEST(Half, KnownBitPatterns) {
  EXPECT_EQ(HalfToFloat(0x3c00), 1.0f);
  EXPECT_EQ(HalfToFloat(0xc000), -2.0f);
  EXPECT_EQ(HalfToFloat(0x7bff), 65504.0f);             // largest finite half
  EXPECT_EQ(HalfToFloat(0x0001), std::ldexp(1.0f, -24));  // smallest subnormal
  EXPECT_EQ(HalfToFloat(0x0400), std::ldexp(1.0f, -14));  // smallest normal
  EXPECT_TRUE(std::isinf(HalfToFloat(0xfc00)) && HalfToFloat(0xfc00) < 0);
  EXPECT_TRUE(std::isnan(HalfToFloat(0x7e00)));
  EXPECT_EQ(FloatToHalf(1.0f), 0x3c00);
  EXPECT_EQ(FloatToHalf(-2.0f), 0xc000);
  EXPECT_EQ(FloatToHalf(65504.0f), 0x7bff);
  EXPECT_EQ(FloatToHalf(65520.0f), 0x7c00);  // rounds up past the largest finite: +Inf
  EXPECT_EQ(FloatToHalf(std::ldexp(1.0f, -24)), 0x0001);
  EXPECT_EQ(FloatToHalf(std::ldexp(1.0f, -26)), 0x0000);  // below half the smallest subnormal
  EXPECT_EQ(FloatToHalf(1.0f + std::ldexp(1.0f, -11)), 0x3c00);  // tie → even (1.0)
  EXPECT_EQ(FloatToHalf(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3c02);  // tie → even (1 + 2^-9)
  EXPECT_EQ(FloatToHalf(std::numeric_limits<float>::infinity()), 0x7c00);
  EXPECT_EQ(FloatToHalf(std::numeric_limits<float>::quiet_NaN()) & 0x7e00, 0x7e00);
}

TEST(Half, EveryFiniteHalfRoundTripsAndToFloatVectorReadsFloat16) {
  for (std::uint32_t h = 0; h < 0x10000; ++h) {
    const auto bits = static_cast<std::uint16_t>(h);
    if ((bits & 0x7c00) == 0x7c00) continue;  // Inf / NaN
    ASSERT_EQ(FloatToHalf(HalfToFloat(bits)), bits) << h;
  }
  HostTensor t = HostTensor::Zeros(DType::kFloat16, {2});
  t.data<std::uint16_t>()[0] = 0x3800;  // 0.5
  t.data<std::uint16_t>()[1] = 0xbc00;  // -1
  EXPECT_EQ(t.ToFloatVector(), (std::vector<float>{0.5f, -1.0f}));
}

}  // namespace
}  // namespace qbench
