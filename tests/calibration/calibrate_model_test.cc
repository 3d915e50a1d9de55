// CalibrateModel on tiny graphs built in code (hand-computed ranges) and on the real SqueezeNet.
#include <gtest/gtest.h>

#include <vector>

#include "qbench/calibration/calibrator.h"
#include "qbench/core/error.h"
#include "qbench/core/npy.h"
#include "qbench/model/graph_builder.h"
#include "test_util.h"

namespace qbench {
namespace {

// x float32 [N,4] → Relu → r → Mul(·, 2) → z; Shape(x) → s (int64). No value_info: the
// intermediate tensors' types come from ONNX shape inference.
Model TinyModel() {
  GraphBuilder b("tiny");
  b.AddInput("x", DType::kFloat32, {"N", 4});
  b.AddNode("Relu", "relu", {"x"}, {"r"});
  b.AddInitializer("two", {}, {2.0f});
  b.AddNode("Mul", "mul", {"r", "two"}, {"z"});
  b.AddNode("Shape", "shape", {"x"}, {"s"});
  b.AddOutput("z", DType::kFloat32, {"N", 4});
  b.AddOutput("s", DType::kInt64, {2});
  return b.Build();
}

// A reader over fixed batches.
class VectorReader : public CalibrationDataReader {
 public:
  explicit VectorReader(std::vector<std::vector<HostTensor>> batches) : batches_(std::move(batches)) {}
  bool Next(std::vector<HostTensor>* feeds) override {
    if (next_ >= batches_.size()) return false;
    *feeds = batches_[next_++];
    return true;
  }
  std::string Describe() const override { return "test batches"; }

 private:
  std::vector<std::vector<HostTensor>> batches_;
  std::size_t next_ = 0;
};

HostTensor Floats(std::vector<std::int64_t> shape, std::vector<float> values) {
  HostTensor t = HostTensor::Zeros(DType::kFloat32, std::move(shape));
  for (std::size_t i = 0; i < values.size(); ++i) t.data<float>()[i] = values[i];
  return t;
}

VectorReader TwoBatches() {
  return VectorReader({{Floats({1, 4}, {-3, 1, 2, 5})}, {Floats({2, 4}, {0, -1, 4, 2, 0.5f, -7, 1, 3})}});
}

TEST(CalibrateModel, MinMaxOfInputsIntermediatesAndOutputs) {
  auto reader = TwoBatches();
  std::vector<std::size_t> progress;
  auto table = CalibrateModel(TinyModel(), {"x", "r", "z", "two"}, reader, {CalibrationMethod::kMinMax}, 1,
                              [&](std::size_t batches, std::size_t samples) { progress.push_back(batches * 10 + samples); });
  ASSERT_EQ(table.size(), 4u);
  EXPECT_EQ(table["x"].min, -7.0f);  // over both batches
  EXPECT_EQ(table["x"].max, 5.0f);
  EXPECT_EQ(table["r"].min, 0.0f);   // Relu
  EXPECT_EQ(table["r"].max, 5.0f);
  EXPECT_EQ(table["z"].min, 0.0f);   // 2·Relu
  EXPECT_EQ(table["z"].max, 10.0f);
  EXPECT_EQ(table["two"].min, 2.0f); // an initializer: its own values
  EXPECT_EQ(table["two"].max, 2.0f);
  EXPECT_EQ(progress, (std::vector<std::size_t>{11, 23}));  // (1 batch, 1 sample), (2 batches, 3 samples)
}

TEST(CalibrateModel, PercentileThroughTheSession) {
  // r = Relu(x) over 0..99 (x = −50..99 in one batch): values 0 ×51 (x ≤ 0) and 1..99.
  std::vector<float> xs;
  for (int i = -50; i < 100; ++i) xs.push_back(static_cast<float>(i));
  VectorReader reader({{Floats({static_cast<std::int64_t>(xs.size()) / 4 + 1, 4}, xs)}});
  CalibrationOptions o;
  o.method = CalibrationMethod::kPercentile;
  o.percentile = 90;
  o.num_bins = 99;  // |r| in unit bins over [0, 99]
  auto table = CalibrateModel(TinyModel(), {"r"}, reader, o);
  // 152 values (150 + 2 padding zeros): 53 zeros in bin 0, bin k holds k. The cumulative count
  // 53 + k reaches 0.9·152 = 136.8 at k = 84 (137) → threshold 84.
  EXPECT_FLOAT_EQ(table["r"].min, 0.0f);
  EXPECT_FLOAT_EQ(table["r"].max, 84.0f);
}

TEST(CalibrateModel, ErrorsNameTheTensor) {
  auto reader = TwoBatches();
  try {
    CalibrateModel(TinyModel(), {"r", "nope"}, reader, {});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
    EXPECT_NE(std::string(e.what()).find("'nope'"), std::string::npos) << e.what();
  }
  try {
    CalibrateModel(TinyModel(), {"s"}, reader, {});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("'s' is int64"), std::string::npos) << e.what();
  }
  VectorReader empty({});
  EXPECT_THROW(CalibrateModel(TinyModel(), {"r"}, empty, {}), Error);
}

TEST(CalibrateModel, SqueezeNetOnItsTestSets) {
  QBENCH_REQUIRE_SHARED(model_path, "models/imagenet/squeezenet1.1.onnx");
  QBENCH_REQUIRE_SHARED(sets, "models/imagenet/squeezenet1.1_test_data");
  Model m = LoadModel(model_path);
  std::vector<std::string> names;
  std::vector<std::string> relu_outputs;
  for (const auto& node : m.proto.graph().node()) {
    if (node.op_type() == "Conv") names.push_back(node.output(0));
    if (node.op_type() == "Relu") relu_outputs.push_back(node.output(0));
  }
  names.insert(names.end(), relu_outputs.begin(), relu_outputs.end());
  ASSERT_EQ(names.size(), 52u);  // 26 Conv + 26 Relu
  CalibrationDataSpec spec;
  spec.path = sets;
  auto reader = MakeCalibrationDataReader(m, spec, nullptr);
  auto table = CalibrateModel(m, names, *reader, {CalibrationMethod::kMinMax}, 2);
  ASSERT_EQ(table.size(), names.size());
  // The test inputs hold values in 0..255: the first Conv's output is wide, Relu outputs are >= 0.
  for (const auto& r : relu_outputs) {
    EXPECT_EQ(table[r].min, 0.0f) << r;
    EXPECT_GT(table[r].max, 0.0f) << r;
  }
  for (const auto& [name, range] : table) EXPECT_LE(range.min, range.max) << name;
}

}  // namespace
}  // namespace qbench
