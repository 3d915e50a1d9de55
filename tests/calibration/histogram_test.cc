// Calibrators and histograms on hand-computed data.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
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
  // 4 bins over [-2,2], 2 quantized bins, data in [-1.9, 1.9]. Candidate t = 1 (bins 1..2) folds
  // bin 0's 5 values into p[0] while q[0] = 0 → KL ≈ 0.2·ln(0.2/5e-6) − ... > 1; t = 2 (all bins)
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

// One-sided data (a ReLU output) on a symmetric histogram: 3 positive bins of width 1 over [0, 3),
// counts {6, 2, 1}, 2 quantized bins. Only the positive half is searched (the grid covers [0, t]):
//   t = 2: p = {6, 2+1} → {2/3, 1/3}; q = {6, 2} → {3/4, 1/4};
//          KL = 2/3·ln(8/9) + 1/3·ln(4/3) = −0.07852 + 0.09589 = 0.01737
//   t = 3: p = {6, 2, 1}/9; groups {6}, {2, 1} → q = {6, 1.5, 1.5}/9;
//          KL = 2/9·ln(4/3) + 1/9·ln(2/3) = 0.06393 − 0.04505 = 0.01888
// so t = 2 wins. ORT's rule slices the symmetric histogram around 0 (2 groups over [−t, t + 1)),
// where the empty negative half takes one of the two groups.
TEST(EntropyCalibrator, OneSidedDataSearchesTheOccupiedHalfWithHandComputedKl) {
  HistogramData d;
  d.lower_edge = -3;
  d.bin_width = 1;
  d.counts = {0, 0, 0, 6, 2, 1};
  d.total = 9;
  d.min = 0.0f;
  d.max = 2.9f;
  d.seen_any = true;
  const TensorRange r = EntropyRange(d, 2);
  EXPECT_FLOAT_EQ(r.min, 0.0f);
  EXPECT_FLOAT_EQ(r.max, 2.0f);
}

// TensorRT's search as Migacz's GTC 2017 slides state it, on a one-sided histogram c[0..m) of
// width w: for i = nq .. m, p = c[0..i) with the outliers Σc[i..m) added to p[i−1], q = c[0..i)
// merged into nq groups (last takes the rest) and expanded over p's non-zero bins; the smallest
// smoothed KL gives t = i·w. Written independently of EntropyRange (which slices a symmetric
// histogram) to check that both agree on ReLU-like data.
double TensorRtThreshold(const std::vector<std::uint64_t>& c, double w, std::size_t nq) {
  auto smooth = [](std::vector<double>* v) {
    std::size_t zeros = 0;
    for (double x : *v) zeros += x == 0;
    if (zeros == v->size()) return false;
    const double eps1 = 1e-4 * static_cast<double>(zeros) / static_cast<double>(v->size() - zeros);
    for (double& x : *v) x = x == 0 ? 1e-4 : x - eps1;
    for (double x : *v)
      if (x <= 0) return false;
    return true;
  };
  double best = std::numeric_limits<double>::infinity(), best_t = 0;
  for (std::size_t i = nq; i <= c.size(); ++i) {
    std::vector<double> p(c.begin(), c.begin() + static_cast<std::ptrdiff_t>(i));
    for (std::size_t k = i; k < c.size(); ++k) p[i - 1] += static_cast<double>(c[k]);
    const std::size_t merged = i / nq;
    std::vector<double> q(i, 0.0);
    for (std::size_t g = 0; g < nq; ++g) {
      const std::size_t gs = g * merged, ge = g + 1 == nq ? i : gs + merged;
      double sum = 0, nz = 0;
      for (std::size_t k = gs; k < ge; ++k) {
        sum += static_cast<double>(c[k]);
        nz += p[k] != 0;
      }
      for (std::size_t k = gs; k < ge; ++k)
        if (p[k] != 0) q[k] = sum / nz;
    }
    if (!smooth(&p) || !smooth(&q)) continue;
    const double sp = std::accumulate(p.begin(), p.end(), 0.0), sq = std::accumulate(q.begin(), q.end(), 0.0);
    double kl = 0;
    for (std::size_t k = 0; k < i; ++k) kl += p[k] / sp * std::log((p[k] / sp) / (q[k] / sq));
    if (kl < best) {
      best = kl;
      best_t = static_cast<double>(i) * w;
    }
  }
  return best_t;
}

TEST(EntropyCalibrator, ClipsALongTailAsTensorRtsSearchOverTheGridsSteps) {
  // Exponential(1) is one-sided: the symmetric histogram (2048 bins over ±12.206) holds it in its
  // upper 1024 bins, which the search sees as TensorRT sees an |x| histogram, with 255 groups
  // (one per u8 step). The old rule (ORT's: 128 groups over the symmetric slice, 64 over the data)
  // clipped at 9.13; the 8-bit grid's own resolution keeps more of the tail.
  const auto v = Exponential();
  CalibrationOptions o;
  o.method = CalibrationMethod::kEntropy;
  ASSERT_EQ(o.num_quantized_bins, 255);
  auto t = Calibrate(o, {v});
  SymmetricHistogram sym(2048);
  sym.Add(v.data(), v.size());
  const HistogramData& d = sym.data();
  const std::vector<std::uint64_t> positive(d.counts.begin() + 1024, d.counts.end());
  const double expected = TensorRtThreshold(positive, d.bin_width, 255);
  EXPECT_NEAR(t["t"].max, expected, 1e-4);
  EXPECT_GT(t["t"].max, 9.5f);   // clips less than the 64-level model did (9.13)
  EXPECT_LT(t["t"].max, 12.2f);  // and still clips the sparse tail (MinMax keeps 12.206)
  EXPECT_EQ(t["t"].min, v.front());
  // Uniform data is represented exactly at every resolution: KL ≈ 0 keeps the outliers too.
  t = Calibrate(o, {BulkWithTail()});
  EXPECT_FLOAT_EQ(t["t"].max, 10.0f);
}

TEST(EntropyCalibrator, TwoSidedDataUsesTheWholeSymmetricSlice) {
  // Laplace(1) quantiles, ± each: the slice covers both halves, so the range is symmetric, and the
  // tail beyond the chosen t (55 of 100,000 values at most: ln(50000/55)/1 ≈ 6.8) is clipped.
  std::vector<float> v;
  const int n = 50000;
  for (int k = 0; k < n; ++k) {
    const float x = static_cast<float>(-std::log(1.0 - (k + 0.5) / n));
    v.push_back(x);
    v.push_back(-x);
  }
  CalibrationOptions o;
  o.method = CalibrationMethod::kEntropy;
  auto t = Calibrate(o, {v});
  EXPECT_NEAR(t["t"].min, -t["t"].max, 1e-5);
  EXPECT_GT(t["t"].max, 5.0f);
  EXPECT_LT(t["t"].max, v[v.size() - 2]);
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
