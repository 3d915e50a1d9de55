// Accuracy targets of static int8 quantization on real trained models (issue 4, "Targets"):
//  - SqueezeNet 1.1 (ImageNet) on the 200 shared images, calibrated on those images: top-1 within
//    2 points of fp32 (fp32 is 134/200 with PIL-style preprocessing) and top-1 agreement >= 90 %;
//  - the four Fashion-MNIST models, calibrated on the first 100 test images and evaluated on all
//    1000: top-1 within 1 point of fp32.
// Static scheme defaults: Conv weights s8 per-channel, Gemm per-tensor, activations u8 calibrated
// with Percentile 99.999. Skipped (with a message) when ../shared is absent.
#include <gtest/gtest.h>

#include <iostream>
#include <string>

#include "qbench/calibration/calibrator.h"
#include "qbench/data/dataset.h"
#include "qbench/eval/evaluator.h"
#include "qbench/quantization/quantizer.h"
#include "qbench/runtime/runner.h"
#include "test_util.h"

namespace qbench {
namespace {

struct TargetResult {
  std::size_t count = 0;
  std::size_t fp32_correct = 0;
  std::size_t int8_correct = 0;
  std::size_t agreement = 0;
  int fp32_conv_nodes = 0;
  int quantized_conv_nodes = 0;
};

// Quantizes `model_path` (static, calibrated on the first `calibration_size` samples of
// `data_path`) and evaluates fp32 and int8 on the first `eval_size` samples of the same data.
TargetResult QuantizeAndEvaluate(const std::string& model_path, const std::string& data_path, const std::string& preset,
                                 std::size_t calibration_size, std::size_t eval_size, std::size_t eval_batch) {
  const Model fp32 = LoadModel(model_path);
  CalibrationDataSpec calibration;
  calibration.path = data_path;
  calibration.preprocess = PreprocessOptions::FromPreset(preset);
  calibration.size = calibration_size;
  calibration.batch_size = 8;
  WarningList warnings;
  auto reader = MakeCalibrationDataReader(fp32, calibration, &warnings);
  QuantizeOptions options;
  options.scheme = "static";
  options.intra_op_threads = 2;
  QuantizeResult q = QuantizeModel(fp32, options, reader.get(), &warnings);

  TargetResult r;
  for (const auto& node : q.report.nodes) {
    if (node.op_type != "Conv") continue;
    ++r.fp32_conv_nodes;
    r.quantized_conv_nodes += node.quantized;
  }
  DatasetSpec data;
  data.path = data_path;
  data.preprocess = calibration.preprocess;
  data.limit = eval_size;
  auto dataset = OpenDataset(data);
  SessionConfig session;
  session.intra_op_threads = 2;
  auto fp32_runner = OrtRunner::Create(fp32, session);
  auto int8_runner = OrtRunner::Create(q.model, session);
  EvalOptions eval;
  eval.batch_size = eval_batch;
  eval.decode_threads = 1;
  const AccuracyResult acc = Evaluate(*int8_runner, *dataset, eval, fp32_runner.get());
  r.count = acc.count;
  r.fp32_correct = acc.reference_top1_correct;
  r.int8_correct = acc.top1_correct;
  r.agreement = acc.agreement_count;
  std::cout << "[target] " << model_path.substr(model_path.rfind('/') + 1) << ": fp32 top-1 " << r.fp32_correct << "/"
            << r.count << ", int8 top-1 " << r.int8_correct << "/" << r.count << ", agreement " << r.agreement << "/"
            << r.count << ", Conv quantized " << r.quantized_conv_nodes << "/" << r.fp32_conv_nodes << ", size "
            << q.report.size_before_bytes << " -> " << q.report.size_after_bytes << " bytes\n";
  return r;
}

TEST(QuantizationTargets, SqueezeNetImageNetStaticInt8) {
  QBENCH_REQUIRE_SHARED(model, "models/imagenet/squeezenet1.1.onnx");
  QBENCH_REQUIRE_SHARED(csv, "data/imagenet-sample/labels.csv");
  const TargetResult r = QuantizeAndEvaluate(model, csv, "imagenet", 200, 200, 1);
  ASSERT_EQ(r.count, 200u);
  // The preprocessing reproduces the published fp32 figure (134/200) to within a few images.
  EXPECT_NEAR(static_cast<double>(r.fp32_correct), 134.0, 4.0);
  EXPECT_EQ(r.quantized_conv_nodes, r.fp32_conv_nodes);  // all 26 Conv run int8
  EXPECT_EQ(r.fp32_conv_nodes, 26);
  // Within 2 points of 200 = 4 images; agreement >= 90 % = 180 images.
  EXPECT_GE(r.int8_correct + 4, r.fp32_correct);
  EXPECT_GE(r.agreement, 180u);
}

class FashionMnistTarget : public ::testing::TestWithParam<std::pair<const char*, std::size_t>> {};

TEST_P(FashionMnistTarget, StaticInt8WithinOnePoint) {
  const std::string name = GetParam().first;
  QBENCH_REQUIRE_SHARED(model, "models/fmnist/" + name + ".onnx");
  QBENCH_REQUIRE_SHARED(images, "data/fashion-mnist/test-1000.u8");
  const TargetResult r = QuantizeAndEvaluate(model, images, "fashion-mnist", 100, 1000, 50);
  ASSERT_EQ(r.count, 1000u);
  // ORT fp32 on the first 1000 test images, from ../shared/models/fmnist/README.md.
  EXPECT_EQ(r.fp32_correct, GetParam().second);
  EXPECT_GT(r.quantized_conv_nodes, 0);
  EXPECT_GE(r.int8_correct + 10, r.fp32_correct);  // 1 point of 1000 = 10 images
}

INSTANTIATE_TEST_SUITE_P(Models, FashionMnistTarget,
                         ::testing::Values(std::make_pair("mobilenet_v2", std::size_t{887}),
                                           std::make_pair("mobilenet_v3_small", std::size_t{915}),
                                           std::make_pair("resnet18", std::size_t{935}),
                                           std::make_pair("squeezenet1_1", std::size_t{918})),
                         [](const auto& info) { return std::string(info.param.first); });

}  // namespace
}  // namespace qbench
