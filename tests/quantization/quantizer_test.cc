// Tiny models built in code, quantized, with op counts asserted (in the file and in the graph ORT
// optimizes) and outputs within a stated SQNR of fp32 run through ORT.
#include <gtest/gtest.h>

#include "qbench/core/error.h"
#include "qbench/model/graph_builder.h"
#include "qbench/quantization/quantizer.h"
#include "quant_test_util.h"

namespace qbench {
namespace {

using testing::OpCounts;
using testing::RandomValues;

// Input [1,4,8,8] → conv1(3x3, 8) → Relu → conv2(3x3, 8) → Add(conv2, relu1) → Relu → MaxPool
// → GlobalAveragePool → Flatten → fc (Gemm transB=1, 5 outputs): a ResNet basic block.
Model ResidualNet() {
  GraphBuilder b("residual");
  b.AddInput("x", DType::kFloat32, {"N", 4, 8, 8});
  b.AddOutput("logits", DType::kFloat32, {"N", 5});
  b.AddInitializer("w1", {8, 4, 3, 3}, RandomValues(8 * 4 * 9, 1, -0.3f, 0.3f));
  b.AddInitializer("b1", {8}, RandomValues(8, 2, -0.1f, 0.1f));
  b.AddInitializer("w2", {8, 8, 3, 3}, RandomValues(8 * 8 * 9, 3, -0.2f, 0.2f));
  b.AddInitializer("b2", {8}, RandomValues(8, 4, -0.1f, 0.1f));
  b.AddInitializer("fc_w", {5, 8}, RandomValues(40, 5, -0.5f, 0.5f));
  b.AddInitializer("fc_b", {5}, RandomValues(5, 6, -0.1f, 0.1f));
  const std::vector<Attribute> same = {AttrInts("pads", {1, 1, 1, 1}), AttrInts("kernel_shape", {3, 3})};
  b.AddNode("Conv", "conv1", {"x", "w1", "b1"}, {"c1"}, same);
  b.AddNode("Relu", "relu1", {"c1"}, {"r1"});
  b.AddNode("Conv", "conv2", {"r1", "w2", "b2"}, {"c2"}, same);
  b.AddNode("Add", "add", {"c2", "r1"}, {"s"});
  b.AddNode("Relu", "relu2", {"s"}, {"r2"});
  b.AddNode("MaxPool", "pool", {"r2"}, {"p"}, {AttrInts("kernel_shape", {2, 2}), AttrInts("strides", {2, 2})});
  b.AddNode("GlobalAveragePool", "gap", {"p"}, {"g"});
  b.AddNode("Flatten", "flatten", {"g"}, {"f"});
  b.AddNode("Gemm", "fc", {"f", "fc_w", "fc_b"}, {"logits"}, {AttrInt("transB", 1)});
  return b.Build();
}

std::vector<std::vector<HostTensor>> Batches(const std::vector<std::int64_t>& shape, int count, std::uint32_t seed) {
  std::vector<std::vector<HostTensor>> out;
  for (int i = 0; i < count; ++i) out.push_back({testing::RandomTensor(shape, seed + i, -1.0f, 1.0f)});
  return out;
}

QuantizeResult QuantizeWith(const Model& m, QuantizeOptions o, const std::vector<std::vector<HostTensor>>& data) {
  o.calibration.method = CalibrationMethod::kMinMax;
  o.intra_op_threads = 1;
  testing::VectorReader reader(data);
  WarningList w;
  return QuantizeModel(m, o, &reader, &w);
}

double OutputSqnr(const Model& fp32, const Model& q, const HostTensor& x) {
  return SqnrDb(testing::RunModel(fp32, {x})[0].ToFloatVector(), testing::RunModel(q, {x})[0].ToFloatVector());
}

const NodeDecision& DecisionFor(const QuantizeReport& r, const std::string& name) {
  for (const auto& d : r.nodes)
    if (d.name == name) return d;
  throw std::runtime_error("no decision for " + name);
}

TEST(StaticQdq, ResidualBlockFusesEveryConvInOrt) {
  const Model m = ResidualNet();
  QuantizeOptions o;
  o.scheme = "static";
  const QuantizeResult r = QuantizeWith(m, o, Batches({2, 4, 8, 8}, 4, 10));
  auto ops = OpCounts(r.model);
  // Activations with a Q→DQ pair: x, r1 (conv1+relu1), c2, r2 (add+relu2), p, g, f (the logits stay float).
  EXPECT_EQ(ops["QuantizeLinear"], 7);
  // + weights w1, w2, fc_w and biases b1, b2, fc_b.
  EXPECT_EQ(ops["DequantizeLinear"], 13);
  EXPECT_EQ(ops["Relu"], 0);  // both folded into their producer's output range
  EXPECT_EQ(ops["Conv"], 2);
  EXPECT_TRUE(DecisionFor(r.report, "relu1").quantized);
  EXPECT_NE(DecisionFor(r.report, "relu1").how.find("conv1"), std::string::npos);
  EXPECT_NE(DecisionFor(r.report, "conv1").how.find("per-channel axis 0"), std::string::npos);
  EXPECT_NE(DecisionFor(r.report, "fc").how.find("per-tensor"), std::string::npos);

  const RuntimeCoverage cov = AnalyzeRuntimeCoverage(r.model);
  ASSERT_TRUE(cov.analyzed) << cov.note;
  EXPECT_EQ(cov.op_histogram.count("Conv"), 0u);
  EXPECT_EQ(cov.op_histogram.count("com.microsoft.FusedConv"), 0u);
  EXPECT_EQ(cov.op_histogram.at("QLinearConv"), 2);
  EXPECT_EQ(cov.op_histogram.at("com.microsoft.QLinearAdd"), 1);
  EXPECT_EQ(cov.op_histogram.at("com.microsoft.QGemm"), 1);
  // MACs at batch 1: conv1 8·64·36 + conv2 8·64·72 + fc 40 = 55,336, all int8.
  EXPECT_EQ(cov.int8_macs, 18432 + 36864 + 40);
  EXPECT_EQ(cov.float_macs, 0);
  EXPECT_DOUBLE_EQ(cov.int8_mac_share, 1.0);

  const HostTensor x = testing::RandomTensor({2, 4, 8, 8}, 99);
  EXPECT_GE(OutputSqnr(m, r.model, x), 30.0);

  // With quantize_graph_outputs the logits get a pair too; the output keeps its name.
  o.quantize_graph_outputs = true;
  const QuantizeResult q = QuantizeWith(m, o, Batches({2, 4, 8, 8}, 4, 10));
  EXPECT_EQ(OpCounts(q.model)["QuantizeLinear"], 8);
  ASSERT_EQ(q.model.Outputs().size(), 1u);
  EXPECT_EQ(q.model.Outputs()[0].name, "logits");
  EXPECT_EQ(testing::ProducerOf(q.model, "logits")->op_type(), "DequantizeLinear");
  EXPECT_GE(OutputSqnr(m, q.model, x), 28.0);
}

TEST(StaticQdq, PerTensorAndInt8Activations) {
  const Model m = ResidualNet();
  QuantizeOptions o;
  o.granularity = WeightGranularity::kPerTensor;
  o.activation_type = DType::kInt8;
  const QuantizeResult r = QuantizeWith(m, o, Batches({1, 4, 8, 8}, 4, 20));
  for (const auto& n : r.model.proto.graph().node()) {
    if (n.op_type() != "QuantizeLinear") continue;
    EXPECT_EQ(testing::InitializerTensor(r.model, n.input(2)).dtype, DType::kInt8);
  }
  EXPECT_NE(DecisionFor(r.report, "conv1").how.find("per-tensor"), std::string::npos);
  EXPECT_GE(OutputSqnr(m, r.model, testing::RandomTensor({1, 4, 8, 8}, 98)), 28.0);
}

TEST(StaticQdq, ExcludeByNameRegexAndOpType) {
  const Model m = ResidualNet();
  QuantizeOptions o;
  o.exclude = {"op:Gemm", "re:^conv2$", "pool", "no_such_node"};
  const QuantizeResult r = QuantizeWith(m, o, Batches({2, 4, 8, 8}, 4, 10));
  EXPECT_FALSE(DecisionFor(r.report, "fc").quantized);
  EXPECT_EQ(DecisionFor(r.report, "fc").reason, "excluded by --exclude op:Gemm");
  EXPECT_FALSE(DecisionFor(r.report, "conv2").quantized);
  EXPECT_FALSE(DecisionFor(r.report, "pool").quantized);
  EXPECT_TRUE(DecisionFor(r.report, "conv1").quantized);
  bool warned = false;
  for (const auto& w : r.report.warnings) warned = warned || w.message.find("no_such_node") != std::string::npos;
  EXPECT_TRUE(warned);
  // conv2 stays fp32 in ORT too (ORT's WeightBiasQuantization would quantize a float Conv between
  // a scalar DQ and a Q), and so does fc.
  const RuntimeCoverage cov = AnalyzeRuntimeCoverage(r.model);
  EXPECT_EQ(cov.op_histogram.at("QLinearConv"), 1);
  EXPECT_EQ(cov.float_macs, 36864 + 40);
  EXPECT_GE(OutputSqnr(m, r.model, testing::RandomTensor({1, 4, 8, 8}, 97)), 30.0);

  o.exclude = {"re:("};
  EXPECT_THROW(QuantizeWith(m, o, Batches({1, 4, 8, 8}, 1, 30)), Error);
}

// x → conv (3x3) → HardSigmoid → Mul(conv, hs) → conv: MobileNetV3's hardswish.
Model HardSwishNet() {
  GraphBuilder b("hardswish");
  b.AddInput("x", DType::kFloat32, {1, 3, 8, 8});
  b.AddOutput("y", DType::kFloat32, {1, 4, 8, 8});
  b.AddInitializer("w1", {4, 3, 3, 3}, RandomValues(4 * 27, 41, -0.4f, 0.4f));
  b.AddInitializer("w2", {4, 4, 1, 1}, RandomValues(16, 42, -0.5f, 0.5f));
  b.AddNode("Conv", "conv1", {"x", "w1"}, {"c1"}, {AttrInts("pads", {1, 1, 1, 1})});
  b.AddNode("HardSigmoid", "hs", {"c1"}, {"h"}, {AttrFloat("alpha", 1.0f / 6.0f), AttrFloat("beta", 0.5f)});
  b.AddNode("Mul", "hswish", {"c1", "h"}, {"m"});
  b.AddNode("Conv", "conv2", {"m", "w2"}, {"y"});
  return b.Build();
}

TEST(StaticQdq, HardSigmoidPolicies) {
  const Model m = HardSwishNet();
  const HostTensor x = testing::RandomTensor({1, 3, 8, 8}, 51);
  QuantizeOptions o;  // default: decompose into Mul → Add → Clip, all int8 in ORT
  const QuantizeResult dec = QuantizeWith(m, o, Batches({1, 3, 8, 8}, 2, 50));
  auto ops = OpCounts(dec.model);
  EXPECT_EQ(ops["HardSigmoid"], 0);
  EXPECT_EQ(ops["Clip"], 0);  // folded into the Add's output range [0, 1]
  // Q→DQ on x, c1, c1·alpha, h (= the HardSigmoid's output, written by the Add) and m.
  EXPECT_EQ(ops["QuantizeLinear"], 5);
  EXPECT_TRUE(DecisionFor(dec.report, "hswish").quantized);
  RuntimeCoverage cov = AnalyzeRuntimeCoverage(dec.model);
  EXPECT_EQ(cov.op_histogram.count("HardSigmoid"), 0u);
  EXPECT_EQ(cov.op_histogram.at("com.microsoft.QLinearMul"), 2);
  EXPECT_EQ(cov.op_histogram.at("com.microsoft.QLinearAdd"), 1);
  EXPECT_GE(OutputSqnr(m, dec.model, x), 28.0);

  o.exclude = {"hs"};  // an excluded HardSigmoid is not rewritten
  const QuantizeResult kept = QuantizeWith(m, o, Batches({1, 3, 8, 8}, 2, 50));
  EXPECT_EQ(OpCounts(kept.model)["HardSigmoid"], 1);
  EXPECT_EQ(DecisionFor(kept.report, "hs").reason, "excluded by --exclude hs");
  o.exclude.clear();

  o.hard_sigmoid = HardSigmoidPolicy::kQdqAround;  // ORT's recipe
  const QuantizeResult qdq = QuantizeWith(m, o, Batches({1, 3, 8, 8}, 2, 50));
  EXPECT_FALSE(DecisionFor(qdq.report, "hs").quantized);
  EXPECT_TRUE(DecisionFor(qdq.report, "hswish").quantized);
  EXPECT_EQ(OpCounts(qdq.model)["QuantizeLinear"], 4);  // x, c1, h, m
  cov = AnalyzeRuntimeCoverage(qdq.model);
  EXPECT_EQ(cov.op_histogram.at("HardSigmoid"), 1);
  EXPECT_GE(OutputSqnr(m, qdq.model, x), 28.0);

  o.hard_sigmoid = HardSigmoidPolicy::kFloat;
  const QuantizeResult fl = QuantizeWith(m, o, Batches({1, 3, 8, 8}, 2, 50));
  EXPECT_FALSE(DecisionFor(fl.report, "hs").quantized);
  EXPECT_FALSE(DecisionFor(fl.report, "hswish").quantized);
  // x, c1; conv2 reads the float Mul and writes the float graph output y, so it stays float (ORT
  // would run it in fp32 anyway) and m gets no Q.
  EXPECT_EQ(OpCounts(fl.model)["QuantizeLinear"], 2);
  EXPECT_FALSE(DecisionFor(fl.report, "conv2").quantized);
  EXPECT_GE(OutputSqnr(m, fl.model, x), 30.0);
  EXPECT_EQ(ParseHardSigmoidPolicy("qdq"), HardSigmoidPolicy::kQdqAround);
  EXPECT_THROW(ParseHardSigmoidPolicy("naive"), Error);
}

TEST(StaticQdq, ConcatInputsShareTheOutputScale) {
  GraphBuilder b("fire");
  b.AddInput("x", DType::kFloat32, {1, 4, 6, 6});
  b.AddOutput("y", DType::kFloat32, {1, 4, 6, 6});
  b.AddInitializer("wa", {3, 4, 1, 1}, RandomValues(12, 61, -1, 1));
  b.AddInitializer("wb", {5, 4, 3, 3}, RandomValues(180, 62, -0.2f, 0.2f));
  b.AddInitializer("wc", {4, 8, 1, 1}, RandomValues(32, 63, -0.5f, 0.5f));
  b.AddNode("Conv", "expand1", {"x", "wa"}, {"a"});
  b.AddNode("Relu", "relu_a", {"a"}, {"ra"});
  b.AddNode("Conv", "expand3", {"x", "wb"}, {"bb"}, {AttrInts("pads", {1, 1, 1, 1})});
  b.AddNode("Relu", "relu_b", {"bb"}, {"rb"});
  b.AddNode("Concat", "concat", {"ra", "rb"}, {"cat"}, {AttrInt("axis", 1)});
  b.AddNode("Conv", "squeeze", {"cat", "wc"}, {"y"});
  const Model m = b.Build();
  const QuantizeResult r = QuantizeWith(m, QuantizeOptions{}, Batches({1, 4, 6, 6}, 2, 64));
  std::map<std::string, std::pair<float, float>> qparams;  // Q input → (scale, zero point)
  for (const auto& n : r.model.proto.graph().node())
    if (n.op_type() == "QuantizeLinear")
      qparams[n.input(0)] = {testing::InitializerTensor(r.model, n.input(1)).ToFloatVector()[0],
                             testing::InitializerTensor(r.model, n.input(2)).ToFloatVector()[0]};
  ASSERT_TRUE(qparams.count("ra") && qparams.count("rb") && qparams.count("cat"));
  EXPECT_EQ(qparams["ra"], qparams["cat"]);
  EXPECT_EQ(qparams["rb"], qparams["cat"]);
  EXPECT_GE(OutputSqnr(m, r.model, testing::RandomTensor({1, 4, 6, 6}, 65)), 30.0);
}

TEST(StaticQdq, MatMulOfTwoActivationsAndWeights) {
  GraphBuilder b("attn");
  b.AddInput("q", DType::kFloat32, {2, 4, 8});
  b.AddInput("k", DType::kFloat32, {2, 8, 4});
  b.AddOutput("y", DType::kFloat32, {2, 4, 6});
  b.AddInitializer("w", {4, 6}, RandomValues(24, 71, -1, 1));
  b.AddNode("MatMul", "scores", {"q", "k"}, {"s"});
  b.AddNode("MatMul", "proj", {"s", "w"}, {"y"});
  const Model m = b.Build();
  std::vector<std::vector<HostTensor>> data = {{testing::RandomTensor({2, 4, 8}, 72), testing::RandomTensor({2, 8, 4}, 73)}};
  const QuantizeResult r = QuantizeWith(m, QuantizeOptions{}, data);
  EXPECT_EQ(OpCounts(r.model)["QuantizeLinear"], 3);  // q, k, s
  const RuntimeCoverage cov = AnalyzeRuntimeCoverage(r.model);
  EXPECT_EQ(cov.op_histogram.count("MatMul"), 0u);
  EXPECT_DOUBLE_EQ(cov.int8_mac_share, 1.0);
  const auto ref = testing::RunModel(m, data[0])[0].ToFloatVector();
  EXPECT_GE(SqnrDb(ref, testing::RunModel(r.model, data[0])[0].ToFloatVector()), 30.0);
}

// A Conv (and an Add) writing a graph output that stays float would keep its Q/DQ inputs and run in
// fp32 in ORT (QLinearConv needs a quantized output): the report says it is float and why, the file
// has no Q/DQ for it, and --quantize-outputs makes it QLinearConv.
TEST(StaticQdq, ConvWritingAFloatGraphOutputIsKeptFloatAndSaysWhy) {
  GraphBuilder b("conv_out");
  b.AddInput("x", DType::kFloat32, {1, 4, 6, 6});
  b.AddOutput("y", DType::kFloat32, {1, 8, 6, 6});
  b.AddOutput("z", DType::kFloat32, {1, 8, 6, 6});
  b.AddInitializer("w1", {8, 4, 1, 1}, RandomValues(32, 81, -0.5f, 0.5f));
  b.AddInitializer("w2", {8, 8, 1, 1}, RandomValues(64, 82, -0.5f, 0.5f));
  b.AddNode("Conv", "conv1", {"x", "w1"}, {"c1"});
  b.AddNode("Conv", "conv2", {"c1", "w2"}, {"y"});
  b.AddNode("Add", "add", {"c1", "y"}, {"z"});
  const Model m = b.Build();
  const auto data = Batches({1, 4, 6, 6}, 4, 83);
  const QuantizeResult r = QuantizeWith(m, QuantizeOptions{}, data);
  EXPECT_TRUE(DecisionFor(r.report, "conv1").quantized);
  for (const char* name : {"conv2", "add"}) {
    const NodeDecision& d = DecisionFor(r.report, name);
    EXPECT_FALSE(d.quantized) << name;
    EXPECT_NE(d.reason.find("--quantize-outputs"), std::string::npos) << d.reason;
  }
  // x and c1 get one Q each (conv1's input and output); DQ: x's, one of c1 per consumer (conv2 and
  // add, as ORT's QDQ format wants), conv1's weight; conv2's weight stays float: 2 Q, 4 DQ.
  EXPECT_EQ(OpCounts(r.model)["QuantizeLinear"], 2);
  EXPECT_EQ(OpCounts(r.model)["DequantizeLinear"], 4);
  bool noted = false;
  for (const auto& n : r.report.notes) noted |= n.find("2 Conv/Add/Mul/Concat/pool node(s) write a graph output") == 0;
  EXPECT_TRUE(noted);
  const RuntimeCoverage cov = AnalyzeRuntimeCoverage(r.model);
  EXPECT_EQ(cov.op_histogram.at("QLinearConv"), 1);
  EXPECT_EQ(cov.float_macs, 8 * 8 * 36);  // conv2: 8 outputs x 8 inputs x 36 pixels

  QuantizeOptions outputs;
  outputs.quantize_graph_outputs = true;
  const QuantizeResult q = QuantizeWith(m, outputs, data);
  EXPECT_TRUE(DecisionFor(q.report, "conv2").quantized);
  EXPECT_TRUE(DecisionFor(q.report, "add").quantized);
  const RuntimeCoverage all = AnalyzeRuntimeCoverage(q.model);
  EXPECT_EQ(all.op_histogram.at("QLinearConv"), 2);
  EXPECT_DOUBLE_EQ(all.int8_mac_share, 1.0);
  EXPECT_GE(OutputSqnr(m, r.model, testing::RandomTensor({1, 4, 6, 6}, 84)), 30.0);
}

}  // namespace
}  // namespace qbench

