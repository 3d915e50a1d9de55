// `qbench quantize --mode fp16` end to end: the file is written after ORT ran it against fp32
// (verification), about half the input's size, float16 inside; refusals of flags that do not apply.
#include <gtest/gtest.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "qbench/core/fs.h"
#include "qbench/model/graph_builder.h"
#include "qbench/model/model.h"
#include "test_util.h"

namespace qbench {
namespace {

using nlohmann::json;
using testing::CliPath;
using testing::RunCommand;

std::vector<float> Ramp(std::int64_t n, float scale) {
  std::vector<float> v(static_cast<size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) v[static_cast<size_t>(i)] = scale * static_cast<float>((i * 37) % 101 - 50) / 50.0f;
  return v;
}

// x [N,16] → fc1 (MatMul 16x512) → Relu → fc2 (MatMul 512x10) → y: 13,312 weights, most of the file.
std::string TwoLayerMlp(const std::string& dir) {
  GraphBuilder b("mlp");
  b.AddInput("x", DType::kFloat32, {"N", 16});
  b.AddOutput("y", DType::kFloat32, {"N", 10});
  b.AddInitializer("w1", {16, 512}, Ramp(16 * 512, 0.3f));
  b.AddInitializer("w2", {512, 10}, Ramp(5120, 0.1f));
  b.AddNode("MatMul", "fc1", {"x", "w1"}, {"h"});
  b.AddNode("Relu", "relu", {"h"}, {"r"});
  b.AddNode("MatMul", "fc2", {"r", "w2"}, {"y"});
  const std::string path = dir + "/mlp.onnx";
  SaveModel(b.Build(), path);
  return path;
}

TEST(Fp16Cli, QuantizeVerifiesAndHalvesTheFile) {
  const std::string dir = testing::TempDir();
  const std::string in = TwoLayerMlp(dir);
  const auto r = RunCommand(CliPath() + " quantize " + in + " -o " + dir + "/h.onnx --mode fp16 --json " + dir + "/r.json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("scheme: fp16"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("int8 share"), std::string::npos) << r.out;  // no integer kernels to count
  EXPECT_EQ(r.out.find("weight range:"), std::string::npos) << r.out;
  const json j = json::parse(ReadFileBytes(dir + "/r.json"));
  EXPECT_EQ(j["scheme"], "fp16");
  const json& v = j["verification"];
  EXPECT_TRUE(v["performed"].get<bool>());
  EXPECT_FALSE(v["collapsed"].get<bool>());
  ASSERT_EQ(v["outputs"].size(), 1u);
  EXPECT_GE(v["outputs"][0]["sqnr_db"].get<double>(), 45.0);  // float16 rounding only
  EXPECT_EQ(v["outputs"][0]["top1_agreement"].get<double>(), 1.0);
  const double ratio = double(FileSizeBytes(dir + "/h.onnx")) / double(FileSizeBytes(in));
  EXPECT_GT(ratio, 0.49);
  EXPECT_LT(ratio, 0.52);
  const Model out = LoadModel(dir + "/h.onnx");
  for (const auto& t : out.proto.graph().initializer()) EXPECT_EQ(t.data_type(), 10) << t.name();  // FLOAT16
  EXPECT_EQ(out.proto.graph().input(0).type().tensor_type().elem_type(), 1);  // float32 edges
  EXPECT_EQ(out.proto.graph().output(0).type().tensor_type().elem_type(), 1);
}

TEST(Fp16Cli, FlagsThatDoNotApplyAreRefusedOrIgnoredInOneLine) {
  const std::string dir = testing::TempDir();
  const std::string in = TwoLayerMlp(dir);
  auto r = RunCommand(CliPath() + " quantize " + in + " -o " + dir + "/a.onnx --mode fp16 --activation-type s8");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--activation-type does not apply to --mode fp16: its activations are fp16, not quantized"),
            std::string::npos) << r.err;
  r = RunCommand(CliPath() + " quantize " + in + " -o " + dir + "/b.onnx --mode fp16 --per-channel");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--per-channel/--per-tensor do not apply to --mode fp16"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir + "/a.onnx"));
  EXPECT_FALSE(std::filesystem::exists(dir + "/b.onnx"));
  r = RunCommand(CliPath() + " quantize " + in + " -o " + dir + "/c.onnx --mode fp16 --calibration-data " + dir + "/none.npy");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("--calibration-data is ignored by --mode fp16 (its activations are fp16, not quantized)"),
            std::string::npos) << r.err;
}

}  // namespace
}  // namespace qbench
