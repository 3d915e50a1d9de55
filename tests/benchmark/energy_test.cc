// Energy sensors on recorded fake sysfs trees: discovery per source row, totals, wraparound, missing
// permission, a sensor that vanishes mid-run, the sampling thread. Expected joules and watts are
// computed by hand in the comments.
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "qbench/benchmark/energy.h"
#include "qbench/benchmark/energy_observer.h"
#include "qbench/model/graph_builder.h"
#include "qbench/model/shapes.h"
#include "test_util.h"

namespace qbench {
namespace {
namespace fs = std::filesystem;

void Put(const std::string& path, const std::string& text, fs::perms perms = fs::perms::owner_read | fs::perms::owner_write |
                                                                              fs::perms::group_read | fs::perms::others_read) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path) << text << "\n";
  fs::permissions(path, perms);
}

// Reads as an unprivileged user would (the tests run as root in CI containers): a file without the
// others-read bit is refused with "Permission denied", as a root-only RAPL energy_uj (0400) is.
bool ReadAsUser(const std::string& path, std::string* text, std::string* error) {
  struct stat st{};
  if (::stat(path.c_str(), &st) == 0 && !(st.st_mode & S_IROTH)) {
    *error = "Permission denied";
    return false;
  }
  return ReadSysfsFile(path, text, error);
}

// A RAPL tree: package-0 with its core subzone and the dram subzone; range 262143328850 µJ.
std::string RaplTree(const std::string& energy_uj = "1000000", const std::string& range = "262143328850") {
  const std::string root = testing::TempDir();
  const std::string p = root + "/class/powercap/intel-rapl:0";
  Put(p + "/name", "package-0");
  Put(p + "/energy_uj", energy_uj);
  Put(p + "/max_energy_range_uj", range);
  Put(root + "/class/powercap/intel-rapl:0:0/name", "core");
  Put(root + "/class/powercap/intel-rapl:0:0/energy_uj", "400000");
  Put(root + "/class/powercap/intel-rapl:0:1/name", "dram");
  Put(root + "/class/powercap/intel-rapl:0:1/energy_uj", "100000");
  fs::create_directories(root + "/class/powercap/intel-rapl");  // the control type folder: no energy_uj
  return root;
}

TEST(EnergyTest, TheSourceTableListsEverySourceInPriorityOrder) {
  std::vector<std::string> sources;
  for (const auto& row : EnergySources()) sources.push_back(row.source);
  EXPECT_EQ(sources, (std::vector<std::string>{"rapl", "ina3221", "ina3221", "hwmon", "hwmon", "hwmon"}));
}

TEST(EnergyTest, RaplCountsPackagesAndInterpolatesBetweenSamples) {
  const std::string root = RaplTree();
  const EnergyDiscovery d = DiscoverEnergySensors(root);
  ASSERT_TRUE(d.available) << d.reason;
  EXPECT_EQ(d.source, "rapl");
  ASSERT_EQ(d.sensors.size(), 3u);  // package-0, core, dram (sorted by folder)
  EXPECT_EQ(d.sensors[0].label, "package-0");
  EXPECT_TRUE(d.sensors[0].in_total);
  EXPECT_DOUBLE_EQ(d.sensors[0].range, 262143328850.0);
  EXPECT_EQ(d.sensors[1].label, "core");
  EXPECT_FALSE(d.sensors[1].in_total);
  EXPECT_FALSE(d.sensors[2].in_total);
  EnergyMeter m(d);
  m.SampleAt(10.0);                                                      // 1.0 J on the counter
  Put(root + "/class/powercap/intel-rapl:0/energy_uj", "3000000");       // +2.0 J over [10, 11]
  Put(root + "/class/powercap/intel-rapl:0:0/energy_uj", "9000000");     // core: not counted
  m.SampleAt(11.0);
  Put(root + "/class/powercap/intel-rapl:0/energy_uj", "5500000");       // +2.5 J over [11, 12]
  m.SampleAt(12.0);
  // E(10.5) = 1.0, E(11.5) = 2.0 + 1.25 = 3.25 → 2.25 J in 1 s = 2.25 W.
  EnergyReading r = m.Between(10.5, 11.5);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_NEAR(r.joules, 2.25, 1e-9);
  EXPECT_NEAR(r.watts(), 2.25, 1e-9);
  r = m.Between(10.0, 12.0);  // 4.5 J in 2 s
  EXPECT_NEAR(r.joules, 4.5, 1e-9);
  EXPECT_NEAR(r.watts(), 2.25, 1e-9);
  EXPECT_FALSE(m.Between(9.0, 11.0).ok);   // before the first sample
  EXPECT_FALSE(m.Between(11.0, 12.5).ok);  // after the last
  EXPECT_NEAR(m.MeanSamplePeriod(), 1.0, 1e-12);
}

