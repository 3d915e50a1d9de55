// Dynamic scheme on tiny models (MatMul/Gemm, Conv, LSTM, GRU), the scheme table, the refusals,
// model hygiene and external data; SqueezeNet 1.1 sizes.
#include <gtest/gtest.h>

#include <fstream>

#include "qbench/core/error.h"
#include "qbench/core/fs.h"
#include "qbench/model/graph_builder.h"
#include "qbench/model/inspect.h"
#include "qbench/model/int8_storage.h"
#include "qbench/quantization/quantizer.h"
#include "quant_test_util.h"
#include "test_util.h"

namespace qbench {
namespace {

using testing::OpCounts;
using testing::RandomValues;

QuantizeResult Dynamic(const Model& m, WeightGranularity g = WeightGranularity::kDefault) {
  QuantizeOptions o;
  o.scheme = "dynamic";
  o.granularity = g;
  return QuantizeModel(m, o, nullptr, nullptr);
}

const NodeDecision& DecisionFor(const QuantizeReport& r, const std::string& name) {
  for (const auto& d : r.nodes)
    if (d.name == name) return d;
  throw std::runtime_error("no decision for " + name);
}

double Sqnr(const Model& a, const Model& b, const std::vector<HostTensor>& feeds) {
  return SqnrDb(testing::RunModel(a, feeds)[0].ToFloatVector(), testing::RunModel(b, feeds)[0].ToFloatVector());
}

// x [N,16] → fc1 (Gemm transB=1, alpha 0.5, beta 2) → Relu → fc2 (MatMul [16,8]) + bias Add;
// x also feeds side (MatMul [16,8]); y = fc2 + side.
Model Mlp() {
  GraphBuilder b("mlp");
  b.AddInput("x", DType::kFloat32, {"N", 16});
  b.AddOutput("y", DType::kFloat32, {"N", 8});
  b.AddInitializer("w1", {16, 16}, RandomValues(256, 1, -0.5f, 0.5f));
  b.AddInitializer("b1", {16}, RandomValues(16, 2, -0.2f, 0.2f));
  b.AddInitializer("w2", {16, 8}, RandomValues(128, 3, -0.5f, 0.5f));
  b.AddInitializer("b2", {8}, RandomValues(8, 4, -0.2f, 0.2f));
  b.AddInitializer("w3", {16, 8}, RandomValues(128, 5, -0.5f, 0.5f));
  b.AddNode("Gemm", "fc1", {"x", "w1", "b1"}, {"h"}, {AttrInt("transB", 1), AttrFloat("alpha", 0.5f), AttrFloat("beta", 2.0f)});
  b.AddNode("Relu", "relu", {"h"}, {"r"});
  b.AddNode("MatMul", "fc2", {"r", "w2"}, {"m"});
  b.AddNode("Add", "fc2_bias", {"m", "b2"}, {"o"});
  b.AddNode("MatMul", "side", {"x", "w3"}, {"s"});
  b.AddNode("Add", "sum", {"o", "s"}, {"y"});
  return b.Build();
}

TEST(QuantDynamic, MatMulAndGemmBecomeIntegerKernels) {
  const Model m = Mlp();
  const QuantizeResult r = Dynamic(m);
  auto ops = OpCounts(r.model);
  EXPECT_EQ(ops["MatMulInteger"], 3);
  EXPECT_EQ(ops["DynamicQuantizeLinear"], 2);  // x shared by fc1 and side, r for fc2
  EXPECT_EQ(ops["Gemm"], 0);
  EXPECT_EQ(ops["MatMul"], 0);
  for (const auto& t : r.model.proto.graph().initializer())
    if (t.name().find("_quantized") != std::string::npos) EXPECT_EQ(t.data_type(), static_cast<int>(testing::StoredWeightType(r.report))) << t.name();
  const RuntimeCoverage cov = AnalyzeRuntimeCoverage(r.model);
  ASSERT_TRUE(cov.analyzed) << cov.note;
  EXPECT_EQ(cov.int8_macs, 16 * 16 + 16 * 8 + 16 * 8);  // batch 1
  EXPECT_EQ(cov.float_macs, 0);
  const std::vector<HostTensor> feeds = {testing::RandomTensor({4, 16}, 9)};
  EXPECT_GE(Sqnr(m, r.model, feeds), 35.0);  // alpha/beta honoured: ignoring them gives ~1 dB
  const QuantizeResult pc = Dynamic(m, WeightGranularity::kPerChannel);
  EXPECT_NE(DecisionFor(pc.report, "fc1").how.find("per-channel axis 0"), std::string::npos);  // transB=1
  EXPECT_NE(DecisionFor(pc.report, "fc2").how.find("per-channel axis 1"), std::string::npos);
  EXPECT_GE(Sqnr(m, pc.model, feeds), 35.0);
}

Model ConvNet() {
  GraphBuilder b("convnet");
  b.AddInput("x", DType::kFloat32, {1, 3, 10, 10});
  b.AddOutput("y", DType::kFloat32, {1, 6, 10, 10});
  b.AddInitializer("w", {6, 3, 3, 3}, RandomValues(162, 11, -0.5f, 0.5f));
  b.AddInitializer("b", {6}, RandomValues(6, 12, -0.2f, 0.2f));
  b.AddInitializer("wt", {6, 6, 2, 2}, RandomValues(144, 13, -0.5f, 0.5f));
  b.AddNode("Conv", "conv", {"x", "w", "b"}, {"c"}, {AttrInts("pads", {1, 1, 1, 1})});
  b.AddNode("Relu", "relu", {"c"}, {"r"});
  b.AddNode("MaxPool", "pool", {"r"}, {"p"}, {AttrInts("kernel_shape", {2, 2}), AttrInts("strides", {2, 2})});
  b.AddNode("ConvTranspose", "up", {"p", "wt"}, {"y"}, {AttrInts("strides", {2, 2})});
  return b.Build();
}

TEST(QuantDynamic, ConvBecomesConvIntegerAndConvTransposeStaysFloat) {
  const Model m = ConvNet();
  const std::vector<HostTensor> feeds = {testing::RandomTensor({1, 3, 10, 10}, 14)};
  const QuantizeResult r = Dynamic(m);
  EXPECT_EQ(OpCounts(r.model)["ConvInteger"], 1);
  EXPECT_EQ(OpCounts(r.model)["ConvTranspose"], 1);
  EXPECT_FALSE(DecisionFor(r.report, "up").quantized);
  EXPECT_EQ(testing::InitializerTensor(r.model, "w_quantized").dtype, DType::kUint8);  // u8 asymmetric, per tensor
  EXPECT_EQ(testing::InitializerTensor(r.model, "w_scale").num_elements(), 1);
  EXPECT_GE(Sqnr(m, r.model, feeds), 30.0);
  const RuntimeCoverage cov = AnalyzeRuntimeCoverage(r.model);
  EXPECT_EQ(cov.op_histogram.at("ConvInteger"), 1);
  EXPECT_EQ(cov.int8_macs, 6 * 100 * 27);
  EXPECT_EQ(cov.float_macs, 6 * 25 * 6 * 4);  // ConvTranspose: elements(X)·elements(W)/C_in

  const QuantizeResult pc = Dynamic(m, WeightGranularity::kPerChannel);
  const HostTensor ws = testing::InitializerTensor(pc.model, "w_scale");
  EXPECT_EQ(ws.shape, (std::vector<std::int64_t>{6, 1, 1}));
  EXPECT_EQ(testing::InitializerTensor(pc.model, "w_quantized").dtype, testing::StoredWeightType(pc.report));
  EXPECT_GE(Sqnr(m, pc.model, feeds), 30.0);
}

// LSTM (bidirectional, seq 5, batch 2, input 8, hidden 16) then GRU: ORT has DynamicQuantizeLSTM only.
Model Recurrent() {
  GraphBuilder b("rnn");
  b.AddInput("x", DType::kFloat32, {5, 2, 8});
  b.AddOutput("y", DType::kFloat32, {5, 2, 2, 16});
  b.AddOutput("g", DType::kFloat32, {5, 1, 2, 4});
  b.AddInitializer("W", {2, 64, 8}, RandomValues(2 * 64 * 8, 21, -0.3f, 0.3f));
  b.AddInitializer("R", {2, 64, 16}, RandomValues(2 * 64 * 16, 22, -0.3f, 0.3f));
  b.AddInitializer("B", {2, 128}, RandomValues(2 * 128, 23, -0.1f, 0.1f));
  b.AddInitializer("GW", {1, 12, 8}, RandomValues(96, 24, -0.3f, 0.3f));
  b.AddInitializer("GR", {1, 12, 4}, RandomValues(48, 25, -0.3f, 0.3f));
  b.AddNode("LSTM", "lstm", {"x", "W", "R", "B"}, {"y"}, {AttrInt("hidden_size", 16), AttrString("direction", "bidirectional")});
  b.AddNode("GRU", "gru", {"x", "GW", "GR"}, {"g"}, {AttrInt("hidden_size", 4)});
  return b.Build();
}

TEST(QuantDynamic, LstmUsesDynamicQuantizeLstmAndGruStaysFloat) {
  const Model m = Recurrent();
  const std::vector<HostTensor> feeds = {testing::RandomTensor({5, 2, 8}, 26)};
  for (const auto g : {WeightGranularity::kDefault, WeightGranularity::kPerChannel}) {
    const QuantizeResult r = Dynamic(m, g);
    auto ops = OpCounts(r.model);
    EXPECT_EQ(ops["com.microsoft.DynamicQuantizeLSTM"], 1);
    EXPECT_EQ(ops["GRU"], 1);
    EXPECT_NE(DecisionFor(r.report, "gru").reason.find("no dynamic int8 GRU"), std::string::npos);
    // W transposed to [dirs, input, 4·hidden]; scales per direction or per gate row.
    EXPECT_EQ(testing::InitializerTensor(r.model, "W_quantized").shape, (std::vector<std::int64_t>{2, 8, 64}));
    EXPECT_EQ(testing::InitializerTensor(r.model, "W_scale").num_elements(), g == WeightGranularity::kDefault ? 2 : 128);
    EXPECT_GE(Sqnr(m, r.model, feeds), 30.0);
    const RuntimeCoverage cov = AnalyzeRuntimeCoverage(r.model);
    EXPECT_EQ(cov.int8_macs, 5 * 2 * (2 * 64 * 8 + 2 * 64 * 16));
    EXPECT_EQ(cov.float_macs, 5 * 2 * (96 + 48));
  }
}

// The dynamic row's help text says what its files store, read back from them (ReadInt8Storage): per
// tensor, Conv u8 asymmetric and MatMul/Gemm s8 symmetric; --per-channel, s8 symmetric for both; and
// --weight-range u8 turns the MatMul/Gemm weights into u8 with zero point 128, never the Conv's.
TEST(QuantDynamic, TheRowSaysWhatTheFileStores) {
  const std::string& help = FindQuantizationScheme("dynamic").description;
  EXPECT_NE(help.find("per tensor: Conv u8 asymmetric, MatMul/Gemm/LSTM s8 symmetric"), std::string::npos) << help;
  EXPECT_NE(help.find("--per-channel: s8 symmetric (or u8 with zero point 128) per output channel"), std::string::npos) << help;
  EXPECT_EQ(help.find("int8 weights"), std::string::npos) << help;
  auto stored = [](const Model& m, WeightGranularity g, WeightRange range) {
    QuantizeOptions o;
    o.scheme = "dynamic";
    o.granularity = g;
    o.weight_range = range;
    std::vector<std::string> forms;
    for (const auto& [form, elements] : ReadInt8Storage(QuantizeModel(m, o, nullptr, nullptr).model.proto.graph()).weight_elements)
      forms.push_back(form + " " + std::to_string(elements));
    return forms;
  };
  using V = std::vector<std::string>;
  // A Conv weight [6,3,3,3] (162 elements) in [-0.2, 0.6]: per tensor its u8 zero point is near 64, far from 128.
  GraphBuilder b("conv");
  b.AddInput("x", DType::kFloat32, {1, 3, 10, 10});
  b.AddOutput("y", DType::kFloat32, {1, 6, 10, 10});
  b.AddInitializer("w", {6, 3, 3, 3}, RandomValues(162, 11, -0.2f, 0.6f));
  b.AddNode("Conv", "conv", {"x", "w"}, {"y"}, {AttrInts("pads", {1, 1, 1, 1})});
  const Model conv = b.Build();
  EXPECT_EQ(stored(conv, WeightGranularity::kDefault, WeightRange::kFull), (V{"u8 asymmetric 162"}));
  EXPECT_EQ(stored(conv, WeightGranularity::kDefault, WeightRange::kUnsigned), (V{"u8 asymmetric 162"}));
  EXPECT_EQ(stored(conv, WeightGranularity::kPerChannel, WeightRange::kFull), (V{"s8 symmetric 162"}));
  EXPECT_EQ(stored(conv, WeightGranularity::kPerChannel, WeightRange::kUnsigned), (V{"u8 (zero point 128) 162"}));
  // Mlp's MatMul/Gemm weights: 256 + 128 + 128.
  EXPECT_EQ(stored(Mlp(), WeightGranularity::kDefault, WeightRange::kFull), (V{"s8 symmetric 512"}));
  EXPECT_EQ(stored(Mlp(), WeightGranularity::kDefault, WeightRange::kReduced), (V{"s8 7-bit (reduced range) 512"}));
  EXPECT_EQ(stored(Mlp(), WeightGranularity::kDefault, WeightRange::kUnsigned), (V{"u8 (zero point 128) 512"}));
  EXPECT_EQ(stored(Mlp(), WeightGranularity::kPerChannel, WeightRange::kFull), (V{"s8 symmetric 512"}));
}

TEST(QuantSchemes, OneTableDrivesNamesAndValidation) {
  ASSERT_EQ(QuantizationSchemes().size(), 3u);
  EXPECT_EQ(QuantizationSchemeNames(), "dynamic, static, fp16");
  EXPECT_FALSE(FindQuantizationScheme("dynamic").needs_calibration);
  EXPECT_TRUE(FindQuantizationScheme("static").needs_calibration);
  try {
    FindQuantizationScheme("int4");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_STREQ(e.what(), "unknown quantization mode 'int4'; expected one of: dynamic, static, fp16");
  }
  EXPECT_EQ(ParseActivationType("s8"), DType::kInt8);
  EXPECT_THROW(ParseActivationType("u4"), Error);
  QuantizeOptions o;
  o.scheme = "dynamic";
  o.activation_type = DType::kInt8;
  EXPECT_THROW(QuantizeModel(Mlp(), o, nullptr, nullptr), Error);  // dynamic activations are u8 only
  o = QuantizeOptions{};  // static without calibration data
  try {
    QuantizeModel(Mlp(), o, nullptr, nullptr);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
  }
}

TEST(QuantRefusals, AlreadyQuantizedAndOldOpsets) {
  const QuantizeResult r = Dynamic(Mlp());
  try {
    Dynamic(r.model);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidInput);
    EXPECT_NE(std::string(e.what()).find("already quantized"), std::string::npos) << e.what();
  }
  // Opsets below the scheme's are upgraded (ONNX's version converter), opsets above refused.
  GraphBuilder b("old", 9);
  b.AddInput("x", DType::kFloat32, {1, 4});
  b.AddOutput("y", DType::kFloat32, {1, 4});
  b.AddNode("Relu", "relu", {"x"}, {"y"});
  const QuantizeResult upgraded = Dynamic(b.Build());
  EXPECT_EQ(upgraded.model.OpsetVersion(), 11);
  GraphBuilder n("new", 22);
  n.AddInput("x", DType::kFloat32, {1, 4});
  n.AddOutput("y", DType::kFloat32, {1, 4});
  n.AddNode("Relu", "relu", {"x"}, {"y"});
  try {
    Dynamic(n.Build());
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnsupported);
    EXPECT_NE(std::string(e.what()).find("opset 22"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("up to 21"), std::string::npos) << e.what();
  }
}

TEST(QuantHygiene, ConstantsIdentityCastAndGemmFactors) {
  GraphBuilder b("messy");
  b.AddInput("x", DType::kFloat32, {1, 4});
  b.AddOutput("y", DType::kFloat32, {1, 3});
  HostTensor w16 = HostTensor::Zeros(DType::kFloat16, {3, 4});
  for (int i = 0; i < 12; ++i) w16.data<std::uint16_t>()[i] = 0x3C00;  // 1.0 in float16
  b.AddTensorInitializer("w16", w16);
  b.AddInitializer("bias", {3}, {0.1f, 0.2f, 0.3f});
  b.AddNode("Cast", "cast_w", {"w16"}, {"w"}, {AttrInt("to", 1)});
  b.AddNode("Identity", "shared_bias", {"bias"}, {"b"});
  b.AddNode("Constant", "lo", {}, {"lo_v"}, {AttrFloat("value_float", 0.0f)});
  b.AddNode("Gemm", "fc", {"x", "w", "b"}, {"h"}, {AttrInt("transB", 1), AttrFloat("alpha", 2.0f)});
  b.AddNode("Clip", "clip", {"h", "lo_v", ""}, {"y"});
  const Model m = b.Build();
  const Model before = m;
  std::vector<std::string> actions;
  const Model p = PrepareModelForQuantization(m, &actions);
  EXPECT_EQ(m.proto.SerializeAsString(), before.proto.SerializeAsString());  // input untouched
  auto ops = OpCounts(p);
  EXPECT_EQ(ops["Cast"], 0);
  EXPECT_EQ(ops["Identity"], 0);
  EXPECT_EQ(ops["Constant"], 0);
  EXPECT_EQ(ops["Gemm"], 1);
  ASSERT_GE(actions.size(), 4u);
  const auto* fc = testing::NodeNamed(p, "fc");
  for (const auto& a : fc->attribute()) EXPECT_NE(a.name(), "alpha");
  EXPECT_EQ(testing::InitializerTensor(p, fc->input(1)).ToFloatVector()[0], 2.0f);  // alpha folded into B
  const std::vector<HostTensor> feeds = {testing::RandomTensor({1, 4}, 31)};
  EXPECT_GE(Sqnr(m, p, feeds), 120.0);  // same function
}

// PyTorch exports a Linear without bias as MatMul(x, Transpose(W)): the Transpose of the constant
// folds into the weight, so the dynamic scheme quantizes the MatMul (it needs a constant B).
TEST(QuantHygiene, TransposeOfAConstantMatrixFoldsAndDynamicQuantizesTheMatMul) {
  GraphBuilder b("linear_no_bias");
  b.AddInput("x", DType::kFloat32, {2, 4});
  b.AddOutput("y", DType::kFloat32, {2, 3});
  b.AddInitializer("w", {3, 4}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
  b.AddNode("Transpose", "t", {"w"}, {"wt"}, {AttrInts("perm", {1, 0})});
  b.AddNode("MatMul", "mm", {"x", "wt"}, {"y"});
  const Model m = b.Build();
  std::vector<std::string> actions;
  const Model p = PrepareModelForQuantization(m, &actions);
  EXPECT_EQ(OpCounts(p)["Transpose"], 0);
  const HostTensor wt = testing::InitializerTensor(p, "wt");
  ASSERT_EQ(wt.shape, (std::vector<std::int64_t>{4, 3}));
  EXPECT_EQ(wt.ToFloatVector(), (std::vector<float>{1, 5, 9, 2, 6, 10, 3, 7, 11, 4, 8, 12}));
  bool said = false;
  for (const auto& a : actions) said |= a == "folded 1 Transpose of a constant matrix into initializers";
  EXPECT_TRUE(said);
  const QuantizeResult r = Dynamic(m);
  EXPECT_TRUE(DecisionFor(r.report, "mm").quantized) << DecisionFor(r.report, "mm").reason;
  EXPECT_EQ(OpCounts(r.model)["MatMulInteger"], 1);
  EXPECT_GE(Sqnr(m, r.model, {testing::RandomTensor({2, 4}, 32)}), 30.0);
}

TEST(QuantHygiene, BatchNormFoldsIntoConv) {
  GraphBuilder b("conv_bn");
  b.AddInput("x", DType::kFloat32, {1, 3, 6, 6});
  b.AddOutput("y", DType::kFloat32, {1, 4, 6, 6});
  b.AddInitializer("w", {4, 3, 3, 3}, RandomValues(108, 41, -0.5f, 0.5f));
  b.AddInitializer("gamma", {4}, {1.5f, 0.5f, -1.0f, 2.0f});
  b.AddInitializer("beta", {4}, {0.1f, -0.2f, 0.3f, 0.0f});
  b.AddInitializer("mean", {4}, {0.05f, -0.1f, 0.0f, 0.2f});
  b.AddInitializer("var", {4}, {0.5f, 2.0f, 1.0f, 0.25f});
  b.AddNode("Conv", "conv", {"x", "w"}, {"c"}, {AttrInts("pads", {1, 1, 1, 1})});
  b.AddNode("BatchNormalization", "bn", {"c", "gamma", "beta", "mean", "var"}, {"n"}, {AttrFloat("epsilon", 1e-3f)});
  b.AddNode("Relu", "relu", {"n"}, {"y"});
  const Model m = b.Build();
  std::vector<std::string> actions;
  const Model p = PrepareModelForQuantization(m, &actions);
  EXPECT_EQ(OpCounts(p)["BatchNormalization"], 0);
  EXPECT_EQ(testing::NodeNamed(p, "conv")->input_size(), 3);  // a bias was added
  const std::vector<HostTensor> feeds = {testing::RandomTensor({1, 3, 6, 6}, 42)};
  EXPECT_GE(Sqnr(m, p, feeds), 100.0);  // the same function up to float rounding
}

TEST(QuantHygiene, ExternalDataIsInlined) {
  const std::string dir = testing::TempDir();
  Model m = Mlp();
  // Move w1 to an external file.
  for (auto& t : *m.proto.mutable_graph()->mutable_initializer()) {
    if (t.name() != "w1") continue;
    const std::string raw = t.raw_data();
    std::ofstream(dir + "/w1.bin", std::ios::binary).write(raw.data(), static_cast<std::streamsize>(raw.size()));
    t.clear_raw_data();
    t.set_data_location(onnx::TensorProto::EXTERNAL);
    auto* kv = t.add_external_data();
    kv->set_key("location");
    kv->set_value("w1.bin");
  }
  SaveModel(m, dir + "/ext.onnx");
  const Model loaded = LoadModel(dir + "/ext.onnx");
  ASSERT_TRUE(HasExternalData(loaded));
  const QuantizeResult r = Dynamic(loaded);
  EXPECT_FALSE(HasExternalData(r.model));
  EXPECT_NE(r.report.hygiene[0].find("external data"), std::string::npos);
  EXPECT_EQ(r.model.path, loaded.path);  // so SaveModel refuses to overwrite the input
  EXPECT_THROW(SaveModel(r.model, dir + "/ext.onnx"), Error);
  EXPECT_GE(Sqnr(Mlp(), r.model, {testing::RandomTensor({2, 16}, 32)}), 35.0);
}

TEST(QuantSqueezeNet, DynamicIsAtMostPointThreeOfTheSizeAndStaticFusesEveryConv) {
  QBENCH_REQUIRE_SHARED(path, "models/imagenet/squeezenet1.1.onnx");
  const Model m = LoadModel(path);
  const std::string dir = testing::TempDir();
  const QuantizeResult d = Dynamic(m);
  SaveModel(d.model, dir + "/dynamic.onnx");
  const double dynamic_ratio = double(FileSizeBytes(dir + "/dynamic.onnx")) / FileSizeBytes(path);
  std::printf("[ size     ] squeezenet1.1 dynamic: %.3fx of fp32\n", dynamic_ratio);
  EXPECT_LE(dynamic_ratio, 0.30);
  EXPECT_EQ(OpCounts(d.model)["ConvInteger"], 26);

  QuantizeOptions o;
  o.calibration.method = CalibrationMethod::kMinMax;
  testing::VectorReader reader({{testing::RandomTensor({1, 3, 224, 224}, 5, -2.0f, 2.0f)}});
  const QuantizeResult s = QuantizeModel(m, o, &reader, nullptr);
  SaveModel(s.model, dir + "/static.onnx");
  const double static_ratio = double(FileSizeBytes(dir + "/static.onnx")) / FileSizeBytes(path);
  std::printf("[ size     ] squeezenet1.1 static per-channel: %.3fx of fp32\n", static_ratio);
  EXPECT_LE(static_ratio, 0.27);
  const RuntimeCoverage cov = AnalyzeRuntimeCoverage(s.model);
  EXPECT_EQ(cov.op_histogram.at("QLinearConv"), 26);
  EXPECT_EQ(cov.op_histogram.count("Conv"), 0u);
  EXPECT_DOUBLE_EQ(cov.int8_mac_share, 1.0);
  EXPECT_EQ(cov.int8_macs, InspectModel(m).macs);  // every MAC of the fp32 model (349,151,936) runs in int8
}

}  // namespace
}  // namespace qbench
