// Input generation: integer ranges derived from the graph (c16), initializers never fed (c04).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>

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

TEST(Inputs, SizeInputsOfPadTileAndConstantOfShapeAreKeptSmall) {
  // pads int64 [4] → Pad(x [1, 8]); reps → Cast → Tile; dims → ConstantOfShape; n: nothing special.
  GraphBuilder b("sizes");
  b.AddInput("x", DType::kFloat32, {1, 8});
  b.AddInput("pads", DType::kInt64, {4});
  b.AddInput("reps", DType::kInt32, {2});
  b.AddInput("dims", DType::kInt64, {2});
  b.AddInput("n", DType::kInt64, {2});
  b.AddNode("Pad", "pad", {"x", "pads"}, {"p"});
  b.AddNode("Cast", "cast", {"reps"}, {"reps64"}, {AttrInt("to", 7)});
  b.AddNode("Tile", "tile", {"x", "reps64"}, {"t"});
  b.AddNode("ConstantOfShape", "fill", {"dims"}, {"f"});
  b.AddNode("Add", "add", {"n", "n"}, {"a"});
  b.AddOutput("p", DType::kFloat32, {"P0", "P1"});
  b.AddOutput("t", DType::kFloat32, {"T0", "T1"});
  b.AddOutput("f", DType::kFloat32, {"F0", "F1"});
  b.AddOutput("a", DType::kInt64, {2});
  const Model m = b.Build();
  for (const char* name : {"pads", "reps", "dims"}) {
    const IntegerRange r = InferIntegerRange(m, name);
    EXPECT_EQ(r.low, 0) << name;
    EXPECT_EQ(r.high, 3) << name;
    EXPECT_NE(r.source.find("kept small"), std::string::npos) << r.source;
  }
  EXPECT_EQ(InferIntegerRange(m, "n").high, 99);
  // Generated pads stay in [0, 3], so the padded output has at most (1+6) x (8+6) elements.
  const auto gen = GenerateInputs(m, m.Inputs(), InputOptions{});
  ASSERT_EQ(gen.size(), 5u);
  for (int k = 0; k < 4; ++k) {
    EXPECT_GE(gen[1].tensor.data<std::int64_t>()[k], 0);
    EXPECT_LE(gen[1].tensor.data<std::int64_t>()[k], 3);
  }
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

// The generator's rules on one model: token ids feeding Gather, an int64 attention_mask, a bool
// padding mask, a scalar and a 1-D input of another leading dim; --batch 4 reaches only the inputs
// with a batch dimension, and ONNX Runtime runs the model on what was generated.
TEST(Inputs, DeclaredShapesMasksIndicesAndScalars) {
  GraphBuilder b("rules", 13);
  b.AddInput("ids", DType::kInt64, {"batch", 6});
  b.AddInput("attention_mask", DType::kInt64, {"batch", 6});
  b.AddInput("pad_mask", DType::kBool, {"batch", 6});
  b.AddInput("temperature", DType::kFloat32, {});
  b.AddInput("bias", DType::kFloat32, {8});
  b.AddInitializer("table", {50, 8}, std::vector<float>(50 * 8, 1.0f));
  b.AddInt64Initializer("axes", {1}, {2});
  b.AddNode("Gather", "embed", {"table", "ids"}, {"e"});                                  // [B,6,8]
  b.AddNode("Cast", "mask_f", {"attention_mask"}, {"mf"}, {AttrInt("to", 1)});             // [B,6]
  b.AddNode("Cast", "pad_f", {"pad_mask"}, {"pf"}, {AttrInt("to", 1)});
  b.AddNode("Mul", "both", {"mf", "pf"}, {"m2"});
  b.AddNode("Unsqueeze", "m3", {"m2", "axes"}, {"m3"});                                   // [B,6,1]
  b.AddNode("Mul", "masked", {"e", "m3"}, {"me"});
  b.AddNode("Mul", "scaled", {"me", "temperature"}, {"se"});
  b.AddNode("Add", "biased", {"se", "bias"}, {"y"});
  b.AddOutput("y", DType::kFloat32, {"batch", 6, 8});
  const Model m = b.Build();

  ShapeOverrides o;
  o.batch = 4;
  const auto shapes = ResolveInputShapes(m, o);
  ASSERT_EQ(shapes.size(), 5u);
  EXPECT_EQ(shapes[0].shape, (std::vector<std::int64_t>{4, 6}));
  EXPECT_EQ(shapes[1].shape, (std::vector<std::int64_t>{4, 6}));
  EXPECT_EQ(shapes[2].shape, (std::vector<std::int64_t>{4, 6}));
  EXPECT_EQ(shapes[3].shape, (std::vector<std::int64_t>{}));
  EXPECT_EQ(shapes[4].shape, (std::vector<std::int64_t>{8}));
  EXPECT_EQ(DescribeBatchPolicy(m.Inputs(), 4),
            "--batch 4 sets dim 0 of 'ids', 'attention_mask', 'pad_mask'; 'temperature' (a scalar), 'bias' float32 [8] have no "
            "batch dimension and keep their shapes");

  const auto gen = GenerateInputs(m, shapes, {3});
  ASSERT_EQ(gen.size(), 5u);
  const auto* ids = gen[0].tensor.data<std::int64_t>();
  EXPECT_TRUE(std::all_of(ids, ids + 24, [](std::int64_t v) { return v >= 0 && v <= 49; }));
  EXPECT_NE(gen[0].distribution.find("[0, 49]"), std::string::npos) << gen[0].distribution;
  // Both masks: per row of 6, k ones then zeros, 1 <= k <= 6.
  for (int input : {1, 2}) {
    EXPECT_EQ(gen[input].distribution.rfind("padding mask 0/1", 0), 0u) << gen[input].distribution;
    const std::uint8_t* bytes = gen[input].tensor.bytes.data();
    const std::size_t size = DTypeSize(gen[input].tensor.dtype);
    int zeros = 0;
    for (int row = 0; row < 4; ++row) {
      int ones = 0;
      bool seen_zero = false;
      for (int j = 0; j < 6; ++j) {
        std::int64_t v = 0;
        std::memcpy(&v, bytes + (row * 6 + j) * size, size);
        ASSERT_TRUE(v == 0 || v == 1) << "input " << input << " value " << v;
        if (v == 1) {
          EXPECT_FALSE(seen_zero) << "a 1 after a 0: not a padding mask (input " << input << ", row " << row << ")";
          ++ones;
        } else {
          seen_zero = true;
          ++zeros;
        }
      }
      EXPECT_GE(ones, 1) << "an all-masked row (input " << input << ", row " << row << ")";
    }
    (void)zeros;
  }
  EXPECT_EQ(gen[3].tensor.shape, (std::vector<std::int64_t>{}));
  EXPECT_EQ(gen[3].tensor.num_elements(), 1);
  EXPECT_EQ(gen[3].distribution, "normal(0,1)");
  EXPECT_EQ(gen[4].tensor.shape, (std::vector<std::int64_t>{8}));

  auto runner = OrtRunner::Create(m, SessionConfig{});
  const auto out = runner->Run(FeedsInOrder(gen, runner->inputs()));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].shape, (std::vector<std::int64_t>{4, 6, 8}));
  // y = table row (all 1) * mask * temperature + bias: where both masks are 1, temperature + bias[j].
  const float t = gen[3].tensor.data<float>()[0];
  const float* bias = gen[4].tensor.data<float>();
  const float* y = out[0].data<float>();
  const auto* am = gen[1].tensor.data<std::int64_t>();
  const auto* pm = gen[2].tensor.data<std::uint8_t>();
  for (int i = 0; i < 24; ++i)
    for (int j = 0; j < 8; ++j)
      EXPECT_FLOAT_EQ(y[i * 8 + j], (am[i] && pm[i] ? t : 0.0f) + bias[j]) << i << "," << j;
}

