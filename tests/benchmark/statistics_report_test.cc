// The one statistics schema (benchmark/statistics_report.h): a round trip with real values, the lab's
// older spelling still read, and the median interval's exact level beside it for n = 3, 5 and 6.
#include <gtest/gtest.h>

#include <cmath>

#include "qbench/benchmark/statistics_report.h"
#include "qbench/core/error.h"

namespace qbench {
namespace {

TEST(StatisticsSchema, RoundTripsRealValuesWithOneSpelling) {
  // 1..10 ms: mean 5.5, s = √(82.5/9), median 5.5, CI [x(2), x(9)] = [2, 9] at 1 − 2·11/1024.
  const Statistics s = ComputeStatistics({7, 1, 4, 10, 2, 9, 3, 8, 5, 6});
  const auto j = StatisticsToJson(s);
  std::vector<std::string> keys;
  for (const auto& item : j.items()) keys.push_back(item.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"n", "mean_ms", "stddev_ms", "median_ms", "median_ci_low_ms",
                                            "median_ci_high_ms", "median_ci_level", "min_ms", "max_ms", "p90_ms",
                                            "p99_ms", "cv", "outliers"}));
  EXPECT_DOUBLE_EQ(j["stddev_ms"].get<double>(), std::sqrt(82.5 / 9));
  EXPECT_DOUBLE_EQ(j["median_ci_level"].get<double>(), 1 - 2 * 11.0 / 1024);
  const Statistics back = StatisticsFromJson(nlohmann::json::parse(j.dump()));
  EXPECT_EQ(back.n, 10u);
  EXPECT_DOUBLE_EQ(back.mean_ms, 5.5);
  EXPECT_DOUBLE_EQ(back.stddev_ms, s.stddev_ms);
  EXPECT_DOUBLE_EQ(back.median_ms, 5.5);
  EXPECT_DOUBLE_EQ(back.median_ci_low_ms, 2);
  EXPECT_DOUBLE_EQ(back.median_ci_high_ms, 9);
  EXPECT_DOUBLE_EQ(back.median_ci_level, s.median_ci_level);
  EXPECT_DOUBLE_EQ(back.min_ms, 1);
  EXPECT_DOUBLE_EQ(back.max_ms, 10);
  EXPECT_NEAR(back.p90_ms, 9.1, 1e-12);   // h = 9·0.9 = 8.1: 9 + 0.1·(10 − 9)
  EXPECT_NEAR(back.p99_ms, 9.91, 1e-12);  // h = 8.91
  EXPECT_DOUBLE_EQ(back.cv, s.cv);
  EXPECT_EQ(back.outliers, 0u);
  // The columns are the JSON keys in the same order.
  const auto cols = StatisticsColumns();
  ASSERT_EQ(cols.size(), keys.size());
  for (std::size_t i = 0; i < cols.size(); ++i) EXPECT_EQ(cols[i].key, keys[i]);
}

TEST(StatisticsSchema, NanIsNullBothWays) {
  const Statistics one = ComputeStatistics({4});  // no spread from one sample
  const auto j = nlohmann::json::parse(StatisticsToJson(one).dump());
  EXPECT_TRUE(j["stddev_ms"].is_null());
  EXPECT_TRUE(j["cv"].is_null());
  const Statistics back = StatisticsFromJson(j);
  EXPECT_TRUE(std::isnan(back.stddev_ms));
  EXPECT_DOUBLE_EQ(back.median_ms, 4);
  const auto cells = StatisticsCells(one);
  EXPECT_EQ(cells[2].shown, "");       // stddev_ms
  EXPECT_EQ(cells[2].Exact(), "");
  EXPECT_EQ(cells[3].shown, "4.000");  // median_ms
}

// A lab results line written before the schema was shared: std_ms, ci95_low_ms, ci95_high_ms, no
// p99_ms/outliers, and the dropped ci_method string.
TEST(StatisticsSchema, ReadsTheLabsOlderSpelling) {
  const auto old = nlohmann::json::parse(
      R"({"n": 3, "mean_ms": 3.0, "std_ms": 1.0, "median_ms": 3.0, "min_ms": 2.0, "max_ms": 4.0, "p90_ms": 3.8,
          "ci95_low_ms": 2.0, "ci95_high_ms": 4.0, "median_ci_level": 0.75, "cv": 0.3333,
          "ci_method": "order statistics of the median (Conover 1999), coverage 0.750"})");
  const Statistics s = StatisticsFromJson(old);
  EXPECT_EQ(s.n, 3u);
  EXPECT_DOUBLE_EQ(s.stddev_ms, 1.0);
  EXPECT_DOUBLE_EQ(s.median_ci_low_ms, 2.0);
  EXPECT_DOUBLE_EQ(s.median_ci_high_ms, 4.0);
  EXPECT_DOUBLE_EQ(s.median_ci_level, 0.75);
  EXPECT_DOUBLE_EQ(s.p90_ms, 3.8);
  EXPECT_TRUE(std::isnan(s.p99_ms));  // not measured then: unknown, not 0
  EXPECT_EQ(s.outliers, 0u);
  // Written back, it has the one spelling only.
  const auto j = StatisticsToJson(s);
  EXPECT_FALSE(j.contains("std_ms"));
  EXPECT_FALSE(j.contains("ci95_low_ms"));
  EXPECT_DOUBLE_EQ(j["median_ci_low_ms"].get<double>(), 2.0);
  EXPECT_THROW(StatisticsFromJson(nlohmann::json::parse(R"({"mean_ms": "fast"})")), Error);
}

// Order statistics: with n < 6 the interval is [min, max] with coverage 1 − 2·(1/2)^n, below 95 %;
// n = 6 reaches 95 % with [min, max] (1 − 2/64; [x(2), x(5)] would cover only 1 − 2·7/64).
TEST(StatisticsSchema, TheIntervalCarriesItsExactLevel) {
  struct Case {
    std::vector<double> samples;
    double low, high, level;
    const char* shown;
  };
  const Case cases[] = {
      {{4, 2, 3}, 2, 4, 1 - 2.0 / 8, "75.0%"},              // n = 3: 0.75
      {{5, 1, 4, 2, 3}, 1, 5, 1 - 2.0 / 32, "93.8%"},       // n = 5: 0.9375
      {{6, 1, 5, 2, 4, 3}, 1, 6, 1 - 2.0 / 64, "96.9%"},    // n = 6: 0.96875 (j = 2 would be 0.78125)
  };
  for (const auto& c : cases) {
    const Statistics s = ComputeStatistics(c.samples);
    const auto j = StatisticsToJson(s);
    EXPECT_DOUBLE_EQ(j["median_ci_low_ms"].get<double>(), c.low);
    EXPECT_DOUBLE_EQ(j["median_ci_high_ms"].get<double>(), c.high);
    EXPECT_DOUBLE_EQ(j["median_ci_level"].get<double>(), c.level) << c.samples.size();
    const auto cells = StatisticsCells(s);
    EXPECT_EQ(cells[6].shown, c.shown);
    EXPECT_EQ(std::stod(cells[6].Exact()), c.level);
  }
}

}  // namespace
}  // namespace qbench
