// 7-bit (reduce_range) int8 weights: ORT's ranges and scales on hand-computed values, the
// auto-detection decision on injected CPU flags, and the option honoured by both schemes.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "qbench/core/error.h"
#include "qbench/runtime/runner.h"
#include "qbench/model/graph_builder.h"
#include "qbench/quantization/kernel_probe.h"
#include "qbench/quantization/quant_math.h"
#include "qbench/quantization/quantizer.h"
#include "qbench/quantization/weight_range.h"
#include "quant_test_util.h"

namespace qbench {
namespace {

using Flags = std::vector<std::pair<std::string, bool>>;

TEST(WeightRange, ReducedRangesFollowOrt) {
  // quant_utils.get_qmin_qmax_for_qType(reduce_range=True): int8 [-64, 64] (symmetric or not), uint8 [0, 127].
  EXPECT_EQ(QuantRangeFor(DType::kInt8, true, true).qmin, -64);
  EXPECT_EQ(QuantRangeFor(DType::kInt8, true, true).qmax, 64);
  EXPECT_EQ(QuantRangeFor(DType::kInt8, false, true).qmin, -64);
  EXPECT_EQ(QuantRangeFor(DType::kInt8, false, true).qmax, 64);
  EXPECT_EQ(QuantRangeFor(DType::kUint8, false, true).qmax, 127);
  // u8 activation 255 times two adjacent weights at the bound: the int16 pair sum of VPMADDUBSW fits.
  EXPECT_LE(2 * 255 * QuantRangeFor(DType::kInt8, true, true).qmax, 32767);
  EXPECT_GT(2 * 255 * QuantRangeFor(DType::kInt8, true, false).qmax, 32767);
}

TEST(WeightRange, ReducedScalesOnHandComputedValues) {
  // Symmetric [-0.5, 2]: absmax 2, scale = 2·2 / (64 - (-64)) = 0.03125, zero point 0.
  QuantParams p = ComputeQuantParams(-0.5f, 2.0f, DType::kInt8, true, true);
  EXPECT_FLOAT_EQ(p.scale, 0.03125f);
  EXPECT_EQ(p.zero_point, 0);
  // Asymmetric [-1, 3]: scale = 4/128 = 0.03125, zero point = round(-64 - (-1)/0.03125) = -32.
  p = ComputeQuantParams(-1.0f, 3.0f, DType::kInt8, false, true);
  EXPECT_FLOAT_EQ(p.scale, 0.03125f);
  EXPECT_EQ(p.zero_point, -32);
  // Per channel (axis 0): row 0 absmax 1.28 → scale 0.02, q = {64, -32, 16};
  // row 1 absmax 3.2 → scale 0.05, q = {-64, 20, 1}.
  HostTensor w = HostTensor::Zeros(DType::kFloat32, {2, 3});
  const std::vector<float> v{1.28f, -0.64f, 0.32f, -3.2f, 1.0f, 0.05f};
  std::memcpy(w.bytes.data(), v.data(), v.size() * sizeof(float));
  const WeightQuantParams wp = ComputeWeightQuantParams(w, 0, DType::kInt8, true, "w", true);
  EXPECT_TRUE(wp.reduce_range);
  ASSERT_EQ(wp.scales.size(), 2u);
  EXPECT_FLOAT_EQ(wp.scales[0], 0.02f);
  EXPECT_FLOAT_EQ(wp.scales[1], 0.05f);
  const HostTensor q = QuantizeWeight(w, wp);
  const std::vector<int> expected{64, -32, 16, -64, 20, 1};
  for (size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(q.data<std::int8_t>()[i], expected[i]) << i;
  // Full range for comparison: row 1 scale 3.2/127, -3.2 → -127.
  const WeightQuantParams full = ComputeWeightQuantParams(w, 0, DType::kInt8, true, "w");
  EXPECT_FLOAT_EQ(full.scales[1], 3.2f / 127.0f);
  EXPECT_EQ(QuantizeWeight(w, full).data<std::int8_t>()[3], -127);
}

TEST(WeightRange, AutoDecisionFromInjectedCpuFlags) {
  const Flags avx2_only{{"avx2", true}, {"avx512f", false}, {"avx512_vnni", false}, {"avx_vnni", false}, {"amx_int8", false}};
  const DType u8 = DType::kUint8, s8 = DType::kInt8;
  WeightRangeDecision d = DecideWeightRange(WeightRange::kAuto, u8, "x86_64", avx2_only);
  EXPECT_EQ(d.range, WeightRange::kUnsigned);
  EXPECT_NE(d.reason.find("this CPU has no VNNI, ORT's AVX2 u8s8 kernel saturates"), std::string::npos) << d.reason;
  // s8 activations: ORT has no s8·u8 kernel, so 7-bit s8 weights.
  d = DecideWeightRange(WeightRange::kAuto, s8, "x86_64", avx2_only);
  EXPECT_EQ(d.range, WeightRange::kReduced);
  EXPECT_NE(d.reason.find("7-bit weights: this CPU has no VNNI"), std::string::npos) << d.reason;
  // AVX-512 without VNNI (Skylake-X) still multiplies with VPMADDUBSW.
  EXPECT_EQ(DecideWeightRange(WeightRange::kAuto, u8, "x86_64", {{"avx512f", true}, {"avx512bw", true}}).range, WeightRange::kUnsigned);
  for (const char* vnni : {"avx512_vnni", "avx_vnni", "amx_int8"}) {
    d = DecideWeightRange(WeightRange::kAuto, u8, "x86_64", {{"avx2", true}, {vnni, true}});
    EXPECT_EQ(d.range, WeightRange::kFull) << vnni;
    EXPECT_NE(d.reason.find(vnni), std::string::npos) << d.reason;
  }
  EXPECT_EQ(DecideWeightRange(WeightRange::kAuto, u8, "aarch64", {{"asimd", true}, {"asimddp", false}}).range, WeightRange::kFull);
  EXPECT_EQ(DecideWeightRange(WeightRange::kAuto, u8, "", {}).range, WeightRange::kFull);
  EXPECT_EQ(DecideWeightRange(WeightRange::kAuto, u8, "i686", {}).range, WeightRange::kUnsigned);
  // Explicit choices win over the CPU; u8 weights need u8 activations.
  EXPECT_EQ(DecideWeightRange(WeightRange::kFull, u8, "x86_64", avx2_only).range, WeightRange::kFull);
  EXPECT_TRUE(DecideWeightRange(WeightRange::kReduced, u8, "aarch64", {}).reduced());
  EXPECT_THROW(DecideWeightRange(WeightRange::kUnsigned, s8, "aarch64", {}), Error);
  EXPECT_TRUE(ResolveWeightRange(WeightRange::kReduced, u8).reduced());
  EXPECT_EQ(ResolveWeightRange(WeightRange::kFull, u8).range, WeightRange::kFull);
}

TEST(WeightRange, ParseAndName) {
  for (WeightRange r : {WeightRange::kAuto, WeightRange::kFull, WeightRange::kReduced, WeightRange::kUnsigned})
    EXPECT_EQ(ParseWeightRange(WeightRangeName(r)), r);
  EXPECT_STREQ(WeightRangeName(WeightRange::kUnsigned), "u8");
  try {
    ParseWeightRange("7bit");
    FAIL() << "no throw";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'7bit'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("auto, full, reduced, u8"), std::string::npos) << e.what();
  }
}

TEST(WeightRange, ShiftToUint8KeepsTheRealValues) {
  HostTensor w = HostTensor::Zeros(DType::kFloat32, {2, 3});
  const std::vector<float> v{1.28f, -0.64f, 0.32f, -3.2f, 1.0f, 0.05f};
  std::memcpy(w.bytes.data(), v.data(), v.size() * sizeof(float));
  WeightQuantParams p = ComputeWeightQuantParams(w, 0, DType::kInt8, true, "w");
  HostTensor q = QuantizeWeight(w, p);
  const HostTensor before = DequantizeTensor(q, p.scales, p.zero_points, 0);
  ShiftWeightToUint8(&q, &p);
  EXPECT_EQ(q.dtype, DType::kUint8);
  EXPECT_EQ(p.dtype, DType::kUint8);
  EXPECT_EQ(p.zero_points, (std::vector<std::int32_t>{128, 128}));
  EXPECT_EQ(q.data<std::uint8_t>()[0], 255);  // 127 + 128
  EXPECT_EQ(q.data<std::uint8_t>()[3], 1);    // -127 + 128
  const HostTensor after = DequantizeTensor(q, p.scales, p.zero_points, 0);
  EXPECT_EQ(before.ToFloatVector(), after.ToFloatVector());
  EXPECT_THROW(ShiftWeightToUint8(&q, &p), Error);  // already u8
}

// The int8 initializer read as input `k` of the first node of type `op` (directly or through its DQ).
HostTensor Int8WeightOf(const Model& m, const std::string& op, int k) {
  for (const auto& n : m.proto.graph().node()) {
    if (n.op_type() != op) continue;
    std::string name = n.input(k);
    if (const onnx::NodeProto* dq = testing::ProducerOf(m, name); dq && dq->op_type() == "DequantizeLinear") name = dq->input(0);
    for (const auto& t : m.proto.graph().initializer())
      if (t.name() == name) return TensorFromProto(t);
  }
  throw std::runtime_error("no " + op + " weight");
}

int MaxAbs(const HostTensor& q) {
  int m = 0;
  for (std::int64_t i = 0; i < q.num_elements(); ++i) m = std::max(m, std::abs(int(q.data<std::int8_t>()[i])));
  return m;
}

TEST(WeightRange, DynamicMatMulHonoursTheOption) {
  GraphBuilder b("mm");
  b.AddInput("x", DType::kFloat32, {1, 3});
  b.AddOutput("y", DType::kFloat32, {1, 2});
  b.AddInitializer("w", {3, 2}, {1.28f, -3.2f, -0.64f, 1.0f, 0.32f, 0.05f});
  b.AddNode("MatMul", "mm", {"x", "w"}, {"y"});
  QuantizeOptions o;
  o.scheme = "dynamic";
  o.weight_range = WeightRange::kReduced;
  QuantizeResult r = QuantizeModel(b.Build(), o, nullptr, nullptr);
  // Per tensor: absmax 3.2 → scale 0.05; q = round(w / 0.05) = {26, -64, -13, 20, 6, 1}.
  const HostTensor q = Int8WeightOf(r.model, "MatMulInteger", 1);
  ASSERT_EQ(q.dtype, DType::kInt8);
  const std::vector<int> expected{26, -64, -13, 20, 6, 1};
  for (size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(q.data<std::int8_t>()[i], expected[i]) << i;
  EXPECT_EQ(r.report.weight_range, "reduced");
  EXPECT_EQ(r.report.weight_range_reason, "s8 weights, 7 bits [-64, 64] (--weight-range reduced)");
  const auto j = nlohmann::json::parse(QuantizeReportToJson(r.report));
  EXPECT_EQ(j.at("weight_range"), "reduced");
  EXPECT_NE(FormatQuantizeReport(r.report).find("weight range: reduced (s8 weights, 7 bits [-64, 64] (--weight-range reduced))\n"), std::string::npos);
  o.weight_range = WeightRange::kFull;
  r = QuantizeModel(b.Build(), o, nullptr, nullptr);
  EXPECT_EQ(MaxAbs(Int8WeightOf(r.model, "MatMulInteger", 1)), 127);
  EXPECT_EQ(r.report.weight_range, "full");
  // u8: the full-range values + 128, zero point 128; -3.2 → -127 → 1.
  o.weight_range = WeightRange::kUnsigned;
  r = QuantizeModel(b.Build(), o, nullptr, nullptr);
  const HostTensor u = Int8WeightOf(r.model, "MatMulInteger", 1);
  ASSERT_EQ(u.dtype, DType::kUint8);
  EXPECT_EQ(u.data<std::uint8_t>()[1], 1);
  for (const auto& t : r.model.proto.graph().initializer())
    if (t.name() == testing::NodeNamed(r.model, "mm_MatMulInteger")->input(3)) {
      const HostTensor zp = TensorFromProto(t);
      ASSERT_EQ(zp.dtype, DType::kUint8);
      EXPECT_EQ(zp.data<std::uint8_t>()[0], 128);
    }
  EXPECT_GE(testing::OutputSqnrDb(b.Build(), r.model, {testing::RandomTensor({1, 3}, 3)}), 30.0);
  EXPECT_EQ(r.report.weight_range, "u8");
  // kAuto is resolved, never reported as "auto".
  o.weight_range = WeightRange::kAuto;
  r = QuantizeModel(b.Build(), o, nullptr, nullptr);
  EXPECT_EQ(r.report.weight_range, WeightRangeName(ResolveWeightRange(WeightRange::kAuto, DType::kUint8).range));
}

TEST(WeightRange, StaticPerChannelConvHonoursTheOption) {
  GraphBuilder b("conv");
  b.AddInput("x", DType::kFloat32, {1, 2, 4, 4});
  b.AddOutput("y", DType::kFloat32, {1, 2, 4, 4});
  // W [2, 2, 1, 1]: channel 0 absmax 1.28, channel 1 absmax 3.2.
  b.AddInitializer("w", {2, 2, 1, 1}, {1.28f, -0.64f, -3.2f, 1.0f});
  b.AddNode("Conv", "conv", {"x", "w"}, {"y"});
  const Model m = b.Build();
  const std::vector<HostTensor> feeds{testing::RandomTensor({1, 2, 4, 4}, 7)};
  QuantizeOptions o;
  o.quantize_graph_outputs = true;  // the Conv writes the graph output: QLinearConv only with it quantized
  o.scheme = "static";
  o.granularity = WeightGranularity::kPerChannel;
  o.weight_range = WeightRange::kReduced;
  QuantizeResult r = QuantizeModelWithRanges(m, o, testing::MinMaxTable(m, feeds), nullptr);
  HostTensor q = Int8WeightOf(r.model, "Conv", 1);
  const std::vector<int> expected{64, -32, -64, 20};
  for (size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(q.data<std::int8_t>()[i], expected[i]) << i;
  const onnx::NodeProto* dq = testing::ProducerOf(r.model, testing::NodeNamed(r.model, "conv")->input(1));
  const HostTensor scales = testing::InitializerTensor(r.model, dq->input(1));
  EXPECT_FLOAT_EQ(scales.data<float>()[0], 0.02f);
  EXPECT_FLOAT_EQ(scales.data<float>()[1], 0.05f);
  o.weight_range = WeightRange::kFull;
  r = QuantizeModelWithRanges(m, o, testing::MinMaxTable(m, feeds), nullptr);
  q = Int8WeightOf(r.model, "Conv", 1);
  EXPECT_EQ(q.data<std::int8_t>()[0], 127);
  EXPECT_EQ(q.data<std::int8_t>()[2], -127);
  // u8: 127 + 128 and -127 + 128, with an explicit u8 zero point 128 per channel on the DQ; ORT
  // still fuses the Conv (QLinearConv) and computes what the u8 weights say.
  o.weight_range = WeightRange::kUnsigned;
  r = QuantizeModelWithRanges(m, o, testing::MinMaxTable(m, feeds), nullptr);
  q = Int8WeightOf(r.model, "Conv", 1);
  ASSERT_EQ(q.dtype, DType::kUint8);
  EXPECT_EQ(q.data<std::uint8_t>()[0], 255);
  EXPECT_EQ(q.data<std::uint8_t>()[2], 1);
  EXPECT_EQ(r.report.weight_range, "u8");
  const onnx::NodeProto* udq = testing::ProducerOf(r.model, testing::NodeNamed(r.model, "conv")->input(1));
  ASSERT_EQ(udq->input_size(), 3);
  EXPECT_GE(testing::OutputSqnrDb(m, r.model, feeds), 38.0);
}

// ORT runs a depthwise QLinearConv (group = C, W [C, 1, kh, kw]) with MLAS's depthwise kernel, which
// keeps 32-bit products: full-range s8 weights against u8 activations of 255 are exact there, where
// a kernel adding u8·s8 product pairs in int16 gives far less (255·127 + 255·120 = 62985 > 32767).
TEST(WeightRange, DepthwiseKernelIsExactAtFullRange) {
  constexpr int kC = 16;
  GraphBuilder b("dw_probe", 13);
  b.AddInput("x", DType::kUint8, {1, kC, 3, 3});
  b.AddOutput("y", DType::kUint8, {1, kC, 1, 1});
  HostTensor w = HostTensor::Zeros(DType::kInt8, {kC, 1, 3, 3});
  for (int i = 0; i < kC * 9; ++i) w.data<std::int8_t>()[i] = static_cast<std::int8_t>(i % 2 ? 120 : 127);
  auto scalar = [&](const std::string& name, DType dt, double v) {
    HostTensor t = HostTensor::Zeros(dt, {});
    if (dt == DType::kFloat32) t.data<float>()[0] = static_cast<float>(v);
    return b.AddTensorInitializer(name, t);  // integer zero points stay 0
  };
  b.AddTensorInitializer("w", w);
  scalar("x_scale", DType::kFloat32, 1.0);
  scalar("x_zp", DType::kUint8, 0);
  scalar("w_scale", DType::kFloat32, 1.0);
  scalar("w_zp", DType::kInt8, 0);
  scalar("y_scale", DType::kFloat32, 2000.0);
  scalar("y_zp", DType::kUint8, 0);
  b.AddNode("QLinearConv", "dw", {"x", "x_scale", "x_zp", "w", "w_scale", "w_zp", "y_scale", "y_zp"}, {"y"},
            {AttrInt("group", kC)});
  HostTensor x = HostTensor::Zeros(DType::kUint8, {1, kC, 3, 3});
  for (int i = 0; i < kC * 9; ++i) x.data<std::uint8_t>()[i] = 255;
  SessionConfig c;
  c.intra_op_threads = 1;
  const HostTensor y = OrtRunner::Create(b.Build(), c)->Run({x})[0];
  // Even channels start with 127: 255 · (5·127 + 4·120) = 284325 → round(/ 2000) = 142; odd ones
  // 255 · (4·127 + 5·120) = 282540 → 141. Int16 pair saturation would give about 81.
  for (int k = 0; k < kC; ++k) EXPECT_EQ(int(y.data<std::uint8_t>()[k]), k % 2 ? 141 : 142) << "channel " << k;
}

// Under --weight-range reduced, a weight read only by depthwise Convs keeps the full 8 bits (its
// kernel never saturates, above); the pointwise Conv's weight gets 7 bits. The file is then not
// reported as relying on the saturating u8s8 kernels.
TEST(WeightRange, ReducedKeepsDepthwiseWeightsAtFullRange) {
  GraphBuilder b("dw_pw");
  b.AddInput("x", DType::kFloat32, {1, 4, 6, 6});
  b.AddOutput("y", DType::kFloat32, {1, 4, 6, 6});
  std::vector<float> dw(4 * 9), pw(16);
  for (std::size_t i = 0; i < dw.size(); ++i) dw[i] = 0.1f * static_cast<float>(int(i % 7) - 3);
  for (std::size_t i = 0; i < pw.size(); ++i) pw[i] = 0.2f * static_cast<float>(int(i % 5) - 2);
  b.AddInitializer("dw_w", {4, 1, 3, 3}, dw);
  b.AddInitializer("pw_w", {4, 4, 1, 1}, pw);
  b.AddNode("Conv", "dw", {"x", "dw_w"}, {"h"}, {AttrInt("group", 4), AttrInts("pads", {1, 1, 1, 1})});
  b.AddNode("Relu", "relu", {"h"}, {"a"});
  b.AddNode("Conv", "pw", {"a", "pw_w"}, {"y"});
  const Model m = b.Build();
  const std::vector<HostTensor> feeds{testing::RandomTensor({1, 4, 6, 6}, 5)};
  QuantizeOptions o;
  o.quantize_graph_outputs = true;  // the Conv writes the graph output: QLinearConv only with it quantized
  o.scheme = "static";
  o.activation_type = DType::kUint8;
  o.weight_range = WeightRange::kReduced;
  const QuantizeResult r = QuantizeModelWithRanges(m, o, testing::MinMaxTable(m, feeds), nullptr);
  EXPECT_EQ(MaxAbs(Int8WeightOf(r.model, "Conv", 1)), 127);  // the first Conv: dw
  const onnx::NodeProto* pw_node = testing::NodeNamed(r.model, "pw");
  ASSERT_NE(pw_node, nullptr);
  const onnx::NodeProto* pw_dq = testing::ProducerOf(r.model, pw_node->input(1));
  ASSERT_NE(pw_dq, nullptr);
  HostTensor pw_q;
  for (const auto& t : r.model.proto.graph().initializer())
    if (t.name() == pw_dq->input(0)) pw_q = TensorFromProto(t);
  EXPECT_EQ(MaxAbs(pw_q), 64);
  // One phrase says what the file holds, and the weight it holds otherwise with why.
  EXPECT_EQ(r.report.weights, "s8 7-bit (reduced range); Conv per output channel, Gemm/MatMul per-tensor; 1 depthwise Conv "
                              "weight(s) s8 symmetric [-127, 127] (full 8 bits: 7 bits avoid the saturation of ORT's u8s8 "
                              "GEMM kernels, and its depthwise kernel multiplies in 32 bits; docs/quantization.md, "
                              "\"Weight range\")");
  EXPECT_FALSE(FileUsesU8S8Kernels(r.model));
  // Full range everywhere: the pointwise Conv relies on the u8s8 kernels, the depthwise one alone would not.
  o.weight_range = WeightRange::kFull;
  const QuantizeResult full = QuantizeModelWithRanges(m, o, testing::MinMaxTable(m, feeds), nullptr);
  EXPECT_EQ(full.report.weights, "s8 symmetric; Conv per output channel, Gemm/MatMul per-tensor");  // as planned
  EXPECT_TRUE(FileUsesU8S8Kernels(full.model));
  o.exclude = {"pw"};
  EXPECT_FALSE(FileUsesU8S8Kernels(QuantizeModelWithRanges(m, o, testing::MinMaxTable(m, feeds), nullptr).model));
}

// A constant input of Add/Mul/Concat is quantized as an activation (u8 asymmetric here): the weights
// line names it with the form the file holds, not "in the file (planned: …)".
TEST(WeightRange, ConstantInputsQuantizedAsActivationsAreNamedInTheWeightsLine) {
  GraphBuilder b("conv_mul");
  b.AddInput("x", DType::kFloat32, {1, 4, 3, 3});
  b.AddOutput("y", DType::kFloat32, {1, 4, 3, 3});
  std::vector<float> w(16);
  for (std::size_t i = 0; i < w.size(); ++i) w[i] = 0.2f * static_cast<float>(int(i % 5) - 2);
  b.AddInitializer("w", {4, 4, 1, 1}, w);
  b.AddInitializer("c", {1, 4, 1, 1}, {0.1f, 0.2f, 0.3f, 0.4f});  // all positive: u8 zero point 0
  b.AddNode("Conv", "conv", {"x", "w"}, {"h"});
  b.AddNode("Mul", "mul", {"h", "c"}, {"y"});
  const Model m = b.Build();
  QuantizeOptions o;
  o.quantize_graph_outputs = true;
  o.scheme = "static";
  o.activation_type = DType::kUint8;
  o.weight_range = WeightRange::kFull;
  const QuantizeResult r = QuantizeModelWithRanges(m, o, testing::MinMaxTable(m, {testing::RandomTensor({1, 4, 3, 3}, 7)}), nullptr);
  EXPECT_EQ(r.report.weights, "s8 symmetric; Conv per output channel, Gemm/MatMul per-tensor; 1 constant input(s) of "
                              "Add/Mul/Concat u8 asymmetric per-tensor (quantized as activations, u8)");
}

}  // namespace
}  // namespace qbench
