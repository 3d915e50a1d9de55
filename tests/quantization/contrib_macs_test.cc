// One MAC count through ONNX Runtime's com.microsoft quantized ops: `inspect` (InspectModel) and the
// runtime coverage of ORT's optimized graph (AnalyzeRuntimeCoverage) size the values behind QLinearAdd,
// QLinearLeakyRelu, QLinearSigmoid, QLinearConcat, QLinearGlobalAveragePool, QGemm, DequantizeLinear and
// DynamicQuantizeMatMul, count the same MACs, and say "complete" only when no MAC-bearing node is unsized.
#include <gtest/gtest.h>

#include "qbench/model/graph_builder.h"
#include "qbench/model/inspect.h"
#include "qbench/model/model.h"
#include "qbench/model/shapes.h"
#include "qbench/quantization/quantizer.h"
#include "test_util.h"
#include "model/summary_test_util.h"

namespace qbench {
namespace {

const NodeCost& Node(const ModelSummary& s, const std::string& name) { return testing::SummaryNode(s, name); }
bool HasWarning(const ModelSummary& s, const std::string& code) { return testing::HasSummaryWarning(s, code); }

// u8 x [1,2,4,4] → QLinearConv 3x3 pad 1 (4 out) → QLinearAdd (with itself) → QLinearLeakyRelu, QLinearSigmoid
// → QLinearConcat on channels [1,8,4,4] → QLinearConv 1x1 (3 out) → QLinearGlobalAveragePool [1,3,1,1] → Flatten
// [1,3] → QGemm (5 out, transB) [1,5] → com.microsoft DequantizeLinear → DynamicQuantizeMatMul (2 out) [1,2].
Model ContribChain() {
  GraphBuilder b("contrib", 13);
  b.AddOpsetImport("com.microsoft", 1);
  b.AddInput("x", DType::kUint8, {1, 2, 4, 4});
  b.AddOutput("out", DType::kFloat32, {});
  b.AddInitializer("s", {}, {0.05f});
  b.AddTensorInitializer("zp", HostTensor::Zeros(DType::kUint8, {}));
  b.AddTensorInitializer("wzp", HostTensor::Zeros(DType::kInt8, {}));
  b.AddTensorInitializer("w1", HostTensor::Zeros(DType::kInt8, {4, 2, 3, 3}));
  b.AddTensorInitializer("w2", HostTensor::Zeros(DType::kInt8, {3, 8, 1, 1}));
  b.AddTensorInitializer("qb", HostTensor::Zeros(DType::kInt8, {5, 3}));
  b.AddTensorInitializer("mb", HostTensor::Zeros(DType::kInt8, {5, 2}));
  b.AddNode("QLinearConv", "conv1", {"x", "s", "zp", "w1", "s", "wzp", "s", "zp"}, {"c1"}, {AttrInts("pads", {1, 1, 1, 1})});
  b.AddNode("QLinearAdd", "add", {"c1", "s", "zp", "c1", "s", "zp", "s", "zp"}, {"a"}, {}, "com.microsoft");
  b.AddNode("QLinearLeakyRelu", "lrelu", {"a", "s", "zp", "s", "zp"}, {"l"}, {AttrFloat("alpha", 0.1f)}, "com.microsoft");
  b.AddNode("QLinearSigmoid", "sigmoid", {"a", "s", "zp", "s", "zp"}, {"g"}, {}, "com.microsoft");
  b.AddNode("QLinearConcat", "concat", {"s", "zp", "l", "s", "zp", "g", "s", "zp"}, {"cat"}, {AttrInt("axis", 1)},
            "com.microsoft");
  b.AddNode("QLinearConv", "conv2", {"cat", "s", "zp", "w2", "s", "wzp", "s", "zp"}, {"c2"});
  b.AddNode("QLinearGlobalAveragePool", "gap", {"c2", "s", "zp", "s", "zp"}, {"p"}, {AttrInt("channels_last", 0)},
            "com.microsoft");
  b.AddNode("Flatten", "flatten", {"p"}, {"f"});
  b.AddNode("QGemm", "qgemm", {"f", "s", "zp", "qb", "s", "wzp", "", "s", "zp"}, {"q"}, {AttrInt("transB", 1)},
            "com.microsoft");
  b.AddNode("DequantizeLinear", "dq", {"q", "s", "zp"}, {"qf"}, {}, "com.microsoft");
  b.AddNode("DynamicQuantizeMatMul", "dqmm", {"qf", "mb", "s", "wzp"}, {"out"}, {}, "com.microsoft");
  return b.Build();
}

// By hand: conv1 4·(4·4)·2·3·3 = 1152; conv2 3·(4·4)·8·1·1 = 384; QGemm M·N·K = 1·5·3 = 15;
// DynamicQuantizeMatMul 1·2·5 = 10.
constexpr std::int64_t kConv1 = 1152, kConv2 = 384, kGemm = 15, kMatMul = 10;

TEST(ContribMacs, InspectSizesEveryValueBehindTheContribOps) {
  const ModelSummary s = InspectModel(ContribChain(), {});
  EXPECT_EQ(Node(s, "add").output_shape, (std::vector<std::int64_t>{1, 4, 4, 4}));
  EXPECT_EQ(Node(s, "concat").output_shape, (std::vector<std::int64_t>{1, 8, 4, 4}));
  EXPECT_EQ(Node(s, "gap").output_shape, (std::vector<std::int64_t>{1, 3, 1, 1}));
  EXPECT_EQ(Node(s, "qgemm").output_shape, (std::vector<std::int64_t>{1, 5}));
  EXPECT_EQ(Node(s, "dqmm").output_shape, (std::vector<std::int64_t>{1, 2}));
  EXPECT_EQ(Node(s, "conv2").macs, kConv2);
  EXPECT_EQ(Node(s, "qgemm").macs, kGemm);
  EXPECT_EQ(Node(s, "dqmm").macs, kMatMul);
  EXPECT_EQ(s.macs, kConv1 + kConv2 + kGemm + kMatMul);
  EXPECT_TRUE(s.macs_complete);
  EXPECT_EQ(s.macs_unknown_nodes, 0);
  EXPECT_FALSE(HasWarning(s, "unknown_ops")) << "every op here has shape inference";
}

// channels_last pools keep the channel last: [1,4,4,3] → global [1,1,1,3], 2x2 stride 2 → [1,2,2,3].
TEST(ContribMacs, ChannelsLastPoolsKeepTheChannelLast) {
  GraphBuilder b("nhwc", 13);
  b.AddOpsetImport("com.microsoft", 1);
  b.AddInput("x", DType::kUint8, {1, 4, 4, 3});
  b.AddOutput("g", DType::kUint8, {});
  b.AddOutput("p", DType::kUint8, {});
  b.AddOutput("n", DType::kUint8, {});
  b.AddInitializer("s", {}, {0.05f});
  b.AddTensorInitializer("zp", HostTensor::Zeros(DType::kUint8, {}));
  b.AddNode("QLinearGlobalAveragePool", "gap", {"x", "s", "zp", "s", "zp"}, {"g"}, {AttrInt("channels_last", 1)},
            "com.microsoft");
  b.AddNode("QLinearAveragePool", "pool", {"x", "s", "zp", "s", "zp"}, {"p"},
            {AttrInt("channels_last", 1), AttrInts("kernel_shape", {2, 2}), AttrInts("strides", {2, 2})}, "com.microsoft");
  b.AddNode("QLinearAveragePool", "pool_nchw", {"x", "s", "zp", "s", "zp"}, {"n"},
            {AttrInts("kernel_shape", {2, 2}), AttrInts("strides", {2, 2})}, "com.microsoft");
  const ModelSummary s = InspectModel(b.Build(), {});
  EXPECT_EQ(Node(s, "gap").output_shape, (std::vector<std::int64_t>{1, 1, 1, 3}));
  EXPECT_EQ(Node(s, "pool").output_shape, (std::vector<std::int64_t>{1, 2, 2, 3}));
  EXPECT_EQ(Node(s, "pool_nchw").output_shape, (std::vector<std::int64_t>{1, 4, 2, 1}));  // NCHW: C=4, H=4, W=3
}

TEST(ContribMacs, RuntimeCoverageCountsTheSameMacsAndIsComplete) {
  const RuntimeCoverage cov = AnalyzeRuntimeCoverage(ContribChain(), {}, "extended", 1);
  ASSERT_TRUE(cov.analyzed) << cov.note;
  EXPECT_EQ(cov.int8_macs, kConv1 + kConv2 + kGemm + kMatMul);
  EXPECT_EQ(cov.float_macs, 0);
  EXPECT_EQ(cov.unknown_mac_nodes, 0);
  EXPECT_TRUE(cov.macs_complete);
  EXPECT_DOUBLE_EQ(cov.int8_mac_share, 1.0);
}

// An op nothing sizes (com.microsoft Gelu has no schema here) hides the MatMul behind it: incomplete in
// both places, never "complete" with the node left out.
TEST(ContribMacs, AnUnsizedNodeMakesBothCountsIncomplete) {
  GraphBuilder b("gelu", 13);
  b.AddOpsetImport("com.microsoft", 1);
  b.AddInput("x", DType::kFloat32, {2, 4});
  b.AddOutput("y", DType::kFloat32, {});
  b.AddOutput("z", DType::kFloat32, {});
  b.AddInitializer("w", {4, 3}, std::vector<float>(12, 0.5f));
  b.AddNode("MatMul", "mm_before", {"x", "w"}, {"z"});
  b.AddNode("Gelu", "gelu", {"x"}, {"h"}, {}, "com.microsoft");
  b.AddNode("MatMul", "mm_after", {"h", "w"}, {"y"});
  const Model m = b.Build();
  const ModelSummary s = InspectModel(m, {});
  EXPECT_EQ(Node(s, "mm_before").macs, 2 * 3 * 4);
  EXPECT_EQ(Node(s, "mm_after").macs, -1);
  EXPECT_FALSE(s.macs_complete);
  EXPECT_TRUE(HasWarning(s, "unknown_ops"));
  const RuntimeCoverage cov = AnalyzeRuntimeCoverage(m, {}, "extended", 1);
  ASSERT_TRUE(cov.analyzed) << cov.note;
  EXPECT_EQ(cov.unknown_mac_nodes, 1);
  EXPECT_FALSE(cov.macs_complete);
  EXPECT_EQ(cov.float_macs, 2 * 3 * 4);
}

// An opset-12 export's flatten (Shape → Gather → Unsqueeze → Concat with -1 → Reshape; libonnx 1.12 carries no
// values through these old versions) is sized, and so is the MatMul behind it: x [1,8,2,2] → [1,32] · [32,5].
TEST(ContribMacs, Opset12FlattenThroughShapeValuesIsSized) {
  GraphBuilder b("flatten12", 12);
  b.AddInput("x", DType::kFloat32, {"batch", 8, 2, 2});
  b.AddOutput("y", DType::kFloat32, {});
  b.AddInt64Initializer("zero", {}, {0});
  b.AddInt64Initializer("minus1", {1}, {-1});
  b.AddInitializer("w", {32, 5}, std::vector<float>(160, 0.1f));
  b.AddNode("Shape", "shape", {"x"}, {"sh"});
  b.AddNode("Gather", "gather", {"sh", "zero"}, {"n"}, {AttrInt("axis", 0)});
  b.AddNode("Unsqueeze", "unsqueeze", {"n"}, {"n1"}, {AttrInts("axes", {0})});
  b.AddNode("Concat", "concat", {"n1", "minus1"}, {"target"}, {AttrInt("axis", 0)});
  b.AddNode("Reshape", "reshape", {"x", "target"}, {"flat"});
  b.AddNode("MatMul", "mm", {"flat", "w"}, {"y"});
  ShapeOverrides o;
  o.batch = 3;
  const ModelSummary s = InspectModel(b.Build(), o);
  EXPECT_EQ(Node(s, "reshape").output_shape, (std::vector<std::int64_t>{3, 32}));
  EXPECT_EQ(Node(s, "mm").macs, 3 * 32 * 5);
  EXPECT_TRUE(s.macs_complete);
}

// The ONNX Model Zoo's int8 MobileNetV2 (QLinearConv, QLinearAdd, QLinearGlobalAveragePool, QLinearMatMul)
// does the same work as its fp32 twin: 300.8 M MACs at 224x224 (models/imagenet/README.md), complete.
TEST(ContribMacs, ZooInt8MobileNetV2MatchesItsFp32Twin) {
  QBENCH_REQUIRE_SHARED(int8, "models/imagenet/mobilenetv2-12-int8.onnx");
  QBENCH_REQUIRE_SHARED(fp32, "models/imagenet/mobilenetv2-7-hybrid.onnx");
  const ModelSummary q = InspectModel(LoadModel(int8), {});
  const ModelSummary f = InspectModel(LoadModel(fp32), {});
  ASSERT_TRUE(f.macs_complete);
  EXPECT_NEAR(static_cast<double>(f.macs), 300.8e6, 0.1e6);
  EXPECT_TRUE(q.macs_complete) << q.macs_unknown_nodes << " unknown";
  EXPECT_EQ(q.macs, f.macs);
  const RuntimeCoverage cov = AnalyzeRuntimeCoverage(LoadModel(int8), {}, "extended", 1);
  ASSERT_TRUE(cov.analyzed) << cov.note;
  EXPECT_TRUE(cov.macs_complete) << cov.note;
  EXPECT_EQ(cov.int8_macs + cov.float_macs, f.macs);
  EXPECT_EQ(cov.float_macs, 0);
}

}  // namespace
}  // namespace qbench
