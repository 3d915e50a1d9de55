// qbench/benchmark/benchmark.h — the timed loop: warm-up, repetitions, automatic extension while the
// timings are noisy, memory probes, and interleaved comparison of several models on identical inputs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "qbench/benchmark/statistics.h"
#include "qbench/core/log.h"
#include "qbench/core/tensor.h"

namespace qbench {

class OrtRunner;

/// One thing to time: RunOnce() is the whole timed region. Implementations: OrtBenchTarget (an ONNX
/// Runtime session with bound inputs) and fakes in tests.
class BenchTarget {
 public:
  virtual ~BenchTarget() = default;
  /// Runs the work once. Exceptions propagate out of RunBenchmark unchanged.
  virtual void RunOnce() = 0;
  /// Wall time spent creating the session behind this target, in ms; NaN when not applicable.
  virtual double session_create_ms() const { return std::numeric_limits<double>::quiet_NaN(); }
};

/// A monotonic clock in milliseconds. The default (nullptr in RunBenchmark) is std::chrono::steady_clock;
/// tests pass a fake that the fake target advances, so the loop runs deterministically.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual double NowMs() = 0;
};

/// Callbacks around a timed loop, for measurements taken alongside the timings (an energy sampler,
/// progress): called outside the timed region (BeforeRun before the first clock read, AfterRun after
/// the second), on the timing thread, so they never count in a run's time. Target indexes are
/// positions in the list given to RunInterleaved (0 for RunBenchmark). Exceptions propagate out of
/// the loop. Default implementations do nothing.
class TimingObserver {
 public:
  virtual ~TimingObserver() = default;
  /// Before the first warm-up run.
  virtual void OnLoopStart(std::size_t /*targets*/) {}
  /// After the warm-ups, before the first timed run.
  virtual void OnTimedStart() {}
  /// Before and after each run of `target`; `warmup` for warm-up runs; `ms` is the run's time.
  virtual void BeforeRun(std::size_t /*target*/, bool /*warmup*/) {}
  virtual void AfterRun(std::size_t /*target*/, bool /*warmup*/, double /*ms*/) {}
  /// After the last timed run (not called when a run throws).
  virtual void OnLoopEnd() {}
};

/// How long to time. Defaults: 3 warm-up runs, 10 repetitions, no minimum time, extension while the
/// coefficient of variation exceeds 5 %, at most 100 timed runs.
struct BenchmarkConfig {
  int warmup_runs = 3;            ///< untimed-for-statistics runs first (the first is reported as first_run_ms)
  int repetitions = 10;           ///< timed runs at least
  double min_time_s = 0;          ///< keep timing until the timed runs add up to this many seconds
  int max_repetitions = 100;      ///< hard cap on timed runs (extension and min_time_s stop here)
  double cv_threshold = 0.05;     ///< extend while CV (stddev/mean, a fraction) is above this; 0 = never extend
  std::int64_t batch_size = 1;    ///< samples per run, for throughput
  std::uint64_t seed = 0;         ///< seeds the speedup bootstrap (RunInterleaved)
};

/// Throws Error(kInvalidArgument) naming the flag (--warmup-runs, --repetitions, --min-time,
/// --max-repetitions, --cv-threshold) when a value is out of range: warmup_runs < 0, repetitions < 1,
/// min_time_s < 0, max_repetitions < repetitions, cv_threshold < 0, batch_size < 1.
void ValidateBenchmarkConfig(const BenchmarkConfig& config);

