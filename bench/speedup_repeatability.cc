// speedup_repeatability — does an interleaved speedup repeat from one run to the next within its CI?
//
// report.md tells readers to compare interleaved speedups, not milliseconds, across runs. This measures
// whether that holds: the same point is measured R times (--runs, default 8), each an independent
// comparison as one lab run would make it — fresh sessions (no session cache), the lab's own timing
// settings (LabCompareOptions of the default LabConfig: 3 warm-up rounds, exactly 10 interleaved
// rounds, the global thread pool, seed 0) through CompareModels, fp32 first as the lab's baseline.
// (Separate lab runs are separate processes; here ONNX Runtime's environment and global pool outlive
// each comparison, its sessions do not.)
//
// Models: --fp32 SPEC (default zoo:squeezenet1_1) against --int8 FILE, or, without --int8, the lab's
// variant "static" of it made here by the library's quantizer, calibrated on 16 seeded random samples
// (the lab calibrates on random input too when it has no data; zoo weights are random anyway).
// Images: --input-size (default 224 for a zoo model, the file's own H and W for a file), --batch 1,
// --threads (default: the lab's, the CPUs available).
//
// Prints per run: the 1-minute load average before it, both medians, the speedup median(fp32) /
// median(int8) with its paired-bootstrap 95 % CI; then the spread max/min of the R speedups (and of
// the R fp32 medians, for comparison), the median of the R speedups and the coverage: how many of
// the R CIs contain that median. CIs that capture run-to-run variation cover it in about R of R;
// fewer means the runs differ by more than each run's CI says.
//
// Usage: speedup_repeatability [--fp32 SPEC] [--int8 FILE] [--runs 8] [--batch 1] [--threads N]
//                              [--input-size PIXELS]
// Exit status: 0 after printing, 2 for a usage error, 1 when a model cannot be made or run.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "qbench/benchmark/compare.h"
#include "qbench/benchmark/environment.h"
#include "qbench/benchmark/statistics.h"
#include "qbench/calibration/calibrator.h"
#include "qbench/core/error.h"
#include "qbench/core/log.h"
#include "qbench/lab/config.h"
#include "qbench/lab/ort_backend.h"
#include "qbench/model/shapes.h"
#include "qbench/quantization/quantizer.h"
#include "qbench/runtime/runner.h"
#include "qbench/zoo/zoo.h"