TEST(EnergyTest, CounterWraparoundAddsTheRange) {
  // Range 10 J: 9.0 J → 1.0 J is one wraparound, +2.0 J; then 1.0 → 4.0 J, +3.0 J.
  const std::string root = RaplTree("9000000", "10000000");
  EnergyMeter m(DiscoverEnergySensors(root));
  m.SampleAt(0.0);
  Put(root + "/class/powercap/intel-rapl:0/energy_uj", "1000000");
  m.SampleAt(0.5);
  Put(root + "/class/powercap/intel-rapl:0/energy_uj", "4000000");
  m.SampleAt(1.5);
  EnergyReading r = m.Between(0.0, 0.5);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_NEAR(r.joules, 2.0, 1e-9);
  EXPECT_NEAR(r.watts(), 4.0, 1e-9);
  r = m.Between(0.0, 1.5);
  EXPECT_NEAR(r.joules, 5.0, 1e-9);
  EXPECT_NEAR(r.watts(), 5.0 / 1.5, 1e-9);
}

TEST(EnergyTest, ACounterWithoutRangeThatGoesBackwardsIsRefused) {
  // amd_energy style hwmon counters: Esocket0 is counted, the cores (inside the socket) are not.
  const std::string root = testing::TempDir();
  const std::string h = root + "/class/hwmon/hwmon3";
  Put(h + "/name", "amd_energy");
  Put(h + "/energy1_label", "Ecore000");
  Put(h + "/energy1_input", "500000");
  Put(h + "/energy17_label", "Esocket0");
  Put(h + "/energy17_input", "2000000");
  const EnergyDiscovery d = DiscoverEnergySensors(root);
  ASSERT_TRUE(d.available) << d.reason;
  EXPECT_EQ(d.source, "hwmon");
  ASSERT_EQ(d.sensors.size(), 2u);
  EXPECT_FALSE(d.sensors[0].in_total);  // Ecore000
  EXPECT_TRUE(d.sensors[1].in_total);   // Esocket0
  EnergyMeter m(d);
  m.SampleAt(0.0);
  Put(h + "/energy17_input", "2600000");  // +0.6 J
  m.SampleAt(0.2);
  Put(h + "/energy17_input", "100");      // backwards, range unknown
  m.SampleAt(0.4);
  EnergyReading ok = m.Between(0.0, 0.2);
  ASSERT_TRUE(ok.ok) << ok.error;
  EXPECT_NEAR(ok.joules, 0.6, 1e-9);
  EXPECT_NEAR(ok.watts(), 3.0, 1e-9);
  const EnergyReading bad = m.Between(0.0, 0.4);
  EXPECT_FALSE(bad.ok);
  EXPECT_NE(bad.error.find("went backwards"), std::string::npos) << bad.error;
}

TEST(EnergyTest, RootOnlyRaplIsSkippedForTheNextSourceOrSaidUnavailable) {
  const auto root_only = fs::perms::owner_read;  // 0400, as Linux >= 5.10 makes energy_uj
  std::string root = RaplTree();
  fs::permissions(root + "/class/powercap/intel-rapl:0/energy_uj", root_only);
  EnergyDiscovery d = DiscoverEnergySensors(root, ReadAsUser);
  EXPECT_FALSE(d.available);
  EXPECT_NE(d.reason.find("intel-rapl:0/energy_uj: Permission denied"), std::string::npos) << d.reason;
  EXPECT_NE(d.reason.find("root"), std::string::npos) << d.reason;
  // With a readable hwmon power meter beside it, that one is measured instead.
  Put(root + "/class/hwmon/hwmon0/name", "power_meter");
  Put(root + "/class/hwmon/hwmon0/power1_average", "42000000");  // 42 W
  d = DiscoverEnergySensors(root, ReadAsUser);
  ASSERT_TRUE(d.available) << d.reason;
  EXPECT_EQ(d.source, "hwmon");
  ASSERT_EQ(d.sensors.size(), 1u);
  EXPECT_EQ(d.sensors[0].label, "hwmon0 power1");
  EnergyMeter m(d, ReadAsUser);
  m.SampleAt(1.0);
  m.SampleAt(3.0);
  EXPECT_NEAR(m.Between(1.5, 2.5).joules, 42.0, 1e-9);  // constant 42 W over 1 s
}

