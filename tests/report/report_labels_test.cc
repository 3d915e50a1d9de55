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

}  // namespace
}  // namespace qbench
