// Node placement from ONNX Runtime's profiler: a recorded CUDA profile with a CPU fallback, and a real
// CPU session whose nodes are counted.
#include <gtest/gtest.h>

#include "qbench/core/error.h"
#include "qbench/model/graph_builder.h"
#include "qbench/runtime/placement.h"
#include "test_util.h"

namespace qbench {
namespace {

// Recorded from a CUDA session of a QDQ model (trimmed): QLinearConv has no CUDA kernel, so ORT ran
// it and its QuantizeLinear on the CPU; Conv_1 ran twice (two runs), counted once.
const char* kCudaProfile = R"([
  {"cat": "Session", "name": "model_loading_array", "dur": 100, "args": {}},
  {"cat": "Node", "name": "Conv_0_kernel_time", "dur": 10, "args": {"op_name": "Conv", "provider": "CUDAExecutionProvider"}},
  {"cat": "Node", "name": "Relu_0_kernel_time", "dur": 2, "args": {"op_name": "Relu", "provider": "CUDAExecutionProvider"}},
  {"cat": "Node", "name": "q_in_kernel_time", "dur": 3, "args": {"op_name": "QuantizeLinear", "provider": "CPUExecutionProvider"}},
  {"cat": "Node", "name": "Conv_1_quant_kernel_time", "dur": 40, "args": {"op_name": "QLinearConv", "provider": "CPUExecutionProvider"}},
  {"cat": "Node", "name": "Conv_1_quant_kernel_time", "dur": 41, "args": {"op_name": "QLinearConv", "provider": "CPUExecutionProvider"}},
  {"cat": "Node", "name": "MemcpyToHost_fence_before", "dur": 0, "args": {"op_name": "MemcpyToHost"}}
])";

TEST(Placement, ACudaProfileWithQLinearConvOnTheCpuIsAFallback) {
  const NodePlacement p = ParseNodePlacement(kCudaProfile, "cuda", "profile.json");
  EXPECT_EQ(p.total_nodes, 4);
  EXPECT_EQ(p.nodes_by_provider.at("CUDAExecutionProvider"), 2);
  EXPECT_EQ(p.nodes_by_provider.at("CPUExecutionProvider"), 2);
  ASSERT_EQ(p.cpu_compute_nodes.size(), 1u);  // QuantizeLinear is not a compute node
  EXPECT_EQ(p.cpu_compute_nodes[0], "Conv_1_quant (QLinearConv)");
  EXPECT_TRUE(p.fallback);
  const std::string text = DescribePlacement(p);
  EXPECT_NE(text.find("2 of 4 nodes on CPUExecutionProvider"), std::string::npos) << text;
  EXPECT_NE(text.find("1 compute node(s) left on the CPU (first: Conv_1_quant (QLinearConv))"), std::string::npos) << text;
  // The same nodes asked of the CPU provider: no fallback.
  EXPECT_FALSE(ParseNodePlacement(kCudaProfile, "cpu", "profile.json").fallback);
  EXPECT_THROW(ParseNodePlacement("{}", "cpu", "p.json"), Error);
}

TEST(Placement, ProviderNames) {
  EXPECT_EQ(OrtProviderName("cpu"), "CPUExecutionProvider");
  EXPECT_EQ(OrtProviderName("tensorrt"), "TensorrtExecutionProvider");
  EXPECT_EQ(OrtProviderName("foo"), "FooExecutionProvider");
  EXPECT_EQ(OrtProviderName("rocm"), "ROCMExecutionProvider");
  // Both directions read one table: every short name comes back from its ORT name.
  for (const char* s : {"cpu", "cuda", "tensorrt", "openvino", "dnnl", "rocm", "migraphx", "coreml", "xnnpack",
                        "qnn", "webgpu", "dml", "nnapi", "acl", "armnn"})
    EXPECT_EQ(ShortProviderName(OrtProviderName(s)), s);
  EXPECT_EQ(ShortProviderName("SomeNewExecutionProvider"), "SomeNewExecutionProvider");
}

TEST(Placement, ACpuSessionPlacesEveryNodeOnTheCpu) {
  GraphBuilder b("g");
  b.AddInput("x", DType::kFloat32, {1, 4});
  b.AddOutput("y", DType::kFloat32, {1, 3});
  b.AddInitializer("w", {4, 3}, std::vector<float>(12, 0.5f));
  b.AddNode("MatMul", "proj", {"x", "w"}, {"h"});
  b.AddNode("Relu", "act", {"h"}, {"y"});
  SessionConfig sc;
  sc.graph_optimization = "disable";  // the two nodes as written
  sc.intra_op_threads = 1;
  const NodePlacement p = MeasureNodePlacement(b.Build(), sc, {HostTensor::Zeros(DType::kFloat32, {1, 4})}, testing::TempDir());
  EXPECT_EQ(p.total_nodes, 2);
  EXPECT_EQ(p.nodes_by_provider.size(), 1u);
  EXPECT_EQ(p.nodes_by_provider.at("CPUExecutionProvider"), 2);
  EXPECT_FALSE(p.fallback);
  EXPECT_EQ(DescribePlacement(p), "all 2 nodes on CPUExecutionProvider");
}

}  // namespace
}  // namespace qbench
