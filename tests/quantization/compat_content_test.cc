// Real-world model kinds made quantizable (qbench/model/compat.h and the checks in QuantizeModel): float16
// models, sequence/map outputs, training-mode BatchNormalization and already-quantized models (old opsets:
// compat_test.cc). Every model is built here.
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

HostTensor ToHalf(const HostTensor& f) {
  HostTensor h = HostTensor::Zeros(DType::kFloat16, f.shape);
  for (std::int64_t i = 0; i < f.num_elements(); ++i) h.data<std::uint16_t>()[i] = FloatToHalf(f.data<float>()[i]);
  return h;
}

// float16 in and out: x [1,3,6,6] → Conv (fp16 W, b) → Relu → GlobalAveragePool → Flatten →
// MatMul (fp16 [8,5]) → Add (fp16 bias) → y [1,5].
Model Float16Net() {
  GraphBuilder b("fp16", 13);
  b.AddInput("x", DType::kFloat16, {1, 3, 6, 6});
  b.AddOutput("y", DType::kFloat16, {1, 5});
  b.AddTensorInitializer("w", ToHalf(RandomTensor({8, 3, 3, 3}, 21, -0.4f, 0.4f)));
  b.AddTensorInitializer("b", ToHalf(RandomTensor({8}, 22, -0.1f, 0.1f)));
  b.AddTensorInitializer("fc_w", ToHalf(RandomTensor({8, 5}, 23, -0.6f, 0.6f)));
  b.AddTensorInitializer("fc_b", ToHalf(RandomTensor({5}, 24, -0.1f, 0.1f)));
  b.AddNode("Conv", "conv", {"x", "w", "b"}, {"c"}, {AttrInts("pads", {1, 1, 1, 1}), AttrInts("kernel_shape", {3, 3})});
  b.AddNode("Relu", "relu", {"c"}, {"r"});
  b.AddNode("GlobalAveragePool", "gap", {"r"}, {"g"});
  b.AddNode("Flatten", "flatten", {"g"}, {"f"});
  b.AddNode("MatMul", "fc", {"f", "fc_w"}, {"m"});
  b.AddNode("Add", "fc_bias", {"m", "fc_b"}, {"y"});
  return b.Build();
}

TEST(Float16, UpcastKeepsTheInterfaceWithCastsAtTheEdges) {
  const Model m = Float16Net();
  const Float16Content c = DetectFloat16(m);
  EXPECT_EQ(c.inputs, 1);
  EXPECT_EQ(c.outputs, 1);
  EXPECT_EQ(c.constants, 4);
  std::string note;
  const Model up = UpcastFloat16(m, &note);
  EXPECT_EQ(note, "float16 model computed in float32: 4 constants upcast; Cast nodes at the edges keep the float16 "
                  "interface (1 input, 1 output)");
  const auto& g = up.proto.graph();
  for (const auto& t : g.initializer()) EXPECT_EQ(t.data_type(), onnx::TensorProto::FLOAT) << t.name();
  const auto& first = g.node(0);
  const auto& last = g.node(g.node_size() - 1);
  EXPECT_EQ(first.op_type(), "Cast");
  EXPECT_EQ(first.input(0), "x");
  EXPECT_EQ(first.attribute(0).i(), onnx::TensorProto::FLOAT);
  EXPECT_EQ(last.op_type(), "Cast");
  EXPECT_EQ(last.output(0), "y");
  EXPECT_EQ(last.attribute(0).i(), onnx::TensorProto::FLOAT16);
  EXPECT_EQ(up.Inputs()[0].dtype, DType::kFloat16);
  EXPECT_EQ(up.Outputs()[0].dtype, DType::kFloat16);
  // Same numbers as the float16 model, up to float16 rounding of its intermediate tensors.
  const HostTensor x = ToHalf(RandomTensor({1, 3, 6, 6}, 30));
  const auto ref = testing::RunModel(m, {x})[0].ToFloatVector();
  const auto got = testing::RunModel(up, {x})[0].ToFloatVector();
  EXPECT_GT(SqnrDb(ref, got), 50.0);
  // A float32 model is returned unchanged.
  const Model fp32 = UpcastFloat16(ConvOpset11(), &note);
  EXPECT_TRUE(note.empty());
  EXPECT_EQ(fp32.proto.graph().node_size(), 3);
}

