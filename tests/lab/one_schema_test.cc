// `qbench bench --json` and the lab's point records write one shape for what a timed point measured
// (benchmark/timed_point.h): the same keys with the same values for the same figures, from one field
// list (TimedPointFields) — statistics, samples, memory, speedup and status.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "qbench/benchmark/bench_report.h"
#include "qbench/benchmark/timed_point.h"
#include "qbench/lab/results.h"

namespace qbench {
namespace {

using nlohmann::json;

// One measured point's figures, as CompareModels and the memory probe give them.
struct Figures {
  Measurement m;
  MemoryProbeResult memory;
  SpeedupEstimate speedup{2.0, 1.8, 2.25, 0.95, 2000, true};
  Figures() {
    m.batch_size = 2;
    m.latency_ms = {4, 2, 3};
    m.statistics = ComputeStatistics(m.latency_ms);
    m.throughput_samples_per_s = 2 * 1000.0 / 3;
    m.session_create_ms = 12.5;
    m.first_run_ms = 9;
    m.peak_rss_bytes = 300 << 20;
    memory.ok = true;
    memory.peak_rss_bytes = 100 << 20;
    memory.weights_bytes = 10 << 20;
    memory.session_bytes = 20 << 20;
    memory.arena_peak_bytes = 5 << 20;
  }
};

// The bench JSON of a two-model run whose second model has these figures, and a lab point with them.
json BenchEntry(const Figures& f, bool measured, const std::string& reason = "") {
  BenchReport r;
  BenchPoint base;
  base.model = "fp32";
  base.measured = true;
  base.measurement = f.m;
  BenchPoint p = base;
  p.model = "int8";
  p.measured = measured;
  p.skip_reason = reason;
  p.memory = f.memory;
  p.has_speedup = true;
  p.speedup_baseline = "fp32";
  p.speedup = f.speedup;
  r.points = {base, p};
  return json::parse(BenchReportJson(r))["results"][1];
}

json LabPoint(const Figures& f, bool measured, const std::string& reason = "") {
  PointResult r;
  r.point = SweepPoint{"m", "int8", 2, 224, 1};
  if (measured) {
    ApplyMeasurement(f.m, &r);
    ApplyMemoryProbe(f.memory, &r);
    ApplySpeedup("fp32", f.speedup, &r);
  } else {
    r.error = reason;
  }
  return ToJson(r);
}

// The keys TimedPointFields writes for `t`.
std::set<std::string> TimedKeys(const TimedPoint& t) {
  json j = json::object();
  TimedPointFields(json_fields::JsonWriter{j}, t);
  std::set<std::string> keys;
  for (const auto& [k, v] : j.items()) keys.insert(k);
  return keys;
}

TEST(OneSchema, BenchAndLabWriteAMeasuredPointWithTheSameKeysAndValues) {
  const Figures f;
  const json bench = BenchEntry(f, true), lab = LabPoint(f, true);
  TimedPoint t;
  ApplyMeasurement(f.m, &t);
  ApplyMemoryProbe(f.memory, &t);
  ApplySpeedup("fp32", f.speedup, &t);
  const std::set<std::string> keys = TimedKeys(t);
  EXPECT_EQ(keys, (std::set<std::string>{"status", "error", "latency_ms", "samples_ms", "throughput_samples_per_s",
                                         "session_create_ms", "first_run_ms", "peak_rss_bytes", "weights_memory_bytes",
                                         "session_memory_bytes", "arena_peak_bytes", "memory_method", "baseline_variant",
                                         "speedup", "speedup_ci95_low", "speedup_ci95_high"}));
  for (const auto& k : keys) {
    ASSERT_TRUE(bench.contains(k)) << k << " missing in bench --json: " << bench.dump();
    ASSERT_TRUE(lab.contains(k)) << k << " missing in the lab's point: " << lab.dump();
    EXPECT_EQ(bench[k], lab[k]) << k;
  }
  // The values themselves: the statistics schema (stddev_ms, not std_ms), the model-alone memory.
  EXPECT_EQ(bench["status"], "ok");
  EXPECT_EQ(bench["latency_ms"]["median_ms"], 3);
  EXPECT_EQ(bench["latency_ms"]["stddev_ms"], 1);
  EXPECT_FALSE(bench["latency_ms"].contains("std_ms"));
  EXPECT_EQ(bench["samples_ms"], json({4, 2, 3}));
  EXPECT_EQ(bench["peak_rss_bytes"], 100 << 20);
  EXPECT_EQ(bench["process_peak_rss_bytes"], 300 << 20);  // bench's own figure beside it
  EXPECT_EQ(bench["weights_memory_bytes"], 10 << 20);
  EXPECT_EQ(bench["memory_method"], "isolated");
  EXPECT_EQ(bench["speedup"], 2.0);
  EXPECT_EQ(bench["speedup_ci95_high"], 2.25);
  EXPECT_EQ(bench["baseline_variant"], "fp32");
}

TEST(OneSchema, AFailedPointHasTheSameStatusAndErrorInBoth) {
  const Figures f;
  const std::string reason = "input 'x' dim 0 is fixed to 1";
  const json bench = BenchEntry(f, false, reason), lab = LabPoint(f, false, reason);
  for (const json* j : {&bench, &lab}) {
    EXPECT_EQ((*j)["status"], "failed") << j->dump();
    EXPECT_EQ((*j)["error"], reason) << j->dump();
    EXPECT_FALSE(j->contains("latency_ms")) << j->dump();
    EXPECT_FALSE(j->contains("speedup")) << j->dump();
  }
}

TEST(OneSchema, TheProcessPeakIsKeptWhenTheProbeFailed) {
  Figures f;
  f.memory = MemoryProbeResult{};
  f.memory.error = "fork failed";
  const json bench = BenchEntry(f, true), lab = LabPoint(f, true);
  for (const json* j : {&bench, &lab}) {
    EXPECT_EQ((*j)["memory_method"], "process") << j->dump();
    EXPECT_EQ((*j)["memory_error"], "fork failed") << j->dump();
    EXPECT_EQ((*j)["peak_rss_bytes"], 300 << 20) << j->dump();
    EXPECT_EQ((*j)["weights_memory_bytes"], -1) << j->dump();
  }
}

}  // namespace
}  // namespace qbench
