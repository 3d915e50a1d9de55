// A busy machine in the lab: bench's busy-machine check warns on stderr and in report.md (F30); roofline
// peaks measured under load or implausible next to another thread count's are never cached, and the
// report says where its peaks came from (F18); results.json's environment says which thread pool the
// timed sessions used, as report.md's Method does (F40); the timing settings of a lab point, which
// bench/speedup_repeatability measures with (N5).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "lab/fake_backend.h"
#include "lab/planted_roofline.h"
#include "qbench/benchmark/compare.h"
#include "qbench/benchmark/environment.h"
#include "qbench/lab/lab.h"
#include "qbench/lab/ort_backend.h"
#include "qbench/lab/roofline.h"
#include "qbench/report/analysis.h"
#include "qbench/report/study_report.h"
#include "test_util.h"

namespace qbench {
namespace {

RooflinePeaks Peaks(std::int64_t threads, double fp32_g, double int8_g, double gb_s) {
  RooflinePeaks p;
  p.ok = true;
  p.threads = threads;
  p.fp32_macs_per_s = fp32_g * 1e9;
  p.int8_macs_per_s = int8_g * 1e9;
  p.bytes_per_s = gb_s * 1e9;
  p.method = "planted by the test";
  p.measured_at_unix_s = testing::UnixNowS();
  return p;
}

TEST(BusyMachine, OneCheckForBenchAndLab) {
  EXPECT_EQ(BusyMachine(9.1, 2), "1-minute load average 9.1 exceeds the 2 logical cores");
  EXPECT_EQ(BusyMachine(2.0, 2), "");   // as many runnable threads as CPUs: not busy
  // Just above: two decimals, never "2.0 exceeds the 2" (R20).
  EXPECT_EQ(BusyMachine(2.03, 2), "1-minute load average 2.03 exceeds the 2 logical cores");
  EXPECT_EQ(BusyMachine(2.06, 2), "1-minute load average 2.1 exceeds the 2 logical cores");
  EXPECT_EQ(BusyMachine(-1, 2), "");    // load unknown
  EXPECT_EQ(BusyMachine(12.0, 0), "");  // cores unknown
  WarningList w;
  AddBusyMachineWarning(13.75, 2, &w);
  AddBusyMachineWarning(-1, 2, &w);  // unknown load
  ASSERT_EQ(w.items().size(), 1u);
  EXPECT_EQ(w.items()[0].code, "busy_machine");
  EXPECT_EQ(w.items()[0].message.rfind("1-minute load average 13.8 exceeds the 2 logical cores: other programs compete", 0), 0u)
      << w.items()[0].message;
  // Interleaved speedups are no refuge under load (docs/measurement.md, bench/speedup_repeatability).
  EXPECT_NE(w.items()[0].message.find("timings can swing several-fold, interleaved speedups included (docs/measurement.md, "
                                      "\"Run-to-run repeatability of speedups\"); stop them and rerun"),
            std::string::npos)
      << w.items()[0].message;
}

// The fake backend with the environment block of a machine at load 13.75 on 2 cores.
struct BusyFakeBackend : testing::FakeLabBackend {
  EnvironmentInfo Environment() override {
    EnvironmentInfo e = FakeLabBackend::Environment();
    e.load_average_1min = 13.75;
    e.thread_pool = "global";
    e.allow_spinning = true;
    return e;
  }
};

TEST(BusyMachine, TheLabWarnsInItsReport) {
  LabConfig c = DefaultLabConfig();
  c.models = {"zoo:big"};
  c.variants = {"fp32", "static"};
  c.batches = ParseSweepAxis("batch", "1");
  c.threads = ParseSweepAxis("threads", "2");
  c.roofline = false;
  c.output_dir = testing::TempDir() + "/lab_busy";
  BusyFakeBackend busy;
  const LabStudy study = RunLab(c, busy);
  const std::string md = StudyMarkdown(study, {});
  EXPECT_NE(md.find("- busy_machine: 1-minute load average 13.8 exceeds the 2 logical cores: other programs compete for the CPUs"),
            std::string::npos) << md;
  // The Method says the global pool because the environment block does (F40).
  EXPECT_NE(md.find("Interleaved sessions share ONNX Runtime's one global thread pool"), std::string::npos) << md;
  // A quiet machine: no such warning.
  c.output_dir = testing::TempDir() + "/lab_quiet";
  testing::FakeLabBackend quiet;
  const LabStudy calm = RunLab(c, quiet);
  EXPECT_EQ(StudyMarkdown(calm, {}).find("busy_machine"), std::string::npos);
}

TEST(TimingPool, ResultsAndReportSayTheSessionsPoolTheLabUsed) {
  EnvironmentInfo env;
  RecordTimingPool(&env, /*interleaved=*/true, InterleavePolicy::kGlobalThreadPool, false);
  EXPECT_EQ(env.thread_pool, "global");
  EXPECT_TRUE(env.allow_spinning);  // the global pool spins
  RecordTimingPool(&env, true, InterleavePolicy::kNoSpinning, true);
  EXPECT_EQ(env.thread_pool, "per-session");
  EXPECT_FALSE(env.allow_spinning);
  RecordTimingPool(&env, false, InterleavePolicy::kGlobalThreadPool, true);  // bench, one model
  EXPECT_EQ(env.thread_pool, "per-session");
  EXPECT_TRUE(env.allow_spinning);
  // The lab: several variants are interleaved on the global pool (CompareModels' default policy).
  LabConfig c = DefaultLabConfig();
  c.models = {"zoo:squeezenet1_1"};
  c.variants = {"fp32", "dynamic"};
  EnvironmentInfo e = OrtLabBackend(c, nullptr).Environment();
  EXPECT_EQ(e.thread_pool, "global");
  EXPECT_TRUE(e.allow_spinning);
  c.variants = {"fp32"};  // one variant: timed alone in its own session, spinning off
  e = OrtLabBackend(c, nullptr).Environment();
  EXPECT_EQ(e.thread_pool, "per-session");
  EXPECT_FALSE(e.allow_spinning);
  LabStudy study = testing::RunFakeStudy(testing::TempDir() + "/lab_pool", false, false);
  static_cast<EnvironmentInfo&>(study.environment) = e;
  // results.json and report.md say the same.
  EXPECT_EQ(ToJson(study)["environment"]["thread_pool"], "per-session");
  const std::string md = StudyMarkdown(study, {});
  EXPECT_NE(md.find("Each session owns its intra-op thread pool with spin-waiting off"), std::string::npos) << md;
  EXPECT_EQ(md.find("global thread pool"), std::string::npos) << md;
}

TEST(RooflinePlausibility, MoreThreadsNeitherSlowerNorBeyondLinear) {
  // The shared cache of s19: 1 thread 13.4 / 30.4 GMAC/s, 6.6 GB/s next to 2 threads 77.6 / 137 / 34.0:
  // 5.8x for twice the threads, so the 1-thread entry is the one measured under load.
  const RooflinePeaks one = Peaks(1, 13.4, 30.4, 6.6), two = Peaks(2, 77.6, 137, 34.0);
  std::string why;
  EXPECT_EQ(ImplausibleRooflinePeaks(one, two, &why), &one);
  EXPECT_EQ(why, "fp32 with 2 threads 77.6 GMAC/s is 5.8x the 13.4 GMAC/s with 1 (2x the threads)");
  EXPECT_EQ(ImplausibleRooflinePeaks(two, one), &one);  // either order
  // Fresh at load 12: 2 threads slower than 1 (12.8 < 0.8 x 16.2 = 12.96).
  const RooflinePeaks one_b = Peaks(1, 16.2, 38.1, 9.2), two_b = Peaks(2, 12.8, 24.3, 10.3);
  EXPECT_EQ(ImplausibleRooflinePeaks(one_b, two_b, &why), &two_b);
  EXPECT_EQ(why, "fp32 with 2 threads 12.8 GMAC/s is below 16.2 GMAC/s with 1 (more threads slower)");
  // Plausible: 1.94x, 1.96x, 2.0x for 2x the threads (at most 1.25 x 2 = 2.5x); 2 vs 4 threads equal bandwidth.
  EXPECT_EQ(ImplausibleRooflinePeaks(Peaks(1, 40, 70, 17), two), nullptr);
  EXPECT_EQ(ImplausibleRooflinePeaks(Peaks(4, 150, 270, 34.0), two), nullptr);
  EXPECT_EQ(ImplausibleRooflinePeaks(one, Peaks(1, 77.6, 137, 34)), nullptr);  // same thread count: no comparison
}

TEST(RooflinePlausibility, AnImplausibleCachedEntryIsNotUsed) {
  const std::string path = testing::TempDir() + "/roofline_implausible.json";
  const std::string key1 = testing::ThisMachineRooflineKey();
  std::string key2 = key1;
  key2.back() = '2';
  nlohmann::json j;
  j[key1] = ToJson(Peaks(1, 13.4, 30.4, 6.6));
  j[key2] = ToJson(Peaks(2, 77.6, 137, 34.0));
  std::ofstream(path) << j.dump(2);
  const RooflinePeaks p1 = ReadCachedRoofline(path, 1);
  EXPECT_FALSE(p1.ok);
  EXPECT_EQ(p1.error, "the cached peaks are implausibly low next to the cached 2-thread ones (fp32 with 2 threads 77.6 GMAC/s is "
                      "5.8x the 13.4 GMAC/s with 1 (2x the threads)): measured while the machine was busy");
  const RooflinePeaks p2 = ReadCachedRoofline(path, 2);
  ASSERT_TRUE(p2.ok) << p2.error;
  EXPECT_EQ(p2.fp32_macs_per_s, 77.6e9);
}

TEST(RooflineCache, PeaksMeasuredOnABusyMachineAreNotCached) {
  constexpr int kMatrix = 128;
  constexpr std::int64_t kVector = 1 << 18;
  const std::string path = testing::TempDir() + "/roofline_busy/roofline.json";  // its folder does not exist yet
  WarningList warnings;
  RooflinePeaks p = LoadOrMeasureRoofline(1, path, &warnings, false, kMatrix, kVector, RooflineLoad{12.8, 2});
  ASSERT_TRUE(p.ok) << p.error;
  EXPECT_FALSE(p.from_cache);
  EXPECT_EQ(p.load_average_1min, 12.8);
  EXPECT_EQ(p.logical_cores, 2);
  EXPECT_EQ(p.not_cached, "measured on a busy machine (1-minute load average 12.8 exceeds the 2 logical cores)");
  EXPECT_FALSE(std::filesystem::exists(path));  // nothing cached
  ASSERT_EQ(warnings.items().size(), 1u);
  EXPECT_EQ(warnings.items()[0].code, "roofline_busy");
  EXPECT_EQ(RooflineSource(p), "measured now on a busy machine: 1-minute load average 12.8 exceeds the 2 logical cores; not cached");
  const nlohmann::json record = ToJson(p);  // results.jsonl keeps the load and why it was not cached
  EXPECT_EQ(record["load_average_1min"].get<double>(), 12.8);
  EXPECT_EQ(RooflinePeaksFromJson(record).not_cached, p.not_cached);

  // Quiet (load 0.5 on 2 cores): cached, and read back with the load it was measured at.
  p = LoadOrMeasureRoofline(1, path, &warnings, false, kMatrix, kVector, RooflineLoad{0.5, 2});
  ASSERT_TRUE(p.ok) << p.error;
  EXPECT_TRUE(p.not_cached.empty());
  EXPECT_EQ(RooflineSource(p), "measured now (load 0.5 on 2 cores)");
  const RooflinePeaks cached = ReadCachedRoofline(path, 1);
  ASSERT_TRUE(cached.ok) << cached.error;
  EXPECT_EQ(cached.fp32_macs_per_s, p.fp32_macs_per_s);
  EXPECT_EQ(RooflineSource(cached).rfind("cache (measured 20", 0), 0u) << RooflineSource(cached);
  EXPECT_NE(RooflineSource(cached).find(", load 0.5 on 2 cores)"), std::string::npos) << RooflineSource(cached);
}

TEST(RooflineCache, ImplausiblePeaksAreNotCachedAndAnImplausibleCachedEntryIsRemoved) {
  constexpr int kMatrix = 128;
  constexpr std::int64_t kVector = 1 << 18;
  const std::string path = testing::TempDir() + "/roofline_pair.json";
  std::string key2 = testing::ThisMachineRooflineKey();
  key2.back() = '2';
  // A 2-thread entry far above anything 1 thread can do (1e15 MAC/s): the 1-thread peaks measured now
  // look too low next to it, so they are not cached (the machine cannot tell which is wrong: the lower).
  nlohmann::json j;
  j[key2] = ToJson(Peaks(2, 1e6, 1e6, 1e6));
  std::ofstream(path) << j.dump(2);
  WarningList warnings;
  RooflinePeaks p = LoadOrMeasureRoofline(1, path, &warnings, false, kMatrix, kVector, RooflineLoad{0.5, 2});
  ASSERT_TRUE(p.ok) << p.error;
  EXPECT_EQ(p.not_cached.rfind("implausibly low next to the cached 2-thread peaks (fp32 with 2 threads", 0), 0u) << p.not_cached;
  j = nlohmann::json::parse(std::ifstream(path));
  EXPECT_FALSE(j.contains(testing::ThisMachineRooflineKey()));
  EXPECT_TRUE(j.contains(key2));
  // A 2-thread entry of 1 MMAC/s: below 0.8 x any real 1-thread rate, so it is the one removed.
  j = nlohmann::json::object();
  j[key2] = ToJson(Peaks(2, 1e-3, 1e-3, 1e-3));
  std::ofstream(path) << j.dump(2);
  WarningList removed;
  p = LoadOrMeasureRoofline(1, path, &removed, false, kMatrix, kVector, RooflineLoad{0.5, 2});
  ASSERT_TRUE(p.ok) << p.error;
  EXPECT_TRUE(p.not_cached.empty()) << p.not_cached;
  j = nlohmann::json::parse(std::ifstream(path));
  EXPECT_TRUE(j.contains(testing::ThisMachineRooflineKey()));
  EXPECT_FALSE(j.contains(key2));
  ASSERT_EQ(removed.items().size(), 1u);
  EXPECT_EQ(removed.items()[0].code, "roofline_implausible");
}

// LabCompareOptions: what MeasureGroup times a point with (and bench/speedup_repeatability repeats):
// the config's warm-ups, exactly its repetitions (no extension), its seed for bootstrap and inputs,
// the point's batch and threads, no spinning alone, optimization "all", the global pool; the lab's
// own failure handling, cache and observer are not in it.
TEST(LabTiming, LabCompareOptionsAreThePointsSettings) {
  LabConfig config = DefaultLabConfig();
  config.repetitions = 7;
  config.warmup_runs = 2;
  config.seed = 5;
  const CompareOptions co = LabCompareOptions(config, 4, 3);
  EXPECT_EQ(co.config.warmup_runs, 2);
  EXPECT_EQ(co.config.repetitions, 7);
  EXPECT_EQ(co.config.max_repetitions, 7);
  EXPECT_EQ(co.config.cv_threshold, 0.0);
  EXPECT_EQ(co.config.batch_size, 4);
  EXPECT_EQ(co.config.seed, 5u);
  EXPECT_EQ(co.input_seed, 5u);
  EXPECT_EQ(co.session.intra_op_threads, 3);
  EXPECT_FALSE(co.session.allow_spinning);
  EXPECT_EQ(co.session.graph_optimization, "all");
  EXPECT_EQ(co.session.execution_provider, "cpu");
  EXPECT_EQ(co.policy, InterleavePolicy::kGlobalThreadPool);
  EXPECT_FALSE(co.keep_going);
  EXPECT_EQ(co.cache, nullptr);
  EXPECT_EQ(co.observer, nullptr);
}

}  // namespace
}  // namespace qbench
