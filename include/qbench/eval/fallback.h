// qbench/eval/fallback.h — `--fallback-top K / --max-drop P`: which of the most sensitive layers to
// keep in fp32, searched with RankLayerSensitivity + PlanFallback (qbench/eval/sensitivity.h) driven
// through a SensitivityQuantizer (qbench/eval/sensitivity_quantizer.h).
//
// "Drop" is sensitivity.h's: 100 × (1 − top-1 agreement with the fp32 model) on the evaluation
// samples, in percentage points — label-free; 0 for a model without class scores.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "qbench/data/dataset.h"
#include "qbench/eval/sensitivity.h"
#include "qbench/eval/sensitivity_quantizer.h"
#include "qbench/model/model.h"

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

}  // namespace qbench
