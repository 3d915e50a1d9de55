// The study's output files (JSON, CSV, Markdown, plots), the numbers behind them, and the ONNX Runtime
// profile parsing used by the roofline view.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "fake_backend.h"
#include "qbench/lab/lab.h"
#include "qbench/lab/op_profile.h"
#include "qbench/report/analysis.h"
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

LabStudy FakeStudy(const std::string& out, bool with_eval) {
  LabConfig c = DefaultLabConfig();
  c.models = {"zoo:big", "zoo:small"};
  c.variants = {"fp32", "dynamic", "static"};
  c.batches = ParseSweepAxis("batch", "1,2,4");
  c.input_sizes = ParseSweepAxis("input-size", "224");
  c.threads = ParseSweepAxis("threads", "2");
  c.output_dir = out;
  if (with_eval) c.eval_data = "fake";
  testing::FakeLabBackend backend;
  backend.base_ms = {{"big", 4.0}, {"small", 1.0}};
  backend.fail_points["small|static|b4|s224|t2"] = "out of memory at batch 4";
  return RunLab(c, backend);
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
  const auto ncols = std::count(line.begin(), line.end(), ',');
  int rows = 0;
  while (std::getline(csv, line)) {
    ++rows;
    EXPECT_EQ(std::count(line.begin(), line.end(), ','), ncols) << line;
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
                            FormatMs(p.latency.mean_ms) + " ± " + FormatMs(p.latency.std_ms) + " | " +
                            FormatMs(p.latency.median_ms) + " [" + FormatMs(p.latency.ci95_low_ms) + ", " +
                            FormatMs(p.latency.ci95_high_ms) + "]";
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
  EXPECT_NE(md.find("## Accuracy"), std::string::npos);
  EXPECT_NE(md.find("69.0 %"), std::string::npos);  // static top-1 in the fake
  // Plots: the files the report links exist and are PNGs.
  for (const char* p : {"plots/latency_big.png", "plots/latency_small.png", "plots/size.png", "plots/latency_vs_size.png",
                        "plots/speedup.png", "plots/accuracy_vs_latency.png", "plots/roofline.png"}) {
    const std::string path = out + "/" + p;
    ASSERT_TRUE(std::filesystem::exists(path)) << p;
    EXPECT_EQ(Slurp(path).substr(1, 3), "PNG") << p;
    EXPECT_NE(md.find(std::string("](") + p + ")"), std::string::npos) << p;
  }
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
  EXPECT_NE(all.find("**Size, static**: files are 0.25x–0.25x of the fp32 size"), std::string::npos) << all;
  EXPECT_NE(all.find("1 point(s) failed"), std::string::npos) << all;
  EXPECT_NE(all.find("out of memory at batch 4"), std::string::npos) << all;
  EXPECT_NE(all.find("Best trade-off: **static**"), std::string::npos) << all;
  // Speedup constant over the batch in the fake.
  EXPECT_NE(all.find("big static: speedup 2.00x at batch 1 → 2.00x at batch 4; about constant"), std::string::npos) << all;
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

TEST(Analysis, Formatting) {
  EXPECT_EQ(FormatMs(0.9504), "0.950 ms");
  EXPECT_EQ(FormatMs(8.861), "8.86 ms");
  EXPECT_EQ(FormatMs(64.97), "65.0 ms");
  EXPECT_EQ(FormatMs(130.4), "130 ms");
  EXPECT_EQ(FormatRatio(2.704), "2.70x");
  EXPECT_EQ(FormatBytes(44717045), "44.7 MB");
  EXPECT_EQ(FormatBytes(4947297), "4.95 MB");
  EXPECT_EQ(FormatBytes(512000), "512.0 kB");
}

// A minimal ORT profile: two Conv kernels (one depthwise), a Relu, fences and a session event.
const char* kProfile = R"([
 {"cat":"Session","name":"model_run","dur":900,"ts":1,"args":{}},
 {"cat":"Node","name":"conv1_fence_before","dur":0,"ts":2,"args":{"op_name":"Conv"}},
 {"cat":"Node","name":"conv1_kernel_time","dur":500,"ts":3,"args":{"op_name":"Conv","activation_size":"602112",
   "parameter_size":"37888","output_size":"3211264",
   "input_type_shape":[{"float":[1,3,224,224]},{"float":[64,3,7,7]},{"float":[64]}],
   "output_type_shape":[{"float":[1,64,112,112]}]}},
 {"cat":"Node","name":"dw_kernel_time","dur":200,"ts":4,"args":{"op_name":"FusedConv","activation_size":"100",
   "parameter_size":"20","output_size":"100",
   "input_type_shape":[{"float":[1,32,56,56]},{"float":[32,1,3,3]},{"float":[32]}],
   "output_type_shape":[{"float":[1,32,56,56]}]}},
 {"cat":"Node","name":"qconv_kernel_time","dur":100,"ts":5,"args":{"op_name":"QLinearConv","activation_size":"10",
   "parameter_size":"10","output_size":"10",
   "input_type_shape":[{"uint8":[2,16,8,8]},{"float":[]},{"uint8":[]},{"int8":[32,16,1,1]},{"float":[32]},{"int8":[32]},{"float":[]},{"uint8":[]},{"int32":[32]}],
   "output_type_shape":[{"uint8":[2,32,8,8]}]}},
 {"cat":"Node","name":"fc_kernel_time","dur":50,"ts":6,"args":{"op_name":"Gemm","activation_size":"4","parameter_size":"4","output_size":"4",
   "input_type_shape":[{"float":[2,512]},{"float":[1000,512]},{"float":[1000]}],"output_type_shape":[{"float":[2,1000]}]}},
 {"cat":"Node","name":"relu_kernel_time","dur":40,"ts":7,"args":{"op_name":"Relu","activation_size":"8","parameter_size":"0","output_size":"8",
   "input_type_shape":[{"float":[1,64,112,112]}],"output_type_shape":[{"float":[1,64,112,112]}]}}
])";

