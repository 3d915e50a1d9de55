// qbench/eval/fallback.h — `--fallback-top K / --max-drop P`: which of the most sensitive layers to
// keep in fp32, searched with RankLayerSensitivity + PlanFallback (qbench/eval/sensitivity.h) driven
// through a SensitivityQuantizer (qbench/eval/sensitivity_quantizer.h), and what keeping them costs
// in latency: fp32, the fully quantized and the fallback model timed interleaved (CompareModels).
//
// "Drop" is sensitivity.h's: 100 × (1 − top-1 agreement with the fp32 model) on the evaluation
// samples, in percentage points — label-free; 0 for a model without class scores.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "qbench/benchmark/benchmark.h"
#include "qbench/data/dataset.h"
#include "qbench/eval/sensitivity.h"
#include "qbench/eval/sensitivity_quantizer.h"
#include "qbench/model/model.h"
#include "qbench/model/shapes.h"

namespace qbench {

/// What the fallback search found.
struct FallbackSearch {
  FallbackCriteria criteria;
  /// Every layer's single-layer sensitivity, most sensitive first. Empty when --max-drop was met by
  /// the fully quantized model (then no layer needed ranking).
  std::vector<LayerSensitivity> ranked;
  FallbackPlan plan;            ///< every configuration evaluated; plan.steps[0] = fully quantized
  std::size_t chosen = 0;       ///< index into plan.steps of the configuration that gets written
  bool target_met = true;       ///< --max-drop met by the chosen configuration (--fallback-top: true)
  std::vector<LayerSensitivity> kept;  ///< the ranked entries of the layers kept fp32, in keep order
  std::string dataset;          ///< Describe() of the evaluation samples
  std::size_t samples = 0;      ///< evaluation samples decoded
};

/// Runs the search on the first `options.eval.limit` samples of `data` (decoded once).
/// --max-drop: the fully quantized model is evaluated first and the layers are ranked only when it
/// misses the target; when even every layer in fp32 misses it, the configuration with the smallest
/// drop is chosen (the fewest fp32 layers among ties) and target_met is false.
/// Throws Error(kUnsupported) when the quantization quantizes no MAC-bearing layer, and what
/// RankLayerSensitivity / PlanFallback throw (Error(kInvalidArgument) for K above the layer count).
FallbackSearch SearchFallback(const Model& fp32, SensitivityQuantizer& quantizer, const Dataset& data,
                              const FallbackCriteria& criteria, const SensitivityOptions& options);

/// fp32 vs fully quantized vs fallback latency, measured interleaved in one run. Times in ms.
struct LatencyComparison {
  std::int64_t batch_size = 1;
  int intra_op_threads = 0;     ///< ORT intra-op threads of every session (0 = ORT default)
  int rounds = 0;               ///< timed rounds; each model ran once per round
  bool fallback_timed = false;  ///< false: no layer kept fp32, the fallback model is the quantized one
  Measurement fp32, quantized, fallback;  ///< fallback == quantized when !fallback_timed
  SpeedupEstimate quantized_vs_fp32;      ///< median(fp32) / median(quantized), paired bootstrap CI
  SpeedupEstimate fallback_vs_fp32;       ///< median(fp32) / median(fallback)
  /// median(fallback) / median(quantized) (> 1: the fallback is slower), with its paired CI.
  double cost_ratio = 1.0, cost_ratio_ci_low = 1.0, cost_ratio_ci_high = 1.0;
  double cost_ms = 0.0;                   ///< median(fallback) − median(quantized)
};

/// The warning when the timings of `c` stayed noisy (a model hit the round cap): the rounds and the
/// CV of each model timed: fp32 and fully quantized, and "with fallback" only when it was timed
/// (c.fallback_timed; else it is the quantized model and has no CV of its own). Percent, no decimals.
std::string FallbackLatencyNoisyMessage(const LatencyComparison& c);

/// Times the three models (`fallback` null: only fp32 and `quantized`) at the input shapes
/// ResolveInputShapes(fp32, shapes) gives, with seeded random inputs (GenerateInputs, seed 0)
/// shared by all, round-robin after 3 warm-up rounds: 30 rounds, extended while a CV > 5 %, at
/// most 100 (CompareModels, with its default interleaving policy, docs/measurement.md).
/// Sessions: `intra_op_threads` threads. Throws what CompareModels throws.
LatencyComparison CompareLatency(const Model& fp32, const Model& quantized, const Model* fallback,
                                 const ShapeOverrides& shapes, int intra_op_threads);

}  // namespace qbench
