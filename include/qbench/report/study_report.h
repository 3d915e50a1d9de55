// qbench/report/study_report.h — a lab study's output files: results.json, results.csv, report.md,
// report.html and the plots, all written atomically into the output folder.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "qbench/core/table.h"
#include "qbench/lab/results.h"
#include "qbench/report/plots.h"

namespace qbench {

/// results.csv as a table (core/table.h), one row per point. Columns (snake_case, unit suffixes):
/// model, variant, batch, input_size, threads, status, then the latency's StatisticsColumns()
/// (benchmark/statistics_report.h, the same schema as `bench`: n, mean_ms, stddev_ms, median_ms,
/// median_ci_low_ms, median_ci_high_ms, median_ci_level — the true coverage of that interval, below
/// 0.95 when n < 6 — min_ms, max_ms, p90_ms, p99_ms, cv, outliers), throughput_samples_per_s,
/// session_create_ms, first_run_ms, peak_rss_bytes, macs, achieved_macs_per_s, speedup,
/// speedup_ci95_low, speedup_ci95_high, provider, energy_per_inference_j, average_power_w,
/// energy_ratio, energy_ratio_ci95_low, energy_ratio_ci95_high, file_size_bytes, top1, error.
/// Unknown values (failed points, no energy, no accuracy) are empty cells.
Table StudyTable(const LabStudy& study);

/// results.csv text: WriteCsv(StudyTable(study)) — RFC 4180 quoting, numbers in the shortest form
/// that reads back to the same double.
std::string StudyCsv(const LabStudy& study);

/// The models table of report.md (no heading): per model and variant the original bits, weight and
/// activation precision, quantized op types, int8 share of MACs, MACs/sample, file size and its ratio
/// to the baseline, quantize time and status; then the calibration used, the models measured as given
/// (not fp32) and those with random zoo weights. Used by StudyMarkdown and, per device, by the merged
/// report (merge.h).
std::string ModelsMarkdown(const LabStudy& study);

/// report.md text: what was measured and on what, how long it took, the observations
/// (GenerateObservations), the models table (bits, precision, what was quantized, int8 share of
/// MACs, size before/after; the input size each model was measured at), per-model latency tables
/// (mean ± std, median with its CI — FormatMedianCi, which states the CI's true level when it is below 95 % —
/// throughput, speedup with its CI, session creation, peak RSS), accuracy, the roofline tables,
/// the plots (`plots`, relative paths), failed points, warnings and the method notes. Latencies
/// use FormatMs, ratios FormatRatio, sizes FormatBytes (analysis.h), so a test can find the JSON's
/// numbers in it.
std::string StudyMarkdown(const LabStudy& study, const std::vector<PlotFile>& plots);

/// Writes results.json (ToJson(study), 2-space indent), results.csv, the plots (unless
/// `with_plots` is false), report.md and report.html (report.md as one self-contained page with the
/// plots embedded: MarkdownToHtmlPage, html_report.h) into `output_dir`, each atomically. Returns the paths written.
/// A plotting failure does not stop the others: it becomes a warning in the report. `stop_plots`
/// (optional) is asked before each plot: once it returns true no further plot is drawn (the lab's
/// second Ctrl-C), the results files are still written and report.md shows the plots drawn before.
/// Throws Error(kIo) naming the path when a file cannot be written.
std::vector<std::string> WriteStudyOutputs(const LabStudy& study, const std::string& output_dir, bool with_plots = true,
                                           const std::function<bool()>& stop_plots = nullptr);

}  // namespace qbench
