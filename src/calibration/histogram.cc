// Streaming histograms and the Percentile / Entropy (KL) / MSE range rules (see histogram.h).
#include "qbench/calibration/histogram.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "qbench/core/error.h"

namespace qbench {
namespace {

// Histograms larger than this are merged before the O(n²) Entropy / MSE searches.
constexpr std::size_t kMaxSearchBins = 2048;

struct BatchStats {
  float min = std::numeric_limits<float>::infinity();
  float max = -std::numeric_limits<float>::infinity();
  std::uint64_t finite = 0;
  std::uint64_t nonfinite = 0;
  bool neg_inf = false;  // a −Inf was seen (looked for only when nonfinite > 0)
  bool pos_inf = false;
};

// One pass over the batch: min/max of the finite values and the count of NaN/±Inf. Written as
// kLanes independent lanes with selects instead of branches so the compiler vectorises it.
BatchStats ScanBatch(const float* values, std::size_t n) {
  constexpr std::size_t kLanes = 16;
  constexpr float kInf = std::numeric_limits<float>::infinity();
  float lane_min[kLanes], lane_max[kLanes];
  std::uint32_t lane_bad[kLanes];
  for (std::size_t k = 0; k < kLanes; ++k) {
    lane_min[k] = kInf;
    lane_max[k] = -kInf;
    lane_bad[k] = 0;
  }
  auto step = [&](std::size_t k, float x) {
    std::uint32_t bits;
    std::memcpy(&bits, &x, sizeof bits);
    const bool finite = (bits & 0x7F800000u) != 0x7F800000u;
    lane_bad[k] += finite ? 0u : 1u;
    const float lo = finite ? x : kInf;
    const float hi = finite ? x : -kInf;
    lane_min[k] = lo < lane_min[k] ? lo : lane_min[k];
    lane_max[k] = hi > lane_max[k] ? hi : lane_max[k];
  };
  std::size_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (std::size_t k = 0; k < kLanes; ++k) step(k, values[i + k]);
  for (std::size_t k = 0; i < n; ++i, ++k) step(k, values[i]);
  BatchStats s;
  for (std::size_t k = 0; k < kLanes; ++k) {
    s.min = std::min(s.min, lane_min[k]);
    s.max = std::max(s.max, lane_max[k]);
    s.nonfinite += lane_bad[k];
  }
  s.finite = n - s.nonfinite;
  if (s.nonfinite > 0)  // rare: one more pass for the signs of the infinities (additive -inf masks)
    for (std::size_t j = 0; j < n && !(s.neg_inf && s.pos_inf); ++j) {
      s.neg_inf = s.neg_inf || values[j] == -kInf;
      s.pos_inf = s.pos_inf || values[j] == kInf;
    }
  return s;
}

// Adds the finite values of a batch to `h` (already wide enough). `transform` is |x| or x.
template <typename Transform>
void AddToBins(HistogramData* h, const float* values, std::size_t n, bool has_nonfinite, Transform transform) {
  const double inv_width = 1.0 / h->bin_width;
  const double lower = h->lower_edge;
  const std::size_t last = h->counts.size() - 1;
  std::uint64_t* counts = h->counts.data();
  for (std::size_t i = 0; i < n; ++i) {
    const float v = values[i];
    if (has_nonfinite && !std::isfinite(v)) continue;
    const double pos = (static_cast<double>(transform(v)) - lower) * inv_width;
    std::size_t b = pos > 0 ? static_cast<std::size_t>(pos) : 0;
    b = b < last ? b : last;
    ++counts[b];
  }
}

void UpdateMinMax(const BatchStats& s, HistogramData* h) {
  h->nonfinite += s.nonfinite;
  h->neg_inf = h->neg_inf || s.neg_inf;
  h->pos_inf = h->pos_inf || s.pos_inf;
  if (s.finite == 0) return;
  if (!h->seen_any) {
    h->min = s.min;
    h->max = s.max;
    h->seen_any = true;
  } else {
    h->min = std::min(h->min, s.min);
    h->max = std::max(h->max, s.max);
  }
}

std::size_t MaxBins(int num_bins, int max_bins) {
  const std::size_t floor_bins = 2 * static_cast<std::size_t>(num_bins);
  const std::size_t wanted = max_bins > 0 ? static_cast<std::size_t>(max_bins) : 4 * static_cast<std::size_t>(num_bins);
  return std::max(floor_bins, wanted);
}

TensorRange ClipToData(const HistogramData& h, double lo, double hi) {
  TensorRange r{static_cast<float>(lo), static_cast<float>(hi)};
  if (r.min < h.min) r.min = h.min;
  if (r.max > h.max) r.max = h.max;
  return r;
}

// Merged copy with at most kMaxSearchBins bins (pairs merged), or the histogram itself.
HistogramData ForSearch(const HistogramData& h) {
  HistogramData out = h;
  while (out.counts.size() > kMaxSearchBins) out = MergeBins(out, 2, /*symmetric=*/true);
  return out;
}

// ORT/MXNet smooth_distribution: zeros become eps, the non-zeros give up the same mass.
// Returns false when every entry is zero or smoothing leaves an entry <= 0.
bool Smooth(std::vector<double>* p) {
  constexpr double kEps = 1e-4;
  std::size_t zeros = 0;
  for (double v : *p) zeros += (v == 0);
  const std::size_t nonzeros = p->size() - zeros;
  if (nonzeros == 0) return false;
  const double eps1 = kEps * static_cast<double>(zeros) / static_cast<double>(nonzeros);
  for (double& v : *p) {
    v = (v == 0) ? kEps : v - eps1;
    if (v <= 0) return false;
  }
  return true;
}

// scipy.stats.entropy(p, q): both normalised to sum 1, Σ p·ln(p/q).
double KlDivergence(const std::vector<double>& p, const std::vector<double>& q) {
  double sp = 0, sq = 0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    sp += p[i];
    sq += q[i];
  }
  double kl = 0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    const double pn = p[i] / sp, qn = q[i] / sq;
    kl += pn * std::log(pn / qn);
  }
  return kl;
}

}  // namespace

