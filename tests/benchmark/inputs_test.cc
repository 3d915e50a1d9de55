// Input generation: integer ranges derived from the graph (c16), initializers never fed (c04).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "qbench/core/error.h"
#include "qbench/model/graph_builder.h"
#include "qbench/model/model.h"
#include "qbench/model/shapes.h"
#include "qbench/runtime/inputs.h"
#include "qbench/runtime/runner.h"
#include "test_util.h"

namespace qbench {
namespace {

// ids int64 [N, 5] → Unsqueeze → Cast(int32) → Gather over a [37, 4] table, plus a second input
// "flags" consumed by nothing special (default range).
Model TokenModel() {
  GraphBuilder b("tokens");
  b.AddInput("ids", DType::kInt64, {"N", 5});
  b.AddInput("other", DType::kInt32, {2});
  b.AddInput("mask", DType::kBool, {3});
  b.AddInput("x", DType::kFloat32, {1000});
  b.AddInitializer("table", {37, 4}, std::vector<float>(37 * 4, 0.5f));
  b.AddInt64Initializer("axes", {1}, {0});
  b.AddNode("Unsqueeze", "unsq", {"ids", "axes"}, {"ids_u"});
  b.AddNode("Cast", "cast", {"ids_u"}, {"ids_i32"}, {AttrInt("to", 6)});
  b.AddNode("Gather", "emb", {"table", "ids_i32"}, {"e"}, {AttrInt("axis", 0)});
  b.AddOutput("e", DType::kFloat32, {1, "N", 5, 4});
  return b.Build();
}

TEST(Inputs, GatherIndicesRangeFollowsPassThroughNodes) {
  const Model m = TokenModel();
  const IntegerRange ids = InferIntegerRange(m, "ids");
  EXPECT_EQ(ids.low, 0);
  EXPECT_EQ(ids.high, 36);
  EXPECT_NE(ids.source.find("Gather 'emb'"), std::string::npos) << ids.source;
  const IntegerRange other = InferIntegerRange(m, "other");
  EXPECT_EQ(other.low, 0);
  EXPECT_EQ(other.high, 99);
  EXPECT_EQ(other.source, "default");
  EXPECT_THROW(InferIntegerRange(m, "table"), Error);  // an initializer is not an input
}

TEST(Inputs, GeneratedValuesPerDtypeAndSeeded) {
  const Model m = TokenModel();
  std::vector<TensorInfo> shapes = m.Inputs();
  shapes[0].shape = {64, 5};
  auto gen = GenerateInputs(m, shapes, {7});
  ASSERT_EQ(gen.size(), 4u);
  const auto* ids = gen[0].tensor.data<std::int64_t>();
  std::int64_t lo = 1 << 30, hi = -1;
  for (int i = 0; i < 320; ++i) lo = std::min(lo, ids[i]), hi = std::max(hi, ids[i]);
  EXPECT_GE(lo, 0);
  EXPECT_LE(hi, 36);
  EXPECT_GE(hi, 30);  // 320 draws over 37 values reach near the top (P(max < 30) ≈ (30/37)^320 ≈ 0)
  const auto* other = gen[1].tensor.data<std::int32_t>();
  EXPECT_TRUE(std::all_of(other, other + 2, [](std::int32_t v) { return v >= 0 && v <= 99; }));
  const auto* mask = gen[2].tensor.data<std::uint8_t>();
  EXPECT_TRUE(std::all_of(mask, mask + 3, [](std::uint8_t v) { return v <= 1; }));
  EXPECT_EQ(gen[3].distribution, "normal(0,1)");
  const auto* x = gen[3].tensor.data<float>();
  double mean = 0, sq = 0;
  for (int i = 0; i < 1000; ++i) mean += x[i], sq += double(x[i]) * x[i];
  mean /= 1000;
  const double sd = std::sqrt(sq / 1000 - mean * mean);
  EXPECT_NEAR(mean, 0, 0.1);  // 3 standard errors of the mean (1/√1000)
  EXPECT_NEAR(sd, 1, 0.1);
  // Same seed → same bytes; another seed → other bytes.
  EXPECT_EQ(GenerateInputs(m, shapes, {7})[3].tensor.bytes, gen[3].tensor.bytes);
  EXPECT_NE(GenerateInputs(m, shapes, {8})[3].tensor.bytes, gen[3].tensor.bytes);
  // A dynamic dim left unresolved is refused.
  EXPECT_THROW(GenerateInputs(m, m.Inputs(), {}), Error);
}

// c16: input_ids [batch, seq] int64 feeds Gather over a 100-row table: every id in [0, 99], and the
// model runs on them at batch 8.
TEST(Inputs, C16TokenIdsStayInVocabulary) {
  QBENCH_REQUIRE_SHARED(path, "cases/c16_int64_token_ids/model.onnx");
  const Model m = LoadModel(path);
  const IntegerRange r = InferIntegerRange(m, "input_ids");
  EXPECT_EQ(r.low, 0);
  EXPECT_EQ(r.high, 99);
  EXPECT_NE(r.source.find("embedding_gather"), std::string::npos) << r.source;
  std::vector<TensorInfo> shapes = m.Inputs();
  ASSERT_EQ(shapes.size(), 1u);
  shapes[0].shape = {8, 7};
  auto gen = GenerateInputs(m, shapes, {0});
  const auto* ids = gen[0].tensor.data<std::int64_t>();
  for (int i = 0; i < 56; ++i) {
    EXPECT_GE(ids[i], 0);
    EXPECT_LE(ids[i], 99);
  }
  SessionConfig config;
  config.intra_op_threads = 1;
  auto runner = OrtRunner::Create(m, config);
  auto out = runner->Run(FeedsInOrder(gen, runner->inputs()));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].shape, (std::vector<std::int64_t>{8, 4}));
}

// c04: fc1.weight is a graph input that also has an initializer; only "input" is fed.
TEST(Inputs, C04InitializerListedAsInputIsNeverFed) {
  QBENCH_REQUIRE_SHARED(path, "cases/c04_gemm_transb/model.onnx");
  const Model m = LoadModel(path);
  bool declared = false;
  for (const auto& in : m.proto.graph().input()) declared |= in.name() == "fc1.weight";
  ASSERT_TRUE(declared) << "the case's premise: fc1.weight is listed among the graph inputs";
  ASSERT_EQ(m.Inputs().size(), 1u);
  EXPECT_EQ(m.Inputs()[0].name, "input");
  ShapeOverrides overrides;
  overrides.batch = 3;
  const auto inputs = ResolveInputShapes(m, overrides);
  auto gen = GenerateInputs(m, inputs, {0});
  ASSERT_EQ(gen.size(), 1u);
  EXPECT_EQ(gen[0].info.name, "input");
  TensorInfo weight;
  weight.name = "fc1.weight";
  weight.dtype = DType::kFloat32;
  weight.shape = {6, 16};
  EXPECT_THROW(GenerateInputs(m, {weight}, {0}), Error);
  SessionConfig config;
  config.intra_op_threads = 1;
  auto runner = OrtRunner::Create(m, config);
  auto feeds = FeedsInOrder(gen, runner->inputs());
  ASSERT_EQ(feeds.size(), 1u);
  EXPECT_EQ(runner->Run(feeds)[0].shape, (std::vector<std::int64_t>{3, 6}));
}

}  // namespace
}  // namespace qbench