// An integer input named like a mask that feeds a Gather keeps the table's range (rule 1 first).
TEST(Inputs, IndexRangeWinsOverMaskName) {
  GraphBuilder b("mask_ids", 13);
  b.AddInput("mask_ids", DType::kInt64, {3, 4});
  b.AddInitializer("table", {20, 2}, std::vector<float>(40, 0.f));
  b.AddNode("Gather", "g", {"table", "mask_ids"}, {"y"});
  b.AddOutput("y", DType::kFloat32, {3, 4, 2});
  const Model m = b.Build();
  const auto gen = GenerateInputs(m, m.Inputs(), {1});
  const auto* v = gen[0].tensor.data<std::int64_t>();
  EXPECT_TRUE(std::all_of(v, v + 12, [](std::int64_t x) { return x >= 0 && x <= 19; }));
  EXPECT_TRUE(std::any_of(v, v + 12, [](std::int64_t x) { return x > 1; }));
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

namespace qbench {
namespace {
// A declared 0 is an empty dimension (ReduceSum's optional 'axes' fed as an empty list): generated
// as an empty tensor, never refused as "not concrete"; a symbolic (-1) dimension still is.
TEST(Inputs, DeclaredZeroDimensionIsAnEmptyTensor) {
  GraphBuilder b("empty_axes", 13);
  b.AddInput("x", DType::kFloat32, {3, 4});
  b.AddInput("axes", DType::kInt64, {Dim(std::int64_t{0})});
  b.AddNode("ReduceSum", "sum", {"x", "axes"}, {"y"}, {AttrInt("keepdims", 1)});
  b.AddOutput("y", DType::kFloat32, {1, 1});
  const Model m = b.Build();
  const auto shapes = ResolveInputShapes(m, ShapeOverrides{});
  ASSERT_EQ(shapes.size(), 2u);
  const auto gen = GenerateInputs(m, shapes, {0});
  ASSERT_EQ(gen.size(), 2u);
  EXPECT_EQ(gen[1].tensor.shape, (std::vector<std::int64_t>{0}));
  EXPECT_EQ(gen[1].tensor.num_elements(), 0);
  EXPECT_TRUE(gen[1].tensor.bytes.empty());
  auto dynamic = shapes;
  dynamic[1].shape = {-1};
  EXPECT_THROW(GenerateInputs(m, dynamic, {0}), Error);
}
}  // namespace
}  // namespace qbench
