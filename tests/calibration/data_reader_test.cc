// Calibration data readers: random, .npy (file, folder, sets), datasets; batching and errors.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "qbench/calibration/calibrator.h"
#include "qbench/core/error.h"
#include "qbench/core/npy.h"
#include "qbench/model/graph_builder.h"
#include "test_util.h"

namespace qbench {
namespace {

// x float32 [dim0,3,4,4] → Relu → y.
Model ImageModel(Dim dim0) {
  GraphBuilder b("tiny");
  b.AddInput("x", DType::kFloat32, {dim0, 3, 4, 4});
  b.AddNode("Relu", "relu", {"x"}, {"y"});
  b.AddOutput("y", DType::kFloat32, {dim0, 3, 4, 4});
  return b.Build();
}

// Two inputs: a float32 [N,2], b float32 [N,2] → Add → c.
Model TwoInputModel() {
  GraphBuilder b("two");
  b.AddInput("a", DType::kFloat32, {"N", 2});
  b.AddInput("b", DType::kFloat32, {"N", 2});
  b.AddNode("Add", "add", {"a", "b"}, {"c"});
  b.AddOutput("c", DType::kFloat32, {"N", 2});
  return b.Build();
}

// float32 tensor of `shape` holding offset, offset+1, ...
HostTensor Iota(std::vector<std::int64_t> shape, float offset = 0) {
  HostTensor t = HostTensor::Zeros(DType::kFloat32, std::move(shape));
  for (std::int64_t i = 0; i < t.num_elements(); ++i) t.data<float>()[i] = offset + static_cast<float>(i);
  return t;
}

std::vector<std::vector<HostTensor>> ReadAll(CalibrationDataReader& r) {
  std::vector<std::vector<HostTensor>> out;
  std::vector<HostTensor> feeds;
  while (r.Next(&feeds)) out.push_back(feeds);
  return out;
}

bool HasWarning(const WarningList& w, const std::string& code) {
  for (const auto& item : w.items())
    if (item.code == code) return true;
  return false;
}

template <typename F>
std::string ErrorMessage(F&& f, ErrorCode expected) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), expected) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no error thrown";
  return "";
}

TEST(RandomReader, SeededNormalBatchesWithAWarning) {
  Model m = ImageModel("N");
  CalibrationDataSpec spec;
  spec.size = 5;
  spec.batch_size = 2;
  spec.seed = 7;
  WarningList w;
  auto r = MakeCalibrationDataReader(m, spec, &w);
  auto batches = ReadAll(*r);
  ASSERT_EQ(batches.size(), 3u);  // 2 + 2 + 1
  EXPECT_EQ(batches[0][0].shape, (std::vector<std::int64_t>{2, 3, 4, 4}));
  EXPECT_EQ(batches[2][0].shape, (std::vector<std::int64_t>{1, 3, 4, 4}));
  EXPECT_TRUE(HasWarning(w, "calibration_random_data"));
  // N(0,1): over 240 values the mean is within 0.2 and the standard deviation within 0.8..1.2.
  double sum = 0, sum_sq = 0, n = 0;
  for (const auto& b : batches)
    for (float v : b[0].ToFloatVector()) sum += v, sum_sq += v * v, ++n;
  const double mean = sum / n;
  EXPECT_NEAR(mean, 0.0, 0.2);
  EXPECT_NEAR(std::sqrt(sum_sq / n - mean * mean), 1.0, 0.2);
  // Same seed → same data; another seed → different data.
  auto again = ReadAll(*MakeCalibrationDataReader(m, spec, nullptr));
  EXPECT_EQ(again[0][0].bytes, batches[0][0].bytes);
  spec.seed = 8;
  auto other = ReadAll(*MakeCalibrationDataReader(m, spec, nullptr));
  EXPECT_NE(other[0][0].bytes, batches[0][0].bytes);
}

