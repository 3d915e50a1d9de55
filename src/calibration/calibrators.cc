// The calibration methods, one class each, and the method table (see calibrator.h).
#include <algorithm>
#include <cmath>
#include <limits>

#include "qbench/calibration/calibrator.h"
#include "qbench/calibration/histogram.h"
#include "qbench/core/error.h"
#include "qbench/core/text.h"

namespace qbench {
namespace {

// The range a histogram method chose, with the data extent and the no-data flag of `h`.
// ±Inf seen widen the extent to ±Inf (the finite range stays what the method chose).
TensorRange WithExtent(TensorRange r, const HistogramData& h) {
  if (!h.seen_any) return TensorRange{0.0f, 0.0f, 1.0f, -1.0f, true};
  constexpr float kInf = std::numeric_limits<float>::infinity();
  r.data_min = h.neg_inf ? -kInf : h.min;
  r.data_max = h.pos_inf ? kInf : h.max;
  return r;
}

/// MinMax: the running minimum and maximum of every finite value seen (ORT MinMaxCalibrater
/// without moving average). NaN/Inf are skipped (±Inf still widen the data extent).
class MinMaxCalibrator : public Calibrator {
 public:
  void Collect(const std::string& name, const float* values, std::size_t n) override {
    Entry& e = ranges_[name];
    bool neg_inf = false, pos_inf = false;
    const TensorRange batch = FiniteMinMax(values, n, &neg_inf, &pos_inf);
    e.neg_inf = e.neg_inf || neg_inf;
    e.pos_inf = e.pos_inf || pos_inf;
    if (batch.min > batch.max) return;  // no finite value in this batch
    if (!e.seen) {
      e.range = batch;
      e.seen = true;
    } else {
      e.range.min = std::min(e.range.min, batch.min);
      e.range.max = std::max(e.range.max, batch.max);
    }
  }
  CalibrationTable ComputeRanges() const override {
    CalibrationTable table;
    for (const auto& [name, e] : ranges_) {
      TensorRange r = e.seen ? e.range : TensorRange{};
      r.empty = !e.seen;
      if (e.seen) {
        r.data_min = e.neg_inf ? -std::numeric_limits<float>::infinity() : r.min;
        r.data_max = e.pos_inf ? std::numeric_limits<float>::infinity() : r.max;
      }
      table[name] = r;
    }
    return table;
  }

 private:
  struct Entry {
    TensorRange range;
    bool seen = false;
    bool neg_inf = false, pos_inf = false;
  };
  std::map<std::string, Entry> ranges_;
};

/// Percentile: histogram of |x| (AbsHistogram), then PercentileRange (ORT PercentileCalibrater,
/// symmetric=True, its default).
class PercentileCalibrator : public Calibrator {
 public:
  PercentileCalibrator(double percentile, int num_bins) : percentile_(percentile), num_bins_(num_bins) {}
  void Collect(const std::string& name, const float* values, std::size_t n) override {
    auto it = hists_.find(name);
    if (it == hists_.end()) it = hists_.emplace(name, AbsHistogram(num_bins_)).first;
    it->second.Add(values, n);
  }
  CalibrationTable ComputeRanges() const override {
    CalibrationTable table;
    for (const auto& [name, h] : hists_) table[name] = WithExtent(PercentileRange(h.data(), percentile_), h.data());
    return table;
  }

 private:
  double percentile_;
  int num_bins_;
  std::map<std::string, AbsHistogram> hists_;
};

/// Shared collection for the two methods that search a SymmetricHistogram.
class SymmetricHistogramCalibrator : public Calibrator {
 public:
  explicit SymmetricHistogramCalibrator(int num_bins) : num_bins_(num_bins) {}
  void Collect(const std::string& name, const float* values, std::size_t n) override {
    auto it = hists_.find(name);
    if (it == hists_.end()) it = hists_.emplace(name, SymmetricHistogram(num_bins_)).first;
    it->second.Add(values, n);
  }

