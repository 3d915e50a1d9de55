// Issue 10 §1 at the unit level: the dry-run plan labels a non-fp32 file's baseline by what it holds
// as report.md does, and marks MACs that shape inference could not complete as lower bounds.
#include <gtest/gtest.h>

#include <sstream>

#include "fake_backend.h"
#include "qbench/lab/lab.h"
#include "qbench/report/analysis.h"
#include "test_util.h"

namespace qbench {
namespace {

using testing::FakeLabBackend;

LabConfig OneGroupConfig(const std::vector<std::string>& models) {
  LabConfig c = DefaultLabConfig();
  c.models = models;
  c.variants = {"fp32", "static"};
  c.batches = ParseSweepAxis("batch", "1");
  c.input_sizes = ParseSweepAxis("input-size", "224");
  c.threads = ParseSweepAxis("threads", "1");
  return c;
}

// The plan's line that starts with `prefix` (after its indent), or "".
std::string PlanLine(const std::string& text, const std::string& prefix) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    const auto start = line.find_first_not_of(' ');
    if (start != std::string::npos && line.compare(start, prefix.size(), prefix) == 0) return line.substr(start);
  }
  return "";
}

TEST(PlanLabels, TheBaselineOfANonFp32FileIsLabelledByWhatItHoldsAsInTheReport) {
  FakeLabBackend backend;
  backend.contents = {{"/m/mobilenetv2-12-int8.onnx", "int8 QOperator"}, {"zoo:small", "fp32"}};
  LabConfig c = OneGroupConfig({"/m/mobilenetv2-12-int8.onnx"});
  LabPlan plan = PlanLab(c, backend);
  EXPECT_EQ(plan.baseline_content.at("mobilenetv2-12-int8"), "int8 QOperator");
  EXPECT_EQ(PlanLine(FormatLabPlan(plan, c), "variants:"), "variants: as given (int8 QOperator) (baseline), static");

  // report.md labels the same baseline the same way (VariantLabel of a record with that content).
  LabStudy study;
  study.config = {{"variants", {"fp32", "static"}}};
  ModelRecord rec;
  rec.model = "mobilenetv2-12-int8";
  rec.variant = "fp32";
  rec.ok = true;
  rec.content = "int8 QOperator";
  study.models.push_back(rec);
  EXPECT_EQ(VariantLabel(study, "mobilenetv2-12-int8", "fp32"), "as given (int8 QOperator)");

  // An int8 file beside an fp32 model: the baseline keeps its name, the int8 file is named.
  c = OneGroupConfig({"/m/mobilenetv2-12-int8.onnx", "zoo:small"});
  plan = PlanLab(c, backend);
  EXPECT_EQ(PlanLine(FormatLabPlan(plan, c), "variants:"),
            "variants: fp32 (baseline; mobilenetv2-12-int8: as given (int8 QOperator)), static");
  // fp32 files only (or content unknown): unchanged.
  c = OneGroupConfig({"zoo:small", "zoo:other"});
  plan = PlanLab(c, backend);
  EXPECT_EQ(PlanLine(FormatLabPlan(plan, c), "variants:"), "variants: fp32 (baseline), static");
  // A scheme as the baseline is not the file as given: named as such whatever the file holds.
  c = OneGroupConfig({"/m/mobilenetv2-12-int8.onnx"});
  c.variants = {"dynamic", "fp32"};
  plan = PlanLab(c, backend);
  EXPECT_EQ(PlanLine(FormatLabPlan(plan, c), "variants:"), "variants: dynamic (baseline), fp32");
}

TEST(DryRun, IncompleteMacsAreMarkedAsALowerBoundOnTheirRowOnly) {
  FakeLabBackend backend;
  backend.incomplete_macs = {"zoo:contrib"};
  // ModelMacs = 1e6 × input size + length of the spec: 224 000 011 and 224 000 008.
  LabConfig c = OneGroupConfig({"zoo:contrib", "zoo:std"});
  const LabPlan plan = PlanLab(c, backend);
  EXPECT_FALSE(plan.macs_complete.at("contrib|s224"));
  EXPECT_TRUE(plan.macs_complete.at("std|s224"));
  const std::string text = FormatLabPlan(plan, c);
  const std::string contrib = PlanLine(text, "contrib (zoo:contrib)"), std_row = PlanLine(text, "std (zoo:std)");
  EXPECT_NE(contrib.find(" >=0.224 G* "), std::string::npos) << text;
  EXPECT_NE(std_row.find(" 0.224 G "), std::string::npos) << text;
  EXPECT_EQ(std_row.find(">="), std::string::npos) << text;
  EXPECT_EQ(std_row.find('*'), std::string::npos) << text;
  EXPECT_EQ(PlanLine(text, "* MACs incomplete"),
            "* MACs incomplete: shape inference could not size some nodes (contrib ops); the count and the time "
            "estimate are lower bounds")
      << text;
  // Complete MACs everywhere: no mark and no footnote.
  backend.incomplete_macs.clear();
  const std::string clean = FormatLabPlan(PlanLab(c, backend), c);
  EXPECT_EQ(clean.find(">="), std::string::npos) << clean;
  EXPECT_EQ(clean.find("MACs incomplete"), std::string::npos) << clean;
}

}  // namespace
}  // namespace qbench
