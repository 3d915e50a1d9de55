// `qbench lab --dry-run` end to end (issue 10 §1/§3): the plan labels a model file that is already
// int8 by what it holds, as report.md does; the roofline peaks cache is used while younger than 30
// days and not beaten by a quick MatMul now, and --refresh-roofline ignores it.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "planted_roofline.h"
#include "test_util.h"

namespace qbench {
namespace {

using testing::RunCommand;

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(LabPlanCli, AnInt8ModelFileIsLabelledByWhatItHoldsNotAsFp32) {
  QBENCH_REQUIRE_SHARED(model, "models/imagenet/mobilenetv2-12-int8.onnx");
  const std::string out = testing::TempDir() + "/int8";
  const auto r = RunCommand(testing::CliPath() + " lab --models " + model +
                            " --variants fp32 --batch 1 --threads 1 --no-roofline --dry-run -o " + out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("  variants: as given (int8 QOperator) (baseline)\n"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("fp32 (baseline)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("mobilenetv2-12-int8 (" + model + ")"), std::string::npos) << r.out;
  EXPECT_FALSE(std::filesystem::exists(out));
  // Its static variant is refused by the run: the plan says so and counts no quantization or calibration.
  const auto s = RunCommand(testing::CliPath() + " lab --models " + model +
                            " --variants fp32,static --batch 1 --threads 1 --no-roofline --dry-run -o " + out);
  ASSERT_EQ(s.exit_code, 0) << s.err;
  EXPECT_NE(s.out.find("\n    static: not applicable: already int8 (QOperator); not timed, no time counted"),
            std::string::npos) << s.out;
  EXPECT_EQ(s.out.find(", calibration "), std::string::npos) << s.out;
  EXPECT_EQ(s.out.find(", verification "), std::string::npos) << s.out;
}

// G1: --weight-range (quantize's flag, one definition) reaches the lab's plan; an unknown value is a
// usage error naming the choices; without an int8 variant the plan says nothing about it.
TEST(LabPlanCli, WeightRangeIsAFlagAndThePlanStatesTheChoice) {
  const std::string out = testing::TempDir() + "/weight_range_plan";
  const std::string cmd = testing::CliPath() + " lab --models zoo:squeezenet1_1 --input-size 32 --batch 1 --threads 1 "
                          "--no-roofline --dry-run -o " + out;
  auto r = RunCommand(cmd + " --variants fp32,static --weight-range full");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("  weight range: full (s8 weights, 8 bits (--weight-range full))\n"), std::string::npos) << r.out;
  r = RunCommand(cmd + " --variants fp32,static");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("; --weight-range full, reduced or u8 chooses another\n"), std::string::npos) << r.out;
  r = RunCommand(cmd + " --variants fp32,fp16 --weight-range u8");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.find("weight range:"), std::string::npos) << r.out;
  r = RunCommand(cmd + " --variants fp32,static --weight-range s8");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--weight-range"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(out));
}

TEST(LabPlanCli, TheRooflineCacheIsUsedUnder30DaysUnlessStaleAndRefreshRooflineIgnoresIt) {
  const std::string dir = testing::TempDir(), cache = dir + "/roofline.json";
  const std::string cmd = testing::CliPath() + " lab --models zoo:resnet18 --variants fp32 --batch 1 --input-size 32 "
                          "--threads 1 --dry-run --roofline-cache " + cache + " -o " + dir + "/out";
  // The rate is always the CNN probe measured now (achieved throughput), never the cached MatMul peak.
  const std::string basis = "basis: a CNN probe measured now: 4 fp32 convolutions";
  const std::string row = "roofline peaks (measured once, then cached)";
  // Peaks no machine beats, 29 days old: used as they are, nothing to measure.
  testing::PlantRooflineCache(cache, 29, 1e15);
  const std::string planted = Slurp(cache);
  auto r = RunCommand(cmd);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(basis), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find(row), std::string::npos) << r.out;
  // --refresh-roofline: the cache is not read; the plan counts measuring the peaks again.
  r = RunCommand(cmd + " --refresh-roofline");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(basis), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(row), std::string::npos) << r.out;
  EXPECT_EQ(Slurp(cache), planted);  // a dry run measures no peaks and leaves the cache alone
  // Peaks of 1 GMAC/s (measured under load, say): a quick MatMul now beats them, so the run measures
  // them again and the plan counts it.
  testing::PlantRooflineCache(cache, 29, 1e9);
  r = RunCommand(cmd);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(row), std::string::npos) << r.out;
  // 31 days old: measured again as if absent.
  testing::PlantRooflineCache(cache, 31, 1e15);
  r = RunCommand(cmd);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(row), std::string::npos) << r.out;
  EXPECT_FALSE(std::filesystem::exists(dir + "/out"));  // a dry run writes nothing
}

}  // namespace
}  // namespace qbench
