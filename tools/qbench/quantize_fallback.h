// tools/qbench/quantize_fallback.h — `qbench quantize --fallback-top K / --max-drop P`: the search
// (SearchFallback, qbench/eval/fallback.h) and what keeping the layers fp32 costs in latency: fp32,
// the fully quantized and the fallback model timed interleaved (CompareModels).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "qbench/benchmark/benchmark.h"
#include "qbench/eval/fallback.h"
#include "qbench/model/shapes.h"

namespace qbench::cli {

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

/// Times the three models (`fallback` null: only fp32 and `quantized`) at the input shapes
/// ResolveInputShapes(fp32, shapes) gives, with seeded random inputs (GenerateInputs, seed 0)
/// shared by all, round-robin after 3 warm-up rounds: 30 rounds, extended while a CV > 5 %, at
/// most 100 (CompareModels, with its default interleaving policy, docs/measurement.md).
/// Sessions: `intra_op_threads` threads. Throws what CompareModels throws.
LatencyComparison CompareLatency(const Model& fp32, const Model& quantized, const Model* fallback,
                                 const ShapeOverrides& shapes, int intra_op_threads);

/// The stdout section: kept layers (name, op, MAC share, single-layer SQNR), fidelity of the fully
/// quantized and the written model vs the target, the configurations tried, and the latency table.
/// `eval_note` is printed under the header (e.g. that the evaluation reused the calibration data).
std::string FormatFallback(const FallbackSearch& search, const LatencyComparison& latency, const std::string& eval_note);

/// The "fallback" block of the --report JSON (snake_case keys, times in ms, drops in points).
nlohmann::json FallbackJson(const FallbackSearch& search, const LatencyComparison& latency, bool eval_on_calibration_data);

}  // namespace qbench::cli
