// The sensitivity and fallback tables (eval/eval_report.h) against hand-written text: columns,
// units, the chosen step's mark, unknown values as "-", inf SQNR of identical outputs.
#include <gtest/gtest.h>

#include <limits>

#include "qbench/core/error.h"
#include "qbench/eval/eval_report.h"

namespace qbench {
namespace {

LayerSensitivity Layer(const std::string& name, const std::string& op, double share, double db, double agreement, double kl,
                       double top1) {
  LayerSensitivity s;
  s.layer.name = name;
  s.layer.op_type = op;
  s.mac_share = share;
  s.sqnr_db = db;
  s.agreement = agreement;
  s.kl = kl;
  s.drop_points = 100 * (1 - agreement);
  s.top1 = top1;
  return s;
}

TEST(EvalTables, SensitivityRanking) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<LayerSensitivity> ranked = {Layer("conv1", "Conv", 0.125, 12.5, 0.9, 0.0123456, nan),
                                                Layer("fc", "Gemm", 0.5, 31.25, 0.975, 0.0004, 0.75)};
  EXPECT_EQ(WriteText(SensitivityTable(ranked)),
            "rank  layer  op     MACs  SQNR dB  agreement  KL nats   drop    top-1\n"
            "----  -----  ----  -----  -------  ---------  -------  -----  -------\n"
            "   1  conv1  Conv  12.5%    12.50    90.00 %  0.01235  10.00        -\n"
            "   2  fc     Gemm  50.0%    31.25    97.50 %  0.00040   2.50  75.00 %\n");
  // CSV keeps the exact values under snake_case keys.
  EXPECT_EQ(WriteCsv(SensitivityTable({ranked[1]})),
            "rank,layer,op_type,mac_share,sqnr_db,agreement,kl_nats,drop_points,top1\n"
            "1,fc,Gemm,0.5,31.25,0.975,0.0004,2.500000000000002,0.75\n");
}

TEST(EvalTables, FallbackStepsMarkTheChosenOne) {
  FallbackPlan plan;
  FallbackStep none;
  none.result.sqnr_db = 20.0, none.result.agreement = 0.95, none.result.drop_points = 5.0;
  FallbackStep one;
  one.keep_float = {"conv1"}, one.float_mac_share = 0.125;
  one.result.sqnr_db = std::numeric_limits<double>::infinity(), one.result.agreement = 1.0, one.result.drop_points = 0.0;
  plan.steps = {none, one};
  plan.chosen = 1;
  EXPECT_EQ(WriteText(FallbackTable(plan)),
            "   kept fp32  fp32 MACs  SQNR dB  agreement  drop\n"
            "-  ---------  ---------  -------  ---------  ----\n"
            "           0       0.0%    20.00    95.00 %  5.00\n"
            "*          1      12.5%      inf   100.00 %  0.00\n");
  EXPECT_EQ(FormatDb(-std::numeric_limits<double>::infinity()), "-inf");
  EXPECT_EQ(FormatFraction(std::numeric_limits<double>::quiet_NaN()), "-");
}

// N10: the sensitivity header states a calibration only for a scheme that has one.
TEST(EvalTables, SensitivityHeaderNamesCalibrationOnlyForCalibratedSchemes) {
  EXPECT_EQ(SensitivityCalibrationText("static", "percentile", 50), "calibration percentile, 50 samples");
  EXPECT_EQ(SensitivityCalibrationText("dynamic", "percentile", 50), "no calibration: activations quantized at run time");
  EXPECT_EQ(SensitivityCalibrationText("fp16", "percentile", 50), "no calibration");
  EXPECT_THROW(SensitivityCalibrationText("int4", "minmax", 1), Error);
}

}  // namespace
}  // namespace qbench
