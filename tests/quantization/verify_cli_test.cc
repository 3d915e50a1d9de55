// `qbench quantize` verifies before exit (docs/verification.md): a model ORT cannot load is refused
// with one line and no file; a collapse is fixed by keeping the named node fp32 (static: through the
// QDQ pairs; dynamic: through the fp32/quantized tensors matched by name); --strict; --no-verify;
// the numbers in --report.
#include <gtest/gtest.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "qbench/core/fs.h"
#include "qbench/model/graph_builder.h"
#include "quant_test_util.h"
#include "test_util.h"

namespace qbench {
namespace {

using nlohmann::json;
using testing::CliPath;
using testing::RunCommand;

bool Exists(const std::string& p) { return ::access(p.c_str(), F_OK) == 0; }

// x [N,4] → Gemm 'head' (B: columns 0–3 ~ ±50, columns 4–7 ~ ±0.05) → y [N,8] → Flatten → out.
// Static: y's one per-tensor scale rounds columns 4–7 to zero. Dynamic: B's one per-tensor weight
// scale (50/127) rounds columns 4–7 of B to zero. Either way a slice of 'out' collapses.
std::string WideColumns(const std::string& dir) {
  GraphBuilder b("wide_columns");
  b.AddInput("x", DType::kFloat32, {"N", 4});
  b.AddOutput("out", DType::kFloat32, {"N", 8});
  std::vector<float> w = testing::RandomValues(32, 7);
  for (int r = 0; r < 4; ++r)
    for (int c = 0; c < 8; ++c) w[static_cast<std::size_t>(r * 8 + c)] *= c < 4 ? 50.0f : 0.05f;
  b.AddInitializer("B", {4, 8}, w);
  b.AddNode("Gemm", "head", {"x", "B"}, {"y"});
  b.AddNode("Flatten", "flat", {"y"}, {"out"}, {AttrInt("axis", 1)});
  SaveModel(b.Build(), dir + "/wide.onnx");
  return dir + "/wide.onnx";
}

// d = Gemm(x, B1) − Gemm(x, B2), B2 = B1 + 1e-3: cancellation that no single tensor explains.
std::string Cancellation(const std::string& dir) {
  SaveModel(testing::CancellationModel(), dir + "/cancel.onnx");
  return dir + "/cancel.onnx";
}

TEST(VerifyCli, ModelOrtCannotLoadExitsOneWithNothingWritten) {
  const std::string dir = testing::TempDir();
  const std::string model = WideColumns(dir);
  const auto r = RunCommand("QBENCH_TEST_INJECT_FAULT=head " + CliPath() + " quantize " + model + " -o " + dir +
                            "/q.onnx --mode static --json " + dir + "/r.json");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_FALSE(Exists(dir + "/q.onnx"));
  EXPECT_FALSE(Exists(dir + "/r.json"));
  EXPECT_TRUE(Exists(dir + "/q.rejected.onnx"));
  // One error line, naming the node and what ORT refused.
  const auto pos = r.err.find("qbench: error: ");
  ASSERT_NE(pos, std::string::npos) << r.err;
  const std::string line = r.err.substr(pos, r.err.find('\n', pos) - pos);
  EXPECT_NE(line.find("does not load"), std::string::npos) << line;
  EXPECT_NE(line.find("node 'head'"), std::string::npos) << line;
  EXPECT_NE(line.find("QbenchInjectedFault"), std::string::npos) << line;
  EXPECT_NE(line.find("q.rejected.onnx"), std::string::npos) << line;
  EXPECT_EQ(r.err.find('\n', pos), r.err.size() - 1) << "the error is the last and only error line: " << r.err;
}

TEST(VerifyCli, StaticSliceCollapseKeepsTheGemmFp32AndReportsRealNumbers) {
  const std::string dir = testing::TempDir();
  const std::string model = WideColumns(dir);
  const auto r = RunCommand(CliPath() + " quantize " + model + " -o " + dir + "/q.onnx --mode static --json " + dir + "/r.json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("kept fp32 (round 1): head (Gemm)"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("[verification_fallback]"), std::string::npos) << r.err;
  const json j = json::parse(ReadFileBytes(dir + "/r.json"));
  const json& v = j["verification"];
  EXPECT_TRUE(v["performed"].get<bool>());
  EXPECT_FALSE(v["collapsed"].get<bool>());
  EXPECT_EQ(v["batches"], 16);
  ASSERT_EQ(v["kept_fp32"].size(), 1u);
  EXPECT_EQ(v["kept_fp32"][0]["node"], "head");
  EXPECT_EQ(v["kept_fp32"][0]["tensor"], "y");
  ASSERT_EQ(v["outputs"].size(), 1u);
  EXPECT_EQ(v["outputs"][0]["name"], "out");
  // With 'head' fp32 nothing else is quantized (Flatten follows it), so the output is fp32's exactly.
  EXPECT_EQ(v["outputs"][0]["sqnr_db"], "inf");
  EXPECT_DOUBLE_EQ(v["outputs"][0]["cosine"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(v["outputs"][0]["top1_agreement"].get<double>(), 1.0);  // [N, 8] reads as class scores
  // Pass 1 named the collapsed columns.
  EXPECT_NE(v["rounds"][0].get<std::string>().find("columns 4-7 of 8 (axis 1)"), std::string::npos) << v["rounds"];
  for (const auto& n : j["nodes"])
    if (n["name"] == "head") EXPECT_FALSE(n["quantized"].get<bool>());
}

TEST(VerifyCli, DynamicWeightCollapseIsFoundByTensorsMatchedByName) {
  const std::string dir = testing::TempDir();
  const std::string model = WideColumns(dir);
  const auto r = RunCommand(CliPath() + " quantize " + model + " -o " + dir + "/d.onnx --mode dynamic --json " + dir + "/d.json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json v = json::parse(ReadFileBytes(dir + "/d.json"))["verification"];
  ASSERT_EQ(v["kept_fp32"].size(), 1u) << v.dump();
  EXPECT_EQ(v["kept_fp32"][0]["node"], "head");
  EXPECT_FALSE(v["collapsed"].get<bool>());
  EXPECT_EQ(v["outputs"][0]["sqnr_db"], "inf");  // the only quantizable node is fp32 again
  EXPECT_NE(v["kept_fp32"][0]["reason"].get<std::string>().find("against fp32"), std::string::npos) << v.dump();
}

TEST(VerifyCli, StrictRefusesARemainingCollapseAndNoVerifySkips) {
  const std::string dir = testing::TempDir();
  const std::string model = Cancellation(dir);
  auto r = RunCommand(CliPath() + " quantize " + model + " -o " + dir + "/lax.onnx --mode static --json " + dir + "/lax.json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("[verification_collapse]"), std::string::npos) << r.err;
  const json v = json::parse(ReadFileBytes(dir + "/lax.json"))["verification"];
  EXPECT_TRUE(v["collapsed"].get<bool>());
  EXPECT_LT(v["outputs"][0]["sqnr_db"].get<double>(), 15.0);

  r = RunCommand(CliPath() + " quantize " + model + " -o " + dir + "/strict.onnx --mode static --strict");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("still collapses (--strict)"), std::string::npos) << r.err;
  EXPECT_FALSE(Exists(dir + "/strict.onnx"));

  r = RunCommand(CliPath() + " quantize " + model + " -o " + dir + "/nv.onnx --mode static --no-verify --json " + dir + "/nv.json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(Exists(dir + "/nv.onnx"));
  EXPECT_NE(r.out.find("verification: not performed (--no-verify)"), std::string::npos) << r.out;
  EXPECT_EQ(r.err.find("verifying"), std::string::npos) << r.err;
  const json nv = json::parse(ReadFileBytes(dir + "/nv.json"))["verification"];
  EXPECT_FALSE(nv["performed"].get<bool>());
  EXPECT_TRUE(nv["outputs"].empty());
}

}  // namespace
}  // namespace qbench
