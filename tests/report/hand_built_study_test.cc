// Report wording checked on a study built by hand: how a speedup and its 95 % CI are shown (the lab's
// stdout summary with the report's own verdict, G14; intervals too wide to bound the speedup, F16/G17),
// what an interrupted study did not evaluate (G5), and the Models table of a variant that does not apply.
#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "lab/fake_backend.h"
#include "qbench/benchmark/statistics.h"
#include "qbench/report/accuracy_report.h"
#include "qbench/report/analysis.h"
#include "qbench/report/study_report.h"
#include "test_util.h"

namespace qbench {
namespace {

PointResult Point(const std::string& model, const std::string& variant, double median_ms, double speedup = 0,
                  double lo = 0, double hi = 0) {
  PointResult p;
  p.point = {model, variant, 1, 32, 2};
  p.ok = true;
  p.latency.n = 6;
  p.latency.median_ms = median_ms;
  if (speedup > 0) {
    p.has_speedup = true;
    p.baseline_variant = "fp32";
    p.speedup = speedup;
    p.speedup_ci95_low = lo;
    p.speedup_ci95_high = hi;
  }
  return p;
}

ModelRecord Record(const std::string& model, const std::string& variant, std::int64_t bytes) {
  ModelRecord r;
  r.model = model;
  r.variant = variant;
  r.ok = true;
  r.file_size_bytes = bytes;
  r.content = variant == "fp32" ? "fp32" : variant == "fp16" ? "fp16" : "int8 QDQ";
  return r;
}

// resnet18 at batch 1, 32 px, as the s20 tester's lfm run (load ~6): static 7.08x [0.35x, 10.42x],
// fp16 4.12x [0.30x, 6.19x]; dynamic clearly faster, 1.50x [1.30x, 1.70x].
LabStudy HandBuiltStudy() {
  LabStudy s;
  s.config.models = {"resnet18.onnx"};
  s.config.variants = {"fp32", "dynamic", "static", "fp16"};
  s.config.batch = {1};
  s.config.input_size = {32};
  s.config.threads = {2};
  s.models = {Record("resnet18", "fp32", 44'700'000), Record("resnet18", "dynamic", 11'300'000),
              Record("resnet18", "static", 11'175'000), Record("resnet18", "fp16", 22'350'000)};
  s.points = {Point("resnet18", "fp32", 9.71), Point("resnet18", "dynamic", 6.47, 1.50, 1.30, 1.70),
              Point("resnet18", "static", 1.37, 7.08, 0.35, 10.42), Point("resnet18", "fp16", 2.36, 4.12, 0.30, 6.19)};
  return s;
}

TEST(SpeedupCi, StdoutSummaryGivesEachSpeedupItsCiAndTheReportsVerdict) {
  const auto lines = StudySummaryLines(HandBuiltStudy());
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0],
            "  resnet18 (batch 1, 32 px): fp32 9.71 ms; dynamic 6.47 ms (speedup 1.50x [1.30x, 1.70x]; size 0.25x); "
            "static 1.37 ms (speedup size unknown (95 % CI [0.35x, 10.42x] spans 29.8x): no clear speedup, the CI "
            "includes 1.00x; size 0.25x); fp16 2.36 ms (speedup size unknown (95 % CI [0.30x, 6.19x] spans 20.6x): "
            "no clear speedup, the CI includes 1.00x; size 0.50x)");
}

