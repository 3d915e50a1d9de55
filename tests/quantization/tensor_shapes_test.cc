// Weights and kernels of unusual shapes: MatMul with a constant B of rank 3 (attention heads) in
// both schemes and granularities, and dynamic Conv → ConvInteger with auto_pad, dilations, 1-D and
// 3-D kernels. Every output passes ONNX's full check, runs in ORT and matches fp32 within a bound.
#include <gtest/gtest.h>

#include "qbench/model/graph_builder.h"
#include "qbench/quantization/kernel_probe.h"
#include "qbench/quantization/quantizer.h"
#include "quant_test_util.h"

namespace qbench {
namespace {

using testing::ExpectQuantizedSqnr;
using testing::FullCheckError;
using testing::GaussianValues;
using testing::OpCounts;

const NodeDecision& DecisionFor(const QuantizeReport& r, const std::string& name) {
  for (const auto& d : r.nodes)
    if (d.name == name) return d;
  throw std::runtime_error("no decision for " + name);
}

QuantizeResult Quantize(const Model& m, const std::string& scheme, WeightGranularity g, const std::vector<HostTensor>& feeds,
                        WeightRange range = WeightRange::kAuto) {
  QuantizeOptions o;
  o.scheme = scheme;
  o.granularity = g;
  o.weight_range = range;
  if (scheme == "dynamic") return QuantizeModel(m, o, nullptr, nullptr);
  return QuantizeModelWithRanges(m, o, testing::MinMaxTable(m, feeds), nullptr);
}

const onnx::NodeProto& OnlyNode(const Model& m, const std::string& op) {
  const onnx::NodeProto* found = nullptr;
  for (const auto& n : m.proto.graph().node())
    if (n.op_type() == op) {
      EXPECT_EQ(found, nullptr) << "several " << op;
      found = &n;
    }
  if (!found) throw std::runtime_error("no " + op);
  return *found;
}

// Attention-style heads: q [2,4,8]·Wh [2,8,6] → [2,4,6], and k [3,2,4,8]·Wh (B broadcast over the
// leading batch) → [3,2,4,6]; a rank-4 B too: k·Wh4 [1,2,8,6] (Wh's values) → [3,2,4,6]. Per-head
// columns get very different ranges (head 1 is 8x head 0), so one scale per column of each head matters.
Model HeadsModel() {
  std::vector<float> w = GaussianValues(2 * 8 * 6, 41, 0.3f);
  for (size_t i = 48; i < w.size(); ++i) w[i] *= 8.0f;
  GraphBuilder b("heads", 13);
  b.AddInput("q", DType::kFloat32, {2, 4, 8});
  b.AddInput("k", DType::kFloat32, {3, 2, 4, 8});
  b.AddOutput("yq", DType::kFloat32, {2, 4, 6});
  b.AddOutput("yk", DType::kFloat32, {3, 2, 4, 6});
  b.AddOutput("y4", DType::kFloat32, {3, 2, 4, 6});
  b.AddInitializer("Wh", {2, 8, 6}, w);
  b.AddInitializer("Wh4", {1, 2, 8, 6}, w);
  b.AddNode("MatMul", "heads_q", {"q", "Wh"}, {"yq"});
  b.AddNode("MatMul", "heads_k", {"k", "Wh"}, {"yk"});
  b.AddNode("MatMul", "heads_4d", {"k", "Wh4"}, {"y4"});
  return b.Build();
}

TEST(QuantShapes, DynamicRank3MatMulWeightsPerTensorAndPerHeadColumn) {
  const Model m = HeadsModel();
  const std::vector<HostTensor> feeds = {testing::RandomTensor({2, 4, 8}, 42), testing::RandomTensor({3, 2, 4, 8}, 43)};
  for (const auto g : {WeightGranularity::kDefault, WeightGranularity::kPerChannel}) {
    SCOPED_TRACE(g == WeightGranularity::kDefault ? "per-tensor" : "per-channel");
    const QuantizeResult r = Quantize(m, "dynamic", g, feeds);
    EXPECT_EQ(FullCheckError(r.model), "");
    EXPECT_EQ(OpCounts(r.model)["MatMulInteger"], 3);
    EXPECT_EQ(OpCounts(r.model)["MatMul"], 0);
    // One int8 copy shared by both MatMuls reading Wh (data, scale, zero point), one for Wh4.
    EXPECT_EQ(testing::InitializerTensor(r.model, "Wh_quantized").shape, (std::vector<std::int64_t>{2, 8, 6}));
    EXPECT_EQ(r.model.proto.graph().initializer_size(), 6);
    const HostTensor scale = testing::InitializerTensor(r.model, "Wh_scale");
    const HostTensor zp = testing::InitializerTensor(r.model, "Wh_zero_point");
    if (g == WeightGranularity::kPerChannel) {
      // [heads, 1, N]: the per-column shape MatMulInteger accepts for a batched B.
      EXPECT_EQ(scale.shape, (std::vector<std::int64_t>{2, 1, 6}));
      EXPECT_EQ(zp.shape, (std::vector<std::int64_t>{2, 1, 6}));
      EXPECT_EQ(testing::InitializerTensor(r.model, "Wh4_scale").shape, (std::vector<std::int64_t>{1, 2, 1, 6}));
      // Head 1's weights are 8x head 0's: so are its column scales (absmax/127 per column).
      const HostTensor w = testing::InitializerTensor(m, "Wh");
      for (int h = 0; h < 2; ++h)
        for (int n = 0; n < 6; ++n) {
          float absmax = 0;
          for (int k = 0; k < 8; ++k) absmax = std::max(absmax, std::fabs(w.data<float>()[(h * 8 + k) * 6 + n]));
          EXPECT_FLOAT_EQ(scale.data<float>()[h * 6 + n], absmax / 127.0f) << h << "," << n;
        }
      EXPECT_NE(DecisionFor(r.report, "heads_q").how.find("one scale per column of each matrix"), std::string::npos);
    } else {
      EXPECT_EQ(scale.num_elements(), 1);
    }
    // One int8 MatMul: per-tensor measured 40.7 / 42.0 dB (outputs yq / yk); one scale per column
    // of each head recovers head 0's precision from head 1's 8x range: 43.4 / 46.0 dB.
    const double bound = g == WeightGranularity::kPerChannel ? 40.0 : 36.0;
    for (size_t k = 0; k < 3; ++k) ExpectQuantizedSqnr(m, r.model, feeds, k, bound);
  }
}

TEST(QuantShapes, StaticRank3MatMulWeightsRunInOrt) {
  const Model m = HeadsModel();
  const std::vector<HostTensor> feeds = {testing::RandomTensor({2, 4, 8}, 42), testing::RandomTensor({3, 2, 4, 8}, 43)};
  for (const auto g : {WeightGranularity::kDefault, WeightGranularity::kPerChannel}) {
    SCOPED_TRACE(g == WeightGranularity::kDefault ? "per-tensor" : "per-channel");
    const QuantizeResult r = Quantize(m, "static", g, feeds);
    EXPECT_EQ(FullCheckError(r.model), "");
    EXPECT_EQ(OpCounts(r.model)["MatMul"], 3);
    int weight_dq = 0;
    for (const auto& n : r.model.proto.graph().node()) weight_dq += n.op_type() == "DequantizeLinear" && n.input(0) == "Wh_q";
    EXPECT_EQ(weight_dq, 2);  // one int8 copy, one DequantizeLinear per consumer
    if (g == WeightGranularity::kPerChannel)  // rank-3 B: per-tensor, and the report says why
      EXPECT_NE(DecisionFor(r.report, "heads_q").how.find("only as [..., 1, N]"), std::string::npos)
          << DecisionFor(r.report, "heads_q").how;
    EXPECT_EQ(testing::InitializerTensor(r.model, "Wh_scale").num_elements(), 1);
    // One int8 MatMul, per-tensor weights spanning both heads' ranges, u8 activations: measured
    // 40.7 / 42.0 dB with exact integer products (the dynamic per-tensor figures: same math).
    for (size_t k = 0; k < 3; ++k) ExpectQuantizedSqnr(m, r.model, feeds, k, 36.0);
  }
}

// One Conv (with bias) of the given spatial rank and attributes; input [1, 3, size...].
Model ConvModel(const std::vector<std::int64_t>& spatial, const std::vector<std::int64_t>& kernel, const std::vector<Attribute>& attrs,
                const std::vector<std::int64_t>& out_spatial) {
  std::vector<Dim> in_shape = {1, 3}, out_shape = {1, 4};
  for (auto s : spatial) in_shape.push_back(s);
  for (auto s : out_spatial) out_shape.push_back(s);
  std::vector<std::int64_t> w_shape = {4, 3};
  w_shape.insert(w_shape.end(), kernel.begin(), kernel.end());
  GraphBuilder b("conv", 13);
  b.AddInput("x", DType::kFloat32, in_shape);
  b.AddOutput("y", DType::kFloat32, out_shape);
  b.AddInitializer("w", w_shape, GaussianValues(NumElements(w_shape), 51, 0.3f));
  b.AddInitializer("b", {4}, GaussianValues(4, 52, 0.1f));
  b.AddNode("Conv", "conv", {"x", "w", "b"}, {"y"}, attrs);
  return b.Build();
}

struct ConvCase {
  const char* name;
  std::vector<std::int64_t> spatial, kernel;
  std::vector<Attribute> attrs;
  std::vector<std::int64_t> out_spatial;  // expected output spatial shape
  std::vector<std::int64_t> pads;         // explicit pads the ONNX spec gives (hand-computed)
};

// Hand-computed SAME pads: out = ceil(in/stride), total = (out-1)·stride + (k-1)·dilation + 1 - in,
// the odd one at the end (SAME_UPPER) or at the beginning (SAME_LOWER).
std::vector<ConvCase> ConvCases() {
  return {
      {"1d", {20}, {3}, {AttrInts("pads", {1, 1})}, {20}, {1, 1}},
      // out 8, total 7·2+4-15 = 3
      {"1d_same_upper_stride2", {15}, {4}, {AttrString("auto_pad", "SAME_UPPER"), AttrInts("strides", {2})}, {8}, {1, 2}},
      {"2d_dilated", {12, 12}, {3, 3}, {AttrInts("dilations", {2, 2}), AttrInts("pads", {2, 2, 2, 2})}, {12, 12}, {2, 2, 2, 2}},
      // out 6, total 5·2+4-11 = 3
      {"2d_same_upper", {11, 11}, {4, 4}, {AttrString("auto_pad", "SAME_UPPER"), AttrInts("strides", {2, 2})}, {6, 6}, {1, 1, 2, 2}},
      {"2d_same_lower", {11, 11}, {4, 4}, {AttrString("auto_pad", "SAME_LOWER"), AttrInts("strides", {2, 2})}, {6, 6}, {2, 2, 1, 1}},
      // out 10, total 9+2·2+1-10 = 4 (ORT refuses this fp32 Conv: dilation with SAME_*)
      {"2d_same_upper_dilated", {10, 10}, {3, 3}, {AttrString("auto_pad", "SAME_UPPER"), AttrInts("dilations", {2, 2})}, {10, 10}, {2, 2, 2, 2}},
      {"2d_valid", {9, 9}, {3, 3}, {AttrString("auto_pad", "VALID"), AttrInts("strides", {2, 2})}, {4, 4}, {0, 0, 0, 0}},
      {"3d", {6, 6, 6}, {3, 3, 3}, {AttrInts("pads", {1, 1, 1, 1, 1, 1})}, {6, 6, 6}, {1, 1, 1, 1, 1, 1}},
      // effective kernels 3, 2, 3: totals 2, 1, 2
      {"3d_same_lower_dilated", {7, 7, 7}, {2, 2, 2}, {AttrString("auto_pad", "SAME_LOWER"), AttrInts("dilations", {2, 1, 2})}, {7, 7, 7}, {1, 1, 1, 1, 0, 1}},
  };
}

// The same Conv with explicit pads instead of auto_pad: the fp32 reference ORT can run.
std::vector<Attribute> ExplicitPads(const ConvCase& c) {
  std::vector<Attribute> out;
  for (const auto& a : c.attrs)
    if (a.name != "auto_pad" && a.name != "pads") out.push_back(a);
  out.push_back(AttrInts("pads", c.pads));
  return out;
}

TEST(QuantShapes, DynamicConvIntegerWithAutoPadDilationsAnd1dOr3dKernels) {
  for (const ConvCase& c : ConvCases()) {
    for (const auto g : {WeightGranularity::kDefault, WeightGranularity::kPerChannel}) {
      SCOPED_TRACE(std::string(c.name) + (g == WeightGranularity::kDefault ? " u8 per-tensor" : " s8 per-channel"));
      const Model m = ConvModel(c.spatial, c.kernel, c.attrs, c.out_spatial);
      const Model ref = ConvModel(c.spatial, c.kernel, ExplicitPads(c), c.out_spatial);
      std::vector<std::int64_t> in = {1, 3}, out = {1, 4};
      in.insert(in.end(), c.spatial.begin(), c.spatial.end());
      out.insert(out.end(), c.out_spatial.begin(), c.out_spatial.end());
      const std::vector<HostTensor> feeds = {testing::RandomTensor(in, 53)};
      ASSERT_EQ(testing::RunModel(ref, feeds)[0].shape, out);  // the reference computes what the case says
      const QuantizeResult r = Quantize(m, "dynamic", g, feeds);
      EXPECT_EQ(FullCheckError(r.model), "");
      const NodeDecision& d = DecisionFor(r.report, "conv");
      ASSERT_TRUE(d.quantized) << d.reason;
      const onnx::NodeProto& ci = OnlyNode(r.model, "ConvInteger");
      std::vector<std::int64_t> pads;
      for (const auto& a : ci.attribute()) {
        EXPECT_NE(a.name(), "auto_pad");  // explicit pads only
        if (a.name() == "pads") pads.assign(a.ints().begin(), a.ints().end());
      }
      EXPECT_EQ(pads, c.pads);
      EXPECT_EQ(testing::RunModel(r.model, feeds)[0].shape, out);
      // One int8 Conv over 3·k inputs per output: measured 40-45 dB in every case and granularity.
      ExpectQuantizedSqnr(ref, r.model, feeds, 0, 36.0);
    }
  }
}

// Input with dynamic spatial dims: SAME_UPPER without dilation stays auto_pad (ORT computes the
// pads at run time); with dilation ORT's ConvInteger would refuse it, so the Conv stays fp32.
TEST(QuantShapes, DynamicConvIntegerAutoPadWithUnknownSpatialSize) {
  for (const bool dilated : {false, true}) {
    GraphBuilder b("conv_dyn", 13);
    b.AddInput("x", DType::kFloat32, {1, 3, "H", "W"});
    b.AddOutput("y", DType::kFloat32, {1, 4, "H", "W"});
    b.AddInitializer("w", {4, 3, 3, 3}, GaussianValues(108, 61, 0.3f));
    std::vector<Attribute> attrs = {AttrString("auto_pad", "SAME_UPPER")};
    if (dilated) attrs.push_back(AttrInts("dilations", {2, 2}));
    b.AddNode("Conv", "conv", {"x", "w"}, {"y"}, attrs);
    const Model m = b.Build();
    const QuantizeResult r = Quantize(m, "dynamic", WeightGranularity::kDefault, {});
    EXPECT_EQ(FullCheckError(r.model), "");
    const NodeDecision& d = DecisionFor(r.report, "conv");
    if (dilated) {
      EXPECT_FALSE(d.quantized);
      EXPECT_NE(d.reason.find("auto_pad SAME_UPPER with dilations"), std::string::npos) << d.reason;
      EXPECT_EQ(OpCounts(r.model)["Conv"], 1);
      continue;
    }
    ASSERT_TRUE(d.quantized) << d.reason;
    const std::vector<HostTensor> feeds = {testing::RandomTensor({1, 3, 9, 7}, 62)};
    EXPECT_EQ(testing::RunModel(r.model, feeds)[0].shape, (std::vector<std::int64_t>{1, 4, 9, 7}));
    ExpectQuantizedSqnr(m, r.model, feeds, 0, 36.0);
  }
}


// The u8s8 warning appears exactly when the output relies on u8·s8 kernels and this CPU's are
// inexact: dynamic MatMul (int8 weights) and static QDQ with u8 activations do with full-range s8
// weights; 7-bit or u8 weights (--weight-range reduced/u8) and dynamic Conv with its default uint8
// weights do not.
TEST(QuantShapes, U8S8SaturationWarningFollowsTheKernelProbe) {
  auto warned = [](const QuantizeResult& r) {
    for (const auto& w : r.report.warnings)
      if (w.code == "u8s8_saturation") return true;
    return false;
  };
  const bool saturates = OrtU8S8KernelsSaturate();
  const Model heads = HeadsModel();
  const std::vector<HostTensor> feeds = {testing::RandomTensor({2, 4, 8}, 42), testing::RandomTensor({3, 2, 4, 8}, 43)};
  for (const char* scheme : {"dynamic", "static"}) {
    EXPECT_EQ(warned(Quantize(heads, scheme, WeightGranularity::kDefault, feeds, WeightRange::kFull)), saturates) << scheme;
    EXPECT_FALSE(warned(Quantize(heads, scheme, WeightGranularity::kDefault, feeds, WeightRange::kReduced))) << scheme;
    EXPECT_FALSE(warned(Quantize(heads, scheme, WeightGranularity::kDefault, feeds, WeightRange::kUnsigned))) << scheme;
  }
  const ConvCase c = ConvCases()[0];  // a copy: the vector is a temporary
  const Model conv = ConvModel(c.spatial, c.kernel, c.attrs, c.out_spatial);
  EXPECT_FALSE(warned(Quantize(conv, "dynamic", WeightGranularity::kDefault, {})));
  std::cerr << "[ note     ] this CPU's u8s8 kernels " << (saturates ? "saturate" : "are exact") << "\n";
}

// A scalar initializer of `dtype` holding `v`.
HostTensor Scalar(DType dtype, double v) {
  HostTensor t = HostTensor::Zeros(dtype, {});
  if (dtype == DType::kUint8) t.data<std::uint8_t>()[0] = static_cast<std::uint8_t>(v);
  else if (dtype == DType::kInt8) t.data<std::int8_t>()[0] = static_cast<std::int8_t>(v);
  else t.data<float>()[0] = static_cast<float>(v);
  return t;
}

// QOperator: QLinearConv x [1,1,4,4] with input zero point of `x_zp_type`, 2 filters 1x1 holding `w`.
Model QLinearConvModel(DType x_zp_type, double w) {
  GraphBuilder b("qlinear", 13);
  b.AddInput("x", x_zp_type, {1, 1, 4, 4});
  HostTensor weights = HostTensor::Zeros(DType::kInt8, {2, 1, 1, 1});
  for (int i = 0; i < 2; ++i) weights.data<std::int8_t>()[i] = static_cast<std::int8_t>(w);
  b.AddTensorInitializer("w", weights);
  b.AddTensorInitializer("xs", Scalar(DType::kFloat32, 0.1));
  b.AddTensorInitializer("xz", Scalar(x_zp_type, 0));
  b.AddTensorInitializer("ws", Scalar(DType::kFloat32, 0.01));
  b.AddTensorInitializer("wz", Scalar(DType::kInt8, 0));
  b.AddTensorInitializer("ys", Scalar(DType::kFloat32, 0.1));
  b.AddTensorInitializer("yz", Scalar(x_zp_type, 0));
  b.AddNode("QLinearConv", "qc", {"x", "xs", "xz", "w", "ws", "wz", "ys", "yz"}, {"y"});
  b.AddOutput("y", x_zp_type, {1, 2, 4, 4});
  return b.Build();
}

// Files made elsewhere (the ONNX Model Zoo's int8 models are QOperator, u8 activations, full-range s8
// weights): u8 × s8 beyond [-64, 64] relies on the saturating kernels; 7-bit weights or s8 inputs do not.
TEST(QuantShapes, FileUsesU8S8KernelsReadsQOperatorFiles) {
  EXPECT_TRUE(FileUsesU8S8Kernels(QLinearConvModel(DType::kUint8, 100)));
  EXPECT_TRUE(FileUsesU8S8Kernels(QLinearConvModel(DType::kUint8, -127)));
  EXPECT_FALSE(FileUsesU8S8Kernels(QLinearConvModel(DType::kUint8, 64)));   // 2·255·64 fits in int16
  EXPECT_FALSE(FileUsesU8S8Kernels(QLinearConvModel(DType::kInt8, 100)));   // s8 × s8
}

}  // namespace
}  // namespace qbench

