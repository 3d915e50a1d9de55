// Evaluate(): hand-made logits through fake runners, and the real shared models and data.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <functional>

#include "qbench/core/error.h"
#include "qbench/core/fs.h"
#include "qbench/core/npy.h"
#include "qbench/data/dataset.h"
#include "qbench/eval/evaluator.h"
#include "qbench/model/model.h"
#include "qbench/runtime/runner.h"
#include "test_util.h"

namespace qbench {
namespace {

namespace fs = std::filesystem;

// A runner over float [N,3] → float [N,3], applying `fn` to each row; dim 0 fixed when batch > 0.
class FakeRunner : public Runner {
 public:
  FakeRunner(std::int64_t batch, std::function<void(float*)> fn) : fn_(std::move(fn)) {
    inputs_.push_back({"x", DType::kFloat32, {batch > 0 ? batch : -1, 3}, {"", ""}, true});
    outputs_.push_back({"logits", DType::kFloat32, {batch > 0 ? batch : -1, 3}, {"", ""}, true});
  }
  const std::vector<TensorInfo>& inputs() const override { return inputs_; }
  const std::vector<TensorInfo>& outputs() const override { return outputs_; }
  std::vector<HostTensor> Run(const std::vector<HostTensor>& feeds) override {
    EXPECT_EQ(feeds.size(), 1u);
    if (inputs_[0].shape[0] > 0) EXPECT_EQ(feeds[0].shape[0], inputs_[0].shape[0]);
    HostTensor out = feeds[0];
    for (std::int64_t i = 0; i < out.shape[0]; ++i) fn_(out.data<float>() + i * 3);
    ++runs;
    return {out};
  }
  int runs = 0;

