// The fp16 scheme (src/quantization/schemes/fp16.cc) on tiny models built in code: float16 inside,
// float32 graph inputs/outputs via Casts at the edges, the kept-fp32 rule, outputs within float16
// tolerance of fp32 in ONNX Runtime, and the file about half the fp32 size.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "qbench/core/error.h"
#include "qbench/model/graph_builder.h"
#include "qbench/quantization/quantize_report_json.h"
#include "qbench/quantization/quantizer.h"
#include "quant_test_util.h"
#include "test_util.h"

namespace qbench {
namespace {

using testing::OpCounts;
using testing::RandomValues;

constexpr int kFloat = 1, kFloat16 = 10;  // onnx TensorProto data types

QuantizeResult Fp16(const Model& m, std::vector<std::string> exclude = {}) {
  QuantizeOptions o;
  o.scheme = "fp16";
  o.exclude = std::move(exclude);
  return QuantizeModelWithRanges(m, o, {}, nullptr);
}

const NodeDecision& DecisionFor(const QuantizeReport& r, const std::string& name) {
  for (const auto& d : r.nodes)
    if (d.name == name) return d;
  throw std::runtime_error("no decision for " + name);
}

// x [N,3,8,8] → conv (3→16, 3x3, pad 1) → relu → gap → flatten → fc (Gemm 16→256, transB) → fc2
// (MatMul 256→10) → softmax → y [N,10]. Weights dominate the file (about 45 k floats).
Model SmallCnn() {
  GraphBuilder b("cnn");
  b.AddInput("x", DType::kFloat32, {"N", 3, 8, 8});
  b.AddOutput("y", DType::kFloat32, {"N", 10});
  b.AddInitializer("w", {16, 3, 3, 3}, RandomValues(16 * 27, 1, -0.4f, 0.4f));
  b.AddInitializer("b", {16}, RandomValues(16, 2, -0.1f, 0.1f));
  b.AddInitializer("w1", {256, 16}, RandomValues(256 * 16, 3, -0.5f, 0.5f));
  b.AddInitializer("b1", {256}, RandomValues(256, 4, -0.1f, 0.1f));
  b.AddInitializer("w2", {256, 10}, RandomValues(2560, 5, -0.2f, 0.2f));
  b.AddNode("Conv", "conv", {"x", "w", "b"}, {"c"}, {AttrInts("pads", {1, 1, 1, 1})});
  b.AddNode("Relu", "relu", {"c"}, {"r"});
  b.AddNode("GlobalAveragePool", "gap", {"r"}, {"g"});
  b.AddNode("Flatten", "flatten", {"g"}, {"f"});
  b.AddNode("Gemm", "fc", {"f", "w1", "b1"}, {"h"}, {AttrInt("transB", 1)});
  b.AddNode("MatMul", "fc2", {"h", "w2"}, {"l"});
  b.AddNode("Softmax", "softmax", {"l"}, {"y"}, {AttrInt("axis", 1)});
  return b.Build();
}

int ElemType(const onnx::ValueInfoProto& v) { return v.type().tensor_type().elem_type(); }

TEST(QuantFp16, FloatSixteenInsideFloat32AtTheEdges) {
  const Model m = SmallCnn();
  const QuantizeResult r = Fp16(m);
  const auto& g = r.model.proto.graph();
  // Every one of the 7 nodes converted; one Cast after the input, one before the output.
  auto ops = OpCounts(r.model);
  EXPECT_EQ(ops["Cast"], 2);
  EXPECT_EQ(ops["Conv"], 1);
  EXPECT_EQ(ops["Gemm"], 1);
  EXPECT_EQ(ops["MatMul"], 1);
  EXPECT_EQ(ops["Softmax"], 1);
  EXPECT_EQ(g.node_size(), 9);
  for (const auto& d : r.report.nodes) EXPECT_TRUE(d.quantized) << d.name << ": " << d.reason;
  // Graph input and output keep their names and float32.
  ASSERT_EQ(g.input_size(), 1);
  EXPECT_EQ(g.input(0).name(), "x");
  EXPECT_EQ(ElemType(g.input(0)), kFloat);
  ASSERT_EQ(g.output_size(), 1);
  EXPECT_EQ(g.output(0).name(), "y");
  EXPECT_EQ(ElemType(g.output(0)), kFloat);
  // The Cast reading x goes to float16; the one writing y goes back to float32.
  for (const auto& n : g.node()) {
    if (n.op_type() != "Cast") continue;
    ASSERT_EQ(n.attribute_size(), 1);
    if (n.input(0) == "x") EXPECT_EQ(n.attribute(0).i(), kFloat16);
    else if (n.output(0) == "y") EXPECT_EQ(n.attribute(0).i(), kFloat);
    else ADD_FAILURE() << "unexpected Cast " << n.input(0) << " -> " << n.output(0);
  }
  // All five weights are float16 now, none float32 left.
  ASSERT_EQ(g.initializer_size(), 5);
  for (const auto& t : g.initializer()) EXPECT_EQ(t.data_type(), kFloat16) << t.name();
  EXPECT_EQ(r.report.scheme, "fp16");
  EXPECT_TRUE(r.report.weight_range.empty());  // no integer weights, no weight range
  EXPECT_EQ(r.report.notes.front(), "7 of 7 node(s) are float16 in the file; 1 Cast(s) to float16 and 1 back to float32 at the fp32 boundaries");
}

// F29: what ONNX Runtime runs of a float16 file, from its optimized graph. x [1,3,8,8] → Conv (3→4,
// 3x3, pad 1) → Relu → Flatten → MatMul (256→10): Conv 4·8·8 outputs × 27 = 6,912 MACs, MatMul
// 256 × 10 = 2,560, 9,472 in all — every one counted although ORT's inserted Casts give new values
// without shapes (sized across the Casts, or by the node's name in the given graph).
TEST(QuantFp16, RuntimeShareOfFloat16MacsFromOrtsOptimizedGraph) {
  GraphBuilder b("conv_relu_matmul");
  b.AddInput("x", DType::kFloat32, {1, 3, 8, 8});
  b.AddOutput("y", DType::kFloat32, {1, 10});
  b.AddInitializer("w", {4, 3, 3, 3}, RandomValues(108, 1, -0.4f, 0.4f));
  b.AddInitializer("w2", {256, 10}, RandomValues(2560, 2, -0.2f, 0.2f));
  b.AddNode("Conv", "conv", {"x", "w"}, {"c"}, {AttrInts("pads", {1, 1, 1, 1})});
  b.AddNode("Relu", "relu", {"c"}, {"r"});
  b.AddNode("Flatten", "flatten", {"r"}, {"f"});
  b.AddNode("MatMul", "fc", {"f", "w2"}, {"y"});
  QuantizeResult r = Fp16(b.Build());
  // The file: the 4 nodes in float16 between one Cast at each edge.
  EXPECT_EQ(r.report.notes.front(), "4 of 4 node(s) are float16 in the file; 1 Cast(s) to float16 and 1 back to float32 at the fp32 boundaries");
  EXPECT_EQ(OpCounts(r.model)["Cast"], 2);
  const RuntimeCoverage rc = AnalyzeRuntimeCoverage(r.model, {}, "extended", 1);
  ASSERT_TRUE(rc.analyzed) << rc.note;
  EXPECT_EQ(rc.unknown_mac_nodes, 0) << rc.note;
  EXPECT_TRUE(rc.macs_complete);
  EXPECT_EQ(rc.int8_macs, 0);
  EXPECT_EQ(rc.float_macs, 9472);
  // On x86 ORT's CPU provider has no float16 Conv or MatMul kernel: both run in float32 behind Casts
  // it inserts (more Casts than the file's 2), so the float16 share of MACs is 0.
  int casts = 0;
  for (const auto& [op, n] : rc.op_histogram)
    if (op == "Cast") casts = n;
  std::string ops;
  for (const auto& [op, n] : rc.op_histogram) ops += op + " " + std::to_string(n) + ", ";
  std::printf("ORT optimized graph: %s float16 MACs %lld\n", ops.c_str(), static_cast<long long>(rc.float16_macs));
#if defined(__x86_64__)
  EXPECT_EQ(rc.float16_macs, 0) << ops;
  EXPECT_GT(casts, 2) << ops;
  r.report.runtime = rc;
  const std::string text = FormatQuantizeReport(r.report);
  EXPECT_NE(text.find("float16 share of MACs after ORT optimization (extended): 0.0 % (0 of 9.5 k MACs); the others run "
                      "in float32 behind the Casts ONNX Runtime inserts\n"),
            std::string::npos) << text;
  EXPECT_EQ(text.find("int8 share"), std::string::npos) << text;
  EXPECT_EQ(text.find("unknown shapes"), std::string::npos) << text;
  // Each float MAC node says the precision ORT runs it in: here both in float32.
  EXPECT_TRUE(rc.float16_mac_nodes.empty());
  ASSERT_EQ(rc.float_mac_nodes.size(), 2u) << ops;
  EXPECT_EQ(rc.float_mac_nodes[0].rfind("conv (", 0), 0u) << rc.float_mac_nodes[0];
  EXPECT_EQ(rc.float_mac_nodes[1].rfind("fc (", 0), 0u) << rc.float_mac_nodes[1];
  for (const auto& e : rc.float_mac_nodes) EXPECT_NE(text.find("  float MACs (fp32): " + e + "\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("(fp16)"), std::string::npos) << text;
#endif
}

// The marks follow RuntimeCoverage::float16_mac_nodes: the same graph's coverage as a provider with a
// float16 Conv kernel but no float16 MatMul would give it (conv's 6,912 MACs in float16, fc's 2,560 in
// float32); a report written before the nodes were recorded says so rather than marking them all fp32;
// the JSON keeps the list.
TEST(QuantFp16, FloatMacNodesAreMarkedWithThePrecisionOrtRunsThemIn) {
  QuantizeReport r;
  r.scheme = "fp16";
  r.runtime.analyzed = true;
  r.runtime.graph_optimization = "extended";
  r.runtime.float_macs = 9472;
  r.runtime.float16_macs = 6912;
  r.runtime.float_mac_nodes = {"conv (Conv): 6912 MACs", "fc (MatMul): 2560 MACs"};
  r.runtime.float16_mac_nodes = {"conv (Conv): 6912 MACs"};
  std::string text = FormatQuantizeReport(r);
  EXPECT_NE(text.find("float16 share of MACs after ORT optimization (extended): 73.0 % (6.9 k of 9.5 k MACs)"), std::string::npos) << text;
  EXPECT_NE(text.find("  float MACs (fp16): conv (Conv): 6912 MACs\n  float MACs (fp32): fc (MatMul): 2560 MACs\n"), std::string::npos) << text;
  // Through the report's JSON (quantize --report, the lab's coverage_report) and back.
  const QuantizeReport back = QuantizeReportFromJson(QuantizeReportToJson(r));
  EXPECT_EQ(back.runtime.float16_mac_nodes, r.runtime.float16_mac_nodes);
  EXPECT_EQ(FormatQuantizeReport(back), text);
  // More than 10 nodes: the rest counted by precision.
  for (int i = 0; i < 11; ++i) r.runtime.float_mac_nodes.push_back("n" + std::to_string(i) + " (Gemm): 1 MACs");
  r.runtime.float16_mac_nodes.push_back("n10 (Gemm): 1 MACs");
  text = FormatQuantizeReport(r);
  EXPECT_NE(text.find("  float MACs (fp32): n7 (Gemm): 1 MACs\n  ... and 3 more float MAC nodes (1 fp16, 2 fp32)\n"), std::string::npos) << text;
  // An older report: float16 MACs without the list of their nodes.
  r.runtime.float16_mac_nodes.clear();
  text = FormatQuantizeReport(r);
  EXPECT_NE(text.find("  (which float MAC nodes run in float16 is not recorded in this report: written by an older qbench)\n"
                      "  float MACs: conv (Conv): 6912 MACs\n"),
            std::string::npos) << text;
  EXPECT_EQ(text.find("(fp32)"), std::string::npos) << text;
  // Another scheme's report is not marked.
  r.scheme = "dynamic";
  EXPECT_NE(FormatQuantizeReport(r).find("  float MACs: conv (Conv): 6912 MACs\n"), std::string::npos);
}

TEST(QuantFp16, OutputsWithinFloat16ToleranceInOrt) {
  const Model m = SmallCnn();
  const QuantizeResult r = Fp16(m);
  const std::vector<HostTensor> feeds = {testing::RandomTensor({2, 3, 8, 8}, 7)};
  const auto ref = testing::RunModel(m, feeds)[0];
  const auto out = testing::RunModel(r.model, feeds);  // ORT loads and runs the float16 file
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].dtype, DType::kFloat32);
  EXPECT_EQ(out[0].shape, (std::vector<std::int64_t>{2, 10}));
  const auto a = ref.ToFloatVector(), b = out[0].ToFloatVector();
  // float16 keeps 11 significant bits (unit roundoff 2^-11 = 4.9e-4): a handful of roundings per
  // value over 5 layers stays far below 1 % of a softmax probability, and above 45 dB SQNR.
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::fabs(double(a[i]) - double(b[i])));
  EXPECT_LT(worst, 2e-3);
  EXPECT_GT(worst, 0.0);  // it did compute in float16
  EXPECT_GE(SqnrDb(a, b), 45.0);
}

TEST(QuantFp16, FileIsAboutHalfTheFp32Size) {
  const Model m = SmallCnn();
  const QuantizeResult r = Fp16(m);
  const double ratio = double(r.report.size_after_bytes) / double(r.report.size_before_bytes);
  // 7,360 weights of 4 bytes become 2 bytes; names and the two Casts add a few hundred bytes.
  EXPECT_GT(ratio, 0.49);
  EXPECT_LT(ratio, 0.52);
  EXPECT_EQ(r.report.size_after_bytes, r.model.proto.ByteSizeLong());
}

// The kept-fp32 rule: Resize (its scales input is float32 by the ONNX signature), an Add reading a
// -1e9 mask constant (beyond float16's 65504) and an excluded node stay fp32 between Casts.
TEST(QuantFp16, KeptFp32RuleAndCastsAroundKeptNodes) {
  GraphBuilder b("kept");
  b.AddInput("x", DType::kFloat32, {1, 4, 4, 4});
  b.AddOutput("y", DType::kFloat32, {1, 4, 8, 8});
  b.AddOutput("z", DType::kFloat32, {1, 4, 4, 4});
  b.AddInitializer("w", {4, 4, 1, 1}, RandomValues(16, 11, -0.5f, 0.5f));
  b.AddInitializer("scales", {4}, {1, 1, 2, 2});
  std::vector<float> mask(64, 0.0f);
  mask[5] = -1e9f;
  b.AddInitializer("mask", {1, 4, 4, 4}, mask);
  b.AddNode("Conv", "conv", {"x", "w"}, {"c"});
  b.AddNode("Resize", "resize", {"c", "", "scales"}, {"u"}, {AttrString("mode", "nearest")});
  b.AddNode("Relu", "relu", {"u"}, {"y"});
  b.AddNode("Add", "masked", {"c", "mask"}, {"a"});
  b.AddNode("Sigmoid", "gate", {"a"}, {"s"});
  b.AddNode("Mul", "kept_mul", {"s", "c"}, {"z"});
  const Model m = b.Build();
  const QuantizeResult r = Fp16(m, {"kept_mul"});
  EXPECT_TRUE(DecisionFor(r.report, "conv").quantized);
  EXPECT_TRUE(DecisionFor(r.report, "relu").quantized);
  EXPECT_TRUE(DecisionFor(r.report, "gate").quantized);
  EXPECT_FALSE(DecisionFor(r.report, "resize").quantized);
  EXPECT_NE(DecisionFor(r.report, "resize").reason.find("Resize stays fp32"), std::string::npos);
  EXPECT_FALSE(DecisionFor(r.report, "masked").quantized);
  EXPECT_NE(DecisionFor(r.report, "masked").reason.find("reads 'mask' with |value| 1e+09 > 65504"), std::string::npos)
      << DecisionFor(r.report, "masked").reason;
  EXPECT_EQ(DecisionFor(r.report, "kept_mul").reason, "excluded by --exclude kept_mul");
  // Casts: x → fp16 (conv); conv's output back to fp32 once for resize, masked and kept_mul
  // (shared); resize's output → fp16 for relu; relu's output back for y; masked's output → fp16
  // for gate; gate's output back for kept_mul. 6 in all.
  EXPECT_EQ(OpCounts(r.model)["Cast"], 6);
  for (const auto& n : r.model.proto.graph().node()) {
    if (n.name() == "resize" || n.name() == "masked") {
      EXPECT_EQ(n.input(0), "c") << n.name();  // the original fp32 tensor, rebuilt by a Cast
    }
  }
  // The mask stays a float32 initializer; w is float16; scales float32.
  for (const auto& t : r.model.proto.graph().initializer()) {
    if (t.name() == "mask" || t.name() == "scales") EXPECT_EQ(t.data_type(), kFloat) << t.name();
    if (t.name().rfind("w", 0) == 0) EXPECT_EQ(t.data_type(), kFloat16) << t.name();
  }
  // ORT runs it and the masked position stays -1e9 + c → sigmoid 0 → z = 0 there.
  const std::vector<HostTensor> feeds = {testing::RandomTensor({1, 4, 4, 4}, 12)};
  const auto ref = testing::RunModel(m, feeds);
  const auto out = testing::RunModel(r.model, feeds);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_GE(SqnrDb(ref[0].ToFloatVector(), out[0].ToFloatVector()), 45.0);
  EXPECT_GE(SqnrDb(ref[1].ToFloatVector(), out[1].ToFloatVector()), 45.0);
  EXPECT_EQ(out[1].ToFloatVector()[5], 0.0f);
}

// A weight read by a float16 node and an fp32 node is stored twice (float32 and float16), with no
// Cast at run time.
TEST(QuantFp16, SharedWeightGetsAFloat16Copy) {
  GraphBuilder b("shared");
  b.AddInput("x", DType::kFloat32, {2, 8});
  b.AddOutput("y", DType::kFloat32, {2, 8});
  b.AddOutput("z", DType::kFloat32, {2, 8});
  b.AddInitializer("w", {8, 8}, RandomValues(64, 21, -0.5f, 0.5f));
  b.AddNode("MatMul", "a", {"x", "w"}, {"y"});
  b.AddNode("MatMul", "b", {"x", "w"}, {"z"});
  const QuantizeResult r = Fp16(b.Build(), {"b"});
  int fp32 = 0, fp16 = 0;
  for (const auto& t : r.model.proto.graph().initializer()) (t.data_type() == kFloat16 ? fp16 : fp32) += 1;
  EXPECT_EQ(fp32, 1);
  EXPECT_EQ(fp16, 1);
  EXPECT_EQ(OpCounts(r.model)["Cast"], 2);  // x → fp16 for a; a's output back to y
}

TEST(QuantFp16, GranularityFlagsDoNotApplyAndActivationTypeIsIgnored) {
  QuantizeOptions o;
  o.scheme = "fp16";
  o.granularity = WeightGranularity::kPerChannel;
  try {
    QuantizeModelWithRanges(SmallCnn(), o, {}, nullptr);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_STREQ(e.what(), "--per-channel/--per-tensor do not apply to --mode fp16: its fp16 weights have no scales");
  }
  o.granularity = WeightGranularity::kDefault;
  o.activation_type = DType::kInt8;  // float activations: not an integer type to choose
  EXPECT_NO_THROW(QuantizeModelWithRanges(SmallCnn(), o, {}, nullptr));
}

TEST(QuantFp16, TableRow) {
  const SchemeInfo& s = FindQuantizationScheme("fp16");
  EXPECT_EQ(s.weight_precision, Precision::kFloat16);
  EXPECT_EQ(s.activation_precision, Precision::kFloat16);
  EXPECT_FALSE(s.needs_calibration);
  EXPECT_FALSE(s.ActivationsQuantizedAtRunTime());
  EXPECT_EQ(s.granularity, Granularity::kNone);
  EXPECT_TRUE(s.activation_types.empty());
  EXPECT_TRUE(s.op_types.empty());  // every float op but the kept-fp32 rule's
  EXPECT_EQ(s.WeightBytes(), 2);
  EXPECT_EQ(s.OutputBytes(), 2);
}

// x [2,3,4,4] → bn (BatchNormalization, training_mode = 1, opset 15: y, running_mean, running_var)
// → y → relu → out. The training-mode node normalizes with the batch's statistics and accumulates
// them into its running outputs: fp16 keeps it fp32, as the training_mode_batchnorm warning says
// (tester G6: the table converted it and running_var lost 13 dB).
TEST(QuantFp16, TrainingModeBatchNormStaysFp32AsTheWarningSays) {
  GraphBuilder b("bn_train", 15);
  b.AddInput("x", DType::kFloat32, {2, 3, 4, 4});
  b.AddOutput("out", DType::kFloat32, {2, 3, 4, 4});
  b.AddOutput("running_mean", DType::kFloat32, {3});
  b.AddOutput("running_var", DType::kFloat32, {3});
  b.AddInitializer("scale", {3}, {1.5f, 0.5f, 2.0f});
  b.AddInitializer("bias", {3}, {0.1f, -0.2f, 0.3f});
  b.AddInitializer("mean", {3}, {0.01f, 0.02f, -0.03f});
  b.AddInitializer("var", {3}, {1.0f, 0.9f, 1.1f});
  b.AddNode("BatchNormalization", "bn", {"x", "scale", "bias", "mean", "var"}, {"y", "running_mean", "running_var"},
            {AttrInt("training_mode", 1), AttrFloat("momentum", 0.9f)});
  b.AddNode("Relu", "relu", {"y"}, {"out"});
  const Model m = b.Build();
  const QuantizeResult r = Fp16(m);
  ASSERT_EQ(r.report.warnings.size(), 1u);
  EXPECT_EQ(r.report.warnings[0].code, "training_mode_batchnorm");
  const NodeDecision& bn = DecisionFor(r.report, "bn");
  EXPECT_FALSE(bn.quantized);
  EXPECT_EQ(bn.reason, "training-mode BatchNormalization: batch statistics and running-statistics outputs stay fp32 "
                       "(warning training_mode_batchnorm)");
  EXPECT_TRUE(DecisionFor(r.report, "relu").quantized);
  EXPECT_EQ(testing::InitializerTensor(r.model, "var").dtype, DType::kFloat32);
  // In ONNX Runtime: the running statistics equal fp32's bit for bit (BN reads x itself, in fp32);
  // the Relu's float16 output is within float16 rounding (2^-11 relative) of fp32.
  const HostTensor x = testing::RandomTensor({2, 3, 4, 4}, 7, -2.0f, 2.0f);
  const auto ref = testing::RunModel(m, {x});
  const auto got = testing::RunModel(r.model, {x});
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[1].ToFloatVector(), ref[1].ToFloatVector());
  EXPECT_EQ(got[2].ToFloatVector(), ref[2].ToFloatVector());
  const auto a = ref[0].ToFloatVector(), c = got[0].ToFloatVector();
  ASSERT_EQ(a.size(), c.size());
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(c[i], a[i], 1e-3f * (1.0f + std::fabs(a[i]))) << i;
}

}  // namespace
}  // namespace qbench