TEST(SpeedupCi, VerdictWordsAreTheObservations) {
  const PointResult slower = Point("m", "dynamic", 2.0, 0.50, 0.45, 0.55);
  EXPECT_EQ(SpeedupWord(slower), "slower");
  EXPECT_EQ(SpeedupWithVerdict(slower), "0.50x [0.45x, 0.55x]: slower, the CI lies below 1.00x");
  const PointResult unclear = Point("m", "dynamic", 1.0, 1.03, 0.90, 1.20);
  EXPECT_EQ(SpeedupWord(unclear), "not clearly different");
  EXPECT_EQ(SpeedupWithVerdict(unclear), "1.03x [0.90x, 1.20x]: no clear speedup, the CI includes 1.00x");
  EXPECT_EQ(SpeedupWithVerdict(Point("m", "fp32", 1.0)), "n/a");
  EXPECT_EQ(SpeedupWord(Point("m", "fp32", 1.0)), "unknown");
  // The report's Observations use the same words: "No clear speedup with static (the CI includes 1.00x)".
  std::string all;
  for (const auto& o : GenerateObservations(HandBuiltStudy())) all += o + "\n";
  EXPECT_NE(all.find("**No clear speedup with static** (the CI includes 1.00x): resnet18 size unknown (95 % CI [0.35x, "
                     "10.42x] spans 29.8x) at batch 1"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("**Faster with dynamic** (speedup vs fp32, 95 % CI, interleaved): resnet18 1.50x [1.30x, 1.70x] at batch 1."),
            std::string::npos)
      << all;
}

// The s19 run (lab8, squeezenet1_1 fmnist, k = 6): fp32 samples 0.274, 0.217, 0.214, 20.535, 0.332, 0.276 ms,
// round 4 an outlier. The candidate here runs each round 1.21x faster except round 4 (0.190 ms).
TEST(SpeedupCi, OneOutlierRoundAtK6MakesTheIntervalUninformative) {
  const std::vector<double> fp32 = {0.274, 0.217, 0.214, 20.535, 0.332, 0.276};
  std::vector<double> cand;
  for (double x : fp32) cand.push_back(x > 1 ? 0.190 : x / 1.21);
  const SpeedupEstimate e = EstimateSpeedup(fp32, cand, /*paired=*/true, /*seed=*/0);
  // Medians by hand: fp32 (0.274 + 0.276) / 2 = 0.275; candidate sorted 0.17686, 0.17934, 0.190, 0.22645,
  // 0.22810, 0.27438 → (0.190 + 0.22645) / 2 = 0.208223; ratio 1.3207.
  EXPECT_NEAR(e.speedup, 0.275 / ((0.190 + 0.274 / 1.21) / 2), 1e-9);
  // Resamples holding round 4 three times or more (6.2 % > 2.5 %) have fp32 medians near 10 ms: the upper
  // end is the outlier's, not the speedup's.
  EXPECT_GT(e.ci_high, 10.0);
  EXPECT_GT(e.ci_high / e.ci_low, kUninformativeSpeedupCiRatio);
  PointResult p = Point("squeezenet1_1", "auto", 0.208, e.speedup, e.ci_low, e.ci_high);
  EXPECT_TRUE(SpeedupCiUninformative(p));
  EXPECT_NE(FormatSpeedupCi(p).find("(CI uninformative: spans "), std::string::npos) << FormatSpeedupCi(p);

  // Without the outlier round (fp32 0.270 there) the same rule keeps the interval.
  std::vector<double> quiet = fp32;
  quiet[3] = 0.270;
  cand[3] = 0.270 / 1.21;
  const SpeedupEstimate q = EstimateSpeedup(quiet, cand, true, 0);
  EXPECT_NEAR(q.speedup, 1.21, 1e-9);
  p = Point("squeezenet1_1", "auto", 0.22, q.speedup, q.ci_low, q.ci_high);
  EXPECT_FALSE(SpeedupCiUninformative(p));
  EXPECT_EQ(FormatSpeedupCi(p), "1.21x [1.21x, 1.21x]");
}

TEST(SpeedupCi, TheRuleIsAFactorOfFourBetweenTheEnds) {
  EXPECT_FALSE(SpeedupCiUninformative(Point("m", "v", 1, 1.38, 0.83, 1.97)));  // bench's example: 2.4x wide
  EXPECT_FALSE(SpeedupCiUninformative(Point("m", "v", 1, 2.0, 1.0, 4.0)));     // exactly 4x: kept
  EXPECT_TRUE(SpeedupCiUninformative(Point("m", "v", 1, 2.0, 1.0, 4.01)));
  EXPECT_TRUE(SpeedupCiUninformative(Point("m", "v", 1, 1.0, 0.0, 3.0)));      // lower end 0: unbounded ratio
  EXPECT_EQ(FormatSpeedupCi(Point("m", "v", 1, 1.0, 0.0, 3.0)), "1.00x [0.00x, 3.00x] (CI uninformative)");
  EXPECT_FALSE(SpeedupCiUninformative(Point("m", "fp32", 1)));                 // no speedup, nothing to flag
}

TEST(SpeedupCi, OutlierRoundChanceByHand) {
  // P(Binomial(6, 1/6) >= 3) = 1 - (15625 + 18750 + 9375) / 46656 = 2906 / 46656.
  EXPECT_NEAR(OutlierRoundResampleChance(6), 2906.0 / 46656.0, 1e-12);
  // k = 10: P(Binomial(10, 0.1) >= 5) = 0.0016349374.
  EXPECT_NEAR(OutlierRoundResampleChance(10), 0.0016349374, 1e-9);
  EXPECT_NEAR(OutlierRoundResampleChance(1), 1.0, 1e-12);
  EXPECT_EQ(OutlierRoundResampleChance(0), 0.0);
}

TEST(SpeedupCi, ObservationsNameTheUninformativeIntervalsOnce) {
  std::string all;
  for (const auto& o : GenerateObservations(HandBuiltStudy())) all += o + "\n";
  EXPECT_NE(all.find("**Uninformative speedup intervals** (2 of 3 speedups, e.g. resnet18 static batch 1: [0.35x, "
                     "10.42x]; resnet18 fp16 batch 1: [0.30x, 6.19x]): each 95 % CI spans more than a factor of 4"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("with k = 6 interleaved rounds a bootstrap resample holds one given round 3 times or more in 6.2 % "
                     "of resamples"),
            std::string::npos)
      << all;
  // A study whose intervals are all narrow gets no such bullet.
  LabStudy narrow = HandBuiltStudy();
  for (auto& p : narrow.points)
    if (p.has_speedup) p.speedup_ci95_low = p.speedup * 0.9, p.speedup_ci95_high = p.speedup * 1.1;
  for (const auto& o : GenerateObservations(narrow)) EXPECT_EQ(o.find("Uninformative"), std::string::npos) << o;
}

// R2 (s22): the default study, run while the load rose from 1.8 to 6.6, timed squeezenet1_1 static at batch 1 as
// 11.24x [2.57x, 11.54x] (fp32 samples 14.9–34.9 ms against 3.5 ms quiet); batches 2–16 (results.json) gave
// 1.95x [1.69, 3.23], 2.28x [1.60, 2.90], 1.98x [1.80, 2.49], 2.20x [2.11, 2.35]. The batch-1 interval spans
// 11.54 / 2.57 = 4.5x: it is faster (the whole CI above 1.00x), but of unknown size, and no trend end.
TEST(SpeedupCi, AnUninformativePointIsNeitherSizedNorATrendEnd) {
  LabStudy s = HandBuiltStudy();
  s.config.models = {"squeezenet1_1.onnx"};
  s.config.variants = {"fp32", "static"};
  s.config.batch = {1, 2, 4, 8, 16};
  s.models = {Record("squeezenet1_1", "fp32", 4'950'000), Record("squeezenet1_1", "static", 1'336'500)};
  s.points.clear();
  const std::vector<std::array<double, 4>> measured = {
      {1, 11.24, 2.57, 11.54}, {2, 1.95, 1.69, 3.23}, {4, 2.28, 1.60, 2.90}, {8, 1.98, 1.80, 2.49}, {16, 2.20, 2.11, 2.35}};
  for (const auto& [batch, speedup, lo, hi] : measured) {
    for (auto p : {Point("squeezenet1_1", "fp32", 30.7), Point("squeezenet1_1", "static", 2.74, speedup, lo, hi)}) {
      p.point.batch = static_cast<std::int64_t>(batch);
      s.points.push_back(p);
    }
  }
  std::string all;
  for (const auto& o : GenerateObservations(s)) all += o + "\n";
  EXPECT_NE(all.find("**Faster with static** (speedup vs fp32, 95 % CI, interleaved): squeezenet1_1 faster, size unknown (95 % "
                     "CI [2.57x, 11.54x] spans 4.5x) at batch 1."),
            std::string::npos) << all;
  EXPECT_NE(all.find("squeezenet1_1 static: speedup 1.95x at batch 2 → 2.20x at batch 16; no clear trend (the 95 % CIs "
                     "overlap); batch 1 left out: its 95 % CI spans more than 4x, uninformative.\n"),
            std::string::npos) << all;
  EXPECT_EQ(all.find("11.24x"), std::string::npos) << all;  // nowhere a finding, nor the example of the wide-CI bullet
  EXPECT_EQ(all.find("the gain shrank"), std::string::npos) << all;
  EXPECT_EQ(StudySummaryLines(s)[0],
            "  squeezenet1_1 (batch 1, 32 px): fp32 30.7 ms; static 2.74 ms (speedup size unknown (95 % CI [2.57x, 11.54x] "
            "spans 4.5x): faster, the CI lies above 1.00x; size 0.27x)");
  // The table keeps the measured figure with its mark.
  EXPECT_NE(StudyMarkdown(s, {}).find("11.24x [2.57x, 11.54x] (CI uninformative: spans 4.5x)"), std::string::npos);
  // Two points, one of them uninformative: no trend at all. Both informative: the trend as before (the CIs separate).
  const PointResult wide = s.points[1], narrow = s.points[9];
  EXPECT_EQ(DescribeSpeedupTrend({&wide, &narrow}, "batch"),
            "no trend stated (batch 1 left out: its 95 % CI spans more than 4x, uninformative)");
  PointResult quiet = wide;
  quiet.speedup = 2.55, quiet.speedup_ci95_low = 2.50, quiet.speedup_ci95_high = 2.58;
  EXPECT_EQ(DescribeSpeedupTrend({&quiet, &narrow}, "batch"), "speedup 2.55x at batch 1 → 2.20x at batch 16; the gain shrank");
  EXPECT_EQ(SpeedupSize(Point("m", "v", 1, 1.0, 0.0, 3.0)), "size unknown (95 % CI [0.00x, 3.00x] is unbounded)");
}

// G5: Ctrl-C during the accuracy evaluation. The report says which variants were not evaluated and that
// --resume evaluates them, whether none or some were.
TEST(InterruptedStudy, ReportSaysAccuracyWasNotEvaluated) {
  LabStudy s = HandBuiltStudy();
  s.config.eval_data = "/data/fashion-mnist/test-1000.u8";
  s.interrupted = true;
  const std::string gap = "accuracy: not evaluated (interrupted) for resnet18 fp32, resnet18 dynamic, resnet18 static, "
                          "resnet18 fp16; `qbench lab --resume` evaluates it.";
  std::string md = StudyMarkdown(s, {});
  EXPECT_NE(md.find("## Accuracy\n\n" + gap), std::string::npos) << md;

  // fp32 and dynamic evaluated before the interrupt: the table holds them, the line names the other two.
  AccuracyRecord a;
  a.model = "resnet18";
  a.ok = true;
  a.samples = 50;
  a.top1 = 0.9;
  a.variant = "fp32";
  s.accuracy.push_back(a);
  a.variant = "dynamic";
  s.accuracy.push_back(a);
  EXPECT_EQ(AccuracyNotEvaluated(s), (std::vector<std::string>{"resnet18 static", "resnet18 fp16"}));
  md = StudyMarkdown(s, {});
  EXPECT_NE(md.find("| resnet18 | dynamic | 50 | 90.0 % "), std::string::npos) << md;
  EXPECT_NE(md.find("accuracy: not evaluated (interrupted) for resnet18 static, resnet18 fp16; `qbench lab --resume` evaluates it."),
            std::string::npos) << md;

  // A variant that does not apply is no gap; a finished run or one without --eval-data has none.
  for (auto& r : s.models)
    if (r.variant == "fp16") r.not_applicable = true;
  EXPECT_EQ(AccuracyNotEvaluated(s), (std::vector<std::string>{"resnet18 static"}));
  s.interrupted = false;
  EXPECT_TRUE(AccuracyNotEvaluated(s).empty());
  EXPECT_EQ(StudyMarkdown(s, {}).find("not evaluated"), std::string::npos);
  s.interrupted = true;
  s.config.eval_data.clear();
  s.accuracy.clear();
  EXPECT_EQ(AccuracyMarkdown(s), "");
}

// A variant that does not apply made no file: its MACs/sample is "—" like its other columns, not "?".
TEST(HandBuiltStudy, NotApplicableRowHasNoMacsOfItsOwn) {
  LabStudy s = HandBuiltStudy();
  for (auto& r : s.models) {
    r.macs_per_sample = 1'820'000'000;
    if (r.variant == "fp16") {
      r.ok = false;
      r.not_applicable = true;
      r.macs_per_sample = 0;
      r.error = "not applicable: already fp16";
    }
  }
  const std::string md = StudyMarkdown(s, {});
  const auto row = md.find("| resnet18 | fp16 |");
  ASSERT_NE(row, std::string::npos) << md;
  const std::string line = md.substr(row, md.find('\n', row) - row);
  EXPECT_NE(line.find("| — | — | — | — | not applicable |"), std::string::npos) << line;
  EXPECT_EQ(line.find("?"), std::string::npos) << line;
  EXPECT_NE(md.find("| 1.82 G |"), std::string::npos) << md;  // the other rows keep their MACs
  // N13: a failed variant (--strict refusing it, a quantization error) made no file either: "—", not "?".
  for (auto& r : s.models)
    if (r.variant == "fp16") r.not_applicable = false, r.error = "quantization failed";
  const std::string failed = ModelsMarkdown(s);
  const auto frow = failed.find("| resnet18 | fp16 |");
  ASSERT_NE(frow, std::string::npos) << failed;
  const std::string fline = failed.substr(frow, failed.find('\n', frow) - frow);
  EXPECT_NE(fline.find("| — | — | — | — | failed: quantization failed |"), std::string::npos) << fline;
  EXPECT_EQ(fline.find("?"), std::string::npos) << fline;
  // A model that ran but whose MACs could not be counted stays "?" (unknown).
  for (auto& r : s.models)
    if (r.variant == "fp32") r.macs_per_sample = 0;
  const std::string unknown = ModelsMarkdown(s);
  const auto urow = unknown.find("| resnet18 | fp32 |");
  EXPECT_NE(unknown.substr(urow, unknown.find('\n', urow) - urow).find("| ? |"), std::string::npos) << unknown;
}

// G18: a collapsed variant is labelled as such in the plots, and a variant keeps one colour and marker
// (its StudyVariants index) in every plot, the speedup plot's model × variant lines included.
TEST(HandBuiltStudy, PlotsMarkACollapsedVariantAndStyleEachVariantOneWay) {
  LabStudy s = HandBuiltStudy();
  for (auto& r : s.models)
    if (r.variant == "static") {
      r.has_verification = true;
      r.verification.collapsed = true;
    }
  EXPECT_EQ(PlotPointLabel(s, "resnet18", "static"), "resnet18 (collapsed)");
  EXPECT_EQ(PlotPointLabel(s, "resnet18", "dynamic"), "resnet18");
  EXPECT_EQ(VariantStyleIndex(s, "fp32"), 0u);
  EXPECT_EQ(VariantStyleIndex(s, "static"), 2u);
  EXPECT_EQ(VariantStyleIndex(s, "fp16"), 3u);
  EXPECT_EQ(VariantStyleIndex(s, "nope"), 4u);
  // A second model with only fp16 measured: its series still has fp16's style index, not its position.
  s.points.push_back(Point("vgg", "fp16", 3.0, 1.1, 1.0, 1.2));
  const auto series = SpeedupSeries(s, 0);
  std::vector<std::string> keys, variants;
  for (const auto& x : series) keys.push_back(x.key), variants.push_back(x.variant);
  EXPECT_EQ(keys, (std::vector<std::string>{"resnet18 dynamic", "resnet18 fp16", "resnet18 static (collapsed)", "vgg fp16"}));
  EXPECT_EQ(variants, (std::vector<std::string>{"dynamic", "fp16", "static", "fp16"}));
  EXPECT_EQ(series[3].model, "vgg");
  EXPECT_EQ(VariantStyleIndex(s, series[1].variant), VariantStyleIndex(s, series[3].variant));
}

// G2: roofline verdicts from timings on a busy machine (or against peaks measured on one) are flagged
// above the roofline tables and in the Roofline observation; a quiet study gets no such words.
TEST(HandBuiltStudy, RooflineVerdictsOnABusyMachineAreFlagged) {
  LabStudy s = testing::RunFakeStudy(testing::TempDir() + "/busy_roofline");
  ASSERT_FALSE(s.roofline.empty());
  s.environment.logical_cores = 2;
  s.environment.load_average_1min = 1.2;
  EXPECT_EQ(RooflineBusyNote(s), "");
  EXPECT_EQ(StudyMarkdown(s, {}).find("Not to be trusted"), std::string::npos);

  s.environment.load_average_1min = 6.3;
  const std::string note = "the timings and op profiles were measured on a busy machine (1-minute load average 6.3 exceeds "
                           "the 2 logical cores)";
  EXPECT_EQ(RooflineBusyNote(s), note);
  const std::string md = StudyMarkdown(s, {});
  const auto flag = md.find("**Not to be trusted: " + note + ".**");
  ASSERT_NE(flag, std::string::npos) << md;
  EXPECT_LT(flag, md.find("Whole models at the profiled point")) << md;  // above the verdicts it qualifies
  // R7: the whole-model rate says it is the interleaved median over every op, not the profiler's run.
  EXPECT_NE(md.find("| model | variant | MACs | median latency (interleaved, all ops) | achieved MAC/s |"), std::string::npos) << md;
  EXPECT_NE(md.find("the rate is the MACs over the interleaved timed median, which includes the non-MAC ops"), std::string::npos);
  std::string roofline_bullet;
  for (const auto& o : GenerateObservations(s))
    if (o.rfind("**Roofline**", 0) == 0) roofline_bullet = o;
  ASSERT_FALSE(roofline_bullet.empty());
  EXPECT_NE(roofline_bullet.find("These verdicts are not to be trusted: " + note), std::string::npos) << roofline_bullet;

  // A quiet run against peaks measured under load: the peaks are named as the cause.
  s.environment.load_average_1min = 0.5;
  s.roofline.front().load_average_1min = 5.0;
  s.roofline.front().logical_cores = 2;
  EXPECT_EQ(RooflineBusyNote(s), "the roofline peaks were measured on a busy machine (1-minute load average 5.0 exceeds the 2 "
                                 "logical cores)");
}

// N5: report.md says what moves from run to run by the study's load. Busy (load above the cores): even
// the speedups move beyond their CIs, with bench/speedup_repeatability's figures and a rerun asked for;
// quiet: no "stable figure" claim either, with the quiet measurement (2.57x-2.84x, 19 of 24). Both keep the sentence on
// absolute milliseconds.
TEST(HandBuiltStudy, RunToRunNoteFollowsTheStudysLoad) {
  LabStudy s = testing::RunFakeStudy(testing::TempDir() + "/run_to_run");
  s.environment.logical_cores = 2;
  s.environment.load_average_1min = 6.3;
  const std::string ms = "**Absolute milliseconds move from one run to the next on a shared machine** (other processes, "
                         "frequency, how many cores the scheduler grants): compare them only within one study. ";
  const std::string busy =
      ms + "**This study ran on a busy machine (1-minute load average 6.3 exceeds the 2 logical cores): there even the "
           "interleaved speedups move from one run to the next, beyond their 95 % CIs.** Measured (docs/measurement.md, "
           "\"Run-to-run repeatability of speedups\"): SqueezeNet 1.1 static int8 against fp32, compared 24 times back to "
           "back as the lab measures a point at a 1-minute load average of 6.7 to 6.9 on 2 cores, gave speedups from 1.20x "
           "to 12.8x, and 4 of the 24 CIs missed the median of all 24 (2.24x). Rerun on a quiet machine before comparing "
           "speedups that lie close together.";
  EXPECT_EQ(RunToRunNote(s), busy);
  const std::string md = StudyMarkdown(s, {});
  const auto at = md.find(busy);
  ASSERT_NE(at, std::string::npos) << md;
  const auto latency = md.find("## Latency");
  EXPECT_GT(at, latency) << md;
  EXPECT_LT(at, md.find("### ", latency)) << md;  // above the latency tables it qualifies
  EXPECT_EQ(md.find("are the stable figure"), std::string::npos);

  s.environment.load_average_1min = 2.0;  // as many runnable threads as cores: not busy
  const std::string quiet =
      ms + "The interleaved speedups, measured in the same rounds on identical inputs, are the figure to compare between "
           "studies, but even on a quiet machine they move a little beyond their CIs from run to run (docs/measurement.md, "
           "\"Run-to-run repeatability of speedups\": SqueezeNet 1.1 static int8 against fp32, compared 24 times at a "
           "1-minute load average below 0.9 on 2 cores, gave 2.57x to 2.84x, and 5 of the 24 CIs missed the median of all "
           "24, 2.68x): treat speedups of two studies within about 10 % of each other as equal.";
  EXPECT_EQ(RunToRunNote(s), quiet);
  EXPECT_NE(StudyMarkdown(s, {}).find(quiet), std::string::npos);
  EXPECT_EQ(StudyMarkdown(s, {}).find("This study ran on a busy machine"), std::string::npos);
  EXPECT_EQ(StudyMarkdown(s, {}).find("are the stable figure"), std::string::npos);
}

// N6: each calibration line under the Models table names the variants it was used for — static and auto
// calibrated differently — and a variant whose models calibrated differently is named per model.
TEST(HandBuiltStudy, CalibrationLinesNameTheirVariants) {
  LabStudy s = HandBuiltStudy();
  s.models.push_back(Record("resnet18", "auto", 11'175'000));
  s.models.push_back(Record("mobilenet_v2", "static", 3'500'000));
  for (auto& r : s.models) {
    if (r.variant == "static") r.calibration = "percentile over fashion-mnist (50 images)";
    if (r.variant == "auto") r.calibration = "mse over fashion-mnist (50 images)";
  }
  std::string md = ModelsMarkdown(s);
  EXPECT_NE(md.find("Calibration (auto): mse over fashion-mnist (50 images).\n"), std::string::npos) << md;
  EXPECT_NE(md.find("Calibration (static): percentile over fashion-mnist (50 images).\n"), std::string::npos) << md;
  EXPECT_EQ(md.find("Calibration:"), std::string::npos) << md;
  // mobilenet_v2's static calibrated with mse too: the line names it per model.
  s.models.back().calibration = "mse over fashion-mnist (50 images)";
  md = ModelsMarkdown(s);
  EXPECT_NE(md.find("Calibration (auto, mobilenet_v2 static): mse over fashion-mnist (50 images).\n"), std::string::npos) << md;
  EXPECT_NE(md.find("Calibration (resnet18 static): percentile over fashion-mnist (50 images).\n"), std::string::npos) << md;
}

// N14: a study over --threads 1,2 has two points at batch 1; the stdout summary and the Observations name
// the thread count with the batch, so "static batch 1 7.08x" and "static batch 1 0.90x" are not read as one.
TEST(HandBuiltStudy, ThreadSweepNamesTheThreadCountWithTheBatch) {
  LabStudy s = HandBuiltStudy();
  s.config.threads = {1, 2};
  for (auto& p : s.points) p.point.threads = 1;
  for (auto p : {Point("resnet18", "fp32", 5.0), Point("resnet18", "static", 5.5, 0.90, 0.20, 4.00)}) s.points.push_back(p);
  const auto lines = StudySummaryLines(s);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].rfind("  resnet18 (batch 1, 1 thread, 32 px): fp32 9.71 ms; dynamic 6.47 ms", 0), 0u) << lines[0];
  std::string all;
  for (const auto& o : GenerateObservations(s)) all += o + "\n";
  EXPECT_NE(all.find("resnet18 1.50x [1.30x, 1.70x] at batch 1, 1 thread."), std::string::npos) << all;
  EXPECT_NE(all.find("resnet18 static batch 1, 1 thread: [0.35x, 10.42x]"), std::string::npos) << all;
  EXPECT_NE(all.find("resnet18 static batch 1, 2 threads: [0.20x, 4.00x]"), std::string::npos) << all;
  // One thread count: no thread count in the text (as before).
  EXPECT_EQ(StudySummaryLines(HandBuiltStudy())[0].rfind("  resnet18 (batch 1, 32 px): ", 0), 0u);
}

}  // namespace
}  // namespace qbench
