// Issue 10 §1 at the unit level: the dry-run plan labels a non-fp32 file's baseline by what it holds
// as report.md does, and marks MACs that shape inference could not complete as lower bounds.
#include <gtest/gtest.h>

#include <sstream>

#include <fmt/format.h>

#include "fake_backend.h"
#include "qbench/lab/lab.h"
#include "qbench/lab/model_content.h"
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
  study.config.variants = {"fp32", "static"};
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

// F37: a plan without a calibrated variant says no calibration happens (it said "random data (warned)").
TEST(PlanLabels, CalibrationLineOnlyWhenAVariantIsCalibrated) {
  FakeLabBackend backend;
  LabConfig c = OneGroupConfig({"zoo:small"});
  c.variants = {"fp32", "dynamic", "fp16"};
  LabPlan plan = PlanLab(c, backend);
  EXPECT_EQ(PlanLine(FormatLabPlan(plan, c), "calibration:"),
            "calibration: none (no variant here is calibrated; only the static ones are)");
  c.variants = {"fp32", "static"};
  plan = PlanLab(c, backend);
  EXPECT_EQ(PlanLine(FormatLabPlan(plan, c), "calibration:"),
            fmt::format("calibration: random data (warned), {} sample(s) drawn at random (seed 0)", c.calibration_size));
}

// G13: on a busy machine (the shared BusyMachine check) the plan says its estimate can be off several-fold;
// a fake load figure stands in for /proc/loadavg.
TEST(PlanLabels, BusyMachineEstimateSaysItCanBeOffSeveralFold) {
  FakeLabBackend backend;
  LabConfig c = OneGroupConfig({"zoo:small"});
  LabPlan plan = PlanLab(c, backend);
  plan.logical_cores = 2;
  plan.load_average_1min = 6.3;
  EXPECT_EQ(PlanLine(FormatLabPlan(plan, c), "machine busy"),
            "machine busy (1-minute load average 6.3 exceeds the 2 logical cores): the estimate can be off several-fold "
            "either way");
  plan.load_average_1min = 1.5;  // below the cores: no such line
  EXPECT_EQ(PlanLine(FormatLabPlan(plan, c), "machine busy"), "");
  plan.load_average_1min = -1;  // unknown: no claim
  EXPECT_EQ(PlanLine(FormatLabPlan(plan, c), "machine busy"), "");
}

// F37/G18: a model whose file fixes its size is "measured at that size"; "whatever --input-size says" only
// when --input-size was given.
TEST(PlanLabels, FixedSizeNoteMentionsInputSizeOnlyWhenGiven) {
  FakeLabBackend backend;
  backend.fixed_sizes["zoo:small"] = 32;
  LabConfig c = OneGroupConfig({"zoo:small"});
  c.input_size_given = false;
  EXPECT_EQ(PlanLine(FormatLabPlan(PlanLab(c, backend), c), "small:"),
            "small: input size fixed by the model file to 32x32 pixels; measured at that size");
  c.input_size_given = true;
  EXPECT_EQ(PlanLine(FormatLabPlan(PlanLab(c, backend), c), "small:"),
            "small: input size fixed by the model file to 32x32 pixels; measured at that size whatever --input-size says");
}

// One naming of the baseline (plan, report, the high-CV warning) and one rule for variants that do not apply.
TEST(PlanLabels, BaselineLabelAndNotApplicableVariants) {
  EXPECT_EQ(BaselineLabel("int8 QOperator", "fp32"), "as given (int8 QOperator)");
  EXPECT_EQ(BaselineLabel("fp16", "fp32"), "as given (fp16)");
  EXPECT_EQ(BaselineLabel("fp32", "fp32"), "fp32");
  EXPECT_EQ(BaselineLabel("", "fp32"), "fp32");
  EXPECT_EQ(VariantNotApplicable("int8 QOperator", "static"), "already int8 (QOperator)");
  EXPECT_EQ(VariantNotApplicable("int8 QDQ + QOperator", "dynamic"), "already int8 (QDQ + QOperator)");
  EXPECT_EQ(VariantNotApplicable("int8 QOperator", "auto"), "already int8 (QOperator)");
  EXPECT_EQ(VariantNotApplicable("int8 QOperator", "fp32"), "");    // the baseline: the file as given
  EXPECT_EQ(VariantNotApplicable("int8 QOperator", "zoo-int8"), "");  // an external file
  EXPECT_EQ(VariantNotApplicable("fp16", "static"), "");            // a float file is quantized
  EXPECT_EQ(VariantNotApplicable("fp32", "dynamic"), "");
  EXPECT_EQ(VariantNotApplicable("fp16", "fp16"), "already fp16");  // the same model again
  EXPECT_EQ(VariantNotApplicable("fp32", "fp16"), "");
  EXPECT_EQ(VariantNotApplicable("fp16", "fp32"), "");              // the baseline: the file as given
}