TEST(Float16, Float16ModelQuantizesStaticAndDynamicAndRunsWithItsInterface) {
  const Model m = Float16Net();
  std::vector<std::vector<HostTensor>> data;
  for (int i = 0; i < 8; ++i) data.push_back({ToHalf(RandomTensor({1, 3, 6, 6}, 300 + i))});
  const HostTensor x = ToHalf(RandomTensor({1, 3, 6, 6}, 300));
  const auto ref = testing::RunModel(m, {x})[0].ToFloatVector();
  for (const char* scheme : {"static", "dynamic"}) {
    SCOPED_TRACE(scheme);
    const QuantizeResult r = Quantize(m, scheme, data);
    EXPECT_TRUE(Contains(r.report.hygiene, "float16 model computed in float32")) << scheme;
    const auto ops = OpCounts(r.model);
    const auto& g = r.model.proto.graph();
    EXPECT_EQ(g.node(0).op_type(), "Cast");  // the two edges
    EXPECT_EQ(g.node(0).input(0), "x");
    EXPECT_EQ(g.node(g.node_size() - 1).op_type(), "Cast");
    EXPECT_EQ(g.node(g.node_size() - 1).output(0), "y");
    if (std::string(scheme) == "static") {
      EXPECT_GE(ops.at("DequantizeLinear"), 4);
      // The tensor the output Cast reads stays float, as a graph output does: no Q→DQ before it.
      EXPECT_EQ(g.node(g.node_size() - 2).op_type(), "Add");
    } else {
      EXPECT_EQ(ops.at("ConvInteger"), 1);
      EXPECT_EQ(ops.at("MatMulInteger"), 1);
    }
    for (const auto& t : r.model.proto.graph().initializer()) EXPECT_NE(t.data_type(), onnx::TensorProto::FLOAT16);
    EXPECT_EQ(r.model.Inputs()[0].dtype, DType::kFloat16);
    EXPECT_EQ(r.model.Outputs()[0].dtype, DType::kFloat16);
    const auto out = testing::RunModel(r.model, {x});
    EXPECT_EQ(out[0].dtype, DType::kFloat16);
    // Against the float16 model: 10 dB on this 5-logit net (the AVX2 u8s8 bound, see above). The
    // conversion itself is exact: quantizing the same net built in float32 gives the same logits up
    // to float16 rounding of the input and output (>= 40 dB between the two).
    EXPECT_GT(SqnrDb(ref, out[0].ToFloatVector()), 10.0);
    std::string note;
    Model fp32 = UpcastFloat16(m, &note);
    auto* gg = fp32.proto.mutable_graph();
    gg->mutable_node()->DeleteSubrange(gg->node_size() - 1, 1);  // drop the edge Casts: a float32 model
    gg->mutable_node()->DeleteSubrange(0, 1);
    for (auto& n : *gg->mutable_node())
      for (auto& in : *n.mutable_input())
        if (in == "x_fp32") in = "x";
    gg->mutable_node(gg->node_size() - 1)->set_output(0, "y");
    gg->mutable_input(0)->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
    gg->mutable_output(0)->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
    std::vector<std::vector<HostTensor>> data32;
    for (size_t i = 0; i < data.size(); ++i) data32.push_back({HostTensor::Zeros(DType::kFloat32, {1, 3, 6, 6})});
    for (size_t i = 0; i < data.size(); ++i) {
      const auto v = data[i][0].ToFloatVector();
      std::memcpy(data32[i][0].data<float>(), v.data(), v.size() * 4);
    }
    const QuantizeResult r32 = Quantize(fp32, scheme, data32);
    const auto out32 = testing::RunModel(r32.model, {data32[0][0]})[0].ToFloatVector();
    EXPECT_GT(SqnrDb(out32, out[0].ToFloatVector()), 40.0);
  }
}

// ---- sequence and map outputs ---------------------------------------------------------------------

