// The operator profile of the lab's roofline (qbench/lab/op_profile.h): ORT's profiled nodes
// attributed to the reference graph, their MACs and the bytes they move in the variant's precision.
#include <gtest/gtest.h>

#include "qbench/core/error.h"
#include "qbench/lab/op_profile.h"
#include "qbench/model/graph_builder.h"
#include "test_util.h"

namespace qbench {
namespace {

// A minimal ORT profile as ORT 1.30 writes it: fused / layout-rewritten node names, fences, a session event.
const char* kProfile = R"([
 {"cat":"Session","name":"model_run","dur":900,"ts":1,"args":{}},
 {"cat":"Node","name":"dw_fence_before","dur":0,"ts":2,"args":{"op_name":"Conv"}},
 {"cat":"Node","name":"relu1_out_nchwc_kernel_time","dur":400,"ts":3,"args":{"op_name":"Conv"}},
 {"cat":"Node","name":"pw_token_7_kernel_time","dur":200,"ts":4,"args":{"op_name":"QLinearConv"}},
 {"cat":"Node","name":"pw_output_0_DequantizeLinear_kernel_time","dur":30,"ts":5,"args":{"op_name":"DequantizeLinear"}},
 {"cat":"Node","name":"fc_MatMulInteger_kernel_time","dur":50,"ts":6,"args":{"op_name":"MatMulInteger"}},
 {"cat":"Node","name":"ReorderOutput_token_3_kernel_time","dur":20,"ts":7,"args":{"op_name":"ReorderOutput"}}
])";

// x [1,8,16,16] → dw: Conv 3×3 depthwise (group 8, pad 1) → relu1 → pw: Conv 1×1 8→16 → pool → flatten → fc: Gemm 16→10.
Model TinyCnn() {
  GraphBuilder g("tiny", 13);
  g.AddInput("x", DType::kFloat32, {1, 8, 16, 16});
  g.AddInitializer("dw_w", {8, 1, 3, 3}, std::vector<float>(72, 0.1f));
  g.AddInitializer("pw_w", {16, 8, 1, 1}, std::vector<float>(128, 0.1f));
  g.AddInitializer("fc_w", {10, 16}, std::vector<float>(160, 0.1f));
  g.AddInitializer("fc_b", {10}, std::vector<float>(10, 0.f));
  g.AddNode("Conv", "dw", {"x", "dw_w"}, {"dw_out"}, {AttrInt("group", 8), AttrInts("pads", {1, 1, 1, 1})});
  g.AddNode("Relu", "relu1", {"dw_out"}, {"relu1_out"});
  g.AddNode("Conv", "pw", {"relu1_out", "pw_w"}, {"pw_out"});
  g.AddNode("GlobalAveragePool", "pool", {"pw_out"}, {"pooled"});
  g.AddNode("Flatten", "flatten", {"pooled"}, {"flat"});
  g.AddNode("Gemm", "fc", {"flat", "fc_w", "fc_b"}, {"y"}, {AttrInt("transB", 1)});
  g.AddOutput("y", DType::kFloat32, {1, 10});
  return g.Build();
}

