// A weight read by several nodes: stored once in int8 in both schemes; in the static scheme each
// consumer's int32 bias is quantized with its own input scale, and the shared weight scales leave
// every consumer's bias inside the int32 headroom.
#include <gtest/gtest.h>

#include <cmath>

#include "qbench/model/graph_builder.h"
#include "qbench/quantization/quantizer.h"
#include "quant_test_util.h"

namespace qbench {
namespace {

using testing::ExpectQuantizedSqnr;
using testing::FullCheckError;
using testing::GaussianValues;
using testing::OpCounts;

const onnx::NodeProto& DqReading(const Model& m, const std::string& initializer, int nth) {
  int seen = 0;
  for (const auto& n : m.proto.graph().node())
    if (n.op_type() == "DequantizeLinear" && n.input(0) == initializer && seen++ == nth) return n;
  throw std::runtime_error("no DequantizeLinear #" + std::to_string(nth) + " of " + initializer);
}

bool HasNote(const QuantizeReport& r, const std::string& text) {
  for (const auto& n : r.notes)
    if (n.find(text) != std::string::npos) return true;
  return false;
}

// x [1,3,8,8] → conv_a(W, b_a); x·4 → conv_b(W, b_b): one weight, two input ranges (4x apart).
// W's channel 0 is all zeros with a bias in both convs (the degenerate-channel rule must serve both).
Model TwoConvsOneWeight() {
  std::vector<float> w = GaussianValues(4 * 27, 71, 0.3f);
  for (int i = 0; i < 27; ++i) w[static_cast<size_t>(i)] = 0.0f;
  GraphBuilder b("shared_conv", 13);
  b.AddInput("x", DType::kFloat32, {1, 3, 8, 8});
  b.AddOutput("ya", DType::kFloat32, {1, 4, 8, 8});
  b.AddOutput("yb", DType::kFloat32, {1, 4, 8, 8});
  b.AddInitializer("W", {4, 3, 3, 3}, w);
  b.AddInitializer("b_a", {4}, {0.5f, 0.1f, -0.2f, 0.05f});
  b.AddInitializer("b_b", {4}, {3.0f, -0.3f, 0.2f, 0.4f});
  b.AddInitializer("four", {}, {4.0f});
  b.AddNode("Conv", "conv_a", {"x", "W", "b_a"}, {"ya"}, {AttrInts("pads", {1, 1, 1, 1})});
  b.AddNode("Mul", "scale_up", {"x", "four"}, {"x4"});
  b.AddNode("Conv", "conv_b", {"x4", "W", "b_b"}, {"yb"}, {AttrInts("pads", {1, 1, 1, 1})});
  return b.Build();
}

TEST(QuantSharedWeight, StaticStoresOneInt8WeightAndQuantizesEachBiasWithItsInputScale) {
  const Model m = TwoConvsOneWeight();
  const std::vector<HostTensor> feeds = {testing::RandomTensor({1, 3, 8, 8}, 72)};
  QuantizeOptions o;
  o.quantize_graph_outputs = true;  // the Conv writes the graph output: QLinearConv only with it quantized
  const QuantizeResult r = QuantizeModelWithRanges(m, o, testing::MinMaxTable(m, feeds), nullptr);
  EXPECT_EQ(FullCheckError(r.model), "");
  int weight_sized = 0;
  for (const auto& t : r.model.proto.graph().initializer()) {
    const HostTensor v = TensorFromProto(t);
    if (v.num_elements() != 108) continue;
    ++weight_sized;
    EXPECT_EQ(v.dtype, testing::StoredWeightType(r.report)) << t.name();  // no float copy of W left
  }
  EXPECT_EQ(weight_sized, 1);
  EXPECT_EQ(OpCounts(r.model)["Conv"], 2);
  const onnx::NodeProto& dq_a = DqReading(r.model, "W_q", 0);
  const onnx::NodeProto& dq_b = DqReading(r.model, "W_q", 1);  // one DequantizeLinear per consumer
  EXPECT_EQ(dq_a.input(1), dq_b.input(1));                    // the same scales
  EXPECT_TRUE(HasNote(r.report, "read by 2 quantized nodes"));
  const HostTensor w_scale = testing::InitializerTensor(r.model, "W_scale");
  ASSERT_EQ(w_scale.num_elements(), 4);  // per output channel
  // Input scales: x and x·4 (u8 asymmetric over their min/max).
  const CalibrationTable ranges = testing::MinMaxTable(m, feeds);
  const float sa = ComputeQuantParams(ranges.at("x").min, ranges.at("x").max, DType::kUint8, false).scale;
  const float sb = ComputeQuantParams(ranges.at("x4").min, ranges.at("x4").max, DType::kUint8, false).scale;
  EXPECT_NEAR(sb / sa, 4.0, 1e-4);
  const struct { const char* bias; float x_scale; std::vector<float> values; } consumers[] = {
      {"b_a", sa, {0.5f, 0.1f, -0.2f, 0.05f}}, {"b_b", sb, {3.0f, -0.3f, 0.2f, 0.4f}}};
  for (const auto& c : consumers) {
    const HostTensor bq = testing::InitializerTensor(r.model, std::string(c.bias) + "_q");
    const HostTensor bs = testing::InitializerTensor(r.model, std::string(c.bias) + "_scale");
    ASSERT_EQ(bq.dtype, DType::kInt32);
    for (int ch = 0; ch < 4; ++ch) {
      // bias scale = this consumer's input scale × the shared weight scale
      EXPECT_FLOAT_EQ(bs.data<float>()[ch], c.x_scale * w_scale.data<float>()[ch]) << c.bias << " " << ch;
      const std::int32_t q = bq.data<std::int32_t>()[ch];
      EXPECT_LE(std::llabs(q), 1LL << 30) << c.bias << " " << ch;  // int32 headroom kept for both
      // round to nearest: within half a bias step of the float bias
      EXPECT_NEAR(double(q) * bs.data<float>()[ch], c.values[static_cast<size_t>(ch)], 0.5001 * bs.data<float>()[ch]) << c.bias << " " << ch;
    }
  }
  // Channel 0 has all-zero weights: its scale is the larger of the two convs' bias-exact scales
  // |b| / (x_scale·2^30)·1.0001 (AdjustWeightScalesForInt32Bias), so both biases fit (checked above).
  const double need_a = 0.5 / (double(sa) * 1073741824.0) * 1.0001, need_b = 3.0 / (double(sb) * 1073741824.0) * 1.0001;
  EXPECT_NEAR(w_scale.data<float>()[0], std::max(need_a, need_b), 1e-6 * std::max(need_a, need_b));
  // One int8 Conv per output (27 inputs per value, bell-shaped weights): measured 44.8 / 45.2 dB.
  ExpectQuantizedSqnr(m, r.model, feeds, 0, 38.0);
  ExpectQuantizedSqnr(m, r.model, feeds, 1, 38.0);
}

// x [4,8]: a = x·W, b = Relu(x)·W, c = Gemm(x, W, C): one int8 W for the three integer MatMuls.
TEST(QuantSharedWeight, DynamicStoresOneInt8Weight) {
  GraphBuilder b("shared_mm", 13);
  b.AddInput("x", DType::kFloat32, {4, 8});
  b.AddOutput("y", DType::kFloat32, {4, 8});
  b.AddInitializer("W", {8, 8}, GaussianValues(64, 81, 0.35f));
  b.AddInitializer("C", {8}, GaussianValues(8, 82, 0.1f));
  b.AddNode("MatMul", "mm_a", {"x", "W"}, {"a"});
  b.AddNode("Relu", "relu", {"x"}, {"rx"});
  b.AddNode("MatMul", "mm_b", {"rx", "W"}, {"bb"});
  b.AddNode("Gemm", "gemm_c", {"x", "W", "C"}, {"c"});
  b.AddNode("Add", "sum1", {"a", "bb"}, {"ab"});
  b.AddNode("Add", "sum2", {"ab", "c"}, {"y"});
  const Model m = b.Build();
  QuantizeOptions o;
  o.scheme = "dynamic";
  for (const auto g : {WeightGranularity::kDefault, WeightGranularity::kPerChannel}) {
    o.granularity = g;
    const QuantizeResult r = QuantizeModel(m, o, nullptr, nullptr);
    EXPECT_EQ(FullCheckError(r.model), "");
    EXPECT_EQ(OpCounts(r.model)["MatMulInteger"], 3);
    int weights = 0;
    for (const auto& t : r.model.proto.graph().initializer()) {
      EXPECT_NE(t.name(), "W");
      if (TensorFromProto(t).num_elements() == 64) ++weights;
    }
    EXPECT_EQ(weights, 1);
    EXPECT_EQ(testing::InitializerTensor(r.model, "W_quantized").dtype, testing::StoredWeightType(r.report));
    // W_quantized + scale + zero point, C: nothing else.
    EXPECT_EQ(r.model.proto.graph().initializer_size(), 4);
    EXPECT_TRUE(HasNote(r.report, "read by 3 quantized nodes"));
    const std::vector<HostTensor> feeds = {testing::RandomTensor({4, 8}, 83)};
    // Three int8 MatMuls summed: measured 39.6 dB (per-tensor) and 40.5 dB (per-channel).
    ExpectQuantizedSqnr(m, r.model, feeds, 0, 36.0);
  }
}

}  // namespace
}  // namespace qbench
