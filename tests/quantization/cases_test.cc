// Every ../shared/cases model quantized the way its case.json "try" says, with its checks:
// SQNR of the first output vs expected_fp32_output.npy >= the matching sim_sqnr_db − 3 dB, the
// worst-channel rules, the bias checks, finite scales. Static mode calibrates (MinMax) on input.npy.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "qbench/core/error.h"
#include "qbench/core/npy.h"
#include "qbench/model/graph_builder.h"
#include "qbench/quantization/quantizer.h"
#include "quant_test_util.h"
#include "test_util.h"

namespace qbench {
namespace {

using testing::PerChannelSqnrDb;

struct Case {
  Model model;
  HostTensor input, expected;
  nlohmann::json json;
  double Sim(const std::string& key) const { return json.at("sim_sqnr_db").at(key).get<double>(); }
};

Case LoadCase(const std::string& dir) {
  Case c;
  c.model = LoadModel(dir + "/model.onnx");
  c.input = ReadNpy(dir + "/input.npy");
  c.expected = ReadNpy(dir + "/expected_fp32_output.npy");
  std::ifstream f(dir + "/case.json");
  c.json = nlohmann::json::parse(f);
  return c;
}

QuantizeResult Quantize(const Case& c, const std::string& scheme, WeightGranularity g) {
  QuantizeOptions o;
  o.scheme = scheme;
  o.granularity = g;
  o.calibration.method = CalibrationMethod::kMinMax;
  o.intra_op_threads = 1;
  testing::VectorReader reader({{c.input}});
  WarningList warnings;
  return QuantizeModel(c.model, o, &reader, &warnings);
}

std::vector<float> FirstOutput(const Model& m, const HostTensor& input) {
  return testing::RunModel(m, {input})[0].ToFloatVector();
}

// EXPECT_GE with the measured value printed, so the test log doubles as the SQNR table.
void ExpectDb(const std::string& what, double got, double sim) {
  std::printf("[ sqnr     ] %-58s %7.2f dB (sim %.2f, need >= %.2f)\n", what.c_str(), got, sim, sim - 3.0);
  EXPECT_GE(got, sim - 3.0) << what;
}

double Worst(const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); }

const NodeDecision* Decision(const QuantizeReport& r, const std::string& name) {
  for (const auto& d : r.nodes)
    if (d.name == name) return &d;
  return nullptr;
}

// Every float initializer is finite; every scale (inputs 1 of Q/DQ nodes) is finite and > 0.
void ExpectFiniteScales(const Model& m) {
  for (const auto& t : m.proto.graph().initializer()) {
    const HostTensor v = TensorFromProto(t);
    if (v.dtype != DType::kFloat32) continue;
    for (float x : v.ToFloatVector()) ASSERT_TRUE(std::isfinite(x)) << t.name();
  }
  for (const auto& n : m.proto.graph().node()) {
    if (n.op_type() != "QuantizeLinear" && n.op_type() != "DequantizeLinear") continue;
    for (float s : testing::InitializerTensor(m, n.input(1)).ToFloatVector()) {
      EXPECT_TRUE(std::isfinite(s)) << n.name();
      EXPECT_GT(s, 0.0f) << n.name();
    }
  }
}

// The DequantizeLinear feeding input `k` of node `name`.
const onnx::NodeProto& DqFeeding(const Model& m, const std::string& name, int k) {
  const onnx::NodeProto* node = testing::NodeNamed(m, name);
  EXPECT_NE(node, nullptr) << name;
  const onnx::NodeProto* dq = testing::ProducerOf(m, node->input(k));
  EXPECT_NE(dq, nullptr);
  EXPECT_EQ(dq->op_type(), "DequantizeLinear");
  return *dq;
}

#define LOAD_CASE(var, folder)                                   \
  QBENCH_REQUIRE_SHARED(var##_dir, "cases/" folder "/model.onnx"); \
  const Case var = LoadCase(var##_dir.substr(0, var##_dir.rfind('/')))

TEST(QuantCases, C02DepthwiseBiasOverflowStaticPerChannel) {
  LOAD_CASE(c, "c02_depthwise_bias_overflow");
  const QuantizeResult r = Quantize(c, "static", WeightGranularity::kPerChannel);
  ExpectFiniteScales(r.model);
  const auto& w_dq = DqFeeding(r.model, "depthwise_conv", 1);
  EXPECT_EQ(testing::InitializerTensor(r.model, w_dq.input(1)).num_elements(), 16);
  const HostTensor bias = testing::DequantizeNodeOutput(r.model, DqFeeding(r.model, "depthwise_conv", 2));
  EXPECT_NEAR(bias.data<float>()[3], 4.0f, 0.04f);  // naive int32 bias: 0.79
  EXPECT_GE(r.report.bias_scale_adjustments, 1);
  const auto out = FirstOutput(r.model, c.input);
  const auto ref = c.expected.ToFloatVector();
  ExpectDb("c02 static per-channel", SqnrDb(ref, out), c.Sim("static_per_channel_bias_exact"));
  ExpectDb("c02 static per-channel, worst output channel", Worst(PerChannelSqnrDb(ref, out, c.expected.shape, 1)),
           c.Sim("static_per_channel_bias_exact_worst_channel"));
}

TEST(QuantCases, C03ConvTransposeStaysFloatStaticAndDynamic) {
  LOAD_CASE(c, "c03_convtranspose_perchannel");
  const auto ref = c.expected.ToFloatVector();
  // Static: ORT's CPU provider fuses no QDQ ConvTranspose, so it stays float (its axis-1 per-channel
  // pitfall never arises) and the file computes the fp32 result.
  const QuantizeResult r = Quantize(c, "static", WeightGranularity::kPerChannel);
  const NodeDecision* st = Decision(r.report, "conv_transpose");
  ASSERT_NE(st, nullptr);
  EXPECT_FALSE(st->quantized);
  EXPECT_NE(st->reason.find("ORT has no int8 ConvTranspose kernel"), std::string::npos) << st->reason;
  EXPECT_EQ(testing::OpCounts(r.model)["ConvTranspose"], 1);
  EXPECT_GE(SqnrDb(ref, FirstOutput(r.model, c.input)), 100.0);

  const QuantizeResult d = Quantize(c, "dynamic", WeightGranularity::kDefault);
  const NodeDecision* ct = Decision(d.report, "conv_transpose");
  ASSERT_NE(ct, nullptr);
  EXPECT_FALSE(ct->quantized);
  EXPECT_NE(ct->reason.find("no dynamic int8 ConvTranspose"), std::string::npos) << ct->reason;
  EXPECT_EQ(testing::OpCounts(d.model)["ConvTranspose"], 1);
  EXPECT_GE(SqnrDb(ref, FirstOutput(d.model, c.input)), 100.0);  // untouched fp32
}

TEST(QuantCases, C04GemmTransBDynamic) {
  LOAD_CASE(c, "c04_gemm_transb");
  const auto ref = c.expected.ToFloatVector();
  for (const auto g : {WeightGranularity::kDefault, WeightGranularity::kPerChannel}) {
    const QuantizeResult r = Quantize(c, "dynamic", g);
    EXPECT_EQ(testing::OpCounts(r.model)["MatMulInteger"], 2);
    EXPECT_EQ(testing::OpCounts(r.model)["Gemm"], 0);
    const auto inputs = r.model.Inputs();
    ASSERT_EQ(r.model.proto.graph().input_size(), 1);  // fc1.weight left the graph inputs
    EXPECT_EQ(inputs[0].name, "input");
    const auto out = FirstOutput(r.model, c.input);
    if (g == WeightGranularity::kDefault) {
      ExpectDb("c04 dynamic per-tensor", SqnrDb(ref, out), c.Sim("dynamic_per_tensor"));
    } else {
      ExpectDb("c04 dynamic per-channel", SqnrDb(ref, out), c.Sim("dynamic_per_channel_correct_axes"));
      ExpectDb("c04 dynamic per-channel, worst output column", Worst(PerChannelSqnrDb(ref, out, c.expected.shape, 1)),
               c.Sim("dynamic_per_channel_correct_axes_worst_column"));
    }
    // Batch 1..8 runs with output [N, 6].
    for (std::int64_t n : {1, 5, 8}) {
      const HostTensor x = testing::RandomTensor({n, 16}, 7);
      const auto y = testing::RunModel(r.model, {x});
      EXPECT_EQ(y[0].shape, (std::vector<std::int64_t>{n, 6}));
    }
  }
}

TEST(QuantCases, C06WeightsBehindConstantAndCast) {
  LOAD_CASE(c, "c06_weights_not_initializers");
  const auto ref = c.expected.ToFloatVector();
  const QuantizeResult d = Quantize(c, "dynamic", WeightGranularity::kDefault);
  EXPECT_TRUE(Decision(d.report, "conv")->quantized);
  EXPECT_TRUE(Decision(d.report, "fc_matmul")->quantized);
  ExpectDb("c06 dynamic", SqnrDb(ref, FirstOutput(d.model, c.input)), c.Sim("dynamic_per_tensor"));
  const QuantizeResult s = Quantize(c, "static", WeightGranularity::kPerChannel);
  EXPECT_TRUE(Decision(s.report, "conv")->quantized);
  EXPECT_TRUE(Decision(s.report, "fc_matmul")->quantized);
  EXPECT_EQ(testing::OpCounts(s.model)["Constant"], 0);
  EXPECT_EQ(testing::OpCounts(s.model)["Cast"], 0);
  ExpectDb("c06 static per-channel", SqnrDb(ref, FirstOutput(s.model, c.input)), c.Sim("static_per_channel"));
}

TEST(QuantCases, C11FixedBatchKeepsShapes) {
  LOAD_CASE(c, "c11_fixed_batch");
  const QuantizeResult d = Quantize(c, "dynamic", WeightGranularity::kDefault);
  ASSERT_EQ(d.model.Inputs().size(), 1u);
  EXPECT_EQ(d.model.Inputs()[0].shape, (std::vector<std::int64_t>{1, 3, 8, 8}));
  EXPECT_EQ(d.model.Outputs()[0].shape, (std::vector<std::int64_t>{1, 5}));
  ExpectDb("c11 dynamic", SqnrDb(c.expected.ToFloatVector(), FirstOutput(d.model, c.input)), c.Sim("dynamic_per_tensor"));
}

TEST(QuantCases, C13ClipBoundsAsInputsFolded) {
  LOAD_CASE(c, "c13_clip_min_max_inputs");
  const QuantizeResult r = Quantize(c, "static", WeightGranularity::kPerChannel);
  const NodeDecision* clip = Decision(r.report, "relu6_clip");
  ASSERT_NE(clip, nullptr);
  EXPECT_TRUE(clip->quantized);
  EXPECT_NE(clip->how.find("conv1"), std::string::npos) << clip->how;
  // conv1 writes the Clip's output; its QuantizeLinear covers exactly [0, 6].
  const onnx::NodeProto* conv1 = testing::NodeNamed(r.model, "conv1");
  ASSERT_NE(conv1, nullptr);
  const onnx::NodeProto* q = nullptr;
  for (const auto& n : r.model.proto.graph().node())
    if (n.op_type() == "QuantizeLinear" && n.input(0) == conv1->output(0)) q = &n;
  ASSERT_NE(q, nullptr);
  const float scale = testing::InitializerTensor(r.model, q->input(1)).ToFloatVector()[0];
  const float zp = testing::InitializerTensor(r.model, q->input(2)).ToFloatVector()[0];
  EXPECT_EQ(zp, 0.0f);
  EXPECT_NEAR(scale * 255.0f, 6.0f, 1e-5f);
  EXPECT_EQ(testing::OpCounts(r.model)["Clip"], 0);
  ExpectDb("c13 static per-channel", SqnrDb(c.expected.ToFloatVector(), FirstOutput(r.model, c.input)),
           c.Sim("static_per_channel"));
}

TEST(QuantCases, C15ZeroAndSubnormalChannels) {
  LOAD_CASE(c, "c15_zero_weight_channels");
  const auto ref = c.expected.ToFloatVector();
  const QuantizeResult s = Quantize(c, "static", WeightGranularity::kPerChannel);
  ExpectFiniteScales(s.model);
  const HostTensor bias = testing::DequantizeNodeOutput(s.model, DqFeeding(s.model, "conv", 2));
  EXPECT_NEAR(bias.data<float>()[5], -0.2f, 1e-3f);
  // Zero weights dequantize to exactly 0 (conv weight, and the all-zero MatMul weight).
  const Model fp32 = PrepareModelForQuantization(c.model, nullptr);
  for (const std::string node : {"conv", "pruned_matmul", "fc"}) {
    const HostTensor w = testing::DequantizeNodeOutput(s.model, DqFeeding(s.model, node, 1));
    const onnx::NodeProto* orig = testing::NodeNamed(fp32, node);
    const HostTensor w0 = testing::InitializerTensor(fp32, orig->input(1));
    ASSERT_EQ(w.num_elements(), w0.num_elements());
    for (std::int64_t i = 0; i < w0.num_elements(); ++i)
      if (std::fabs(w0.data<float>()[i]) < 1e-30f) ASSERT_EQ(w.data<float>()[i], 0.0f) << node << " " << i;
  }
  ExpectDb("c15 static per-channel", SqnrDb(ref, FirstOutput(s.model, c.input)), c.Sim("static_per_channel"));
  const QuantizeResult d = Quantize(c, "dynamic", WeightGranularity::kDefault);
  ExpectFiniteScales(d.model);
  ExpectDb("c15 dynamic", SqnrDb(ref, FirstOutput(d.model, c.input)), c.Sim("dynamic_per_tensor"));
}

TEST(QuantCases, C16Int64TokenIdsDynamic) {
  LOAD_CASE(c, "c16_int64_token_ids");
  const QuantizeResult d = Quantize(c, "dynamic", WeightGranularity::kDefault);
  EXPECT_TRUE(Decision(d.report, "fc1_matmul")->quantized);
  EXPECT_TRUE(Decision(d.report, "fc2_matmul")->quantized);
  EXPECT_FALSE(Decision(d.report, "embedding_gather")->quantized);
  EXPECT_EQ(d.model.Inputs()[0].dtype, DType::kInt64);
  ExpectDb("c16 dynamic", SqnrDb(c.expected.ToFloatVector(), FirstOutput(d.model, c.input)), c.Sim("dynamic_matmuls_only"));
}

}  // namespace
}  // namespace qbench