namespace qbench {
namespace {

// x [N,4,8,8] → conv1 (3x3, 8) → Relu → ct (ConvTranspose 2x2 stride 2, 8 → 4, bias) → conv2 (1x1, 4)
// → GlobalAveragePool → Flatten → fc (Gemm, 3): a decoder-like upsampling between int8 Convs.
Model UpsamplingNet() {
  GraphBuilder b("upsampling");
  b.AddInput("x", DType::kFloat32, {"N", 4, 8, 8});
  b.AddOutput("logits", DType::kFloat32, {"N", 3});
  b.AddInitializer("w1", {8, 4, 3, 3}, RandomValues(8 * 4 * 9, 21, -0.3f, 0.3f));
  b.AddInitializer("b1", {8}, RandomValues(8, 22, -0.1f, 0.1f));
  b.AddInitializer("wt", {8, 4, 2, 2}, RandomValues(8 * 4 * 4, 23, -0.4f, 0.4f));  // [C_in, C_out, kH, kW]
  b.AddInitializer("bt", {4}, RandomValues(4, 24, -0.1f, 0.1f));
  b.AddInitializer("w2", {4, 4, 1, 1}, RandomValues(16, 25, -0.5f, 0.5f));
  b.AddInitializer("fc_w", {3, 4}, RandomValues(12, 26, -0.5f, 0.5f));
  b.AddNode("Conv", "conv1", {"x", "w1", "b1"}, {"c1"}, {AttrInts("pads", {1, 1, 1, 1}), AttrInts("kernel_shape", {3, 3})});
  b.AddNode("Relu", "relu1", {"c1"}, {"r1"});
  b.AddNode("ConvTranspose", "ct", {"r1", "wt", "bt"}, {"u"}, {AttrInts("kernel_shape", {2, 2}), AttrInts("strides", {2, 2})});
  b.AddNode("Conv", "conv2", {"u", "w2"}, {"c2"}, {AttrInts("kernel_shape", {1, 1})});
  b.AddNode("GlobalAveragePool", "gap", {"c2"}, {"g"});
  b.AddNode("Flatten", "flatten", {"g"}, {"f"});
  b.AddNode("Gemm", "fc", {"f", "fc_w"}, {"logits"}, {AttrInt("transB", 1)});
  return b.Build();
}

// ORT's CPU provider fuses no QDQ ConvTranspose (0.0 % int8 MACs in its optimized graph, tester G7):
// the static scheme keeps it float with that reason, its weight and bias stay float32 initializers,
// and the Convs around it are still int8.
TEST(StaticQdq, ConvTransposeStaysFloatWithItsReason) {
  const Model m = UpsamplingNet();
  for (const auto g : {WeightGranularity::kDefault, WeightGranularity::kPerChannel, WeightGranularity::kPerTensor}) {
    QuantizeOptions o;
    o.scheme = "static";
    o.granularity = g;
    const QuantizeResult r = QuantizeWith(m, o, Batches({2, 4, 8, 8}, 4, 30));
    const NodeDecision& ct = DecisionFor(r.report, "ct");
    EXPECT_FALSE(ct.quantized);
    EXPECT_EQ(ct.reason, "ORT has no int8 ConvTranspose kernel (it fuses no QDQ ConvTranspose): kept float");
    EXPECT_TRUE(DecisionFor(r.report, "conv1").quantized);
    EXPECT_TRUE(DecisionFor(r.report, "conv2").quantized);
    const OpTypeCoverage* row = nullptr;
    for (const auto& c : r.report.by_op_type)
      if (c.op_type == "ConvTranspose") row = &c;
    ASSERT_NE(row, nullptr);
    EXPECT_EQ(row->quantized, 0);
    EXPECT_EQ(row->kept_float, 1);
    ASSERT_EQ(row->reasons.size(), 1u);
    EXPECT_EQ(row->reasons[0], ct.reason);
    const onnx::NodeProto* node = testing::NodeNamed(r.model, "ct");
    ASSERT_NE(node, nullptr);
    EXPECT_EQ(node->input(1), "wt");  // the fp32 weight, no DequantizeLinear in front
    EXPECT_EQ(node->input(2), "bt");
    EXPECT_EQ(testing::InitializerTensor(r.model, "wt").dtype, DType::kFloat32);
    EXPECT_EQ(OpCounts(r.model)["ConvTranspose"], 1);
    // conv1, conv2 and fc weights (3) and the activations conv1/ct/gap feed (x, r1, u, f ...) are QDQ;
    // the file runs in ORT, close to fp32.
    EXPECT_GE(OpCounts(r.model)["QuantizeLinear"], 3);
    EXPECT_GE(OutputSqnr(m, r.model, testing::RandomTensor({1, 4, 8, 8}, 99)), 25.0);
  }
}

// A model that is only a ConvTranspose: nothing to quantize, the file is the fp32 graph (no Q/DQ at all).
TEST(StaticQdq, LoneConvTransposeGetsNoQdq) {
  GraphBuilder b("lone_ct");
  b.AddInput("x", DType::kFloat32, {"N", 2, 4, 4});
  b.AddOutput("y", DType::kFloat32, {"N", 3, 8, 8});
  b.AddInitializer("w", {2, 3, 2, 2}, RandomValues(24, 40, -1.0f, 1.0f));
  b.AddNode("ConvTranspose", "ct", {"x", "w"}, {"y"}, {AttrInts("kernel_shape", {2, 2}), AttrInts("strides", {2, 2})});
  const Model m = b.Build();
  QuantizeOptions o;
  o.scheme = "static";
  const QuantizeResult r = QuantizeWith(m, o, Batches({1, 2, 4, 4}, 2, 41));
  EXPECT_FALSE(DecisionFor(r.report, "ct").quantized);
  auto ops = OpCounts(r.model);
  EXPECT_EQ(ops["QuantizeLinear"], 0);
  EXPECT_EQ(ops["DequantizeLinear"], 0);
  EXPECT_EQ(ops["ConvTranspose"], 1);
  const HostTensor x = testing::RandomTensor({1, 2, 4, 4}, 42);
  EXPECT_EQ(testing::RunModel(m, {x})[0].ToFloatVector(), testing::RunModel(r.model, {x})[0].ToFloatVector());
}

}  // namespace
}  // namespace qbench