TensorRange FiniteMinMax(const float* values, std::size_t n, bool* neg_inf, bool* pos_inf) {
  const BatchStats s = ScanBatch(values, n);
  if (neg_inf) *neg_inf = s.neg_inf;
  if (pos_inf) *pos_inf = s.pos_inf;
  return {s.min, s.max};
}

// ---------------------------------------------------------------------------------------------
AbsHistogram::AbsHistogram(int num_bins, int max_bins) : StreamingHistogram(num_bins, MaxBins(num_bins, max_bins)) {
  if (num_bins < 1)
    throw Error(ErrorCode::kInvalidArgument, "histogram bin count " + std::to_string(num_bins) + " must be >= 1");
}

void AbsHistogram::Add(const float* values, std::size_t n) {
  const BatchStats s = ScanBatch(values, n);
  UpdateMinMax(s, &data_);
  if (s.finite == 0) return;
  const double amax = std::max(std::fabs(static_cast<double>(s.min)), std::fabs(static_cast<double>(s.max)));
  data_.total += s.finite;
  if (data_.counts.empty()) {
    if (amax == 0) {  // no width yet: remember the zeros for bin 0
      pending_zeros_ += s.finite;
      return;
    }
    data_.lower_edge = 0;
    data_.bin_width = amax / num_bins_;
    data_.counts.assign(static_cast<std::size_t>(num_bins_), 0);
    data_.counts[0] += pending_zeros_;
    pending_zeros_ = 0;
  } else if (amax > data_.upper_edge()) {
    // ORT: np.arange(last + width, amax + width, width) new edges → ceil((amax − last)/width) bins.
    // Where that would exceed max_bins, pairs are merged first (width doubles), so a sudden huge
    // value never allocates more than max_bins counters.
    auto extra_bins = [&] { return std::ceil((amax - data_.upper_edge()) / data_.bin_width); };
    while (static_cast<double>(data_.counts.size()) + extra_bins() > static_cast<double>(max_bins_))
      data_ = MergeBins(data_, 2, /*symmetric=*/false);
    auto extra = static_cast<std::size_t>(extra_bins());
    if (data_.upper_edge() + static_cast<double>(extra) * data_.bin_width < amax) ++extra;
    data_.counts.resize(data_.counts.size() + extra, 0);
    while (data_.counts.size() > max_bins_) data_ = MergeBins(data_, 2, /*symmetric=*/false);
  }
  AddToBins(&data_, values, n, s.nonfinite > 0, [](float v) { return std::fabs(v); });
}

// ---------------------------------------------------------------------------------------------
SymmetricHistogram::SymmetricHistogram(int num_bins, int max_bins)
    : StreamingHistogram(num_bins + (num_bins % 2), MaxBins(num_bins + (num_bins % 2), max_bins)) {
  if (num_bins < 2)
    throw Error(ErrorCode::kInvalidArgument, "histogram bin count " + std::to_string(num_bins) + " must be >= 2");
}

