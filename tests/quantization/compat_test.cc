// Real-world model kinds made quantizable (qbench/model/compat.h and the checks in QuantizeModel):
// old opsets upgraded with ONNX's version converter (float16 models, non-tensor outputs, training-mode
// BatchNormalization and already-quantized models: compat_content_test.cc). Every model is built here.
#include <gtest/gtest.h>

#include <cstring>

#include "qbench/core/error.h"
#include "qbench/core/npy.h"
#include "qbench/data/dataset.h"
#include "qbench/eval/evaluator.h"
#include "qbench/model/compat.h"
#include "qbench/model/graph_builder.h"
#include "qbench/model/inspect.h"
#include "qbench/quantization/quant_math.h"
#include "qbench/quantization/quantizer.h"
#include "quant_test_util.h"
#include "test_util.h"
#include "compat_test_util.h"

namespace qbench {
namespace {

using testing::Batches;
using testing::Contains;
using testing::ConvOpset11;
using testing::OpCounts;
using testing::Quantize;
using testing::RandomTensor;
using testing::RandomValues;

const onnx::NodeProto* FirstOfType(const Model& m, const std::string& op) {
  for (const auto& n : m.proto.graph().node())
    if (n.op_type() == op) return &n;
  return nullptr;
}

// ---- opset upgrade -------------------------------------------------------------------------------

// Opset 9: x [1,2,4,4] → conv1 (3x3, 4 ch) → Relu → Upsample(nearest, scales [1,1,2,2]) → conv2 (3x3, 3 ch) → y [1,3,8,8].
Model UpsampleOpset9() {
  GraphBuilder b("upsample9", 9);
  b.AddInput("x", DType::kFloat32, {1, 2, 4, 4});
  b.AddOutput("y", DType::kFloat32, {1, 3, 8, 8});
  b.AddInitializer("w1", {4, 2, 3, 3}, RandomValues(72, 1, -0.4f, 0.4f));
  b.AddInitializer("b1", {4}, RandomValues(4, 2, -0.1f, 0.1f));
  b.AddInitializer("w2", {3, 4, 3, 3}, RandomValues(108, 3, -0.3f, 0.3f));
  b.AddInitializer("scales", {4}, {1.0f, 1.0f, 2.0f, 2.0f});
  const std::vector<Attribute> same = {AttrInts("pads", {1, 1, 1, 1}), AttrInts("kernel_shape", {3, 3})};
  b.AddNode("Conv", "conv1", {"x", "w1", "b1"}, {"c1"}, same);
  b.AddNode("Relu", "relu", {"c1"}, {"r"});
  b.AddNode("Upsample", "up", {"r", "scales"}, {"u"}, {AttrString("mode", "nearest")});
  b.AddNode("Conv", "conv2", {"u", "w2"}, {"y"}, same);
  return b.Build();
}

TEST(OpsetUpgrade, UpsampleBecomesResizeAndComputesTheSame) {
  const Model m = UpsampleOpset9();
  std::string note;
  const Model up = UpgradeOpset(m, 13, &note);
  EXPECT_EQ(up.OpsetVersion(), 13);
  EXPECT_GE(up.proto.ir_version(), 7);
  const auto ops = OpCounts(up);
  EXPECT_EQ(ops.count("Upsample"), 0u);
  EXPECT_EQ(ops.at("Resize"), 1);
  EXPECT_EQ(ops.at("Conv"), 2);
  EXPECT_NE(note.find("upgraded ai.onnx opset 9 → 13 with ONNX's version converter"), std::string::npos) << note;
  EXPECT_NE(note.find("Upsample"), std::string::npos) << note;
  // Nearest 2x upsampling is exact: the upgraded graph gives the same numbers.
  const HostTensor x = RandomTensor({1, 2, 4, 4}, 7);
  const auto ref = testing::RunModel(m, {x})[0].ToFloatVector();
  const auto got = testing::RunModel(up, {x})[0].ToFloatVector();
  ASSERT_EQ(ref.size(), 3u * 8 * 8);
  ASSERT_EQ(got.size(), ref.size());
  for (size_t i = 0; i < ref.size(); ++i) EXPECT_NEAR(got[i], ref[i], 1e-6f) << i;
  // Already at the target: unchanged, no note.
  EXPECT_EQ(UpgradeOpset(up, 13, &note).proto.SerializeAsString(), up.proto.SerializeAsString());
  EXPECT_TRUE(note.empty());
}

TEST(OpsetUpgrade, Opset9ModelQuantizesStaticWithANote) {
  const Model m = UpsampleOpset9();
  const QuantizeResult r = Quantize(m, "static", Batches({1, 2, 4, 4}, 8, 100));
  EXPECT_EQ(r.model.OpsetVersion(), 13);
  EXPECT_TRUE(Contains(r.report.hygiene, "upgraded ai.onnx opset 9 → 13")) << r.report.hygiene.size();
  const auto ops = OpCounts(r.model);
  EXPECT_EQ(ops.count("Upsample"), 0u);
  EXPECT_EQ(ops.at("Resize"), 1);
  EXPECT_GE(ops.at("QuantizeLinear"), 2);
  EXPECT_GE(ops.at("DequantizeLinear"), 4);  // two activations + two weights at least
  // 15 dB (18 % RMS error) bounds ORT's output on this CPU: without VNNI, ORT's u8s8 convolution
  // saturates int16 pair sums (the reduce_range problem), which costs this 3x3 net ~15 dB whatever
  // the opset. The upgrade itself adds nothing: see Opset11ConvStaticIsUpgradedDynamicIsNot.
  const HostTensor x = RandomTensor({1, 2, 4, 4}, 100);
  const double sqnr = SqnrDb(testing::RunModel(m, {x})[0].ToFloatVector(), testing::RunModel(r.model, {x})[0].ToFloatVector());
  EXPECT_GT(sqnr, 15.0);
}

// Opset 11: x [1,3,6,6] → Conv (3x3, 8) → Relu → Conv (1x1, 4) → y: the most common zoo export opset.

TEST(OpsetUpgrade, Opset11ConvStaticIsUpgradedDynamicIsNot) {
  const Model m = ConvOpset11();
  const QuantizeResult s = Quantize(m, "static", Batches({1, 3, 6, 6}, 8, 200));
  EXPECT_EQ(s.model.OpsetVersion(), 13);  // per-channel QDQ needs 13
  EXPECT_TRUE(Contains(s.report.hygiene, "opset 11 → 13"));
  const HostTensor x = RandomTensor({1, 3, 6, 6}, 200);
  const auto ref = testing::RunModel(m, {x})[0].ToFloatVector();
  const auto got = testing::RunModel(s.model, {x})[0].ToFloatVector();
  EXPECT_GT(SqnrDb(ref, got), 15.0);  // the AVX2 u8s8 bound of Opset9ModelQuantizesStaticWithANote
  // The upgrade is transparent: the same graph declared at opset 13 quantizes to the same numbers.
  Model at13 = m;
  at13.proto.mutable_opset_import(0)->set_version(13);
  const QuantizeResult s13 = Quantize(at13, "static", Batches({1, 3, 6, 6}, 8, 200));
  EXPECT_EQ(testing::RunModel(s13.model, {x})[0].ToFloatVector(), got);
  const QuantizeResult d = Quantize(m, "dynamic", {});
  EXPECT_EQ(d.model.OpsetVersion(), 11);  // dynamic runs at opset 11: nothing to convert
  EXPECT_FALSE(Contains(d.report.hygiene, "upgraded"));
  EXPECT_EQ(OpCounts(d.model).at("ConvInteger"), 2);
  EXPECT_GT(SqnrDb(ref, testing::RunModel(d.model, {x})[0].ToFloatVector()), 25.0);
}

TEST(OpsetUpgrade, AnOpTheConverterCannotAdaptIsNamedInOneLine) {
  // Opset 6 BatchNormalization with is_test = 0: the 6 → 7 adapter refuses it (training mode).
  GraphBuilder b("bn6", 6);
  b.AddInput("x", DType::kFloat32, {1, 2, 2, 2});
  b.AddOutput("y", DType::kFloat32, {1, 2, 2, 2});
  for (const char* p : {"s", "b", "mean", "var"}) b.AddInitializer(p, {2}, {1.0f, 0.5f});
  b.AddNode("Relu", "relu", {"x"}, {"r"});
  b.AddNode("BatchNormalization", "bn_train", {"r", "s", "b", "mean", "var"}, {"y"}, {AttrInt("is_test", 0)});
  try {
    UpgradeOpset(b.Build(), 13);
    FAIL();
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_EQ(e.code(), ErrorCode::kUnsupported);
    EXPECT_NE(msg.find("cannot upgrade node 'bn_train' (BatchNormalization) from opset 6 to 13 (Attribute is_test must "
                       "not have value 0)"),
              std::string::npos)
        << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
}

TEST(OpsetUpgrade, LegacyPReluSlopeStaysPerChannel) {
  // Opset 6 PRelu applies a slope of size C per channel; opset 7+ broadcasts against the last axis,
  // which the converter does not adapt: the slope is reshaped to [C,1] first.
  GraphBuilder b("prelu6", 6);
  b.AddInput("x", DType::kFloat32, {2, 3, 4});
  b.AddOutput("y", DType::kFloat32, {2, 3, 4});
  b.AddInitializer("slope", {3}, {0.1f, 0.2f, 0.3f});
  b.AddNode("PRelu", "prelu", {"x", "slope"}, {"y"});
  const Model m = b.Build();
  const Model up = UpgradeOpset(m, 13);
  const auto* prelu = FirstOfType(up, "PRelu");
  ASSERT_NE(prelu, nullptr);
  const HostTensor slope = testing::InitializerTensor(up, prelu->input(1));
  EXPECT_EQ(slope.shape, (std::vector<std::int64_t>{3, 1}));
  // y = x for x >= 0, slope[c]·x otherwise, channel c = axis 1.
  HostTensor x = HostTensor::Zeros(DType::kFloat32, {2, 3, 4});
  for (int i = 0; i < 24; ++i) x.data<float>()[i] = -1.0f - static_cast<float>(i % 4);
  const auto y = testing::RunModel(up, {x})[0].ToFloatVector();
  for (int i = 0; i < 24; ++i) {
    const int c = (i / 4) % 3;
    EXPECT_FLOAT_EQ(y[static_cast<size_t>(i)], (0.1f * (c + 1)) * x.data<float>()[i]) << i;
  }
}

TEST(OpsetUpgrade, LegacyPReluSlopeListedAsAGraphInputAtIr3) {
  // IR 3 (PyTorch 0.3 exports) lists every initializer as a graph input too: the reshaped slope
  // must be declared there as well, or the converter stops on "Input slope_per_channel is undefined".
  GraphBuilder b("prelu6_ir3", 6);
  b.AddInput("x", DType::kFloat32, {2, 3, 4});
  b.AddOutput("y", DType::kFloat32, {2, 3, 4});
  b.AddInitializer("slope", {3}, {0.1f, 0.2f, 0.3f});
  b.AddNode("PRelu", "prelu", {"x", "slope"}, {"y"});
  Model m = b.Build();
  m.proto.set_ir_version(3);
  auto* declared = m.proto.mutable_graph()->add_input();
  declared->set_name("slope");
  declared->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
  declared->mutable_type()->mutable_tensor_type()->mutable_shape()->add_dim()->set_dim_value(3);
  const Model up = UpgradeOpset(m, 13);
  const auto* prelu = FirstOfType(up, "PRelu");
  ASSERT_NE(prelu, nullptr);
  EXPECT_EQ(testing::InitializerTensor(up, prelu->input(1)).shape, (std::vector<std::int64_t>{3, 1}));
  HostTensor x = HostTensor::Zeros(DType::kFloat32, {2, 3, 4});
  for (int i = 0; i < 24; ++i) x.data<float>()[i] = -2.0f;
  const auto y = testing::RunModel(up, {x})[0].ToFloatVector();
  for (int i = 0; i < 24; ++i) EXPECT_FLOAT_EQ(y[static_cast<size_t>(i)], -0.2f * (((i / 4) % 3) + 1)) << i;
}

// Scan-8 (batch axis first) cumulative sum: initial [B,2], x [B,3,2] → y [B,2] (final sum),
// z [B,3,2] (running sums). ONNX's Scan 8 → 9 adapter drops the batch axis from every size.
Model Scan8CumulativeSum(std::int64_t batch) {
  GraphBuilder body("scan_body", 8);
  body.AddInput("sum_in", DType::kFloat32, {2});
  body.AddInput("next", DType::kFloat32, {2});
  body.AddOutput("sum_out", DType::kFloat32, {2});
  body.AddOutput("scan_out", DType::kFloat32, {2});
  body.AddNode("Add", "add", {"sum_in", "next"}, {"sum_out"});
  body.AddNode("Identity", "id", {"sum_out"}, {"scan_out"});
  GraphBuilder b("scan8", 8);
  b.AddInput("initial", DType::kFloat32, {batch, 2});
  b.AddInput("x", DType::kFloat32, {batch, 3, 2});
  b.AddOutput("y", DType::kFloat32, {batch, 2});
  b.AddOutput("z", DType::kFloat32, {batch, 3, 2});
  b.AddNode("Scan", "scan", {"", "initial", "x"}, {"y", "z"}, {AttrInt("num_scan_inputs", 1)});
  auto* a = b.graph()->mutable_node(0)->add_attribute();
  a->set_name("body");
  a->set_type(onnx::AttributeProto::GRAPH);
  *a->mutable_g() = body.Build().proto.graph();
  return b.Build();
}

TEST(OpsetUpgrade, Scan8BatchAxisOfOneIsBridgedAndTheInterfaceKept) {
  std::string note;
  const Model up = UpgradeOpset(Scan8CumulativeSum(1), 13, &note);
  const auto& g = up.proto.graph();
  auto dims = [](const onnx::ValueInfoProto& v) {
    std::vector<std::int64_t> d;
    for (const auto& x : v.type().tensor_type().shape().dim()) d.push_back(x.dim_value());
    return d;
  };
  EXPECT_EQ(dims(g.input(0)), (std::vector<std::int64_t>{1, 2}));
  EXPECT_EQ(dims(g.input(1)), (std::vector<std::int64_t>{1, 3, 2}));
  EXPECT_EQ(OpCounts(up)["Squeeze"], 2);
  EXPECT_EQ(OpCounts(up)["Unsqueeze"], 2);
  EXPECT_NE(note.find("Squeeze/Unsqueeze keep the interface of 4 input/outputs"), std::string::npos) << note;
  HostTensor initial = HostTensor::Zeros(DType::kFloat32, {1, 2});
  HostTensor x = HostTensor::Zeros(DType::kFloat32, {1, 3, 2});
  for (int i = 0; i < 6; ++i) x.data<float>()[i] = static_cast<float>(i + 1);
  const auto out = testing::RunModel(up, {initial, x});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].shape, (std::vector<std::int64_t>{1, 2}));
  EXPECT_EQ(out[0].ToFloatVector(), (std::vector<float>{9, 12}));
  EXPECT_EQ(out[1].shape, (std::vector<std::int64_t>{1, 3, 2}));
  EXPECT_EQ(out[1].ToFloatVector(), (std::vector<float>{1, 2, 4, 6, 9, 12}));
}

TEST(OpsetUpgrade, Scan8WithABatchOfThreeIsRefusedInOneLineNamingTheInput) {
  try {
    UpgradeOpset(Scan8CumulativeSum(3), 13);
    FAIL();
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_EQ(e.code(), ErrorCode::kUnsupported);
    EXPECT_NE(msg.find("drops the leading axis of input 'initial' ([3,2] → [2]"), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
}

TEST(OpsetUpgrade, ASequenceInputKeepsItsTypeThroughTheConverter) {
  // SequenceInsert-11 → 13: the converter rebuilds graph inputs with tensor types only; without the
  // original seq(tensor(float)) type strict inference fails ("expected to have type info").
  GraphBuilder b("seq11", 11);
  b.AddInput("t", DType::kFloat32, {2});
  auto* seq = b.graph()->add_input();
  seq->set_name("s");
  seq->mutable_type()->mutable_sequence_type()->mutable_elem_type()->mutable_tensor_type()->set_elem_type(
      onnx::TensorProto::FLOAT);
  auto* out = b.graph()->add_output();
  *out = *seq;
  out->set_name("s_out");
  b.AddNode("SequenceInsert", "insert", {"s", "t"}, {"s_out"});
  std::string note;
  const Model up = UpgradeOpset(b.Build(), 13, &note);
  EXPECT_EQ(up.OpsetVersion(), 13);
  const auto& g = up.proto.graph();
  ASSERT_EQ(g.input_size(), 2);
  EXPECT_EQ(g.input(1).name(), "s");
  ASSERT_TRUE(g.input(1).type().has_sequence_type());
  EXPECT_EQ(g.input(1).type().sequence_type().elem_type().tensor_type().elem_type(), onnx::TensorProto::FLOAT);
}

// ---- float16 ---------------------------------------------------------------------------------------

}  // namespace
}  // namespace qbench