/// Everything measured for one target. Times in ms, memory in bytes.
struct Measurement {
  std::int64_t batch_size = 1;
  std::vector<double> latency_ms;         ///< every timed run, in the order run (warm-ups excluded)
  std::vector<double> warmup_latency_ms;  ///< the warm-up runs, in order
  Statistics statistics;                  ///< ComputeStatistics(latency_ms)
  double session_create_ms = std::numeric_limits<double>::quiet_NaN();  ///< from BenchTarget
  double first_run_ms = 0;                ///< the very first run (cold: first warm-up, or first timed run when warmup_runs == 0)
  double throughput_samples_per_s = 0;    ///< batch_size / median latency
  double timed_total_s = 0;               ///< sum of latency_ms, in seconds
  /// Process-wide resident set size (from /proc/self/status). The peak is VmHWM at the end of the
  /// timed runs: it covers the whole process (model loading, other sessions) since the last
  /// ResetPeakRss(); -1 where /proc is unavailable.
  std::int64_t peak_rss_bytes = -1;
  std::int64_t rss_before_bytes = -1;     ///< VmRSS after the warm-ups, before the first timed run
  std::int64_t rss_after_bytes = -1;      ///< VmRSS after the last timed run
  std::int64_t rss_growth_bytes = 0;      ///< rss_after_bytes − rss_before_bytes (may be negative)
  bool extended = false;                  ///< ran past `repetitions` because CV > cv_threshold
  bool hit_cap = false;                   ///< stopped at max_repetitions with CV or min_time_s still unmet
  std::vector<Warning> warnings;          ///< e.g. "high_cv" (codes are stable snake_case keys)
};

/// Times `target`: warmup_runs runs (the first timed alone as first_run_ms), then repetitions timed
/// runs; then more, while the timed runs add up to less than min_time_s or (in chunks of
/// `repetitions` runs) while CV > cv_threshold, never beyond max_repetitions. Extension and the cap are
/// recorded (extended, hit_cap) and a warning says what to try. The timed region is RunOnce() alone:
/// sample storage is reserved beforehand, nothing is logged or allocated between the two clock reads.
/// Throws Error(kInvalidArgument) for a bad config; whatever RunOnce throws propagates.
/// `observer` (may be null) is called around the loop and each run (TimingObserver).
Measurement RunBenchmark(BenchTarget& target, const BenchmarkConfig& config, Clock* clock = nullptr,
                         TimingObserver* observer = nullptr);

/// Result of timing several targets interleaved.
struct InterleavedResult {
  std::vector<Measurement> measurements;  ///< one per target, in the order given
  /// speedups[i] is target i+1 against target 0 (paired bootstrap over rounds, config.seed).
  std::vector<SpeedupEstimate> speedups;
  int rounds = 0;                         ///< timed rounds; every target ran once per round
};

/// Times targets round-robin (A B C A B C …): warm-ups interleaved the same way, then rounds under the
/// same rules as RunBenchmark, where extension continues while any target's CV > cv_threshold. Each
/// target's samples are kept apart; speedups pair the samples of the same round. Interleaving keeps
/// machine drift out of the ratios, but the models evict each other from the caches: the ratios are
/// the conservative figure (docs/measurement.md). Callers should create ONNX Runtime sessions on the
/// global thread pool or with SessionConfig::allow_spinning = false, or an idle session's spinning
/// threads steal a core (CompareModels does).
/// Memory fields are process-wide, so every target gets the same values. `observer` as in RunBenchmark.
/// Most callers want CompareModels (benchmark/compare.h), which builds the sessions and inputs too.
/// Throws Error(kInvalidArgument) for a bad config or an empty target list.
InterleavedResult RunInterleaved(const std::vector<BenchTarget*>& targets, const BenchmarkConfig& config,
                                 Clock* clock = nullptr, TimingObserver* observer = nullptr);

/// An ONNX Runtime session as a BenchTarget: owns `feeds` (in runner.inputs() order), binds them once
/// (OrtRunner::Bind) and times OrtRunner::RunBound(). The runner must outlive the target.
/// Throws as OrtRunner::Bind (Error(kInvalidArgument) for a wrong feed count or dtype).
class OrtBenchTarget : public BenchTarget {
 public:
  OrtBenchTarget(OrtRunner& runner, std::vector<HostTensor> feeds);
  OrtBenchTarget(const OrtBenchTarget&) = delete;  // the binding points into feeds_
  OrtBenchTarget& operator=(const OrtBenchTarget&) = delete;
  void RunOnce() override;
  double session_create_ms() const override;

 private:
  OrtRunner& runner_;
  std::vector<HostTensor> feeds_;
};

}  // namespace qbench