TEST(OpProfile, ParsesOrtProfileAndCountsMacs) {
  auto nodes = ParseOrtProfile(kProfile, "test");
  ASSERT_EQ(nodes.size(), 5u);
  EXPECT_EQ(nodes[0].node, "conv1");
  EXPECT_EQ(nodes[0].op_type, "Conv");
  EXPECT_EQ(nodes[0].activation_bytes, 602112);
  // Conv: Y elements 64·112·112 × (3·7·7) = 802816 × 147 = 118013952 (ResNet18's stem).
  EXPECT_EQ(ProfiledNodeMacs(nodes[0]), 118013952);
  EXPECT_FALSE(IsDepthwiseConv(nodes[0]));
  // Depthwise 3×3 over 32×56×56: 100352 × 9.
  EXPECT_EQ(ProfiledNodeMacs(nodes[1]), 903168);
  EXPECT_TRUE(IsDepthwiseConv(nodes[1]));
  // QLinearConv weight is input 3: Y 2·32·8·8 = 4096 × 16 = 65536.
  EXPECT_EQ(ProfiledNodeMacs(nodes[2]), 65536);
  // Gemm: M·N·K = 2·1000·512.
  EXPECT_EQ(ProfiledNodeMacs(nodes[3]), 1024000);
  EXPECT_EQ(ProfiledNodeMacs(nodes[4]), 0);
  // NCHWc blocked output [N, C/8, H, W, 8]: C_out = 8·8 = 64.
  ProfiledNode nchwc;
  nchwc.op_type = "NchwcConv";
  nchwc.input_shapes = {{1, 8, 56, 56, 8}, {8, 8, 3, 3, 8, 8}};
  nchwc.output_shapes = {{1, 8, 56, 56, 8}};
  EXPECT_EQ(ProfiledNodeMacs(nchwc), 64LL * 56 * 56 * 64 * 9);
  EXPECT_FALSE(IsDepthwiseConv(nchwc));

  auto agg = AggregateProfile(nodes, 1);
  ASSERT_EQ(agg.size(), 5u);
  EXPECT_EQ(agg[0].op_type, "Conv");  // largest time first
  EXPECT_DOUBLE_EQ(agg[0].time_ms, 0.5);
  EXPECT_EQ(agg[0].bytes, 602112 + 37888 + 3211264);
  EXPECT_EQ(agg[1].op_type, "FusedConv (depthwise)");
  EXPECT_THROW(ParseOrtProfile("{}", "x"), Error);
}

}  // namespace
}  // namespace qbench
