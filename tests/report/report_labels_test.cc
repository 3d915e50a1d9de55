// Labels of report.md that must say what was measured: a scheme's variant chosen as the baseline (first
// in --variants: `--variants dynamic,fp32`) is a file qbench made, never "as given", and the file as
// given measured against it is no compression of it; with several input sizes, the one accuracy was
// measured at.
#include <gtest/gtest.h>

#include "lab/fake_backend.h"
#include "qbench/lab/lab.h"
#include "qbench/lab/model_content.h"
#include "qbench/report/analysis.h"
#include "qbench/report/study_report.h"
#include "test_util.h"

namespace qbench {
namespace {

// zoo:big and zoo:small, variants dynamic (baseline), fp32, static; the fake's files: fp32 4,000,000
// bytes, dynamic 1,007,000, static 1,006,000; records carry what the real backend reads from the files.
LabStudy SchemeBaselineStudy(const std::string& out) {
  LabConfig c = DefaultLabConfig();
  c.models = {"zoo:big", "zoo:small"};
  c.variants = {"dynamic", "fp32", "static"};
  c.batches = ParseSweepAxis("batch", "1");
  c.input_sizes = ParseSweepAxis("input-size", "224");
  c.threads = ParseSweepAxis("threads", "2");
  c.output_dir = out;
  c.roofline = false;
  testing::FakeLabBackend backend;
  LabStudy study = RunLab(c, backend);
  for (auto& r : study.models) r.content = r.variant == "fp32" ? "fp32" : r.variant == "dynamic" ? "int8 dynamic" : "int8 QDQ";
  return study;
}

TEST(BaselineLabel, ASchemesVariantAsBaselineKeepsItsName) {
  EXPECT_EQ(BaselineLabel("int8 dynamic", "dynamic"), "dynamic");
  EXPECT_EQ(BaselineLabel("int8 QDQ", "static"), "static");
  EXPECT_EQ(BaselineLabel("fp16", "fp16"), "fp16");
  EXPECT_EQ(BaselineLabel("int8 QOperator", "fp32"), "as given (int8 QOperator)");  // the file as given still says what it holds
}

TEST(BaselineLabel, DynamicFirstIsLabelledDynamicAndFp32GetsNoShrinkVerdict) {
  const LabStudy study = SchemeBaselineStudy(testing::TempDir() + "/lab_dynamic_first");
  ASSERT_EQ(BaselineVariant(study), "dynamic");
  EXPECT_EQ(VariantLabel(study, "big", "dynamic"), "dynamic");
  EXPECT_EQ(VariantLabel(study, "big", "fp32"), "fp32");
  EXPECT_EQ(BaselineName(study), "dynamic");
  const std::string md = StudyMarkdown(study, {});
  EXPECT_EQ(md.find("as given"), std::string::npos) << md;
  std::string all;
  for (const auto& o : GenerateObservations(study)) all += o + "\n";
  // fp32 / dynamic = 4,000,000 / 1,007,000 = 3.97x: a ratio, no "did not shrink" verdict on the fp32 file.
  EXPECT_NE(all.find("**Size, fp32**: files are 3.97x of the dynamic size.\n"), std::string::npos) << all;
  EXPECT_EQ(all.find("Did not shrink much"), std::string::npos) << all;
  // static (int8 weights) against dynamic (int8 weights): 1,006,000 / 1,007,000 = 1.00x, no compression expected either.
  EXPECT_NE(all.find("**Size, static**: files are 1.00x of the dynamic size.\n"), std::string::npos) << all;
}

TEST(AccuracySize, SeveralInputSizesSayWhichOneAccuracyIsMeasuredAt) {
  LabConfig c = DefaultLabConfig();
  c.models = {"zoo:big", "zoo:small"};
  c.variants = {"fp32", "static"};
  c.batches = ParseSweepAxis("batch", "1");
  c.input_sizes = ParseSweepAxis("input-size", "96,128");
  c.threads = ParseSweepAxis("threads", "2");
  c.eval_data = "fake";
  c.roofline = false;
  c.output_dir = testing::TempDir() + "/lab_two_sizes";
  testing::FakeLabBackend backend;
  backend.fixed_sizes["zoo:small"] = 64;  // its file fixes 64x64: one size only
  const LabStudy study = RunLab(c, backend);
  ASSERT_EQ(study.accuracy.size(), 4u);
  for (const auto& a : study.accuracy) EXPECT_EQ(a.input_size, a.model == "big" ? 96 : 64) << a.model << " " << a.variant;
  EXPECT_EQ(ToJson(study.accuracy.front())["input_size"], 96);  // results.json says it too
  const std::string md = StudyMarkdown(study, {});
  EXPECT_NE(md.find("Accuracy is measured at one input size per model, its first (the others are timed only): big at 96 px.\n"),
            std::string::npos) << md;
  // One input size per model: nothing to say.
  c.input_sizes = ParseSweepAxis("input-size", "96");
  c.output_dir = testing::TempDir() + "/lab_one_size";
  testing::FakeLabBackend one;
  EXPECT_EQ(StudyMarkdown(RunLab(c, one), {}).find("Accuracy is measured at one input size"), std::string::npos);
}

// G1: qbench's static variant with u8 weights (zero point 128) against an s8 int8 file of the same
// model: the Models table says what each file holds, and an observation names the u8u8 kernel and
// --weight-range when the s8 file runs faster.
TEST(WeightStorage, ModelsTableSaysU8AndTheSlowerU8VariantIsExplained) {
  LabConfig c = DefaultLabConfig();
  c.models = {"zoo:big"};
  c.variants = {"fp32", "static", "dynamic"};
  c.batches = ParseSweepAxis("batch", "1");
  c.input_sizes = ParseSweepAxis("input-size", "224");
  c.threads = ParseSweepAxis("threads", "2");
  c.output_dir = testing::TempDir() + "/lab_weight_storage";
  c.roofline = false;
  testing::FakeLabBackend backend;
  LabStudy study = RunLab(c, backend);
  // "dynamic" stands for a --compare-file of the zoo's int8 file (s8 weights, QOperator).
  for (auto& r : study.models) {
    if (r.variant == "static") r.weight_storage = "u8 (zero point 128)", r.weight_precision = "int8";
    if (r.variant == "dynamic") {
      r.external = true;
      r.weight_storage = "s8 symmetric";
      r.activation_precision = "u8 (static, in the file)";
    }
  }
  auto set = [&](const std::string& v, double s, double lo, double hi) {
    for (auto& p : study.points)
      if (p.point.variant == v) p.has_speedup = true, p.speedup = s, p.speedup_ci95_low = lo, p.speedup_ci95_high = hi;
  };
  set("static", 1.08, 0.85, 1.49);
  set("dynamic", 1.50, 1.02, 2.00);
  std::string all;
  for (const auto& o : GenerateObservations(study)) all += o + "\n";
  EXPECT_NE(all.find("**u8 weights, big static**: its file stores u8 weights with zero point 128 and runs 1.08x [0.85x, "
                     "1.49x] while dynamic, whose weights are s8 symmetric, runs 1.50x [1.02x, 2.00x] (vs fp32, batch 1). "
                     "The likely reason is the kernel: ONNX Runtime runs u8 weights with its u8u8 kernels"),
            std::string::npos) << all;
  EXPECT_NE(all.find("Try --weight-range reduced"), std::string::npos) << all;
  const std::string md = StudyMarkdown(study, {});
  const std::size_t row = md.find("| big | static | 32 | u8 (zero point 128) |");
  EXPECT_NE(row, std::string::npos) << md;
  EXPECT_NE(md.find("| s8 symmetric | u8 (static, in the file) |"), std::string::npos) << md;
  // The s8 file no faster: no such observation.
  set("dynamic", 1.05, 0.90, 1.20);
  all.clear();
  for (const auto& o : GenerateObservations(study)) all += o + "\n";
  EXPECT_EQ(all.find("**u8 weights"), std::string::npos) << all;
}

// A scheme that quantized nothing (contrib ops, non-float inputs: every op kept float, the file 1.00x)
// wrote an fp32 file: the Models table says so and why, not the scheme's "int8" (issue 10 R9).
TEST(ModelsTable, AVariantInWhichNothingWasQuantizedSaysFp32AndWhy) {
  LabStudy study = SchemeBaselineStudy(testing::TempDir() + "/nothing_quantized");
  for (auto& r : study.models) {
    if (r.model != "big" || r.variant != "static") continue;
    r.content = "fp32", r.weight_precision = "int8", r.weight_storage = "", r.activation_precision = "uint8 (static)";
    r.op_coverage = {{"Conv", {0, 1}}, {"FusedConv", {0, 1}}, {"Flatten", {0, 1}}};
    r.has_coverage_report = true;
    r.coverage_report.by_op_type = {{"FusedConv", 0, 1, {"custom-domain op (com.microsoft)"}},
                                    {"Conv", 0, 1, {"input or output is not float32"}},
                                    {"Flatten", 0, 1, {"input or output is not float32"}}};
    EXPECT_EQ(NothingQuantizedReason(r), "FusedConv: custom-domain op (com.microsoft); Conv: input or output is not float32");
  }
  const std::string md = ModelsMarkdown(study);
  EXPECT_NE(md.find("| big | static | 32 | fp32 (nothing quantized: FusedConv: custom-domain op (com.microsoft); Conv: "
                    "input or output is not float32) | fp32 | Conv 0/1, Flatten 0/1, FusedConv 0/1 |"),
            std::string::npos) << md;
  // One quantized op type is enough for the scheme's own precision to stand.
  for (auto& r : study.models)
    if (r.model == "big" && r.variant == "static") {
      r.op_coverage["Conv"] = {1, 0};
      EXPECT_EQ(NothingQuantizedReason(r), "");
    }
  EXPECT_EQ(ModelsMarkdown(study).find("nothing quantized"), std::string::npos);
}

}  // namespace
}  // namespace qbench
