#include <gtest/gtest.h>

#include <cmath>

#include "qbench/core/error.h"
#include "qbench/core/npy.h"
#include "qbench/model/model.h"
#include "qbench/runtime/runner.h"
#include "test_util.h"

namespace qbench {
namespace {

// fp32 SqueezeNet 1.1 reproduces the reference outputs shipped with the model (issue #2):
// max |got - ref| / max |ref| <= 1e-4 for each of the three test sets.
TEST(OrtRunner, SqueezeNetReproducesReferenceOutputs) {
  QBENCH_REQUIRE_SHARED(model_path, "models/imagenet/squeezenet1.1.onnx");
  Model model = LoadModel(model_path);
  SessionConfig config;
  config.intra_op_threads = 2;
  auto runner = OrtRunner::Create(model, config);
  ASSERT_EQ(runner->inputs().size(), 1u);
  EXPECT_EQ(runner->inputs()[0].name, "data");
  for (int set = 0; set < 3; ++set) {
    const std::string dir = model_path.substr(0, model_path.rfind('/')) + "/squeezenet1.1_test_data/set_" + std::to_string(set);
    HostTensor input = ReadNpy(dir + "/input_0.npy");
    HostTensor expected = ReadNpy(dir + "/output_0.npy");
    auto outputs = runner->Run({input});
    ASSERT_EQ(outputs.size(), 1u);
    ASSERT_EQ(outputs[0].shape, expected.shape);
    auto got = outputs[0].ToFloatVector();
    auto ref = expected.ToFloatVector();
    double max_ref = 0, max_err = 0;
    for (size_t i = 0; i < ref.size(); ++i) {
      max_ref = std::max(max_ref, std::fabs(static_cast<double>(ref[i])));
      max_err = std::max(max_err, std::fabs(static_cast<double>(got[i]) - ref[i]));
    }
    EXPECT_LE(max_err / max_ref, 1e-4) << "set " << set;
  }
}

TEST(OrtRunner, UnknownProviderListsAvailableOnes) {
  QBENCH_REQUIRE_SHARED(model_path, "models/imagenet/squeezenet1.1.onnx");
  Model model = LoadModel(model_path);
  SessionConfig config;
  config.execution_provider = "cuda-not-here";
  try {
    OrtRunner::Create(model, config);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("available: "), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("cpu"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace qbench
