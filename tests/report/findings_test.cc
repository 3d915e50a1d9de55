// Findings of lab studies built by hand from the s22 tester's runs: a zoo model (random weights) is judged by
// its verification, not by top-1 agreement on data its accuracy means nothing on (R10); several input sizes and
// thread counts name theirs in every trend and in the Models table (R11).
#include <gtest/gtest.h>

#include <array>
#include <string>
#include <tuple>
#include <vector>

#include "qbench/report/analysis.h"
#include "qbench/report/study_report.h"

namespace qbench {
namespace {

// t1/lab_zoo: zoo:squeezenet1_1, fp32/dynamic/static at batch 1, 30 ImageNet samples. Top-1 0.0 % for every
// variant; static agrees with fp32 on 0 of 30 (Wilson [0.0, 11.4] %), dynamic on 30 of 30. Verification on
// random input: dynamic 22.8 dB, cosine 0.9974; static 21.7 dB, cosine 0.9978. Static 2.08x [1.61x, 3.35x].
LabStudy ZooStudy() {
  LabStudy s;
  s.config.variants = {"fp32", "dynamic", "static"};
  s.config.batch = {1};
  s.config.input_size = {224};
  s.config.threads = {2};
  const std::vector<std::tuple<const char*, std::int64_t, double, double, double, double, double>> rows = {
      {"fp32", 4'956'653, 13.8, 0, 0, 0, 0},
      {"dynamic", 1'287'314, 14.1, 0.98, 0.71, 1.26, 22.846},
      {"static", 1'319'912, 6.63, 2.08, 1.61, 3.35, 21.717}};
  for (const auto& [v, bytes, ms, speedup, lo, hi, sqnr] : rows) {
    ModelRecord r;
    r.model = "squeezenet1_1", r.variant = v, r.ok = true, r.file_size_bytes = bytes, r.model_spec = "zoo:squeezenet1_1";
    r.content = std::string(v) == "fp32" ? "fp32" : "int8 QDQ";
    if (sqnr > 0) {
      r.has_verification = true;
      r.verification.performed = true;
      r.verification.samples = "random input (seed 0), up to 16 samples, batch 1";
      OutputVerification o;
      o.name = "logits", o.compared = true, o.sqnr_db = sqnr, o.cosine = std::string(v) == "dynamic" ? 0.997446 : 0.997757;
      r.verification.outputs.push_back(o);
    }
    s.models.push_back(r);
    PointResult p;
    p.point = SweepPoint{"squeezenet1_1", v, 1, 224, 2};
    p.ok = true, p.model_spec = "zoo:squeezenet1_1", p.latency.n = 6, p.latency.median_ms = ms;
    if (speedup > 0) p.has_speedup = true, p.baseline_variant = "fp32", p.speedup = speedup, p.speedup_ci95_low = lo, p.speedup_ci95_high = hi;
    s.points.push_back(p);
    AccuracyRecord a;
    a.model = "squeezenet1_1", a.variant = v, a.ok = true, a.samples = a.labelled = 30, a.num_classes = 1000;
    a.top1 = 0, a.top1_ci95_low = 0, a.top1_ci95_high = 0.1135;
    if (std::string(v) != "fp32") {
      a.has_paired = true;
      a.top1_change_ci95_low = -0.1135, a.top1_change_ci95_high = 0.1135, a.mcnemar_p = 1;
      const bool same = std::string(v) == "dynamic";
      a.top1_agreement = same ? 1.0 : 0.0;
      a.top1_agreement_ci95_low = same ? 0.8865 : 0.0;
      a.top1_agreement_ci95_high = same ? 1.0 : 0.1135;
    }
    s.accuracy.push_back(a);
  }
  return s;
}

TEST(RandomWeights, AgreementIsNoCollapseTestTheVerificationJudgesAndTheSpeedFindingsStay) {
  LabStudy s = ZooStudy();
  EXPECT_FALSE(AccuracyCollapsed(s, "squeezenet1_1", "static"));
  EXPECT_EQ(CollapsedStatus(s, "squeezenet1_1", "static"), "");
  std::string all;
  for (const auto& o : GenerateObservations(s)) all += o + "\n";
  EXPECT_EQ(all.find("COLLAPSED"), std::string::npos) << all;
  EXPECT_EQ(all.find("Collapsed in accuracy"), std::string::npos) << all;
  EXPECT_NE(all.find("**Faster with static** (speedup vs fp32, 95 % CI, interleaved): squeezenet1_1 2.08x [1.61x, 3.35x] at batch 1."),
            std::string::npos) << all;
  EXPECT_NE(all.find("No trade-off verdict: its weights are seeded random numbers (a qbench zoo architecture), so its accuracy and "
                     "top-1 agreement mean nothing: its fidelity is judged by the verification's SQNR and cosine against fp32 only. "
                     "Verification against fp32 (random input (seed 0), up to 16 samples, batch 1): dynamic SQNR 22.8 dB, cosine "
                     "0.9974; static SQNR 21.7 dB, cosine 0.9978; no output collapsed.\n"),
            std::string::npos) << all;
  EXPECT_EQ(all.find("Best trade-off"), std::string::npos) << all;
  const std::string md = StudyMarkdown(s, {});
  EXPECT_EQ(md.find("COLLAPSED"), std::string::npos) << md;
  // A collapse in verification still counts: it is the test that applies.
  s.models[2].verification.collapsed = true;
  EXPECT_TRUE(OutputCollapsed(s, "squeezenet1_1", "static"));
  EXPECT_NE(AccuracyObservation(s, "squeezenet1_1").find("see Collapsed for the variants that collapsed."), std::string::npos);
  // The same agreement of a trained model (a file) is a collapse, as before.
  for (auto& r : s.models) r.model_spec = "/models/squeezenet1.1.onnx";
  for (auto& p : s.points) p.model_spec = "/models/squeezenet1.1.onnx";
  s.models[2].verification.collapsed = false;
  EXPECT_TRUE(AccuracyCollapsed(s, "squeezenet1_1", "static"));
  EXPECT_EQ(VerificationFidelity(s, "squeezenet1_1"), "");
}


// t1/lab_ts: zoo:squeezenet1_1 fp32/static at batch 1, 2 × 160, 224 px × 1, 2 threads (results.json). Each batch
// trend names its size and thread count; at 224 px, 1 thread, 2.55x [2.51, 2.62] → 2.68x [2.67, 2.71] separate
// (it had no sentence); the size trend names its batch and threads; MACs/sample is given per size.
TEST(SeveralInputSizes, TrendsNameSizeAndThreadsAndTheModelsTableGivesMacsPerSize) {
  LabStudy s;
  s.config.variants = {"fp32", "static"};
  s.config.batch = {1, 2};
  s.config.input_size = {160, 224};
  s.config.threads = {1, 2};
  for (const char* v : {"fp32", "static"}) {
    ModelRecord r;
    r.model = "squeezenet1_1", r.variant = v, r.ok = true, r.model_spec = "zoo:squeezenet1_1", r.macs_per_sample = 170'693'312;
    r.file_size_bytes = std::string(v) == "fp32" ? 4'956'653 : 1'319'912;
    s.models.push_back(r);
  }
  // batch, size, threads, fp32 ms, static ms, speedup, CI
  const std::vector<std::array<double, 8>> rows = {
      {1, 160, 1, 3.391, 1.327, 2.554, 2.501, 2.585}, {2, 160, 1, 6.63, 2.521, 2.63, 2.611, 2.648},
      {1, 224, 1, 6.845, 2.682, 2.552, 2.508, 2.616}, {2, 224, 1, 13.684, 5.099, 2.684, 2.671, 2.706},
      {1, 160, 2, 1.821, 0.764, 2.382, 2.293, 2.473}, {2, 160, 2, 3.474, 1.459, 2.381, 2.283, 2.416},
      {1, 224, 2, 3.535, 1.593, 2.219, 2.175, 2.272}, {2, 224, 2, 7.172, 2.973, 2.412, 2.237, 2.463}};
  for (const auto& [batch, size, threads, fp32_ms, static_ms, speedup, lo, hi] : rows)
    for (const char* v : {"fp32", "static"}) {
      PointResult p;
      p.point = SweepPoint{"squeezenet1_1", v, static_cast<std::int64_t>(batch), static_cast<std::int64_t>(size),
                           static_cast<std::int64_t>(threads)};
      p.ok = true, p.model_spec = "zoo:squeezenet1_1", p.latency.n = 6;
      p.macs = static_cast<std::int64_t>(batch) * (size == 160 ? 170'693'312 : 349'151'936);
      p.latency.median_ms = std::string(v) == "fp32" ? fp32_ms : static_ms;
      if (std::string(v) == "static") p.has_speedup = true, p.speedup = speedup, p.speedup_ci95_low = lo, p.speedup_ci95_high = hi;
      s.points.push_back(p);
    }
  std::vector<std::string> trends;
  for (const auto& o : GenerateObservations(s))
    if (o.rfind("squeezenet1_1 static (", 0) == 0 || o.rfind("squeezenet1_1 static over", 0) == 0) trends.push_back(o);
  EXPECT_EQ(trends, (std::vector<std::string>{
                        "squeezenet1_1 static (160 px, 1 thread): speedup 2.55x at batch 1 → 2.63x at batch 2; the gain grew.",
                        "squeezenet1_1 static (160 px, 2 threads): speedup 2.38x at batch 1 → 2.38x at batch 2; no clear trend "
                        "(the 95 % CIs overlap).",
                        "squeezenet1_1 static (224 px, 1 thread): speedup 2.55x at batch 1 → 2.68x at batch 2; the gain grew.",
                        "squeezenet1_1 static (224 px, 2 threads): speedup 2.22x at batch 1 → 2.41x at batch 2; no clear trend "
                        "(the 95 % CIs overlap).",
                        "squeezenet1_1 static over input size (batch 1, 1 thread): speedup 2.55x at 160 px → 2.55x at 224 px; no "
                        "clear trend (the 95 % CIs overlap).",
                        "squeezenet1_1 static over input size (batch 1, 2 threads): speedup 2.38x at 160 px → 2.22x at 224 px; "
                        "the gain shrank."}));
  const std::string md = ModelsMarkdown(s);
  EXPECT_NE(md.find("| 0.171 G at 160 px, 0.349 G at 224 px |"), std::string::npos) << md;
  // One size: the figure alone, as before.
  s.config.input_size = {160};
  EXPECT_NE(ModelsMarkdown(s).find("| 0.171 G |"), std::string::npos);
}

}  // namespace
}  // namespace qbench
