// qbench/benchmark/statistics.h — summary statistics of latency samples, outliers, and the
// confidence interval of a speedup. Pure functions; the methods are written down in docs/statistics.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace qbench {

/// Summary of a set of latency samples, all in milliseconds. Values that a sample this small
/// cannot define are NaN (exported as JSON null): stddev_ms and cv when n < 2, everything when n == 0.
struct Statistics {
  std::size_t n = 0;               ///< number of samples
  double mean_ms = 0;              ///< arithmetic mean
  double stddev_ms = 0;            ///< sample standard deviation (n − 1 denominator), two-pass
  double median_ms = 0;            ///< Quantile(0.5)
  double min_ms = 0;
  double max_ms = 0;
  double p90_ms = 0;               ///< Quantile(0.90)
  double p99_ms = 0;               ///< Quantile(0.99); with n < 100 it lies between the two largest samples
  double cv = 0;                   ///< coefficient of variation stddev_ms / mean_ms (a fraction, 0.05 = 5 %)
  double median_ci_low_ms = 0;     ///< distribution-free confidence interval of the median ...
  double median_ci_high_ms = 0;    ///< ... (see MedianConfidenceInterval)
  double median_ci_level = 0;      ///< its exact coverage (≥ 0.95 once n ≥ 6; smaller below)
  std::size_t outliers = 0;        ///< CountMadOutliers(samples)
};

/// Computes every field of Statistics from `samples_ms` (any order; not modified).
/// Edge cases: n == 0 → every double NaN, counts 0; n == 1 → mean = median = min = max = p90 = p99
/// = the sample, stddev_ms and cv NaN, CI [x, x] with level 0. Never throws.
Statistics ComputeStatistics(const std::vector<double>& samples_ms);

/// Quantile q ∈ [0, 1] of ascending-sorted `sorted`, by linear interpolation between closest ranks:
/// h = (n − 1)·q, result = x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋]) (0-based x).
/// This is Hyndman & Fan (1996) definition 7, the default of NumPy's `quantile` (method="linear"),
/// R's `quantile` type 7 and Excel's PERCENTILE.INC. NaN for an empty vector; q is clamped to [0, 1].
double Quantile(const std::vector<double>& sorted, double q);

/// A confidence interval of the median built from order statistics (distribution-free).
struct MedianInterval {
  double low = 0;
  double high = 0;
  double level = 0;      ///< exact coverage 1 − 2·P(B ≤ j − 1), B ~ Binomial(n, 1/2)
  std::size_t low_rank = 0;   ///< j: 1-based rank of `low` in the sorted sample
  std::size_t high_rank = 0;  ///< n + 1 − j
};

/// The interval [x(j), x(n+1−j)] of ascending-sorted `sorted` (1-based ranks) with the largest j such
/// that P(x(j) ≤ median ≤ x(n+1−j)) = 1 − 2·P(B ≤ j − 1) ≥ `level`, B ~ Binomial(n, 1/2).
/// Source: W. J. Conover, Practical Nonparametric Statistics, 3rd ed. (1999), §3.2, confidence
/// interval for a quantile (p = 1/2); also Hahn & Meeker, Statistical Intervals (1991), §5.2.
/// When no interval reaches `level` (n < 6 for 0.95), returns [min, max] with its true, smaller level.
/// n == 0 → NaN bounds and level 0. Example: n = 10, level 0.95 → j = 2: [x(2), x(9)], level 0.9785.
MedianInterval MedianConfidenceInterval(const std::vector<double>& sorted, double level = 0.95);

/// Number of samples whose modified z-score M = 0.6745·(x − median)/MAD has |M| > 3.5, where MAD is
/// the median absolute deviation from the median. Source: B. Iglewicz and D. Hoaglin (1993), "How to
/// Detect and Handle Outliers", ASQC Basic References in Quality Control vol. 16 (as hyperfine's
/// src/outlier_detection.rs). When MAD == 0 (more than half the samples equal) the mean absolute
/// deviation MeanAD is used instead: M = (x − median)/(1.253314·MeanAD) (IBM SPSS's rule for the
/// same estimator); when that is 0 too, all samples are equal and there are no outliers. n < 3 → 0.
std::size_t CountMadOutliers(const std::vector<double>& samples_ms);

/// The speedup of a candidate over a baseline, with a confidence interval.
struct SpeedupEstimate {
  double speedup = 0;   ///< median(baseline) / median(candidate): > 1 means the candidate is faster
  double ci_low = 0;    ///< percentile-bootstrap interval of that ratio
  double ci_high = 0;
  double ci_level = 0.95;
  int resamples = 0;
  bool paired = false;  ///< resampled by interleaved round (pairs kept together) or independently
};

/// Speedup median(baseline_ms)/median(candidate_ms) and its percentile-bootstrap CI (Efron &
/// Tibshirani, An Introduction to the Bootstrap (1993), ch. 13): `resamples` resamples with
/// replacement, ratio of medians of each, the (1−level)/2 and (1+level)/2 quantiles (definition 7).
/// `paired` (both vectors the same length, element i of each from interleaved round i) resamples
/// round indices, keeping the pairs together so drift common to both cancels; otherwise the two
/// samples are resampled independently. Deterministic for a given `seed` (SplitMix64 generator).
/// Either sample empty → NaN everywhere. Throws Error(kInvalidArgument) when `paired` and the sizes
/// differ, or resamples < 1, or level not in (0, 1).
SpeedupEstimate EstimateSpeedup(const std::vector<double>& baseline_ms, const std::vector<double>& candidate_ms,
                                bool paired, std::uint64_t seed, int resamples = 2000, double level = 0.95);

}  // namespace qbench