void SymmetricHistogram::Add(const float* values, std::size_t n) {
  const BatchStats s = ScanBatch(values, n);
  UpdateMinMax(s, &data_);
  if (s.finite == 0) return;
  const double threshold = std::max(std::fabs(static_cast<double>(s.min)), std::fabs(static_cast<double>(s.max)));
  data_.total += s.finite;
  if (data_.counts.empty()) {
    if (threshold == 0) {
      pending_zeros_ += s.finite;
      return;
    }
    data_.bin_width = 2 * threshold / num_bins_;
    data_.lower_edge = -threshold;
    data_.counts.assign(static_cast<std::size_t>(num_bins_), 0);
    data_.counts[data_.counts.size() / 2] += pending_zeros_;  // 0 is the lower edge of bin n/2
    pending_zeros_ = 0;
  } else {
    const double old_threshold = -data_.lower_edge;
    if (threshold > old_threshold) {
      // ORT merge_histogram: half_increased_bins = int((new − old) // stride + 1) on each side
      // (pairs merged first where that would exceed max_bins, as in AbsHistogram::Add).
      auto half_bins = [&] { return std::floor((threshold + data_.lower_edge) / data_.bin_width) + 1; };
      while (static_cast<double>(data_.counts.size()) + 2 * half_bins() > static_cast<double>(max_bins_))
        data_ = MergeBins(data_, 2, /*symmetric=*/true);
      const auto half = static_cast<std::size_t>(half_bins());
      std::vector<std::uint64_t> grown(data_.counts.size() + 2 * half, 0);
      std::copy(data_.counts.begin(), data_.counts.end(), grown.begin() + static_cast<std::ptrdiff_t>(half));
      data_.counts.swap(grown);
      data_.lower_edge -= static_cast<double>(half) * data_.bin_width;
      while (data_.counts.size() > max_bins_) data_ = MergeBins(data_, 2, /*symmetric=*/true);
    }
  }
  AddToBins(&data_, values, n, s.nonfinite > 0, [](float v) { return v; });
}

// ---------------------------------------------------------------------------------------------
HistogramData MergeBins(const HistogramData& hist, std::size_t factor, bool symmetric) {
  if (factor < 1) throw Error(ErrorCode::kInvalidArgument, "MergeBins: factor must be >= 1");
  HistogramData out = hist;
  if (factor == 1 || hist.counts.empty()) return out;
  std::vector<std::uint64_t> padded;
  if (symmetric) {
    const std::size_t half = hist.counts.size() / 2;
    const std::size_t pad = (factor - half % factor) % factor;
    padded.assign(pad, 0);
    padded.insert(padded.end(), hist.counts.begin(), hist.counts.end());
    padded.insert(padded.end(), pad, 0);
    out.lower_edge = hist.lower_edge - static_cast<double>(pad) * hist.bin_width;
  } else {
    padded = hist.counts;
    padded.resize(padded.size() + (factor - padded.size() % factor) % factor, 0);
  }
  out.counts.assign(padded.size() / factor, 0);
  for (std::size_t b = 0; b < padded.size(); ++b) out.counts[b / factor] += padded[b];
  out.bin_width = hist.bin_width * static_cast<double>(factor);
  return out;
}

// ---------------------------------------------------------------------------------------------
TensorRange PercentileRange(const HistogramData& h, double percentile) {
  if (!(percentile > 0 && percentile <= 100))
    throw Error(ErrorCode::kInvalidArgument,
                "percentile " + std::to_string(percentile) + " is outside (0, 100]; the default is 99.999");
  if (h.counts.empty()) return {h.min, h.max};
  // The cumulative count reaches the target in bin `idx`; its lower edge is the threshold (ORT's
  // np.searchsorted(cdf, percentile / 100) indexes hist_edges, i.e. lower edges).
  const double target = percentile * static_cast<double>(h.total) / 100.0;
  std::uint64_t cumulative = 0;
  std::size_t idx = h.counts.size() - 1;
  for (std::size_t b = 0; b < h.counts.size(); ++b) {
    cumulative += h.counts[b];
    if (static_cast<double>(cumulative) >= target) {
      idx = b;
      break;
    }
  }
  const double threshold = h.Edge(idx);
  return ClipToData(h, -threshold, threshold);
}

