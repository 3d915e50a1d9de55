// Rank correlations over the models of a study (docs/statistics.md "Trends and correlations"): no
// interval over fewer than 6 models or at |ρ| = 1 (Fisher's z is infinite there), the exact permutation
// p-value instead, and no finding over fewer than 6 models.
#include <gtest/gtest.h>

#include <cmath>
#include <tuple>
#include <vector>

#include "qbench/report/analysis.h"

namespace qbench {
namespace {

TEST(Correlation, NoIntervalOverFewModelsButTheExactPermutationPValue) {
  // 4 models, ρ = 0.8 (Σd² = 2): |ρ| ≥ 0.8 ⇔ Σd² ≤ 2 or ≥ 18, by hand 1 + 3 + 3 + 1 = 8 of the 4! = 24 orders.
  RankCorrelation r = SpearmanWithInterval({1, 2, 3, 4}, {2, 1, 3, 4});
  EXPECT_NEAR(r.rho, 0.8, 1e-12);
  EXPECT_TRUE(std::isnan(r.lo) && std::isnan(r.hi));
  EXPECT_EQ(r.extreme, 8u);
  EXPECT_EQ(r.orders, 24u);
  EXPECT_NEAR(r.p_exact, 1.0 / 3, 1e-12);
  // R6 (s22 default study): MACs vs latency of 4 models in the same order, ρ = 1. It printed "95 % CI [1.00, 1.00]";
  // only the order itself and its reverse reach |ρ| = 1: p = 2/24.
  r = SpearmanWithInterval({56.5e6, 300.8e6, 349.2e6, 1814.1e6}, {1.41, 4.19, 4.5, 17.2});
  EXPECT_DOUBLE_EQ(r.rho, 1.0);
  EXPECT_TRUE(std::isnan(r.lo));
  EXPECT_EQ(r.extreme, 2u);
  EXPECT_NEAR(r.p_exact, 2.0 / 24, 1e-12);
  EXPECT_EQ(FormatRankCorrelation(r),
            "ρ = 1.00 (no interval: n = 4; exact permutation p = 0.083, two-sided: 2 of the 24 orders as extreme)");
  // 3 models: 2 of 6.
  EXPECT_NEAR(SpearmanWithInterval({1, 2, 3}, {1, 2, 3}).p_exact, 2.0 / 6, 1e-12);
  // 6 models, one adjacent swap: ρ = 1 − 6·2/(6·35) = 0.942857. Fisher: z = atanh(ρ) = ln(34)/2 = 1.763180,
  // se = √(1.06/3) = 0.594419 → [tanh(0.598140), tanh(2.928220)] = [0.53573, 0.99429]. Exact: Σd² ≤ 2 (1 + 5
  // adjacent swaps) and their reverses, 12 of 720.
  r = SpearmanWithInterval({1, 2, 3, 4, 5, 6}, {2, 1, 3, 4, 5, 6});
  EXPECT_NEAR(r.rho, 0.942857142857, 1e-9);
  EXPECT_NEAR(r.lo, 0.535726, 1e-5);
  EXPECT_NEAR(r.hi, 0.994293, 1e-5);
  EXPECT_EQ(r.extreme, 12u);
  EXPECT_EQ(r.orders, 720u);
  EXPECT_EQ(FormatRankCorrelation(r), "ρ = 0.94 (95 % CI [0.54, 0.99]; exact permutation p = 0.017, two-sided: 12 of the 720 orders as extreme)");
  // 6 models in perfect order: no interval at |ρ| = 1, p = 2/720.
  r = SpearmanWithInterval({1, 2, 3, 4, 5, 6}, {1, 2, 3, 4, 5, 6});
  EXPECT_TRUE(std::isnan(r.lo));
  EXPECT_EQ(FormatRankCorrelation(r), "ρ = 1.00 (no interval at |ρ| = 1; exact permutation p = 0.0028, two-sided: 2 of the 720 orders as extreme)");
  // Ties keep their average ranks: x ranks 1, 2, 3, 4; y ranks 1.5, 1.5, 3, 4.
  r = SpearmanWithInterval({1, 2, 3, 4}, {5, 5, 6, 7});
  EXPECT_NEAR(r.rho, 0.948683298, 1e-9);  // 4.5 / √(5 · 4.5)
  EXPECT_EQ(r.extreme, 4u);               // the orders that keep the tied pair at the two ends, either way
  // Above 9 models no enumeration.
  EXPECT_TRUE(std::isnan(SpearmanWithInterval({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, {1, 2, 3, 4, 5, 6, 7, 8, 10, 9}).p_exact));
}

// The s22 default study's four models (fp32 at batch 1: MACs, median latency, file size): MACs and latency in
// the same order, so the report said "ρ = 1.00 (95 % CI [1.00, 1.00])".
TEST(Correlation, FourModelsGetNoIntervalAndNoFinding) {
  LabStudy s;
  s.config.variants = {"fp32"};
  s.config.batch = {1};
  const std::vector<std::tuple<const char*, std::int64_t, double, std::int64_t>> models = {
      {"mobilenet_v2", 300'774'272, 6.77, 13'984'901}, {"mobilenet_v3_small", 56'510'400, 1.44, 10'179'116},
      {"resnet18", 1'814'073'344, 62.4, 46'748'076}, {"squeezenet1_1", 349'151'936, 30.7, 4'956'653}};
  for (const auto& [name, macs, ms, bytes] : models) {
    ModelRecord r;
    r.model = name, r.variant = "fp32", r.ok = true, r.file_size_bytes = bytes;
    s.models.push_back(r);
    PointResult p;
    p.point = SweepPoint{name, "fp32", 1, 224, 2};
    p.ok = true, p.macs = macs, p.latency.median_ms = ms;
    s.points.push_back(p);
  }
  std::string corr;
  for (const auto& o : GenerateObservations(s))
    if (o.rfind("**Latency vs model size**", 0) == 0) corr = o;
  // Sizes rank 3, 2, 4, 1 against latencies 2, 1, 4, 3: Σd² = 6, ρ = 1 − 6·6/60 = 0.4; |ρ| ≥ 0.4 ⇔ Σd² ≤ 6 or ≥ 14:
  // 18 of the 24 orders (counted by hand from Σd²'s distribution 1, 3, 1, 4, 2, 2, 2, 4, 1, 3, 1 over 0, 2, …, 20).
  EXPECT_EQ(corr,
            "**Latency vs model size** (fp32, 4 models): Spearman ρ = 0.40 (no interval: n = 4; exact permutation p = 0.75, "
            "two-sided: 18 of the 24 orders as extreme) between file size and median latency, ρ = 1.00 (no interval: n = 4; "
            "exact permutation p = 0.083, two-sided: 2 of the 24 orders as extreme) between MACs and latency; 4 models are "
            "too few to call this a finding (at least 6 are needed).");
}

}  // namespace
}  // namespace qbench
