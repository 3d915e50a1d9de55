// The report's section on the lab variant "auto" against "static" (AutoVariantMarkdown), on a study
// built by hand: a model where the search chose an int8 configuration, and one where it kept the fp32
// model unchanged, which the report says and never counts as int8.
#include <gtest/gtest.h>

#include <algorithm>

#include "qbench/report/analysis.h"
#include "qbench/report/device_report.h"

namespace qbench {
namespace {

ModelRecord Record(const std::string& model, const std::string& variant, std::int64_t bytes, const std::string& content) {
  ModelRecord r;
  r.model = model;
  r.variant = variant;
  r.ok = true;
  r.file_size_bytes = bytes;
  r.content = content;
  r.weight_bytes_by_dtype[content == "fp32" ? "float32" : "int8"] = bytes;
  return r;
}

PointResult Point(const std::string& model, const std::string& variant, double s, double lo, double hi) {
  PointResult p;
  p.ok = true;
  p.point = SweepPoint{model, variant, 1, 224, 2};
  p.has_speedup = variant != "fp32";
  p.speedup = s;
  p.speedup_ci95_low = lo;
  p.speedup_ci95_high = hi;
  return p;
}

AccuracyRecord Agreement(const std::string& model, const std::string& variant, double a, double lo, double hi) {
  AccuracyRecord r;
  r.model = model;
  r.variant = variant;
  r.ok = true;
  r.samples = 100;
  r.top1_agreement = a;
  r.top1_agreement_ci95_low = lo;
  r.top1_agreement_ci95_high = hi;
  return r;
}

LabStudy Study() {
  LabStudy s;
  s.config.variants = {"fp32", "static", "auto"};
  s.config.threads = {2};
  s.config.input_size = {224};
  s.config.batch = {1};
  // "net": the search chose reduced s8 weights with bias correction and 2 fp32 islands.
  s.models.push_back(Record("net", "fp32", 4000, "fp32"));
  s.models.push_back(Record("net", "static", 1000, "int8 QDQ"));
  ModelRecord au = Record("net", "auto", 1100, "int8 QDQ");
  au.has_auto_search = true;  // read from JSON as results.json keeps it
  au.auto_search = nlohmann::json{
      {"chosen", "mse u8 conv-per-channel reduced-weights +bias-corr + 2 fp32 (profile)"},
      {"wrote_fp32_unchanged", false},
      {"decision", "wrote it"},
      {"batch", 1},
      {"candidates", 9},
      {"elapsed_s", 42.0},
      {"choice",
       {{"name", "mse u8 conv-per-channel reduced-weights +bias-corr + 2 fp32 (profile)"},
        {"calibration_method", "mse"},
        {"activation_type", "u8"},
        {"weight_range", "reduced"},
        {"weight_granularity", "conv-per-channel"},
        {"equalize", "off"},
        {"bias_correction", true},
        {"keep_fp32", {"conv3", "conv7"}},
        {"islands_reason", "2 node(s) slower in int8 than fp32 plus their Q/DQ (per-node profile)"},
        {"samples", 100},
        {"agreement", 0.97},
        {"agreement_ci95", {0.915, 0.99}},
        {"speedup", 1.62},
        {"speedup_ci95", {1.5, 1.7}}}}}.get<LabAutoRecord>();
  s.models.push_back(au);
  // "slow": nothing beat fp32; the auto file is the fp32 model.
  s.models.push_back(Record("slow", "fp32", 4000, "fp32"));
  s.models.push_back(Record("slow", "static", 1000, "int8 QDQ"));
  ModelRecord kept = Record("slow", "auto", 4000, "fp32");
  kept.weight_precision = "fp32";
  kept.has_auto_search = true;
  kept.auto_search = nlohmann::json{
      {"chosen", nullptr},
      {"wrote_fp32_unchanged", true},
      {"decision", "wrote the fp32 model unchanged: no int8 candidate is reliably faster than fp32 on this machine."},
      {"best_int8", {{"name", "minmax u8 conv-per-channel"}, {"agreement", 0.99}, {"speedup", 0.91}}}}.get<LabAutoRecord>();
  s.models.push_back(kept);
  s.points = {Point("net", "fp32", 1, 1, 1),      Point("net", "static", 1.40, 1.30, 1.50),
              Point("net", "auto", 1.60, 1.50, 1.70), Point("slow", "fp32", 1, 1, 1),
              Point("slow", "static", 0.80, 0.75, 0.85), Point("slow", "auto", 1.00, 0.97, 1.03)};
  s.accuracy = {Agreement("net", "static", 0.95, 0.89, 0.98), Agreement("net", "auto", 0.97, 0.915, 0.99)};
  return s;
}

TEST(AutoVariantReport, SaysWhatAutoChoseAndComparesItWithStatic) {
  const LabStudy s = Study();
  const std::string md = AutoVariantMarkdown(s);
  EXPECT_NE(md.find("## Variant auto (quantize --auto) vs static"), std::string::npos) << md;
  EXPECT_NE(md.find("- **net**: auto chose `mse u8 conv-per-channel reduced-weights +bias-corr + 2 fp32 (profile)`: mse "
                    "calibration, u8 activations, reduced weights (conv-per-channel), bias correction, 2 node(s) kept fp32 "
                    "(2 node(s) slower in int8 than fp32 plus their Q/DQ (per-node profile)). In the search: agreement 97.0 % "
                    "[91.5 %, 99.0 %] on 100 samples, 1.62× [1.50×, 1.70×] at batch 1 (9 candidates, 42 s)."),
            std::string::npos)
      << md;
  // The lab's own measurements, side by side.
  EXPECT_NE(md.find("| net | 1 | 1.40x [1.30x, 1.50x] | 1.60x [1.50x, 1.70x] | 95.0 % [89.0, 98.0] | 97.0 % [91.5, 99.0] |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| slow | 1 | 0.80x [0.75x, 0.85x] | 1.00x [0.97x, 1.03x] | — | — |"), std::string::npos) << md;
}

TEST(AutoVariantReport, Fp32KeptUnchangedIsSaidAndNotCountedAsInt8) {
  const LabStudy s = Study();
  const std::string md = AutoVariantMarkdown(s);
  EXPECT_NE(md.find("- **slow**: auto kept the **fp32 model unchanged** (its file holds fp32; it is not counted as int8): "
                    "wrote the fp32 model unchanged: no int8 candidate is reliably faster than fp32 on this machine. Best "
                    "int8 figure found: `minmax u8 conv-per-channel`, agreement 99.0 %, 0.91× in the search."),
            std::string::npos)
      << md;
  EXPECT_TRUE(AutoKeptUnchanged(s, "slow", "auto"));
  EXPECT_FALSE(AutoKeptUnchanged(s, "net", "auto"));
  EXPECT_FALSE(AutoKeptUnchanged(s, "slow", "static"));
  // The observations about auto's size and speed concern "net" only: "slow"'s file is the fp32 model.
  std::string obs;
  for (const auto& o : GenerateObservations(s)) obs += o + "\n";
  const auto size_auto = obs.find("**Size, auto**");
  ASSERT_NE(size_auto, std::string::npos) << obs;
  const std::string line = obs.substr(size_auto, obs.find('\n', size_auto) - size_auto);
  EXPECT_EQ(line.find("slow"), std::string::npos) << line;
  EXPECT_NE(line.find("files are 0.28x of the fp32 size"), std::string::npos) << line;  // net: 1100 / 4000
  // A study without the variant has no section.
  LabStudy none = s;
  none.models.erase(std::remove_if(none.models.begin(), none.models.end(), [](const ModelRecord& r) { return r.variant == "auto"; }),
                    none.models.end());
  EXPECT_EQ(AutoVariantMarkdown(none), "");
}

}  // namespace
}  // namespace qbench
