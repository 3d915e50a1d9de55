// Statistics of latency samples. Each method's source is in the header and docs/statistics.md.
#include "qbench/benchmark/statistics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "qbench/core/error.h"
#include "qbench/core/random.h"

namespace qbench {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Median of `v`, reordering it (nth_element); NaN when empty. Even n: mean of the two middle values,
// which is Quantile(0.5) under definition 7.
double MedianInPlace(std::vector<double>& v) {
  if (v.empty()) return kNaN;
  const size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + mid, v.end());
  const double upper = v[mid];
  if (v.size() % 2 == 1) return upper;
  const double lower = *std::max_element(v.begin(), v.begin() + mid);
  return lower + (upper - lower) / 2;
}


}  // namespace

double Quantile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return kNaN;
  q = std::min(1.0, std::max(0.0, q));
  const double h = (static_cast<double>(sorted.size()) - 1) * q;
  const size_t lo = static_cast<size_t>(std::floor(h));
  if (lo + 1 >= sorted.size()) return sorted.back();
  return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[lo + 1] - sorted[lo]);
}

MedianInterval MedianConfidenceInterval(const std::vector<double>& sorted, double level) {
  MedianInterval ci;
  const size_t n = sorted.size();
  if (n == 0) {
    ci.low = ci.high = kNaN;
    return ci;
  }
  // P(B <= i) for B ~ Binomial(n, 1/2), accumulated term by term in log space (lgamma) so that large n
  // neither overflows C(n, i) nor underflows 2^-n before the product is formed.
  const double tail = (1 - level) / 2;
  const double log_half_n = static_cast<double>(n) * std::log(0.5);
  const double lg_n1 = std::lgamma(static_cast<double>(n) + 1);
  double cdf = 0;
  size_t j = 0;           // the chosen 1-based rank; 0 = none reaches `level` yet
  double cdf_at_j = 0;    // P(B <= j - 1)
  // Rank j = i + 1 pairs with n + 1 - j; it must not cross the middle: 2j <= n + 1.
  for (size_t i = 0; 2 * (i + 1) <= n + 1; ++i) {
    const double di = static_cast<double>(i);
    cdf += std::exp(lg_n1 - std::lgamma(di + 1) - std::lgamma(static_cast<double>(n) - di + 1) + log_half_n);
    if (cdf > tail * (1 + 1e-12)) break;
    j = i + 1;
    cdf_at_j = cdf;
  }
  if (j == 0) {  // too few samples for `level` (n < 6 at 95 %): the widest interval and its true level
    j = 1;
    cdf_at_j = std::exp(log_half_n);
  }
  ci.low_rank = j;
  ci.high_rank = n + 1 - j;
  ci.low = sorted[ci.low_rank - 1];
  ci.high = sorted[ci.high_rank - 1];
  ci.level = std::max(0.0, 1 - 2 * cdf_at_j);
  return ci;
}

std::size_t CountMadOutliers(const std::vector<double>& samples_ms) {
  const size_t n = samples_ms.size();
  if (n < 3) return 0;  // with one or two samples every point is as central as the median
  std::vector<double> work = samples_ms;
  const double median = MedianInPlace(work);
  std::vector<double> deviations(n);
  double sum_abs = 0;
  for (size_t i = 0; i < n; ++i) {
    deviations[i] = std::fabs(samples_ms[i] - median);
    sum_abs += deviations[i];
  }
  const double mad = MedianInPlace(deviations);
  // M = 0.6745 (x - median) / MAD; 0.6745 = Φ⁻¹(0.75) makes MAD/0.6745 estimate σ for normal data.
  // MAD == 0: M = (x - median) / (1.253314 MeanAD); 1.253314 = sqrt(π/2) does the same for MeanAD.
  double scale;
  if (mad > 0) {
    scale = mad / 0.6745;
  } else {
    const double mean_ad = sum_abs / static_cast<double>(n);
    if (mean_ad == 0) return 0;  // all samples equal
    scale = 1.253314 * mean_ad;
  }
  size_t count = 0;
  for (double x : samples_ms)
    if (std::fabs(x - median) / scale > 3.5) ++count;
  return count;
}