TEST(EnergyTest, NoSensorIsUnavailableWithAReasonNeverZero) {
  const std::string root = testing::TempDir();
  const EnergyDiscovery d = DiscoverEnergySensors(root);
  EXPECT_FALSE(d.available);
  EXPECT_NE(d.reason.find("no power sensor under " + root), std::string::npos) << d.reason;
  EnergyMeter m(d);
  m.Start(0.001);  // no-op
  m.Stop();
  const EnergyReading r = m.Between(0, 1);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, d.reason);
  EXPECT_EQ(m.samples(), 0u);
}

// Jetson Orin (JetPack 5/6): INA3221 rails as hwmon; VDD_IN holds the others.
std::string JetsonTree() {
  const std::string root = testing::TempDir();
  const std::string h = root + "/class/hwmon/hwmon1";
  Put(h + "/name", "ina3221");
  Put(h + "/in1_label", "VDD_IN");
  Put(h + "/in1_input", "5000");   // mV
  Put(h + "/curr1_input", "1200"); // mA → 6 W
  Put(h + "/in2_label", "VDD_CPU_GPU_CV");
  Put(h + "/in2_input", "5000");
  Put(h + "/curr2_input", "400");  // 2 W, within VDD_IN
  Put(h + "/in7_input", "5000");   // a sum-voltage channel without current: not a rail
  Put(root + "/class/hwmon/hwmon0/name", "cpu_thermal");
  Put(root + "/class/hwmon/hwmon0/temp1_input", "45000");
  return root;
}

TEST(EnergyTest, JetsonRailsIntegratePowerWithTheTrapezoidRule) {
  const std::string root = JetsonTree();
  const std::string h = root + "/class/hwmon/hwmon1";
  const EnergyDiscovery d = DiscoverEnergySensors(root);
  ASSERT_TRUE(d.available) << d.reason;
  EXPECT_EQ(d.source, "ina3221");
  ASSERT_EQ(d.sensors.size(), 2u);
  EXPECT_EQ(d.sensors[0].label, "VDD_IN");
  EXPECT_TRUE(d.sensors[0].in_total);
  EXPECT_FALSE(d.sensors[1].in_total);
  EnergyMeter m(d);
  m.SampleAt(0.0);                  // 6 W
  Put(h + "/curr1_input", "1600");  // 8 W
  m.SampleAt(1.0);
  m.SampleAt(2.0);                  // 8 W
  // [0, 1]: (6 + 8) / 2 = 7 J; [1, 2]: 8 J → 15 J in 2 s = 7.5 W. E(0.5) = 3.5 J → [0.5, 1]: 3.5 J, 7 W.
  EnergyReading r = m.Between(0.0, 2.0);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_NEAR(r.joules, 15.0, 1e-9);
  EXPECT_NEAR(r.watts(), 7.5, 1e-9);
  r = m.Between(0.5, 1.0);
  EXPECT_NEAR(r.joules, 3.5, 1e-9);
  EXPECT_NEAR(r.watts(), 7.0, 1e-9);
}