 protected:
  int num_bins_;
  std::map<std::string, SymmetricHistogram> hists_;
};

/// Entropy: KL-divergence threshold search (EntropyRange), as TensorRT / ORT EntropyCalibrater.
class EntropyCalibrator : public SymmetricHistogramCalibrator {
 public:
  EntropyCalibrator(int num_bins, int num_quantized_bins)
      : SymmetricHistogramCalibrator(num_bins), num_quantized_bins_(num_quantized_bins) {}
  CalibrationTable ComputeRanges() const override {
    CalibrationTable table;
    for (const auto& [name, h] : hists_) table[name] = WithExtent(EntropyRange(h.data(), num_quantized_bins_), h.data());
    return table;
  }

 private:
  int num_quantized_bins_;
};

/// MSE: the clipping threshold with the smallest uint8 quantization error (MseRange).
class MseCalibrator : public SymmetricHistogramCalibrator {
 public:
  using SymmetricHistogramCalibrator::SymmetricHistogramCalibrator;
  CalibrationTable ComputeRanges() const override {
    CalibrationTable table;
    for (const auto& [name, h] : hists_) table[name] = WithExtent(MseRange(h.data()), h.data());
    return table;
  }
};

std::vector<std::string> MethodNameList() {
  std::vector<std::string> names;
  for (const auto& m : CalibrationMethods()) names.push_back(m.name);
  return names;
}

std::string MethodNames() {
  std::string s;
  for (const auto& n : MethodNameList()) s += (s.empty() ? "" : ", ") + n;
  return s;
}

}  // namespace

const std::vector<CalibrationMethodInfo>& CalibrationMethods() {
  static const std::vector<CalibrationMethodInfo> k = {
      // method, CLI name, description, tried by --auto
      {CalibrationMethod::kMinMax, "minmax", "running minimum and maximum of every value seen", true},
      {CalibrationMethod::kPercentile, "percentile",
       "clip |x| at a percentile of its histogram (default 99.999, as ONNX Runtime)", true},
      {CalibrationMethod::kEntropy, "entropy",
       "threshold minimising the KL divergence of the int8 histogram (TensorRT's entropy calibration)", true},
      {CalibrationMethod::kMse, "mse", "threshold minimising the uint8 quantization mean squared error", true},
  };
  return k;
}

std::vector<CalibrationMethod> AutoSearchCalibrationMethods() {
  std::vector<CalibrationMethod> out;
  for (const auto& m : CalibrationMethods())
    if (m.tried_by_auto) out.push_back(m.method);
  return out;
}

CalibrationMethod ParseCalibrationMethod(const std::string& name) {
  for (const auto& m : CalibrationMethods())
    if (name == m.name) return m.method;
  throw Error(ErrorCode::kInvalidArgument, UnknownChoice("calibration method", name, MethodNameList()));
}

const char* CalibrationMethodName(CalibrationMethod method) {
  for (const auto& m : CalibrationMethods())
    if (m.method == method) return m.name;
  return "unknown";
}

std::unique_ptr<Calibrator> MakeCalibrator(const CalibrationOptions& options) {
  if (options.num_bins < 2)
    throw Error(ErrorCode::kInvalidArgument,
                "calibration histogram bins " + std::to_string(options.num_bins) + " must be >= 2 (default 2048)");
  switch (options.method) {
    case CalibrationMethod::kMinMax:
      return std::make_unique<MinMaxCalibrator>();
    case CalibrationMethod::kPercentile:
      if (!(options.percentile > 0 && options.percentile <= 100))
        throw Error(ErrorCode::kInvalidArgument, "calibration percentile " + std::to_string(options.percentile) +
                                                     " is outside (0, 100]; the default is 99.999");
      return std::make_unique<PercentileCalibrator>(options.percentile, options.num_bins);
    case CalibrationMethod::kEntropy:
      if (options.num_quantized_bins < 2 || options.num_quantized_bins > options.num_bins)
        throw Error(ErrorCode::kInvalidArgument,
                    "entropy calibration needs 2 <= quantized bins <= histogram bins; got " +
                        std::to_string(options.num_quantized_bins) + " and " + std::to_string(options.num_bins));
      return std::make_unique<EntropyCalibrator>(options.num_bins, options.num_quantized_bins);
    case CalibrationMethod::kMse:
      return std::make_unique<MseCalibrator>(options.num_bins);
  }
  throw Error(ErrorCode::kInvalidArgument, "unknown calibration method; expected one of: " + MethodNames());
}

}  // namespace qbench
