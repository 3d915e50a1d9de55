// What one timed point measured, filled from the benchmark module's results (qbench/benchmark/timed_point.h).
#include "qbench/benchmark/timed_point.h"

#include <cmath>

namespace qbench {

void ApplyMeasurement(const Measurement& m, TimedPoint* point) {
  point->ok = true;
  point->not_applicable = false;
  point->error.clear();
  point->latency = m.statistics;
  point->samples_ms = m.latency_ms;
  point->throughput_samples_per_s = m.throughput_samples_per_s;
  point->session_create_ms = m.session_create_ms;
  point->first_run_ms = m.first_run_ms;
  point->peak_rss_bytes = m.peak_rss_bytes;
}

void ApplyMemoryProbe(const MemoryProbeResult& probe, TimedPoint* point) {
  if (probe.ok) {
    point->peak_rss_bytes = probe.peak_rss_bytes;
    point->weights_memory_bytes = probe.weights_bytes;
    point->session_memory_bytes = probe.session_bytes;
    point->arena_peak_bytes = probe.arena_peak_bytes;
    point->memory_method = "isolated";
    point->memory_error.clear();
  } else {
    point->memory_method = "process";
    point->memory_error = probe.error;
  }
}

void ApplySpeedup(const std::string& baseline, const SpeedupEstimate& estimate, TimedPoint* point) {
  point->has_speedup = std::isfinite(estimate.speedup);
  point->baseline_variant = baseline;
  point->speedup = estimate.speedup;
  point->speedup_ci95_low = estimate.ci_low;
  point->speedup_ci95_high = estimate.ci_high;
}

}  // namespace qbench
