// The fallback's latency line of `qbench quantize --fallback-top/--max-drop` (F39): a fallback model
// that is faster than the fully quantized one is said to be faster, never given a negative "cost".
#include <gtest/gtest.h>

#include "quantize_fallback.h"

namespace qbench::cli {
namespace {

TEST(FallbackCostLine, AFasterFallbackIsSaidFasterNotANegativeCost) {
  LatencyComparison lat;
  // Fully quantized 1.071 ms, fallback 0.951 ms: ratio 0.888, 11.2 % faster, 0.120 ms less.
  lat.cost_ms = 0.951 - 1.071;
  lat.cost_ratio = 0.951 / 1.071;
  lat.cost_ratio_ci_low = 0.85;
  lat.cost_ratio_ci_high = 0.95;
  EXPECT_EQ(FallbackCostLine(lat),
            "  the fallback is 11.2 % faster than fully quantized (0.120 ms less; cost 95 % CI -15.0 % to -5.0 %)\n");
  // Slower: the cost, signed as before.
  lat.cost_ms = 0.120;
  lat.cost_ratio = 1.112;
  lat.cost_ratio_ci_low = 1.05;
  lat.cost_ratio_ci_high = 1.20;
  EXPECT_EQ(FallbackCostLine(lat),
            "  latency cost of the fallback: +0.120 ms, +11.2 % vs fully quantized (95 % CI +5.0 % to +20.0 %)\n");
}

}  // namespace
}  // namespace qbench::cli
