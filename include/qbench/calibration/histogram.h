// qbench/calibration/histogram.h — streaming fixed-width histograms of activation values and the
// range-selection rules that read them (Percentile, Entropy/KL, MSE).
//
// The histograms follow ONNX Runtime's HistogramCollector (onnxruntime/python/tools/quantization/
// calibrate.py): collect_absolute_value (|x| over [0, amax], used by the symmetric Percentile method)
// and collect_value / merge_histogram (x over [-T, T], used by Entropy). When a later batch has a
// wider range, bins of the same width are appended (ORT's rule), so earlier counts stay exact. To keep
// memory bounded whatever the data does, a histogram that outgrows `max_bins` merges adjacent pairs of
// bins (also exact: every old bin falls inside one new bin). Non-finite values (NaN, ±Inf) are skipped
// and counted apart: they carry no range information an int8 grid could represent.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "qbench/calibration/calibrator.h"

namespace qbench {

/// A fixed-width histogram: bin b covers [lower_edge + b·bin_width, lower_edge + (b+1)·bin_width),
/// the last bin also holds its upper edge (numpy.histogram's convention). Plus the running min/max
/// of the raw values seen (before any abs()).
struct HistogramData {
  double lower_edge = 0;
  double bin_width = 0;                ///< 0 while no non-zero value has been seen
  std::vector<std::uint64_t> counts;   ///< empty while no non-zero value has been seen
  float min = 0;                       ///< smallest finite raw value seen
  float max = 0;                       ///< largest finite raw value seen
  std::uint64_t total = 0;             ///< finite values counted (== sum of counts once initialised)
  std::uint64_t nonfinite = 0;         ///< NaN/Inf values skipped
  bool neg_inf = false;                ///< a −Inf was among them (an additive mask's -inf)
  bool pos_inf = false;                ///< a +Inf was among them
  bool seen_any = false;               ///< at least one finite value collected

  double upper_edge() const { return lower_edge + bin_width * static_cast<double>(counts.size()); }
  /// Lower edge of bin b (b == counts.size() gives the upper edge).
  double Edge(std::size_t b) const { return lower_edge + bin_width * static_cast<double>(b); }
};

/// What the streaming histograms below share: the bin count at creation, the cap on bins (see file
/// comment), the data, and the exact zeros seen before a non-zero value gave the bins a width.
class StreamingHistogram {
 public:
  const HistogramData& data() const { return data_; }