namespace {

using namespace qbench;  // NOLINT(build/namespaces)

struct RunResult {
  double load = -1;  // 1-minute load average before the run
  double fp32_ms = 0, int8_ms = 0;
  SpeedupEstimate speedup;
};

// The lab's variant "static" of `fp32`, calibrated on 16 seeded random samples (as lab_prepare.cc
// makes it when the lab has no calibration data, with fewer samples).
Model MakeStaticInt8(const Model& fp32, const LabConfig& lab, std::int64_t input_size, int threads) {
  const LabVariantInfo& info = FindLabVariant("static");
  QuantizeOptions q;
  q.scheme = info.scheme->name;
  q.granularity = info.weight_granularity;
  q.intra_op_threads = threads;
  CalibrationDataSpec data;
  data.seed = lab.seed;
  data.size = 16;
  data.batch_size = 1;
  data.shape_overrides = LabShapes(fp32, 1, input_size);
  WarningList warnings;  // "random calibration data": known, and the point of this program
  auto reader = MakeCalibrationDataReader(fp32, data, &warnings);
  return QuantizeModel(fp32, q, reader.get(), &warnings).model;
}

int Run(int argc, char** argv) {
  std::string fp32_spec = "zoo:squeezenet1_1", int8_file;
  int runs = 8, batch = 1, threads = 0, input_size = -1;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw Error(ErrorCode::kInvalidArgument, a + " needs a value");
      return argv[++i];
    };
    if (a == "--fp32") fp32_spec = next();
    else if (a == "--int8") int8_file = next();
    else if (a == "--runs") runs = std::atoi(next().c_str());
    else if (a == "--batch") batch = std::atoi(next().c_str());
    else if (a == "--threads") threads = std::atoi(next().c_str());
    else if (a == "--input-size") input_size = std::atoi(next().c_str());
    else throw Error(ErrorCode::kInvalidArgument, "unknown argument '" + a + "'; see the comment at the top of speedup_repeatability.cc");
  }
  if (runs < 2 || batch < 1 || threads < 0 || input_size < -1)
    throw Error(ErrorCode::kInvalidArgument, "--runs must be >= 2, --batch >= 1, --threads and --input-size >= 0");
  SetLogLevel(LogLevel::kWarning);
  const LabConfig lab = DefaultLabConfig();
  if (threads == 0) threads = static_cast<int>(DefaultThreadCount());
  const bool zoo = fp32_spec.rfind("zoo:", 0) == 0;
  if (input_size < 0) input_size = zoo ? 224 : 0;

  const Model fp32 = LoadModelOrZoo(fp32_spec);
  std::fprintf(stderr, "[speedup_repeatability] %s\n",
               int8_file.empty() ? "quantizing (static, 16 random calibration samples)" : ("loading " + int8_file).c_str());
  const Model int8 = int8_file.empty() ? MakeStaticInt8(fp32, lab, input_size, threads) : LoadModel(int8_file);
  const std::string int8_label = int8_file.empty() ? "static int8 made here" : int8_file;
  // One set of shapes for both, from the baseline, as the lab's MeasureGroup does.
  const auto shapes = ResolveInputShapes(fp32, LabShapes(fp32, batch, input_size));
  const CompareOptions options = LabCompareOptions(lab, batch, threads);

  std::vector<RunResult> results;
  InterleavePolicy policy = options.policy;
  for (int r = 0; r < runs; ++r) {
    RunResult res;
    res.load = ReadLoadAverage1Min();
    const Comparison c = CompareModels({{"fp32", &fp32, shapes, ""}, {"int8", &int8, shapes, ""}}, options);
    for (const auto& w : c.warnings) std::fprintf(stderr, "[speedup_repeatability] %s\n", w.message.c_str());
    if (!c.models[1].has_speedup)
      throw Error(ErrorCode::kRuntime, "run " + std::to_string(r + 1) + " gave no speedup: " + c.models[1].speedup_unavailable);
    policy = c.policy;
    res.fp32_ms = c.models[0].measurement.statistics.median_ms;
    res.int8_ms = c.models[1].measurement.statistics.median_ms;
    res.speedup = c.models[1].speedup;
    std::fprintf(stderr, "[speedup_repeatability] run %d/%d: load %.2f, speedup %.3f\n", r + 1, runs, res.load,
                 res.speedup.speedup);
    results.push_back(res);
  }

  std::vector<double> speedups, fp32_ms, loads;
  for (const auto& r : results) {
    speedups.push_back(r.speedup.speedup);
    fp32_ms.push_back(r.fp32_ms);
    loads.push_back(r.load);
  }
  std::sort(speedups.begin(), speedups.end());
  std::sort(fp32_ms.begin(), fp32_ms.end());
  std::sort(loads.begin(), loads.end());
  const double median = Quantile(speedups, 0.5);
  const EnvironmentInfo cpu = CaptureCpu();

  std::printf("speedup_repeatability: %s (fp32) vs %s, batch %d, input %s, %d intra-op threads,\n"
              "ONNX Runtime %s, interleaving policy %s, %s (%d logical cores)\n"
              "%d independent comparisons, each as the lab measures a point: %d warm-up + %d interleaved rounds, "
              "fresh sessions\n\n",
              fp32_spec.c_str(), int8_label.c_str(), batch, input_size > 0 ? std::to_string(input_size).c_str() : "the file's",
              threads, OrtVersion().c_str(), InterleavePolicyName(policy), cpu.cpu_model.c_str(),
              static_cast<int>(DefaultThreadCount()), runs, options.config.warmup_runs, options.config.repetitions);
  std::printf("%4s %6s %10s %10s %26s %8s\n", "run", "load", "fp32 ms", "int8 ms", "speedup [95% CI]", "covers");
  int covered = 0;
  for (std::size_t i = 0; i < results.size(); ++i) {
    const RunResult& r = results[i];
    const bool covers = r.speedup.ci_low <= median && median <= r.speedup.ci_high;
    covered += covers ? 1 : 0;
    char ci[64];
    std::snprintf(ci, sizeof ci, "%.3f [%.3f, %.3f]", r.speedup.speedup, r.speedup.ci_low, r.speedup.ci_high);
    std::printf("%4zu %6.2f %10.3f %10.3f %26s %8s\n", i + 1, r.load, r.fp32_ms, r.int8_ms, ci, covers ? "yes" : "no");
  }
  std::printf("\nload average (1 min) before the runs: %.2f to %.2f\n", loads.front(), loads.back());
  std::printf("median of the %d speedups: %.3f\n", runs, median);
  std::printf("spread of the speedups (max/min): %.3f (%.3f to %.3f)\n", speedups.back() / speedups.front(),
              speedups.front(), speedups.back());
  std::printf("spread of the fp32 medians (max/min): %.3f (%.3f to %.3f ms)\n", fp32_ms.back() / fp32_ms.front(),
              fp32_ms.front(), fp32_ms.back());
  std::printf("coverage: %d of %d 95 %% CIs contain the median speedup\n", covered, runs);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return Run(argc, argv);
  } catch (const qbench::Error& e) {
    std::fprintf(stderr, "speedup_repeatability: %s\n", e.what());
    return e.code() == qbench::ErrorCode::kInvalidArgument ? 2 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "speedup_repeatability: %s\n", e.what());
    return 1;
  }
}
