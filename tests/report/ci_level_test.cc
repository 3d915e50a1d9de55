// The median interval's level wherever the interval appears (issue 11 §4): with n < 6 timed runs the
// order-statistic interval is [min, max] with exact coverage 1 − 2·(1/2)^n < 95 %; results.json,
// results.csv and report.md carry that level beside it. n = 3 → 0.75, n = 5 → 0.9375, n = 6 → 0.96875.
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "qbench/report/analysis.h"
#include "qbench/report/study_report.h"

namespace qbench {
namespace {

std::vector<std::string> Split(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream ss(line);
  std::string f;
  while (std::getline(ss, f, ',')) out.push_back(f);
  return out;
}

TEST(CiLevel, JsonCsvAndReportSayTheIntervalsLevel) {
  LabStudy study;
  study.has_environment = true;
  const std::vector<std::vector<double>> samples = {{4, 2, 3}, {5, 1, 4, 2, 3}, {6, 1, 5, 2, 4, 3}};
  for (std::size_t i = 0; i < samples.size(); ++i) {
    PointResult p;
    p.point = SweepPoint{"m", "fp32", static_cast<std::int64_t>(i + 1), 32, 1};
    p.ok = true;
    p.samples_ms = samples[i];
    p.latency = ComputeStatistics(samples[i]);
    study.points.push_back(p);
  }
  // results.json: the level next to the interval, read back the same.
  const LabStudy back = LabStudyFromJson(nlohmann::json::parse(ToJson(study).dump()));
  const double levels[] = {0.75, 0.9375, 0.96875};
  const double highs[] = {4, 5, 6};
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_DOUBLE_EQ(back.points[i].latency.median_ci_low_ms, 1 + (i == 0));
    EXPECT_DOUBLE_EQ(back.points[i].latency.median_ci_high_ms, highs[i]);
    EXPECT_DOUBLE_EQ(back.points[i].latency.median_ci_level, levels[i]);
  }
  // results.csv: median_ci_level right after the interval's bounds.
  std::istringstream csv(StudyCsv(back));
  std::string line;
  std::getline(csv, line);
  const auto header = Split(line);
  const auto col = std::find(header.begin(), header.end(), "median_ci_level") - header.begin();
  ASSERT_LT(static_cast<std::size_t>(col), header.size());
  EXPECT_EQ(header[col - 2], "median_ci_low_ms");
  EXPECT_EQ(header[col - 1], "median_ci_high_ms");
  const char* csv_levels[] = {"0.75", "0.9375", "0.96875"};
  for (const char* want : csv_levels) {
    ASSERT_TRUE(std::getline(csv, line));
    EXPECT_EQ(Split(line)[col], want) << line;
  }
  // report.md's cell: the level when below 95 %, nothing when the interval reaches it.
  EXPECT_EQ(FormatMedianCi(back.points[0].latency), "[2.00 ms, 4.00 ms] (75 % CI: n=3)");
  EXPECT_EQ(FormatMedianCi(back.points[1].latency), "[1.00 ms, 5.00 ms] (93.8 % CI: n=5)");
  EXPECT_EQ(FormatMedianCi(back.points[2].latency), "[1.00 ms, 6.00 ms]");
  const std::string md = StudyMarkdown(back, {});
  EXPECT_NE(md.find("3.00 ms [2.00 ms, 4.00 ms] (75 % CI: n=3)"), std::string::npos) << md;
  EXPECT_NE(md.find("3.00 ms [1.00 ms, 5.00 ms] (93.8 % CI: n=5)"), std::string::npos) << md;
  EXPECT_NE(md.find("3.50 ms [1.00 ms, 6.00 ms] |"), std::string::npos) << md;
  EXPECT_NE(md.find("here as low as 75 % with n = 3"), std::string::npos) << md;
}

}  // namespace
}  // namespace qbench
