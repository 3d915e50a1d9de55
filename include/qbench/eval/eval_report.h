// qbench/eval/eval_report.h — the typed results of `qbench eval`, `qbench sensitivity` and the
// fp32-fallback search of `qbench quantize`, and their JSON. Each type has one field list, written
// here only (eval_report.cc); the CLI fills the structs and calls ToJson. Keys are snake_case, times
// in ms, fractions in [0, 1], drops in percentage points; NaN and ±inf are written as null.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "qbench/core/log.h"
#include "qbench/core/table.h"
#include "qbench/eval/evaluator.h"
#include "qbench/eval/fallback.h"
#include "qbench/eval/sensitivity.h"

namespace qbench {

/// One `qbench eval` run: the model's accuracy (and fidelity to `reference`) on a dataset.
struct EvalReport {
  std::string model;          ///< as given: a path or zoo:NAME
  std::string reference;      ///< the fp32 reference as given; "" = none
  std::string preprocessing;  ///< DescribePreprocess() of the images fed
  AccuracyResult result;
  std::vector<Warning> warnings;  ///< every warning of the run (the evaluator's and the CLI's)
};

/// {model, dataset, preprocessing, count, skipped, skipped_samples: [{index, reason}], batch_size,
/// classification, num_classes, labelled, top_k, top1, top5, top1_correct, top5_correct,
/// top1_ci95 / top5_ci95: [lo, hi] (null without labels), wall_s, images_per_s, warnings:
/// [{code, message}]}; with a reference also reference, reference_top1, reference_top5, agreement,
/// agreement_count, agreement_ci95 (null for a model without class scores), kl, sqnr_db, cosine,
/// outputs: [{name, sqnr_db, cosine}], and with labels top1_change, top1_change_ci95,
/// top1_change_method, top1_mcnemar_p, top1_paired_counts: {both, model_only, reference_only, neither}.
nlohmann::json ToJson(const EvalReport& report);

/// The fidelity of one configuration vs fp32: {sqnr_db, agreement, kl, top1, drop_points}.
nlohmann::json ScoreJson(const LayerSensitivity& s);

/// A ranked layer: ScoreJson plus {name, op_type, macs, mac_share}.
nlohmann::json ToJson(const LayerSensitivity& s);

/// One configuration of the fallback search: ScoreJson of its result plus {keep_float, float_mac_share}.
nlohmann::json ToJson(const FallbackStep& step);

/// {steps: [ToJson(FallbackStep)], chosen (index into steps), target_met}.
nlohmann::json ToJson(const FallbackPlan& plan);

/// One `qbench sensitivity` run: the single-layer ranking and, when asked, the fallback plan.
struct SensitivityReport {
  std::string model;               ///< as given
  std::string scheme;              ///< --mode
  std::string calibration_method;  ///< --calibration-method; "" for a scheme without calibration (dynamic, fp16)
  std::string dataset;             ///< Dataset::Describe()
  std::size_t samples = 0;         ///< evaluation samples per candidate (--eval-limit)
  std::int64_t total_macs = 0;     ///< MACs of the whole model (mac_share's denominator)
  std::vector<LayerSensitivity> layers;  ///< most sensitive first
  bool has_fallback = false;       ///< --fallback-top / --max-drop given: `fallback` holds the plan
  FallbackPlan fallback;
  std::vector<Warning> warnings;
};

/// {model, scheme, calibration_method, dataset, samples, total_macs, layers: [ToJson(LayerSensitivity)],
/// fallback: ToJson(FallbackPlan) (only with has_fallback), warnings: [{code, message}]}.
nlohmann::json ToJson(const SensitivityReport& report);

/// The fallback of one `qbench quantize --fallback-top K / --max-drop P` run.
struct FallbackReport {
  FallbackSearch search;
  LatencyComparison latency;
  bool eval_on_calibration_data = false;  ///< no --eval-data: fidelity measured on the calibration data
};

/// The "fallback" block of quantize's --json: {criterion ("fallback_top" | "max_drop"), fallback_top,
/// max_drop_points (the other null), drop_definition, eval_data, eval_samples, eval_on_calibration_data,
/// target_met, kept_float: [{name, op_type, macs, mac_share, alone: ScoreJson}], float_mac_share,
/// fully_quantized / written: ScoreJson, steps: [ToJson(FallbackStep)], chosen_step,
/// sensitivity: [ToJson(LayerSensitivity)], latency: {batch_size, intra_op_threads, interleaved,
/// rounds, fallback_timed, fp32 / quantized / fallback: {median_ms, median_ci_low_ms,
/// median_ci_high_ms, mean_ms, p90_ms, cv, runs}, quantized_speedup_vs_fp32 /
/// fallback_speedup_vs_fp32: {speedup, ci_low, ci_high, ci_level}, fallback_cost_ms,
/// fallback_cost_ratio: {ratio, ci_low, ci_high}}}.
nlohmann::json ToJson(const FallbackReport& report);

/// How `qbench sensitivity`'s scheme was calibrated, for its header "scheme  NAME (...)": a scheme
/// that needs calibration (SchemeInfo::needs_calibration, static) gives "calibration METHOD, N
/// samples"; dynamic "no calibration: activations quantized at run time"; any other (fp16) "no
/// calibration". Throws Error(kInvalidArgument) for an unknown scheme (FindQuantizationScheme).
std::string SensitivityCalibrationText(const std::string& scheme, const std::string& method, std::size_t samples);

/// SQNR in dB with two decimals for tables and logs: "31.25"; "inf" for identical outputs; "-" unknown.
std::string FormatDb(double db);
/// A fraction as a percentage with two decimals: "97.50 %"; "-" unknown.
std::string FormatFraction(double fraction);

/// The ranking of `qbench sensitivity` (most sensitive first) as a table (core/table.h; eval_table.cc):
/// rank, layer, op_type ("op"), mac_share ("MACs", % of the model's), sqnr_db, agreement, kl_nats,
/// drop_points ("drop", percentage points), top1 ("top-1", with labels). Unknown values show "-".
Table SensitivityTable(const std::vector<LayerSensitivity>& ranked);

/// The fallback search's configurations in order: chosen ("*" on plan.chosen), kept_fp32 (layers),
/// float_mac_share ("fp32 MACs", %), sqnr_db, agreement, drop_points ("drop").
Table FallbackTable(const FallbackPlan& plan);

}  // namespace qbench
