#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

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

TEST(OrtRunner, UnknownProviderListsUsableOnes) {
  QBENCH_REQUIRE_SHARED(model_path, "models/imagenet/squeezenet1.1.onnx");
  Model model = LoadModel(model_path);
  SessionConfig config;
  config.execution_provider = "cuda-not-here";
  try {
    OrtRunner::Create(model, config);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("'cuda-not-here' is not compiled into this ONNX Runtime"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("usable: cpu"), std::string::npos) << e.what();
  }
}

// Compiled in is not usable (onnxruntime-node lists cuda/tensorrt/webgpu without their libraries):
// the usable list holds cpu first and only compiled-in providers; each compiled-in provider that
// is not usable is refused as a usage error with ORT's reason shortened to one line, never ORT's
// list of unrelated providers (DML, QNN, CoreML ...).
TEST(OrtRunner, CompiledInButUnusableProviderIsAUsageError) {
  const auto available = AvailableExecutionProviders();
  const auto usable = UsableExecutionProviders();
  ASSERT_FALSE(usable.empty());
  EXPECT_EQ(usable.front(), "cpu");
  EXPECT_NO_THROW(CheckExecutionProvider("cpu"));
  for (const auto& p : usable) {
    EXPECT_NE(std::find(available.begin(), available.end(), p), available.end()) << p;
    EXPECT_NO_THROW(CheckExecutionProvider(p)) << p;
  }
  EXPECT_EQ(UsableExecutionProviders(), usable);  // cached: the same answer
  int refused = 0;
  for (const auto& p : available) {
    if (std::find(usable.begin(), usable.end(), p) != usable.end()) continue;
    ++refused;
    const std::string expected = "execution provider '" + p +
                                 "' is compiled into this ONNX Runtime but cannot be enabled here (";
    for (int via_runner = 0; via_runner < 2; ++via_runner) {
      try {
        if (via_runner) {
          SessionConfig config;
          config.execution_provider = p;
          OrtRunner::Create(Model{}, config);  // refused before the (empty) model is looked at
        } else {
          CheckExecutionProvider(p);
        }
        ADD_FAILURE() << p << " accepted";
      } catch (const Error& e) {
        const std::string m = e.what();
        EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument) << m;
        EXPECT_EQ(m.rfind(expected, 0), 0u) << m;
        EXPECT_NE(m.find("); usable: cpu"), std::string::npos) << m;
        EXPECT_EQ(m.find("DmlExecutionProvider"), std::string::npos) << m;
        EXPECT_EQ(m.find("onnxruntime_src"), std::string::npos) << m;  // no source location
        EXPECT_EQ(m.find('\n'), std::string::npos) << m;
        EXPECT_LT(m.size(), 400u) << m;
        // A provider whose library is not installed: the fix is another ONNX Runtime, not installing CUDA.
        if (m.find("Failed to load shared library") != std::string::npos)
          EXPECT_NE(m.find("build qbench against one that ships it (cmake -DONNXRUNTIME_ROOT=...)"), std::string::npos) << m;
      }
    }
  }
  std::printf("compiled in: %zu providers, usable: %zu, refused: %d\n", available.size(), usable.size(), refused);
}

}  // namespace
}  // namespace qbench
