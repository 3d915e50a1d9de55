// Sensitivity ranking and fallback search on a two-layer model with a stand-in "quantizer" that
// rounds the weights of the layers it quantizes: coarse steps for fc1, fine for fc2.
#include <gtest/gtest.h>

#include <cmath>
#include <iomanip>
#include <random>

#include "qbench/core/error.h"
#include "qbench/core/npy.h"
#include "qbench/eval/sensitivity.h"
#include "qbench/model/graph_builder.h"
#include "test_util.h"

namespace qbench {
namespace {

std::vector<float> RandomValues(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (auto& x : v) x = u(rng);
  return v;
}

std::vector<float> Rounded(std::vector<float> v, float step) {
  for (auto& x : v) x = std::round(x / step) * step;
  return v;
}

// x [N,8] → MatMul fc1 (W1 [8,8]) → Relu → MatMul fc2 (W2 [8,5]) → logits [N,5].
Model TwoLayerModel(const std::vector<float>& w1, const std::vector<float>& w2) {
  GraphBuilder g("two_layer");
  g.AddInput("x", DType::kFloat32, {"N", 8});
  g.AddInitializer("W1", {8, 8}, w1);
  g.AddInitializer("W2", {8, 5}, w2);
  g.AddNode("MatMul", "fc1", {"x", "W1"}, {"h"});
  g.AddNode("Relu", "relu", {"h"}, {"hr"});
  g.AddNode("MatMul", "fc2", {"hr", "W2"}, {"logits"});
  g.AddOutput("logits", DType::kFloat32, {"N", 5});
  return g.Build();
}

class SensitivityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    w1_ = RandomValues(64, 1);
    w2_ = RandomValues(40, 2);
    HostTensor x = HostTensor::Zeros(DType::kFloat32, {64, 8});
    const auto v = RandomValues(64 * 8, 3);
    std::copy(v.begin(), v.end(), x.data<float>());
    path_ = testing::TempDir() + "/x.npy";
    WriteNpy(path_, x);
    DatasetSpec spec;
    spec.path = path_;
    dataset_ = OpenDataset(spec);
    options_.eval.batch_size = 16;
    options_.session.intra_op_threads = 1;
    quantize_ = [this](const std::vector<std::string>& keep) {
      const bool q1 = std::find(keep.begin(), keep.end(), "fc1") == keep.end();
      const bool q2 = std::find(keep.begin(), keep.end(), "fc2") == keep.end();
      ++quantize_calls_;
      return TwoLayerModel(q1 ? Rounded(w1_, 0.5f) : w1_, q2 ? Rounded(w2_, 0.001f) : w2_);
    };
  }
  std::vector<float> w1_, w2_;
  std::string path_;
  std::unique_ptr<Dataset> dataset_;
  SensitivityOptions options_;
  QuantizeFn quantize_;
  int quantize_calls_ = 0;
  const std::vector<LayerInfo> layers_ = {{"fc2", "MatMul", 40}, {"fc1", "MatMul", 64}};
};

TEST_F(SensitivityTest, CoarselyRoundedLayerRanksFirst) {
  const Model fp32 = TwoLayerModel(w1_, w2_);
  auto ranked = RankLayerSensitivity(fp32, layers_, 0, quantize_, *dataset_, options_);
  EXPECT_EQ(quantize_calls_, 2);  // one candidate per layer
  ASSERT_EQ(ranked.size(), 2u);
  EXPECT_EQ(ranked[0].layer.name, "fc1");
  EXPECT_EQ(ranked[1].layer.name, "fc2");
  EXPECT_LT(ranked[0].sqnr_db, ranked[1].sqnr_db);
  // Step 0.001 on weights in [−1,1]: the error is tiny (SQNR well above 40 dB); step 0.5 is not.
  EXPECT_GT(ranked[1].sqnr_db, 40.0);
  EXPECT_LT(ranked[0].sqnr_db, 30.0);
  EXPECT_GE(ranked[0].drop_points, ranked[1].drop_points);
  // MAC shares from the layers' own sum (total 0 given): 64/104 and 40/104.
  EXPECT_NEAR(ranked[0].mac_share, 64.0 / 104.0, 1e-12);
  EXPECT_NEAR(ranked[1].mac_share, 40.0 / 104.0, 1e-12);
}

