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

TEST(NpyReader, FixedBatchLargerThanCalibrationSizeTakesOneFullBatch) {
  // The file fixes batch 5; 2 samples asked for could never fill a batch (nothing would calibrate).
  const std::string dir = testing::TempDir();
  WriteNpy(dir + "/x.npy", Iota({7, 3, 4, 4}));
  CalibrationDataSpec spec;
  spec.path = dir + "/x.npy";
  spec.size = 2;
  WarningList w;
  auto batches = ReadAll(*MakeCalibrationDataReader(ImageModel(5), spec, &w));
  ASSERT_EQ(batches.size(), 1u);  // samples 0..4: one full batch; 5, 6 are beyond the raised size
  EXPECT_EQ(batches[0][0].shape, (std::vector<std::int64_t>{5, 3, 4, 4}));
  EXPECT_EQ(batches[0][0].data<float>()[4 * 48], 4 * 48.0f);  // sample 4 starts at element 4·48
  EXPECT_TRUE(HasWarning(w, "calibration_size_raised"));
  EXPECT_FALSE(HasWarning(w, "calibration_partial_batch_dropped"));
  // Random input likewise: one batch of 5 generated samples.
  spec.path.clear();
  WarningList r;
  auto random = ReadAll(*MakeCalibrationDataReader(ImageModel(5), spec, &r));
  ASSERT_EQ(random.size(), 1u);
  EXPECT_EQ(random[0][0].shape, (std::vector<std::int64_t>{5, 3, 4, 4}));
  EXPECT_TRUE(HasWarning(r, "calibration_size_raised"));
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
  std::vector<HostTensor> feeds;
  // The first file is checked when the reader is made (before any progress line).
  std::string msg = ErrorMessage([&] { MakeCalibrationDataReader(ImageModel("N"), spec, nullptr); }, ErrorCode::kInvalidInput);
  EXPECT_NE(msg.find("'x'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("3x5x5"), std::string::npos) << msg;
  EXPECT_NE(msg.find("[N,3,4,4]"), std::string::npos) << msg;

  HostTensor ints = HostTensor::Zeros(DType::kInt32, {3, 4, 4});
  WriteNpy(dir + "/ints.npy", ints);
  spec.path = dir + "/ints.npy";
  msg = ErrorMessage([&] { MakeCalibrationDataReader(ImageModel("N"), spec, nullptr); }, ErrorCode::kInvalidInput);
  EXPECT_NE(msg.find("int32"), std::string::npos) << msg;

  spec.path = dir + "/wrong.npy";
  msg = ErrorMessage([&] { MakeCalibrationDataReader(TwoInputModel(), spec, nullptr); }, ErrorCode::kInvalidInput);
  EXPECT_NE(msg.find("2 inputs"), std::string::npos) << msg;

  spec.path = dir + "/absent.npy";
  ErrorMessage([&] { MakeCalibrationDataReader(ImageModel("N"), spec, nullptr); }, ErrorCode::kNotFound);
}

// A 1,000-sample stack read through the memory-mapped slices: with --batch 4 every sample i of the
// batches is row i of the .npy, in order, and the last partial batch holds the rest.
TEST(NpyReader, LargeStackIsSlicedRowByRowWithBatch) {
  const std::string dir = testing::TempDir();
  WriteNpy(dir + "/x.npy", Iota({1000, 3, 4, 4}));
  CalibrationDataSpec spec;
  spec.path = dir + "/x.npy";
  spec.size = 0;  // all samples
  spec.batch_size = 4;
  auto batches = ReadAll(*MakeCalibrationDataReader(ImageModel("N"), spec, nullptr));
  ASSERT_EQ(batches.size(), 250u);
  std::int64_t sample = 0;
  for (const auto& b : batches) {
    ASSERT_EQ(b[0].shape, (std::vector<std::int64_t>{4, 3, 4, 4}));
    for (std::int64_t k = 0; k < 4; ++k, ++sample)
      for (std::int64_t e = 0; e < 48; e += 47)  // first and last element of the sample
        ASSERT_EQ(b[0].data<float>()[k * 48 + e], static_cast<float>(sample * 48 + e)) << "sample " << sample;
  }
  spec.size = 10;
  spec.batch_size = 3;
  batches = ReadAll(*MakeCalibrationDataReader(ImageModel("N"), spec, nullptr));
  ASSERT_EQ(batches.size(), 4u);  // 3 + 3 + 3 + 1
  EXPECT_EQ(batches[3][0].shape, (std::vector<std::int64_t>{1, 3, 4, 4}));
  EXPECT_EQ(batches[3][0].data<float>()[0], 9 * 48.0f);
}

// x float32 [N,2], t a scalar, v float32 [5] (no batch dimension) → Mul, Add.
Model ScalarAndTableModel() {
  GraphBuilder b("mixed");
  b.AddInput("x", DType::kFloat32, {"N", 5});
  b.AddInput("t", DType::kFloat32, {});
  b.AddInput("v", DType::kFloat32, {5});
  b.AddNode("Mul", "scale", {"x", "t"}, {"s"});
  b.AddNode("Add", "shift", {"s", "v"}, {"y"});
  b.AddOutput("y", DType::kFloat32, {"N", 5});
  return b.Build();
}

// Random calibration of a model with a scalar and a [5] input: samples stack along x's batch only;
// t and v keep their declared shapes and one value across the whole calibration.
TEST(RandomReader, ScalarAndOtherLeadingDimInputsKeepTheirShapes) {
  CalibrationDataSpec spec;
  spec.size = 5;
  spec.batch_size = 2;
  auto batches = ReadAll(*MakeCalibrationDataReader(ScalarAndTableModel(), spec, nullptr));
  ASSERT_EQ(batches.size(), 3u);
  for (const auto& b : batches) {
    ASSERT_EQ(b.size(), 3u);
    EXPECT_EQ(b[1].shape, (std::vector<std::int64_t>{}));
    EXPECT_EQ(b[2].shape, (std::vector<std::int64_t>{5}));
    EXPECT_EQ(b[1].bytes, batches[0][1].bytes);
    EXPECT_EQ(b[2].bytes, batches[0][2].bytes);
  }
  EXPECT_EQ(batches[0][0].shape, (std::vector<std::int64_t>{2, 5}));
  EXPECT_EQ(batches[2][0].shape, (std::vector<std::int64_t>{1, 5}));
  // And the feeds run: calibration collects the output's range.
  CalibrationOptions options;
  options.method = CalibrationMethod::kMinMax;
  auto reader = MakeCalibrationDataReader(ScalarAndTableModel(), spec, nullptr);
  const CalibrationTable table = CalibrateModel(ScalarAndTableModel(), {"y"}, *reader, options, 1);
  ASSERT_EQ(table.count("y"), 1u);
  EXPECT_LT(table.at("y").min, table.at("y").max);
}

// .npy sets for inputs without a batch dimension: the input's own shape (one value for every sample)
// or a stack of them; samples whose scalar differs do not share a batch.
TEST(NpyReader, InputsWithoutBatchDimensionFromFiles) {
  const std::string dir = testing::TempDir() + "/sets";
  std::filesystem::create_directories(dir);
  WriteNpy(dir + "/x.npy", Iota({4, 5}));
  HostTensor t = HostTensor::Zeros(DType::kFloat32, {4});
  for (int i = 0; i < 4; ++i) t.data<float>()[i] = i < 2 ? 1.0f : 2.0f;  // a stack of 4 scalars
  WriteNpy(dir + "/t.npy", t);
  WriteNpy(dir + "/v.npy", Iota({5}, 100));  // one [5] for every sample
  CalibrationDataSpec spec;
  spec.path = dir;
  spec.size = 0;
  spec.batch_size = 4;
  auto batches = ReadAll(*MakeCalibrationDataReader(ScalarAndTableModel(), spec, nullptr));
  ASSERT_EQ(batches.size(), 2u);  // t changes after sample 1: samples 0-1, then 2-3
  EXPECT_EQ(batches[0][0].shape, (std::vector<std::int64_t>{2, 5}));
  EXPECT_EQ(batches[0][0].data<float>()[5], 5.0f);  // row 1 of x.npy
  EXPECT_EQ(batches[1][0].data<float>()[0], 10.0f);  // row 2
  EXPECT_EQ(batches[0][1].shape, (std::vector<std::int64_t>{}));
  EXPECT_EQ(batches[0][1].data<float>()[0], 1.0f);
  EXPECT_EQ(batches[1][1].data<float>()[0], 2.0f);
  EXPECT_EQ(batches[1][2].shape, (std::vector<std::int64_t>{5}));
  EXPECT_EQ(batches[1][2].data<float>()[4], 104.0f);

  WriteNpy(dir + "/v.npy", Iota({4, 6}));
  const std::string msg =
      ErrorMessage([&] { MakeCalibrationDataReader(ScalarAndTableModel(), spec, nullptr); }, ErrorCode::kInvalidInput);
  EXPECT_NE(msg.find("has no batch dimension"), std::string::npos) << msg;
  EXPECT_NE(msg.find("'v'"), std::string::npos) << msg;
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
