// What a lab checks before measuring: option values, inputs that exist and load, settings warnings,
// per-model input sizes, and --resume refusing to mix measurements made under other settings.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "fake_backend.h"
#include "model_job.h"
#include "qbench/core/error.h"
#include "qbench/lab/lab.h"
#include "qbench/lab/ort_backend.h"
#include "qbench/lab/preflight.h"
#include "qbench/model/graph_builder.h"
#include "qbench/model/model.h"
#include "qbench/report/analysis.h"
#include "qbench/report/study_report.h"
#include "test_util.h"

namespace qbench {
namespace {

using testing::FakeLabBackend;

LabConfig Config(const std::string& out, std::vector<std::string> models = {"zoo:tiny_a"}) {
  LabConfig c = DefaultLabConfig();
  c.models = std::move(models);
  c.variants = {"fp32", "static"};
  c.batches = ParseSweepAxis("batch", "1,2");
  c.input_sizes = ParseSweepAxis("input-size", "224");
  c.threads = ParseSweepAxis("threads", "1");
  c.repetitions = 3;
  c.output_dir = out;
  return c;
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The Error `fn` throws (its code and message); fails the test when it throws none.
template <typename F>
Error Thrown(F&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "no qbench::Error thrown";
  return Error(ErrorCode::kRuntime, "");
}

bool Contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

TEST(ValidateLabConfig, RejectsAutoBudgetsOutOfRangeNamingTheFlag) {
  LabConfig c = Config(testing::TempDir());
  for (double bad : {-1.0, 100.5, std::nan("")}) {
    c.auto_max_drop_points = bad;
    const Error e = Thrown([&] { ValidateLabConfig(c); });
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_TRUE(Contains(e.what(), "--auto-max-drop ")) << e.what();
    EXPECT_TRUE(Contains(e.what(), "expected percentage points of top-1 agreement in [0, 100]")) << e.what();
  }
  c.auto_max_drop_points = 100;
  EXPECT_NO_THROW(ValidateLabConfig(c));
  for (double bad : {-5.0, std::numeric_limits<double>::infinity()}) {
    c.auto_time_budget_s = bad;
    const Error e = Thrown([&] { ValidateLabConfig(c); });
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_TRUE(Contains(e.what(), "--auto-time-budget ")) << e.what();
    EXPECT_TRUE(Contains(e.what(), "expected seconds >= 0 (0 = none; default 300)")) << e.what();
  }
  c.auto_time_budget_s = 0;
  EXPECT_NO_THROW(ValidateLabConfig(c));
}

TEST(ValidateLabConfig, RejectsUnknownCalibrationMethodAndPresetNamingTheFlag) {
  LabConfig c = Config(testing::TempDir());
  c.calibration_method = "kl";
  Error e = Thrown([&] { ValidateLabConfig(c); });
  EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(Contains(e.what(), "--calibration-method: unknown calibration method 'kl'; expected one of: minmax")) << e.what();
  // Refused even when no static variant would use it: a typo is a typo.
  c.variants = {"fp32", "dynamic"};
  EXPECT_THROW(ValidateLabConfig(c), Error);
  c.calibration_method = "minmax";
  c.preprocess = "foo";
  e = Thrown([&] { ValidateLabConfig(c); });
  EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(Contains(e.what(), "--preset: unknown preprocessing preset 'foo'")) << e.what();
  c.preprocess = "fashion-mnist";
  EXPECT_NO_THROW(ValidateLabConfig(c));
}

TEST(CheckLabInputs, MissingDataPathsAreInputFailuresNamingFlagAndPath) {
  const std::string dir = testing::TempDir();
  LabConfig c = Config(dir + "/out", {"zoo:resnet18"});
  c.eval_data = dir + "/nonexistent";
  Error e = Thrown([&] { CheckLabInputs(c); });
  EXPECT_EQ(e.code(), ErrorCode::kNotFound);  // exit 1: a missing data file, as eval and quantize (README)
  EXPECT_TRUE(Contains(e.what(), "--eval-data '" + dir + "/nonexistent': no such file or folder")) << e.what();
  c.eval_data.clear();
  c.calibration_data = dir + "/calib";
  e = Thrown([&] { CheckLabInputs(c); });
  EXPECT_EQ(e.code(), ErrorCode::kNotFound);
  EXPECT_TRUE(Contains(e.what(), "--calibration-data '" + dir + "/calib': no such file or folder")) << e.what();
  // A folder holding no data is refused too, as the static variants' calibration would fail on it.
  std::filesystem::create_directories(dir + "/calib");
  e = Thrown([&] { CheckLabInputs(c); });
  EXPECT_TRUE(Contains(e.what(), "--calibration-data '" + dir + "/calib' and model 'resnet18': found no dataset in folder")) << e.what();
  // An eval folder without any sample is refused too, naming the flag.
  c.eval_data = dir + "/calib";
  e = Thrown([&] { CheckLabInputs(c); });
  EXPECT_TRUE(Contains(e.what(), "--eval-data '" + dir + "/calib': ")) << e.what();
  EXPECT_FALSE(std::filesystem::exists(dir + "/out"));  // nothing written
}

// N16: one model listed twice would be measured twice ("x", "x_2"); a repeated variant is refused too.
TEST(CheckLabInputs, RefusesTheSameModelListedTwice) {
  namespace fs = std::filesystem;
  const std::string dir = testing::TempDir() + "/repeat";
  fs::remove_all(dir);
  fs::create_directories(dir + "/a");
  fs::create_directories(dir + "/b");
  GraphBuilder g("ok", 13);
  g.AddInput("x", DType::kFloat32, {"N", 4});
  g.AddNode("Relu", "relu", {"x"}, {"y"});
  g.AddOutput("y", DType::kFloat32, {"N", 4});
  SaveModel(g.Build(), dir + "/a/m.onnx");
  fs::copy_file(dir + "/a/m.onnx", dir + "/b/copy.onnx");
  fs::create_symlink(dir + "/a/m.onnx", dir + "/b/link.onnx");
  GraphBuilder h("other", 13);
  h.AddInput("x", DType::kFloat32, {"N", 4});
  h.AddNode("Sigmoid", "sig", {"x"}, {"y"});
  h.AddOutput("y", DType::kFloat32, {"N", 4});
  SaveModel(h.Build(), dir + "/b/m.onnx");  // same basename, other content: two models
  const std::string a = dir + "/a/m.onnx";
  const std::vector<std::pair<std::string, std::string>> repeats = {
      {a, "one file"},
      {dir + "/b/../a/./m.onnx", "one file"},
      {dir + "/b/link.onnx", "one file"},
      {dir + "/b/copy.onnx", "two copies with identical bytes"}};
  for (const auto& [second, how] : repeats) {
    const Error e = Thrown([&] { CheckLabInputs(Config(dir + "/out", {a, "zoo:resnet18", second})); });
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument) << second;  // a usage error: exit 2
    EXPECT_EQ(std::string(e.what()), "--models lists the same model twice: '" + a + "' and '" + second + "' (" + how +
                                         "); give each model once");
  }
  const Error e = Thrown([&] { CheckLabInputs(Config(dir + "/out", {"zoo:resnet18", "zoo:resnet18"})); });
  EXPECT_TRUE(Contains(e.what(), "'zoo:resnet18' and 'zoo:resnet18' (the same zoo model)")) << e.what();
  EXPECT_NO_THROW(CheckLabInputs(Config(dir + "/out", {a, dir + "/b/m.onnx", "zoo:resnet18", "zoo:squeezenet1_1"})));
  const auto models = LabModels({a, dir + "/b/m.onnx"});
  EXPECT_EQ(models[1].name, "m_2");  // the basename clash still gets its suffix
}

TEST(CheckLabInputs, ModelsMustLoadBeforeTheStudy) {
  const std::string dir = testing::TempDir();
  std::ofstream(dir + "/garbage.onnx") << "this is not a protobuf\n";
  std::ofstream(dir + "/empty.onnx");
  GraphBuilder g("ok", 13);
  g.AddInput("x", DType::kFloat32, {"N", 4});
  g.AddNode("Relu", "relu", {"x"}, {"y"});
  g.AddOutput("y", DType::kFloat32, {"N", 4});
  SaveModel(g.Build(), dir + "/ok.onnx");
  for (const std::string bad : {"garbage.onnx", "empty.onnx", "missing.onnx", ""}) {  // "" = the folder itself
    LabConfig c = Config(dir + "/out", {"zoo:resnet18", dir + "/ok.onnx", dir + "/" + bad});
    Error e = Thrown([&] { CheckLabInputs(c); });
    EXPECT_NE(e.code(), ErrorCode::kInvalidArgument) << bad;  // exit 1, like a missing file
    EXPECT_TRUE(Contains(e.what(), "--models: ")) << e.what();
    EXPECT_TRUE(Contains(e.what(), dir + "/" + bad)) << e.what();
  }
  EXPECT_NO_THROW(CheckLabInputs(Config(dir + "/out", {"zoo:resnet18", dir + "/ok.onnx"})));
  Error e = Thrown([&] { CheckLabInputs(Config(dir + "/out", {"zoo:resnet19"})); });
  EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);  // a bad --models value: usage error (exit 2), as everywhere
  EXPECT_TRUE(Contains(e.what(), "unknown zoo model 'resnet19'")) << e.what();
}

TEST(LabConfigWarnings, CiLevelCalibrationIgnoredAndOverlap) {
  const std::string dir = testing::TempDir();
  LabConfig c = Config(dir);
  auto codes = [](const std::vector<LabWarning>& ws) {
    std::string s;
    for (const auto& w : ws) s += w.code + ";";
    return s;
  };
  auto ws = LabConfigWarnings(c);
  ASSERT_EQ(codes(ws), "median_ci_below_95;");
  // k = 3: [min, max], coverage 1 - 2 * 0.5^3 = 0.75.
  EXPECT_TRUE(Contains(ws[0].message, "k = 3 gives a 75 % interval")) << ws[0].message;
  EXPECT_TRUE(Contains(ws[0].message, "--repetitions >= 6 for 95 %")) << ws[0].message;
  c.repetitions = 5;  // 1 - 2 * 0.5^5 = 0.9375
  EXPECT_TRUE(Contains(LabConfigWarnings(c)[0].message, "k = 5 gives a 94 % interval"));
  c.repetitions = 6;  // j = 1 still: 1 - 2 * 0.5^6 = 0.96875 >= 0.95
  EXPECT_EQ(codes(LabConfigWarnings(c)), "");
  // Calibration settings without a static variant.
  c.variants = {"fp32", "dynamic"};
  c.calibration_method = "minmax";
  EXPECT_EQ(codes(LabConfigWarnings(c)), "calibration_ignored;");
  // --eval-limit without --eval-data measures no accuracy: said, not ignored silently (R16).
  c.calibration_method.clear();
  c.eval_limit = 10;
  ws = LabConfigWarnings(c);
  ASSERT_EQ(codes(ws), "eval_limit_ignored;");
  EXPECT_EQ(ws[0].message, "--eval-limit 10 has no effect without --eval-data: no accuracy is measured; give the "
                           "evaluation set with --eval-data, or leave out --eval-limit");
  c.eval_limit = 0;
  // Calibrating on the evaluation set: the same folder, or a folder and its labels file.
  std::filesystem::create_directories(dir + "/data");
  std::ofstream(dir + "/data/labels.csv") << "file,class_index\n";
  c.variants = {"fp32", "static"};
  c.calibration_data = dir + "/data";
  c.eval_data = dir + "/data/labels.csv";
  EXPECT_EQ(codes(LabConfigWarnings(c)), "calibration_overlaps_eval;");
  EXPECT_TRUE(SameDataset(dir + "/data/", dir + "/data"));
  EXPECT_TRUE(SameDataset(dir + "/data/../data/labels.csv", dir + "/data"));
  std::filesystem::create_directories(dir + "/other");
  EXPECT_FALSE(SameDataset(dir + "/other", dir + "/data/labels.csv"));
  c.eval_data = dir + "/other";
  EXPECT_EQ(codes(LabConfigWarnings(c)), "");
  // Evaluation data but static variants calibrated on random input: warned, naming the fix.
  c.calibration_data.clear();
  c.calibration_size = 100;
  ws = LabConfigWarnings(c);
  ASSERT_EQ(codes(ws), "random_calibration;");
  EXPECT_TRUE(Contains(ws[0].message, "calibrated on 100 samples of random input although --eval-data is given"))
      << ws[0].message;
  EXPECT_TRUE(Contains(ws[0].message, "add --split")) << ws[0].message;
  c.split = true;  // calibrated on a disjoint part of the evaluation data
  EXPECT_EQ(codes(LabConfigWarnings(c)), "");
  c.split = false;
  c.eval_data.clear();  // nothing better to calibrate on: no warning (the lab says it on stderr)
  EXPECT_EQ(codes(LabConfigWarnings(c)), "");
}

TEST(PlanLab, AModelWithFixedInputSizeIsMeasuredAtItsOwnSize) {
  const std::string out = testing::TempDir() + "/lab";
  FakeLabBackend backend;
  backend.fixed_sizes["dir/fixed.onnx"] = 32;
  LabConfig c = Config(out, {"zoo:tiny_a", "dir/fixed.onnx"});
  LabPlan plan = PlanLab(c, backend);
  EXPECT_EQ(plan.input_sizes.at("tiny_a"), (std::vector<std::int64_t>{224}));
  EXPECT_EQ(plan.input_sizes.at("fixed"), (std::vector<std::int64_t>{32}));
  EXPECT_TRUE(plan.warnings.empty());  // --input-size was not given: nothing to warn about
  EXPECT_EQ(plan.macs_per_sample.at("fixed|s32"), 32000000 + 14);  // the fake: 1e6 × size + len(spec)
  const std::string text = FormatLabPlan(plan, c);
  EXPECT_TRUE(Contains(text, "fixed: input size fixed by the model file to 32x32 pixels")) << text;
  // Asked explicitly for another size: still its own size, with a warning.
  c.input_size_given = true;
  plan = PlanLab(c, backend);
  EXPECT_EQ(plan.input_sizes.at("fixed"), (std::vector<std::int64_t>{32}));
  ASSERT_EQ(plan.warnings.size(), 1u);
  EXPECT_EQ(plan.warnings[0].code, "input_size_fixed");
  EXPECT_TRUE(Contains(plan.warnings[0].message, "--input-size 224 does not apply to fixed")) << plan.warnings[0].message;

  LabStudy s = RunLab(c, backend);
  EXPECT_EQ(s.FailedPoints(), 0);
  ASSERT_NE(s.FindPoint("fixed|static|b2|s32|t1"), nullptr);
  EXPECT_EQ(s.FindPoint("fixed|static|b2|s224|t1"), nullptr);
  EXPECT_EQ(ModelInputSizes(s, "fixed"), (std::vector<std::int64_t>{32}));
  const PointResult* ref = ReferencePoint(s, "fixed", "static");
  ASSERT_NE(ref, nullptr);
  EXPECT_EQ(ref->point.Key(), "fixed|static|b1|s32|t1");
  // The report says which size was used.
  const std::string md = StudyMarkdown(s, {});
  EXPECT_TRUE(Contains(md, "input size 224 px for models with dynamic H/W; fixed at 32 px (fixed by its model file)")) << md;
}

TEST(PlanLab, AModelAtItsOwnShapeIsNeverLabelledInPixels) {
  // FixedInputSize -1 (non-square image, or no image input such as token ids): input size 0.
  const std::string out = testing::TempDir() + "/lab_own_shape";
  std::filesystem::remove_all(out);
  FakeLabBackend backend;
  backend.fixed_sizes["dir/tokens.onnx"] = -1;
  LabConfig c = Config(out, {"dir/tokens.onnx"});
  c.variants = {"fp32", "static"};
  c.batches = ParseSweepAxis("batch", "1");
  LabStudy s = RunLab(c, backend);
  ASSERT_NE(s.FindPoint("tokens|static|b1|s0|t1"), nullptr);
  EXPECT_EQ(InputSizeLabel(0), "its own shape");
  EXPECT_EQ(InputSizeLabel(224), "224 px");
  EXPECT_EQ(InputSizeLabel(224, false), "224");
  const std::string md = StudyMarkdown(s, {});
  EXPECT_TRUE(Contains(md, "| static | 1 | its own shape | 1 |")) << md;
  EXPECT_FALSE(Contains(md, "0 px")) << md;
  EXPECT_FALSE(Contains(md, "| static | 1 | 0 | 1 |")) << md;
}

TEST(RunLab, FailedVariantSaysWhatFailed) {
  const std::string out = testing::TempDir() + "/lab";
  FakeLabBackend backend;
  backend.fail_variants["tiny_a|static"] = "calibrating and quantizing: no calibration samples";
  LabStudy s = RunLab(Config(out), backend);
  EXPECT_TRUE(s.FindPoint("tiny_a|fp32|b1|s224|t1")->ok);
  EXPECT_EQ(s.FindPoint("tiny_a|static|b1|s224|t1")->error,
            "the static model file was not made, so it could not be timed: calibrating and quantizing: no calibration samples");
}

// A study run once (with a warning of its own), for the resume tests.
std::string FirstRun(const LabConfig& c) {
  FakeLabBackend backend;
  WarningList warnings;
  warnings.Add("first_run_only", "raised by the first run");
  LabRunOptions opts;
  opts.warnings = &warnings;
  RunLab(c, backend, opts);
  return Slurp(ResultsJsonlPath(c.output_dir));
}

TEST(Resume, RefusesOtherSettingsListingThemAndWritesNothing) {
  const std::string out = testing::TempDir() + "/lab";
  LabConfig c = Config(out);
  const std::string before = FirstRun(c);
  c.resume = true;
  c.repetitions = 5;
  c.seed = 7;
  c.calibration_size = 8;
  FakeLabBackend backend;
  Error e = Thrown([&] { RunLab(c, backend); });
  EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
  const std::string m = e.what();
  EXPECT_TRUE(Contains(m, "--repetitions 3 earlier, 5 now; --seed 0 earlier, 7 now; --calibration-size 100 earlier, 8 now")) << m;
  EXPECT_TRUE(Contains(m, "new --output folder")) << m;
  EXPECT_TRUE(Contains(m, "drop --resume")) << m;
  EXPECT_TRUE(backend.measured.empty());
  EXPECT_EQ(Slurp(ResultsJsonlPath(out)), before);  // untouched
  // The same settings resume; sweep values (batch) may grow.
  c.repetitions = 3;
  c.seed = 0;
  c.calibration_size = kDefaultCalibrationSize;
  c.batches = ParseSweepAxis("batch", "1,2,4");
  LabStudy s = RunLab(c, backend);
  EXPECT_EQ(backend.measured, (std::vector<std::string>{"tiny_a|fp32|b4|s224|t1", "tiny_a|static|b4|s224|t1"}));
  EXPECT_EQ(s.points.size(), 6u);
}

TEST(Resume, RefusesAChangedModelFileOrAMissingSettingsRecord) {
  const std::string dir = testing::TempDir(), out = dir + "/lab";
  std::ofstream(dir + "/m.onnx") << "weights v1";
  LabConfig c = Config(out, {dir + "/m.onnx"});
  const std::string first = FirstRun(c);
  c.resume = true;
  std::ofstream(dir + "/m.onnx", std::ios::app) << ", retrained";
  FakeLabBackend backend;
  Error e = Thrown([&] { RunLab(c, backend); });
  EXPECT_TRUE(Contains(e.what(), "model 'm': file '" + dir + "/m.onnx' changed since the earlier run")) << e.what();
  // A results.jsonl without a settings record (an older qbench) cannot be checked: refused.
  std::istringstream in(first);
  std::string line, kept;
  while (std::getline(in, line))
    if (line.find("\"record\":\"settings\"") == std::string::npos) kept += line + "\n";
  std::ofstream(ResultsJsonlPath(out), std::ios::trunc) << kept;
  e = Thrown([&] { RunLab(c, backend); });
  EXPECT_TRUE(Contains(e.what(), "has no settings record")) << e.what();
  EXPECT_TRUE(backend.measured.empty());
}

TEST(Resume, TheReportKeepsEarlierRunsWarnings) {
  const std::string out = testing::TempDir() + "/lab";
  LabConfig c = Config(out);
  FirstRun(c);
  c.resume = true;
  c.batches = ParseSweepAxis("batch", "1,2,4");
  FakeLabBackend backend;
  WarningList warnings;
  LabRunOptions opts;
  opts.warnings = &warnings;
  LabStudy s = RunLab(c, backend, opts);
  // This run raised the CI warning again (k = 3), not the first run's own one: both are in the study,
  // the earlier one marked as such, each once.
  std::string all;
  for (const auto& w : s.warnings) all += w + "\n";
  EXPECT_TRUE(Contains(all, "first_run_only: raised by the first run (an earlier run of this study)\n")) << all;
  EXPECT_EQ(std::count(all.begin(), all.end(), '\n'), 2) << all;
  EXPECT_TRUE(Contains(all, "median_ci_below_95: k = 3")) << all;
  EXPECT_TRUE(Contains(StudyMarkdown(s, {}), "- first_run_only: raised by the first run (an earlier run of this study)"));
  // Both runs' warnings are in results.jsonl, without repeats when read back.
  EXPECT_EQ(ReadResultsJsonl(ResultsJsonlPath(out)).warnings.size(), 2u);
}

TEST(OrtLabBackend, AModelWithoutImageInputIsMeasuredAtItsOwnShape) {
  // x [N,16] → MatMul w [16,4] → y: no rank-4 input, so --input-size cannot apply (-1: its own shape,
  // measured once) rather than 0 (the configured sizes, which would relabel it "224 px").
  const std::string dir = testing::TempDir();
  GraphBuilder g("vec", 13);
  g.AddInput("x", DType::kFloat32, {"N", 16});
  g.AddInitializer("w", {16, 4}, std::vector<float>(64, 0.5f));
  g.AddNode("MatMul", "mm", {"x", "w"}, {"y"});
  g.AddOutput("y", DType::kFloat32, {"N", 4});
  SaveModel(g.Build(), dir + "/vec.onnx");
  // x [N,3,H,W] with H, W dynamic: the configured sizes apply (0).
  GraphBuilder d("dyn", 13);
  d.AddInput("x", DType::kFloat32, {"N", 3, "H", "W"});
  d.AddNode("Relu", "relu", {"x"}, {"y"});
  d.AddOutput("y", DType::kFloat32, {"N", 3, "H", "W"});
  SaveModel(d.Build(), dir + "/dyn.onnx");
  LabConfig c = Config(dir + "/out", {dir + "/vec.onnx"});
  OrtLabBackend backend(c, nullptr);
  EXPECT_EQ(backend.FixedInputSize(dir + "/vec.onnx"), -1);
  EXPECT_EQ(backend.FixedInputSize(dir + "/dyn.onnx"), 0);
}

TEST(OrtLabBackend, CalibrationSettingsNeverFailTheDynamicVariant) {
  // x [N,3,8,8] → Conv 3→4 (3×3, pad 1) → y: H = W fixed to 8 by the file.
  const std::string dir = testing::TempDir();
  GraphBuilder g("conv", 13);
  g.AddInput("x", DType::kFloat32, {"N", 3, 8, 8});
  std::vector<float> w(108);
  for (std::size_t i = 0; i < w.size(); ++i) w[i] = 0.01f * static_cast<float>(static_cast<int>(i % 7) - 3);
  g.AddInitializer("w", {4, 3, 3, 3}, w);
  g.AddNode("Conv", "conv", {"x", "w"}, {"y"}, {AttrInts("pads", {1, 1, 1, 1})});
  g.AddOutput("y", DType::kFloat32, {"N", 4, 8, 8});
  SaveModel(g.Build(), dir + "/conv.onnx");
  LabConfig c = Config(dir + "/out", {dir + "/conv.onnx"});
  c.variants = {"fp32", "dynamic", "static"};
  c.calibration_method = "kl";  // past ValidateLabConfig (a caller that skipped it): only static may fail
  c.calibration_size = 2;
  OrtLabBackend backend(c, nullptr);
  EXPECT_EQ(backend.FixedInputSize(dir + "/conv.onnx"), 8);
  EXPECT_EQ(backend.FixedInputSize("zoo:resnet18"), 0);
  std::filesystem::create_directories(dir + "/out/models");
  const auto records = backend.PrepareModel(testing::FirstModelJob(c, dir + "/out/models", 8));
  ASSERT_EQ(records.size(), 3u);
  EXPECT_TRUE(records[0].ok) << records[0].error;
  EXPECT_TRUE(records[1].ok) << records[1].error;  // dynamic: no calibration, so no calibration error
  EXPECT_TRUE(std::filesystem::exists(records[1].file));
  EXPECT_FALSE(records[2].ok);
  EXPECT_TRUE(Contains(records[2].error, "unknown calibration method 'kl'")) << records[2].error;
}

}  // namespace
}  // namespace qbench
