// harness_overhead — does qbench's timing harness add anything measurable?
//
// Times SqueezeNet 1.1 (../shared/models/imagenet/squeezenet1.1.onnx, batch 1) two ways in one process,
// interleaved run by run by default (Q R R Q Q R ...: chunks of --chunk-runs runs, order alternating) so
// machine drift hits both alike — on a busy machine, slow phases last seconds and longer chunks let them
// land on one side:
//   Q: qbench's path — OrtRunner::Create + GenerateInputs + OrtBenchTarget + RunBenchmark;
//   R: a minimal loop — its own Ort::Session with the same options, one Ort::Value over the same input
//      bytes, and steady_clock around Ort::Session::Run.
// Both sessions: the same intra-op threads (default 1, see below), graph optimization "all", spinning off
// (two sessions with spinning threads in one process would steal each other's cores: docs/measurement.md).
// Prints both medians, the ratio median(Q)/median(R) with a 95 % bootstrap CI, and PASS when the ratio is
// within 3 % of 1. Exit status 0 on PASS (or when the model is absent: skipped), 1 on FAIL (the whole 95 %
// CI of the ratio outside [0.97, 1.03]), 3 when inconclusive (outside 3 %, but the CI overlaps: too noisy).
//
// Usage: harness_overhead [--threads N] [--chunks C] [--chunk-runs K] [--verbose] [MODEL.onnx]
#include <onnxruntime_cxx_api.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <sys/stat.h>
#include <vector>

#include "qbench/benchmark/benchmark.h"
#include "qbench/benchmark/statistics.h"
#include "qbench/core/error.h"
#include "qbench/model/model.h"
#include "qbench/runtime/inputs.h"
#include "qbench/runtime/ort_env.h"
#include "qbench/runtime/runner.h"

namespace {

double MedianOf(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return qbench::Quantile(v, 0.5);
}

int Run(int argc, char** argv) {
  using namespace qbench;
  // One intra-op thread by default: each session then runs on the calling thread, so Q and R differ only
  // by the harness. With more, each session has its own pool thread; on an oversubscribed machine the
  // scheduler starves one pool thread for seconds at a time and that session runs ~4x slower (seen here:
  // 6 ms vs 27 ms phases that switch sides) — scheduler noise, not harness cost. --threads 2 on a quiet machine.
  int threads = 1, chunks = 300, chunk_runs = 1;
  bool verbose = false;  // print each chunk's two medians (to see drift or bimodality)
  std::string model_path = std::string(QBENCH_SHARED_DIR) + "/models/imagenet/squeezenet1.1.onnx";
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--threads" && i + 1 < argc) threads = std::atoi(argv[++i]);
    else if (a == "--chunks" && i + 1 < argc) chunks = std::atoi(argv[++i]);
    else if (a == "--chunk-runs" && i + 1 < argc) chunk_runs = std::atoi(argv[++i]);
    else if (a == "--verbose") verbose = true;
    else model_path = a;
  }
  struct stat st {};
  if (::stat(model_path.c_str(), &st) != 0) {
    std::printf("SKIP: %s is absent (a clone without ../shared); nothing to measure\n", model_path.c_str());
    return 0;
  }
  if (threads < 1 || chunks < 2 || chunk_runs < 1) {
    std::fprintf(stderr, "harness_overhead: --threads, --chunks (>= 2) and --chunk-runs must be positive\n");
    return 2;
  }

  // --- Q: qbench's path ----------------------------------------------------------------------
  const Model model = LoadModel(model_path);
  SessionConfig config;
  config.intra_op_threads = threads;
  config.inter_op_threads = 1;
  config.graph_optimization = "all";
  config.allow_spinning = false;
  auto runner = OrtRunner::Create(model, config);
  const auto inputs = GenerateInputs(model, model.Inputs(), {0});
  OrtBenchTarget target(*runner, FeedsInOrder(inputs, runner->inputs()));
  BenchmarkConfig bench;
  bench.warmup_runs = 0;
  bench.repetitions = chunk_runs;
  bench.max_repetitions = chunk_runs;
  bench.cv_threshold = 0;