// x [N,3] → Softmax → probs [N,3] (tensor) and ZipMap(probs) → seq(map(int64, float)) (ai.onnx.ml),
// and a MatMul in front so that there is something to quantize.
Model ZipMapClassifier() {
  GraphBuilder b("zipmap", 13);
  b.AddOpsetImport("ai.onnx.ml", 1);
  b.AddInput("x", DType::kFloat32, {"N", 3});
  b.AddOutput("probs", DType::kFloat32, {"N", 3});
  const float eye[] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
  b.AddInitializer("w", {3, 3}, std::vector<float>(eye, eye + 9));
  b.AddNode("MatMul", "fc", {"x", "w"}, {"logits"});
  b.AddNode("Softmax", "softmax", {"logits"}, {"probs"}, {AttrInt("axis", 1)});
  b.AddNode("ZipMap", "zipmap", {"probs"}, {"probability_map"}, {AttrInts("classlabels_int64s", {0, 1, 2})}, "ai.onnx.ml");
  auto* out = b.graph()->add_output();
  out->set_name("probability_map");
  auto* map = out->mutable_type()->mutable_sequence_type()->mutable_elem_type()->mutable_map_type();
  map->set_key_type(onnx::TensorProto::INT64);
  map->mutable_value_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
  return b.Build();
}

// x [1,4] → Relu → r; SequenceConstruct(r, x) → seq(tensor(float)); Gemm(r) → y [1,2].
Model SequenceOutput() {
  GraphBuilder b("seq", 13);
  b.AddInput("x", DType::kFloat32, {1, 4});
  b.AddOutput("y", DType::kFloat32, {1, 2});
  b.AddInitializer("w", {2, 4}, RandomValues(8, 41, -0.5f, 0.5f));
  b.AddNode("Relu", "relu", {"x"}, {"r"});
  b.AddNode("Gemm", "fc", {"r", "w"}, {"y"}, {AttrInt("transB", 1)});
  b.AddNode("SequenceConstruct", "seq", {"r", "x"}, {"pieces"});
  auto* out = b.graph()->add_output();
  out->set_name("pieces");
  out->mutable_type()->mutable_sequence_type()->mutable_elem_type()->mutable_tensor_type()->set_elem_type(
      onnx::TensorProto::FLOAT);
  return b.Build();
}

TEST(NonTensorOutputs, TypesAreReportedAndTheRunnerReturnsEmptyPlaceholders) {
  const Model z = ZipMapClassifier();
  ASSERT_EQ(z.Outputs().size(), 2u);
  EXPECT_TRUE(z.Outputs()[0].is_tensor);
  EXPECT_EQ(z.Outputs()[0].type, "tensor(float)");
  EXPECT_FALSE(z.Outputs()[1].is_tensor);
  EXPECT_EQ(z.Outputs()[1].type, "seq(map(int64,tensor(float)))");
  EXPECT_EQ(DescribeTensor(z.Outputs()[1]), "probability_map seq(map(int64,tensor(float)))");
  auto runner = OrtRunner::Create(z, SessionConfig{});
  EXPECT_FALSE(runner->outputs()[1].is_tensor);
  EXPECT_EQ(runner->outputs()[1].type, "seq(map(int64,tensor(float)))");
  HostTensor x = HostTensor::Zeros(DType::kFloat32, {1, 3});
  x.data<float>()[2] = 1.0f;
  const auto outs = runner->Run({x});
  ASSERT_EQ(outs.size(), 2u);
  EXPECT_EQ(outs[0].shape, (std::vector<std::int64_t>{1, 3}));
  EXPECT_EQ(outs[1].dtype, DType::kUndefined);
  EXPECT_TRUE(outs[1].bytes.empty());
  // softmax([0,0,1]) = [1,1,e]/(2+e)
  EXPECT_NEAR(outs[0].ToFloatVector()[2], std::exp(1.0) / (2 + std::exp(1.0)), 1e-6);

  const Model s = SequenceOutput();
  EXPECT_EQ(s.Outputs()[1].type, "seq(tensor(float))");
  auto seq_runner = OrtRunner::Create(s, SessionConfig{});
  EXPECT_EQ(seq_runner->outputs()[1].type, "seq(tensor(float))");
  EXPECT_EQ(seq_runner->Run({RandomTensor({1, 4}, 5)})[1].dtype, DType::kUndefined);
}

