// Statistics on hand-computed samples (as google/benchmark's test/statistics_gtest.cc).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "qbench/benchmark/statistics.h"
#include "qbench/core/error.h"

namespace qbench {
namespace {

// 1..10 shuffled: mean 5.5; Σ(x − 5.5)² = 82.5, so s² = 82.5/9 and s = 3.0276503540974917.
TEST(Statistics, OneToTenHandComputed) {
  const std::vector<double> x = {7, 3, 10, 1, 5, 9, 2, 8, 4, 6};
  const Statistics s = ComputeStatistics(x);
  EXPECT_EQ(s.n, 10u);
  EXPECT_DOUBLE_EQ(s.mean_ms, 5.5);
  EXPECT_NEAR(s.stddev_ms, 3.0276503540974917, 1e-12);
  EXPECT_DOUBLE_EQ(s.median_ms, 5.5);
  EXPECT_DOUBLE_EQ(s.min_ms, 1);
  EXPECT_DOUBLE_EQ(s.max_ms, 10);
  EXPECT_NEAR(s.p90_ms, 9.1, 1e-12);   // h = 9·0.90 = 8.1 → x[8] + 0.1·(x[9] − x[8]) = 9 + 0.1
  EXPECT_NEAR(s.p99_ms, 9.91, 1e-12);  // h = 8.91 → 9 + 0.91
  EXPECT_NEAR(s.cv, 3.0276503540974917 / 5.5, 1e-12);
  // n = 10: P(B ≤ 1) = 11/1024 ≤ 0.025 < P(B ≤ 2) = 56/1024 → j = 2: [x(2), x(9)] = [2, 9].
  EXPECT_DOUBLE_EQ(s.median_ci_low_ms, 2);
  EXPECT_DOUBLE_EQ(s.median_ci_high_ms, 9);
  EXPECT_DOUBLE_EQ(s.median_ci_level, 1 - 2 * 11.0 / 1024);
  EXPECT_EQ(s.outliers, 0u);
}

// Large offset, small spread: the one-pass Σx² − n·mean² formula loses every digit here
// (Σx² ≈ 4e18, double resolution ≈ 512), the two-pass one gives s² = 90/3 = 30 exactly.
TEST(Statistics, VarianceIsStableUnderLargeOffset) {
  const double o = 1e9;
  const Statistics s = ComputeStatistics({o + 4, o + 7, o + 13, o + 16});
  EXPECT_DOUBLE_EQ(s.mean_ms, o + 10);
  EXPECT_NEAR(s.stddev_ms, std::sqrt(30.0), 1e-9);
}

TEST(Statistics, EmptyAndSingleSample) {
  const Statistics e = ComputeStatistics({});
  EXPECT_EQ(e.n, 0u);
  EXPECT_TRUE(std::isnan(e.mean_ms));
  EXPECT_TRUE(std::isnan(e.median_ms));
  EXPECT_TRUE(std::isnan(e.stddev_ms));
  EXPECT_EQ(e.outliers, 0u);

  const Statistics one = ComputeStatistics({4.25});
  EXPECT_EQ(one.n, 1u);
  EXPECT_DOUBLE_EQ(one.mean_ms, 4.25);
  EXPECT_DOUBLE_EQ(one.median_ms, 4.25);
  EXPECT_DOUBLE_EQ(one.p99_ms, 4.25);
  EXPECT_TRUE(std::isnan(one.stddev_ms));  // no spread to estimate from one sample
  EXPECT_TRUE(std::isnan(one.cv));
  EXPECT_DOUBLE_EQ(one.median_ci_low_ms, 4.25);
  EXPECT_DOUBLE_EQ(one.median_ci_high_ms, 4.25);
  EXPECT_DOUBLE_EQ(one.median_ci_level, 0);  // 1 − 2·P(B ≤ 0) = 1 − 2·(1/2) = 0

  const Statistics two = ComputeStatistics({1, 3});
  EXPECT_DOUBLE_EQ(two.median_ms, 2);
  EXPECT_NEAR(two.stddev_ms, std::sqrt(2.0), 1e-12);  // (1 + 1)/(2 − 1)
}

TEST(Statistics, QuantileLinearInterpolation) {
  const std::vector<double> x = {10, 20, 30, 40};
  EXPECT_DOUBLE_EQ(Quantile(x, 0), 10);
  EXPECT_DOUBLE_EQ(Quantile(x, 1), 40);
  EXPECT_DOUBLE_EQ(Quantile(x, 0.5), 25);         // h = 1.5
  EXPECT_DOUBLE_EQ(Quantile(x, 0.25), 17.5);      // h = 0.75 (numpy.quantile gives 17.5)
  EXPECT_NEAR(Quantile(x, 0.9), 37, 1e-12);       // h = 2.7
  EXPECT_DOUBLE_EQ(Quantile({5}, 0.99), 5);
  EXPECT_TRUE(std::isnan(Quantile({}, 0.5)));
}

TEST(Statistics, MedianIntervalOrderStatistics) {
  // n = 5: even [x(1), x(5)] only covers 1 − 2/32 = 0.9375 < 0.95, which is reported, not hidden.
  auto ci5 = MedianConfidenceInterval({1, 2, 3, 4, 5});
  EXPECT_EQ(ci5.low_rank, 1u);
  EXPECT_EQ(ci5.high_rank, 5u);
  EXPECT_DOUBLE_EQ(ci5.level, 0.9375);
  // n = 6: P(B ≤ 0) = 1/64 ≤ 0.025 < P(B ≤ 1) = 7/64 → [x(1), x(6)], level 1 − 2/64.
  auto ci6 = MedianConfidenceInterval({1, 2, 3, 4, 5, 6});
  EXPECT_EQ(ci6.low_rank, 1u);
  EXPECT_DOUBLE_EQ(ci6.level, 1 - 2.0 / 64);
  // n = 20: Σ_{i≤5} C(20,i) = 21700, 21700/2^20 = 0.0207 ≤ 0.025 < P(B ≤ 6) = 0.0577 → [x(6), x(15)].
  std::vector<double> x20;
  for (int i = 1; i <= 20; ++i) x20.push_back(i * 1.5);
  auto ci20 = MedianConfidenceInterval(x20);
  EXPECT_EQ(ci20.low_rank, 6u);
  EXPECT_EQ(ci20.high_rank, 15u);
  EXPECT_DOUBLE_EQ(ci20.low, 9);
  EXPECT_DOUBLE_EQ(ci20.high, 22.5);
  EXPECT_NEAR(ci20.level, 1 - 2 * 21700.0 / 1048576, 1e-12);
}

// Cases from hyperfine's outlier_detection.rs, recomputed for M = 0.6745·(x − median)/MAD > 3.5.
TEST(Statistics, MadOutliers) {
  EXPECT_EQ(CountMadOutliers({}), 0u);
  EXPECT_EQ(CountMadOutliers({50}), 0u);
  EXPECT_EQ(CountMadOutliers({1000, 0}), 0u);
  EXPECT_EQ(CountMadOutliers({-0.2, 0.0, 0.2}), 0u);
  EXPECT_EQ(CountMadOutliers({-0.2, 0.0, 0.2, 4.0}), 1u);        // MAD 0.2, M(4.0) = 13.2
  EXPECT_EQ(CountMadOutliers({0.5, 0.30, 0.29, 0.31, 0.30}), 1u);  // MAD 0.01, M(0.5) = 13.5
  // MAD = 0 → MeanAD: [10×7, 100]: MeanAD 11.25, M(100) = 90/(1.253314·11.25) = 6.38.
  EXPECT_EQ(CountMadOutliers({10, 10, 10, 10, 10, 10, 10, 100}), 1u);
  // [10×7, 100, 100]: MeanAD 20, M(100) = 3.59.
  EXPECT_EQ(CountMadOutliers({10, 10, 10, 10, 10, 10, 10, 100, 100}), 2u);
  EXPECT_EQ(CountMadOutliers({3, 3, 3, 3}), 0u);
  // Threshold: median 12, MAD 1, so x is an outlier when 0.6745·(x − 12) > 3.5, i.e. x > 17.189.
  EXPECT_EQ(CountMadOutliers({10, 11, 12, 12, 13, 14, 17.3}), 1u);  // M = 3.575
  EXPECT_EQ(CountMadOutliers({10, 11, 12, 12, 13, 14, 17.1}), 0u);  // M = 3.440
}

TEST(Statistics, SpeedupPairedBootstrap) {
  // Candidate exactly twice as fast in every round, with drift across rounds: each resample of rounds
  // keeps the ratio of medians at 2, so the paired interval collapses to [2, 2].
  const std::vector<double> cand = {1.0, 1.2, 0.9, 1.5, 1.1, 1.3, 0.95, 1.4};
  std::vector<double> base;
  for (double c : cand) base.push_back(2 * c);
  const auto paired = EstimateSpeedup(base, cand, /*paired=*/true, 42, 500);
  EXPECT_DOUBLE_EQ(paired.speedup, 2);
  EXPECT_DOUBLE_EQ(paired.ci_low, 2);
  EXPECT_DOUBLE_EQ(paired.ci_high, 2);
  EXPECT_EQ(paired.resamples, 500);
  // Resampled independently the drift is noise: the interval widens around 2.
  const auto independent = EstimateSpeedup(base, cand, /*paired=*/false, 42, 500);
  EXPECT_DOUBLE_EQ(independent.speedup, 2);
  EXPECT_LT(independent.ci_low, 2);
  EXPECT_GT(independent.ci_high, 2);
  // Deterministic for a seed.
  const auto again = EstimateSpeedup(base, cand, false, 42, 500);
  EXPECT_DOUBLE_EQ(again.ci_low, independent.ci_low);
  EXPECT_DOUBLE_EQ(again.ci_high, independent.ci_high);
  EXPECT_THROW(EstimateSpeedup({1, 2}, {1}, true, 0), Error);
  EXPECT_TRUE(std::isnan(EstimateSpeedup({}, {1}, false, 0).speedup));
}

}  // namespace
}  // namespace qbench