TEST(RandomReader, FixedBatchModelIsForcedToItsBatch) {
  Model m = ImageModel(1);
  CalibrationDataSpec spec;
  spec.size = 3;
  spec.batch_size = 8;
  WarningList w;
  auto batches = ReadAll(*MakeCalibrationDataReader(m, spec, &w));
  ASSERT_EQ(batches.size(), 3u);
  for (const auto& b : batches) EXPECT_EQ(b[0].shape[0], 1);
  EXPECT_TRUE(HasWarning(w, "calibration_batch_fixed"));
}

TEST(NpyReader, FixedBatchOfTwoDropsAPartialLastBatch) {
  const std::string dir = testing::TempDir();
  WriteNpy(dir + "/x.npy", Iota({3, 3, 4, 4}));
  CalibrationDataSpec spec;
  spec.path = dir + "/x.npy";
  WarningList w;
  auto batches = ReadAll(*MakeCalibrationDataReader(ImageModel(2), spec, &w));
  ASSERT_EQ(batches.size(), 1u);  // samples 0,1; sample 2 cannot fill a batch of 2
  EXPECT_EQ(batches[0][0].shape, (std::vector<std::int64_t>{2, 3, 4, 4}));
  EXPECT_TRUE(HasWarning(w, "calibration_partial_batch_dropped"));
}

TEST(NpyReader, FileWithBatchDimIsSlicedIntoSamplesAndRebatched) {
  const std::string dir = testing::TempDir();
  WriteNpy(dir + "/x.npy", Iota({6, 3, 4, 4}));
  CalibrationDataSpec spec;
  spec.path = dir + "/x.npy";
  spec.size = 4;  // only the first 4 of 6 samples
  spec.batch_size = 3;
  auto batches = ReadAll(*MakeCalibrationDataReader(ImageModel("N"), spec, nullptr));
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(batches[0][0].shape, (std::vector<std::int64_t>{3, 3, 4, 4}));
  EXPECT_EQ(batches[1][0].shape, (std::vector<std::int64_t>{1, 3, 4, 4}));
  EXPECT_EQ(batches[1][0].data<float>()[0], 3 * 48.0f);  // sample 3 starts at element 3·48
}

TEST(NpyReader, FolderOfSamplesWithoutBatchDim) {
  const std::string dir = testing::TempDir();
  WriteNpy(dir + "/a.npy", Iota({3, 4, 4}, 100));
  WriteNpy(dir + "/b.npy", Iota({1, 3, 4, 4}, 200));  // with a batch dim of 1
  WriteNpy(dir + "/labels.npy", Iota({2}));           // labels beside the samples are ignored
  CalibrationDataSpec spec;
  spec.path = dir;
  spec.batch_size = 2;
  auto batches = ReadAll(*MakeCalibrationDataReader(ImageModel("N"), spec, nullptr));
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0][0].shape, (std::vector<std::int64_t>{2, 3, 4, 4}));
  EXPECT_EQ(batches[0][0].data<float>()[0], 100.0f);
  EXPECT_EQ(batches[0][0].data<float>()[48], 200.0f);
}

TEST(NpyReader, SetFoldersFeedEveryInputByNameOrIndex) {
  const std::string dir = testing::TempDir();
  std::filesystem::create_directories(dir + "/set_0");
  std::filesystem::create_directories(dir + "/set_1");
  WriteNpy(dir + "/set_0/a.npy", Iota({2}, 1));
  WriteNpy(dir + "/set_0/b.npy", Iota({2}, 3));
  WriteNpy(dir + "/set_1/input_0.npy", Iota({1, 2}, 5));
  WriteNpy(dir + "/set_1/input_1.npy", Iota({1, 2}, 7));
  CalibrationDataSpec spec;
  spec.path = dir;
  auto batches = ReadAll(*MakeCalibrationDataReader(TwoInputModel(), spec, nullptr));
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(batches[0][0].ToFloatVector(), (std::vector<float>{1, 2}));
  EXPECT_EQ(batches[0][1].ToFloatVector(), (std::vector<float>{3, 4}));
  EXPECT_EQ(batches[1][1].ToFloatVector(), (std::vector<float>{7, 8}));
}

