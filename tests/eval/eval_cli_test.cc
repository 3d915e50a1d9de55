// `qbench eval` end to end: JSON keys and values, exit codes.
#include <gtest/gtest.h>

#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "qbench/core/fs.h"
#include "qbench/core/npy.h"
#include "qbench/data/metrics.h"
#include "qbench/quantization/quantizer.h"
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
  auto r = testing::RunCommand(testing::CliPath() + " eval " + model + " --eval-data " + data +
                               " --eval-limit 100 --batch 25 --threads 2 --reference " + model + " --json " + json_path);
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
  // 100 labelled samples: the small_eval_set warning, with the one prefix of src/core/log.cc. It says how precise the
  // estimate is (half the Wilson interval of correct/100) and, with --reference, that the paired change decides;
  // never the unpaired "differences smaller than that are not significant" (R4).
  const Interval ci = WilsonInterval(static_cast<std::size_t>(correct), 100);
  EXPECT_NE(r.err.find(fmt::format("[qbench] warning: top-1 rests on 100 labelled samples: the top-1 estimate is ±{:.1f} "
                                   "points (its 95 % interval spans {:.1f}); against the reference the paired interval of "
                                   "the top-1 change (stdout) decides, not the two intervals",
                                   50 * (ci.hi - ci.lo), 100 * (ci.hi - ci.lo))),
            std::string::npos) << r.err;
  EXPECT_NE(r.out.find("top-1 change"), std::string::npos) << r.out;
  EXPECT_EQ(r.err.find("not significant"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("qbench: warning:"), std::string::npos) << r.err;
  // Without --reference: the precision only.
  auto alone = testing::RunCommand(testing::CliPath() + " eval " + model + " --eval-data " + data +
                                   " --eval-limit 100 --batch 25 --threads 2");
  ASSERT_EQ(alone.exit_code, 0) << alone.err;
  EXPECT_NE(alone.err.find(fmt::format("top-1 rests on 100 labelled samples: the top-1 estimate is ±{:.1f} points (its 95 % "
                                       "interval spans {:.1f})\n", 50 * (ci.hi - ci.lo), 100 * (ci.hi - ci.lo))),
            std::string::npos) << alone.err;
  EXPECT_EQ(alone.err.find("not significant"), std::string::npos) << alone.err;
}

TEST(EvalCli, ExitCodes) {
  QBENCH_REQUIRE_SHARED(model, "models/fmnist/squeezenet1_1.onnx");
  QBENCH_REQUIRE_SHARED(data, "data/fashion-mnist");
  auto bad_preset = testing::RunCommand(testing::CliPath() + " eval " + model + " --eval-data " + data + " --preset coco");
  EXPECT_EQ(bad_preset.exit_code, 2);
  EXPECT_NE(bad_preset.err.find("imagenet, fashion-mnist"), std::string::npos) << bad_preset.err;
  auto missing = testing::RunCommand(testing::CliPath() + " eval " + model + " --eval-data /nonexistent/data");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("/nonexistent/data"), std::string::npos) << missing.err;
  // The imagenet preset on a 32×32 model: a shape mismatch naming both shapes → usage error.
  auto mismatch = testing::RunCommand(testing::CliPath() + " eval " + model + " --eval-data " + data +
                                      " --preset imagenet --eval-limit 2");
  EXPECT_EQ(mismatch.exit_code, 2);
  EXPECT_NE(mismatch.err.find("[3,224,224]"), std::string::npos) << mismatch.err;
  // README's rule: a file fine in itself but of no format qbench can tell → 2 (the fix is --format or
  // another file); a file that claims a format and is malformed → 1.
  const std::string dir = testing::TempDir();
  std::ofstream(dir + "/notes.txt") << "not a dataset\n";
  auto unknown = testing::RunCommand(testing::CliPath() + " eval " + model + " --eval-data " + dir + "/notes.txt");
  EXPECT_EQ(unknown.exit_code, 2) << unknown.err;
  EXPECT_NE(unknown.err.find("pass --format"), std::string::npos) << unknown.err;
  std::ofstream(dir + "/broken.npy") << "not npy";
  auto broken = testing::RunCommand(testing::CliPath() + " eval " + model + " --eval-data " + dir + "/broken.npy");
  EXPECT_EQ(broken.exit_code, 1) << broken.err;
}