  // --- R: the minimal loop, built the same way -------------------------------------------------
  Ort::Env& env = OrtEnvironment();  // qbench's one environment (telemetry off), as OrtRunner uses
  Ort::SessionOptions opts;
  opts.SetIntraOpNumThreads(threads);
  opts.SetInterOpNumThreads(1);
  opts.SetGraphOptimizationLevel(ORT_ENABLE_ALL);
  opts.AddConfigEntry("session.intra_op.allow_spinning", "0");
  opts.AddConfigEntry("session.inter_op.allow_spinning", "0");
  Ort::Session session(env, model_path.c_str(), opts);
  Ort::AllocatorWithDefaultOptions alloc;
  const std::string in_name = session.GetInputNameAllocated(0, alloc).get();
  const std::string out_name = session.GetOutputNameAllocated(0, alloc).get();
  const char* in_names[] = {in_name.c_str()};
  const char* out_names[] = {out_name.c_str()};
  HostTensor input = inputs[0].tensor;  // the same bytes qbench feeds
  Ort::MemoryInfo mem = Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault);
  Ort::Value value = Ort::Value::CreateTensor<float>(mem, input.data<float>(), input.num_elements(),
                                                     input.shape.data(), input.shape.size());
  auto raw_run = [&] { return session.Run(Ort::RunOptions{nullptr}, in_names, &value, 1, out_names, 1); };

  // Warm-up both (3 runs each, as qbench's default), then interleave chunks.
  for (int i = 0; i < 3; ++i) {
    target.RunOnce();
    raw_run();
  }
  std::vector<double> q_ms, r_ms, q_chunk_median, r_chunk_median;
  q_ms.reserve(static_cast<size_t>(chunks * chunk_runs));
  r_ms.reserve(static_cast<size_t>(chunks * chunk_runs));
  std::vector<double> chunk(static_cast<size_t>(chunk_runs));
  for (int c = 0; c < chunks; ++c) {
    // Alternate which side goes first so neither always follows the other.
    for (int side = 0; side < 2; ++side) {
      const bool qbench_turn = (side == 0) == (c % 2 == 0);
      if (qbench_turn) {
        const Measurement m = RunBenchmark(target, bench);
        q_ms.insert(q_ms.end(), m.latency_ms.begin(), m.latency_ms.end());
        q_chunk_median.push_back(m.statistics.median_ms);
      } else {
        for (int i = 0; i < chunk_runs; ++i) {
          const auto t0 = std::chrono::steady_clock::now();
          auto outs = raw_run();
          const auto t1 = std::chrono::steady_clock::now();
          chunk[static_cast<size_t>(i)] = std::chrono::duration<double, std::milli>(t1 - t0).count();
        }
        r_ms.insert(r_ms.end(), chunk.begin(), chunk.end());
        r_chunk_median.push_back(MedianOf(chunk));
      }
    }
  }

  if (verbose)
    for (size_t c = 0; c < q_chunk_median.size(); ++c)
      std::printf("chunk %3zu  qbench %8.3f ms  bare %8.3f ms\n", c, q_chunk_median[c], r_chunk_median[c]);
  const Statistics q = ComputeStatistics(q_ms), r = ComputeStatistics(r_ms);
  // ratio = median(Q) / median(R): the speedup of R over Q. Paired by chunk (same moment in time).
  const SpeedupEstimate ratio = EstimateSpeedup(q_ms, r_ms, /*paired=*/true, 1234);
  const SpeedupEstimate chunk_ratio = EstimateSpeedup(q_chunk_median, r_chunk_median, /*paired=*/true, 1234);
  std::printf("model: %s (batch 1), %d intra-op threads, spinning off, %d chunks x %d runs each side, interleaved\n",
              model_path.c_str(), threads, chunks, chunk_runs);
  std::printf("qbench RunBenchmark   median %.4f ms  [95%% CI %.4f, %.4f]  mean %.4f  CV %.1f %%\n", q.median_ms,
              q.median_ci_low_ms, q.median_ci_high_ms, q.mean_ms, q.cv * 100);
  std::printf("bare Session::Run     median %.4f ms  [95%% CI %.4f, %.4f]  mean %.4f  CV %.1f %%\n", r.median_ms,
              r.median_ci_low_ms, r.median_ci_high_ms, r.mean_ms, r.cv * 100);
  std::printf("ratio qbench/bare (medians of all runs):       %.4f  [95%% CI %.4f, %.4f]\n", ratio.speedup,
              ratio.ci_low, ratio.ci_high);
  if (chunk_runs > 1)
    std::printf("ratio qbench/bare (median of chunk medians):   %.4f  [95%% CI %.4f, %.4f]\n", chunk_ratio.speedup,
                chunk_ratio.ci_low, chunk_ratio.ci_high);
  const bool pass = ratio.speedup >= 0.97 && ratio.speedup <= 1.03;
  if (pass) {
    std::printf("PASS: qbench's median is within 3 %% of the bare loop's (ratio %.4f)\n", ratio.speedup);
    return 0;
  }
  // Outside 3 %, but the interval still reaches into [0.97, 1.03]: the machine is too noisy to tell.
  if (ratio.ci_low <= 1.03 && ratio.ci_high >= 0.97) {
    std::printf("INCONCLUSIVE: ratio %.4f is outside 3 %% but its 95 %% CI [%.4f, %.4f] overlaps [0.97, 1.03]; "
                "the machine is noisy (CV %.1f %% / %.1f %%): rerun when it is quiet, or with more --chunks\n",
                ratio.speedup, ratio.ci_low, ratio.ci_high, q.cv * 100, r.cv * 100);
    return 3;
  }
  std::printf("FAIL: qbench's median is NOT within 3 %% of the bare loop's (ratio %.4f, 95 %% CI [%.4f, %.4f])\n",
              ratio.speedup, ratio.ci_low, ratio.ci_high);
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return Run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "harness_overhead: error: %s\n", e.what());
    return 1;
  }
}
