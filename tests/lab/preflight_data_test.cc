// The lab's preflight checks its data against each model before measuring: --calibration-data is
// opened and read as the static variants will calibrate with it (issue 10, tester G12); a
// --compare-file that is the model's own file is refused (issue 10 R12).
#include <gtest/gtest.h>

#include <filesystem>

#include "qbench/core/error.h"
#include "qbench/core/npy.h"
#include "qbench/lab/preflight.h"
#include "qbench/model/graph_builder.h"
#include "qbench/model/model.h"
#include "test_util.h"

namespace qbench {
namespace {

bool Contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// A model file taking x float32 [N,4] (Relu), saved in `dir`.
std::string SaveTinyModel(const std::string& dir) {
  GraphBuilder g("tiny4", 13);
  g.AddInput("x", DType::kFloat32, {"N", 4});
  g.AddNode("Relu", "relu", {"x"}, {"y"});
  g.AddOutput("y", DType::kFloat32, {"N", 4});
  SaveModel(g.Build(), dir + "/tiny4.onnx");
  return dir + "/tiny4.onnx";
}

LabConfig Config(const std::string& dir, const std::string& model) {
  LabConfig c = DefaultLabConfig();
  c.models = {model};
  c.variants = {"fp32", "static"};
  c.batches = ParseSweepAxis("batch", "1");
  c.input_sizes = ParseSweepAxis("input-size", "224");
  c.threads = ParseSweepAxis("threads", "1");
  c.repetitions = 3;
  c.calibration_size = 4;
  c.output_dir = dir + "/out";
  return c;
}

TEST(CheckCalibrationDataFitsModels, NpyOfTheWrongShapeIsRefusedBeforeMeasuring) {
  const std::string dir = testing::TempDir() + "/calib_npy";
  std::filesystem::create_directories(dir);
  LabConfig c = Config(dir, SaveTinyModel(dir));
  WriteNpy(dir + "/wrong.npy", HostTensor::Zeros(DType::kFloat32, {3, 5}));  // samples of [5], the model takes [4]
  WriteNpy(dir + "/right.npy", HostTensor::Zeros(DType::kFloat32, {3, 4}));
  c.calibration_data = dir + "/wrong.npy";
  try {
    CheckLabInputs(c);
    ADD_FAILURE() << "calibration samples of shape [5] accepted for input x [N,4]";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidInput);  // as `qbench quantize --calibration-data` (exit 1 for .npy)
    const std::string m = e.what();
    EXPECT_TRUE(Contains(m, "--calibration-data '" + dir + "/wrong.npy' and model 'tiny4': ")) << m;
    EXPECT_TRUE(Contains(m, "gives samples of shape [5] but model input 'x' is float32 [N,4]")) << m;
  }
  EXPECT_FALSE(std::filesystem::exists(dir + "/out"));  // nothing written
  c.calibration_data = dir + "/right.npy";
  EXPECT_NO_THROW(CheckLabInputs(c));
  // Only the calibrated variants read it; with --split the evaluation data's own check applies.
  c.calibration_data = dir + "/wrong.npy";
  c.variants = {"fp32", "dynamic"};
  EXPECT_NO_THROW(CheckCalibrationDataFitsModels(c));
}

// The tester's case: Fashion-MNIST images preprocessed by the lab's default preset to [3,32,32] for a
// model taking [N,3,28,28] — a preprocessing mismatch, so a usage error (exit 2) as `qbench quantize`
// gives; the same images fit a model taking [N,3,32,32].
TEST(CheckCalibrationDataFitsModels, PreprocessedImagesOfTheWrongShapeAreAUsageError) {
  QBENCH_REQUIRE_SHARED(u8, "data/fashion-mnist/test-1000.u8");
  const std::string dir = testing::TempDir() + "/calib_u8";
  std::filesystem::create_directories(dir);
  GraphBuilder g("mnist_like", 13);
  g.AddInput("data", DType::kFloat32, {"N", 3, 28, 28});
  g.AddNode("Relu", "relu", {"data"}, {"y"});
  g.AddOutput("y", DType::kFloat32, {"N", 3, 28, 28});
  SaveModel(g.Build(), dir + "/m.onnx");
  GraphBuilder g32("m32", 13);
  g32.AddInput("data", DType::kFloat32, {"N", 3, 32, 32});
  g32.AddNode("Relu", "relu", {"data"}, {"y"});
  g32.AddOutput("y", DType::kFloat32, {"N", 3, 32, 32});
  SaveModel(g32.Build(), dir + "/m32.onnx");
  LabConfig c = Config(dir, dir + "/m.onnx");
  c.calibration_data = u8;
  try {
    CheckLabInputs(c);
    ADD_FAILURE() << "32 px calibration images accepted for a 28 px input";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    const std::string m = e.what();
    EXPECT_TRUE(Contains(m, "--calibration-data '" + u8 + "' and model 'm': ")) << m;
    EXPECT_TRUE(Contains(m, "but model input 'data' is float32 [N,3,28,28]")) << m;
    EXPECT_TRUE(Contains(m, "gives samples of shape [3x32x32]")) << m;
  }
  c.models = {dir + "/m32.onnx"};
  EXPECT_NO_THROW(CheckLabInputs(c));
}

// --compare-file naming the baseline's own file (the same path, a link, a byte-identical copy) would
// compare the model with itself (100 % agreement, 1.00x): refused before measuring, a usage error.
TEST(CheckLabInputs, ACompareFileThatIsTheBaselineFileItselfIsRefused) {
  namespace fs = std::filesystem;
  const std::string dir = testing::TempDir() + "/compare_self";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string model = SaveTinyModel(dir);
  fs::copy_file(model, dir + "/copy.onnx");
  fs::create_symlink(model, dir + "/link.onnx");
  for (const auto& [path, how] : std::vector<std::pair<std::string, std::string>>{
           {model, "one file"}, {dir + "/link.onnx", "one file"}, {dir + "/copy.onnx", "two copies with identical bytes"}}) {
    LabConfig c = Config(dir, model);
    c.external = {{"tiny4", "same", path}};
    try {
      CheckLabInputs(c);
      ADD_FAILURE() << path << " was accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument) << path;  // a usage error: exit 2
      EXPECT_EQ(std::string(e.what()), "--compare-file tiny4:same=" + path + ": '" + path +
                                           "' is the baseline file of model 'tiny4' itself ('" + model + "', " + how +
                                           "); it would be compared with itself: give a file made from it elsewhere, "
                                           "or leave this --compare-file out");
    }
  }
  // Another file with the same interface is measured.
  GraphBuilder g("other", 13);
  g.AddInput("x", DType::kFloat32, {"N", 4});
  g.AddNode("Sigmoid", "sig", {"x"}, {"y"});
  g.AddOutput("y", DType::kFloat32, {"N", 4});
  SaveModel(g.Build(), dir + "/other.onnx");
  LabConfig c = Config(dir, model);
  c.external = {{"tiny4", "other", dir + "/other.onnx"}};
  EXPECT_NO_THROW(CheckLabInputs(c));
}

}  // namespace
}  // namespace qbench