TEST_F(SensitivityTest, FallbackKeepsTheMostSensitiveLayersFirst) {
  const Model fp32 = TwoLayerModel(w1_, w2_);
  auto ranked = RankLayerSensitivity(fp32, layers_, 208, quantize_, *dataset_, options_);
  FallbackCriteria top;
  top.fallback_top = 1;
  FallbackPlan plan = PlanFallback(fp32, ranked, 208, quantize_, *dataset_, top, options_);
  ASSERT_EQ(plan.steps.size(), 2u);
  EXPECT_TRUE(plan.steps[0].keep_float.empty());
  EXPECT_EQ(plan.steps[1].keep_float, (std::vector<std::string>{"fc1"}));
  EXPECT_EQ(plan.chosen, 1u);
  EXPECT_NEAR(plan.steps[1].float_mac_share, 64.0 / 208.0, 1e-12);
  EXPECT_GT(plan.steps[1].result.sqnr_db, plan.steps[0].result.sqnr_db);
  // --max-drop 0: keeps layers until no sample changes its top-1; with everything fp32 the drop
  // is exactly 0, so the target is always reachable here.
  FallbackCriteria zero;
  zero.max_drop_points = 0.0;
  FallbackPlan strict = PlanFallback(fp32, ranked, 208, quantize_, *dataset_, zero, options_);
  EXPECT_TRUE(strict.target_met);
  EXPECT_EQ(strict.chosen, strict.steps.size() - 1);
  EXPECT_EQ(strict.steps.back().result.drop_points, 0.0);
  for (std::size_t i = 0; i + 1 < strict.steps.size(); ++i) EXPECT_GT(strict.steps[i].result.drop_points, 0.0);
  FallbackCriteria none;
  EXPECT_THROW(PlanFallback(fp32, ranked, 208, quantize_, *dataset_, none, options_), Error);
  top.fallback_top = 3;
  EXPECT_THROW(PlanFallback(fp32, ranked, 208, quantize_, *dataset_, top, options_), Error);
}

TEST_F(SensitivityTest, MaxDropEqualToTheDropReachedIsMet) {
  // 200 samples: agreements are multiples of 1/200, which binary floating point cannot hold, e.g.
  // 100·(1 − 199/200) = 0.5000000000000004 (here: 32 flips, 16.000000000000004 points). A target of
  // exactly the drop printed must count as met.
  HostTensor x = HostTensor::Zeros(DType::kFloat32, {200, 8});
  const auto v = RandomValues(200 * 8, 4);
  std::copy(v.begin(), v.end(), x.data<float>());
  const std::string path = testing::TempDir() + "/x200.npy";
  WriteNpy(path, x);
  DatasetSpec spec;
  spec.path = path;
  const auto data = OpenDataset(spec);
  const Model fp32 = TwoLayerModel(w1_, w2_);
  FallbackCriteria loose;
  loose.max_drop_points = 100.0;
  const FallbackPlan first = PlanFallback(fp32, {}, 0, quantize_, *data, loose, options_);
  ASSERT_EQ(first.steps.size(), 1u);
  const double drop = first.steps[0].result.drop_points;
  const double flips = std::round(drop * 2.0);  // drop = flips / 200 · 100 points
  ASSERT_GT(flips, 0.0);  // fc1 rounded to steps of 0.5 changes some top-1
  ASSERT_NEAR(drop, flips / 2.0, 1e-9);
  FallbackCriteria exact;
  exact.max_drop_points = flips / 2.0;  // the decimal value the user reads, e.g. 0.5
  const FallbackPlan plan = PlanFallback(fp32, {}, 0, quantize_, *data, exact, options_);
  EXPECT_TRUE(plan.target_met) << "drop " << std::setprecision(17) << drop << " vs target " << exact.max_drop_points;
  EXPECT_EQ(plan.chosen, 0u);
}

}  // namespace
}  // namespace qbench
