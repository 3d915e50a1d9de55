// The duration estimate of `qbench lab --dry-run`: every part computed from given per-item costs
// (hand-computed expectations), the data parts taken from what the backend measures, and the
// measurement of the data itself on a small .npy dataset.
#include <gtest/gtest.h>

#include <algorithm>

#include "fake_backend.h"
#include "qbench/core/npy.h"
#include "qbench/core/tensor.h"
#include "qbench/lab/lab.h"
#include "qbench/lab/roofline.h"
#include "test_util.h"

namespace qbench {
namespace {

// Per-item costs with round numbers: a model's fp32 runs at 100 GMAC/s; static and dynamic at their
// rows' speed factors (1.1 and 0.45: 110 and 45 GMAC/s).
LabItemCosts GivenCosts() {
  LabItemCosts c;
  c.fp32_macs_per_s = 100e9;
  c.session_s = 0.25;
  c.model_load_s = 1.0;
  c.quantize_s = 0.5;
  c.calibration_setup_s = 0.1;
  c.memory_probe_s = 0.12;
  c.calibration_samples = 10;
  c.calibration_read_s = 0.02;
  c.verification_samples = 16;
  c.eval_samples = 50;
  c.eval_read_s = 0.01;
  c.decode_threads = 0;
  return c;
}

TEST(DurationEstimate, SpeedFactorsAreRelativeToTheModelInFp32) {
  EXPECT_DOUBLE_EQ(VariantSpeedFactor("fp32"), 1.0);
  EXPECT_DOUBLE_EQ(VariantSpeedFactor("static"), 1.1);
  EXPECT_DOUBLE_EQ(VariantSpeedFactor("dynamic"), 0.45);
  EXPECT_DOUBLE_EQ(VariantSpeedFactor("an external file"), 1.0);
}

TEST(DurationEstimate, EveryPartOfAModelFromTheGivenPerItemCosts) {
  const LabItemCosts c = GivenCosts();
  const double macs = 1e9;  // per sample: fp32 run 1/100 s, static 1/110 s, dynamic 1/45 s
  const double activations = 4e6;  // calibration histograms: 4e6 × 250 MAC-equivalents = 1 GMAC = 10 ms
  const std::vector<std::string> all = {"fp32", "dynamic", "static"};
  const LabSetupEstimate e = EstimateModelSetup(all, all, all, "fp32", macs, c, activations);
  EXPECT_DOUBLE_EQ(e.load_s, 1.0);
  EXPECT_NEAR(e.prepare_s, 3 * 0.25 + 2 * 0.5, 1e-12);  // three sessions, two quantized files
  // Static calibration: setup + 10 samples × (0.02 s read + an fp32 run 0.01 s + histograms 0.01 s).
  EXPECT_DOUBLE_EQ(kLabCalibrationElementMacs, 250);
  EXPECT_NEAR(e.calibration_s, 0.1 + 10 * (0.02 + 0.01 + 0.01), 1e-12);
  // Without the activation count the histograms are not counted.
  EXPECT_NEAR(EstimateModelSetup({"static"}, {}, {}, "fp32", macs, c).calibration_s, 0.1 + 10 * (0.02 + 0.01), 1e-12);
  // Verification: dynamic on 16 generated samples, static on min(16, 10) calibration samples (read
  // again), each one fp32 run and one variant run, plus two sessions each.
  EXPECT_NEAR(e.verification_s, (0.5 + 16 * (0.01 + 1 / 45.0)) + (0.5 + 10 * (0.02 + 0.01 + 1 / 110.0)), 1e-12);
  // Profiles: 0.1 s + 7 runs per variant.
  EXPECT_NEAR(e.profile_s, 3 * 0.1 + 7 * (0.01 + 1 / 45.0 + 1 / 110.0), 1e-12);
  // Evaluation: a session per variant, 50 samples each of read + own run (+ the fp32 run it is paired with).
  const double eval = (0.25 + 50 * (0.01 + 0.01)) + (0.25 + 50 * (0.01 + 1 / 45.0 + 0.01)) + (0.25 + 50 * (0.01 + 1 / 110.0 + 0.01));
  EXPECT_NEAR(e.evaluation_s, eval, 1e-12);
  EXPECT_NEAR(e.Total(), e.load_s + e.prepare_s + e.calibration_s + e.verification_s + e.profile_s + e.evaluation_s, 1e-12);
}

TEST(DurationEstimate, DecodingOverlapsTheRunsOnSpareCoresAndTheBaselineSessionIsCounted) {
  LabItemCosts c = GivenCosts();
  c.eval_read_s = 0.08;  // slower to read than to run: with 2 decoding threads, 0.04 s per sample
  c.decode_threads = 2;
  const double macs = 1e9;
  // Only static is evaluated (fp32 measured earlier): fp32's session is still made for the pairing.
  const LabSetupEstimate e = EstimateModelSetup({}, {}, {"static"}, "fp32", macs, c);
  EXPECT_NEAR(e.evaluation_s, 0.25 + 0.25 + 50 * std::max(1 / 110.0 + 0.01, 0.04), 1e-12);
  EXPECT_DOUBLE_EQ(e.load_s, 1.0);
  EXPECT_DOUBLE_EQ(e.prepare_s + e.calibration_s + e.verification_s + e.profile_s, 0.0);
  // Without verification (--no-verify) and without anything to do.
  c.verification_samples = 0;
  EXPECT_DOUBLE_EQ(EstimateModelSetup({"static"}, {}, {}, "fp32", macs, c).verification_s, 0.0);
  EXPECT_DOUBLE_EQ(EstimateModelSetup({}, {}, {}, "fp32", macs, c).Total(), 0.0);
}

TEST(DurationEstimate, MemoryProbesPerRecordedVariant) {
  const LabItemCosts c = GivenCosts();
  SweepGroup g{"m", 4, 224, 2, {"fp32", "dynamic", "static"}};
  // batch 4 × 1 GMAC: a probe's 3 runs take 3 × 4e9 / rate, plus 0.12 s for the child process.
  EXPECT_NEAR(EstimateMemoryProbeSeconds(g, {"dynamic", "static"}, 1e9, c),
              2 * 0.12 + 3 * 4e9 / 45e9 + 3 * 4e9 / 110e9, 1e-12);
  EXPECT_DOUBLE_EQ(EstimateMemoryProbeSeconds(g, {}, 1e9, c), 0.0);
}

// A backend whose data costs are given, recording the specs it was asked to measure.
class DataCostBackend : public testing::FakeLabBackend {
 public:
  LabDataCost eval, calibration;
  std::vector<DatasetSpec> asked;
  LabDataCost MeasureData(const DatasetSpec& spec) override {
    asked.push_back(spec);
    return spec.part == DatasetPart::kCalibration ? calibration : eval;
  }
};

// Variant auto: a static variant (session, file, one calibration pass, verification) plus its search:
// the fp32 reference on its evaluation samples, kLabAutoCandidates candidates, bias-correction passes,
// profiles and its timing step; capped at its time budget. The dry-run names the part.
TEST(DurationEstimate, AutoVariantCountsItsSearchWithinItsBudget) {
  LabItemCosts c = GivenCosts();
  c.auto_eval_samples = 20;
  c.auto_time_budget_s = 0;
  const double macs = 1e9;  // fp32 run 1/100 s, static (auto) 1/110 s
  const LabSetupEstimate st = EstimateModelSetup({"static"}, {}, {}, "fp32", macs, c);
  const LabSetupEstimate au = EstimateModelSetup({"auto"}, {}, {}, "fp32", macs, c);
  EXPECT_DOUBLE_EQ(st.auto_search_s, 0.0);
  EXPECT_NEAR(au.prepare_s, st.prepare_s, 1e-12);
  EXPECT_NEAR(au.calibration_s, st.calibration_s, 1e-12);
  EXPECT_NEAR(au.verification_s, st.verification_s, 1e-12);
  const double search = 20 * (0.01 + 1 / 100.0) + 12 * (0.5 + 0.25 + 20 / 110.0) + 6 * 10 / 100.0 +
                        3 * (kLabProfileSessionS + kLabProfileRuns / 110.0) + 4 * 60 / 110.0;
  EXPECT_NEAR(au.auto_search_s, search, 1e-12);
  EXPECT_NEAR(au.Total(), st.Total() + search, 1e-12);
  c.auto_time_budget_s = 5;  // the search stops within its budget
  EXPECT_DOUBLE_EQ(EstimateModelSetup({"auto"}, {}, {}, "fp32", macs, c).auto_search_s, 5.0);
  // The plan takes the budget and the evaluation samples from the config, and says the part.
  DataCostBackend backend;
  backend.eval.samples = 37;
  backend.eval.read_s = 0.02;
  LabConfig lc = DefaultLabConfig();
  lc.models = {"zoo:m"};
  lc.variants = {"fp32", "static", "auto"};
  lc.batches = ParseSweepAxis("batch", "1");
  lc.eval_data = "eval-data";
  lc.auto_time_budget_s = 7;
  const LabPlan plan = PlanLab(lc, backend);
  EXPECT_DOUBLE_EQ(plan.costs.auto_time_budget_s, 7);
  EXPECT_DOUBLE_EQ(plan.costs.auto_eval_samples, 37);  // all 37 (no --eval-limit; fewer than 200)
  EXPECT_DOUBLE_EQ(plan.model_setup.at("m").auto_search_s, 7);
  EXPECT_NE(FormatLabPlan(plan, lc).find(", auto search 7"), std::string::npos) << FormatLabPlan(plan, lc);
}

TEST(DurationEstimate, PlanTakesSampleCountsAndReadCostsFromTheData) {
  DataCostBackend backend;
  backend.eval.samples = 37;
  backend.eval.read_s = 0.02;
  backend.calibration.samples = 12;
  backend.calibration.read_s = 0.03;
  LabConfig c = DefaultLabConfig();
  c.models = {"zoo:m"};
  c.variants = {"fp32", "static"};
  c.batches = ParseSweepAxis("batch", "2");
  c.input_sizes = ParseSweepAxis("input-size", "224");
  c.threads = ParseSweepAxis("threads", std::to_string(DefaultThreadCount()));  // no spare core: reads add up
  c.eval_data = "eval-data";
  c.eval_limit = 40;
  c.split = true;
  c.calibration_size = 12;
  c.seed = 5;
  const LabPlan plan = PlanLab(c, backend);
  // The backend was asked for the evaluation part (limit 40) and the calibration part of the split.
  ASSERT_EQ(backend.asked.size(), 2u);
  EXPECT_EQ(backend.asked[0].path, "eval-data");
  EXPECT_EQ(backend.asked[0].limit, 40u);
  EXPECT_EQ(backend.asked[0].part, DatasetPart::kEvaluation);
  EXPECT_EQ(backend.asked[0].split_calibration, 12u);
  EXPECT_EQ(backend.asked[0].seed, 5u);
  EXPECT_EQ(backend.asked[1].part, DatasetPart::kCalibration);
  EXPECT_DOUBLE_EQ(plan.costs.eval_samples, 37);
  EXPECT_DOUBLE_EQ(plan.costs.eval_read_s, 0.02);
  EXPECT_DOUBLE_EQ(plan.costs.calibration_samples, 12);
  EXPECT_DOUBLE_EQ(plan.costs.calibration_read_s, 0.03);
  EXPECT_TRUE(plan.costs.eval_measured);
  EXPECT_DOUBLE_EQ(plan.costs.decode_threads, 0);
  // The fake's MACs: 224e6 + len("zoo:m"); its probe rate 100 GMAC/s, of which a model's fp32 runs
  // at kLabModelShareOfProbe, static 1.1 times as fast; peaks cached, so no roofline time.
  const double macs = 224e6 + 5, fp32 = kLabModelShareOfProbe * 100e9, stat = 1.1 * fp32;
  const LabSetupEstimate& e = plan.model_setup.at("m");
  EXPECT_NEAR(e.evaluation_s, (0.25 + 37 * (0.02 + macs / fp32)) + (0.25 + 37 * (0.02 + macs / stat + macs / fp32)), 1e-9);
  EXPECT_NEAR(e.calibration_s, kLabCalibrationSetupS + 12 * (0.03 + macs / fp32), 1e-9);  // the fake counts no activations
  EXPECT_NEAR(e.verification_s, 0.5 + 12 * (0.03 + macs / fp32 + macs / stat), 1e-9);
  // Memory probes of both points, inside the group's time.
  const double probes = 2 * kLabMemoryProbeS + 3 * 2 * macs / fp32 + 3 * 2 * macs / stat;
  EXPECT_NEAR(plan.probe_seconds.at("m|b2|s224|t" + std::to_string(DefaultThreadCount())), probes, 1e-9);
  double total = plan.roofline_seconds;
  for (const auto& [k, s] : plan.group_seconds) total += s;
  EXPECT_NEAR(plan.total_seconds, total + e.Total(), 1e-9);
  // The plan says where the evaluation time comes from.
  const std::string text = FormatLabPlan(plan, c);
  EXPECT_NE(text.find("evaluation data: 37 sample(s) per variant, 20.0 ms to read and preprocess one (measured"), std::string::npos)
      << text;
  EXPECT_NE(text.find("memory probes"), std::string::npos) << text;
}

TEST(DurationEstimate, QuantizedVariantsOfAnAlreadyQuantizedFileCostNothing) {
  // "zoo:q8" holds int8 (QOperator): the lab refuses to quantize it again, at once.
  testing::FakeLabBackend backend;
  backend.contents["zoo:q8"] = "int8 QOperator";
  LabConfig c = DefaultLabConfig();
  c.models = {"zoo:q8"};
  c.variants = {"fp32", "dynamic", "static"};
  c.batches = ParseSweepAxis("batch", "1");
  c.input_sizes = ParseSweepAxis("input-size", "224");
  c.threads = ParseSweepAxis("threads", "2");
  const LabPlan plan = PlanLab(c, backend);
  EXPECT_EQ(plan.points, 3);  // all three points are planned (two fail, recorded with the reason)
  // Only the file as given is loaded, timed (7 runs + 0.5 ms each at 100 GMAC/s × the share, k = 10: 14)
  // and probed; nothing is quantized, calibrated or verified.
  const double macs = 224e6 + 6, r = kLabModelShareOfProbe * 100e9;
  const std::string key = "q8|b1|s224|t2";
  EXPECT_NEAR(plan.group_seconds.at(key), 14 * (macs / r + 0.0005) + 0.12 + 3 * macs / r, 1e-9);
  const LabSetupEstimate& e = plan.model_setup.at("q8");
  EXPECT_DOUBLE_EQ(e.prepare_s, kLabSessionS);
  EXPECT_DOUBLE_EQ(e.calibration_s, 0.0);
  EXPECT_DOUBLE_EQ(e.verification_s, 0.0);
  EXPECT_NEAR(e.profile_s, kLabProfileSessionS + 7 * macs / r, 1e-9);
}

TEST(DurationEstimate, UnreadableDataFallsBackToTheLimitOrTheDefaultCount) {
  DataCostBackend backend;  // returns unknown costs
  LabConfig c = DefaultLabConfig();
  c.models = {"zoo:m"};
  c.variants = {"fp32"};
  c.batches = ParseSweepAxis("batch", "1");
  c.eval_data = "eval-data";
  LabPlan plan = PlanLab(c, backend);
  EXPECT_DOUBLE_EQ(plan.costs.eval_samples, kLabEvalDefaultSamples);
  EXPECT_DOUBLE_EQ(plan.costs.eval_read_s, kLabEvalDecodeS);
  EXPECT_FALSE(plan.costs.eval_measured);
  c.eval_limit = 30;
  plan = PlanLab(c, backend);
  EXPECT_DOUBLE_EQ(plan.costs.eval_samples, 30);
  EXPECT_NE(FormatLabPlan(plan, c).find("assumed: the data could not be read here"), std::string::npos);
}

TEST(CachedRooflineBelowNow, PeaksAMatMulNowBeatsAreStale) {
  RooflinePeaks cached;
  cached.ok = true;
  cached.fp32_macs_per_s = 1e6;  // 1 GMAC MatMul in 1000 s: any machine beats it
  double now = 0;
  EXPECT_TRUE(CachedRooflineBelowNow(cached, 1, &now));
  EXPECT_GT(now, kRooflineStaleFactor * 1e6);
  cached.fp32_macs_per_s = 1e15;  // beyond any CPU
  EXPECT_FALSE(CachedRooflineBelowNow(cached, 1));
  cached.ok = false;  // nothing cached: nothing stale
  cached.fp32_macs_per_s = 1e6;
  EXPECT_FALSE(CachedRooflineBelowNow(cached, 1));
}

TEST(QuickSpeedEstimate, TheCnnProbeMeasuresAnAchievedRate) {
  // 56² × (32·32·9 + 96·32 + 96·9 + 32·96) MACs per sample, hand-computed.
  EXPECT_EQ(kCnnProbeMacs, 3136LL * (9216 + 3072 + 864 + 3072));
  const RooflinePeaks p = QuickSpeedEstimate(1);
  ASSERT_TRUE(p.ok) << p.error;
  EXPECT_GT(p.fp32_macs_per_s, 1e8);
  EXPECT_LT(p.fp32_macs_per_s, 1e13);
  EXPECT_NE(p.method.find("a CNN probe measured now"), std::string::npos) << p.method;
}

TEST(MeasureDataCost, CountsTheSamplesAfterTheLimitAndTimesReadingThem) {
  const std::string dir = testing::TempDir() + "/estimate_npy";
  std::filesystem::create_directories(dir);
  WriteNpy(dir + "/x.npy", HostTensor::Zeros(DType::kFloat32, {9, 3, 4, 4}));
  DatasetSpec spec;
  spec.path = dir + "/x.npy";
  LabDataCost c = MeasureDataCost(spec);
  EXPECT_EQ(c.samples, 9);
  EXPECT_GE(c.read_s, 0.0);
  EXPECT_LT(c.read_s, 1.0);
  EXPECT_TRUE(c.Known());
  spec.limit = 4;
  EXPECT_EQ(MeasureDataCost(spec).samples, 4);
  spec.path = dir + "/missing.npy";
  c = MeasureDataCost(spec);
  EXPECT_FALSE(c.Known());
  EXPECT_NE(c.error.find("missing.npy"), std::string::npos) << c.error;
}

}  // namespace
}  // namespace qbench