TEST(OpProfile, AttributesOrtNodesToTheReferenceGraph) {
  const ReferenceGraph ref = BuildReferenceGraph(TinyCnn(), {});
  ASSERT_EQ(ref.nodes.count("dw"), 1u);
  // Depthwise 3×3: 8·16·16 outputs × 9 = 18432 MACs; 72 weights; input and output 2048 elements.
  EXPECT_EQ(ref.nodes.at("dw").macs, 18432);
  EXPECT_EQ(ref.nodes.at("dw").kind, "depthwise 3x3");
  EXPECT_EQ(ref.nodes.at("dw").weight_elements, 72);
  EXPECT_EQ(ref.nodes.at("dw").input_elements, 2048);
  EXPECT_EQ(ref.nodes.at("dw").output_elements, 2048);
  // Pointwise 8→16: 16·16·16 outputs × 8 = 32768 MACs.
  EXPECT_EQ(ref.nodes.at("pw").macs, 32768);
  EXPECT_EQ(ref.nodes.at("pw").kind, "1x1");
  EXPECT_EQ(ref.nodes.at("fc").macs, 160);

  auto nodes = ParseOrtProfile(kProfile, "test");
  ASSERT_EQ(nodes.size(), 5u);
  EXPECT_EQ(nodes[0].node, "relu1_out_nchwc");
  EXPECT_EQ(nodes[0].op_type, "Conv");
  EXPECT_EQ(AttributeNode(ref, nodes[0]), "dw");     // NCHWc output of the Relu fused into dw
  EXPECT_EQ(AttributeNode(ref, nodes[1]), "pw");     // "_token_7" suffix
  EXPECT_EQ(AttributeNode(ref, nodes[2]), "");       // a DequantizeLinear is no form of Conv
  EXPECT_EQ(AttributeNode(ref, nodes[3]), "fc");     // dynamic quantizer's "fc_MatMulInteger"
  EXPECT_EQ(AttributeNode(ref, nodes[4]), "");

  // Static int8 traffic: 1 byte per element.
  auto agg = AggregateProfile(nodes, 1, ref, TrafficModel{1, 1, 1});
  ASSERT_EQ(agg.size(), 5u);
  EXPECT_EQ(agg[0].op_type, "Conv (depthwise 3x3)");  // largest time first
  EXPECT_DOUBLE_EQ(agg[0].time_ms, 0.4);
  EXPECT_EQ(agg[0].macs, 18432);
  EXPECT_EQ(agg[0].bytes, 72 + 2048 + 2048);
  EXPECT_EQ(agg[1].op_type, "QLinearConv (1x1)");
  EXPECT_EQ(agg[1].macs, 32768);
  EXPECT_EQ(agg[1].bytes, 128 + 2048 + 4096);
  EXPECT_EQ(agg[2].op_type, "MatMulInteger");
  EXPECT_EQ(agg[2].bytes, 170 + 16 + 10);  // weights + bias, input, output
  EXPECT_EQ(agg[3].op_type, "DequantizeLinear");
  EXPECT_EQ(agg[3].macs, 0);
  // fp32 traffic: 4 bytes each; two runs halve the time per run.
  auto agg32 = AggregateProfile(nodes, 2, ref, TrafficModel{});
  EXPECT_EQ(agg32[0].bytes, 4 * (72 + 2048 + 2048));
  EXPECT_DOUBLE_EQ(agg32[0].time_ms, 0.2);
  EXPECT_THROW(ParseOrtProfile("{}", "x"), Error);
}

TEST(OpProfile, UnnamedNodesAreMatchedByOrderAndOutputSize) {
  const ReferenceGraph ref = BuildReferenceGraph(TinyCnn(), {});
  // ORT names fused nodes of an unnamed graph "_token_N"; here it ran pw (4096 outputs) before dw (2048).
  std::vector<ProfiledNode> nodes = {{"_token_9", "QLinearConv", 300, 4096}, {"_token_4", "QLinearConv", 100, 2048},
                                     {"_token_9", "QLinearConv", 300, 4096}, {"_token_4", "QLinearConv", 100, 2048},
                                     {"_token_5", "QGemm", 10, 10}};
  EXPECT_EQ(AttributeNode(ref, nodes[0]), "");  // no name to go by
  auto agg = AggregateProfile(nodes, 2, ref, TrafficModel{1, 1, 1});
  ASSERT_EQ(agg.size(), 3u);
  EXPECT_EQ(agg[0].op_type, "QLinearConv (1x1)");
  EXPECT_EQ(agg[0].macs, 32768);
  EXPECT_DOUBLE_EQ(agg[0].time_ms, 0.3);
  EXPECT_EQ(agg[1].op_type, "QLinearConv (depthwise 3x3)");
  EXPECT_EQ(agg[1].macs, 18432);
  EXPECT_EQ(agg[2].op_type, "QGemm");
  EXPECT_EQ(agg[2].macs, 160);
}

