#include "qbench/model/shapes.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "qbench/core/error.h"
#include "qbench/core/npy.h"
#include "qbench/model/graph_builder.h"
#include "qbench/runtime/runner.h"
#include "test_util.h"

namespace qbench {
namespace {

using ::testing::HasSubstr;

// Runs `fn`, expects an Error with `code`, returns its message.
template <typename Fn>
std::string ExpectError(Fn fn, ErrorCode code) {
  try {
    fn();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no qbench::Error thrown";
  return "";
}

// input_ids int64 [batch, seq] and mask float32 [batch, seq] -> Add; like case c16 with two inputs.
Model TwoSymbolicInputs() {
  GraphBuilder b("sym");
  b.AddInput("ids", DType::kFloat32, {"batch", "seq"});
  b.AddInput("mask", DType::kFloat32, {"batch", "seq"});
  b.AddOutput("y", DType::kFloat32, {"batch", "seq"});
  b.AddNode("Add", "add", {"ids", "mask"}, {"y"});
  return b.Build();
}

TEST(ParseShapeFlag, ParsesNameAndDims) {
  ShapeOverrides o;
  ParseShapeFlag("data=1x3x224x224", &o);
  ParseShapeFlag("a=b=2X5", &o);  // the last '=' splits; 'X' accepted too
  ParseShapeFlag("scalar=", &o);
  EXPECT_EQ(o.input_shapes.at("data"), (std::vector<std::int64_t>{1, 3, 224, 224}));
  EXPECT_EQ(o.input_shapes.at("a=b"), (std::vector<std::int64_t>{2, 5}));
  EXPECT_TRUE(o.input_shapes.at("scalar").empty());
}

TEST(ParseShapeFlag, RejectsMalformedFlags) {
  for (const std::string bad : {"data", "=1x3", "data=1x0x2", "data=1x-3", "data=1xx3", "data=1x3.5", "data=ax3",
                                "data=99999999999999999999"}) {
    ShapeOverrides o;
    std::string msg = ExpectError([&] { ParseShapeFlag(bad, &o); }, ErrorCode::kInvalidArgument);
    EXPECT_THAT(msg, HasSubstr("'" + bad + "'"));
    EXPECT_THAT(msg, HasSubstr("NAME=D0xD1x"));
  }
  ShapeOverrides o;
  ParseShapeFlag("x=1", &o);
  EXPECT_THAT(ExpectError([&] { ParseShapeFlag("x=2", &o); }, ErrorCode::kInvalidArgument), HasSubstr("twice"));
}

TEST(ParseDimAndBatchFlags, ParseAndReject) {
  ShapeOverrides o;
  ParseDimFlag("seq=128", &o);
  EXPECT_EQ(o.dim_values.at("seq"), 128);
  for (const std::string bad : {"seq", "seq=", "seq=0", "seq=-4", "=3", "seq=12a"})
    EXPECT_THAT(ExpectError([&] { ParseDimFlag(bad, &o); }, ErrorCode::kInvalidArgument), HasSubstr("NAME=VALUE"));
  ParseBatchFlag("8", &o);
  EXPECT_EQ(o.batch, 8);
  for (const std::string bad : {"0", "-1", "", "2.5", "eight"})
    EXPECT_THAT(ExpectError([&] { ParseBatchFlag(bad, &o); }, ErrorCode::kInvalidArgument), HasSubstr("integer > 0"));
}

TEST(ResolveInputShapes, DefaultsBatchToOneAndNeedsOtherSymbolicDims) {
  Model m = TwoSymbolicInputs();
  ShapeOverrides o;
  std::string msg = ExpectError([&] { ResolveInputShapes(m, o); }, ErrorCode::kInvalidArgument);
  EXPECT_THAT(msg, HasSubstr("input 'ids' dim 1"));
  EXPECT_THAT(msg, HasSubstr("'seq'"));
  EXPECT_THAT(msg, HasSubstr("--dim seq=VALUE"));
  o.dim_values["seq"] = 7;
  auto shapes = ResolveInputShapes(m, o);
  ASSERT_EQ(shapes.size(), 2u);
  EXPECT_EQ(shapes[0].shape, (std::vector<std::int64_t>{1, 7}));  // symbolic dim 0 defaults to batch 1
  EXPECT_EQ(shapes[1].shape, (std::vector<std::int64_t>{1, 7}));
  o.batch = 4;
  shapes = ResolveInputShapes(m, o);
  EXPECT_EQ(shapes[0].shape, (std::vector<std::int64_t>{4, 7}));
  EXPECT_EQ(shapes[1].name, "mask");
  EXPECT_EQ(shapes[1].shape, (std::vector<std::int64_t>{4, 7}));
  o.batch = 0;
  o.dim_values["batch"] = 3;  // a symbolic dim 0 can also be set by name
  EXPECT_EQ(ResolveInputShapes(m, o)[0].shape, (std::vector<std::int64_t>{3, 7}));
  o.input_shapes["mask"] = {2, 9};  // --shape wins for that input
  shapes = ResolveInputShapes(m, o);
  EXPECT_EQ(shapes[0].shape, (std::vector<std::int64_t>{3, 7}));
  EXPECT_EQ(shapes[1].shape, (std::vector<std::int64_t>{2, 9}));
}

TEST(ResolveInputShapes, SequenceInputIsNamedAsNotATensorNotAsAMissingShape) {
  // xs seq(tensor(float)) → SequenceAt(xs, 0) + x: no --shape can make a sequence.
  GraphBuilder b("seq_in");
  b.AddInput("x", DType::kFloat32, {2});
  auto* xs = b.graph()->add_input();
  xs->set_name("xs");
  xs->mutable_type()->mutable_sequence_type()->mutable_elem_type()->mutable_tensor_type()->set_elem_type(
      onnx::TensorProto::FLOAT);
  b.AddInt64Initializer("zero", {}, {0});
  b.AddNode("SequenceAt", "at", {"xs", "zero"}, {"first"});
  b.AddNode("Add", "add", {"first", "x"}, {"y"});
  b.AddOutput("y", DType::kFloat32, {2});
  const Model m = b.Build();
  const std::string msg = ExpectError([&] { ResolveInputShapes(m, {}); }, ErrorCode::kUnsupported);
  EXPECT_EQ(msg, "input 'xs' is a seq(tensor(float)), not a tensor: qbench generates, calibrates and feeds tensor "
                 "inputs only; run this model from your own code");
  EXPECT_THAT(msg, ::testing::Not(HasSubstr("has no shape")));
}

TEST(ResolveInputShapes, RejectsUnknownNamesBadBatchAndMismatches) {
  Model m = TwoSymbolicInputs();
  ShapeOverrides o;
  o.input_shapes["idz"] = {1, 2};
  std::string msg = ExpectError([&] { ResolveInputShapes(m, o); }, ErrorCode::kInvalidArgument);
  EXPECT_THAT(msg, HasSubstr("unknown input 'idz'"));
  EXPECT_THAT(msg, HasSubstr("ids float32 [batch,seq], mask float32 [batch,seq]"));

  o = {};
  o.dim_values["sequence"] = 4;
  msg = ExpectError([&] { ResolveInputShapes(m, o); }, ErrorCode::kInvalidArgument);
  EXPECT_THAT(msg, HasSubstr("unknown dimension 'sequence'"));
  EXPECT_THAT(msg, HasSubstr("batch, seq"));

  o = {};
  o.batch = -2;
  EXPECT_THAT(ExpectError([&] { ResolveInputShapes(m, o); }, ErrorCode::kInvalidArgument), HasSubstr("--batch -2"));

  o = {};
  o.input_shapes["ids"] = {1, 2, 3};
  o.dim_values["seq"] = 2;
  EXPECT_THAT(ExpectError([&] { ResolveInputShapes(m, o); }, ErrorCode::kInvalidArgument), HasSubstr("rank 3"));
  o.input_shapes["ids"] = {2, 2};
  o.batch = 4;
  EXPECT_THAT(ExpectError([&] { ResolveInputShapes(m, o); }, ErrorCode::kInvalidArgument), HasSubstr("disagree"));
}

TEST(ResolveInputShapes, FixedDimsKeepTheirValuesBatchOverridesDimZero) {
  GraphBuilder b("fixed");
  b.AddInput("data", DType::kFloat32, {1, 3, 224, 224});
  b.AddOutput("y", DType::kFloat32, {1, 3, 224, 224});
  b.AddNode("Relu", "relu", {"data"}, {"y"});
  Model m = b.Build();
  ShapeOverrides o;
  EXPECT_EQ(ResolveInputShapes(m, o)[0].shape, (std::vector<std::int64_t>{1, 3, 224, 224}));
  o.batch = 8;
  EXPECT_EQ(ResolveInputShapes(m, o)[0].shape, (std::vector<std::int64_t>{8, 3, 224, 224}));
  o.batch = 0;
  o.input_shapes["data"] = {2, 3, 224, 224};  // dim 0 may differ (WithBatchSize rewrites it)
  EXPECT_EQ(ResolveInputShapes(m, o)[0].shape, (std::vector<std::int64_t>{2, 3, 224, 224}));
  o.input_shapes["data"] = {1, 3, 32, 32};
  EXPECT_THAT(ExpectError([&] { ResolveInputShapes(m, o); }, ErrorCode::kInvalidArgument),
              HasSubstr("dim 2 is fixed to 224"));
}

// Which inputs have a batch dimension: dynamic dim 0 yes; scalars and fixed leading dims beside a
// dynamic batch no; in an all-fixed model the rank >= 2 inputs sharing the first one's dim 0.
TEST(BatchDimensions, DeclaredShapesDecideAndBatchSkipsTheOthers) {
  auto info = [](const std::string& name, std::vector<std::int64_t> shape) {
    TensorInfo t;
    t.name = name;
    t.dtype = DType::kFloat32;
    t.shape = std::move(shape);
    t.dim_names.assign(t.shape.size(), "");
    return t;
  };
  const std::vector<TensorInfo> mixed = {info("x", {-1, 3, 8, 8}), info("t", {}), info("bias", {8}), info("h0", {1, -1, 4})};
  EXPECT_EQ(BatchDimensions(mixed), (std::vector<bool>{true, false, false, false}));
  EXPECT_EQ(DescribeBatchPolicy(mixed, 4),
            "--batch 4 sets dim 0 of 'x'; 't' (a scalar), 'bias' float32 [8], 'h0' float32 [1,?,4] have no batch dimension and keep their "
            "shapes");
  EXPECT_EQ(DescribeBatchPolicy(mixed, 0), "");
  const std::vector<TensorInfo> fixed = {info("image", {1, 3, 8, 8}), info("table", {7, 3}), info("im_info", {1, 3}),
                                         info("ids", {5})};
  EXPECT_EQ(BatchDimensions(fixed), (std::vector<bool>{true, false, true, false}));
  EXPECT_EQ(DescribeBatchPolicy({info("t", {}), info("v", {5})}, 2),
            "--batch 2 has no effect: no input of the model has a batch dimension ('t' (a scalar), 'v' float32 [5]); give other "
            "shapes with --shape NAME=D0xD1x...");

  // ResolveInputShapes: --batch reaches only the batch dims.
  GraphBuilder b("mixed");
  b.AddInput("x", DType::kFloat32, {"N", 8});
  b.AddInput("t", DType::kFloat32, {});
  b.AddInput("bias", DType::kFloat32, {8});
  b.AddNode("Mul", "scale", {"x", "t"}, {"s"});
  b.AddNode("Add", "shift", {"s", "bias"}, {"y"});
  b.AddOutput("y", DType::kFloat32, {"N", 8});
  ShapeOverrides o;
  o.batch = 5;
  const auto shapes = ResolveInputShapes(b.Build(), o);
  ASSERT_EQ(shapes.size(), 3u);
  EXPECT_EQ(shapes[0].shape, (std::vector<std::int64_t>{5, 8}));
  EXPECT_EQ(shapes[1].shape, (std::vector<std::int64_t>{}));
  EXPECT_EQ(shapes[2].shape, (std::vector<std::int64_t>{8}));
}

// An all-fixed model: WithBatchSize rewrites the image [1,3,4,4] and leaves the table [5,2] alone.
TEST(WithBatchSize, InputsWithoutBatchDimensionKeepTheirShape) {
  GraphBuilder b("fixed_two");
  b.AddInput("image", DType::kFloat32, {1, 3, 4, 4});
  b.AddInput("table", DType::kFloat32, {5, 2});
  b.AddNode("Relu", "r1", {"image"}, {"y"});
  b.AddNode("Relu", "r2", {"table"}, {"z"});
  b.AddOutput("y", DType::kFloat32, {1, 3, 4, 4});
  b.AddOutput("z", DType::kFloat32, {5, 2});
  const Model m = WithBatchSize(b.Build(), 8);
  const auto inputs = m.Inputs();
  EXPECT_EQ(inputs[0].shape, (std::vector<std::int64_t>{8, 3, 4, 4}));
  EXPECT_EQ(inputs[1].shape, (std::vector<std::int64_t>{5, 2}));
  ShapeOverrides o;
  o.batch = 8;
  const auto shapes = ResolveInputShapes(b.Build(), o);
  EXPECT_EQ(shapes[1].shape, (std::vector<std::int64_t>{5, 2}));
  auto runner = OrtRunner::Create(m, SessionConfig{});
  const auto out = runner->Run({HostTensor::Zeros(DType::kFloat32, {8, 3, 4, 4}), HostTensor::Zeros(DType::kFloat32, {5, 2})});
  EXPECT_EQ(out[0].shape, (std::vector<std::int64_t>{8, 3, 4, 4}));
  EXPECT_EQ(out[1].shape, (std::vector<std::int64_t>{5, 2}));
}

// BatchRewriteTarget: the image's fixed dim 0 of 1 asked at 8 needs a rewrite to 8; the same batch,
// a dynamic dim 0 or the table [5,2] (no batch dimension, its resolved shape unchanged) need none.
TEST(BatchRewriteTarget, OnlyAFixedDimZeroAskedAtAnotherValue) {
  GraphBuilder b("fixed_two");
  b.AddInput("image", DType::kFloat32, {1, 3, 4, 4});
  b.AddInput("table", DType::kFloat32, {5, 2});
  b.AddNode("Relu", "r1", {"image"}, {"y"});
  b.AddNode("Relu", "r2", {"table"}, {"z"});
  b.AddOutput("y", DType::kFloat32, {1, 3, 4, 4});
  b.AddOutput("z", DType::kFloat32, {5, 2});
  const Model fixed = b.Build();
  ShapeOverrides o;
  o.batch = 8;
  EXPECT_EQ(BatchRewriteTarget(fixed, ResolveInputShapes(fixed, o)), 8);
  o.batch = 1;
  EXPECT_EQ(BatchRewriteTarget(fixed, ResolveInputShapes(fixed, o)), 0);
  EXPECT_EQ(BatchRewriteTarget(fixed, {}), 0);  // nothing resolved: nothing to rewrite
  GraphBuilder d("dynamic");
  d.AddInput("x", DType::kFloat32, {"N", 4});
  d.AddNode("Relu", "r", {"x"}, {"y"});
  d.AddOutput("y", DType::kFloat32, {"N", 4});
  const Model dynamic = d.Build();
  o.batch = 16;
  EXPECT_EQ(BatchRewriteTarget(dynamic, ResolveInputShapes(dynamic, o)), 0);
}

// Returns row `r` of a [N, ...] float tensor.
std::vector<float> Row(const HostTensor& t, std::int64_t r) {
  const std::int64_t per_row = t.num_elements() / t.shape[0];
  const float* p = t.data<float>() + r * per_row;
  return std::vector<float>(p, p + per_row);
}

// SqueezeNet 1.1 fixes `data` to [1,3,224,224]; rewritten to batch 8, ORT accepts it and each row of
// the batch-8 output equals the batch-1 output for that row's image (to float rounding).
TEST(WithBatchSize, SqueezeNetAtBatch8MatchesBatch1RowByRow) {
  QBENCH_REQUIRE_SHARED(path, "models/imagenet/squeezenet1.1.onnx");
  Model model = LoadModel(path);
  Model b8 = WithBatchSize(model, 8);
  EXPECT_EQ(b8.Inputs()[0].shape, (std::vector<std::int64_t>{8, 3, 224, 224}));
  EXPECT_EQ(b8.Outputs()[0].shape, (std::vector<std::int64_t>{8, 1000}));
  EXPECT_EQ(model.Inputs()[0].shape[0], 1);  // the original is untouched

  SessionConfig config;
  config.intra_op_threads = 2;
  auto r1 = OrtRunner::Create(model, config);
  auto r8 = OrtRunner::Create(b8, config);
  const std::int64_t per_image = 3 * 224 * 224;
  HostTensor batch = HostTensor::Zeros(DType::kFloat32, {8, 3, 224, 224});
  const std::string dir = path.substr(0, path.rfind('/')) + "/squeezenet1.1_test_data/set_";
  for (int i = 0; i < 8; ++i) {  // rows 0-2: the shipped inputs; rows 3-7: deterministic patterns
    float* dst = batch.data<float>() + i * per_image;
    if (i < 3) {
      HostTensor in = ReadNpy(dir + std::to_string(i) + "/input_0.npy");
      std::memcpy(dst, in.data<float>(), per_image * sizeof(float));
    } else {
      for (std::int64_t k = 0; k < per_image; ++k) dst[k] = static_cast<float>((k * (i + 3)) % 251) / 251.0f - 0.5f;
    }
  }
  HostTensor out8 = r8->Run({batch})[0];
  ASSERT_EQ(out8.shape, (std::vector<std::int64_t>{8, 1000}));
  for (int i = 0; i < 8; ++i) {
    HostTensor one = HostTensor::Zeros(DType::kFloat32, {1, 3, 224, 224});
    std::memcpy(one.data<float>(), batch.data<float>() + i * per_image, per_image * sizeof(float));
    HostTensor out1 = r1->Run({one})[0];
    auto a = Row(out8, i), b = Row(out1, 0);
    double max_ref = 0, max_err = 0;
    for (size_t k = 0; k < a.size(); ++k) {
      max_ref = std::max(max_ref, std::fabs(static_cast<double>(b[k])));
      max_err = std::max(max_err, std::fabs(static_cast<double>(a[k]) - b[k]));
    }
    ASSERT_GT(max_ref, 0.0) << "row " << i;
    EXPECT_LE(max_err / max_ref, 1e-5) << "row " << i;
  }
}

// c11: input [1,3,8,8] and a Reshape with the constant shape [1,-1] (flatten_reshape). Batch 8 must be
// refused naming the input and the node; batch 1 still works and reproduces the reference output.
TEST(WithBatchSize, FixedBatchReshapeIsRefusedNamingTheNode) {
  QBENCH_REQUIRE_SHARED(dir, "cases/c11_fixed_batch");
  Model model = LoadModel(dir + "/model.onnx");
  for (std::int64_t b : {2, 8}) {
    std::string msg = ExpectError([&] { WithBatchSize(model, b); }, ErrorCode::kUnsupported);
    EXPECT_THAT(msg, HasSubstr("cannot run batch " + std::to_string(b)));
    EXPECT_THAT(msg, HasSubstr("input \"input\" dim 0 is fixed to 1"));
    EXPECT_THAT(msg, HasSubstr("node flatten_reshape (Reshape) hard-codes batch 1 in its shape [1,-1]"));
  }
  Model b1 = WithBatchSize(model, 1);
  auto runner = OrtRunner::Create(b1, SessionConfig{});
  HostTensor out = runner->Run({ReadNpy(dir + "/input.npy")})[0];
  HostTensor ref = ReadNpy(dir + "/expected_fp32_output.npy");
  ASSERT_EQ(out.shape, ref.shape);
  auto a = out.ToFloatVector(), r = ref.ToFloatVector();
  for (size_t i = 0; i < r.size(); ++i) EXPECT_NEAR(a[i], r[i], 1e-4 * (1 + std::fabs(r[i]))) << i;
}

// A Reshape shape computed by a Concat of constants ([1] ++ [-1]) hard-codes batch 1 as well.
TEST(WithBatchSize, ConcatOfConstantsShapeIsRefused) {
  GraphBuilder b("computed");
  b.AddInput("x", DType::kFloat32, {1, 4, 2});
  b.AddOutput("y", DType::kFloat32, {1, 8});
  b.AddInt64Initializer("one", {1}, {1});
  b.AddInt64Initializer("minus_one", {1}, {-1});
  b.AddNode("Concat", "make_shape", {"one", "minus_one"}, {"shape"}, {AttrInt("axis", 0)});
  b.AddNode("Reshape", "flatten", {"x", "shape"}, {"y"});
  std::string msg = ExpectError([&] { WithBatchSize(b.Build(), 4); }, ErrorCode::kUnsupported);
  EXPECT_THAT(msg, HasSubstr("node flatten (Reshape) hard-codes batch 1 in its shape [1,-1]"));
}

// A Reshape to [2,-1] after an input fixed to batch 1 is not "batch 1 hard-coded" for the Reshape rule,
// but at batch 4 ONNX shape inference gives the output dim 0 = 2, not 4: refused, naming the node.
TEST(WithBatchSize, OtherHardCodedDimIsCaughtByShapeInference) {
  GraphBuilder b("two");
  b.AddInput("x", DType::kFloat32, {1, 4, 2});
  b.AddOutput("y", DType::kFloat32, {1, 8});
  b.AddInt64Initializer("shape", {2}, {2, -1});
  b.AddNode("Reshape", "split_rows", {"x", "shape"}, {"y"});
  std::string msg = ExpectError([&] { WithBatchSize(b.Build(), 4); }, ErrorCode::kUnsupported);
  EXPECT_THAT(msg, HasSubstr("output 'y' dim 0 = 2"));
  EXPECT_THAT(msg, HasSubstr("first at node split_rows (Reshape)"));
}

TEST(WithBatchSize, DynamicBatchIsLeftAloneAndBadBatchRejected) {
  Model m = TwoSymbolicInputs();
  Model same = WithBatchSize(m, 8);
  EXPECT_EQ(same.Inputs()[0].dim_names[0], "batch");
  EXPECT_EQ(same.Inputs()[0].shape[0], -1);
  EXPECT_THAT(ExpectError([&] { WithBatchSize(m, 0); }, ErrorCode::kInvalidArgument), HasSubstr("batch 0"));
}

}  // namespace
}  // namespace qbench
