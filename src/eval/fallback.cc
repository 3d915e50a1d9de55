// The accuracy-aware fp32-fallback search (see fallback.h).
#include "qbench/eval/fallback.h"

#include <fmt/format.h>

#include <utility>

#include "qbench/core/error.h"
#include "qbench/core/log.h"

namespace qbench {

FallbackSearch SearchFallback(const Model& fp32, SensitivityQuantizer& quantizer, const Dataset& data,
                              const FallbackCriteria& criteria, const SensitivityOptions& options_in) {
  FallbackSearch s;
  s.criteria = criteria;
  SensitivityOptions options = options_in;
  options.also_float.clear();
  std::int64_t total_macs = 0;
  const std::vector<LayerInfo> layers = quantizer.QuantizableLayers(&total_macs, &options.also_float);
  if (layers.empty()) {
    throw Error(ErrorCode::kUnsupported, "this quantization quantizes no MAC-bearing layer (Conv, Gemm, MatMul, ...): "
                                         "there is nothing to keep in fp32; drop --fallback-top / --max-drop");
  }
  if (criteria.fallback_top > layers.size()) {  // before the ranking, which costs one evaluation per layer
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("--fallback-top {} exceeds the {} MAC-bearing layers this quantization quantizes; give at "
                            "most {}", criteria.fallback_top, layers.size(), layers.size()));
  }
  const CachedDataset cached(data, options.eval.limit);  // decoded once for every evaluation
  s.dataset = cached.Describe();
  s.samples = cached.size();
  const QuantizeFn quantize = quantizer.Fn();
  if (criteria.fallback_top == 0) {
    // --max-drop: when the fully quantized model meets the target, no layer needs ranking.
    LogInfo("fallback: evaluating the fully quantized model against fp32 on " + s.dataset);
    FallbackPlan first = PlanFallback(fp32, {}, total_macs, quantize, cached, criteria, options);
    if (first.target_met) {
      s.plan = std::move(first);
      return s;
    }
  }
  LogInfo(fmt::format("fallback: ranking {} layers by sensitivity (each quantized alone) on {}", layers.size(), s.dataset));
  s.ranked = RankLayerSensitivity(fp32, layers, total_macs, quantize, cached, options);
  s.plan = PlanFallback(fp32, s.ranked, total_macs, quantize, cached, criteria, options);
  s.chosen = s.plan.chosen;
  s.target_met = s.plan.target_met;
  if (!s.target_met) {
    // Missed even with every layer fp32: write the configuration closest to the target.
    for (std::size_t i = 0; i < s.plan.steps.size(); ++i) {
      if (s.plan.steps[i].result.drop_points < s.plan.steps[s.chosen].result.drop_points) s.chosen = i;
    }
  }
  for (std::size_t i = 0; i < s.plan.steps[s.chosen].keep_float.size(); ++i) s.kept.push_back(s.ranked[i]);
  return s;
}

}  // namespace qbench