TEST(OpProfile, ProfilesARealSession) {
  const Model m = TinyCnn();
  const ReferenceGraph ref = BuildReferenceGraph(m, {});
  HostTensor x = HostTensor::Zeros(DType::kFloat32, {1, 8, 16, 16});
  OpProfileRecord r = ProfileModelOps(m, {x}, 1, 1, 3, testing::TempDir(), ref, TrafficModel{});
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.macs, 18432 + 32768 + 160);
  std::int64_t attributed = 0;
  for (const auto& o : r.op_types) attributed += o.macs;
  EXPECT_EQ(attributed, r.macs);  // every MAC node of the graph was found in ORT's profile
  EXPECT_GT(r.total_ms, 0);
}
// The reference graph of a file that is already int8 QOperator (given with --models, its own
// reference): QLinearConv is the Conv it computes, its weight is input 3, so ORT's profiled
// QLinearConv is attributed to it and its MACs and 1-byte traffic are counted (issue 10 R1: the
// int8 file got no op rows and fp32 bytes).
TEST(OpProfile, AnInt8QOperatorFileIsItsOwnReference) {
  GraphBuilder g("tiny_int8", 13);
  g.AddInput("x", DType::kUint8, {1, 8, 16, 16});
  g.AddTensorInitializer("w_q", HostTensor::Zeros(DType::kInt8, {16, 8, 1, 1}));
  g.AddInitializer("x_s", {}, {0.02f});
  g.AddTensorInitializer("x_zp", HostTensor::Zeros(DType::kUint8, {}));
  g.AddInitializer("w_s", {}, {0.01f});
  g.AddTensorInitializer("w_zp", HostTensor::Zeros(DType::kInt8, {}));
  g.AddInitializer("y_s", {}, {0.05f});
  g.AddTensorInitializer("y_zp", HostTensor::Zeros(DType::kUint8, {}));
  g.AddNode("QLinearConv", "pw", {"x", "x_s", "x_zp", "w_q", "w_s", "w_zp", "y_s", "y_zp"}, {"y"});
  g.AddOutput("y", DType::kUint8, {1, 16, 16, 16});
  const ReferenceGraph ref = BuildReferenceGraph(g.Build(), {});
  ASSERT_EQ(ref.nodes.count("pw"), 1u);
  EXPECT_EQ(ref.nodes.at("pw").op_type, "Conv");
  EXPECT_EQ(ref.nodes.at("pw").kind, "1x1");
  EXPECT_EQ(ref.nodes.at("pw").macs, 32768);  // 16·16·16 outputs × 8 inputs each
  EXPECT_EQ(ref.nodes.at("pw").input_elements, 2048);
  EXPECT_EQ(ref.nodes.at("pw").output_elements, 4096);
  const std::int64_t weights = ref.nodes.at("pw").weight_elements;  // 128 weights (+ scales, zero points)
  EXPECT_GE(weights, 128);
  EXPECT_LE(weights, 128 + 6);

  const std::vector<ProfiledNode> nodes = {{"pw", "QLinearConv", 500, 4096}};
  EXPECT_EQ(AttributeNode(ref, nodes[0]), "pw");
  // An int8 QOperator file moves 1-byte weights and activations (the static scheme's traffic):
  // 32768 MACs over ~128 + 2048 + 4096 bytes = 5.2 MAC/B, not the 1.3 MAC/B of 4-byte elements.
  const auto agg = AggregateProfile(nodes, 1, ref, TrafficModel{1, 1, 1});
  ASSERT_EQ(agg.size(), 1u);
  EXPECT_EQ(agg[0].op_type, "QLinearConv (1x1)");
  EXPECT_EQ(agg[0].macs, 32768);
  EXPECT_EQ(agg[0].bytes, weights + 2048 + 4096);
  EXPECT_DOUBLE_EQ(agg[0].time_ms, 0.5);
}

}  // namespace
}  // namespace qbench