 protected:
  StreamingHistogram(int num_bins, std::size_t max_bins) : num_bins_(num_bins), max_bins_(max_bins) {}
  int num_bins_;
  std::size_t max_bins_;
  HistogramData data_;
  std::uint64_t pending_zeros_ = 0;
};

/// Histogram of |x| over [0, amax] (ORT collect_absolute_value). The first non-zero batch sets
/// amax and bin_width = amax / num_bins; a later, larger amax appends ceil((amax − upper)/width) bins.
class AbsHistogram : public StreamingHistogram {
 public:
  /// `num_bins` >= 1 bins at creation; at most `max_bins` (>= 2·num_bins) are kept (see file comment).
  explicit AbsHistogram(int num_bins = 2048, int max_bins = 0);
  void Add(const float* values, std::size_t n);
};

/// Histogram of x over [-T, T] with an even number of bins, so 0 is the edge between bins n/2 − 1
/// and n/2 (ORT collect_value / merge_histogram). The first non-zero batch sets
/// T = max(|min|, |max|) and stride 2T/num_bins; a later batch with threshold T' > T adds
/// h = floor((T' − T)/stride) + 1 bins on each side (T grows by h·stride).
class SymmetricHistogram : public StreamingHistogram {
 public:
  /// `num_bins` (rounded up to even) bins at creation; at most `max_bins` (>= 2·num_bins) kept.
  explicit SymmetricHistogram(int num_bins = 2048, int max_bins = 0);
  void Add(const float* values, std::size_t n);
};

/// Minimum and maximum of the finite values among `values[0..n)` (NaN and ±Inf skipped); when
/// there is none, min = +Inf and max = −Inf (so min > max). One vectorisable pass (a second one
/// only when non-finite values are present). `neg_inf` / `pos_inf` (may be null): whether −Inf /
/// +Inf was among the values.
TensorRange FiniteMinMax(const float* values, std::size_t n, bool* neg_inf = nullptr, bool* pos_inf = nullptr);

/// Merges adjacent groups of `factor` bins of a histogram whose lower edge is 0 (abs) or −T with
/// an even bin count (symmetric), keeping 0 on a bin edge: the bin count is first padded with empty
/// bins (at the top for abs, on both sides for symmetric) to a multiple of `factor` (2·factor for
/// symmetric). Counts are preserved exactly. Used to bound memory and the cost of Entropy/MSE.
HistogramData MergeBins(const HistogramData& hist, std::size_t factor, bool symmetric);

/// Percentile rule of ORT's compute_percentile with symmetric=True, on an AbsHistogram:
/// threshold = the lower edge of the first bin b where the cumulative count of bins 0..b reaches
/// (percentile/100)·total; range = [−threshold, threshold] clipped to the data's [min, max].
/// Counts are compared as integers (ORT compares a float cumsum of fractions, whose rounding can
/// move the result to the next non-empty bin).
/// `percentile` in (0, 100]. With no non-zero value the range is [min, max] (both 0 for all zeros).
TensorRange PercentileRange(const HistogramData& abs_hist, double percentile);

/// Entropy (KL-divergence) rule of TensorRT (S. Migacz, "8-bit Inference with TensorRT", GTC 2017)
/// with MXNet's _get_optimal_threshold expansion, on a SymmetricHistogram with n bins (0 on the edge
/// of bin n/2), applied to the grid qbench's activations get (docs/quantization.md "Entropy"): for
/// each candidate threshold t = i·width (i = 1 .. the data's extent in bins), the slice is the bins
/// of [−t, t] that the data occupies (the asymmetric u8/s8 grid covers [max(min, −t), min(max, t)]
/// widened to 0, not the empty side of a ReLU output); p = the slice with the outliers folded into its
/// end bins; q = the slice merged into `num_quantized_bins` groups (one per grid step; the last group
/// also takes the remainder) and expanded back uniformly over each group's non-empty bins; both
/// smoothed (zeros → 1e-4, the mass taken from the non-zeros) and normalised; KL(p‖q) = Σ p·ln(p/q).
/// Slices narrower than `num_quantized_bins` bins are skipped (their rounding is invisible at the
/// histogram's resolution, as TensorRT starts at 128 bins). The slice with the smallest KL gives the
/// range, clipped to the data's [min, max]; when no slice is wide enough, [min, max].
/// Differences from ORT's get_entropy_threshold, on purpose: ORT slices [z − i, z + i + 1) (MXNet's
/// rule for an odd bin count centred on 0, one bin too wide on the right with ORT's even count),
/// merges into 128 groups over the whole symmetric slice (64 over a ReLU output's half: a 6-bit model
/// of an 8-bit grid, so it clips far too much), leaves q at 0 on the remainder bins, truncates q to
/// integers, and defaults to 128 histogram bins, where its search has one candidate (= minmax).
/// Histograms with more than 2048 bins are first merged (MergeBins) to bound the O(n²) search.
TensorRange EntropyRange(const HistogramData& sym_hist, int num_quantized_bins);

/// MSE rule: for each candidate t = i·stride (i = 1 .. n/2) on a SymmetricHistogram, the range
/// [max(min, −t), min(max, t)] widened to include 0 is quantized as uint8 asymmetric
/// (scale = (hi − lo)/255, zero_point = round(−lo/scale), the activation scheme the quantizer uses),
/// and the squared error Σ count_b · (c_b − dequant(quant(c_b)))² over the bin centres c_b is summed;
/// the candidate with the smallest error wins (the first on ties). Same idea as NVIDIA
/// pytorch-quantization's HistogramCalibrator "mse" method. Histograms over 2048 bins are merged first.
TensorRange MseRange(const HistogramData& sym_hist);

}  // namespace qbench
