// qbench/benchmark/bench_report.h — the results of `qbench bench` and their formats: a readable table,
// JSON, CSV and Markdown, all from one schema (one list of columns), each file written atomically.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "qbench/benchmark/benchmark.h"
#include "qbench/benchmark/memory_probe.h"
#include "qbench/benchmark/environment.h"
#include "qbench/benchmark/statistics.h"
#include "qbench/benchmark/timed_point.h"
#include "qbench/core/log.h"
#include "qbench/core/table.h"
#include "qbench/model/model.h"

namespace qbench {

/// One (model, batch) point of a run: measured, or skipped with the reason.
struct BenchPoint {
  std::string model;                  ///< display name (ModelDisplayName)
  std::string model_spec;             ///< as given: a path or zoo:NAME
  std::int64_t batch_size = 1;        ///< dim 0 actually fed (never a label for another batch)
  std::vector<TensorInfo> inputs;     ///< concrete shapes fed; empty when skipped before resolving
  std::vector<std::string> input_distributions;  ///< GeneratedInput::distribution, same order as inputs
  bool measured = false;
  std::string skip_reason;            ///< one line naming the input/node/flag when !measured
  Measurement measurement;            ///< valid when measured
  bool has_speedup = false;           ///< a candidate of an interleaved comparison with a measured baseline
  std::string speedup_baseline;       ///< display name of the baseline (the first model)
  SpeedupEstimate speedup;            ///< median(baseline)/median(this) with its CI
  /// Why a candidate measured beside a measured baseline has no speedup (has_speedup false), e.g.
  /// "inputs differ": a ratio of latencies on different shapes or dtypes means nothing. Shown as
  /// "n/a (<reason>)" in the table, in `note`, and as "speedup_unavailable" in JSON; "" otherwise.
  std::string speedup_unavailable;
  /// This model alone at this batch, measured in a child process (memory_probe.h); !ok (with its
  /// error) when the probe failed or was not run: the process-wide figures of `measurement` remain.
  MemoryProbeResult memory;
};

/// A whole `qbench bench` run.
struct BenchReport {
  EnvironmentInfo environment;
  BenchmarkConfig config;
  std::uint64_t input_seed = 0;
  bool interleaved = false;           ///< several models timed A B A B …
  std::vector<BenchPoint> points;
  std::vector<Warning> warnings;
};

/// Every point as one table (core/table.h), the one schema of the CSV and Markdown files. Columns (keys
/// snake_case with unit suffixes, the lab's results.csv names where both have the figure): model,
/// batch, inputs, status ("ok" or "failed"), then StatisticsColumns() (statistics_report.h: n,
/// mean_ms, stddev_ms, median_ms, median_ci_low_ms, median_ci_high_ms, median_ci_level — the
/// interval's exact coverage, a fraction, < 0.95 when n < 6 — min_ms, max_ms, p90_ms, p99_ms, cv,
/// outliers), throughput_samples_per_s, session_create_ms, first_run_ms, peak_rss_bytes (the model
/// alone when memory_method is "isolated"), rss_growth_bytes, weights_memory_bytes,
/// session_memory_bytes, arena_peak_bytes, memory_method ("isolated" or "process"), speedup,
/// speedup_ci95_low, speedup_ci95_high (against the first model), note. Numbers are shown rounded for
/// reading (ms with 3 decimals, CV and CI level in %, ratios with 3 decimals) and kept exact for CSV.
/// A point that could not be measured has status "failed", empty numbers and the reason in `note`.
Table BenchTable(const BenchReport& report);

/// A readable, aligned table of the main columns, then the speedups with their CIs, for stdout.
/// The median CI column is headed "95% CI ms" when every interval reaches 95 %; otherwise it is
/// headed "median CI ms, level" and each cell gives its level ("[2.000, 4.000] 75%").
std::string FormatBenchTable(const BenchReport& report);

/// The figures of a point in the shape every results file shares (timed_point.h): not measured →
/// status "failed" with the reason as `error`; else its Measurement, the memory of the model alone
/// (ApplyMemoryProbe) and, for a candidate, the speedup against the first model (baseline_variant).
TimedPoint TimedPointOf(const BenchPoint& point);

/// JSON (schema "qbench.bench/2"): {"schema", "environment", "settings", "results": [{model,
/// model_spec, batch, inputs, then TimedPointFields (timed_point.h; the keys of the lab's point
/// records): status, error, latency_ms (the statistics), samples_ms, throughput_samples_per_s,
/// session_create_ms, first_run_ms, peak_rss_bytes, weights_memory_bytes, session_memory_bytes,
/// arena_peak_bytes (-1 = unknown), memory_method, memory_error, baseline_variant, speedup,
/// speedup_ci95_low, speedup_ci95_high; then bench's own: warmup_samples_ms, timed_total_s, extended,
/// hit_cap, process_peak_rss_bytes, rss_before_bytes, rss_after_bytes, rss_growth_bytes,
/// baseline_rss_bytes (isolated only), speedup_unavailable (only when set)}],
/// "warnings": [{code, message}]}. NaN is written as null.
std::string BenchReportJson(const BenchReport& report);

/// WriteCsv(BenchTable(report)): RFC 4180, header = the column keys, numbers exact.
std::string BenchReportCsv(const BenchReport& report);

/// Markdown: environment summary, WriteMarkdown(BenchTable(report)), and the warnings.
std::string BenchReportMarkdown(const BenchReport& report);

/// Where to write; an empty path is skipped.
struct BenchOutputs {
  std::string json_path;
  std::string csv_path;
  std::string md_path;
};

/// Writes every requested format, each with WriteFileAtomic (a reader sees the old or the whole new
/// file). Throws Error(kIo) naming the path.
void WriteBenchReports(const BenchReport& report, const BenchOutputs& outputs);

}  // namespace qbench
