// Per-layer sensitivity ranking and the fp32-fallback search (see qbench/eval/sensitivity.h).
#include "qbench/eval/sensitivity.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "qbench/core/error.h"

namespace qbench {
namespace {

LayerSensitivity Score(const AccuracyResult& r) {
  LayerSensitivity s;
  s.sqnr_db = r.sqnr_db;
  s.agreement = r.top1_agreement;
  s.kl = r.mean_kl;
  s.top1 = r.top1;
  // Agreement, not the top-1 difference: label-free, and one noisy count instead of the difference of two.
  s.drop_points = std::isfinite(r.top1_agreement) ? 100.0 * (1.0 - r.top1_agreement) : 0.0;
  return s;
}

// Evaluates one candidate model against the (replayed) fp32 runner.
LayerSensitivity EvaluateCandidate(const Model& candidate, ReplayRunner& reference, const Dataset& dataset,
                                   const SensitivityOptions& options) {
  auto runner = OrtRunner::Create(candidate, options.session);
  reference.Rewind();
  EvalOptions eval = options.eval;
  eval.progress = nullptr;
  return Score(Evaluate(*runner, dataset, eval, &reference));
}

std::int64_t TotalMacs(const std::vector<LayerInfo>& layers, std::int64_t total_macs) {
  if (total_macs > 0) return total_macs;
  std::int64_t sum = 0;
  for (const auto& l : layers) sum += std::max<std::int64_t>(0, l.macs);
  return sum;
}

}  // namespace

std::vector<HostTensor> ReplayRunner::Run(const std::vector<HostTensor>& feeds) {
  const std::size_t i = call_++;
  if (i < recorded_.size() && SameFeeds(recorded_[i].first, feeds)) return recorded_[i].second;
  auto outs = inner_.Run(feeds);
  if (i >= recorded_.size()) recorded_.emplace_back(feeds, outs);
  return outs;
}

bool ReplayRunner::SameFeeds(const std::vector<HostTensor>& a, const std::vector<HostTensor>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t k = 0; k < a.size(); ++k) {
    if (a[k].dtype != b[k].dtype || a[k].shape != b[k].shape || a[k].bytes != b[k].bytes) return false;
  }
  return true;
}

CachedDataset::CachedDataset(const Dataset& source, std::size_t limit) {
  const std::size_t n = limit > 0 ? std::min(limit, source.size()) : source.size();
  samples_.resize(n);
  errors_.resize(n);
  codes_.resize(n, ErrorCode::kInvalidInput);
  for (std::size_t i = 0; i < n; ++i) {
    try {
      samples_[i] = source.Get(i);
    } catch (const Error& e) {
      errors_[i] = e.what();
      codes_[i] = e.code();
    }
  }
  description_ = source.Describe() + (n < source.size() ? ", first " + std::to_string(n) : "");
}

Sample CachedDataset::Get(std::size_t i) const {
  if (i >= samples_.size()) throw Error(ErrorCode::kInvalidArgument, "sample index " + std::to_string(i) + " out of range");
  if (!errors_[i].empty()) throw Error(codes_[i], errors_[i]);
  return samples_[i];
}

std::vector<LayerSensitivity> RankLayerSensitivity(const Model& fp32, const std::vector<LayerInfo>& layers,
                                                   std::int64_t total_macs, const QuantizeFn& quantize,
                                                   const Dataset& dataset, const SensitivityOptions& options) {
  if (layers.empty()) throw Error(ErrorCode::kInvalidArgument, "no quantizable layers to rank");
  const std::int64_t total = TotalMacs(layers, total_macs);
  CachedDataset cached(dataset, options.eval.limit);
  auto fp32_runner = OrtRunner::Create(fp32, options.session);
  ReplayRunner reference(*fp32_runner);
  std::vector<LayerSensitivity> ranked;
  for (std::size_t k = 0; k < layers.size(); ++k) {
    std::vector<std::string> keep = options.also_float;
    for (std::size_t j = 0; j < layers.size(); ++j) {
      if (j != k) keep.push_back(layers[j].name);
    }
    LayerSensitivity s = EvaluateCandidate(quantize(keep), reference, cached, options);
    s.layer = layers[k];
    s.mac_share = total > 0 ? static_cast<double>(std::max<std::int64_t>(0, layers[k].macs)) / total : 0.0;
    if (options.progress) options.progress(k + 1, layers.size(), s);
    ranked.push_back(s);
  }
  // SQNR first: continuous, so it separates layers that a few hundred samples' agreement cannot.
  auto key = [](double v) { return std::isnan(v) ? std::numeric_limits<double>::infinity() : v; };
  std::stable_sort(ranked.begin(), ranked.end(), [&](const LayerSensitivity& a, const LayerSensitivity& b) {
    if (key(a.sqnr_db) != key(b.sqnr_db)) return key(a.sqnr_db) < key(b.sqnr_db);
    return a.drop_points > b.drop_points;
  });
  return ranked;
}

FallbackPlan PlanFallback(const Model& fp32, const std::vector<LayerSensitivity>& ranked, std::int64_t total_macs,
                          const QuantizeFn& quantize, const Dataset& dataset, const FallbackCriteria& criteria,
                          const SensitivityOptions& options) {
  if (criteria.fallback_top == 0 && criteria.max_drop_points < 0) {
    throw Error(ErrorCode::kInvalidArgument, "no fallback criterion: set --fallback-top K (> 0) or --max-drop P (>= 0 points)");
  }
  if (criteria.fallback_top > ranked.size()) {
    throw Error(ErrorCode::kInvalidArgument, "--fallback-top " + std::to_string(criteria.fallback_top) + " exceeds the " +
                                                 std::to_string(ranked.size()) + " quantizable layers");
  }
  std::vector<LayerInfo> layers;
  for (const auto& r : ranked) layers.push_back(r.layer);
  const std::int64_t total = TotalMacs(layers, total_macs);
  CachedDataset cached(dataset, options.eval.limit);
  auto fp32_runner = OrtRunner::Create(fp32, options.session);
  ReplayRunner reference(*fp32_runner);
  FallbackPlan plan;
  auto evaluate = [&](std::size_t keep_count) {
    FallbackStep step;
    std::int64_t float_macs = 0;
    for (std::size_t i = 0; i < keep_count; ++i) {
      step.keep_float.push_back(ranked[i].layer.name);
      float_macs += std::max<std::int64_t>(0, ranked[i].layer.macs);
    }
    step.float_mac_share = total > 0 ? static_cast<double>(float_macs) / total : 0.0;
    step.result = EvaluateCandidate(quantize(step.keep_float), reference, cached, options);
    plan.steps.push_back(step);
    if (options.progress) options.progress(plan.steps.size(), ranked.size() + 1, step.result);
    return step.result.drop_points;
  };
  if (criteria.fallback_top > 0) {
    evaluate(0);
    evaluate(criteria.fallback_top);
    plan.chosen = 1;
    plan.target_met = true;
    return plan;
  }
  for (std::size_t keep = 0; keep <= ranked.size(); ++keep) {
    const double drop = evaluate(keep);
    // NaN (no metric) counts as met. The tolerance absorbs rounding: 199/200 agreement gives
    // 100·(1 − 0.995) = 0.5000000000000004 points, which must meet --max-drop 0.5.
    if (!(drop > criteria.max_drop_points + 1e-9)) {
      plan.chosen = plan.steps.size() - 1;
      plan.target_met = true;
      return plan;
    }
  }
  plan.chosen = plan.steps.size() - 1;  // everything fp32 and still above the target
  return plan;
}

}  // namespace qbench