// An fp16 file (`qbench quantize --mode fp16` output) given with --models: its fp16 variant is the same
// model again, so it is not made, not timed against itself, and not counted as a failure; static is.
TEST(RunLab, AnFp16FilesFp16VariantIsNotApplicable) {
  FakeLabBackend backend;
  backend.contents = {{"/m/h.onnx", "fp16"}};
  LabConfig c = OneGroupConfig({"/m/h.onnx"});
  c.variants = {"fp32", "fp16", "static"};
  c.roofline = false;
  c.output_dir = testing::TempDir() + "/lab_fp16_file";
  EXPECT_EQ(PlanLine(FormatLabPlan(PlanLab(c, backend), c), "fp16: not applicable"),
            "fp16: not applicable: already fp16; not timed, no time counted (quantize the fp32 original instead)");
  const LabStudy study = RunLab(c, backend);
  EXPECT_EQ(backend.measured, (std::vector<std::string>{"h|fp32|b1|s224|t1", "h|static|b1|s224|t1"}));
  const ModelRecord* rec = study.FindModel("h", "fp16");
  ASSERT_NE(rec, nullptr);
  EXPECT_FALSE(rec->ok);
  EXPECT_TRUE(rec->not_applicable);
  EXPECT_EQ(rec->error, "not applicable: already fp16");
  int not_applicable = 0, failed = 0;
  for (const auto& p : study.points) {
    not_applicable += p.not_applicable;
    failed += !p.ok && !p.not_applicable;
    if (p.point.variant == "fp16") EXPECT_FALSE(p.has_speedup);
  }
  EXPECT_EQ(not_applicable, 1);
  EXPECT_EQ(failed, 0);
  ASSERT_NE(study.FindModel("h", "static"), nullptr);
  EXPECT_TRUE(study.FindModel("h", "static")->ok);
}

TEST(DryRun, AnFp16FileIsQuantizedLikeAnFp32OneNotMarkedRefused) {
  FakeLabBackend backend;
  backend.contents = {{"/m/h.onnx", "fp16"}, {"/m/f.onnx", "fp32"}};
  LabConfig c = OneGroupConfig({"/m/h.onnx", "/m/f.onnx"});
  const LabPlan plan = PlanLab(c, backend);
  const LabSetupEstimate& h = plan.model_setup.at("h");
  const LabSetupEstimate& f = plan.model_setup.at("f");
  EXPECT_DOUBLE_EQ(h.prepare_s, f.prepare_s);  // the fp16 file's static is real work, as the fp32 file's
  EXPECT_DOUBLE_EQ(h.prepare_s, 2 * plan.costs.session_s + plan.costs.quantize_s);
  EXPECT_GT(h.calibration_s, 0.0);
  EXPECT_EQ(FormatLabPlan(plan, c).find("not applicable"), std::string::npos);
}

TEST(DryRun, TheSchemeVariantsOfAnAlreadyQuantizedFileAreMarkedRefusedAndCostNoTime) {
  FakeLabBackend backend;
  backend.contents = {{"/m/q.onnx", "int8 QDQ"}, {"/m/f.onnx", "fp32"}};
  LabConfig c = OneGroupConfig({"/m/q.onnx", "/m/f.onnx"});
  const LabPlan plan = PlanLab(c, backend);
  // The refused point is still a point of the run (recorded as not applicable): 2 models x 2 variants.
  EXPECT_EQ(plan.points, 4);
  const LabSetupEstimate& q = plan.model_setup.at("q");
  const LabSetupEstimate& f = plan.model_setup.at("f");
  EXPECT_DOUBLE_EQ(q.prepare_s, plan.costs.session_s);  // the file as given only: no quantization
  EXPECT_EQ(q.calibration_s, 0.0);
  EXPECT_EQ(q.verification_s, 0.0);
  EXPECT_DOUBLE_EQ(f.prepare_s, 2 * plan.costs.session_s + plan.costs.quantize_s);  // the fp32 file's static is real work
  EXPECT_GT(f.calibration_s, 0.0);
  // q costs exactly what it costs when only its baseline is planned.
  LabConfig only = c;
  only.variants = {"fp32"};
  const LabPlan base = PlanLab(only, backend);
  for (const auto& g : plan.groups)
    if (g.model == "q") EXPECT_DOUBLE_EQ(plan.group_seconds.at(g.GroupKey()), base.group_seconds.at(g.GroupKey()));
  EXPECT_DOUBLE_EQ(plan.model_setup_seconds.at("q"), base.model_setup_seconds.at("q"));
  const std::string text = FormatLabPlan(plan, c);
  const std::string line = "    static: not applicable: already int8 (QDQ); not timed, no time counted "
                           "(quantize the fp32 original instead)\n";
  const auto at = text.find(line);
  ASSERT_NE(at, std::string::npos) << text;
  EXPECT_EQ(text.find(line, at + 1), std::string::npos) << text;  // q only, not the fp32 file f
  EXPECT_LT(text.find("  q (/m/q.onnx)"), at) << text;
  EXPECT_GT(text.find("  f (/m/f.onnx)"), at) << text;
}

