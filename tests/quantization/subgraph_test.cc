// Loop / If / Scan subgraphs in both schemes: initializers read only inside a body survive, body
// MatMul/Gemm nodes are quantized (dynamic, weights of the body or of the outer scope) or reported
// fp32 with the reason (static), and every output passes ONNX's full check and runs in ORT.
#include <gtest/gtest.h>


#include "qbench/model/graph_builder.h"
#include "qbench/quantization/quantizer.h"
#include "quant_test_util.h"

namespace qbench {
namespace {

using testing::ExpectQuantizedSqnr;
using testing::FullCheckError;
using testing::GaussianValues;
using testing::OpCounts;

onnx::NodeProto* FindNode(onnx::GraphProto* g, const std::string& name) {
  for (auto& n : *g->mutable_node())
    if (n.name() == name) return &n;
  throw std::runtime_error("no node " + name);
}

void SetGraphAttr(GraphBuilder* b, const std::string& node, const std::string& attr, const GraphBuilder& body) {
  auto* a = FindNode(b->graph(), node)->add_attribute();
  a->set_name(attr);
  a->set_type(onnx::AttributeProto::GRAPH);
  *a->mutable_g() = body.Build().proto.graph();
}

// Constant node holding a float tensor (as exporters write weights inside loop bodies).
void AddConstant(GraphBuilder* b, const std::string& name, const std::vector<std::int64_t>& dims, const std::vector<float>& v) {
  b->AddNode("Constant", name + "_const", {}, {name});
  auto* a = FindNode(b->graph(), name + "_const")->add_attribute();
  a->set_name("value");
  a->set_type(onnx::AttributeProto::TENSOR);
  HostTensor t = HostTensor::Zeros(DType::kFloat32, dims);
  std::copy(v.begin(), v.end(), t.data<float>());
  FillTensorProto("", t, a->mutable_t());
}

const onnx::GraphProto& SubgraphOf(const Model& m, const std::string& node, const std::string& attr) {
  for (const auto& n : m.proto.graph().node())
    if (n.name() == node)
      for (const auto& a : n.attribute())
        if (a.name() == attr) return a.g();
  throw std::runtime_error("no subgraph " + node + "/" + attr);
}

std::map<std::string, int> OpCountsIn(const onnx::GraphProto& g) {
  std::map<std::string, int> c;
  for (const auto& n : g.node()) c[n.op_type()]++;
  return c;
}

const onnx::TensorProto* InitializerIn(const onnx::GraphProto& g, const std::string& name) {
  for (const auto& t : g.initializer())
    if (t.name() == name) return &t;
  return nullptr;
}

const NodeDecision* Decision(const QuantizeReport& r, const std::string& name) {
  for (const auto& d : r.nodes)
    if (d.name == name) return &d;
  return nullptr;
}

QuantizeResult Quantize(const Model& m, const std::string& scheme, const std::vector<HostTensor>& feeds) {
  QuantizeOptions o;
  o.scheme = scheme;
  if (scheme == "dynamic") return QuantizeModel(m, o, nullptr, nullptr);
  return QuantizeModelWithRanges(m, o, testing::MinMaxTable(m, feeds), nullptr);
}


// x [1,8] → pre (MatMul W0) → Loop (3 iterations, carried h):
//   body: h_in·Wb (Constant node in the body) + b_outer → ·W_outer + x2 → Tanh.
// b_outer and W_outer are main-graph initializers read only inside the body; x2 = 0.5·x is
// produced by a main-graph node that the file lists AFTER the Loop (the body reads it implicitly).
Model LoopModel() {
  GraphBuilder body("loop_body");
  body.AddInput("i", DType::kInt64, {});
  body.AddInput("c_in", DType::kBool, {});
  body.AddInput("h_in", DType::kFloat32, {1, 8});
  body.AddOutput("c_out", DType::kBool, {});
  body.AddOutput("h_out", DType::kFloat32, {1, 8});
  AddConstant(&body, "Wb", {8, 8}, GaussianValues(64, 2, 0.35f));
  body.AddNode("MatMul", "body_mm1", {"h_in", "Wb"}, {"mm1"});
  body.AddNode("Add", "body_add1", {"mm1", "b_outer"}, {"a1"});
  body.AddNode("MatMul", "body_mm2", {"a1", "W_outer"}, {"mm2"});
  body.AddNode("Add", "body_add2", {"mm2", "x2"}, {"a2"});
  body.AddNode("Tanh", "body_tanh", {"a2"}, {"h_out"});
  body.AddNode("Identity", "body_cond", {"c_in"}, {"c_out"});

  GraphBuilder b("loop", 13);
  b.AddInput("x", DType::kFloat32, {1, 8});
  b.AddOutput("y", DType::kFloat32, {1, 8});
  b.AddInitializer("W0", {8, 8}, GaussianValues(64, 1, 0.35f));
  b.AddInitializer("b_outer", {8}, GaussianValues(8, 3, 0.1f));
  b.AddInitializer("W_outer", {8, 8}, GaussianValues(64, 4, 0.35f));
  b.AddInitializer("half", {}, {0.5f});
  b.AddInt64Initializer("trip", {}, {3});
  b.AddNode("MatMul", "pre", {"x", "W0"}, {"h0"});
  b.AddNode("Loop", "loop", {"trip", "", "h0"}, {"y"});
  b.AddNode("Mul", "shift", {"x", "half"}, {"x2"});  // after the Loop that reads it: invalid order
  SetGraphAttr(&b, "loop", "body", body);
  return b.Build();
}

TEST(QuantSubgraph, HygieneKeepsBodyOnlyInitializersAndSortsByImplicitInputs) {
  std::vector<std::string> actions;
  const Model p = PrepareModelForQuantization(LoopModel(), &actions);
  const auto& g = p.proto.graph();
  EXPECT_NE(InitializerIn(g, "b_outer"), nullptr);  // read only inside the body
  EXPECT_NE(InitializerIn(g, "W_outer"), nullptr);
  ASSERT_EQ(g.node_size(), 3);
  EXPECT_EQ(g.node(0).name(), "pre");
  EXPECT_EQ(g.node(1).name(), "shift");  // moved before the Loop whose body reads x2
  EXPECT_EQ(g.node(2).name(), "loop");
  const onnx::GraphProto& body = SubgraphOf(p, "loop", "body");
  ASSERT_NE(InitializerIn(body, "Wb"), nullptr);  // the body's Constant node became a body initializer
  EXPECT_EQ(OpCountsIn(body)["Constant"], 0);
  EXPECT_EQ(FullCheckError(p), "");
}

TEST(QuantSubgraph, LoopBodyMatMulsQuantizedDynamicallyAndReportedStatic) {
  const Model m = LoopModel();
  const std::vector<HostTensor> feeds = {testing::RandomTensor({1, 8}, 5)};
  // Dynamic: the body's MatMuls run as MatMulInteger; W_outer's int8 copy lives in the main graph
  // (where the float weight was), Wb's in the body; b_outer stays (float, read by the body).
  const QuantizeResult d = Quantize(m, "dynamic", feeds);
  EXPECT_EQ(FullCheckError(d.model), "");
  const onnx::GraphProto& g = d.model.proto.graph();
  const onnx::GraphProto& body = SubgraphOf(d.model, "loop", "body");
  EXPECT_EQ(OpCounts(d.model)["MatMulInteger"], 1);
  EXPECT_EQ(OpCountsIn(body)["MatMulInteger"], 2);
  EXPECT_EQ(OpCountsIn(body)["MatMul"], 0);
  EXPECT_EQ(OpCountsIn(body)["DynamicQuantizeLinear"], 2);
  ASSERT_NE(InitializerIn(g, "W_outer_quantized"), nullptr);
  EXPECT_EQ(InitializerIn(g, "W_outer_quantized")->data_type(), static_cast<int>(testing::StoredWeightType(d.report)));
  EXPECT_EQ(InitializerIn(g, "W_outer"), nullptr);  // the float copy is no longer read
  EXPECT_NE(InitializerIn(g, "b_outer"), nullptr);
  EXPECT_NE(InitializerIn(body, "Wb_quantized"), nullptr);
  EXPECT_EQ(InitializerIn(body, "Wb"), nullptr);
  // main: trip, half, b_outer, W0 and W_outer int8 copies (data, scale, zero point each).
  EXPECT_EQ(g.initializer_size(), 3 + 3 + 3);
  const NodeDecision* mm2 = Decision(d.report, "loop/body/body_mm2");
  ASSERT_NE(mm2, nullptr);
  EXPECT_TRUE(mm2->quantized) << mm2->reason;
  const NodeDecision* loop = Decision(d.report, "loop");
  ASSERT_NE(loop, nullptr);
  EXPECT_FALSE(loop->quantized);
  // 2 per-tensor int8 MatMuls per iteration (+ pre), 3 iterations through Tanh, which damps the
  // error: measured 42.3 dB; one int8 MatMul alone gives about 40 dB, so 35 dB is the bound.
  ExpectQuantizedSqnr(m, d.model, feeds, 0, 35.0);

  // Static: only main-graph tensors can be calibrated; the body's nodes are reported fp32 with why.
  const QuantizeResult s = Quantize(m, "static", feeds);
  EXPECT_EQ(FullCheckError(s.model), "");
  EXPECT_EQ(OpCountsIn(SubgraphOf(s.model, "loop", "body"))["MatMul"], 2);
  EXPECT_NE(InitializerIn(s.model.proto.graph(), "W_outer"), nullptr);
  EXPECT_NE(InitializerIn(s.model.proto.graph(), "b_outer"), nullptr);
  const NodeDecision* smm = Decision(s.report, "loop/body/body_mm1");
  ASSERT_NE(smm, nullptr);
  EXPECT_FALSE(smm->quantized);
  EXPECT_NE(smm->reason.find("inside a subgraph"), std::string::npos) << smm->reason;
  EXPECT_TRUE(Decision(s.report, "pre")->quantized);
  EXPECT_GE(testing::OutputSqnrDb(m, s.model, feeds), 30.0);  // one int8 MatMul (pre), the loop in fp32
}

// If(flag): then = x·W_then (main initializer), else = Gemm(x, W_else^T, C_else) (branch initializers).
Model IfModel() {
  GraphBuilder then_b("then_branch");
  then_b.AddOutput("y_then", DType::kFloat32, {2, 6});
  then_b.AddNode("MatMul", "mm_then", {"x", "W_then"}, {"y_then"});
  GraphBuilder else_b("else_branch");
  else_b.AddOutput("y_else", DType::kFloat32, {2, 6});
  else_b.AddInitializer("W_else", {6, 8}, GaussianValues(48, 12, 0.35f));
  else_b.AddInitializer("C_else", {6}, GaussianValues(6, 13, 0.1f));
  else_b.AddNode("Gemm", "gemm_else", {"x", "W_else", "C_else"}, {"y_else"}, {AttrInt("transB", 1)});
  GraphBuilder b("if", 13);
  b.AddInput("x", DType::kFloat32, {2, 8});
  b.AddInput("flag", DType::kBool, {});
  b.AddOutput("y", DType::kFloat32, {2, 6});
  b.AddInitializer("W_then", {8, 6}, GaussianValues(48, 11, 0.35f));
  b.AddNode("If", "branch", {"flag"}, {"y"});
  SetGraphAttr(&b, "branch", "then_branch", then_b);
  SetGraphAttr(&b, "branch", "else_branch", else_b);
  return b.Build();
}

HostTensor Flag(bool v) {
  HostTensor t = HostTensor::Zeros(DType::kBool, {});
  t.bytes[0] = v ? 1 : 0;
  return t;
}

TEST(QuantSubgraph, IfBranchesQuantizedDynamicallyAndBothRun) {
  const Model m = IfModel();
  const HostTensor x = testing::RandomTensor({2, 8}, 14);
  const QuantizeResult d = Quantize(m, "dynamic", {x, Flag(true)});
  EXPECT_EQ(FullCheckError(d.model), "");
  EXPECT_EQ(OpCountsIn(SubgraphOf(d.model, "branch", "then_branch"))["MatMulInteger"], 1);
  EXPECT_EQ(OpCountsIn(SubgraphOf(d.model, "branch", "else_branch"))["MatMulInteger"], 1);
  EXPECT_NE(InitializerIn(d.model.proto.graph(), "W_then_quantized"), nullptr);
  EXPECT_NE(InitializerIn(SubgraphOf(d.model, "branch", "else_branch"), "W_else_quantized"), nullptr);
  EXPECT_TRUE(Decision(d.report, "branch/else_branch/gemm_else")->quantized);
  // One int8 MatMul/Gemm per branch: measured 42.1 / 42.4 dB; 36 dB is the bound.
  for (bool flag : {true, false}) ExpectQuantizedSqnr(m, d.model, {x, Flag(flag)}, 0, 36.0);

  const QuantizeResult s = Quantize(m, "static", {x, Flag(true)});
  EXPECT_EQ(FullCheckError(s.model), "");
  EXPECT_NE(InitializerIn(s.model.proto.graph(), "W_then"), nullptr);  // read only by the then branch
  EXPECT_FALSE(Decision(s.report, "branch/then_branch/mm_then")->quantized);
  for (bool flag : {true, false}) EXPECT_EQ(testing::OutputSqnrDb(m, s.model, {x, Flag(flag)}), std::numeric_limits<double>::infinity());
}

// Scan over xs [5,1,8] with state s [1,8]: s' = Tanh(x_t·Wx + s·Ws); Wx main, Ws body initializer.
Model ScanModel() {
  GraphBuilder body("scan_body");
  body.AddInput("s_in", DType::kFloat32, {1, 8});
  body.AddInput("x_t", DType::kFloat32, {1, 8});
  body.AddOutput("s_out", DType::kFloat32, {1, 8});
  body.AddOutput("y_t", DType::kFloat32, {1, 8});
  body.AddInitializer("Ws", {8, 8}, GaussianValues(64, 22, 0.3f));
  body.AddNode("MatMul", "scan_mm_x", {"x_t", "Wx"}, {"ax"});
  body.AddNode("MatMul", "scan_mm_s", {"s_in", "Ws"}, {"as"});
  body.AddNode("Add", "scan_add", {"ax", "as"}, {"pre_t"});
  body.AddNode("Tanh", "scan_tanh", {"pre_t"}, {"s_out"});
  body.AddNode("Identity", "scan_copy", {"s_out"}, {"y_t"});
  GraphBuilder b("scan", 13);
  b.AddInput("s0", DType::kFloat32, {1, 8});
  b.AddInput("xs", DType::kFloat32, {5, 1, 8});
  b.AddOutput("s_final", DType::kFloat32, {1, 8});
  b.AddOutput("ys", DType::kFloat32, {5, 1, 8});
  b.AddInitializer("Wx", {8, 8}, GaussianValues(64, 21, 0.3f));
  b.AddNode("Scan", "scan", {"s0", "xs"}, {"s_final", "ys"}, {AttrInt("num_scan_inputs", 1)});
  SetGraphAttr(&b, "scan", "body", body);
  return b.Build();
}

TEST(QuantSubgraph, ScanBodyQuantizedDynamicallyAndReportedStatic) {
  const Model m = ScanModel();
  const std::vector<HostTensor> feeds = {testing::RandomTensor({1, 8}, 23), testing::RandomTensor({5, 1, 8}, 24)};
  const QuantizeResult d = Quantize(m, "dynamic", feeds);
  EXPECT_EQ(FullCheckError(d.model), "");
  EXPECT_EQ(OpCountsIn(SubgraphOf(d.model, "scan", "body"))["MatMulInteger"], 2);
  EXPECT_NE(InitializerIn(d.model.proto.graph(), "Wx_quantized"), nullptr);
  EXPECT_EQ(InitializerIn(d.model.proto.graph(), "Wx"), nullptr);
  // Two int8 MatMuls per step through Tanh over 5 steps, the error carried in the state: measured
  // 37.8 dB (final state) and 41.1 dB (all steps); 33 dB is the bound.
  ExpectQuantizedSqnr(m, d.model, feeds, 0, 33.0);
  ExpectQuantizedSqnr(m, d.model, feeds, 1, 33.0);

  const QuantizeResult s = Quantize(m, "static", feeds);
  EXPECT_EQ(FullCheckError(s.model), "");
  EXPECT_NE(InitializerIn(s.model.proto.graph(), "Wx"), nullptr);  // read only by the body: kept
  const NodeDecision* mm = Decision(s.report, "scan/body/scan_mm_x");
  ASSERT_NE(mm, nullptr);
  EXPECT_FALSE(mm->quantized);
  EXPECT_NE(mm->reason.find("--mode dynamic"), std::string::npos);
  EXPECT_EQ(testing::OutputSqnrDb(m, s.model, feeds, 1), std::numeric_limits<double>::infinity());  // nothing to quantize outside
}


// Loop (2 iterations) over a feature map: body = Relu(Conv(h, Wc) + bc), Wc/bc main-graph
// initializers (outer scope). The dynamic scheme runs the body's Conv as ConvInteger.
TEST(QuantSubgraph, LoopBodyConvBecomesConvIntegerWithOuterWeight) {
  GraphBuilder body("conv_body");
  body.AddInput("i", DType::kInt64, {});
  body.AddInput("c_in", DType::kBool, {});
  body.AddInput("h_in", DType::kFloat32, {1, 2, 6, 6});
  body.AddOutput("c_out", DType::kBool, {});
  body.AddOutput("h_out", DType::kFloat32, {1, 2, 6, 6});
  body.AddNode("Conv", "body_conv", {"h_in", "Wc", "bc"}, {"conv_out"}, {AttrInts("pads", {1, 1, 1, 1})});
  body.AddNode("Relu", "body_relu", {"conv_out"}, {"h_out"});
  body.AddNode("Identity", "body_cond", {"c_in"}, {"c_out"});
  GraphBuilder b("conv_loop", 13);
  b.AddInput("x", DType::kFloat32, {1, 2, 6, 6});
  b.AddOutput("y", DType::kFloat32, {1, 2, 6, 6});
  b.AddInitializer("Wc", {2, 2, 3, 3}, GaussianValues(36, 31, 0.3f));
  b.AddInitializer("bc", {2}, {0.1f, -0.05f});
  b.AddInt64Initializer("trip", {}, {2});
  b.AddNode("Loop", "loop", {"trip", "", "x"}, {"y"});
  SetGraphAttr(&b, "loop", "body", body);
  const Model m = b.Build();
  const std::vector<HostTensor> feeds = {testing::RandomTensor({1, 2, 6, 6}, 32, 0.0f, 1.0f)};
  const QuantizeResult d = Quantize(m, "dynamic", feeds);
  EXPECT_EQ(FullCheckError(d.model), "");
  const onnx::GraphProto& g = d.model.proto.graph();
  EXPECT_EQ(OpCountsIn(SubgraphOf(d.model, "loop", "body"))["ConvInteger"], 1);
  EXPECT_EQ(OpCountsIn(SubgraphOf(d.model, "loop", "body"))["Conv"], 0);
  ASSERT_NE(InitializerIn(g, "Wc_quantized"), nullptr);
  EXPECT_EQ(InitializerIn(g, "Wc_quantized")->data_type(), static_cast<int>(DType::kUint8));  // u8 per-tensor default
  EXPECT_EQ(InitializerIn(g, "Wc"), nullptr);
  EXPECT_TRUE(Decision(d.report, "loop/body/body_conv")->quantized);
  // Two int8 convs (u8u8 kernel, exact) in a row through Relu: measured 43.0 dB.
  ExpectQuantizedSqnr(m, d.model, feeds, 0, 36.0);
  const QuantizeResult s = Quantize(m, "static", feeds);
  EXPECT_EQ(FullCheckError(s.model), "");
  EXPECT_FALSE(Decision(s.report, "loop/body/body_conv")->quantized);
  EXPECT_NE(InitializerIn(s.model.proto.graph(), "Wc"), nullptr);
  EXPECT_NE(InitializerIn(s.model.proto.graph(), "bc"), nullptr);
  EXPECT_EQ(testing::OutputSqnrDb(m, s.model, feeds), std::numeric_limits<double>::infinity());
}


// An If nested in a Loop body: branches read the body's h_in and an outer-scope weight (two
// scopes up) or their own initializer. Dynamic rewrites every level; names carry the full path.
TEST(QuantSubgraph, NestedIfInsideLoopIsRewrittenAtEveryLevel) {
  GraphBuilder then_b("then_branch");
  then_b.AddOutput("t_out", DType::kFloat32, {1, 8});
  then_b.AddNode("MatMul", "mm_then", {"h_in", "W_top"}, {"t_out"});
  GraphBuilder else_b("else_branch");
  else_b.AddOutput("e_out", DType::kFloat32, {1, 8});
  else_b.AddInitializer("W_inner", {8, 8}, GaussianValues(64, 92, 0.35f));
  else_b.AddNode("MatMul", "mm_else", {"h_in", "W_inner"}, {"e_out"});
  GraphBuilder body("loop_body");
  body.AddInput("i", DType::kInt64, {});
  body.AddInput("c_in", DType::kBool, {});
  body.AddInput("h_in", DType::kFloat32, {1, 8});
  body.AddOutput("c_out", DType::kBool, {});
  body.AddOutput("h_out", DType::kFloat32, {1, 8});
  body.AddNode("If", "inner_if", {"flag"}, {"if_out"});
  SetGraphAttr(&body, "inner_if", "then_branch", then_b);
  SetGraphAttr(&body, "inner_if", "else_branch", else_b);
  body.AddNode("Tanh", "body_tanh", {"if_out"}, {"h_out"});
  body.AddNode("Identity", "body_cond", {"c_in"}, {"c_out"});
  GraphBuilder b("nested", 13);
  b.AddInput("x", DType::kFloat32, {1, 8});
  b.AddInput("flag", DType::kBool, {});
  b.AddOutput("y", DType::kFloat32, {1, 8});
  b.AddInitializer("W_top", {8, 8}, GaussianValues(64, 91, 0.35f));
  b.AddInt64Initializer("trip", {}, {3});
  b.AddNode("Loop", "loop", {"trip", "", "x"}, {"y"});
  SetGraphAttr(&b, "loop", "body", body);
  const Model m = b.Build();
  const HostTensor x = testing::RandomTensor({1, 8}, 93);
  const QuantizeResult d = Quantize(m, "dynamic", {x, Flag(true)});
  EXPECT_EQ(FullCheckError(d.model), "");
  EXPECT_NE(InitializerIn(d.model.proto.graph(), "W_top_quantized"), nullptr);  // stored where W_top was
  EXPECT_EQ(InitializerIn(d.model.proto.graph(), "W_top"), nullptr);
  for (const char* name : {"loop/body/inner_if/then_branch/mm_then", "loop/body/inner_if/else_branch/mm_else"}) {
    const NodeDecision* dec = Decision(d.report, name);
    ASSERT_NE(dec, nullptr) << name;
    EXPECT_TRUE(dec->quantized) << name << ": " << dec->reason;
  }
  // Three int8 MatMuls chained through Tanh (each about 36-40 dB alone): measured 31.8 dB (then,
  // W_top) and 38.1 dB (else, W_inner); 28 dB is the bound.
  for (bool flag : {true, false}) ExpectQuantizedSqnr(m, d.model, {x, Flag(flag)}, 0, 28.0);
  const QuantizeResult s = Quantize(m, "static", {x, Flag(true)});
  EXPECT_EQ(FullCheckError(s.model), "");
  ASSERT_NE(Decision(s.report, "loop/body/inner_if/else_branch/mm_else"), nullptr);
}

// Static: a Conv output read by the next Relu AND implicitly by a Loop body. Folding the Relu would
// rename the Conv's output and break the body's read, so the Relu is kept (a body read is a use).
TEST(QuantSubgraph, StaticKeepsReluUnfoldedWhenABodyReadsItsInput) {
  GraphBuilder body("loop_body");
  body.AddInput("i", DType::kInt64, {});
  body.AddInput("c_in", DType::kBool, {});
  body.AddInput("h_in", DType::kFloat32, {1, 2, 6, 6});
  body.AddOutput("c_out", DType::kBool, {});
  body.AddOutput("h_out", DType::kFloat32, {1, 2, 6, 6});
  body.AddNode("Add", "body_add", {"h_in", "c"}, {"h_out"});
  body.AddNode("Identity", "body_cond", {"c_in"}, {"c_out"});
  GraphBuilder b("relu_and_loop", 13);
  b.AddInput("x", DType::kFloat32, {1, 2, 6, 6});
  b.AddOutput("y", DType::kFloat32, {1, 2, 6, 6});
  b.AddOutput("z", DType::kFloat32, {1, 2, 6, 6});
  b.AddInitializer("W1", {2, 2, 3, 3}, GaussianValues(36, 101, 0.3f));
  b.AddInitializer("W2", {2, 2, 3, 3}, GaussianValues(36, 102, 0.3f));
  b.AddInt64Initializer("trip", {}, {2});
  b.AddNode("Conv", "conv1", {"x", "W1"}, {"c"}, {AttrInts("pads", {1, 1, 1, 1})});
  b.AddNode("Relu", "relu", {"c"}, {"r"});
  b.AddNode("Conv", "conv2", {"r", "W2"}, {"y"}, {AttrInts("pads", {1, 1, 1, 1})});
  b.AddNode("Loop", "loop", {"trip", "", "x"}, {"z"});
  SetGraphAttr(&b, "loop", "body", body);
  const Model m = b.Build();
  const std::vector<HostTensor> feeds = {testing::RandomTensor({1, 2, 6, 6}, 103)};
  const QuantizeResult s = Quantize(m, "static", feeds);
  EXPECT_EQ(FullCheckError(s.model), "");
  const NodeDecision* relu = Decision(s.report, "relu");
  ASSERT_NE(relu, nullptr);
  EXPECT_FALSE(relu->quantized);
  EXPECT_NE(relu->reason.find("other consumers"), std::string::npos) << relu->reason;
  EXPECT_TRUE(Decision(s.report, "conv1")->quantized);
  // z = x + 2·conv1(x) with conv1 int8 (per-channel weights, u8 activations): measured 45.9 dB.
  ExpectQuantizedSqnr(m, s.model, feeds, 1, 38.0);
}

}  // namespace
}  // namespace qbench
