// The zoo models under ONNX Runtime: every model runs, at any batch and input size; activations stay
// in a realistic range through the whole depth; the calibration forward agrees with ORT (issue #3).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "qbench/model/graph_builder.h"
#include "qbench/runtime/runner.h"
#include "zoo/forward.h"
#include "zoo/zoo_net.h"
#include "zoo_test_util.h"

namespace qbench {
namespace {

using testing::CachedZooModel;

HostTensor StandardNormal(std::vector<std::int64_t> shape, std::uint64_t seed) {
  HostTensor t = HostTensor::Zeros(DType::kFloat32, std::move(shape));
  zoo_internal::Rng rng(seed);
  for (std::int64_t i = 0; i < t.num_elements(); ++i) t.data<float>()[i] = static_cast<float>(rng.Normal());
  return t;
}

double StdDev(const std::vector<float>& v) {
  double mean = 0, ss = 0;
  for (float x : v) mean += x;
  mean /= static_cast<double>(v.size());
  for (float x : v) ss += (x - mean) * (x - mean);
  return std::sqrt(ss / static_cast<double>(v.size()));
}

std::unique_ptr<OrtRunner> Session(const Model& m) {
  SessionConfig c;
  c.intra_op_threads = 2;
  return OrtRunner::Create(m, c);
}

// Output [N, 1000] for N in {1, 3} and H = W in {128, 224}; image 0 gives the same logits alone and
// in a batch (the batch dimension is really free, nothing folds it into the features).
TEST(ZooOrt, EveryModelRunsAtAnyBatchAndSize) {
  for (const auto& info : ZooModels()) {
    auto runner = Session(CachedZooModel(info.name));
    for (std::int64_t size : {128, 224}) {
      const HostTensor batch3 = StandardNormal({3, 3, size, size}, 11);
      HostTensor batch1 = HostTensor::Zeros(DType::kFloat32, {1, 3, size, size});
      std::copy(batch3.bytes.begin(), batch3.bytes.begin() + static_cast<std::ptrdiff_t>(batch1.bytes.size()),
                batch1.bytes.begin());
      const auto out1 = runner->Run({batch1});
      const auto out3 = runner->Run({batch3});
      ASSERT_EQ(out1[0].shape, (std::vector<std::int64_t>{1, 1000})) << info.name << " " << size;
      ASSERT_EQ(out3[0].shape, (std::vector<std::int64_t>{3, 1000})) << info.name << " " << size;
      const auto l1 = out1[0].ToFloatVector(), l3 = out3[0].ToFloatVector();
      double max_diff = 0, max_abs = 0;
      for (size_t k = 0; k < l1.size(); ++k) {
        ASSERT_TRUE(std::isfinite(l3[k]) && std::isfinite(l1[k])) << info.name;
        max_diff = std::max(max_diff, static_cast<double>(std::fabs(l1[k] - l3[k])));
        max_abs = std::max(max_abs, static_cast<double>(std::fabs(l1[k])));
      }
      EXPECT_LE(max_diff, 1e-4 * std::max(1.0, max_abs)) << info.name << " " << size;
    }
  }
}

// Every layer's output std on a standard-normal input lies in [0.1, 10], and the logits differ:
// the weights keep activations realistic through the whole depth (plain random init with BatchNorm
// would collapse MobileNet's outputs to ~1e-9, making every quantization result meaningless).
TEST(ZooOrt, ActivationsStayInRealisticRange) {
  const std::set<std::string> checked = {"Conv", "Add", "Gemm", "Mul", "Concat", "Relu", "Clip", "MaxPool", "Flatten"};
  for (const auto& info : ZooModels()) {
    Model m = CachedZooModel(info.name);
    auto* g = m.proto.mutable_graph();
    std::vector<std::string> names, ops;
    for (const auto& n : g->node()) {
      if (!checked.count(n.op_type()) || n.output(0) == "logits") continue;
      names.push_back(n.output(0));
      ops.push_back(n.op_type());
      auto* out = g->add_output();
      out->set_name(n.output(0));
      out->mutable_type()->mutable_tensor_type()->set_elem_type(static_cast<int>(DType::kFloat32));
    }
    auto runner = Session(m);
    const auto outs = runner->Run({StandardNormal({1, 3, 224, 224}, 5)});
    ASSERT_EQ(outs.size(), names.size() + 1);
    double lo = 1e30, hi = 0;
    for (size_t i = 0; i < names.size(); ++i) {
      const double s = StdDev(outs[i + 1].ToFloatVector());
      lo = std::min(lo, s);
      hi = std::max(hi, s);
      EXPECT_GE(s, 0.1) << info.name << " " << ops[i] << " " << names[i];
      EXPECT_LE(s, 10.0) << info.name << " " << ops[i] << " " << names[i];
    }
    const auto logits = outs[0].ToFloatVector();
    const double logit_std = StdDev(logits);
    EXPECT_GE(logit_std, 0.1) << info.name;
    EXPECT_LE(logit_std, 10.0) << info.name;
    const auto [mn, mx] = std::minmax_element(logits.begin(), logits.end());
    EXPECT_GT(*mx - *mn, 0.5) << info.name << ": logits nearly all equal";
    std::printf("%-20s %3zu layers: std in [%.3f, %.3f], logits std %.3f, range [%.2f, %.2f]\n", info.name.c_str(),
                names.size(), lo, hi, logit_std, *mn, *mx);
  }
}

// The calibration forward (src/zoo/forward.cc) computes what ONNX Runtime computes: grouped strided
// padded Conv, MaxPool with and without ceil_mode, GlobalAveragePool.
TEST(ZooOrt, CalibrationForwardMatchesOrt) {
  using namespace zoo_internal;
  Act x;
  x.n = 2;
  x.c = 6;
  x.h = 11;
  x.w = 10;
  const HostTensor xt = StandardNormal({2, 6, 11, 10}, 3);
  x.v = xt.ToFloatVector();
  const HostTensor wt = StandardNormal({9, 2, 3, 3}, 4);  // 3 groups: 6 → 9 channels
  const std::vector<float> w = wt.ToFloatVector();

  GraphBuilder b("kernels");
  b.AddInput("x", DType::kFloat32, {2, 6, 11, 10});
  b.AddInitializer("w", {9, 2, 3, 3}, w);
  b.AddNode("Conv", "conv", {"x", "w"}, {"conv"},
            {AttrInt("group", 3), AttrInts("kernel_shape", {3, 3}), AttrInts("pads", {1, 1, 1, 1}), AttrInts("strides", {2, 2})});
  b.AddNode("MaxPool", "pool_ceil", {"x"}, {"pool_ceil"},
            {AttrInt("ceil_mode", 1), AttrInts("kernel_shape", {3, 3}), AttrInts("strides", {2, 2})});
  b.AddNode("MaxPool", "pool_pad", {"x"}, {"pool_pad"},
            {AttrInts("kernel_shape", {3, 3}), AttrInts("pads", {1, 1, 1, 1}), AttrInts("strides", {2, 2})});
  b.AddNode("GlobalAveragePool", "gap", {"x"}, {"gap"});
  for (const char* o : {"conv", "pool_ceil", "pool_pad", "gap"}) {  // rank left unknown
    auto* out = b.graph()->add_output();
    out->set_name(o);
    out->mutable_type()->mutable_tensor_type()->set_elem_type(static_cast<int>(DType::kFloat32));
  }
  const auto outs = Session(b.Build())->Run({xt});
  const Act ours[] = {Conv2d(x, w.data(), 9, 3, 2, 1, 3), MaxPool2d(x, 3, 2, 0, true), MaxPool2d(x, 3, 2, 1, false),
                      GlobalAveragePool(x)};
  for (int k = 0; k < 4; ++k) {
    const auto ref = outs[k].ToFloatVector();
    ASSERT_EQ(outs[k].shape, (std::vector<std::int64_t>{ours[k].n, ours[k].c, ours[k].h, ours[k].w})) << k;
    for (size_t i = 0; i < ref.size(); ++i) ASSERT_NEAR(ours[k].v[i], ref[i], 1e-4 * (1 + std::fabs(ref[i]))) << k << " " << i;
  }
}

}  // namespace
}  // namespace qbench
