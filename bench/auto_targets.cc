// auto_targets: the targets of issue 12 for `quantize --auto`, each ratio measured in one run on this
// machine (2 intra-op threads by default):
//  - zoo MobileNetV3-small at batch 1 and 8, zoo MobileNetV2 at batch 1, ResNet18, SqueezeNet 1.1:
//    the speedup of --auto's choice over fp32 with its 95 % CI, and of today's static default (u8,
//    per-channel Conv, HardSigmoid decomposed, no islands) in the same interleaved run. The zoo
//    models have seeded random weights, so their accuracy is not judged (--max-drop 100, generated
//    data); only speed is.
//  - the real MobileNetV2 (../shared/models/imagenet/mobilenetv2-7-hybrid.onnx), calibrated on 100
//    of the 200 shared images and evaluated on the other 100: agreement and speedup of --auto's
//    choice (--max-drop 5), and of the ONNX Model Zoo's own int8 file (mobilenetv2-12-int8.onnx),
//    agreement on the same 100 images and latency in the same interleaved run.
// Usage: auto_targets [--threads N] [--budget S] [--skip-zoo] [--skip-real]
#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

#include "qbench/core/log.h"
#include "qbench/data/dataset.h"
#include "qbench/eval/evaluator.h"
#include "qbench/lab/auto_quantize.h"
#include "qbench/model/model.h"
#include "qbench/runtime/inputs.h"
#include "qbench/runtime/runner.h"
#include "qbench/zoo/zoo.h"