TEST(NpyReader, Float64IsConvertedToFloat32) {
  const std::string dir = testing::TempDir();
  HostTensor t = HostTensor::Zeros(DType::kFloat64, {3, 4, 4});
  t.data<double>()[5] = 2.5;
  WriteNpy(dir + "/x.npy", t);
  CalibrationDataSpec spec;
  spec.path = dir + "/x.npy";
  auto batches = ReadAll(*MakeCalibrationDataReader(ImageModel("N"), spec, nullptr));
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0][0].dtype, DType::kFloat32);
  EXPECT_EQ(batches[0][0].data<float>()[5], 2.5f);
}

TEST(NpyReader, MismatchesNameTheInputAndShapes) {
  const std::string dir = testing::TempDir();
  WriteNpy(dir + "/wrong.npy", Iota({6, 3, 5, 5}));
  CalibrationDataSpec spec;
  spec.path = dir + "/wrong.npy";
  auto reader = MakeCalibrationDataReader(ImageModel("N"), spec, nullptr);
  std::vector<HostTensor> feeds;
  std::string msg = ErrorMessage([&] { reader->Next(&feeds); }, ErrorCode::kInvalidInput);
  EXPECT_NE(msg.find("'x'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("3x5x5"), std::string::npos) << msg;
  EXPECT_NE(msg.find("[N,3,4,4]"), std::string::npos) << msg;

  HostTensor ints = HostTensor::Zeros(DType::kInt32, {3, 4, 4});
  WriteNpy(dir + "/ints.npy", ints);
  spec.path = dir + "/ints.npy";
  reader = MakeCalibrationDataReader(ImageModel("N"), spec, nullptr);
  msg = ErrorMessage([&] { reader->Next(&feeds); }, ErrorCode::kInvalidInput);
  EXPECT_NE(msg.find("int32"), std::string::npos) << msg;

  spec.path = dir + "/wrong.npy";
  msg = ErrorMessage([&] { MakeCalibrationDataReader(TwoInputModel(), spec, nullptr); }, ErrorCode::kInvalidInput);
  EXPECT_NE(msg.find("2 inputs"), std::string::npos) << msg;

  spec.path = dir + "/absent.npy";
  ErrorMessage([&] { MakeCalibrationDataReader(ImageModel("N"), spec, nullptr); }, ErrorCode::kNotFound);
}

TEST(DatasetReader, LabelsCsvIsPreprocessedForAFixedBatchModel) {
  QBENCH_REQUIRE_SHARED(csv, "data/imagenet-sample/labels.csv");
  QBENCH_REQUIRE_SHARED(model_path, "models/imagenet/squeezenet1.1.onnx");
  Model m = LoadModel(model_path);
  CalibrationDataSpec spec;
  spec.path = csv;
  spec.size = 3;
  spec.batch_size = 2;  // the file fixes batch 1
  WarningList w;
  auto batches = ReadAll(*MakeCalibrationDataReader(m, spec, &w));
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[0][0].shape, (std::vector<std::int64_t>{1, 3, 224, 224}));
  EXPECT_TRUE(HasWarning(w, "calibration_batch_fixed"));
  // ImageNet normalisation puts pixels in about [-2.2, 2.7].
  auto v = batches[0][0].ToFloatVector();
  EXPECT_GE(*std::min_element(v.begin(), v.end()), -2.2f);
  EXPECT_LE(*std::max_element(v.begin(), v.end()), 2.7f);

  spec.preprocess.crop = 200;  // wrong size for the model
  auto reader = MakeCalibrationDataReader(m, spec, nullptr);
  std::vector<HostTensor> feeds;
  const std::string msg = ErrorMessage([&] { reader->Next(&feeds); }, ErrorCode::kInvalidArgument);
  EXPECT_NE(msg.find("'data'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("3x200x200"), std::string::npos) << msg;
}

}  // namespace
}  // namespace qbench
