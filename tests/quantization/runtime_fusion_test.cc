// What ONNX Runtime runs of a static int8 MobileNetV2 block (docs/auto.md "Where the int8 time of
// MobileNetV2 goes"): Conv → ReLU6 (Clip 0..6), depthwise Conv → ReLU6, linear projection, residual
// Add, GlobalAveragePool → Gemm. Counted in ORT's optimized graph: every Conv→Clip chain and the
// residual Add fused into integer kernels with no Q/DQ left between them, for every weight range;
// an fp32 island costs exactly one DequantizeLinear before and one QuantizeLinear after it; and
// bias correction leaves an island's fp32 bias as it is.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "qbench/model/graph_builder.h"
#include "qbench/quantization/quantizer.h"
#include "quant_test_util.h"

namespace qbench {
namespace {

using testing::GaussianValues;
using testing::OpCounts;
using testing::RandomTensor;

// x [N,8,8,8] → expand 1x1 (24) → Clip(0,6) → dw 3x3 (24 groups) → Clip(0,6) → project 1x1 (8)
// → Add(x, project) → GlobalAveragePool → Flatten → fc (Gemm transB=1, 10 outputs).
Model InvertedResidual() {
  GraphBuilder b("inverted_residual");
  b.AddInput("x", DType::kFloat32, {"N", 8, 8, 8});
  b.AddOutput("logits", DType::kFloat32, {"N", 10});
  b.AddInitializer("w1", {24, 8, 1, 1}, GaussianValues(24 * 8, 1, 0.5f));
  b.AddInitializer("b1", {24}, GaussianValues(24, 2, 0.1f));
  b.AddInitializer("wd", {24, 1, 3, 3}, GaussianValues(24 * 9, 3, 0.4f));
  b.AddInitializer("bd", {24}, GaussianValues(24, 4, 0.1f));
  b.AddInitializer("w3", {8, 24, 1, 1}, GaussianValues(8 * 24, 5, 0.2f));
  b.AddInitializer("b3", {8}, GaussianValues(8, 6, 0.05f));
  b.AddInitializer("fc_w", {10, 8}, GaussianValues(80, 7, 0.5f));
  b.AddInitializer("fc_b", {10}, GaussianValues(10, 8, 0.05f));
  b.AddInitializer("lo", {}, {0.0f});
  b.AddInitializer("hi", {}, {6.0f});
  b.AddNode("Conv", "expand", {"x", "w1", "b1"}, {"c1"});
  b.AddNode("Clip", "relu6_1", {"c1", "lo", "hi"}, {"a1"});
  b.AddNode("Conv", "dw", {"a1", "wd", "bd"}, {"c2"},
            {AttrInt("group", 24), AttrInts("pads", {1, 1, 1, 1}), AttrInts("kernel_shape", {3, 3})});
  b.AddNode("Clip", "relu6_2", {"c2", "lo", "hi"}, {"a2"});
  b.AddNode("Conv", "project", {"a2", "w3", "b3"}, {"c3"});
  b.AddNode("Add", "residual", {"x", "c3"}, {"s"});
  b.AddNode("GlobalAveragePool", "gap", {"s"}, {"g"});
  b.AddNode("Flatten", "flatten", {"g"}, {"f"});
  b.AddNode("Gemm", "fc", {"f", "fc_w", "fc_b"}, {"logits"}, {AttrInt("transB", 1)});
  return b.Build();
}

std::vector<std::vector<HostTensor>> Batches(int count) {
  std::vector<std::vector<HostTensor>> out;
  for (int i = 0; i < count; ++i) out.push_back({RandomTensor({2, 8, 8, 8}, 40 + i, -2.0f, 2.0f)});
  return out;
}

QuantizeResult Quantize(QuantizeOptions o) {
  o.calibration.method = CalibrationMethod::kMinMax;
  o.intra_op_threads = 1;
  testing::VectorReader reader(Batches(4));
  WarningList w;
  return QuantizeModel(InvertedResidual(), o, &reader, &w);
}

int Count(const std::map<std::string, int>& h, const std::string& op) {
  const auto it = h.find(op);
  return it == h.end() ? 0 : it->second;
}

TEST(RuntimeFusion, InvertedResidualBlockRunsAsIntegerKernelsOnly) {
  for (WeightRange range : {WeightRange::kUnsigned, WeightRange::kReduced, WeightRange::kFull}) {
    SCOPED_TRACE(WeightRangeName(range));
    QuantizeOptions o;
    o.weight_range = range;
    const QuantizeResult r = Quantize(o);
    auto file = OpCounts(r.model);
    // Q→DQ pairs on x, a1 (expand + ReLU6 folded), a2 (dw + ReLU6 folded), c3, s, g, f (logits stay float).
    EXPECT_EQ(file["QuantizeLinear"], 7);
    EXPECT_EQ(file["DequantizeLinear"], 7 + 8);  // + 4 weights and 4 int32 biases
    EXPECT_EQ(file["Clip"], 0);                  // both ReLU6 folded into their Conv's output range
    const RuntimeCoverage cov = AnalyzeRuntimeCoverage(r.model);
    ASSERT_TRUE(cov.analyzed) << cov.note;
    const auto& h = cov.op_histogram;
    EXPECT_EQ(Count(h, "QLinearConv"), 3);
    EXPECT_EQ(Count(h, "com.microsoft.QLinearAdd"), 1);
    EXPECT_EQ(Count(h, "com.microsoft.QLinearGlobalAveragePool"), 1);
    EXPECT_EQ(Count(h, "com.microsoft.QGemm"), 1);
    EXPECT_EQ(Count(h, "QuantizeLinear"), 1);  // the graph input only
    EXPECT_EQ(Count(h, "DequantizeLinear"), 0);
    EXPECT_EQ(Count(h, "Conv") + Count(h, "com.microsoft.FusedConv") + Count(h, "Clip") + Count(h, "Add"), 0);
    EXPECT_EQ(Count(h, "Flatten"), 1);
    int nodes = 0;
    for (const auto& [op, n] : h) nodes += n;
    EXPECT_EQ(nodes, 8);
    EXPECT_DOUBLE_EQ(cov.int8_mac_share, 1.0);
  }
}

TEST(RuntimeFusion, AnIslandCostsOneDequantizeAndOneQuantize) {
  QuantizeOptions o;
  o.weight_range = WeightRange::kReduced;
  o.exclude = {"dw"};
  const QuantizeResult r = Quantize(o);
  const RuntimeCoverage cov = AnalyzeRuntimeCoverage(r.model);
  ASSERT_TRUE(cov.analyzed) << cov.note;
  const auto& h = cov.op_histogram;
  std::string all;
  for (const auto& [op, n] : h) all += op + " " + std::to_string(n) + ", ";
  SCOPED_TRACE(all);
  // In the file: a1's only consumer (dw) reads its own per-channel DQ (so that ORT does not
  // quantize it anyway); a1's shared DQ, read by nothing, is not written (ORT would run it).
  auto file = OpCounts(r.model);
  EXPECT_EQ(file["QuantizeLinear"], 7);
  EXPECT_EQ(file["DequantizeLinear"], 7 + 6);  // x, a1 (dw's own), a2, c3, s, g, f; 3 weights, 3 biases
  EXPECT_EQ(file["Clip"], 1);                  // relu6_2 after the fp32 dw
  EXPECT_EQ(Count(h, "QLinearConv"), 2);
  // The depthwise Conv in fp32; its Clip is gone (ORT drops a Clip whose following Q's range lies
  // within the Clip's bounds).
  EXPECT_EQ(Count(h, "Conv") + Count(h, "com.microsoft.FusedConv"), 1);
  EXPECT_EQ(Count(h, "Clip"), 0);
  EXPECT_EQ(Count(h, "DequantizeLinear"), 1);  // a1 into the fp32 Conv
  EXPECT_EQ(Count(h, "QuantizeLinear"), 2);    // x, and a2 out of it
  EXPECT_EQ(Count(h, "com.microsoft.QLinearAdd"), 1);
}

// Keeping a node fp32 must not cost fidelity through bias correction: the island's own bias stays
// the fp32 one (its fp32 twin is itself: the measured shift is exactly 0), and the output is at
// least as close to fp32 as the base's.
TEST(RuntimeFusion, BiasCorrectionLeavesAnIslandsBiasAlone) {
  QuantizeOptions o;
  o.weight_range = WeightRange::kReduced;
  o.bias_correction = true;
  const QuantizeResult base = Quantize(o);
  o.exclude = {"dw"};
  const QuantizeResult island = Quantize(o);
  const onnx::NodeProto* dw = testing::NodeNamed(island.model, "dw");
  ASSERT_NE(dw, nullptr);
  ASSERT_EQ(dw->input_size(), 3);
  EXPECT_EQ(testing::InitializerTensor(island.model, dw->input(2)).ToFloatVector(), GaussianValues(24, 4, 0.1f));
  auto note = [](const QuantizeResult& q) {
    for (const auto& n : q.report.notes)
      if (n.rfind("bias correction:", 0) == 0) return n;
    return std::string();
  };
  EXPECT_EQ(note(base).find("bias correction: 4 layer(s) corrected"), 0u) << note(base);
  EXPECT_EQ(note(island).find("bias correction: 4 layer(s) corrected"), 0u) << note(island);
  double base_sqnr = 0, island_sqnr = 0;
  for (std::uint32_t seed : {90u, 91u, 92u}) {
    const HostTensor x = RandomTensor({2, 8, 8, 8}, seed, -2.0f, 2.0f);
    base_sqnr += testing::OutputSqnrDb(InvertedResidual(), base.model, {x}) / 3;
    island_sqnr += testing::OutputSqnrDb(InvertedResidual(), island.model, {x}) / 3;
  }
  EXPECT_GE(island_sqnr, base_sqnr - 0.1) << "base " << base_sqnr << " dB, island " << island_sqnr << " dB";
}

}  // namespace
}  // namespace qbench