TEST(EnergyTest, ASensorThatVanishesMidRunFailsOnlyTheIntervalsItCovers) {
  const std::string root = JetsonTree();
  const std::string h = root + "/class/hwmon/hwmon1";
  EnergyMeter m(DiscoverEnergySensors(root));
  m.SampleAt(0.0);
  m.SampleAt(1.0);
  fs::remove(h + "/curr2_input");  // a rail outside the total vanishes: the total goes on
  m.SampleAt(2.0);
  EnergyReading r = m.Between(0.0, 2.0);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_NEAR(r.joules, 12.0, 1e-9);  // 6 W × 2 s
  fs::remove(h + "/in1_input");     // VDD_IN vanishes at t = 3
  m.SampleAt(3.0);
  m.SampleAt(4.0);
  r = m.Between(0.5, 2.0);          // up to its last good sample: still measured, 6 W × 1.5 s
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_NEAR(r.joules, 9.0, 1e-9);
  EXPECT_FALSE(m.Between(1.0, 2.5).ok);  // it vanished somewhere in (2, 3]
  r = m.Between(2.5, 3.5);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.joules, 0);
  EXPECT_NE(r.error.find("sensor VDD_IN"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("3.000 s after the first sample"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("vanished"), std::string::npos) << r.error;
}

TEST(EnergyTest, JetPack4IioRailsAreReadInMilliwatts) {
  const std::string root = testing::TempDir();
  const std::string dev = root + "/bus/i2c/drivers/ina3221x/1-0040/iio:device0";
  Put(dev + "/rail_name_0", "POM_5V_IN");
  Put(dev + "/in_power0_input", "4500");  // mW
  Put(dev + "/rail_name_1", "POM_5V_GPU");
  Put(dev + "/in_power1_input", "1000");
  const EnergyDiscovery d = DiscoverEnergySensors(root);
  ASSERT_TRUE(d.available) << d.reason;
  EXPECT_EQ(d.source, "ina3221");
  ASSERT_EQ(d.sensors.size(), 2u);
  EXPECT_TRUE(d.sensors[0].in_total);
  EXPECT_FALSE(d.sensors[1].in_total);
  EnergyMeter m(d);
  m.SampleAt(0);
  m.SampleAt(2);
  EXPECT_NEAR(m.Between(0, 2).joules, 9.0, 1e-9);  // 4.5 W × 2 s
}

TEST(EnergyTest, TheSamplingThreadMeasuresAConstantPowerExactly) {
  const std::string root = testing::TempDir();
  Put(root + "/class/hwmon/hwmon0/name", "board");
  Put(root + "/class/hwmon/hwmon0/power1_input", "5000000");  // 5 W, constant
  EnergyMeter m(DiscoverEnergySensors(root));
  ASSERT_TRUE(m.available());
  m.Start(0.002);
  const double t0 = EnergyMeter::NowSeconds();
  std::this_thread::sleep_for(std::chrono::milliseconds(40));
  const double t1 = EnergyMeter::NowSeconds();
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  m.Stop();
  EXPECT_GE(m.samples(), 5u);
  EXPECT_GT(m.MeanSamplePeriod(), 0);
  const EnergyReading r = m.Between(t0, t1);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_NEAR(r.watts(), 5.0, 1e-9);
  EXPECT_NEAR(r.joules, 5.0 * (t1 - t0), 1e-9);
}

// A hwmon board sensor of constant power `microwatts` in a fresh fake tree.
std::string ConstantPowerTree(const std::string& microwatts) {
  const std::string root = testing::TempDir();
  Put(root + "/class/hwmon/hwmon0/name", "board");
  Put(root + "/class/hwmon/hwmon0/power1_input", microwatts);
  return root;
}

// y = Relu(x), x [N, width].
Model ReluModel(std::int64_t width) {
  GraphBuilder g("relu", 13);
  g.AddInput("x", DType::kFloat32, {Dim("N"), width});
  g.AddNode("Relu", "relu", {"x"}, {"y"});
  g.AddOutput("y", DType::kFloat32, {Dim("N"), width});
  return g.Build();
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];  // odd sizes only
}

