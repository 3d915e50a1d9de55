// The benchmark loop with a fake target and a fake clock: deterministic, no real timing.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "qbench/benchmark/benchmark.h"
#include "qbench/core/error.h"

namespace qbench {
namespace {

class FakeClock : public Clock {
 public:
  double NowMs() override { return now_ms; }
  double now_ms = 1000;
};

// Each RunOnce advances the clock by the next scripted duration (the last one repeats) and logs its tag.
class FakeTarget : public BenchTarget {
 public:
  FakeTarget(FakeClock* clock, std::vector<double> durations_ms, char tag = 'A', std::string* log = nullptr)
      : clock_(clock), durations_(std::move(durations_ms)), tag_(tag), log_(log) {}
  void RunOnce() override {
    clock_->now_ms += durations_[std::min(calls, durations_.size() - 1)];
    ++calls;
    if (log_) *log_ += tag_;
  }
  double session_create_ms() const override { return 12.5; }
  size_t calls = 0;

 private:
  FakeClock* clock_;
  std::vector<double> durations_;
  char tag_;
  std::string* log_;
};

bool HasWarning(const Measurement& m, const std::string& code) {
  for (const auto& w : m.warnings)
    if (w.code == code) return true;
  return false;
}

TEST(BenchmarkLoop, WarmupExcludedFromSamples) {
  FakeClock clock;
  // 3 slow warm-ups, then 10 steady runs of 2 ms.
  FakeTarget target(&clock, {50, 9, 7, 2});
  BenchmarkConfig config;
  config.cv_threshold = 0;
  config.batch_size = 4;
  const Measurement m = RunBenchmark(target, config, &clock);
  EXPECT_EQ(target.calls, 13u);
  ASSERT_EQ(m.warmup_latency_ms.size(), 3u);
  EXPECT_DOUBLE_EQ(m.warmup_latency_ms[0], 50);
  EXPECT_DOUBLE_EQ(m.first_run_ms, 50);
  ASSERT_EQ(m.latency_ms.size(), 10u);
  for (double v : m.latency_ms) EXPECT_DOUBLE_EQ(v, 2);
  EXPECT_DOUBLE_EQ(m.statistics.median_ms, 2);
  EXPECT_DOUBLE_EQ(m.throughput_samples_per_s, 2000);  // 4 samples per 2 ms
  EXPECT_DOUBLE_EQ(m.session_create_ms, 12.5);
  EXPECT_DOUBLE_EQ(m.timed_total_s, 0.020);
  EXPECT_FALSE(m.extended);
  EXPECT_FALSE(m.hit_cap);
  EXPECT_TRUE(m.warnings.empty());
}

TEST(BenchmarkLoop, NoWarmupFirstRunIsFirstSample) {
  FakeClock clock;
  FakeTarget target(&clock, {30, 3});
  BenchmarkConfig config;
  config.warmup_runs = 0;
  config.repetitions = 4;
  config.cv_threshold = 0;
  const Measurement m = RunBenchmark(target, config, &clock);
  EXPECT_EQ(target.calls, 4u);
  EXPECT_DOUBLE_EQ(m.first_run_ms, 30);
  EXPECT_DOUBLE_EQ(m.latency_ms[0], 30);
}

TEST(BenchmarkLoop, ExtendsWhileCvHighAndHonoursCap) {
  FakeClock clock;
  std::vector<double> durations(3, 1.0);  // warm-ups
  for (int i = 0; i < 100; ++i) durations.push_back(i % 2 ? 3 : 1);  // CV ≈ 0.5 forever
  FakeTarget noisy(&clock, durations);
  BenchmarkConfig config;
  config.repetitions = 10;
  config.max_repetitions = 35;
  config.cv_threshold = 0.05;
  const Measurement m = RunBenchmark(noisy, config, &clock);
  EXPECT_EQ(m.latency_ms.size(), 35u);  // 10 → 20 → 30 → 35 (cap), never more
  EXPECT_EQ(noisy.calls, 38u);
  EXPECT_TRUE(m.extended);
  EXPECT_TRUE(m.hit_cap);
  EXPECT_TRUE(HasWarning(m, "extended_runs"));
  EXPECT_TRUE(HasWarning(m, "high_cv"));
}

TEST(BenchmarkLoop, ExtensionStopsOnceCvFalls) {
  FakeClock clock;
  // After 10 samples [2×9, 4]: mean 2.2, s = 0.632, CV 0.287 > 0.25; after 20 (ten more 2s):
  // mean 2.1, s² = 3.8/19 = 0.2, CV 0.213 ≤ 0.25 → stop at 20.
  std::vector<double> d = {2, 2, 2};
  for (int i = 0; i < 9; ++i) d.push_back(2);
  d.push_back(4);
  d.push_back(2);
  FakeTarget target(&clock, d);
  BenchmarkConfig config;
  config.cv_threshold = 0.25;
  const Measurement m = RunBenchmark(target, config, &clock);
  EXPECT_EQ(m.latency_ms.size(), 20u);
  EXPECT_TRUE(m.extended);
  EXPECT_FALSE(m.hit_cap);
  EXPECT_TRUE(HasWarning(m, "extended_runs"));
  EXPECT_FALSE(HasWarning(m, "high_cv"));
}

TEST(BenchmarkLoop, MinTimeAndItsCap) {
  FakeClock clock;
  FakeTarget target(&clock, {1});
  BenchmarkConfig config;
  config.cv_threshold = 0;
  config.min_time_s = 0.025;  // 25 runs of 1 ms
  EXPECT_EQ(RunBenchmark(target, config, &clock).latency_ms.size(), 25u);
  config.max_repetitions = 20;
  const Measurement capped = RunBenchmark(target, config, &clock);
  EXPECT_EQ(capped.latency_ms.size(), 20u);
  EXPECT_TRUE(capped.hit_cap);
  EXPECT_TRUE(HasWarning(capped, "min_time_not_reached"));
}

TEST(BenchmarkLoop, InterleavedRoundRobinAndPairedSpeedup) {
  FakeClock clock;
  std::string log;
  FakeTarget a(&clock, {2.0, 2.0, 2.0, 2.0, 2.2, 1.8}, 'A', &log);
  FakeTarget b(&clock, {1.0, 1.0, 1.0, 1.0, 1.1, 0.9}, 'B', &log);
  BenchmarkConfig config;
  config.warmup_runs = 1;
  config.repetitions = 5;
  config.cv_threshold = 0;
  const InterleavedResult r = RunInterleaved({&a, &b}, config, &clock);
  EXPECT_EQ(log, "ABABABABABAB");  // 1 warm-up round + 5 timed rounds
  EXPECT_EQ(r.rounds, 5);
  ASSERT_EQ(r.measurements.size(), 2u);
  EXPECT_EQ(r.measurements[0].latency_ms.size(), 5u);
  ASSERT_EQ(r.speedups.size(), 1u);
  EXPECT_NEAR(r.speedups[0].speedup, 2.0, 1e-12);  // B twice as fast in every round
  EXPECT_NEAR(r.speedups[0].ci_low, 2.0, 1e-12);
  EXPECT_NEAR(r.speedups[0].ci_high, 2.0, 1e-12);
  EXPECT_TRUE(r.speedups[0].paired);
}

TEST(BenchmarkLoop, InterleavedExtendsWhileAnyTargetIsNoisy) {
  FakeClock clock;
  std::vector<double> noisy = {1};
  for (int i = 0; i < 60; ++i) noisy.push_back(i % 2 ? 3 : 1);
  FakeTarget steady(&clock, {2});
  FakeTarget jumpy(&clock, noisy);
  BenchmarkConfig config;
  config.warmup_runs = 1;
  config.repetitions = 10;
  config.max_repetitions = 30;
  const InterleavedResult r = RunInterleaved({&steady, &jumpy}, config, &clock);
  EXPECT_EQ(r.rounds, 30);
  EXPECT_EQ(r.measurements[0].latency_ms.size(), 30u);
  EXPECT_TRUE(r.measurements[1].hit_cap);
}

TEST(BenchmarkLoop, RejectsBadConfigNamingTheFlag) {
  FakeClock clock;
  FakeTarget target(&clock, {1});
  auto expect_flag = [&](BenchmarkConfig c, const std::string& flag) {
    try {
      RunBenchmark(target, c, &clock);
      ADD_FAILURE() << "no error for " << flag;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
      EXPECT_NE(std::string(e.what()).find(flag), std::string::npos) << e.what();
    }
  };
  BenchmarkConfig c;
  c.repetitions = 0;
  expect_flag(c, "--repetitions");
  c = {};
  c.warmup_runs = -1;
  expect_flag(c, "--warmup-runs");
  c = {};
  c.max_repetitions = 5;
  expect_flag(c, "--max-repetitions");
  c = {};
  c.cv_threshold = -0.1;
  expect_flag(c, "--cv-threshold");
  c = {};
  c.min_time_s = -1;
  expect_flag(c, "--min-time");
  EXPECT_EQ(target.calls, 0u);
  EXPECT_THROW(RunInterleaved({}, BenchmarkConfig{}, &clock), Error);
}

}  // namespace
}  // namespace qbench
