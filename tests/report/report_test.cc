// The study's output files (JSON, CSV, Markdown, plots), the numbers behind them, and the ONNX Runtime
// profile parsing used by the roofline view.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "lab/fake_backend.h"
#include "qbench/lab/lab.h"
#include "qbench/report/analysis.h"
#include "qbench/report/memory_report.h"
#include "qbench/report/plots.h"
#include "qbench/report/study_report.h"
#include "test_util.h"

namespace qbench {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

LabStudy FakeStudy(const std::string& out, bool with_eval, bool roofline = true) {
  return testing::RunFakeStudy(out, with_eval, roofline);
}

TEST(StudyReport, EveryFileExistsParsesAndAgreesWithTheJson) {
  const std::string out = testing::TempDir() + "/lab";
  LabStudy study = FakeStudy(out, true);
  auto written = WriteStudyOutputs(study, out);
  for (const char* f : {"results.json", "results.csv", "report.md", "results.jsonl"})
    EXPECT_TRUE(std::filesystem::exists(out + "/" + f)) << f;
  // results.json parses back into the same study.
  const auto j = nlohmann::json::parse(Slurp(out + "/results.json"));
  EXPECT_EQ(j["measured_points"], 18);  // 2 models × 3 variants × 3 batches
  EXPECT_EQ(j["failed_points"], 1);
  EXPECT_EQ(j["environment"]["cpu_model"], "Fake CPU");
  LabStudy back = LabStudyFromJson(j);
  ASSERT_EQ(back.points.size(), study.points.size());
  // results.csv: header + one row per point, same column count everywhere.
  std::istringstream csv(Slurp(out + "/results.csv"));
  std::string line;
  std::getline(csv, line);
  EXPECT_EQ(line.substr(0, 30), "model,variant,batch,input_size");
  // The median's interval comes with its true coverage: 0.75 for the fake's 3 runs.
  EXPECT_NE(line.find(",median_ci_low_ms,median_ci_high_ms,median_ci_level,min_ms,"), std::string::npos) << line;
  const auto ncols = std::count(line.begin(), line.end(), ',');
  int rows = 0;
  while (std::getline(csv, line)) {
    ++rows;
    EXPECT_EQ(std::count(line.begin(), line.end(), ','), ncols) << line;
    if (line.find(",ok,") != std::string::npos) EXPECT_NE(line.find(",0.75,"), std::string::npos) << line;
  }
  EXPECT_EQ(rows, 18);
  // report.md: every ok point's mean ± std, median and CI, and speedup, formatted from the JSON.
  const std::string md = Slurp(out + "/report.md");
  for (const auto& pj : j["points"]) {
    const PointResult p = PointResultFromJson(pj);
    if (!p.ok) {
      EXPECT_NE(md.find("failed: " + p.error), std::string::npos);
      continue;
    }
    const std::string row = "| " + p.point.variant + " | " + std::to_string(p.point.batch) + " | 224 | 2 | " +
                            FormatMs(p.latency.mean_ms) + " ± " + FormatMs(p.latency.stddev_ms) + " | " +
                            FormatMs(p.latency.median_ms) + " [" + FormatMs(p.latency.median_ci_low_ms) + ", " +
                            FormatMs(p.latency.median_ci_high_ms) + "] (75 % CI: n=3)";
    EXPECT_NE(md.find(row), std::string::npos) << row;
    if (p.has_speedup) {
      const std::string sp = FormatRatio(p.speedup) + " [" + FormatRatio(p.speedup_ci95_low) + ", " + FormatRatio(p.speedup_ci95_high) + "]";
      EXPECT_NE(md.find(row + " | " ), std::string::npos);
      EXPECT_NE(md.find(sp), std::string::npos) << sp;
    }
  }
  // Sizes from the model records.
  for (const auto& mj : j["models"]) {
    const ModelRecord m = ModelRecordFromJson(mj);
    EXPECT_NE(md.find("| " + m.model + " | " + m.variant + " | 32 |"), std::string::npos);
    EXPECT_NE(md.find(FormatBytes(static_cast<double>(m.file_size_bytes))), std::string::npos);
  }
  EXPECT_NE(md.find("The study took"), std::string::npos);
  EXPECT_EQ(md.find("median [95 % CI]"), std::string::npos);  // no header promises 95 % for the medians
  EXPECT_NE(md.find("| median [CI] |"), std::string::npos);
  EXPECT_NE(md.find("here as low as 75 % with n = 3"), std::string::npos);
  EXPECT_NE(md.find("docs/statistics.md"), std::string::npos);
  EXPECT_EQ(md.find("MEASUREMENT.md"), std::string::npos);  // no citation of a file outside the repository
  EXPECT_NE(md.find("## Accuracy"), std::string::npos);
  EXPECT_NE(md.find("69.0 %"), std::string::npos);  // static top-1 in the fake
  if (!PlotsBuiltIn()) {  // -DQBENCH_PLOTS=OFF: no PNG, one line in their place
    EXPECT_FALSE(std::filesystem::exists(out + "/plots/latency_big.png"));
    EXPECT_NE(md.find("No plots: this qbench was built without PLplot (-DQBENCH_PLOTS=OFF)"), std::string::npos) << md;
    return;
  }
  // Plots: the files the report links exist and are PNGs.
  for (const char* p : {"plots/latency_big.png", "plots/latency_small.png", "plots/size.png", "plots/latency_vs_size.png",
                        "plots/speedup.png", "plots/accuracy_vs_latency.png", "plots/roofline_fp32.png",
                        "plots/roofline_static.png"}) {
    const std::string path = out + "/" + p;
    ASSERT_TRUE(std::filesystem::exists(path)) << p;
    EXPECT_EQ(Slurp(path).substr(1, 3), "PNG") << p;
    EXPECT_NE(md.find(std::string("](") + p + ")"), std::string::npos) << p;
  }
}

TEST(StudyReport, NamesTheDeviceTheLabWasGiven) {
  LabConfig c = DefaultLabConfig();
  c.models = {"zoo:small"};
  c.variants = {"fp32", "static"};
  c.batches = ParseSweepAxis("batch", "1");
  c.threads = ParseSweepAxis("threads", "1");
  c.roofline = false;
  c.device = "bench-box 7";
  c.output_dir = testing::TempDir() + "/device_report";
  std::filesystem::remove_all(c.output_dir);
  testing::FakeLabBackend backend;
  const LabStudy s = RunLab(c, backend);
  EXPECT_EQ(s.environment.device, "bench-box 7");
  EXPECT_EQ(s.config.device, "bench-box 7");
  ASSERT_EQ(s.points.size(), 2u);
  EXPECT_EQ(s.points[1].device, "bench-box 7");
  EXPECT_EQ(s.points[1].shard, -1);  // not sharded
  EXPECT_EQ(ToJson(s)["points"][1]["device"], "bench-box 7");
  EXPECT_FALSE(ToJson(s)["points"][1].contains("shard"));
  EXPECT_EQ(ToJson(s)["settings"]["repetitions"], c.repetitions);
  EXPECT_NE(StudyMarkdown(s, {}).find("Device: **bench-box 7**"), std::string::npos);
}

TEST(Analysis, SpearmanHandComputed) {
  // x ranks 1..5, y ranks 2,1,4,3,5: d² = 1+1+1+1+0 = 4, ρ = 1 − 6·4/(5·24) = 0.8.
  EXPECT_NEAR(SpearmanRankCorrelation({1, 2, 3, 4, 5}, {20, 10, 40, 30, 50}), 0.8, 1e-12);
  EXPECT_NEAR(SpearmanRankCorrelation({1, 2, 3}, {3, 2, 1}), -1.0, 1e-12);
  // Ties: x = (1,1,2) → ranks (1.5,1.5,3); y = (1,2,3) → (1,2,3). Pearson of ranks = 0.8660254.
  EXPECT_NEAR(SpearmanRankCorrelation({1, 1, 2}, {1, 2, 3}), std::sqrt(3.0) / 2, 1e-9);
  EXPECT_TRUE(std::isnan(SpearmanRankCorrelation({1, 2}, {1, 2})));
  EXPECT_TRUE(std::isnan(SpearmanRankCorrelation({1, 1, 1}, {1, 2, 3})));
}

TEST(Analysis, ObservationsComeFromTheNumbers) {
  const std::string out = testing::TempDir() + "/lab";
  LabStudy study = FakeStudy(out, true);
  auto obs = GenerateObservations(study);
  std::string all;
  for (const auto& o : obs) all += o + "\n";
  // dynamic is 2x slower in the fake (speedup 0.5, CI [0.475, 0.525]); static 2x faster.
  EXPECT_NE(all.find("**Slower with dynamic** than fp32: big 0.50x [0.47x, 0.53x] at batch 1"), std::string::npos) << all;
  // Under dynamic quantization activations are float anyway: a float HardSigmoid is no cause.
  EXPECT_EQ(all.find("kept in float: 2 HardSigmoid"), std::string::npos) << all;
  EXPECT_NE(all.find("**Faster with static**"), std::string::npos) << all;
  // Sizes: 1.007 MB / 4 MB and 1.006 MB / 4 MB.
  EXPECT_NE(all.find("**Size, static**: files are 0.25x of the fp32 size"), std::string::npos) << all;  // not "0.25x–0.25x"
  // The failed point in the report's words, not its id "small|static|b4|s224|t2".
  EXPECT_NE(all.find("**1 point(s) failed** (small: static at batch 4, 224 px, 2 threads): out of memory at batch 4"),
            std::string::npos)
      << all;
  // Zoo architectures carry random weights: no trade-off verdict from their accuracy.
  EXPECT_NE(all.find("No trade-off verdict: its weights are seeded random numbers"), std::string::npos) << all;
  // Speedup constant over the batch in the fake.
  EXPECT_NE(all.find("big static: speedup 2.00x at batch 1 → 2.00x at batch 4; no clear trend (the 95 % CIs overlap)"),
            std::string::npos) << all;
  // Smaller but slower, said as such: 4 MB / 1.007 MB = 3.97x smaller, speedup 0.5 = 2.0x slower.
  EXPECT_NE(all.find("big dynamic: 3.97x smaller but 2.0x slower (0.50x the speed) at batch 1"), std::string::npos) << all;
  EXPECT_EQ(all.find("0.50x faster"), std::string::npos) << all;
  EXPECT_NE(all.find("big static: 3.98x smaller but only 2.00x faster at batch 1"), std::string::npos) << all;
  // Changing the numbers changes the observation: make static slower than fp32 for "small".
  for (auto& p : study.points)
    if (p.point.model == "small" && p.point.variant == "static" && p.ok) {
      p.speedup = 0.7;
      p.speedup_ci95_low = 0.65;
      p.speedup_ci95_high = 0.75;
    }
  all.clear();
  for (const auto& o : GenerateObservations(study)) all += o + "\n";
  EXPECT_NE(all.find("**Slower with static** than fp32: small 0.70x"), std::string::npos) << all;
  // With int8 activations, each float HardSigmoid costs a DQ/Q round trip: named as a cause.
  EXPECT_NE(all.find("kept in float: 2 HardSigmoid node(s)"), std::string::npos) << all;
}

TEST(Analysis, SmallerButSlowerOnlyWhenTheCiExcludesOne) {
  // The tester's cases: speedup 0.93x with 95 % CI [0.73x, 1.19x], and 0.37x with CI [0.35x, 5.02x], are not
  // "slower"; 0.50x with CI [0.47x, 0.53x] is.
  LabStudy study = FakeStudy(testing::TempDir() + "/lab", false, /*roofline=*/false);
  for (auto& p : study.points) {
    if (!p.ok || p.point.model != "big") continue;
    if (p.point.variant == "static") p.speedup = 0.93, p.speedup_ci95_low = 0.73, p.speedup_ci95_high = 1.19;
    if (p.point.variant == "dynamic") p.speedup = 0.37, p.speedup_ci95_low = 0.35, p.speedup_ci95_high = 5.02;
  }
  std::string all;
  for (const auto& o : GenerateObservations(study)) all += o + "\n";
  EXPECT_NE(all.find("big static: 3.98x smaller but no measurable speed difference (0.93x, 95 % CI [0.73x, 1.19x] includes "
                     "1.0x) at batch 1"),
            std::string::npos) << all;
  EXPECT_NE(all.find("big dynamic: 3.97x smaller but no measurable speed difference (0.37x, 95 % CI [0.35x, 5.02x] includes "
                     "1.0x) at batch 1"),
            std::string::npos) << all;
  EXPECT_EQ(all.find("big static: 3.98x smaller but 1.1x slower"), std::string::npos) << all;
  EXPECT_EQ(all.find("big dynamic: 3.97x smaller but 2.7x slower"), std::string::npos) << all;
  // small dynamic keeps the fake's 0.50x [0.475, 0.525]: its CI lies below 1, so it is slower.
  const auto slower = all.find("x smaller but 2.0x slower (0.50x the speed) at batch 1");
  ASSERT_NE(slower, std::string::npos) << all;
  EXPECT_EQ(all.rfind("small dynamic: ", slower), all.rfind('\n', slower) + 1) << all;  // on small dynamic's line
}

TEST(StudyReport, AnInt8FileGivenWithModelsIsLabelledAsGivenInTheMemoryTableAndLegends) {
  // `--models int8.onnx,fp32.onnx`: the baseline variant "fp32" of the int8 file is the file as given.
  LabStudy study = FakeStudy(testing::TempDir() + "/lab_int8_given", false, /*roofline=*/false);
  for (auto& r : study.models)
    if (r.model == "big" && r.variant == "fp32") r.content = "int8 QOperator";
  for (auto& p : study.points) {
    p.peak_rss_bytes = 60 << 20;  // 60 MiB
    p.memory_method = "isolated";
  }
  const std::string md = MemoryMarkdown(study);
  EXPECT_NE(md.find("| big | as given (int8 QOperator) | 1 | "), std::string::npos) << md;
  EXPECT_EQ(md.find("| big | fp32 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| small | fp32 | 1 | "), std::string::npos) << md;
  EXPECT_NE(md.find("| big | static | 1 | "), std::string::npos) << md;
  // The legend of plots with several models (memory.png, latency_vs_size.png) names both baselines.
  EXPECT_EQ(VariantLegend(study, "fp32"), "as given (int8 QOperator) / fp32");
  EXPECT_EQ(VariantLegend(study, "static"), "static");
  for (auto& r : study.models) r.content = "";
  EXPECT_EQ(VariantLegend(study, "fp32"), "fp32");
}

TEST(Analysis, ReasonsArePunctuatedWithoutAProfile) {
  // Without the roofline there is no profile: the reasons end after "… run in int8", no stray ";.".
  LabStudy study = FakeStudy(testing::TempDir() + "/lab", false, /*roofline=*/false);
  std::string all;
  for (const auto& o : GenerateObservations(study)) all += o + "\n";
  EXPECT_NE(all.find("**Slower with dynamic** than fp32: big 0.50x [0.47x, 0.53x] at batch 1 — 90 % of its MACs run in int8. "
                     "small 0.50x [0.47x, 0.53x] at batch 1 — 90 % of its MACs run in int8.\n"),
            std::string::npos) << all;
  EXPECT_EQ(all.find(";."), std::string::npos) << all;
  EXPECT_EQ(all.find(";;"), std::string::npos) << all;
}

TEST(Analysis, MedianCiStatesItsRealLevel) {
  Statistics l;
  l.median_ci_low_ms = 1.0;
  l.median_ci_high_ms = 2.0;
  l.n = 10;
  l.median_ci_level = 0.978515625;  // n = 10, j = 2: 1 − 2·P(B ≤ 1) = 1 − 2·11/1024
  EXPECT_EQ(FormatMedianCi(l), "[1.00 ms, 2.00 ms]");
  l.n = 3;
  l.median_ci_level = 0.75;  // [min, max] of 3 runs
  EXPECT_EQ(FormatMedianCi(l), "[1.00 ms, 2.00 ms] (75 % CI: n=3)");
  l.n = 5;
  l.median_ci_level = 0.9375;
  EXPECT_EQ(FormatMedianCi(l), "[1.00 ms, 2.00 ms] (93.8 % CI: n=5)");
  l.n = 1;
  l.median_ci_level = 0;
  EXPECT_EQ(FormatMedianCi(l), "[1.00 ms, 2.00 ms] (no CI: n=1)");
  EXPECT_FALSE(BelowNominalCi(0.95));
  EXPECT_TRUE(BelowNominalCi(0.9375));
  EXPECT_EQ(FormatCiLevel(0.5), "50 %");
}

TEST(Analysis, Formatting) {
  EXPECT_EQ(FormatMs(0.9504), "0.950 ms");
  EXPECT_EQ(FormatMs(8.861), "8.86 ms");
  EXPECT_EQ(FormatMs(64.97), "65.0 ms");
  EXPECT_EQ(FormatMs(130.4), "130 ms");
  EXPECT_EQ(FormatRatio(2.704), "2.70x");
  EXPECT_EQ(FormatBytes(44717045), "44.7 MB");
  EXPECT_EQ(FormatBytes(4947297), "4.95 MB");
  EXPECT_EQ(FormatGiga(349e6), "0.349 G");
  EXPECT_EQ(FormatGiga(1.81e9), "1.81 G");
  EXPECT_EQ(FormatGiga(45200), "45.2 k");  // never "0.000 G" (R20)
  EXPECT_EQ(FormatGiga(0), "0 ");
  EXPECT_EQ(FormatBytes(512000), "512.0 kB");
}

// The size observation reads the scheme table: fp16 at 0.60x of fp32 has shrunk as its precision
// allows, while int8 at 0.60x has not.
TEST(Analysis, SizeObservationFollowsTheSchemePrecision) {
  LabStudy study = FakeStudy(testing::TempDir() + "/lab", false, /*roofline=*/false);
  for (auto& m : study.models) {
    if (m.variant != "dynamic") continue;
    const auto* base = study.FindModel(m.model, "fp32");
    m.file_size_bytes = base->file_size_bytes * 3 / 5;
    m.weight_bytes_by_dtype = {{"float32", 100}, {"int8", 100}};
  }
  std::string all;
  for (const auto& o : GenerateObservations(study)) all += o + "\n";
  EXPECT_NE(all.find("Did not shrink much: big (0.60x of the fp32 size; 50 % of its weight bytes are still float)"), std::string::npos) << all;
  for (auto& m : study.models)
    if (m.variant == "dynamic") m.variant = "fp16";
  for (auto& p : study.points)
    if (p.point.variant == "dynamic") p.point.variant = "fp16";
  study.config.variants = {"fp32", "fp16", "static"};
  all.clear();
  for (const auto& o : GenerateObservations(study)) all += o + "\n";
  EXPECT_NE(all.find("**Size, fp16**: files are 0.60x of the fp32 size (big, small shrank at least 1.33x)."), std::string::npos) << all;
}

// Files given in fp16: an int8 variant at 0.53x of them has shrunk as far as int8 against fp16 allows
// (expected 0.5x), and the size is said against the baseline's precision, not "the fp32 size".
TEST(Analysis, SizeObservationIsJudgedAgainstTheBaselineFilesPrecision) {
  LabStudy study = FakeStudy(testing::TempDir() + "/lab", false, /*roofline=*/false);
  auto observations = [&] {
    std::string all;
    for (const auto& o : GenerateObservations(study)) all += o + "\n";
    return all;
  };
  for (auto& m : study.models) {
    if (m.variant != "dynamic") continue;
    const auto* base = study.FindModel(m.model, "fp32");
    m.file_size_bytes = base->file_size_bytes * 53 / 100;
    m.weight_bytes_by_dtype = {{"float32", 100}, {"int8", 100}};
  }
  // fp32 files: 0.53x is not what int8 gives (0.25x).
  std::string all = observations();
  EXPECT_NE(all.find("**Size, dynamic**: files are 0.53x of the fp32 size. Did not shrink much: big (0.53x of the fp32 size"),
            std::string::npos) << all;
  EXPECT_NE(ModelsMarkdown(study).find("| size vs fp32 |"), std::string::npos);
  for (auto& m : study.models)
    if (m.variant == "fp32") m.content = "fp16", m.original_bits = 16;
  EXPECT_EQ(BaselineName(study), "baseline (fp16)");
  all = observations();
  EXPECT_NE(all.find("**Size, dynamic**: files are 0.53x of the baseline (fp16) size (big, small shrank at least 1.33x)."),
            std::string::npos) << all;
  EXPECT_EQ(all.find("Did not shrink much"), std::string::npos) << all;
  EXPECT_EQ(all.find("of the fp32 size"), std::string::npos) << all;
  EXPECT_NE(ModelsMarkdown(study).find("| size vs baseline (fp16) |"), std::string::npos) << ModelsMarkdown(study);
  // N1: the speed findings and the memory table name the baseline the same way, not "fp32".
  EXPECT_NE(all.find("**Slower with dynamic** than the baseline (fp16): big 0.50x [0.47x, 0.53x] at batch 1"), std::string::npos) << all;
  EXPECT_EQ(all.find("than fp32"), std::string::npos) << all;
  for (auto& p : study.points) p.peak_rss_bytes = 60 << 20, p.memory_method = "isolated";
  const std::string mem = MemoryMarkdown(study);
  EXPECT_NE(mem.find("| peak RSS (MiB) | peak RSS vs baseline (fp16) |"), std::string::npos) << mem;
  EXPECT_NE(mem.find("| big | as given (fp16) | 1 | "), std::string::npos) << mem;
  EXPECT_NE(mem.find(" | 60.0 | 1.00x |"), std::string::npos) << mem;  // dynamic's 60 MiB against the baseline's 60 MiB
  // One file fp16, the other fp32: "the baseline".
  study.models.front().content = "fp32", study.models.front().original_bits = 32;
  EXPECT_EQ(BaselineName(study), "baseline");
}

TEST(PlotsSection, ImagesWhenDrawnOneLineWithoutPlplot) {
  const std::vector<PlotFile> plots = {{"plots/size.png", "file size"}, {"plots/speedup.png", "speedup"}};
  EXPECT_EQ(PlotsSection(plots, true), "## Plots\n\n![file size](plots/size.png)\n\n![speedup](plots/speedup.png)\n\n");
  EXPECT_EQ(PlotsSection({}, true), "");  // nothing drawn (e.g. --no-plots): no section
  // A build with -DQBENCH_PLOTS=OFF: one line instead of the images, pointing to the numbers.
  const std::string off = PlotsSection({}, false);
  EXPECT_EQ(off.rfind("## Plots\n\nNo plots: this qbench was built without PLplot (-DQBENCH_PLOTS=OFF)", 0), 0u) << off;
  EXPECT_NE(off.find("results.csv"), std::string::npos) << off;
  EXPECT_EQ(std::count(off.begin(), off.end(), '\n'), 4) << off;  // heading, blank, the line, blank
  EXPECT_EQ(PlotsBuiltIn(), QBENCH_PLOTS_ON != 0);  // the build option reaches the report module
}

}  // namespace
}  // namespace qbench