TEST(DryRun, IncompleteMacsAreMarkedAsALowerBoundOnTheirRowOnly) {
  FakeLabBackend backend;
  backend.incomplete_macs = {"zoo:contrib"};
  // ModelMacs = 1e6 × input size + length of the spec: 224 000 011 and 224 000 008.
  LabConfig c = OneGroupConfig({"zoo:contrib", "zoo:std"});
  const LabPlan plan = PlanLab(c, backend);
  EXPECT_EQ(plan.macs_gap.at("contrib|s224"), "shape inference could not size 1 MAC node(s) (first: fake (Fake))");
  EXPECT_EQ(plan.macs_gap.at("std|s224"), "");
  const std::string text = FormatLabPlan(plan, c);
  const std::string contrib = PlanLine(text, "contrib (zoo:contrib)"), std_row = PlanLine(text, "std (zoo:std)");
  EXPECT_NE(contrib.find(" >=0.224 G* "), std::string::npos) << text;
  EXPECT_NE(std_row.find(" 0.224 G "), std::string::npos) << text;
  EXPECT_EQ(std_row.find(">="), std::string::npos) << text;
  EXPECT_EQ(std_row.find('*'), std::string::npos) << text;
  EXPECT_EQ(PlanLine(text, "* MACs incomplete"),
            "* MACs incomplete for contrib: shape inference could not size 1 MAC node(s) (first: fake (Fake)); the count "
            "and the time estimate are lower bounds")
      << text;
  // Complete MACs everywhere: no mark and no footnote.
  backend.incomplete_macs.clear();
  const std::string clean = FormatLabPlan(PlanLab(c, backend), c);
  EXPECT_EQ(clean.find(">="), std::string::npos) << clean;
  EXPECT_EQ(clean.find("MACs incomplete"), std::string::npos) << clean;
}

// N7: without --input-size the header names the sizes the models are measured at, not the default
// sweep [224] that no fixed-size model (the 28 and 32 px Fashion-MNIST seeds) is measured at.
TEST(PlanLabels, WithoutInputSizeTheHeaderSaysTheModelsOwnSizes) {
  FakeLabBackend backend;
  backend.fixed_sizes = {{"/m/fmnist_a.onnx", 28}, {"/m/fmnist_b.onnx", 32}, {"/m/tokens.onnx", -1}};
  LabConfig c = OneGroupConfig({"/m/fmnist_a.onnx", "/m/fmnist_b.onnx"});
  c.input_size_given = false;  // input_sizes keeps the default [224]
  LabPlan plan = PlanLab(c, backend);
  EXPECT_EQ(PlanLine(FormatLabPlan(plan, c), "qbench lab plan:"),
            "qbench lab plan: 2 model(s) x 2 variant(s) x batch [1] x input size [each model's own: 28,32] x threads [1]");
  // A dynamic model beside a fixed one: the default for the dynamic one, the fixed one's own size.
  c.models = {"zoo:small", "/m/fmnist_b.onnx"};
  plan = PlanLab(c, backend);
  EXPECT_EQ(PlanLine(FormatLabPlan(plan, c), "qbench lab plan:"),
            "qbench lab plan: 2 model(s) x 2 variant(s) x batch [1] x input size [224 for dynamic H/W, each fixed model's "
            "own: 32] x threads [1]");
  // Only models at their own shape (no image input): no pixel count.
  c.models = {"/m/tokens.onnx"};
  plan = PlanLab(c, backend);
  EXPECT_EQ(PlanLine(FormatLabPlan(plan, c), "qbench lab plan:"),
            "qbench lab plan: 1 model(s) x 2 variant(s) x batch [1] x input size [each model's own shape] x threads [1]");
  // Dynamic models only: the sweep they are measured at.
  c.models = {"zoo:small"};
  plan = PlanLab(c, backend);
  EXPECT_EQ(PlanLine(FormatLabPlan(plan, c), "qbench lab plan:"),
            "qbench lab plan: 1 model(s) x 2 variant(s) x batch [1] x input size [224] x threads [1]");
  // --input-size given: the sweep as given (the fixed model's warning says it does not apply to it).
  c.models = {"/m/fmnist_a.onnx"};
  c.input_sizes = ParseSweepAxis("input-size", "160,224");
  c.input_size_given = true;
  plan = PlanLab(c, backend);
  EXPECT_EQ(PlanLine(FormatLabPlan(plan, c), "qbench lab plan:"),
            "qbench lab plan: 1 model(s) x 2 variant(s) x batch [1] x input size [160,224] x threads [1]");
  ASSERT_EQ(plan.warnings.size(), 1u);
  EXPECT_EQ(plan.warnings[0].code, "input_size_fixed");
}

}  // namespace
}  // namespace qbench
