// Calibrators and histograms on hand-computed data.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "qbench/calibration/calibrator.h"
#include "qbench/calibration/histogram.h"
#include "qbench/core/error.h"

namespace qbench {
namespace {

std::vector<float> Range(int from, int to) {  // from .. to-1
  std::vector<float> v;
  for (int i = from; i < to; ++i) v.push_back(static_cast<float>(i));
  return v;
}

// Exponential(1) quantiles: x_k = −ln(1 − (k + 0.5)/N), k < N = 100,000; max ≈ 12.206.
std::vector<float> Exponential() {
  std::vector<float> v;
  const int n = 100000;
  for (int k = 0; k < n; ++k) v.push_back(static_cast<float>(-std::log(1.0 - (k + 0.5) / n)));
  return v;
}

// Long-tailed data: 100,000 values spread evenly over [0, 1) plus 20 values at 10.
std::vector<float> BulkWithTail() {
  std::vector<float> v;
  const int n = 100000;
  for (int i = 0; i < n; ++i) v.push_back((static_cast<float>(i) + 0.5f) / n);
  for (int i = 0; i < 20; ++i) v.push_back(10.0f);
  return v;
}

CalibrationTable Calibrate(CalibrationOptions options, const std::vector<std::vector<float>>& batches) {
  auto c = MakeCalibrator(options);
  for (const auto& b : batches) c->Collect("t", b.data(), b.size());
  return c->ComputeRanges();
}

// ---- method table --------------------------------------------------------------------------
TEST(CalibrationMethods, ParseNamesAndRefuseUnknownListingChoices) {
  EXPECT_EQ(ParseCalibrationMethod("minmax"), CalibrationMethod::kMinMax);
  EXPECT_EQ(ParseCalibrationMethod("percentile"), CalibrationMethod::kPercentile);
  EXPECT_EQ(ParseCalibrationMethod("entropy"), CalibrationMethod::kEntropy);
  EXPECT_EQ(ParseCalibrationMethod("mse"), CalibrationMethod::kMse);
  EXPECT_STREQ(CalibrationMethodName(CalibrationMethod::kEntropy), "entropy");
  try {
    ParseCalibrationMethod("kl");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_STREQ(e.what(), "unknown calibration method 'kl'; expected one of: minmax, percentile, entropy, mse");
  }
}

TEST(CalibrationMethods, InvalidOptionsAreUsageErrors) {
  CalibrationOptions o;
  o.percentile = 0;
  EXPECT_THROW(MakeCalibrator(o), Error);
  o.percentile = 100.5;
  EXPECT_THROW(MakeCalibrator(o), Error);
  o = {};
  o.method = CalibrationMethod::kEntropy;
  o.num_quantized_bins = 4096;  // more than num_bins
  EXPECT_THROW(MakeCalibrator(o), Error);
}

// ---- MinMax ----------------------------------------------------------------------------------
TEST(MinMaxCalibrator, ValuesZeroTo99GiveZeroTo99AcrossBatches) {
  CalibrationOptions o;
  o.method = CalibrationMethod::kMinMax;
  auto t = Calibrate(o, {Range(0, 50), Range(50, 100)});
  ASSERT_EQ(t.count("t"), 1u);
  EXPECT_EQ(t["t"].min, 0.0f);
  EXPECT_EQ(t["t"].max, 99.0f);
}

TEST(MinMaxCalibrator, SkipsNanAndInfAndKeepsTensorsApart) {
  auto c = MakeCalibrator({CalibrationMethod::kMinMax});
  const float inf = std::numeric_limits<float>::infinity();
  std::vector<float> a = {std::nanf(""), -2.5f, inf, 4.0f, -inf};
  std::vector<float> b = {7.0f};
  c->Collect("a", a.data(), a.size());
  c->Collect("b", b.data(), b.size());
  auto t = c->ComputeRanges();
  EXPECT_EQ(t["a"].min, -2.5f);
  EXPECT_EQ(t["a"].max, 4.0f);
  EXPECT_EQ(t["b"].min, 7.0f);
  EXPECT_EQ(t["b"].max, 7.0f);
}

// ---- AbsHistogram + Percentile ---------------------------------------------------------------
TEST(AbsHistogram, ZeroTo99In99BinsHasUnitWidthAndLastBinHoldsItsEdge) {
  AbsHistogram h(99);
  auto v = Range(0, 100);
  h.Add(v.data(), v.size());
  const auto& d = h.data();
  ASSERT_EQ(d.counts.size(), 99u);
  EXPECT_DOUBLE_EQ(d.bin_width, 1.0);
  for (int b = 0; b < 98; ++b) EXPECT_EQ(d.counts[b], 1u) << b;
  EXPECT_EQ(d.counts[98], 2u);  // 98 and 99 (the upper edge)
  EXPECT_EQ(d.total, 100u);
}

TEST(PercentileCalibrator, LowerEdgeOfTheBinWhereTheCdfReachesThePercentile) {
  // |x| of -50..49 in 50 unit bins: bin 0 holds 0, bin k holds ±k, bin 49 holds ±49 and −50.
  // Cumulative count at bin k is 1 + 2k; 90 % of 100 is first reached at k = 45 (91).
  CalibrationOptions o;
  o.method = CalibrationMethod::kPercentile;
  o.percentile = 90;
  o.num_bins = 50;
  auto t = Calibrate(o, {Range(-50, 50)});
  EXPECT_FLOAT_EQ(t["t"].min, -45.0f);
  EXPECT_FLOAT_EQ(t["t"].max, 45.0f);
  // Non-negative data: the lower bound is clipped to the data's minimum (0), as ORT does.
  o.num_bins = 99;
  t = Calibrate(o, {Range(0, 100)});
  EXPECT_FLOAT_EQ(t["t"].min, 0.0f);
  EXPECT_FLOAT_EQ(t["t"].max, 89.0f);  // cumulative (k+1) reaches 90 at bin 89
}

TEST(PercentileCalibrator, DefaultStopsAtTheLowerEdgeOfTheTailBin) {
  // 20 of 100,020 values (0.02 %) sit at 10: the 99.999th percentile lies in the bulk.
  auto t = Calibrate({CalibrationMethod::kPercentile}, {BulkWithTail()});
  EXPECT_EQ(t["t"].min, 0.5f / 100000);
  EXPECT_LT(t["t"].max, 10.0f);
  EXPECT_GT(t["t"].max, 9.9f);  // 99.999 % keeps all but 1 value: the tail bin's lower edge
  CalibrationOptions o;
  o.method = CalibrationMethod::kPercentile;
  o.percentile = 99.9;  // 0.1 % = 100 values > 20 tail values: clipped to the bulk's top bins
  t = Calibrate(o, {BulkWithTail()});
  EXPECT_NEAR(t["t"].max, 1.0f, 10.0 / 2048);
}

TEST(AbsHistogram, WiderLaterBatchAppendsBinsOfTheSameWidth) {
  // ORT collect_absolute_value: {1,2,3,4} in 4 bins → width 1, counts [0,1,1,2]; 6.5 appends
  // ceil((6.5 − 4)/1) = 3 bins → 7 bins, 6.5 in bin 6.
  AbsHistogram h(4);
  std::vector<float> a = {1, 2, 3, 4}, b = {-6.5f};
  h.Add(a.data(), a.size());
  h.Add(b.data(), b.size());
  const auto& d = h.data();
  EXPECT_DOUBLE_EQ(d.bin_width, 1.0);
  EXPECT_EQ(d.counts, (std::vector<std::uint64_t>{0, 1, 1, 2, 0, 0, 1}));
  EXPECT_EQ(d.min, -6.5f);
  EXPECT_EQ(d.max, 4.0f);
}

TEST(AbsHistogram, GrowthBeyondMaxBinsMergesPairsExactly) {
  AbsHistogram h(2, 4);  // at most 4 bins
  std::vector<float> a = {1, 2}, b = {7.5f};
  h.Add(a.data(), a.size());  // width 1: [0,1) [1,2] → counts [0,2]
  h.Add(b.data(), b.size());  // 8 bins needed → pairs merged: width 2, [2,0,0,0] then 7.5 → bin 3
  const auto& d = h.data();
  EXPECT_DOUBLE_EQ(d.bin_width, 2.0);
  EXPECT_EQ(d.counts, (std::vector<std::uint64_t>{2, 0, 0, 1}));
  EXPECT_EQ(d.total, 3u);
}

TEST(AbsHistogram, MemoryStaysBoundedWhileTheRangeKeepsGrowing) {
  // 40 batches, each 10x wider than the last: without merging the bin count would explode.
  AbsHistogram h(16);
  std::uint64_t added = 0;
  for (int k = 0; k < 40; ++k) {
    std::vector<float> v = {std::pow(10.0f, static_cast<float>(k) / 4), 0.5f};
    h.Add(v.data(), v.size());
    added += v.size();
    ASSERT_LE(h.data().counts.size(), 64u) << k;  // at most 4 x num_bins
  }
  const auto& d = h.data();
  EXPECT_EQ(std::accumulate(d.counts.begin(), d.counts.end(), std::uint64_t{0}), added);
  EXPECT_GE(d.upper_edge(), std::pow(10.0, 39.0 / 4) * (1 - 1e-6));
  // A sudden 1e30 (a diverging activation) merges first instead of allocating 1e20 bins.
  std::vector<float> huge = {1e30f, -1e30f};
  h.Add(huge.data(), huge.size());
  EXPECT_LE(h.data().counts.size(), 64u);
  EXPECT_GE(h.data().upper_edge(), 1e30);
  SymmetricHistogram sym(16);
  std::vector<float> small = {-1e-3f, 1e-3f};
  sym.Add(small.data(), small.size());
  sym.Add(huge.data(), huge.size());
  EXPECT_LE(sym.data().counts.size(), 64u);
  EXPECT_LE(sym.data().lower_edge, -1e30);
  EXPECT_EQ(std::accumulate(sym.data().counts.begin(), sym.data().counts.end(), std::uint64_t{0}), 4u);
}

TEST(AbsHistogram, ZerosBeforeTheFirstNonZeroBatchLandInBinZero) {
  AbsHistogram h(4);
  std::vector<float> zeros(5, 0.0f), a = {4.0f};
  h.Add(zeros.data(), zeros.size());
  EXPECT_TRUE(h.data().counts.empty());
  h.Add(a.data(), a.size());
  EXPECT_EQ(h.data().counts, (std::vector<std::uint64_t>{5, 0, 0, 1}));
  // All-zero tensors calibrate to [0, 0].
  auto t = Calibrate({CalibrationMethod::kPercentile}, {zeros});
  EXPECT_EQ(t["t"].min, 0.0f);
  EXPECT_EQ(t["t"].max, 0.0f);
}

// ---- SymmetricHistogram ----------------------------------------------------------------------
TEST(SymmetricHistogram, MergesAWiderBatchAsOrtMergeHistogram) {
  // {-2,-1,1,2} in 4 bins over [-2,2]: counts [1,1,0,2]. 3.5 > 2: h = floor(1.5/1) + 1 = 2 bins
  // added on each side → 8 bins over [-4,4], old counts at offset 2, 3.5 in bin 7.
  SymmetricHistogram h(4);
  std::vector<float> a = {-2, -1, 1, 2}, b = {3.5f};
  h.Add(a.data(), a.size());
  EXPECT_EQ(h.data().counts, (std::vector<std::uint64_t>{1, 1, 0, 2}));
  h.Add(b.data(), b.size());
  const auto& d = h.data();
  EXPECT_DOUBLE_EQ(d.lower_edge, -4.0);
  EXPECT_DOUBLE_EQ(d.bin_width, 1.0);
  EXPECT_EQ(d.counts, (std::vector<std::uint64_t>{0, 0, 1, 1, 0, 2, 0, 1}));
}

TEST(SymmetricHistogram, MergeBinsKeepsZeroOnAnEdge) {
  HistogramData d;
  d.lower_edge = -3;
  d.bin_width = 1;
  d.counts = {1, 2, 3, 4, 5, 6};  // half = 3 bins: padded by 1 on each side before merging pairs
  const HistogramData m = MergeBins(d, 2, /*symmetric=*/true);
  EXPECT_DOUBLE_EQ(m.lower_edge, -4.0);
  EXPECT_DOUBLE_EQ(m.bin_width, 2.0);
  EXPECT_EQ(m.counts, (std::vector<std::uint64_t>{1, 5, 9, 6}));
  EXPECT_DOUBLE_EQ(m.Edge(2), 0.0);
}

// ---- Entropy ---------------------------------------------------------------------------------
TEST(EntropyCalibrator, HistogramExactlyRepresentedByTheQuantizedBinsKeepsTheFullRange) {
  // 4 bins over [-2,2], 2 quantized bins. Candidate i=1 (bins 1..3) folds bin 0's 5 values into
  // p[0] while q[0] = 0 → KL ≈ 0.2·ln(0.2/5e-6) − 0.8·ln(1.25) ≈ 1.94; candidate i=2 (all bins)
  // merges {5,0} and {10,10} and expands them back to exactly p → KL = 0.
  HistogramData d;
  d.lower_edge = -2;
  d.bin_width = 1;
  d.counts = {5, 0, 10, 10};
  d.total = 25;
  d.min = -1.9f;
  d.max = 1.9f;
  d.seen_any = true;
  const TensorRange r = EntropyRange(d, 2);
  EXPECT_FLOAT_EQ(r.min, -1.9f);  // (-2, 2) clipped to the data
  EXPECT_FLOAT_EQ(r.max, 1.9f);
}

TEST(EntropyCalibrator, ClipsALongTail) {
  // Reference: ORT's get_entropy_threshold (with MXNet's float q expansion) ported to numpy, on
  // np.histogram(v, 2048, range=(−12.206, 12.206)) of the same values: threshold (−9.1188, 9.1307).
  const auto v = Exponential();
  CalibrationOptions o;
  o.method = CalibrationMethod::kEntropy;
  auto t = Calibrate(o, {v});
  EXPECT_NEAR(t["t"].max, 9.1307f, 1e-3);  // MinMax would keep 12.206
  EXPECT_EQ(t["t"].min, v.front());        // −9.12 clipped to the data's minimum
  // Uniform data is represented exactly at every resolution: KL ≈ 0 keeps the outliers too.
  t = Calibrate(o, {BulkWithTail()});
  EXPECT_FLOAT_EQ(t["t"].max, 10.0f);
}

// ---- MSE -------------------------------------------------------------------------------------
TEST(MseCalibrator, UniformDataKeepsNearlyItsWholeRange) {
  // Uniform on [0, a]: clipping δ costs N·δ³/(3a), rounding N·(t/255)²/12, so the optimum clips
  // only δ ≈ 0.002·a (bin-centre estimates widen that to a few of the 8/2048 bins): keep >= 99 %.
  std::vector<float> v;
  for (int i = 0; i < 10000; ++i) v.push_back((static_cast<float>(i) + 0.5f) / 10000 * 4.0f);
  auto t = Calibrate({CalibrationMethod::kMse}, {v});
  EXPECT_LE(t["t"].max, v.back());
  EXPECT_GE(t["t"].max, 0.99f * 4.0f);
  EXPECT_EQ(t["t"].min, v.front());
}

TEST(MseCalibrator, ClipsALongTail) {
  // Exponential(1): clipping at t costs N·2e^(−t), rounding N·(t/255)²/12; the sum is smallest
  // where e^(−t) = t/780300, t ≈ 11.15 (below the sample maximum 12.206).
  auto t = Calibrate({CalibrationMethod::kMse}, {Exponential()});
  EXPECT_GT(t["t"].max, 10.5f);
  EXPECT_LT(t["t"].max, 11.8f);
  // 20 outliers at 10 over 100,000 uniform values in [0, 1): clipping at ~1 would cost
  // 20·9² = 1620 against ≈ 1e5·(10/255)²/12 ≈ 13 of rounding error: MSE keeps the outliers
  // (to within 1 %: trimming a few 10/1024-wide bins off them costs less than it saves).
  t = Calibrate({CalibrationMethod::kMse}, {BulkWithTail()});
  EXPECT_GE(t["t"].max, 9.9f);
  EXPECT_LE(t["t"].max, 10.0f);
}

// ---- no data, data extent (every method) ---------------------------------------------------
// A zero-sized or all-NaN tensor is `empty` with the [0, 0] placeholder; -inf widens only the
// data extent; a tensor with a few
// mask-like -1e9 values among 100,000 in [0, 1) records the extent [-1e9, 10] whatever range the
// method chose.
TEST(Calibrators, EmptyFlagAndDataExtentForEveryMethod) {
  std::vector<float> masked = BulkWithTail();
  for (int i = 0; i < 10; ++i) masked.push_back(-1e9f);
  const std::vector<float> nans = {std::nanf(""), std::nanf("")};
  for (const auto& m : CalibrationMethods()) {
    SCOPED_TRACE(m.name);
    CalibrationOptions o;
    o.method = m.method;
    auto c = MakeCalibrator(o);
    c->Collect("zero_sized", nullptr, 0);
    c->Collect("nan", nans.data(), nans.size());
    c->Collect("masked", masked.data(), masked.size());
    const std::vector<float> inf_mask = {0.5f, -std::numeric_limits<float>::infinity(), -2.0f, std::nanf("")};
    c->Collect("inf_mask", inf_mask.data(), inf_mask.size());
    auto t = c->ComputeRanges();
    // -inf is skipped by the range, kept by the extent; NaN by neither.
    EXPECT_EQ(t["inf_mask"].data_min, -std::numeric_limits<float>::infinity());
    EXPECT_EQ(t["inf_mask"].data_max, 0.5f);
    EXPECT_GE(t["inf_mask"].min, -2.0f);
    EXPECT_TRUE(std::isfinite(t["inf_mask"].min));
    for (const char* name : {"zero_sized", "nan"}) {
      ASSERT_EQ(t.count(name), 1u);
      EXPECT_TRUE(t[name].empty);
      EXPECT_EQ(t[name].min, 0.0f);
      EXPECT_EQ(t[name].max, 0.0f);
    }
    EXPECT_FALSE(t["masked"].empty);
    EXPECT_EQ(t["masked"].data_min, -1e9f);
    EXPECT_EQ(t["masked"].data_max, 10.0f);
    EXPECT_EQ(DataExtent(t["masked"]).min, -1e9f);
  }
  TensorRange hand{-2, 3};  // a hand-made range has no extent: DataExtent falls back to min/max
  EXPECT_EQ(DataExtent(hand).min, -2.0f);
  EXPECT_EQ(DataExtent(hand).max, 3.0f);
}

}  // namespace
}  // namespace qbench
