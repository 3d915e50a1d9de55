#include "qbench/model/inspect.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "qbench/core/error.h"
#include "qbench/model/graph_builder.h"
#include "test_util.h"
#include "model/summary_test_util.h"

namespace qbench {
namespace {

using ::testing::HasSubstr;

const NodeCost& Node(const ModelSummary& s, const std::string& name) { return testing::SummaryNode(s, name); }
bool HasWarning(const ModelSummary& s, const std::string& code) { return testing::HasSummaryWarning(s, code); }

std::vector<float> Zeros(std::int64_t n) { return std::vector<float>(static_cast<size_t>(n), 0.0f); }

// ---- SqueezeNet 1.1 (ImageNet, 224x224), MACs computed by hand from the architecture ---------------
// Conv MACs = C_out · H_out · W_out · C_in · k · k (groups = 1 everywhere, bias not counted).
std::int64_t ConvMacs(std::int64_t c_out, std::int64_t hw, std::int64_t c_in, std::int64_t k) {
  return c_out * hw * hw * c_in * k * k;
}
// Fire module at spatial size hw: squeeze 1x1 (c_in → s), expand 1x1 (s → e) and expand 3x3 pad 1 (s → e).
std::int64_t FireMacs(std::int64_t hw, std::int64_t c_in, std::int64_t s, std::int64_t e) {
  return ConvMacs(s, hw, c_in, 1) + ConvMacs(e, hw, s, 1) + ConvMacs(e, hw, s, 3);
}
// MaxPool 3x3 stride 2 with ceil_mode = 1.
std::int64_t PoolCeil(std::int64_t hw) { return (hw - 3 + 1) / 2 + 1; }

TEST(InspectModel, SqueezeNetImageNetMacsByHand) {
  QBENCH_REQUIRE_SHARED(path, "models/imagenet/squeezenet1.1.onnx");
  const std::int64_t conv1_hw = (224 - 3) / 2 + 1;  // 3x3 stride 2, no padding: 111
  std::int64_t hw = conv1_hw;
  std::int64_t expected = ConvMacs(64, hw, 3, 3);   // conv1: 3 → 64
  hw = PoolCeil(hw);                                // 55
  expected += FireMacs(hw, 64, 16, 64);             // fire2 (input 64)
  expected += FireMacs(hw, 128, 16, 64);            // fire3 (input 64+64)
  hw = PoolCeil(hw);                                // 27
  expected += FireMacs(hw, 128, 32, 128);           // fire4
  expected += FireMacs(hw, 256, 32, 128);           // fire5
  hw = PoolCeil(hw);                                // 13
  expected += FireMacs(hw, 256, 48, 192);           // fire6
  expected += FireMacs(hw, 384, 48, 192);           // fire7
  expected += FireMacs(hw, 384, 64, 256);           // fire8
  expected += FireMacs(hw, 512, 64, 256);           // fire9
  expected += ConvMacs(1000, hw, 512, 1);           // conv10 classifier
  ASSERT_EQ(conv1_hw, 111);
  ASSERT_EQ(hw, 13);

  Model model = LoadModel(path);
  ModelSummary s = InspectModel(model, {});
  EXPECT_EQ(s.macs, expected);
  EXPECT_TRUE(s.macs_complete);
  EXPECT_EQ(s.macs_by_op_type.at("Conv"), expected);
  EXPECT_EQ(s.macs_by_op_type.size(), 1u);
  // README: 1,235,496 parameters, 4,947,297 bytes, opset 13, IR 8, Conv x26, input data [1,3,224,224].
  EXPECT_EQ(s.params, 1235496);
  EXPECT_EQ(s.weight_bytes_by_dtype.at("float32"), 1235496 * 4);
  EXPECT_EQ(s.file_size_bytes, 4947297u);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(s.disk_usage_bytes, static_cast<std::uint64_t>(st.st_blocks) * 512);
  EXPECT_EQ(s.opset, 13);
  EXPECT_EQ(s.ir_version, 8);
  EXPECT_EQ(s.op_histogram.at("Conv"), 26);
  EXPECT_EQ(s.op_histogram.at("Relu"), 26);
  EXPECT_EQ(s.op_histogram.at("Concat"), 8);
  EXPECT_EQ(s.op_histogram.at("MaxPool"), 3);
  ASSERT_EQ(s.inputs.size(), 1u);
  EXPECT_EQ(s.inputs[0].shape, (std::vector<std::int64_t>{1, 3, 224, 224}));
  EXPECT_EQ(s.inferred_outputs[0].shape, (std::vector<std::int64_t>{1, 1000}));
  EXPECT_EQ(Node(s, s.nodes[0].name).output_shape, (std::vector<std::int64_t>{1, 64, 111, 111}));
  EXPECT_TRUE(s.warnings.empty());

  // --batch 8 on the fixed-batch file goes through WithBatchSize: MACs scale by exactly 8.
  ShapeOverrides b8;
  b8.batch = 8;
  ModelSummary s8 = InspectModel(model, b8);
  EXPECT_EQ(s8.macs, 8 * expected);
  EXPECT_EQ(s8.inferred_outputs[0].shape, (std::vector<std::int64_t>{8, 1000}));
  EXPECT_EQ(s8.params, s.params);
}

// ResNet18 (Fashion-MNIST, 32x32 input), by hand: 7x7/2 stem → 16x16, max-pool → 8x8, then 4 stages.
TEST(InspectModel, ResNet18At32x32MacsByHandAndReadmeCounts) {
  QBENCH_REQUIRE_SHARED(path, "models/fmnist/resnet18.onnx");
  std::int64_t expected = ConvMacs(64, 16, 3, 7);                      // stem
  expected += 4 * ConvMacs(64, 8, 64, 3);                              // layer1: 2 blocks × 2 convs
  const std::int64_t widths[] = {128, 256, 512}, sizes[] = {4, 2, 1};  // layer2..4
  for (int i = 0; i < 3; ++i) {
    const std::int64_t c = widths[i], in = c / 2, hw = sizes[i];
    expected += ConvMacs(c, hw, in, 3) + 3 * ConvMacs(c, hw, c, 3) + ConvMacs(c, hw, in, 1);  // + 1x1 downsample
  }
  expected += 512 * 10;  // fc (Gemm M=1, N=10, K=512)
  ModelSummary s = InspectModel(LoadModel(path), {});
  EXPECT_EQ(s.macs, expected);
  EXPECT_EQ(s.macs_by_op_type.at("Gemm"), 5120);
  // README: 11,176,842 initializer values (= parameters, BatchNorm folded); ops and sizes.
  EXPECT_EQ(s.params, 11176842);
  EXPECT_EQ(s.file_size_bytes, 44717045u);
  EXPECT_EQ(s.node_count, 49);
  EXPECT_EQ(s.initializer_count, 42);
  EXPECT_EQ(s.op_histogram.at("Conv"), 20);
  EXPECT_EQ(s.op_histogram.at("Relu"), 17);
  EXPECT_EQ(s.op_histogram.at("Add"), 8);
  EXPECT_EQ(s.producer_name, "pytorch");
  EXPECT_EQ(s.producer_version, "1.13.0");
  EXPECT_EQ(s.ir_version, 7);
  EXPECT_EQ(s.inputs[0].dim_names[0], "N");  // dynamic batch by name
}

// Parameter counts of the four Fashion-MNIST exports equal the initializer values their README states
// (every initializer is a Conv/Gemm weight or bias there; MobileNetV2's Clip bounds sit in Constant
// nodes and are not parameters).
TEST(InspectModel, FashionMnistParameterCountsMatchReadme) {
  const std::pair<const char*, std::int64_t> models[] = {
      {"models/fmnist/squeezenet1_1.onnx", 727626},
      {"models/fmnist/mobilenet_v2.onnx", 2219626},
      {"models/fmnist/mobilenet_v3_small.onnx", 1522050},
  };
  for (const auto& m : models) {
    QBENCH_REQUIRE_SHARED(path, m.first);
    ModelSummary s = InspectModel(LoadModel(path), {});
    EXPECT_EQ(s.params, m.second) << m.first;
    EXPECT_TRUE(s.macs_complete) << m.first;
    EXPECT_GT(s.macs, 0) << m.first;
  }
  QBENCH_REQUIRE_SHARED(mnv2, "models/fmnist/mobilenet_v2.onnx");
  ModelSummary s = InspectModel(LoadModel(mnv2), {});
  EXPECT_EQ(s.op_histogram.at("Constant"), 70);
  EXPECT_EQ(s.constant_node_count, 70);
  EXPECT_EQ(s.op_histogram.at("Clip"), 35);
  // 70 scalar float32 Clip bounds (4 bytes each) are stored weights but not parameters.
  EXPECT_EQ(s.weight_bytes_by_dtype.at("float32"), 2219626 * 4 + 70 * 4);
}

// Case models, per node by hand.
TEST(InspectModel, CaseModelsPerNodeByHand) {
  QBENCH_REQUIRE_SHARED(c02, "cases/c02_depthwise_bias_overflow/model.onnx");
  ModelSummary s = InspectModel(LoadModel(c02), {});
  // [1,8,12,12]: expand 1x1 8→16, depthwise 3x3 (group 16: C_in/group = 1), project 1x1 16→8.
  EXPECT_EQ(Node(s, "expand_conv").macs, 16 * 144 * 8);
  EXPECT_EQ(Node(s, "depthwise_conv").macs, 16 * 144 * 1 * 9);
  EXPECT_EQ(Node(s, "project_conv").macs, 8 * 144 * 16);
  EXPECT_EQ(Node(s, "depthwise_conv").params, 16 * 9 + 16);
  EXPECT_EQ(s.weight_bytes_by_dtype.at("float32"), 1760);  // case.json fp32_weight_bytes

  QBENCH_REQUIRE_SHARED(c03, "cases/c03_convtranspose_perchannel/model.onnx");
  s = InspectModel(LoadModel(c03), {});
  // X [1,3,8,8], W [3,8,3,3]: every input element meets C_out·k·k = 72 weights.
  EXPECT_EQ(Node(s, "conv_transpose").macs, 3 * 64 * 8 * 9);
  EXPECT_EQ(Node(s, "conv_transpose").output_shape, (std::vector<std::int64_t>{1, 8, 16, 16}));
  EXPECT_EQ(s.params, 3 * 8 * 9 + 8);

  QBENCH_REQUIRE_SHARED(c04, "cases/c04_gemm_transb/model.onnx");
  ShapeOverrides b3;
  b3.batch = 3;
  s = InspectModel(LoadModel(c04), b3);
  EXPECT_EQ(Node(s, "fc1_transB1").macs, 3 * 10 * 16);  // transB=1: B is [N=10, K=16]
  EXPECT_EQ(Node(s, "fc2_transB0_nobias").macs, 3 * 6 * 10);
  EXPECT_EQ(s.params, 16 * 10 + 10 + 10 * 6);
  EXPECT_EQ(s.inputs.size(), 1u);  // fc1.weight is also a graph input, but an initializer

  QBENCH_REQUIRE_SHARED(c06, "cases/c06_weights_not_initializers/model.onnx");
  s = InspectModel(LoadModel(c06), {});
  // Conv weight fp16 [8,3,3,3] behind a Cast, bias and FC weight/bias in Constant nodes.
  EXPECT_EQ(Node(s, "conv").macs, 8 * 100 * 3 * 9);
  EXPECT_EQ(Node(s, "fc_matmul").macs, 8 * 5);
  EXPECT_EQ(s.params, 216 + 8 + 40 + 5);
  EXPECT_EQ(s.params_by_dtype.at("float16"), 216);
  EXPECT_EQ(s.weight_bytes_by_dtype.at("float16"), 216 * 2);
  EXPECT_EQ(s.weight_bytes_by_dtype.at("float32"), (8 + 40 + 5) * 4);
  EXPECT_EQ(s.constant_node_count, 3);

  QBENCH_REQUIRE_SHARED(c16, "cases/c16_int64_token_ids/model.onnx");
  Model m16 = LoadModel(c16);
  s = InspectModel(m16, {});  // seq has no value: MACs of fc1 unknown, a warning, no failure
  EXPECT_FALSE(s.macs_complete);
  EXPECT_EQ(Node(s, "fc1_matmul").macs, -1);
  EXPECT_TRUE(HasWarning(s, "unresolved_input_dims"));
  EXPECT_TRUE(HasWarning(s, "macs_unknown"));
  // The cause the lab's plan gives: the unsized node and the dimension without a value, not a guess.
  const std::string gap = MacsGapCause(s);
  EXPECT_EQ(gap.rfind("shape inference could not size " + std::to_string(s.macs_unknown_nodes) +
                          " MAC node(s) (first: fc1_matmul (MatMul)); input 'input_ids' dim 1 is symbolic dimension 'seq'",
                      0),
            0u)
      << gap;
  EXPECT_NE(gap.find("--dim seq=VALUE"), std::string::npos) << gap;
  ShapeOverrides seq;
  seq.dim_values["seq"] = 7;
  seq.batch = 2;
  s = InspectModel(m16, seq);
  EXPECT_TRUE(s.macs_complete);
  EXPECT_EQ(MacsGapCause(s), "");
  EXPECT_EQ(Node(s, "fc1_matmul").macs, 2 * 7 * 16 * 32);  // [2,7,16]·[16,32]
  EXPECT_EQ(Node(s, "fc2_matmul").macs, 2 * 32 * 4);
  EXPECT_EQ(Node(s, "embedding_gather").params, 100 * 16);
  EXPECT_EQ(s.weight_bytes_by_dtype.at("float32"), 9088);  // case.json fp32_weight_bytes
  EXPECT_EQ(s.weight_bytes_by_dtype.count("int64"), 0u);
}

TEST(InspectModel, BatchedMatMulGemmTransARecurrentNets) {
  GraphBuilder b("mix");
  b.AddInput("a", DType::kFloat32, {2, 3, 4, 5});
  b.AddInput("c", DType::kFloat32, {3, 1, 4, 5});
  b.AddInput("g", DType::kFloat32, {5, 3});
  b.AddInput("x", DType::kFloat32, {"seq", "batch", 4});
  b.AddOutput("y1", DType::kFloat32, {});
  b.AddOutput("y2", DType::kFloat32, {});
  b.AddOutput("y3", DType::kFloat32, {});
  b.AddOutput("y4", DType::kFloat32, {});
  b.AddOutput("y5", DType::kFloat32, {});
  b.AddInitializer("w56", {5, 6}, Zeros(30));
  b.AddInitializer("w256", {2, 5, 6}, Zeros(60));
  b.AddInitializer("g_b", {4, 5}, Zeros(20));
  b.AddNode("MatMul", "mm_batched", {"a", "w56"}, {"y1"});     // [2,3,4,5]·[5,6]
  b.AddNode("MatMul", "mm_broadcast", {"c", "w256"}, {"y2"});  // [3,1,4,5]·[2,5,6] → [3,2,4,6]
  b.AddNode("Gemm", "gemm_tt", {"g", "g_b"}, {"y3"}, {AttrInt("transA", 1), AttrInt("transB", 1)});  // M=3 K=5 N=4
  const int hidden = 3;
  b.AddInitializer("lstm_w", {1, 4 * hidden, 4}, Zeros(48));
  b.AddInitializer("lstm_r", {1, 4 * hidden, hidden}, Zeros(36));
  b.AddInitializer("lstm_b", {1, 8 * hidden}, Zeros(24));
  b.AddNode("LSTM", "lstm", {"x", "lstm_w", "lstm_r", "lstm_b"}, {"y4"}, {AttrInt("hidden_size", hidden)});
  b.AddInitializer("gru_w", {2, 3 * hidden, 4}, Zeros(72));
  b.AddInitializer("gru_r", {2, 3 * hidden, hidden}, Zeros(54));
  b.AddNode("GRU", "gru", {"x", "gru_w", "gru_r"}, {"y5"},
            {AttrInt("hidden_size", hidden), AttrString("direction", "bidirectional")});
  ShapeOverrides o;
  o.dim_values["seq"] = 5;
  o.dim_values["batch"] = 2;
  ModelSummary s = InspectModel(b.Build(), o);
  EXPECT_EQ(Node(s, "mm_batched").macs, 2 * 3 * 4 * 6 * 5);
  EXPECT_EQ(Node(s, "mm_broadcast").macs, 3 * 2 * 4 * 6 * 5);
  EXPECT_EQ(Node(s, "mm_broadcast").output_shape, (std::vector<std::int64_t>{3, 2, 4, 6}));
  EXPECT_EQ(Node(s, "gemm_tt").macs, 3 * 4 * 5);
  // seq·batch·directions·gates·H·(input + H)
  EXPECT_EQ(Node(s, "lstm").macs, 5 * 2 * 1 * 4 * hidden * (4 + hidden));
  EXPECT_EQ(Node(s, "gru").macs, 5 * 2 * 2 * 3 * hidden * (4 + hidden));
  EXPECT_EQ(Node(s, "lstm").params, 48 + 36 + 24);
  EXPECT_EQ(s.params, 30 + 60 + 20 + 48 + 36 + 24 + 72 + 54);
  EXPECT_TRUE(s.macs_complete);
  EXPECT_EQ(s.macs_by_op_type.at("MatMul"), 720 + 720);
}

// Quantized ops report MACs too; com.microsoft.QGemm is unknown to ONNX but sized like ORT sizes it
// (qbench/model/macs.h), so no warning; its MACs come from its input shapes.
TEST(InspectModel, QuantizedOpsAndUnknownOps) {
  GraphBuilder b("q");
  b.AddOpsetImport("com.microsoft", 1);
  b.AddInput("x", DType::kUint8, {1, 2, 5, 5});
  b.AddInput("a", DType::kUint8, {3, 4});
  b.AddOutput("y", DType::kUint8, {});
  b.AddOutput("z", DType::kInt32, {});
  b.AddOutput("q", DType::kUint8, {});
  b.AddInitializer("s", {}, {0.1f});
  HostTensor zp = HostTensor::Zeros(DType::kUint8, {});
  HostTensor wzp = HostTensor::Zeros(DType::kInt8, {});
  b.AddTensorInitializer("zp", zp);
  b.AddTensorInitializer("wzp", wzp);
  b.AddTensorInitializer("w", HostTensor::Zeros(DType::kInt8, {4, 2, 3, 3}));
  b.AddTensorInitializer("bias", HostTensor::Zeros(DType::kInt32, {4}));
  b.AddNode("QLinearConv", "qconv", {"x", "s", "zp", "w", "s", "wzp", "s", "zp", "bias"}, {"y"},
            {AttrInts("pads", {1, 1, 1, 1})});
  b.AddTensorInitializer("mb", HostTensor::Zeros(DType::kInt8, {4, 2}));
  b.AddNode("MatMulInteger", "mmi", {"a", "mb", "zp", "wzp"}, {"z"});
  b.AddTensorInitializer("qb", HostTensor::Zeros(DType::kInt8, {6, 4}));
  b.AddNode("QGemm", "qgemm", {"a", "s", "zp", "qb", "s", "wzp", "", "s", "zp"}, {"q"}, {AttrInt("transB", 1)},
            "com.microsoft");
  ModelSummary s = InspectModel(b.Build(), {});
  EXPECT_EQ(Node(s, "qconv").macs, 4 * 25 * 2 * 9);
  EXPECT_EQ(Node(s, "qconv").params, 72 + 4);
  EXPECT_EQ(Node(s, "mmi").macs, 3 * 2 * 4);
  EXPECT_EQ(Node(s, "qgemm").macs, 3 * 6 * 4);
  EXPECT_EQ(s.op_histogram.at("com.microsoft.QGemm"), 1);
  EXPECT_EQ(s.params_by_dtype.at("int8"), 72 + 8 + 24);
  EXPECT_EQ(s.params_by_dtype.at("int32"), 4);
  EXPECT_EQ(s.weight_bytes_by_dtype.at("int8"), 72 + 8 + 24 + 1);  // + the int8 zero point
  EXPECT_FALSE(HasWarning(s, "unknown_ops"));
  EXPECT_EQ(Node(s, "qgemm").output_shape, (std::vector<std::int64_t>{3, 6}));
  EXPECT_TRUE(s.macs_complete);
}

// A dynamic int8 Conv as ORT's and qbench's dynamic scheme write it: DynamicQuantizeLinear ->
// ConvInteger -> Cast -> Mul(scales) -> Add(bias). The fp32 bias is a parameter, as in the fp32 and
// QDQ files (F22): params = 4·2·3·3 uint8 weights + 4 float32 biases.
TEST(InspectModel, DynamicInt8ConvCountsItsFloatBias) {
  GraphBuilder b("dyn", 13);
  b.AddInput("x", DType::kFloat32, {1, 2, 5, 5});
  b.AddOutput("y", DType::kFloat32, {});
  b.AddNode("DynamicQuantizeLinear", "dql", {"x"}, {"xq", "xs", "xzp"});
  b.AddTensorInitializer("w", HostTensor::Zeros(DType::kUint8, {4, 2, 3, 3}));
  b.AddTensorInitializer("wzp", HostTensor::Zeros(DType::kUint8, {}));
  b.AddInitializer("ws", {}, {0.1f});
  b.AddInitializer("bias", {4, 1, 1}, {1, 2, 3, 4});
  b.AddNode("ConvInteger", "conv", {"xq", "w", "xzp", "wzp"}, {"acc"});
  b.AddNode("Cast", "cast", {"acc"}, {"accf"}, {AttrInt("to", 1)});
  b.AddNode("Mul", "scales", {"xs", "ws"}, {"s"});
  b.AddNode("Mul", "rescale", {"accf", "s"}, {"yf"});
  b.AddNode("Add", "bias_add", {"yf", "bias"}, {"y"});
  ModelSummary s = InspectModel(b.Build(), {});
  EXPECT_EQ(s.params, 72 + 4);
  EXPECT_EQ(s.params_by_dtype.at("uint8"), 72);
  EXPECT_EQ(s.params_by_dtype.at("float32"), 4);
}

// A custom op hides the shapes after it: the Conv behind it has unknown MACs, with a warning.
TEST(InspectModel, UnknownOpMakesDownstreamMacsUnknownNotAnError) {
  GraphBuilder b("custom");
  b.AddOpsetImport("my.domain", 1);
  b.AddInput("x", DType::kFloat32, {1, 2, 4, 4});
  b.AddOutput("y", DType::kFloat32, {});
  b.AddInitializer("w", {3, 2, 1, 1}, Zeros(6));
  b.AddNode("Mystery", "mystery", {"x"}, {"m"}, {}, "my.domain");
  b.AddNode("Conv", "conv_after", {"m", "w"}, {"y"});
  ModelSummary s = InspectModel(b.Build(), {});
  EXPECT_EQ(Node(s, "conv_after").macs, -1);
  EXPECT_EQ(Node(s, "conv_after").params, 6);
  EXPECT_FALSE(s.macs_complete);
  EXPECT_EQ(s.macs_unknown_nodes, 1);
  EXPECT_TRUE(HasWarning(s, "unknown_ops"));
  EXPECT_TRUE(HasWarning(s, "macs_unknown"));
}

TEST(InspectModel, InputWithoutShapeNeedsShapeFlag) {
  GraphBuilder b("noshape");
  b.AddInput("x", DType::kFloat32, {});
  b.graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->clear_shape();
  b.AddOutput("y", DType::kFloat32, {});
  b.AddInitializer("w", {3, 2, 1, 1}, Zeros(6));
  b.AddNode("Conv", "conv", {"x", "w"}, {"y"});
  Model m = b.Build();
  ModelSummary s = InspectModel(m, {});
  EXPECT_FALSE(s.inputs[0].has_shape);
  EXPECT_EQ(Node(s, "conv").macs, -1);
  EXPECT_TRUE(HasWarning(s, "unresolved_input_dims"));
  ShapeOverrides o;
  o.input_shapes["x"] = {2, 2, 5, 5};
  s = InspectModel(m, o);
  EXPECT_EQ(Node(s, "conv").macs, 2 * 3 * 25 * 2);
}

TEST(InspectModel, ExternalDataCountedInSizesAndWeights) {
  const std::string dir = ::qbench::testing::TempDir();
  GraphBuilder b("ext");
  b.AddInput("x", DType::kFloat32, {1, 4});
  b.AddOutput("y", DType::kFloat32, {1, 3});
  b.AddInitializer("w", {4, 3}, Zeros(12));
  b.AddNode("MatMul", "mm", {"x", "w"}, {"y"});
  Model m = b.Build();
  auto* t = m.proto.mutable_graph()->mutable_initializer(0);
  const std::string raw = t->raw_data();
  t->clear_raw_data();
  t->set_data_location(onnx::TensorProto::EXTERNAL);
  auto* kv = t->add_external_data();
  kv->set_key("location");
  kv->set_value("w.bin");
  std::ofstream(dir + "/w.bin", std::ios::binary) << raw << std::string(10000, 'x');  // 10,048 bytes
  SaveModel(m, dir + "/ext.onnx");
  Model loaded = LoadModel(dir + "/ext.onnx");
  ModelSummary s = InspectModel(loaded, {});
  struct stat a {}, w {};
  ASSERT_EQ(::stat((dir + "/ext.onnx").c_str(), &a), 0);
  ASSERT_EQ(::stat((dir + "/w.bin").c_str(), &w), 0);
  EXPECT_EQ(s.file_size_bytes, static_cast<std::uint64_t>(a.st_size) + 10048);
  EXPECT_EQ(s.disk_usage_bytes, static_cast<std::uint64_t>(a.st_blocks + w.st_blocks) * 512);
  ASSERT_EQ(s.external_data_files.size(), 1u);
  EXPECT_THAT(s.external_data_files[0], HasSubstr("w.bin"));
  EXPECT_EQ(s.weight_bytes_by_dtype.at("float32"), 48);
  EXPECT_EQ(s.params, 12);
  EXPECT_EQ(Node(s, "mm").macs, 12);
  ::unlink((dir + "/w.bin").c_str());
  try {
    InspectModel(loaded, {});
    FAIL() << "missing external data accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
  }
}

TEST(InspectModel, MalformedGraphsAreInvalidInput) {
  GraphBuilder b("bad");
  b.AddInput("x", DType::kFloat32, {1, 4});
  b.AddOutput("y", DType::kFloat32, {});
  b.AddNode("Add", "add", {"x", "nowhere"}, {"y"});
  try {
    InspectModel(b.Build(), {});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidInput);
    EXPECT_THAT(e.what(), HasSubstr("node add (Add) reads 'nowhere'"));
  }
  GraphBuilder c("bad2");
  c.AddInput("x", DType::kFloat32, {1, 4});
  c.AddOutput("y", DType::kFloat32, {});
  c.AddInitializer("w", {4}, Zeros(4));
  c.graph()->mutable_initializer(0)->set_dims(0, -4);
  c.AddNode("Add", "add", {"x", "w"}, {"y"});
  try {
    InspectModel(c.Build(), {});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidInput);
    EXPECT_THAT(e.what(), HasSubstr("initializer 'w' has invalid dims"));
  }
}

}  // namespace
}  // namespace qbench