TEST(NonTensorOutputs, QuantizeKeepsThemInBothModes) {
  for (const char* scheme : {"static", "dynamic"}) {
    SCOPED_TRACE(scheme);
    const Model z = ZipMapClassifier();
    const QuantizeResult rz = Quantize(z, scheme, Batches({1, 3}, 8, 50));
    ASSERT_EQ(rz.model.Outputs().size(), 2u);
    EXPECT_EQ(rz.model.Outputs()[1].type, "seq(map(int64,tensor(float)))");
    EXPECT_EQ(OpCounts(rz.model).at("ai.onnx.ml.ZipMap"), 1);
    const HostTensor x = RandomTensor({1, 3}, 50);
    const auto ref = testing::RunModel(z, {x})[0].ToFloatVector();
    const auto q = testing::RunModel(rz.model, {x});
    ASSERT_EQ(q.size(), 2u);
    EXPECT_GT(SqnrDb(ref, q[0].ToFloatVector()), 25.0);

    const Model s = SequenceOutput();
    const QuantizeResult rs = Quantize(s, scheme, Batches({1, 4}, 8, 60));
    EXPECT_EQ(rs.model.Outputs()[1].type, "seq(tensor(float))");
    const HostTensor x2 = RandomTensor({1, 4}, 60);
    EXPECT_GT(SqnrDb(testing::RunModel(s, {x2})[0].ToFloatVector(), testing::RunModel(rs.model, {x2})[0].ToFloatVector()),
              25.0);
  }
}

TEST(NonTensorOutputs, EvalScoresTheTensorOutputs) {
  // Four samples whose argmax is 0, 1, 0, 2 with labels 0, 1, 2, 2: top-1 3/4 through the identity
  // MatMul and Softmax (monotonic), the ZipMap output left out.
  const std::string dir = testing::TempDir();
  HostTensor x = HostTensor::Zeros(DType::kFloat32, {4, 3});
  const float v[] = {2, 1, 0, 0, 3, 1, 1, 0, 0.5f, 0, 0, 5};
  std::memcpy(x.data<float>(), v, sizeof(v));
  WriteNpy(dir + "/x.npy", x);
  HostTensor labels = HostTensor::Zeros(DType::kInt64, {4});
  const std::int64_t l[] = {0, 1, 2, 2};
  std::memcpy(labels.data<std::int64_t>(), l, sizeof(l));
  WriteNpy(dir + "/x.labels.npy", labels);
  DatasetSpec spec;
  spec.path = dir + "/x.npy";
  auto ds = OpenDataset(spec);
  auto runner = OrtRunner::Create(ZipMapClassifier(), SessionConfig{});
  EvalOptions options;
  options.batch_size = 2;
  const AccuracyResult r = Evaluate(*runner, *ds, options, runner.get());
  EXPECT_TRUE(r.classification);
  EXPECT_EQ(r.num_classes, 3u);
  EXPECT_EQ(r.top1_correct, 3u);
  ASSERT_EQ(r.outputs.size(), 1u);
  EXPECT_EQ(r.outputs[0].name, "probs");
}

// ---- training-mode BatchNormalization -------------------------------------------------------------

// Opset 15: x [2,2,3,3] → conv → BatchNormalization(training_mode = 1, 3 outputs) → y.
Model TrainingBatchNorm() {
  GraphBuilder b("bn_train", 15);
  b.AddInput("x", DType::kFloat32, {2, 2, 3, 3});
  b.AddOutput("y", DType::kFloat32, {2, 2, 3, 3});
  b.AddInitializer("w", {2, 2, 1, 1}, {1.0f, 0.5f, -0.5f, 1.0f});
  b.AddInitializer("scale", {2}, {1.0f, 2.0f});
  b.AddInitializer("bias", {2}, {0.0f, 0.5f});
  b.AddInitializer("mean", {2}, {10.0f, -10.0f});  // running statistics far from the batch's
  b.AddInitializer("var", {2}, {100.0f, 100.0f});
  b.AddNode("Conv", "conv", {"x", "w"}, {"c"});
  b.AddNode("BatchNormalization", "bn", {"c", "scale", "bias", "mean", "var"}, {"y", "running_mean", "running_var"},
            {AttrInt("training_mode", 1)});
  return b.Build();
}

