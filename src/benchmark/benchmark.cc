// The timed loop (RunBenchmark, RunInterleaved) and the ONNX Runtime target.
#include "qbench/benchmark/benchmark.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>

#include "qbench/benchmark/memory.h"
#include "qbench/core/cancel.h"
#include "qbench/core/error.h"
#include "qbench/runtime/runner.h"

namespace qbench {
namespace {

class SteadyClock : public Clock {
 public:
  double NowMs() override {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
  }
};

// Running mean and variance (Welford 1962, as in Knuth TAOCP vol. 2, 4.2.2): O(1) per sample, no
// allocation, numerically stable. Used only to decide whether to extend; the reported statistics are
// recomputed from all samples by ComputeStatistics.
struct RunningCv {
  double n = 0, mean = 0, m2 = 0;
  void Add(double x) {
    n += 1;
    const double d = x - mean;
    mean += d / n;
    m2 += d * (x - mean);
  }
  double Cv() const { return n < 2 || mean == 0 ? 0 : std::sqrt(m2 / (n - 1)) / mean; }
};

std::string Percent(double fraction) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f %%", fraction * 100);
  return buf;
}

// Shared by RunBenchmark and RunInterleaved: k targets run round-robin; each round appends one sample
// per target. Returns the measurements (statistics, memory, flags, warnings filled in).
std::vector<Measurement> RunRounds(const std::vector<BenchTarget*>& targets, const BenchmarkConfig& config,
                                   Clock* clock, TimingObserver* observer) {
  ValidateBenchmarkConfig(config);
  SteadyClock steady;
  if (!clock) clock = &steady;
  TimingObserver silent;
  if (!observer) observer = &silent;
  const size_t k = targets.size();
  std::vector<Measurement> ms(k);
  for (size_t t = 0; t < k; ++t) {
    ms[t].batch_size = config.batch_size;
    ms[t].session_create_ms = targets[t]->session_create_ms();
    ms[t].warmup_latency_ms.reserve(static_cast<size_t>(config.warmup_runs));
    ms[t].latency_ms.reserve(static_cast<size_t>(config.max_repetitions));
  }
  observer->OnLoopStart(k);
  for (int w = 0; w < config.warmup_runs; ++w) {
    ThrowIfCancelled("timing (warm-up runs)");
    for (size_t t = 0; t < k; ++t) {
      observer->BeforeRun(t, true);
      const double t0 = clock->NowMs();
      targets[t]->RunOnce();
      const double t1 = clock->NowMs();
      ms[t].warmup_latency_ms.push_back(t1 - t0);
      observer->AfterRun(t, true, t1 - t0);
    }
  }
  const std::int64_t rss_before = ReadRssBytes();
  observer->OnTimedStart();

  std::vector<RunningCv> running(k);
  double total_ms = 0;  // the smallest per-target sum: min_time_s is met once every target has met it
  std::vector<double> totals(k, 0.0);
  const double min_time_ms = config.min_time_s * 1000;
  int target_n = config.repetitions;
  int n = 0;
  bool extended = false, hit_cap = false, time_unmet = false;
  double worst_cv = 0;
  for (;;) {
    while (n < target_n) {
      ThrowIfCancelled("timing");
      for (size_t t = 0; t < k; ++t) {
        observer->BeforeRun(t, false);
        const double t0 = clock->NowMs();
        targets[t]->RunOnce();
        const double t1 = clock->NowMs();
        ms[t].latency_ms.push_back(t1 - t0);  // capacity reserved: no allocation here
        running[t].Add(t1 - t0);
        totals[t] += t1 - t0;
        observer->AfterRun(t, false, t1 - t0);
      }
      ++n;
    }
    total_ms = *std::min_element(totals.begin(), totals.end());
    if (total_ms < min_time_ms) {
      if (n >= config.max_repetitions) {
        hit_cap = time_unmet = true;
        break;
      }
      target_n = n + 1;
      continue;
    }
    worst_cv = 0;
    for (const auto& r : running) worst_cv = std::max(worst_cv, r.Cv());
    if (config.cv_threshold > 0 && worst_cv > config.cv_threshold) {
      if (n >= config.max_repetitions) {
        hit_cap = true;
        break;
      }
      extended = true;
      target_n = std::min(config.max_repetitions, n + config.repetitions);
      continue;
    }
    break;
  }
  observer->OnLoopEnd();
  const std::int64_t rss_after = ReadRssBytes();
  const std::int64_t peak = ReadPeakRssBytes();

  for (size_t t = 0; t < k; ++t) {
    Measurement& m = ms[t];
    m.statistics = ComputeStatistics(m.latency_ms);
    m.first_run_ms = m.warmup_latency_ms.empty() ? m.latency_ms.front() : m.warmup_latency_ms.front();
    m.timed_total_s = totals[t] / 1000;
    m.throughput_samples_per_s =
        m.statistics.median_ms > 0 ? static_cast<double>(config.batch_size) * 1000 / m.statistics.median_ms : 0;
    m.rss_before_bytes = rss_before;
    m.rss_after_bytes = rss_after;
    m.rss_growth_bytes = rss_before >= 0 && rss_after >= 0 ? rss_after - rss_before : 0;
    m.peak_rss_bytes = peak;
    m.extended = extended;
    m.hit_cap = hit_cap;
    const double cv = running[t].Cv();
    if (extended)
      m.warnings.push_back({"extended_runs", "CV was above " + Percent(config.cv_threshold) + " after " +
                                                 std::to_string(config.repetitions) + " runs; timed " +
                                                 std::to_string(n) + " runs instead (cap --max-repetitions " +
                                                 std::to_string(config.max_repetitions) + ")"});
    if (hit_cap && config.cv_threshold > 0 && cv > config.cv_threshold)
      m.warnings.push_back({"high_cv", "CV " + Percent(cv) + " is still above " + Percent(config.cv_threshold) +
                                           " after " + std::to_string(n) +
                                           " runs (the cap): close other programs, pin the process (taskset), "
                                           "or raise --max-repetitions / --min-time; compare medians, not means"});
    if (time_unmet)
      m.warnings.push_back({"min_time_not_reached", "timed runs add up to " + std::to_string(totals[t] / 1000) +
                                                        " s, less than --min-time " + std::to_string(config.min_time_s) +
                                                        " s, at the cap of " + std::to_string(n) +
                                                        " runs: raise --max-repetitions"});
  }
  return ms;
}

}  // namespace

