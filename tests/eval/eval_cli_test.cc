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

// `qbench sensitivity` on the fmnist SqueezeNet (26 Conv layers, 16 samples per candidate): every
// layer is ranked once, by SQNR ascending, with MAC shares that add up to 1 (all its MACs are in
// Conv); --fallback-top 2 keeps the first two of the ranking fp32.
TEST(SensitivityCli, RanksEveryConvOfSqueezeNet) {
  QBENCH_REQUIRE_SHARED(model, "models/fmnist/squeezenet1_1.onnx");
  QBENCH_REQUIRE_SHARED(data, "data/fashion-mnist");
  const std::string json_path = testing::TempDir() + "/sens.json";
  auto r = testing::RunCommand(testing::CliPath() + " sensitivity " + model + " --dataset " + data +
                               " --limit 16 --batch 16 --calibration-size 16 --threads 2 --fallback-top 2 --json " +
                               json_path);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(ReadFileBytes(json_path));
  const auto& layers = j["layers"];
  ASSERT_EQ(layers.size(), 26u);
  double share = 0, previous = -1e9;
  for (const auto& l : layers) {
    EXPECT_EQ(l["op_type"], "Conv");
    share += l["mac_share"].get<double>();
    const double sqnr = l["sqnr_db"].get<double>();
    EXPECT_GE(sqnr, previous);
    EXPECT_GT(sqnr, 10.0);  // one int8 layer alone keeps the logits close
    previous = sqnr;
  }
  EXPECT_NEAR(share, 1.0, 1e-9);
  const auto& steps = j["fallback"]["steps"];
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_TRUE(steps[0]["keep_float"].empty());
  ASSERT_EQ(steps[1]["keep_float"].size(), 2u);
  EXPECT_EQ(steps[1]["keep_float"][0], layers[0]["name"]);
  EXPECT_EQ(steps[1]["keep_float"][1], layers[1]["name"]);
  EXPECT_NE(r.out.find("--exclude " + layers[0]["name"].get<std::string>()), std::string::npos) << r.out;
}

}  // namespace
}  // namespace qbench
