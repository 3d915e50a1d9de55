// `qbench quantize` on an attention block with an additive -1e9 mask: the range rule's note is on
// stdout, its warning on stderr, and both (plus the node's reason) in the --json report.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>

#include "qbench/core/fs.h"
#include "qbench/model/graph_builder.h"
#include "test_util.h"

namespace qbench {
namespace {

std::vector<float> Uniform(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(-0.5f, 0.5f);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

// x [1, 8, 16] → scores = (x·Wq)·(x·Wk)ᵀ → + causal mask (-1e9 above the diagonal) → Softmax → ·x → y.
Model MaskedAttention() {
  GraphBuilder b("masked_attention");
  b.AddInput("x", DType::kFloat32, {1, 8, 16});
  b.AddOutput("y", DType::kFloat32, {1, 8, 16});
  b.AddInitializer("wq", {16, 16}, Uniform(256, 1));
  b.AddInitializer("wk", {16, 16}, Uniform(256, 2));
  std::vector<float> mask(64, 0.0f);
  for (int i = 0; i < 8; ++i)
    for (int j = i + 1; j < 8; ++j) mask[static_cast<std::size_t>(i * 8 + j)] = -1e9f;
  b.AddInitializer("mask", {1, 8, 8}, mask);
  b.AddNode("MatMul", "q_proj", {"x", "wq"}, {"q"});
  b.AddNode("MatMul", "k_proj", {"x", "wk"}, {"k"});
  b.AddNode("Transpose", "k_t", {"k"}, {"kt"}, {AttrInts("perm", {0, 2, 1})});
  b.AddNode("MatMul", "scores", {"q", "kt"}, {"s"});
  b.AddNode("Add", "add_mask", {"s", "mask"}, {"masked"});
  b.AddNode("Softmax", "softmax", {"masked"}, {"p"}, {AttrInt("axis", -1)});
  b.AddNode("MatMul", "context", {"p", "x"}, {"y"});
  return b.Build();
}

TEST(QuantizeCli, AttentionMaskNoteInOutputAndReport) {
  const std::string dir = testing::TempDir();
  SaveModel(MaskedAttention(), dir + "/attn.onnx");
  const auto r = testing::RunCommand(testing::CliPath() + " quantize " + dir + "/attn.onnx -o " + dir +
                                     "/q.onnx --calibration-method minmax --calibration-size 8 --json " + dir + "/r.json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("note: 2 tensor(s) kept fp32: calibrated values reach |x| >= 65504"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("[sentinel_range]"), std::string::npos) << r.err;
  const auto j = nlohmann::json::parse(ReadFileBytes(dir + "/r.json"));
  bool warned = false;
  for (const auto& w : j["warnings"]) warned = warned || w["code"] == "sentinel_range";
  EXPECT_TRUE(warned);
  int checked = 0;
  for (const auto& n : j["nodes"]) {
    if (n["name"] == "add_mask") {
      EXPECT_FALSE(n["quantized"].get<bool>());
      EXPECT_NE(n["reason"].get<std::string>().find("spans [-1e+09"), std::string::npos) << n["reason"];
      ++checked;
    } else if (n["name"] == "scores" || n["name"] == "context") {
      EXPECT_TRUE(n["quantized"].get<bool>()) << n["name"];
      ++checked;
    }
  }
  EXPECT_EQ(checked, 3);
}

}  // namespace
}  // namespace qbench
