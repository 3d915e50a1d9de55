// `qbench eval` end to end: JSON keys and values, exit codes.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "qbench/core/fs.h"
#include "test_util.h"

namespace qbench {
namespace {

// squeezenet1_1 (fmnist) on the first 100 images, against itself as the reference: the JSON holds
// top1/top5 fractions with Wilson intervals, and perfect fidelity (agreement 1, KL 0, cosine 1,
// SQNR infinite → null).
TEST(EvalCli, FashionMnistJson) {
  QBENCH_REQUIRE_SHARED(model, "models/fmnist/squeezenet1_1.onnx");
  QBENCH_REQUIRE_SHARED(data, "data/fashion-mnist");
  const std::string json_path = testing::TempDir() + "/eval.json";
  auto r = testing::RunCommand(testing::CliPath() + " eval " + model + " --dataset " + data +
                               " --limit 100 --batch 25 --threads 2 --reference " + model + " --json " + json_path);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("top-1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("images/s"), std::string::npos) << r.out;
  const auto j = nlohmann::json::parse(ReadFileBytes(json_path));
  EXPECT_EQ(j["count"], 100);
  EXPECT_EQ(j["skipped"], 0);
  EXPECT_EQ(j["batch_size"], 25);
  const int correct = j["top1_correct"];
  EXPECT_DOUBLE_EQ(j["top1"].get<double>(), correct / 100.0);
  EXPECT_GE(correct, 80);  // 918/1000 overall
  ASSERT_EQ(j["top1_ci95"].size(), 2u);
  EXPECT_LT(j["top1_ci95"][0].get<double>(), j["top1"].get<double>());
  EXPECT_GT(j["top1_ci95"][1].get<double>(), j["top1"].get<double>());
  EXPECT_TRUE(j.contains("top5"));
  EXPECT_GT(j["images_per_s"].get<double>(), 0.0);
  EXPECT_DOUBLE_EQ(j["agreement"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(j["kl"].get<double>(), 0.0);
  EXPECT_TRUE(j["sqnr_db"].is_null());
  EXPECT_NEAR(j["cosine"].get<double>(), 1.0, 1e-12);
}

TEST(EvalCli, ExitCodes) {
  QBENCH_REQUIRE_SHARED(model, "models/fmnist/squeezenet1_1.onnx");
  QBENCH_REQUIRE_SHARED(data, "data/fashion-mnist");
  auto bad_preset = testing::RunCommand(testing::CliPath() + " eval " + model + " --dataset " + data + " --preset coco");
  EXPECT_EQ(bad_preset.exit_code, 2);
  EXPECT_NE(bad_preset.err.find("imagenet, fashion-mnist"), std::string::npos) << bad_preset.err;
  auto missing = testing::RunCommand(testing::CliPath() + " eval " + model + " --dataset /nonexistent/data");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("/nonexistent/data"), std::string::npos) << missing.err;
  // The imagenet preset on a 32×32 model: a shape mismatch naming both shapes → usage error.
  auto mismatch = testing::RunCommand(testing::CliPath() + " eval " + model + " --dataset " + data +
                                      " --preset imagenet --limit 2");
  EXPECT_EQ(mismatch.exit_code, 2);
  EXPECT_NE(mismatch.err.find("[3,224,224]"), std::string::npos) << mismatch.err;
}

}  // namespace
}  // namespace qbench
