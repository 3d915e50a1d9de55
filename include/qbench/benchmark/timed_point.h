// qbench/benchmark/timed_point.h — what one timed point (one model at one batch) measured, as every
// results file writes it: the entries of `bench --json`'s "results" and the lab's point records
// (results.jsonl, results.json) share these keys, written and read by one field list
// (TimedPointFields): status and error, the latency statistics (statistics_report.h), the samples,
// throughput, cold-start figures, memory and the speedup against the baseline.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "qbench/benchmark/benchmark.h"
#include "qbench/benchmark/memory_probe.h"
#include "qbench/benchmark/statistics.h"
#include "qbench/benchmark/statistics_report.h"
#include "qbench/core/json_fields.h"

namespace qbench {

struct TimedPoint {
  /// "status": "ok" (measured), "not_applicable" (the lab's variant does not apply to the model: no
  /// failure) or "failed"; `error` says why when not ok ("" when ok).
  bool ok = false;
  bool not_applicable = false;
  std::string error;
  /// Latency per run (one run = one batch) of all timed runs, written as "latency_ms" in the one
  /// schema of statistics_report.h. Its median interval [median_ci_low_ms, median_ci_high_ms] aims
  /// at 95 %, but with n < 6 runs it is [min, max] with the smaller exact coverage `median_ci_level`
  /// (0.75 for n = 3; docs/statistics.md).
  Statistics latency;
  std::vector<double> samples_ms;          ///< every timed run, in order
  double throughput_samples_per_s = 0;     ///< batch × 1000 / median_ms
  double session_create_ms = 0;            ///< creating the session the point ran in
  double first_run_ms = 0;                 ///< the first (cold) run, excluded from the statistics
  /// Peak resident set size (VmHWM, bytes) of a process that loads and runs only this model at this
  /// batch (memory_method "isolated": a child process, memory_probe.h); with memory_method "process"
  /// (the probe failed or did not run, or an older results file) the measuring process's peak, which
  /// includes every model loaded before.
  std::int64_t peak_rss_bytes = 0;
  std::int64_t weights_memory_bytes = -1;  ///< initializer bytes of the model's file (-1 unknown)
  std::int64_t session_memory_bytes = -1;  ///< RSS growth over session creation in the child (-1 unknown)
  std::int64_t arena_peak_bytes = -1;      ///< ONNX Runtime CPU arena peak in use over the runs (-1 unknown)
  std::string memory_method = "process";   ///< "isolated" or "process"
  std::string memory_error;                ///< why the isolated probe failed (memory_method "process")
  /// Against the baseline timed interleaved with this one on identical inputs (the lab's baseline
  /// variant, bench's first model): speedup = baseline latency / this latency (> 1 = faster), the
  /// ratio of medians, with its paired percentile-bootstrap 95 % interval (EstimateSpeedup).
  bool has_speedup = false;
  std::string baseline_variant;            ///< the baseline's name (the lab's variant, bench's model)
  double speedup = 0, speedup_ci95_low = 0, speedup_ci95_high = 0;
};

/// The field list of TimedPoint (core/json_fields.h): "status", "error", and when ok "latency_ms",
/// "samples_ms", "throughput_samples_per_s", "session_create_ms", "first_run_ms", "peak_rss_bytes",
/// "weights_memory_bytes", "session_memory_bytes", "arena_peak_bytes", "memory_method",
/// "memory_error" (when set), and "baseline_variant", "speedup", "speedup_ci95_low",
/// "speedup_ci95_high" when there is a speedup. The reader sets has_speedup to whether "speedup" is there.
template <typename F, typename R>
void TimedPointFields(const F& f, R& r) {
  f.Status(r.ok, r.not_applicable);
  f("error", r.error);
  if (!r.ok) return;
  f("latency_ms", r.latency);
  QBENCH_JSON_FIELDS(samples_ms, throughput_samples_per_s, session_create_ms, first_run_ms, peak_rss_bytes,
                     weights_memory_bytes, session_memory_bytes, arena_peak_bytes, memory_method)
  f.Optional("memory_error", r.memory_error, !r.memory_error.empty());
  f.Has("speedup", &r.has_speedup);
  if (r.has_speedup) {
    QBENCH_JSON_FIELDS(baseline_variant, speedup, speedup_ci95_low, speedup_ci95_high)
  }
}

/// Takes a Measurement (benchmark.h) into `point`: ok, no error, its statistics, samples, throughput,
/// session creation, first run and the process-wide peak RSS.
void ApplyMeasurement(const Measurement& measurement, TimedPoint* point);

/// Takes the memory of the model alone (ProbeMemoryIsolated) into `point`: when `probe.ok` its peak
/// RSS, weights, session and arena bytes with memory_method "isolated"; otherwise memory_method
/// "process" (the process-wide peak already in `point` stays) and memory_error = probe.error.
void ApplyMemoryProbe(const MemoryProbeResult& probe, TimedPoint* point);

/// The speedup of `estimate` (EstimateSpeedup) against the baseline named `baseline` into `point`.
void ApplySpeedup(const std::string& baseline, const SpeedupEstimate& estimate, TimedPoint* point);

}  // namespace qbench
