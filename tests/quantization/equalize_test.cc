// Cross-layer equalization and empirical bias correction (Nagel et al., ICCV 2019) on tiny models
// built in code: hand-computed scales and biases, fp32 outputs unchanged, per-tensor int8 SQNR.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "qbench/core/error.h"
#include "qbench/model/graph_builder.h"
#include "qbench/quantization/bias_correction.h"
#include "qbench/quantization/equalize.h"
#include "qbench/quantization/quantizer.h"
#include "quant_test_util.h"

namespace qbench {
namespace {

using testing::RandomTensor;
using testing::RandomValues;

std::vector<float> Weights(const Model& m, const std::string& name) { return testing::InitializerTensor(m, name).ToFloatVector(); }

double MaxAbsDiff(const std::vector<float>& a, const std::vector<float>& b) {
  double d = 0;
  for (size_t i = 0; i < a.size(); ++i) d = std::max(d, std::fabs(static_cast<double>(a[i]) - b[i]));
  return d;
}

// x [N,1,4,4] → conv1 (2 out, 1x1) → `act` → conv2 (1 out, 1x1) → y. act: "Relu", "Relu6" (Clip 0..6) or "".
Model TwoChannelPair(const std::string& act) {
  GraphBuilder b("pair");
  b.AddInput("x", DType::kFloat32, {"N", 1, 4, 4});
  b.AddOutput("y", DType::kFloat32, {"N", 1, 4, 4});
  b.AddInitializer("w1", {2, 1, 1, 1}, {2.0f, 0.5f});
  b.AddInitializer("b1", {2}, {0.4f, -0.2f});
  b.AddInitializer("w2", {1, 2, 1, 1}, {1.0f, 4.0f});
  b.AddInitializer("b2", {1}, {0.1f});
  b.AddNode("Conv", "conv1", {"x", "w1", "b1"}, {"c1"});
  std::string mid = "c1";
  if (act == "Relu") {
    b.AddNode("Relu", "relu", {"c1"}, {"a1"});
    mid = "a1";
  } else if (act == "Relu6") {
    b.AddInitializer("lo", {}, {0.0f});
    b.AddInitializer("hi", {}, {6.0f});
    b.AddNode("Clip", "relu6", {"c1", "lo", "hi"}, {"a1"});
    mid = "a1";
  }
  b.AddNode("Conv", "conv2", {mid, "w2", "b2"}, {"y"});
  return b.Build();
}

TEST(EqualizeTest, ScalesAreHandComputed) {
  // s = sqrt(r1·r2)/r2: sqrt(2·1)/1 = √2, sqrt(0.5·4)/4 = √2/4; a zero range keeps 1.
  const auto s = EqualizationScales({2.0f, 0.5f, 0.0f}, {1.0f, 4.0f, 3.0f});
  ASSERT_EQ(s.size(), 3u);
  EXPECT_NEAR(s[0], std::sqrt(2.0), 1e-6);
  EXPECT_NEAR(s[1], std::sqrt(2.0) / 4, 1e-6);
  EXPECT_EQ(s[2], 1.0f);
  // A near-dead channel (range 1e-5 of its layer's largest: its output is its bias) keeps 1, as
  // does one the next layer nearly ignores; the others are equalized as before.
  const auto dead = EqualizationScales({2.0f, 2e-5f, 0.5f}, {1.0f, 1.0f, 4.0f});
  EXPECT_NEAR(dead[0], std::sqrt(2.0), 1e-6);
  EXPECT_EQ(dead[1], 1.0f);
  EXPECT_NEAR(dead[2], std::sqrt(2.0) / 4, 1e-6);
  EXPECT_EQ(EqualizationScales({2.0f, 1.0f}, {1.0f, 1e-4f})[1], 1.0f);
}

TEST(EqualizeTest, TwoChannelPairIsEqualizedExactly) {
  const Model m = TwoChannelPair("Relu");
  EqualizeReport rep;
  const Model eq = EqualizeCrossLayer(m, {}, &rep);
  ASSERT_EQ(rep.pairs.size(), 1u);
  EXPECT_EQ(rep.pairs[0].first, "conv1");
  EXPECT_EQ(rep.pairs[0].second, "conv2");
  EXPECT_EQ(rep.pairs[0].activation, "Relu");
  EXPECT_DOUBLE_EQ(rep.worst_ratio_before, 8.0);  // channel 1: 4 / 0.5
  EXPECT_NEAR(rep.worst_ratio_after, 1.0, 1e-5);
  // W1 / s = {2/√2, 0.5/(√2/4)} = {√2, √2}; W2 · s = {√2, √2}; b1 / s = {0.4/√2, −0.2·4/√2}.
  const double r2 = std::sqrt(2.0);
  const auto w1 = Weights(eq, "w1"), w2 = Weights(eq, "w2"), b1 = Weights(eq, "b1");
  EXPECT_NEAR(w1[0], r2, 1e-6);
  EXPECT_NEAR(w1[1], r2, 1e-6);
  EXPECT_NEAR(w2[0], r2, 1e-6);
  EXPECT_NEAR(w2[1], r2, 1e-6);
  EXPECT_NEAR(b1[0], 0.4 / r2, 1e-6);
  EXPECT_NEAR(b1[1], -0.8 / r2, 1e-6);
  EXPECT_NEAR(Weights(eq, "b2")[0], 0.1f, 1e-7);  // the second layer's bias is untouched
  const HostTensor x = RandomTensor({2, 1, 4, 4}, 7, -3.0f, 3.0f);
  EXPECT_LT(MaxAbsDiff(testing::RunModel(m, {x})[0].ToFloatVector(), testing::RunModel(eq, {x})[0].ToFloatVector()), 1e-5);
  EXPECT_EQ(Weights(m, "w1")[0], 2.0f);  // the input is not modified
}

TEST(EqualizeTest, Relu6PairOnlyWhenAskedAndThenAsRelu) {
  const Model m = TwoChannelPair("Relu6");
  EqualizeReport rep;
  const Model same = EqualizeCrossLayer(m, {}, &rep);
  EXPECT_TRUE(rep.pairs.empty());
  EXPECT_EQ(Weights(same, "w1"), (std::vector<float>{2.0f, 0.5f}));
  EXPECT_EQ(testing::OpCounts(same).at("Clip"), 1);
  EqualizeOptions o;
  o.relu6_as_relu = true;
  const Model eq = EqualizeCrossLayer(m, o, &rep);
  ASSERT_EQ(rep.pairs.size(), 1u);
  EXPECT_EQ(rep.clips_replaced, 1);
  EXPECT_EQ(rep.pairs[0].activation, "Clip(0,6)->Relu");
  EXPECT_EQ(testing::OpCounts(eq).count("Clip"), 0u);
  EXPECT_EQ(testing::OpCounts(eq).at("Relu"), 1);
  EXPECT_NEAR(Weights(eq, "w1")[1], std::sqrt(2.0), 1e-6);
  // Below the clip (conv1 outputs ≤ 6) the function is the same.
  const HostTensor x = RandomTensor({1, 1, 4, 4}, 3, -1.0f, 1.0f);
  EXPECT_LT(MaxAbsDiff(testing::RunModel(m, {x})[0].ToFloatVector(), testing::RunModel(eq, {x})[0].ToFloatVector()), 1e-5);
}

TEST(EqualizeTest, BranchesAndSharedWeightsAreLeftAlone) {
  GraphBuilder b("branch");
  b.AddInput("x", DType::kFloat32, {1, 1, 4, 4});
  b.AddOutput("y", DType::kFloat32, {1, 1, 4, 4});
  b.AddOutput("z", DType::kFloat32, {1, 2, 4, 4});
  b.AddInitializer("w1", {2, 1, 1, 1}, {2.0f, 0.5f});
  b.AddInitializer("w2", {1, 2, 1, 1}, {1.0f, 4.0f});
  b.AddNode("Conv", "conv1", {"x", "w1"}, {"c1"});
  b.AddNode("Relu", "relu", {"c1"}, {"z"});  // relu output is a graph output as well: a branch
  b.AddNode("Conv", "conv2", {"z", "w2"}, {"y"});
  EqualizeReport rep;
  EqualizeCrossLayer(b.Build(), {}, &rep);
  EXPECT_TRUE(rep.pairs.empty()) << rep.Describe();
}

// x [N,4,8,8] → conv1 (8 out, 1x1; channel ranges over 100x apart) → Relu → depthwise 3x3 (group 8)
// → Relu → conv3 (6 out, 1x1) → y: MobileNet's expand → depthwise → project chain.
Model MismatchedDepthwiseChain() {
  GraphBuilder b("dwchain");
  b.AddInput("x", DType::kFloat32, {"N", 4, 8, 8});
  b.AddOutput("y", DType::kFloat32, {"N", 6, 8, 8});
  std::vector<float> w1 = RandomValues(8 * 4, 11, -1.0f, 1.0f), dw = RandomValues(8 * 9, 12, -1.0f, 1.0f);
  const float out_scale[8] = {0.02f, 3.0f, 0.05f, 1.0f, 0.01f, 2.0f, 0.1f, 0.5f};
  const float dw_scale[8] = {4.0f, 0.03f, 2.0f, 0.1f, 5.0f, 0.05f, 1.0f, 0.2f};
  for (int c = 0; c < 8; ++c) {
    for (int i = 0; i < 4; ++i) w1[c * 4 + i] *= out_scale[c];
    for (int k = 0; k < 9; ++k) dw[c * 9 + k] *= dw_scale[c];
  }
  b.AddInitializer("w1", {8, 4, 1, 1}, w1);
  b.AddInitializer("b1", {8}, RandomValues(8, 13, 0.0f, 0.02f));
  b.AddInitializer("wd", {8, 1, 3, 3}, dw);
  b.AddInitializer("bd", {8}, RandomValues(8, 14, 0.0f, 0.05f));
  b.AddInitializer("w3", {6, 8, 1, 1}, RandomValues(48, 15, -0.5f, 0.5f));
  b.AddInitializer("b3", {6}, RandomValues(6, 16, -0.1f, 0.1f));
  b.AddNode("Conv", "expand", {"x", "w1", "b1"}, {"c1"});
  b.AddNode("Relu", "relu1", {"c1"}, {"a1"});
  b.AddNode("Conv", "dw", {"a1", "wd", "bd"}, {"c2"},
            {AttrInt("group", 8), AttrInts("pads", {1, 1, 1, 1}), AttrInts("kernel_shape", {3, 3})});
  b.AddNode("Relu", "relu2", {"c2"}, {"a2"});
  b.AddNode("Conv", "project", {"a2", "w3", "b3"}, {"y"});
  return b.Build();
}

std::vector<std::vector<HostTensor>> Batches(int count, std::uint32_t seed) {
  std::vector<std::vector<HostTensor>> out;
  for (int i = 0; i < count; ++i) out.push_back({RandomTensor({2, 4, 8, 8}, seed + i, -1.0f, 1.0f)});
  return out;
}

TEST(EqualizeTest, DepthwiseChainKeepsOutputsAndHelpsPerTensorInt8) {
  const Model m = MismatchedDepthwiseChain();
  EqualizeReport rep;
  const Model eq = EqualizeCrossLayer(m, {}, &rep);
  ASSERT_EQ(rep.pairs.size(), 2u) << rep.Describe();
  EXPECT_EQ(rep.pairs[0].second, "dw");
  EXPECT_EQ(rep.pairs[1].first, "dw");
  EXPECT_GT(rep.worst_ratio_before, 100.0);
  EXPECT_LT(rep.worst_ratio_after, 1.01) << rep.Describe();  // iterated until both pairs agree
  EXPECT_GT(rep.sweeps, 1);
  // Per channel of the depthwise layer: its range now equals expand's output range (pair 1).
  const auto w1 = Weights(eq, "w1"), wd = Weights(eq, "wd");
  for (int c = 0; c < 8; ++c) {
    float r1 = 0, rd = 0;
    for (int i = 0; i < 4; ++i) r1 = std::max(r1, std::fabs(w1[c * 4 + i]));
    for (int k = 0; k < 9; ++k) rd = std::max(rd, std::fabs(wd[c * 9 + k]));
    EXPECT_NEAR(r1 / rd, 1.0, 0.01) << "channel " << c;
  }
  const HostTensor x = RandomTensor({2, 4, 8, 8}, 99, -1.0f, 1.0f);
  const auto ref = testing::RunModel(m, {x})[0].ToFloatVector();
  EXPECT_LT(MaxAbsDiff(ref, testing::RunModel(eq, {x})[0].ToFloatVector()), 1e-5);

  // Per-tensor int8 weights: one scale per layer cannot serve channels 100x apart; after CLE it can.
  QuantizeOptions o;
  o.granularity = WeightGranularity::kPerTensor;
  o.calibration.method = CalibrationMethod::kMinMax;
  o.intra_op_threads = 1;
  WarningList w;
  testing::VectorReader r1(Batches(4, 50)), r2(Batches(4, 50));
  const QuantizeResult plain = QuantizeModel(m, o, &r1, &w);
  o.equalize = CrossLayerEqualization::kRelu;
  const QuantizeResult equalized = QuantizeModel(m, o, &r2, &w);
  const std::vector<HostTensor> feeds = {x};
  const double before = testing::OutputSqnrDb(m, plain.model, feeds);
  const double after = testing::OutputSqnrDb(m, equalized.model, feeds);
  std::printf("per-tensor int8 SQNR: %.1f dB without CLE, %.1f dB with\n", before, after);
  EXPECT_GT(after, before + 10.0) << "per-tensor SQNR " << before << " dB without CLE, " << after << " dB with";
  EXPECT_GT(after, 25.0);
  // The report says how much the equalized fp32 model differs: exact pairs, rounding only.
  ASSERT_FALSE(equalized.report.hygiene.empty());
  const std::string& line = equalized.report.hygiene.back();
  const std::string key = "fp32 output 0 after equalization vs before: SQNR ";
  const auto at = line.find(key);
  ASSERT_NE(at, std::string::npos) << line;
  EXPECT_GT(std::stod(line.substr(at + key.size())), 100.0) << line;
}

TEST(EqualizeTest, RangesGivenWithEqualizeAreRefused) {
  QuantizeOptions o;
  o.equalize = CrossLayerEqualization::kRelu;
  WarningList w;
  EXPECT_TRUE(o.RewritesWeights());
  EXPECT_THROW(QuantizeModelWithRanges(TwoChannelPair("Relu"), o, {}, &w), Error);
  // Bias correction alone is refused too (it measures samples), before any work, naming why.
  o.equalize = CrossLayerEqualization::kOff;
  EXPECT_FALSE(o.RewritesWeights());
  o.bias_correction = true;
  EXPECT_TRUE(o.RewritesWeights());
  try {
    QuantizeModelWithRanges(TwoChannelPair("Relu"), o, {}, &w);
    ADD_FAILURE() << "bias correction with given ranges was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("do not fit the equalized model"), std::string::npos) << e.what();
  }
  EXPECT_EQ(ParseCrossLayerEqualization("relu6"), CrossLayerEqualization::kRelu6AsRelu);
  EXPECT_THROW(ParseCrossLayerEqualization("yes"), Error);
}

// Float biases: a model whose bias is off by a known amount gets exactly that amount back.
TEST(BiasCorrectionTest, FloatBiasShiftIsRemoved) {
  const Model ref = TwoChannelPair("");
  Model shifted = ref;
  for (auto& init : *shifted.proto.mutable_graph()->mutable_initializer())
    if (init.name() == "b2") {
      HostTensor b2 = HostTensor::Zeros(DType::kFloat32, {1});
      b2.data<float>()[0] = 0.1f + 0.25f;
      FillTensorProto("b2", b2, &init);
    }
  BiasCorrectionReport rep;
  CorrectBias(ref, &shifted, {{RandomTensor({2, 1, 4, 4}, 5)}}, {}, &rep);
  EXPECT_EQ(rep.corrected_layers, 2);
  ASSERT_EQ(rep.mean_abs_shift.size(), 2u);
  EXPECT_NEAR(rep.mean_abs_shift[0], 0.25 / 3, 1e-5);  // 3 channels: conv1's two (no shift) and conv2's
  EXPECT_NEAR(rep.mean_abs_shift[1], 0.0, 1e-6);       // the second pass finds nothing left
  EXPECT_NEAR(Weights(shifted, "b2")[0], 0.1f, 1e-6);
  EXPECT_EQ(Weights(shifted, "b1"), Weights(ref, "b1"));
}

// QDQ int32 biases: the weight rounding error ε = W̃ − W shifts channel c's mean by Σ_i ε[c,i]·E[x_i]
// (inputs exactly representable: integers 0..255 with scale 1), which bias correction removes to
// within half a bias step.
TEST(BiasCorrectionTest, WeightRoundingShiftIsRemovedFromInt32Bias) {
  GraphBuilder b("bc");
  b.AddInput("x", DType::kFloat32, {"N", 2, 4, 4});
  b.AddOutput("y", DType::kFloat32, {"N", 2, 4, 4});
  const std::vector<float> wv = {0.9f, 0.1234f, -0.5f, 0.3333f};
  b.AddInitializer("w", {2, 2, 1, 1}, wv);
  b.AddInitializer("b", {2}, {0.05f, -0.02f});
  b.AddNode("Conv", "conv", {"x", "w", "b"}, {"y"});
  const Model m = b.Build();
  std::vector<std::vector<HostTensor>> data;
  double mean_x[2] = {0, 0};
  for (int i = 0; i < 3; ++i) {
    HostTensor x = RandomTensor({2, 2, 4, 4}, 70 + i, 0.0f, 255.0f);
    float* v = x.data<float>();
    for (std::int64_t k = 0; k < x.num_elements(); ++k) v[k] = std::round(v[k]);
    v[0] = 0.0f, v[1] = 255.0f;
    for (std::int64_t k = 0; k < x.num_elements(); ++k) mean_x[(k / 16) % 2] += v[k] / (3.0 * 32);
    data.push_back({x});
  }
  QuantizeOptions o;
  o.quantize_graph_outputs = true;  // the Conv writes the graph output: QLinearConv only with it quantized
  o.calibration.method = CalibrationMethod::kMinMax;
  o.intra_op_threads = 1;
  WarningList w;
  testing::VectorReader r1(data), r2(data);
  const QuantizeResult plain = QuantizeModel(m, o, &r1, &w);
  o.bias_correction = true;
  const QuantizeResult corrected = QuantizeModel(m, o, &r2, &w);
  const onnx::NodeProto* conv = testing::NodeNamed(plain.model, "conv");
  ASSERT_NE(conv, nullptr);
  const auto wq = testing::DequantizeNodeOutput(plain.model, *testing::ProducerOf(plain.model, conv->input(1))).ToFloatVector();
  const auto bias_dq = testing::ProducerOf(plain.model, conv->input(2));
  const auto bias_scale = testing::InitializerTensor(plain.model, bias_dq->input(1)).ToFloatVector();
  auto channel_means = [&](const Model& model) {
    std::vector<double> mean(2, 0.0);
    for (const auto& feeds : data) {
      const auto y = testing::RunModel(model, feeds)[0].ToFloatVector();
      for (size_t k = 0; k < y.size(); ++k) mean[(k / 16) % 2] += y[k] / (3.0 * 32);
    }
    return mean;
  };
  const auto fp = channel_means(m), q = channel_means(plain.model), qc = channel_means(corrected.model);
  // y is quantized too (a Conv runs as QLinearConv only with a quantized output): its rounding moves
  // a channel's mean by at most half an output step on top of the weight rounding shift.
  const onnx::NodeProto* y_dq = testing::ProducerOf(plain.model, "y");
  ASSERT_NE(y_dq, nullptr);
  const double half_y_step = testing::InitializerTensor(plain.model, y_dq->input(1)).ToFloatVector()[0] / 2;
  for (int c = 0; c < 2; ++c) {
    const double expected = (wq[c * 2] - wv[c * 2]) * mean_x[0] + (wq[c * 2 + 1] - wv[c * 2 + 1]) * mean_x[1];
    EXPECT_NEAR(q[c] - fp[c], expected, half_y_step + 1e-3) << "channel " << c;
    const double step = bias_scale.size() == 1 ? bias_scale[0] : bias_scale[c];
    EXPECT_LE(std::fabs(qc[c] - fp[c]), step / 2 + half_y_step + 1e-4) << "channel " << c << ", shift before " << q[c] - fp[c];
  }
  EXPECT_GT(std::fabs(q[0] - fp[0]), 0.1);  // 0.1234 rounds to 17/127·0.9: ε·E[x] ≈ −0.37
  EXPECT_LT(std::fabs(qc[0] - fp[0]), std::fabs(q[0] - fp[0]) / 4);  // corrected: mostly removed
  bool noted = false;
  for (const auto& n : corrected.report.notes) noted = noted || n.find("bias correction: 1 layer(s) corrected") == 0;
  EXPECT_TRUE(noted);
}

// --equalize relu6 replaces ReLU6 by Relu: where activations exceed 6 the fp32 model itself changes,
// and QuantizeModel says so (equalize_changed_model); an exact Relu pair changes only rounding.
TEST(EqualizeTest, Relu6AsReluThatChangesTheFp32ModelIsWarned) {
  auto build = [](bool relu6) {
    GraphBuilder b("pair6");
    b.AddInput("x", DType::kFloat32, {"N", 2, 4, 4});
    b.AddOutput("y", DType::kFloat32, {"N", 2, 4, 4});
    b.AddInitializer("w1", {2, 2, 1, 1}, {1.0f, 0.5f, 0.02f, 0.01f});
    b.AddInitializer("w2", {2, 2, 1, 1}, {0.3f, 2.0f, -0.4f, 1.5f});
    b.AddInitializer("lo", {}, {0.0f});
    b.AddInitializer("hi", {}, {6.0f});
    b.AddNode("Conv", "c1", {"x", "w1"}, {"h"});
    if (relu6) b.AddNode("Clip", "act", {"h", "lo", "hi"}, {"a"});
    else b.AddNode("Relu", "act", {"h"}, {"a"});
    b.AddNode("Conv", "c2", {"a", "w2"}, {"y"});
    return b.Build();
  };
  std::vector<std::vector<HostTensor>> data;
  for (int i = 0; i < 3; ++i) data.push_back({RandomTensor({1, 2, 4, 4}, 90 + i, 0.0f, 10.0f)});  // c1 up to 15
  auto warned = [&](const Model& m, CrossLayerEqualization mode) {
    QuantizeOptions o;
    o.calibration.method = CalibrationMethod::kMinMax;
    o.intra_op_threads = 1;
    o.equalize = mode;
    testing::VectorReader r(data);
    WarningList w;
    const QuantizeResult q = QuantizeModel(m, o, &r, &w);
    for (const auto& x : q.report.warnings)
      if (x.code == "equalize_changed_model") return x.message;
    return std::string();
  };
  const std::string relu6 = warned(build(true), CrossLayerEqualization::kRelu6AsRelu);
  EXPECT_NE(relu6.find("relu6 replaces ReLU6 by Relu"), std::string::npos) << relu6;
  EXPECT_EQ(warned(build(false), CrossLayerEqualization::kRelu), "");
}

}  // namespace
}  // namespace qbench