TEST(TrainingBatchNorm, FlaggedByInspectAndKeptUnfoldedByQuantize) {
  const Model m = TrainingBatchNorm();
  EXPECT_EQ(TrainingModeBatchNorms(m), (std::vector<std::string>{"'bn' (BatchNormalization)"}));
  const ModelSummary s = InspectModel(m);
  bool flagged = false;
  for (const auto& w : s.warnings) flagged = flagged || (w.code == "training_mode_batchnorm" && w.message.find("'bn'") != std::string::npos);
  EXPECT_TRUE(flagged);
  for (const char* scheme : {"static", "dynamic"}) {
    SCOPED_TRACE(scheme);
    WarningList w;
    const QuantizeResult r = Quantize(m, scheme, Batches({2, 2, 3, 3}, 4, 70), &w);
    EXPECT_EQ(OpCounts(r.model).at("BatchNormalization"), 1);  // not folded
    EXPECT_FALSE(Contains(r.report.hygiene, "BatchNormalization"));
    bool warned = false;
    for (const auto& x : w.items()) warned = warned || (x.code == "training_mode_batchnorm");
    EXPECT_TRUE(warned);
    // Still batch statistics: each channel of y has mean = bias over the batch.
    const HostTensor x = RandomTensor({2, 2, 3, 3}, 71);
    const auto y = testing::RunModel(r.model, {x})[0].ToFloatVector();
    for (int ch = 0; ch < 2; ++ch) {
      double sum = 0;
      for (int n = 0; n < 2; ++n)
        for (int k = 0; k < 9; ++k) sum += y[static_cast<size_t>((n * 2 + ch) * 9 + k)];
      EXPECT_NEAR(sum / 18.0, ch == 0 ? 0.0 : 0.5, 0.05) << ch;
    }
  }
  // An inference-mode BatchNormalization still folds.
  Model inference = m;
  auto* bn = inference.proto.mutable_graph()->mutable_node(1);
  bn->clear_attribute();
  bn->mutable_output()->DeleteSubrange(1, 2);
  EXPECT_TRUE(TrainingModeBatchNorms(inference).empty());
  std::vector<std::string> actions;
  const Model p = PrepareModelForQuantization(inference, &actions);
  EXPECT_EQ(OpCounts(p).count("BatchNormalization"), 0u);
}

// ---- already quantized ----------------------------------------------------------------------------

// x → QuantizeLinear → DequantizeLinear → Relu → y (opset 12, which static mode alone would refuse).
Model TinyQdq() {
  GraphBuilder b("qdq", 12);
  b.AddInput("x", DType::kFloat32, {1, 4});
  b.AddOutput("y", DType::kFloat32, {1, 4});
  b.AddInitializer("s", {}, {0.1f});
  HostTensor zp = HostTensor::Zeros(DType::kUint8, {});
  zp.data<std::uint8_t>()[0] = 128;
  b.AddTensorInitializer("zp", zp);
  b.AddNode("QuantizeLinear", "q", {"x", "s", "zp"}, {"xq"});
  b.AddNode("DequantizeLinear", "dq", {"xq", "s", "zp"}, {"xd"});
  b.AddNode("Relu", "relu", {"xd"}, {"y"});
  return b.Build();
}

TEST(AlreadyQuantized, SaidFirstInEveryMode) {
  const QuantizedContent c = DetectQuantizedContent(TinyQdq());
  EXPECT_EQ(c.format, "QDQ");
  EXPECT_EQ(c.quantized_nodes, 2);
  EXPECT_EQ(c.Describe(), "int8 QDQ: 2 quantized nodes, first 'q' (QuantizeLinear)");
  EXPECT_TRUE(DetectQuantizedContent(ConvOpset11()).empty());
  for (const char* scheme : {"static", "dynamic"}) {
    try {
      Quantize(TinyQdq(), scheme, Batches({1, 4}, 2, 1));
      FAIL() << scheme;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidInput);
      EXPECT_NE(std::string(e.what()).find("is already quantized (int8 QDQ: 2 quantized nodes, first 'q' (QuantizeLinear))"),
                std::string::npos)
          << e.what();
      EXPECT_EQ(std::string(e.what()).find("opset"), std::string::npos) << e.what();
    }
  }
  // A dynamically quantized output is "integer ops".
  const QuantizeResult d = Quantize(ConvOpset11(), "dynamic", {});
  EXPECT_EQ(DetectQuantizedContent(d.model).format, "integer ops");
}

TEST(AlreadyQuantized, ZooInt8ModelIsQOperator) {
  QBENCH_REQUIRE_SHARED(path, "models/imagenet/mobilenetv2-12-int8.onnx");
  const Model m = LoadModel(path);
  const QuantizedContent c = DetectQuantizedContent(m);
  EXPECT_EQ(c.format, "QOperator");
  EXPECT_GT(c.quantized_nodes, 50);
  try {
    CheckQuantizable(m, FindQuantizationScheme("static"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("is already quantized (int8 QOperator"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace qbench
