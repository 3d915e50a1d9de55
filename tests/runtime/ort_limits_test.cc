// The model versions in qbench/runtime/ort_limits.h are those of the linked ONNX Runtime: a
// one-node model at each maximum loads, one version above is refused by ORT itself.
#include <gtest/gtest.h>

#include "qbench/core/error.h"
#include "qbench/model/graph_builder.h"
#include "qbench/runtime/ort_limits.h"
#include "qbench/runtime/runner.h"

namespace qbench {
namespace {

// y = Identity(x), float [1]; ai.onnx at `opset`, ai.onnx.ml at `ml_opset` (0 = not imported).
Model IdentityModel(std::int64_t ir, std::int64_t opset, std::int64_t ml_opset = 0) {
  GraphBuilder b("identity", opset);
  b.AddInput("x", DType::kFloat32, {1});
  b.AddOutput("y", DType::kFloat32, {1});
  b.AddNode("Identity", "id", {"x"}, {"y"});
  if (ml_opset > 0) b.AddOpsetImport("ai.onnx.ml", ml_opset);
  Model m = b.Build();
  m.proto.set_ir_version(ir);
  return m;
}

bool OrtLoads(const Model& m) {
  try {
    OrtRunner::Create(m, SessionConfig{});
    return true;
  } catch (const Error&) {
    return false;
  }
}

TEST(OrtLimits, MatchTheLinkedOnnxRuntime) {
  const OrtModelLimits& l = OrtLimits();
  EXPECT_EQ(OrtVersion(), l.ort_version) << "update OrtLimits() in src/runtime/ort_limits.cc for this ONNX Runtime";
  EXPECT_TRUE(OrtLoads(IdentityModel(l.max_ir_version, l.max_opset, l.max_ml_opset)));
  EXPECT_FALSE(OrtLoads(IdentityModel(l.max_ir_version + 1, 13)));
  EXPECT_FALSE(OrtLoads(IdentityModel(8, l.max_opset + 1)));
  EXPECT_FALSE(OrtLoads(IdentityModel(8, 13, l.max_ml_opset + 1)));
}

TEST(OrtLimits, CheckNamesTheFoundAndTheMaximumVersion) {
  const OrtModelLimits& l = OrtLimits();
  EXPECT_NO_THROW(CheckOrtCanLoad(IdentityModel(l.max_ir_version, l.max_opset, l.max_ml_opset), "m"));
  EXPECT_NO_THROW(CheckOrtCanLoad(IdentityModel(3, 1), "m"));  // old versions load (with ORT's warning)
  try {
    CheckOrtCanLoad(IdentityModel(14, 13), "the quantized model");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnsupported);
    EXPECT_EQ(std::string(e.what()).find("the quantized model has IR version 14; ONNX Runtime 1.30.0 loads at most "
                                         "IR version 13"),
              0u)
        << e.what();
  }
  try {
    CheckOrtCanLoad(IdentityModel(8, 27), "'m.onnx'");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'m.onnx' uses ai.onnx opset 27; ONNX Runtime 1.30.0 loads at most opset 26"),
              std::string::npos)
        << e.what();
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
  }
  try {
    CheckOrtCanLoad(IdentityModel(8, 13, 6), "m");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("ai.onnx.ml opset 6"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("at most opset 5"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace qbench
