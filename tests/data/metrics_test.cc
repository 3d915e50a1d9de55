// Metrics on hand-made logits with hand-computed values.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "qbench/core/error.h"
#include "qbench/data/metrics.h"

namespace qbench {
namespace {

// Wilson 1927 with z = 1.959964: for 134/200, p = .67, z²/n = .019208,
// centre = (.67 + .009604)/1.019208 = .666797, half = 1.923022·sqrt(.67·.33/200 + 3.8415/160000)
// = 1.923022·sqrt(.0011055 + .00002401) = 1.923022 · .033609 = .064632 → [.602165, .731429].
TEST(WilsonInterval, HandComputedValues) {
  Interval ci = WilsonInterval(134, 200);
  EXPECT_NEAR(ci.lo, 0.60217, 2e-5);
  EXPECT_NEAR(ci.hi, 0.73143, 2e-5);
  // 0 of 10: centre = (z²/20)/(1 + z²/10) = .19207/1.38415 = .13876 = half → [0, .27753].
  Interval zero = WilsonInterval(0, 10);
  EXPECT_NEAR(zero.lo, 0.0, 1e-12);
  EXPECT_NEAR(zero.hi, 0.27753, 2e-5);
  // 10 of 10 mirrors it.
  Interval all = WilsonInterval(10, 10);
  EXPECT_NEAR(all.lo, 1.0 - 0.27753, 2e-5);
  EXPECT_NEAR(all.hi, 1.0, 1e-12);
  // n = 0: nothing known.
  Interval none = WilsonInterval(0, 0);
  EXPECT_EQ(none.lo, 0.0);
  EXPECT_EQ(none.hi, 1.0);
  EXPECT_THROW(WilsonInterval(3, 2), Error);
}

TEST(TopK, OrdersByScoreThenIndex) {
  const float s[] = {0.1f, 3.0f, -1.0f, 3.0f, 2.0f, std::nanf("")};
  EXPECT_EQ(TopK(s, 6, 3), (std::vector<int>{1, 3, 4}));
  EXPECT_EQ(TopK(s, 6, 10), (std::vector<int>{1, 3, 4, 0, 2, 5}));  // NaN last, k clamped
  EXPECT_EQ(ArgMax(s, 6), 1);
  EXPECT_EQ(ArgMax(s, 0), -1);
}

// logits [0, ln 3] → softmax [1/4, 3/4]; logits [0, 0] → [1/2, 1/2].
// KL(P‖Q) = 1/4·ln(1/2) + 3/4·ln(3/2) = −.173287 + .304099 = .130812 nats.
TEST(KlDivergence, HandComputed) {
  const float p[] = {0.0f, std::log(3.0f)};
  const float q[] = {0.0f, 0.0f};
  EXPECT_NEAR(KlDivergence(p, q, 2), 0.130812, 1e-6);
  // Shifting logits changes nothing; huge logits do not overflow (stable log-softmax).
  const float p_big[] = {1000.0f, 1000.0f + std::log(3.0f)};
  const float q_big[] = {-5000.0f, -5000.0f};
  EXPECT_NEAR(KlDivergence(p_big, q_big, 2), 0.130812, 1e-4);
  EXPECT_EQ(KlDivergence(p, p, 2), 0.0);
  const auto ls = LogSoftmax(p, 2);
  EXPECT_NEAR(ls[0], std::log(0.25), 1e-7);
  EXPECT_NEAR(ls[1], std::log(0.75), 1e-7);
}

// ref = [3, 4] (energy 25), x = [3, 5] (noise 1): SQNR = 10·log10(25) = 13.9794 dB;
// cosine = (9 + 20)/(5·sqrt(34)) = 29/29.1548 = .994692.
TEST(SqnrAndCosine, HandComputed) {
  const float ref[] = {3.0f, 4.0f};
  const float x[] = {3.0f, 5.0f};
  EXPECT_NEAR(SqnrDb(ref, x, 2), 13.9794, 1e-4);
  EXPECT_NEAR(CosineSimilarity(ref, x, 2), 0.994692, 1e-6);
  EXPECT_EQ(SqnrDb(ref, ref, 2), std::numeric_limits<double>::infinity());
  const float zero[] = {0.0f, 0.0f};
  EXPECT_EQ(CosineSimilarity(zero, zero, 2), 1.0);
  EXPECT_EQ(CosineSimilarity(zero, x, 2), 0.0);
  const float neg[] = {-3.0f, -4.0f};
  EXPECT_NEAR(CosineSimilarity(ref, neg, 2), -1.0, 1e-12);
}

// Two samples: energies add before the ratio. Sample 1: ref [3,4], x [3,5] (signal 25, noise 1);
// sample 2: ref [1,0], x [0,0] (signal 1, noise 1) → 10·log10(26/2) = 11.1394 dB, while the mean of
// the per-sample dB would be (13.98 + 0)/2 = 6.99. Mean cosine = (.994692 + 0)/2.
TEST(FidelityAccumulator, SumsEnergiesAcrossSamples) {
  FidelityAccumulator acc;
  EXPECT_TRUE(std::isnan(acc.sqnr_db()));
  const float r1[] = {3.0f, 4.0f}, x1[] = {3.0f, 5.0f}, r2[] = {1.0f, 0.0f}, x2[] = {0.0f, 0.0f};
  acc.Add(r1, x1, 2);
  acc.Add(r2, x2, 2);
  EXPECT_EQ(acc.count(), 2u);
  EXPECT_NEAR(acc.sqnr_db(), 11.1394, 1e-4);
  EXPECT_NEAR(acc.mean_cosine(), 0.994692 / 2, 1e-6);
}


// Newcombe's paired interval (method 10), hand-computed from the formula in metrics.h with Python
// (Wilson limits, φ with its n/2 correction, square-and-add), on the two examples of Fagerland et
// al. (2017) ch. 8. Cavo et al. 2012: a = 59, b = 6, c = 16, d = 80 (A = 4624 > n/2 → φ = 0.7306).
TEST(PairedProportionDifference, HandComputedCases) {
  auto d = PairedProportionDifference(59, 6, 16, 80);
  EXPECT_NEAR(d.estimate, -10.0 / 161, 1e-12);
  EXPECT_NEAR(d.lo, -0.1186211956, 1e-9);
  EXPECT_NEAR(d.hi, -0.0046251139, 1e-9);
  // Bentur et al. 2009: a = 1, b = 1, c = 7, d = 12 (A = 12 − 7 = 5 ≤ n/2 → φ = 0).
  d = PairedProportionDifference(1, 1, 7, 12);
  EXPECT_NEAR(d.estimate, -6.0 / 21, 1e-12);
  EXPECT_NEAR(d.lo, -0.5069202267, 1e-9);
  EXPECT_NEAR(d.hi, -0.0255591242, 1e-9);
  // Perfect agreement on 100 samples (70 right, 30 wrong under both): not degenerate, ±2.43 points.
  d = PairedProportionDifference(70, 0, 0, 30);
  EXPECT_DOUBLE_EQ(d.estimate, 0.0);
  EXPECT_NEAR(d.lo, -0.0242672208, 1e-9);
  EXPECT_NEAR(d.hi, 0.0242672208, 1e-9);
  // No samples: nothing is known.
  d = PairedProportionDifference(0, 0, 0, 0);
  EXPECT_EQ(d.lo, -1.0);
  EXPECT_EQ(d.hi, 1.0);
}

// The case: fp32 70/100, int8 62/100, every int8 hit also an fp32 hit (8 samples lost). The
// unpaired Wilson intervals overlap ([60.4, 78.1] and [52.2, 70.9] %), so "within the CI" accepted
// the drop; the paired interval [−13.7, −2.3] points excludes 0.
TEST(PairedProportionDifference, PairedTestCatchesADropUnpairedOverlapMisses) {
  const Interval fp32 = WilsonInterval(70, 100), int8 = WilsonInterval(62, 100);
  EXPECT_GT(int8.hi, fp32.lo);  // the unpaired intervals overlap
  const auto d = PairedProportionDifference(62, 0, 8, 30);  // first = int8, second = fp32
  EXPECT_NEAR(d.estimate, -0.08, 1e-12);
  EXPECT_NEAR(d.lo, -0.1369217191, 1e-9);
  EXPECT_NEAR(d.hi, -0.0232077370, 1e-9);
  EXPECT_LT(d.hi, 0.0);
}

// Exact McNemar: 2·P(X ≤ min(b, c)), X ~ Bin(b + c, 1/2). b = 2, c = 8: 2·(1 + 10 + 45)/1024.
TEST(McNemar, ExactPValueHandComputed) {
  EXPECT_NEAR(McNemarExactPValue(2, 8), 112.0 / 1024, 1e-12);
  EXPECT_NEAR(McNemarExactPValue(8, 2), 112.0 / 1024, 1e-12);
  EXPECT_NEAR(McNemarExactPValue(0, 8), 2.0 / 256, 1e-12);
  EXPECT_DOUBLE_EQ(McNemarExactPValue(5, 5), 1.0);  // 2·638/1024 > 1 → 1
  EXPECT_DOUBLE_EQ(McNemarExactPValue(0, 0), 1.0);
}

}  // namespace
}  // namespace qbench
