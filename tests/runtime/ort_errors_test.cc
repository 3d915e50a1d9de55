// ONNX Runtime's raw failures, produced here on broken models, and the one-line messages qbench
// makes of them (DescribeOrtError): the file, the node and a fix; never source paths or signatures.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "qbench/core/error.h"
#include "qbench/model/graph_builder.h"
#include "qbench/runtime/ort_env.h"
#include "qbench/runtime/runner.h"

namespace qbench {
namespace {

// ORT's raw what() for loading `model` (and, when it loads, running it on `feeds`).
std::string RawOrtFailure(const Model& model, const std::vector<HostTensor>& feeds = {}) {
  const std::string bytes = SerializeModel(model);
  try {
    Ort::SessionOptions opts;
    Ort::Session session(OrtEnvironment(), bytes.data(), bytes.size(), opts);
    Ort::AllocatorWithDefaultOptions alloc;
    std::vector<std::string> in_names, out_names;
    for (size_t i = 0; i < session.GetInputCount(); ++i) in_names.push_back(session.GetInputNameAllocated(i, alloc).get());
    for (size_t i = 0; i < session.GetOutputCount(); ++i) out_names.push_back(session.GetOutputNameAllocated(i, alloc).get());
    std::vector<const char*> in_c, out_c;
    for (auto& s : in_names) in_c.push_back(s.c_str());
    for (auto& s : out_names) out_c.push_back(s.c_str());
    auto mem = Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault);
    std::vector<Ort::Value> values;
    for (const auto& f : feeds)
      values.push_back(Ort::Value::CreateTensor(mem, const_cast<std::uint8_t*>(f.bytes.data()), f.bytes.size(),
                                                f.shape.data(), f.shape.size(),
                                                static_cast<ONNXTensorElementDataType>(f.dtype)));
    session.Run(Ort::RunOptions{nullptr}, in_c.data(), values.data(), values.size(), out_c.data(), out_c.size());
  } catch (const Ort::Exception& e) {
    return e.what();
  }
  return "";
}

HostTensor Floats(std::vector<std::int64_t> shape) { return HostTensor::Zeros(DType::kFloat32, std::move(shape)); }

// The line made of ORT's message: one line, no source path, no C++ signature, no colour codes.
void ExpectClean(const std::string& line) {
  EXPECT_EQ(line.find('\n'), std::string::npos) << line;
  EXPECT_EQ(line.find("onnxruntime_src"), std::string::npos) << line;
  EXPECT_EQ(line.find("onnxruntime::"), std::string::npos) << line;
  EXPECT_EQ(line.find('\x1b'), std::string::npos) << line;
}

std::string Mapped(const std::string& raw) {
  EXPECT_FALSE(raw.empty()) << "ONNX Runtime accepted the broken model";
  const std::string line = DescribeOrtError(raw, "m.onnx");
  ExpectClean(line);
  return line;
}

Model OneNode(const std::string& op, DType dtype, std::int64_t opset, const std::string& node) {
  GraphBuilder b("g", opset);
  b.AddInput("x", dtype, {1, 4});
  b.AddOutput("y", dtype, {1, 4});
  b.AddNode(op, node, {"x"}, {"y"});
  return b.Build();
}

TEST(OrtErrors, UnknownOperatorNamesNodeOpAndFix) {
  const std::string line = Mapped(RawOrtFailure(OneNode("NoSuchOp", DType::kFloat32, 13, "mystery")));
  EXPECT_EQ(line, "node 'mystery' of 'm.onnx' uses operator NoSuchOp, which ONNX Runtime " + OrtVersion() +
                      " does not know in domain ai.onnx at opset 13: re-export the model with standard ONNX operators "
                      "(or the opset that defines NoSuchOp)");
}

TEST(OrtErrors, MissingKernelNamesNodeAndOpset) {
  // Relu-14 allows int16 in ONNX; ORT's CPU provider has no int16 kernel.
  const std::string line =
      Mapped(RawOrtFailure(OneNode("Relu", DType::kInt16, 14, "act"), {HostTensor::Zeros(DType::kInt16, {1, 4})}));
  EXPECT_EQ(line.rfind("node 'act' (Relu, opset 14) of 'm.onnx' has no ONNX Runtime kernel for its input types: ", 0), 0u)
      << line;
}

TEST(OrtErrors, OpFormOlderThanOrtsOldestOpsetSaysUpgradeTheOpset) {
  // ORT 1.30 registers Add (like Gemm, Mul, Pow) only from version 7: an opset-6 Add has no kernel
  // although float32 is fine.
  GraphBuilder b("g", 6);
  b.AddInput("x", DType::kFloat32, {1, 4});
  b.AddInput("z", DType::kFloat32, {1, 4});
  b.AddOutput("y", DType::kFloat32, {1, 4});
  b.AddNode("Add", "plus", {"x", "z"}, {"y"});
  const std::string line = Mapped(RawOrtFailure(b.Build()));
  EXPECT_EQ(line, "node 'plus' (Add, opset 6) of 'm.onnx' has no kernel in ONNX Runtime " + OrtVersion() +
                      ", which implements ai.onnx from opset 7: upgrade the model's opset (`qbench quantize` does it "
                      "itself; onnx.version_converter.convert_version for the fp32 file)");
  EXPECT_EQ(line.find("input types"), std::string::npos) << line;  // the float32 input is not the problem
}

TEST(OrtErrors, TypeErrorsNameNodeAndTypes) {
  GraphBuilder b("g");
  b.AddInput("x", DType::kFloat32, {1, 4});
  b.AddInput("k", DType::kInt64, {1, 4});
  b.AddOutput("y", DType::kFloat32, {1, 4});
  b.AddNode("Add", "adder", {"x", "k"}, {"y"});
  EXPECT_EQ(Mapped(RawOrtFailure(b.Build())),
            "node 'adder' (Add) of 'm.onnx' gets inputs of different types (tensor(float) and tensor(int64)): the model "
            "is invalid; insert a Cast or re-export it");
  EXPECT_EQ(Mapped(RawOrtFailure(OneNode("Neg", DType::kUint8, 14, "negate"))),
            "node 'negate' (Neg) of 'm.onnx' gets input 'x' as tensor(uint8), a type Neg does not accept: the model is "
            "invalid; insert a Cast or re-export it");
}

TEST(OrtErrors, ShapeInferenceErrorNamesNode) {
  GraphBuilder b("g");
  b.AddInput("x", DType::kFloat32, {1, 4});
  b.AddOutput("y", DType::kFloat32, {1, 3});
  b.AddInitializer("w", {3, 3}, std::vector<float>(9, 1.f));
  b.AddNode("MatMul", "proj", {"x", "w"}, {"y"});
  EXPECT_EQ(Mapped(RawOrtFailure(b.Build())),
            "node 'proj' (MatMul) of 'm.onnx': its input shapes do not fit (Incompatible dimensions for matrix "
            "multiplication): check the weights and the input shapes (--shape, --dim), or re-export the model");
}

TEST(OrtErrors, WrongFeedShapeAndRank) {
  const Model m = OneNode("Relu", DType::kFloat32, 13, "r");
  EXPECT_EQ(Mapped(RawOrtFailure(m, {Floats({1, 5})})),
            "input 'x' of 'm.onnx' has dim 1 fixed to 4, got 5: give the model's shape (--shape x=..., --dim) or data of "
            "that shape");
  EXPECT_EQ(Mapped(RawOrtFailure(m, {Floats({4})})),
            "input 'x' of 'm.onnx' has rank 2, got rank 1: give data of the model's rank (--shape x=...)");
  EXPECT_EQ(Mapped(RawOrtFailure(m, {HostTensor::Zeros(DType::kFloat64, {1, 4})})),
            "an input of 'm.onnx' expects tensor(float), got tensor(double): give data of the model's type");
}

TEST(OrtErrors, VersionsNewerThanOrt) {
  Model m = OneNode("Relu", DType::kFloat32, 99, "r");
  const std::string opset = Mapped(RawOrtFailure(m));
  EXPECT_EQ(opset.rfind("'m.onnx' uses opset 99 of domain ai.onnx; ONNX Runtime " + OrtVersion() + " supports up to opset ", 0),
            0u)
      << opset;
  m.proto.set_ir_version(99);
  const std::string ir = Mapped(RawOrtFailure(m));
  EXPECT_EQ(ir.rfind("'m.onnx' has IR version 99; ONNX Runtime " + OrtVersion() + " reads up to IR version ", 0), 0u) << ir;
}

TEST(OrtErrors, KernelFailureKeepsOrtsReasonWithoutSourcePath) {
  GraphBuilder b("g");
  b.AddInput("x", DType::kFloat32, {"n", 6});
  b.AddOutput("y", DType::kFloat32, {-1});
  b.AddInt64Initializer("shape", {1}, {4});
  b.AddNode("Reshape", "flatten_head", {"x", "shape"}, {"y"});
  const std::string raw = RawOrtFailure(b.Build(), {Floats({2, 6})});
  ASSERT_NE(raw.find("reshape_helper.h"), std::string::npos) << "ORT's message changed: " << raw;
  EXPECT_EQ(Mapped(raw),
            "node 'flatten_head' (Reshape) of 'm.onnx' failed while running: The input tensor cannot be reshaped to the "
            "requested shape. Input shape:{2,6}, requested shape:{4}; check the input shapes and values (--shape, "
            "--dim, the data)");
}

TEST(OrtErrors, NotAModelAndInvalidGraph) {
  const std::string garbage = "not an onnx file at all";
  std::string raw;
  try {
    Ort::SessionOptions opts;
    Ort::Session s(OrtEnvironment(), garbage.data(), garbage.size(), opts);
  } catch (const Ort::Exception& e) {
    raw = e.what();
  }
  EXPECT_EQ(Mapped(raw), "'m.onnx' is not a readable ONNX model (protobuf parsing failed): check that the file is "
                         "complete (not a truncated download or a Git LFS pointer)");
  GraphBuilder b("g");
  b.AddInput("x", DType::kFloat32, {1, 4});
  b.AddOutput("y", DType::kFloat32, {1, 4});
  b.AddNode("Add", "dangling", {"x", "nowhere"}, {"y"});
  EXPECT_EQ(Mapped(RawOrtFailure(b.Build())),
            "'m.onnx' is not a valid graph: tensor 'nowhere' is read by a node but is no graph input, initializer or "
            "earlier node's output: repair or re-export the model");
}

// Unknown messages: the first line, without colours, ORT's log prefix, source paths or signatures.
TEST(OrtErrors, UnknownMessagesAreStripped) {
  EXPECT_EQ(StripOrtDecorations("\x1b[0;31m2026-12-06 09:34:00.123456 [E:onnxruntime:qbench, sequential_executor.cc:572 "
                                "ExecuteKernel] Something odd happened.\x1b[m\nsecond line"),
            "Something odd happened");
  EXPECT_EQ(StripOrtDecorations("/onnxruntime_src/include/onnxruntime/core/framework/op_kernel_context.h:42 const T* "
                                "onnxruntime::OpKernelContext::Input(int) const [with T = onnxruntime::Tensor] Missing "
                                "Input: x\n"),
            "Missing Input: x");
  EXPECT_EQ(StripOrtDecorations("/src/a.cc:1 Sig()::<lambda()> cond was false. the reason\n"), "the reason");
  EXPECT_EQ(StripOrtDecorations("[ONNXRuntimeError] : 1 : FAIL : plain text"), "plain text");
  EXPECT_EQ(DescribeOrtError("/src/a.cc:7 void f(int) mysterious failure", "m.onnx"),
            "ONNX Runtime failed on 'm.onnx': mysterious failure");
}

// OrtRunner throws the mapped line, not ORT's text.
TEST(OrtErrors, RunnerThrowsMappedLine) {
  Model m = OneNode("NoSuchOp", DType::kFloat32, 13, "mystery");
  m.path = "broken.onnx";
  try {
    OrtRunner::Create(m, SessionConfig{});
    FAIL() << "ORT accepted an unknown operator";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kRuntime);
    EXPECT_EQ(std::string(e.what()).rfind("node 'mystery' of 'broken.onnx' uses operator NoSuchOp", 0), 0u) << e.what();
    ExpectClean(e.what());
  }
  Model r = OneNode("Relu", DType::kFloat32, 13, "r");
  auto runner = OrtRunner::Create(r, SessionConfig{});
  try {
    runner->Run({Floats({1, 5})});
    FAIL() << "ORT ran a feed of the wrong shape";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "input 'x' of '<in-memory model>' has dim 1 fixed to 4, got 5: give the model's "
                                     "shape (--shape x=..., --dim) or data of that shape");
  }
}

}  // namespace
}  // namespace qbench
