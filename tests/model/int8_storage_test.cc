// ReadInt8Storage (qbench/model/int8_storage.h): what an int8 file holds, read from hand-built QDQ,
// QOperator and dynamic graphs — u8 weights with zero point 128, s8 symmetric, s8 7-bit, and the
// activations' dtype from the quantizing ops' zero points.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "qbench/model/graph_builder.h"
#include "qbench/model/inspect.h"
#include "qbench/model/int8_storage.h"

namespace qbench {
namespace {

template <typename T>
HostTensor IntTensor(DType dtype, const std::vector<std::int64_t>& shape, const std::vector<int>& values) {
  HostTensor t = HostTensor::Zeros(dtype, shape);
  for (std::size_t i = 0; i < values.size(); ++i) t.data<T>()[i] = static_cast<T>(values[i]);
  return t;
}
HostTensor U8(const std::vector<std::int64_t>& shape, const std::vector<int>& v) { return IntTensor<std::uint8_t>(DType::kUint8, shape, v); }
HostTensor S8(const std::vector<std::int64_t>& shape, const std::vector<int>& v) { return IntTensor<std::int8_t>(DType::kInt8, shape, v); }

// x [1,2,4,4] → QuantizeLinear(x_zp of `act`) → DequantizeLinear → Conv with weight
// DequantizeLinear(w [2,2,1,1] of `w`, per-channel zero points `wzp`) → y.
Model QdqConv(const HostTensor& w, const HostTensor& wzp, const HostTensor& act_zp) {
  GraphBuilder b("qdq", 13);
  b.AddInput("x", DType::kFloat32, {1, 2, 4, 4});
  b.AddOutput("y", DType::kFloat32, {1, 2, 4, 4});
  b.AddInitializer("x_scale", {}, {0.1f});
  b.AddTensorInitializer("x_zp", act_zp);
  b.AddNode("QuantizeLinear", "q_x", {"x", "x_scale", "x_zp"}, {"x_q"});
  b.AddNode("DequantizeLinear", "dq_x", {"x_q", "x_scale", "x_zp"}, {"x_dq"});
  b.AddTensorInitializer("w_q", w);
  b.AddInitializer("w_scale", {2}, {0.01f, 0.02f});
  b.AddTensorInitializer("w_zp", wzp);
  b.AddNode("DequantizeLinear", "dq_w", {"w_q", "w_scale", "w_zp"}, {"w_dq"}, {AttrInt("axis", 0)});
  b.AddNode("Conv", "conv", {"x_dq", "w_dq"}, {"y"});
  return b.Build();
}

TEST(Int8Storage, U8WeightsWithZeroPoint128AndU8Activations) {
  // u8 = s8 + 128: 255 and 1 are +127 and -127.
  const Int8Storage s = ReadInt8Storage(QdqConv(U8({2, 2, 1, 1}, {255, 1, 128, 200}), U8({2}, {128, 128}), U8({}, {128})).proto.graph());
  EXPECT_EQ(s.WeightsLabel(), "u8 (zero point 128)");
  EXPECT_EQ(s.weight_elements.at(kWeightsU8ZeroPoint128), 4);
  EXPECT_EQ(s.static_activations.at("u8"), 1);  // QuantizeLinear q_x
  EXPECT_EQ(s.ActivationsLabel(), "u8 (static, in the file)");
}

TEST(Int8Storage, S8SymmetricS8ReducedAndAsymmetricWeights) {
  // Full 8-bit: a value reaches ±127.
  Int8Storage s = ReadInt8Storage(QdqConv(S8({2, 2, 1, 1}, {127, -3, 5, -90}), S8({2}, {0, 0}), S8({}, {0})).proto.graph());
  EXPECT_EQ(s.WeightsLabel(), "s8 symmetric");
  EXPECT_EQ(s.ActivationsLabel(), "s8 (static, in the file)");
  // 7-bit (ORT's reduce_range): every |value| <= 64.
  s = ReadInt8Storage(QdqConv(S8({2, 2, 1, 1}, {64, -64, 5, -3}), S8({2}, {0, 0}), U8({}, {0})).proto.graph());
  EXPECT_EQ(s.WeightsLabel(), "s8 7-bit (reduced range)");
  EXPECT_EQ(s.ActivationsLabel(), "u8 (static, in the file)");
  // A zero point other than 0 (s8) or 128 (u8): asymmetric.
  s = ReadInt8Storage(QdqConv(S8({2, 2, 1, 1}, {127, -3, 5, -90}), S8({2}, {0, 3}), U8({}, {0})).proto.graph());
  EXPECT_EQ(s.WeightsLabel(), "s8 asymmetric");
  s = ReadInt8Storage(QdqConv(U8({2, 2, 1, 1}, {255, 1, 128, 200}), U8({2}, {128, 100}), U8({}, {0})).proto.graph());
  EXPECT_EQ(s.WeightsLabel(), "u8 asymmetric");
}

TEST(Int8Storage, MixedFormsMostElementsFirstAndFloatFilesEmpty) {
  // u8 Conv weight (4 elements) + an s8 7-bit MatMul weight (6 elements) → s8 first.
  Model m = QdqConv(U8({2, 2, 1, 1}, {255, 1, 128, 200}), U8({2}, {128, 128}), U8({}, {128}));
  onnx::GraphProto* g = m.proto.mutable_graph();
  onnx::TensorProto* t = g->add_initializer();
  FillTensorProto("b_q", S8({2, 3}, {60, -64, 1, 2, 3, 4}), t);
  onnx::NodeProto* n = g->add_node();
  n->set_op_type("DequantizeLinear");
  n->add_input("b_q");
  n->add_input("w_scale");
  n->add_output("b_dq");
  const Int8Storage s = ReadInt8Storage(*g);
  EXPECT_EQ(s.weight_elements.at(kWeightsS8Reduced), 6);
  EXPECT_EQ(s.WeightsLabel(), "s8 7-bit (reduced range) + u8 (zero point 128)");
  // A float model holds no int8 tensor: both labels empty, and InspectModel carries the same facts.
  GraphBuilder f("fp32", 13);
  f.AddInput("x", DType::kFloat32, {1, 4});
  f.AddOutput("y", DType::kFloat32, {1, 2});
  f.AddInitializer("W", {4, 2}, std::vector<float>(8, 0.5f));
  f.AddNode("MatMul", "mm", {"x", "W"}, {"y"});
  EXPECT_TRUE(ReadInt8Storage(f.Build().proto.graph()).empty());
  EXPECT_EQ(InspectModel(QdqConv(U8({2, 2, 1, 1}, {255, 1, 128, 200}), U8({2}, {128, 128}), U8({}, {128}))).int8_storage.WeightsLabel(),
            "u8 (zero point 128)");
}

// The zoo's int8 MobileNetV2 form: QLinearConv with a u8 input zero point and s8 weights (zero
// point 0) — "u8 activations against s8 weights", never "int8 activations".
TEST(Int8Storage, QOperatorConvReadsItsInputAndWeightZeroPoints) {
  GraphBuilder b("qop", 13);
  b.AddInput("x", DType::kUint8, {1, 2, 4, 4});
  b.AddOutput("y", DType::kUint8, {1, 2, 4, 4});
  b.AddInitializer("x_scale", {}, {0.1f});
  b.AddTensorInitializer("x_zp", U8({}, {128}));
  b.AddTensorInitializer("w", S8({2, 2, 1, 1}, {-127, 3, 4, 5}));
  b.AddInitializer("w_scale", {}, {0.01f});
  b.AddTensorInitializer("w_zp", S8({}, {0}));
  b.AddInitializer("y_scale", {}, {0.2f});
  b.AddTensorInitializer("y_zp", U8({}, {128}));
  b.AddNode("QLinearConv", "qconv", {"x", "x_scale", "x_zp", "w", "w_scale", "w_zp", "y_scale", "y_zp"}, {"y"});
  const Int8Storage s = ReadInt8Storage(b.Build().proto.graph());
  EXPECT_EQ(s.WeightsLabel(), "s8 symmetric");
  EXPECT_EQ(s.ActivationsLabel(), "u8 (static, in the file)");
}

TEST(Int8Storage, DynamicGraphQuantizesActivationsToU8AtRunTime) {
  GraphBuilder b("dyn", 13);
  b.AddInput("x", DType::kFloat32, {1, 4});
  b.AddOutput("y", DType::kInt32, {1, 2});
  b.AddTensorInitializer("B", U8({4, 2}, {0, 255, 128, 7, 9, 10, 11, 12}));
  b.AddTensorInitializer("B_zp", U8({}, {131}));
  b.AddNode("DynamicQuantizeLinear", "dql", {"x"}, {"x_q", "x_scale", "x_zp"});
  b.AddNode("MatMulInteger", "mmi", {"x_q", "B", "x_zp", "B_zp"}, {"y"});
  const Int8Storage s = ReadInt8Storage(b.Build().proto.graph());
  EXPECT_EQ(s.WeightsLabel(), "u8 asymmetric");
  EXPECT_EQ(s.dynamic_activation_ops, 1);
  EXPECT_EQ(s.ActivationsLabel(), "u8 (dynamic)");
}

}  // namespace
}  // namespace qbench
