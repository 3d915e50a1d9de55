// The accuracy-aware fp32-fallback search (see fallback.h).
#include "qbench/eval/fallback.h"

#include <fmt/format.h>

#include <utility>

#include "qbench/benchmark/compare.h"
#include "qbench/core/error.h"
#include "qbench/core/log.h"
#include "qbench/runtime/ort_env.h"

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

std::string FallbackLatencyNoisyMessage(const LatencyComparison& c) {
  std::string cvs = fmt::format("CV fp32 {:.0f} %, fully quantized {:.0f} %", 100 * c.fp32.statistics.cv,
                                100 * c.quantized.statistics.cv);
  if (c.fallback_timed) cvs += fmt::format(", with fallback {:.0f} %", 100 * c.fallback.statistics.cv);
  return fmt::format("fallback latency: the timings stayed noisy over {} interleaved rounds ({}); the medians and "
                     "their intervals still hold, but for steadier numbers time the models with `qbench bench` on a "
                     "quiet machine", c.rounds, cvs);
}

LatencyComparison CompareLatency(const Model& fp32, const Model& quantized, const Model* fallback,
                                 const ShapeOverrides& shapes, int intra_op_threads) {
  LatencyComparison c;
  c.intra_op_threads = intra_op_threads;
  c.fallback_timed = fallback != nullptr;
  const std::vector<TensorInfo> inputs = ResolveInputShapes(fp32, shapes);
  if (!inputs.empty() && !inputs[0].shape.empty()) c.batch_size = inputs[0].shape[0];
  std::vector<CompareModel> models = {{"fp32", &fp32, inputs, ""}, {"fully quantized", &quantized, inputs, ""}};
  if (fallback) models.push_back({"with fallback", fallback, inputs, ""});
  CompareOptions options;  // identical seeded inputs (seed 0); the interleaving policy's default pool
  options.session.intra_op_threads = intra_op_threads;
  options.config.warmup_runs = 3;
  options.config.repetitions = 30;
  options.config.max_repetitions = 100;
  options.config.cv_threshold = 0.05;
  options.config.batch_size = c.batch_size;
  LogInfo(fmt::format("fallback: timing {} models interleaved at batch {} with {}", models.size(), c.batch_size,
                      IntraOpThreadsText(intra_op_threads)));
  const Comparison r = CompareModels(models, options);
  for (const auto& w : r.warnings) Log(LogLevel::kWarning, w.message + " [" + w.code + "]");
  c.rounds = r.rounds;
  c.fp32 = r.models[0].measurement;
  c.quantized = r.models[1].measurement;
  c.quantized_vs_fp32 = r.models[1].speedup;
  if (fallback) {
    c.fallback = r.models[2].measurement;
    c.fallback_vs_fp32 = r.models[2].speedup;
    // median(fallback) / median(quantized): EstimateSpeedup's baseline / candidate, paired by round.
    const SpeedupEstimate cost =
        EstimateSpeedup(c.fallback.latency_ms, c.quantized.latency_ms, true, options.config.seed);
    c.cost_ratio = cost.speedup;
    c.cost_ratio_ci_low = cost.ci_low;
    c.cost_ratio_ci_high = cost.ci_high;
  } else {
    c.fallback = c.quantized;
    c.fallback_vs_fp32 = c.quantized_vs_fp32;
  }
  c.cost_ms = c.fallback.statistics.median_ms - c.quantized.statistics.median_ms;
  return c;
}

}  // namespace qbench
