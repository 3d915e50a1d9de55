// Issue 10 §1/§3, the numbers behind the report: the roofline measures int8 work (and a file that is
// int8 as given) against the int8 peak; the speedup plot's error bars are the speedup CIs; the
// roofline peaks cache is measured again once 30 days old and --refresh-roofline ignores it.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "fake_backend.h"
#include "planted_roofline.h"
#include "qbench/core/error.h"
#include "qbench/core/fs.h"
#include "qbench/lab/roofline.h"
#include "qbench/report/analysis.h"
#include "qbench/report/plots.h"
#include "qbench/report/study_report.h"
#include "test_util.h"

namespace qbench {
namespace {

// The fake study's roofline: peaks fp32 100 GMAC/s, int8 400 GMAC/s, 20 GB/s (ridges 5 and 20 MAC/B);
// each profile holds 3.01e9 MACs over 5.1e7 bytes (59.0 MAC/B), big's batch-1 latency is 4 ms × the
// variant's factor (fp32 1, dynamic 2, static 0.5).
TEST(Roofline, Int8VariantsAndInt8FilesAreMeasuredAgainstTheInt8Peak) {
  LabStudy s = testing::RunFakeStudy(::qbench::testing::TempDir() + "/roofline_int8", false);
  const double macs = 3.01e9, intensity = 3.01e9 / 5.1e7;
  std::map<std::string, RooflineRow> big;
  for (const auto& r : ModelRooflineRows(s))
    if (r.model == "big") big[r.variant] = r;
  ASSERT_EQ(big.size(), 3u);
  const std::map<std::string, std::pair<double, double>> expected = {  // variant → (peak, time s)
      {"fp32", {100e9, 0.004}}, {"dynamic", {400e9, 0.008}}, {"static", {400e9, 0.002}}};
  for (const auto& [v, e] : expected) {
    const RooflineRow& r = big.at(v);
    EXPECT_EQ(r.peak_macs_per_s, e.first) << v;
    EXPECT_DOUBLE_EQ(r.ridge_macs_per_byte, e.first / 20e9) << v;
    EXPECT_DOUBLE_EQ(r.intensity_macs_per_byte, intensity) << v;
    EXPECT_NEAR(r.share_of_peak, macs / e.second / e.first, 1e-9) << v;
    EXPECT_DOUBLE_EQ(r.attainable_macs_per_s, std::min(e.first, 20e9 * intensity)) << v;
  }
  // Op types: QLinearConv against the int8 peak, Conv against the fp32 peak.
  for (const auto& r : OpTypeRooflineRows(s)) {
    if (r.model != "big") continue;
    if (r.op_type.rfind("QLinearConv", 0) == 0) EXPECT_EQ(r.peak_macs_per_s, 400e9) << r.op_type;
    if (r.op_type.rfind("Conv", 0) == 0) EXPECT_EQ(r.peak_macs_per_s, 100e9) << r.op_type;
  }
  // A file that is int8 as given (its baseline record says int8 weights): the int8 peak, never fp32's.
  for (auto& m : s.models)
    if (m.model == "big" && m.variant == "fp32") m.weight_precision = "int8";
  for (const auto& r : ModelRooflineRows(s))
    if (r.model == "big" && r.variant == "fp32") {
      EXPECT_EQ(r.peak_macs_per_s, 400e9);
      EXPECT_NEAR(r.share_of_peak, macs / 0.004 / 400e9, 1e-9);
    }
}

TEST(Plots, SpeedupErrorBarsAreTheSpeedupConfidenceIntervals) {
  // big and small × dynamic (speedup 0.5) and static (2.0), CIs ±5 %, batches 1, 2, 4; small static
  // at batch 4 failed. Four lines, shifted by 0.12 / 3 = 0.04 log2 units each around the batch.
  LabStudy s = testing::RunFakeStudy(::qbench::testing::TempDir() + "/bars", false, false);
  for (auto& p : s.points)  // one asymmetric interval: the bar must be the CI, not a spread around y
    if (p.point.Key() == "big|dynamic|b2|s224|t2") {
      p.speedup_ci95_low = 0.31;
      p.speedup_ci95_high = 0.93;
    }
  const auto series = SpeedupSeries(s, 0);
  ASSERT_EQ(series.size(), 4u);
  const std::vector<std::string> keys = {"big dynamic", "big static", "small dynamic", "small static"};
  const std::vector<double> speedup = {0.5, 2.0, 0.5, 2.0}, offset = {-0.06, -0.02, 0.02, 0.06};
  for (std::size_t i = 0; i < series.size(); ++i) {
    const PlotSeries& line = series[i];
    EXPECT_EQ(line.key, keys[i]);
    ASSERT_EQ(line.points.size(), i == 3 ? 2u : 3u) << line.key;
    ASSERT_EQ(line.lo.size(), line.points.size());
    ASSERT_EQ(line.hi.size(), line.points.size());
    for (std::size_t k = 0; k < line.points.size(); ++k) {
      const PointResult& p = *line.points[k];
      EXPECT_EQ(p.point.batch, std::int64_t{1} << k) << line.key;
      EXPECT_NEAR(line.x[k], static_cast<double>(k) + offset[i], 1e-12) << line.key;
      EXPECT_DOUBLE_EQ(line.y[k], speedup[i]) << line.key;
      EXPECT_EQ(line.lo[k], p.speedup_ci95_low) << line.key << " b" << p.point.batch;
      EXPECT_EQ(line.hi[k], p.speedup_ci95_high) << line.key << " b" << p.point.batch;
      if (line.key == "big dynamic" && p.point.batch == 2) {
        EXPECT_EQ(line.lo[k], 0.31);
        EXPECT_EQ(line.hi[k], 0.93);
      } else {
        EXPECT_DOUBLE_EQ(line.lo[k], 0.95 * speedup[i]) << line.key;
        EXPECT_DOUBLE_EQ(line.hi[k], 1.05 * speedup[i]) << line.key;
      }
    }
  }
  // No second input size in this study: speedup_size2.png has nothing to draw.
  EXPECT_TRUE(SpeedupSeries(s, 1).empty());
}

TEST(Plots, OnceTheStopIsAskedNoFurtherPlotIsDrawnAndTheResultsFilesAreStillWritten) {
  const std::string out = ::qbench::testing::TempDir() + "/stopped";
  const LabStudy s = testing::RunFakeStudy(out, false, false);
  int asked = 0;
  // Stop from the third plot on: latency_big.png and latency_small.png are drawn, nothing after.
  const auto written = WriteStudyOutputs(s, out, true, [&asked] { return ++asked > 2; });
  std::set<std::string> files;
  for (const auto& w : written) files.insert(w.substr(out.size() + 1));
  if (!PlotsBuiltIn()) {  // -DQBENCH_PLOTS=OFF: no plot to stop; the results files are written all the same
    EXPECT_EQ(files, (std::set<std::string>{"results.json", "results.csv", "report.md", "report.html"}));
    return;
  }
  EXPECT_EQ(files, (std::set<std::string>{"plots/latency_big.png", "plots/latency_small.png", "results.json", "results.csv",
                                          "report.md", "report.html"}));
  std::size_t pngs = 0;
  for (const auto& e : std::filesystem::directory_iterator(out + "/plots")) pngs += e.path().extension() == ".png";
  EXPECT_EQ(pngs, 2u);
  std::ifstream md_in(out + "/report.md");
  const std::string md((std::istreambuf_iterator<char>(md_in)), std::istreambuf_iterator<char>());
  EXPECT_NE(md.find("](plots/latency_small.png)"), std::string::npos);
  EXPECT_EQ(md.find("](plots/size.png)"), std::string::npos);
  EXPECT_EQ(nlohmann::json::parse(std::ifstream(out + "/results.json"))["points"].size(), s.points.size());
}

nlohmann::json ReadJson(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

TEST(RooflineCache, PeaksOlderThan30DaysAreMeasuredAgainAndRefreshIgnoresTheCache) {
  constexpr int kMatrix = 256;                 // 16.8 M MACs per MatMul run: measured in well under a second
  constexpr std::int64_t kVector = 1 << 20;    // 12 MiB moved per Add run
  const RooflineLoad kQuiet{0.0, 2};           // measured as on a quiet machine, whatever the load now: cached
  const std::string path = ::qbench::testing::TempDir() + "/roofline.json";
  const std::string key = testing::ThisMachineRooflineKey();
  // 29 days old: used as cached, nothing measured.
  testing::PlantRooflineCache(path, 29);
  RooflinePeaks p = ReadCachedRoofline(path, 1);
  ASSERT_TRUE(p.ok) << p.error;
  EXPECT_TRUE(p.from_cache);
  EXPECT_EQ(p.fp32_macs_per_s, 1e9);
  EXPECT_EQ(p.int8_macs_per_s, 2e9);
  EXPECT_EQ(p.bytes_per_s, 3e9);
  p = LoadOrMeasureRoofline(1, path, nullptr, false, kMatrix, kVector, kQuiet);
  EXPECT_TRUE(p.from_cache);
  EXPECT_EQ(p.fp32_macs_per_s, 1e9);

  // 31 days old: refused with its age, then measured again and the entry replaced (others kept).
  testing::PlantRooflineCache(path, 31);
  p = ReadCachedRoofline(path, 1);
  EXPECT_FALSE(p.ok);
  EXPECT_EQ(p.error, "the cached peaks are 31 days old (older than 30)");
  EXPECT_TRUE(ReadCachedRoofline(path, 1, 40.0 * 86400).ok);  // the age limit is the one given
  const double before = testing::UnixNowS();
  WarningList warnings;
  p = LoadOrMeasureRoofline(1, path, &warnings, false, kMatrix, kVector, kQuiet);
  ASSERT_TRUE(p.ok) << p.error;
  EXPECT_FALSE(p.from_cache);
  EXPECT_NE(p.fp32_macs_per_s, 1e9);  // a real MatMul, not the planted 1 GMAC/s
  EXPECT_GT(p.fp32_macs_per_s, 0.0);
  EXPECT_GE(p.measured_at_unix_s, before);
  EXPECT_TRUE(warnings.items().empty());
  nlohmann::json j = ReadJson(path);
  EXPECT_EQ(j[key]["fp32_macs_per_s"].get<double>(), p.fp32_macs_per_s);
  EXPECT_EQ(j[key]["measured_at_unix_s"].get<double>(), p.measured_at_unix_s);
  EXPECT_TRUE(j.contains("Some Other CPU|ort 0.0|threads 1"));
  EXPECT_EQ(ReadCachedRoofline(path, 1).fp32_macs_per_s, p.fp32_macs_per_s);  // fresh now: read back

  // A fresh cache (1 day) with refresh (--refresh-roofline): not read, measured now, entry replaced.
  testing::PlantRooflineCache(path, 1);
  const double before_refresh = testing::UnixNowS();
  p = LoadOrMeasureRoofline(1, path, nullptr, /*refresh=*/true, kMatrix, kVector, kQuiet);
  ASSERT_TRUE(p.ok) << p.error;
  EXPECT_FALSE(p.from_cache);
  EXPECT_NE(p.fp32_macs_per_s, 1e9);
  EXPECT_GE(p.measured_at_unix_s, before_refresh);
  EXPECT_NE(p.method.find("MatMul float32 [256,256]x[256,256]"), std::string::npos) << p.method;
  j = ReadJson(path);
  EXPECT_EQ(j[key]["fp32_macs_per_s"].get<double>(), p.fp32_macs_per_s);
  EXPECT_EQ(j[key]["method"].get<std::string>().find("planted"), std::string::npos);
}

// --roofline-cache pointed at a file that is not a roofline cache (a model, a report) is refused before
// anything is measured, and the writer never replaces such a file (the tester's ONNX model became JSON).
TEST(RooflineCache, AFileThatIsNotACacheIsRefusedAndNeverOverwritten) {
  const std::string dir = ::qbench::testing::TempDir();
  const std::string victim = dir + "/model.onnx";
  { std::ofstream(victim, std::ios::binary) << std::string("\x08\x07\x12\x07pytorch", 11); }
  try {
    CheckRooflineCachePath(victim);
    FAIL() << "a non-JSON file was accepted as a roofline cache";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(std::string(e.what()), "--roofline-cache '" + victim + "' exists and is not a roofline cache (a JSON object of "
                                     "peaks): writing the peaks would replace it; give another path (qbench never "
                                     "overwrites other files)");
  }
  { std::ofstream(dir + "/list.json") << "[1, 2]\n"; }
  EXPECT_THROW(CheckRooflineCachePath(dir + "/list.json"), Error);  // JSON, but not an object of peaks
  EXPECT_THROW(CheckRooflineCachePath(dir), Error);                 // a folder
  CheckRooflineCachePath(dir + "/absent.json");                      // created when the peaks are measured
  { std::ofstream(dir + "/empty.json"); }
  CheckRooflineCachePath(dir + "/empty.json");
  testing::PlantRooflineCache(dir + "/cache.json", 1);
  CheckRooflineCachePath(dir + "/cache.json");
  // The writer: peaks measured, the cache not written, a warning, the file unchanged byte for byte.
  WarningList warnings;
  const RooflinePeaks p = LoadOrMeasureRoofline(1, victim, &warnings, /*refresh=*/true, 64, 1 << 16);
  EXPECT_TRUE(p.ok) << p.error;
  ASSERT_EQ(warnings.items().size(), 1u);
  EXPECT_EQ(warnings.items()[0].code, "roofline_cache");
  EXPECT_EQ(ReadFileBytes(victim), std::string("\x08\x07\x12\x07pytorch", 11));
}

}  // namespace
}  // namespace qbench