 private:
  std::function<void(float*)> fn_;
  std::vector<TensorInfo> inputs_, outputs_;
};

// Four samples of hand-made logits with labels (see the expectations below).
std::string WriteHandMadeDataset() {
  const std::string dir = testing::TempDir();
  HostTensor x = HostTensor::Zeros(DType::kFloat32, {4, 3});
  const float v[] = {2, 1, 0, 0, 3, 1, 1, 0, 2, 0, 0, 5};
  std::memcpy(x.data<float>(), v, sizeof(v));
  WriteNpy(dir + "/x.npy", x);
  HostTensor labels = HostTensor::Zeros(DType::kInt64, {4});
  const std::int64_t l[] = {0, 1, 0, 2};
  std::memcpy(labels.data<std::int64_t>(), l, sizeof(l));
  WriteNpy(dir + "/x.labels.npy", labels);
  return dir + "/x.npy";
}

// Model = identity; reference adds 2 to logit 0. Hand-computed:
//  model argmax 0,1,2,2 vs labels 0,1,0,2 → top-1 3/4; top-2: sample 2's top-2 {2,0} holds 0 → 4/4.
//  reference logits [4,1,0] [2,3,1] [3,0,2] [2,0,5] → argmax 0,1,0,2: agreement 3/4, its top-1 4/4.
//  SQNR = 10·log10(Σref² / Σ(x−ref)²) = 10·log10(73/16) = 6.59203 dB.
//  mean KL(softmax(ref)‖softmax(x)) = 0.246977 nats, mean cosine 0.904515 (computed by hand in Python).
TEST(Evaluate, HandMadeLogitsAgainstAReference) {
  DatasetSpec spec;
  spec.path = WriteHandMadeDataset();
  auto ds = OpenDataset(spec);
  FakeRunner model(0, [](float*) {});
  FakeRunner reference(1, [](float* row) { row[0] += 2.0f; });  // fixed batch 1: run per sample
  EvalOptions options;
  options.batch_size = 3;  // 4 samples → batches of 3 and 1
  options.top_k = 2;
  options.decode_threads = 2;
  AccuracyResult r = Evaluate(model, *ds, options, &reference);
  EXPECT_EQ(model.runs, 2);
  EXPECT_EQ(reference.runs, 4);
  EXPECT_EQ(r.count, 4u);
  EXPECT_EQ(r.skipped, 0u);
  EXPECT_TRUE(r.classification);
  EXPECT_EQ(r.num_classes, 3u);
  EXPECT_EQ(r.top1_correct, 3u);
  EXPECT_EQ(r.top5_correct, 4u);
  EXPECT_DOUBLE_EQ(r.top1, 0.75);
  EXPECT_NEAR(r.top1_ci95.lo, WilsonInterval(3, 4).lo, 1e-15);
  EXPECT_EQ(r.reference_top1_correct, 4u);
  EXPECT_EQ(r.agreement_count, 3u);
  EXPECT_DOUBLE_EQ(r.top1_agreement, 0.75);
  EXPECT_NEAR(r.sqnr_db, 6.59203, 1e-4);
  EXPECT_NEAR(r.mean_kl, 0.246977, 1e-5);
  EXPECT_NEAR(r.cosine, 0.904515, 1e-5);
  ASSERT_EQ(r.outputs.size(), 1u);
  EXPECT_EQ(r.outputs[0].name, "logits");
  EXPECT_NEAR(r.outputs[0].sqnr_db, 6.59203, 1e-4);
}

TEST(Evaluate, FixedBatchPadsTheLastBatchAndShapeMismatchIsNamed) {
  DatasetSpec spec;
  spec.path = WriteHandMadeDataset();
  auto ds = OpenDataset(spec);
  FakeRunner fixed3(3, [](float*) {});
  AccuracyResult r = Evaluate(fixed3, *ds, EvalOptions{});
  EXPECT_EQ(r.batch_size, 3u);
  EXPECT_EQ(fixed3.runs, 2);  // 3 + (1 padded to 3)
  EXPECT_EQ(r.count, 4u);
  EXPECT_EQ(r.top1_correct, 3u);
  EXPECT_TRUE(std::isnan(r.top1_agreement));  // no reference
  QBENCH_REQUIRE_SHARED(model_path, "models/imagenet/squeezenet1.1.onnx");
  auto squeezenet = OrtRunner::Create(LoadModel(model_path), SessionConfig{});
  try {
    Evaluate(*squeezenet, *ds, EvalOptions{});
    FAIL();
  } catch (const Error& e) {
    // The hand-made dataset is .npy, fed as stored: the file is wrong, not a flag (exit 1).
    EXPECT_EQ(e.code(), ErrorCode::kInvalidInput);
    EXPECT_NE(std::string(e.what()).find("[3]"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("[1,3,224,224]"), std::string::npos) << e.what();
  }
  // The same check before any work, from the model file's inputs; for preprocessed images the
  // mismatch is the preprocessing flags' (kInvalidArgument, exit 2).
  EXPECT_TRUE(ds->FedAsStored());
  const auto inputs = LoadModel(model_path).Inputs();
  for (const bool stored : {true, false}) {
    try {
      CheckSampleFitsModel(inputs, ds->Get(0).input, "0", "the model", stored);
      FAIL();
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), stored ? ErrorCode::kInvalidInput : ErrorCode::kInvalidArgument) << e.what();
      EXPECT_NE(std::string(e.what()).find(stored ? "npy sample '0'" : "--preset"), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW(CheckDatasetFitsModel(*ds, inputs, "the model"), Error);
  EXPECT_NO_THROW(CheckDatasetFitsModel(*ds, fixed3.inputs(), "the model"));  // float32 [3,3] takes [3]
}

// Issue #6: a corrupt image file in a temporary copy of the dataset is skipped and counted.
TEST(Evaluate, CorruptImagesAreSkippedAndCounted) {
  QBENCH_REQUIRE_SHARED(src, "data/imagenet-sample");
  QBENCH_REQUIRE_SHARED(model_path, "models/imagenet/squeezenet1.1.onnx");
  const std::string dir = testing::TempDir();
  std::string csv = "file,class_index,wnid,name\n";
  for (const char* g : {"n01440764_tench.JPEG", "n01496331_electric_ray.JPEG", "n02692877_airship.JPEG"}) {
    fs::copy_file(src + "/" + g, dir + "/" + g);
  }
  const std::string tench = ReadFileBytes(src + "/n01440764_tench.JPEG");
  WriteFileAtomic(dir + "/truncated.JPEG", tench.substr(0, tench.size() / 2));
  WriteFileAtomic(dir + "/garbage.JPEG", "\xFF\xD8\xFF garbage that is not a JPEG body");
  csv += "n01440764_tench.JPEG,0,a,b\ntruncated.JPEG,0,a,b\nn01496331_electric_ray.JPEG,5,a,b\n"
         "garbage.JPEG,9,a,b\nn02692877_airship.JPEG,405,a,b\n";
  WriteFileAtomic(dir + "/labels.csv", csv);
  DatasetSpec spec;
  spec.path = dir;
  auto ds = OpenDataset(spec);
  auto model = OrtRunner::Create(LoadModel(model_path), SessionConfig{});
  AccuracyResult r = Evaluate(*model, *ds, EvalOptions{});
  EXPECT_EQ(r.count, 3u);
  EXPECT_EQ(r.skipped, 2u);
  EXPECT_EQ(r.labelled, 3u);
  ASSERT_EQ(r.skipped_samples.size(), 2u);
  EXPECT_EQ(r.skipped_samples[0].id, "1");
  EXPECT_NE(r.skipped_samples[0].reason.find("truncated.JPEG"), std::string::npos) << r.skipped_samples[0].reason;
  EXPECT_NE(r.skipped_samples[1].reason.find("garbage.JPEG"), std::string::npos) << r.skipped_samples[1].reason;
  ASSERT_FALSE(r.warnings.empty());
  EXPECT_EQ(r.warnings[0].code, "skipped_samples");
}

// fp32 SqueezeNet 1.1 on the 200 shared images with the imagenet preset (PIL bilinear resize
// ported from Pillow, torchvision geometry, libjpeg decoding). The reference pipeline (PIL +
// torchvision) gets top-1 134/200 and top-5 171/200 (../shared/models/imagenet/README.md).
TEST(Evaluate, SqueezeNetOnTheImagenetSample) {
  QBENCH_REQUIRE_SHARED(data, "data/imagenet-sample/labels.csv");
  QBENCH_REQUIRE_SHARED(model_path, "models/imagenet/squeezenet1.1.onnx");
  DatasetSpec spec;
  spec.path = data;
  spec.preprocess = PreprocessOptions::FromPreset("imagenet");
  auto ds = OpenDataset(spec);
  SessionConfig config;
  config.intra_op_threads = 2;
  auto model = OrtRunner::Create(LoadModel(model_path), config);
  AccuracyResult r = Evaluate(*model, *ds, EvalOptions{});
  EXPECT_EQ(r.count, 200u);
  EXPECT_EQ(r.skipped, 0u);
  EXPECT_EQ(r.num_classes, 1000u);
  // Exactly what this loader gives (it matches the PIL reference on all 200 images' top-1/top-5 counts).
  EXPECT_EQ(r.top1_correct, 134u);
  EXPECT_EQ(r.top5_correct, 171u);
  EXPECT_LE(std::abs(static_cast<int>(r.top1_correct) - 134), 3);
}

// Each fmnist model reproduces the PyTorch logits of images 0..7 within 1e-3 and its README top-1
// on the 1000 images (within 1).
TEST(Evaluate, FashionMnistModelsMatchTheirReadme) {
  QBENCH_REQUIRE_SHARED(data, "data/fashion-mnist/test-1000.u8");
  struct Case {
    const char* name;
    std::size_t top1;
  };
  const Case cases[] = {{"mobilenet_v2", 887}, {"mobilenet_v3_small", 915}, {"resnet18", 935}, {"squeezenet1_1", 918}};
  DatasetSpec spec;
  spec.path = data;
  spec.preprocess = PreprocessOptions::FromPreset("fashion-mnist");
  auto ds = OpenDataset(spec);
  HostTensor batch = HostTensor::Zeros(DType::kFloat32, {8, 3, 32, 32});
  for (int i = 0; i < 8; ++i) {
    const Sample s = ds->Get(i);
    std::memcpy(batch.data<float>() + i * 3 * 32 * 32, s.input.data<float>(), s.input.bytes.size());
  }
  for (const Case& c : cases) {
    QBENCH_REQUIRE_SHARED(model_path, std::string("models/fmnist/") + c.name + ".onnx");
    QBENCH_REQUIRE_SHARED(logits_path, std::string("data/fashion-mnist/") + c.name + ".logits8.f32");
    SessionConfig config;
    config.intra_op_threads = 2;
    auto model = OrtRunner::Create(LoadModel(model_path), config);
    const auto out = model->Run({batch});
    ASSERT_EQ(out[0].shape, (std::vector<std::int64_t>{8, 10})) << c.name;
    const std::string ref_bytes = ReadFileBytes(logits_path);
    ASSERT_EQ(ref_bytes.size(), 320u);
    const float* ref = reinterpret_cast<const float*>(ref_bytes.data());
    double max_err = 0;
    for (int i = 0; i < 80; ++i) max_err = std::max(max_err, std::fabs(static_cast<double>(out[0].data<float>()[i]) - ref[i]));
    EXPECT_LE(max_err, 1e-3) << c.name;
    EvalOptions options;
    options.batch_size = 100;
    AccuracyResult r = Evaluate(*model, *ds, options);
    EXPECT_EQ(r.count, 1000u);
    EXPECT_EQ(r.top1_correct, c.top1) << c.name;  // ONNX Runtime reproduced the README counts exactly
  }
}

}  // namespace
}  // namespace qbench