// Usage errors of eval and sensitivity: exit 2, one line naming the flag, before any work. The
// --json folder is checked before the dataset is opened: with a missing dataset too, --json is reported.
TEST(EvalCli, UsageErrorsBeforeAnyWork) {
  QBENCH_REQUIRE_SHARED(model, "models/fmnist/squeezenet1_1.onnx");
  QBENCH_REQUIRE_SHARED(data, "data/fashion-mnist");
  const std::string eval = testing::CliPath() + " eval " + model + " --eval-data " + data + " --eval-limit 4 ";
  const std::string sens = testing::CliPath() + " sensitivity " + model + " --eval-data " + data + " --eval-limit 4 ";
  const std::pair<std::string, std::string> cases[] = {
      {testing::CliPath() + " eval " + model + " --eval-data /nonexistent/data --json /nonexistent_qbench/e.json",
       "--json '/nonexistent_qbench/e.json': folder '/nonexistent_qbench' does not exist"},
      {eval + "--json " + testing::TempDir(), "is a directory"},
      {sens + "--json /nonexistent_qbench/s.json", "--json '/nonexistent_qbench/s.json'"},
      {eval + "--crop -5", "--crop: -5 is negative"},
      {eval + "--crop=-5", "--crop: -5 is negative"},
      {eval + "--pad -1", "--pad: -1 is negative"},
      {eval + "--resize 0x0", "--resize '0x0': width and height must be whole numbers of pixels >= 1"},
      {eval + "--resize -5", "--resize '-5'"},
      {eval + "--channels 2", "--channels"},
      {eval + "--eval-limit -1", "--eval-limit: -1 is negative"},
      {eval + "--batch -1", "--batch: -1 is negative"},
      {eval + "--batch ''", "--batch: the value is empty"},
      {eval + "--provider nope", "--provider: execution provider 'nope' is not compiled into this ONNX Runtime"},
      {sens + "--calibration-size -3", "--calibration-size: -3 is negative"},
      {sens + "--max-drop -1", "--max-drop -1: expected percentage points of top-1 agreement with fp32 in [0, 100]"},
      {sens + "--fallback-top 0", "--fallback-top 0: expected a number of layers >= 1"},
      {sens + "--fallback-top 2 --max-drop 1", "--fallback-top and --max-drop exclude each other"},
      {testing::CliPath() + " eval zoo:resnet19 --eval-data " + data, "unknown zoo model 'resnet19'"},
  };
  for (const auto& [cmd, needle] : cases) {
    const auto r = testing::RunCommand(cmd);
    EXPECT_EQ(r.exit_code, 2) << cmd << "\n" << r.err;
    EXPECT_EQ(r.err.rfind("qbench: error: ", 0), 0u) << cmd << "\n" << r.err;
    EXPECT_NE(r.err.find(needle), std::string::npos) << cmd << "\n" << r.err;
    EXPECT_TRUE(r.out.empty()) << cmd << "\n" << r.out;
  }
}

// A bad .npy dataset is a bad input file: exit 1 in eval and in sensitivity alike (before any
// quantization), whether the file is in Fortran order, holds another dtype or another shape, or its
// labels do not match the samples in number. A labels CSV with only a header is an empty dataset.
TEST(EvalCli, BadNpyDatasetsExit1Everywhere) {
  QBENCH_REQUIRE_SHARED(model, "models/fmnist/squeezenet1_1.onnx");  // float32 [?,3,32,32]
  const std::string dir = testing::TempDir();
  WriteNpy(dir + "/good.npy", HostTensor::Zeros(DType::kFloat32, {4, 3, 32, 32}));
  WriteNpy(dir + "/int64.npy", HostTensor::Zeros(DType::kInt64, {4, 3, 32, 32}));
  WriteNpy(dir + "/shape.npy", HostTensor::Zeros(DType::kFloat32, {4, 3, 28, 28}));
  std::string fortran = SerializeNpy(HostTensor::Zeros(DType::kFloat32, {4, 3, 32, 32}));
  fortran.replace(fortran.find("False"), 5, "True ");
  WriteFileAtomic(dir + "/fortran.npy", fortran);
  WriteNpy(dir + "/labels5.npy", HostTensor::Zeros(DType::kInt64, {5}));
  WriteFileAtomic(dir + "/header_only.csv", "file,class_index\n");
  const std::pair<std::string, std::string> datasets[] = {
      {"fortran.npy", "Fortran order"},
      {"int64.npy", "is float32 but the dataset gives int64 samples"},
      {"shape.npy", "npy sample '0' has shape [3,28,28] but the model input 'input' expects [?,3,32,32]"},
      {"good.npy --labels " + dir + "/labels5.npy", "has 5 labels but the npy dataset"},
      {"header_only.csv", "the dataset is empty: labels file '" + dir + "/header_only.csv' has a header but no rows"},
  };
  for (const std::string cmd : {"eval", "sensitivity"}) {
    const std::string extra = cmd == "sensitivity" ? " --calibration-size 4" : "";
    for (const auto& [args, needle] : datasets) {
      const auto r = testing::RunCommand(testing::CliPath() + " " + cmd + " " + model + " --eval-limit 4" + extra +
                                         " --eval-data " + dir + "/" + args);
      EXPECT_EQ(r.exit_code, 1) << cmd << " " << args << "\n" << r.err;
      EXPECT_NE(r.err.find(needle), std::string::npos) << cmd << " " << args << "\n" << r.err;
      EXPECT_TRUE(r.out.empty()) << cmd << " " << args << "\n" << r.out;
    }
  }
}

