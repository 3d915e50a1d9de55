// The CLI on real-world model kinds: versions ONNX Runtime cannot load, old opsets, sequence/map
// outputs in inspect and bench, training-mode BatchNormalization, already-quantized models.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "qbench/core/fs.h"
#include "qbench/model/graph_builder.h"
#include "qbench/runtime/runner.h"
#include "test_util.h"

namespace qbench {
namespace {

using testing::CliPath;
using testing::RunCommand;

std::string Save(const Model& m, const std::string& name) {
  const std::string path = testing::TempDir() + "/" + name;
  SaveModel(m, path);
  return path;
}

// x [1,4] → Gemm (2 outputs) → y; ir_version and opset as given.
Model Mlp(std::int64_t opset, std::int64_t ir) {
  GraphBuilder b("mlp", opset);
  b.AddInput("x", DType::kFloat32, {1, 4});
  b.AddOutput("y", DType::kFloat32, {1, 2});
  b.AddInitializer("w", {2, 4}, {0.1f, -0.2f, 0.3f, 0.4f, -0.5f, 0.6f, 0.7f, -0.8f});
  b.AddNode("Gemm", "fc", {"x", "w"}, {"y"}, {AttrInt("transB", 1)});
  Model m = b.Build();
  m.proto.set_ir_version(ir);
  return m;
}

int Lines(const std::string& s) { return static_cast<int>(std::count(s.begin(), s.end(), '\n')); }

TEST(CompatCli, IrVersionOrtCannotLoadIsRefusedWithNoOutput) {
  const std::string in = Save(Mlp(13, 14), "ir14.onnx");
  const std::string out = testing::TempDir() + "/q.onnx";
  for (const char* mode : {"static", "dynamic"}) {
    const auto r = RunCommand(CliPath() + " quantize " + in + " -o " + out + " --mode " + mode);
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_NE(r.err.find("has IR version 14; ONNX Runtime 1.30.0 loads at most IR version 13"), std::string::npos) << r.err;
    EXPECT_EQ(Lines(r.err), 1) << r.err;
    EXPECT_FALSE(std::filesystem::exists(out));
  }
}

TEST(CompatCli, OldOpsetIsUpgradedWithANote) {
  GraphBuilder b("up9", 9);
  b.AddInput("x", DType::kFloat32, {1, 1, 2, 2});
  b.AddOutput("y", DType::kFloat32, {1, 2, 4, 4});
  b.AddInitializer("w", {2, 1, 1, 1}, {0.5f, -1.0f});
  b.AddInitializer("scales", {4}, {1, 1, 2, 2});
  b.AddNode("Conv", "conv", {"x", "w"}, {"c"});
  b.AddNode("Upsample", "up", {"c", "scales"}, {"y"});
  const std::string in = Save(b.Build(), "up9.onnx");
  const std::string out = testing::TempDir() + "/up9_q.onnx";
  const auto r = RunCommand(CliPath() + " quantize " + in + " -o " + out + " --mode static");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("model hygiene: upgraded ai.onnx opset 9 → 13 with ONNX's version converter (Upsample → "),
            std::string::npos)
      << r.out;
  const Model q = LoadModel(out);
  EXPECT_EQ(q.OpsetVersion(), 13);
}

TEST(CompatCli, Opset6ModelOrtHasNoKernelsForIsUpgradedBeforeOrtsLoadCheck) {
  // Gemm-6 and Add-6 have no kernel in ORT 1.30 (it implements ai.onnx from opset 7): the file as
  // given does not load, the upgraded one does. Order: load → opset upgrade → ORT's check.
  GraphBuilder b("old6", 6);
  b.AddInput("x", DType::kFloat32, {1, 4});
  b.AddOutput("y", DType::kFloat32, {1, 2});
  b.AddInitializer("w", {2, 4}, {0.1f, -0.2f, 0.3f, 0.4f, -0.5f, 0.6f, 0.7f, -0.8f});
  b.AddInitializer("c", {1, 2}, {0.25f, -0.5f});  // Gemm-6 requires C
  b.AddInitializer("shift", {1, 2}, {1.0f, 2.0f});
  b.AddNode("Gemm", "fc", {"x", "w", "c"}, {"g"}, {AttrInt("transB", 1)});
  b.AddNode("Add", "plus", {"g", "shift"}, {"y"});
  const std::string in = Save(b.Build(), "old6.onnx");
  const auto bench = RunCommand(CliPath() + " bench " + in + " --warmup-runs 1 --repetitions 1 --min-time 0");
  EXPECT_EQ(bench.exit_code, 1) << bench.err;  // bench runs the file as it is: the hint says what to do
  EXPECT_NE(bench.err.find("node 'fc' (Gemm, opset 6) of '" + in + "' has no kernel in ONNX Runtime 1.30.0, which "
                           "implements ai.onnx from opset 7: upgrade the model's opset"),
            std::string::npos)
      << bench.err;
  for (const auto& [mode, opset] : {std::pair<std::string, int>{"static", 13}, {"dynamic", 11}}) {
    const std::string out = testing::TempDir() + "/old6_" + mode + ".onnx";
    const auto r = RunCommand(CliPath() + " quantize " + in + " -o " + out + " --mode " + mode);
    ASSERT_EQ(r.exit_code, 0) << mode << ": " << r.err;
    EXPECT_NE(r.out.find("upgraded ai.onnx opset 6 → " + std::to_string(opset) + " with ONNX's version converter"),
              std::string::npos)
        << r.out;
    const Model q = LoadModel(out);
    EXPECT_EQ(q.OpsetVersion(), opset) << mode;
    // x = [0.5, -0.5, 1, -1] (inside the seeded N(0, 1) calibration range): x·wᵀ = [0.05+0.1+0.3-0.4,
    // -0.25-0.3+0.7+0.8] = [0.05, 0.95]; + c + shift = [1.3, 2.45].
    HostTensor x = HostTensor::Zeros(DType::kFloat32, {1, 4});
    const float xs[4] = {0.5f, -0.5f, 1.0f, -1.0f};
    for (int i = 0; i < 4; ++i) x.data<float>()[i] = xs[i];
    const auto y = OrtRunner::Create(q, SessionConfig{})->Run({x})[0].ToFloatVector();
    ASSERT_EQ(y.size(), 2u);
    EXPECT_NEAR(y[0], 1.3f, 0.05f) << mode;
    EXPECT_NEAR(y[1], 2.45f, 0.05f) << mode;
  }
}

TEST(CompatCli, InspectShowsSequenceAndMapOutputsAndBenchTimesThem) {
  GraphBuilder b("zipmap", 13);
  b.AddOpsetImport("ai.onnx.ml", 1);
  b.AddInput("x", DType::kFloat32, {1, 3});
  b.AddOutput("probs", DType::kFloat32, {1, 3});
  b.AddNode("Softmax", "softmax", {"x"}, {"probs"}, {AttrInt("axis", 1)});
  b.AddNode("ZipMap", "zipmap", {"probs"}, {"map"}, {AttrInts("classlabels_int64s", {0, 1, 2})}, "ai.onnx.ml");
  auto* out = b.graph()->add_output();
  out->set_name("map");
  auto* map = out->mutable_type()->mutable_sequence_type()->mutable_elem_type()->mutable_map_type();
  map->set_key_type(onnx::TensorProto::INT64);
  map->mutable_value_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
  const std::string in = Save(b.Build(), "zipmap.onnx");
  const auto i = RunCommand(CliPath() + " inspect " + in);
  ASSERT_EQ(i.exit_code, 0) << i.err;
  EXPECT_NE(i.out.find("map seq(map(int64,tensor(float)))"), std::string::npos) << i.out;
  EXPECT_NE(i.out.find("probs float32 [1,3]"), std::string::npos) << i.out;
  const auto bench = RunCommand(CliPath() + " bench " + in + " --warmup-runs 2 --repetitions 5 --min-time 0");
  EXPECT_EQ(bench.exit_code, 0) << bench.err;
  EXPECT_NE(bench.out.find("\nzipmap      1 "), std::string::npos) << bench.out;  // the model's row, batch 1
}

TEST(CompatCli, InspectFlagsTrainingModeBatchNorm) {
  GraphBuilder b("bn", 15);
  b.AddInput("x", DType::kFloat32, {2, 2});
  b.AddOutput("y", DType::kFloat32, {2, 2});
  for (const char* p : {"s", "b", "m", "v"}) b.AddInitializer(p, {2}, {1.0f, 0.5f});
  b.AddNode("BatchNormalization", "bn1", {"x", "s", "b", "m", "v"}, {"y", "rm", "rv"}, {AttrInt("training_mode", 1)});
  const std::string in = Save(b.Build(), "bn.onnx");
  const auto r = RunCommand(CliPath() + " inspect " + in);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("node 'bn1' (BatchNormalization) is in training mode"), std::string::npos) << r.err;
}

TEST(CompatCli, ZooInt8ModelIsAlreadyQuantizedInEveryMode) {
  QBENCH_REQUIRE_SHARED(model, "models/imagenet/mobilenetv2-12-int8.onnx");
  const std::string out = testing::TempDir() + "/int8_again.onnx";
  for (const char* mode : {"static", "dynamic"}) {
    const auto r = RunCommand(CliPath() + " quantize '" + model + "' -o " + out + " --mode " + mode);
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_NE(r.err.find("is already quantized (int8 QOperator"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("opset"), std::string::npos) << r.err;
    EXPECT_EQ(Lines(r.err), 1) << r.err;
    EXPECT_FALSE(std::filesystem::exists(out));
  }
}

}  // namespace
}  // namespace qbench