void ValidateBenchmarkConfig(const BenchmarkConfig& c) {
  auto bad = [](const std::string& flag, const std::string& value, const std::string& rule) {
    throw Error(ErrorCode::kInvalidArgument, flag + " " + value + " is out of range: " + rule);
  };
  if (c.warmup_runs < 0) bad("--warmup-runs", std::to_string(c.warmup_runs), "expected an integer >= 0");
  if (c.repetitions < 1) bad("--repetitions", std::to_string(c.repetitions), "expected an integer >= 1");
  if (!(c.min_time_s >= 0) || !std::isfinite(c.min_time_s))
    bad("--min-time", std::to_string(c.min_time_s), "expected seconds >= 0");
  if (c.max_repetitions < c.repetitions)
    bad("--max-repetitions", std::to_string(c.max_repetitions),
        "expected at least --repetitions (" + std::to_string(c.repetitions) + ")");
  if (!(c.cv_threshold >= 0) || !std::isfinite(c.cv_threshold))
    bad("--cv-threshold", std::to_string(c.cv_threshold), "expected a fraction >= 0 (0.05 = 5 %; 0 = never extend)");
  if (c.batch_size < 1) bad("--batch", std::to_string(c.batch_size), "expected an integer >= 1");
}

Measurement RunBenchmark(BenchTarget& target, const BenchmarkConfig& config, Clock* clock,
                         TimingObserver* observer) {
  return std::move(RunRounds({&target}, config, clock, observer).front());
}

InterleavedResult RunInterleaved(const std::vector<BenchTarget*>& targets, const BenchmarkConfig& config,
                                 Clock* clock, TimingObserver* observer) {
  if (targets.empty()) throw Error(ErrorCode::kInvalidArgument, "interleaved benchmark needs at least one model");
  InterleavedResult result;
  result.measurements = RunRounds(targets, config, clock, observer);
  result.rounds = static_cast<int>(result.measurements.front().latency_ms.size());
  for (size_t t = 1; t < targets.size(); ++t)
    result.speedups.push_back(EstimateSpeedup(result.measurements[0].latency_ms, result.measurements[t].latency_ms,
                                              /*paired=*/true, config.seed + t));
  return result;
}

OrtBenchTarget::OrtBenchTarget(OrtRunner& runner, std::vector<HostTensor> feeds)
    : runner_(runner), feeds_(std::move(feeds)) {
  runner_.Bind(feeds_);
}

void OrtBenchTarget::RunOnce() { runner_.RunBound(); }

double OrtBenchTarget::session_create_ms() const { return runner_.session_create_ms(); }

}  // namespace qbench