// `qbench sensitivity` on the fmnist SqueezeNet (26 Conv layers, 16 samples per candidate): every
// layer is ranked once, by SQNR ascending, with MAC shares that add up to 1 (all its MACs are in
// Conv); --fallback-top 2 keeps the first two of the ranking fp32.
TEST(SensitivityCli, RanksEveryConvOfSqueezeNet) {
  QBENCH_REQUIRE_SHARED(model, "models/fmnist/squeezenet1_1.onnx");
  QBENCH_REQUIRE_SHARED(data, "data/fashion-mnist");
  const std::string json_path = testing::TempDir() + "/sens.json";
  auto r = testing::RunCommand(testing::CliPath() + " sensitivity " + model + " --eval-data " + data +
                               " --eval-limit 16 --batch 16 --calibration-size 16 --threads 2 --fallback-top 2 --json " +
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


// Against another model as the reference, `eval` shows the paired top-1 change: its estimate is
// top1 − reference_top1, its counts fill the 2x2 table of the labelled samples, and its interval is
// Newcombe's paired one of those counts.
TEST(EvalCli, PairedTop1ChangeAgainstAReference) {
  QBENCH_REQUIRE_SHARED(model, "models/fmnist/squeezenet1_1.onnx");
  QBENCH_REQUIRE_SHARED(reference, "models/fmnist/mobilenet_v2.onnx");
  QBENCH_REQUIRE_SHARED(data, "data/fashion-mnist");
  const std::string json_path = testing::TempDir() + "/eval_paired.json";
  auto r = testing::RunCommand(testing::CliPath() + " eval " + model + " --eval-data " + data +
                               " --limit 200 --batch 25 --threads 2 --reference " + reference + " --json " + json_path);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("top-1 change"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Newcombe"), std::string::npos) << r.out;
  const auto j = nlohmann::json::parse(ReadFileBytes(json_path));
  const auto& c = j["top1_paired_counts"];
  const std::size_t both = c["both"], model_only = c["model_only"], ref_only = c["reference_only"], neither = c["neither"];
  EXPECT_EQ(both + model_only + ref_only + neither, 200u);
  EXPECT_EQ(both + model_only, j["top1_correct"].get<std::size_t>());
  EXPECT_NEAR(j["top1_change"].get<double>(), j["top1"].get<double>() - j["reference_top1"].get<double>(), 1e-12);
  const auto d = PairedProportionDifference(both, model_only, ref_only, neither);
  EXPECT_NEAR(j["top1_change_ci95"][0].get<double>(), d.lo, 1e-12);
  EXPECT_NEAR(j["top1_change_ci95"][1].get<double>(), d.hi, 1e-12);
  EXPECT_LT(d.lo, d.estimate);
  EXPECT_GT(d.hi, d.estimate);
  EXPECT_NEAR(j["top1_mcnemar_p"].get<double>(), McNemarExactPValue(model_only, ref_only), 1e-12);
}

// The zoo's int8 MobileNetV2 runs u8 activations against full-range s8 weights: where this CPU's u8·s8
// kernels saturate, `eval` says so as the lab does (the u8s8_saturation warning, on stderr and in the JSON).
TEST(EvalCli, AnInt8FileOnSaturatingKernelsIsWarnedAsInTheLab) {
  QBENCH_REQUIRE_SHARED(model, "models/imagenet/mobilenetv2-12-int8.onnx");
  QBENCH_REQUIRE_SHARED(data, "data/imagenet-sample/labels.csv");
  const std::string json_path = testing::TempDir() + "/eval_int8.json";
  auto r = testing::RunCommand(testing::CliPath() + " eval " + model + " --eval-data " + data +
                               " --preset imagenet --eval-limit 4 --threads 2 --json " + json_path);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(ReadFileBytes(json_path));
  bool warned = false;
  for (const auto& w : j["warnings"]) warned = warned || w.value("code", "") == "u8s8_saturation";
  EXPECT_EQ(warned, OrtU8S8KernelsSaturate()) << j["warnings"].dump();
  EXPECT_EQ(r.err.find(model + ": it runs u8 activations against int8 weights beyond [-64, 64]") != std::string::npos,
            OrtU8S8KernelsSaturate())
      << r.err;
}

// A zoo architecture carries seeded random weights: `eval` says its accuracy means nothing, as the lab's report does.
TEST(EvalCli, AZooModelIsWarnedToHaveRandomWeights) {
  QBENCH_REQUIRE_SHARED(data, "data/imagenet-sample/labels.csv");
  auto r = testing::RunCommand(testing::CliPath() + " eval zoo:squeezenet1_1 --eval-data " + data +
                               " --preset imagenet --eval-limit 2 --threads 2");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("[qbench] warning: zoo:squeezenet1_1 is a qbench zoo architecture with seeded random weights: its "
                       "accuracy means nothing"),
            std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace qbench
