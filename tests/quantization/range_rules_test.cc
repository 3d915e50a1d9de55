// Ranges the static scheme must not quantize as they come (docs/quantization.md): additive attention
// masks and the Softmax inputs behind them (detection heads and the rest: range_rules_heads_test.cc).
// Tiny models built in code, quantized with every calibrator, run in ORT against fp32.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <set>
#include <stdexcept>

#include "range_rules_test_util.h"

namespace qbench {
namespace {

using namespace range_rules_test;  // NOLINT(google-build-using-namespace): the shared helpers of these tests
using testing::RandomTensor;
using testing::RandomValues;
// mask_first: masked = (q·kᵀ + mask)·0.25 instead, so the Softmax reads the Mul.
Model Attention(float mask_value, bool mask_is_input, bool mask_first = false) {
  GraphBuilder b("attention");
  b.AddInput("x", DType::kFloat32, {1, 8, 16});
  if (mask_is_input) b.AddInput("mask", DType::kFloat32, {1, 8, 8});
  b.AddOutput("y", DType::kFloat32, {1, 8, 16});
  b.AddInitializer("wq", {16, 16}, RandomValues(256, 11, -0.5f, 0.5f));
  b.AddInitializer("wk", {16, 16}, RandomValues(256, 12, -0.5f, 0.5f));
  b.AddInitializer("wv", {16, 16}, RandomValues(256, 13, -0.5f, 0.5f));
  b.AddInitializer("wo", {16, 16}, RandomValues(256, 14, -0.5f, 0.5f));
  b.AddInitializer("inv_sqrt_d", {}, {0.25f});
  if (!mask_is_input) {
    std::vector<float> mask(64);
    for (int i = 0; i < 8; ++i)
      for (int j = 0; j < 8; ++j) mask[static_cast<size_t>(i * 8 + j)] = j > i ? mask_value : 0.0f;
    b.AddInitializer("mask", {1, 8, 8}, mask);
  }
  b.AddNode("MatMul", "q_proj", {"x", "wq"}, {"q"});
  b.AddNode("MatMul", "k_proj", {"x", "wk"}, {"k"});
  b.AddNode("MatMul", "v_proj", {"x", "wv"}, {"v"});
  b.AddNode("Transpose", "k_t", {"k"}, {"kt"}, {AttrInts("perm", {0, 2, 1})});
  b.AddNode("MatMul", "scores", {"q", "kt"}, {"s"});
  if (mask_first) {
    b.AddNode("Add", "add_mask", {"s", "mask"}, {"s_masked"});
    b.AddNode("Mul", "scale", {"s_masked", "inv_sqrt_d"}, {"masked"});
  } else {
    b.AddNode("Mul", "scale", {"s", "inv_sqrt_d"}, {"s_scaled"});
    b.AddNode("Add", "add_mask", {"s_scaled", "mask"}, {"masked"});
  }
  b.AddNode("Softmax", "softmax", {"masked"}, {"p"}, {AttrInt("axis", -1)});
  b.AddNode("MatMul", "context", {"p", "v"}, {"ctx"});
  b.AddNode("MatMul", "out_proj", {"ctx", "wo"}, {"y"});
  return b.Build();
}

HostTensor CausalMask(float value) {
  HostTensor m = HostTensor::Zeros(DType::kFloat32, {1, 8, 8});
  for (int i = 0; i < 8; ++i)
    for (int j = i + 1; j < 8; ++j) m.data<float>()[i * 8 + j] = value;
  return m;
}

// Output SQNR bound for the attention block: each quantized tensor (x, q, k, v, scores, p, ctx; u8
// over its calibrated range) adds noise ~40 dB below a Gaussian-like signal clipped at ~4σ
// (6.02·8 + 1.76 − 20·log10(4) ≈ 38 dB); seven such sources add up to ~38 − 10·log10(7) ≈ 30 dB,
// and clipping calibrators (percentile, entropy, mse) lose a little more. 22 dB leaves that margin
// and is far above what the mask's range gives: quantized over [-1e9, x], every real logit becomes
// the same value and the Softmax turns uniform over the unmasked keys (8.6 dB here with every calibrator; ≈ 30 dB with the rule).
constexpr double kAttentionSqnrDb = 22.0;

TEST(RangeRules, AttentionMaskNeverQuantizesTheSoftmaxInput) {
  struct Variant {
    float mask_value;
    bool mask_is_input;
    bool mask_first;
    std::vector<const char*> warnings;  // the rules that must fire
  };
  const std::vector<Variant> variants = {
      {-1e9f, false, false, {"sentinel_range"}},
      {std::numeric_limits<float>::lowest(), false, false, {"sentinel_range"}},
      {-1e9f, true, false, {"sentinel_range"}},
      // -inf (nn.Transformer's square subsequent mask): calibrators skip it, the data extent keeps it.
      {-std::numeric_limits<float>::infinity(), false, false, {"sentinel_range"}},
      {-std::numeric_limits<float>::infinity(), true, false, {"sentinel_range"}},
      {-1e4f, true, false, {"softmax_input_range"}},  // BERT's mask: below the sentinel bound, caught at the Softmax
      // (q·kᵀ + mask)·0.25: the mask Add is a join of ranges 1e4 apart, the Mul feeds the Softmax.
      {-1e4f, true, true, {"join_ranges_differ", "softmax_input_range"}},
  };
  for (const auto& v : variants) {
    const Model m = Attention(v.mask_value, v.mask_is_input, v.mask_first);
    std::vector<std::vector<HostTensor>> data;
    for (std::uint32_t s = 0; s < 6; ++s) {
      data.push_back({RandomTensor({1, 8, 16}, 100 + s, -1.0f, 1.0f)});
      if (v.mask_is_input) data.back().push_back(CausalMask(v.mask_value));
    }
    std::vector<HostTensor> test = {RandomTensor({1, 8, 16}, 200)};
    if (v.mask_is_input) test.push_back(CausalMask(v.mask_value));
    const auto ref = testing::RunModel(m, test)[0].ToFloatVector();
    for (CalibrationMethod method : kMethods) {
      SCOPED_TRACE(std::string(CalibrationMethodName(method)) + " mask " + std::to_string(v.mask_value) +
                   (v.mask_is_input ? " (input)" : " (constant)") + (v.mask_first ? " before the scale" : ""));
      const QuantizeResult r = Quantize(m, method, data);
      const auto quantized = QuantizedTensors(r.model);
      // The Softmax reads the Add's fp32 output: no Q/DQ on it or on the mask, the Add stays float.
      EXPECT_EQ(quantized.count("masked"), 0u);
      EXPECT_EQ(quantized.count("mask"), 0u);
      EXPECT_EQ(testing::ProducerOf(r.model, "masked")->op_type(), v.mask_first ? "Mul" : "Add");
      EXPECT_EQ(quantized.count("s_masked"), 0u);
      const NodeDecision& add = Decision(r.report, "add_mask");
      EXPECT_FALSE(add.quantized);
      EXPECT_NE(add.reason.find("kept fp32"), std::string::npos) << add.reason;
      for (const char* w : v.warnings) EXPECT_TRUE(HasWarning(r.report, w)) << w;
      // The real work stays int8: the projections and both attention MatMuls.
      for (const char* n : {"q_proj", "k_proj", "v_proj", "scores", "context", "out_proj"}) EXPECT_TRUE(Decision(r.report, n).quantized) << n;
      EXPECT_TRUE(quantized.count(v.mask_first ? "s" : "s_scaled"));
      if (v.mask_first) EXPECT_FALSE(Decision(r.report, "scale").quantized);
      ExpectFiniteScales(r.model);
      EXPECT_NO_THROW(testing::RunModel(r.model, test));  // the file as written runs too
      const double sqnr = SqnrDb(ref, RunQuantized(r.model, test)[0].ToFloatVector());
      EXPECT_GE(sqnr, kAttentionSqnrDb);
    }
  }
}

// The thresholds at their edges, with hand-made ranges (no calibration): a tensor whose values
// reach |x| = 65504 is a sentinel, 65000 is not; a Softmax input 63 wide (step 0.247) is
// quantized, 64 wide (step 0.251) is not.
TEST(RangeRules, SentinelAndSoftmaxThresholds) {
  GraphBuilder b("edges");
  b.AddInput("x", DType::kFloat32, {1, 4});
  b.AddInput("bias", DType::kFloat32, {1, 4});
  b.AddOutput("y", DType::kFloat32, {1, 4});
  b.AddOutput("z", DType::kFloat32, {1, 4});
  b.AddNode("Add", "add", {"x", "bias"}, {"a"});
  b.AddNode("Softmax", "softmax", {"a"}, {"y"}, {AttrInt("axis", -1)});
  b.AddNode("Mul", "mul", {"x", "bias"}, {"m"});
  b.AddNode("Mul", "mul2", {"m", "x"}, {"z"});
  const Model m = b.Build();
  auto run = [&](float a_lo, float m_lo) {
    CalibrationTable t;
    t["x"] = {-31, 1};  // Add inputs 32 and 31 wide: the join rule is satisfied (≥ 123 of 255 steps)
    t["bias"] = {-31, 0};
    t["a"] = {a_lo, 1};
    t["m"] = {m_lo, 1};
    WarningList w;
    QuantizeOptions o;
    return QuantizeModelWithRanges(m, o, t, &w);
  };
  const QuantizeResult inside = run(-62.0f, -65000.0f);  // Softmax input 63 wide; |m| < 65504
  EXPECT_TRUE(Decision(inside.report, "add").quantized) << Decision(inside.report, "add").reason;
  EXPECT_TRUE(Decision(inside.report, "mul").quantized) << Decision(inside.report, "mul").reason;
  const QuantizeResult outside = run(-63.0f, -65504.0f);  // 64 wide; |m| = 65504
  EXPECT_FALSE(Decision(outside.report, "add").quantized);
  EXPECT_NE(Decision(outside.report, "add").reason.find("feeds Softmax"), std::string::npos);
  EXPECT_FALSE(Decision(outside.report, "mul").quantized);
  EXPECT_FALSE(Decision(outside.report, "mul2").quantized);
  EXPECT_NE(Decision(outside.report, "mul").reason.find("65504"), std::string::npos);
  EXPECT_TRUE(HasWarning(outside.report, "softmax_input_range"));
  EXPECT_TRUE(HasWarning(outside.report, "sentinel_range"));
}

// x [1, 8] → MatMul(W) → Relu → Softmax with logits 100 wide: the Relu output (folded into the
// MatMul's range, so calibrated under its name only) is kept fp32, and so is the MatMul's own
// output, which has no range; the MatMul stays int8 with a float output, the Relu runs in float.
TEST(RangeRules, WideLogitsBehindAFoldedReluKeepTheMatMulInt8) {
  GraphBuilder b("logits");
  b.AddInput("x", DType::kFloat32, {1, 8});
  b.AddOutput("p", DType::kFloat32, {1, 4});
  b.AddInitializer("w", {8, 4}, RandomValues(32, 91, -20, 20));
  b.AddNode("MatMul", "fc", {"x", "w"}, {"mm"});
  b.AddNode("Relu", "relu", {"mm"}, {"r"});
  b.AddNode("Softmax", "softmax", {"r"}, {"p"}, {AttrInt("axis", -1)});
  const Model m = b.Build();
  CalibrationTable t;
  t["x"] = {-1, 1};
  t["r"] = {0, 100};  // step 0.39 > 0.25
  WarningList w;
  const QuantizeResult r = QuantizeModelWithRanges(m, QuantizeOptions{}, t, &w);
  EXPECT_TRUE(Decision(r.report, "fc").quantized);
  EXPECT_FALSE(Decision(r.report, "relu").quantized);
  EXPECT_NE(Decision(r.report, "relu").reason.find("feeds Softmax"), std::string::npos) << Decision(r.report, "relu").reason;
  const auto q = QuantizedTensors(r.model);
  EXPECT_EQ(q, std::set<std::string>{"x"});
  // Logit noise ~0.1 (x step 2/255 and w step 40/254 over 8 terms) on logits tens apart: the
  // probabilities stay near one-hot, so ≥ 25 dB.
  const HostTensor x = RandomTensor({1, 8}, 92);
  EXPECT_GE(SqnrDb(testing::RunModel(m, {x})[0].ToFloatVector(), RunQuantized(r.model, {x})[0].ToFloatVector()), 25.0);
}

// Detection head on features f [1, 20, 8]: boxes = Sigmoid(f·Wb)·640 (pixels, [0, 640]),
// conf = Sigmoid(f·Wo)·Sigmoid(f·Wc) (objectness × class, [0, 1]), det = Concat(boxes, conf) [1, 20, 6].

}  // namespace
}  // namespace qbench
