// `qbench lab` across devices (issue 13): an external variant (--compare-file) measured like qbench's
// own, energy per inference from a fake power sensor (--sysfs-root), the provider of every point and
// the node placement, and the one-line refusals of bad --compare-file and --provider values.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "qbench/core/fs.h"
#include "qbench/model/graph_builder.h"
#include "qbench/model/model.h"
#include "qbench/quantization/quantizer.h"
#include "test_util.h"

namespace qbench {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::RunCommand;

// A sysfs tree with one hwmon power sensor reading a constant 5 W.
std::string FiveWattTree() {
  const std::string root = testing::TempDir();
  fs::create_directories(root + "/class/hwmon/hwmon0");
  std::ofstream(root + "/class/hwmon/hwmon0/name") << "board\n";
  std::ofstream(root + "/class/hwmon/hwmon0/power1_input") << "5000000\n";
  return root;
}

// x [N,8] → MatMul 8→4 → Relu.
std::string Tiny(const std::string& path, float w) {
  GraphBuilder g("tiny", 13);
  g.AddInput("x", DType::kFloat32, {"N", 8});
  g.AddInitializer("w", {8, 4}, std::vector<float>(32, w));
  g.AddNode("MatMul", "mm", {"x", "w"}, {"h"});
  g.AddNode("Relu", "relu", {"h"}, {"y"});
  g.AddOutput("y", DType::kFloat32, {"N", 4});
  SaveModel(g.Build(), path);
  return path;
}

const json* FindRecord(const json& list, const std::string& variant) {
  for (const auto& r : list)
    if (r.value("variant", "") == variant) return &r;
  return nullptr;
}

TEST(LabDevicesCli, BadCompareFileAndProviderAreOneLine) {
  const std::string dir = testing::TempDir();
  const std::string a = Tiny(dir + "/a.onnx", 0.1f);
  const std::string base = testing::CliPath() + " lab --models " + a + " --variants fp32 --batch 1 --output " + dir + "/out ";
  struct Case {
    std::string flags, message;
    int exit_code = 2;  // usage; a missing file is an input failure (1)
  };
  const std::vector<Case> cases = {
      {"--compare-file " + a + "=b.onnx", "--compare-file '" + a + "=b.onnx': expected MODEL:LABEL=PATH"},
      {"--compare-file a:static=" + a, "LABEL 'static' is one of qbench's own variants"},
      {"--compare-file a:x/y=" + a, "LABEL 'x/y' may hold letters, digits"},
      {"--compare-file nomodel:ext=" + a, "no model 'nomodel' in this lab (its models: a)"},
      {"--compare-file a:ext=" + dir + "/missing.onnx", "--compare-file a:ext=" + dir + "/missing.onnx: file not found", 1},
      {"--provider nosuch", "--provider: execution provider 'nosuch' is not compiled into this ONNX Runtime"},
  };
  for (const auto& c : cases) {
    const auto r = RunCommand(base + c.flags + " --dry-run");
    EXPECT_EQ(r.exit_code, c.exit_code) << c.flags << "\n" << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << c.flags << "\n" << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
}

TEST(LabDevicesCli, ExternalVariantEnergyAndPlacementOfATinyModel) {
  const std::string dir = testing::TempDir();
  const std::string a = Tiny(dir + "/a.onnx", 0.1f), other = Tiny(dir + "/other.onnx", 0.2f);
  const std::string out = dir + "/lab";
  const auto r = RunCommand(testing::CliPath() + " lab --models " + a + " --variants fp32,dynamic --compare-file a:mine=" +
                            other + " --batch 1,4 --repetitions 6 --warmup-runs 1 --threads 1 --no-roofline --no-plots " +
                            "--sysfs-root " + FiveWattTree() + " --output " + out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json study = json::parse(ReadFileBytes(out + "/results.json"));
  const json* mine = FindRecord(study["models"], "mine");
  ASSERT_NE(mine, nullptr);
  EXPECT_TRUE(mine->value("external", false));
  EXPECT_EQ(mine->value("file", ""), other);
  EXPECT_EQ(mine->value("content", ""), "fp32");
  EXPECT_EQ((*mine)["coverage_report"]["file_content"], "fp32");
  // qbench's own variant is labelled by what its file holds, not by the record's default.
  const json* dynamic = FindRecord(study["models"], "dynamic");
  ASSERT_NE(dynamic, nullptr);
  EXPECT_EQ(dynamic->value("content", ""), "int8 dynamic");
  EXPECT_EQ((*mine)["placement"]["nodes_by_provider"].size(), 1u);
  EXPECT_GE((*mine)["placement"]["nodes_by_provider"].value("CPUExecutionProvider", 0), 1);
  EXPECT_FALSE((*mine)["placement"].value("fallback", true));
  int points = 0;
  for (const auto& p : study["points"]) {
    ASSERT_EQ(p.value("status", ""), "ok") << p.dump();
    ++points;
    EXPECT_EQ(p.value("provider", ""), "cpu");
    const json& e = p["energy"];
    ASSERT_TRUE(e.value("available", false)) << e.dump();
    EXPECT_EQ(e.value("source", ""), "hwmon");
    EXPECT_NEAR(e.value("average_power_w", 0.0), 5.0, 1e-6);  // a constant 5 W sensor
    EXPECT_EQ(e.value("runs", 0), 6);
    // J per run = 5 W × the run's time: close to 5 W × the mean latency (the same runs, other clock reads).
    const double mean_s = p["latency_ms"].value("mean_ms", 0.0) / 1000;
    EXPECT_NEAR(e.value("energy_per_inference_j", 0.0), 5.0 * mean_s, 0.5 * 5.0 * mean_s + 5e-6);
    EXPECT_NEAR(e.value("energy_per_sample_j", 0.0) * p.value("batch", 0), e.value("energy_per_inference_j", 0.0), 1e-12);
    if (p.value("variant", "") != "fp32") {
      EXPECT_TRUE(e.contains("ratio_to_baseline")) << e.dump();
      EXPECT_LE(e.value("ratio_ci95_low", 0.0), e.value("ratio_to_baseline", 0.0));
    }
  }
  EXPECT_EQ(points, 6);  // 3 variants × 2 batches
  const std::string md = ReadFileBytes(out + "/report.md");
  EXPECT_NE(md.find("mine (external, fp32)"), std::string::npos);
  EXPECT_NE(md.find("## External variants"), std::string::npos);
  EXPECT_NE(md.find("## Energy"), std::string::npos);
  EXPECT_NE(md.find("5.00 W"), std::string::npos);
}

TEST(LabDevicesCli, NoSensorSaysUnavailableOnceNeverZero) {
  const std::string dir = testing::TempDir();
  const std::string a = Tiny(dir + "/a.onnx", 0.1f);
  const std::string out = dir + "/lab";
  const auto r = RunCommand(testing::CliPath() + " lab --models " + a + " --variants fp32 --batch 1 --repetitions 2 " +
                            "--warmup-runs 1 --threads 1 --no-roofline --no-plots --sysfs-root " + testing::TempDir() +
                            " --output " + out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json study = json::parse(ReadFileBytes(out + "/results.json"));
  ASSERT_EQ(study["points"].size(), 1u);
  const json& e = study["points"][0]["energy"];
  EXPECT_EQ(e, json({{"available", false}, {"reason", e.value("reason", "")}}));
  EXPECT_NE(e.value("reason", "").find("no power sensor under"), std::string::npos);
  const std::string md = ReadFileBytes(out + "/report.md");
  const auto at = md.find("## Energy\n\nNot measured: no power sensor under");
  EXPECT_NE(at, std::string::npos) << md;
  EXPECT_EQ(md.find("Not measured: no power sensor", at + 20), std::string::npos);  // said once
  // results.csv: the energy cells are empty, not 0 (the model path has no commas).
  std::istringstream csv(ReadFileBytes(out + "/results.csv"));
  std::string header, row;
  std::getline(csv, header);
  std::getline(csv, row);
  auto cells = [](const std::string& line) {
    std::vector<std::string> out;
    std::stringstream ss(line);
    for (std::string c; std::getline(ss, c, ',');) out.push_back(c);
    if (!line.empty() && line.back() == ',') out.push_back("");
    return out;
  };
  const auto h = cells(header), v = cells(row);
  ASSERT_EQ(h.size(), v.size());
  const auto col = std::find(h.begin(), h.end(), "energy_per_inference_j") - h.begin();
  ASSERT_LT(static_cast<std::size_t>(col), h.size());
  EXPECT_EQ(v[col], "");
  EXPECT_EQ(v[col + 1], "");  // average_power_w
  EXPECT_EQ(h[col - 1], "provider");
  EXPECT_EQ(v[col - 1], "cpu");
}

// The study: the shared MobileNetV2 with fp32, qbench's static and the ONNX zoo's int8 file as an
// external variant, with accuracy on the shared ImageNet sample (small counts so the test stays short).
TEST(LabDevicesCli, MobileNetV2WithTheZooInt8FileAsExternalVariant) {
  QBENCH_REQUIRE_SHARED(fp32, "models/imagenet/mobilenetv2-7-hybrid.onnx");
  QBENCH_REQUIRE_SHARED(int8, "models/imagenet/mobilenetv2-12-int8.onnx");
  QBENCH_REQUIRE_SHARED(data, "data/imagenet-sample/labels.csv");
  const std::string out = testing::TempDir() + "/lab";
  const auto r = RunCommand(testing::CliPath() + " lab --models " + fp32 + " --variants fp32,static --compare-file " + fp32 +
                            ":zoo-int8=" + int8 + " --eval-data " + data + " --split --eval-limit 20 --calibration-size 4 " +
                            "--batch 1 --repetitions 3 --warmup-runs 1 --no-roofline --no-plots --output " + out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json study = json::parse(ReadFileBytes(out + "/results.json"));
  const json* zoo = FindRecord(study["models"], "zoo-int8");
  ASSERT_NE(zoo, nullptr);
  EXPECT_TRUE(zoo->value("external", false));
  EXPECT_EQ(zoo->value("content", ""), "int8 QOperator");
  EXPECT_EQ(zoo->value("file_size_bytes", 0), 3655033);
  EXPECT_EQ(zoo->value("original_bits", 0), 8);  // the file as given holds int8 weights, not the fp32 model's 32
  EXPECT_TRUE(zoo->value("macs_complete", false));
  const json& after = (*zoo)["coverage_report"]["after_ort_optimization"];
  EXPECT_EQ(after["int8_ops"].value("QLinearConv", 0), 52);
  EXPECT_EQ(after.value("content", ""), "int8 QOperator");
  EXPECT_GT(after.value("int8_mac_share", 0.0), 0.95);
  // The zoo file's s8 weights use the full range against u8 activations: said where the kernels saturate.
  EXPECT_EQ((*zoo)["coverage_report"].value("u8s8_saturation", true), OrtU8S8KernelsSaturate());
  const json* st = FindRecord(study["models"], "static");
  ASSERT_NE(st, nullptr);
  EXPECT_FALSE(st->value("external", true));
  for (const std::string v : {"fp32", "static", "zoo-int8"}) {
    const json* p = FindRecord(study["points"], v);
    ASSERT_NE(p, nullptr) << v;
    EXPECT_EQ(p->value("status", ""), "ok") << p->dump();
    EXPECT_EQ(p->value("memory_method", ""), "isolated") << v;
    if (v != "fp32") {
      EXPECT_EQ(p->value("timing", ""), "interleaved") << v;
      EXPECT_GT(p->value("speedup", 0.0), 0) << v;
    }
    const json* a = FindRecord(study["accuracy"], v);
    ASSERT_NE(a, nullptr) << v;
    EXPECT_EQ(a->value("samples", 0), 20) << v;
    EXPECT_GE(a->value("top1", 0.0), 0.6) << v;  // 87 % / 85 % on all 200 images (../shared/models/imagenet/README.md)
    if (v != "fp32") EXPECT_GE(a->value("top1_agreement", 0.0), 0.8) << v;
  }
  const std::string md = ReadFileBytes(out + "/report.md");
  EXPECT_NE(md.find("zoo-int8 (external, int8 QOperator)"), std::string::npos);
  EXPECT_NE(md.find("QLinearConv ×52"), std::string::npos);
}

// An int8 file given with --models (not --compare-file): labelled "as given (int8 QOperator)" on stdout and
// in the Memory table, and its u8·s8 saturation warning is given as for --compare-file.
TEST(LabDevicesCli, AnInt8FileGivenWithModelsIsLabelledAsGivenAndWarnedLikeACompareFile) {
  QBENCH_REQUIRE_SHARED(int8, "models/imagenet/mobilenetv2-12-int8.onnx");
  const std::string out = testing::TempDir() + "/lab_int8";
  const auto r = RunCommand(testing::CliPath() + " lab --models " + int8 + " --variants fp32 --batch 1 --repetitions 3 " +
                            "--warmup-runs 1 --no-roofline --no-plots --output " + out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("  mobilenetv2-12-int8 (batch 1, 224 px): as given (int8 QOperator) "), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find(": fp32 "), std::string::npos) << r.out;
  const std::string md = ReadFileBytes(out + "/report.md");
  EXPECT_NE(md.find("| mobilenetv2-12-int8 | as given (int8 QOperator) | 1 | "), std::string::npos) << md;
  const json study = json::parse(ReadFileBytes(out + "/results.json"));
  const json* base = FindRecord(study["models"], "fp32");
  ASSERT_NE(base, nullptr);
  bool warned = false;
  for (const auto& w : base->value("warnings", json::array())) warned = warned || w.get<std::string>().rfind("u8s8_saturation: ", 0) == 0;
  EXPECT_EQ(warned, OrtU8S8KernelsSaturate()) << base->dump();
  EXPECT_EQ(r.err.find("mobilenetv2-12-int8 as given (" + int8 + "): it runs u8 activations") != std::string::npos,
            OrtU8S8KernelsSaturate())
      << r.err;
}

}  // namespace
}  // namespace qbench