TensorRange EntropyRange(const HistogramData& full, int num_quantized_bins) {
  if (num_quantized_bins < 2)
    throw Error(ErrorCode::kInvalidArgument,
                "entropy calibration needs >= 2 quantized bins, got " + std::to_string(num_quantized_bins));
  if (full.counts.empty()) return {full.min, full.max};
  const HistogramData h = ForSearch(full);
  const std::size_t n = h.counts.size();
  const std::size_t zero = n / 2;  // 0 is the lower edge of bin n/2
  const auto nq = static_cast<std::size_t>(num_quantized_bins);
  // The bins the data occupies, [dlo, dhi), always reaching the zero edge (the grid includes 0).
  auto bin_of = [&](double v) {
    const double pos = (v - h.lower_edge) / h.bin_width;
    return pos <= 0 ? std::size_t{0} : std::min(static_cast<std::size_t>(pos), n - 1);
  };
  const std::size_t dlo = std::min(zero, bin_of(h.min));
  const std::size_t dhi = std::max(zero, bin_of(h.max) + 1);
  const std::size_t max_half = std::max(zero - dlo, dhi - zero);

  std::vector<std::uint64_t> prefix(n + 1, 0);  // prefix[b] = Σ counts[0..b)
  for (std::size_t b = 0; b < n; ++b) prefix[b + 1] = prefix[b] + h.counts[b];

  double best_kl = std::numeric_limits<double>::infinity();
  std::size_t best_start = 0, best_end = n;
  std::vector<double> p, q, quantized(nq);
  for (std::size_t i = 1; i <= max_half; ++i) {
    // Candidate threshold t = i·width: the grid covers [−t, t] ∩ data, i.e. bins [start, end).
    const std::size_t start = std::max(zero - std::min(i, zero), dlo);
    const std::size_t end = std::min(zero + i, dhi);
    const std::size_t len = end - start;
    if (len < nq) continue;  // finer than the histogram: rounding is invisible at this resolution
    p.assign(h.counts.begin() + static_cast<std::ptrdiff_t>(start), h.counts.begin() + static_cast<std::ptrdiff_t>(end));
    p.front() += static_cast<double>(prefix[start]);          // left outliers (clipped to −t)
    p.back() += static_cast<double>(prefix[n] - prefix[end]);  // right outliers (clipped to t)
    const std::size_t merged = len / nq;
    // Quantize the sliced histogram (without outliers) into nq groups; the last takes the rest.
    for (std::size_t g = 0; g < nq; ++g) {
      const std::size_t gs = start + g * merged;
      const std::size_t ge = (g + 1 == nq) ? end : gs + merged;
      quantized[g] = static_cast<double>(prefix[ge] - prefix[gs]);
    }
    // Expand back over each group's bins where p is non-zero.
    q.assign(len, 0.0);
    for (std::size_t g = 0; g < nq; ++g) {
      const std::size_t gs = g * merged;
      const std::size_t ge = (g + 1 == nq) ? len : gs + merged;
      std::size_t norm = 0;
      for (std::size_t j = gs; j < ge; ++j) norm += (p[j] != 0);
      if (norm == 0) continue;
      const double v = quantized[g] / static_cast<double>(norm);
      for (std::size_t j = gs; j < ge; ++j) q[j] = (p[j] != 0) ? v : 0.0;
    }
    if (!Smooth(&p) || !Smooth(&q)) continue;
    const double kl = KlDivergence(p, q);
    if (kl < best_kl) {
      best_kl = kl;
      best_start = start;
      best_end = end;
    }
  }
  if (!std::isfinite(best_kl)) return {h.min, h.max};  // the data spans fewer bins than levels: keep it all
  return ClipToData(h, h.Edge(best_start), h.Edge(best_end));
}

TensorRange MseRange(const HistogramData& full) {
  if (full.counts.empty()) return {full.min, full.max};
  const HistogramData h = ForSearch(full);
  const std::size_t n = h.counts.size();
  struct Bin {
    double center;
    double count;
  };
  std::vector<Bin> bins;
  for (std::size_t b = 0; b < n; ++b)
    if (h.counts[b]) bins.push_back({h.Edge(b) + 0.5 * h.bin_width, static_cast<double>(h.counts[b])});

  double best_err = std::numeric_limits<double>::infinity();
  TensorRange best{h.min, h.max};
  for (std::size_t i = 1; i <= n / 2; ++i) {
    const double t = static_cast<double>(i) * h.bin_width;
    const TensorRange r = ClipToData(h, -t, t);
    const double lo = std::min(0.0, static_cast<double>(r.min));
    const double hi = std::max(0.0, static_cast<double>(r.max));
    if (!(hi > lo)) continue;
    const double scale = (hi - lo) / 255.0;
    const double zero_point = std::clamp(std::round(-lo / scale), 0.0, 255.0);
    double err = 0;
    for (const Bin& b : bins) {
      const double level = std::clamp(std::round(b.center / scale) + zero_point, 0.0, 255.0);
      const double d = b.center - (level - zero_point) * scale;
      err += b.count * d * d;
    }
    if (err < best_err) {
      best_err = err;
      best = r;
    }
  }
  return best;
}

}  // namespace qbench