Statistics ComputeStatistics(const std::vector<double>& samples_ms) {
  Statistics s;
  s.n = samples_ms.size();
  if (s.n == 0) {
    s.mean_ms = s.stddev_ms = s.median_ms = s.min_ms = s.max_ms = s.p90_ms = s.p99_ms = s.cv = kNaN;
    s.median_ci_low_ms = s.median_ci_high_ms = kNaN;
    s.median_ci_level = 0;
    return s;
  }
  std::vector<double> sorted = samples_ms;
  std::sort(sorted.begin(), sorted.end());
  // Two-pass mean and variance: the second pass sums squared deviations from the mean, which avoids
  // the cancellation of the one-pass Σx² − n·mean² formula when the CV is small.
  double sum = 0;
  for (double x : sorted) sum += x;
  s.mean_ms = sum / static_cast<double>(s.n);
  if (s.n >= 2) {
    double ss = 0, comp = 0;
    for (double x : sorted) {
      const double d = x - s.mean_ms;
      ss += d * d;
      comp += d;  // ~0; corrects the rounding error of the mean (Chan, Golub & LeVeque 1983, eq. 1.7)
    }
    const double var = (ss - comp * comp / static_cast<double>(s.n)) / static_cast<double>(s.n - 1);
    s.stddev_ms = std::sqrt(std::max(0.0, var));
    s.cv = s.mean_ms != 0 ? s.stddev_ms / s.mean_ms : kNaN;
  } else {  // one sample has no spread to estimate
    s.stddev_ms = kNaN;
    s.cv = kNaN;
  }
  s.min_ms = sorted.front();
  s.max_ms = sorted.back();
  s.median_ms = Quantile(sorted, 0.5);
  s.p90_ms = Quantile(sorted, 0.90);
  s.p99_ms = Quantile(sorted, 0.99);
  const MedianInterval ci = MedianConfidenceInterval(sorted, 0.95);
  s.median_ci_low_ms = ci.low;
  s.median_ci_high_ms = ci.high;
  s.median_ci_level = ci.level;
  s.outliers = CountMadOutliers(sorted);
  return s;
}

SpeedupEstimate EstimateSpeedup(const std::vector<double>& baseline_ms, const std::vector<double>& candidate_ms,
                                bool paired, std::uint64_t seed, int resamples, double level) {
  if (resamples < 1) throw Error(ErrorCode::kInvalidArgument, "bootstrap resamples must be >= 1, got " + std::to_string(resamples));
  if (!(level > 0 && level < 1))
    throw Error(ErrorCode::kInvalidArgument, "confidence level must be in (0, 1), got " + std::to_string(level));
  if (paired && baseline_ms.size() != candidate_ms.size())
    throw Error(ErrorCode::kInvalidArgument, "paired speedup needs as many baseline samples (" +
                                                 std::to_string(baseline_ms.size()) + ") as candidate samples (" +
                                                 std::to_string(candidate_ms.size()) + ")");
  SpeedupEstimate est;
  est.ci_level = level;
  est.resamples = resamples;
  est.paired = paired;
  if (baseline_ms.empty() || candidate_ms.empty()) {
    est.speedup = est.ci_low = est.ci_high = kNaN;
    return est;
  }
  std::vector<double> a = baseline_ms, b = candidate_ms;
  est.speedup = MedianInPlace(a) / MedianInPlace(b);

  SplitMix64 rng{seed};
  const size_t na = baseline_ms.size(), nb = candidate_ms.size();
  std::vector<double> ratios(static_cast<size_t>(resamples));
  for (int r = 0; r < resamples; ++r) {
    if (paired) {
      for (size_t i = 0; i < na; ++i) {
        const size_t k = rng.Below(na);  // one round index draws both samples of that round
        a[i] = baseline_ms[k];
        b[i] = candidate_ms[k];
      }
    } else {
      for (size_t i = 0; i < na; ++i) a[i] = baseline_ms[rng.Below(na)];
      for (size_t i = 0; i < nb; ++i) b[i] = candidate_ms[rng.Below(nb)];
    }
    ratios[static_cast<size_t>(r)] = MedianInPlace(a) / MedianInPlace(b);
  }
  std::sort(ratios.begin(), ratios.end());
  est.ci_low = Quantile(ratios, (1 - level) / 2);
  est.ci_high = Quantile(ratios, (1 + level) / 2);
  return est;
}

}  // namespace qbench
