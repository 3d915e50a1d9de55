// --exclude '#<index>' for unnamed nodes: the index is the node's position in the INPUT graph (as
// `qbench inspect` and `qbench sensitivity` print it), even when hygiene removes nodes before it.
#include <gtest/gtest.h>

#include "qbench/model/graph_builder.h"
#include "qbench/quantization/quantizer.h"
#include "quant_test_util.h"

namespace qbench {
namespace {

using testing::OpCounts;
using testing::RandomValues;

// Input graph (index: node):
//   0: Identity(w1) -> w1i        unnamed; hygiene bypasses it (consumers read w1)
//   1: MatMul(x, w1i) -> h        unnamed
//   2: Constant -> w2c [8,4]      unnamed; hygiene turns it into an initializer
//   3: Relu(h) -> r               named "relu"
//   4: MatMul(r, w2c) -> y        unnamed
// After hygiene the MatMuls sit at positions 0 and 2: only input-graph indices keep #1 and #4 stable.
Model UnnamedMlp() {
  GraphBuilder b("unnamed");
  b.AddInput("x", DType::kFloat32, {"N", 6});
  b.AddOutput("y", DType::kFloat32, {"N", 4});
  b.AddInitializer("w1", {6, 8}, RandomValues(48, 21, -0.5f, 0.5f));
  b.AddNode("Identity", "", {"w1"}, {"w1i"});
  b.AddNode("MatMul", "", {"x", "w1i"}, {"h"});
  onnx::NodeProto* constant = b.graph()->add_node();
  constant->set_op_type("Constant");
  constant->add_output("w2c");
  onnx::AttributeProto* value = constant->add_attribute();
  value->set_name("value");
  value->set_type(onnx::AttributeProto::TENSOR);
  HostTensor w2 = HostTensor::Zeros(DType::kFloat32, {8, 4});
  const std::vector<float> w2_values = RandomValues(32, 22, -0.5f, 0.5f);
  std::copy(w2_values.begin(), w2_values.end(), w2.data<float>());
  FillTensorProto("w2c", w2, value->mutable_t());
  b.AddNode("Relu", "relu", {"h"}, {"r"});
  b.AddNode("MatMul", "", {"r", "w2c"}, {"y"});
  return b.Build();
}

const NodeDecision& DecisionFor(const QuantizeReport& r, const std::string& name) {
  for (const auto& d : r.nodes)
    if (d.name == name) return d;
  throw std::runtime_error("no decision for " + name);
}

TEST(QuantExclude, HygieneNamesUnnamedNodesByInputIndex) {
  const Model m = UnnamedMlp();
  std::vector<std::string> actions;
  const Model p = PrepareModelForQuantization(m, &actions);
  std::vector<std::string> names;
  for (const auto& n : p.proto.graph().node()) names.push_back(n.name() + ":" + n.op_type());
  EXPECT_EQ(names, (std::vector<std::string>{"#1:MatMul", "relu:Relu", "#4:MatMul"}));
  for (const auto& n : m.proto.graph().node()) {
    if (n.op_type() != "Relu") EXPECT_EQ(n.name(), "");  // the input is untouched
  }
}

TEST(QuantExclude, DynamicIndexNamesTheInputGraphNode) {
  const Model m = UnnamedMlp();
  QuantizeOptions o;
  o.scheme = "dynamic";
  o.exclude = {"#4"};
  const QuantizeResult r = QuantizeModel(m, o, nullptr, nullptr);
  EXPECT_TRUE(DecisionFor(r.report, "#1").quantized);
  EXPECT_FALSE(DecisionFor(r.report, "#4").quantized);
  EXPECT_EQ(DecisionFor(r.report, "#4").reason, "excluded by --exclude #4");
  auto ops = OpCounts(r.model);
  EXPECT_EQ(ops["MatMulInteger"], 1);
  EXPECT_EQ(ops["MatMul"], 1);
  for (const auto& w : r.report.warnings) EXPECT_NE(w.code, "exclude_unused") << w.message;  // "#4" named a node
  const std::vector<HostTensor> feeds = {testing::RandomTensor({3, 6}, 23)};
  EXPECT_GE(SqnrDb(testing::RunModel(m, feeds)[0].ToFloatVector(), testing::RunModel(r.model, feeds)[0].ToFloatVector()),
            30.0);
}

TEST(QuantExclude, StaticIndexAndAnIndexThatNamesNothing) {
  const Model m = UnnamedMlp();
  QuantizeOptions o;
  o.exclude = {"#1", "#2", "#99"};  // #2 is the Constant hygiene folds away; #99 does not exist
  o.calibration.method = CalibrationMethod::kMinMax;
  o.intra_op_threads = 1;
  testing::VectorReader reader({{testing::RandomTensor({2, 6}, 24)}, {testing::RandomTensor({2, 6}, 25)}});
  const QuantizeResult r = QuantizeModel(m, o, &reader, nullptr);
  EXPECT_FALSE(DecisionFor(r.report, "#1").quantized);
  EXPECT_EQ(DecisionFor(r.report, "#1").reason, "excluded by --exclude #1");
  EXPECT_TRUE(DecisionFor(r.report, "#4").quantized);
  std::vector<std::string> unused;
  for (const auto& w : r.report.warnings)
    if (w.code == "exclude_unused") unused.push_back(w.message);
  EXPECT_EQ(unused, (std::vector<std::string>{"--exclude '#2' matched no node", "--exclude '#99' matched no node"}));
}

// A node matched by two rules marks both used: `--exclude op:MatMul,#1` must not warn that '#1'
// matched nothing (user report: 'op:Conv,#0' warned about '#0').
TEST(QuantExclude, OverlappingRulesAreAllUsed) {
  const Model m = UnnamedMlp();
  QuantizeOptions o;
  o.scheme = "dynamic";
  o.exclude = {"op:MatMul", "#1"};
  const QuantizeResult r = QuantizeModel(m, o, nullptr, nullptr);
  EXPECT_FALSE(DecisionFor(r.report, "#1").quantized);
  EXPECT_EQ(DecisionFor(r.report, "#1").reason, "excluded by --exclude op:MatMul");
  for (const auto& w : r.report.warnings) EXPECT_NE(w.code, "exclude_unused") << w.message;
}

}  // namespace
}  // namespace qbench