namespace qbench {
namespace {

// A quantized tensor that also defines a shape or an integer: n feeds Mul (int8) and Range's limit;
// m feeds Mul and a Cast to int64. Their ranges make one quantization step round the values the
// wrong way: n ∈ [0, 7.3] (scale 7.3/255): 5 → q 175 → 5.0098, so Range would make 6 elements
// (ceil(5.0098)); m ∈ [0, 7.4] (scale 7.4/255): 5 → q 172 → 4.9914, so Cast would give 4. Range and
// Cast read the fp32 tensors: every output keeps its dtype, shape and exact value (ONNX's
// blackmanwindow_expanded computes its window length this way).
TEST(ShapeInputs, RangeLimitAndCastToIntegerReadTheFp32Tensor) {
  GraphBuilder b("shape_inputs");
  b.AddInput("n", DType::kFloat32, {});
  b.AddInput("m", DType::kFloat32, {});
  b.AddOutput("p", DType::kFloat32, {});
  b.AddOutput("r", DType::kFloat32, {Dim("len")});
  b.AddOutput("c", DType::kInt64, {});
  b.AddInitializer("zero", {}, {0.0f});
  b.AddInitializer("one", {}, {1.0f});
  b.AddNode("Mul", "mul", {"n", "m"}, {"p"});
  b.AddNode("Range", "range", {"zero", "n", "one"}, {"r"});
  b.AddNode("Cast", "to_int", {"m"}, {"c"}, {AttrInt("to", static_cast<int>(DType::kInt64))});
  const Model model = b.Build();
  CalibrationTable t;
  t["n"] = {0.0f, 7.3f};
  t["m"] = {0.0f, 7.4f};
  t["p"] = {0.0f, 60.0f};
  QuantizeOptions o;
  o.quantize_graph_outputs = true;  // p: the Mul runs as QLinearMul only with a quantized output
  const QuantizeResult q = QuantizeModelWithRanges(model, o, t, nullptr);
  EXPECT_TRUE(DecisionFor(q.report, "mul").quantized);
  EXPECT_EQ(OpCounts(q.model).at("QuantizeLinear"), 3) << "n and m are quantized for the Mul, p as a graph output";
  EXPECT_EQ(OnlyNode(q.model, "Range").input(1), "n");
  EXPECT_EQ(OnlyNode(q.model, "Cast").input(0), "m");
  EXPECT_EQ(FullCheckError(q.model), "");
  HostTensor n = HostTensor::Zeros(DType::kFloat32, {}), m = HostTensor::Zeros(DType::kFloat32, {});
  n.data<float>()[0] = 5.0f;
  m.data<float>()[0] = 5.0f;
  const auto got = testing::RunModel(q.model, {n, m});
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[1].dtype, DType::kFloat32);
  EXPECT_EQ(got[1].shape, (std::vector<std::int64_t>{5}));  // not 6
  EXPECT_EQ(got[1].ToFloatVector(), (std::vector<float>{0, 1, 2, 3, 4}));
  EXPECT_EQ(got[2].dtype, DType::kInt64);
  EXPECT_EQ(got[2].data<std::int64_t>()[0], 5);  // not 4
  EXPECT_NEAR(got[0].ToFloatVector()[0], 25.0f, 0.3f);  // the Mul itself is int8: within about one step of 60/255
}

}  // namespace
}  // namespace qbench
