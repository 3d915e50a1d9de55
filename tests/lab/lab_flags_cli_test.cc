// `qbench lab --no-verify / --strict` and the preprocessing flags, end to end: the same verification
// as `qbench quantize` (a collapsed variant is measured with a warning, refused with --strict, not
// verified with --no-verify), and the preprocessing flags reaching the data (a crop that does not
// match the model's input is refused before measuring).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include <nlohmann/json.hpp>

#include "qbench/core/fs.h"
#include "qbench/model/graph_builder.h"
#include "qbench/model/model.h"
#include "quantization/quant_test_util.h"
#include "test_util.h"

namespace qbench {
namespace {

using nlohmann::json;
using testing::RunCommand;

std::string Cli() { return testing::CliPath(); }

// d = x·B1 − x·B2 with B2 = B1 + 1e-3 (testing::CancellationModel): int8 weights cannot tell B1 and
// B2 apart, so the quantized output collapses against fp32 whatever the fallback keeps.
std::string Cancellation(const std::string& dir) {
  SaveModel(testing::CancellationModel(), dir + "/cancel.onnx");
  return dir + "/cancel.onnx";
}

// x [N,3,32,32] (H and W fixed) → GlobalAveragePool → Flatten → Gemm 3→10.
std::string Fixed32(const std::string& path) {
  GraphBuilder b("fixed32", 13);
  b.AddInput("x", DType::kFloat32, {"N", 3, 32, 32});
  b.AddOutput("logits", DType::kFloat32, {"N", 10});
  std::vector<float> w(30);
  for (std::size_t i = 0; i < w.size(); ++i) w[i] = 0.1f * static_cast<float>(i % 7) - 0.3f;
  b.AddInitializer("W", {3, 10}, w);
  b.AddNode("GlobalAveragePool", "gap", {"x"}, {"p"});
  b.AddNode("Flatten", "flat", {"p"}, {"f"});
  b.AddNode("Gemm", "head", {"f", "W"}, {"logits"});
  SaveModel(b.Build(), path);
  return path;
}

const std::string kFast = " --batch 1 --threads 1 --repetitions 2 --warmup-runs 0 --no-roofline --no-plots";

json ModelRecord(const json& results, const std::string& variant) {
  for (const auto& m : results["models"])
    if (m["variant"] == variant) return m;
  ADD_FAILURE() << "no model record for " << variant;
  return json();
}

TEST(LabFlagsCli, VerificationAsQuantizeDoesItStrictRefusesNoVerifySkips) {
  const std::string dir = testing::TempDir() + "/lab_verify";
  std::filesystem::create_directories(dir);
  const std::string model = Cancellation(dir);
  const std::string cmd = Cli() + " lab --models " + model + " --variants fp32,static" + kFast;
  // Default: verified, the collapse kept as a finding, the variant measured.
  auto r = RunCommand(cmd + " -o " + dir + "/lax");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json j = json::parse(ReadFileBytes(dir + "/lax/results.json"));
  json v = ModelRecord(j, "static")["verification"];
  EXPECT_EQ(v["performed"], true) << j["models"].dump();
  EXPECT_EQ(v["collapsed"], true) << v.dump();
  EXPECT_EQ(j["config"]["verify"], true);
  // The collapse is said where a user looks, as `qbench quantize` says it: stderr, report.md's Warnings,
  // the Models status, the stdout summary; no size or speed finding reads as a usable model.
  EXPECT_NE(r.err.find("cancel static: the quantized model's fidelity collapsed in verification (output 'd': "),
            std::string::npos) << r.err;
  EXPECT_NE(r.err.find("[verification_collapse]"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("static "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("COLLAPSED in verification: outputs unusable (see Warnings)"), std::string::npos) << r.out;
  const std::string md = ReadFileBytes(dir + "/lax/report.md");
  const std::size_t warn = md.find("## Warnings");
  ASSERT_NE(warn, std::string::npos) << md;
  EXPECT_NE(md.find("- verification_collapse: cancel static: the quantized model's fidelity collapsed", warn), std::string::npos) << md;
  // The Models row of static ends with the collapse as its status (the fp32 row stays "ok").
  const std::size_t models = md.find("## Models");
  ASSERT_NE(models, std::string::npos) << md;
  const std::size_t row = md.find("| cancel | static |", models);
  ASSERT_NE(row, std::string::npos) << md;
  const std::string line = md.substr(row, md.find('\n', row) - row);
  EXPECT_NE(line.find("| COLLAPSED in verification: outputs unusable (see Warnings) |"), std::string::npos) << line;
  const std::size_t fp32_row = md.find("| cancel | fp32 |", models);
  ASSERT_NE(fp32_row, std::string::npos) << md;
  EXPECT_EQ(md.substr(fp32_row, md.find('\n', fp32_row) - fp32_row).substr(md.find('\n', fp32_row) - fp32_row - 6), "| ok |");
  EXPECT_NE(md.find("**Collapsed, static**: the output of cancel collapsed"), std::string::npos) << md;
  EXPECT_EQ(md.find("**Size, static**"), std::string::npos) << md;
  EXPECT_EQ(md.find("**Faster with static**"), std::string::npos) << md;
  // --strict: the static variant is not made, its point fails with the reason, exit 1.
  r = RunCommand(cmd + " --strict -o " + dir + "/strict");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  j = json::parse(ReadFileBytes(dir + "/strict/results.json"));
  EXPECT_EQ(ModelRecord(j, "static")["status"], "failed") << j["models"].dump();
  EXPECT_NE(ModelRecord(j, "static")["error"].get<std::string>().find("still collapses (--strict)"), std::string::npos)
      << j["models"].dump();
  bool fp32_ok = false;
  for (const auto& p : j["points"])
    if (p["variant"] == "fp32") fp32_ok = p["status"] == "ok";
  EXPECT_TRUE(fp32_ok) << j["points"].dump();
  // --no-verify: written unverified, measured.
  r = RunCommand(cmd + " --no-verify -o " + dir + "/nv");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  j = json::parse(ReadFileBytes(dir + "/nv/results.json"));
  EXPECT_EQ(ModelRecord(j, "static")["verification"]["performed"], false) << j["models"].dump();
  EXPECT_EQ(j["config"]["verify"], false);
  // Both at once contradict each other: a usage error before anything runs.
  r = RunCommand(cmd + " --no-verify --strict --dry-run -o " + dir + "/both");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--strict"), std::string::npos) << r.err;
}

TEST(LabFlagsCli, PreprocessingFlagsReachTheDataAndArePrinted) {
  const std::string dir = testing::TempDir() + "/lab_pre";
  std::filesystem::create_directories(dir);
  // 12 raw Fashion-MNIST-style images (28×28 u8) with labels.
  std::mt19937 gen(1);
  std::string pixels(12 * 28 * 28, '\0'), labels(12, '\0');
  for (auto& p : pixels) p = static_cast<char>(gen() & 0xff);
  for (int i = 0; i < 12; ++i) labels[static_cast<std::size_t>(i)] = static_cast<char>(i % 10);
  std::ofstream(dir + "/data.u8", std::ios::binary) << pixels;
  std::ofstream(dir + "/data.labels.u8", std::ios::binary) << labels;
  const std::string base = Cli() + " lab --models zoo:mobilenet_v2 --variants fp32 --input-size 32 --eval-data " + dir +
                           "/data.u8" + kFast + " --dry-run -o " + dir + "/out";
  auto r = RunCommand(base + " --pad 3 --mean 0.5 --std 0.25");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("preprocessing: fashion-mnist at 32 px: no resize, pad 3; given: --pad 3, --mean 0.5, --std 0.25"),
            std::string::npos)
      << r.out;
  // A malformed value names its flag; the deprecated --preprocess still works.
  r = RunCommand(base + " --mean 0.5,x");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--mean '0.5,x'"), std::string::npos) << r.err;
  r = RunCommand(base + " --preprocess fashion-mnist");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("--preprocess is deprecated; use --preset"), std::string::npos) << r.err;
  // Padding by 3 makes 34×34 samples: refused before measuring, as a wrong shape is in `eval`.
  const std::string fixed = Fixed32(dir + "/fixed32.onnx");
  r = RunCommand(Cli() + " lab --models " + fixed + " --variants fp32 --eval-data " + dir + "/data.u8" + kFast +
                 " --pad 3 -o " + dir + "/run");
  EXPECT_NE(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("34"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir + "/run/results.jsonl")) << r.err;  // refused before measuring
  // The default padding (2) fits: measured, with accuracy on the 12 samples.
  r = RunCommand(Cli() + " lab --models " + fixed + " --variants fp32 --eval-data " + dir + "/data.u8" + kFast +
                 " --pad 2 -o " + dir + "/run2");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json j = json::parse(ReadFileBytes(dir + "/run2/results.json"));
  ASSERT_EQ(j["accuracy"].size(), 1u);
  EXPECT_EQ(j["accuracy"][0]["samples"], 12) << j["accuracy"].dump();
}

// F39: a variant that is not calibrated (dynamic) is verified on the study's data, as static is, not on
// generated inputs; --calibration-data without a static variant says it only feeds verification.
TEST(LabFlagsCli, UncalibratedVariantsAreVerifiedOnTheStudysData) {
  const std::string dir = testing::TempDir() + "/lab_verify_data";
  std::filesystem::create_directories(dir);
  std::mt19937 gen(2);
  std::string pixels(12 * 28 * 28, '\0');
  for (auto& p : pixels) p = static_cast<char>(gen() & 0xff);
  std::ofstream(dir + "/data.u8", std::ios::binary) << pixels;
  const std::string fixed = Fixed32(dir + "/fixed32.onnx");
  const auto r = RunCommand(Cli() + " lab --models " + fixed + " --variants fp32,dynamic --calibration-data " + dir +
                            "/data.u8 --calibration-size 4 --pad 2" + kFast + " -o " + dir + "/run");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("nothing is calibrated (the data only feeds the verification of the quantized variants)"),
            std::string::npos) << r.err;
  const json j = json::parse(ReadFileBytes(dir + "/run/results.json"));
  const std::string samples = ModelRecord(j, "dynamic")["verification"]["samples"].get<std::string>();
  EXPECT_EQ(samples.find("random input"), std::string::npos) << samples;
  EXPECT_NE(samples.find("data.u8"), std::string::npos) << samples;
}

}  // namespace
}  // namespace qbench