// On the one timing path: CompareModels times two models interleaved (2 warm-ups, 5 timed rounds)
// while the observer samples a constant 3 W. Each model gets one energy per timed run (warm-ups
// excluded), its power is 3 W to rounding (constant power: J = 3 W × the run's own interval), and the
// second model's ratio is median(J of model 1) / median(J of model 0) with its bootstrap interval.
TEST(EnergyObserverTest, MeasuresEveryTimedRunOfCompareModelsAndTheRatioToTheFirstModel) {
  EnergyMeter meter(DiscoverEnergySensors(ConstantPowerTree("3000000")));
  ASSERT_TRUE(meter.available());
  const Model a = ReluModel(4096), b = ReluModel(64);
  ShapeOverrides o;
  o.batch = 8;
  CompareOptions co;
  co.config.warmup_runs = 2;
  co.config.repetitions = 5;
  co.config.max_repetitions = 5;
  co.config.cv_threshold = 0;
  co.session.intra_op_threads = 1;
  EnergyObserver observer(meter, 7, 0.001);
  co.observer = &observer;
  const Comparison c =
      CompareModels({{"a", &a, ResolveInputShapes(a, o), ""}, {"b", &b, ResolveInputShapes(b, o), ""}}, co);
  ASSERT_TRUE(c.interleaved);
  const ModelEnergy ea = observer.Result(0), eb = observer.Result(1);
  ASSERT_TRUE(ea.runs.ok) << ea.runs.error;
  ASSERT_TRUE(eb.runs.ok) << eb.runs.error;
  ASSERT_EQ(ea.runs.joules_per_run.size(), 5u);
  ASSERT_EQ(eb.runs.joules_per_run.size(), 5u);
  EXPECT_NEAR(ea.runs.watts(), 3.0, 1e-6);
  EXPECT_NEAR(eb.runs.watts(), 3.0, 1e-6);
  for (double j : ea.runs.joules_per_run) EXPECT_GT(j, 0);
  EXPECT_NEAR(ea.median_run_s * 3.0, Median(ea.runs.joules_per_run), 1e-9);
  EXPECT_GT(ea.sample_period_s, 0);
  EXPECT_FALSE(ea.has_ratio);  // the reference itself
  ASSERT_TRUE(eb.has_ratio);
  EXPECT_NEAR(eb.ratio.speedup, Median(eb.runs.joules_per_run) / Median(ea.runs.joules_per_run), 1e-12);
  EXPECT_TRUE(eb.ratio.paired);
  EXPECT_LE(eb.ratio.ci_low, eb.ratio.speedup);
  EXPECT_GE(eb.ratio.ci_high, eb.ratio.speedup);
}

// Driven by hand: warm-ups are not recorded; a model timed alone gets energy but no ratio; a loop
// that throws (no OnTimingEnd) leaves its model "not measured" and the next loop restarts the meter.
TEST(EnergyObserverTest, SkipsWarmupsAndLeavesAFailedLoopUnmeasured) {
  EnergyMeter meter(DiscoverEnergySensors(ConstantPowerTree("2000000")));  // 2 W
  EnergyObserver observer(meter, 0, 0.001);
  auto run = [&](std::size_t m, bool warmup) {
    observer.BeforeRun(m, warmup);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    observer.AfterRun(m, warmup, 2.0);
  };
  observer.OnTimingStart({1}, false);
  run(1, true);
  run(1, true);
  for (int i = 0; i < 3; ++i) run(1, false);
  observer.OnTimingEnd({1});
  const ModelEnergy e = observer.Result(1);
  ASSERT_TRUE(e.runs.ok) << e.runs.error;
  ASSERT_EQ(e.runs.joules_per_run.size(), 3u);
  for (double j : e.runs.joules_per_run) EXPECT_GE(j, 2.0 * 0.002 - 1e-12);  // 2 W × at least 2 ms
  EXPECT_NEAR(e.runs.watts(), 2.0, 1e-9);
  EXPECT_FALSE(e.has_ratio);
  observer.OnTimingStart({0}, false);
  run(0, false);  // ... and the loop throws here
  EXPECT_EQ(observer.Result(0).runs.error, "not measured");
  observer.OnTimingStart({0}, false);  // timed alone after the failure
  run(0, false);
  observer.OnTimingEnd({0});
  EXPECT_TRUE(observer.Result(0).runs.ok) << observer.Result(0).runs.error;
  EXPECT_EQ(observer.Result(0).runs.joules_per_run.size(), 1u);
}

TEST(EnergyObserverTest, WithoutASensorEveryModelSaysWhyNeverZero) {
  EnergyMeter meter(DiscoverEnergySensors(testing::TempDir()));
  ASSERT_FALSE(meter.available());
  EnergyObserver observer(meter);
  observer.OnTimingStart({0}, false);
  observer.BeforeRun(0, false);
  observer.AfterRun(0, false, 1.0);
  observer.OnTimingEnd({0});
  for (std::size_t m : {0u, 1u}) {
    const ModelEnergy e = observer.Result(m);
    EXPECT_FALSE(e.runs.ok);
    EXPECT_NE(e.runs.error.find("no power sensor"), std::string::npos) << e.runs.error;
    EXPECT_TRUE(e.runs.joules_per_run.empty());
  }
}

}  // namespace
}  // namespace qbench
