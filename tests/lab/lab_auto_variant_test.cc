// The lab's variant "auto": the search's options from the lab's settings (data, split, budget, seed,
// first batch) and the summary its model record keeps, on hand-made results.
#include <gtest/gtest.h>

#include "lab/lab_auto.h"

namespace qbench {
namespace {

using lab_internal::LabAutoOptions;
using lab_internal::LabAutoSummary;

TEST(LabAutoVariant, OptionsFollowTheLabsDataSplitBudgetAndSeed) {
  LabConfig c = DefaultLabConfig();
  c.batches = ParseSweepAxis("batch", "4,8");
  c.auto_max_drop_points = 2.5;
  c.auto_time_budget_s = 60;
  c.seed = 7;
  c.eval_limit = 50;
  CalibrationDataSpec cal;
  cal.path = "cal.csv";
  cal.size = 32;
  PreprocessOptions pre;
  pre.crop = 200;
  // Calibration data and evaluation data apart: calibrate on the first, judge on the second.
  c.calibration_data = "cal.csv";
  c.eval_data = "eval.csv";
  AutoQuantizeOptions o = LabAutoOptions(c, cal, pre, 3);
  EXPECT_DOUBLE_EQ(o.max_drop_points, 2.5);
  EXPECT_DOUBLE_EQ(o.time_budget_s, 60);
  EXPECT_EQ(o.seed, 7u);
  EXPECT_EQ(o.threads, 3);
  EXPECT_EQ(o.batch, 4);  // the sweep's first batch
  EXPECT_EQ(o.eval_limit, 50u);
  EXPECT_EQ(o.calibration.path, "cal.csv");
  EXPECT_EQ(o.calibration.size, 32u);
  EXPECT_FALSE(o.calibration.split_part);
  EXPECT_EQ(o.evaluation.path, "eval.csv");
  EXPECT_EQ(o.evaluation.preprocess.crop, 200);
  EXPECT_EQ(o.methods, AutoSearchCalibrationMethods());  // the calibrator rows --auto tries
  // --split (the static variants calibrate on its calibration part): the search splits the same data.
  c.split = true;
  c.calibration_data.clear();
  cal.path = "eval.csv";
  cal.split_part = true;
  o = LabAutoOptions(c, cal, pre, 3);
  EXPECT_EQ(o.calibration.path, "eval.csv");
  EXPECT_EQ(o.evaluation.path, "eval.csv");
  EXPECT_FALSE(o.calibration.split_part);  // the search makes the split itself (docs/auto.md "Data")
  // No data at all: generated inputs; --calibration-method narrows the search to that method.
  c = DefaultLabConfig();
  c.calibration_method = "mse";
  o = LabAutoOptions(c, CalibrationDataSpec{}, pre, 1);
  EXPECT_TRUE(o.calibration.path.empty());
  EXPECT_TRUE(o.evaluation.path.empty());
  EXPECT_EQ(o.methods, std::vector<CalibrationMethod>{CalibrationMethod::kMse});
  EXPECT_EQ(o.batch, 1);
}

TEST(LabAutoVariant, SummaryKeepsTheChoiceOrTheBestInt8Figure) {
  AutoQuantizeResult r;
  r.max_drop_points = 1;
  r.batch = 1;
  AutoCandidate a;
  a.name = "mse u8 conv-per-channel";
  a.method = CalibrationMethod::kMse;
  a.agreement = 0.99;
  a.within_budget = true;
  a.timed = true;
  a.speedup.speedup = 1.3;
  a.speedup.ci_low = 1.2;
  a.speedup.ci_high = 1.4;
  AutoCandidate b = a;
  b.name = "mse s8 conv-per-channel";
  b.speedup.speedup = 0.9;
  r.candidates = {b, a};
  r.chosen = 1;
  r.decision = "wrote 'mse u8 conv-per-channel'";
  LabAutoRecord s = LabAutoSummary(r);
  EXPECT_EQ(s.chosen, "mse u8 conv-per-channel");
  EXPECT_FALSE(s.wrote_fp32_unchanged);
  EXPECT_EQ(s.candidates, 2);
  ASSERT_TRUE(s.has_choice);
  EXPECT_EQ(s.choice.calibration_method, "mse");
  EXPECT_DOUBLE_EQ(s.choice.speedup, 1.3);
  EXPECT_DOUBLE_EQ(s.choice.speedup_ci95_low, 1.2);
  EXPECT_FALSE(s.has_best_int8);
  // Written as results.json keeps it: the same keys as before the record was typed.
  nlohmann::json j = s;
  EXPECT_EQ(j["chosen"], "mse u8 conv-per-channel");
  EXPECT_EQ(j["wrote_fp32_unchanged"], false);
  EXPECT_EQ(j["candidates"], 2);
  EXPECT_EQ(j["choice"]["calibration_method"], "mse");
  EXPECT_DOUBLE_EQ(j["choice"]["speedup"].get<double>(), 1.3);
  EXPECT_EQ(j["choice"]["speedup_ci95"], nlohmann::json::array({1.2, 1.4}));
  EXPECT_TRUE(j["choice"]["top1"].is_null());  // not measured: null, read back as NaN
  EXPECT_FALSE(j.contains("best_int8"));
  // Nothing chosen: the fp32 model; the fastest timed candidate within the budget is the best figure.
  r.chosen = -1;
  s = LabAutoSummary(r);
  EXPECT_TRUE(s.chosen.empty());
  EXPECT_TRUE(s.wrote_fp32_unchanged);
  EXPECT_FALSE(s.has_choice);
  ASSERT_TRUE(s.has_best_int8);
  EXPECT_EQ(s.best_int8.name, "mse u8 conv-per-channel");
  j = s;
  EXPECT_TRUE(j["chosen"].is_null());
  EXPECT_EQ(j["wrote_fp32_unchanged"], true);
  EXPECT_FALSE(j.contains("choice"));
  EXPECT_EQ(j["best_int8"]["name"], "mse u8 conv-per-channel");
}

}  // namespace
}  // namespace qbench
