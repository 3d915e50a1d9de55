// Ranges the static scheme must not quantize as they come (docs/quantization.md): detection heads joining
// pixel boxes with confidences, join ratios, tensors without calibration data, If branches never taken.
// Tiny models built in code, quantized with every calibrator, run in ORT against fp32.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <set>
#include <stdexcept>

#include "range_rules_test_util.h"

namespace qbench {
namespace {

using namespace range_rules_test;  // NOLINT(google-build-using-namespace): the shared helpers of these tests
using testing::RandomTensor;
using testing::RandomValues;
Model ConcatHead() {
  GraphBuilder b("head_concat");
  b.AddInput("f", DType::kFloat32, {1, 20, 8});
  b.AddOutput("det", DType::kFloat32, {1, 20, 6});
  b.AddInitializer("wb", {8, 4}, RandomValues(32, 31, -1, 1));
  b.AddInitializer("wo", {8, 2}, RandomValues(16, 32, -1, 1));
  b.AddInitializer("wc", {8, 2}, RandomValues(16, 33, -1, 1));
  b.AddInitializer("img", {}, {640.0f});
  b.AddNode("MatMul", "box_fc", {"f", "wb"}, {"bl"});
  b.AddNode("Sigmoid", "box_sig", {"bl"}, {"bs"});
  b.AddNode("Mul", "to_pixels", {"bs", "img"}, {"boxes"});
  b.AddNode("MatMul", "obj_fc", {"f", "wo"}, {"ol"});
  b.AddNode("Sigmoid", "obj_sig", {"ol"}, {"os"});
  b.AddNode("MatMul", "cls_fc", {"f", "wc"}, {"cl"});
  b.AddNode("Sigmoid", "cls_sig", {"cl"}, {"cs"});
  b.AddNode("Mul", "conf", {"os", "cs"}, {"conf"});
  b.AddNode("Concat", "join", {"boxes", "conf"}, {"det"}, {AttrInt("axis", -1)});
  return b.Build();
}

// Per-column SQNR bound of the confidences: conf keeps its own u8 scale over ~[0, 1] (step 1/255,
// rounding noise rms 0.0011 against a signal rms ~0.3: ~48 dB), its two quantized sigmoid inputs
// add the same again: ≥ 40 dB expected, 30 dB asserted. On the Concat's one scale (640/255 = 2.5 per
// step) every confidence rounds to 0: 0 dB.
constexpr double kConfSqnrDb = 30.0;

TEST(RangeRules, DetectionConcatKeepsConfidences) {
  const Model m = ConcatHead();
  std::vector<std::vector<HostTensor>> data;
  for (std::uint32_t s = 0; s < 4; ++s) data.push_back({RandomTensor({1, 20, 8}, 300 + s, -2, 2)});
  const HostTensor test = RandomTensor({1, 20, 8}, 400, -2, 2);
  const auto ref = testing::RunModel(m, {test})[0].ToFloatVector();
  for (bool quantize_outputs : {false, true}) {
    for (CalibrationMethod method : kMethods) {
      SCOPED_TRACE(std::string(CalibrationMethodName(method)) + (quantize_outputs ? " outputs quantized" : ""));
      QuantizeOptions o;
      o.quantize_graph_outputs = quantize_outputs;
      const QuantizeResult r = Quantize(m, method, data, o);
      const NodeDecision& join = Decision(r.report, "join");
      EXPECT_FALSE(join.quantized);
      // det is a float graph output unless --quantize-outputs: the Concat stays float for that first;
      // with quantized outputs, for the ranges its inputs span.
      EXPECT_NE(join.reason.find(quantize_outputs ? "of 255 steps" : "writes the graph output 'det'"), std::string::npos)
          << join.reason;
      EXPECT_EQ(HasWarning(r.report, "join_ranges_differ"), quantize_outputs);
      EXPECT_TRUE(Decision(r.report, "conf").quantized);      // each input keeps its own int8 scale
      EXPECT_TRUE(Decision(r.report, "to_pixels").quantized);
      EXPECT_EQ(QuantizedTensors(r.model).count("det"), 0u);
      EXPECT_NO_THROW(testing::RunModel(r.model, {test}));
      const auto cols = testing::PerChannelSqnrDb(ref, RunQuantized(r.model, {test})[0].ToFloatVector(), {1, 20, 6}, 2);
      for (int c = 0; c < 6; ++c) EXPECT_GE(cols[static_cast<size_t>(c)], kConfSqnrDb) << "column " << c;
    }
  }
}

// The same head joined by an Add of per-column masked tensors (boxes·[640,640,640,640,0,0] +
// conf·[0,0,0,0,1,1]), then transposed to [1, 6, 20], so the Add's output would get its own Q/DQ.
TEST(RangeRules, DetectionAddKeepsConfidences) {
  GraphBuilder b("head_add");
  b.AddInput("f", DType::kFloat32, {1, 20, 8});
  b.AddOutput("out", DType::kFloat32, {1, 6, 20});
  b.AddInitializer("wb", {8, 6}, RandomValues(48, 41, -1, 1));
  b.AddInitializer("wc", {8, 6}, RandomValues(48, 42, -1, 1));
  b.AddInitializer("box_cols", {6}, {640, 640, 640, 640, 0, 0});
  b.AddInitializer("conf_cols", {6}, {0, 0, 0, 0, 1, 1});
  b.AddNode("MatMul", "box_fc", {"f", "wb"}, {"bl"});
  b.AddNode("Sigmoid", "box_sig", {"bl"}, {"bs"});
  b.AddNode("Mul", "boxes", {"bs", "box_cols"}, {"boxes"});
  b.AddNode("MatMul", "cls_fc", {"f", "wc"}, {"cl"});
  b.AddNode("Sigmoid", "cls_sig", {"cl"}, {"cs"});
  b.AddNode("Mul", "conf", {"cs", "conf_cols"}, {"conf"});
  b.AddNode("Add", "join", {"boxes", "conf"}, {"det"});
  b.AddNode("Transpose", "to_cols", {"det"}, {"out"}, {AttrInts("perm", {0, 2, 1})});
  const Model m = b.Build();
  std::vector<std::vector<HostTensor>> data;
  for (std::uint32_t s = 0; s < 4; ++s) data.push_back({RandomTensor({1, 20, 8}, 500 + s, -2, 2)});
  const HostTensor test = RandomTensor({1, 20, 8}, 600, -2, 2);
  const auto ref = testing::RunModel(m, {test})[0].ToFloatVector();
  for (CalibrationMethod method : kMethods) {
    SCOPED_TRACE(CalibrationMethodName(method));
    const QuantizeResult r = Quantize(m, method, data);
    EXPECT_FALSE(Decision(r.report, "join").quantized);
    EXPECT_EQ(QuantizedTensors(r.model).count("det"), 0u);
    EXPECT_TRUE(Decision(r.report, "conf").quantized);
    const auto cols = testing::PerChannelSqnrDb(ref, RunQuantized(r.model, {test})[0].ToFloatVector(), {1, 6, 20}, 1);
    for (int c = 4; c < 6; ++c) EXPECT_GE(cols[static_cast<size_t>(c)], kConfSqnrDb) << "column " << c;
    for (int c = 0; c < 4; ++c) EXPECT_GE(cols[static_cast<size_t>(c)], kConfSqnrDb) << "column " << c;
  }
}

// The ratio at its edge, with hand-made ranges: Concat(a, b) with b in [0, 1] and a in [0, 15]
// (b keeps 255/15 = 17 steps of the output scale) stays int8 with shared scales; a in [0, 17]
// (15 steps < 16) keeps the Concat fp32 and gives b its own scale.
TEST(RangeRules, JoinRatioEdge) {
  GraphBuilder b("join_edge");
  b.AddInput("x", DType::kFloat32, {1, 4});
  b.AddOutput("z", DType::kFloat32, {1, 8});
  b.AddInitializer("one", {}, {1.0f});
  b.AddNode("Mul", "ma", {"x", "one"}, {"a"});
  b.AddNode("Mul", "mb", {"x", "one"}, {"b"});
  b.AddNode("Concat", "cat", {"a", "b"}, {"y"}, {AttrInt("axis", 1)});
  b.AddNode("Mul", "after", {"y", "one"}, {"z"});  // y is quantized (not a graph output)
  const Model m = b.Build();
  auto run = [&](float a_hi) {
    CalibrationTable t;
    t["x"] = {0, 1};
    t["a"] = {0, a_hi};
    t["b"] = {0, 1};
    t["y"] = {0, a_hi};
    WarningList w;
    return QuantizeModelWithRanges(m, QuantizeOptions{}, t, &w);
  };
  auto scale_of = [](const Model& q, const std::string& tensor) {
    for (const auto& n : q.proto.graph().node())
      if (n.op_type() == "QuantizeLinear" && n.input(0) == tensor) return testing::InitializerTensor(q, n.input(1)).ToFloatVector()[0];
    return -1.0f;
  };
  const QuantizeResult shared = run(15.0f);
  EXPECT_TRUE(Decision(shared.report, "cat").quantized);
  EXPECT_FLOAT_EQ(scale_of(shared.model, "b"), 15.0f / 255.0f);  // b takes the output's scale
  const QuantizeResult apart = run(17.0f);
  EXPECT_FALSE(Decision(apart.report, "cat").quantized);
  EXPECT_FALSE(Decision(apart.report, "after").quantized);  // reads the fp32 join
  EXPECT_EQ(QuantizedTensors(apart.model).count("y"), 0u);
  EXPECT_NE(Decision(apart.report, "cat").reason.find("15 of 255 steps"), std::string::npos) << Decision(apart.report, "cat").reason;
  EXPECT_FLOAT_EQ(scale_of(apart.model, "b"), 1.0f / 255.0f);  // its own scale
  EXPECT_FLOAT_EQ(scale_of(apart.model, "a"), 17.0f / 255.0f);
}

// A Concat of similar ranges that writes a (float) graph output: nothing to share, each input keeps
// its own scale (its output is never calibrated, so sharing used to fail with "no range for 'y'").
TEST(RangeRules, ConcatWritingAGraphOutputKeepsInputScales) {
  GraphBuilder b("cat_out");
  b.AddInput("x", DType::kFloat32, {1, 4});
  b.AddOutput("y", DType::kFloat32, {1, 8});
  b.AddInitializer("two", {}, {2.0f});
  b.AddInitializer("three", {}, {3.0f});
  b.AddNode("Mul", "ma", {"x", "two"}, {"a"});
  b.AddNode("Mul", "mb", {"x", "three"}, {"b"});
  b.AddNode("Concat", "cat", {"a", "b"}, {"y"}, {AttrInt("axis", 1)});
  const Model m = b.Build();
  std::vector<std::vector<HostTensor>> data;
  for (std::uint32_t s = 0; s < 8; ++s) data.push_back({RandomTensor({1, 4}, 700 + s, 0.0f, 1.0f)});
  const QuantizeResult r = Quantize(m, CalibrationMethod::kMinMax, data);
  // Spans 2 and 3 would share well (170 of 255 steps), but the Concat writes a float graph output, so
  // ORT would run it in fp32: it stays float, and says why.
  EXPECT_FALSE(Decision(r.report, "cat").quantized);
  EXPECT_NE(Decision(r.report, "cat").reason.find("graph output"), std::string::npos);
  for (const auto& n : r.model.proto.graph().node())
    if (n.op_type() == "QuantizeLinear" && (n.input(0) == "a" || n.input(0) == "b")) {
      const float scale = testing::InitializerTensor(r.model, n.input(1)).ToFloatVector()[0];
      const float hi = n.input(0) == "a" ? 2.0f : 3.0f;  // x in [0, 1): its own range, about [0, hi]
      EXPECT_GT(scale, 0.9f * hi / 255.0f);
      EXPECT_LE(scale, hi / 255.0f);
    }
  const HostTensor test = RandomTensor({1, 4}, 800, 0.0f, 1.0f);
  EXPECT_GE(SqnrDb(testing::RunModel(m, {test})[0].ToFloatVector(), RunQuantized(r.model, {test})[0].ToFloatVector()), 35.0);
}

// x [1, 8] → a = x·2; e = Slice(x, 0:0) (zero-sized [1, 0]) → e3 = e·3; cat = Concat(a, e3);
// y = cat·W. e3 is empty on every calibration batch: it stays fp32 (so does the Concat reading it),
// with a note; the rest is int8 and the model runs.
TEST(RangeRules, ZeroSizedTensorStaysFloatWithNote) {
  GraphBuilder b("zero_sized");
  b.AddInput("x", DType::kFloat32, {1, 8});
  b.AddOutput("y", DType::kFloat32, {1, 4});
  b.AddInitializer("two", {}, {2.0f});
  b.AddInitializer("three", {}, {3.0f});
  b.AddInt64Initializer("zero", {1}, {0});
  b.AddInt64Initializer("axis1", {1}, {1});
  b.AddInitializer("w", {8, 4}, RandomValues(32, 51, -1, 1));
  b.AddNode("Mul", "double", {"x", "two"}, {"a"});
  b.AddNode("Slice", "nothing", {"x", "zero", "zero", "axis1"}, {"e"});
  b.AddNode("Mul", "triple", {"e", "three"}, {"e3"});
  b.AddNode("Concat", "cat", {"a", "e3"}, {"c"}, {AttrInt("axis", 1)});
  b.AddNode("MatMul", "fc", {"c", "w"}, {"y"});
  const Model m = b.Build();
  std::vector<std::vector<HostTensor>> data;
  for (std::uint32_t s = 0; s < 32; ++s) data.push_back({RandomTensor({1, 8}, 1000 + s)});
  const HostTensor test = RandomTensor({1, 8}, 54);
  // Bound: x, a and c quantized u8 over ~[-2, 2] (step 0.016, rounding noise rms 0.0045 against a
  // signal rms ~1.15: ~48 dB each), w s8: ≥ 40 dB expected, 35 dB asserted.
  for (CalibrationMethod method : kMethods) {
    SCOPED_TRACE(CalibrationMethodName(method));
    const QuantizeResult r = Quantize(m, method, data);
    EXPECT_FALSE(Decision(r.report, "triple").quantized);
    EXPECT_NE(Decision(r.report, "triple").reason.find("no calibration data"), std::string::npos);
    EXPECT_FALSE(Decision(r.report, "cat").quantized);
    EXPECT_TRUE(Decision(r.report, "double").quantized);
    EXPECT_TRUE(Decision(r.report, "fc").quantized);
    EXPECT_TRUE(HasWarning(r.report, "no_calibration_data"));
    EXPECT_TRUE(NoteMentions(r.report, "'e3'"));
    EXPECT_EQ(QuantizedTensors(r.model).count("e3"), 0u);
    ExpectFiniteScales(r.model);
    const auto ref = testing::RunModel(m, {test})[0].ToFloatVector();
    EXPECT_GE(SqnrDb(ref, RunQuantized(r.model, {test})[0].ToFloatVector()), 35.0);
  }
}

// If(has_boxes) with then = x·Wt ([1, 4]) and else = an empty [0, 4] constant; y = r·W.
// Calibration never takes the then branch: r is empty on every batch, so the MatMul reading it stays
// fp32 with a note; the quantized model then runs both branches like the fp32 one.
Model IfNeverTaken() {
  GraphBuilder then_b("then_branch");
  then_b.AddOutput("t_out", DType::kFloat32, {"K", 4});
  then_b.AddInitializer("wt", {4, 4}, RandomValues(16, 61, -1, 1));
  then_b.AddNode("MatMul", "then_mm", {"x", "wt"}, {"t_out"});
  GraphBuilder else_b("else_branch");
  else_b.AddOutput("e_out", DType::kFloat32, {"K", 4});
  else_b.AddInitializer("none", {0, 4}, {});
  else_b.AddNode("Identity", "else_id", {"none"}, {"e_out"});

  GraphBuilder b("if_model");
  b.AddInput("x", DType::kFloat32, {1, 4});
  b.AddInput("has_boxes", DType::kBool, {1});
  b.AddOutput("y", DType::kFloat32, {"K", 3});
  b.AddInitializer("w", {4, 3}, RandomValues(12, 62, -1, 1));
  b.AddNode("If", "maybe", {"has_boxes"}, {"r"});
  onnx::NodeProto* node = b.graph()->mutable_node(b.graph()->node_size() - 1);
  for (auto [name, sub] : {std::pair<const char*, GraphBuilder*>{"then_branch", &then_b}, {"else_branch", &else_b}}) {
    onnx::AttributeProto* a = node->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::GRAPH);
    *a->mutable_g() = sub->Build().proto.graph();
  }
  b.AddNode("MatMul", "fc", {"r", "w"}, {"y"});
  return b.Build();
}

HostTensor Bool(bool v) {
  HostTensor t = HostTensor::Zeros(DType::kBool, {1});
  t.data<std::uint8_t>()[0] = v ? 1 : 0;
  return t;
}

TEST(RangeRules, IfBranchNeverTakenStaysFloatWithNote) {
  const Model m = IfNeverTaken();
  std::vector<std::vector<HostTensor>> data = {{RandomTensor({1, 4}, 63), Bool(false)}, {RandomTensor({1, 4}, 64), Bool(false)}};
  // Calibration itself: the branch-internal tensor cannot be observed, the If output is always empty.
  testing::VectorReader reader(data);
  CalibrationOptions co;
  co.method = CalibrationMethod::kPercentile;
  const CalibrationTable t = CalibrateModel(m, {"r", "t_out", "x"}, reader, co, 1);
  ASSERT_TRUE(t.count("r") && t.count("t_out"));
  EXPECT_TRUE(t.at("r").empty);
  EXPECT_TRUE(t.at("t_out").empty);
  EXPECT_FALSE(t.at("x").empty);
  for (CalibrationMethod method : kMethods) {
    SCOPED_TRACE(CalibrationMethodName(method));
    const QuantizeResult r = Quantize(m, method, data);
    EXPECT_FALSE(Decision(r.report, "fc").quantized);
    EXPECT_NE(Decision(r.report, "fc").reason.find("tensor 'r' has no calibration data"), std::string::npos)
        << Decision(r.report, "fc").reason;
    EXPECT_TRUE(NoteMentions(r.report, "'r'"));
    ExpectFiniteScales(r.model);
    for (bool taken : {true, false}) {
      const std::vector<HostTensor> feeds = {RandomTensor({1, 4}, 65), Bool(taken)};
      const auto ref = testing::RunModel(m, feeds)[0];
      const auto got = testing::RunModel(r.model, feeds)[0];
      ASSERT_EQ(got.shape, ref.shape);
      EXPECT_EQ(got.ToFloatVector(), ref.ToFloatVector());  // nothing on this path is quantized
    }
  }
}


}  // namespace
}  // namespace qbench
