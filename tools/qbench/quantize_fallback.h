// tools/qbench/quantize_fallback.h — the stdout section of `qbench quantize --fallback-top K /
// --max-drop P`. The search, its latency cost and their JSON are the library's
// (SearchFallback and CompareLatency in qbench/eval/fallback.h, ToJson in qbench/eval/eval_report.h).
#pragma once

#include <string>

#include "qbench/eval/fallback.h"

namespace qbench::cli {

/// The stdout section: kept layers (name, op, MAC share, single-layer SQNR), fidelity of the fully
/// quantized and the written model vs the target, the configurations tried, and the latency table.
/// `eval_note` is printed under the header (e.g. that the evaluation reused the calibration data).
/// The fallback's latency line: "latency cost of the fallback: +0.120 ms, +11.2 % vs fully quantized (95 % CI
/// ...)", or when the fallback model is faster (cost_ms < 0) "the fallback is 11.2 % faster than fully quantized
/// (0.120 ms less; cost 95 % CI ...)" — never a negative cost.
std::string FallbackCostLine(const LatencyComparison& latency);

std::string FormatFallback(const FallbackSearch& search, const LatencyComparison& latency, const std::string& eval_note);

}  // namespace qbench::cli