namespace {

using namespace qbench;

std::string Speed(const AutoCandidate& c) {
  return c.timed ? fmt::format("{:.2f}x [{:.2f}, {:.2f}]", c.speedup.speedup, c.speedup.ci_low, c.speedup.ci_high) : "-";
}

const AutoCandidate* StaticDefault(const AutoQuantizeResult& r) {
  for (const auto& c : r.candidates)
    if (c.timed && c.keep_float.empty() && c.activation_type == DType::kUint8 &&
        c.granularity == WeightGranularity::kDefault && c.hard_sigmoid == HardSigmoidPolicy::kDecompose)
      return &c;
  return nullptr;
}

void Zoo(const std::string& name, std::int64_t batch, int threads, double budget) {
  const Model fp32 = BuildZooModel(name);
  AutoQuantizeOptions o;
  o.max_drop_points = 100;  // random weights: speed only
  o.batch = batch;
  o.threads = threads;
  o.time_budget_s = budget;
  o.eval_limit = 16;
  o.calibration.size = 16;
  o.calibration.shape_overrides = WithZooDefaultDims(fp32, {});
  const auto t0 = std::chrono::steady_clock::now();
  const AutoQuantizeResult r = AutoQuantize(fp32, o);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const AutoCandidate* st = StaticDefault(r);
  std::printf("%-20s b%-2lld  auto: %-28s %-24s  static default: %-24s  fp32 %.2f ms  search %.0f s\n", name.c_str(),
              static_cast<long long>(batch), r.chosen >= 0 ? r.candidates[r.chosen].name.c_str() : "fp32 unchanged",
              r.chosen >= 0 ? Speed(r.candidates[r.chosen]).c_str() : "1.00x (fp32)", st ? Speed(*st).c_str() : "-",
              r.fp32_median_ms, s);
  std::fflush(stdout);
}

void Real(const std::string& shared, int threads, double budget) {
  const std::string fp32_path = shared + "/models/imagenet/mobilenetv2-7-hybrid.onnx";
  const std::string zoo_int8 = shared + "/models/imagenet/mobilenetv2-12-int8.onnx";
  const std::string data = shared + "/data/imagenet-sample/labels.csv";
  if (!std::filesystem::exists(fp32_path) || !std::filesystem::exists(data)) {
    std::printf("real MobileNetV2: ../shared is absent; skipped\n");
    return;
  }
  const Model fp32 = LoadModel(fp32_path);
  AutoQuantizeOptions o;
  o.max_drop_points = 5;
  o.threads = threads;
  o.time_budget_s = budget;
  o.calibration.path = data;
  o.calibration.size = 100;
  o.eval_limit = 100;
  const AutoQuantizeResult r = AutoQuantize(fp32, o);
  std::printf("%s", FormatAutoResult(r).c_str());
  // The zoo's int8 file: agreement on the same evaluation part, latency interleaved with fp32 and --auto's choice.
  DatasetSpec eval;
  eval.path = data;
  eval.seed = 0;
  eval.split_calibration = 100;
  eval.part = DatasetPart::kEvaluation;
  eval.limit = 100;
  const auto dataset = OpenDataset(eval);
  SessionConfig session;
  session.intra_op_threads = threads;
  auto ref = OrtRunner::Create(fp32, session);
  const Model int8 = LoadModel(zoo_int8);
  auto zoo = OrtRunner::Create(int8, session);
  const AccuracyResult a = Evaluate(*zoo, *dataset, EvalOptions{}, ref.get());
  BenchmarkConfig config;
  config.repetitions = 30;
  config.max_repetitions = 100;
  auto timer = MakeOrtAutoTimer(1, threads, config, 0, {});
  std::vector<const Model*> models = {&fp32, &int8};
  if (r.chosen >= 0) models.push_back(&r.model);
  const Comparison t = timer->Compare(models, {"fp32", "zoo int8", "auto"});
  std::printf("real MobileNetV2 b1: fp32 median %.2f ms; zoo int8 file: agreement %.1f %% [%.1f, %.1f] (%zu/%zu), "
              "median %.2f ms, speedup %.2fx [%.2f, %.2f]\n",
              t.models[0].measurement.statistics.median_ms, 100 * a.top1_agreement, 100 * a.top1_agreement_ci95.lo,
              100 * a.top1_agreement_ci95.hi, a.agreement_count, a.count, t.models[1].measurement.statistics.median_ms,
              t.models[1].speedup.speedup, t.models[1].speedup.ci_low, t.models[1].speedup.ci_high);
  if (r.chosen >= 0) {
    const AutoCandidate& c = r.candidates[r.chosen];
    std::printf("real MobileNetV2 b1: --auto (%s): agreement %.1f %% [%.1f, %.1f] (%zu/%zu), median %.2f ms, speedup "
                "%.2fx [%.2f, %.2f] in the same run; vs the zoo file's latency: %.2fx\n",
                c.name.c_str(), 100 * c.agreement, 100 * c.agreement_ci95.lo, 100 * c.agreement_ci95.hi, c.agree,
                c.samples, t.models[2].measurement.statistics.median_ms, t.models[2].speedup.speedup, t.models[2].speedup.ci_low, t.models[2].speedup.ci_high,
                t.models[1].measurement.statistics.median_ms / t.models[2].measurement.statistics.median_ms);
  } else {
    std::printf("real MobileNetV2 b1: --auto wrote fp32 unchanged: %s\n", r.decision.c_str());
  }
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 2;
  double budget = 300;
  bool zoo = true, real = true;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--threads") && i + 1 < argc) threads = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--budget") && i + 1 < argc) budget = std::atof(argv[++i]);
    else if (!std::strcmp(argv[i], "--skip-zoo")) zoo = false;
    else if (!std::strcmp(argv[i], "--skip-real")) real = false;
  }
  qbench::SetLogLevel(qbench::LogLevel::kWarning);
  const auto t0 = std::chrono::steady_clock::now();
  if (zoo) {
    Zoo("mobilenet_v3_small", 1, threads, budget);
    Zoo("mobilenet_v3_small", 8, threads, budget);
    Zoo("mobilenet_v2", 1, threads, budget);
    Zoo("resnet18", 1, threads, budget);
    Zoo("squeezenet1_1", 1, threads, budget);
    std::printf("zoo searches together: %.0f s\n",
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  if (real) Real(QBENCH_SHARED_DIR, threads, budget);
  return 0;
}
