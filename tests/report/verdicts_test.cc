// Honest reports: what each model is (content labels, no self-agreement; the labels themselves in
// tests/lab/model_content_test.cc), paired accuracy verdicts, trend sentences only where the CIs
// separate, the roofline's three cases and the dry-run estimate.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <regex>

#include "lab/fake_backend.h"
#include "qbench/lab/config.h"
#include "qbench/lab/lab.h"
#include "qbench/report/analysis.h"
#include "qbench/report/memory_report.h"
#include "qbench/report/plots.h"
#include "qbench/report/study_report.h"
#include "test_util.h"

namespace qbench {
namespace {

LabStudy FakeStudy(const std::string& out) { return testing::RunFakeStudy(out); }

// Gives the study's models file specs (trained models, not zoo architectures with random weights).
void AsFiles(LabStudy* s) {
  for (auto& m : s->models) m.model_spec = "/models/" + m.model + ".onnx";
  for (auto& p : s->points) p.model_spec = "/models/" + p.point.model + ".onnx";
}

TEST(Report, AGivenInt8ModelIsLabelledAndNotComparedWithItself) {
  LabStudy s = FakeStudy(testing::TempDir() + "/given");
  AsFiles(&s);
  for (auto& m : s.models)
    if (m.model == "big" && m.variant == "fp32") {
      m.content = "int8 QOperator";
      m.weight_precision = "int8";
      m.original_bits = 8;
    }
  EXPECT_EQ(VariantLabel(s, "big", "fp32"), "as given (int8 QOperator)");
  EXPECT_EQ(VariantLabel(s, "small", "fp32"), "fp32");
  const std::string md = StudyMarkdown(s, {});
  EXPECT_NE(md.find("| big | as given (int8 QOperator) | 8 | int8 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| big | as given (int8 QOperator) | 100 | 70.0 % [61.0, 79.0] | 90.0 % | (baseline) | (baseline) |"),
            std::string::npos) << md;
  EXPECT_EQ(md.find("100.0 %"), std::string::npos);  // no agreement of a model with itself
  EXPECT_EQ(md.find("Best trade-off: **fp32**"), std::string::npos);
  EXPECT_NE(md.find("big is as given (int8 QOperator)"), std::string::npos);
  // The memory table labels it the same way (it said "fp32" there).
  for (auto& p : s.points)
    if (p.ok) {
      p.peak_rss_bytes = 64 << 20;
      p.memory_method = "isolated";
    }
  const std::string mem = MemoryMarkdown(s);
  EXPECT_NE(mem.find("| big | as given (int8 QOperator) | "), std::string::npos) << mem;
  EXPECT_EQ(mem.find("| big | fp32 |"), std::string::npos) << mem;
  EXPECT_NE(mem.find("| small | fp32 | "), std::string::npos) << mem;
}

// N4: a variant with per-tensor weights that collapsed (the lab's dynamic on the fmnist MobileNetV2:
// -0.5 dB, while --per-channel keeps 28 dB): the observation names per-channel weights and the lab
// variant of the same scheme that has them — its rows when the study measured it, else how to add it;
// a per-channel variant's collapse does not get that remedy.
TEST(Report, ACollapsedPerTensorVariantNamesPerChannelWeights) {
  EXPECT_EQ(FindLabVariant("dynamic").granularity, Granularity::kPerTensor);
  EXPECT_EQ(FindLabVariant("static").granularity, Granularity::kPerChannel);
  LabStudy s = FakeStudy(testing::TempDir() + "/per_tensor_collapse");
  AsFiles(&s);
  for (auto& m : s.models)
    if (m.model == "big" && (m.variant == "dynamic" || m.variant == "static")) {
      m.ok = m.has_verification = m.verification.collapsed = true;
    }
  auto collapsed = [&s](const std::string& v) {
    for (const auto& o : GenerateObservations(s))
      if (o.rfind("**Collapsed, " + v + "**", 0) == 0) return o;
    return std::string();
  };
  const std::string per_tensor = " Its weights are per-tensor (one scale for a whole weight tensor), which a layer whose "
                                 "channels have very different ranges does not survive: per-channel weights often keep it";
  // dynamic-per-channel is not in the study (fp32, dynamic, static): how to add it, and the same file from quantize.
  std::string dyn = collapsed("dynamic");
  EXPECT_NE(dyn.find(per_tensor + ": add the `dynamic-per-channel` variant to --variants (the file `qbench quantize MODEL "
                                  "--mode dynamic --per-channel` writes)."),
            std::string::npos) << dyn;
  const std::string stat = collapsed("static");
  ASSERT_FALSE(stat.empty());
  EXPECT_EQ(stat.find("per-tensor"), std::string::npos) << stat;
  // Measured in the study: the observation points to its rows.
  s.config.variants.push_back("dynamic-per-channel");
  dyn = collapsed("dynamic");
  EXPECT_NE(dyn.find(per_tensor + ", as the `dynamic-per-channel` variant of this study has them: compare its rows."),
            std::string::npos) << dyn;
  // static-per-tensor's per-channel variant is the static row's default: `static`, quantize without a flag.
  for (const auto& m : std::vector<ModelRecord>(s.models))
    if (m.model == "big" && m.variant == "static") {
      s.models.push_back(m);
      s.models.back().variant = "static-per-tensor";
    }
  s.config.variants.push_back("static-per-tensor");
  EXPECT_NE(collapsed("static-per-tensor").find(per_tensor + ", as the `static` variant of this study has them: compare its rows."),
            std::string::npos) << collapsed("static-per-tensor");
}

// A static variant calibrated on random input whose predictions collapsed on real data (SqueezeNet 1.1:
// top-1 0.5 % vs 67 %): its status is not "ok", its speed is no finding, and the report names the cause.
TEST(Report, AVariantWhoseAccuracyCollapsedIsMarkedAndLeftOutOfTheFindings) {
  LabStudy s = FakeStudy(testing::TempDir() + "/acc_collapse");
  AsFiles(&s);
  auto accuracy = [&s](const std::string& m, const std::string& v) -> AccuracyRecord& {
    for (auto& a : s.accuracy)
      if (a.model == m && a.variant == v) return a;
    throw std::runtime_error("no accuracy record " + m + " " + v);
  };
  AccuracyRecord& a = accuracy("big", "static");
  a.samples = 200;
  a.top1 = 0.005;
  a.top1_agreement = 0.005;
  a.top1_agreement_ci95_low = 0.001;
  a.top1_agreement_ci95_high = 0.028;
  for (auto& m : s.models)
    if (m.model == "big" && m.variant == "static") m.calibration = "percentile over random input (seed 0), up to 100 samples";
  EXPECT_TRUE(AccuracyCollapsed(s, "big", "static"));
  EXPECT_FALSE(AccuracyCollapsed(s, "big", "dynamic"));   // 90 % agreement [82.6, 94.5]
  EXPECT_FALSE(AccuracyCollapsed(s, "big", "fp32"));      // the baseline: no agreement with itself
  EXPECT_EQ(CollapsedStatus(s, "big", "static"), "COLLAPSED in accuracy: top-1 agreement with fp32 0.5 % (see Observations)");
  EXPECT_EQ(CollapsedStatus(s, "small", "static"), "");
  std::string obs;
  for (const auto& o : GenerateObservations(s)) obs += o + "\n";
  EXPECT_NE(obs.find("**Collapsed in accuracy, big static**: its top-1 agrees with fp32 on 0.5 % [0.1, 2.8] of 200 samples "
                     "(top-1 0.5 % vs 70.0 %)"),
            std::string::npos) << obs;
  EXPECT_NE(obs.find("It was calibrated on random input"), std::string::npos) << obs;
  for (const auto& o : GenerateObservations(s))
    if (o.rfind("**Faster with static**", 0) == 0 || o.rfind("**Slower with static**", 0) == 0 ||
        o.rfind("**No clear speedup with static**", 0) == 0 || o.rfind("**Size, static**", 0) == 0)
      EXPECT_EQ(o.find("big "), std::string::npos) << o;
  // Nor a trend over the batch (N3: "big static: speedup ... at batch 1 -> ... at batch 2").
  bool trend_before = false;
  for (const auto& o : GenerateObservations(s)) {
    EXPECT_NE(o.rfind("big static", 0), 0u) << o;
    trend_before = trend_before || o.rfind("big dynamic", 0) == 0;
  }
  EXPECT_TRUE(trend_before) << "the same study states a trend for a variant that did not collapse";
  const std::string md = StudyMarkdown(s, {});
  EXPECT_NE(md.find("COLLAPSED in accuracy: top-1 agreement with fp32 0.5 % (see Observations) |"), std::string::npos) << md;
  // The boundary: an upper bound of exactly one half is not a collapse; under 10 samples prove nothing.
  a.top1_agreement_ci95_high = 0.5;
  EXPECT_FALSE(AccuracyCollapsed(s, "big", "static"));
  a.top1_agreement_ci95_high = 0.49;
  EXPECT_TRUE(AccuracyCollapsed(s, "big", "static"));
  a.samples = 9;
  EXPECT_FALSE(AccuracyCollapsed(s, "big", "static"));
  // Not calibrated on random input: the hint points to the calibration data and `qbench sensitivity`.
  a.samples = 200;
  for (auto& m : s.models)
    if (m.model == "big" && m.variant == "static") m.calibration = "percentile over /data (200 images)";
  obs.clear();
  for (const auto& o : GenerateObservations(s)) obs += o + "\n";
  EXPECT_EQ(obs.find("calibrated on random input"), std::string::npos) << obs;
  EXPECT_NE(obs.find("`qbench sensitivity`"), std::string::npos) << obs;
}

// "Of its profiled run, X % is MAC ops ..." splits the run on one basis. The fake profile: MAC op types
// 3.0 + 1.0 ms, HardSigmoid 0.5 ms, total 4.5 ms; big static's timed median is 2 ms, so its op rows are
// scaled by 2 / 4.5. The MAC-op shares must still be (3 + 1) / 4.5 = 89 % and the rest 0.5 / 4.5 = 11 %
// (they read 39 % + 11 % when scaled times were divided by the unscaled total).
TEST(Report, ProfiledRunSharesAddUpWhenOpTimesAreScaledToTheMedian) {
  LabStudy s = FakeStudy(testing::TempDir() + "/shares");
  AsFiles(&s);
  std::string line;
  for (const auto& o : GenerateObservations(s))
    if (o.rfind("big static:", 0) == 0 && o.find("Of its profiled run") != std::string::npos) line = o;
  ASSERT_FALSE(line.empty());
  std::smatch m;
  ASSERT_TRUE(std::regex_search(line, m, std::regex(R"(Of its profiled run, (\d+) % is MAC ops.*?, (\d+) % ops without MACs)")))
      << line;
  int mac = std::stoi(m[1]);
  const int zero = std::stoi(m[2]);
  std::smatch c;
  if (std::regex_search(line, c, std::regex(R"(and (\d+) % compute-bound MAC ops)"))) mac += std::stoi(c[1]);
  // The fake's peaks are low: its MAC ops run above their roof (G10), a part of their own.
  if (std::regex_search(line, c, std::regex(R"(, (\d+) % MAC ops above their roof)"))) mac += std::stoi(c[1]);
  EXPECT_EQ(zero, 11) << line;
  EXPECT_NEAR(mac, 89, 1) << line;  // rounded parts
}

// The study's duration in report.md: rounded to whole seconds before minutes are split off.
TEST(Report, StudyDurationRoundsBeforeSplittingMinutes) {
  LabStudy s = FakeStudy(testing::TempDir() + "/duration");
  const std::vector<std::pair<double, std::string>> cases = {
      {119.6, "2 min 00 s"}, {119.4, "1 min 59 s"}, {59.96, "1 min 00 s"}, {42.25, "42.2 s"}, {3725.0, "62 min 05 s"}};
  for (const auto& [seconds, text] : cases) {
    s.duration_s = seconds;
    const std::string md = StudyMarkdown(s, {});
    EXPECT_NE(md.find("**The study took " + text + "**"), std::string::npos) << seconds << "\n" << md.substr(0, 600);
  }
}

TEST(Report, ZooModelsGetNoAccuracyVerdictAndTheNoteSaysWhy) {
  LabStudy s = FakeStudy(testing::TempDir() + "/zoo");
  const std::string obs = AccuracyObservation(s, "big");
  EXPECT_NE(obs.find("No trade-off verdict: its weights are seeded random numbers"), std::string::npos) << obs;
  EXPECT_EQ(obs.find("Best trade-off"), std::string::npos) << obs;
  const std::string md = StudyMarkdown(s, {});
  EXPECT_NE(md.find("qbench zoo architectures with seeded random weights"), std::string::npos);
  EXPECT_NE(md.find("Absolute milliseconds move from one run to the next"), std::string::npos);
}

// A model whose first output is not class scores is evaluated label-free against its baseline
// (metric "fidelity"): the observation gives each variant's SQNR and cosine, as the Accuracy table
// does, never a "top-1 0.0 %" that does not exist (tester G19).
TEST(Report, FidelityModelsGetSqnrNotTopOneInTheObservation) {
  LabStudy s = FakeStudy(testing::TempDir() + "/fidelity");
  AsFiles(&s);
  int quantized = 0;
  for (auto& a : s.accuracy) {
    if (a.model != "big") continue;
    a.metric = "fidelity";
    a.top1 = a.top1_ci95_low = a.top1_ci95_high = a.top5 = 0;
    a.has_paired = false;
    a.top1_agreement = -1;
    if (a.variant == "static") a.sqnr_db = 35.6, a.cosine = 0.99991;
    else if (a.variant != "fp32") a.sqnr_db = INFINITY, a.cosine = 1.0, ++quantized;
  }
  const std::string obs = AccuracyObservation(s, "big");
  EXPECT_EQ(obs.rfind("**Accuracy, big** (no top-1: its first output is not class scores; fidelity vs fp32 on 100 sample(s)): ", 0), 0u)
      << obs;
  EXPECT_NE(obs.find("static SQNR 35.6 dB, cosine 0.9999"), std::string::npos) << obs;
  if (quantized > 0) EXPECT_NE(obs.find("identical outputs, cosine 1.0000"), std::string::npos) << obs;
  EXPECT_EQ(obs.find("top-1 on"), std::string::npos) << obs;
  EXPECT_EQ(obs.find(" %"), std::string::npos) << obs;  // no percentage: there is no top-1
  EXPECT_EQ(obs.find("Best trade-off"), std::string::npos) << obs;
  const std::string md = StudyMarkdown(s, {});
  EXPECT_NE(md.find("| big | static | 100 | — (first output is not class scores) | — | SQNR 35.6 dB, cosine 0.9999 |"),
            std::string::npos) << md;
}

TEST(Report, BestTradeOffRestsOnThePairedInterval) {
  LabStudy s = FakeStudy(testing::TempDir() + "/paired");
  AsFiles(&s);
  // 100 samples; static lost 2 and gained 1: change −1 point, paired CI [−5.1, +3.1] (hand-computed
  // with Newcombe's formula): a drop of more than 1 point is not ruled out → no verdict.
  std::string obs = AccuracyObservation(s, "big");
  EXPECT_NE(obs.find("static 69.0 % (change -1.0 points, paired 95 % CI [-5.1, +3.1]"), std::string::npos) << obs;
  EXPECT_NE(obs.find("No best trade-off named"), std::string::npos) << obs;
  EXPECT_NE(obs.find("undecided at 100 samples for static (2.00x faster, but its interval allows a drop of up to 5.1 points)"),
            std::string::npos) << obs;
  // dynamic lost 8 and gained 3: −5 points, CI [−11.7, +1.7] includes 0, so it is no "significant drop".
  EXPECT_EQ(obs.find("significant top-1 drop"), std::string::npos) << obs;
  // The issue's 8-point drop at n = 100 (8 lost, none gained): CI [−13.7, −2.3] → a significant drop.
  for (auto& a : s.accuracy)
    if (a.model == "big" && a.variant == "static") {
      a.top1 = 0.62;
      a.variant_only_correct = 0;
      a.baseline_only_correct = 8;
      a.both_correct = 62;
      const auto d = PairedProportionDifference(62, 0, 8, 30);
      a.top1_change = d.estimate;
      a.top1_change_ci95_low = d.lo;
      a.top1_change_ci95_high = d.hi;
      a.mcnemar_p = McNemarExactPValue(0, 8);
    }
  obs = AccuracyObservation(s, "big");
  EXPECT_NE(obs.find("significant top-1 drop for static (-8.0 points, McNemar p = 0.0078)"), std::string::npos) << obs;
  EXPECT_EQ(obs.find("Best trade-off"), std::string::npos) << obs;
  // 5000 samples with no discordant pair: the interval is ±0.05 points → static is the trade-off.
  for (auto& a : s.accuracy)
    if (a.model == "big" && a.variant == "static") {
      a.top1 = 0.70;
      a.samples = a.labelled = 5000;
      a.both_correct = 3500;
      a.variant_only_correct = a.baseline_only_correct = 0;
      const auto d = PairedProportionDifference(3500, 0, 0, 1500);
      a.top1_change = d.estimate;
      a.top1_change_ci95_low = d.lo;
      a.top1_change_ci95_high = d.hi;
    }
  obs = AccuracyObservation(s, "big");
  EXPECT_NE(obs.find("Best trade-off: **static** (2.00x faster"), std::string::npos) << obs;
  // The labels are not the model's (out of its class range): no verdict at all.
  for (auto& a : s.accuracy)
    if (a.model == "big" && a.variant == "fp32") a.labels_out_of_range = 40;
  obs = AccuracyObservation(s, "big");
  EXPECT_NE(obs.find("No trade-off verdict: 40 label(s) are outside the model's 10 classes"), std::string::npos) << obs;
  // Near chance: 10 classes, baseline top-1 12 % [6.9, 20.0] → lower bound below 2/10.
  for (auto& a : s.accuracy)
    if (a.model == "big" && a.variant == "fp32") {
      a.labels_out_of_range = 0;
      a.top1 = 0.12;
      a.top1_ci95_low = 0.069;
      a.top1_ci95_high = 0.20;
    }
  obs = AccuracyObservation(s, "big");
  EXPECT_NE(obs.find("cannot be told from chance (1/10 classes = 10.0 %)"), std::string::npos) << obs;
}

PointResult Speedup(std::int64_t batch, double s, double lo, double hi) {
  PointResult p;
  p.ok = true;
  p.point = SweepPoint{"m", "static", batch, 224, 2};
  p.has_speedup = true;
  p.speedup = s;
  p.speedup_ci95_low = lo;
  p.speedup_ci95_high = hi;
  return p;
}

TEST(Trend, StatedOnlyWhereTheCisSeparate) {
  // Overlapping CIs: 1.50 [1.2, 1.9] → 1.80 [1.3, 2.2] → 1.40 [1.1, 1.7]: no peak, no trend.
  std::vector<PointResult> a = {Speedup(1, 1.5, 1.2, 1.9), Speedup(2, 1.8, 1.3, 2.2), Speedup(4, 1.4, 1.1, 1.7)};
  std::string t = DescribeSpeedupTrend({&a[0], &a[1], &a[2]}, "batch");
  EXPECT_EQ(t, "speedup 1.50x at batch 1 → 1.40x at batch 4; no clear trend (the 95 % CIs overlap)");
  // Separated: the peak at batch 2 stands clear of both ends, and the end is below the start.
  std::vector<PointResult> b = {Speedup(1, 1.5, 1.45, 1.55), Speedup(2, 2.0, 1.9, 2.1), Speedup(4, 1.2, 1.15, 1.25)};
  t = DescribeSpeedupTrend({&b[0], &b[1], &b[2]}, "batch");
  EXPECT_EQ(t, "speedup 1.50x at batch 1 → 1.20x at batch 4 (peak 2.00x at batch 2); the gain shrank");
  // Stopped paying off: significantly faster, then significantly slower.
  std::vector<PointResult> c = {Speedup(1, 1.3, 1.2, 1.4), Speedup(8, 0.8, 0.7, 0.9)};
  t = DescribeSpeedupTrend({&c[0], &c[1]}, "batch");
  EXPECT_EQ(t, "speedup 1.30x at batch 1 → 0.80x at batch 8; int8 stopped paying off from batch 8 (95 % CIs above, then below 1.00x)");
  // Merely dipping below 1.00x inside an interval that includes 1 is not "stopped paying off".
  std::vector<PointResult> d = {Speedup(1, 1.1, 0.9, 1.3), Speedup(8, 0.95, 0.8, 1.1)};
  t = DescribeSpeedupTrend({&d[0], &d[1]}, "batch");
  EXPECT_EQ(t.find("stopped"), std::string::npos) << t;
  // N11: a slowdown that deepens is no "gain shrank": 0.87x [0.80x, 1.11x] → 0.71x [0.61x, 0.75x].
  std::vector<PointResult> e = {Speedup(1, 0.87, 0.80, 1.11), Speedup(2, 0.71, 0.61, 0.75)};
  t = DescribeSpeedupTrend({&e[0], &e[1]}, "batch");
  EXPECT_EQ(t, "speedup 0.87x at batch 1 → 0.71x at batch 2; it got slower relative to the baseline (the slowdown grew)");
  // Its reverse narrows the slowdown; crossing 1.00x turns one into the other.
  t = DescribeSpeedupTrend({&e[1], &e[0]}, "batch");
  EXPECT_EQ(t, "speedup 0.71x at batch 2 → 0.87x at batch 1; the slowdown narrowed");
  std::vector<PointResult> f = {Speedup(1, 0.8, 0.75, 0.95), Speedup(4, 1.3, 1.2, 1.4)};
  t = DescribeSpeedupTrend({&f[0], &f[1]}, "batch");
  EXPECT_EQ(t, "speedup 0.80x at batch 1 → 1.30x at batch 4; the slowdown turned into a gain");
  std::vector<PointResult> g = {Speedup(1, 1.3, 0.95, 1.4), Speedup(4, 0.8, 0.7, 0.9)};
  t = DescribeSpeedupTrend({&g[0], &g[1]}, "batch");
  EXPECT_EQ(t, "speedup 1.30x at batch 1 → 0.80x at batch 4; the gain turned into a slowdown");
}

TEST(Roofline, ThreeCasesOfHandMadePoints) {
  // Peak 100 GMAC/s, bandwidth 20 GB/s → ridge 5 MAC/B.
  // 1 MAC/B at 15 GMAC/s: attainable min(100, 20) = 20, reached 75 % → memory-bound.
  EXPECT_EQ(ClassifyRoofline(1.0, 15e9, 100e9, 20e9), RooflineBound::kMemory);
  // 50 MAC/B at 60 GMAC/s: attainable 100, reached 60 % → compute-bound.
  EXPECT_EQ(ClassifyRoofline(50.0, 60e9, 100e9, 20e9), RooflineBound::kCompute);
  // 50 MAC/B at 10 GMAC/s: 10 % of the attainable 100 → below both roofs (the kernel is the limit).
  EXPECT_EQ(ClassifyRoofline(50.0, 10e9, 100e9, 20e9), RooflineBound::kKernel);
  // 1 MAC/B at 4 GMAC/s: 20 % of the attainable 20 → below both roofs too.
  EXPECT_EQ(ClassifyRoofline(1.0, 4e9, 100e9, 20e9), RooflineBound::kKernel);
  EXPECT_EQ(ClassifyRoofline(0.0, 4e9, 100e9, 20e9), RooflineBound::kUnknown);
  EXPECT_EQ(RooflineBoundName(RooflineBound::kKernel), "below both roofs (kernel-limited)");
  // G10: above a roof no bound holds. 1 MAC/B at 27.2 GMAC/s under a 16.4 GB/s memory roof (attainable 16.4)
  // and 50 MAC/B at 120 GMAC/s above the 100 GMAC/s peak are both "above its roof".
  EXPECT_EQ(ClassifyRoofline(1.0, 27.2e9, 100e9, 16.4e9), RooflineBound::kAboveRoof);
  EXPECT_EQ(ClassifyRoofline(50.0, 120e9, 100e9, 20e9), RooflineBound::kAboveRoof);
  EXPECT_EQ(ClassifyRoofline(1.0, 16.4e9, 100e9, 16.4e9), RooflineBound::kMemory);  // at the roof: bound by it
  EXPECT_EQ(RooflineBoundName(RooflineBound::kAboveRoof), "above its roof (peaks too low)");
}

// G10: the study's rows and Observations: a Gemm at 27.2 GMAC/s and 1.0 MAC/B under a 16.4 GB/s roof is
// not "memory-bound"; a Conv at 1.0 MAC/B and 10 GMAC/s (61 % of the attainable 16.4) still is.
TEST(Roofline, AnOpAboveItsMemoryRoofIsNotCalledMemoryBound) {
  LabStudy s;
  PointResult p;
  p.point = SweepPoint{"m", "fp32", 1, 32, 1};
  p.ok = true;
  p.latency.median_ms = 0.5;
  s.points.push_back(p);
  ModelRecord rec;
  rec.model = "m", rec.variant = "fp32", rec.ok = true;
  s.models.push_back(rec);
  OpProfileRecord prof;
  prof.model = "m", prof.variant = "fp32", prof.batch = 1, prof.input_size = 32, prof.threads = 1, prof.ok = true;
  prof.total_ms = 0.4;
  // Gemm: 598400 MACs in 0.022 ms = 27.2 GMAC/s over 598400 bytes; Conv: 1e6 MACs in 0.1 ms = 10 GMAC/s over 1e6 bytes.
  prof.op_types = {OpTypeProfile{"Gemm", 1, 0.022, 598400, 598400}, OpTypeProfile{"Conv", 1, 0.1, 1000000, 1000000}};
  s.op_profiles.push_back(prof);
  RooflinePeaks peaks;
  peaks.ok = true, peaks.threads = 1, peaks.fp32_macs_per_s = 100e9, peaks.int8_macs_per_s = 200e9, peaks.bytes_per_s = 16.4e9;
  s.roofline.push_back(peaks);
  const auto rows = OpTypeRooflineRows(s);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_NEAR(rows[0].achieved_macs_per_s, 27.2e9, 1e3);
  EXPECT_NEAR(rows[0].attainable_macs_per_s, 16.4e9, 1e3);
  EXPECT_EQ(rows[0].bound, RooflineBound::kAboveRoof);
  EXPECT_EQ(rows[1].bound, RooflineBound::kMemory);
  std::string all;
  for (const auto& o : GenerateObservations(s)) all += o + "\n";
  EXPECT_NE(all.find("1 op type(s) are memory-bound"), std::string::npos) << all;
  EXPECT_NE(all.find("1 op type(s) ran above the roof that should bound them, e.g. m fp32 Gemm (1.0 MAC/B, 1.66x its roof)"),
            std::string::npos) << all;
  EXPECT_NE(all.find("Memory-bound, e.g.: m fp32 Conv (1.0 MAC/B, 10 % of peak)."), std::string::npos) << all;
  // The traffic model names every lab variant of each scheme (they share its bytes per element).
  const std::string md = StudyMarkdown(s, {});
  EXPECT_NE(md.find("in the variant's precision (fp32: 4 bytes each; dynamic, dynamic-per-channel: 1-byte weights, 1-byte "
                    "inputs, 4-byte outputs; static, static-per-tensor, auto: 1 byte each; fp16: 2 bytes each"),
            std::string::npos) << md;
}

// ORT's profiler inflates per-node times: a profile of 10 ms against a timed median of 6.70 ms is scaled by
// 0.67, so the Conv that the profiler timed at 7.00 ms takes 4.69 ms (57.1 GMAC/s for 268 M MACs), never
// longer than the whole run; a profile shorter than the run is left as it is.
TEST(Roofline, ProfilerTimesAreScaledToTheTimedMedian) {
  LabStudy s;
  for (const char* v : {"fp32", "static"}) {
    PointResult p;
    p.point = SweepPoint{"m", v, 1, 224, 1};
    p.ok = true;
    p.latency.median_ms = 6.70;
    s.points.push_back(p);
    OpProfileRecord prof;
    prof.model = "m", prof.variant = v, prof.batch = 1, prof.input_size = 224, prof.threads = 1, prof.ok = true;
    prof.total_ms = std::string(v) == "fp32" ? 10.0 : 5.0;
    prof.op_types = {OpTypeProfile{"Conv", 10, std::string(v) == "fp32" ? 7.0 : 3.0, 268000000, 1000000}};
    s.op_profiles.push_back(prof);
  }
  EXPECT_NEAR(ProfileTimeScale(s, s.op_profiles[0]), 0.67, 1e-12);
  EXPECT_DOUBLE_EQ(ProfileTimeScale(s, s.op_profiles[1]), 1.0);
  const auto rows = OpTypeRooflineRows(s);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_NEAR(rows[0].time_ms, 4.69, 1e-9);
  EXPECT_NEAR(rows[0].time_scale, 0.67, 1e-12);
  EXPECT_NEAR(rows[0].achieved_macs_per_s, 268e6 / 4.69e-3, 1);
  EXPECT_LE(rows[0].time_ms, s.points[0].latency.median_ms);
  EXPECT_DOUBLE_EQ(rows[1].time_ms, 3.0);  // 5 ms profile, 6.70 ms run: not scaled
  EXPECT_DOUBLE_EQ(rows[1].time_scale, 1.0);
}

// A legend names a variant by the labels of the models that have it: an external file of one model is not
// listed again under its bare name for the models without it.
TEST(Labels, LegendOfAnExternalVariantOfOneModel) {
  LabStudy s;
  for (const char* m : {"a", "b"}) {
    ModelRecord r;
    r.model = m, r.variant = "fp32", r.ok = true;
    s.models.push_back(r);
  }
  ModelRecord e;
  e.model = "a", e.variant = "zoo-int8", e.ok = true, e.external = true, e.content = "int8 QOperator";
  s.models.push_back(e);
  EXPECT_EQ(VariantLegend(s, "zoo-int8"), "zoo-int8 (external, int8 QOperator)");
  EXPECT_EQ(VariantLegend(s, "fp32"), "fp32");
}

TEST(Roofline, IncompleteMacsGetNoShareOfPeak) {
  LabStudy s = FakeStudy(testing::TempDir() + "/incomplete");
  for (auto& m : s.models)
    if (m.model == "big" && m.variant == "fp32") m.macs_complete = false;
  for (const auto& r : OpTypeRooflineRows(s)) {
    if (r.model != "big") continue;
    EXPECT_FALSE(r.macs_complete);
    EXPECT_EQ(r.share_of_peak, 0.0);
    EXPECT_EQ(r.bound, RooflineBound::kUnknown);
  }
  std::string all;
  for (const auto& o : GenerateObservations(s)) all += o + "\n";
  EXPECT_NE(all.find("**MACs incomplete** for big dynamic, big fp32, big static"), std::string::npos) << all;
}

TEST(DryRun, EstimatorArithmeticOnAFakePlan) {
  // One group, fp32 + static at batch 2, 1 GMAC per sample, a model's fp32 rate 100 GMAC/s (static
  // 1.1 times that), 3 warm-ups + 1 cold + 10 timed runs: fp32 14 × (2e9 / 100e9 + 0.0005), static
  // 14 × (2e9 / 110e9 + 0.0005).
  SweepGroup g;
  g.model = "m";
  g.batch = 2;
  g.variants = {"fp32", "static"};
  EXPECT_NEAR(EstimateGroupSeconds(g, 1000000000, 100e9, 3, 10), 14 * (2e9 / 100e9 + 0.0005) + 14 * (2e9 / 110e9 + 0.0005), 1e-12);
  // The whole plan of a one-model lab on the fake backend (MACs 224e6 + 5; its CNN probe 100 GMAC/s,
  // of which a model's fp32 runs at kLabModelShareOfProbe; peaks cached).
  LabConfig c = DefaultLabConfig();
  c.models = {"zoo:m"};
  c.variants = {"fp32", "static"};
  c.batches = ParseSweepAxis("batch", "1");
  c.input_sizes = ParseSweepAxis("input-size", "224");
  c.threads = ParseSweepAxis("threads", "2");
  c.calibration_size = 16;
  testing::FakeLabBackend backend;
  const LabPlan plan = PlanLab(c, backend);
  const double macs = 224e6 + 5, fp32 = kLabModelShareOfProbe * 100e9, stat = 1.1 * fp32;
  const double group = 14 * (macs / fp32 + 0.0005) + 14 * (macs / stat + 0.0005)
                       + 2 * 0.12 + 3 * macs / fp32 + 3 * macs / stat;  // a memory probe per point
  const double setup = 1.0                                    // load
                       + 2 * 0.25 + 0.5                        // two sessions, one quantized file
                       + 0.1 + 16 * macs / fp32                // calibration: 16 random samples (no activation count)
                       + 2 * 0.25 + 16 * (macs / fp32 + macs / stat)   // verification on them
                       + 2 * 0.1 + 7 * macs / fp32 + 7 * macs / stat;  // op profiles
  EXPECT_NEAR(plan.total_seconds, group + setup, 1e-9);
  EXPECT_EQ(plan.roofline_seconds, 0.0);  // the fake's peaks are cached
}

TEST(Plots, ThreadCountsAndInputSizesBeyondTheFirstGetTheirPlots) {
  const std::string out = testing::TempDir() + "/plots_axes";
  LabConfig c = DefaultLabConfig();
  c.models = {"zoo:big"};
  c.variants = {"fp32", "static"};
  c.batches = ParseSweepAxis("batch", "1,2");
  c.input_sizes = ParseSweepAxis("input-size", "160,224");
  c.threads = ParseSweepAxis("threads", "1,2");
  c.output_dir = out;
  c.roofline = false;
  testing::FakeLabBackend backend;
  const LabStudy s = RunLab(c, backend);
  std::vector<std::string> paths;
  for (const auto& p : WriteStudyPlots(s, out)) paths.push_back(p.path);
  if (!PlotsBuiltIn()) GTEST_SKIP() << "built with -DQBENCH_PLOTS=OFF: no plots drawn (" << paths.size() << ")";
  for (const char* p : {"plots/speedup.png", "plots/speedup_size2.png", "plots/threads_big.png"})
    EXPECT_NE(std::find(paths.begin(), paths.end(), p), paths.end()) << p;
}

}  // namespace
}  // namespace qbench
